//! `sesame-agent login` at a terminal, as a person meets it: after a wrong
//! password it asks again on the terminal (echo off), never re-sends a
//! password Entra already called wrong, and stops before smart lockout with
//! the reset link. The terminal is a real pseudo-terminal (Python's `pty`),
//! the tenant is entra-sim over HTTPS, the account lands in a sandbox root.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use sesame_e2e::login::agent_binary;
use sesame_e2e::secret;
use sesame_e2e::world::*;
use sesame_platform::{AccountDirectory, KeyringSecretStore, SecretStore};

/// Runs argv[1:] on a new pseudo-terminal; stdin holds lines `wait<TAB>send`:
/// wait until the terminal showed `wait` (empty: at once), then type `send`.
/// Prints everything the terminal showed, then `EXIT <status>`.
const PTY_DRIVER: &str = r#"
import os, pty, sys, time
plan = [l.rstrip("\n").split("\t", 1) for l in sys.stdin if l.strip()]
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
seen = b""
deadline = time.time() + 60
def pump(timeout):
    global seen
    import select
    r, _, _ = select.select([fd], [], [], timeout)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            return False
        if not data:
            return False
        seen += data
    return True
for wait, send in plan:
    while wait.encode() not in seen and time.time() < deadline:
        if not pump(0.2):
            break
    time.sleep(0.2)
    try:
        os.write(fd, send.encode() + b"\n")
    except OSError:
        break
while time.time() < deadline and pump(0.5):
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
sys.stdout.write("\nEXIT %d\n" % os.waitstatus_to_exitcode(status))
"#;

/// The terminal's text and the exit status.
fn at_terminal(args: &[&str], plan: &[(&str, &str)]) -> (String, i32) {
    use std::io::Write;
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(PTY_DRIVER)
        .arg(agent_binary())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (the pseudo-terminal driver)");
    let mut lines = String::new();
    for (wait, send) in plan {
        lines.push_str(&format!("{wait}\t{send}\n"));
    }
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let status = text
        .rsplit("EXIT ")
        .next()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(-1);
    (text, status)
}

/// `sesame-agent login --native --user ADELE --password-stdin` at a
/// terminal, with the e2e profile plus `extra` keys, on a fresh sandbox.
fn adele_at_terminal(
    sim: &entra_sim::SimHandle,
    sb: &Sandbox,
    extra: &str,
    plan: &[(&str, &str)],
) -> (String, i32) {
    let profile = sb.tmp.path().join("sesame.mobileconfig");
    std::fs::write(
        &profile,
        mobileconfig_with(sim, App::Public, &sb.log_path, extra),
    )
    .unwrap();
    let root = sb.root.display().to_string();
    let p = profile.display().to_string();
    let args = [
        "login",
        "--profile",
        &p,
        "--root",
        &root,
        "--native",
        "--user",
        ADELE,
        "--password-stdin",
    ];
    // Blocking here is fine: the simulator runs on the runtime's workers.
    at_terminal(&args, plan)
}

fn wrong_sent(sim: &entra_sim::SimHandle, upn: &str) -> usize {
    sim.sign_ins()
        .iter()
        .filter(|s| s.user.eq_ignore_ascii_case(upn) && s.error_code == 50126)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_asked_again_and_never_sent_twice() {
    require_root();
    // The child inherits this thread's fresh session keyring.
    assert!(join_fresh_session_keyring(), "no session keyring");
    let sim = start_sim().await;
    let sb = Sandbox::new();
    let (text, status) = adele_at_terminal(
        &sim,
        &sb,
        "",
        &[
            ("", "Not-Adele-1"),
            ("password is not right", "Not-Adele-1"),
            ("already said that password is wrong", ADELE_PASSWORD),
        ],
    );
    assert_eq!(status, 0, "{text}");
    assert!(
        text.contains("That password is not right. Try again"),
        "{text}"
    );
    assert!(
        text.contains("Microsoft already said that password is wrong"),
        "{text}"
    );
    assert!(
        !text.contains(ADELE_PASSWORD),
        "the password was echoed: {text}"
    );
    assert_eq!(
        wrong_sent(&sim, ADELE),
        1,
        "the refused password went to Entra once"
    );
    assert!(
        sb.dir
            .verify_password("adele", &secret(ADELE_PASSWORD))
            .unwrap()
    );
    let store = KeyringSecretStore::kernel_keyring().unwrap();
    assert!(store.read("adele").unwrap().is_some());
    store.delete("adele").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_stops_before_smart_lockout_with_the_reset_link() {
    require_root();
    let sim = start_sim().await;
    let sb = Sandbox::new();
    let extra = "<key>WrongPasswordLimit</key><integer>2</integer>\
                 <key>ResetPasswordURL</key><string>https://passwordreset.example/reset</string>";
    let (text, status) = adele_at_terminal(
        &sim,
        &sb,
        extra,
        &[
            ("", "Not-Adele-1"),
            ("password is not right", "Not-Adele-2"),
        ],
    );
    assert_eq!(status, 1, "{text}");
    assert!(text.contains("Too many wrong passwords"), "{text}");
    assert!(
        text.contains("https://passwordreset.example/reset"),
        "{text}"
    );
    assert_eq!(wrong_sent(&sim, ADELE), 2, "exactly WrongPasswordLimit");
    assert!(sb.passwd_entry("adele").is_none());
}
