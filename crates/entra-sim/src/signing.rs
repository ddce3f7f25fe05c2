//! A jsonwebtoken [`CryptoProvider`] that signs RS256 with `ring` from a
//! parsed, cached key pair.
//!
//! jsonwebtoken's stock RustCrypto provider re-parses the PKCS#1 key and runs
//! the `rsa` crate's private-key operation for every token: 2–5 ms per
//! signature on this class of machine, which caps a 2-core sim far below the
//! fleet-scale rate tests need. `ring` signs the same key several times
//! faster once the key pair is parsed. Every other algorithm, all
//! verification and all key utilities stay with the stock provider, so the
//! JWTs are byte-for-byte what jsonwebtoken would make (PKCS#1 v1.5 signatures
//! are deterministic).

use std::sync::{Arc, LazyLock, Mutex};

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, rust_crypto};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::signature::{self, Signer};
use jsonwebtoken::{Algorithm, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

/// Parsed key pairs, newest last; keys rotate rarely, so a short list does.
static KEY_PAIRS: Mutex<Vec<(Vec<u8>, Arc<RsaKeyPair>)>> = Mutex::new(Vec::new());
const CACHED_KEYS: usize = 8;

static PROVIDER: LazyLock<CryptoProvider> = LazyLock::new(|| CryptoProvider {
    signer_factory: new_signer,
    ..rust_crypto::DEFAULT_PROVIDER.clone()
});

/// Makes this provider jsonwebtoken's process-wide default, once. When some
/// other code installed a provider first, that one stays (tokens are the same,
/// only slower), so this never fails.
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = PROVIDER.install_default();
    });
}

fn new_signer(
    alg: &Algorithm,
    key: &EncodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtSigner>> {
    if *alg != Algorithm::RS256 {
        return (rust_crypto::DEFAULT_PROVIDER.signer_factory)(alg, key);
    }
    Ok(Box::new(RingRs256 {
        pair: key_pair(key.as_bytes())?,
    }))
}

fn key_pair(pkcs1_der: &[u8]) -> jsonwebtoken::errors::Result<Arc<RsaKeyPair>> {
    let mut cache = KEY_PAIRS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, pair)) = cache.iter().find(|(der, _)| der == pkcs1_der) {
        return Ok(pair.clone());
    }
    let pair = Arc::new(RsaKeyPair::from_der(pkcs1_der).map_err(|_| {
        Error::from(ErrorKind::InvalidRsaKey(
            "ring rejected the PKCS#1 RSA private key".into(),
        ))
    })?);
    if cache.len() == CACHED_KEYS {
        cache.remove(0);
    }
    cache.push((pkcs1_der.to_vec(), pair.clone()));
    Ok(pair)
}

struct RingRs256 {
    pair: Arc<RsaKeyPair>,
}

impl Signer<Vec<u8>> for RingRs256 {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let mut sig = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), msg, &mut sig)
            .map_err(|_| signature::Error::new())?;
        Ok(sig)
    }
}

impl JwtSigner for RingRs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{DecodingKey, Header, Validation, decode, encode};
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;

    #[test]
    fn ring_signatures_equal_the_stock_providers_and_verify() {
        install();
        let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
        let enc = EncodingKey::from_rsa_der(private.to_pkcs1_der().unwrap().as_bytes());
        let claims = serde_json::json!({"sub": "megan", "aud": "sesame", "exp": 4_000_000_000u64});
        let token = encode(&Header::new(Algorithm::RS256), &claims, &enc).unwrap();

        // PKCS#1 v1.5 is deterministic: RustCrypto must produce the same bytes.
        let (message, sig) = token.rsplit_once('.').unwrap();
        let stock =
            (rust_crypto::DEFAULT_PROVIDER.signer_factory)(&Algorithm::RS256, &enc).unwrap();
        assert_eq!(
            sig,
            URL_SAFE_NO_PAD.encode(stock.try_sign(message.as_bytes()).unwrap())
        );

        let public = private.to_public_key();
        let dec = DecodingKey::from_rsa_raw_components(
            &public.n().to_bytes_be(),
            &public.e().to_bytes_be(),
        );
        let mut v = Validation::new(Algorithm::RS256);
        v.set_audience(&["sesame"]);
        assert_eq!(
            decode::<serde_json::Value>(&token, &dec, &v)
                .unwrap()
                .claims["sub"],
            "megan"
        );
    }

    #[test]
    fn other_algorithms_keep_the_stock_provider() {
        let signer = new_signer(&Algorithm::HS256, &EncodingKey::from_secret(b"k")).unwrap();
        assert_eq!(signer.algorithm(), Algorithm::HS256);
        assert!(new_signer(&Algorithm::RS256, &EncodingKey::from_rsa_der(b"junk")).is_err());
    }
}
