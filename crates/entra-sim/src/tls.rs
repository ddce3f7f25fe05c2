//! HTTPS: a throw-away CA and a leaf certificate for `127.0.0.1` and `localhost`
//! (rcgen, ECDSA P-256), served with rustls on the ring provider.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Failure to build the TLS setup.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Certificate generation failed.
    #[error("cannot generate the sim's certificates: {0}")]
    Cert(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("cannot configure TLS: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The generated CA (clients trust its PEM) and the server configuration.
#[derive(Debug)]
pub struct TlsSetup {
    /// PEM of the CA certificate.
    pub ca_pem: String,
    /// rustls server configuration with the leaf certificate.
    pub config: Arc<rustls::ServerConfig>,
}

/// Generates a CA and a leaf for `127.0.0.1` / `localhost`.
pub fn generate() -> Result<TlsSetup, TlsError> {
    generate_for(None)
}

/// [`generate`], the leaf also naming `also` (the address a sim listens on
/// when it is not loopback, e.g. in a test's private network namespace).
pub fn generate_for(also: Option<std::net::IpAddr>) -> Result<TlsSetup, TlsError> {
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "entra-sim test CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca.self_signed(&ca_key)?;

    let mut names = vec!["127.0.0.1".to_string(), "localhost".to_string()];
    names.extend(
        also.filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
            .map(|ip| ip.to_string()),
    );
    let mut leaf = CertificateParams::new(names)?;
    leaf.distinguished_name
        .push(DnType::CommonName, "entra-sim");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    let leaf_key = KeyPair::generate()?;
    let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key)?;

    let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone(), ca_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsSetup {
        ca_pem: ca_cert.pem(),
        config: Arc::new(config),
    })
}
