//! `sesame log --follow`: new lines as they are written, across rotations.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::error::SyncLogError;
use crate::read::{LogItem, open_all, parse_line, split_lines};

/// Tails a sync log. Call [`Follower::poll`] periodically; when a writer
/// rotates the log, the rest of the old file is read before the new one.
#[derive(Debug)]
pub struct Follower {
    path: PathBuf,
    file: Option<(File, u64)>,
    pending: Vec<u8>,
    line: usize,
}

impl Follower {
    /// Starts at the current end of the log: only lines written from now on.
    pub fn from_end(path: impl Into<PathBuf>) -> Result<Self, SyncLogError> {
        let path = path.into();
        let mut follower = Self {
            path,
            file: None,
            pending: Vec::new(),
            line: 0,
        };
        if let Some((mut file, ino)) = follower.open_current()? {
            file.seek(SeekFrom::End(0))
                .map_err(SyncLogError::io("read", &follower.path))?;
            follower.file = Some((file, ino));
        }
        Ok(follower)
    }

    /// The log being followed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns the complete lines written since the last call, including
    /// those in files rotated away in between.
    pub fn poll(&mut self) -> Result<Vec<LogItem>, SyncLogError> {
        let mut items = Vec::new();
        self.drain(&mut items)?;
        let current_ino = match std::fs::metadata(&self.path) {
            Ok(m) => Some(m.ino()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(SyncLogError::io("inspect", &self.path)(e)),
        };
        let held_ino = self.file.as_ref().map(|(_, ino)| *ino);
        if current_ino.is_none() || current_ino == held_ino {
            return Ok(items);
        }
        // Rotated (or created): the rest of our file was drained above; read
        // every file rotated after it, then switch to the current one.
        self.flush_pending(&mut items);
        let mut opened = open_all(&self.path)?;
        let current = match opened.pop() {
            Some((p, f)) if p == self.path => f,
            _ => return Ok(items),
        };
        let mut newer = false;
        for (file_path, mut file) in opened {
            let ino = file
                .metadata()
                .map_err(SyncLogError::io("inspect", &file_path))?
                .ino();
            if newer {
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes)
                    .map_err(SyncLogError::io("read", &file_path))?;
                for (i, line) in split_lines(&bytes).enumerate() {
                    items.extend(parse_line(line, &file_path, i + 1));
                }
            }
            newer |= Some(ino) == held_ino;
        }
        let ino = current
            .metadata()
            .map_err(SyncLogError::io("inspect", &self.path))?
            .ino();
        self.file = Some((current, ino));
        self.line = 0;
        self.drain(&mut items)?;
        Ok(items)
    }

    fn open_current(&self) -> Result<Option<(File, u64)>, SyncLogError> {
        match File::open(&self.path) {
            Ok(f) => {
                let ino = f
                    .metadata()
                    .map_err(SyncLogError::io("inspect", &self.path))?
                    .ino();
                Ok(Some((f, ino)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SyncLogError::io("open", &self.path)(e)),
        }
    }

    fn drain(&mut self, items: &mut Vec<LogItem>) -> Result<(), SyncLogError> {
        let Some((file, _)) = self.file.as_mut() else {
            return Ok(());
        };
        file.read_to_end(&mut self.pending)
            .map_err(SyncLogError::io("read", &self.path))?;
        while let Some(end) = self.pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            self.line += 1;
            if let Some(item) = parse_line(&line[..end], &self.path, self.line) {
                items.push(item);
            }
        }
        Ok(())
    }

    fn flush_pending(&mut self, items: &mut Vec<LogItem>) {
        if !self.pending.is_empty() {
            self.line += 1;
            let line = std::mem::take(&mut self.pending);
            if let Some(item) = parse_line(&line, &self.path, self.line) {
                items.push(item);
            }
        }
    }
}
