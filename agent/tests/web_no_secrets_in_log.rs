//! Secrets never reach the log: a whole web sign-in against entra-sim (password,
//! TOTP code, authorization code) with every crate logging at trace level,
//! filtered as the product filters. Its own test binary: a log subscriber is
//! per thread, and tests running beside it would race its callsite cache.
#![cfg(not(target_os = "macos"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod web_common;

use std::sync::Arc;

use entra_sim::{Sim, SimHandle, SimOptions, Tenant};
use secrecy::ExposeSecret;
use sesame_agent::web::chromium::PersonError;
use sesame_agent::web::{WebLogin, WebSignInRequest, hosts};
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
         &scope=openid&state=s1&nonce=n1&code_challenge={challenge}&code_challenge_method=S256",
        sim.base_url(),
        enc(REDIRECT),
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

/// A `Write` into a shared buffer, for capturing every log line.
#[derive(Clone, Default)]
struct Buffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// One thread: every task (Chromium's DevTools handler included) logs into the
// subscriber set below, at trace level, as a debugging admin would run it.
#[tokio::test(flavor = "current_thread")]
async fn nothing_typed_nor_the_code_reaches_the_log_even_at_trace() {
    use base64::Engine as _;
    use sesame_agent::web::chromium::LOG_DIRECTIVES;
    let buffer = Buffer::default();
    let mut filter = tracing_subscriber::EnvFilter::new("trace");
    for d in LOG_DIRECTIVES {
        filter = filter.add_directive(d.parse().unwrap());
    }
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = sim().await;
    let (_, challenge) = pkce();
    let s = Arc::clone(&sim);
    let mut web = chromium_with(move |page| {
        let sim = Arc::clone(&s);
        async move {
            page.type_into("input[name=loginfmt]", "megan@contoso.example")
                .await?;
            page.click("#idSIButton9").await?;
            page.type_into("input[name=passwd]", "Sesame-Demo-1")
                .await?;
            page.click("#idSIButton9").await?;
            page.wait_for("input[name=otc]").await?;
            let code = sim
                .totp_code("megan@contoso.example")
                .map_err(|e| PersonError(e.to_string()))?;
            page.type_into("input[name=otc]", &code).await?;
            page.click("#idSubmit_SAOTCC_Continue").await
        }
    });
    let done = web.sign_in(request(&sim, &challenge)).await.unwrap();
    let code = query_param(done.redirect.expose_secret(), "code").unwrap();
    assert!(done.captured.secret().is_some());
    let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("web sign-in finished"),
        "trace logging was on: {log}"
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode("Sesame-Demo-1");
    for (what, secret) in [
        ("password", "Sesame-Demo-1"),
        ("password (base64)", b64.as_str()),
        ("code", code.as_str()),
    ] {
        assert!(!log.contains(secret), "the {what} is in the log");
    }
}
