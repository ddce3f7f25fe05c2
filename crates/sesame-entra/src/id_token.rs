//! ID-token validation with openidconnect's verifier, pinned to RS256.
//!
//! Checked: signature with a key from the tenant's JWKS (RS256 only: `none`,
//! HS* and an HS256 token keyed with the RSA public key are refused), the
//! exact issuer of the v1 or v2 form, `aud` = our client ID, the `nonce` by
//! the rule of the grant ([`NonceRule`]), `exp` / `nbf` / `iat` with the
//! configured clock skew, `tid` equal to the tenant discovery named, and for a
//! refreshed token the same `iss` / `tid` / `oid` / `sub` as the sign-in it
//! continues. This module is pure: keys and `now` are parameters; fetching
//! and caching the JWKS is [`crate::jwks`], the RS256 primitive
//! [`crate::jwk`].

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use openidconnect::core::{CoreIdToken, CoreJwsSigningAlgorithm};
use openidconnect::{
    ClaimsVerificationError, ClientId, IdTokenVerifier, IssuerUrl, Nonce,
    SignatureVerificationError,
};
use secrecy::{ExposeSecret, SecretString};
use sesame_core::constant_time;

use crate::claims::{ClaimsError, EntraClaims};
use crate::discovery::Version;
use crate::jwk::{TenantKey, TenantKeys};

/// What the token's `nonce` must be, by the grant that issued it.
#[derive(Debug, Clone, Copy)]
pub enum NonceRule<'a> {
    /// Authorization code: exactly the nonce of the authorization request.
    Required(&'a Nonce),
    /// Password grant: we sent none, so the token must carry none.
    Absent,
    /// Refresh grant (OpenID Connect Core §12.2): no nonce, or the nonce of
    /// the original sign-in (`original`); anything else is refused.
    Refreshed {
        /// The nonce the original sign-in's ID token carried, if any.
        original: Option<&'a Nonce>,
    },
}

impl<'a> From<Option<&'a Nonce>> for NonceRule<'a> {
    /// `Some` for a request that sent a nonce, `None` for one that did not.
    fn from(sent: Option<&'a Nonce>) -> Self {
        sent.map_or(NonceRule::Absent, NonceRule::Required)
    }
}

/// What a valid ID token must say.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// Token family.
    pub version: Version,
    /// The exact issuer (from discovery).
    pub issuer: &'a str,
    /// Our client ID (`aud`).
    pub client_id: &'a str,
    /// The tenant ID (`tid`), lowercase.
    pub tenant_id: &'a str,
    /// What the `nonce` must be.
    pub nonce: NonceRule<'a>,
    /// For a token from a refresh grant: the validated claims of the sign-in
    /// it continues. `iss`, `tid`, `oid` and `sub` must all be the same
    /// (OpenID Connect Core §12.2), so a refresh can never switch identity.
    pub same_identity_as: Option<&'a EntraClaims>,
    /// Allowed clock difference.
    pub skew: Duration,
    /// The current time.
    pub now: SystemTime,
}

/// Why an ID token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    /// Not a JWT at all.
    #[error("ID token is not a well-formed JWT: {0}")]
    Malformed(String),
    /// Signed with an algorithm other than RS256 (or unsigned).
    #[error("ID token algorithm refused (only RS256 is accepted): {0}")]
    DisallowedAlgorithm(String),
    /// No key in the JWKS has the token's `kid`.
    #[error("ID token is signed with a key not in the tenant's JWKS")]
    UnknownKey,
    /// The signature does not verify.
    #[error("ID token signature is invalid: {0}")]
    BadSignature(String),
    /// Wrong issuer.
    #[error("ID token issuer refused: {0}")]
    Issuer(String),
    /// Wrong audience.
    #[error("ID token audience refused: {0}")]
    Audience(String),
    /// Missing or wrong nonce.
    #[error("ID token nonce refused: {0}")]
    Nonce(String),
    /// Expired, not yet valid, or issued in the future (beyond the skew).
    #[error("ID token time claims refused: {0}")]
    Time(String),
    /// `tid` differs from the tenant.
    #[error("ID token is for tenant {found}, expected {expected}")]
    Tenant {
        /// The tenant expected.
        expected: String,
        /// The `tid` found.
        found: String,
    },
    /// A refreshed token names another identity than the sign-in it
    /// continues.
    #[error(
        "the refreshed ID token's `{claim}` differs from the sign-in it refreshes; the identity cannot change on refresh: sign in again"
    )]
    IdentityChanged {
        /// The first claim that differs (`iss`, `tid`, `oid` or `sub`).
        claim: &'static str,
    },
    /// Claims missing or mistyped.
    #[error(transparent)]
    Claims(#[from] ClaimsError),
}

/// Validates `token` against `keys` and returns its typed claims.
pub fn validate(
    token: &SecretString,
    keys: &TenantKeys,
    expected: &Expected<'_>,
) -> Result<EntraClaims, IdTokenError> {
    let raw = token.expose_secret();
    let parsed: CoreIdToken = raw
        .parse()
        .map_err(|e: serde_json::Error| IdTokenError::Malformed(e.to_string()))?;
    let issuer = IssuerUrl::new(expected.issuer.to_owned())
        .map_err(|e| IdTokenError::Issuer(format!("configured issuer is not a URL: {e}")))?;
    let skew = expected.skew;
    let now = expected.now;
    let verifier = IdTokenVerifier::<TenantKey>::new_public_client(
        ClientId::new(expected.client_id.to_owned()),
        issuer,
        keys.clone(),
    )
    .set_allowed_algs([CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256])
    // `exp` is compared with this time: shifting it back allows the skew.
    .set_time_fn(move || chrono::DateTime::<chrono::Utc>::from(now - skew))
    .set_issue_time_verifier_fn(move |iat| {
        let latest = chrono::DateTime::<chrono::Utc>::from(now + skew);
        if iat > latest {
            Err(format!(
                "issued at {iat}, in the future beyond the allowed clock skew"
            ))
        } else {
            Ok(())
        }
    });
    let nonce_check = |found: Option<&Nonce>| check_nonce(expected.nonce, found);
    parsed
        .claims(&verifier, nonce_check)
        .map_err(map_verification_error)?;

    // Signature and standard claims check out: read the typed claims.
    let payload = raw
        .split('.')
        .nth(1)
        .ok_or_else(|| IdTokenError::Malformed("no payload segment".into()))?;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| IdTokenError::Malformed(e.to_string()))?;
    let claims = EntraClaims::from_payload(&payload, expected.version)?;
    check_nbf(claims.not_before, now, skew)?;
    if !claims.tid.eq_ignore_ascii_case(expected.tenant_id) {
        return Err(IdTokenError::Tenant {
            expected: expected.tenant_id.to_owned(),
            found: claims.tid,
        });
    }
    if let Some(original) = expected.same_identity_as {
        check_same_identity(original, &claims)?;
    }
    Ok(claims)
}

fn nonces_equal(a: &Nonce, b: &Nonce) -> bool {
    constant_time::eq(a.secret().as_bytes(), b.secret().as_bytes())
}

fn check_nonce(rule: NonceRule<'_>, found: Option<&Nonce>) -> Result<(), String> {
    match (rule, found) {
        (NonceRule::Required(want), Some(got)) if nonces_equal(want, got) => Ok(()),
        (NonceRule::Required(_), Some(_)) => {
            Err("nonce does not match the authorization request".into())
        }
        (NonceRule::Required(_), None) => Err("nonce missing".into()),
        (NonceRule::Absent, None) | (NonceRule::Refreshed { .. }, None) => Ok(()),
        (NonceRule::Absent, Some(_)) => {
            Err("unexpected nonce on a token we sent no nonce for".into())
        }
        (
            NonceRule::Refreshed {
                original: Some(want),
            },
            Some(got),
        ) if nonces_equal(want, got) => Ok(()),
        (NonceRule::Refreshed { .. }, Some(_)) => {
            Err("the refreshed token's nonce differs from the original sign-in's".into())
        }
    }
}

/// OpenID Connect Core §12.2: a refreshed ID token has the same `iss`,
/// `sub` (and, for Entra, `tid` and `oid`, which bind the account) as the
/// one it refreshes.
fn check_same_identity(original: &EntraClaims, new: &EntraClaims) -> Result<(), IdTokenError> {
    let differs = |claim: &'static str| Err(IdTokenError::IdentityChanged { claim });
    if original.issuer != new.issuer {
        return differs("iss");
    }
    if !original.tid.eq_ignore_ascii_case(&new.tid) {
        return differs("tid");
    }
    if !original.oid.eq_ignore_ascii_case(&new.oid) {
        return differs("oid");
    }
    if original.sub != new.sub {
        return differs("sub");
    }
    Ok(())
}

fn check_nbf(nbf: Option<i64>, now: SystemTime, skew: Duration) -> Result<(), IdTokenError> {
    let Some(nbf) = nbf else {
        return Ok(());
    };
    let latest = (now + skew)
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    if nbf > latest {
        return Err(IdTokenError::Time(format!(
            "not valid before {nbf} (beyond the allowed clock skew)"
        )));
    }
    Ok(())
}

fn map_verification_error(e: ClaimsVerificationError) -> IdTokenError {
    match e {
        ClaimsVerificationError::Expired(s) => IdTokenError::Time(s),
        ClaimsVerificationError::InvalidAudience(s) => IdTokenError::Audience(s),
        ClaimsVerificationError::InvalidIssuer(s) => IdTokenError::Issuer(s),
        ClaimsVerificationError::InvalidNonce(s) => IdTokenError::Nonce(s),
        ClaimsVerificationError::SignatureVerification(sig) => match sig {
            SignatureVerificationError::NoMatchingKey => IdTokenError::UnknownKey,
            SignatureVerificationError::DisallowedAlg(s) => IdTokenError::DisallowedAlgorithm(s),
            SignatureVerificationError::NoSignature => {
                IdTokenError::DisallowedAlgorithm("unsigned token (alg none)".into())
            }
            other => IdTokenError::BadSignature(other.to_string()),
        },
        other => IdTokenError::BadSignature(other.to_string()),
    }
}
