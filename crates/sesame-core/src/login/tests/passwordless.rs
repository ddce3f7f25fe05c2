//! PasswordlessLocalPassword offers a local-only password once, and only to
//! someone who signed in on the web without typing any Entra password.

use super::*;

fn opted_in() -> LoginRules {
    let mut r = rules();
    r.passwordless_local_password = true;
    r
}

fn offered(n: &Next) -> bool {
    matches!(n, Next::Request(Request::ChooseLocalPassword { .. }))
}

#[test]
fn a_native_sign_in_is_never_offered_a_local_only_password() {
    let mut run = Run::new(opted_in());
    run.feed(Input::Start {
        front: Front::Native,
        username: Some(ADA.into()),
    });
    let next = run.feed(Input::PasswordDeclined);
    assert_eq!(denied(&next).kind, DenyKind::Cancelled, "{next:?}");
}

#[test]
fn a_captured_password_is_used_not_replaced_by_a_local_only_one() {
    let mut run = Run::new(opted_in());
    run.web_until_password(Captured::Current);
    let next = run.feed(Input::PasswordDeclined);
    assert_eq!(denied(&next).kind, DenyKind::Cancelled, "{next:?}");
}

/// Someone who typed a wrong Entra password and gives up is told so; a
/// local-only password is no way around a wrong one.
#[test]
fn after_a_wrong_password_declining_is_not_passwordless() {
    let mut run = Run::new(opted_in());
    run.web_until_password(Captured::Nothing);
    run.feed(Input::PasswordObtained {
        source: PasswordSource::Asked,
        already_refused: false,
    });
    run.feed(check(PasswordVerdict::WrongPassword { code: 50126 }));
    let next = run.feed(Input::PasswordDeclined);
    assert!(!offered(&next), "{next:?}");
    assert_eq!(denied(&next).kind, DenyKind::WrongPassword);
}

#[test]
fn declining_the_local_only_password_too_ends_the_sign_in() {
    let mut run = Run::new(opted_in());
    run.web_until_password(Captured::Nothing);
    assert!(offered(&run.feed(Input::PasswordDeclined)));
    assert!(run.m.is_passwordless());
    let next = run.feed(Input::PasswordDeclined);
    assert_eq!(denied(&next).kind, DenyKind::Cancelled, "{next:?}");
}

/// A local-only password the machine never offered is refused: it cannot
/// stand in for the Entra password.
#[test]
fn a_local_only_password_that_was_not_offered_is_refused() {
    let mut run = Run::new(opted_in());
    run.web_until_password(Captured::Nothing);
    let next = run.feed(Input::LocalPasswordChosen);
    assert_eq!(denied(&next).kind, DenyKind::Failed, "{next:?}");
    assert!(!run.m.is_passwordless());
}
