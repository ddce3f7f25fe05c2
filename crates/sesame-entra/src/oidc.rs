//! A generic OpenID provider named by its discovery URL (Okta, Google,
//! Keycloak, an on-premises IdP…), for profiles that set `OIDCDiscoveryURL`.
//!
//! The Entra-only parts step aside here: no v1/v2 endpoint detection, no
//! tenant ID in the issuer, no AADSTS codes (answers are read by their OAuth
//! `error`), no Graph group overage. What stays is the same: HTTPS only (http
//! on loopback), the profile's extra roots, discovery whose `issuer` must be
//! the discovery URL's own prefix (OpenID Connect Discovery §4.3), the
//! authorization request with PKCE, state and nonce, and full ID-token
//! validation (RS256 pinned, issuer, audience, expiry, nonce). A person is
//! identified by `iss` + `sub`.

use std::time::SystemTime;

use openidconnect::core::{CoreIdToken, CoreJwsSigningAlgorithm};
use openidconnect::{ClientId, IdTokenVerifier, IssuerUrl, Nonce};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::authorize::{
    AuthorizeError, AuthorizeOptions, PendingAuthorization, authorization_request,
};
use crate::config::{ClientConfig, ConfigError, transport_allowed};
use crate::discovery::{ProviderMetadata, Version};
use crate::http::{HttpClient, HttpResponse, TransportError};
use crate::jwk::{TenantKey, TenantKeys};
use crate::jwks::{JwksCache, JwksError};
use crate::token::{TokenError, TokenSet, parse_token_response};

/// Who signed in, from a validated ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcIdentity {
    /// `iss`: the provider.
    pub issuer: String,
    /// `sub`: the person at that provider (stable, never reassigned).
    pub subject: String,
    /// `preferred_username`, when sent.
    pub preferred_username: Option<String>,
    /// `email`, when sent.
    pub email: Option<String>,
    /// `name`, when sent.
    pub name: Option<String>,
    /// The `groups` claim (lowercased), when the provider sends one as an
    /// array of strings. `None`: no groups claim, so group rules fail closed.
    pub groups: Option<Vec<String>>,
}

/// The provider's answer to a password check.
#[derive(Debug)]
pub enum OidcPasswordCheck {
    /// Tokens issued: the password is right for this identity.
    Verified(OidcIdentity),
    /// `invalid_grant`: wrong username or password.
    WrongPassword,
    /// Another OAuth error (`unauthorized_client`, `unsupported_grant_type`,
    /// `invalid_scope`…): a configuration problem at the provider.
    Refused {
        /// The OAuth `error`.
        error: String,
        /// The `error_description`, when sent.
        description: String,
    },
    /// No usable answer (network, timeout, 5xx, not JSON): never a wrong password.
    Unreachable(String),
}

/// Something failed talking to the provider.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// No answer.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The discovery document is unusable.
    #[error("discovery document {url}: {problem}")]
    Discovery {
        /// The discovery URL.
        url: String,
        /// What is wrong, and what to check.
        problem: String,
    },
    /// The signing keys could not be fetched.
    #[error(transparent)]
    Jwks(#[from] JwksError),
    /// The token endpoint refused or answered nonsense.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The ID token failed validation.
    #[error("ID token rejected: {0}")]
    IdToken(String),
    /// The authorization request could not be built.
    #[error(transparent)]
    Authorize(#[from] AuthorizeError),
    /// The provider (or something in the way: a captive portal, a proxy)
    /// answered with an outage, a throttle, a redirect or an HTML page: a
    /// fault, never the profile's mistake.
    #[error("{url}: HTTP {status} ({what}); the OpenID provider is not reachable from here")]
    Unavailable {
        /// The URL asked.
        url: String,
        /// The HTTP status.
        status: u16,
        /// What came back.
        what: String,
    },
}

#[derive(Deserialize)]
struct RawDiscovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    end_session_endpoint: Option<String>,
}

/// A client for one generic OpenID provider.
#[derive(Debug)]
pub struct OidcProvider {
    cfg: ClientConfig,
    http: HttpClient,
    discovery_url: Url,
    meta: ProviderMetadata,
    jwks: JwksCache,
}

impl OidcProvider {
    /// Fetches and checks the discovery document at `discovery_url`. `cfg`
    /// gives the client ID, redirect URI, scopes, extra roots and limits;
    /// its tenant and authority host are not used.
    pub async fn discover(cfg: ClientConfig, discovery_url: Url) -> Result<Self, OidcError> {
        for (what, value) in [
            ("OIDCClientID", &cfg.client_id),
            ("OIDCRedirectURI", &cfg.redirect_uri),
        ] {
            if value.trim().is_empty() {
                return Err(OidcError::Discovery {
                    url: discovery_url.to_string(),
                    problem: format!("{what} is empty: set it in the profile"),
                });
            }
        }
        let http = HttpClient::new(&cfg).map_err(|e: ConfigError| OidcError::Discovery {
            url: discovery_url.to_string(),
            problem: e.to_string(),
        })?;
        let resp = http.get(&discovery_url, None).await?;
        let meta = parse_discovery(&discovery_url, &resp, cfg.allow_insecure_loopback)?;
        Ok(Self {
            jwks: JwksCache::new(cfg.jwks_refetch_interval, cfg.jwks_max_age),
            cfg,
            http,
            discovery_url,
            meta,
        })
    }

    /// The issuer the discovery document named (and ID tokens must carry).
    pub fn issuer(&self) -> &str {
        &self.meta.issuer
    }

    /// The discovery URL.
    pub fn discovery_url(&self) -> &Url {
        &self.discovery_url
    }

    /// The interactive sign-in request (PKCE, state, nonce).
    pub fn authorize(&self, options: &AuthorizeOptions) -> Result<PendingAuthorization, OidcError> {
        Ok(authorization_request(&self.cfg, &self.meta, options)?)
    }

    /// Redeems the code from the redirect and validates the ID token against
    /// the request's nonce.
    pub async fn exchange_code(
        &self,
        pending: &PendingAuthorization,
        code: &SecretString,
    ) -> Result<(TokenSet, OidcIdentity), OidcError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", self.cfg.client_id.as_str()),
            ("code", code.expose_secret()),
            ("redirect_uri", pending.redirect_uri.as_str()),
            ("code_verifier", pending.pkce_verifier.secret().as_str()),
        ];
        let resp = self
            .http
            .post_form(&self.meta.token_endpoint, &form)
            .await?;
        let tokens = parse_token_response(&resp)?;
        let id_token = tokens.id_token.as_ref().ok_or(TokenError::NoIdToken)?;
        let who = self
            .validate_id_token(id_token, Some(pending.nonce()))
            .await?;
        Ok((tokens, who))
    }

    /// The password check: a resource-owner password grant at the token
    /// endpoint, `openid` plus the profile's password-check scopes.
    pub async fn check_password(
        &self,
        username: &str,
        password: &SecretString,
    ) -> OidcPasswordCheck {
        let client_id = self
            .cfg
            .ropg_client_id
            .as_deref()
            .unwrap_or(&self.cfg.client_id);
        let mut scopes = vec!["openid".to_owned()];
        scopes.extend(
            self.cfg
                .ropg_scopes
                .iter()
                .filter(|s| *s != "openid")
                .cloned(),
        );
        let scope = scopes.join(" ");
        let form = [
            ("grant_type", "password"),
            ("client_id", client_id),
            ("username", username),
            ("password", password.expose_secret()),
            ("scope", scope.as_str()),
        ];
        let resp = match self.http.post_form(&self.meta.token_endpoint, &form).await {
            Ok(r) => r,
            Err(e) => return OidcPasswordCheck::Unreachable(e.to_string()),
        };
        if !resp.is_success() {
            return refusal(&resp);
        }
        let tokens = match parse_token_response(&resp) {
            Ok(t) => t,
            Err(e) => return OidcPasswordCheck::Unreachable(e.to_string()),
        };
        let Some(id_token) = tokens.id_token.as_ref() else {
            return OidcPasswordCheck::Unreachable(TokenError::NoIdToken.to_string());
        };
        match self.validate_id_token(id_token, None).await {
            Ok(who) => OidcPasswordCheck::Verified(who),
            Err(e) => OidcPasswordCheck::Unreachable(e.to_string()),
        }
    }

    /// Validates an ID token from this provider: RS256 signature by a key of
    /// its JWKS (refetched once on an unknown key), issuer, audience (the
    /// client ID), time with the configured skew, and `nonce` when given.
    pub async fn validate_id_token(
        &self,
        token: &SecretString,
        nonce: Option<&Nonce>,
    ) -> Result<OidcIdentity, OidcError> {
        let now = SystemTime::now();
        let keys = self.jwks.get(&self.http, &self.meta.jwks_uri, now).await?;
        match validate(token, &keys, &self.meta.issuer, &self.cfg, nonce, now) {
            // Keys rotate: refetch once, rate-limited like the Entra client.
            Err(Unknown) if self.jwks.try_claim_forced_refetch(now) => {
                let keys = self
                    .jwks
                    .refresh(&self.http, &self.meta.jwks_uri, now)
                    .await?;
                validate(token, &keys, &self.meta.issuer, &self.cfg, nonce, now)
                    .map_err(|e| e.into_error())
            }
            other => other.map_err(|e| e.into_error()),
        }
    }
}

/// A validation failure, with "unknown key" kept apart for the refetch.
enum Invalid {
    Unknown,
    Other(String),
}
use Invalid::Unknown;

impl Invalid {
    fn into_error(self) -> OidcError {
        match self {
            Invalid::Unknown => {
                OidcError::IdToken("signed with a key the provider does not publish".into())
            }
            Invalid::Other(s) => OidcError::IdToken(s),
        }
    }
}

fn validate(
    token: &SecretString,
    keys: &TenantKeys,
    issuer: &str,
    cfg: &ClientConfig,
    nonce: Option<&Nonce>,
    now: SystemTime,
) -> Result<OidcIdentity, Invalid> {
    let parsed: CoreIdToken = token
        .expose_secret()
        .parse()
        .map_err(|e: serde_json::Error| Invalid::Other(format!("malformed: {e}")))?;
    let issuer_url =
        IssuerUrl::new(issuer.to_owned()).map_err(|e| Invalid::Other(e.to_string()))?;
    let skew = cfg.clock_skew;
    let verifier = IdTokenVerifier::<TenantKey>::new_public_client(
        ClientId::new(cfg.client_id.clone()),
        issuer_url,
        keys.clone(),
    )
    .set_allowed_algs([CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256])
    .set_time_fn(move || chrono::DateTime::<chrono::Utc>::from(now - skew));
    let nonce_check = |found: Option<&Nonce>| -> Result<(), String> {
        match (nonce, found) {
            (Some(want), Some(got)) if want.secret() == got.secret() => Ok(()),
            (Some(_), _) => Err("nonce missing or not the one sent".into()),
            (None, _) => Ok(()),
        }
    };
    let claims = parsed.claims(&verifier, nonce_check).map_err(|e| match e {
        openidconnect::ClaimsVerificationError::SignatureVerification(
            openidconnect::SignatureVerificationError::NoMatchingKey,
        ) => Invalid::Unknown,
        other => Invalid::Other(other.to_string()),
    })?;
    let first = |c: Option<&openidconnect::LocalizedClaim<openidconnect::EndUserName>>| {
        c.and_then(|n| n.get(None)).map(|n| n.to_string())
    };
    Ok(OidcIdentity {
        issuer: claims.issuer().to_string(),
        subject: claims.subject().to_string(),
        preferred_username: claims.preferred_username().map(|u| u.to_string()),
        email: claims.email().map(|e| e.to_string()),
        name: first(claims.name()),
        groups: groups_claim(token),
    })
}

/// The `groups` claim of an ID token whose signature and claims were just
/// verified (openidconnect's core claims drop unknown ones).
fn groups_claim(token: &SecretString) -> Option<Vec<String>> {
    use base64::Engine as _;
    let payload = token.expose_secret().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let groups = claims.get("groups")?.as_array()?;
    groups
        .iter()
        .map(|g| g.as_str().map(str::to_lowercase))
        .collect()
}

fn refusal(resp: &HttpResponse) -> OidcPasswordCheck {
    #[derive(Deserialize)]
    struct OAuthError {
        error: String,
        #[serde(default)]
        error_description: Option<String>,
    }
    match serde_json::from_slice::<OAuthError>(&resp.body) {
        Ok(e) if resp.status == 400 && e.error == "invalid_grant" => {
            OidcPasswordCheck::WrongPassword
        }
        Ok(e) if (400..500).contains(&resp.status) => OidcPasswordCheck::Refused {
            error: e.error,
            description: e.error_description.unwrap_or_default(),
        },
        _ => OidcPasswordCheck::Unreachable(format!(
            "the token endpoint answered HTTP {} without an OAuth error",
            resp.status
        )),
    }
}

/// Reads a discovery document and checks it belongs to the URL it came from.
/// Endpoints must be https (http on loopback only with the profile's
/// test-only `AllowInsecureSimulatedTenant`).
pub fn parse_discovery(
    discovery_url: &Url,
    resp: &HttpResponse,
    allow_insecure_loopback: bool,
) -> Result<ProviderMetadata, OidcError> {
    let problem = |p: String| OidcError::Discovery {
        url: discovery_url.to_string(),
        problem: p,
    };
    let html = resp.is_html();
    if resp.status >= 500 || resp.status == 429 || (300..400).contains(&resp.status) || html {
        return Err(OidcError::Unavailable {
            url: discovery_url.to_string(),
            status: resp.status,
            what: if html {
                "an HTML page, e.g. a captive portal".into()
            } else {
                "an outage, a throttle or a redirect".into()
            },
        });
    }
    if !resp.is_success() {
        return Err(problem(format!(
            "HTTP {}: is OIDCDiscoveryURL the provider's .well-known/openid-configuration?",
            resp.status
        )));
    }
    let raw: RawDiscovery = serde_json::from_slice(&resp.body)
        .map_err(|e| problem(format!("not an OpenID discovery document: {e}")))?;
    let expected = discovery_url
        .as_str()
        .strip_suffix("/.well-known/openid-configuration")
        .ok_or_else(|| problem("does not end in /.well-known/openid-configuration".into()))?;
    if raw.issuer.trim_end_matches('/') != expected.trim_end_matches('/') {
        return Err(problem(format!(
            "names issuer `{}`, which is not the URL it was fetched from (`{expected}`): wrong URL, or a proxy in the way",
            raw.issuer
        )));
    }
    let endpoint = |what: &str, s: &str| -> Result<Url, OidcError> {
        let u = Url::parse(s).map_err(|e| problem(format!("{what} `{s}`: {e}")))?;
        if transport_allowed(&u, allow_insecure_loopback) {
            Ok(u)
        } else {
            Err(problem(format!("{what} `{s}` is not https")))
        }
    };
    Ok(ProviderMetadata {
        version: Version::V2,
        issuer: raw.issuer.clone(),
        tenant_id: String::new(),
        authorization_endpoint: endpoint("authorization_endpoint", &raw.authorization_endpoint)?,
        token_endpoint: endpoint("token_endpoint", &raw.token_endpoint)?,
        jwks_uri: endpoint("jwks_uri", &raw.jwks_uri)?,
        end_session_endpoint: raw
            .end_session_endpoint
            .as_deref()
            .map(|s| endpoint("end_session_endpoint", s))
            .transpose()?,
        msgraph_host: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            content_type: Some("application/json".into()),
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_issuer_must_be_the_discovery_urls_own() {
        let url =
            Url::parse("https://idp.example/realms/a/.well-known/openid-configuration").unwrap();
        let doc = |iss: &str, ep: &str| {
            format!(
                r#"{{"issuer":"{iss}","authorization_endpoint":"{ep}/auth","token_endpoint":"{ep}/token","jwks_uri":"{ep}/jwks"}}"#
            )
        };
        let ok = parse_discovery(
            &url,
            &resp(
                200,
                &doc(
                    "https://idp.example/realms/a",
                    "https://idp.example/realms/a",
                ),
            ),
            false,
        );
        assert_eq!(ok.unwrap().issuer, "https://idp.example/realms/a");
        let other = parse_discovery(
            &url,
            &resp(200, &doc("https://evil.example", "https://idp.example")),
            false,
        );
        assert!(
            other
                .unwrap_err()
                .to_string()
                .contains("not the URL it was fetched from")
        );
        let plain = parse_discovery(
            &url,
            &resp(
                200,
                &doc("https://idp.example/realms/a", "http://idp.example"),
            ),
            true,
        );
        assert!(plain.unwrap_err().to_string().contains("not https"));
        assert!(parse_discovery(&url, &resp(404, ""), false).is_err());
    }

    #[test]
    fn only_invalid_grant_is_a_wrong_password() {
        assert!(matches!(
            refusal(&resp(
                400,
                r#"{"error":"invalid_grant","error_description":"bad"}"#
            )),
            OidcPasswordCheck::WrongPassword
        ));
        assert!(matches!(
            refusal(&resp(400, r#"{"error":"unsupported_grant_type"}"#)),
            OidcPasswordCheck::Refused { .. }
        ));
        assert!(matches!(
            refusal(&resp(502, "<html>")),
            OidcPasswordCheck::Unreachable(_)
        ));
        assert!(matches!(
            refusal(&resp(503, r#"{"error":"invalid_grant"}"#)),
            OidcPasswordCheck::Unreachable(_)
        ));
    }
}
