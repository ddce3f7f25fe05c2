//! The menu-bar daemon's decisions: when to re-check the stored password,
//! whether a check may be sent at all, what an answer means for the user,
//! and what the menu shows. Pure: time is always a parameter.
//!
//! One job per file:
//! - [`state`]: the states a user can be in and the record persisted between
//!   runs (so a restart never re-sends what the rules forbid);
//! - [`jitter`]: deterministic per-machine randomness (a fleet never checks
//!   in step, and tests stay reproducible);
//! - [`schedule`]: the next due time after a check, an event or a back-off;
//! - [`rules`]: the never-lock-anyone-out rules (may this check be sent?)
//!   and what each answer does to the record;
//! - [`quiet`]: quiet mode (detecting a password change by refresh-token
//!   revocation, without sending the password);
//! - [`expiry`]: the password-expiry warning;
//! - [`menu`]: the status menu as plain data.

pub mod expiry;
pub mod jitter;
pub mod menu;
pub mod quiet;
pub mod rules;
pub mod schedule;
pub mod state;

pub use expiry::{ExpiryFacts, ExpiryWarning, expires_at, expiry_warning, graph_due};
pub use menu::{Menu, MenuAction, MenuItem, MenuLinks, menu};
pub use quiet::{
    QuietBlocker, RefreshAnswer, RefreshSession, after_refresh, quiet_mode_blocker, refresh_answer,
};
pub use rules::{Decision, Skip, StoredPassword, Trigger, after_answer, after_skip, decide};
pub use schedule::{Event, Policy, on_event};
pub use state::{Record, SyncState};

#[cfg(test)]
mod tests;

/// A time as the record and `status` print it (RFC 3339, UTC).
pub fn state_time(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}
