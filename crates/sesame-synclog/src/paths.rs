//! Where the sync log lives and how its rotated files are named.

use std::path::{Path, PathBuf};

/// The sync log's default path on this OS: `/Library/Logs/Sesame/sync.log`
/// on macOS, `/var/log/sesame/sync.log` elsewhere — the `LogPath` profile
/// key's default, defined once in [`sesame_core::synclog::DEFAULT_LOG_PATH`].
pub fn default_log_path() -> PathBuf {
    PathBuf::from(sesame_core::synclog::DEFAULT_LOG_PATH)
}

/// The `n`th rotated file: `sync.log.1` is the newest, higher is older.
pub fn rotated_path(log: &Path, n: u32) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

/// The lock file writers and readers share: `sync.log.lock`.
pub fn lock_path(log: &Path) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// The log's files that exist now, oldest first: `sync.log.N` … `sync.log.1`,
/// `sync.log`. Numbering gaps are tolerated.
pub fn log_files(log: &Path) -> Vec<PathBuf> {
    let mut numbered: Vec<(u32, PathBuf)> = Vec::new();
    if let (Some(dir), Some(base)) = (log.parent(), log.file_name().and_then(|n| n.to_str())) {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                let Some(suffix) = name.strip_prefix(base).and_then(|s| s.strip_prefix('.')) else {
                    continue;
                };
                if let Ok(n) = suffix.parse::<u32>() {
                    numbered.push((n, rotated_path(log, n)));
                }
            }
        }
    }
    numbered.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    let mut files: Vec<PathBuf> = numbered.into_iter().map(|(_, p)| p).collect();
    if log.exists() {
        files.push(log.to_path_buf());
    }
    files
}
