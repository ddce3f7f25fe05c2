//! Sesame's root-owned state file on Linux: identity bindings and the record
//! of UIDs Sesame has used. Written atomically, mode 0600.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sesame_core::provisioning::Binding;

use super::DirectoryError;
use crate::atomic::write_atomic;

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
        write_atomic(path, &bytes, 0o600).map_err(|source| DirectoryError::Io {
            path: path.to_owned(),
            source,
        })
    }
}

/// Read-modify-write of the state file under `root`.
pub(crate) fn update_state(
    path: &Path,
    change: impl FnOnce(&mut BindingState),
) -> Result<(), DirectoryError> {
    let mut state = BindingState::load(path)?;
    state.version = 1;
    change(&mut state);
    state.save(path)
}
