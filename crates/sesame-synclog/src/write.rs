//! Appending events: whole lines, under a lock, with size-based rotation.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use sesame_core::synclog::SyncEvent;
use sesame_safefs::SafeDir;

use crate::error::SyncLogError;
use crate::paths::{lock_path, rotated_path};

/// Mode of a log folder Sesame creates: root writes, everyone may list.
pub const FOLDER_MODE: u32 = 0o755;
/// Mode of the log files: root writes, root and the file's group read (the
/// log names people and devices; `sesame log` needs `sudo` otherwise).
pub const FILE_MODE: u32 = 0o640;
/// Mode of the lock file: root only, so no other user can hold the lock and
/// stall the writers.
pub const LOCK_MODE: u32 = 0o600;

/// Rotate when the next line would take the log past this size (10 MiB).
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// How many rotated files to keep (`sync.log.1` … `sync.log.5`).
pub const DEFAULT_KEEP: u32 = 5;
/// The `tracing` target every written event is also emitted under.
pub const TRACING_TARGET: &str = "sesame::synclog";

/// Appends events to one sync log; safe to use from several processes.
///
/// Each append takes an exclusive `flock` on `<log>.lock`, rotates if the
/// line would not fit, then writes the whole line with one `O_APPEND` write.
/// Rotation only renames files, so no line is ever lost or split; files
/// beyond `keep` are deleted (retention is about `keep × max_bytes`).
///
/// The writer runs as root: its folder is checked once when opened (owned
/// by root, not writable by another user; see [`sesame_safefs::check_folder`])
/// and every file is opened, renamed and removed relative to that open
/// folder with `O_NOFOLLOW`, so a planted symlink is refused, never followed.
#[derive(Debug)]
pub struct SyncLogWriter {
    path: PathBuf,
    dir: SafeDir,
    name: String,
    lock: File,
    log: Option<(File, u64, u64)>,
    max_bytes: u64,
    keep: u32,
}

/// Releases the advisory lock when dropped, whatever happened in between.
struct Locked<'a>(&'a File);

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

impl SyncLogWriter {
    /// Opens (and creates if needed) the log at `path` and its folder, with
    /// the default rotation ([`DEFAULT_MAX_BYTES`], [`DEFAULT_KEEP`]). A new
    /// folder gets [`FOLDER_MODE`], new log files [`FILE_MODE`]; a folder
    /// another user owns or can write is refused with the fix.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, SyncLogError> {
        let path = path.into();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_owned)
            .ok_or_else(|| {
                SyncLogError::io("open", &path)(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "the path does not end in a file name",
                ))
            })?;
        let folder = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        let dir = SafeDir::create(&folder, FOLDER_MODE)
            .map_err(SyncLogError::io("create the folder of", &path))?;
        let lock_name = format!("{name}.lock");
        let lock = dir
            .open_append(&lock_name, LOCK_MODE)
            .map_err(SyncLogError::io("open the lock file of", lock_path(&path)))?;
        Ok(Self {
            path,
            dir,
            name,
            lock,
            log: None,
            max_bytes: DEFAULT_MAX_BYTES,
            keep: DEFAULT_KEEP,
        })
    }

    /// Sets the rotation size and how many rotated files to keep (at least 1).
    pub fn with_rotation(mut self, max_bytes: u64, keep: u32) -> Self {
        self.max_bytes = max_bytes.max(1);
        self.keep = keep.max(1);
        self
    }

    /// The log file this writer appends to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one event as one line, and emits it to `tracing`.
    pub fn append(&mut self, event: &SyncEvent) -> Result<(), SyncLogError> {
        let line = event.to_line()?;
        self.append_line(line.as_bytes())?;
        emit_tracing(event);
        Ok(())
    }

    fn append_line(&mut self, line: &[u8]) -> Result<(), SyncLogError> {
        self.lock
            .lock()
            .map_err(SyncLogError::io("lock", lock_path(&self.path)))?;
        let _guard = Locked(&self.lock);
        let current = self
            .dir
            .stat(&self.name)
            .map_err(SyncLogError::io("inspect", &self.path))?;
        let mut current_id = current.map(|m| (m.dev, m.ino));
        if let Some(m) = &current
            && m.len > 0
            && m.len.saturating_add(line.len() as u64) > self.max_bytes
        {
            rotate(&self.dir, &self.name, &self.path, self.keep)?;
            self.log = None;
            current_id = None;
        }
        if let Some((_, dev, ino)) = &self.log
            && current_id != Some((*dev, *ino))
        {
            // Another process rotated (or removed) the file we hold open.
            self.log = None;
        }
        let file = match &mut self.log {
            Some((file, _, _)) => file,
            slot => {
                let file = self
                    .dir
                    .open_append(&self.name, FILE_MODE)
                    .map_err(SyncLogError::io("open", &self.path))?;
                let m = file
                    .metadata()
                    .map_err(SyncLogError::io("inspect", &self.path))?;
                &mut slot
                    .insert((file, MetadataExt::dev(&m), MetadataExt::ino(&m)))
                    .0
            }
        };
        file.write_all(line)
            .map_err(SyncLogError::io("append to", &self.path))
    }
}

/// Shifts `sync.log.N` → `.N+1` (dropping the oldest) and `sync.log` → `.1`.
/// Called with the lock held; every name is relative to the checked folder.
fn rotate(dir: &SafeDir, name: &str, path: &Path, keep: u32) -> Result<(), SyncLogError> {
    let numbered = |n: u32| format!("{name}.{n}");
    dir.remove(&numbered(keep)).map_err(SyncLogError::io(
        "remove the oldest rotated file",
        rotated_path(path, keep),
    ))?;
    for n in (1..keep).rev() {
        let from = numbered(n);
        let exists = dir
            .stat(&from)
            .map_err(SyncLogError::io("rotate", rotated_path(path, n)))?
            .is_some();
        if exists {
            dir.rename(&from, &numbered(n + 1))
                .map_err(SyncLogError::io("rotate", rotated_path(path, n)))?;
        }
    }
    dir.rename(name, &numbered(1))
        .map_err(SyncLogError::io("rotate", path))?;
    Ok(())
}

/// Emits the event under [`TRACING_TARGET`] so a system-log layer sees it.
fn emit_tracing(event: &SyncEvent) {
    let user = event.user.as_ref().map_or("", |u| u.upn.as_str());
    let verdict = event.verdict.map_or("", |v| v.name());
    let codes = event
        .codes
        .iter()
        .map(|c| format!("AADSTS{c}"))
        .collect::<Vec<_>>()
        .join(",");
    tracing::info!(
        target: TRACING_TARGET,
        component = event.component.name(),
        event = event.event.name(),
        user,
        verdict,
        codes = codes.as_str(),
        "{}",
        event.message
    );
}
