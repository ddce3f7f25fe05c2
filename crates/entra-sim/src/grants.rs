//! The grants that redeem something the sim issued earlier: `refresh_token` and
//! `device_code` (the password and code grants live in [`crate::token`]).
//!
//! Refresh tokens follow Microsoft's "Refresh tokens" page: they expire after 90 days without
//! use (AADSTS700082) and are revoked per its revocation table — a public client's
//! password-based tokens by any password change or reset, everything else only by an admin
//! reset in the Entra admin center (which moves the user's TokensValidFrom date). A revoked
//! token keeps answering 50173 on every use.

use time::{Duration, OffsetDateTime};

use crate::auth::{app_checks, mfa_error};
use crate::claims::{IssueRequest, Unsigned, build};
use crate::errors::AadError;
use crate::scopes::{ca_targets, resolve_v1, resolve_v2};
use crate::signin::Facts;
use crate::state::{Grant, Inner, RefreshGrant, Version};
use crate::tenant::{App, User};
use crate::token::{Req, client_auth};

/// Refresh tokens expire after this many days without use ("Refresh tokens": 90 days).
pub const REFRESH_INACTIVITY_DAYS: i64 = 90;

/// The date before which `g` is no longer valid for `user`, when it has been revoked.
///
/// The revocation table of Microsoft's "Refresh tokens" page: password-based tokens of
/// public clients are revoked by a user's change, SSPR and any admin reset; confidential
/// clients' tokens and non-password-based ones only by an admin reset in the Entra admin
/// center (TokensValidFrom). A password that merely expires revokes nothing.
pub fn revoked_since(g: &RefreshGrant, user: &User) -> Option<OffsetDateTime> {
    if g.issued < user.refresh_tokens_valid_from {
        return Some(user.refresh_tokens_valid_from);
    }
    let password_based = g.amr.contains(&"pwd");
    (!g.confidential && password_based && g.issued < user.last_password_change)
        .then_some(user.last_password_change)
}

/// Sim refresh tokens are URL-safe Base64 of 96 random bytes; anything that could not be
/// one is "malformed" (9002313), a well-formed token the sim never issued is 70000.
fn looks_like_refresh_token(rt: &str) -> bool {
    rt.len() >= 64
        && rt
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub(crate) fn refresh_token(
    req: &Req<'_>,
    inner: &mut Inner,
    app: &App,
) -> Result<Unsigned, AadError> {
    let rt = req.need("refresh_token")?.to_string();
    let Some(g) = inner.refresh.get(&rt).cloned() else {
        return Err(if looks_like_refresh_token(&rt) {
            AadError::refresh_unknown()
        } else {
            AadError::refresh_malformed()
        });
    };
    if g.client_id != app.client_id {
        return Err(AadError::refresh_unknown());
    }
    let confidential = client_auth(req, app, !g.confidential, req.now)?;
    let Some(user) = inner.tenant.users.iter().find(|u| u.oid == g.oid).cloned() else {
        return Err(AadError::refresh_unknown());
    };
    let log = |inner: &mut Inner, code: u32, report: Vec<String>, facts: Facts| {
        let facts = Facts {
            refresh: true,
            ..facts
        };
        req.log(
            inner,
            &user.upn,
            Some(app),
            "refresh_token",
            code,
            report,
            facts,
        );
    };
    // The grant stays stored: a revoked token answers 50173 on every use, not just the first.
    if let Some(valid_from) = revoked_since(&g, &user) {
        let e = AadError::grant_revoked(g.issued, valid_from);
        log(inner, e.code, vec![], Facts::default());
        return Err(e);
    }
    if g.last_used + Duration::days(REFRESH_INACTIVITY_DAYS) <= req.now {
        let e = AadError::refresh_inactive(g.issued, REFRESH_INACTIVITY_DAYS);
        log(inner, e.code, vec![], Facts::default());
        return Err(e);
    }
    if user.state == crate::tenant::UserState::Disabled {
        let e = AadError::disabled();
        log(inner, e.code, vec![], Facts::default());
        return Err(e);
    }
    let grant = match (req.version, req.param("scope"), req.param("resource")) {
        (Version::V2, Some(s), _) => resolve_v2(&inner.tenant, s)?,
        (Version::V1, _, Some(r)) => resolve_v1(&inner.tenant, r, None)?,
        _ => Grant {
            version: req.version,
            ..g.grant.clone()
        },
    };
    let targets = ca_targets(&app.client_id.to_string(), &grant);
    let cond = match app_checks(&inner.tenant, &user, app, &targets) {
        Ok(c) => c,
        Err(e) => {
            log(inner, e.code, vec![], Facts::default());
            return Err(e);
        }
    };
    let has_mfa = g.amr.contains(&"mfa");
    if cond.mfa_required && !has_mfa {
        let e = mfa_error(&user, &grant.resource_app, &cond);
        log(inner, e.code, cond.report_only.clone(), Facts::from(&cond));
        return Err(e);
    }
    if let Some(x) = inner.refresh.get_mut(&rt) {
        x.last_used = req.now;
    }
    let ir = IssueRequest {
        user: &user,
        app,
        grant: &grant,
        nonce: None,
        amr: &g.amr,
        confidential,
        force_refresh: true,
    };
    let mut u = build(req.state, &inner.tenant, &ir, req.now);
    if let Some((new_rt, ng)) = u.refresh.as_mut() {
        ng.issued = g.issued; // a revocation still reaches the whole chain
        ng.confidential = g.confidential;
        inner.refresh.insert(new_rt.clone(), ng.clone());
    }
    let facts = Facts {
        mfa_from_token: cond.mfa_required,
        ..Facts::from(&cond)
    };
    log(inner, 0, cond.report_only, facts);
    Ok(u)
}

pub(crate) fn device_code(
    req: &Req<'_>,
    inner: &mut Inner,
    app: &App,
) -> Result<Unsigned, AadError> {
    // The v1 endpoint polls with `code`, the v2 endpoint with `device_code`.
    let name = match req.version {
        Version::V1 => "code",
        Version::V2 => "device_code",
    };
    let dc = req.need(name)?.to_string();
    client_auth(req, app, app.public_client, req.now)?;
    let Some(d) = inner.devices.get(&dc).cloned() else {
        return Err(AadError::device_unknown());
    };
    if d.client_id != app.client_id {
        return Err(AadError::device_unknown());
    }
    if d.expires <= req.now {
        inner.devices.remove(&dc);
        return Err(AadError::device_expired());
    }
    if d.declined {
        return Err(AadError::device_declined());
    }
    let Some((oid, amr)) = d.completed.clone() else {
        return Err(AadError::device_pending());
    };
    inner.devices.remove(&dc);
    let Some(user) = inner.tenant.users.iter().find(|u| u.oid == oid).cloned() else {
        return Err(AadError::device_unknown());
    };
    let ir = IssueRequest {
        user: &user,
        app,
        grant: &d.grant,
        nonce: None,
        amr: &amr,
        confidential: false,
        force_refresh: false,
    };
    let u = build(req.state, &inner.tenant, &ir, req.now);
    if let Some((rt, g)) = &u.refresh {
        inner.refresh.insert(rt.clone(), g.clone());
    }
    let facts = Facts {
        mfa_required: amr.contains(&"mfa"),
        mfa_from_token: amr.contains(&"mfa"),
        ..Facts::default()
    };
    req.log(inner, &user.upn, Some(app), "device_code", 0, vec![], facts);
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Source: "Refresh tokens" page, revocation table: the non-password-based token column
    /// (a passwordless sign-in, `amr` without `pwd`) survives a user change, SSPR and an
    /// Azure-portal reset, and dies only with an Entra-admin-center reset; a confidential
    /// client's token likewise.
    #[test]
    fn revocation_table_columns() {
        let t0 = time::macros::datetime!(2026-01-01 00:00 UTC);
        let tenant = crate::Tenant::demo();
        let mut user = tenant.users[1].clone();
        user.last_password_change = t0 - Duration::days(1);
        user.refresh_tokens_valid_from = t0 - Duration::days(1);
        let grant = |amr: Vec<&'static str>, confidential: bool| RefreshGrant {
            client_id: uuid::Uuid::nil(),
            oid: user.oid,
            grant: crate::scopes::resolve_v2(&tenant, "openid").expect("grant"),
            amr,
            issued: t0,
            confidential,
            last_used: t0,
        };
        let password_public = grant(vec!["pwd"], false);
        let passwordless_public = grant(vec!["mfa"], false);
        let password_confidential = grant(vec!["pwd"], true);
        // A user change (or SSPR, or an Azure-portal reset) an hour later.
        user.last_password_change = t0 + Duration::hours(1);
        assert_eq!(
            revoked_since(&password_public, &user),
            Some(t0 + Duration::hours(1))
        );
        assert_eq!(revoked_since(&passwordless_public, &user), None);
        assert_eq!(revoked_since(&password_confidential, &user), None);
        // An Entra-admin-center reset moves TokensValidFrom: every column is revoked.
        user.refresh_tokens_valid_from = t0 + Duration::hours(2);
        for g in [
            &password_public,
            &passwordless_public,
            &password_confidential,
        ] {
            assert_eq!(revoked_since(g, &user), Some(t0 + Duration::hours(2)));
        }
    }

    #[test]
    fn malformed_and_well_formed_refresh_tokens_are_told_apart() {
        assert!(!looks_like_refresh_token("not-a-token"));
        assert!(!looks_like_refresh_token(&"a".repeat(63)));
        assert!(!looks_like_refresh_token(&format!("{}!", "a".repeat(80))));
        assert!(looks_like_refresh_token(&crate::state::random_token(96)));
    }
}
