//! What the helpdesk reads in the sync log about the password, and when the
//! front end stops driving the machine.

use time::macros::datetime;

use super::*;

#[test]
fn the_log_says_where_the_password_came_from() {
    for (source, says) in [
        (
            PasswordSource::CapturedCurrent,
            "password captured from the sign-in page",
        ),
        (
            PasswordSource::CapturedNew,
            "password captured from the password change page (the new password)",
        ),
        (
            PasswordSource::Asked,
            "password asked for at the login window",
        ),
        (
            PasswordSource::Native,
            "password typed with the user name (native sign-in)",
        ),
    ] {
        let mut run = Run::new(rules());
        run.web_until_password(Captured::Current);
        run.feed(Input::PasswordObtained {
            source,
            already_refused: false,
        });
        let ev = run.events.last().expect("an event");
        assert_eq!(ev.event, EventKind::PasswordObtained);
        assert_eq!(ev.message, says);
    }
}

/// A front end loops until the transition is final: every request keeps it
/// going; success, a denial and the offline fallback end it.
#[test]
fn only_success_denial_and_fallback_are_final() {
    let now = datetime!(2026-11-28 05:00 UTC);
    let mut m = LoginMachine::new(rules());
    let t = m.step(
        Input::Start {
            front: Front::Web,
            username: None,
        },
        now,
    );
    assert!(matches!(t.next, Next::Request(_)));
    assert!(!t.is_final());
    let t = m.step(Input::WebFailed(WebProblem::Closed), now);
    assert!(matches!(t.next, Next::Denied(_)));
    assert!(t.is_final());

    let mut m = LoginMachine::new(rules());
    m.step(
        Input::Start {
            front: Front::Web,
            username: None,
        },
        now,
    );
    let t = m.step(
        Input::Refused {
            verdict: PasswordVerdict::Unreachable {
                reason: "no network".into(),
            },
            detail: String::new(),
        },
        now,
    );
    assert!(matches!(t.next, Next::LocalFallback(_)));
    assert!(t.is_final());
}

/// The keychain event says what happened to the stored password.
#[test]
fn the_log_says_what_happened_to_the_stored_password() {
    for (stored, action, says) in [
        (
            Stored::Nothing,
            StoreAction::Store,
            "password stored for the menu-bar re-check",
        ),
        (
            Stored::SameAsNew,
            StoreAction::Keep,
            "the verified password was already stored",
        ),
        (
            Stored::Other,
            StoreAction::Replace,
            "stored password replaced together with the local one",
        ),
    ] {
        let mut run = Run::new(rules());
        run.web_until_password(Captured::Current);
        run.feed(obtained());
        run.feed(check(PasswordVerdict::Verified));
        run.feed(Input::Planned {
            plan: a_plan(true),
            facts: PasswordFacts {
                local_is_new: true,
                stored,
                typed_old_local: None,
            },
        });
        assert_eq!(
            run.feed(Input::Applied(Ok(()))),
            Next::Request(Request::Store(action))
        );
        assert!(matches!(run.feed(Input::Stored(Ok(()))), Next::Success(_)));
        let ev = run.events.last().expect("an event");
        assert_eq!(ev.event, EventKind::KeychainUpdated);
        assert_eq!(ev.message, says, "{stored:?}");
    }
}

/// The front end reads who signed in (for the keychain and the binding) and
/// whether the password is local-only.
#[test]
fn the_machine_reports_who_signed_in_and_whether_it_was_passwordless() {
    let mut run = Run::new(rules());
    assert!(run.m.who().is_none());
    run.web_until_password(Captured::Current);
    assert_eq!(run.m.who(), Some(&who()));
    assert!(!run.m.is_passwordless());
}
