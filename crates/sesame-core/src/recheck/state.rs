//! The states a user can be in, and the record the daemon persists between
//! runs. The record holds every fact the rules need (the sticky "Entra said
//! wrong" state, a lockout's end, a Retry-After), so a restart, a crash or a
//! second `check-now` never re-sends what the rules forbid.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Where the user's password stands, as the menu and `status --json` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// No check has run yet for this user.
    NotCheckedYet,
    /// The stored password is the cloud password (tokens, or MFA /
    /// Conditional Access asked after the password was accepted).
    InSync,
    /// Entra called the stored password wrong: the cloud password changed.
    /// Nothing is sent again until the user types the new password.
    CloudPasswordChanged,
    /// The account is locked (AADSTS50053); nothing is sent until the
    /// lockout is surely over.
    Locked,
    /// The password expired (AADSTS50055): change it on Microsoft's page.
    Expired,
    /// The account is disabled or gone (AADSTS50057, 50034).
    Disabled,
    /// The user is not assigned to Sesame's app (AADSTS50105).
    NotAssigned,
    /// No network, or Entra unreachable / failing (5xx): retried with back-off.
    Offline,
    /// Entra asked to slow down (HTTP 429, AADSTS50196): waiting as told.
    Throttled,
    /// Nothing usable is stored for this user: sign in (or sync) first.
    NeedsSignIn,
    /// The app registration or profile is wrong; the detail says the fix.
    Misconfigured,
}

impl SyncState {
    /// Every state, in the order the docs list them.
    pub const ALL: [SyncState; 11] = [
        Self::NotCheckedYet,
        Self::InSync,
        Self::CloudPasswordChanged,
        Self::Locked,
        Self::Expired,
        Self::Disabled,
        Self::NotAssigned,
        Self::Offline,
        Self::Throttled,
        Self::NeedsSignIn,
        Self::Misconfigured,
    ];

    /// The stable name (`in_sync`, `cloud_password_changed`, ...): the
    /// `state` field of `--json` output.
    pub fn name(self) -> &'static str {
        match self {
            Self::NotCheckedYet => "not_checked_yet",
            Self::InSync => "in_sync",
            Self::CloudPasswordChanged => "cloud_password_changed",
            Self::Locked => "locked",
            Self::Expired => "expired",
            Self::Disabled => "disabled",
            Self::NotAssigned => "not_assigned",
            Self::Offline => "offline",
            Self::Throttled => "throttled",
            Self::NeedsSignIn => "needs_sign_in",
            Self::Misconfigured => "misconfigured",
        }
    }

    /// The menu's state line: what the user reads.
    pub fn headline(self) -> &'static str {
        match self {
            Self::NotCheckedYet => "Password not checked yet",
            Self::InSync => "Password in sync with Microsoft",
            Self::CloudPasswordChanged => {
                "Your Microsoft password changed: type the new one to update this computer"
            }
            Self::Locked => "Your Microsoft account is locked: Sesame waits before checking again",
            Self::Expired => "Your Microsoft password has expired: change it",
            Self::Disabled => "Your Microsoft account is disabled: contact your helpdesk",
            Self::NotAssigned => "You are not allowed to use Sesame yet: contact your helpdesk",
            Self::Offline => "Microsoft cannot be reached: Sesame checks again later",
            Self::Throttled => "Microsoft asked Sesame to wait: checking again later",
            Self::NeedsSignIn => "Sign in to keep your password in sync",
            Self::Misconfigured => "Sesame is not set up correctly: contact your helpdesk",
        }
    }

    /// States the user must act on (told once, when entered).
    pub fn needs_the_user(self) -> bool {
        matches!(
            self,
            Self::CloudPasswordChanged
                | Self::Locked
                | Self::Expired
                | Self::Disabled
                | Self::NotAssigned
                | Self::NeedsSignIn
                | Self::Misconfigured
        )
    }
}

impl std::fmt::Display for SyncState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What the daemon remembers about one user between runs (a small JSON file
/// owned by the user). Holds no secret: names, codes and times only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The current state.
    pub state: SyncState,
    /// When the current state was entered.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub since: Option<OffsetDateTime>,
    /// When the last request was sent to Entra.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_check: Option<OffsetDateTime>,
    /// When Entra last accepted the stored password.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_verified: Option<OffsetDateTime>,
    /// When the next automatic check is due; `None`: no automatic check
    /// (the user must act first).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_due: Option<OffsetDateTime>,
    /// Nothing at all is sent before this time, not even for "Check now"
    /// (a lockout's end, a Retry-After).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub hold_until: Option<OffsetDateTime>,
    /// Consecutive transient failures (outage, 5xx, throttling): the back-off step.
    #[serde(default)]
    pub failures: u32,
    /// Consecutive lockouts seen: each one doubles the wait.
    #[serde(default)]
    pub lockouts: u32,
    /// An event (network change, wake) moved the next check and it has not
    /// run yet.
    #[serde(default)]
    pub event_pending: bool,
    /// The last network change or wake: events closer together than the
    /// debounce are one event.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_event: Option<OffsetDateTime>,
    /// The AADSTS code behind the state, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u32>,
    /// What to do (the catalog's fix for a misconfiguration, the reason for
    /// an outage), for the menu and `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// How many draws the schedule has made (the jitter sequence).
    #[serde(default)]
    pub draws: u64,
    /// When the cloud password expires, as Entra last said (`pwd_exp`).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub password_expires: Option<OffsetDateTime>,
    /// What Graph said about the password's age (`lastPasswordChangeDateTime`,
    /// `passwordPolicies`, the domain's validity period), when asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_expiry: Option<super::ExpiryFacts>,
    /// When Graph was last asked (at most once a day, answered or not).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub graph_asked: Option<OffsetDateTime>,
}

impl Record {
    /// A user never checked: the first check is due at `first_due`.
    pub fn new(first_due: OffsetDateTime) -> Self {
        Self {
            state: SyncState::NotCheckedYet,
            since: None,
            last_check: None,
            last_verified: None,
            next_due: Some(first_due),
            hold_until: None,
            failures: 0,
            lockouts: 0,
            event_pending: false,
            last_event: None,
            code: None,
            detail: None,
            draws: 0,
            password_expires: None,
            graph_expiry: None,
            graph_asked: None,
        }
    }

    /// When the password expires: Entra's `pwd_exp` when it sent one, else
    /// what Graph's facts say (see [`super::expires_at`]).
    pub fn expires(&self) -> Option<OffsetDateTime> {
        self.password_expires
            .or_else(|| self.graph_expiry.as_ref().and_then(super::expires_at))
    }

    /// Moves to `state` (keeping `since` when it is unchanged). Returns
    /// `true` when the state changed and the user must be told.
    pub fn enter(&mut self, state: SyncState, now: OffsetDateTime) -> bool {
        if self.state == state {
            return false;
        }
        self.state = state;
        self.since = Some(now);
        state.needs_the_user()
    }

    /// Whether `hold_until` still forbids any request at `now`.
    pub fn held_at(&self, now: OffsetDateTime) -> bool {
        self.hold_until.is_some_and(|h| now < h)
    }
}
