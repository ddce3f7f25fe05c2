//! After the first login the password changes in Entra: the menu-bar re-check
//! with the stored password says "wrong password" exactly once and logs it,
//! and nothing local changes silently.
// Drives the Linux account backend (shadow tools on a sandbox root) and kernel keyring.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use secrecy::ExposeSecret;
use sesame_core::verdict::PasswordVerdict;
use sesame_e2e::agent::Agent;
use sesame_e2e::secret;
use sesame_e2e::world::*;
use sesame_platform::{AccountDirectory, InMemorySecretStore, SecretStore};
use sesame_synclog::{Component, EventKind, Verdict, read_log};

const NEW_PASSWORD: &str = "Changed-In-The-Cloud-42";

#[tokio::test]
async fn cloud_password_change_detected() {
    require_root();
    let store = InMemorySecretStore::new();
    let sim = start_sim().await;
    let sb = Sandbox::new();
    let mut agent = Agent::from_profile(&mobileconfig(&sim, App::Public, &sb.log_path), 1 << 20);
    agent
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

    // Before the change the stored password still passes (MFA interrupts).
    let ok = agent.recheck(MEGAN, "megan", &store).await;
    assert_eq!(
        ok.verdict,
        PasswordVerdict::VerifiedInterrupted { code: 50076 }
    );

    sim.clear_sign_ins();
    sim.set_password(MEGAN, NEW_PASSWORD).unwrap();
    let check = agent.recheck(MEGAN, "megan", &store).await;
    assert_eq!(
        check.verdict,
        PasswordVerdict::WrongPassword { code: 50126 }
    );

    // Exactly one failed sign-in reached Entra (no retry, no v1 fallback that
    // would count against smart lockout).
    let failures: Vec<_> = sim
        .sign_ins()
        .into_iter()
        .filter(|s| s.result == entra_sim::SignInResult::Failure)
        .collect();
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert_eq!(failures[0].error_code, 50126);
    assert_eq!(failures[0].user, MEGAN);

    // Logged for the helpdesk, by the menu-bar daemon, with the AADSTS code.
    let report = read_log(&sb.log_path).unwrap();
    let last = report.events.last().expect("events");
    assert_eq!(last.component, Component::Menubar);
    assert_eq!(last.event, EventKind::PasswordCheck);
    assert_eq!(last.verdict, Some(Verdict::WrongPassword));
    assert_eq!(last.codes, [50126]);
    assert_eq!(last.user.as_ref().map(|u| u.upn.as_str()), Some(MEGAN));
    assert_eq!(
        report
            .events
            .iter()
            .filter(|e| e.verdict == Some(Verdict::WrongPassword))
            .count(),
        1
    );

    // Nothing local changed on its own: old local password, old stored item.
    assert!(
        sb.dir
            .verify_password("megan", &secret(MEGAN_PASSWORD))
            .unwrap()
    );
    assert!(
        !sb.dir
            .verify_password("megan", &secret(NEW_PASSWORD))
            .unwrap()
    );
    assert_eq!(
        store.read("megan").unwrap().unwrap().expose_secret(),
        MEGAN_PASSWORD
    );
}
