//! The sync as a real user lives it on Linux: `sesame-menubar sync` runs as
//! the user (no root), so the local password is changed the user's own way,
//! with the setuid `passwd` and the current password. The machine is a copy
//! of this host's /etc (with the test user and its shadow line) bind-mounted
//! over /etc in a private mount namespace: nothing of the host changes.
//!
//! - the cloud password verified, `passwd` changes the local one: the shadow
//!   hash changed and checks with the new password only, the secret store
//!   holds the new password;
//! - the stored old password is not the local one: nothing changes (shadow
//!   line byte for byte, stored password), and the user is told what to do;
//! - the local password rules refuse the new password: nothing changes, and
//!   the message names the rule's reason.
// Mount namespaces, setuid passwd, the kernel keyring: Linux only.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use entra_sim::{Sim, SimOptions};
use secrecy::{ExposeSecret, SecretString};
use sesame_core::identity::EntraId;
use sesame_core::provisioning::{Binding, Origin};
use sesame_e2e::secret;
use sesame_e2e::world::*;
use sesame_platform::{AccountDirectory, AccountSpec, KeyringSecretStore, SecretStore};
use sesame_platform::{PasswordPath, ShadowDirectory};

const NEW: &str = "Adele-New-Cloud-7";
const STALE: &str = "Stale-Stored-Pass-9";
const USER_SIDE: &str = "SESAME_SYNC_USER_SIDE";
const RESULT: &str = "USER_SIDE_RESULT ";

/// The machine: `root/etc` (a copy of /etc with adele), `root/var/lib`
/// (Sesame's binding), and the user's own folders.
struct Machine {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    profile: PathBuf,
    log: PathBuf,
    state: PathBuf,
    uid: u32,
    gid: u32,
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Machine {
    fn new(sim: &entra_sim::SimHandle) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let root = tmp.path().join("root");
        std::fs::create_dir_all(root.join("var/lib")).unwrap();
        std::fs::create_dir_all(root.join("home")).unwrap();
        run_ok(
            Command::new("/bin/cp")
                .arg("-a")
                .arg("/etc")
                .arg(root.join("etc")),
        );
        // Root sets the machine up the way the login agent would.
        let dir = ShadowDirectory::new(&root);
        assert_eq!(dir.password_path(), PasswordPath::Privileged);
        dir.create(&AccountSpec {
            short_name: "adele".into(),
            uid: 4242,
            full_name: "Adele Vance".into(),
            home: "/home/adele".into(),
        })
        .unwrap();
        dir.set_password("adele", &secret(ADELE_PASSWORD), None)
            .unwrap();
        let binding = Binding {
            id: EntraId {
                oid: "b2000000-0000-4000-8000-000000000002".into(),
                tid: sim.tenant_id(),
            },
            upn: ADELE.into(),
            origin: Origin::Created,
            admin_by_sesame: false,
            admin_reason: None,
            last_sync: None,
        };
        // The apply journal, written before the binding, makes the state
        // folder 0700; binding must open it to the daemon (a user).
        let state_folder = root.join("var/lib/sesame");
        std::fs::create_dir_all(&state_folder).unwrap();
        std::fs::set_permissions(&state_folder, std::fs::Permissions::from_mode(0o700)).unwrap();
        dir.bind("adele", Some(&binding)).unwrap();
        let gid = passwd_field(&root, 3);
        // The user's own folders (the daemon's state and the sync log).
        let (log_dir, state) = (tmp.path().join("log"), tmp.path().join("state"));
        for d in [&log_dir, &state] {
            std::fs::create_dir_all(d).unwrap();
            std::os::unix::fs::chown(d, Some(4242), Some(gid)).unwrap();
        }
        let log = log_dir.join("sesame.log");
        let profile = tmp.path().join("sesame.mobileconfig");
        std::fs::write(&profile, mobileconfig(sim, App::Public, &log)).unwrap();
        Self {
            _tmp: tmp,
            root,
            profile,
            log,
            state,
            uid: 4242,
            gid,
        }
    }

    fn shadow_line(&self) -> String {
        std::fs::read_to_string(self.root.join("etc/shadow"))
            .unwrap()
            .lines()
            .find(|l| l.starts_with("adele:"))
            .expect("adele in the shadow file")
            .to_owned()
    }

    fn local_is(&self, pw: &str) -> bool {
        ShadowDirectory::new(&self.root)
            .verify_password("adele", &secret(pw))
            .unwrap()
    }

    /// The local password rules of the machine: pam_unix's minimum length.
    fn require_min_length(&self, n: u32) {
        let path = self.root.join("etc/pam.d/common-password");
        let text = std::fs::read_to_string(&path).unwrap();
        let rule = text
            .lines()
            .find(|l| l.starts_with("password") && l.contains("pam_unix.so"))
            .expect("pam_unix in common-password")
            .split(" minlen=")
            .next()
            .unwrap()
            .to_owned();
        let changed: Vec<String> = text
            .lines()
            .map(|l| {
                if l.starts_with("password") && l.contains("pam_unix.so") {
                    format!("{rule} minlen={n}")
                } else {
                    l.to_owned()
                }
            })
            .collect();
        std::fs::write(&path, changed.join("\n") + "\n").unwrap();
    }

    /// Runs the user side as adele in a private mount namespace where this
    /// machine's /etc and /var/lib are the ones above. `stored` is put in
    /// adele's secret store first; `typed` is what adele types to `sync`
    /// (the new password, and optionally the current local one).
    fn sync_as_adele(&self, stored: &str, typed: &str) -> serde_json::Value {
        let me = std::env::current_exe().unwrap();
        let script = r#"mount --bind "$0/etc" /etc && mount --bind "$0/var/lib" /var/lib && exec /usr/bin/setpriv --reuid="$1" --regid="$2" --init-groups -- "$3" --exact user_side --nocapture --test-threads=1"#;
        let args = serde_json::json!({
            "menubar": env!("CARGO_BIN_EXE_sesame-menubar"),
            "profile": self.profile,
            "log": self.log,
            "state": self.state,
        });
        let mut cmd = Command::new("/usr/bin/unshare");
        cmd.args([
            "--mount",
            "--propagation",
            "private",
            "--",
            "/bin/sh",
            "-c",
            script,
        ])
        .arg(&self.root)
        .arg(self.uid.to_string())
        .arg(self.gid.to_string())
        .arg(me)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env(USER_SIDE, args.to_string());
        let out = run_fed(&mut cmd, &format!("{stored}\n{typed}\n"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.split_once(RESULT).map(|(_, r)| r))
            .unwrap_or_else(|| {
                panic!(
                    "the user side did not report: {stdout}\n{}",
                    String::from_utf8_lossy(&out.stderr)
                )
            });
        serde_json::from_str(line).unwrap()
    }
}

fn passwd_field(root: &Path, n: usize) -> u32 {
    std::fs::read_to_string(root.join("etc/passwd"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("adele:"))
        .and_then(|l| l.split(':').nth(n))
        .and_then(|f| f.parse().ok())
        .expect("adele in the passwd file")
}

fn assert_nothing_changed(m: &Machine, before: &str, r: &serde_json::Value, stored: &str) {
    assert_eq!(r["code"], 1, "the user must act: {r}");
    assert_eq!(m.shadow_line(), before, "the shadow line is byte-identical");
    assert!(m.local_is(ADELE_PASSWORD) && !m.local_is(NEW));
    assert_eq!(r["stored"], stored, "the stored password is untouched: {r}");
    assert_eq!(r["parked"], false, "no parked copy left behind: {r}");
    assert!(
        !m.state.join("adele.sync-journal.json").exists(),
        "no journal left: the refusal was settled at once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_changes_their_own_password_and_a_refusal_changes_nothing() {
    require_root();
    let sim = Sim::start(tenant(), SimOptions { tls: true })
        .await
        .unwrap();
    sim.set_password(ADELE, NEW).unwrap();
    let m = Machine::new(&sim);
    let before = m.shadow_line();

    // The stored password is stale (changed locally by hand): passwd refuses
    // it as the current password; nothing changes.
    let r = tokio::task::block_in_place(|| m.sync_as_adele(STALE, NEW));
    assert_nothing_changed(&m, &before, &r, "stale");
    let said = r["stderr"].as_str().unwrap();
    assert!(
        said.contains("is no longer the local password of 'adele'")
            && said.contains("give your current local password too"),
        "{said}"
    );

    // Adele types a wrong current local password: refused before Entra is
    // even asked (pam_unix's own helper checks it, as the user).
    let asked = sim.sign_ins().len();
    let r =
        tokio::task::block_in_place(|| m.sync_as_adele(ADELE_PASSWORD, &format!("{NEW}\n{STALE}")));
    assert_nothing_changed(&m, &before, &r, "old");
    let said = r["stderr"].as_str().unwrap();
    assert!(
        said.contains("the current local password given for 'adele' is not right"),
        "{said}"
    );
    assert_eq!(sim.sign_ins().len(), asked, "no request to Entra");

    // This machine's rules want 20 characters; the cloud password has 17.
    m.require_min_length(20);
    let r = tokio::task::block_in_place(|| m.sync_as_adele(ADELE_PASSWORD, NEW));
    assert_nothing_changed(&m, &before, &r, "old");
    let said = r["stderr"].as_str().unwrap();
    assert!(
        said.contains("this computer's password rules refused")
            && said.contains("You must choose a longer password")
            && said.contains("sign out and sign in with your new Microsoft password"),
        "{said}"
    );

    // Rules back to the distribution's: the sync goes through, as the user.
    m.require_min_length(6);
    let r = tokio::task::block_in_place(|| m.sync_as_adele(ADELE_PASSWORD, NEW));
    assert_eq!(r["code"], 0, "{r}");
    assert_ne!(m.shadow_line(), before, "the shadow hash changed");
    assert!(m.local_is(NEW), "the local password is the new cloud one");
    assert!(!m.local_is(ADELE_PASSWORD), "the old one no longer works");
    assert_eq!(r["stored"], "new", "{r}");
    assert_eq!(r["parked"], false);

    // The sync log tells the helpdesk and holds no password.
    let log = std::fs::read_to_string(&m.log).unwrap();
    assert!(log.contains("NOT changed"), "{log}");
    assert!(log.contains("\"keychain_updated\""), "{log}");
    for pw in [ADELE_PASSWORD, NEW, STALE] {
        for (form, text) in sesame_e2e::scan::encoded_forms(pw) {
            assert!(!log.contains(&text), "{form} of a password in the sync log");
        }
    }
}

/// Not a test by itself: the user side of the test above, which runs this
/// binary again as adele (`SESAME_SYNC_USER_SIDE` set). Seeds adele's own
/// session keyring, runs `sesame-menubar sync` and reports what it saw.
#[test]
fn user_side() {
    let Ok(args) = std::env::var(USER_SIDE) else {
        return;
    };
    let args: serde_json::Value = serde_json::from_str(&args).unwrap();
    assert_ne!(
        unsafe { libc::geteuid() },
        0,
        "the user side runs as the user"
    );
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap();
    let (stored, typed) = input.split_once('\n').unwrap();
    assert!(sesame_platform::secrets::join_fresh_session_keyring().is_ok());
    let store = KeyringSecretStore::kernel_keyring().unwrap();
    store.store("adele", &secret(stored)).unwrap();
    let s = |k: &str| args[k].as_str().unwrap().to_owned();
    let mut cmd = Command::new(s("menubar"));
    cmd.args(["--profile", &s("profile"), "--log-path", &s("log")])
        .args(["--state-dir", &s("state"), "sync", "--password-stdin"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin");
    let out = run_fed(&mut cmd, typed);
    let now: Option<SecretString> = store.read("adele").unwrap();
    let which = match now.as_ref().map(|p| p.expose_secret().to_owned()) {
        Some(p) if p == ADELE_PASSWORD => "old",
        Some(p) if p == NEW => "new",
        Some(p) if p == STALE => "stale",
        Some(_) => "other",
        None => "none",
    };
    let parked = store.read("adele#sync-pending").unwrap().is_some();
    store.delete("adele").unwrap();
    println!(
        "{RESULT}{}",
        serde_json::json!({
            "code": out.status.code(),
            "stdout": String::from_utf8_lossy(&out.stdout),
            "stderr": String::from_utf8_lossy(&out.stderr),
            "stored": which,
            "parked": parked,
        })
    );
}
