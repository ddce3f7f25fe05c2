//! The web sign-in seam: a web view opens the identity provider's `/authorize`
//! URL, a person signs in (password, MFA, a forced password change…), and the
//! web view reports the redirect back to the app — which carries the
//! authorization code — and the password the person typed, picked by role.
//!
//! Implementations:
//! - [`chromium`]: Chromium over the DevTools protocol (Linux; a visible
//!   window when a display is available, headless for tests).
//! - `webkit` (macOS only): WKWebView through objc2-web-kit; the macOS
//!   authorization plugin hosts it in a window.
//!
//! Every decision lives outside the browser code so each implementation shares
//! it: which captured value to trust ([`capture::decide`]), which hosts the
//! capture script may run on ([`hosts`]), whether a window can be shown
//! ([`display`]), which certificates to trust ([`trust`]).

use std::fmt;
use std::future::Future;
use std::time::Duration;

use secrecy::SecretString;

pub mod capture;
#[cfg(not(target_os = "macos"))]
pub mod chromium;
pub mod display;
pub mod hosts;
pub mod recorder;
pub mod script;
pub mod trust;
#[cfg(target_os = "macos")]
pub mod webkit;

pub use capture::{CapturedPassword, FieldRole, Submission};
pub use display::WindowMode;

/// What the login flow asks of a web view.
#[derive(Clone)]
pub struct WebSignInRequest {
    /// The full `/authorize` URL (PKCE, state, nonce, `prompt=login`).
    pub authorize_url: url::Url,
    /// A navigation to a URL that starts with this (followed by `?`, `#` or
    /// nothing) ends the sign-in; the browser never sends that request.
    pub redirect_uri: String,
    /// The capture script is active only on these hosts (exact names,
    /// lowercase; see [`hosts::idp_hosts`]).
    pub idp_hosts: Vec<String>,
    /// Never wait past this, whatever the page does.
    pub timeout: Duration,
    /// Extra root certificates (PEM) the web view trusts, as the profile's
    /// `TrustedRootCertificates` does for the HTTP client. Chromium pins them
    /// by public-key hash; it never ignores certificate errors wholesale.
    pub trusted_roots_pem: Vec<String>,
}

impl WebSignInRequest {
    /// A request with no extra trusted roots.
    pub fn new(
        authorize_url: url::Url,
        redirect_uri: impl Into<String>,
        idp_hosts: Vec<String>,
        timeout: Duration,
    ) -> Self {
        Self {
            authorize_url,
            redirect_uri: redirect_uri.into(),
            idp_hosts,
            timeout,
            trusted_roots_pem: Vec::new(),
        }
    }

    /// Adds root certificates (PEM) to trust for this sign-in.
    #[must_use]
    pub fn trusting(mut self, pems: impl IntoIterator<Item = String>) -> Self {
        self.trusted_roots_pem.extend(pems);
        self
    }
}

impl fmt::Debug for WebSignInRequest {
    /// Leaves out the authorize URL's query (state, nonce, PKCE challenge).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSignInRequest")
            .field("authorize_url", &without_query(self.authorize_url.as_str()))
            .field("redirect_uri", &self.redirect_uri)
            .field("idp_hosts", &self.idp_hosts)
            .field("timeout", &self.timeout)
            .field("trusted_roots", &self.trusted_roots_pem.len())
            .finish()
    }
}

/// What the web view saw.
pub struct WebSignInResult {
    /// The full redirect URL (it holds the authorization code).
    pub redirect: SecretString,
    /// The password the capture script picked (role-aware), if any.
    pub captured: CapturedPassword,
}

impl fmt::Debug for WebSignInResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSignInResult")
            .field("redirect", &"[redacted]")
            .field("captured", &self.captured)
            .finish()
    }
}

/// Why a web sign-in ended without a redirect. Never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum WebLoginError {
    /// No display to show the sign-in window on, and headless was not asked for.
    #[error(
        "no display to show the sign-in window (neither DISPLAY nor WAYLAND_DISPLAY is set): \
         sign in from a graphical session, or use the native sign-in (`sesame-agent login --native`)"
    )]
    NoDisplay,
    /// The browser is not installed (or not executable) where it was looked for.
    #[error("{0}")]
    BrowserMissing(String),
    /// The person closed the window, or the browser went away.
    #[error("the sign-in window was closed before the sign-in finished")]
    Closed,
    /// The sign-in did not finish within the request's timeout.
    #[error("the sign-in did not finish within {0:?}")]
    TimedOut(Duration),
    /// The browser failed (could not start, protocol error, certificate file bad…).
    #[error("the sign-in browser failed: {0}")]
    Browser(String),
}

/// A web view that can run one sign-in. `sign_in` may be called again after
/// it returns; each call starts from a clean browser profile.
pub trait WebLogin {
    /// Opens `req.authorize_url`, lets the person sign in, and returns the
    /// redirect and the captured password — or an error within `req.timeout`.
    fn sign_in(
        &mut self,
        req: WebSignInRequest,
    ) -> impl Future<Output = Result<WebSignInResult, WebLoginError>> + Send;
}

/// Whether `url` is the redirect back to the app: `redirect_uri` itself,
/// followed by nothing, a query or a fragment. A plain prefix match would let
/// `https://app/cb.evil.example` pass for `https://app/cb`.
pub fn is_redirect(url: &str, redirect_uri: &str) -> bool {
    if redirect_uri.is_empty() {
        return false;
    }
    match url.strip_prefix(redirect_uri) {
        Some(rest) => rest.is_empty() || rest.starts_with('?') || rest.starts_with('#'),
        None => false,
    }
}

/// `url` without its query and fragment, for logs.
pub fn without_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redirect_is_the_uri_with_a_query_or_fragment_only() {
        let cb = "http://localhost:8400/callback";
        for (url, want) in [
            ("http://localhost:8400/callback?code=abc&state=s", true),
            ("http://localhost:8400/callback#code=abc", true),
            ("http://localhost:8400/callback", true),
            ("http://localhost:8400/callbackx?code=abc", false),
            ("http://localhost:8400/callback.evil.example/?code=a", false),
            ("https://localhost:8400/callback?code=abc", false),
            ("http://localhost:8401/callback?code=abc", false),
            (
                "https://login.microsoftonline.com/t/oauth2/v2.0/authorize",
                false,
            ),
        ] {
            assert_eq!(is_redirect(url, cb), want, "{url}");
        }
        assert!(!is_redirect("http://x/?code=1", ""));
    }

    #[test]
    fn debug_output_hides_the_code_and_the_authorize_query() {
        let result = WebSignInResult {
            redirect: SecretString::from("http://localhost/cb?code=SECRETCODE"),
            captured: CapturedPassword::Current(SecretString::from("Hunter2!")),
        };
        let shown = format!("{result:?}");
        assert!(
            !shown.contains("SECRETCODE") && !shown.contains("Hunter2"),
            "{shown}"
        );
        let req = WebSignInRequest::new(
            url::Url::parse("https://login.microsoftonline.com/t/authorize?state=STATE1").unwrap(),
            "http://localhost/cb",
            vec![],
            Duration::from_secs(5),
        );
        assert!(!format!("{req:?}").contains("STATE1"));
    }
}
