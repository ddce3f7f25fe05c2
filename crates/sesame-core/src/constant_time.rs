//! Constant-time equality for secrets and anti-forgery values.
//!
//! The one place Sesame compares a secret (a stored password, a `state`, a
//! `nonce`, a password hash) with a value an attacker may choose: the time
//! taken must not tell how many leading bytes matched. Built on `subtle`,
//! not hand-written.
//!
//! Assumes the length is not secret: values of different lengths compare
//! unequal at once (a `state` or `nonce` has a public length; a password's
//! length leaks only to someone who can time the local comparison).

use subtle::ConstantTimeEq;

/// `true` when `a` and `b` hold the same bytes, in time that depends only
/// on their lengths.
pub fn eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::eq;

    #[test]
    fn equal_only_when_every_byte_matches() {
        assert!(eq(b"", b""));
        assert!(eq(b"state-123", b"state-123"));
        assert!(!eq(b"state-123", b"state-124"));
        assert!(!eq(b"xtate-123", b"state-123"));
        assert!(!eq(b"state-123", b"state-1234"));
        assert!(!eq(b"state-123", b""));
    }

    /// One helper, no hand-written copies: no source file in the workspace
    /// folds XORed bytes into an accumulator (the shape every copy had).
    #[test]
    fn no_hand_written_copies_remain() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let shapes = [
            ["acc | (", "x ^ y)"].concat(),
            ["fold(0u8, |", "acc"].concat(),
        ];
        let mut found = Vec::new();
        let mut dirs: Vec<std::path::PathBuf> = ["crates", "agent", "menubar", "tests"]
            .iter()
            .map(|d| root.join(d))
            .collect();
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    if path.file_name().is_some_and(|n| n != "target") {
                        dirs.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "rs")
                    && let Ok(text) = std::fs::read_to_string(&path)
                    && shapes.iter().any(|s| text.contains(s.as_str()))
                {
                    found.push(path.display().to_string());
                }
            }
        }
        assert!(
            found.is_empty(),
            "hand-written constant-time comparison in {found:?}: use sesame_core::constant_time::eq (or subtle in entra-sim)"
        );
        assert!(
            root.join("crates/sesame-core/src/constant_time.rs")
                .is_file()
        );
    }
}
