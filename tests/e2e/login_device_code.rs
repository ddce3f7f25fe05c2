//! Native sign-in with MFA by device code (`NativeMFA = device_code`):
//! `sesame-agent login --native --user UPN --password-stdin` against
//! entra-sim over HTTPS. The password is right, Entra demands MFA, the agent
//! prints "To finish signing in, open URL and enter CODE" on standard error,
//! and the person (this test, walking the sim's pages with the TOTP code)
//! finishes there — or declines, or someone else uses the code.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use entra_sim::SimHandle;
use entra_sim::headless::{Browser, Landing, Step};
use secrecy::ExposeSecret;
use sesame_e2e::login::agent_command;
use sesame_e2e::secret;
use sesame_e2e::world::*;
use sesame_platform::{AccountDirectory, KeyringSecretStore, SecretStore};
use sesame_synclog::{EventKind, read_log};

const DEVICE_CODE: &str = "<key>NativeMFA</key><string>device_code</string>";

/// A running `sesame-agent login --native` whose standard error is read
/// line by line as the person would see it.
struct Running {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

fn start(sb: &Sandbox, profile: &std::path::Path, user: &str, password: &str) -> Running {
    let mut child = agent_command()
        .arg("login")
        .arg("--profile")
        .arg(profile)
        .arg("--root")
        .arg(&sb.root)
        .arg("--log-path")
        .arg(&sb.log_path)
        .args(["--native", "--user", user, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sesame-agent runs");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{password}\n").as_bytes()).unwrap();
    drop(stdin);
    let stderr = child.stderr.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Running {
        child,
        lines,
        seen: vec![],
    }
}

impl Running {
    /// The URL and code the agent showed.
    fn device_code(&mut self) -> (String, String) {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(30))
            .expect("the agent shows a device code");
        self.seen.push(line.clone());
        let rest = line
            .strip_prefix("To finish signing in, open ")
            .unwrap_or_else(|| panic!("not a device-code line: {line:?}"));
        let (url, code) = rest
            .split_once(" and enter ")
            .unwrap_or_else(|| panic!("{line:?}"));
        (url.to_owned(), code.to_owned())
    }

    /// Waits for the end: status, the rest of standard error, standard output.
    fn finish(mut self) -> (Output, Vec<String>) {
        let status = self.child.wait().unwrap();
        let mut stdout = Vec::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_end(&mut stdout)
            .unwrap();
        self.seen.extend(self.lines.iter());
        (
            Output {
                status,
                stdout,
                stderr: vec![],
            },
            self.seen,
        )
    }
}

/// The person opens the page, types the code, and signs in as `upn` (with
/// the authenticator code when asked).
async fn use_code(sim: &SimHandle, url: &str, code: &str, upn: &str, password: &str) {
    let browser = Browser::for_sim(sim).unwrap();
    let landing = browser
        .post(Step::DeviceCode, url, &[("otc", code)])
        .await
        .unwrap();
    let Landing::Page(page) = landing else {
        panic!("no sign-in page after the code: {landing:?}")
    };
    let walked = browser.walk(sim, page, upn, password).await.unwrap();
    let Landing::Page(done) = walked.landing else {
        panic!("{:?}", walked.landing)
    };
    assert!(done.html.contains("signed in"), "{}", done.excerpt());
}

fn profile(sim: &SimHandle, sb: &Sandbox) -> std::path::PathBuf {
    require_root();
    let p = sb.tmp.path().join("sesame.mobileconfig");
    std::fs::write(
        &p,
        mobileconfig_with(sim, App::Public, &sb.log_path, DEVICE_CODE),
    )
    .unwrap();
    p
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_mfa_by_device_code_makes_the_account() {
    assert!(join_fresh_session_keyring(), "no session keyring");
    let sim = start_sim().await;
    let sb = Sandbox::new();
    let p = profile(&sim, &sb);
    let mut run = start(&sb, &p, MEGAN, MEGAN_PASSWORD);
    let (run, (url, code)) = blocking(move || {
        let c = run.device_code();
        (run, c)
    })
    .await;
    assert!(
        url.starts_with("https://") && url.ends_with("/devicelogin"),
        "{url}"
    );
    use_code(&sim, &url, &code, MEGAN, MEGAN_PASSWORD).await;
    let (out, lines) = blocking(move || run.finish()).await;
    assert_eq!(out.status.code(), Some(0), "{lines:?}");
    let entry = sb.passwd_entry("megan").expect("the account is made");
    assert!(!entry.is_empty());
    assert!(
        sb.dir
            .verify_password("megan", &secret(MEGAN_PASSWORD))
            .unwrap()
    );
    let store = KeyringSecretStore::kernel_keyring().unwrap();
    assert_eq!(
        store.read("megan").unwrap().unwrap().expose_secret(),
        MEGAN_PASSWORD
    );
    store.delete("megan").unwrap();
    let log = std::fs::read_to_string(&sb.log_path).unwrap();
    assert!(!log.contains(&code), "the device code is never logged");
    let events = read_log(&sb.log_path).unwrap().events;
    assert!(
        events
            .iter()
            .any(|e| e.message.contains("device-code sign-in finished")),
        "{events:#?}"
    );
    assert!(events.iter().any(|e| e.event == EventKind::AccountCreated));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_device_code_is_refused_in_one_line() {
    let sim = start_sim().await;
    let sb = Sandbox::new();
    let p = profile(&sim, &sb);
    let mut run = start(&sb, &p, MEGAN, MEGAN_PASSWORD);
    let (run, (_, code)) = blocking(move || {
        let c = run.device_code();
        (run, c)
    })
    .await;
    sim.decline_device_code(&code).unwrap();
    let (out, lines) = blocking(move || run.finish()).await;
    assert_eq!(out.status.code(), Some(1), "{lines:?}");
    assert_eq!(
        lines.last().map(String::as_str),
        Some(
            "The sign-in was not finished: the sign-in was declined. Try again, or use the web sign-in."
        ),
        "{lines:?}"
    );
    assert!(sb.passwd_entry("megan").is_none(), "no account");
    let events = read_log(&sb.log_path).unwrap().events;
    let last = events.last().unwrap();
    assert!(
        last.message.contains("device-code MFA not completed"),
        "{last:?}"
    );
}

/// Megan's password is right, but someone else (another account of the
/// tenant) uses the code: nothing is made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_code_used_by_another_account_is_refused() {
    let sim = start_sim().await;
    let sb = Sandbox::new();
    let p = profile(&sim, &sb);
    let mut run = start(&sb, &p, MEGAN, MEGAN_PASSWORD);
    let (run, (url, code)) = blocking(move || {
        let c = run.device_code();
        (run, c)
    })
    .await;
    use_code(&sim, &url, &code, ADELE, ADELE_PASSWORD).await;
    let (out, lines) = blocking(move || run.finish()).await;
    assert_eq!(out.status.code(), Some(1), "{lines:?}");
    assert_eq!(
        lines.last().map(String::as_str),
        Some(
            "The code was used by a different account. Sign in with the account whose password you typed."
        ),
        "{lines:?}"
    );
    assert!(sb.passwd_entry("megan").is_none());
    assert!(sb.passwd_entry("adele").is_none());
}
