//! After every flow (first login, re-check, cloud password change, sign-in
//! with the new password, refused takeover) with a confidential client, no
//! password, authorization code, token, PKCE verifier or client secret is in
//! any file Sesame wrote (sync log and its rotations, the sandbox root's
//! Sesame state and journal, the account files) nor in anything `tracing`
//! printed at TRACE level, nor in the `Debug` text of what the flows returned.
// Drives the Linux account backend (shadow tools on a sandbox root) and kernel keyring.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sesame_core::provisioning::Plan;
use sesame_core::verdict::PasswordVerdict;
use sesame_e2e::agent::Agent;
use sesame_e2e::scan::{capture_tracing, files_under, leaks, s256_challenge};
use sesame_e2e::secret;
use sesame_e2e::world::*;
use sesame_platform::{AccountDirectory, InMemorySecretStore};

const NEW_PASSWORD: &str = "Changed-In-The-Cloud-42";
const CANARY: &str = "canary-value-0f4e2d";
const CANARY_VERIFIER: &str = "Zx9-Canary_Verifier.0123456789abcdefghijklmn~";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_anywhere() {
    require_root();
    let trace = capture_tracing();
    let store = InMemorySecretStore::new();
    let sim = start_sim().await;
    let sb = Sandbox::new();
    // A small rotation size so the log rotates during the flows.
    let profile = mobileconfig(&sim, App::Confidential, &sb.log_path);
    let mut agent = Agent::from_profile(&profile, 2048);
    let mut debug_text = format!("{agent:?}\n{:?}\n", agent.settings);

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
    assert!(first.walk.answered_mfa);
    let still_ok = agent.recheck(MEGAN, "megan", &store).await;
    assert!(still_ok.verdict.is_password_verified());

    sim.set_password(MEGAN, NEW_PASSWORD).unwrap();
    let changed = agent.recheck(MEGAN, "megan", &store).await;
    assert!(changed.verdict.is_wrong_password());
    let second = agent
        .login(
            &sim,
            MEGAN,
            &secret(NEW_PASSWORD),
            Some(&secret(MEGAN_PASSWORD)),
            &sb.dir,
            &sb.journal,
            &store,
        )
        .await
        .expect("sign-in with the new password");
    assert!(
        matches!(second.plan, Plan::Update(_)),
        "{}",
        second.plan.explain()
    );
    assert!(
        sb.dir
            .verify_password("megan", &secret(NEW_PASSWORD))
            .unwrap()
    );

    let third = agent
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
        .expect("impostor sign-in");
    assert_eq!(third.check.verdict, PasswordVerdict::Verified);
    assert!(
        third.check.tokens().is_some(),
        "ROPG issued tokens to look for"
    );
    assert!(matches!(third.plan, Plan::Deny { .. }));

    // Everything secret the flows handled.
    let mut secrets = vec![
        ("Megan's old password", MEGAN_PASSWORD.to_owned()),
        ("Megan's new password", NEW_PASSWORD.to_owned()),
        ("the impostor's password", IMPOSTOR_PASSWORD.to_owned()),
        ("the client secret", CONFIDENTIAL_SECRET.to_owned()),
    ];
    let mut challenges = Vec::new();
    for out in [&first, &second, &third] {
        secrets.extend(out.secrets.iter().cloned());
        challenges.push(out.pkce_challenge.clone());
        debug_text.push_str(&format!("{out:?}\n"));
    }
    debug_text.push_str(&format!("{still_ok:?}\n{changed:?}\n{store:?}\n"));
    assert!(
        secrets
            .iter()
            .filter(|(w, _)| *w == "authorization code")
            .count()
            == 3
    );
    assert!(
        secrets.iter().any(|(w, _)| *w == "code-flow token"),
        "tokens to look for"
    );
    assert!(challenges.iter().all(|c| c.len() == 43));

    // Files: the sync log and its rotations, Sesame's state, the account files.
    let files = files_under(sb.tmp.path());
    let rotated = files
        .iter()
        .filter(|f| f.to_string_lossy().ends_with("sesame.log.1"))
        .count();
    assert_eq!(rotated, 1, "the sync log rotated: {files:?}");
    // Rotation deleted nothing yet: every event written is still on disk.
    let on_disk = sesame_synclog::read_log(&sb.log_path).unwrap().events.len();
    assert_eq!(on_disk, agent.events_written());
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("var/lib/sesame/accounts.json"))
    );
    let mut found = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        found.extend(leaks(
            &f.display().to_string(),
            &bytes,
            &secrets,
            &challenges,
        ));
    }
    // Everything traced, from every crate in the process, at TRACE level;
    // a canary traced from another thread proves the capture and the scan.
    std::thread::spawn(|| {
        tracing::trace!(target: "sesame_e2e::canary", value = CANARY, "verifier {CANARY_VERIFIER}");
    })
    .join()
    .unwrap();
    let traced = trace.contents();
    let canary = leaks(
        "canary",
        &traced,
        &[("canary", CANARY.to_owned())],
        &[s256_challenge(CANARY_VERIFIER.as_bytes())],
    );
    assert_eq!(canary, ["canary: canary", "canary: PKCE verifier"]);
    assert!(
        String::from_utf8_lossy(&traced).contains("password check"),
        "the capture saw Sesame's own events"
    );
    found.extend(leaks("tracing output", &traced, &secrets, &challenges));
    found.extend(leaks(
        "Debug text",
        debug_text.as_bytes(),
        &secrets,
        &challenges,
    ));
    assert!(found.is_empty(), "secrets leaked: {found:#?}");
}
