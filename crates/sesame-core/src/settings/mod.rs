//! Managed settings: Sesame's configuration profile.
//!
//! Admins deploy Sesame with a configuration profile. This module reads every
//! form the settings arrive in ([`source`]: plain, legacy MCX, signed,
//! managed-preferences plist), checks each value against the one key table
//! ([`keys::KEYS`]), merges several files with macOS's precedence
//! ([`merge`]), checks contradictions ([`rules`]) and builds the typed
//! [`Settings`]. Everything here is pure: callers pass bytes, not paths.
//!
//! ```
//! let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
//! <plist version="1.0"><dict>
//!   <key>TenantID</key><string>contoso.onmicrosoft.com</string>
//!   <key>OIDCClientID</key><string>0d9f4b1c-7a2e-4c3b-9d8e-1f2a3b4c5d6e</string>
//! </dict></plist>"#;
//! let report = sesame_core::settings::load(&[("io.sesame.agent.plist", xml.as_slice())]);
//! assert!(!report.has_errors());
//! assert_eq!(report.settings.unwrap().password_check_interval_minutes, 60);
//! ```

pub mod findings;
pub mod keys;
pub mod merge;
pub mod rules;
pub mod schema;
pub mod signed;
pub mod source;
pub mod typed;
pub mod value;

pub use findings::{Finding, Severity};
pub use keys::{KEYS, KeySpec};
pub use merge::{Effective, Source};
pub use source::{Encoding, ParseError, ProfileFile};
pub use typed::{
    DemotionPolicy, LogLevel, LoginMode, NativeMfa, ObjectId, RopgEndpoint, Settings,
    SettingsError, Tenant,
};
pub use value::Typed;

/// Everything learned from a set of files: what was parsed, the merged
/// values, every finding and, when nothing required is missing, the settings.
#[derive(Debug)]
pub struct Report {
    /// The files that parsed, in order.
    pub files: Vec<ProfileFile>,
    /// The merged values with their sources.
    pub effective: Effective,
    /// Every finding, in file order, then cross-key findings.
    pub findings: Vec<Finding>,
    /// The typed settings, only when there is no error at all.
    pub settings: Option<Settings>,
}

impl Report {
    /// True when any finding is an error.
    pub fn has_errors(&self) -> bool {
        findings::has_errors(&self.findings)
    }
}

/// Parse, check and merge `inputs` (file name, bytes), in precedence order:
/// later files win over earlier ones at the same management level.
pub fn load(inputs: &[(&str, &[u8])]) -> Report {
    let mut files = Vec::new();
    let mut findings = Vec::new();
    for (name, bytes) in inputs {
        match source::parse(name, bytes) {
            Ok(parsed) => {
                if let Some(signer) = &parsed.signer {
                    findings.push(Finding::file(name, Severity::Info, format!(
                        "signed profile; signer: {signer} (the signature itself is checked by macOS at install, not by sesame)"
                    )));
                }
                for d in &parsed.disabled {
                    findings.push(Finding {
                        payload: Some(d.clone()),
                        ..Finding::file(
                            name,
                            Severity::Warning,
                            "payload has PayloadEnabled false and is ignored",
                        )
                    });
                }
                files.push(parsed);
            }
            Err(e) => findings.push(Finding::file(name, Severity::Error, e.to_string())),
        }
    }
    let (effective, merge_findings) = merge::merge(&files);
    findings.extend(merge_findings);
    if !files.is_empty() {
        findings.extend(rules::check(&effective));
    }
    // Settings with any error are refused as a whole: a half-valid profile
    // must not silently run with defaults in place of the broken values.
    let settings = if findings::has_errors(&findings) || files.is_empty() {
        None
    } else {
        Settings::from_effective(&effective).ok()
    };
    Report {
        files,
        effective,
        findings,
        settings,
    }
}
