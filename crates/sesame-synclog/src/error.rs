//! The one error type of the sync log.

use std::path::PathBuf;

/// Why the sync log could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum SyncLogError {
    /// A file operation failed; names the file and what Sesame was doing.
    #[error(
        "could not {action} the sync log file {path}: {source} \
         (check that the folder exists and is writable by this user, or pass another --log-path)"
    )]
    Io {
        /// What Sesame was doing (`append to`, `rotate`, `read`, …).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The log's folder (or a file in it) is not safe for root to write: it
    /// is a symlink, or another user owns or can write it. Names the path
    /// and the fix.
    #[error("the sync log {log} was not written (or pass another --log-path): {reason}")]
    Unsafe {
        /// The log file.
        log: PathBuf,
        /// What is unsafe, where, and the fix.
        reason: sesame_safefs::UnsafeFolder,
    },
    /// The event could not be encoded as JSON.
    #[error(transparent)]
    Encode(#[from] sesame_core::synclog::EncodeError),
}

impl SyncLogError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| match source
            .get_ref()
            .and_then(|e| e.downcast_ref::<sesame_safefs::UnsafeFolder>())
        {
            Some(reason) => Self::Unsafe {
                log: path,
                reason: reason.clone(),
            },
            None => Self::Io {
                action,
                path,
                source,
            },
        }
    }
}
