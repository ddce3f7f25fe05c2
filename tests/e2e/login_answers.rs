//! The login window's answers to what Entra says, end to end through the
//! agent (native front: the same machine and the same Entra answers as the
//! web front's password check, without a browser): locked, disabled,
//! expired, misconfigured — each a plain message with the right link for the
//! person and a sync-log line with the AADSTS code and fix for the helpdesk —
//! and faults (5xx, 429, a dropped connection, a truncated body, a captive
//! portal) decided within 10 s by the offline rules, never counted as a wrong
//! password.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use entra_sim::{Fault, FaultKind, UserState};
use sesame_agent::outcome::Ending;
use sesame_agent::{Front, LoginOutcome, NoWebView, Seams};
use sesame_core::login::DenyKind;
use sesame_e2e::login::*;
use sesame_e2e::secret;
use sesame_e2e::world::*;
use sesame_platform::InMemorySecretStore;
use sesame_synclog::{EventKind, SyncEvent, Verdict, read_log};

const LINKS: &str = "<key>ResetPasswordURL</key><string>https://passwordreset.example/reset</string>\
<key>ChangePasswordURL</key><string>https://account.example/change</string>";

async fn native(profile: &[u8], sb: &Sandbox, user: &str, password: &str) -> LoginOutcome {
    let mut agent = agent(profile);
    let store = InMemorySecretStore::new();
    let mut script = Script::new(vec![]);
    let seams = Seams {
        dir: &sb.dir,
        journal: &sb.journal,
        store: &store,
        prompter: &mut script,
    };
    let front: Front<'_, NoWebView> = Front::Native {
        user: user.into(),
        password: secret(password),
    };
    agent.login(front, None, seams).await
}

fn told(out: &LoginOutcome) -> String {
    out.message
        .as_ref()
        .map(|m| m.one_line())
        .unwrap_or_default()
}

fn last_event(sb: &Sandbox) -> SyncEvent {
    read_log(&sb.log_path).unwrap().events.pop().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_disabled_and_expired_are_plain_messages_with_the_helpdesk_line() {
    require_root();
    let sim = start_sim().await;
    for (state, kind, words, link, code) in [
        (
            UserState::Locked,
            DenyKind::Locked,
            "Your account is locked for now",
            "https://passwordreset.example/reset",
            50053,
        ),
        (
            UserState::Disabled,
            DenyKind::Disabled,
            "Your account is disabled",
            "",
            50057,
        ),
        (
            UserState::PasswordExpired,
            DenyKind::PasswordExpired,
            "Your password has expired",
            "https://account.example/change",
            50055,
        ),
    ] {
        let sb = Sandbox::new();
        sim.set_user_state(ADELE, state).unwrap();
        let profile = mobileconfig_with(&sim, App::Public, &sb.log_path, LINKS);
        let out = native(&profile, &sb, ADELE, ADELE_PASSWORD).await;
        assert_eq!(out.outcome, Ending::Denied, "{state:?}: {out:?}");
        assert_eq!(out.reason, Some(kind), "{state:?}");
        let line = told(&out);
        assert!(line.contains(words), "{state:?}: {line}");
        assert!(line.contains(link), "{state:?}: {line}");
        let ev = last_event(&sb);
        assert_eq!(ev.codes, [code], "{state:?}: {ev:?}");
        assert_eq!(ev.verdict.map(|v| v.name()), Some(kind_name(kind)));
        assert!(sb.passwd_entry("adele").is_none(), "{state:?}: no account");
        sim.set_user_state(ADELE, UserState::Enabled).unwrap();
    }
}

fn kind_name(k: DenyKind) -> &'static str {
    match k {
        DenyKind::Locked => Verdict::Locked.name(),
        DenyKind::Disabled => Verdict::Disabled.name(),
        DenyKind::PasswordExpired => Verdict::PasswordExpired.name(),
        _ => "",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misconfigured_app_tells_the_person_to_contact_the_admin_and_logs_the_fix() {
    require_root();
    let sim = start_sim().await;
    let sb = Sandbox::new();
    // A client ID the tenant does not know (AADSTS700016).
    let profile = String::from_utf8(mobileconfig(&sim, App::Public, &sb.log_path))
        .unwrap()
        .replace(SESAME_APP, "c3000000-0000-4000-8000-00000000dead");
    let out = native(profile.as_bytes(), &sb, ADELE, ADELE_PASSWORD).await;
    assert_eq!(out.reason, Some(DenyKind::Misconfigured), "{out:?}");
    assert!(
        told(&out).contains("Contact your administrator"),
        "{}",
        told(&out)
    );
    let ev = last_event(&sb);
    assert_eq!(ev.verdict, Some(Verdict::Misconfigured), "{ev:?}");
    assert_eq!(ev.codes, [700016], "{ev:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_decided_within_ten_seconds_and_never_counted_as_wrong() {
    require_root();
    let sim = start_sim().await;
    for kind in [
        FaultKind::Status { status: 503 },
        FaultKind::Status { status: 500 },
        FaultKind::TooManyRequests { retry_after: 30 },
        FaultKind::DropConnection,
        FaultKind::TruncatedBody,
        FaultKind::Delay { ms: 30_000 },
    ] {
        let sb = Sandbox::new();
        let profile = mobileconfig(&sim, App::Public, &sb.log_path);
        // Every request fails, discovery included.
        sim.inject_fault(Fault {
            kind: kind.clone(),
            path: None,
            count: 100,
        });
        let started = Instant::now();
        let out = native(&profile, &sb, ADELE, ADELE_PASSWORD).await;
        let took = started.elapsed();
        sim.clear_faults();
        assert!(
            took < Duration::from_secs(11),
            "{kind:?}: decided in {took:?}"
        );
        assert_eq!(out.outcome, Ending::LocalFallback, "{kind:?}: {out:?}");
        assert!(told(&out).contains("local password"), "{kind:?}");
        let events = read_log(&sb.log_path).unwrap().events;
        assert!(
            events
                .iter()
                .all(|e| e.verdict != Some(Verdict::WrongPassword)),
            "{kind:?}: {events:#?}"
        );
        let last = events.last().unwrap();
        assert_eq!(last.event, EventKind::LocalFallback, "{kind:?}");
        assert!(
            last.message.contains("not counted as a wrong password"),
            "{kind:?}: {}",
            last.message
        );
    }
}

/// A captive portal answers every URL with its own HTML page: Sesame must
/// read that as "no network", not as a broken profile or a wrong password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captive_portal_is_a_fault_not_a_misconfiguration() {
    require_root();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let body = "<html><body>Welcome to Hotel WiFi. Accept the terms to continue.</body></html>";
                let _ = s
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .await;
            });
        }
    });
    let sim = start_sim().await;
    let sb = Sandbox::new();
    let profile = String::from_utf8(mobileconfig(&sim, App::Public, &sb.log_path))
        .unwrap()
        .replace(
            &sim.base_url().to_string(),
            &format!("http://127.0.0.1:{port}"),
        )
        .replace(
            "<key>LogPath</key>",
            "<key>AllowInsecureSimulatedTenant</key><true/><key>LogPath</key>",
        );
    let started = Instant::now();
    let out = native(profile.as_bytes(), &sb, ADELE, ADELE_PASSWORD).await;
    assert!(started.elapsed() < Duration::from_secs(11));
    assert_eq!(out.outcome, Ending::LocalFallback, "{out:?}");
    let last = last_event(&sb);
    assert_eq!(last.event, EventKind::LocalFallback, "{last:?}");
}
