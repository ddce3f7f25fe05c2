//! Signing keys: RS256 (2048-bit RSA), a JWKS with rotation, and token signing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Failure to make or use a key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// RSA key generation failed.
    #[error("cannot generate an RSA key: {0}")]
    Generate(String),
    /// Signing failed.
    #[error("cannot sign a token: {0}")]
    Sign(String),
}

/// One RSA signing key with its key ID.
pub struct SigningKey {
    kid: String,
    public: RsaPublicKey,
    encoding: EncodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a new 2048-bit key.
    pub fn generate() -> Result<SigningKey, KeyError> {
        crate::signing::install();
        let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
            .map_err(|e| KeyError::Generate(e.to_string()))?;
        let der = private
            .to_pkcs1_der()
            .map_err(|e| KeyError::Generate(e.to_string()))?;
        let public = private.to_public_key();
        let digest = Sha256::digest(public.n().to_bytes_be());
        let kid = URL_SAFE_NO_PAD.encode(&digest[..20]);
        Ok(SigningKey {
            kid,
            public,
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        })
    }

    /// The key ID (`kid`, also `x5t`).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid`.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, KeyError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        header.x5t = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| KeyError::Sign(e.to_string()))
    }

    fn jwk(&self, issuer: Option<&str>) -> Jwk {
        Jwk {
            kty: "RSA",
            r#use: "sig",
            alg: "RS256",
            kid: self.kid.clone(),
            x5t: self.kid.clone(),
            n: URL_SAFE_NO_PAD.encode(self.public.n().to_bytes_be()),
            e: URL_SAFE_NO_PAD.encode(self.public.e().to_bytes_be()),
            issuer: issuer.map(str::to_string),
        }
    }
}

/// One entry of a JWKS.
#[derive(Debug, Serialize)]
pub struct Jwk {
    /// Always `RSA`.
    pub kty: &'static str,
    /// Always `sig`.
    pub r#use: &'static str,
    /// Always `RS256`.
    pub alg: &'static str,
    /// Key ID.
    pub kid: String,
    /// Thumbprint-style ID (same as `kid`).
    pub x5t: String,
    /// Modulus, base64url.
    pub n: String,
    /// Exponent, base64url.
    pub e: String,
    /// v2 JWKS entries carry the issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

/// The tenant's keys: the last one signs; older ones are still published during rollover.
#[derive(Debug)]
pub struct KeySet {
    keys: Vec<std::sync::Arc<SigningKey>>,
}

impl KeySet {
    /// A key set with one fresh key.
    pub fn generate() -> Result<KeySet, KeyError> {
        Ok(KeySet {
            keys: vec![std::sync::Arc::new(SigningKey::generate()?)],
        })
    }

    /// The key that signs new tokens.
    pub fn active(&self) -> std::sync::Arc<SigningKey> {
        // A KeySet is never empty: it is created with one key and `finish_rollover` keeps one.
        std::sync::Arc::clone(&self.keys[self.keys.len() - 1])
    }

    /// Adds a new signing key; the previous ones stay published. Returns the new `kid`.
    pub fn rotate(&mut self) -> Result<String, KeyError> {
        let k = SigningKey::generate()?;
        let kid = k.kid.clone();
        self.keys.push(std::sync::Arc::new(k));
        Ok(kid)
    }

    /// Stops publishing every key but the active one.
    pub fn finish_rollover(&mut self) {
        let active = self.active();
        self.keys = vec![active];
    }

    /// Published key IDs, oldest first.
    pub fn kids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.kid.clone()).collect()
    }

    /// The JWKS document (`issuer` is set on v2 documents).
    pub fn jwks(&self, issuer: Option<&str>) -> serde_json::Value {
        let keys: Vec<Jwk> = self.keys.iter().rev().map(|k| k.jwk(issuer)).collect();
        serde_json::json!({ "keys": keys })
    }
}
