//! The Secret Service backend for real: a private session bus
//! (`dbus-daemon`) and GNOME Keyring (`gnome-keyring-daemon`) started by the
//! test in a temp dir, torn down at the end. The Secret Service client only
//! takes its bus from `DBUS_SESSION_BUS_ADDRESS`, so this file holds exactly
//! one test: setting the variable here cannot race another test.

#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod secret_contract;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use secret_contract::contract;
use sesame_platform::secrets::LinuxSecretBackend;
use sesame_platform::{KeyringSecretStore, SecretStore};

const UNLOCK_PASSWORD: &str = "keyring-unlock-Pa55";

/// Kills and reaps a daemon when dropped, also when the test panics.
struct Daemon {
    name: &'static str,
    child: Child,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(name: &'static str, command: &mut Command) -> Daemon {
    match command.spawn() {
        Ok(child) => Daemon { name, child },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "{name} is not installed: run .ci/install-deps (apt packages dbus and gnome-keyring)"
        ),
        Err(e) => panic!("could not start {name}: {e}"),
    }
}

/// A session bus of our own; returns it and its address. Its configuration
/// has no service directories, so nothing is auto-started on it (the
/// system's `org.freedesktop.secrets` activation file would start a keyring
/// daemon outside the test's control).
fn start_bus(dir: &Path) -> (Daemon, String) {
    let config = dir.join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
            dir.join("bus").display()
        ),
    )
    .unwrap();
    let mut bus = spawn(
        "dbus-daemon",
        Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nosyslog", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped()),
    );
    let mut line = String::new();
    BufReader::new(bus.child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line.trim().to_owned();
    assert!(address.starts_with("unix:"), "dbus-daemon printed {line:?}");
    (bus, address)
}

/// GNOME Keyring's secrets component on `address`, its login keyring kept
/// in `dir` and unlocked with [`UNLOCK_PASSWORD`]. Waits until it owns
/// `org.freedesktop.secrets`.
fn start_keyring(dir: &Path, address: &str) -> Daemon {
    let mut keyring = spawn(
        "gnome-keyring-daemon",
        Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", dir)
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_RUNTIME_DIR", dir)
            .env("DBUS_SESSION_BUS_ADDRESS", address)
            .stdin(Stdio::piped())
            .stdout(Stdio::null()),
    );
    // The unlock password arrives on stdin; closing it ends the input.
    let mut stdin = keyring.child.stdin.take().unwrap();
    stdin.write_all(UNLOCK_PASSWORD.as_bytes()).unwrap();
    drop(stdin);

    let deadline = Instant::now() + Duration::from_secs(20);
    while !name_has_owner(address, "org.freedesktop.secrets") {
        if let Some(status) = keyring.child.try_wait().unwrap() {
            panic!("{} exited early: {status}", keyring.name);
        }
        assert!(
            Instant::now() < deadline,
            "GNOME Keyring did not appear on the bus"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    keyring
}

fn dbus_send(address: &str, args: &[&str]) -> String {
    let out = Command::new("dbus-send")
        .arg(format!("--bus={address}"))
        .arg("--print-reply")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("dbus-send: {e}; run .ci/install-deps (apt package dbus)"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn name_has_owner(address: &str, name: &str) -> bool {
    dbus_send(
        address,
        &[
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &format!("string:{name}"),
        ],
    )
    .contains("boolean true")
}

/// Asks the Secret Service directly (not through Sesame's client) for the
/// items filed under Sesame's service for `user`.
fn items_on_the_service(address: &str, user: &str) -> usize {
    let reply = dbus_send(
        address,
        &[
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.SearchItems",
            &format!(
                "dict:string:string:service,{},username,{user}",
                sesame_platform::secrets::SERVICE
            ),
        ],
    );
    reply
        .matches("object path \"/org/freedesktop/secrets/collection/")
        .count()
}

fn join_fresh_session_keyring() {
    sesame_platform::secrets::join_fresh_session_keyring().expect("join a session keyring");
}

#[test]
fn secret_service_keeps_the_contract_persists_and_falls_back_when_gone() {
    let dir = tempfile::tempdir().unwrap();
    let (_bus, address) = start_bus(dir.path());
    // SAFETY: the only test in this binary, and no other thread of it reads
    // the environment.
    unsafe { std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &address) };
    // The kernel keyring fallback below needs a session keyring.
    join_fresh_session_keyring();

    let keyring = start_keyring(dir.path(), &address);
    let (store, choice) = KeyringSecretStore::for_this_session().unwrap();
    assert_eq!(
        choice.backend,
        LinuxSecretBackend::SecretService,
        "{choice:?}"
    );
    assert!(choice.reason.contains(&address), "{}", choice.reason);

    contract(&store, "ada");

    // The item is really in the Secret Service (found by a plain D-Bus
    // client), and not in the kernel keyring.
    let password = SecretString::from("kept-Pa55".to_owned());
    store.store("grace", &password).unwrap();
    assert_eq!(items_on_the_service(&address, "grace"), 1);
    assert_eq!(
        items_on_the_service(&address, "ada"),
        0,
        "delete left an item"
    );
    let kernel = KeyringSecretStore::kernel_keyring().unwrap();
    assert!(kernel.read("grace").unwrap().is_none());

    // It survives the keyring daemon restarting (a reboot, a new login).
    drop(store);
    drop(keyring);
    let deadline = Instant::now() + Duration::from_secs(10);
    while name_has_owner(&address, "org.freedesktop.secrets") {
        assert!(Instant::now() < deadline, "GNOME Keyring did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }

    // With the bus but no Secret Service on it: the kernel keyring, and the
    // choice says why.
    let (fallback, choice) = KeyringSecretStore::for_this_session().unwrap();
    assert_eq!(
        choice.backend,
        LinuxSecretBackend::KernelKeyring,
        "{choice:?}"
    );
    assert!(
        choice.reason.contains("did not answer"),
        "{}",
        choice.reason
    );
    assert!(fallback.read("grace").unwrap().is_none());

    let _keyring = start_keyring(dir.path(), &address);
    let store = KeyringSecretStore::secret_service().unwrap();
    assert_eq!(
        store.read("grace").unwrap().unwrap().expose_secret(),
        "kept-Pa55"
    );
    // Storing again is refused, never a silent reset.
    assert!(store.store("grace", &password).is_err());
    store.delete("grace").unwrap();
    assert_eq!(items_on_the_service(&address, "grace"), 0);
}
