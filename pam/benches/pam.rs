//! `pam_authenticate` through the real Linux-PAM stack (private config
//! folder, the built `libpam_sesame.so`) for a returning user at the
//! console, against the bare password-grant round trip measured in the same
//! run: one HTTPS POST of `grant_type=password` from a fresh client (what
//! any PAM module must at least do per sign-in: each login is a new
//! process). Both against entra-sim over HTTPS on loopback, optionally with
//! Entra-like latency on every request (`SESAME_BENCH_LATENCY_MS`).
//!
//! Also the offline verifier: argon2id hash and check, median.
//!
//! `cargo bench -p sesame-pam --bench pam` prints the figures.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, dead_code)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use secrecy::SecretString;
use support::stack::{PAM_SUCCESS, service_file, sign_in};
use support::*;

const RUNS: usize = 15;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let latency: u64 = std::env::var("SESAME_BENCH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let w = World::new("");
    let dir = w.sb.tmp.path().join("pam.d");
    service_file(&dir, "login", &w.args());
    // First sign-in makes the account; the measured ones are returning users.
    assert_eq!(
        sign_in(&dir, "login", ADELE, vec![password(ADELE_PASSWORD)]),
        PAM_SUCCESS
    );
    if latency > 0 {
        w.sim().inject_fault(entra_sim::Fault::next(
            entra_sim::FaultKind::Delay { ms: latency },
            u32::MAX,
        ));
    }
    let ca = reqwest::Certificate::from_pem(w.sim().ca_pem().unwrap().as_bytes()).unwrap();
    let token_url = format!("{}/oauth2/v2.0/token", w.sim().authority());
    let grant = || {
        let client = reqwest::Client::builder()
            .add_root_certificate(ca.clone())
            .build()
            .unwrap();
        let started = Instant::now();
        let status = w.rt.block_on(async {
            client
                .post(&token_url)
                .form(&[
                    ("client_id", SESAME_APP),
                    ("grant_type", "password"),
                    ("username", ADELE),
                    ("password", ADELE_PASSWORD),
                    ("scope", "openid profile"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        });
        assert!(status.is_success(), "{status}");
        started.elapsed()
    };
    let pam = || {
        let started = Instant::now();
        assert_eq!(
            sign_in(&dir, "login", ADELE, vec![password(ADELE_PASSWORD)]),
            PAM_SUCCESS
        );
        started.elapsed()
    };
    let (mut floor, mut module) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        floor.push(grant());
        module.push(pam());
    }
    let (f, m) = (median(floor), median(module));
    println!(
        "pam_authenticate (returning user, console, latency {latency} ms/request): median {:.1} ms; bare password grant: median {:.1} ms; ratio {:.2}x",
        ms(m),
        ms(f),
        m.as_secs_f64() / f.as_secs_f64()
    );

    let pw = SecretString::from(ADELE_PASSWORD.to_owned());
    let now = time::OffsetDateTime::now_utc();
    let mut make = Vec::new();
    let mut check = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let v = pam_sesame::offline::Verifier::make(ADELE, "o", "t", "adele", &pw, now).unwrap();
        make.push(started.elapsed());
        let started = Instant::now();
        assert!(v.matches(&pw));
        check.push(started.elapsed());
    }
    println!(
        "offline verifier (argon2id m={} KiB t={} p={}): make median {:.0} ms, check median {:.0} ms",
        pam_sesame::offline::MEMORY_KIB,
        pam_sesame::offline::PASSES,
        pam_sesame::offline::LANES,
        ms(median(make)),
        ms(median(check))
    );
}
