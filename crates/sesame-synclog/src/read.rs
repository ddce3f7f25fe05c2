//! Reading the whole log, rotated files included, oldest line first.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sesame_core::synclog::SyncEvent;

use crate::error::SyncLogError;
use crate::paths::{lock_path, log_files};

/// A line that is not a sync-log event (torn by a crash, edited by hand, or
/// from another program). Reported, never fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorruptLine {
    /// The file it is in.
    pub file: PathBuf,
    /// Its line number in that file, from 1.
    pub line: usize,
    /// Why it could not be read.
    pub error: String,
}

impl std::fmt::Display for CorruptLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: skipped a line that is not a sync-log event ({})",
            self.file.display(),
            self.line,
            self.error
        )
    }
}

/// One line of the log: an event, or a line that could not be read.
pub type LogItem = Result<SyncEvent, CorruptLine>;

/// Everything read from a log.
#[derive(Debug, Clone, Default)]
pub struct ReadReport {
    /// The events, oldest first.
    pub events: Vec<SyncEvent>,
    /// Lines that were skipped, in file order.
    pub corrupt: Vec<CorruptLine>,
    /// The files read, oldest first.
    pub files: Vec<PathBuf>,
}

/// Reads `sync.log.N` … `sync.log.1`, `sync.log` in that order.
///
/// The files are opened under a shared lock so a concurrent rotation cannot
/// make a line appear twice or not at all; a missing log is an empty report.
pub fn read_log(path: &Path) -> Result<ReadReport, SyncLogError> {
    let opened = open_all(path)?;
    let mut report = ReadReport::default();
    for (file_path, mut file) in opened {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(SyncLogError::io("read", &file_path))?;
        for (i, line) in split_lines(&bytes).enumerate() {
            match parse_line(line, &file_path, i + 1) {
                Some(Ok(e)) => report.events.push(e),
                Some(Err(c)) => report.corrupt.push(c),
                None => {}
            }
        }
        report.files.push(file_path);
    }
    Ok(report)
}

/// Opens every file of the log while holding a shared lock.
pub(crate) fn open_all(path: &Path) -> Result<Vec<(PathBuf, File)>, SyncLogError> {
    // Readers may lack write access to the folder: lock only if the lock
    // file can be opened, and read anyway otherwise.
    let lock = File::open(lock_path(path)).ok();
    if let Some(lock) = &lock {
        lock.lock_shared()
            .map_err(SyncLogError::io("lock", lock_path(path)))?;
    }
    let mut opened = Vec::new();
    let mut result = Ok(());
    for file_path in log_files(path) {
        match File::open(&file_path) {
            Ok(f) => opened.push((file_path, f)),
            // Rotated away by a writer that does not use the lock: skip.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                result = Err(SyncLogError::io("open", file_path)(e));
                break;
            }
        }
    }
    if let Some(lock) = &lock {
        let _ = lock.unlock();
    }
    result.map(|()| opened)
}

/// Splits on `\n`; the last piece is yielded only if not empty.
pub(crate) fn split_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let trimmed = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let empty = trimmed.is_empty() && bytes.is_empty();
    trimmed.split(|b| *b == b'\n').filter(move |_| !empty)
}

/// Parses one line; blank lines are ignored (`None`).
pub(crate) fn parse_line(line: &[u8], file: &Path, number: usize) -> Option<LogItem> {
    let corrupt = |error: String| CorruptLine {
        file: file.to_path_buf(),
        line: number,
        error,
    };
    let text = match std::str::from_utf8(line) {
        Ok(t) => t,
        Err(e) => return Some(Err(corrupt(format!("not UTF-8: {e}")))),
    };
    if text.trim().is_empty() {
        return None;
    }
    Some(SyncEvent::from_line(text).map_err(|e| corrupt(e.to_string())))
}
