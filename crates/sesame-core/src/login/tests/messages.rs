//! What the person reads when the agent prints a message on one line
//! (`sesame-agent login` prints the sentence, then the link), and what the
//! helpdesk reads when Entra could not be reached: which profile rule let the
//! person in with the local password.

use super::*;

/// A native sign-in by Ada under `r` whose password check gives `verdict`.
fn native_answer(r: LoginRules, verdict: PasswordVerdict) -> (Run, Next) {
    let mut run = Run::new(r);
    run.feed(Input::Start {
        front: Front::Native,
        username: Some(ADA.into()),
    });
    run.feed(Input::PasswordObtained {
        source: PasswordSource::Native,
        already_refused: false,
    });
    let next = run.feed(check(verdict));
    (run, next)
}

fn locked_out() -> Denial {
    let (_, next) = native_answer(rules(), PasswordVerdict::Locked { code: 50053 });
    denied(&next).clone()
}

#[test]
fn a_message_with_a_link_reads_as_the_sentence_then_the_link() {
    let d = locked_out();
    let expected = format!(
        "Your account is locked for now. Wait a few minutes, or reset your password. {RESET}"
    );
    assert_eq!(d.message.one_line(), expected);
    assert_eq!(d.message.to_string(), expected, "Display is the same line");
}

#[test]
fn a_message_without_a_link_is_just_the_sentence() {
    let (_, next) = native_answer(rules(), PasswordVerdict::UnknownUser { code: 50034 });
    let d = denied(&next).clone();
    let expected =
        "There is no such account in your organisation. Check the user name and try again.";
    assert_eq!(d.message.link, None);
    assert_eq!(d.message.one_line(), expected, "no trailing link or space");
    assert_eq!(d.message.to_string(), expected);
}

/// Entra unreachable with `rules`: the fallback's reason and the logged line.
fn offline_reason(r: LoginRules) -> (String, String) {
    let (run, next) = native_answer(
        r,
        PasswordVerdict::Unreachable {
            reason: "timed out after 10 s".into(),
        },
    );
    let Next::LocalFallback(f) = next else {
        panic!("expected the local-password fallback, got {next:?}")
    };
    let logged = run.events.last().expect("an event").message.clone();
    (f.why, logged)
}

/// The helpdesk reads which profile key allowed the local password offline,
/// so they know what to change if it should not have been allowed.
#[test]
fn the_log_names_the_profile_rule_that_allowed_the_local_password_offline() {
    let mut deny_local_off = rules();
    deny_local_off.deny_local = false;
    // LocalFallback on too: DenyLocal off is still the reason given first.
    deny_local_off.local_fallback = true;

    let mut fallback_on = rules();
    fallback_on.deny_local = true;
    fallback_on.local_fallback = true;

    let mut excluded = rules();
    excluded.deny_local = true;
    excluded.local_fallback = false;
    excluded.deny_local_excluded = vec!["ada".into()];

    for (r, rule) in [
        (deny_local_off, "(DenyLocal is off)"),
        (fallback_on, "(LocalFallback is on)"),
        (excluded, "(the user is in DenyLocalExcluded)"),
    ] {
        let (why, logged) = offline_reason(r);
        assert!(why.contains("timed out after 10 s"), "{why}");
        assert!(
            why.ends_with(&format!(
                "; local password allowed {rule}; not counted as a wrong password"
            )),
            "{why}"
        );
        assert!(logged.contains(rule), "{rule}: {logged}");
    }
}
