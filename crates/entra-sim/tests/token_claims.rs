//! Token contents as Microsoft documents them: password-expiry claims only inside the
//! notification window, the access token's version chosen by the API, and the claims and
//! headers that depend on that version or on the `profile` scope.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use entra_sim::{SimHandle, Tenant};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;

const MAC_USERS: &str = "a1000000-0000-4000-8000-000000000002";

fn user_changed_days_ago(upn: &str, days: i64) -> String {
    let at = (time::OffsetDateTime::now_utc() - time::Duration::days(days))
        .format(&Rfc3339)
        .unwrap();
    format!(
        "[[users]]\nupn = \"{upn}\"\npassword = \"Expiry-Test-1\"\ngroups = [\"{MAC_USERS}\"]\nlast_password_change = \"{at}\"\n"
    )
}

async fn ropg(sim: &SimHandle, user: &str, v1: bool) -> Value {
    let (url, scope_or_resource) = if v1 {
        (
            format!("{}/{TID}/oauth2/token", sim.base_url()),
            ("resource", "https://graph.microsoft.com"),
        )
    } else {
        (
            format!("{}/{TID}/oauth2/v2.0/token", sim.base_url()),
            ("scope", "openid profile"),
        )
    };
    let f = [
        ("grant_type", "password"),
        ("client_id", SESAME),
        scope_or_resource,
        ("username", user),
        ("password", "Expiry-Test-1"),
    ];
    let (s, _, t) = post_form(&client(sim), &url, &f).await;
    assert_eq!(s, 200, "{t}");
    let iss = if v1 { sim.issuer_v1() } else { sim.issuer_v2() };
    verify(sim, t["id_token"].as_str().unwrap(), SESAME, &iss).await
}

/// Source: the optional-claims reference, "v2.0-specific optional claims set": `pwd_exp` and
/// `pwd_url` are "only included when the password is expiring soon (as defined by
/// "notification days" in the password policy)" — always so in v1.0 ID tokens, in v2.0 ones
/// only when the app asks for them.
#[tokio::test]
async fn password_expiry_claims_only_inside_the_notification_window() {
    let extra = format!(
        "{}{}",
        user_changed_days_ago("soon@contoso.example", 80), // 10 days left
        user_changed_days_ago("later@contoso.example", 60)  // 30 days left
    );
    let text = test_tenant_toml(&extra).replace(
        "optional_claims = [\"preferred_username\", \"email\"]",
        "optional_claims = [\"preferred_username\", \"email\", \"pwd_exp\", \"pwd_url\"]",
    );
    let sim = start_with(Tenant::from_toml_str(&text, "t").unwrap(), false).await;
    for v1 in [true, false] {
        let soon = ropg(&sim, "soon@contoso.example", v1).await;
        let secs: i64 = soon["pwd_exp"].as_str().unwrap().parse().unwrap();
        assert!((9 * 86400..=10 * 86400).contains(&secs), "v1={v1}: {secs}");
        assert_eq!(
            soon["pwd_url"],
            format!("{}/ChangePassword.aspx", sim.base_url())
        );
        let later = ropg(&sim, "later@contoso.example", v1).await;
        assert!(
            later.get("pwd_exp").is_none() && later.get("pwd_url").is_none(),
            "v1={v1}: {later}"
        );
    }
    // A v2.0 app that did not ask for them gets neither, even inside the window.
    let plain = test_tenant_toml(&user_changed_days_ago("soon@contoso.example", 80));
    let sim = start_with(Tenant::from_toml_str(&plain, "t").unwrap(), false).await;
    let soon = ropg(&sim, "soon@contoso.example", false).await;
    assert!(soon.get("pwd_exp").is_none(), "{soon}");
    assert!(
        ropg(&sim, "soon@contoso.example", true)
            .await
            .get("pwd_exp")
            .is_some()
    );
}

fn header(jwt: &str) -> jsonwebtoken::Header {
    jsonwebtoken::decode_header(jwt).unwrap()
}

async fn token(sim: &SimHandle, v1: bool, what: &str, scope: &str) -> Value {
    let (url, key) = if v1 {
        (format!("{}/{TID}/oauth2/token", sim.base_url()), "resource")
    } else {
        (
            format!("{}/{TID}/oauth2/v2.0/token", sim.base_url()),
            "scope",
        )
    };
    let mut f = vec![
        ("grant_type", "password"),
        ("client_id", SESAME),
        (key, what),
        ("username", "adele@contoso.example"),
        ("password", "Sesame-Demo-2"),
    ];
    if v1 && !scope.is_empty() {
        f.push(("scope", scope));
    }
    let (s, _, t) = post_form(&client(sim), &url, &f).await;
    assert_eq!(s, 200, "{t}");
    t
}

/// Decodes a JWT after checking it against the sim's keys, with whatever `aud`/`iss` it has.
async fn claims(sim: &SimHandle, jwt: &str) -> Value {
    let unverified: Value = {
        use base64::Engine;
        let part = jwt.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .unwrap(),
        )
        .unwrap()
    };
    verify(
        sim,
        jwt,
        unverified["aud"].as_str().unwrap(),
        unverified["iss"].as_str().unwrap(),
    )
    .await
}

/// Source: "Access tokens in the Microsoft identity platform": the token's version is set by
/// the resource's `accessTokenAcceptedVersion` (null or 1 → v1.0, whichever endpoint asked;
/// Graph takes v1.0 tokens with Graph's audience), `x5t` is a legacy header of v1.0 tokens,
/// `amr` a v1.0 claim; "ID token claims reference": v2.0 `name` and `preferred_username` need
/// the `profile` scope.
#[tokio::test]
async fn access_token_version_follows_the_api_and_claims_follow_the_version() {
    let sim = start(false).await;
    // Graph through the v2 endpoint: a v1.0 token for Graph's app ID.
    let t = token(&sim, false, "openid User.Read", "").await;
    let at = t["access_token"].as_str().unwrap();
    let c = claims(&sim, at).await;
    assert_eq!(
        (c["ver"].as_str(), c["aud"].as_str()),
        (Some("1.0"), Some("00000003-0000-0000-c000-000000000000"))
    );
    assert_eq!(c["iss"], sim.issuer_v1());
    assert!(c["amr"].is_array() && header(at).x5t.is_some(), "{c}");
    // Graph through the v1 endpoint: the audience as the client named it.
    let t = token(&sim, true, "https://graph.microsoft.com", "").await;
    assert_eq!(
        claims(&sim, t["access_token"].as_str().unwrap()).await["aud"],
        "https://graph.microsoft.com"
    );
    assert!(
        header(t["id_token"].as_str().unwrap()).x5t.is_some(),
        "v1.0 ID tokens carry x5t"
    );
    // The Sesame API accepts v2.0 tokens: v2.0 from both endpoints, no x5t, no amr.
    let api = format!("api://{SESAME}/sesame");
    for (v1, what) in [
        (false, api.as_str()),
        (true, &format!("api://{SESAME}")[..]),
    ] {
        let t = token(&sim, v1, what, "").await;
        let at = t["access_token"].as_str().unwrap();
        let c = claims(&sim, at).await;
        assert_eq!(
            (c["ver"].as_str(), c["aud"].as_str()),
            (Some("2.0"), Some(SESAME)),
            "v1 endpoint={v1}"
        );
        assert_eq!(c["iss"], sim.issuer_v2());
        assert!(c.get("amr").is_none() && header(at).x5t.is_none(), "{c}");
    }
    // The v2.0 ID token has no x5t, and `name` / `preferred_username` only with `profile`.
    let t = token(&sim, false, &format!("openid {api}"), "").await;
    let id_jwt = t["id_token"].as_str().unwrap();
    assert!(header(id_jwt).x5t.is_none());
    let id = claims(&sim, id_jwt).await;
    assert!(
        id.get("name").is_none() && id.get("preferred_username").is_none(),
        "{id}"
    );
    let t = token(&sim, false, &format!("openid profile {api}"), "").await;
    let id = claims(&sim, t["id_token"].as_str().unwrap()).await;
    assert_eq!(
        (id["name"].as_str(), id["preferred_username"].as_str()),
        (Some("Adele Vance"), Some("adele@contoso.example"))
    );

    // The same API with accessTokenAcceptedVersion left out (null): v1.0 even from v2.
    let text = test_tenant_toml("").replace("access_token_accepted_version = 2", "");
    let sim = start_with(Tenant::from_toml_str(&text, "t").unwrap(), false).await;
    let t = token(&sim, false, &api, "").await;
    let at = t["access_token"].as_str().unwrap();
    let c = claims(&sim, at).await;
    assert_eq!(
        (c["ver"].as_str(), c["aud"].as_str()),
        (Some("1.0"), Some(&format!("api://{SESAME}")[..]))
    );
    assert_eq!(c["iss"], sim.issuer_v1());
    assert!(c["amr"].is_array() && header(at).x5t.is_some(), "{c}");
}
