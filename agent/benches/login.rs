//! Agent-side CPU of a sign-in from "redirect captured" to "account ready":
//! code exchange, ID-token validation, groups, the identity-bound password
//! check, the plan, apply and store (in-memory directory and store, so the
//! figure is Sesame's own work), and the sync log. The simulated tenant runs
//! on its own threads over HTTPS on loopback; the agent runs on this thread,
//! and this thread's CPU time is measured, so the IdP's own time is left out.
//!
//! The floor, measured in the same run: the CPU of the two token-endpoint
//! POSTs any client must make (redeem a code, send a password grant) with
//! plain reqwest, no validation and no local work.
//!
//! `cargo bench -p sesame-agent --bench login` prints the figures.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use entra_sim::{Sim, SimHandle, SimOptions, Tenant};
use secrecy::SecretString;
use sesame_agent::web::{
    CapturedPassword, WebLogin, WebLoginError, WebSignInRequest, WebSignInResult,
};
use sesame_agent::{Agent, Front, NoPrompts, Seams};
use sesame_platform::{InMemoryDirectory, InMemorySecretStore, JournalFile};
use sha2::{Digest, Sha256};

const USER: &str = "adele@contoso.example";
const PASSWORD: &str = "Sesame-Demo-2";
const APP: &str = "c3000000-0000-4000-8000-000000000001";
const REDIRECT: &str = "https://login.microsoftonline.com/common/oauth2/nativeclient";
const RUNS: usize = 60;

fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The sign-in pages walked without a browser; records this thread's CPU
/// time when the redirect is captured.
struct Pages {
    sim: Arc<SimHandle>,
    captured_at: Arc<Mutex<Duration>>,
}

impl WebLogin for Pages {
    async fn sign_in(&mut self, req: WebSignInRequest) -> Result<WebSignInResult, WebLoginError> {
        let done =
            entra_sim::headless::sign_in(&self.sim, req.authorize_url.as_str(), USER, PASSWORD)
                .await
                .map_err(|e| WebLoginError::Browser(e.to_string()))?;
        *self.captured_at.lock().unwrap() = thread_cpu();
        Ok(WebSignInResult {
            redirect: SecretString::from(done.redirect),
            captured: CapturedPassword::Current(SecretString::from(PASSWORD)),
        })
    }
}

fn profile(sim: &SimHandle, log: &std::path::Path) -> Vec<u8> {
    let ca = sim.ca_pem().unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>TenantID</key><string>{tid}</string>
<key>AuthorityHost</key><string>{host}</string>
<key>OIDCClientID</key><string>{APP}</string>
<key>OIDCRedirectURI</key><string>{REDIRECT}</string>
<key>TrustedRootCertificates</key><array><string>{ca}</string></array>
<key>LogPath</key><string>{log}</string>
</dict></plist>"#,
        tid = sim.tenant_id(),
        host = sim.base_url(),
        log = log.display()
    )
    .into_bytes()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let tenant = Tenant::from_toml_str(entra_sim::DEMO_TENANT_TOML, "demo").unwrap();
    let sim = Arc::new(Sim::start_in_background(tenant, SimOptions { tls: true }).unwrap());
    let tmp = tempfile::tempdir().unwrap();
    let report =
        sesame_core::settings::load(&[("bench", &profile(&sim, &tmp.path().join("sync.log")))]);
    let settings = report.settings.expect("bench profile");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut agent = Agent::new(settings).unwrap();
    let captured_at = Arc::new(Mutex::new(Duration::ZERO));
    let mut web = Pages {
        sim: Arc::clone(&sim),
        captured_at: Arc::clone(&captured_at),
    };

    // One client for the floor, kept alive like the agent's (no TLS handshake per run).
    let http = entra_sim::headless::Browser::for_sim(&sim)
        .unwrap()
        .http()
        .clone();
    let mut agent_cpu = Vec::new();
    let mut agent_wall = Vec::new();
    let mut floor_cpu = Vec::new();
    for run in 0..RUNS + 5 {
        // The agent: redirect captured -> account ready.
        let dir = InMemoryDirectory::new();
        let store = InMemorySecretStore::new();
        let journal = JournalFile::new(tmp.path().join(format!("journal-{run}.json")));
        let mut prompter = NoPrompts;
        let seams = Seams {
            dir: &dir,
            journal: &journal,
            store: &store,
            prompter: &mut prompter,
        };
        let out = rt.block_on(agent.login(Front::Web(&mut web), None, seams));
        let end = thread_cpu();
        let wall_end = Instant::now();
        assert!(out.is_ready(), "{out:?}");
        let spent = end - *captured_at.lock().unwrap();

        // The floor: the same two POSTs, bare.
        let floor = rt.block_on(bare_posts(&sim, &http, run));
        if run >= 5 {
            agent_cpu.push(spent);
            floor_cpu.push(floor);
            agent_wall.push(wall_end.elapsed());
        }
    }
    let (a, f) = (median(agent_cpu.clone()), median(floor_cpu));
    let mut sorted = agent_cpu.clone();
    sorted.sort();
    println!("login (redirect captured -> account ready), {RUNS} runs, agent thread CPU:");
    println!(
        "  agent  median {:.2} ms  p90 {:.2} ms  max {:.2} ms",
        ms(a),
        ms(sorted[RUNS * 9 / 10]),
        ms(sorted[RUNS - 1])
    );
    println!(
        "  floor  median {:.2} ms  (two bare token POSTs, same thread, same run)",
        ms(f)
    );
    println!(
        "  agent - floor = {:.2} ms of Sesame's own work; ratio agent/floor = {:.2}x",
        ms(a.saturating_sub(f)),
        a.as_secs_f64() / f.as_secs_f64()
    );
    println!(
        "  target: agent median <= 5 ms -> {}",
        if a <= Duration::from_millis(5) {
            "met"
        } else {
            "NOT met"
        }
    );
    let _ = agent_wall;
}

/// A code redeemed and a password grant sent with plain reqwest; returns
/// this thread's CPU for the two POSTs (the page walk is not counted).
async fn bare_posts(sim: &SimHandle, http: &reqwest::Client, n: usize) -> Duration {
    let verifier = format!("bench-verifier-{n:032x}-0123456789abcdef");
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    let tid = sim.tenant_id();
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let url = format!(
        "{}/{tid}/oauth2/v2.0/authorize?client_id={APP}&response_type=code&redirect_uri={}&scope={}&state=s1&nonce=n1&code_challenge={challenge}&code_challenge_method=S256&prompt=login",
        sim.base_url(),
        enc(REDIRECT),
        enc("openid profile offline_access")
    );
    let done = entra_sim::headless::sign_in(sim, &url, USER, PASSWORD)
        .await
        .unwrap();
    let code = url::Url::parse(&done.redirect)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let token = format!("{}/{tid}/oauth2/v2.0/token", sim.base_url());
    let start = thread_cpu();
    let a = http
        .post(&token)
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", APP),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap();
    assert!(a.status().is_success());
    let _ = a.bytes().await.unwrap();
    let b = http
        .post(&token)
        .form(&[
            ("grant_type", "password"),
            ("client_id", APP),
            ("username", USER),
            ("password", PASSWORD),
            ("scope", "openid profile"),
        ])
        .send()
        .await
        .unwrap();
    let _ = b.bytes().await.unwrap();
    thread_cpu() - start
}
