//! Load generator: ROPG answers per second against the served `entra-sim` binary on loopback.
//!
//! Run: `cargo bench -p entra-sim --bench ropg_load`
//! Knobs: `ENTRA_SIM_BENCH_SECS` (per phase, default 5), `ENTRA_SIM_BENCH_CONCURRENCY` (default 32).
//!
//! Phases: RSA signing cost in-process; ROPG successes with `openid profile` (two signed
//! tokens each) and with `User.Read` only (one); ROPG wrong-password errors (50126, smart
//! lockout threshold raised so every answer is a real password check). Prints requests/s and
//! latency percentiles per phase. The generator shares the machine's cores with the server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const TID: &str = "7a1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f";
const CLIENT: &str = "c3000000-0000-4000-8000-0000000000aa";
const USERS: usize = 200;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn tenant_file() -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    let mut t = format!(
        "tenant_id = \"{TID}\"\ndomains = [\"load.example\"]\n[lockout]\nthreshold = 1000000000\nduration_seconds = 1\n\n[[apps]]\nclient_id = \"{CLIENT}\"\nname = \"Load\"\npublic_client = true\n"
    );
    for i in 0..USERS {
        t.push_str(&format!(
            "\n[[users]]\nupn = \"user{i}@load.example\"\npassword = \"Load-Pass-{i}\"\n"
        ));
    }
    f.write_all(t.as_bytes()).unwrap();
    f
}

fn signing_cost() {
    let key = entra_sim::keys::SigningKey::generate().unwrap();
    let claims = serde_json::json!({"aud": CLIENT, "iss": "x", "oid": "y", "name": "Load User", "exp": 1, "iat": 0, "nbf": 0});
    let n = 500;
    for _ in 0..20 {
        key.sign(&claims).unwrap();
    }
    let t = Instant::now();
    for _ in 0..n {
        key.sign(&claims).unwrap();
    }
    let per = t.elapsed() / n;
    // For comparison: jsonwebtoken's stock RustCrypto provider, which re-parses the PKCS#1
    // key and signs with the `rsa` crate on every call (what the sim used before its ring
    // provider, see src/signing.rs).
    use jsonwebtoken::crypto::rust_crypto;
    use rsa::pkcs1::EncodeRsaPrivateKey;
    let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let enc = jsonwebtoken::EncodingKey::from_rsa_der(private.to_pkcs1_der().unwrap().as_bytes());
    let t = Instant::now();
    for _ in 0..50 {
        let signer =
            (rust_crypto::DEFAULT_PROVIDER.signer_factory)(&jsonwebtoken::Algorithm::RS256, &enc)
                .unwrap();
        signer.try_sign(b"header.payload").unwrap();
    }
    let stock = t.elapsed() / 50;
    println!(
        "RS256 sign, RSA-2048, one core: sim (ring provider) {:.0} µs => {:.0} tokens/s per core; \
         jsonwebtoken's stock RustCrypto provider {:.0} µs ({:.1}x slower)",
        per.as_secs_f64() * 1e6,
        1.0 / per.as_secs_f64(),
        stock.as_secs_f64() * 1e6,
        stock.as_secs_f64() / per.as_secs_f64()
    );
}

struct Phase {
    name: &'static str,
    scope: &'static str,
    wrong: bool,
}

async fn run(base: &str, phase: &Phase, secs: u64, conc: u64) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(conc as usize)
        .build()
        .unwrap();
    let url = format!("{base}/{TID}/oauth2/v2.0/token");
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let err = Arc::new(AtomicU64::new(0));
    let other = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for w in 0..conc {
        let (http, url, stop, ok, err, other) = (
            http.clone(),
            url.clone(),
            stop.clone(),
            ok.clone(),
            err.clone(),
            other.clone(),
        );
        let (scope, wrong) = (phase.scope, phase.wrong);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = w as usize;
            while !stop.load(Ordering::Relaxed) {
                let u = format!("user{}@load.example", i % USERS);
                let p = if wrong {
                    format!("wrong-{i}")
                } else {
                    format!("Load-Pass-{}", i % USERS)
                };
                i += conc as usize;
                let form = [
                    ("grant_type", "password"),
                    ("client_id", CLIENT),
                    ("scope", scope),
                    ("username", &u),
                    ("password", &p),
                ];
                let t = Instant::now();
                match http.post(&url).form(&form).send().await {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        let body = r.bytes().await;
                        lat.push(t.elapsed());
                        match (s, body.is_ok()) {
                            (200, true) => ok.fetch_add(1, Ordering::Relaxed),
                            (400, true) => err.fetch_add(1, Ordering::Relaxed),
                            _ => other.fetch_add(1, Ordering::Relaxed),
                        };
                    }
                    Err(_) => {
                        other.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            lat
        }));
    }
    // Warm up one second, then measure.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (ok0, err0) = (ok.load(Ordering::Relaxed), err.load(Ordering::Relaxed));
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let (ok1, err1) = (ok.load(Ordering::Relaxed), err.load(Ordering::Relaxed));
    let elapsed = t0.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut lat: Vec<Duration> = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or_default()
    };
    println!(
        "{:<44} successes/s {:>8.0}   errors/s {:>8.0}   other {:>4}   latency p50 {:>6.2} ms  p99 {:>6.2} ms",
        phase.name,
        (ok1 - ok0) as f64 / elapsed,
        (err1 - err0) as f64 / elapsed,
        other.load(Ordering::Relaxed),
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3
    );
}

fn main() {
    let secs = env_num("ENTRA_SIM_BENCH_SECS", 5);
    let conc = env_num("ENTRA_SIM_BENCH_CONCURRENCY", 32);
    println!(
        "entra-sim ROPG load: {secs} s per phase, {conc} concurrent connections, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    signing_cost();

    let tenant = tenant_file();
    let mut child = Command::new(env!("CARGO_BIN_EXE_entra-sim"))
        .args(["serve", "--listen", "127.0.0.1:0", "--tenant"])
        .arg(tenant.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start entra-sim");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("entra-sim printed its address")
            .unwrap();
        if let Some(url) = line.strip_prefix("entra-sim listening on ") {
            break url.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let phases = [
        Phase {
            name: "ROPG success, scope 'openid profile' (2 JWTs)",
            scope: "openid profile",
            wrong: false,
        },
        Phase {
            name: "ROPG success, scope 'User.Read' (1 JWT)",
            scope: "User.Read",
            wrong: false,
        },
        Phase {
            name: "ROPG wrong password (AADSTS50126)",
            scope: "openid profile",
            wrong: true,
        },
    ];
    for p in &phases {
        rt.block_on(run(&base, p, secs, conc));
    }
    let _ = child.kill();
    let _ = child.wait();
}
