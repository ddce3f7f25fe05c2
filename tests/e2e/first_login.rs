//! The login agent's first sign-in, end to end: profile → web sign-in with
//! MFA over HTTPS → ID token → password check → admin account on a sandbox
//! root (real shadow tools) → kernel keyring → sync log.
// Drives the Linux account backend (shadow tools on a sandbox root) and kernel keyring.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use secrecy::ExposeSecret;
use sesame_core::identity::{EntraId, Groups};
use sesame_core::provisioning::{AdminReason, Plan};
use sesame_core::verdict::PasswordVerdict;
use sesame_e2e::agent::Agent;
use sesame_e2e::secret;
use sesame_e2e::world::*;
use sesame_platform::{AccountDirectory, KeyringSecretStore, SecretStore};
use sesame_synclog::{Component, EventKind, Verdict, read_log};

#[tokio::test]
async fn first_login_creates_a_bound_admin_account() {
    require_root();
    // Single-threaded runtime: the keyring join below applies to this thread,
    // which is the one every secret-store call runs on.
    assert!(join_fresh_session_keyring(), "no session keyring");
    let store = KeyringSecretStore::kernel_keyring().expect("kernel keyring");
    let _ = store.delete("megan");

    let sim = start_sim().await;
    let sb = Sandbox::new();
    let mut agent = Agent::from_profile(&mobileconfig(&sim, App::Public, &sb.log_path), 1 << 20);
    let password = secret(MEGAN_PASSWORD);
    let out = agent
        .login(&sim, MEGAN, &password, None, &sb.dir, &sb.journal, &store)
        .await
        .expect("first login");

    // Who signed in: bound by oid + tid, groups by ObjectID, MFA answered.
    assert!(out.walk.answered_mfa, "Megan's sign-in asks for MFA");
    let id = EntraId {
        oid: MEGAN_OID.into(),
        tid: TID.into(),
    };
    assert_eq!(out.identity.id, id);
    assert_eq!(out.identity.username, MEGAN);
    match &out.identity.groups {
        Groups::Known { ids } => assert!(ids.iter().any(|g| g == MAC_ADMINS), "{ids:?}"),
        other => panic!("groups unknown: {other:?}"),
    }
    // The same password through ROPG: right, then stopped by MFA (AADSTS50076).
    assert_eq!(
        out.check.verdict,
        PasswordVerdict::VerifiedInterrupted { code: 50076 }
    );

    // The plan: a new admin account with the UPN's local part.
    let Plan::Create(new) = &out.plan else {
        panic!(
            "expected an account to be created, got {}",
            out.plan.explain()
        );
    };
    assert_eq!(new.short_name, "megan");
    assert!(new.uid >= 1000, "uid {}", new.uid);
    assert_eq!(new.admin, Some(AdminReason::Group(MAC_ADMINS.into())));

    // What an admin sees on the machine.
    let pw = sb.passwd_entry("megan").expect("megan in etc/passwd");
    assert_eq!(pw[2], new.uid.to_string());
    assert_eq!(pw[5], new.home);
    assert!(sb.group_members("sudo").contains(&"megan".to_owned()));
    let account = sb
        .dir
        .find_by_identity(&id)
        .unwrap()
        .expect("bound account");
    assert_eq!(account.short_name, "megan");
    assert!(account.is_admin);
    let binding = account.binding.expect("binding");
    assert_eq!(binding.upn, MEGAN);
    assert!(binding.admin_by_sesame);
    assert!(sb.dir.verify_password("megan", &password).unwrap());
    assert!(
        !sb.dir
            .verify_password("megan", &secret("Sesame-Demo-2"))
            .unwrap()
    );
    assert!(
        !sb.root.join("var/lib/sesame/journal.json").exists(),
        "journal left behind"
    );

    // The menu-bar daemon finds the password in the kernel keyring.
    let stored = store.read("megan").unwrap().expect("stored password");
    assert_eq!(stored.expose_secret(), MEGAN_PASSWORD);

    // The sync log tells the story, with Megan's UPN and no failure.
    let report = read_log(&sb.log_path).unwrap();
    assert!(report.corrupt.is_empty(), "{:?}", report.corrupt);
    assert!(
        report
            .events
            .iter()
            .all(|e| e.verdict != Some(Verdict::Fail))
    );
    assert_eq!(report.events[0].event, EventKind::ProfileLoaded);
    let mine: Vec<_> = report
        .events
        .iter()
        .filter(|e| e.user.as_ref().is_some_and(|u| u.upn == MEGAN))
        .collect();
    let kinds: Vec<EventKind> = mine.iter().map(|e| e.event).collect();
    assert_eq!(
        kinds,
        [
            EventKind::SignIn,
            EventKind::TokenValidated,
            EventKind::PasswordCheck,
            EventKind::AccountCreated,
            EventKind::IdentityBound,
            EventKind::KeychainUpdated,
        ]
    );
    assert!(mine.iter().all(|e| e.component == Component::Agent));
    let check = mine[2];
    assert_eq!(check.verdict, Some(Verdict::VerifiedInterrupted));
    assert_eq!(check.codes, [50076]);
    assert!(check.correlation_id.is_some(), "correlation ID for support");
    assert!(mine[3].message.contains("megan") && mine[3].message.contains(MEGAN_OID));
    assert_eq!(
        mine[5].user.as_ref().and_then(|u| u.short_name.as_deref()),
        Some("megan")
    );

    store.delete("megan").unwrap();
}

#[tokio::test]
async fn signing_in_again_updates_the_same_account() {
    require_root();
    let store = sesame_platform::InMemorySecretStore::new();
    let sim = start_sim().await;
    let sb = Sandbox::new();
    let mut agent = Agent::from_profile(&mobileconfig(&sim, App::Public, &sb.log_path), 1 << 20);
    let password = secret(MEGAN_PASSWORD);
    let first = agent
        .login(&sim, MEGAN, &password, None, &sb.dir, &sb.journal, &store)
        .await
        .expect("first login");
    let Plan::Create(new) = &first.plan else {
        panic!("{}", first.plan.explain());
    };
    let passwd_before = sb.read("etc/passwd");
    let again = agent
        .login(
            &sim,
            MEGAN,
            &password,
            Some(&password),
            &sb.dir,
            &sb.journal,
            &store,
        )
        .await
        .expect("second login");
    let Plan::Update(update) = &again.plan else {
        panic!("expected an update, got {}", again.plan.explain());
    };
    assert_eq!(update.short_name, "megan");
    assert!(update.was_admin);
    // One account, same UID and home: nothing duplicated or renumbered.
    assert_eq!(sb.read("etc/passwd"), passwd_before);
    let uids: Vec<_> = sb
        .read("etc/passwd")
        .lines()
        .filter(|l| l.starts_with("megan:"))
        .map(str::to_owned)
        .collect();
    assert_eq!(uids.len(), 1);
    assert!(uids[0].contains(&format!(":{}:", new.uid)));
    assert!(sb.dir.verify_password("megan", &password).unwrap());
    let log = read_log(&sb.log_path).unwrap();
    assert!(log.events.iter().all(|e| e.verdict != Some(Verdict::Fail)));
    assert_eq!(
        log.events
            .iter()
            .filter(|e| e.event == EventKind::AccountCreated)
            .count(),
        1
    );
    assert_eq!(
        log.events
            .iter()
            .filter(|e| e.event == EventKind::AccountUpdated)
            .count(),
        1
    );
}
