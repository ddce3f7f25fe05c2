//! Not tuned to our own simulator: the same web sign-in and the password check
//! against an OpenID provider not written here (panva's certified
//! `oidc-provider` on loopback, see tests/oidc-provider). The profile names it
//! by its discovery URL (`OIDCDiscoveryURL`), like any other key; a scripted
//! person types into that provider's own login page in real Chromium.
#![cfg(not(target_os = "macos"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod web_common;

use secrecy::{ExposeSecret, SecretString};
use sesame_agent::web::{CapturedPassword, WebLogin, WebSignInRequest, hosts};
use sesame_core::settings::{self, Settings, Tenant};
use sesame_entra::ClientConfig;
use sesame_entra::authorize::{AuthorizeOptions, Prompt, parse_redirect};
use sesame_entra::oidc::{OidcPasswordCheck, OidcProvider};
use sesame_oidc_harness::{ALICE, BOB, CLIENT_ID, OidcProvider as Harness, REDIRECT_URI};
use web_common::*;

/// The profile an admin would push for this provider.
fn settings_for(op: &Harness) -> Settings {
    let body = format!(
        "<key>OIDCDiscoveryURL</key><string>{}</string>\
         <key>OIDCClientID</key><string>{CLIENT_ID}</string>\
         <key>OIDCRedirectURI</key><string>{REDIRECT_URI}</string>\
         <key>OIDCOfflineAccess</key><false/>\
         <key>AllowInsecureSimulatedTenant</key><true/>",
        op.discovery_url()
    );
    let plist = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>
<key>PayloadContent</key><array><dict><key>PayloadType</key><string>io.sesame.agent</string>
<key>PayloadIdentifier</key><string>com.example.sesame</string>
<key>PayloadUUID</key><string>11111111-2222-4333-8444-555555555555</string>{body}</dict></array>
<key>PayloadType</key><string>Configuration</string><key>PayloadIdentifier</key><string>com.example.p</string>
<key>PayloadUUID</key><string>66666666-7777-4888-9999-aaaaaaaaaaaa</string></dict></plist>"#
    );
    let report = settings::load(&[("oidc.mobileconfig", plist.as_bytes())]);
    assert!(!report.has_errors(), "{:#?}", report.findings);
    report.settings.expect("settings")
}

async fn provider(s: &Settings) -> OidcProvider {
    assert_eq!(s.tenant, Tenant::OpenIdProvider);
    let mut cfg = ClientConfig::from_settings(s).expect("client config");
    cfg.ropg_scopes = vec!["openid".into(), "profile".into(), "email".into()];
    let url = s.oidc_discovery_url.clone().expect("discovery URL");
    OidcProvider::discover(cfg, url).await.expect("discovery")
}

async fn start() -> Harness {
    tokio::task::spawn_blocking(Harness::start)
        .await
        .unwrap()
        .expect("oidc-provider starts (node + npm ci)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_sign_in_on_the_providers_own_login_page() {
    let op = start().await;
    let s = settings_for(&op);
    let client = provider(&s).await;
    assert_eq!(client.issuer(), op.issuer(), "issuer from discovery");
    let pending = client
        .authorize(&AuthorizeOptions {
            prompt: Some(Prompt::Login),
            ..AuthorizeOptions::default()
        })
        .unwrap();
    let req = WebSignInRequest::new(
        pending.url.clone(),
        pending.redirect_uri.clone(),
        hosts::idp_hosts(op.discovery_url(), &[]),
        SIGN_IN_TIMEOUT,
    );
    let mut web = chromium_with(|page| async move {
        // oidc-provider's development login page: its markup, not ours.
        page.type_into("input[name=login]", ALICE.login).await?;
        page.type_into("input[name=password]", "Alcie-typo").await?;
        page.type_into("input[name=password]", ALICE.password)
            .await?;
        page.click("button[type=submit]").await?;
        // Its consent page: the person allows the app.
        page.wait_for_text("Authorize").await?;
        page.click("button[type=submit]").await
    });
    let done = match web.sign_in(req).await {
        Ok(d) => d,
        Err(e) => panic!("no redirect: {e}\noidc-provider said:\n{}", op.log()),
    };
    let code = parse_redirect(&pending, done.redirect.expose_secret()).expect("code");
    let (_tokens, who) = client.exchange_code(&pending, &code).await.expect("tokens");
    assert_eq!(who.subject, ALICE.sub);
    assert_eq!(who.issuer, op.issuer());
    assert_eq!(who.email.as_deref(), Some(ALICE.login));

    let typed = match done.captured {
        CapturedPassword::Current(p) => p,
        other => panic!("expected the typed password, got {other:?}"),
    };
    assert_eq!(typed.expose_secret(), ALICE.password);
    // The captured password is verified for the identity that signed in.
    match client.check_password(ALICE.login, &typed).await {
        OidcPasswordCheck::Verified(checked) => assert_eq!(checked.subject, who.subject),
        other => panic!("expected Verified, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_grant_check_right_wrong_and_unknown() {
    let op = start().await;
    let client = provider(&settings_for(&op)).await;
    match client
        .check_password(BOB.login, &SecretString::from(BOB.password))
        .await
    {
        OidcPasswordCheck::Verified(who) => {
            assert_eq!(who.subject, BOB.sub);
            assert_eq!(who.name.as_deref(), Some(BOB.name));
        }
        other => panic!("expected Verified, got {other:?}"),
    }
    for (user, password) in [
        (BOB.login, ALICE.password),
        ("nobody@example.test", "Whatever-1"),
    ] {
        let answer = client
            .check_password(user, &SecretString::from(password))
            .await;
        assert!(
            matches!(answer, OidcPasswordCheck::WrongPassword),
            "{user}: {answer:?}"
        );
    }
}
