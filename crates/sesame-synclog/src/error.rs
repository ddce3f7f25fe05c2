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
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }
}
