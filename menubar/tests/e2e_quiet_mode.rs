//! Quiet mode end to end, as a user lives it: `sesame-agent login` stores
//! the password and the sign-in's refresh token; `check-now` in quiet mode
//! redeems the token (no password grant in the tenant's sign-in log) and
//! says in sync, with the expiry Graph gives (Adele's password expires in a
//! few days); the cloud password changes and `check-now` says
//! `cloud_password_changed` with no failed sign-in; `sync` with the new
//! password updates the local and the stored password and stores a new
//! refresh token; the next quiet check is in sync. No refresh token ever
//! reaches an output, the sync log or the daemon's files.
// Sandbox roots (shadow tools via --root) and the kernel keyring: Linux only.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use entra_sim::{Sim, SimHandle, SimOptions, Tenant};
use secrecy::ExposeSecret;
use sesame_core::identity::EntraId;
use sesame_e2e::login::agent_binary;
use sesame_e2e::secret;
use sesame_e2e::world::*;
use sesame_platform::secrets::read_session;
use sesame_platform::{AccountDirectory, KeyringSecretStore, SecretStore};

const NEW_PASSWORD: &str = "Adele-Quiet-New-8";
const ADELE_OID: &str = "b2000000-0000-4000-8000-000000000002";
/// Adele's password was changed 85 days ago; the tenant's passwords last 90.
const AGE_DAYS: i64 = 85;

async fn sim_with_aging_password() -> SimHandle {
    let changed = (time::OffsetDateTime::now_utc() - time::Duration::days(AGE_DAYS))
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let demo = entra_sim::DEMO_TENANT_TOML.replace(
        "display_name = \"Adele Vance\"",
        &format!("display_name = \"Adele Vance\"\nlast_password_change = \"{changed}\""),
    );
    assert_ne!(
        demo,
        entra_sim::DEMO_TENANT_TOML,
        "Adele changed in the demo"
    );
    assert!(demo.contains("password_expiry_days = 90"));
    let tenant = Tenant::from_toml_str(&demo, "quiet e2e").unwrap();
    Sim::start(tenant, SimOptions { tls: true }).await.unwrap()
}

struct World {
    sb: Sandbox,
    profile: PathBuf,
    state_dir: PathBuf,
    outputs: Vec<u8>,
}

impl World {
    fn menubar(&mut self, args: &[&str], stdin: &str) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sesame-menubar"));
        cmd.arg("--profile")
            .arg(&self.profile)
            .arg("--root")
            .arg(&self.sb.root)
            .arg("--log-path")
            .arg(&self.sb.log_path)
            .arg("--state-dir")
            .arg(&self.state_dir)
            .args(["--user", ADELE])
            .args(args);
        let out = fed(&mut cmd, stdin);
        self.outputs.extend_from_slice(&out.stdout);
        self.outputs.extend_from_slice(&out.stderr);
        out
    }

    fn check_now(&mut self) -> serde_json::Value {
        let out = self.menubar(&["check-now", "--json"], "");
        json(&out)
    }
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "--json prints JSON ({e}): {} / {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn fed(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn login(sb: &Sandbox, profile: &Path) -> Output {
    let mut cmd = Command::new(agent_binary());
    cmd.arg("login")
        .arg("--profile")
        .arg(profile)
        .arg("--root")
        .arg(&sb.root)
        .arg("--log-path")
        .arg(&sb.log_path)
        .args(["--native", "--user", ADELE, "--password-stdin"]);
    let out = fed(&mut cmd, &format!("{ADELE_PASSWORD}\n"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "login: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The (flow, status) of each sign-in in the simulator's log.
fn sign_ins(sim: &SimHandle) -> Vec<(String, String)> {
    sim.sign_ins()
        .iter()
        .map(|s| (s.flow.clone(), s.status.clone()))
        .collect()
}

fn adele() -> EntraId {
    EntraId {
        oid: ADELE_OID.into(),
        tid: TID.into(),
    }
}

/// The refresh token stored for Adele now.
fn stored_rt(store: &KeyringSecretStore) -> String {
    read_session(store, "adele", &adele())
        .unwrap()
        .expect("a refresh token is stored")
        .refresh_token
        .expose_secret()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_mode_sees_a_password_change_without_a_failed_sign_in() {
    assert!(join_fresh_session_keyring(), "no session keyring");
    require_root();
    let sim = sim_with_aging_password().await;
    let sb = Sandbox::new();
    let profile = sb.tmp.path().join("sesame.mobileconfig");
    std::fs::write(
        &profile,
        mobileconfig_with(
            &sim,
            App::Public,
            &sb.log_path,
            "<key>QuietMode</key><true/><key>PasswordExpiryWarningDays</key><integer>14</integer>",
        ),
    )
    .unwrap();
    let mut w = World {
        state_dir: sb.tmp.path().join("menubar-state"),
        sb,
        profile,
        outputs: Vec::new(),
    };
    let out = login(&w.sb, &w.profile);
    w.outputs.extend_from_slice(&out.stdout);
    w.outputs.extend_from_slice(&out.stderr);
    let store = KeyringSecretStore::kernel_keyring().unwrap();
    let mut tokens = vec![stored_rt(&store)];
    let session = read_session(&store, "adele", &adele()).unwrap().unwrap();
    assert!(session.password_sign_in && !session.confidential);
    assert_eq!(session.client_id, SESAME_APP);

    // Quiet check: the refresh token, no password.
    sim.clear_sign_ins();
    let j = w.check_now();
    assert_eq!(j["state"], "in_sync", "{j}");
    assert_eq!(j["request"], "refresh_token", "{j}");
    assert_eq!(
        sign_ins(&sim),
        vec![("refresh_token".to_owned(), "Success".to_owned())],
        "one redemption, no password grant"
    );
    // Entra rotated the token: the new one is stored.
    let rotated = stored_rt(&store);
    assert_ne!(rotated, tokens[0], "the rotated refresh token is stored");
    tokens.push(rotated);

    // The expiry came from Graph on that check: 90 − 85 days.
    let status = json(&w.menubar(&["status", "--json"], ""));
    assert_eq!(status["state"], "in_sync", "{status}");
    assert!(status.get("quiet_mode_warning").is_none(), "{status}");
    let left = status["expiry"]["days_left"].as_i64().unwrap();
    assert!((4..=5).contains(&left), "{status}");
    let lines: Vec<&str> = status["menu"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("Your password expires in")),
        "{lines:?}"
    );

    // The user changes the cloud password elsewhere.
    sim.set_password(ADELE, NEW_PASSWORD).unwrap();
    sim.clear_sign_ins();
    let j = w.check_now();
    assert_eq!(j["state"], "cloud_password_changed", "{j}");
    assert_eq!(j["code"], 50173, "{j}");
    let rows = sign_ins(&sim);
    assert!(
        rows.iter().all(|(flow, _)| flow == "refresh_token"),
        "no password grant: {rows:?}"
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        sim.sign_ins()
            .iter()
            .all(|s| s.error_code != 50126 && s.error_code != 50053),
        "no failed password sign-in"
    );
    // A second check sends nothing.
    let j = w.check_now();
    assert_eq!(j["sent"], false, "{j}");
    assert_eq!(sim.sign_ins().len(), 1);

    // Sync with the new password: one password grant, for the new password.
    sim.clear_sign_ins();
    let out = w.menubar(
        &["sync", "--password-stdin", "--json"],
        &format!("{NEW_PASSWORD}\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        sign_ins(&sim),
        vec![("password".to_owned(), "Success".to_owned())]
    );
    assert!(
        w.sb.dir
            .verify_password("adele", &secret(NEW_PASSWORD))
            .unwrap()
    );
    assert_eq!(
        store.read("adele").unwrap().unwrap().expose_secret(),
        NEW_PASSWORD
    );
    let after_sync = stored_rt(&store);
    assert!(
        !tokens.contains(&after_sync),
        "a new refresh token is stored"
    );
    tokens.push(after_sync);
    // The new password's expiry: 90 days from now, no warning.
    let status = json(&w.menubar(&["status", "--json"], ""));
    assert!(status.get("expiry").is_none(), "{status}");
    assert!(status["password_expires"].is_string(), "{status}");

    // The next quiet check is in sync, again without a password.
    sim.clear_sign_ins();
    let j = w.check_now();
    assert_eq!(j["state"], "in_sync", "{j}");
    assert_eq!(
        sign_ins(&sim),
        vec![("refresh_token".to_owned(), "Success".to_owned())]
    );
    tokens.push(stored_rt(&store));

    // No refresh token in any output, the sync log or the daemon's files.
    let secrets: Vec<(&'static str, String)> = tokens
        .iter()
        .map(|t| ("refresh token", t.clone()))
        .collect();
    let mut found = sesame_e2e::scan::secrets_in(&w.outputs, &secrets);
    found.extend(sesame_e2e::scan::secrets_in(
        &std::fs::read(&w.sb.log_path).unwrap(),
        &secrets,
    ));
    for f in sesame_e2e::scan::files_under(&w.state_dir) {
        found.extend(sesame_e2e::scan::secrets_in(
            &std::fs::read(&f).unwrap(),
            &secrets,
        ));
    }
    assert!(found.is_empty(), "refresh token leaked: {found:?}");
    store.delete("adele").unwrap();
    store.delete("adele#refresh-token").unwrap();
}
