//! Extra trusted roots for the web view. Chromium cannot be handed a CA file;
//! instead it accepts `--ignore-certificate-errors-spki-list`: certificate
//! errors are ignored only for chains holding a key whose SubjectPublicKeyInfo
//! SHA-256 (base64) is listed. Pinning the profile's roots that way trusts
//! exactly them — never every certificate.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use x509_cert::der::{Decode, Encode};

use super::WebLoginError;

/// The base64 SHA-256 of each certificate's SubjectPublicKeyInfo in `pems`
/// (each entry may hold several PEM certificates).
pub fn spki_hashes(pems: &[String]) -> Result<Vec<String>, WebLoginError> {
    let mut out = Vec::new();
    for (i, pem) in pems.iter().enumerate() {
        let bad = |why: String| {
            WebLoginError::Browser(format!(
                "trusted root certificate #{n} (TrustedRootCertificates) is not usable: {why}; \
                 give a PEM certificate (-----BEGIN CERTIFICATE-----)",
                n = i + 1
            ))
        };
        let mut reader = pem.as_bytes();
        let ders: Vec<_> = rustls_pemfile::certs(&mut reader)
            .collect::<Result<_, _>>()
            .map_err(|e| bad(e.to_string()))?;
        if ders.is_empty() {
            return Err(bad("no certificate in it".into()));
        }
        for der in ders {
            let cert =
                x509_cert::Certificate::from_der(der.as_ref()).map_err(|e| bad(e.to_string()))?;
            let spki = cert
                .tbs_certificate
                .subject_public_key_info
                .to_der()
                .map_err(|e| bad(e.to_string()))?;
            let hash = Sha256::digest(&spki);
            out.push(base64::engine::general_purpose::STANDARD.encode(hash));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_the_public_key_not_the_certificate() {
        let setup = entra_sim::tls::generate().unwrap();
        let hashes = spki_hashes(std::slice::from_ref(&setup.ca_pem)).unwrap();
        assert_eq!(hashes.len(), 1);
        assert_eq!(hashes[0].len(), 44, "base64 of 32 bytes");
        // The same PEM twice in one entry gives the same hash twice.
        let doubled = format!("{}\n{}", setup.ca_pem, setup.ca_pem);
        assert_eq!(spki_hashes(&[doubled]).unwrap(), vec![hashes[0].clone(); 2]);
        // A different CA has a different key.
        let other = entra_sim::tls::generate().unwrap();
        assert_ne!(spki_hashes(&[other.ca_pem]).unwrap(), hashes);
    }

    #[test]
    fn junk_is_refused_with_the_key_name() {
        let err = spki_hashes(&["not a certificate".into()]).unwrap_err();
        assert!(err.to_string().contains("TrustedRootCertificates"), "{err}");
    }
}
