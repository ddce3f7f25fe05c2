//! The login window's answers, end to end: `sesame_agent::Agent` with real
//! Chromium (a scripted person typing into entra-sim's pages over HTTPS), a
//! scripted login-window conversation, a sandbox root and the sync log. Each
//! test asserts what the person is told and what the helpdesk reads.
// Drives the Linux account backend (shadow tools on a sandbox root).
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use entra_sim::{Fault, FaultKind, SimHandle, UserState};
use secrecy::ExposeSecret;
use sesame_agent::LoginOutcome;
use sesame_agent::outcome::Ending;
use sesame_core::login::DenyKind;
use sesame_e2e::login::*;
use sesame_e2e::secret;
use sesame_e2e::world::*;
use sesame_platform::{AccountDirectory, InMemorySecretStore, SecretStore};
use sesame_synclog::{EventKind, SyncEvent, Verdict, read_log};

struct World {
    sim: Arc<SimHandle>,
    sb: Sandbox,
    store: InMemorySecretStore,
}

async fn world() -> World {
    require_root();
    World {
        sim: Arc::new(start_sim().await),
        sb: Sandbox::new(),
        store: InMemorySecretStore::new(),
    }
}

impl World {
    async fn login(&self, extra: &str, acts: Vec<Act>, script: &mut Script) -> LoginOutcome {
        let mut agent = agent(&mobileconfig_with(
            &self.sim,
            App::Public,
            &self.sb.log_path,
            extra,
        ));
        let mut web = person(&self.sim, acts);
        web_login(&mut agent, &mut web, &self.sb, &self.store, script).await
    }

    fn events(&self) -> Vec<SyncEvent> {
        read_log(&self.sb.log_path).unwrap().events
    }

    fn last(&self, kind: EventKind) -> SyncEvent {
        self.events()
            .into_iter()
            .rfind(|e| e.event == kind)
            .unwrap_or_else(|| panic!("no {} event", kind.name()))
    }
}

fn told(out: &LoginOutcome) -> String {
    out.message
        .as_ref()
        .map(|m| m.one_line())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_on_the_page_then_the_right_one() {
    let w = world().await;
    let acts = vec![
        Act::User(ADELE.into()),
        wrong_pw("Not-Adele-1"),
        pw(ADELE_PASSWORD),
    ];
    let out = w.login("", acts, &mut Script::new(vec![])).await;
    assert!(out.is_ready(), "{out:?}");
    assert!(
        w.sb.dir
            .verify_password("adele", &secret(ADELE_PASSWORD))
            .unwrap()
    );
    assert_eq!(
        w.store.read("adele").unwrap().unwrap().expose_secret(),
        ADELE_PASSWORD
    );
    assert_eq!(out.admin, Some(false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_assigned_is_a_plain_message_and_the_code_in_the_log() {
    let w = world().await;
    let out = w
        .login(
            "",
            vec![Act::User(NORA.into()), pw(NORA_PASSWORD)],
            &mut Script::new(vec![]),
        )
        .await;
    assert_eq!(out.outcome, Ending::Denied);
    assert_eq!(out.reason, Some(DenyKind::NotAssigned));
    assert!(
        told(&out).contains("not allowed to sign in to this computer"),
        "{}",
        told(&out)
    );
    assert!(w.sb.passwd_entry("nora").is_none());
    let ev = w.last(EventKind::RedirectCaptured);
    assert_eq!(ev.verdict, Some(Verdict::NotAssigned));
    assert_eq!(ev.codes, [50105]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_group_gate_refuses_people_outside_the_allowed_groups() {
    let w = world().await;
    let gate = format!("<key>AllowedGroups</key><array><string>{MAC_ADMINS}</string></array>");
    let out = w
        .login(
            &gate,
            vec![Act::User(ADELE.into()), pw(ADELE_PASSWORD)],
            &mut Script::new(vec![]),
        )
        .await;
    assert_eq!(out.reason, Some(DenyKind::Plan), "{out:?}");
    assert!(told(&out).contains("allowed group"), "{}", told(&out));
    assert!(w.sb.passwd_entry("adele").is_none());
    assert!(w.store.read("adele").unwrap().is_none());
    assert_eq!(
        w.last(EventKind::AccountDenied).verdict,
        Some(Verdict::Fail)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_password_changed_on_the_page_becomes_the_local_password() {
    let w = world().await;
    let new = "Alex-Fresh-Pass-9";
    let acts = vec![
        Act::User(ALEX.into()),
        pw(ALEX_PASSWORD),
        Act::Change {
            old: ALEX_PASSWORD.into(),
            new: new.into(),
        },
    ];
    let out = w.login("", acts, &mut Script::new(vec![])).await;
    assert!(out.is_ready(), "{out:?}");
    assert!(w.sb.dir.verify_password("alex", &secret(new)).unwrap());
    assert!(
        !w.sb
            .dir
            .verify_password("alex", &secret(ALEX_PASSWORD))
            .unwrap()
    );
    assert_eq!(w.store.read("alex").unwrap().unwrap().expose_secret(), new);
    assert!(
        w.last(EventKind::PasswordObtained)
            .message
            .contains("change page")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temporary_password_is_never_the_one_kept() {
    let w = world().await;
    let temporary = "Temp-Admin-Set-1";
    let chosen = "Adele-Chose-This-2";
    w.sim.set_password(ADELE, temporary).unwrap();
    w.sim
        .set_user_state(ADELE, UserState::PasswordExpired)
        .unwrap();
    let acts = vec![
        Act::User(ADELE.into()),
        pw(temporary),
        Act::Change {
            old: temporary.into(),
            new: chosen.into(),
        },
    ];
    let out = w.login("", acts, &mut Script::new(vec![])).await;
    assert!(out.is_ready(), "{out:?}");
    assert!(w.sb.dir.verify_password("adele", &secret(chosen)).unwrap());
    assert!(
        !w.sb
            .dir
            .verify_password("adele", &secret(temporary))
            .unwrap()
    );
    assert_eq!(
        w.store.read("adele").unwrap().unwrap().expose_secret(),
        chosen
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_overage_is_resolved_through_graph() {
    let w = world().await;
    w.sim.set_group_overage_threshold(1);
    let acts = vec![
        Act::User(MEGAN.into()),
        pw(MEGAN_PASSWORD),
        Act::Totp(MEGAN.into()),
    ];
    let out = w.login("", acts, &mut Script::new(vec![])).await;
    assert!(out.is_ready(), "{out:?}");
    assert_eq!(
        out.admin,
        Some(true),
        "admin by a group only Graph could tell"
    );
    assert!(w.sb.group_members("sudo").contains(&"megan".to_owned()));
    let ev = w.last(EventKind::GroupsResolved);
    assert!(ev.message.contains("Graph (overage)"), "{}", ev.message);
    assert!(
        w.last(EventKind::TokenValidated)
            .message
            .contains("overage")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_captured_asks_once_natively_and_checks_it() {
    let w = world().await;
    let mut agent = agent(&mobileconfig(&w.sim, App::Public, &w.sb.log_path));
    let mut web = NothingCaptured(person(
        &w.sim,
        vec![Act::User(ADELE.into()), pw(ADELE_PASSWORD)],
    ));
    let mut script = Script::new(vec![
        Ask::Password(Some("Adele-Typo-0".into())),
        Ask::Password(Some(ADELE_PASSWORD.into())),
    ]);
    let out = web_login(&mut agent, &mut web, &w.sb, &w.store, &mut script).await;
    assert!(out.is_ready(), "{out:?}");
    assert_eq!(script.shown[0], "Enter your Microsoft Entra password.");
    assert!(script.shown[1].contains("not right"), "{:?}", script.shown);
    assert!(
        w.sb.dir
            .verify_password("adele", &secret(ADELE_PASSWORD))
            .unwrap()
    );
    let checks: Vec<_> = w
        .events()
        .into_iter()
        .filter(|e| e.event == EventKind::PasswordCheck)
        .collect();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0].verdict, Some(Verdict::WrongPassword));
    assert_eq!(checks[0].codes, [50126]);
}

/// Entra goes silent: decided within 10 s, by the profile's offline rules,
/// and no wrong password is counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra_down_falls_back_within_ten_seconds() {
    let w = world().await;
    for (extra, want) in [
        ("", Ending::LocalFallback),
        ("<key>DenyLocal</key><true/>", Ending::Denied),
        (
            "<key>DenyLocal</key><true/><key>LocalFallback</key><true/>",
            Ending::LocalFallback,
        ),
    ] {
        w.sim.inject_fault(Fault {
            kind: FaultKind::Delay { ms: 30_000 },
            path: None,
            count: 100,
        });
        let started = Instant::now();
        let out = w.login(extra, vec![], &mut Script::new(vec![])).await;
        let took = started.elapsed();
        w.sim.clear_faults();
        assert!(took < Duration::from_secs(12), "decided in {took:?}");
        assert_eq!(out.outcome, want, "{extra}: {out:?}");
        if want == Ending::Denied {
            assert_eq!(out.reason, Some(DenyKind::Offline));
            assert!(told(&out).contains("Connect to the network"));
        } else {
            assert!(told(&out).contains("local password"));
        }
    }
    let events = w.events();
    assert!(
        events
            .iter()
            .all(|e| e.verdict != Some(Verdict::WrongPassword))
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.event == EventKind::LocalFallback)
            .count(),
        2
    );
}
