//! Sesame's root-owned state file: identity bindings and the record of UIDs
//! Sesame has used. Written atomically, mode 0644, in a folder checked with
//! `sesame_safefs` (owned by root, not writable by another user); every
//! read-modify-write holds an exclusive lock on `accounts.json.lock`, so the
//! agent, the menu-bar daemon and the CLI never lose each other's changes.
//!
//! Readable by everyone, writable by root only: the menu-bar daemon runs as
//! the user and must find its own binding. Nothing in it is secret (names,
//! UIDs, Entra object and tenant IDs, as public as `/etc/passwd`; on a Mac
//! the binding is a directory attribute any user can read).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sesame_core::provisioning::Binding;

use super::DirectoryError;
use sesame_safefs::{SafeDir, write_atomic};

/// The state file's mode: world-readable, root-writable.
const STATE_MODE: u32 = 0o644;

/// Its folder's mode: the daemon (a user) must be able to reach the file.
const STATE_FOLDER_MODE: u32 = 0o755;

/// Where the state file lives, relative to the system root.
pub const STATE_FILE: &str = "var/lib/sesame/accounts.json";

/// The contents of the state file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingState {
    /// Format version (1).
    pub version: u32,
    /// Bindings by short name.
    pub accounts: BTreeMap<String, Binding>,
    /// Every UID Sesame has handed out, deleted accounts included.
    pub used_uids: BTreeSet<u32>,
}

impl BindingState {
    /// Read the state file at `path`; a missing file is an empty state.
    pub fn load(path: &Path) -> Result<Self, DirectoryError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self {
                    version: 1,
                    ..Self::default()
                });
            }
            Err(source) => {
                return Err(DirectoryError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        serde_json::from_slice(&bytes).map_err(|e| DirectoryError::Damaged {
            path: path.to_owned(),
            problem: e.to_string(),
        })
    }

    /// Write the state file at `path` atomically (temp file, fsync, rename).
    pub fn save(&self, path: &Path) -> Result<(), DirectoryError> {
        let mut bytes = serde_json::to_vec_pretty(self).map_err(|e| DirectoryError::Damaged {
            path: path.to_owned(),
            problem: e.to_string(),
        })?;
        bytes.push(b'\n');
        write_atomic(path, &bytes, STATE_MODE).map_err(|source| DirectoryError::Io {
            path: path.to_owned(),
            source,
        })
    }
}

/// Read-modify-write of the state file at `path`, under an exclusive lock
/// on `<path>.lock` held from before the read until after the rename, so a
/// concurrent writer (agent, daemon, CLI) never loses a binding.
pub(crate) fn update_state(
    path: &Path,
    change: impl FnOnce(&mut BindingState),
) -> Result<(), DirectoryError> {
    let io = |source| DirectoryError::Io {
        path: path.to_owned(),
        source,
    };
    let (folder, name) = match (path.parent(), path.file_name().and_then(|n| n.to_str())) {
        (Some(folder), Some(name)) => (folder, name),
        _ => {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a file path",
            )));
        }
    };
    let folder_path = folder;
    let folder = SafeDir::create(folder, STATE_FOLDER_MODE).map_err(io)?;
    open_to_readers(folder_path).map_err(io)?;
    let _lock = folder.lock(&format!("{name}.lock")).map_err(io)?;
    let mut state = BindingState::load(path)?;
    state.version = 1;
    change(&mut state);
    let mut bytes = serde_json::to_vec_pretty(&state).map_err(|e| DirectoryError::Damaged {
        path: path.to_owned(),
        problem: e.to_string(),
    })?;
    bytes.push(b'\n');
    folder.write_atomic(name, &bytes, STATE_MODE).map_err(io)
}

/// Lets every user read the checked state folder (adds `r-x` for group and
/// others; nothing else changes). Another writer (the apply journal, an
/// older Sesame) may have created it 0700, and the menu-bar daemon, running
/// as the user, must reach `accounts.json`. The folder is opened without
/// following a symbolic link and changed through that descriptor.
// `mode_t` is u32 on Linux and u16 on macOS: the conversions are needed on one.
#[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
fn open_to_readers(folder: &Path) -> std::io::Result<()> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(folder.as_os_str().as_bytes())?;
    // SAFETY: a NUL-terminated path; the descriptor is owned below.
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is owned by nothing else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: a zeroed `stat` is a valid out-buffer for fstat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid descriptor and out-pointer.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mode = u32::from(st.st_mode) & 0o7777;
    if mode & 0o055 != 0o055 {
        // SAFETY: valid descriptor of the folder checked above.
        if unsafe { libc::fchmod(fd.as_raw_fd(), (mode | 0o055) as libc::mode_t) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
