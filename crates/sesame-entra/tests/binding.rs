//! A password belongs to exactly one identity: the identity-bound password
//! check against entra-sim over HTTPS.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::*;
use secrecy::ExposeSecret;
use sesame_core::identity::{EntraId, Identity};
use sesame_entra::{
    BindingRefused, EntraClient, PasswordCheckFor, PasswordOwner, PasswordSignIn, PasswordVerdict,
    VerifiedBy,
};

const ADELE_OID: &str = "b2000000-0000-4000-8000-000000000002";
const DIEGO_OID: &str = "b2000000-0000-4000-8000-000000000004";
const ISAIAH_OID: &str = "b2000000-0000-4000-8000-000000000006";

/// The identity a web sign-in of `upn` produces (its validated ID token).
async fn signed_in(client: &EntraClient, upn: &str, password: &str) -> Identity {
    match client
        .sign_in_with_password(upn, &secret(password))
        .await
        .unwrap()
    {
        PasswordSignIn::SignedIn { claims, .. } => claims.to_identity(claims.token_groups()),
        other => panic!("{upn}: {other:?}"),
    }
}

#[tokio::test]
async fn the_password_is_bound_when_the_grants_id_token_is_the_same_identity() {
    let sim = sim().await;
    let client = client(&sim);
    let adele = signed_in(&client, "adele@contoso.example", "Sesame-Demo-2").await;
    let owner = PasswordOwner::of(&adele);
    assert_eq!(owner.username, "adele@contoso.example");
    let outcome = client
        .verify_password_for(&owner, &secret("Sesame-Demo-2"))
        .await
        .unwrap();
    let PasswordCheckFor::Verified { password, check } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(password.identity(), &adele.id);
    assert_eq!(password.verified_by(), VerifiedBy::IdToken);
    assert_eq!(password.password().expose_secret(), "Sesame-Demo-2");
    assert_eq!(check.claims().unwrap().oid, ADELE_OID);
}

/// A stale binding: the UPN recorded for Diego's identity now belongs to
/// Adele (a renamed / reused UPN). Entra verifies Adele's password, and that
/// must never become Diego's.
#[tokio::test]
async fn a_password_verified_for_another_oid_is_not_bound() {
    let sim = sim().await;
    let client = client(&sim);
    let owner = PasswordOwner {
        id: EntraId {
            oid: DIEGO_OID.into(),
            tid: sim.tenant_id(),
        },
        username: "adele@contoso.example".into(),
    };
    let outcome = client
        .verify_password_for(&owner, &secret("Sesame-Demo-2"))
        .await
        .unwrap();
    assert_eq!(outcome.check().verdict, PasswordVerdict::Verified);
    match outcome {
        PasswordCheckFor::NotBound {
            refused: BindingRefused::OtherIdentity { verified_for, .. },
            ..
        } => assert_eq!(verified_for.oid, ADELE_OID),
        other => panic!("{other:?}"),
    }
}

/// Isaiah has per-user MFA: the password grant is interrupted (AADSTS50076)
/// with no tokens. The username sent is the identity's own, so it binds.
#[tokio::test]
async fn an_mfa_interrupt_binds_for_the_identitys_own_username() {
    let sim = sim().await;
    let client = client(&sim);
    let owner = PasswordOwner {
        id: EntraId {
            oid: ISAIAH_OID.into(),
            tid: sim.tenant_id(),
        },
        username: "isaiah@contoso.example".into(),
    };
    let outcome = client
        .verify_password_for(&owner, &secret("Sesame-Demo-6"))
        .await
        .unwrap();
    let PasswordCheckFor::Verified { password, check } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(check.tokens().is_none());
    assert!(matches!(
        password.verified_by(),
        VerifiedBy::Interrupt { .. }
    ));
    assert_eq!(password.identity(), &owner.id);
    // Native sign-in gets no identity out of an interrupt.
    let native = client
        .sign_in_with_password("isaiah@contoso.example", &secret("Sesame-Demo-6"))
        .await
        .unwrap();
    match native {
        PasswordSignIn::NotSignedIn { check } => assert!(
            matches!(check.verdict, PasswordVerdict::VerifiedInterrupted { .. }),
            "{:?}",
            check.verdict
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_password_is_not_verified_for_anybody() {
    let sim = sim().await;
    let client = client(&sim);
    let adele = signed_in(&client, "adele@contoso.example", "Sesame-Demo-2").await;
    let outcome = client
        .verify_password_for(&PasswordOwner::of(&adele), &secret("Wrong-Password-1"))
        .await
        .unwrap();
    assert!(outcome.verified().is_none());
    assert_eq!(
        outcome.check().verdict,
        PasswordVerdict::WrongPassword { code: 50126 }
    );
}

#[tokio::test]
async fn native_sign_in_makes_the_grants_id_token_the_identity() {
    let sim = sim().await;
    let client = client(&sim);
    match client
        .sign_in_with_password("Adele@Contoso.example", &secret("Sesame-Demo-2"))
        .await
        .unwrap()
    {
        PasswordSignIn::SignedIn {
            claims, password, ..
        } => {
            assert_eq!(claims.oid, ADELE_OID);
            assert_eq!(password.identity().oid, ADELE_OID);
            assert_eq!(password.identity().tid, sim.tenant_id());
        }
        other => panic!("{other:?}"),
    }
}
