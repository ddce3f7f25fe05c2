//! Who may own and write a folder Sesame writes into, and a report of every
//! component of a path for the admin who has to fix it.

use std::fmt;
use std::fs::Metadata;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// A folder (or a file in it) Sesame refused to write, with the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeFolder {
    /// The path refused.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: String,
    /// What the admin should do.
    pub fix: String,
    /// One line per path component: type, owner, mode, and what is wrong.
    pub diagnosis: String,
}

impl UnsafeFolder {
    pub(crate) fn new(path: &Path, problem: String, fix: String) -> Self {
        Self {
            path: path.to_owned(),
            problem,
            fix,
            diagnosis: diagnose_path(path),
        }
    }
}

impl fmt::Display for UnsafeFolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refusing to write in {}: {}, so a local user could redirect what Sesame writes there as root. Fix: {}\n{}",
            self.path.display(),
            self.problem,
            self.fix,
            self.diagnosis
        )
    }
}

impl std::error::Error for UnsafeFolder {}

impl From<UnsafeFolder> for std::io::Error {
    fn from(e: UnsafeFolder) -> Self {
        std::io::Error::new(std::io::ErrorKind::PermissionDenied, e)
    }
}

pub(crate) fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Whether this process runs as root (effective UID 0): only root writes
/// files that root will later trust.
pub fn running_as_root() -> bool {
    euid() == 0
}

/// Whether `uid` may own what Sesame writes: root, or the user this process
/// runs as (a developer's own folder when not run as root).
fn trusted_owner(uid: u32) -> bool {
    uid == 0 || uid == euid()
}

/// What is wrong with a folder whose (not-followed) metadata is `meta`, if
/// anything: owned by another non-root user, writable by every user, or
/// writable by a group other than root's (gid 0). Returns the problem and
/// the fix.
fn folder_problem(path: &Path, meta: &Metadata) -> Option<(String, String)> {
    let shown = path.display();
    if meta.file_type().is_symlink() {
        return Some((
            "it is a symbolic link (Sesame does not follow one here)".to_owned(),
            format!("remove the link (`sudo rm {shown}`) and let Sesame create the folder"),
        ));
    }
    if !meta.is_dir() {
        return Some((
            "it is not a folder".to_owned(),
            format!("move {shown} away and let Sesame create the folder"),
        ));
    }
    let mode = meta.mode() & 0o7777;
    if !trusted_owner(meta.uid()) {
        return Some((
            format!("it is owned by uid {}, not by root", meta.uid()),
            format!(
                "`sudo chown root {shown} && sudo chmod go-w {shown}`, or remove it and let Sesame recreate it"
            ),
        ));
    }
    if mode & 0o002 != 0 {
        return Some((
            format!("every user can write it (mode {mode:04o})"),
            format!("`sudo chmod o-w {shown}`"),
        ));
    }
    if mode & 0o020 != 0 && meta.gid() != 0 {
        return Some((
            format!(
                "members of group {} can write it (mode {mode:04o})",
                meta.gid()
            ),
            format!("`sudo chmod g-w {shown}` (or `sudo chgrp 0 {shown}`)"),
        ));
    }
    None
}

/// Checks a folder Sesame is about to write into, from metadata read
/// without following a symlink (`lstat`, or `fstat` of a folder opened with
/// `O_NOFOLLOW`). Accepted: a real folder owned by root (or by the user this
/// process runs as), not writable by every user, and group-writable only by
/// root's group.
pub fn check_folder(path: &Path, meta: &Metadata) -> Result<(), UnsafeFolder> {
    match folder_problem(path, meta) {
        Some((problem, fix)) => Err(UnsafeFolder::new(path, problem, fix)),
        None => Ok(()),
    }
}

fn kind(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_symlink() {
        "symbolic link"
    } else if t.is_dir() {
        "folder"
    } else if t.is_file() {
        "file"
    } else if t.is_fifo() || t.is_socket() {
        "pipe or socket"
    } else {
        "special file"
    }
}

/// One line per component of `path`, from `/` down: its type, owner, group
/// and mode (never following a symlink), and what is wrong with it for a
/// file Sesame writes as root. A missing component ends the report.
pub fn diagnose_path(path: &Path) -> String {
    let mut lines = Vec::new();
    let mut ancestors: Vec<&Path> = path
        .ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    ancestors.reverse();
    let last = ancestors.len().saturating_sub(1);
    for (i, p) in ancestors.into_iter().enumerate() {
        let meta = match std::fs::symlink_metadata(p) {
            Ok(m) => m,
            Err(e) => {
                lines.push(format!("  {}: {e}", p.display()));
                break;
            }
        };
        let mut line = format!(
            "  {}: {}, owner uid {}, group gid {}, mode {:04o}",
            p.display(),
            kind(&meta),
            meta.uid(),
            meta.gid(),
            meta.mode() & 0o7777
        );
        if meta.file_type().is_symlink() {
            if let Ok(target) = std::fs::read_link(p) {
                line.push_str(&format!(" -> {}", target.display()));
            }
            if i == last || !trusted_owner(meta.uid()) {
                line.push_str("  <- not followed by Sesame");
            }
        } else if meta.is_dir() {
            // A sticky folder above (like /tmp) lets others add entries
            // but not replace ours: not a problem for what is below it.
            let sticky_ancestor = i < last && meta.mode() & 0o1000 != 0;
            if let Some((problem, _)) = folder_problem(p, &meta).filter(|_| !sticky_ancestor) {
                line.push_str(&format!("  <- {problem}"));
            }
        } else if i < last {
            line.push_str("  <- not a folder");
        }
        lines.push(line);
    }
    lines.join("\n")
}
