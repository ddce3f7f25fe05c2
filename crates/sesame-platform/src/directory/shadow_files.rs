//! Reading `/etc/passwd`, `/etc/group` and `/etc/shadow` under a root.

use std::path::Path;

use super::DirectoryError;

/// One line of `/etc/passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PasswdEntry {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub full_name: String,
    pub home: String,
}

/// One line of `/etc/group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupEntry {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

fn read(path: &Path) -> Result<String, DirectoryError> {
    std::fs::read_to_string(path).map_err(|source| DirectoryError::Io {
        path: path.to_owned(),
        source,
    })
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#') && !l.starts_with('+'))
}

fn damaged(path: &Path, line: usize, what: &str) -> DirectoryError {
    DirectoryError::Damaged {
        path: path.to_owned(),
        problem: format!("line {line}: {what}"),
    }
}

/// Parse `etc/passwd` under `root`.
pub(crate) fn passwd(root: &Path) -> Result<Vec<PasswdEntry>, DirectoryError> {
    let path = root.join("etc/passwd");
    let text = read(&path)?;
    lines(&text)
        .map(|(n, line)| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 7 {
                return Err(damaged(&path, n, "expected 7 fields"));
            }
            Ok(PasswdEntry {
                name: f[0].to_owned(),
                uid: f[2].parse().map_err(|_| damaged(&path, n, "bad UID"))?,
                gid: f[3].parse().map_err(|_| damaged(&path, n, "bad GID"))?,
                full_name: f[4].split(',').next().unwrap_or_default().to_owned(),
                home: f[5].to_owned(),
            })
        })
        .collect()
}

/// Parse `etc/group` under `root`.
pub(crate) fn groups(root: &Path) -> Result<Vec<GroupEntry>, DirectoryError> {
    let path = root.join("etc/group");
    let text = read(&path)?;
    lines(&text)
        .map(|(n, line)| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 4 {
                return Err(damaged(&path, n, "expected 4 fields"));
            }
            Ok(GroupEntry {
                name: f[0].to_owned(),
                gid: f[2].parse().map_err(|_| damaged(&path, n, "bad GID"))?,
                members: f[3]
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(str::to_owned)
                    .collect(),
            })
        })
        .collect()
}

/// The password hash of `name` from `etc/shadow` under `root`.
pub(crate) fn shadow_hash(root: &Path, name: &str) -> Result<Option<String>, DirectoryError> {
    let path = root.join("etc/shadow");
    let text = read(&path)?;
    Ok(lines(&text).find_map(|(_, line)| {
        let mut f = line.split(':');
        (f.next() == Some(name)).then(|| f.next().unwrap_or_default().to_owned())
    }))
}
