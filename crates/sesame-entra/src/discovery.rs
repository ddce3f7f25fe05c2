//! OpenID discovery: the v2 and v1 metadata of the configured tenant.
//!
//! `{authority}/{tenant}/v2.0/.well-known/openid-configuration` and
//! `{authority}/{tenant}/.well-known/openid-configuration`. The issuer of
//! each must name one tenant ID (a GUID), the same in both, and equal to the
//! configured tenant when that is a GUID. The client caches the result for
//! the configured TTL.

use std::time::SystemTime;

use serde::Deserialize;
use url::Url;

use crate::config::{ClientConfig, transport_allowed};
use crate::error::{EntraError, parse_error_response, snippet};
use crate::http::{HttpClient, TransportError};

/// Which token format / endpoint family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// Azure AD v1.0 (`/oauth2/token`, issuer `https://sts.windows.net/{tid}/`).
    V1,
    /// Microsoft identity platform v2.0 (`/oauth2/v2.0/token`).
    V2,
}

/// The parts of a discovery document Sesame uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderMetadata {
    /// Which endpoint family this document describes.
    pub version: Version,
    /// The exact issuer ID tokens of this family carry.
    pub issuer: String,
    /// The tenant ID named by the issuer (lowercase GUID).
    pub tenant_id: String,
    /// Authorization endpoint.
    pub authorization_endpoint: Url,
    /// Token endpoint.
    pub token_endpoint: Url,
    /// JWKS location.
    pub jwks_uri: Url,
    /// Sign-out endpoint, when advertised.
    pub end_session_endpoint: Option<Url>,
    /// Entra's `msgraph_host`, when advertised.
    pub msgraph_host: Option<String>,
}

/// Both discovery documents of the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// v2.0 metadata.
    pub v2: ProviderMetadata,
    /// v1.0 metadata.
    pub v1: ProviderMetadata,
    /// When the documents were fetched.
    pub fetched_at: SystemTime,
}

impl Discovery {
    /// The tenant ID (lowercase GUID) both issuers name.
    pub fn tenant_id(&self) -> &str {
        &self.v2.tenant_id
    }

    /// The metadata of one family.
    pub fn metadata(&self, version: Version) -> &ProviderMetadata {
        match version {
            Version::V1 => &self.v1,
            Version::V2 => &self.v2,
        }
    }
}

/// Discovery failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    /// No answer.
    #[error("discovery: {0}")]
    Transport(#[from] TransportError),
    /// An HTTP error instead of the document.
    #[error(
        "discovery document {url} answered HTTP {status}: {snippet:?} (check the tenant and authority host)"
    )]
    Http {
        /// Where.
        url: String,
        /// Status.
        status: u16,
        /// Start of the body.
        snippet: String,
        /// Entra's error, when the body is in Entra's shape (e.g. AADSTS90002).
        entra: Option<Box<EntraError>>,
    },
    /// A web page or a redirect came back instead of the document: a
    /// captive portal or a proxy is in the way. A fault (no network yet),
    /// never the profile's mistake.
    #[error(
        "discovery document {url}: HTTP {status} with {what} instead (a captive portal or proxy in the way?)"
    )]
    NotTheDocument {
        /// Where.
        url: String,
        /// Status.
        status: u16,
        /// What came back.
        what: String,
    },
    /// The document is not valid discovery JSON.
    #[error("discovery document {url} is malformed: {detail}")]
    Malformed {
        /// Where.
        url: String,
        /// Why.
        detail: String,
    },
    /// The issuer does not name a single tenant, or not ours.
    #[error("discovery document {url}: issuer `{issuer}` {problem}")]
    Issuer {
        /// Where.
        url: String,
        /// The issuer found.
        issuer: String,
        /// What is wrong with it.
        problem: String,
    },
    /// An endpoint in the document is not HTTPS.
    #[error("discovery document {url}: endpoint `{endpoint}` is not https://")]
    InsecureEndpoint {
        /// Where.
        url: String,
        /// The endpoint.
        endpoint: String,
    },
}

impl DiscoveryError {
    /// No usable answer — no network, an outage, throttling, a captive
    /// portal: the offline rules decide, and it is never a wrong password
    /// nor the profile's mistake.
    pub fn is_fault(&self) -> bool {
        match self {
            Self::Transport(_) | Self::NotTheDocument { .. } => true,
            Self::Http { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

#[derive(Deserialize)]
struct RawMetadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    end_session_endpoint: Option<String>,
    #[serde(default)]
    msgraph_host: Option<String>,
}

/// The discovery document URL of one family.
pub fn discovery_url(cfg: &ClientConfig, version: Version) -> Result<Url, DiscoveryError> {
    let base = cfg.authority_host.as_str().trim_end_matches('/');
    let path = match version {
        Version::V2 => "v2.0/.well-known/openid-configuration",
        Version::V1 => ".well-known/openid-configuration",
    };
    let text = format!("{base}/{}/{path}", cfg.tenant);
    Url::parse(&text).map_err(|e| DiscoveryError::Malformed {
        url: text,
        detail: e.to_string(),
    })
}

/// Fetches and checks both documents.
pub async fn discover(
    http: &HttpClient,
    cfg: &ClientConfig,
    now: SystemTime,
) -> Result<Discovery, DiscoveryError> {
    let (v2, v1) = tokio::try_join!(
        fetch_one(http, cfg, Version::V2),
        fetch_one(http, cfg, Version::V1)
    )?;
    let found = pair(cfg, v2, v1, now)?;
    tracing::debug!(tenant_id = %found.v2.tenant_id, issuer = %found.v2.issuer, "discovery fetched");
    Ok(found)
}

/// Both parsed documents as one [`Discovery`], fetched at `now`: their
/// issuers must name the same tenant. Used for a fetch and for documents
/// read back from the on-disk cache alike.
pub(crate) fn pair(
    cfg: &ClientConfig,
    v2: ProviderMetadata,
    v1: ProviderMetadata,
    now: SystemTime,
) -> Result<Discovery, DiscoveryError> {
    if v1.tenant_id != v2.tenant_id {
        return Err(DiscoveryError::Issuer {
            url: discovery_url(cfg, Version::V1)?.to_string(),
            issuer: v1.issuer,
            problem: format!(
                "names a different tenant than the v2 issuer ({})",
                v2.tenant_id
            ),
        });
    }
    Ok(Discovery {
        v2,
        v1,
        fetched_at: now,
    })
}

async fn fetch_one(
    http: &HttpClient,
    cfg: &ClientConfig,
    version: Version,
) -> Result<ProviderMetadata, DiscoveryError> {
    let url = discovery_url(cfg, version)?;
    let resp = http.get(&url, None).await?;
    let html = resp.is_html();
    if (300..400).contains(&resp.status) || (resp.is_success() && html) {
        return Err(DiscoveryError::NotTheDocument {
            url: url.to_string(),
            status: resp.status,
            what: if html {
                "an HTML page".into()
            } else {
                "a redirect".into()
            },
        });
    }
    if !resp.is_success() {
        return Err(DiscoveryError::Http {
            url: url.to_string(),
            status: resp.status,
            snippet: snippet(&resp.body),
            entra: parse_error_response(
                resp.status,
                resp.content_type.as_deref(),
                resp.retry_after.as_deref(),
                &resp.body,
            )
            .ok()
            .map(Box::new),
        });
    }
    parse_metadata(
        url.as_str(),
        &resp.body,
        version,
        &cfg.tenant,
        cfg.allow_insecure_loopback,
    )
}

/// Parses one discovery document and checks its issuer against the
/// configured tenant (a GUID or a domain).
pub fn parse_metadata(
    url: &str,
    body: &[u8],
    version: Version,
    configured_tenant: &str,
    allow_insecure_loopback: bool,
) -> Result<ProviderMetadata, DiscoveryError> {
    let malformed = |detail: String| DiscoveryError::Malformed {
        url: url.to_owned(),
        detail,
    };
    let raw: RawMetadata = serde_json::from_slice(body).map_err(|e| malformed(e.to_string()))?;
    let issuer_problem = |problem: String| DiscoveryError::Issuer {
        url: url.to_owned(),
        issuer: raw.issuer.clone(),
        problem,
    };
    let issuer_url =
        Url::parse(&raw.issuer).map_err(|e| issuer_problem(format!("is not a URL ({e})")))?;
    let segments: Vec<&str> = issuer_url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let tid = match (version, segments.as_slice()) {
        (Version::V2, [tid, "v2.0"]) | (Version::V1, [tid]) => tid.to_ascii_lowercase(),
        _ => {
            return Err(issuer_problem(format!(
                "does not have the {} issuer form (…/{{tenant ID}}{})",
                if version == Version::V2 {
                    "v2.0"
                } else {
                    "v1.0"
                },
                if version == Version::V2 { "/v2.0" } else { "/" }
            )));
        }
    };
    if !is_guid(&tid) {
        return Err(issuer_problem(
            "does not name one tenant ID (multi-tenant authorities such as common cannot be validated; set the tenant ID)".into(),
        ));
    }
    if is_guid(configured_tenant) && !configured_tenant.eq_ignore_ascii_case(&tid) {
        return Err(issuer_problem(format!(
            "names tenant {tid}, but the profile's tenant is {configured_tenant}"
        )));
    }
    let endpoint = |s: &str| -> Result<Url, DiscoveryError> {
        let u = Url::parse(s).map_err(|e| malformed(format!("endpoint `{s}`: {e}")))?;
        if transport_allowed(&u, allow_insecure_loopback) {
            Ok(u)
        } else {
            Err(DiscoveryError::InsecureEndpoint {
                url: url.to_owned(),
                endpoint: s.to_owned(),
            })
        }
    };
    Ok(ProviderMetadata {
        version,
        authorization_endpoint: endpoint(&raw.authorization_endpoint)?,
        token_endpoint: endpoint(&raw.token_endpoint)?,
        jwks_uri: endpoint(&raw.jwks_uri)?,
        end_session_endpoint: raw
            .end_session_endpoint
            .as_deref()
            .map(endpoint)
            .transpose()?,
        msgraph_host: raw.msgraph_host.clone(),
        tenant_id: tid,
        issuer: raw.issuer,
    })
}

/// `true` for a GUID like `72f988bf-86f1-41af-91ab-2d7cd011db47`.
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    fn doc(issuer: &str) -> Vec<u8> {
        format!(
            r#"{{"issuer":"{issuer}","authorization_endpoint":"https://login.microsoftonline.com/{TID}/oauth2/v2.0/authorize","token_endpoint":"https://login.microsoftonline.com/{TID}/oauth2/v2.0/token","jwks_uri":"https://login.microsoftonline.com/{TID}/discovery/v2.0/keys","msgraph_host":"graph.microsoft.com","response_types_supported":["code"]}}"#
        )
        .into_bytes()
    }

    #[test]
    fn v2_and_v1_issuers_name_the_tenant() {
        let v2 = format!("https://login.microsoftonline.com/{TID}/v2.0");
        let m = parse_metadata("u", &doc(&v2), Version::V2, TID, false).unwrap();
        assert_eq!(m.tenant_id, TID);
        assert_eq!(m.msgraph_host.as_deref(), Some("graph.microsoft.com"));
        let v1 = format!("https://sts.windows.net/{TID}/");
        let m = parse_metadata(
            "u",
            &doc(&v1),
            Version::V1,
            "contoso.onmicrosoft.com",
            false,
        )
        .unwrap();
        assert_eq!(m.tenant_id, TID);
    }

    #[test]
    fn wrong_or_templated_issuers_are_refused() {
        let other = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0";
        let err = parse_metadata("u", &doc(other), Version::V2, TID, false).unwrap_err();
        assert!(err.to_string().contains("profile's tenant"), "{err}");
        let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
        let err = parse_metadata("u", &doc(template), Version::V2, "common", false).unwrap_err();
        assert!(err.to_string().contains("multi-tenant"), "{err}");
        let v1_form = format!("https://sts.windows.net/{TID}/");
        assert!(parse_metadata("u", &doc(&v1_form), Version::V2, TID, false).is_err());
    }

    #[test]
    fn insecure_endpoints_and_junk_are_refused() {
        let v2 = format!("https://login.microsoftonline.com/{TID}/v2.0");
        let body = String::from_utf8(doc(&v2)).unwrap().replace(
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token",
            "http://evil.example/token",
        );
        let err = parse_metadata("u", body.as_bytes(), Version::V2, TID, false).unwrap_err();
        assert!(
            matches!(err, DiscoveryError::InsecureEndpoint { .. }),
            "{err}"
        );
        let err = parse_metadata("u", b"<html>", Version::V2, TID, false).unwrap_err();
        assert!(matches!(err, DiscoveryError::Malformed { .. }));
    }

    #[test]
    fn guid_shape() {
        assert!(is_guid(TID));
        assert!(is_guid(&TID.to_uppercase()));
        assert!(!is_guid("contoso.onmicrosoft.com"));
        assert!(!is_guid("72f988bf-86f1-41af-91ab-2d7cd011db4"));
    }
}
