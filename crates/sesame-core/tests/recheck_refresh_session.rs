//! Quiet mode's stored session, as a helpdesk person meets it: a log line
//! says whose session and which app, never the refresh token; the menu says
//! why quiet mode cannot work for a session; a rotated token keeps the
//! session bound to the same person.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use secrecy::{ExposeSecret, SecretString};
use sesame_core::identity::EntraId;
use sesame_core::recheck::{QuietBlocker, RefreshSession};

const TOKEN: &str = "0.AAAAquiet-mode-refresh-token-must-never-be-logged";

fn session(password_sign_in: bool, confidential: bool) -> RefreshSession {
    RefreshSession {
        id: EntraId {
            oid: "0c5b5d4e-8f3a-4c1e-9d2b-7a6f5e4d3c2b".into(),
            tid: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        },
        client_id: "b2a3c4d5-e6f7-4890-a1b2-c3d4e5f60718".into(),
        endpoint: "v2".into(),
        scope: "openid offline_access".into(),
        password_sign_in,
        confidential,
        refresh_token: SecretString::from(TOKEN.to_owned()),
    }
}

#[test]
fn a_logged_session_names_the_user_and_app_but_never_the_token() {
    let shown = format!("{:?}", session(true, false));
    assert!(
        shown.contains("0c5b5d4e-8f3a-4c1e-9d2b-7a6f5e4d3c2b"),
        "{shown}"
    );
    assert!(
        shown.contains("b2a3c4d5-e6f7-4890-a1b2-c3d4e5f60718"),
        "{shown}"
    );
    assert!(shown.contains("[redacted]"), "{shown}");
    assert!(!shown.contains("quiet-mode-refresh-token"), "{shown}");
}

#[test]
fn the_menu_says_why_quiet_mode_cannot_watch_a_session() {
    assert_eq!(session(true, false).blocker(), None);
    assert_eq!(
        session(true, true).blocker(),
        Some(QuietBlocker::ConfidentialClient)
    );
    assert_eq!(
        session(false, false).blocker(),
        Some(QuietBlocker::Passwordless)
    );
}

#[test]
fn a_rotated_token_stays_bound_to_the_same_person_and_app() {
    let old = session(true, false);
    let new = old.rotated(SecretString::from("0.AAAArotated".to_owned()));
    assert_eq!(new.refresh_token.expose_secret(), "0.AAAArotated");
    assert_eq!(new.id, old.id);
    assert_eq!(new.client_id, old.client_id);
    assert_eq!(
        (new.endpoint.as_str(), new.scope.as_str()),
        ("v2", "openid offline_access")
    );
    assert_eq!(new.blocker(), None);
}
