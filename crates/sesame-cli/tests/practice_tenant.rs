//! `entra-sim serve --tls --write-profile FILE`, then Sesame pointed at it in
//! one more command, as docs/entra-sim.md tells an admin: the written profile
//! passes `sesame profile check`, `sesame-agent login --native` signs a
//! person in with it (account in a sandbox root), and `sesame-menubar
//! check-now` finds her stored password in sync.
// Linux only: the sign-in makes the account with the real shadow tools, as root.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use sesame_platform::directory::sandbox;

/// A workspace binary built next to `sesame` (`cargo test --workspace` builds them all).
fn sibling(name: &str) -> PathBuf {
    let sesame = Path::new(env!("CARGO_BIN_EXE_sesame"));
    let bin = sesame.with_file_name(name);
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p entra-sim -p sesame-agent -p sesame-menubar` first (or `cargo test --workspace`)",
        bin.display()
    );
    bin
}

/// A running `entra-sim serve`; killed on drop.
struct Serving {
    child: Child,
    printed: Vec<String>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `entra-sim serve ARGS --write-profile FILE` and waits until it says
/// the profile is written.
fn serve(args: &[&str], profile: &Path) -> Serving {
    let mut serving = Serving {
        child: Command::new(sibling("entra-sim"))
            .arg("serve")
            .args(args)
            .arg("--write-profile")
            .arg(profile)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
        printed: Vec::new(),
    };
    let stdout = serving.child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                panic!("entra-sim never wrote the profile: {:#?}", serving.printed)
            });
        let done = line.starts_with("  try: sesame doctor");
        serving.printed.push(line);
        if done {
            return serving;
        }
    }
}

/// Fails with what the command printed unless it exited 0.
fn assert_succeeded(o: &std::process::Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn sesame(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sesame"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_written_profile_passes_profile_check_and_signs_a_person_in() {
    if let Err(why) = sandbox::ensure_root() {
        panic!("{why}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("practice.mobileconfig");
    let served = serve(&["--tls"], &profile);
    let said = served.printed.join("\n");
    assert!(
        said.contains("admin group: Mac Admins (a1000000-0000-4000-8000-000000000001)"),
        "{said}"
    );

    let check = sesame(&["profile", "check", profile.to_str().unwrap()]);
    assert_succeeded(&check);

    // The second command: a native sign-in against the practice tenant.
    sesame_platform::secrets::join_fresh_session_keyring().unwrap();
    let root = tmp.path().join("root");
    sandbox::create(&root).unwrap();
    let log = tmp.path().join("sync.log");
    let mut login = Command::new(sibling("sesame-agent"))
        .args(["login", "--profile"])
        .arg(&profile)
        .arg("--root")
        .arg(&root)
        .arg("--log-path")
        .arg(&log)
        .args([
            "--native",
            "--user",
            "adele@contoso.example",
            "--password-stdin",
            "--json",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    login
        .stdin
        .take()
        .unwrap()
        .write_all(b"Sesame-Demo-2\n")
        .unwrap();
    let out = login.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["outcome"], "ready", "{j}");
    assert_eq!(j["short_name"], "adele", "{j}");
    assert_eq!(j["admin"], false, "{j}");
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
    assert!(passwd.lines().any(|l| l.starts_with("adele:")), "{passwd}");

    // And the menu bar, pointed at the same profile: her stored password is
    // checked with the practice tenant and found in sync.
    let check = Command::new(sibling("sesame-menubar"))
        .arg("--profile")
        .arg(&profile)
        .args(["--user", "adele@contoso.example", "--root"])
        .arg(&root)
        .arg("--log-path")
        .arg(&log)
        .args(["check-now", "--json"])
        .output()
        .unwrap();
    assert_succeeded(&check);
    let j: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(j["state"], "in_sync", "{j}");
    assert_eq!(j["sent"], true, "{j}");
    use sesame_platform::SecretStore as _;
    let _ = sesame_platform::KeyringSecretStore::kernel_keyring()
        .unwrap()
        .delete("adele");
}

#[test]
fn over_plain_http_the_profile_says_so_and_profile_check_warns() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("plain.mobileconfig");
    let served = serve(&[], &profile);
    assert!(
        served
            .printed
            .iter()
            .any(|l| l.contains("AllowInsecureSimulatedTenant")),
        "{:#?}",
        served.printed
    );
    let check = sesame(&["profile", "check", profile.to_str().unwrap()]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(text.contains("AllowInsecureSimulatedTenant"), "{text}");
    let written = std::fs::read_to_string(&profile).unwrap();
    assert!(!written.contains("TrustedRootCertificates"), "{written}");
}
