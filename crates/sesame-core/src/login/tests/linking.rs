//! Connecting an existing local account (Migrate): the person is asked for
//! its current password three times at most, then told who can help.

use super::*;
use crate::provisioning::DenyReason;

fn needs_local(reason: DenyReason) -> Input {
    Input::Planned {
        plan: Box::new(Plan::Deny {
            short_name: Some("ada".into()),
            reason,
        }),
        facts: PasswordFacts::default(),
    }
}

fn asked(n: &Next) -> &str {
    match n {
        Next::Request(Request::AskOldLocalPassword { message }) => &message.text,
        other => panic!("expected a prompt for the local password, got {other:?}"),
    }
}

#[test]
fn the_existing_accounts_password_is_asked_three_times_at_most() {
    let mut run = Run::new(rules());
    run.web_until_password(Captured::Current);
    run.feed(obtained());
    assert_eq!(
        run.feed(check(PasswordVerdict::Verified)),
        Next::Request(Request::Plan)
    );
    let first = run.feed(needs_local(DenyReason::LocalPasswordNeeded));
    assert!(
        asked(&first).starts_with("An account with your name already exists"),
        "{first:?}"
    );
    for _ in 0..2 {
        let again = run.feed(needs_local(DenyReason::LocalPasswordWrong));
        assert!(asked(&again).contains("Try again"), "{again:?}");
    }
    let next = run.feed(needs_local(DenyReason::LocalPasswordWrong));
    let d = denied(&next);
    assert_eq!(d.kind, DenyKind::Plan);
    assert!(
        d.message
            .text
            .contains("previous password for this computer"),
        "{}",
        d.message.text
    );
}
