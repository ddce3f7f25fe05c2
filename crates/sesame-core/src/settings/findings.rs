//! Findings: what `sesame profile check` reports about a profile.

use serde::Serialize;
use std::fmt;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to fix.
    Info,
    /// Works, but probably not what you meant.
    Warning,
    /// The profile must not ship like this.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem (or note) about one key of one payload of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The file, as the admin named it.
    pub file: String,
    /// The payload: display name and identifier, when known.
    pub payload: Option<String>,
    /// The key, when the finding is about one key.
    pub key: Option<String>,
    /// How bad it is.
    pub severity: Severity,
    /// What was expected, what was found and what to do.
    pub message: String,
}

impl Finding {
    /// A finding about a whole file (no payload, no key).
    pub fn file(file: &str, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            file: file.to_owned(),
            payload: None,
            key: None,
            severity,
            message: message.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.file)?;
        if let Some(p) = &self.payload {
            write!(f, " [{p}]")?;
        }
        if let Some(k) = &self.key {
            write!(f, " {k}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// True when any finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}
