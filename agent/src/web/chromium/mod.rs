//! [`WebLogin`] in Chromium over the DevTools protocol (chromiumoxide).
//!
//! Each sign-in starts a fresh Chromium with its own temporary profile
//! directory (no cookies, no saved passwords, deleted afterwards), adds the
//! capture script to every frame at document start in an isolated world (the
//! page cannot see or call its channel), intercepts the navigation to the
//! redirect URI (the request never leaves the browser; the page shows "signed
//! in") and closes the browser. Everything is bounded by the request's timeout.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{WebLogin, WebLoginError, WebSignInRequest, WebSignInResult, WindowMode};

mod person;
mod session;

pub use person::{Person, PersonError, PersonPage};

/// Where Debian (and most distributions) install Chromium.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// How to start Chromium.
#[derive(Debug, Clone)]
pub struct ChromiumOptions {
    /// The Chromium executable.
    pub executable: PathBuf,
    /// Visible window or headless.
    pub window: WindowMode,
    /// How long Chromium may take to start (capped by the request's timeout).
    pub launch_timeout: Duration,
}

impl Default for ChromiumOptions {
    fn default() -> Self {
        Self {
            executable: PathBuf::from(DEFAULT_CHROMIUM),
            window: WindowMode::Auto,
            launch_timeout: Duration::from_secs(20),
        }
    }
}

impl ChromiumOptions {
    /// Headless, for tests.
    pub fn headless() -> Self {
        Self {
            window: WindowMode::Headless,
            ..Self::default()
        }
    }
}

/// The Chromium web view.
#[derive(Clone, Default)]
pub struct ChromiumWebLogin {
    options: ChromiumOptions,
    person: Option<Arc<dyn Person>>,
}

impl std::fmt::Debug for ChromiumWebLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChromiumWebLogin")
            .field("options", &self.options)
            .field("person", &self.person.is_some())
            .finish()
    }
}

impl ChromiumWebLogin {
    /// A Chromium web view with `options`.
    pub fn new(options: ChromiumOptions) -> Self {
        Self {
            options,
            person: None,
        }
    }

    /// Lets `person` act on the pages (tests: a scripted person typing into
    /// them with real mouse and key events). Without one, a person types into
    /// the visible window.
    #[must_use]
    pub fn with_person(mut self, person: Arc<dyn Person>) -> Self {
        self.person = Some(person);
        self
    }

    /// The options in use.
    pub fn options(&self) -> &ChromiumOptions {
        &self.options
    }
}

impl WebLogin for ChromiumWebLogin {
    async fn sign_in(&mut self, req: WebSignInRequest) -> Result<WebSignInResult, WebLoginError> {
        let headless = super::display::headless_here(self.options.window)?;
        check_executable(&self.options.executable)?;
        let spki = super::trust::spki_hashes(&req.trusted_roots_pem)?;
        let timeout = req.timeout;
        let run = session::run(
            &self.options,
            headless,
            &spki,
            req,
            self.person.clone(),
        );
        // Dropping the session on timeout kills Chromium (kill_on_drop) and
        // removes its profile directory.
        tokio::time::timeout(timeout, run)
            .await
            .unwrap_or(Err(WebLoginError::TimedOut(timeout)))
    }
}

/// The command-line flags for one run: a private profile, no background
/// traffic, the extra roots pinned by public-key hash.
///
/// Site isolation is turned off so that cross-origin iframes stay in the
/// page's own renderer: the document-start script and its channel then reach
/// every frame of the sign-in, which the DevTools client cannot guarantee for
/// out-of-process iframes (it resumes them before a script can be added). The
/// window only ever shows the identity provider's pages.
/// (chromiumoxide adds `--user-data-dir` and `--remote-debugging-port=0`.)
pub fn chromium_args(headless: bool, spki_hashes: &[String]) -> Vec<String> {
    let mut args: Vec<String> = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--disable-extensions",
        "--disable-default-apps",
        "--disable-breakpad",
        "--password-store=basic",
        "--disable-site-isolation-trials",
        "--disable-features=IsolateOrigins,site-per-process,Translate,AutofillServerCommunication",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if headless {
        args.push("--headless=new".into());
        args.push("--window-size=1000,800".into());
    } else {
        args.push("--window-size=520,720".into());
        args.push("--app=about:blank".into());
    }
    if !spki_hashes.is_empty() {
        args.push(format!(
            "--ignore-certificate-errors-spki-list={}",
            spki_hashes.join(",")
        ));
    }
    args
}

/// Fails with the fix when Chromium is not installed at `path`.
fn check_executable(path: &std::path::Path) -> Result<(), WebLoginError> {
    use std::os::unix::fs::PermissionsExt as _;
    let ok = std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(WebLoginError::BrowserMissing(format!(
            "Chromium is not installed at {}: install Debian's `chromium` package \
             (`apt-get install chromium`, which provides {DEFAULT_CHROMIUM}), or use the \
             native sign-in (`sesame-agent login --native`)",
            path.display()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_pin_roots_by_hash_and_never_ignore_all_errors() {
        let args = chromium_args(true, &["AAA=".into(), "BBB=".into()]);
        assert!(args.contains(&"--ignore-certificate-errors-spki-list=AAA=,BBB=".to_owned()));
        assert!(!args.iter().any(|a| a == "--ignore-certificate-errors"));
        assert!(args.contains(&"--headless=new".to_owned()));
        for flag in [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
        ] {
            assert!(args.iter().any(|a| a == flag), "{flag}");
        }
        let visible = chromium_args(false, &[]);
        assert!(!visible.iter().any(|a| a.starts_with("--headless")));
        assert!(!visible.iter().any(|a| a.starts_with("--ignore-certificate")));
    }

    #[test]
    fn a_missing_browser_names_the_path_and_the_package() {
        let err = check_executable(std::path::Path::new("/nonexistent/chromium")).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, WebLoginError::BrowserMissing(_)));
        assert!(msg.contains("/nonexistent/chromium") && msg.contains("apt-get install chromium"));
        assert!(msg.contains(DEFAULT_CHROMIUM));
    }
}
