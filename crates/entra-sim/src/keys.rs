//! Signing keys: RS256 (2048-bit RSA), a JWKS with rotation, and token signing.
//!
//! As Microsoft's signing-key rollover page says, more than one valid key is published at
//! all times: the key that signs and a standby key, plus, during a rollover, the retired
//! keys until [`KeySet::finish_rollover`]. Every key carries an `x5c` self-signed
//! certificate over the same public key, as Entra's JWKS entries do.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
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
    /// The key's certificate (`x5c`) could not be made.
    #[error("cannot make the key's certificate: {0}")]
    Certificate(String),
}

/// One RSA signing key with its key ID.
pub struct SigningKey {
    kid: String,
    public: RsaPublicKey,
    encoding: EncodingKey,
    /// DER of a self-signed certificate over the public key (`x5c`).
    cert_der: Vec<u8>,
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
        let cert_der = certificate(&private)?;
        Ok(SigningKey {
            kid,
            public,
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            cert_der,
        })
    }

    /// The key ID (`kid`, also `x5t`).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid` (and `x5t`, as on v1.0 tokens).
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, KeyError> {
        self.sign_as(claims, true)
    }

    /// Signs `claims`; `v1` adds the legacy `x5t` header Entra puts on v1.0 tokens only.
    pub fn sign_as<T: Serialize>(&self, claims: &T, v1: bool) -> Result<String, KeyError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        header.x5t = v1.then(|| self.kid.clone());
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
            x5c: vec![STANDARD.encode(&self.cert_der)],
            issuer: issuer.map(str::to_string),
        }
    }
}

/// A self-signed certificate over `private`'s public key, like the ones in Entra's JWKS
/// (`CN=accounts.accesscontrol.windows.net`).
fn certificate(private: &RsaPrivateKey) -> Result<Vec<u8>, KeyError> {
    use rsa::pkcs8::EncodePrivateKey;
    let bad = |e: &dyn std::fmt::Display| KeyError::Certificate(e.to_string());
    let pkcs8 = private.to_pkcs8_der().map_err(|e| bad(&e))?;
    let der = rustls::pki_types::PrivatePkcs8KeyDer::from(pkcs8.as_bytes());
    let pair = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&der, &rcgen::PKCS_RSA_SHA256)
        .map_err(|e| bad(&e))?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| bad(&e))?;
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "accounts.accesscontrol.windows.net (entra-sim)",
    );
    let cert = params.self_signed(&pair).map_err(|e| bad(&e))?;
    Ok(cert.der().to_vec())
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
    /// The key's certificate chain (standard Base64 DER), as Entra publishes it.
    pub x5c: Vec<String>,
    /// v2 JWKS entries carry the issuer (a `{tenantid}` template on `/common`, `/organizations`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

/// Where a key is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyState {
    /// Published, not signing yet (the next key).
    Standby,
    /// Signs new tokens.
    Active,
    /// Signed before a rollover; published until the rollover finishes.
    Retired,
}

/// The tenant's keys: one signs, a standby is always published next to it, and retired keys
/// stay published during a rollover.
#[derive(Debug)]
pub struct KeySet {
    keys: Vec<(std::sync::Arc<SigningKey>, KeyState)>,
}

impl KeySet {
    /// A signing key and a standby key.
    pub fn generate() -> Result<KeySet, KeyError> {
        Ok(KeySet {
            keys: vec![
                (
                    std::sync::Arc::new(SigningKey::generate()?),
                    KeyState::Active,
                ),
                (
                    std::sync::Arc::new(SigningKey::generate()?),
                    KeyState::Standby,
                ),
            ],
        })
    }

    /// The key that signs new tokens.
    pub fn active(&self) -> std::sync::Arc<SigningKey> {
        // There is always exactly one active key: `generate` makes it, `rotate` replaces it.
        let found = self.keys.iter().find(|(_, s)| *s == KeyState::Active);
        std::sync::Arc::clone(&found.unwrap_or(&self.keys[0]).0)
    }

    /// An emergency rollover: a new, never-published key signs from now on (clients must
    /// refetch the JWKS on the unknown `kid`); the previous signing key is retired but stays
    /// published, and the standby stays. Returns the new `kid`.
    pub fn rotate(&mut self) -> Result<String, KeyError> {
        let k = SigningKey::generate()?;
        let kid = k.kid.clone();
        for (_, state) in &mut self.keys {
            if *state == KeyState::Active {
                *state = KeyState::Retired;
            }
        }
        self.keys.push((std::sync::Arc::new(k), KeyState::Active));
        Ok(kid)
    }

    /// Stops publishing retired keys; the signing key and the standby stay.
    pub fn finish_rollover(&mut self) {
        self.keys.retain(|(_, s)| *s != KeyState::Retired);
    }

    /// Published key IDs, oldest first.
    pub fn kids(&self) -> Vec<String> {
        self.keys.iter().map(|(k, _)| k.kid.clone()).collect()
    }

    /// The JWKS document (`issuer` is set on v2 documents).
    pub fn jwks(&self, issuer: Option<&str>) -> serde_json::Value {
        let keys: Vec<Jwk> = self.keys.iter().rev().map(|(k, _)| k.jwk(issuer)).collect();
        serde_json::json!({ "keys": keys })
    }
}
