//! What every web view does with what it sees, in one place: capture reports
//! are parsed and kept, navigations are checked against the redirect URI, and
//! at the end the captured password is decided. The Chromium and WKWebView
//! implementations only feed it events.

use secrecy::SecretString;

use super::capture::{self, Submission};
use super::{WebSignInRequest, WebSignInResult, is_redirect};

/// What to do with a navigation.
#[derive(Debug, PartialEq, Eq)]
pub enum Navigation {
    /// Let it load.
    Allow,
    /// The redirect to the app: do not load it; the sign-in is over.
    Redirect,
}

/// One sign-in's observations.
#[derive(Debug)]
pub struct Recorder {
    redirect_uri: String,
    hosts: Vec<String>,
    submissions: Vec<Submission>,
}

impl Recorder {
    /// A recorder for `req`.
    pub fn new(req: &WebSignInRequest) -> Self {
        Self {
            redirect_uri: req.redirect_uri.clone(),
            hosts: req.idp_hosts.clone(),
            submissions: Vec::new(),
        }
    }

    /// A report from the capture script. `frame_host`, when the web view
    /// knows it (WKWebView's frame security origin), replaces the host the
    /// script claims. Bad reports are logged and dropped.
    pub fn report(&mut self, payload: &str, frame_host: Option<&str>) {
        match capture::parse_report(payload) {
            Ok(mut s) => {
                if let Some(h) = frame_host {
                    h.clone_into(&mut s.host);
                }
                self.submissions.push(s);
            }
            Err(e) => tracing::warn!(error = %e, "capture report ignored"),
        }
    }

    /// Whether the navigation to `url` is the redirect back to the app.
    pub fn navigation(&self, url: &str) -> Navigation {
        if is_redirect(url, &self.redirect_uri) {
            Navigation::Redirect
        } else {
            Navigation::Allow
        }
    }

    /// How many reports were kept.
    pub fn reports(&self) -> usize {
        self.submissions.len()
    }

    /// The result for the redirect `url`.
    pub fn finish(&self, url: String) -> WebSignInResult {
        let captured = capture::decide(&self.submissions, &self.hosts);
        tracing::debug!(reports = self.submissions.len(), captured = ?captured, "web sign-in finished");
        WebSignInResult {
            redirect: SecretString::from(url),
            captured,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use secrecy::ExposeSecret;

    use super::*;
    use crate::web::CapturedPassword;

    fn req() -> WebSignInRequest {
        WebSignInRequest::new(
            url::Url::parse("https://login.microsoftonline.com/t/oauth2/v2.0/authorize").unwrap(),
            "https://login.microsoftonline.com/common/oauth2/nativeclient",
            vec!["login.microsoftonline.com".into()],
            Duration::from_secs(5),
        )
    }

    fn report(host: &str, value: &str) -> String {
        format!(
            r#"{{"host":"{host}","trigger":"click","context":"Enter password","fields":[{{"type":"password","name":"passwd","value":"{value}"}}]}}"#
        )
    }

    #[test]
    fn the_frame_origin_overrides_what_the_script_claims() {
        let mut r = Recorder::new(&req());
        // A foreign frame claiming to be Entra is judged by its real origin.
        r.report(
            &report("login.microsoftonline.com", "Phish-1"),
            Some("evil.example"),
        );
        r.report("not json", None);
        assert_eq!(r.reports(), 1);
        let done = r.finish("https://x/?code=1".into());
        assert!(matches!(done.captured, CapturedPassword::None));

        let mut r = Recorder::new(&req());
        r.report(&report("login.microsoftonline.com", "Right-1"), None);
        let done =
            r.finish("https://login.microsoftonline.com/common/oauth2/nativeclient?code=c".into());
        assert_eq!(done.captured.secret().unwrap().expose_secret(), "Right-1");
        assert!(done.redirect.expose_secret().ends_with("code=c"));
    }

    #[test]
    fn only_the_redirect_uri_ends_the_sign_in() {
        let r = Recorder::new(&req());
        let native = "https://login.microsoftonline.com/common/oauth2/nativeclient";
        assert_eq!(
            r.navigation(&format!("{native}?code=1")),
            Navigation::Redirect
        );
        assert_eq!(
            r.navigation("https://login.microsoftonline.com/common/oauth2/nativeclientx"),
            Navigation::Allow
        );
        assert_eq!(
            r.navigation("https://login.microsoftonline.com/t/login"),
            Navigation::Allow
        );
    }
}
