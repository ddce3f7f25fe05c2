//! Which password the person meant: the capture script reports every form
//! submission on the identity provider's pages (the password fields it held,
//! with their attributes); this module labels each field's role (current /
//! new / confirm) and picks the value to trust. Pure: no browser, no I/O.
//!
//! The rules, in order (see the table tests):
//! - Only submissions from the allowed hosts count.
//! - The **last** submission that held a password wins: a mistyped password
//!   followed by the right one gives the right one.
//! - A submission with a new password gives that new password — never the
//!   current or temporary one typed beside it — unless its confirmation
//!   differs (the page refused it; an earlier or later submission decides).
//! - Otherwise the submission's current password.
//! - Pages without password fields ("Stay signed in?", "Pick an account", the
//!   MFA code) change nothing.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::hosts;

/// The password the capture script picked (role-aware), if any.
/// `Debug` never prints the value.
#[derive(Default)]
pub enum CapturedPassword {
    /// No password was typed into the identity provider's pages (passwordless,
    /// Authenticator-only, a security key, a page the script does not know).
    #[default]
    None,
    /// The password typed on a sign-in page.
    Current(SecretString),
    /// A new password set on a change page (expired or temporary password).
    New(SecretString),
}

impl CapturedPassword {
    /// The captured value, whatever its role.
    pub fn secret(&self) -> Option<&SecretString> {
        match self {
            CapturedPassword::None => None,
            CapturedPassword::Current(s) | CapturedPassword::New(s) => Some(s),
        }
    }

    /// Whether the password was set on a change page during this sign-in.
    pub fn is_new(&self) -> bool {
        matches!(self, CapturedPassword::New(_))
    }
}

impl fmt::Debug for CapturedPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CapturedPassword::None => "None",
            CapturedPassword::Current(_) => "Current([redacted])",
            CapturedPassword::New(_) => "New([redacted])",
        })
    }
}

/// The role of a password field on a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRole {
    /// The password the person has now (sign-in page, "current password").
    Current,
    /// The password being set.
    New,
    /// The new password typed again.
    Confirm,
}

/// One password field as the script saw it at submission time.
#[derive(Deserialize)]
pub struct FieldSeen {
    /// `type` attribute (`password`, or `text` when "show password" is on).
    #[serde(default, rename = "type")]
    pub kind: String,
    /// `name` attribute.
    #[serde(default)]
    pub name: String,
    /// `id` attribute.
    #[serde(default)]
    pub id: String,
    /// `autocomplete` attribute (`current-password`, `new-password`).
    #[serde(default)]
    pub autocomplete: String,
    /// `placeholder`, `aria-label` and `<label>` text, joined.
    #[serde(default)]
    pub label: String,
    /// What the person typed.
    pub value: SecretString,
}

impl fmt::Debug for FieldSeen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldSeen")
            .field("type", &self.kind)
            .field("name", &self.name)
            .field("id", &self.id)
            .field("autocomplete", &self.autocomplete)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// One form submission (button click, Enter, submit event) on one frame.
#[derive(Debug, Deserialize)]
pub struct Submission {
    /// The frame's `location.hostname`.
    pub host: String,
    /// What triggered it (`submit`, `click`, `enter`), for the log.
    #[serde(default)]
    pub trigger: String,
    /// The page's title and first heading, for role hints.
    #[serde(default)]
    pub context: String,
    /// The password fields with a value, in document order.
    #[serde(default)]
    pub fields: Vec<FieldSeen>,
}

/// A report from the capture script that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Larger than any real page's report.
    #[error("capture report of {0} bytes is too large (limit {MAX_REPORT} bytes); ignored")]
    TooLarge(usize),
    /// Not the script's JSON.
    #[error("capture report is not valid: {0}")]
    Invalid(String),
}

/// Reports above this size are ignored (a page flooding the channel).
pub const MAX_REPORT: usize = 64 * 1024;

/// Parses one report of the capture script. The error never holds the payload.
pub fn parse_report(payload: &str) -> Result<Submission, ReportError> {
    if payload.len() > MAX_REPORT {
        return Err(ReportError::TooLarge(payload.len()));
    }
    serde_json::from_str(payload).map_err(|e| {
        // serde_json's message names a position, never the input.
        ReportError::Invalid(format!("line {} column {}", e.line(), e.column()))
    })
}

/// The role of each field of one submission, from its attributes first and
/// then from its position and the page's wording.
pub fn label_roles(fields: &[&FieldSeen], context: &str) -> Vec<FieldRole> {
    let mut roles: Vec<Option<FieldRole>> =
        fields.iter().map(|f| role_from_attributes(f)).collect();
    // `autocomplete="new-password"` is often on both new and confirm fields:
    // the second "new" of a form is its confirmation.
    let mut seen_new = false;
    for (role, f) in roles.iter_mut().zip(fields) {
        if *role == Some(FieldRole::New) {
            if seen_new && !mentions(&hints(f), &["new"]) {
                *role = Some(FieldRole::Confirm);
            }
            seen_new = true;
        }
    }
    if roles.iter().all(Option::is_none) {
        let change_page = mentions(
            &context.to_ascii_lowercase(),
            &[
                "update your password",
                "change password",
                "change your password",
                "password has expired",
                "password expired",
                "new password",
                "create password",
                "reset password",
            ],
        );
        let by_position: &[FieldRole] = match (fields.len(), change_page) {
            (1, false) => &[FieldRole::Current],
            (1, true) => &[FieldRole::New],
            (2, _) => &[FieldRole::New, FieldRole::Confirm],
            _ => &[FieldRole::Current, FieldRole::New, FieldRole::Confirm],
        };
        return (0..fields.len())
            .map(|i| *by_position.get(i).unwrap_or(&FieldRole::Confirm))
            .collect();
    }
    // Some fields are labelled: an unlabelled one fills the first missing role.
    let mut out = Vec::with_capacity(roles.len());
    for i in 0..roles.len() {
        let role = roles[i].unwrap_or_else(|| {
            [FieldRole::Current, FieldRole::New, FieldRole::Confirm]
                .into_iter()
                .find(|r| !roles.contains(&Some(*r)))
                .unwrap_or(FieldRole::Confirm)
        });
        roles[i] = Some(role);
        out.push(role);
    }
    out
}

fn hints(f: &FieldSeen) -> String {
    format!("{} {} {}", f.name, f.id, f.label).to_ascii_lowercase()
}

fn mentions(haystack: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| haystack.contains(n))
}

fn role_from_attributes(f: &FieldSeen) -> Option<FieldRole> {
    let hints = hints(f);
    let autocomplete = f.autocomplete.to_ascii_lowercase();
    if mentions(
        &hints,
        &[
            "confirm", "retype", "re-enter", "reenter", "repeat", "verify", "again",
        ],
    ) {
        Some(FieldRole::Confirm)
    } else if autocomplete.contains("new-password") || mentions(&hints, &["new"]) {
        Some(FieldRole::New)
    } else if autocomplete.contains("current-password")
        || mentions(&hints, &["current", "old", "existing", "temporary"])
    {
        Some(FieldRole::Current)
    } else {
        None
    }
}

/// The password to trust from `submissions` (in the order they happened),
/// counting only those from `allowed_hosts`.
pub fn decide(submissions: &[Submission], allowed_hosts: &[String]) -> CapturedPassword {
    for sub in submissions.iter().rev() {
        if !hosts::allowed(&sub.host, allowed_hosts) {
            continue;
        }
        let typed: Vec<&FieldSeen> = sub
            .fields
            .iter()
            .filter(|f| !f.value.expose_secret().is_empty())
            .collect();
        if typed.is_empty() {
            continue;
        }
        let roles = label_roles(&typed, &sub.context);
        let first = |want: FieldRole| {
            typed
                .iter()
                .zip(&roles)
                .find(|(_, r)| **r == want)
                .map(|(f, _)| &f.value)
        };
        if let Some(new) = first(FieldRole::New) {
            let confirmed =
                first(FieldRole::Confirm).is_none_or(|c| c.expose_secret() == new.expose_secret());
            if confirmed {
                return CapturedPassword::New(new.clone());
            }
            continue;
        }
        if let Some(current) = first(FieldRole::Current) {
            return CapturedPassword::Current(current.clone());
        }
    }
    CapturedPassword::None
}

#[cfg(test)]
#[path = "capture_tests.rs"]
mod tests;
