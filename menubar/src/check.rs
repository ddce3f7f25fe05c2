//! One check: the rules decide, then at most one password grant for the
//! bound identity, then the answer is recorded, logged and (once) shown.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sesame_core::recheck::{
    Decision, Record, Skip, StoredPassword, SyncState, Trigger, after_answer, after_skip, decide,
    state_time,
};
use sesame_core::synclog::EventKind;
use sesame_core::verdict::PasswordVerdict;
use sesame_entra::PasswordCheckFor;
use time::OffsetDateTime;

use crate::{Account, Context, MenubarError, log, records};

/// What one check did.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The state after the check (`in_sync`, `cloud_password_changed`, ...).
    pub state: SyncState,
    /// Whether a request was sent to Entra (at most one).
    pub sent: bool,
    /// Which request: `password` (a password grant) or `refresh_token`
    /// (quiet mode: the sign-in's refresh token, no password).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<&'static str>,
    /// The verdict's name when Entra answered (`verified_interrupted`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<&'static str>,
    /// The AADSTS code, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u32>,
    /// One sentence: what happened and what to do.
    pub message: String,
    /// The user must be told (a new state that needs them).
    pub tell_user: bool,
    /// When the next automatic check is due (RFC 3339), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_check: Option<String>,
    /// The record as saved.
    #[serde(skip)]
    pub record: Record,
}

/// "Check now": one check at `now`, obeying every rule (a password Entra
/// called wrong is never resent; nothing while locked or throttled).
pub async fn check_now(
    ctx: &Context<'_>,
    account: &Account,
    now: OffsetDateTime,
) -> Result<CheckReport, MenubarError> {
    check(ctx, account, Trigger::CheckNow, now).await
}

/// The record of `account`, or a fresh one whose first check is drawn in
/// the coming interval (a fleet installed at once does not check at once).
pub fn load_or_new(
    ctx: &Context<'_>,
    account: &Account,
    now: OffsetDateTime,
) -> Result<Record, MenubarError> {
    Ok(match records::load(ctx.state_dir, &account.short_name)? {
        Some(r) => r,
        None => Record::new(
            ctx.policy()
                .phase_due(ctx.seed(account), now + ctx.policy().debounce),
        ),
    })
}

fn classify(stored: Option<&SecretString>) -> StoredPassword {
    match stored.map(|s| s.expose_secret()) {
        None | Some("") => StoredPassword::Nothing,
        Some(p) if p.trim() != p => StoredPassword::SurroundingSpaces,
        Some(_) => StoredPassword::Usable,
    }
}

/// One check for `account` at `now`.
pub async fn check(
    ctx: &Context<'_>,
    account: &Account,
    trigger: Trigger,
    now: OffsetDateTime,
) -> Result<CheckReport, MenubarError> {
    crate::sync::recover(ctx, account)?;
    let mut record = load_or_new(ctx, account, now)?;
    let policy = ctx.policy();
    let seed = ctx.seed(account);
    let stored = ctx.store.read(&account.short_name)?;
    let decision = decide(
        &record,
        trigger,
        classify(stored.as_ref()),
        ctx.network.is_up(),
        now,
    );
    if ctx.settings.quiet_mode && decision == Decision::Send {
        // Quiet mode never sends the password in the background: it redeems
        // the sign-in's refresh token, or says why it cannot.
        return crate::quiet::check(ctx, account, record, now).await;
    }
    let (sent, verdict, message, tell) = match (&decision, stored) {
        (Decision::Send, Some(password)) => {
            let started = std::time::Instant::now();
            let answer = ctx
                .client
                .verify_password_for(&account.owner(), &password)
                .await;
            let (verdict, ids) = match &answer {
                Ok(PasswordCheckFor::NotBound { refused, check }) => (
                    PasswordVerdict::Misconfigured {
                        code: check.verdict.code(),
                        fix: format!(
                            "{refused}; ask your administrator to check the account's identity"
                        ),
                    },
                    ids_of(check),
                ),
                Ok(outcome) => (outcome.check().verdict.clone(), ids_of(outcome.check())),
                // Only an unusable password is an Err; classify() kept those out.
                Err(refused) => (
                    PasswordVerdict::Unknown {
                        code: None,
                        raw: refused.to_string(),
                    },
                    (None, None),
                ),
            };
            let tell = after_answer(&mut record, &verdict, &policy, seed, now);
            if let Ok(a) = &answer {
                crate::expiry::from_check(ctx, account, &mut record, a.check(), now).await;
            }
            let message = answer_message(&verdict, &record);
            let event = log::event(now, ctx.host, account, EventKind::PasswordCheck, &message)
                .with_password_verdict(&verdict)
                .with_ids(ids.0, ids.1)
                .with_duration(started.elapsed());
            log::append(&ctx.settings.log_path, &[event]);
            (Some("password"), Some(verdict.name()), message, tell)
        }
        (decision, _) => {
            // `decide` says Send only for a usable stored password.
            let skip = match decision {
                Decision::Skip(skip) => *skip,
                Decision::Send => Skip::NothingStored,
            };
            let tell = after_skip(&mut record, skip, &policy, now);
            let message = skip.explain();
            if trigger == Trigger::CheckNow || tell || skip == Skip::Offline {
                let event = log::event(now, ctx.host, account, EventKind::CheckScheduled, &message);
                log::append(&ctx.settings.log_path, &[event]);
            }
            (None, None, message, tell)
        }
    };
    finish(ctx, account, &record, None, &message, tell)?;
    Ok(report(&record, sent, verdict, message, tell))
}

/// Saves the record, logs `event` and tells the user when `tell`.
pub(crate) fn finish(
    ctx: &Context<'_>,
    account: &Account,
    record: &Record,
    event: Option<sesame_core::synclog::SyncEvent>,
    message: &str,
    tell: bool,
) -> Result<(), MenubarError> {
    records::save(ctx.state_dir, &account.short_name, record)?;
    if let Some(e) = event {
        log::append(&ctx.settings.log_path, &[e]);
    }
    if tell {
        crate::notify::tell(record.state, message);
    }
    Ok(())
}

fn ids_of(check: &sesame_entra::PasswordCheck) -> (Option<uuid::Uuid>, Option<uuid::Uuid>) {
    let e = check.error.as_ref();
    (
        log::guid(e.and_then(|e| e.trace_id.as_deref())),
        log::guid(e.and_then(|e| e.correlation_id.as_deref())),
    )
}

pub(crate) fn report(
    record: &Record,
    sent: Option<&'static str>,
    verdict: Option<&'static str>,
    message: String,
    tell_user: bool,
) -> CheckReport {
    CheckReport {
        state: record.state,
        sent: sent.is_some(),
        request: sent,
        verdict,
        code: if sent.is_some() { record.code } else { None },
        message,
        tell_user,
        next_check: record.next_due.map(state_time),
        record: record.clone(),
    }
}

pub(crate) fn answer_message(verdict: &PasswordVerdict, record: &Record) -> String {
    match record.state {
        SyncState::InSync => format!("in sync: {verdict}"),
        SyncState::CloudPasswordChanged => format!(
            "{verdict}: the cloud password changed; it will not be sent again: type the new password (sesame-menubar sync)"
        ),
        SyncState::Locked => format!(
            "{verdict}: nothing is sent before {}",
            record.hold_until.map(state_time).unwrap_or_default()
        ),
        SyncState::Throttled => format!(
            "{verdict}: next try {}",
            record.next_due.map(state_time).unwrap_or_default()
        ),
        SyncState::Offline => format!(
            "{verdict}: retrying {}",
            record.next_due.map(state_time).unwrap_or_default()
        ),
        SyncState::Misconfigured => format!(
            "{verdict}: {}",
            record.detail.as_deref().unwrap_or("see the sync log")
        ),
        _ => verdict.to_string(),
    }
}
