//! A second Entra person whose short name collides with an existing Sesame
//! account is refused; the account stays exactly as it was.
// Drives the Linux account backend (shadow tools on a sandbox root).
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use secrecy::ExposeSecret;
use sesame_core::identity::EntraId;
use sesame_core::login::DenyKind;
use sesame_core::provisioning::{DenyReason, Plan};
use sesame_e2e::login::*;
use sesame_e2e::secret;
use sesame_e2e::world::*;
use sesame_platform::{AccountDirectory, InMemorySecretStore, SecretStore};
use sesame_synclog::{EventKind, Verdict, read_log};

const STATE: [&str; 5] = [
    "etc/passwd",
    "etc/shadow",
    "etc/group",
    "etc/gshadow",
    "var/lib/sesame/accounts.json",
];

/// The bytes of each state file; a missing file fails the test (it is not
/// "equal to an empty one").
fn snapshot(sb: &Sandbox) -> Vec<Vec<u8>> {
    STATE
        .iter()
        .map(|f| match std::fs::read(sb.root.join(f)) {
            Ok(b) => b,
            Err(e) => panic!("{f}: {e}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn takeover_is_refused() {
    require_root();
    let store = InMemorySecretStore::new();
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
    let first = web_login(&mut agent, &mut web, &sb, &store, &mut Script::new(vec![])).await;
    assert!(matches!(first.plan, Some(Plan::Create(_))), "{first:?}");
    let before = snapshot(&sb);
    assert!(
        String::from_utf8_lossy(&before[4]).contains(MEGAN_OID),
        "binding recorded"
    );

    let mut web = person(
        &sim,
        vec![Act::User(IMPOSTOR.into()), pw(IMPOSTOR_PASSWORD)],
    );
    let other = web_login(&mut agent, &mut web, &sb, &store, &mut Script::new(vec![])).await;
    // Entra vouches for the impostor's password and identity...
    assert_eq!(other.oid.as_deref(), Some(IMPOSTOR_OID));
    assert!(
        other
            .proved
            .as_deref()
            .unwrap_or_default()
            .contains("verified"),
        "{other:?}"
    );
    // ...but the local account `megan` belongs to Megan's oid + tid.
    let megan = EntraId {
        oid: MEGAN_OID.into(),
        tid: TID.into(),
    };
    assert_eq!(other.reason, Some(DenyKind::Plan));
    assert_eq!(
        other.plan,
        Some(Plan::Deny {
            short_name: Some("megan".into()),
            reason: DenyReason::Takeover { bound_to: megan },
        })
    );
    assert!(
        other
            .message
            .unwrap()
            .text
            .contains("belongs to someone else")
    );

    // Untouched: every account file byte for byte, the password, the binding.
    let after = snapshot(&sb);
    for (i, f) in STATE.iter().enumerate() {
        assert!(before[i] == after[i], "{f} changed");
    }
    assert!(
        sb.dir
            .verify_password("megan", &secret(MEGAN_PASSWORD))
            .unwrap()
    );
    assert!(
        !sb.dir
            .verify_password("megan", &secret(IMPOSTOR_PASSWORD))
            .unwrap()
    );
    let impostor = EntraId {
        oid: IMPOSTOR_OID.into(),
        tid: TID.into(),
    };
    assert!(sb.dir.find_by_identity(&impostor).unwrap().is_none());
    assert_eq!(
        store.read("megan").unwrap().unwrap().expose_secret(),
        MEGAN_PASSWORD
    );

    // The denial is in the sync log, for the impostor, with its reason.
    let report = read_log(&sb.log_path).unwrap();
    let mine: Vec<_> = report
        .events
        .iter()
        .filter(|e| e.user.as_ref().is_some_and(|u| u.upn == IMPOSTOR))
        .collect();
    let failed: Vec<_> = mine
        .iter()
        .filter(|e| e.verdict == Some(Verdict::Fail))
        .collect();
    assert_eq!(failed.len(), 1, "{mine:#?}");
    assert_eq!(failed[0].event, EventKind::AccountDenied);
    assert!(
        failed[0].message.contains("refusing takeover") && failed[0].message.contains(MEGAN_OID),
        "{}",
        failed[0].message
    );
    assert!(!mine.iter().any(|e| e.event == EventKind::KeychainUpdated));
}
