//! ID-token validation with openidconnect's verifier, pinned to RS256.
//!
//! Checked: signature with a key from the tenant's JWKS (RS256 only: `none`,
//! HS* and an HS256 token keyed with the RSA public key are refused), the
//! exact issuer of the v1 or v2 form, `aud` = our client ID, `nonce` when we
//! sent one, `exp` / `nbf` / `iat` with the configured clock skew, and `tid`
//! equal to the tenant discovery named. This module is pure: keys and `now`
//! are parameters; fetching and caching the JWKS is [`crate::jwks`].

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use openidconnect::core::{
    CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    ClaimsVerificationError, ClientId, IssuerUrl, Nonce, SignatureVerificationError,
};
use secrecy::{ExposeSecret, SecretString};

use crate::claims::{ClaimsError, EntraClaims};
use crate::discovery::Version;

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
    /// The nonce sent in the authorization request; `None` for grants that
    /// send none (password, refresh), in which case a token must carry none.
    pub nonce: Option<&'a Nonce>,
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
    /// Claims missing or mistyped.
    #[error(transparent)]
    Claims(#[from] ClaimsError),
}

/// Validates `token` against `keys` and returns its typed claims.
pub fn validate(
    token: &SecretString,
    keys: &CoreJsonWebKeySet,
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
    let verifier = CoreIdTokenVerifier::new_public_client(
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
    let nonce_check = |found: Option<&Nonce>| -> Result<(), String> {
        match (expected.nonce, found) {
            (Some(want), Some(got)) if want.secret() == got.secret() => Ok(()),
            (Some(_), Some(_)) => Err("nonce does not match the authorization request".into()),
            (Some(_), None) => Err("nonce missing".into()),
            (None, None) => Ok(()),
            (None, Some(_)) => Err("unexpected nonce on a token we sent no nonce for".into()),
        }
    };
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
    Ok(claims)
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
