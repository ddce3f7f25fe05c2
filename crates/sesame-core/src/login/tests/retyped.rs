//! A person who keeps typing the password Entra already refused: it is never
//! sent again, and the asking stops after twice WrongPasswordLimit prompts.

use super::*;

fn retype() -> Input {
    Input::PasswordObtained {
        source: PasswordSource::Asked,
        already_refused: true,
    }
}

fn wrong() -> Input {
    check(PasswordVerdict::WrongPassword { code: 50126 })
}

/// After one wrong password (the first prompt), typing it again is asked
/// about again up to six prompts in all (WrongPasswordLimit 3, times two),
/// then the sign-in stops; Entra never sees it again.
#[test]
fn the_refused_password_typed_again_stops_after_twice_the_limit() {
    let mut run = Run::new(rules());
    run.web_until_password(Captured::Current);
    run.feed(obtained());
    assert!(matches!(
        run.feed(wrong()),
        Next::Request(Request::AskPassword { .. })
    ));
    for n in 2..=6 {
        let next = run.feed(retype());
        assert!(
            matches!(next, Next::Request(Request::AskPassword { .. })),
            "prompt {n}: {next:?}"
        );
    }
    let next = run.feed(retype());
    assert_eq!(denied(&next).kind, DenyKind::TooManyWrongPasswords);
    assert_eq!(run.m.wrong_passwords(), 1, "never sent again");
}

/// Prompts after a second wrong password count too: once past the budget,
/// the next re-typed refused password ends the sign-in.
#[test]
fn prompts_after_another_wrong_password_count_toward_the_budget() {
    let mut run = Run::new(rules());
    run.web_until_password(Captured::Current);
    run.feed(obtained());
    run.feed(wrong()); // prompt 1
    for _ in 2..=6 {
        run.feed(retype());
    }
    // A new password, also wrong: prompt 7, asked because it was new.
    assert!(matches!(
        run.feed(Input::PasswordObtained {
            source: PasswordSource::Asked,
            already_refused: false,
        }),
        Next::Request(Request::CheckPassword { .. })
    ));
    assert!(matches!(
        run.feed(wrong()),
        Next::Request(Request::AskPassword { .. })
    ));
    assert_eq!(run.m.wrong_passwords(), 2);
    let next = run.feed(retype());
    assert_eq!(denied(&next).kind, DenyKind::TooManyWrongPasswords);
}

/// Nothing captured on the web: the first prompt for the password counts
/// toward the budget too.
#[test]
fn the_first_prompt_after_a_web_sign_in_counts_toward_the_budget() {
    let mut run = Run::new(rules());
    // Prompt 1: nothing was typed into the web page.
    assert!(matches!(
        run.web_until_password(Captured::Nothing),
        Next::Request(Request::AskPassword { .. })
    ));
    run.feed(Input::PasswordObtained {
        source: PasswordSource::Asked,
        already_refused: false,
    });
    run.feed(wrong()); // prompt 2
    for n in 3..=6 {
        let next = run.feed(retype());
        assert!(
            matches!(next, Next::Request(Request::AskPassword { .. })),
            "prompt {n}: {next:?}"
        );
    }
    let next = run.feed(retype());
    assert_eq!(denied(&next).kind, DenyKind::TooManyWrongPasswords);
}
