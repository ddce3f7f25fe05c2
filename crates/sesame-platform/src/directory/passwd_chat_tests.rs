//! Table tests of the `passwd` conversation, from transcripts recorded on
//! Debian 12 (pam_unix `obscure`) and the documented messages of
//! pam_pwquality, pam_cracklib and pam_pwhistory.

use super::*;
use PasswordChangeRefusal as R;
use Prompt::*;

const HELLO: &str = "Changing password for ada.\r\n";

#[test]
fn the_path_is_the_users_own_only_for_a_user_on_this_machine() {
    for (euid, this_machine, want) in [
        (1000, true, PasswordPath::AsUser),
        (0, true, PasswordPath::Privileged),
        (0, false, PasswordPath::Privileged),
        (1000, false, PasswordPath::Privileged),
    ] {
        assert_eq!(
            PasswordPath::choose(euid, this_machine),
            want,
            "{euid} {this_machine}"
        );
    }
}

#[test]
fn each_prompt_gets_its_answer_in_order() {
    let table: &[(&str, &[Prompt], Step)] = &[
        (HELLO, &[], Step::Wait),
        (
            "Changing password for ada.\r\nCurrent pass",
            &[],
            Step::Wait,
        ),
        (
            "Changing password for ada.\r\nCurrent password: ",
            &[],
            Step::Answer(Current),
        ),
        ("\r\nNew password: ", &[Current], Step::Answer(New)),
        (
            "\r\nRetype new password: ",
            &[Current, New],
            Step::Answer(Retype),
        ),
        // Older Linux-PAM wording.
        ("(current) UNIX password: ", &[], Step::Answer(Current)),
        ("Enter new UNIX password: ", &[Current], Step::Answer(New)),
        (
            "Retype new UNIX password: ",
            &[Current, New],
            Step::Answer(Retype),
        ),
        (
            "\r\npasswd: password updated successfully\r\n",
            &[Current, New, Retype],
            Step::Wait,
        ),
    ];
    for (text, answered, want) in table {
        assert_eq!(
            &next_step(text, answered),
            want,
            "{text:?} after {answered:?}"
        );
    }
}

#[test]
fn a_refused_new_password_stops_the_conversation_with_the_reason() {
    let after = [Current, New, Retype];
    let table: &[(&str, PolicyRule, &str)] = &[
        (
            "\r\nYou must choose a longer password.\r\nNew password: ",
            PolicyRule::TooShort,
            "You must choose a longer password.",
        ),
        (
            "\r\nThe password has not been changed.\r\nNew password: ",
            PolicyRule::TooSimilar,
            "The password has not been changed.",
        ),
        (
            "\r\nBAD PASSWORD: The password is shorter than 8 characters\r\nNew password: ",
            PolicyRule::TooShort,
            "The password is shorter than 8 characters",
        ),
        (
            "\r\nBAD PASSWORD: The password fails the dictionary check - it is based on a dictionary word\r\nNew password: ",
            PolicyRule::Dictionary,
            "The password fails the dictionary check - it is based on a dictionary word",
        ),
        (
            "\r\nBAD PASSWORD: The password is too similar to the old one\r\nNew password: ",
            PolicyRule::TooSimilar,
            "The password is too similar to the old one",
        ),
        (
            "\r\nBAD PASSWORD: The password contains less than 3 character classes\r\nNew password: ",
            PolicyRule::TooSimple,
            "The password contains less than 3 character classes",
        ),
        (
            "\r\nBad: new password is too simple\r\nNew password: ",
            PolicyRule::TooSimple,
            "Bad: new password is too simple",
        ),
        (
            "\r\nPassword has been already used. Choose another.\r\nNew password: ",
            PolicyRule::Reused,
            "Password has been already used. Choose another.",
        ),
        (
            "\r\nBAD PASSWORD: it is WAY too short\r\nNew password: ",
            PolicyRule::TooShort,
            "it is WAY too short",
        ),
    ];
    for (text, rule, says) in table {
        assert_eq!(
            next_step(text, &after),
            Step::GiveUp(R::Policy {
                rule: *rule,
                says: (*says).to_owned()
            }),
            "{text:?}"
        );
    }
}

#[test]
fn refusals_stated_before_or_instead_of_a_prompt_are_named() {
    let table: &[(&str, &[Prompt], R)] = &[
        (
            "Changing password for ada.\r\nYou must wait longer to change your password.\r\n",
            &[Current],
            R::TooSoon,
        ),
        (
            "Your account has expired; please contact your system administrator.\r\n",
            &[],
            R::AccountExpired,
        ),
        (
            "passwd: You may not view or modify password information for root.\r\n",
            &[],
            R::NotAllowed,
        ),
        // Asked for the current password again: the first was wrong.
        (
            "\r\nCurrent password: ",
            &[Current],
            R::CurrentPasswordWrong,
        ),
        (
            "Enter the code from your phone: ",
            &[Current],
            R::Unexpected(
                "it asked \"Enter the code from your phone:\", which Sesame does not answer".into(),
            ),
        ),
    ];
    for (text, answered, want) in table {
        assert_eq!(
            next_step(text, answered),
            Step::GiveUp(want.clone()),
            "{text:?}"
        );
    }
}

#[test]
fn the_exit_and_last_words_give_the_outcome() {
    let all = [Current, New, Retype];
    let auth_error =
        "\r\npasswd: Authentication token manipulation error\r\npasswd: password unchanged\r\n";
    type Row<'a> = (&'a str, &'a [Prompt], Option<i32>, Result<(), R>);
    let table: &[Row] = &[
        (
            "\r\npasswd: password updated successfully\r\n",
            &all,
            Some(0),
            Ok(()),
        ),
        // Debian 12, a wrong current password: status 10 after the first answer.
        (
            auth_error,
            &[Current],
            Some(10),
            Err(R::CurrentPasswordWrong),
        ),
        // A stack without retries ends after the refusal.
        (
            "\r\nYou must choose a longer password.\r\npasswd: Authentication token manipulation error\r\npasswd: password unchanged\r\n",
            &all,
            Some(10),
            Err(R::Policy {
                rule: PolicyRule::TooShort,
                says: "You must choose a longer password.".into(),
            }),
        ),
        (
            "\r\nSorry, passwords do not match.\r\npasswd: Authentication token manipulation error\r\n",
            &all,
            Some(10),
            Err(R::Unexpected(
                "it says the two new passwords did not match".into(),
            )),
        ),
        // Success without the two new-password answers is not success.
        (
            "",
            &[Current],
            Some(0),
            Err(R::Unexpected(
                "it exited without asking for the new password twice".into(),
            )),
        ),
        (
            "",
            &[],
            Some(1),
            Err(R::Unexpected("it exited with status 1".into())),
        ),
        (
            "",
            &[],
            None,
            Err(R::Unexpected("it was stopped by a signal".into())),
        ),
        (
            "passwd: Authentication token manipulation error\r\n",
            &[],
            Some(10),
            Err(R::Unexpected(
                "passwd: Authentication token manipulation error".into(),
            )),
        ),
        (
            "Your account has expired; please contact your system administrator.\r\n",
            &[],
            Some(1),
            Err(R::AccountExpired),
        ),
    ];
    for (text, answered, status, want) in table {
        assert_eq!(&outcome(text, answered, *status, None), want, "{text:?}");
    }
    // What the conversation already found wins over the exit status.
    assert_eq!(outcome("", &all, None, Some(R::TooSoon)), Err(R::TooSoon));
}

#[test]
fn passwd_status_names_a_locked_account() {
    assert!(status_says_locked("ada L 2026-11-28 0 99999 7 -1\n", "ada"));
    assert!(status_says_locked(
        "ada LK 2026-11-28 0 99999 7 -1\n",
        "ada"
    ));
    assert!(!status_says_locked(
        "ada P 2026-11-28 0 99999 7 -1\n",
        "ada"
    ));
    assert!(!status_says_locked(
        "adam L 2026-11-28 0 99999 7 -1\n",
        "ada"
    ));
    assert!(!status_says_locked("", "ada"));
}

#[test]
fn a_refusal_reads_as_a_sentence_with_what_to_do() {
    let r = R::Policy {
        rule: PolicyRule::TooSimilar,
        says: "The password is too similar to the old one".into(),
    };
    assert_eq!(
        r.to_string(),
        "this computer's password rules refused the new password (The password is too similar to the old one)"
    );
    assert!(R::Locked.to_string().contains("administrator"));
}
