//! Quiet mode: detect a cloud password change without sending the password.
//!
//! Entra revokes a public client's password-based refresh tokens when the
//! user changes or resets the password, so the daemon redeems its refresh
//! token instead of running a password grant: AADSTS50173 / 50133 mean the
//! password changed. The password grant is then used only to confirm the
//! new password the user types, and the tenant's sign-in log shows no failed
//! sign-ins from Sesame.
//!
//! It cannot work when there is no refresh token, for confidential clients
//! (their tokens survive a password change), for passwordless sign-ins, and
//! it does not see an expiry (Entra keeps the tokens then): the daemon warns
//! instead of pretending.

use secrecy::SecretString;

use super::schedule::Policy;
use super::state::{Record, SyncState};
use crate::identity::EntraId;
use crate::verdict::PasswordVerdict;
use time::OffsetDateTime;

/// The codes a refresh-token answer gives when the password changed or was
/// reset (grant revoked; session invalid after a password change).
pub const PASSWORD_CHANGE_CODES: [u32; 2] = [50173, 50133];

/// A refresh token and the facts quiet mode needs about its sign-in.
pub struct RefreshSession {
    /// Whose session: the identity the local account and its password are
    /// bound to.
    pub id: EntraId,
    /// The application (client) ID the token was issued to (it can only be
    /// redeemed by that app).
    pub client_id: String,
    /// `v2` (scope) or `v1` (resource): the endpoint that issued it.
    pub endpoint: String,
    /// The scopes (v2) or resource (v1) to ask for on redemption.
    pub scope: String,
    /// The user signed in with a password (the token dies with a password
    /// change only then).
    pub password_sign_in: bool,
    /// Issued to a confidential client (its tokens survive a password change).
    pub confidential: bool,
    /// The refresh token.
    pub refresh_token: SecretString,
}

impl std::fmt::Debug for RefreshSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshSession")
            .field("id", &self.id)
            .field("client_id", &self.client_id)
            .field("endpoint", &self.endpoint)
            .field("scope", &self.scope)
            .field("password_sign_in", &self.password_sign_in)
            .field("confidential", &self.confidential)
            .field("refresh_token", &"[redacted]")
            .finish()
    }
}

impl RefreshSession {
    /// The same session with the token Entra rotated in.
    pub fn rotated(&self, refresh_token: SecretString) -> Self {
        Self {
            id: self.id.clone(),
            client_id: self.client_id.clone(),
            endpoint: self.endpoint.clone(),
            scope: self.scope.clone(),
            password_sign_in: self.password_sign_in,
            confidential: self.confidential,
            refresh_token,
        }
    }
}

/// Why quiet mode cannot detect a password change for this session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuietBlocker {
    /// No refresh token is stored (`OIDCOfflineAccess` off, or never synced).
    NoRefreshToken,
    /// The app is a confidential client: its refresh tokens are not revoked
    /// on a password change.
    ConfidentialClient,
    /// The user signed in without a password: there is no password to watch.
    Passwordless,
}

impl QuietBlocker {
    /// The warning the menu and `status` show.
    pub fn warning(self) -> &'static str {
        match self {
            Self::NoRefreshToken => {
                "Quiet mode cannot detect a password change: no refresh token is stored. Sign in again (or run sesame-menubar sync) with OIDCOfflineAccess on."
            }
            Self::ConfidentialClient => {
                "Quiet mode cannot detect a password change with a confidential client (OIDCClientSecret set): Entra keeps its refresh tokens when the password changes."
            }
            Self::Passwordless => {
                "Quiet mode has nothing to watch: this user signs in without a password."
            }
        }
    }
}

impl RefreshSession {
    /// What stops quiet mode for this session, if anything.
    pub fn blocker(&self) -> Option<QuietBlocker> {
        quiet_mode_blocker(true, self.confidential, self.password_sign_in)
    }
}

/// What stops quiet mode for this session, if anything.
pub fn quiet_mode_blocker(
    has_refresh_token: bool,
    confidential_client: bool,
    password_sign_in: bool,
) -> Option<QuietBlocker> {
    if !password_sign_in {
        Some(QuietBlocker::Passwordless)
    } else if confidential_client {
        Some(QuietBlocker::ConfidentialClient)
    } else if !has_refresh_token {
        Some(QuietBlocker::NoRefreshToken)
    } else {
        None
    }
}

/// Entra's answer to a refresh-token redemption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshAnswer {
    /// New tokens: the password did not change.
    Refreshed,
    /// An OAuth error with its AADSTS code.
    Refused {
        /// The AADSTS code, when sent.
        code: Option<u32>,
    },
    /// No answer, a 5xx or a 429: like a password check's outage.
    Transient(PasswordVerdict),
    /// Entra judged the account, the app or Conditional Access, not the
    /// token (an MFA interrupt, disabled, not assigned, misconfigured): the
    /// same as that verdict of a password check. An MFA demand on a refresh
    /// comes only for a token that is still valid, so it means "in sync".
    Judged(PasswordVerdict),
}

/// What Entra's answer to a refresh-token redemption means, from the AADSTS
/// code of Entra's error (first of `error_codes`) and the verdict the Entra
/// client gives it (the same classifier as a password check's).
///
/// 50173 / 50133: the password changed (the token was revoked). Outages and
/// throttling: [`RefreshAnswer::Transient`]. Answers about the account, the
/// app or an MFA demand: [`RefreshAnswer::Judged`]. Anything about the token
/// itself (700082 expired by inactivity, 70000 / 9002313 unknown or
/// malformed, revoked by an admin, an answer Sesame cannot classify):
/// [`RefreshAnswer::Refused`], the token is lost and the user signs in again.
pub fn refresh_answer(entra_code: Option<u32>, verdict: &PasswordVerdict) -> RefreshAnswer {
    let code = entra_code.or(verdict.code());
    if code.is_some_and(|c| PASSWORD_CHANGE_CODES.contains(&c)) {
        return RefreshAnswer::Refused { code };
    }
    match verdict {
        PasswordVerdict::Unreachable { .. } | PasswordVerdict::Throttled { .. } => {
            RefreshAnswer::Transient(verdict.clone())
        }
        PasswordVerdict::Verified
        | PasswordVerdict::VerifiedInterrupted { .. }
        | PasswordVerdict::Locked { .. }
        | PasswordVerdict::PasswordExpired { .. }
        | PasswordVerdict::Disabled { .. }
        | PasswordVerdict::NotAssigned { .. }
        | PasswordVerdict::Misconfigured { .. } => RefreshAnswer::Judged(verdict.clone()),
        PasswordVerdict::WrongPassword { .. }
        | PasswordVerdict::UnknownUser { .. }
        | PasswordVerdict::NotAPasswordAnswer { .. }
        | PasswordVerdict::Unknown { .. } => RefreshAnswer::Refused { code },
    }
}

/// What a refresh answer does to the record (quiet mode's [`super::after_answer`]).
/// Returns `true` when the user must be told.
pub fn after_refresh(
    record: &mut Record,
    answer: &RefreshAnswer,
    policy: &Policy,
    seed: u64,
    now: OffsetDateTime,
) -> bool {
    match answer {
        RefreshAnswer::Refreshed => {
            super::after_answer(record, &PasswordVerdict::Verified, policy, seed, now)
        }
        RefreshAnswer::Refused { code: Some(c) } if PASSWORD_CHANGE_CODES.contains(c) => {
            super::after_answer(
                record,
                &PasswordVerdict::WrongPassword { code: *c },
                policy,
                seed,
                now,
            )
        }
        RefreshAnswer::Refused { code } => {
            // Expired by inactivity (700082), revoked by an admin: quiet mode
            // has lost its token; the user must sign in again.
            record.last_check = Some(now);
            record.event_pending = false;
            record.next_due = None;
            record.code = *code;
            record.detail = Some(QuietBlocker::NoRefreshToken.warning().into());
            record.enter(SyncState::NeedsSignIn, now)
        }
        RefreshAnswer::Transient(v) | RefreshAnswer::Judged(v) => {
            super::after_answer(record, v, policy, seed, now)
        }
    }
}
