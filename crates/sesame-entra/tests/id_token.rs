//! ID-token validation: key rotation, the JWKS lifetime and clock skew
//! against entra-sim, the token attacks (alg none, HS256 keyed with the RSA
//! public key, foreign keys, wrong iss / aud / tid / nonce, expired, not yet
//! valid), and refreshed tokens that must continue the original sign-in.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use entra_sim::keys::KeySet;
use openidconnect::Nonce;
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use serde_json::{Value, json};
use sesame_entra::discovery::Version;
use sesame_entra::id_token::{Expected, IdTokenError, NonceRule, validate};
use sesame_entra::jwk::TenantKeys;
use sesame_entra::token::parse_token_response;
use sesame_entra::{Clock, EntraClient, PasswordVerdict, TokenError};

const TID: &str = "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f";
const ISS: &str = "https://login.example/6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f/v2.0";
const AUD: &str = "c3000000-0000-4000-8000-000000000001";

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn claims() -> Value {
    let now = now_secs();
    json!({
        "iss": ISS, "aud": AUD, "tid": TID, "sub": "s", "oid": "b2000000-0000-4000-8000-000000000002",
        "iat": now, "nbf": now, "exp": now + 3600, "nonce": "n-123", "preferred_username": "adele@contoso.example",
        "ver": "2.0"
    })
}

struct Keys {
    set: KeySet,
    jwks: TenantKeys,
}

fn keys() -> Keys {
    let set = KeySet::generate().unwrap();
    let jwks = serde_json::from_value(set.jwks(None)).unwrap();
    Keys { set, jwks }
}

fn expected<'a>(nonce: Option<&'a Nonce>) -> Expected<'a> {
    Expected {
        version: Version::V2,
        issuer: ISS,
        client_id: AUD,
        tenant_id: TID,
        nonce: nonce.into(),
        same_identity_as: None,
        skew: Duration::from_secs(300),
        now: SystemTime::now(),
    }
}

fn check(
    token: &str,
    jwks: &TenantKeys,
    nonce: Option<&Nonce>,
) -> Result<sesame_entra::EntraClaims, IdTokenError> {
    validate(&secret(token), jwks, &expected(nonce))
}

fn with(mut c: Value, key: &str, v: Value) -> Value {
    c[key] = v;
    c
}

#[test]
fn a_well_formed_token_validates() {
    let k = keys();
    let nonce = Nonce::new("n-123".into());
    let t = k.set.active().sign(&claims()).unwrap();
    let c = check(&t, &k.jwks, Some(&nonce)).unwrap();
    assert_eq!(c.tid, TID);
    assert_eq!(c.username(), "adele@contoso.example");
}

#[test]
fn unsigned_and_symmetric_tokens_are_refused() {
    let k = keys();
    let nonce = Nonce::new("n-123".into());
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    // alg: none, with and without a trailing signature segment.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims())
    );
    let err = check(&none, &k.jwks, Some(&nonce)).unwrap_err();
    assert!(
        matches!(
            err,
            IdTokenError::DisallowedAlgorithm(_) | IdTokenError::Malformed(_)
        ),
        "{err:?}"
    );

    // HS256 keyed with the RSA public key, in every encoding an attacker might try.
    let jwk = &k.set.jwks(None)["keys"][0];
    let n =
        rsa::BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap());
    let e =
        rsa::BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(jwk["e"].as_str().unwrap()).unwrap());
    let public = rsa::RsaPublicKey::new(n, e).unwrap();
    let secrets: Vec<Vec<u8>> = vec![
        public
            .to_public_key_pem(LineEnding::LF)
            .unwrap()
            .into_bytes(),
        public.to_pkcs1_pem(LineEnding::LF).unwrap().into_bytes(),
        public.to_public_key_der().unwrap().as_bytes().to_vec(),
    ];
    for (alg, jalg) in [
        ("HS256", jsonwebtoken::Algorithm::HS256),
        ("HS384", jsonwebtoken::Algorithm::HS384),
        ("HS512", jsonwebtoken::Algorithm::HS512),
    ] {
        for s in &secrets {
            let mut header = jsonwebtoken::Header::new(jalg);
            header.kid = Some(jwk["kid"].as_str().unwrap().to_owned());
            let forged = jsonwebtoken::encode(
                &header,
                &claims(),
                &jsonwebtoken::EncodingKey::from_secret(s),
            )
            .unwrap();
            let err = check(&forged, &k.jwks, Some(&nonce)).unwrap_err();
            assert!(
                matches!(err, IdTokenError::DisallowedAlgorithm(_)),
                "{alg}: {err:?}"
            );
        }
    }
}

#[test]
fn foreign_keys_and_tampered_payloads_are_refused() {
    let k = keys();
    let other = keys();
    let nonce = Nonce::new("n-123".into());
    let foreign = other.set.active().sign(&claims()).unwrap();
    assert_eq!(
        check(&foreign, &k.jwks, Some(&nonce)).unwrap_err(),
        IdTokenError::UnknownKey
    );
    // Same kid, payload swapped after signing.
    let good = k.set.active().sign(&claims()).unwrap();
    let parts: Vec<&str> = good.split('.').collect();
    let evil = URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&with(claims(), "oid", json!("attacker"))).unwrap());
    let tampered = format!("{}.{}.{}", parts[0], evil, parts[2]);
    assert!(matches!(
        check(&tampered, &k.jwks, Some(&nonce)).unwrap_err(),
        IdTokenError::BadSignature(_)
    ));
    assert!(matches!(
        check("not.a.jwt", &k.jwks, None).unwrap_err(),
        IdTokenError::Malformed(_)
    ));
}

#[test]
fn keys_published_for_anything_but_rs256_signing_are_never_used() {
    let k = keys();
    let nonce = Nonce::new("n-123".into());
    let t = k.set.active().sign(&claims()).unwrap();
    let published = k.set.jwks(None);
    let variant = |edit: &dyn Fn(&mut Value)| -> TenantKeys {
        let mut doc = published.clone();
        edit(&mut doc["keys"][0]);
        serde_json::from_value(doc).unwrap()
    };
    type Edit = Box<dyn Fn(&mut Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        ("use enc", Box::new(|j| j["use"] = json!("enc"))),
        ("alg RS384", Box::new(|j| j["alg"] = json!("RS384"))),
        ("alg RSA-OAEP", Box::new(|j| j["alg"] = json!("RSA-OAEP"))),
        ("kty oct", Box::new(|j| j["kty"] = json!("oct"))),
        ("no modulus", Box::new(|j| j["n"] = Value::Null)),
        (
            "modulus not base64url",
            Box::new(|j| j["n"] = json!("*not base64*")),
        ),
    ];
    for (what, edit) in edits {
        let jwks = variant(edit.as_ref());
        assert_eq!(
            check(&t, &jwks, Some(&nonce)).unwrap_err(),
            IdTokenError::UnknownKey,
            "{what}"
        );
    }
    // The same key without `use` and `alg` (both optional) still verifies.
    let bare = variant(&|j| {
        let o = j.as_object_mut().unwrap();
        o.remove("use");
        o.remove("alg");
    });
    assert!(check(&t, &bare, Some(&nonce)).is_ok());
    // Another (and too short) modulus under the same kid: refused.
    let short = variant(&|j| j["n"] = json!(URL_SAFE_NO_PAD.encode([0xC3u8; 128])));
    assert!(matches!(
        check(&t, &short, Some(&nonce)).unwrap_err(),
        IdTokenError::BadSignature(_)
    ));
}

#[test]
fn wrong_claims_are_refused_each_for_its_reason() {
    let k = keys();
    let nonce = Nonce::new("n-123".into());
    let sign = |c: Value| k.set.active().sign(&c).unwrap();
    let now = now_secs();
    let v1_issuer = format!("https://sts.windows.net/{TID}/");
    type Case = (Value, fn(&IdTokenError) -> bool);
    let cases: Vec<Case> = vec![
        (with(claims(), "iss", json!(v1_issuer)), |e| {
            matches!(e, IdTokenError::Issuer(_))
        }),
        (with(claims(), "iss", json!(format!("{ISS}/"))), |e| {
            matches!(e, IdTokenError::Issuer(_))
        }),
        (with(claims(), "aud", json!("another-app")), |e| {
            matches!(e, IdTokenError::Audience(_))
        }),
        (with(claims(), "aud", json!([AUD, "another-app"])), |e| {
            matches!(e, IdTokenError::Audience(_))
        }),
        (
            with(
                claims(),
                "tid",
                json!("00000000-0000-0000-0000-000000000001"),
            ),
            |e| matches!(e, IdTokenError::Tenant { .. }),
        ),
        (with(claims(), "nonce", json!("n-other")), |e| {
            matches!(e, IdTokenError::Nonce(_))
        }),
        (with(claims(), "exp", json!(now - 301)), |e| {
            matches!(e, IdTokenError::Time(_))
        }),
        (with(claims(), "iat", json!(now + 301)), |e| {
            matches!(e, IdTokenError::Time(_))
        }),
        (with(claims(), "nbf", json!(now + 301)), |e| {
            matches!(e, IdTokenError::Time(_))
        }),
    ];
    for (c, ok) in cases {
        let err = check(&sign(c.clone()), &k.jwks, Some(&nonce)).unwrap_err();
        assert!(ok(&err), "{c}: {err:?}");
    }
    // Missing nonce when one was sent; a nonce when none was sent.
    let mut no_nonce = claims();
    no_nonce.as_object_mut().unwrap().remove("nonce");
    assert!(matches!(
        check(&sign(no_nonce.clone()), &k.jwks, Some(&nonce)).unwrap_err(),
        IdTokenError::Nonce(_)
    ));
    assert!(matches!(
        check(&sign(claims()), &k.jwks, None).unwrap_err(),
        IdTokenError::Nonce(_)
    ));
    assert!(check(&sign(no_nonce), &k.jwks, None).is_ok());
    // Within the skew is fine.
    let slightly_off = with(
        with(claims(), "exp", json!(now - 200)),
        "iat",
        json!(now - 4000),
    );
    assert!(
        check(
            &sign(with(slightly_off, "nbf", json!(now - 4000))),
            &k.jwks,
            Some(&nonce)
        )
        .is_ok()
    );
    let early = with(
        with(claims(), "iat", json!(now + 200)),
        "nbf",
        json!(now + 200),
    );
    assert!(check(&sign(early), &k.jwks, Some(&nonce)).is_ok());
    // No oid: refused, accounts are bound by oid + tid.
    let mut no_oid = claims();
    no_oid.as_object_mut().unwrap().remove("oid");
    assert!(matches!(
        check(&sign(no_oid), &k.jwks, Some(&nonce)).unwrap_err(),
        IdTokenError::Claims(_)
    ));
}

#[tokio::test]
async fn key_rotation_refetches_the_jwks_once() {
    let sim = sim().await;
    let client = client(&sim);
    let ok = |v: &PasswordVerdict| assert_eq!(*v, PasswordVerdict::Verified);
    ok(&client
        .check_password("adele@contoso.example", &secret("Sesame-Demo-2"))
        .await
        .unwrap()
        .verdict);
    assert_eq!(client.jwks().fetch_count(), 1);
    ok(&client
        .check_password("adele@contoso.example", &secret("Sesame-Demo-2"))
        .await
        .unwrap()
        .verdict);
    assert_eq!(client.jwks().fetch_count(), 1, "warm cache, no refetch");
    sim.rotate_keys().unwrap();
    ok(&client
        .check_password("adele@contoso.example", &secret("Sesame-Demo-2"))
        .await
        .unwrap()
        .verdict);
    assert_eq!(client.jwks().fetch_count(), 2, "unknown kid: one refetch");
    // A token signed with a key the tenant never published: one more refetch
    // is allowed only after the interval, so a flood costs nothing.
    let stranger = KeySet::generate().unwrap();
    let now = now_secs();
    let forged = stranger
        .active()
        .sign(&json!({"iss": sim.issuer_v2(), "aud": SESAME_APP, "tid": sim.tenant_id(), "sub": "s", "oid": "o", "iat": now, "exp": now + 600}))
        .unwrap();
    for _ in 0..5 {
        let err = client
            .validate_id_token(&secret(&forged), Version::V2, SESAME_APP, None)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("key not in the tenant's JWKS"),
            "{err}"
        );
    }
    assert_eq!(
        client.jwks().fetch_count(),
        2,
        "forged kids are rate-limited"
    );
    // After the rollover finishes, new tokens still validate.
    sim.finish_rollover();
    ok(&client
        .check_password("adele@contoso.example", &secret("Sesame-Demo-2"))
        .await
        .unwrap()
        .verdict);
}

#[tokio::test]
async fn clock_skew_is_allowed_up_to_the_configured_limit() {
    let sim = sim().await;
    // Our clock 4 minutes behind Entra: tokens look issued in the future, within 5 min.
    let behind = client_with_clock(&sim, -240);
    assert_eq!(
        behind
            .check_password("adele@contoso.example", &secret("Sesame-Demo-2"))
            .await
            .unwrap()
            .verdict,
        PasswordVerdict::Verified
    );
    // 10 minutes behind: refused, and the verdict says so without calling the password wrong.
    let far = client_with_clock(&sim, -600);
    match far
        .check_password("adele@contoso.example", &secret("Sesame-Demo-2"))
        .await
        .unwrap()
        .verdict
    {
        PasswordVerdict::Unknown { raw, .. } => assert!(raw.contains("time claims"), "{raw}"),
        other => panic!("{other:?}"),
    }
    // Our clock 2 hours ahead: the fresh token is already expired for us.
    let ahead = client_with_clock(&sim, 7200);
    let v = ahead
        .check_password("adele@contoso.example", &secret("Sesame-Demo-2"))
        .await
        .unwrap()
        .verdict;
    assert!(matches!(v, PasswordVerdict::Unknown { .. }), "{v:?}");
    // The sim's clock moved instead of ours: same result.
    sim.advance_clock(time::Duration::minutes(10));
    let normal = client(&sim);
    let v = normal
        .check_password("adele@contoso.example", &secret("Sesame-Demo-2"))
        .await
        .unwrap()
        .verdict;
    assert!(matches!(v, PasswordVerdict::Unknown { .. }), "{v:?}");
}

#[test]
fn a_refreshed_token_must_continue_the_original_sign_in() {
    let k = keys();
    let sent = Nonce::new("n-123".into());
    let sign = |c: Value| k.set.active().sign(&c).unwrap();
    let original = check(&sign(claims()), &k.jwks, Some(&sent)).unwrap();
    let refreshed = |c: Value, original: &sesame_entra::EntraClaims| {
        validate(
            &secret(&sign(c)),
            &k.jwks,
            &Expected {
                nonce: NonceRule::Refreshed {
                    original: Some(&sent),
                },
                same_identity_as: Some(original),
                ..expected(None)
            },
        )
    };
    // Entra omits the nonce on refresh, or echoes the original one: both fine.
    let mut no_nonce = claims();
    no_nonce.as_object_mut().unwrap().remove("nonce");
    assert_eq!(
        refreshed(no_nonce.clone(), &original).unwrap().oid,
        original.oid
    );
    assert!(refreshed(claims(), &original).is_ok());
    // Any other nonce is refused.
    let err = refreshed(with(claims(), "nonce", json!("n-other")), &original).unwrap_err();
    assert!(matches!(err, IdTokenError::Nonce(_)), "{err:?}");
    // A nonce on the refresh of a sign-in that had none is refused too.
    let err = validate(
        &secret(&sign(claims())),
        &k.jwks,
        &Expected {
            nonce: NonceRule::Refreshed { original: None },
            same_identity_as: Some(&original),
            ..expected(None)
        },
    )
    .unwrap_err();
    assert!(matches!(err, IdTokenError::Nonce(_)), "{err:?}");
    // Another user (oid), another subject (sub): refused, whatever the signature.
    for (claim, value) in [
        ("oid", "b2000000-0000-4000-8000-000000000099"),
        ("sub", "another-subject"),
    ] {
        let err = refreshed(with(no_nonce.clone(), claim, json!(value)), &original).unwrap_err();
        assert_eq!(err, IdTokenError::IdentityChanged { claim }, "{claim}");
    }
    // The sign-in being refreshed was for another tenant or issuer: refused.
    let mut other_tenant = original.clone();
    other_tenant.tid = "00000000-0000-0000-0000-000000000001".into();
    assert_eq!(
        refreshed(no_nonce.clone(), &other_tenant).unwrap_err(),
        IdTokenError::IdentityChanged { claim: "tid" }
    );
    let mut other_issuer = original.clone();
    other_issuer.issuer = format!("https://sts.windows.net/{TID}/");
    assert_eq!(
        refreshed(no_nonce, &other_issuer).unwrap_err(),
        IdTokenError::IdentityChanged { claim: "iss" }
    );
}

/// The system clock plus an offset the test moves.
#[derive(Debug, Default)]
struct MovableClock(Mutex<Duration>);

impl MovableClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for MovableClock {
    fn now(&self) -> SystemTime {
        SystemTime::now() + *self.0.lock().unwrap()
    }
}

/// An ID token the sim issues now (password grant, signed with its active key).
async fn fresh_id_token(sim: &entra_sim::SimHandle, client: &EntraClient) -> secrecy::SecretString {
    let url = url::Url::parse(&format!("{}/oauth2/v2.0/token", sim.authority())).unwrap();
    let form = [
        ("grant_type", "password"),
        ("client_id", SESAME_APP),
        ("username", "adele@contoso.example"),
        ("password", "Sesame-Demo-2"),
        ("scope", "openid profile"),
    ];
    let resp = client.http().post_form(&url, &form).await.unwrap();
    parse_token_response(&resp).unwrap().id_token.unwrap()
}

#[tokio::test]
async fn a_key_dropped_after_rollover_is_refused_once_the_cached_keys_expire() {
    let sim = sim().await;
    let clock = Arc::new(MovableClock::default());
    let mut cfg = config(&sim);
    // Ten minutes instead of the default day, so the tokens (one hour) are
    // still within their lifetime when the cached keys expire.
    cfg.jwks_max_age = Duration::from_secs(600);
    let client = EntraClient::with_clock(cfg, clock.clone()).unwrap();
    let validate_now = |t: secrecy::SecretString| {
        let client = &client;
        async move {
            client
                .validate_id_token(&t, Version::V2, SESAME_APP, None)
                .await
        }
    };
    let old_kid = sim.key_ids()[0].clone();
    let signed_by_old = fresh_id_token(&sim, &client).await;
    validate_now(signed_by_old.clone()).await.unwrap();
    assert_eq!(client.jwks().fetch_count(), 1);

    // Rollover window: the tenant publishes both keys and signs with the new one.
    let new_kid = sim.rotate_keys().unwrap();
    let signed_by_new = fresh_id_token(&sim, &client).await;
    validate_now(signed_by_new.clone()).await.unwrap();
    assert_eq!(client.jwks().fetch_count(), 2, "unknown kid: one refetch");
    validate_now(signed_by_old.clone()).await.unwrap();
    let mut cached = client.jwks().cached_key_ids();
    cached.sort();
    let mut both = vec![old_kid.clone(), new_kid.clone()];
    both.sort();
    assert_eq!(cached, both, "tokens signed by either key validate");

    // Rollover finished: the old key is no longer published. Until the
    // cached keys expire nothing is fetched (no request per token).
    sim.finish_rollover();
    clock.advance(Duration::from_secs(300));
    validate_now(signed_by_new.clone()).await.unwrap();
    assert_eq!(client.jwks().fetch_count(), 2);

    // Past the lifetime, the next validation fetches the keys again, and
    // from then on the dropped key is refused.
    clock.advance(Duration::from_secs(301));
    validate_now(signed_by_new.clone()).await.unwrap();
    assert_eq!(client.jwks().fetch_count(), 3, "expired keys are refetched");
    assert_eq!(client.jwks().cached_key_ids(), vec![new_kid]);
    let err = validate_now(signed_by_old).await.unwrap_err();
    assert!(
        matches!(err, TokenError::IdToken(IdTokenError::UnknownKey)),
        "{err:?}"
    );
}
