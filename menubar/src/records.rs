//! The per-user record file (state, times, holds: no secret), written
//! atomically with mode 0600 so a crash leaves the old or the new record.

use std::path::{Path, PathBuf};

use sesame_core::recheck::Record;

use crate::MenubarError;

/// Where the daemon keeps its files when no `--state-dir` is given: under a
/// sandbox root, `<root>/var/lib/sesame/menubar`; otherwise the user's
/// `~/Library/Application Support/Sesame` (macOS) or
/// `$XDG_STATE_HOME/sesame` (`~/.local/state/sesame`, Linux).
pub fn default_state_dir(root: Option<&Path>) -> PathBuf {
    if let Some(root) = root {
        return root.join("var/lib/sesame/menubar");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    if cfg!(target_os = "macos") {
        return home.join("Library/Application Support/Sesame");
    }
    match std::env::var_os("XDG_STATE_HOME") {
        Some(x) if !x.is_empty() => PathBuf::from(x).join("sesame"),
        _ => home.join(".local/state/sesame"),
    }
}

/// The record file of `short_name`.
pub fn record_path(state_dir: &Path, short_name: &str) -> PathBuf {
    state_dir.join(format!("{short_name}.json"))
}

fn problem(path: &Path, what: impl std::fmt::Display) -> MenubarError {
    MenubarError::StateFile {
        path: path.to_owned(),
        problem: what.to_string(),
    }
}

/// The saved record, if any. A damaged file is an error (never silently
/// reset: it may hold "never send this password again").
pub fn load(state_dir: &Path, short_name: &str) -> Result<Option<Record>, MenubarError> {
    let path = record_path(state_dir, short_name);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            problem(
                &path,
                format!("{e}; the file is damaged: move it aside (the next check starts afresh)"),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(problem(&path, e)),
    }
}

/// Saves the record.
pub fn save(state_dir: &Path, short_name: &str, record: &Record) -> Result<(), MenubarError> {
    let path = record_path(state_dir, short_name);
    std::fs::create_dir_all(state_dir).map_err(|e| problem(state_dir, e))?;
    let bytes = serde_json::to_vec_pretty(record).map_err(|e| problem(&path, e))?;
    sesame_safefs::write_atomic(&path, &bytes, 0o600).map_err(|e| problem(&path, e))
}
