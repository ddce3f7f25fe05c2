//! Refresh tokens as Microsoft's "Refresh tokens" page describes them
//! (learn.microsoft.com/entra/identity-platform/refresh-tokens): the token-revocation table,
//! the 90-day inactivity limit, and the 50173 / 700082 answers real clients quote.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use entra_sim::SimHandle;
use serde_json::{Value, json};

const ADELE: &str = "adele@contoso.example";

/// A refresh token from the password grant: Sesame (public client) or, with `secret`, the
/// Doctor app (confidential client).
async fn refresh_token_for(
    sim: &SimHandle,
    client_id: &str,
    secret: Option<&str>,
    pw: &str,
) -> String {
    let http = client(sim);
    let mut form = vec![
        ("grant_type", "password"),
        ("client_id", client_id),
        ("scope", "openid offline_access"),
        ("username", ADELE),
        ("password", pw),
    ];
    if let Some(s) = secret {
        form.push(("client_secret", s));
    }
    let url = format!("{}/{TID}/oauth2/v2.0/token", sim.base_url());
    let (s, _, b) = post_form(&http, &url, &form).await;
    assert_eq!(s, 200, "{b}");
    b["refresh_token"].as_str().unwrap().to_string()
}

async fn redeem(sim: &SimHandle, client_id: &str, secret: Option<&str>, rt: &str) -> (u16, Value) {
    let http = client(sim);
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("client_id", client_id),
        ("refresh_token", rt),
    ];
    if let Some(s) = secret {
        form.push(("client_secret", s));
    }
    let url = format!("{}/{TID}/oauth2/v2.0/token", sim.base_url());
    let (s, _, b) = post_form(&http, &url, &form).await;
    (s, b)
}

/// Changes Adele's password through the control API with the JSON shape of issue 10:
/// `{"password": "...", "by": "..."}` (`by` left out = `user`).
async fn change_password(sim: &SimHandle, password: &str, by: Option<&str>) {
    let mut body = json!({ "password": password });
    if let Some(by) = by {
        body["by"] = json!(by);
    }
    let r = client(sim)
        .post(format!("{}/_sim/users/{ADELE}/password", sim.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{:?}", r.text().await);
}

const SECRET: &str = "demo-secret-value-1";

/// Source: "Refresh tokens" page, token-revocation table. A public client's password-based
/// tokens are revoked by a user change, SSPR and any admin reset; a confidential client's
/// tokens survive all of those except an admin reset in the Entra admin center.
#[tokio::test]
async fn password_changes_revoke_refresh_tokens_as_the_revocation_table_says() {
    let sim = start(false).await;
    let mut pw = "Sesame-Demo-2".to_string();
    let rows = [
        (None, true, false), // `by` left out: the user changed it
        (Some("user"), true, false),
        (Some("sspr"), true, false),
        (Some("admin_portal"), true, false),
        (Some("admin_center"), true, true),
    ];
    for (i, (by, public_revoked, confidential_revoked)) in rows.into_iter().enumerate() {
        let public = refresh_token_for(&sim, SESAME, None, &pw).await;
        let confidential = refresh_token_for(&sim, DOCTOR, Some(SECRET), &pw).await;
        sim.advance_clock(time::Duration::seconds(2));
        pw = format!("Changed-Password-{i}");
        change_password(&sim, &pw, by).await;
        let (s, b) = redeem(&sim, SESAME, None, &public).await;
        let got = (s, code(&b));
        let want = if public_revoked {
            (400, 50173)
        } else {
            (200, 0)
        };
        assert_eq!(got, want, "public client, by {by:?}: {b}");
        let (s, b) = redeem(&sim, DOCTOR, Some(SECRET), &confidential).await;
        let want = if confidential_revoked {
            (400, 50173)
        } else {
            (200, 0)
        };
        assert_eq!((s, code(&b)), want, "confidential client, by {by:?}: {b}");
    }
    // A `by` Entra has no row for is refused, naming the field.
    let r = client(&sim)
        .post(format!("{}/_sim/users/{ADELE}/password", sim.base_url()))
        .json(&json!({"password": "x-Password-1", "by": "helpdesk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("by"));
}

/// Source: "Refresh tokens" page, revocation table, row "Password expires": every kind of
/// refresh token stays alive when the password merely expires.
#[tokio::test]
async fn an_expiring_password_revokes_nothing() {
    let text =
        test_tenant_toml("").replace("password_expiry_days = 90", "password_expiry_days = 1");
    let sim = start_with(entra_sim::Tenant::from_toml_str(&text, "t").unwrap(), false).await;
    let public = refresh_token_for(&sim, SESAME, None, "Sesame-Demo-2").await;
    let confidential = refresh_token_for(&sim, DOCTOR, Some(SECRET), "Sesame-Demo-2").await;
    sim.advance_clock(time::Duration::days(2));
    // The password has expired now: the password grant says so ...
    let (_, b) = ropg_v2(&sim, TID, SESAME, ADELE, "Sesame-Demo-2").await;
    assert_eq!(code(&b), 50055, "{b}");
    // ... but the refresh tokens keep working.
    assert_eq!(redeem(&sim, SESAME, None, &public).await.0, 200);
    assert_eq!(
        redeem(&sim, DOCTOR, Some(SECRET), &confidential).await.0,
        200
    );
}

/// Source: real 50173 answers quoted in microsoft/vscode#135299 and
/// turbot/steampipe-plugin-azure#8 ("... The grant was issued on '…' and the TokensValidFrom
/// date (before which tokens are not valid) for this user is '…'."), which keep coming back
/// for every later use of the revoked token; a damaged token is `invalid_grant` 9002313
/// (MicrosoftDocs/azure-docs#63819), an unknown one `invalid_grant` 70000
/// (BingAds/BingAds-Python-SDK#279).
#[tokio::test]
async fn a_revoked_refresh_token_answers_50173_on_every_use() {
    let sim = start(false).await;
    let rt = refresh_token_for(&sim, SESAME, None, "Sesame-Demo-2").await;
    sim.advance_clock(time::Duration::seconds(5));
    sim.set_password(ADELE, "Changed-Password-9").unwrap();
    let mut descriptions = Vec::new();
    for _ in 0..3 {
        let (s, b) = redeem(&sim, SESAME, None, &rt).await;
        assert_eq!(
            (s, b["error"].as_str(), code(&b)),
            (400, Some("invalid_grant"), 50173),
            "{b}"
        );
        descriptions.push(b["error_description"].as_str().unwrap().to_string());
    }
    // The description ends with the grant's issue date and the TokensValidFrom date.
    let d = &descriptions[0];
    let tail = d
        .split("The grant was issued on '")
        .nth(1)
        .unwrap_or_else(|| panic!("no issue date in {d}"));
    let (issued, rest) = tail
        .split_once(
            "' and the TokensValidFrom date (before which tokens are not valid) for this user is '",
        )
        .unwrap();
    let valid_from = rest.split_once("'.").unwrap().0;
    for date in [issued, valid_from] {
        assert_eq!(date.len(), "2021-10-13T19:49:51.0000000Z".len(), "{date}");
        assert!(date.ends_with('Z') && date.as_bytes()[10] == b'T', "{date}");
    }
    assert!(issued < valid_from, "{issued} / {valid_from}");
    // Unknown and malformed refresh tokens are invalid_grant too.
    let unknown = "A".repeat(128);
    let (s, b) = redeem(&sim, SESAME, None, &unknown).await;
    assert_eq!(
        (s, b["error"].as_str(), code(&b)),
        (400, Some("invalid_grant"), 70000),
        "{b}"
    );
    let (s, b) = redeem(&sim, SESAME, None, "not a refresh token").await;
    assert_eq!(
        (s, b["error"].as_str(), code(&b)),
        (400, Some("invalid_grant"), 9002313),
        "{b}"
    );
}

/// Source: "Refresh tokens" page (90-day lifetime, replaced on every use) and real 700082
/// answers quoted in Azure/azure-cli#14244 ("AADSTS700082: The refresh token has expired due
/// to inactivity. The token was issued on … and was inactive for 90.00:00:00."; MSAL
/// reports its `suberror` as `bad_token`, microsoft/foundry-dev-tools#707).
#[tokio::test]
async fn an_idle_refresh_token_expires_after_90_days_with_700082() {
    let sim = start(false).await;
    let rt = refresh_token_for(&sim, SESAME, None, "Sesame-Demo-2").await;
    // Used within 90 days: alive, and the clock of inactivity restarts.
    sim.advance_clock(time::Duration::days(89));
    assert_eq!(redeem(&sim, SESAME, None, &rt).await.0, 200);
    sim.advance_clock(time::Duration::days(89));
    assert_eq!(redeem(&sim, SESAME, None, &rt).await.0, 200);
    sim.advance_clock(time::Duration::days(91));
    let (s, b) = redeem(&sim, SESAME, None, &rt).await;
    assert_eq!(
        (s, b["error"].as_str(), code(&b)),
        (400, Some("invalid_grant"), 700082),
        "{b}"
    );
    assert_eq!(b["suberror"], "bad_token");
    let d = b["error_description"].as_str().unwrap();
    assert!(
        d.starts_with("AADSTS700082: The refresh token has expired due to inactivity. The token was issued on ")
            && d.contains(" and was inactive for 90.00:00:00."),
        "{d}"
    );
}
