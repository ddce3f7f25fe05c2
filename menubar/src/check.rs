//! One check: the rules decide, then at most one password grant for the
//! bound identity, then the answer is recorded, logged and (once) shown.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sesame_core::recheck::{
    Decision, QuietBlocker, Record, Skip, StoredPassword, SyncState, Trigger, after_answer,
    after_skip, decide, quiet_mode_blocker, state_time,
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
        // Quiet mode never sends the password in the background. Without a
        // refresh token to redeem it cannot see a change: say so.
        let blocker = quiet_mode_blocker(false, ctx.settings.oidc_client_secret.is_some(), true)
            .unwrap_or(QuietBlocker::NoRefreshToken);
        record.detail = Some(blocker.warning().to_owned());
        record.next_due = Some(now + policy.regular());
        records::save(ctx.state_dir, &account.short_name, &record)?;
        return Ok(report(
            &record,
            false,
            None,
            blocker.warning().to_owned(),
            false,
        ));
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
            if let Some(c) = answer.as_ref().ok().and_then(|a| a.check().claims())
                && let Some(left) = c.pwd_exp
            {
                record.password_expires = OffsetDateTime::from_unix_timestamp(c.issued_at)
                    .ok()
                    .map(|iat| iat + time::Duration::seconds(left.min(i64::MAX as u64) as i64));
            }
            let message = answer_message(&verdict, &record);
            let event = log::event(now, ctx.host, account, EventKind::PasswordCheck, &message)
                .with_password_verdict(&verdict)
                .with_ids(ids.0, ids.1)
                .with_duration(started.elapsed());
            log::append(&ctx.settings.log_path, &[event]);
            (true, Some(verdict.name()), message, tell)
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
            (false, None, message, tell)
        }
    };
    records::save(ctx.state_dir, &account.short_name, &record)?;
    if tell {
        crate::notify::tell(record.state, &message);
    }
    Ok(report(&record, sent, verdict, message, tell))
}

fn ids_of(check: &sesame_entra::PasswordCheck) -> (Option<uuid::Uuid>, Option<uuid::Uuid>) {
    let e = check.error.as_ref();
    (
        log::guid(e.and_then(|e| e.trace_id.as_deref())),
        log::guid(e.and_then(|e| e.correlation_id.as_deref())),
    )
}

fn report(
    record: &Record,
    sent: bool,
    verdict: Option<&'static str>,
    message: String,
    tell_user: bool,
) -> CheckReport {
    CheckReport {
        state: record.state,
        sent,
        verdict,
        code: if sent { record.code } else { None },
        message,
        tell_user,
        next_check: record.next_due.map(state_time),
        record: record.clone(),
    }
}

fn answer_message(verdict: &PasswordVerdict, record: &Record) -> String {
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
