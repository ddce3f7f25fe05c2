//! Sync-log event types: one line of Sesame's sync log, as plain data.
//!
//! Every step of the login agent, the menu-bar daemon and `sesame doctor`
//! writes one [`SyncEvent`]; `sesame-synclog` turns it into a JSON line and
//! back. The type is built so it cannot carry a secret: it has room for
//! names (UPN, short name), AADSTS codes, GUIDs (trace and correlation IDs),
//! a verdict *name* and one human sentence, and nothing else. A password
//! verdict's free text (`raw`, `reason`) is deliberately dropped on the way in.

mod filter;

pub use filter::{EventFilter, SinceError, parse_since};

/// The sync log's default path on a Mac (the `LogPath` profile key's
/// default there), next to other apps' logs in Console.
pub const MACOS_LOG_PATH: &str = "/Library/Logs/Sesame/sync.log";

/// The sync log's default path on Linux (the `LogPath` default there).
pub const LINUX_LOG_PATH: &str = "/var/log/sesame/sync.log";

/// The default for the OS this binary was built for: the one path every
/// writer (agent, daemon, `sesame doctor`) and reader (`sesame log`) uses
/// when no profile sets `LogPath`.
pub const DEFAULT_LOG_PATH: &str = if cfg!(target_os = "macos") {
    MACOS_LOG_PATH
} else {
    LINUX_LOG_PATH
};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

pub use crate::verdict::Verdict;
use crate::verdict::{PasswordProof, PasswordVerdict};

/// Which part of Sesame wrote an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// The login-window agent (authorization plugin / PAM module).
    Agent,
    /// The menu-bar re-verification daemon.
    Menubar,
    /// `sesame doctor`.
    Doctor,
    /// Any other `sesame` command.
    Cli,
    /// A component this version of Sesame does not know (read from a newer log).
    #[serde(other)]
    Other,
}

impl Component {
    /// The stable name written to the log (`agent`, `menubar`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Menubar => "menubar",
            Self::Doctor => "doctor",
            Self::Cli => "cli",
            Self::Other => "other",
        }
    }
}

/// What happened: the step an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The managed profile was read and validated.
    ProfileLoaded,
    /// The web sign-in (authorize + code exchange) finished.
    SignIn,
    /// The ID token was validated (signature, issuer, audience, nonce, expiry).
    TokenValidated,
    /// A password (ROPG) check against Entra ID.
    PasswordCheck,
    /// The local password was updated to the new cloud password.
    PasswordChanged,
    /// A local account was created.
    AccountCreated,
    /// A local account was updated (groups, admin rights, name).
    AccountUpdated,
    /// An existing local account was linked (migrated) to an Entra identity.
    AccountLinked,
    /// The person was refused a local account; the message says why.
    AccountDenied,
    /// The local account was bound to an Entra identity (oid + tid).
    IdentityBound,
    /// The login keychain / secret store was updated.
    KeychainUpdated,
    /// The next password check was scheduled or deferred (back-off).
    CheckScheduled,
    /// One `sesame doctor` check.
    DoctorCheck,
    /// The login agent started a sign-in (web or native).
    LoginStarted,
    /// The web view was redirected back to Sesame (code or error).
    RedirectCaptured,
    /// The authorization code was redeemed at the token endpoint.
    CodeExchanged,
    /// Group membership was read from the token or, on overage, from Graph.
    GroupsResolved,
    /// A password was obtained (captured from the page, or asked for).
    PasswordObtained,
    /// The provisioning plan was made (before it is applied).
    AccountPlanned,
    /// Entra could not be reached; the login window fell back to the local
    /// password, as the profile allows.
    LocalFallback,
    /// An event this version of Sesame does not know (read from a newer log).
    #[serde(other)]
    Other,
}

impl EventKind {
    /// Every event kind a writer may use (not [`EventKind::Other`]).
    pub const ALL: [EventKind; 20] = [
        Self::ProfileLoaded,
        Self::SignIn,
        Self::TokenValidated,
        Self::PasswordCheck,
        Self::PasswordChanged,
        Self::AccountCreated,
        Self::AccountUpdated,
        Self::AccountLinked,
        Self::AccountDenied,
        Self::IdentityBound,
        Self::KeychainUpdated,
        Self::CheckScheduled,
        Self::DoctorCheck,
        Self::LoginStarted,
        Self::RedirectCaptured,
        Self::CodeExchanged,
        Self::GroupsResolved,
        Self::PasswordObtained,
        Self::AccountPlanned,
        Self::LocalFallback,
    ];

    /// The stable name written to the log (`password_check`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::ProfileLoaded => "profile_loaded",
            Self::SignIn => "sign_in",
            Self::TokenValidated => "token_validated",
            Self::PasswordCheck => "password_check",
            Self::PasswordChanged => "password_changed",
            Self::AccountCreated => "account_created",
            Self::AccountUpdated => "account_updated",
            Self::AccountLinked => "account_linked",
            Self::AccountDenied => "account_denied",
            Self::IdentityBound => "identity_bound",
            Self::KeychainUpdated => "keychain_updated",
            Self::CheckScheduled => "check_scheduled",
            Self::DoctorCheck => "doctor_check",
            Self::LoginStarted => "login_started",
            Self::RedirectCaptured => "redirect_captured",
            Self::CodeExchanged => "code_exchanged",
            Self::GroupsResolved => "groups_resolved",
            Self::PasswordObtained => "password_obtained",
            Self::AccountPlanned => "account_planned",
            Self::LocalFallback => "local_fallback",
            Self::Other => "other",
        }
    }

    /// Looks an event kind up by its log name; `None` for unknown names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The person an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogUser {
    /// The Entra user principal name (`alice@contoso.com`).
    pub upn: String,
    /// The local short name (`alice`), once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
}

/// One line of the sync log.
///
/// Build one with [`SyncEvent::new`] and the `with_*` methods. Field names are
/// the JSON keys; empty fields are left out of the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncEvent {
    /// When the step finished (UTC, RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    /// The machine's host name.
    pub host: String,
    /// Which part of Sesame wrote the event.
    pub component: Component,
    /// The person, when the step concerns one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<LogUser>,
    /// What happened.
    pub event: EventKind,
    /// The outcome, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// What the step's answer proves about the password (`right`, `wrong`,
    /// `nothing`, `unknown`), derived from the verdict; absent for steps that
    /// are not password answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_verified: Option<PasswordProof>,
    /// AADSTS codes Entra returned (numbers only, `50076` for AADSTS50076).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<u32>,
    /// Entra's `trace_id` (a GUID), for Microsoft support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<Uuid>,
    /// Entra's `correlation_id` (a GUID), for Microsoft support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<Uuid>,
    /// How long the step took, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// One sentence a helpdesk person can read, built from names and codes.
    pub message: String,
}

/// A sync-log line that could not be read as a [`SyncEvent`].
#[derive(Debug, thiserror::Error)]
#[error("not a Sesame sync-log event: {0}")]
pub struct LineError(#[from] serde_json::Error);

/// An event that could not be turned into a line (never expected in practice).
#[derive(Debug, thiserror::Error)]
#[error("could not encode a sync-log event: {0}")]
pub struct EncodeError(#[from] serde_json::Error);

impl SyncEvent {
    /// A new event with the required fields; `now` is the caller's clock.
    pub fn new(
        now: OffsetDateTime,
        host: impl Into<String>,
        component: Component,
        event: EventKind,
        message: impl Into<String>,
    ) -> Self {
        Self {
            time: now,
            host: host.into(),
            component,
            user: None,
            event,
            verdict: None,
            password_verified: None,
            codes: Vec::new(),
            trace_id: None,
            correlation_id: None,
            duration_ms: None,
            message: message.into(),
        }
    }

    /// Names the person (UPN, and the local short name once known).
    pub fn with_user(mut self, upn: impl Into<String>, short_name: Option<String>) -> Self {
        self.user = Some(LogUser {
            upn: upn.into(),
            short_name,
        });
        self
    }

    /// Sets the verdict.
    pub fn with_verdict(mut self, verdict: Verdict) -> Self {
        self.verdict = Some(verdict);
        self.password_verified = verdict.proof();
        self
    }

    /// Sets verdict and code from a password verdict; its free text is dropped.
    pub fn with_password_verdict(mut self, verdict: &PasswordVerdict) -> Self {
        self.verdict = Some(Verdict::from(verdict));
        self.password_verified = Some(verdict.proof());
        if let Some(code) = verdict.code()
            && !self.codes.contains(&code)
        {
            self.codes.push(code);
        }
        self
    }

    /// Sets the AADSTS codes.
    pub fn with_codes(mut self, codes: impl IntoIterator<Item = u32>) -> Self {
        self.codes = codes.into_iter().collect();
        self
    }

    /// Sets Entra's trace and correlation IDs.
    pub fn with_ids(mut self, trace_id: Option<Uuid>, correlation_id: Option<Uuid>) -> Self {
        self.trace_id = trace_id;
        self.correlation_id = correlation_id;
        self
    }

    /// Sets how long the step took.
    pub fn with_duration(mut self, duration: std::time::Duration) -> Self {
        self.duration_ms = Some(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX));
        self
    }

    /// The event as one JSON line, ending in `\n`, with no other newline in it.
    pub fn to_line(&self) -> Result<String, EncodeError> {
        let mut line = serde_json::to_string(self)?;
        line.push('\n');
        Ok(line)
    }

    /// Reads one line (with or without its trailing newline).
    pub fn from_line(line: &str) -> Result<Self, LineError> {
        Ok(serde_json::from_str(line.trim_end_matches(['\n', '\r']))?)
    }
}

#[cfg(test)]
mod tests;
