//! No password, code, token or client secret reaches a log line, `Debug` or
//! `Display`: every flow runs with TRACE logging captured, then the capture
//! and the formatted values are searched for each secret.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use secrecy::ExposeSecret;
use sesame_entra::EntraClient;
use sesame_entra::authorize::{AuthorizeOptions, parse_redirect};
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn secrets_never_reach_logs_debug_or_display() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace,entra_sim=off"))
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = sim().await;
    let password = "Zebra-Quartz-Password-91";
    let wrong = "Wrong-Quartz-Password-17";
    let client_secret = "demo-secret-value-1";
    sim.set_password("adele@contoso.example", password).unwrap();

    let mut cfg = config(&sim);
    cfg.client_id = DOCTOR_APP.into();
    cfg.redirect_uri = "https://localhost/doctor/callback".into();
    cfg.client_secret = Some(secret(client_secret));
    let client = EntraClient::new(cfg).unwrap();

    let mut shown: Vec<String> = vec![format!("{client:?}"), format!("{:?}", client.config())];
    let mut secrets: Vec<String> = vec![password.into(), wrong.into(), client_secret.into()];

    // Interactive sign-in: code, tokens.
    let pending = client
        .authorize(&AuthorizeOptions::default())
        .await
        .unwrap();
    shown.push(format!("{pending:?}"));
    let redirect = browser_sign_in(&sim, &pending.url, "adele@contoso.example", password).await;
    let code = parse_redirect(&pending, &redirect).unwrap();
    secrets.push(code.expose_secret().to_owned());
    shown.push(format!("{code:?}"));
    let sign_in = client.exchange_code(&pending, &code).await.unwrap();
    shown.push(format!("{sign_in:?}"));
    secrets.push(sign_in.tokens.access_token.expose_secret().to_owned());
    secrets.push(
        sign_in
            .tokens
            .id_token
            .as_ref()
            .unwrap()
            .expose_secret()
            .to_owned(),
    );
    let rt = sign_in.tokens.refresh_token.as_ref().unwrap();
    secrets.push(rt.expose_secret().to_owned());
    let (refreshed, _) = client.refresh(rt, &sign_in.claims).await.unwrap();
    shown.push(format!("{refreshed:?}"));
    secrets.push(refreshed.access_token.expose_secret().to_owned());
    // A replayed code: the error must not echo it.
    let err = client.exchange_code(&pending, &code).await.unwrap_err();
    shown.push(format!("{err:?}"));
    shown.push(err.to_string());

    // Password checks: right and wrong.
    let public = client_for_ropg(&sim);
    for p in [password, wrong] {
        let check = public
            .check_password("adele@contoso.example", &secret(p))
            .await
            .unwrap();
        shown.push(format!("{check:?}"));
        shown.push(check.verdict.to_string());
        if let Some(t) = check.tokens() {
            secrets.push(t.access_token.expose_secret().to_owned());
        }
    }
    let refused = public
        .check_password("adele@contoso.example", &secret(" Spaced-Quartz-Password "))
        .await
        .unwrap_err();
    shown.push(format!("{refused:?} {refused}"));
    secrets.push("Spaced-Quartz-Password".into());

    drop(_guard);
    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("password check"), "the capture works: {log}");
    assert!(log.contains("HTTP answer"), "HTTP is traced: {log}");
    for s in &secrets {
        assert!(s.len() >= 8, "secret too short to search for: {s}");
        assert!(!log.contains(s.as_str()), "a secret reached the log: {s}");
        for text in &shown {
            assert!(
                !text.contains(s.as_str()),
                "a secret reached Debug/Display: {s} in {text}"
            );
        }
    }
}

fn client_for_ropg(sim: &entra_sim::SimHandle) -> EntraClient {
    client(sim)
}
