//! A second Entra person whose short name collides with an existing Sesame
//! account is refused; the account stays exactly as it was.
// Drives the Linux account backend (shadow tools on a sandbox root) and kernel keyring.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use secrecy::ExposeSecret;
use sesame_core::identity::EntraId;
use sesame_core::provisioning::{DenyReason, Plan};
use sesame_core::verdict::PasswordVerdict;
use sesame_e2e::agent::Agent;
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

#[tokio::test]
async fn takeover_is_refused() {
    require_root();
    let store = InMemorySecretStore::new();
    let sim = start_sim().await;
    let sb = Sandbox::new();
    let mut agent = Agent::from_profile(&mobileconfig(&sim, App::Public, &sb.log_path), 1 << 20);
    let first = agent
        .login(
            &sim,
            MEGAN,
            &secret(MEGAN_PASSWORD),
            None,
            &sb.dir,
            &sb.journal,
            &store,
        )
        .await
        .expect("first login");
    assert!(matches!(first.plan, Plan::Create(_)));
    let before: Vec<String> = STATE.iter().map(|f| sb.read(f)).collect();
    assert!(before[4].contains(MEGAN_OID), "binding recorded");

    let other = agent
        .login(
            &sim,
            IMPOSTOR,
            &secret(IMPOSTOR_PASSWORD),
            None,
            &sb.dir,
            &sb.journal,
            &store,
        )
        .await
        .expect("the impostor's sign-in itself works");
    // Entra vouches for the impostor's password and identity...
    assert_eq!(other.check.verdict, PasswordVerdict::Verified);
    assert_eq!(other.identity.id.oid, IMPOSTOR_OID);
    // ...but the local account `megan` belongs to Megan's oid + tid.
    let megan = EntraId {
        oid: MEGAN_OID.into(),
        tid: TID.into(),
    };
    assert_eq!(
        other.plan,
        Plan::Deny {
            short_name: Some("megan".into()),
            reason: DenyReason::Takeover {
                bound_to: megan.clone()
            },
        }
    );

    // Untouched: every account file byte for byte, the password, the binding.
    let after: Vec<String> = STATE.iter().map(|f| sb.read(f)).collect();
    for (i, f) in STATE.iter().enumerate() {
        assert_eq!(before[i], after[i], "{f} changed");
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
    let denial: Vec<_> = report
        .events
        .iter()
        .filter(|e| e.user.as_ref().is_some_and(|u| u.upn == IMPOSTOR))
        .filter(|e| e.verdict == Some(Verdict::Fail))
        .collect();
    assert_eq!(denial.len(), 1, "{:#?}", report.events);
    assert_eq!(denial[0].event, EventKind::AccountDenied);
    assert!(
        denial[0].message.contains("refusing takeover") && denial[0].message.contains(MEGAN_OID),
        "{}",
        denial[0].message
    );
    let impostor_events: Vec<EventKind> = report
        .events
        .iter()
        .filter(|e| e.user.as_ref().is_some_and(|u| u.upn == IMPOSTOR))
        .map(|e| e.event)
        .collect();
    assert!(!impostor_events.contains(&EventKind::IdentityBound));
    assert!(!impostor_events.contains(&EventKind::KeychainUpdated));
}
