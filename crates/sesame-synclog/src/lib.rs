//! Sesame's sync log on disk: one JSON line per [`SyncEvent`].
//!
//! - [`SyncLogWriter`] appends whole lines under an advisory lock on
//!   `<log>.lock`, rotating by size (`sync.log` → `sync.log.1` → …) so that
//!   several processes (agent, menu-bar daemon, `sesame doctor`) can write
//!   the same log without losing or tearing a line.
//! - [`read_log`] reads the rotated files oldest first and reports a corrupt
//!   line instead of failing; [`Follower`] tails the log across rotations.
//! - [`SystemLogLayer`] (macOS and Linux) is a `tracing` layer that copies
//!   events to the system log: the unified log on macOS, syslog/journald on
//!   Linux. The writer emits every event as a `tracing` event with target
//!   [`TRACING_TARGET`].
//!
//! Unix only: rotation detection relies on inode numbers.
#![warn(missing_docs)]

mod error;
mod follow;
mod host;
mod paths;
mod read;
#[cfg(any(target_os = "macos", target_os = "linux"))]
mod system_log;
mod system_log_format;
mod write;

pub use error::SyncLogError;
pub use follow::Follower;
pub use host::host_name;
pub use paths::{default_log_path, lock_path, log_files, rotated_path};
pub use read::{CorruptLine, LogItem, ReadReport, read_log};
#[cfg(any(target_os = "macos", target_os = "linux"))]
pub use system_log::SystemLogLayer;
pub use write::{
    DEFAULT_KEEP, DEFAULT_MAX_BYTES, FILE_MODE, FOLDER_MODE, LOCK_MODE, SyncLogWriter,
    TRACING_TARGET,
};

pub use sesame_core::synclog::{Component, EventKind, LogUser, SyncEvent, Verdict};
