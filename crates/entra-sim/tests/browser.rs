//! The sign-in pages walked by real headless Chromium (fantoccini + chromedriver).
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (run `.ci/install-deps`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use sha2::{Digest, Sha256};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port, killed on drop, plus a fresh profile directory.
struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser() -> (Driver, Client) {
    for p in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            std::path::Path::new(p).exists(),
            "{p} is missing: the browser tests need Chromium and chromedriver; run .ci/install-deps (CI installs them)"
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempfile::tempdir().unwrap();
    let driver = Driver {
        child,
        port,
        _profile: profile,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", driver.port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not start listening on port {port}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let args = serde_json::json!([
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        format!("--user-data-dir={}", driver._profile.path().display())
    ]);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": CHROMIUM, "args": args }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session");
    (driver, client)
}

/// A loopback page the browser lands on after the redirect (like a native app's listener).
async fn callback_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().route(
        "/callback",
        axum::routing::get(|| async {
            axum::response::Html("<html><body><p id=\"done\">signed in</p></body></html>")
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

async fn fill(c: &Client, css: &str, text: &str) {
    let el = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    el.send_keys(text).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn text_of(c: &Client, css: &str) -> String {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn wait_for_callback(c: &Client, port: u16) -> url::Url {
    let prefix = format!("http://127.0.0.1:{port}/callback");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let u = c.current_url().await.unwrap();
        if u.as_str().starts_with(&prefix) {
            return u;
        }
        assert!(
            Instant::now() < deadline,
            "never reached the callback; at {u}: {}",
            c.source().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn authorize_url(sim: &entra_sim::SimHandle, port: u16, challenge: &str) -> String {
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "{}/{TID}/oauth2/v2.0/authorize?client_id={SESAME}&response_type=code&redirect_uri={}&scope={}&state=xyz&nonce=abc&code_challenge={challenge}&code_challenge_method=S256",
        sim.base_url(),
        enc(&redirect),
        enc(&format!("openid profile api://{SESAME}/sesame"))
    )
}

async fn redeem(
    sim: &entra_sim::SimHandle,
    code: &str,
    port: u16,
    verifier: &str,
) -> serde_json::Value {
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let f = [
        ("grant_type", "authorization_code"),
        ("client_id", SESAME),
        ("code", code),
        ("redirect_uri", &redirect),
        ("code_verifier", verifier),
    ];
    let (s, _, t) = post_form(
        &client(sim),
        &format!("{}/{TID}/oauth2/v2.0/token", sim.base_url()),
        &f,
    )
    .await;
    assert_eq!(s, 200, "{t}");
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_then_totp_in_chromium() {
    let sim = start(false).await;
    let port = callback_server().await;
    let (_driver, c) = browser().await;
    let verifier = "chromium-verifier-0123456789-0123456789-0123456789";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    c.goto(&authorize_url(&sim, port, &challenge))
        .await
        .unwrap();
    fill(&c, "input[name=loginfmt]", "megan@contoso.example").await;
    click(&c, "#idSIButton9").await;
    fill(&c, "#i0118", "not-her-password").await;
    click(&c, "#idSIButton9").await;
    assert!(
        text_of(&c, "#passwordError")
            .await
            .contains("Your account or password is incorrect")
    );
    fill(&c, "input[name=passwd]", "Sesame-Demo-1").await;
    click(&c, "#idSIButton9").await;
    // Password right, CA demands MFA: the authenticator code page.
    fill(&c, "#idTxtBx_SAOTCC_OTC", "000000").await;
    click(&c, "#idSubmit_SAOTCC_Continue").await;
    assert!(
        text_of(&c, "#idSpan_SAOTCC_Error_OTC")
            .await
            .contains("expected verification code")
    );
    let code = sim.totp_code("megan@contoso.example").unwrap();
    fill(&c, "input[name=otc]", &code).await;
    click(&c, "#idSubmit_SAOTCC_Continue").await;
    let landed = wait_for_callback(&c, port).await;
    let q: std::collections::HashMap<_, _> = landed.query_pairs().into_owned().collect();
    assert_eq!(q.get("state").map(String::as_str), Some("xyz"));
    let t = redeem(&sim, &q["code"], port, verifier).await;
    let at = verify(
        &sim,
        t["access_token"].as_str().unwrap(),
        SESAME,
        &sim.issuer_v2(),
    )
    .await;
    // The API accepts v2.0 tokens: no `amr` there (a v1.0-only access-token claim); the
    // sign-in log says how the MFA requirement was met.
    assert!(at.get("amr").is_none(), "{at}");
    let id = verify(
        &sim,
        t["id_token"].as_str().unwrap(),
        SESAME,
        &sim.issuer_v2(),
    )
    .await;
    assert_eq!(id["nonce"], "abc");
    let results: Vec<_> = sim
        .sign_ins()
        .iter()
        .map(|s| (s.result, s.error_code))
        .collect();
    use entra_sim::SignInResult::*;
    assert_eq!(
        results,
        vec![(Failure, 50126), (Failure, 500121), (Success, 0)]
    );
    let done = sim.sign_ins().pop().unwrap();
    assert_eq!(
        (
            done.result_detail.as_str(),
            done.interactive,
            done.client_app.as_str()
        ),
        ("MFA successfully completed", true, "Browser")
    );
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_password_change_page_in_chromium() {
    let sim = start(false).await;
    let port = callback_server().await;
    let (_driver, c) = browser().await;
    let verifier = "chromium-verifier-expired-0123456789-0123456789";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    c.goto(&authorize_url(&sim, port, &challenge))
        .await
        .unwrap();
    fill(&c, "#i0116", "alex@contoso.example").await;
    click(&c, "#idSIButton9").await;
    fill(&c, "#i0118", "Sesame-Demo-3").await;
    click(&c, "#idSIButton9").await;
    fill(&c, "input[name=currentpasswd]", "Sesame-Demo-3").await;
    fill(&c, "input[name=newpasswd]", "Brand-New-Pass-1").await;
    fill(&c, "input[name=confirmnewpasswd]", "Brand-New-Pass-2").await;
    click(&c, "#idSIButton9").await;
    assert!(text_of(&c, "#passwordError").await.contains("don't match"));
    fill(&c, "input[name=currentpasswd]", "Sesame-Demo-3").await;
    fill(&c, "input[name=newpasswd]", "Brand-New-Pass-1").await;
    fill(&c, "input[name=confirmnewpasswd]", "Brand-New-Pass-1").await;
    click(&c, "#idSIButton9").await;
    let landed = wait_for_callback(&c, port).await;
    assert!(landed.query_pairs().any(|(k, _)| k == "code"));
    c.close().await.unwrap();
    // The cloud password really changed.
    assert_eq!(
        ropg_v2(
            &sim,
            TID,
            SESAME,
            "alex@contoso.example",
            "Brand-New-Pass-1"
        )
        .await
        .0,
        200
    );
    let (_, b) = ropg_v2(&sim, TID, SESAME, "alex@contoso.example", "Sesame-Demo-3").await;
    assert_eq!(code(&b), 50126);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_page_in_chromium() {
    let sim = start(false).await;
    let http = client(&sim);
    let (s, _, d) = post_form(
        &http,
        &format!("{}/{TID}/oauth2/v2.0/devicecode", sim.base_url()),
        &[("client_id", SESAME), ("scope", "openid profile")],
    )
    .await;
    assert_eq!(s, 200, "{d}");
    let (_driver, c) = browser().await;
    c.goto(d["verification_uri"].as_str().unwrap())
        .await
        .unwrap();
    fill(&c, "#otc", "WRONGCODE").await;
    click(&c, "#idSIButton9").await;
    assert!(text_of(&c, "#usernameError").await.contains("didn't work"));
    fill(&c, "#otc", d["user_code"].as_str().unwrap()).await;
    click(&c, "#idSIButton9").await;
    fill(&c, "#i0116", "adele@contoso.example").await;
    click(&c, "#idSIButton9").await;
    fill(&c, "#i0118", "Sesame-Demo-2").await;
    click(&c, "#idSIButton9").await;
    assert!(
        text_of(&c, "#message")
            .await
            .contains("You have signed in to the Sesame application")
    );
    c.close().await.unwrap();
    let poll = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", SESAME),
        ("device_code", d["device_code"].as_str().unwrap()),
    ];
    let (s, _, t) = post_form(
        &http,
        &format!("{}/{TID}/oauth2/v2.0/token", sim.base_url()),
        &poll,
    )
    .await;
    assert_eq!(s, 200, "{t}");
    let id = verify(
        &sim,
        t["id_token"].as_str().unwrap(),
        SESAME,
        &sim.issuer_v2(),
    )
    .await;
    assert_eq!(id["preferred_username"], "adele@contoso.example");
}
