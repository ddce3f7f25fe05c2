//! The interactive sign-in request and the redirect that ends it.
//!
//! Authorization-code flow with PKCE (S256), `state` and `nonce`, built with
//! openidconnect; the redirect the web view captures is parsed here for the
//! nativeclient URI, loopback URIs and custom schemes. A `state` that does
//! not match is an error, never a code.

use openidconnect::core::{CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreJsonWebKeySet};
use openidconnect::{
    AuthUrl, ClientId, CsrfToken, IssuerUrl, LoginHint, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope,
};
use secrecy::SecretString;
use url::Url;

use crate::catalog::parse_code;
use crate::config::{ClientConfig, is_loopback};
use crate::discovery::ProviderMetadata;

/// The `prompt` to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Always ask for credentials (`prompt=login`).
    Login,
    /// Never show UI (`prompt=none`).
    None,
    /// Let the user pick an account (`prompt=select_account`).
    SelectAccount,
    /// Ask for consent (`prompt=consent`).
    Consent,
}

/// Optional parts of the authorization request.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeOptions {
    /// `prompt`.
    pub prompt: Option<Prompt>,
    /// `login_hint` (pre-fills the username).
    pub login_hint: Option<String>,
    /// `domain_hint` (skips home-realm discovery, e.g. a federated domain).
    pub domain_hint: Option<String>,
}

/// An authorization request in flight: open `url` in the web view, keep the
/// rest to check the redirect and redeem the code.
pub struct PendingAuthorization {
    /// The URL to open.
    pub url: Url,
    /// The redirect URI the request named.
    pub redirect_uri: String,
    pub(crate) state: CsrfToken,
    pub(crate) nonce: Nonce,
    pub(crate) pkce_verifier: PkceCodeVerifier,
}

impl std::fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("redirect_uri", &self.redirect_uri)
            .field("state", &"[redacted]")
            .field("nonce", &"[redacted]")
            .field("pkce_verifier", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl PendingAuthorization {
    /// The nonce the ID token must carry.
    pub fn nonce(&self) -> &Nonce {
        &self.nonce
    }
}

/// The authorization request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    /// A URL in the configuration or discovery is unusable.
    #[error("authorization request: {what} `{value}` is not a valid URL: {reason}")]
    BadUrl {
        /// Which.
        what: &'static str,
        /// The value.
        value: String,
        /// Why.
        reason: String,
    },
}

/// Builds the authorization URL for the OIDC app.
pub fn authorization_request(
    cfg: &ClientConfig,
    meta: &ProviderMetadata,
    options: &AuthorizeOptions,
) -> Result<PendingAuthorization, AuthorizeError> {
    let bad = |what: &'static str, value: &str, e: url::ParseError| AuthorizeError::BadUrl {
        what,
        value: value.to_owned(),
        reason: e.to_string(),
    };
    let redirect = RedirectUrl::new(cfg.redirect_uri.clone())
        .map_err(|e| bad("redirect URI", &cfg.redirect_uri, e))?;
    let issuer = IssuerUrl::new(meta.issuer.clone()).map_err(|e| bad("issuer", &meta.issuer, e))?;
    let auth = AuthUrl::from_url(meta.authorization_endpoint.clone());
    let client = CoreClient::new(
        ClientId::new(cfg.client_id.clone()),
        issuer,
        CoreJsonWebKeySet::new(Vec::new()),
    )
    .set_auth_uri(auth)
    .set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in &cfg.scopes {
        if scope != "openid" {
            req = req.add_scope(Scope::new(scope.clone()));
        }
    }
    if let Some(p) = options.prompt {
        req = req.add_prompt(match p {
            Prompt::Login => CoreAuthPrompt::Login,
            Prompt::None => CoreAuthPrompt::None,
            Prompt::SelectAccount => CoreAuthPrompt::SelectAccount,
            Prompt::Consent => CoreAuthPrompt::Consent,
        });
    }
    if let Some(hint) = options.login_hint.as_deref().filter(|h| !h.is_empty()) {
        req = req.set_login_hint(LoginHint::new(hint.to_owned()));
    }
    if let Some(hint) = options.domain_hint.as_deref().filter(|h| !h.is_empty()) {
        req = req.add_extra_param("domain_hint", hint.to_owned());
    }
    let (url, state, nonce) = req.url();
    Ok(PendingAuthorization {
        url,
        redirect_uri: cfg.redirect_uri.clone(),
        state,
        nonce,
        pkce_verifier: verifier,
    })
}

/// The redirect did not yield a code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectError {
    /// The captured URL does not parse.
    #[error("the captured redirect is not a URL: {0}")]
    NotAUrl(String),
    /// The captured URL is not our redirect URI.
    #[error("the captured URL {found} is not the redirect URI {expected}")]
    WrongRedirect {
        /// Our redirect URI.
        expected: String,
        /// What was captured (without parameters).
        found: String,
    },
    /// `state` missing or different: possible CSRF or a stale page.
    #[error(
        "the redirect's state does not match this sign-in (possible forgery or a stale page); start the sign-in again"
    )]
    StateMismatch,
    /// Entra sent an error instead of a code.
    #[error("Entra refused the sign-in: {error}{}: {description}", code.map(|c| format!(" (AADSTS{c})")).unwrap_or_default())]
    Entra {
        /// OAuth `error`.
        error: String,
        /// `error_description`.
        description: String,
        /// The AADSTS code at the start of the description, for display and
        /// catalog lookup only (authorize redirects carry no `error_codes`).
        code: Option<u32>,
    },
    /// Neither `code` nor `error`.
    #[error("the redirect carries neither a code nor an error")]
    NoCode,
}

/// Reads the code from the URL the web view was redirected to.
pub fn parse_redirect(
    pending: &PendingAuthorization,
    captured: &str,
) -> Result<SecretString, RedirectError> {
    let url = Url::parse(captured.trim()).map_err(|e| RedirectError::NotAUrl(e.to_string()))?;
    let expected = Url::parse(&pending.redirect_uri)
        .map_err(|e| RedirectError::NotAUrl(format!("redirect URI: {e}")))?;
    if !same_endpoint(&expected, &url) {
        let mut found = url.clone();
        found.set_query(None);
        found.set_fragment(None);
        return Err(RedirectError::WrongRedirect {
            expected: pending.redirect_uri.clone(),
            found: found.to_string(),
        });
    }
    // response_mode=query is the default for the code flow; accept a
    // fragment too (some web views hand back form_post/fragment captures).
    let mut params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    if params.is_empty()
        && let Some(frag) = url.fragment()
    {
        params = url::form_urlencoded::parse(frag.as_bytes())
            .into_owned()
            .collect();
    }
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    // Compared in constant time: the state is what stops a forged redirect.
    let state_matches = get("state").is_some_and(|got| {
        sesame_core::constant_time::eq(got.as_bytes(), pending.state.secret().as_bytes())
    });
    if !state_matches {
        return Err(RedirectError::StateMismatch);
    }
    if let Some(error) = get("error") {
        let description = get("error_description").unwrap_or_default();
        let code = description.split(':').next().and_then(parse_code);
        return Err(RedirectError::Entra {
            error,
            description,
            code,
        });
    }
    match get("code").filter(|c| !c.is_empty()) {
        Some(code) => Ok(SecretString::from(code)),
        None => Err(RedirectError::NoCode),
    }
}

/// Scheme, host, port and path equal; a loopback redirect URI registered
/// without a port accepts any port (RFC 8252 §7.3).
fn same_endpoint(expected: &Url, found: &Url) -> bool {
    let port_ok =
        expected.port() == found.port() || (is_loopback(expected) && expected.port().is_none());
    expected.scheme() == found.scheme()
        && expected.host_str() == found.host_str()
        && port_ok
        && expected.path().trim_end_matches('/') == found.path().trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NATIVECLIENT_REDIRECT_URI;
    use crate::discovery::Version;
    use secrecy::ExposeSecret;

    fn meta() -> ProviderMetadata {
        let t = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        let u =
            |p: &str| Url::parse(&format!("https://login.microsoftonline.com/{t}/{p}")).unwrap();
        ProviderMetadata {
            version: Version::V2,
            issuer: format!("https://login.microsoftonline.com/{t}/v2.0"),
            tenant_id: t.into(),
            authorization_endpoint: u("oauth2/v2.0/authorize"),
            token_endpoint: u("oauth2/v2.0/token"),
            jwks_uri: u("discovery/v2.0/keys"),
            end_session_endpoint: None,
            msgraph_host: None,
        }
    }

    fn pending(redirect: &str) -> PendingAuthorization {
        let mut cfg = ClientConfig::new("t", "client-1", redirect);
        cfg.scopes.push("api://sesame-api/Login".into());
        let opts = AuthorizeOptions {
            prompt: Some(Prompt::Login),
            login_hint: Some("ada@contoso.com".into()),
            domain_hint: Some("contoso.com".into()),
        };
        authorization_request(&cfg, &meta(), &opts).unwrap()
    }

    #[test]
    fn url_carries_pkce_state_nonce_hints_and_the_api_scope() {
        let p = pending(NATIVECLIENT_REDIRECT_URI);
        let q: std::collections::HashMap<String, String> =
            p.url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "client-1");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"].len(), 43);
        assert_eq!(q["state"], *p.state.secret());
        assert_eq!(q["nonce"], *p.nonce.secret());
        assert_eq!(q["prompt"], "login");
        assert_eq!(q["login_hint"], "ada@contoso.com");
        assert_eq!(q["domain_hint"], "contoso.com");
        assert_eq!(q["redirect_uri"], NATIVECLIENT_REDIRECT_URI);
        let scopes: Vec<&str> = q["scope"].split(' ').collect();
        assert!(
            scopes.contains(&"openid") && scopes.contains(&"api://sesame-api/Login"),
            "{scopes:?}"
        );
        assert!(!format!("{p:?}").contains(p.state.secret()));
    }

    #[test]
    fn redirects_yield_the_code_for_every_kind_of_redirect_uri() {
        for (registered, captured_base) in [
            (
                NATIVECLIENT_REDIRECT_URI,
                NATIVECLIENT_REDIRECT_URI.to_owned(),
            ),
            (
                "http://127.0.0.1/callback",
                "http://127.0.0.1:53123/callback".to_owned(),
            ),
            (
                "http://localhost:8400/",
                "http://localhost:8400/".to_owned(),
            ),
            (
                "io.sesame.agent://auth",
                "io.sesame.agent://auth".to_owned(),
            ),
        ] {
            let p = pending(registered);
            let url = format!(
                "{captured_base}?code=0.AAA-code&state={}&session_state=x",
                p.state.secret()
            );
            let code = parse_redirect(&p, &url).unwrap_or_else(|e| panic!("{registered}: {e}"));
            assert_eq!(code.expose_secret(), "0.AAA-code");
        }
    }

    #[test]
    fn state_mismatch_wrong_redirect_and_entra_errors() {
        let p = pending(NATIVECLIENT_REDIRECT_URI);
        let forged = format!("{NATIVECLIENT_REDIRECT_URI}?code=c&state=forged");
        assert_eq!(
            parse_redirect(&p, &forged).unwrap_err(),
            RedirectError::StateMismatch
        );
        let missing = format!("{NATIVECLIENT_REDIRECT_URI}?code=c");
        assert_eq!(
            parse_redirect(&p, &missing).unwrap_err(),
            RedirectError::StateMismatch
        );
        let elsewhere = format!("https://evil.example/cb?code=c&state={}", p.state.secret());
        assert!(matches!(
            parse_redirect(&p, &elsewhere),
            Err(RedirectError::WrongRedirect { .. })
        ));
        let err = format!(
            "{NATIVECLIENT_REDIRECT_URI}?error=invalid_request&error_description=AADSTS50011%3A+The+redirect+URI+does+not+match&state={}",
            p.state.secret()
        );
        match parse_redirect(&p, &err).unwrap_err() {
            RedirectError::Entra { error, code, .. } => {
                assert_eq!(error, "invalid_request");
                assert_eq!(code, Some(50011));
            }
            other => panic!("{other:?}"),
        }
        let none = format!("{NATIVECLIENT_REDIRECT_URI}?state={}", p.state.secret());
        assert_eq!(
            parse_redirect(&p, &none).unwrap_err(),
            RedirectError::NoCode
        );
    }
}
