//! Reading the profile files: the one loader the login agent, the PAM
//! module, the menu-bar daemon and the authorization plugin share, so they
//! read the same managed profile and refuse a bad one in the same words.
//!
//! The checks themselves are `sesame_core::settings::load` (pure); this
//! module only finds and reads the files.

use std::path::{Path, PathBuf};

use sesame_core::settings::{self, Settings};

/// Where the MDM / configuration management puts the managed profile on
/// this OS: `/Library/Managed Preferences/io.sesame.agent.plist` on a Mac,
/// `/etc/sesame/io.sesame.agent.plist` elsewhere.
pub fn managed_profile_path() -> PathBuf {
    let domain = sesame_core::PREFERENCE_DOMAIN;
    if cfg!(target_os = "macos") {
        PathBuf::from(format!("/Library/Managed Preferences/{domain}.plist"))
    } else {
        PathBuf::from(format!("/etc/sesame/{domain}.plist"))
    }
}

/// Why no settings could be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// A named file could not be read.
    #[error("cannot read the profile {}: {source}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The first error finding (it names the file and the key).
    #[error("{0}")]
    Invalid(String),
    /// The files give no settings at all.
    #[error("the profile gives no settings")]
    Empty,
}

impl ProfileError {
    /// The one line to show, with what to do: `name_one` tells how to name
    /// another file (e.g. "pass one with --profile FILE") when a file is
    /// missing; otherwise `sesame profile check` lists every finding.
    pub fn to_line(&self, name_one: &str) -> String {
        match self {
            Self::Unreadable { .. } => format!("{self}; {name_one}"),
            Self::Invalid(_) => format!("{self} (run `sesame profile check` for every finding)"),
            Self::Empty => format!("{self}; run `sesame profile check`"),
        }
    }
}

/// Loads and merges `paths` in order (the managed profile when empty).
/// The first error finding refuses the lot: a half-read profile is never
/// used.
pub fn load_profiles(paths: &[PathBuf]) -> Result<Settings, ProfileError> {
    let defaulted;
    let paths = if paths.is_empty() {
        defaulted = [managed_profile_path()];
        &defaulted[..]
    } else {
        paths
    };
    let files = paths
        .iter()
        .map(|p| read(p).map(|bytes| (p.display().to_string(), bytes)))
        .collect::<Result<Vec<_>, _>>()?;
    let named: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), &b[..])).collect();
    let report = settings::load(&named);
    let first_error = report
        .findings
        .iter()
        .find(|f| f.severity == settings::Severity::Error);
    match (report.settings, first_error) {
        (_, Some(f)) => Err(ProfileError::Invalid(f.to_string())),
        (Some(s), None) => Ok(s),
        (None, None) => Err(ProfileError::Empty),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, ProfileError> {
    std::fs::read(path).map_err(|source| ProfileError::Unreadable {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn plist(body: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>{body}</dict></plist>"#
        )
    }

    #[test]
    fn a_missing_file_is_named_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.plist");
        let e = load_profiles(std::slice::from_ref(&missing)).unwrap_err();
        let line = e.to_line("pass one with --profile FILE");
        assert!(line.contains(&missing.display().to_string()), "{line}");
        assert!(line.ends_with("pass one with --profile FILE"), "{line}");
    }

    #[test]
    fn a_bad_value_in_the_second_file_is_refused_naming_that_file() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("tenant.plist");
        let bad = dir.path().join("site.plist");
        std::fs::write(
            &good,
            plist(
                "<key>TenantID</key><string>5f7b2c1d-8e3a-4b6f-9c0d-1e2f3a4b5c6d</string>
                 <key>OIDCClientID</key><string>0d9f4b1c-7a2e-4c3b-9d8e-1f2a3b4c5d6e</string>",
            ),
        )
        .unwrap();
        let alone = load_profiles(std::slice::from_ref(&good)).expect("a good profile loads");
        assert_eq!(alone.wrong_password_limit, 3);
        std::fs::write(
            &bad,
            plist("<key>WrongPasswordLimit</key><string>many</string>"),
        )
        .unwrap();
        let e = load_profiles(&[good, bad.clone()]).unwrap_err();
        assert!(matches!(e, ProfileError::Invalid(_)), "{e:?}");
        let line = e.to_line("unused");
        assert!(line.contains("site.plist"), "{line}");
        assert!(line.contains("WrongPasswordLimit"), "{line}");
        assert!(line.contains("sesame profile check"), "{line}");
    }
}
