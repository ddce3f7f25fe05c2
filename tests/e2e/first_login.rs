//! The login agent's first sign-in, end to end and as a person does it: real
//! Chromium on entra-sim's pages over HTTPS (user name → password → TOTP),
//! the code exchange, the ID token, the password check (MFA interrupt,
//! AADSTS50076), an admin account on a sandbox root (real shadow tools), the
//! password in the kernel keyring — read back by another process — and the
//! sync log.
// Drives the Linux account backend (shadow tools on a sandbox root) and kernel keyring.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use secrecy::ExposeSecret;
use sesame_core::identity::EntraId;
use sesame_e2e::login::*;
use sesame_e2e::secret;
use sesame_e2e::world::*;
use sesame_platform::{AccountDirectory, InMemorySecretStore, KeyringSecretStore, SecretStore};
use sesame_synclog::{Component, EventKind, Verdict, read_log};
use sha2::{Digest, Sha256};

const READ_FOR: &str = "SESAME_E2E_READ_KEYRING_FOR";

/// Not a test of its own: the parent re-executes this binary to run it, so
/// the stored password is read by another process than the one that wrote
/// it. Prints the SHA-256 of what it found (never the password).
#[test]
#[ignore = "run by first_login_creates_a_bound_admin_account in a child process"]
fn child_reads_the_keyring() {
    let user = std::env::var(READ_FOR).expect("run by the parent test");
    let store = KeyringSecretStore::kernel_keyring().expect("kernel keyring");
    let found = store.read(&user).expect("keyring read");
    let hash = found.map(|p| hex(&Sha256::digest(p.expose_secret().as_bytes())));
    println!("KEYRING:{}", hash.unwrap_or_else(|| "none".into()));
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What another process finds in the keyring for `user`.
fn read_in_child(user: &str) -> String {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_reads_the_keyring",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(READ_FOR, user)
        .output()
        .expect("re-run the test binary");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "child failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .find_map(|l| l.split_once("KEYRING:").map(|(_, h)| h.trim().to_owned()))
        .unwrap_or_else(|| panic!("no KEYRING line from the child: {text}"))
}

#[tokio::test]
async fn first_login_creates_a_bound_admin_account() {
    require_root();
    // Single-threaded runtime: the keyring join applies to this thread, which
    // runs every secret-store call and starts the child reader.
    assert!(join_fresh_session_keyring(), "no session keyring");
    let store = KeyringSecretStore::kernel_keyring().expect("kernel keyring");
    let _ = store.delete("megan");
    assert_eq!(read_in_child("megan"), "none", "the keyring starts empty");

    let sim = Arc::new(start_sim().await);
    let sb = Sandbox::new();
    let mut agent = agent(&mobileconfig(&sim, App::Public, &sb.log_path));
    let mut web = person(
        &sim,
        vec![
            Act::User(MEGAN.into()),
            pw(MEGAN_PASSWORD),
            Act::Totp(MEGAN.into()),
        ],
    );
    let mut script = Script::new(vec![]);
    let out = web_login(&mut agent, &mut web, &sb, &store, &mut script).await;

    // What `sesame-agent login --json` reports.
    assert!(out.is_ready(), "{out:?}");
    assert_eq!(out.upn.as_deref(), Some(MEGAN));
    assert_eq!(out.oid.as_deref(), Some(MEGAN_OID));
    assert_eq!(out.short_name.as_deref(), Some("megan"));
    assert_eq!(out.admin, Some(true));
    assert!(
        out.admin_why.as_deref().unwrap().contains(MAC_ADMINS),
        "{:?}",
        out.admin_why
    );
    let proved = out.proved.clone().unwrap();
    assert!(
        proved.contains("AADSTS50076"),
        "CA's MFA on the password check: {proved}"
    );

    // What an admin sees on the machine.
    let entry = sb.passwd_entry("megan").expect("megan in etc/passwd");
    assert!(entry[2].parse::<u32>().unwrap() >= 1000);
    assert!(sb.group_members("sudo").contains(&"megan".to_owned()));
    let id = EntraId {
        oid: MEGAN_OID.into(),
        tid: TID.into(),
    };
    let account = sb
        .dir
        .find_by_identity(&id)
        .unwrap()
        .expect("bound account");
    assert_eq!(account.short_name, "megan");
    assert!(
        sb.dir
            .verify_password("megan", &secret(MEGAN_PASSWORD))
            .unwrap()
    );
    assert!(
        !sb.root.join("var/lib/sesame/journal.json").exists(),
        "journal left behind"
    );

    // The menu-bar daemon (another process) finds the password in the keyring.
    assert_eq!(
        read_in_child("megan"),
        hex(&Sha256::digest(MEGAN_PASSWORD.as_bytes()))
    );

    // The sync log tells the story, one event per step, no failure.
    let report = read_log(&sb.log_path).unwrap();
    assert!(report.corrupt.is_empty(), "{:?}", report.corrupt);
    let kinds: Vec<&str> = report.events.iter().map(|e| e.event.name()).collect();
    assert_eq!(
        kinds,
        [
            "login_started",
            "sign_in",
            "redirect_captured",
            "code_exchanged",
            "token_validated",
            "groups_resolved",
            "password_obtained",
            "password_check",
            "account_planned",
            "account_created",
            "keychain_updated"
        ]
    );
    assert!(
        report
            .events
            .iter()
            .all(|e| e.component == Component::Agent)
    );
    assert!(
        report
            .events
            .iter()
            .all(|e| e.verdict != Some(Verdict::Fail))
    );
    let check = report
        .events
        .iter()
        .find(|e| e.event == EventKind::PasswordCheck)
        .unwrap();
    assert_eq!(check.verdict, Some(Verdict::VerifiedInterrupted));
    assert_eq!(check.codes, [50076]);
    assert!(
        check.correlation_id.is_some(),
        "correlation ID for Microsoft support"
    );
    let created = report
        .events
        .iter()
        .find(|e| e.event == EventKind::AccountCreated)
        .unwrap();
    assert!(created.message.contains(MEGAN_OID), "{}", created.message);
    assert_eq!(
        created.user.as_ref().unwrap().short_name.as_deref(),
        Some("megan")
    );
    store.delete("megan").unwrap();
}

/// The cloud password changed since the last sign-in; the person types only
/// the new one. The stored password proves the old local one, and the local
/// and stored passwords move together (this used to change the local password
/// and then fail to store).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_again_after_a_cloud_change_needs_no_old_password() {
    require_root();
    let store = InMemorySecretStore::new();
    let sim = Arc::new(start_sim().await);
    let sb = Sandbox::new();
    let mut agent = agent(&mobileconfig(&sim, App::Public, &sb.log_path));
    let mut web = person(&sim, vec![Act::User(ADELE.into()), pw(ADELE_PASSWORD)]);
    let first = web_login(&mut agent, &mut web, &sb, &store, &mut Script::new(vec![])).await;
    assert!(first.is_ready(), "{first:?}");
    let passwd_before = sb.read("etc/passwd");

    let changed = "Adele-Changed-In-Cloud-8";
    sim.set_password(ADELE, changed).unwrap();
    let mut web = person(&sim, vec![Act::User(ADELE.into()), pw(changed)]);
    let again = web_login(&mut agent, &mut web, &sb, &store, &mut Script::new(vec![])).await;
    assert!(again.is_ready(), "{again:?}");
    assert!(matches!(
        again.plan,
        Some(sesame_core::provisioning::Plan::Update(_))
    ));
    assert!(sb.dir.verify_password("adele", &secret(changed)).unwrap());
    assert!(
        !sb.dir
            .verify_password("adele", &secret(ADELE_PASSWORD))
            .unwrap()
    );
    assert_eq!(
        store.read("adele").unwrap().unwrap().expose_secret(),
        changed
    );
    assert_eq!(
        sb.read("etc/passwd"),
        passwd_before,
        "same account, same UID and home"
    );
    let log = read_log(&sb.log_path).unwrap();
    let planned = log
        .events
        .iter()
        .rfind(|e| e.event == EventKind::AccountPlanned)
        .unwrap();
    assert!(
        planned.message.contains("taken from the secret store"),
        "{}",
        planned.message
    );
}

/// Nothing in the store matches the old local password: the person is asked
/// for it once, and both passwords change together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_old_password_is_asked_for_never_reset_silently() {
    require_root();
    let store = InMemorySecretStore::new();
    let sim = Arc::new(start_sim().await);
    let sb = Sandbox::new();
    let mut agent = agent(&mobileconfig(&sim, App::Public, &sb.log_path));
    let mut web = person(&sim, vec![Act::User(ADELE.into()), pw(ADELE_PASSWORD)]);
    assert!(
        web_login(&mut agent, &mut web, &sb, &store, &mut Script::new(vec![]))
            .await
            .is_ready()
    );
    store.delete("adele").unwrap();
    store.store("adele", &secret("Something-Stale-1")).unwrap();

    let changed = "Adele-Changed-Again-9";
    sim.set_password(ADELE, changed).unwrap();
    let mut web = person(&sim, vec![Act::User(ADELE.into()), pw(changed)]);
    let mut script = Script::new(vec![
        Ask::OldLocal(Some("not-it".into())),
        Ask::OldLocal(Some(ADELE_PASSWORD.into())),
    ]);
    let out = web_login(&mut agent, &mut web, &sb, &store, &mut script).await;
    assert!(out.is_ready(), "{out:?}");
    assert!(
        script.shown[0].contains("previous password"),
        "{:?}",
        script.shown
    );
    assert!(script.shown[1].contains("Try again"), "{:?}", script.shown);
    assert!(sb.dir.verify_password("adele", &secret(changed)).unwrap());
    assert_eq!(
        store.read("adele").unwrap().unwrap().expose_secret(),
        changed
    );
}
