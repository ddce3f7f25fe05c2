//! What the Entra client needs to know: tenant, apps, scopes, limits.
//!
//! The lead's glue fills a [`ClientConfig`] from the validated profile
//! settings; [`ClientConfig::new`] gives the documented defaults.

use std::time::Duration;

use secrecy::SecretString;
use sesame_core::settings::{self, Settings};
use url::Url;

use crate::verdict::DEFAULT_SUCCESS_CODES;

/// The public Entra ID authority host.
pub const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";
/// The public Microsoft Graph host.
pub const DEFAULT_GRAPH_HOST: &str = "https://graph.microsoft.com";
/// Entra's native-client redirect URI for public clients.
pub const NATIVECLIENT_REDIRECT_URI: &str =
    "https://login.microsoftonline.com/common/oauth2/nativeclient";

/// Which token endpoint the password (ROPG) check uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RopgEndpoint {
    /// `/oauth2/token` with `resource=`.
    V1,
    /// `/oauth2/v2.0/token` with `scope=`.
    V2,
    /// Try v2, fall back to v1 on a protocol mix-up, and remember what worked.
    #[default]
    Auto,
}

impl std::str::FromStr for RopgEndpoint {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "v1" | "1" => Ok(Self::V1),
            "v2" | "2" | "v2.0" => Ok(Self::V2),
            "auto" => Ok(Self::Auto),
            other => Err(format!("ROPG endpoint `{other}`: use v1, v2 or auto")),
        }
    }
}

/// Everything the Entra client is configured with.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Tenant ID (a GUID) or a verified domain. Never `common` / `organizations`.
    pub tenant: String,
    /// Authority host, e.g. `https://login.microsoftonline.com` (national
    /// clouds and entra-sim use others).
    pub authority_host: Url,
    /// Application (client) ID of the OIDC (web view) app.
    pub client_id: String,
    /// Redirect URI registered on the OIDC app.
    pub redirect_uri: String,
    /// Scopes for the interactive sign-in beyond `openid`, e.g. `profile`,
    /// `email`, `offline_access`, `api://<app>/<scope>`.
    pub scopes: Vec<String>,
    /// Client secret, for a confidential OIDC app only.
    pub client_secret: Option<SecretString>,
    /// Application ID of the app used for the password check; defaults to
    /// [`ClientConfig::client_id`].
    pub ropg_client_id: Option<String>,
    /// Which token endpoint the password check uses.
    pub ropg_endpoint: RopgEndpoint,
    /// Scopes for a v2 password check (`openid` is always added).
    pub ropg_scopes: Vec<String>,
    /// Resource for a v1 password check (`resource=`).
    pub ropg_resource: String,
    /// AADSTS codes that count as "password verified" when MFA or Conditional
    /// Access interrupts the password check.
    pub success_codes: Vec<u32>,
    /// Extra trusted root certificates, PEM (private clouds, TLS-inspecting
    /// proxies, entra-sim in tests).
    pub extra_root_certs_pem: Option<String>,
    /// TCP + TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub total_timeout: Duration,
    /// Largest response body accepted.
    pub max_body_bytes: usize,
    /// Allowed clock difference for `exp`, `nbf` and `iat`.
    pub clock_skew: Duration,
    /// How long discovery documents are cached.
    pub discovery_ttl: Duration,
    /// Least time between two JWKS refetches caused by an unknown `kid`.
    pub jwks_refetch_interval: Duration,
    /// How long fetched signing keys are trusted before they are fetched
    /// again, so a key the tenant stopped publishing is dropped.
    pub jwks_max_age: Duration,
    /// Microsoft Graph base URL (group overage).
    pub graph_base: Url,
    /// Allow plain `http://` to a loopback host (by parsed host, never by
    /// text) for the authority, discovery endpoints and Graph. For a
    /// simulated tenant only (profile key `AllowInsecureSimulatedTenant`):
    /// any local user can listen on a loopback port and mint identities.
    pub allow_insecure_loopback: bool,
}

/// A configuration value is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A URL that must be HTTPS is not.
    #[error(
        "{what} `{url}` must use https:// (plain http is allowed only to a loopback address with AllowInsecureSimulatedTenant, for a simulated tenant only)"
    )]
    NotHttps {
        /// Which setting.
        what: &'static str,
        /// The offending URL.
        url: String,
    },
    /// The tenant is missing or a multi-tenant alias.
    #[error(
        "tenant `{0}`: set the tenant ID (a GUID) or a verified domain; common, organizations and consumers cannot be validated"
    )]
    BadTenant(String),
    /// A required value is empty.
    #[error("{0} is empty")]
    Empty(&'static str),
    /// The extra root certificates could not be read.
    #[error("extra root certificates: {0}")]
    BadRootCerts(String),
    /// A URL does not parse.
    #[error("{what} `{url}` is not a valid URL: {reason}")]
    BadUrl {
        /// Which setting.
        what: &'static str,
        /// The offending text.
        url: String,
        /// Why.
        reason: String,
    },
}

impl ClientConfig {
    /// A configuration with Sesame's defaults for everything but the tenant,
    /// the OIDC client ID and the redirect URI.
    pub fn new(tenant: &str, client_id: &str, redirect_uri: &str) -> Self {
        Self {
            tenant: tenant.trim().to_owned(),
            authority_host: default_url(DEFAULT_AUTHORITY_HOST),
            client_id: client_id.trim().to_owned(),
            redirect_uri: redirect_uri.trim().to_owned(),
            scopes: vec!["profile".into(), "email".into(), "offline_access".into()],
            client_secret: None,
            ropg_client_id: None,
            ropg_endpoint: RopgEndpoint::Auto,
            ropg_scopes: vec!["openid".into(), "profile".into()],
            ropg_resource: "00000003-0000-0000-c000-000000000000".into(),
            success_codes: DEFAULT_SUCCESS_CODES.to_vec(),
            extra_root_certs_pem: None,
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(10),
            max_body_bytes: 1024 * 1024,
            clock_skew: Duration::from_secs(300),
            discovery_ttl: Duration::from_secs(24 * 3600),
            jwks_refetch_interval: Duration::from_secs(60),
            jwks_max_age: crate::jwks::DEFAULT_MAX_AGE,
            graph_base: default_url(DEFAULT_GRAPH_HOST),
            allow_insecure_loopback: false,
        }
    }

    /// Points the authority host at `url` (e.g. entra-sim), and Graph at the
    /// same cloud's Graph (see [`graph_base_for`]).
    pub fn with_authority_host(mut self, url: &str) -> Result<Self, ConfigError> {
        self.authority_host = parse_url("authority host", url)?;
        if let Some(graph) = graph_base_for(&self.authority_host) {
            self.graph_base = graph;
        }
        Ok(self)
    }

    /// The client configuration a validated managed profile describes: the
    /// one mapping from profile keys to the client, shared by the agent, the
    /// menu bar and `sesame doctor`.
    ///
    /// `OIDCScopes` are *extra* scopes: the sign-in always asks for `profile`
    /// and `email`, plus `offline_access` unless `OIDCOfflineAccess` is off;
    /// with `QuietMode` on, the password check asks for `offline_access` too.
    pub fn from_settings(s: &Settings) -> Result<Self, ConfigError> {
        let mut cfg = Self::new(
            s.tenant.as_str(),
            s.oidc_client_id.as_str(),
            s.oidc_redirect_uri.as_str(),
        )
        .with_authority_host(s.authority_host.as_str())?;
        let mut scopes = vec!["profile".to_owned(), "email".to_owned()];
        if s.oidc_offline_access {
            scopes.push("offline_access".to_owned());
        }
        for extra in &s.oidc_scopes {
            if !scopes.contains(extra) {
                scopes.push(extra.clone());
            }
        }
        cfg.scopes = scopes;
        cfg.client_secret = s.oidc_client_secret.clone();
        if s.ropg_client_id != s.oidc_client_id {
            cfg.ropg_client_id = Some(s.ropg_client_id.as_str().to_owned());
        }
        cfg.ropg_endpoint = match s.ropg_endpoint {
            settings::RopgEndpoint::V1 => RopgEndpoint::V1,
            settings::RopgEndpoint::V2 => RopgEndpoint::V2,
            settings::RopgEndpoint::Auto => RopgEndpoint::Auto,
        };
        cfg.ropg_scopes = s.ropg_scopes.clone();
        // Quiet mode watches the refresh token of the last password sign-in:
        // a v2 password grant issues one only for `offline_access` (v1 always).
        if s.quiet_mode
            && s.oidc_offline_access
            && !cfg.ropg_scopes.iter().any(|x| x == "offline_access")
        {
            cfg.ropg_scopes.push("offline_access".to_owned());
        }
        cfg.ropg_resource = s.ropg_resource.clone();
        cfg.success_codes = s.ropg_success_codes.clone();
        cfg.allow_insecure_loopback = s.allow_insecure_simulated_tenant;
        if !s.trusted_root_certificates.is_empty() {
            cfg.extra_root_certs_pem = Some(s.trusted_root_certificates.join("\n"));
        }
        // A profile naming another OpenID provider (OIDCDiscoveryURL) has no
        // Entra tenant to check; `oidc::OidcProvider` checks the rest.
        if s.oidc_discovery_url.is_none() {
            cfg.validate()?;
        }
        Ok(cfg)
    }

    /// The client ID used for the password check.
    pub fn ropg_client_id(&self) -> &str {
        self.ropg_client_id.as_deref().unwrap_or(&self.client_id)
    }

    /// Checks the values a request would trip over, naming the setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let t = self.tenant.to_ascii_lowercase();
        if t.is_empty() || ["common", "organizations", "consumers"].contains(&t.as_str()) {
            return Err(ConfigError::BadTenant(self.tenant.clone()));
        }
        if self.client_id.is_empty() {
            return Err(ConfigError::Empty("OIDC client ID"));
        }
        if self.redirect_uri.is_empty() {
            return Err(ConfigError::Empty("redirect URI"));
        }
        let insecure = self.allow_insecure_loopback;
        require_https("authority host", &self.authority_host, insecure)?;
        require_https("Graph base URL", &self.graph_base, insecure)?;
        Ok(())
    }
}

fn default_url(s: &'static str) -> Url {
    // Only called with the constants above, which a unit test parses.
    Url::parse(s).expect("built-in default URL is valid")
}

/// Parses a URL setting, naming it on error.
pub(crate) fn parse_url(what: &'static str, s: &str) -> Result<Url, ConfigError> {
    Url::parse(s.trim()).map_err(|e| ConfigError::BadUrl {
        what,
        url: s.to_owned(),
        reason: e.to_string(),
    })
}

/// `true` for 127.0.0.0/8, ::1 and `localhost`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `true` when `url` may be fetched: HTTPS, or plain HTTP to a loopback
/// host when the simulated-tenant switch is on. The one rule for the
/// authority, discovery endpoints, Graph and every request.
pub(crate) fn transport_allowed(url: &Url, allow_insecure_loopback: bool) -> bool {
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => allow_insecure_loopback && is_loopback(url),
        _ => false,
    }
}

/// HTTPS, or plain HTTP to loopback with the simulated-tenant switch.
pub(crate) fn require_https(
    what: &'static str,
    url: &Url,
    allow_insecure_loopback: bool,
) -> Result<(), ConfigError> {
    match transport_allowed(url, allow_insecure_loopback) {
        true => Ok(()),
        false => Err(ConfigError::NotHttps {
            what,
            url: url.to_string(),
        }),
    }
}

/// Microsoft Graph for an authority's cloud: each national cloud has its own
/// Graph host, and a cloud Sesame does not know (a simulated tenant) serves
/// Graph on its own host. `None` keeps the global Graph. Without this, group
/// overage could never resolve outside the global cloud.
pub fn graph_base_for(authority: &Url) -> Option<Url> {
    let graph = match authority.host_str()? {
        "login.microsoftonline.com" | "login.microsoft.com" => return None,
        "login.microsoftonline.us" => "https://graph.microsoft.us/",
        "login.partner.microsoftonline.cn" | "login.chinacloudapi.cn" => {
            "https://microsoftgraph.chinacloudapi.cn/"
        }
        _ => return Some(authority.clone()),
    };
    Url::parse(graph).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = ClientConfig::new("contoso.onmicrosoft.com", "app", NATIVECLIENT_REDIRECT_URI);
        assert_eq!(
            c.authority_host.as_str(),
            "https://login.microsoftonline.com/"
        );
        assert_eq!(c.graph_base.as_str(), "https://graph.microsoft.com/");
        let gov = c
            .clone()
            .with_authority_host("https://login.microsoftonline.us/")
            .unwrap();
        assert_eq!(gov.graph_base.as_str(), "https://graph.microsoft.us/");
        let sim = c
            .clone()
            .with_authority_host("https://127.0.0.1:8443/")
            .unwrap();
        assert_eq!(sim.graph_base.as_str(), "https://127.0.0.1:8443/");
        assert_eq!(
            c.success_codes,
            vec![50076, 50079, 50074, 50158, 53003, 53000, 53001]
        );
        assert_eq!(c.connect_timeout, Duration::from_secs(5));
        assert_eq!(c.total_timeout, Duration::from_secs(10));
        assert_eq!(c.max_body_bytes, 1 << 20);
        assert_eq!(c.clock_skew, Duration::from_secs(300));
        assert_eq!(c.ropg_client_id(), "app");
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn multi_tenant_aliases_and_plain_http_are_refused() {
        for t in ["common", "Organizations", "consumers", ""] {
            let c = ClientConfig::new(t, "app", NATIVECLIENT_REDIRECT_URI);
            assert!(
                matches!(c.validate(), Err(ConfigError::BadTenant(_))),
                "{t}"
            );
        }
        let c = ClientConfig::new("t", "app", "x")
            .with_authority_host("http://login.example.com")
            .unwrap();
        let err = c.validate().unwrap_err();
        assert!(err.to_string().contains("authority host"), "{err}");
        let with = |url: &str, insecure: bool| {
            let mut c = ClientConfig::new("t", "app", "x")
                .with_authority_host(url)
                .unwrap();
            c.allow_insecure_loopback = insecure;
            c.validate()
        };
        // Plain http to loopback only with the simulated-tenant switch.
        for loopback in [
            "http://127.0.0.1:8443",
            "http://127.9.9.9",
            "http://[::1]:1",
            "http://localhost",
        ] {
            assert!(
                with(loopback, false).is_err(),
                "{loopback} without the switch"
            );
            assert_eq!(with(loopback, true), Ok(()), "{loopback}");
        }
        // Loopback is the parsed host, never a text match.
        for not_loopback in [
            "http://localhost.attacker.example",
            "http://127.0.0.1.nip.io",
            "http://[::2]",
            "http://login.example.com/127.0.0.1",
        ] {
            assert!(with(not_loopback, true).is_err(), "{not_loopback}");
        }
        assert_eq!(with("https://a.b", false), Ok(()));
        assert_eq!(with("https://localhost.attacker.example", false), Ok(()));
    }

    #[test]
    fn ropg_endpoint_parses_the_profile_words() {
        assert_eq!("v1".parse(), Ok(RopgEndpoint::V1));
        assert_eq!("V2".parse(), Ok(RopgEndpoint::V2));
        assert_eq!("auto".parse(), Ok(RopgEndpoint::Auto));
        assert!(
            "v3".parse::<RopgEndpoint>()
                .unwrap_err()
                .contains("v1, v2 or auto")
        );
    }
}
