//! After every flow of the login agent (first web sign-in with MFA, a cloud
//! password change and the sign-in with the new password, a refused takeover,
//! a native sign-in with a wrong then a right password) with a confidential
//! client, no password, authorization code, PKCE verifier or client secret is
//! in any file Sesame wrote (sync log, the sandbox root's Sesame state and
//! journal, the account files), in anything `tracing` printed at TRACE level,
//! nor in the `Debug` text of what the flows returned.
// Drives the Linux account backend (shadow tools on a sandbox root).
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use sesame_agent::{Front, NoWebView, Seams};
use sesame_core::provisioning::Plan;
use sesame_e2e::login::*;
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
    let sim = Arc::new(start_sim().await);
    let sb = Sandbox::new();
    let profile = mobileconfig(&sim, App::Confidential, &sb.log_path);
    let mut agent = agent(&profile);
    let mut debug_text = format!("{agent:?}\n");
    let mut codes = Vec::new();
    let mut challenges = Vec::new();
    let mut outcomes = Vec::new();

    let flows: Vec<(Vec<Act>, Vec<Ask>)> = vec![
        (
            vec![
                Act::User(MEGAN.into()),
                pw(MEGAN_PASSWORD),
                Act::Totp(MEGAN.into()),
            ],
            vec![],
        ),
        (
            vec![
                Act::User(MEGAN.into()),
                pw(NEW_PASSWORD),
                Act::Totp(MEGAN.into()),
            ],
            vec![],
        ),
        (
            vec![Act::User(IMPOSTOR.into()), pw(IMPOSTOR_PASSWORD)],
            vec![],
        ),
    ];
    for (i, (acts, asks)) in flows.into_iter().enumerate() {
        if i == 1 {
            sim.set_password(MEGAN, NEW_PASSWORD).unwrap();
        }
        let mut web = Recording {
            inner: person(&sim, acts),
            codes: vec![],
            challenges: vec![],
        };
        let mut script = Script::new(asks);
        outcomes.push(web_login(&mut agent, &mut web, &sb, &store, &mut script).await);
        codes.extend(web.codes);
        challenges.extend(web.challenges);
    }
    assert!(
        matches!(outcomes[0].plan, Some(Plan::Create(_))),
        "{:?}",
        outcomes[0]
    );
    assert!(
        matches!(outcomes[1].plan, Some(Plan::Update(_))),
        "{:?}",
        outcomes[1]
    );
    assert!(
        matches!(outcomes[2].plan, Some(Plan::Deny { .. })),
        "{:?}",
        outcomes[2]
    );
    assert!(
        sb.dir
            .verify_password("megan", &secret(NEW_PASSWORD))
            .unwrap()
    );

    // Native: a wrong password, then the right one when asked again.
    let mut script = Script::new(vec![Ask::Password(Some(ADELE_PASSWORD.into()))]);
    let native: Front<'_, NoWebView> = Front::Native {
        user: ADELE.into(),
        password: secret("Adele-Wrong-Once-3"),
    };
    let seams = Seams {
        dir: &sb.dir,
        journal: &sb.journal,
        store: &store,
        prompter: &mut script,
    };
    outcomes.push(agent.login(native, None, seams).await);
    assert!(outcomes[3].is_ready(), "{:?}", outcomes[3]);
    drop(script);

    let secrets: Vec<(&str, String)> = [
        ("Megan's old password", MEGAN_PASSWORD),
        ("Megan's new password", NEW_PASSWORD),
        ("the impostor's password", IMPOSTOR_PASSWORD),
        ("Adele's password", ADELE_PASSWORD),
        ("Adele's wrong password", "Adele-Wrong-Once-3"),
        ("the client secret", CONFIDENTIAL_SECRET),
    ]
    .into_iter()
    .map(|(w, s)| (w, s.to_owned()))
    .chain(codes.iter().map(|c| ("authorization code", c.clone())))
    .collect();
    assert_eq!(codes.len(), 3, "a code per web sign-in to look for");
    assert_eq!(challenges.len(), 3);
    assert!(challenges.iter().all(|c| c.len() == 43));
    for o in &outcomes {
        debug_text.push_str(&format!("{o:?}\n{}\n", serde_json::to_string(o).unwrap()));
    }
    debug_text.push_str(&format!("{store:?}\n{agent:?}\n"));

    let files = files_under(sb.tmp.path());
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
    // A canary traced from another thread proves the capture and the scan.
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
    if let Ok(dump) = std::env::var("SESAME_E2E_DUMP_TRACE") {
        std::fs::write(dump, &traced).unwrap();
    }
    found.extend(leaks("tracing output", &traced, &secrets, &challenges));
    found.extend(leaks(
        "Debug text",
        debug_text.as_bytes(),
        &secrets,
        &challenges,
    ));
    assert!(found.is_empty(), "secrets leaked: {found:#?}");
}
