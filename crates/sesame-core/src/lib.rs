//! Sesame's pure domain: no I/O, no clocks, no network.
//!
//! Everything that *decides* lives here so it can be tested by the hundred:
//! managed settings (the profile key table, parsing, validation, import from
//! Jamf Connect and XCreds), the provisioning policy that turns validated
//! claims into an account plan, password-sync verdicts and schedules, and the
//! sync-log event types. Time is always a parameter (`now`), never read here.

pub mod constant_time;
pub mod identity;
pub mod import;
pub mod login;
pub mod password_binding;
pub mod provisioning;
pub mod recheck;
pub mod settings;
pub mod synclog;
pub mod verdict;

/// Sesame's managed-preferences domain: the `PayloadType` of its payload in a
/// configuration profile and the name of its file under
/// `/Library/Managed Preferences/`.
pub const PREFERENCE_DOMAIN: &str = "io.sesame.agent";
