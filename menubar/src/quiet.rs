//! Quiet mode (`QuietMode`): the check redeems the refresh token of the
//! user's last password sign-in instead of sending the password. New tokens:
//! in sync (the rotated token is stored); AADSTS50173 / 50133: the cloud
//! password changed, and no password was sent, so the tenant's sign-in log
//! shows no failed sign-in; no answer, 5xx, 429: the same back-off as a
//! password check. When quiet mode cannot work for this session (no token,
//! a confidential client, a passwordless sign-in) nothing is sent and the
//! menu says why; "Type New Password…" stays available.

use secrecy::SecretString;
use sesame_core::recheck::{
    QuietBlocker, Record, RefreshAnswer, RefreshSession, SyncState, after_refresh,
    quiet_mode_blocker, refresh_answer,
};
use sesame_core::synclog::EventKind;
use sesame_core::verdict::PasswordVerdict;
use sesame_entra::{PasswordCheck, RefreshApp, TokenError};
use sesame_platform::secrets::{delete_session, read_session, store_session};
use time::OffsetDateTime;

use crate::check::{CheckReport, answer_message, finish, report};
use crate::{Account, Context, MenubarError, log};

/// The stored session of `account` and what stops quiet mode for it.
pub fn session(
    ctx: &Context<'_>,
    account: &Account,
) -> Result<(Option<RefreshSession>, Option<QuietBlocker>), MenubarError> {
    let s = read_session(ctx.store, &account.short_name, &account.binding.id)?;
    let blocker = match &s {
        Some(s) => s.blocker(),
        None => quiet_mode_blocker(false, ctx.settings.oidc_client_secret.is_some(), true),
    };
    Ok((s, blocker))
}

/// The warning `status` and the menu show, when quiet mode is on and cannot
/// work for this session.
pub fn warning(ctx: &Context<'_>, account: &Account) -> Option<&'static str> {
    if !ctx.settings.quiet_mode {
        return None;
    }
    match session(ctx, account) {
        Ok((_, b)) => b.map(QuietBlocker::warning),
        // A damaged or unreadable item: quiet mode has no usable token.
        Err(_) => Some(QuietBlocker::NoRefreshToken.warning()),
    }
}

/// After `sync` verified the new password: keeps the password grant's new
/// refresh token (quiet mode watches the new password from now on). A
/// failure is logged and leaves the sync done; the menu then says quiet mode
/// has no refresh token.
pub fn keep_after_sync(ctx: &Context<'_>, account: &Account, check: &PasswordCheck) {
    if !ctx.settings.quiet_mode {
        return;
    }
    let r = match ctx.client.session_of_check(check) {
        Some(s) => store_session(ctx.store, &account.short_name, &s),
        None => delete_session(ctx.store, &account.short_name),
    };
    if let Err(e) = r {
        tracing::warn!(error = %e, "the new sign-in session for quiet mode was not stored");
    }
}

/// One quiet check (the rules already allowed a request): at most one
/// refresh-token redemption, never a password.
pub async fn check(
    ctx: &Context<'_>,
    account: &Account,
    mut record: Record,
    now: OffsetDateTime,
) -> Result<CheckReport, MenubarError> {
    let policy = ctx.policy();
    let (stored, blocker) = session(ctx, account)?;
    let session = match (stored, blocker) {
        (Some(s), None) => s,
        (_, blocker) => {
            let b = blocker.unwrap_or(QuietBlocker::NoRefreshToken);
            record.detail = Some(b.warning().to_owned());
            record.next_due = Some(now + policy.regular());
            finish(ctx, account, &record, None, b.warning(), false)?;
            return Ok(report(&record, None, None, b.warning().to_owned(), false));
        }
    };
    let started = std::time::Instant::now();
    let app = RefreshApp::of_session(&session);
    let result = ctx
        .client
        .redeem_refresh_token(&session.refresh_token, &app, &account.binding.id)
        .await;
    let mut graph_token: Option<SecretString> = None;
    let (answer, verdict, ids) = match result {
        Ok(redeemed) => {
            if let Some(rt) = redeemed.tokens.refresh_token.clone()
                && let Err(e) = store_session(ctx.store, &account.short_name, &session.rotated(rt))
            {
                // The previous token stays valid at Entra: the next check uses it.
                tracing::warn!(error = %e, "the rotated refresh token was not stored");
            }
            if let Some(c) = &redeemed.claims {
                crate::expiry::from_id_token(&mut record, c);
            }
            graph_token = Some(redeemed.tokens.access_token.clone());
            (
                RefreshAnswer::Refreshed,
                PasswordVerdict::Verified,
                (None, None),
            )
        }
        Err(e) => {
            let verdict = ctx.client.verdict_for_refresh_error(&e);
            let (code, ids) = match &e {
                TokenError::Entra(err) => (
                    err.code(),
                    (
                        log::guid(err.trace_id.as_deref()),
                        log::guid(err.correlation_id.as_deref()),
                    ),
                ),
                _ => (verdict.code(), (None, None)),
            };
            (refresh_answer(code, &verdict), verdict, ids)
        }
    };
    let seed = ctx.seed(account);
    let tell = after_refresh(&mut record, &answer, &policy, seed, now);
    if matches!(answer, RefreshAnswer::Refused { .. })
        && record.state == SyncState::NeedsSignIn
        && let Err(e) = delete_session(ctx.store, &account.short_name)
    {
        tracing::warn!(error = %e, "the refused refresh token was not deleted");
    }
    if let Some(token) = &graph_token {
        crate::expiry::ask_graph(ctx, account, &mut record, token, now).await;
    }
    let message = message(&answer, &verdict, &record);
    let event = log::event(now, ctx.host, account, EventKind::PasswordCheck, &message)
        .with_password_verdict(&verdict)
        .with_ids(ids.0, ids.1)
        .with_duration(started.elapsed());
    finish(ctx, account, &record, Some(event), &message, tell)?;
    Ok(report(
        &record,
        Some("refresh_token"),
        Some(verdict.name()),
        message,
        tell,
    ))
}

fn message(answer: &RefreshAnswer, verdict: &PasswordVerdict, record: &Record) -> String {
    match (answer, record.state) {
        (RefreshAnswer::Refreshed, _) => {
            "in sync: the sign-in session is still valid (quiet mode: no password sent)".into()
        }
        (RefreshAnswer::Refused { code }, SyncState::CloudPasswordChanged) => format!(
            "AADSTS{}: Entra revoked the sign-in session: the cloud password changed; no password was sent: type the new password (sesame-menubar sync)",
            code.unwrap_or_default()
        ),
        (RefreshAnswer::Refused { code }, _) => format!(
            "AADSTS{}: the sign-in session can no longer be used ({verdict}); sign in again so quiet mode has a refresh token",
            code.unwrap_or_default()
        ),
        _ => answer_message(verdict, record),
    }
}
