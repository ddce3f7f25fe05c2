//! Quiet mode's reading of refresh answers, and the Graph expiry facts.

use super::*;
use crate::recheck::expiry::{ExpiryFacts, graph_due};
use crate::recheck::quiet::{RefreshAnswer, after_refresh, refresh_answer};
use crate::recheck::state::{Record, SyncState};
use crate::verdict::PasswordVerdict as V;

#[test]
fn refresh_answers_read_as_a_user_expects() {
    let p = hourly();
    // (Entra's code, the client's verdict, state after)
    for (code, verdict, want) in [
        // Revoked by the password change (or reset): no password was sent.
        (
            Some(50173),
            V::NotAPasswordAnswer { code: 50173 },
            SyncState::CloudPasswordChanged,
        ),
        (
            Some(50133),
            V::Unknown {
                code: Some(50133),
                raw: String::new(),
            },
            SyncState::CloudPasswordChanged,
        ),
        // The code alone decides, whatever the catalog made of it.
        (
            Some(50173),
            V::Unknown {
                code: None,
                raw: String::new(),
            },
            SyncState::CloudPasswordChanged,
        ),
        // CA demands MFA on a valid token: still in sync.
        (
            Some(50076),
            V::VerifiedInterrupted { code: 50076 },
            SyncState::InSync,
        ),
        (
            Some(50057),
            V::Disabled { code: 50057 },
            SyncState::Disabled,
        ),
        (
            Some(50105),
            V::NotAssigned { code: 50105 },
            SyncState::NotAssigned,
        ),
        // Outages and throttling back off like a password check.
        (
            None,
            V::Unreachable {
                reason: "503".into(),
            },
            SyncState::Offline,
        ),
        (
            Some(50196),
            V::Throttled {
                code: Some(50196),
                retry_after_secs: Some(900),
            },
            SyncState::Throttled,
        ),
        // The token itself is gone: sign in again.
        (
            Some(700082),
            V::NotAPasswordAnswer { code: 700082 },
            SyncState::NeedsSignIn,
        ),
        (
            Some(70000),
            V::Unknown {
                code: Some(70000),
                raw: String::new(),
            },
            SyncState::NeedsSignIn,
        ),
    ] {
        let answer = refresh_answer(code, &verdict);
        let mut r = Record::new(T0);
        after_refresh(&mut r, &answer, &p, SEED, T0);
        assert_eq!(r.state, want, "{code:?} {verdict:?} -> {answer:?}");
    }
    assert_eq!(
        refresh_answer(Some(50173), &V::NotAPasswordAnswer { code: 50173 }),
        RefreshAnswer::Refused { code: Some(50173) }
    );
}

#[test]
fn a_throttled_refresh_holds_every_request_until_retry_after() {
    let mut r = Record::new(T0);
    let answer = refresh_answer(
        Some(50196),
        &V::Throttled {
            code: Some(50196),
            retry_after_secs: Some(900),
        },
    );
    after_refresh(&mut r, &answer, &hourly(), SEED, T0);
    assert!(r.held_at(T0 + min(14)), "{r:?}");
}

#[test]
fn graph_is_asked_at_most_once_a_day() {
    assert!(graph_due(None, T0));
    assert!(!graph_due(Some(T0), T0 + Duration::hours(23)));
    assert!(graph_due(Some(T0), T0 + Duration::hours(24)));
    // A clock set back does not make it due again.
    assert!(!graph_due(Some(T0), T0 - Duration::hours(5)));
}

#[test]
fn the_record_prefers_pwd_exp_then_graph_facts() {
    let mut r = Record::new(T0);
    assert_eq!(r.expires(), None);
    r.graph_expiry = Some(ExpiryFacts {
        last_change: Some(T0 - Duration::days(85)),
        validity_days: Some(90),
        ..ExpiryFacts::default()
    });
    assert_eq!(r.expires(), Some(T0 + Duration::days(5)));
    r.graph_expiry.as_mut().unwrap().password_policies = Some("DisablePasswordExpiration".into());
    assert_eq!(r.expires(), None);
    r.password_expires = Some(T0 + Duration::days(2));
    assert_eq!(r.expires(), Some(T0 + Duration::days(2)));
    // The facts survive a restart (the record file).
    let back: Record = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(back, r);
}
