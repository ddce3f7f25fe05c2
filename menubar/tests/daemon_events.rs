//! The daemon, for real, in a private network namespace (root): a user
//! signed in with `sesame-agent`, `sesame-menubar run` started, then the
//! network changes the way a laptop's does — an address, then a default
//! route — made with `ip`, which the kernel reports on rtnetlink.
//!
//! Asserts what a helpdesk person would see in the record and the log: each
//! change re-draws the next check (one settled event per burst), "Check
//! now" without a default route sends nothing to Entra (the tenant's
//! sign-in log stays empty, the user sees "offline"), and with the route it
//! sends exactly one request, made by a child process (the daemon itself
//! never talks to Entra).
// Network namespaces, rtnetlink, the kernel keyring: Linux only.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use entra_sim::{Sim, SimOptions, Tenant};
use sesame_e2e::login::agent_binary;
use sesame_e2e::world::*;

const IP: &str = "/usr/sbin/ip";
const ADDRESS: &str = "10.77.0.1";
const TEST: &str = "network_changes_redraw_the_next_check_and_no_route_sends_nothing";

fn ip(args: &[&str]) {
    let out = Command::new(IP).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The daemon's record as JSON.
fn record(state_dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(state_dir.join("adele.json")).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

/// Waits (at most 20 s) until `what` holds for the record.
fn wait_for(state_dir: &Path, why: &str, what: impl Fn(&serde_json::Value) -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if what(&record(state_dir)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{why}: the record is {}", record(state_dir));
}

struct Daemon(Child, PathBuf);

impl Daemon {
    fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(self.0.id() as libc::pid_t, sig) }, 0);
    }
    fn log(&self) -> String {
        std::fs::read_to_string(&self.1).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn network_changes_redraw_the_next_check_and_no_route_sends_nothing() {
    require_root();
    if std::env::var_os("SESAME_TEST_IN_NETNS").is_none() {
        // Run this test again, alone, inside a fresh network namespace.
        let status = Command::new("/usr/bin/unshare")
            .args(["--net", "--"])
            .arg(std::env::current_exe().unwrap())
            .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
            .env("SESAME_TEST_IN_NETNS", "1")
            .status()
            .unwrap();
        assert!(status.success(), "the test inside the namespace failed");
        return;
    }
    assert!(join_fresh_session_keyring(), "no session keyring");
    // A laptop's network, half up: an interface with an address, no route out.
    ip(&["link", "set", "lo", "up"]);
    // (A veth pair: the `dummy` module is not loaded everywhere.)
    ip(&[
        "link", "add", "wifi0", "type", "veth", "peer", "name", "ap0",
    ]);
    ip(&["addr", "add", &format!("{ADDRESS}/24"), "dev", "wifi0"]);
    ip(&["link", "set", "ap0", "up"]);
    ip(&["link", "set", "wifi0", "up"]);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let tenant = Tenant::from_toml_str(entra_sim::DEMO_TENANT_TOML, "demo").unwrap();
    // Entra on a non-loopback address, so "is there a network" is a real
    // question (a loopback authority is always reachable).
    let sim = runtime
        .block_on(Sim::start_on(
            tenant,
            SimOptions { tls: true },
            &format!("{ADDRESS}:0"),
        ))
        .unwrap();
    let sb = Sandbox::new();
    let profile = sb.tmp.path().join("sesame.mobileconfig");
    std::fs::write(&profile, mobileconfig(&sim, App::Public, &sb.log_path)).unwrap();
    // The profile, root and log every program of this test shares.
    let world = |program: &Path, command: &str| {
        let mut cmd = Command::new(program);
        cmd.arg(command)
            .arg("--profile")
            .arg(&profile)
            .arg("--root")
            .arg(&sb.root)
            .arg("--log-path")
            .arg(&sb.log_path);
        cmd
    };
    let login = run_fed(
        world(&agent_binary(), "login").args(["--native", "--user", ADELE, "--password-stdin"]),
        &format!("{ADELE_PASSWORD}\n"),
    );
    assert!(
        login.status.success(),
        "login: {}",
        String::from_utf8_lossy(&login.stderr)
    );
    sim.clear_sign_ins();

    let state_dir = sb.tmp.path().join("menubar-state");
    let log = sb.tmp.path().join("daemon.log");
    let out = std::fs::File::create(&log).unwrap();
    let mut daemon = Daemon(
        world(Path::new(env!("CARGO_BIN_EXE_sesame-menubar")), "run")
            .arg("--state-dir")
            .arg(&state_dir)
            .args(["--user", ADELE])
            .env("SESAME_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap(),
        log.clone(),
    );
    wait_for(&state_dir, "the daemon saves its first due time", |r| {
        r["next_due"].is_string()
    });
    let start = std::time::SystemTime::now();
    while !daemon.log().contains("running") {
        assert!(
            start.elapsed().unwrap() < Duration::from_secs(20),
            "{}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let first = record(&state_dir);
    assert!(first["last_event"].is_null(), "{first}");

    // A second address: a network change, re-drawn once (one burst).
    ip(&["addr", "add", "10.77.0.2/24", "dev", "wifi0"]);
    wait_for(&state_dir, "an address change is a network change", |r| {
        r["last_event"].is_string()
    });
    let after_address = record(&state_dir);
    assert_eq!(after_address["draws"], first["draws"].as_u64().unwrap() + 1);
    assert_eq!(after_address["event_pending"], true);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        record(&state_dir)["draws"],
        after_address["draws"],
        "one burst, one re-draw"
    );

    // "Check now" without a default route: nothing reaches Entra.
    daemon.signal(libc::SIGUSR1);
    wait_for(&state_dir, "the check without a route says offline", |r| {
        r["state"] == "offline"
    });
    assert!(sim.sign_ins().is_empty(), "{:?}", sim.sign_ins());

    // The default route appears: the kernel's messages make a network change.
    let before_route = record(&state_dir)["last_event"].clone();
    ip(&["route", "add", "default", "dev", "wifi0"]);
    wait_for(&state_dir, "a new default route is a network change", |r| {
        r["last_event"] != before_route
    });
    assert!(daemon.log().contains("NetworkChanged"), "{}", daemon.log());

    // Now "Check now" sends exactly one request, from a child process.
    daemon.signal(libc::SIGUSR1);
    wait_for(&state_dir, "the check with a route reaches Entra", |r| {
        r["state"] == "in_sync"
    });
    assert_eq!(sim.sign_ins().len(), 1, "one check, one request");

    // SIGTERM ends the daemon between checks, with exit status 0.
    daemon.signal(libc::SIGTERM);
    let status = daemon.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
