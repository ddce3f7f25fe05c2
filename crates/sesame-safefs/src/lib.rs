//! Files Sesame writes as root, written so that a local user cannot redirect
//! them (DESIGN principle 10: "root touches only what it checked").
//!
//! - [`SafeDir`] opens a folder without following a symlink at its last
//!   component, checks who owns it and who can write it
//!   ([`check_folder`]), and then does every file operation *relative to
//!   that open folder* (`openat`, `renameat`, `unlinkat`) with `O_NOFOLLOW`,
//!   so swapping the folder or planting a symlink after the check changes
//!   nothing.
//! - A folder that fails the check is refused with an [`UnsafeFolder`] error
//!   naming the path, the problem and the fix, followed by a per-component
//!   [`diagnose_path`] report (modelled on kanidm's `file_permissions`).
//! - [`write_atomic`] writes a whole file or nothing (unpredictable
//!   temporary name, `O_CREAT|O_EXCL`, fsync, rename, fsync the folder);
//!   [`LockFile`] is an exclusive `flock` for read-modify-write cycles.
//!
//! Unix only (macOS and Linux).
#![warn(missing_docs)]

mod check;
mod dir;

pub use check::{UnsafeFolder, check_folder, diagnose_path, running_as_root};
pub use dir::{FileId, LockFile, SafeDir, remove_durably, write_atomic};
