//! One signing key of the tenant, as openidconnect's verifier sees it, with
//! the RS256 check done by `ring`.
//!
//! Why not openidconnect's own `CoreJsonWebKey`: it verifies with the
//! pure-Rust `rsa` crate and rebuilds the public key from the JWK's base64
//! on every token, about 0.2 ms per ID token — most of a password check's
//! cost on top of the wire. [`TenantKey`] decodes the modulus and exponent
//! once, when the JWKS is fetched, and verifies with ring's
//! `RSA_PKCS1_2048_8192_SHA256` (2048- to 8192-bit keys, as Entra publishes).
//!
//! It plugs in behind openidconnect's [`JsonWebKey`] abstraction, so the
//! verifier still does everything else: `alg` pinned to RS256 by the caller
//! ([`crate::id_token`]), `none` and HS* refused, `kid` matching, key use
//! and key type checks. This key can verify RS256 and nothing else: a token
//! naming another algorithm is refused here too, whatever the verifier's
//! settings.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{CoreJsonWebKeyType, CoreJsonWebKeyUse, CoreJwsSigningAlgorithm};
use openidconnect::{
    JsonWebKey, JsonWebKeyAlgorithm, JsonWebKeyId, JsonWebKeySet, JsonWebKeyUse,
    JwsSigningAlgorithm, SignatureVerificationError,
};
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde::{Deserialize, Serialize};

/// The tenant's key set, parsed once per fetch (see [`crate::jwks`]).
pub type TenantKeys = JsonWebKeySet<TenantKey>;

/// An RSA public signing key from the tenant's JWKS, decoded and ready to
/// verify. Cloning is cheap (the key material is shared).
///
/// A JWKS entry that is not an RSA key with a usable `n` and `e` does not
/// parse; openidconnect's key set skips such entries, so a token naming one
/// is "signed with a key not in the tenant's JWKS".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawJwk", into = "RawJwk")]
pub struct TenantKey {
    kid: Option<JsonWebKeyId>,
    kty: CoreJsonWebKeyType,
    key_use: Option<CoreJsonWebKeyUse>,
    /// The JWK's `alg` as published (kept for serialization).
    alg: Option<String>,
    signing_alg: KeyAlg,
    /// `None` only for the placeholder [`JsonWebKey::new_symmetric`] must
    /// return; such a key verifies nothing.
    rsa: Option<Arc<RsaComponents>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum KeyAlg {
    Unspecified,
    Signing(CoreJwsSigningAlgorithm),
    NotForSigning,
}

#[derive(Debug, PartialEq, Eq)]
struct RsaComponents {
    n: Vec<u8>,
    e: Vec<u8>,
}

/// The wire form of a JWK entry (RFC 7517), only the members we read.
#[derive(Clone, Serialize, Deserialize)]
struct RawJwk {
    kty: CoreJsonWebKeyType,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    key_use: Option<CoreJsonWebKeyUse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kid: Option<JsonWebKeyId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    e: Option<String>,
}

impl TryFrom<RawJwk> for TenantKey {
    type Error = String;

    fn try_from(raw: RawJwk) -> Result<Self, Self::Error> {
        if raw.kty != CoreJsonWebKeyType::RSA {
            return Err("not an RSA key".into());
        }
        let decode = |name: &str, v: Option<&String>| -> Result<Vec<u8>, String> {
            let v = v.ok_or_else(|| format!("RSA key without `{name}`"))?;
            let bytes = URL_SAFE_NO_PAD
                .decode(v.trim_end_matches('='))
                .map_err(|e| format!("RSA key `{name}` is not base64url: {e}"))?;
            if bytes.is_empty() {
                return Err(format!("RSA key `{name}` is empty"));
            }
            Ok(bytes)
        };
        let n = decode("n", raw.n.as_ref())?;
        let e = decode("e", raw.e.as_ref())?;
        let signing_alg = match raw.alg.as_deref() {
            None => KeyAlg::Unspecified,
            Some(a) => {
                match serde_json::from_value::<CoreJwsSigningAlgorithm>(a.into()) {
                    Ok(alg) => KeyAlg::Signing(alg),
                    // An encryption algorithm or one we do not know.
                    Err(_) => KeyAlg::NotForSigning,
                }
            }
        };
        Ok(Self {
            kid: raw.kid,
            kty: raw.kty,
            key_use: raw.key_use,
            alg: raw.alg,
            signing_alg,
            rsa: Some(Arc::new(RsaComponents { n, e })),
        })
    }
}

impl From<TenantKey> for RawJwk {
    fn from(k: TenantKey) -> Self {
        let (n, e) = match &k.rsa {
            Some(c) => (
                Some(URL_SAFE_NO_PAD.encode(&c.n)),
                Some(URL_SAFE_NO_PAD.encode(&c.e)),
            ),
            None => (None, None),
        };
        RawJwk {
            kty: k.kty,
            key_use: k.key_use,
            kid: k.kid,
            alg: k.alg,
            n,
            e,
        }
    }
}

impl TenantKey {
    /// Refuses this key for `alg` unless it may sign with it: the checks
    /// openidconnect runs when it picks a key, repeated here so
    /// [`JsonWebKey::verify_signature`] is safe on its own.
    fn check_usable_for(&self, alg: &CoreJwsSigningAlgorithm) -> Result<(), String> {
        if self.key_use.as_ref().is_some_and(|u| !u.allows_signature()) {
            return Err("key usage not permitted for digital signatures".into());
        }
        if alg.key_type().as_ref() != Some(&self.kty) {
            return Err("key type does not match the signature algorithm".into());
        }
        match &self.signing_alg {
            KeyAlg::Unspecified => Ok(()),
            KeyAlg::Signing(a) if a == alg => Ok(()),
            KeyAlg::Signing(_) => Err("key is published for another algorithm".into()),
            KeyAlg::NotForSigning => Err("key algorithm is not a signing algorithm".into()),
        }
    }
}

impl JsonWebKey for TenantKey {
    type KeyUse = CoreJsonWebKeyUse;
    type SigningAlgorithm = CoreJwsSigningAlgorithm;

    fn key_id(&self) -> Option<&JsonWebKeyId> {
        self.kid.as_ref()
    }

    fn key_type(&self) -> &CoreJsonWebKeyType {
        &self.kty
    }

    fn key_use(&self) -> Option<&CoreJsonWebKeyUse> {
        self.key_use.as_ref()
    }

    fn signing_alg(&self) -> JsonWebKeyAlgorithm<&CoreJwsSigningAlgorithm> {
        match &self.signing_alg {
            KeyAlg::Unspecified => JsonWebKeyAlgorithm::Unspecified,
            KeyAlg::Signing(a) => JsonWebKeyAlgorithm::Algorithm(a),
            KeyAlg::NotForSigning => JsonWebKeyAlgorithm::Unsupported,
        }
    }

    /// Only a confidential-client verifier asks for this (HS* keyed with the
    /// client secret); Sesame never builds one. The key returned verifies
    /// nothing.
    fn new_symmetric(_key: Vec<u8>) -> Self {
        Self {
            kid: None,
            kty: CoreJsonWebKeyType::Symmetric,
            key_use: None,
            alg: None,
            signing_alg: KeyAlg::NotForSigning,
            rsa: None,
        }
    }

    fn verify_signature(
        &self,
        signature_alg: &CoreJwsSigningAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureVerificationError> {
        self.check_usable_for(signature_alg)
            .map_err(SignatureVerificationError::InvalidKey)?;
        if *signature_alg != CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256 {
            return Err(SignatureVerificationError::UnsupportedAlg(format!(
                "{signature_alg:?} (only RS256 is accepted)"
            )));
        }
        let rsa = self.rsa.as_ref().ok_or_else(|| {
            SignatureVerificationError::InvalidKey("not an RSA public key".into())
        })?;
        RsaPublicKeyComponents {
            n: rsa.n.as_slice(),
            e: rsa.e.as_slice(),
        }
        .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
        .map_err(|_| SignatureVerificationError::CryptoError("bad RS256 signature".into()))
    }

    fn hash_bytes(&self, bytes: &[u8], alg: &CoreJwsSigningAlgorithm) -> Result<Vec<u8>, String> {
        self.check_usable_for(alg)?;
        match alg {
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256 => {
                Ok(ring::digest::digest(&ring::digest::SHA256, bytes)
                    .as_ref()
                    .to_vec())
            }
            other => Err(format!("{other:?} is not accepted (only RS256)")),
        }
    }
}
