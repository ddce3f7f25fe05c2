//! How the sync log words the proof that a password belongs to the person
//! who signed in, so a helpdesk person can tell the two kinds apart.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use sesame_core::password_binding::VerifiedBy;

#[test]
fn each_kind_of_proof_reads_plainly() {
    assert_eq!(
        VerifiedBy::IdToken.to_string(),
        "ID token of the same oid + tid"
    );
    assert_eq!(
        VerifiedBy::Interrupt { code: 50076 }.to_string(),
        "AADSTS50076 (MFA / Conditional Access) for the identity's own username"
    );
}
