//! Benchmarks of the Entra client.
//!
//! (a) ID-token validation with a warm JWKS.
//! (b) A password (ROPG) check round trip against entra-sim over HTTPS on
//!     loopback — request, Entra-error parsing or token validation, verdict —
//!     next to a bare reqwest POST of the same form over the same kind of
//!     connection (the floor), and `curl` (new process and TLS handshake per
//!     request) as an outside reference.
//!
//! Run: `cargo bench -p sesame-entra --bench entra`. After criterion's own
//! report, a summary table prints medians and the ratio to the bare POST.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use criterion::Criterion;
use entra_sim::keys::KeySet;
use entra_sim::{Sim, SimOptions, Tenant};
use openidconnect::Nonce;
use secrecy::SecretString;
use sesame_entra::discovery::Version;
use sesame_entra::id_token::{Expected, NonceRule, validate};
use sesame_entra::jwk::TenantKeys;
use sesame_entra::{ClientConfig, EntraClient, PasswordVerdict, RopgEndpoint};

const APP: &str = "c3000000-0000-4000-8000-000000000001";
const UPN: &str = "adele@contoso.example";
const RIGHT: &str = "Sesame-Demo-2";
const WRONG: &str = "Wrong-Bench-Password-1";

fn id_token_fixture() -> (SecretString, TenantKeys, Nonce) {
    let keys = KeySet::generate().expect("key");
    let jwks: TenantKeys = serde_json::from_value(keys.jwks(None)).expect("jwks");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let claims = serde_json::json!({
        "iss": "https://login.example/6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f/v2.0", "aud": APP,
        "tid": "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f", "sub": "s", "oid": "b2000000-0000-4000-8000-000000000002",
        "iat": now, "nbf": now, "exp": now + 3600, "nonce": "bench-nonce", "preferred_username": UPN,
        "name": "Adele Vance", "groups": ["a1000000-0000-4000-8000-000000000002"], "ver": "2.0"
    });
    let token = keys.active().sign(&claims).expect("sign");
    (
        SecretString::from(token),
        jwks,
        Nonce::new("bench-nonce".into()),
    )
}

fn bench_id_token(c: &mut Criterion) -> Duration {
    let (token, jwks, nonce) = id_token_fixture();
    let check = || {
        let expected = Expected {
            version: Version::V2,
            issuer: "https://login.example/6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f/v2.0",
            client_id: APP,
            tenant_id: "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f",
            nonce: NonceRule::Required(&nonce),
            same_identity_as: None,
            skew: Duration::from_secs(300),
            now: SystemTime::now(),
        };
        validate(&token, &jwks, &expected).expect("valid")
    };
    c.bench_function("id_token_validate_warm_jwks", |b| {
        b.iter(|| black_box(check()))
    });
    median_of(2000, || {
        black_box(check());
    })
}

/// Entra-error parsing and the verdict, on the body the sim sends for a
/// wrong password (the CPU part of the wrong-password round trip).
fn bench_error_verdict(c: &mut Criterion, body: &[u8]) -> Duration {
    let run = || {
        let e = sesame_entra::error::parse_error_response(
            400,
            Some("application/json; charset=utf-8"),
            None,
            body,
        )
        .expect("entra body");
        sesame_entra::verdict_for_error(
            &e,
            &sesame_entra::verdict::DEFAULT_SUCCESS_CODES,
            sesame_entra::Catalog::builtin(),
            SystemTime::now(),
        )
    };
    assert_eq!(run(), PasswordVerdict::WrongPassword { code: 50126 });
    c.bench_function("entra_error_parse_and_verdict", |b| {
        b.iter(|| black_box(run()))
    });
    median_of(5000, || {
        black_box(run());
    })
}

struct Rig {
    rt: tokio::runtime::Runtime,
    client: EntraClient,
    bare: reqwest::Client,
    token_url: String,
    ca_file: std::path::PathBuf,
    _sim: entra_sim::SimHandle,
}

fn rig() -> Rig {
    let mut tenant = Tenant::demo();
    tenant.lockout.threshold = u32::MAX; // wrong passwords on repeat, without locking
    let sim = Sim::start_in_background(tenant, SimOptions { tls: true }).expect("sim");
    let ca = sim.ca_pem().expect("tls").to_owned();
    let mut cfg = ClientConfig::new(&sim.tenant_id(), APP, "https://127.0.0.1/sesame")
        .with_authority_host(sim.base_url())
        .expect("url");
    cfg.extra_root_certs_pem = Some(ca.clone());
    cfg.ropg_endpoint = RopgEndpoint::V2;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = EntraClient::new(cfg).expect("client");
    // Warm discovery, JWKS and the connection.
    let v = rt
        .block_on(client.check_password(UPN, &SecretString::from(RIGHT.to_owned())))
        .expect("check");
    assert_eq!(v.verdict, PasswordVerdict::Verified);
    let bare = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).expect("ca"))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("bare client");
    let ca_file = std::env::temp_dir().join(format!("sesame-bench-ca-{}.pem", std::process::id()));
    std::fs::write(&ca_file, ca).expect("ca file");
    let token_url = format!("{}/oauth2/v2.0/token", sim.authority());
    Rig {
        rt,
        client,
        bare,
        token_url,
        ca_file,
        _sim: sim,
    }
}

impl Rig {
    fn check(&self, password: &str) -> PasswordVerdict {
        let pw = SecretString::from(password.to_owned());
        self.rt
            .block_on(self.client.check_password(UPN, &pw))
            .expect("check")
            .verdict
    }

    fn bare_post(&self, password: &str) -> usize {
        let form = [
            ("grant_type", "password"),
            ("client_id", APP),
            ("username", UPN),
            ("password", password),
            ("scope", "openid profile"),
        ];
        self.rt.block_on(async {
            let resp = self
                .bare
                .post(&self.token_url)
                .form(&form)
                .send()
                .await
                .expect("post");
            resp.bytes().await.expect("body").len()
        })
    }

    /// Sesame's own HTTP layer alone (timeouts, body cap, redirect check).
    fn sesame_http_post(&self, password: &str) -> usize {
        let url = url::Url::parse(&self.token_url).expect("url");
        let form = [
            ("grant_type", "password"),
            ("client_id", APP),
            ("username", UPN),
            ("password", password),
            ("scope", "openid profile"),
        ];
        self.rt
            .block_on(self.client.http().post_form(&url, &form))
            .expect("post")
            .body
            .len()
    }

    fn wrong_password_body(&self) -> Vec<u8> {
        let url = url::Url::parse(&self.token_url).expect("url");
        let form = [
            ("grant_type", "password"),
            ("client_id", APP),
            ("username", UPN),
            ("password", WRONG),
            ("scope", "openid profile"),
        ];
        self.rt
            .block_on(self.client.http().post_form(&url, &form))
            .expect("post")
            .body
    }

    fn curl(&self, password: &str) -> bool {
        Command::new("curl")
            .args(["-sS", "-o", "/dev/null", "--cacert"])
            .arg(&self.ca_file)
            .args([
                "-d",
                "grant_type=password",
                "-d",
                &format!("client_id={APP}"),
            ])
            .args(["--data-urlencode", &format!("username={UPN}")])
            .args(["--data-urlencode", &format!("password={password}")])
            .args(["--data-urlencode", "scope=openid profile"])
            .arg(&self.token_url)
            .status()
            .is_ok_and(|s| s.success())
    }
}

fn median_of(n: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[n / 2]
}

fn main() {
    let mut c = Criterion::default().configure_from_args().sample_size(50);
    let id_median = bench_id_token(&mut c);

    let rig = rig();
    assert_eq!(
        rig.check(WRONG),
        PasswordVerdict::WrongPassword { code: 50126 }
    );
    let parse_median = bench_error_verdict(&mut c, &rig.wrong_password_body());
    let mut group = c.benchmark_group("ropg_round_trip");
    group.bench_function("sesame_check_wrong_password", |b| {
        b.iter(|| black_box(rig.check(WRONG)))
    });
    group.bench_function("bare_reqwest_post_wrong_password", |b| {
        b.iter(|| black_box(rig.bare_post(WRONG)))
    });
    group.bench_function("sesame_check_right_password", |b| {
        b.iter(|| black_box(rig.check(RIGHT)))
    });
    group.bench_function("bare_reqwest_post_right_password", |b| {
        b.iter(|| black_box(rig.bare_post(RIGHT)))
    });
    let has_curl = rig.curl(WRONG);
    if has_curl {
        group.sample_size(20);
        group.bench_function("curl_wrong_password", |b| {
            b.iter(|| black_box(rig.curl(WRONG)))
        });
    }
    group.finish();
    c.final_summary();

    // Same-run summary, interleaved so drift from other load hits all alike.
    let n = 2000;
    type Run<'a> = (&'static str, Box<dyn Fn() + 'a>);
    let runs: Vec<Run<'_>> = vec![
        (
            "sesame check, wrong password",
            Box::new(|| {
                black_box(rig.check(WRONG));
            }),
        ),
        (
            "  of which Sesame's HTTP layer",
            Box::new(|| {
                black_box(rig.sesame_http_post(WRONG));
            }),
        ),
        (
            "bare POST, wrong password",
            Box::new(|| {
                black_box(rig.bare_post(WRONG));
            }),
        ),
        (
            "sesame check, right password",
            Box::new(|| {
                black_box(rig.check(RIGHT));
            }),
        ),
        (
            "bare POST, right password",
            Box::new(|| {
                black_box(rig.bare_post(RIGHT));
            }),
        ),
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(n); runs.len()];
    for i in 0..n {
        // Rotate the order each round so no run always goes first; the slow
        // right-password pair runs on every 10th round only.
        for j in 0..runs.len() {
            let k = (i + j) % runs.len();
            if k >= 3 && i % 10 >= 2 {
                continue;
            }
            let t = Instant::now();
            (runs[k].1)();
            times[k].push(t.elapsed());
        }
    }
    let medians: Vec<Duration> = times
        .iter_mut()
        .map(|v| {
            v.sort();
            v[v.len() / 2]
        })
        .collect();
    println!(
        "\nsummary (medians, interleaved: {n} wrong-password rounds, {} right-password rounds)",
        n / 5
    );
    println!(
        "  ID-token validation, warm JWKS: {:.1} µs",
        id_median.as_secs_f64() * 1e6
    );
    println!(
        "  Entra error parse + verdict:    {:.1} µs",
        parse_median.as_secs_f64() * 1e6
    );
    let floors = [2, 2, 2, 4, 4];
    for (k, (name, _)) in runs.iter().enumerate() {
        println!(
            "  {name:<32} {:>8.1} µs  ({:.2}x bare POST)",
            medians[k].as_secs_f64() * 1e6,
            medians[k].as_secs_f64() / medians[floors[k]].as_secs_f64()
        );
    }
    if has_curl {
        let curl = median_of(30, || {
            black_box(rig.curl(WRONG));
        });
        println!(
            "  curl (new process + TLS), wrong  {:>8.1} µs",
            curl.as_secs_f64() * 1e6
        );
    } else {
        println!("  curl not found: outside reference skipped");
    }
    let _ = std::fs::remove_file(&rig.ca_file);
}
