//! End to end, as a user lives it: `sesame-agent login` makes the account
//! and stores the password; Conditional Access then demands MFA and
//! `sesame-menubar check-now` still says in sync (AADSTS50076 comes only
//! after a right password); the cloud password changes and check-now sends
//! the old password exactly once (one failed sign-in in the tenant's log),
//! a second check-now sends nothing; `sync` with the new password updates
//! the local password and the secret store.
// Sandbox roots (shadow tools via --root) and the kernel keyring: Linux only.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/cli.rs"]
mod cli;

use std::path::PathBuf;
use std::process::Output;

use cli::{json, login};
use entra_sim::{CaState, Sim, SimHandle, SimOptions, Tenant};
use secrecy::ExposeSecret;
use sesame_e2e::secret;
use sesame_e2e::world::*;
use sesame_platform::{AccountDirectory, KeyringSecretStore, SecretStore};

const CA_ALL: &str = "Require MFA for everyone (test)";
const NEW_PASSWORD: &str = "Adele-New-Cloud-7";

async fn sim_with_ca_toggle() -> SimHandle {
    // Adele has registered an authenticator, so MFA demanded is 50076
    // (without one it would be 50079, registration required).
    let demo = entra_sim::DEMO_TENANT_TOML.replace(
        "family_name = \"Vance\"",
        "family_name = \"Vance\"\nmfa = \"totp:JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\"",
    );
    assert_ne!(
        demo,
        entra_sim::DEMO_TENANT_TOML,
        "Adele's entry changed in the demo tenant"
    );
    let toml = format!(
        "{demo}\n[[conditional_access]]\nname = \"{CA_ALL}\"\nstate = \"off\"\ninclude_apps = \"all\"\ninclude_users = \"all\"\ngrant = \"mfa\"\n"
    );
    let tenant = Tenant::from_toml_str(&toml, "menubar e2e").unwrap();
    Sim::start(tenant, SimOptions { tls: true }).await.unwrap()
}

struct World {
    sb: Sandbox,
    profile: PathBuf,
    state_dir: PathBuf,
}

impl World {
    fn menubar(&self, args: &[&str], stdin: &str) -> Output {
        cli::menubar(&self.sb, &self.profile, &self.state_dir, args, stdin)
    }

    fn check_now(&self) -> (Option<i32>, serde_json::Value) {
        let out = self.menubar(&["check-now", "--json"], "");
        (out.status.code(), json(&out))
    }
}

fn failed_sign_ins(sim: &SimHandle) -> Vec<u32> {
    sim.sign_ins()
        .iter()
        .filter(|s| s.status == "Failure")
        .map(|s| s.error_code)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_then_mfa_in_sync_then_one_failed_sign_in_then_sync() {
    // This thread's fresh session keyring is inherited by both binaries.
    assert!(join_fresh_session_keyring(), "no session keyring");
    require_root();
    let sim = sim_with_ca_toggle().await;
    let sb = Sandbox::new();
    let profile = sb.tmp.path().join("sesame.mobileconfig");
    std::fs::write(&profile, mobileconfig(&sim, App::Public, &sb.log_path)).unwrap();
    let w = World {
        state_dir: sb.tmp.path().join("menubar-state"),
        sb,
        profile,
    };
    login(&w.sb, &w.profile);
    let store = KeyringSecretStore::kernel_keyring().unwrap();
    assert_eq!(
        store.read("adele").unwrap().unwrap().expose_secret(),
        ADELE_PASSWORD
    );

    // Conditional Access now demands MFA: the password is still right.
    sim.set_ca_state(CA_ALL, CaState::On).unwrap();
    sim.clear_sign_ins();
    let (code, j) = w.check_now();
    assert_eq!(j["state"], "in_sync", "{j}");
    assert_eq!(j["code"], 50076, "{j}");
    assert_eq!(j["sent"], true);
    assert_eq!(code, Some(0));
    let rows = sim.sign_ins();
    assert_eq!(rows.len(), 1, "one check, one request");
    assert_eq!(rows[0].status, "Interrupted");
    assert!(failed_sign_ins(&sim).is_empty());

    // The user changes the cloud password elsewhere.
    sim.set_password(ADELE, NEW_PASSWORD).unwrap();
    sim.clear_sign_ins();
    let (code, j) = w.check_now();
    assert_eq!(j["state"], "cloud_password_changed", "{j}");
    assert_eq!(j["code"], 50126);
    assert_eq!(code, Some(1), "the user must act");
    assert_eq!(
        failed_sign_ins(&sim),
        vec![50126],
        "exactly one failed sign-in"
    );

    // Check now again: nothing is sent, the state stays.
    let (code, j) = w.check_now();
    assert_eq!(j["state"], "cloud_password_changed", "{j}");
    assert_eq!(j["sent"], false);
    assert_eq!(code, Some(1));
    assert_eq!(sim.sign_ins().len(), 1, "the second check-now sent nothing");
    let status = json(&w.menubar(&["status", "--json"], ""));
    assert_eq!(status["state"], "cloud_password_changed");
    let labels: Vec<_> = status["menu"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        labels.iter().any(|l| l == "Type New Password…"),
        "{labels:?}"
    );

    // A wrong new password is refused and changes nothing.
    let out = w.menubar(&["sync", "--password-stdin"], "Not-The-New-One-1\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was changed"));
    assert!(
        w.sb.dir
            .verify_password("adele", &secret(ADELE_PASSWORD))
            .unwrap()
    );

    // Sync with the new password: local and stored updated.
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
    assert_eq!(json(&out)["state"], "in_sync");
    assert!(
        w.sb.dir
            .verify_password("adele", &secret(NEW_PASSWORD))
            .unwrap()
    );
    assert!(
        !w.sb
            .dir
            .verify_password("adele", &secret(ADELE_PASSWORD))
            .unwrap()
    );
    assert_eq!(
        store.read("adele").unwrap().unwrap().expose_secret(),
        NEW_PASSWORD
    );
    assert!(store.read("adele#sync-pending").unwrap().is_none());

    // And the next check is in sync with the new password.
    sim.clear_sign_ins();
    let (_, j) = w.check_now();
    assert_eq!(j["state"], "in_sync", "{j}");
    assert!(failed_sign_ins(&sim).is_empty());

    // The sync log names each step and holds no password.
    let log = std::fs::read_to_string(&w.sb.log_path).unwrap();
    for pw in [ADELE_PASSWORD, NEW_PASSWORD, "Not-The-New-One-1"] {
        for (form, text) in sesame_e2e::scan::encoded_forms(pw) {
            assert!(!log.contains(&text), "{form} of a password in the sync log");
        }
    }
    for event in [
        "\"password_changed\"",
        "\"keychain_updated\"",
        "\"component\":\"menubar\"",
    ] {
        assert!(log.contains(event), "{event} missing from the sync log");
    }
    store.delete("adele").unwrap();
}
