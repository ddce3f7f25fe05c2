//! What the agent and the menu-bar daemon do with a verdict: retry later on
//! their own, or stop and involve a person. Fixed answers, written out.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use sesame_core::verdict::{PasswordProof, PasswordVerdict};

/// Every situation, with whether it may simply be retried later (throttling,
/// outages) and the code the helpdesk sees.
fn table() -> Vec<(PasswordVerdict, bool, Option<u32>)> {
    use PasswordVerdict::*;
    vec![
        (Verified, false, None),
        (VerifiedInterrupted { code: 50076 }, false, Some(50076)),
        (WrongPassword { code: 50126 }, false, Some(50126)),
        (Locked { code: 50053 }, false, Some(50053)),
        (PasswordExpired { code: 50055 }, false, Some(50055)),
        (Disabled { code: 50057 }, false, Some(50057)),
        (UnknownUser { code: 50034 }, false, Some(50034)),
        (NotAssigned { code: 50105 }, false, Some(50105)),
        (
            Misconfigured {
                code: Some(7000218),
                fix: "Allow public client flows".into(),
            },
            false,
            Some(7000218),
        ),
        (NotAPasswordAnswer { code: 700082 }, false, Some(700082)),
        (
            Throttled {
                code: Some(50196),
                retry_after_secs: Some(30),
            },
            true,
            Some(50196),
        ),
        (
            Unreachable {
                reason: "timeout".into(),
            },
            true,
            None,
        ),
        (
            Unknown {
                code: Some(9999999),
                raw: "invalid_request".into(),
            },
            false,
            Some(9999999),
        ),
    ]
}

/// Throttling and outages are retried later without anyone doing anything;
/// every other answer needs a person (or an admin) and is not retried blindly.
#[test]
fn only_throttling_and_outages_are_retried_without_a_person() {
    for (v, transient, _) in table() {
        assert_eq!(v.is_transient(), transient, "{v}");
        // A transient answer is never a statement about the password.
        if transient {
            assert!(!v.is_wrong_password() && !v.is_password_verified(), "{v}");
            assert_ne!(v.proof(), PasswordProof::Wrong, "{v}");
        }
    }
}

#[test]
fn each_verdict_carries_the_aadsts_code_entra_sent() {
    for (v, _, code) in table() {
        assert_eq!(v.code(), code, "{v}");
        if let Some(c) = code {
            assert!(
                v.to_string().contains(&format!("AADSTS{c}")) || c == 50196,
                "{v}"
            );
        }
    }
}

/// `sesame log` and `sesame explain` print the proof word; it is the same
/// word the JSON carries.
#[test]
fn the_proof_word_printed_is_the_one_stored() {
    for (proof, word) in [
        (PasswordProof::Right, "right"),
        (PasswordProof::Wrong, "wrong"),
        (PasswordProof::Nothing, "nothing"),
        (PasswordProof::Unknown, "unknown"),
    ] {
        assert_eq!(proof.to_string(), word);
        assert_eq!(serde_json::to_value(proof).unwrap(), word);
        assert!(proof.describe().starts_with(word), "{}", proof.describe());
    }
}
