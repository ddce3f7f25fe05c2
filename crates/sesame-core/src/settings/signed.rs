//! Opening a signed `.mobileconfig`: CMS `SignedData` around the plist.
//!
//! Sesame extracts the content and names the signer; it does not verify the
//! signature (macOS does that when the profile is installed).

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::Decode as _;

/// `id-signedData` (1.2.840.113549.1.7.2).
const SIGNED_DATA: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// The content of a signed profile and who signed it.
#[derive(Debug)]
pub struct Opened {
    /// The encapsulated plist bytes.
    pub content: Vec<u8>,
    /// The signer certificate's subject (RFC 4514), when the certificate is included.
    pub signer: Option<String>,
}

/// Open CMS DER bytes. Errors are messages for admins.
pub fn open(bytes: &[u8]) -> Result<Opened, String> {
    let info = ContentInfo::from_der(bytes).map_err(|e| {
        format!("not DER-encoded CMS ({e}); export the profile again, signed or unsigned")
    })?;
    if info.content_type != SIGNED_DATA {
        return Err(format!(
            "CMS content type is {}, expected signed data (1.2.840.113549.1.7.2); encrypted profiles cannot be read",
            info.content_type
        ));
    }
    let sd: SignedData = info
        .content
        .decode_as()
        .map_err(|e| format!("the signed data is malformed ({e})"))?;
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or("the signature is detached: the profile content is not inside the file")?;
    let content = econtent
        .decode_as::<der::asn1::OctetString>()
        .map_err(|e| format!("the signed content is not an octet string ({e})"))?
        .into_bytes();
    Ok(Opened {
        content,
        signer: signer_subject(&sd),
    })
}

fn signer_subject(sd: &SignedData) -> Option<String> {
    let certs: Vec<_> = sd
        .certificates
        .as_ref()?
        .0
        .iter()
        .filter_map(|c| match c {
            CertificateChoices::Certificate(cert) => Some(cert),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    let signer = sd.signer_infos.0.iter().next()?;
    let matching = certs.iter().find(|cert| {
        let tbs = &cert.tbs_certificate;
        match &signer.sid {
            SignerIdentifier::IssuerAndSerialNumber(iasn) => {
                tbs.issuer == iasn.issuer && tbs.serial_number == iasn.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                tbs.extensions.iter().flatten().any(|ext| {
                    ext.extn_id == der::oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER
                        && der::asn1::OctetString::from_der(ext.extn_value.as_bytes())
                            .is_ok_and(|inner| inner.as_bytes() == ski.0.as_bytes())
                })
            }
        }
    })?;
    Some(matching.tbs_certificate.subject.to_string())
}
