//! Not tuned to our own simulator: the whole login flow — web sign-in in real
//! Chromium on the provider's own pages, the password checked by its
//! password grant for the person who signed in, the account made in a
//! sandbox root, the password stored, the sync log — against an OpenID
//! provider not written here (panva's certified `oidc-provider` on
//! loopback), named by the profile's `OIDCDiscoveryURL`. The person is bound
//! by `iss` + `sub`; Entra-only steps (Graph overage, AADSTS, v1/v2) step
//! aside; group rules fail closed without a groups claim.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use sesame_agent::outcome::Ending;
use sesame_core::login::DenyKind;
use sesame_e2e::login::*;
use sesame_e2e::secret;
use sesame_e2e::world::*;
use sesame_oidc_harness::{ALICE, BOB, CLIENT_ID, OidcProvider, REDIRECT_URI};
use sesame_platform::{AccountDirectory, InMemorySecretStore, KeyringSecretStore, SecretStore};
use sesame_synclog::{EventKind, Verdict, read_log};

async fn provider() -> OidcProvider {
    tokio::task::spawn_blocking(OidcProvider::start)
        .await
        .unwrap()
        .expect("oidc-provider starts (node + npm ci; run .ci/install-deps)")
}

fn profile(op: &OidcProvider, sb: &Sandbox, extra: &str) -> Vec<u8> {
    mobileconfig_open_id(
        op.discovery_url(),
        CLIENT_ID,
        REDIRECT_URI,
        &sb.log_path,
        extra,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_sign_in_at_another_provider_makes_the_account_bound_by_iss_and_sub() {
    require_root();
    let op = provider().await;
    let sb = Sandbox::new();
    let store = InMemorySecretStore::new();
    let mut agent = agent(&profile(&op, &sb, ""));
    // The provider's development login page takes any password; the one
    // typed there is wrong, so its password grant refuses it and the login
    // window asks again (and never re-sends the refused one).
    let mut web = open_id_person(ALICE.login, "Alice-Mistyped-1");
    let mut script = Script::new(vec![Ask::Password(Some(ALICE.password.into()))]);
    let out = web_login(&mut agent, &mut web, &sb, &store, &mut script).await;
    assert!(out.is_ready(), "{out:?}\nprovider log:\n{}", op.log());
    assert_eq!(out.issuer.as_deref(), Some(op.issuer().as_str()));
    assert_eq!(out.subject.as_deref(), Some(ALICE.sub));
    assert_eq!(out.oid, None, "no Entra object ID at another provider");
    assert_eq!(out.short_name.as_deref(), Some("alice"));
    assert!(
        script
            .shown
            .iter()
            .any(|m| m.contains("password is not right")),
        "the person was told the first password was wrong: {:?}",
        script.shown
    );

    // The local password and the stored one are the verified password.
    assert!(
        sb.dir
            .verify_password("alice", &secret(ALICE.password))
            .unwrap()
    );
    assert_eq!(
        store.read("alice").unwrap().unwrap().expose_secret(),
        ALICE.password
    );
    // Bound by iss + sub on disk, never by a name.
    let state: serde_json::Value =
        serde_json::from_str(&sb.read("var/lib/sesame/accounts.json")).unwrap();
    let id = &state["accounts"]["alice"]["id"];
    assert_eq!(
        id,
        &serde_json::json!({"iss": op.issuer(), "sub": ALICE.sub}),
        "{state}"
    );

    // The helpdesk reads each step, with no AADSTS code invented.
    let events = read_log(&sb.log_path).unwrap().events;
    let kinds: Vec<EventKind> = events.iter().map(|e| e.event).collect();
    for k in [
        EventKind::LoginStarted,
        EventKind::RedirectCaptured,
        EventKind::CodeExchanged,
        EventKind::TokenValidated,
        EventKind::GroupsResolved,
        EventKind::PasswordCheck,
        EventKind::AccountCreated,
        EventKind::KeychainUpdated,
    ] {
        assert!(kinds.contains(&k), "no {} event: {kinds:?}", k.name());
    }
    let token = events
        .iter()
        .find(|e| e.event == EventKind::TokenValidated)
        .unwrap();
    assert!(token.message.contains("iss "), "{}", token.message);
    let checks: Vec<_> = events
        .iter()
        .filter(|e| e.event == EventKind::PasswordCheck)
        .collect();
    assert_eq!(checks.len(), 2, "one wrong, one right: {checks:#?}");
    assert_eq!(checks[0].verdict, Some(Verdict::WrongPassword));
    assert!(checks[0].codes.is_empty(), "{:?}", checks[0].codes);
    assert_eq!(checks[1].verdict, Some(Verdict::Verified));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_groups_claim_the_group_gate_fails_closed() {
    require_root();
    let op = provider().await;
    let sb = Sandbox::new();
    let store = InMemorySecretStore::new();
    let gate = format!("<key>AllowedGroups</key><array><string>{MAC_USERS}</string></array>");
    let mut agent = agent(&profile(&op, &sb, &gate));
    let mut web = open_id_person(ALICE.login, ALICE.password);
    let out = web_login(&mut agent, &mut web, &sb, &store, &mut Script::new(vec![])).await;
    assert_eq!(out.outcome, Ending::Denied, "{out:?}");
    assert_eq!(out.reason, Some(DenyKind::Plan));
    assert!(sb.passwd_entry("alice").is_none(), "no account made");
    assert!(store.read("alice").unwrap().is_none(), "nothing stored");
    let events = read_log(&sb.log_path).unwrap().events;
    let groups = events
        .iter()
        .find(|e| e.event == EventKind::GroupsResolved)
        .unwrap();
    assert!(
        groups.message.contains("OpenID provider") && groups.message.contains("fail closed"),
        "{}",
        groups.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_sign_in_at_another_provider_with_the_binary() {
    require_root();
    // The child inherits this thread's fresh session keyring.
    assert!(join_fresh_session_keyring(), "no session keyring");
    let op = provider().await;
    let sb = Sandbox::new();
    let path = sb.tmp.path().join("oidc.mobileconfig");
    std::fs::write(&path, profile(&op, &sb, "")).unwrap();
    let run = |password: &str| {
        let mut child = agent_command()
            .args(["login", "--profile"])
            .arg(&path)
            .arg("--root")
            .arg(&sb.root)
            .args([
                "--native",
                "--user",
                BOB.login,
                "--password-stdin",
                "--json",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let wrong = run("Not-Bobs-1");
    assert_eq!(wrong.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&wrong.stdout).unwrap();
    assert_eq!(j["reason"], "wrong_password", "{j}");
    assert!(sb.passwd_entry("bob").is_none());

    let ok = run(BOB.password);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(j["outcome"], "ready");
    assert_eq!(j["issuer"], op.issuer().as_str());
    assert_eq!(j["subject"], BOB.sub);
    assert_eq!(j["short_name"], "bob");
    assert!(
        sb.dir
            .verify_password("bob", &secret(BOB.password))
            .unwrap()
    );
    let store = KeyringSecretStore::kernel_keyring().unwrap();
    assert_eq!(
        store.read("bob").unwrap().unwrap().expose_secret(),
        BOB.password
    );
    store.delete("bob").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_is_down_is_a_fault_decided_within_ten_seconds() {
    require_root();
    let op = provider().await;
    let sb = Sandbox::new();
    let store = InMemorySecretStore::new();
    let mut agent = agent(&profile(&op, &sb, ""));
    drop(op); // the provider goes away
    let mut web = open_id_person(ALICE.login, ALICE.password);
    let started = Instant::now();
    let out = web_login(&mut agent, &mut web, &sb, &store, &mut Script::new(vec![])).await;
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.outcome, Ending::LocalFallback, "{out:?}");
    let events = read_log(&sb.log_path).unwrap().events;
    let last = events.last().unwrap();
    assert_eq!(last.event, EventKind::LocalFallback);
    assert!(
        last.message.contains("not counted as a wrong password"),
        "{}",
        last.message
    );
}
