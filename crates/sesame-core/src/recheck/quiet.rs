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

use super::schedule::Policy;
use super::state::{Record, SyncState};
use crate::verdict::PasswordVerdict;
use time::OffsetDateTime;

/// The codes a refresh-token answer gives when the password changed or was
/// reset (grant revoked; session invalid after a password change).
pub const PASSWORD_CHANGE_CODES: [u32; 2] = [50173, 50133];

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
        RefreshAnswer::Transient(v) => super::after_answer(record, v, policy, seed, now),
    }
}
