//! `sesame-agent login` as an admin or a script runs it: the native sign-in
//! (`--native --user UPN --password-stdin`) into a sandbox root, `--json`,
//! exit statuses and the one line that says why and what to do.
// Drives the Linux account backend (shadow tools on a sandbox root) and kernel keyring.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use sesame_e2e::login::agent_command;
use sesame_e2e::secret;
use sesame_e2e::world::*;
use sesame_platform::{AccountDirectory, KeyringSecretStore, SecretStore};
use sesame_synclog::{EventKind, read_log};

struct Cli {
    sb: Sandbox,
    profile: std::path::PathBuf,
}

async fn cli(sim: &entra_sim::SimHandle) -> Cli {
    require_root();
    let sb = Sandbox::new();
    let profile = sb.tmp.path().join("sesame.mobileconfig");
    std::fs::write(&profile, mobileconfig(sim, App::Public, &sb.log_path)).unwrap();
    Cli { sb, profile }
}

impl Cli {
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = agent_command()
            .arg("login")
            .arg("--profile")
            .arg(&self.profile)
            .arg("--root")
            .arg(&self.sb.root)
            .arg("--log-path")
            .arg(&self.sb.log_path)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sesame-agent runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn native(&self, user: &str, password: &str, json: bool) -> Output {
        let mut args = vec!["--native", "--user", user, "--password-stdin"];
        if json {
            args.push("--json");
        }
        self.run(&args, &format!("{password}\n"))
    }
}

fn stderr_line(o: &Output) -> String {
    let text = String::from_utf8_lossy(&o.stderr).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "one line saying why: {text:?}");
    lines[0].to_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "--json prints JSON ({e}): {}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_sign_in_makes_the_account_and_prints_the_outcome() {
    // The test body runs on this thread (the sim on the workers): the child
    // inherits this thread's fresh session keyring, and this process then
    // reads what the child stored.
    assert!(join_fresh_session_keyring(), "no session keyring");
    let sim = start_sim().await;
    let c = cli(&sim).await;
    let out = c.native(ADELE, ADELE_PASSWORD, true);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = json(&out);
    assert_eq!(j["outcome"], "ready");
    assert_eq!(j["upn"], ADELE);
    assert_eq!(j["oid"], "b2000000-0000-4000-8000-000000000002");
    assert_eq!(j["short_name"], "adele");
    assert_eq!(j["plan"]["action"], "create");
    assert_eq!(j["admin"], false);
    assert!(
        j["proved"].as_str().unwrap().contains("password verified"),
        "{j}"
    );
    assert!(
        c.sb.dir
            .verify_password("adele", &secret(ADELE_PASSWORD))
            .unwrap()
    );
    let store = KeyringSecretStore::kernel_keyring().unwrap();
    assert_eq!(
        store.read("adele").unwrap().unwrap().expose_secret(),
        ADELE_PASSWORD
    );
    let events = read_log(&c.sb.log_path).unwrap().events;
    assert_eq!(events.first().unwrap().event, EventKind::LoginStarted);
    assert!(events.iter().any(|e| e.event == EventKind::AccountCreated));
    store.delete("adele").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_sign_in_answers_in_one_line() {
    let sim = start_sim().await;
    let c = cli(&sim).await;
    // MFA demanded: the password is right, the native sign-in cannot do MFA.
    let out = c.native(MEGAN, MEGAN_PASSWORD, false);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr_line(&out), "MFA is required: use the web sign-in.");
    let out = c.native(MEGAN, MEGAN_PASSWORD, true);
    let j = json(&out);
    assert_eq!(j["reason"], "mfa_required");
    assert!(j["proved"].as_str().unwrap().contains("AADSTS50076"), "{j}");
    assert!(c.sb.passwd_entry("megan").is_none());
    // A wrong password: said so, nothing made, and no second try sent.
    sim.clear_sign_ins();
    let out = c.native(ADELE, "Not-Adeles-1", false);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_line(&out).starts_with("That password is not right."));
    assert_eq!(sim.sign_ins().len(), 1, "one password sent, once");
    // Not assigned to the app.
    let out = c.native(NORA, NORA_PASSWORD, false);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_line(&out).contains("Ask your administrator for access"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_display_it_says_how_to_proceed_and_never_hangs() {
    let sim = start_sim().await;
    let c = cli(&sim).await;
    let started = Instant::now();
    let mut cmd = agent_command();
    cmd.args(["login", "--profile"])
        .arg(&c.profile)
        .arg("--root")
        .arg(&c.sb.root);
    let out = cmd
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2));
    let line = stderr_line(&out);
    assert!(
        line.contains("no display") && line.contains("--native"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_profile_is_named() {
    let sim = start_sim().await;
    let c = cli(&sim).await;
    std::fs::write(
        &c.profile,
        b"<plist><dict><key>TenantID</key><string>common</string></dict></plist>",
    )
    .unwrap();
    let out = c.native(ADELE, ADELE_PASSWORD, false);
    assert_eq!(out.status.code(), Some(2));
    let line = stderr_line(&out);
    assert!(
        line.contains("sesame.mobileconfig") && line.contains("sesame profile check"),
        "{line}"
    );
}
