//! The web sign-in in real headless Chromium against entra-sim over HTTPS: a
//! scripted person types the username, the password (a wrong one first), the
//! authenticator code — and, for an expired password, the change page — as a
//! person would. The redirect carries a code the sim redeems, and the captured
//! password is the one the sim now holds.
#![cfg(not(target_os = "macos"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod web_common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use entra_sim::{Sim, SimHandle, SimOptions, Tenant};
use secrecy::ExposeSecret;
use sesame_agent::web::chromium::{ChromiumOptions, ChromiumWebLogin, PersonError};
use sesame_agent::web::{CapturedPassword, WebLogin, WebLoginError, WebSignInRequest, hosts};
use web_common::*;

const TID: &str = "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f";
const SESAME: &str = "c3000000-0000-4000-8000-000000000001";
const REDIRECT: &str = "https://127.0.0.1/sesame";

async fn sim() -> Arc<SimHandle> {
    let tenant = Tenant::from_toml_str(entra_sim::DEMO_TENANT_TOML, "demo").unwrap();
    Arc::new(Sim::start(tenant, SimOptions { tls: true }).await.unwrap())
}

fn request(sim: &SimHandle, challenge: &str) -> WebSignInRequest {
    let url = format!(
        "{}/{TID}/oauth2/v2.0/authorize?client_id={SESAME}&response_type=code&redirect_uri={}\
         &scope={}&state=web-state-1&nonce=web-nonce-1&code_challenge={challenge}\
         &code_challenge_method=S256&prompt=login",
        sim.base_url(),
        enc(REDIRECT),
        enc("openid profile offline_access")
    );
    let authority = url::Url::parse(&sim.authority()).unwrap();
    WebSignInRequest::new(
        url::Url::parse(&url).unwrap(),
        REDIRECT,
        hosts::idp_hosts(&authority, &[]),
        SIGN_IN_TIMEOUT,
    )
    .trusting(sim.ca_pem().map(str::to_owned))
}

/// Redeems `code` at the sim's token endpoint; returns the HTTP status.
async fn redeem(sim: &SimHandle, code: &str, verifier: &str) -> u16 {
    let http = entra_sim::headless::Browser::for_sim(sim).unwrap().http().clone();
    let r = http
        .post(format!("{}/{TID}/oauth2/v2.0/token", sim.base_url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", SESAME),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap();
    r.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_mistyped_then_right_then_totp() {
    let sim = sim().await;
    let (verifier, challenge) = pkce();
    let s = Arc::clone(&sim);
    let mut web = chromium_with(move |page| {
        let sim = Arc::clone(&s);
        async move {
            page.type_into("input[name=loginfmt]", "megan@contoso.example").await?;
            page.click("#idSIButton9").await?;
            page.type_into("input[name=passwd]", "Not-Her-Password-1").await?;
            page.click("#idSIButton9").await?;
            page.wait_for("#passwordError").await?;
            page.type_into("input[name=passwd]", "Sesame-Demo-1").await?;
            page.press_enter().await?;
            page.wait_for("input[name=otc]").await?;
            let code = sim
                .totp_code("megan@contoso.example")
                .map_err(|e| PersonError(e.to_string()))?;
            page.type_into("input[name=otc]", &code).await?;
            page.click("#idSubmit_SAOTCC_Continue").await
        }
    });
    let done = web.sign_in(request(&sim, &challenge)).await.unwrap();
    let redirect = done.redirect.expose_secret().to_owned();
    assert!(redirect.starts_with(REDIRECT), "redirect to the app");
    assert_eq!(query_param(&redirect, "state").as_deref(), Some("web-state-1"));
    let code = query_param(&redirect, "code").expect("a code in the redirect");
    match &done.captured {
        CapturedPassword::Current(p) => assert_eq!(p.expose_secret(), "Sesame-Demo-1"),
        other => panic!("expected the right current password, got {other:?}"),
    }
    assert_eq!(redeem(&sim, &code, &verifier).await, 200, "the sim redeems the code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_password_changed_on_the_page_gives_the_new_one() {
    let sim = sim().await;
    let (verifier, challenge) = pkce();
    let mut web = chromium_with(move |page| async move {
        page.type_into("input[name=loginfmt]", "alex@contoso.example").await?;
        page.click("#idSIButton9").await?;
        page.type_into("input[name=passwd]", "Sesame-Demo-3").await?;
        page.click("#idSIButton9").await?;
        page.type_into("input[name=currentpasswd]", "Sesame-Demo-3").await?;
        page.type_into("input[name=newpasswd]", "Alex-Fresh-Pass-9").await?;
        page.type_into("input[name=confirmnewpasswd]", "Alex-Fresh-Pass-9").await?;
        page.click("#idSIButton9").await
    });
    let done = web.sign_in(request(&sim, &challenge)).await.unwrap();
    let redirect = done.redirect.expose_secret().to_owned();
    let code = query_param(&redirect, "code").expect("a code after the change");
    match &done.captured {
        CapturedPassword::New(p) => assert_eq!(p.expose_secret(), "Alex-Fresh-Pass-9"),
        other => panic!("expected the new password, got {other:?}"),
    }
    let held = sim.tenant().user("alex@contoso.example").unwrap().password.clone();
    assert_eq!(held.expose_secret(), "Alex-Fresh-Pass-9", "the sim holds what was captured");
    assert_eq!(redeem(&sim, &code, &verifier).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_refused_not_ignored() {
    let sim = sim().await;
    let (_, challenge) = pkce();
    let mut req = request(&sim, &challenge);
    req.trusted_roots_pem.clear();
    let started = Instant::now();
    let mut web = chromium_with(|_page| async { Ok(()) });
    let err = web.sign_in(req).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("ERR_CERT"), "{msg}");
    assert!(started.elapsed() < Duration::from_secs(30), "decided quickly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_nobody_finishes_times_out_and_never_hangs() {
    let sim = sim().await;
    let (_, challenge) = pkce();
    let mut req = request(&sim, &challenge);
    req.timeout = Duration::from_secs(4);
    let started = Instant::now();
    let mut web = chromium_with(|_page| async { Ok(()) });
    let err = web.sign_in(req).await.unwrap_err();
    assert!(matches!(err, WebLoginError::TimedOut(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_display_or_a_browser_it_says_what_to_do() {
    let sim = sim().await;
    let (_, challenge) = pkce();
    let missing = ChromiumOptions {
        executable: "/nonexistent/chromium".into(),
        ..ChromiumOptions::headless()
    };
    let err = ChromiumWebLogin::new(missing)
        .sign_in(request(&sim, &challenge))
        .await
        .unwrap_err();
    assert!(matches!(err, WebLoginError::BrowserMissing(_)), "{err}");
    assert!(err.to_string().contains("apt-get install chromium"), "{err}");

    let no_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .all(|v| std::env::var(v).map_or(true, |s| s.is_empty()));
    if no_display {
        let err = ChromiumWebLogin::new(ChromiumOptions::default())
            .sign_in(request(&sim, &challenge))
            .await
            .unwrap_err();
        assert!(matches!(err, WebLoginError::NoDisplay), "{err}");
        assert!(err.to_string().contains("--native"), "{err}");
    }
}
