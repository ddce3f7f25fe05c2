//! The password-expiry facts: Entra's `pwd_exp` from an ID token, else
//! Microsoft Graph, asked with the access token the check already obtained
//! (the password grant's or the refresh redemption's — never a request just
//! for this), at most once a day. A Graph failure only leaves the facts as
//! they were: it never changes the sync state.

use secrecy::SecretString;
use sesame_core::recheck::{Record, graph_due};
use sesame_entra::{EntraClaims, PasswordCheck};
use time::OffsetDateTime;

use crate::{Account, Context};

/// Keeps the ID token's `pwd_exp` (seconds left when issued), if it has one.
pub fn from_id_token(record: &mut Record, claims: &EntraClaims) {
    if let Some(left) = claims.pwd_exp {
        record.password_expires = OffsetDateTime::from_unix_timestamp(claims.issued_at)
            .ok()
            .map(|iat| iat + time::Duration::seconds(left.min(i64::MAX as u64) as i64));
    }
}

/// Asks Graph about the password's age when Entra sent no `pwd_exp` and the
/// last ask is a day old.
pub async fn ask_graph(
    ctx: &Context<'_>,
    account: &Account,
    record: &mut Record,
    access_token: &SecretString,
    now: OffsetDateTime,
) {
    if record.password_expires.is_some() || !graph_due(record.graph_asked, now) {
        return;
    }
    record.graph_asked = Some(now);
    match ctx
        .client
        .password_age(access_token, &account.binding.upn)
        .await
    {
        Ok(facts) => record.graph_expiry = Some(facts),
        Err(why) => {
            tracing::warn!(%why, "password expiry not read from Graph; asking again tomorrow")
        }
    }
}

/// What a password grant's tokens tell about the expiry (its ID token's
/// `pwd_exp`, else Graph with its access token, when due).
pub async fn from_check(
    ctx: &Context<'_>,
    account: &Account,
    record: &mut Record,
    check: &PasswordCheck,
    now: OffsetDateTime,
) {
    if let Some(i) = check.issued() {
        from_id_token(record, &i.claims);
        ask_graph(ctx, account, record, &i.tokens.access_token, now).await;
    }
}

/// After `sync`: the password just changed, so what was known about the old
/// one's expiry is dropped and learnt again from the sync's own tokens.
pub async fn after_sync(
    ctx: &Context<'_>,
    account: &Account,
    record: &mut Record,
    check: &PasswordCheck,
    now: OffsetDateTime,
) {
    record.password_expires = None;
    record.graph_expiry = None;
    record.graph_asked = None;
    from_check(ctx, account, record, check, now).await;
}
