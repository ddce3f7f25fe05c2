//! The never-lock-anyone-out rules: whether a check may be sent now, and
//! what Entra's answer does to the record.
//!
//! - After "wrong password" (AADSTS50126) the stored password is never sent
//!   again automatically, nor by "Check now": the user is told once and
//!   Sesame waits for them to type the new password (`sync`).
//! - While the account is locked (AADSTS50053) nothing is sent until the
//!   lockout is surely over ([`Policy::lock_wait`]).
//! - A Retry-After (HTTP 429, AADSTS50196) is a hold: nothing before it.
//! - A password with leading or trailing spaces is never sent (Entra cannot
//!   hold one, so it can only be wrong).
//! - One check is one request: the caller sends at most one password grant
//!   per [`Decision::Send`].

use time::{Duration, OffsetDateTime};

use super::schedule::Policy;
use super::state::{Record, SyncState};
use crate::verdict::PasswordVerdict;

/// Why a check is being considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The schedule's timer (regular, back-off or event check).
    Timer,
    /// The user chose "Check now" (or ran `check-now`).
    CheckNow,
}

/// What the secret store holds for the user, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredPassword {
    /// Nothing stored (never signed in with Sesame, or passwordless).
    Nothing,
    /// A password that may be sent.
    Usable,
    /// A password with leading or trailing spaces: never sent.
    SurroundingSpaces,
}

/// The verdict on one trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Send exactly one password check now.
    Send,
    /// Send nothing; the record says what the user sees.
    Skip(Skip),
}

/// Why nothing is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Not due yet.
    NotDue,
    /// Entra called this password wrong: waiting for the user.
    CalledWrong,
    /// Locked or throttled: nothing before this time.
    Held(OffsetDateTime),
    /// No network.
    Offline,
    /// Nothing usable stored.
    NothingStored,
    /// The stored password has surrounding spaces.
    UnusablePassword,
}

impl Skip {
    /// One sentence for `check-now` and the sync log.
    pub fn explain(&self) -> String {
        match self {
            Skip::NotDue => "the next check is not due yet".into(),
            Skip::CalledWrong => "Entra said the stored password is wrong; it is never sent again: type the new password (sesame-menubar sync)".into(),
            Skip::Held(until) => format!(
                "nothing is sent to Entra before {} (lockout or Retry-After)",
                crate::recheck::state_time(*until)
            ),
            Skip::Offline => "no network: checking when it is back".into(),
            Skip::NothingStored => "no password is stored for this user: sign in at the login window or run sesame-menubar sync".into(),
            Skip::UnusablePassword => "the stored password starts or ends with a space, which Entra does not allow, so it is not sent: run sesame-menubar sync".into(),
        }
    }
}

/// Whether a check may be sent at `now`.
pub fn decide(
    record: &Record,
    trigger: Trigger,
    stored: StoredPassword,
    network_up: bool,
    now: OffsetDateTime,
) -> Decision {
    let skip = |s| Decision::Skip(s);
    match stored {
        StoredPassword::Nothing => return skip(Skip::NothingStored),
        StoredPassword::SurroundingSpaces => return skip(Skip::UnusablePassword),
        StoredPassword::Usable => {}
    }
    if record.state == SyncState::CloudPasswordChanged {
        return skip(Skip::CalledWrong);
    }
    if let Some(hold) = record.hold_until
        && now < hold
    {
        return skip(Skip::Held(hold));
    }
    if !network_up {
        return skip(Skip::Offline);
    }
    if trigger == Trigger::Timer && record.next_due.is_none_or(|due| now < due) {
        return skip(Skip::NotDue);
    }
    Decision::Send
}

/// What a skipped check does to the record (the state the user sees, and
/// when to look again). Returns `true` when the user must be told.
pub fn after_skip(record: &mut Record, skip: Skip, policy: &Policy, now: OffsetDateTime) -> bool {
    match skip {
        Skip::NotDue | Skip::CalledWrong | Skip::Held(_) => false,
        Skip::Offline => {
            // Look again after an interval; a network change comes sooner.
            record.next_due = Some(now + policy.regular());
            record.event_pending = false;
            record.detail = Some("no network".into());
            record.enter(SyncState::Offline, now)
        }
        Skip::NothingStored | Skip::UnusablePassword => {
            record.next_due = None;
            record.event_pending = false;
            record.detail = Some(skip.explain());
            record.enter(SyncState::NeedsSignIn, now)
        }
    }
}

/// What Entra's answer to one check does to the record. Returns `true` when
/// the user must be told (a new state that needs them).
///
/// A password Entra accepted for someone else (not bound to this identity)
/// arrives here as [`PasswordVerdict::Misconfigured`].
pub fn after_answer(
    record: &mut Record,
    verdict: &PasswordVerdict,
    policy: &Policy,
    seed: u64,
    now: OffsetDateTime,
) -> bool {
    let r = record;
    r.last_check = Some(now);
    r.event_pending = false;
    r.draws += 1;
    let regular = now + policy.regular();
    r.code = verdict.code();
    r.detail = None;
    let (state, next_due) = match verdict {
        PasswordVerdict::Verified | PasswordVerdict::VerifiedInterrupted { .. } => {
            r.last_verified = Some(now);
            r.failures = 0;
            r.lockouts = 0;
            r.hold_until = None;
            (SyncState::InSync, Some(regular))
        }
        PasswordVerdict::WrongPassword { .. } => {
            r.failures = 0;
            (SyncState::CloudPasswordChanged, None)
        }
        PasswordVerdict::Locked { .. } => {
            r.lockouts += 1;
            let hold = now + policy.lock_wait(r.lockouts);
            r.hold_until = Some(hold);
            (
                SyncState::Locked,
                Some(hold + policy.backoff(1, seed, r.draws)),
            )
        }
        PasswordVerdict::PasswordExpired { .. } => {
            r.failures = 0;
            r.lockouts = 0;
            (SyncState::Expired, Some(regular))
        }
        PasswordVerdict::Disabled { .. } | PasswordVerdict::UnknownUser { .. } => {
            (SyncState::Disabled, Some(regular))
        }
        PasswordVerdict::NotAssigned { .. } => (SyncState::NotAssigned, Some(regular)),
        PasswordVerdict::Misconfigured { fix, .. } => {
            r.detail = Some(fix.clone());
            (SyncState::Misconfigured, Some(regular))
        }
        PasswordVerdict::NotAPasswordAnswer { code }
        | PasswordVerdict::Unknown {
            code: Some(code), ..
        } => {
            r.detail = Some(format!(
                "Entra gave an answer Sesame cannot use (AADSTS{code}); run `sesame explain {code}`"
            ));
            (SyncState::Misconfigured, Some(regular))
        }
        PasswordVerdict::Unknown { code: None, .. } => {
            r.detail = Some("Entra gave an answer Sesame cannot classify; see the sync log".into());
            (SyncState::Misconfigured, Some(regular))
        }
        PasswordVerdict::Throttled {
            code,
            retry_after_secs,
        } => {
            r.failures += 1;
            let told = Duration::seconds(retry_after_secs.unwrap_or(0).min(86_400) as i64);
            let least = if *code == Some(50196) {
                policy.loop_wait
            } else {
                Duration::ZERO
            };
            let wait = policy
                .backoff(r.failures, seed, r.draws)
                .max(told)
                .max(least);
            r.hold_until = Some(now + told.max(least));
            (SyncState::Throttled, Some(now + wait))
        }
        PasswordVerdict::Unreachable { reason } => {
            r.failures += 1;
            r.detail = Some(reason.clone());
            (
                SyncState::Offline,
                Some(now + policy.backoff(r.failures, seed, r.draws)),
            )
        }
    };
    r.next_due = next_due;
    r.enter(state, now)
}
