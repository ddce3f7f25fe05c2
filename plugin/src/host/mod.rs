//! The machine the mechanisms work on. On a Mac: the managed profile, the
//! local directory (OpenDirectory), the login keychain, the web sign-in
//! window (`macos_web`) and the native sign-in prompt (`macos_prompt`). In Linux builds there is no login window: the mechanisms run
//! only under the fake authorization engine, configured by the test hook
//! ([`test_hook`]), which is compiled out of macOS builds.

use std::path::Path;

use secrecy::SecretString;
use sesame_agent::web::{WebLogin, WebLoginError, WebSignInRequest, WebSignInResult};
use sesame_agent::{Agent, Front, LoginOutcome, NoWebView, Prompter, Seams};
use sesame_core::login::DenyKind;
use sesame_core::settings::Settings;
use sesame_platform::{AccountDirectory, JournalFile, SecretStore};

use crate::front;
use crate::mechanism::Host;

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
mod macos_prompt;
#[cfg(target_os = "macos")]
mod macos_web;
#[cfg(not(target_os = "macos"))]
pub mod test_hook;

/// The host for this build.
pub fn for_this_machine() -> Box<dyn Host> {
    #[cfg(target_os = "macos")]
    {
        Box::new(macos::MacHost)
    }
    #[cfg(not(target_os = "macos"))]
    {
        test_hook::host()
    }
}

/// Loads one profile file through the shared loader
/// (`sesame_platform::load_profiles`); the first error finding is the reason.
pub fn load_profile(path: &Path) -> Result<Settings, String> {
    sesame_platform::load_profiles(&[path.to_owned()]).map_err(|e| match e {
        sesame_platform::ProfileError::Unreadable { .. } => {
            format!("Sesame's {e}; install the configuration profile")
        }
        _ => format!("Sesame's profile is unusable: {e}"),
    })
}

/// The staged machine a sign-in runs on (see [`crate::staging`]).
#[derive(Clone, Copy)]
pub struct Staged<'a> {
    /// The staged directory.
    pub dir: &'a dyn AccountDirectory,
    /// A scratch journal.
    pub journal: &'a JournalFile,
    /// The empty store.
    pub store: &'a dyn SecretStore,
}

impl std::fmt::Debug for Staged<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Staged")
            .field("journal", self.journal)
            .finish_non_exhaustive()
    }
}

/// How one sign-in at the login window ended.
pub struct SignIn {
    /// The agent's outcome.
    pub outcome: LoginOutcome,
    /// The name and password typed into the native prompt, if it was
    /// used: on a local fallback they are tried as the Mac's own.
    pub typed: Option<(String, SecretString)>,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("outcome", &self.outcome)
            .field("typed", &self.typed.as_ref().map(|t| &t.0))
            .finish()
    }
}

/// The native prompt: `notice` above it; the typed name and password, or
/// `None` when cancelled.
pub type AskNative<'a> =
    dyn FnMut(Option<&str>) -> Result<Option<(String, SecretString)>, String> + 'a;

/// The login window's parts, as the sign-in ([`sign_in`]) uses them: the
/// web view, the native prompt, the person's other answers, and the pump
/// that keeps the window alive while the agent waits.
pub struct Window<'a, W: WebLogin + Send> {
    /// The web view.
    pub web: &'a mut Recording<W>,
    /// The native prompt: the Entra name and password, `notice` above
    /// them; `None` when cancelled.
    pub ask_native: &'a mut AskNative<'a>,
    /// Everything else the flow asks (MFA code, old password, notices).
    pub prompter: &'a mut dyn Prompter,
    /// Called while the agent waits (the Mac's modal session).
    pub pump: &'a mut dyn FnMut(),
}

impl<'a, W: WebLogin + Send> Window<'a, W> {
    /// The window's parts: web view, native prompt, other questions, pump.
    pub fn new(
        web: &'a mut Recording<W>,
        ask_native: &'a mut AskNative<'a>,
        prompter: &'a mut dyn Prompter,
        pump: &'a mut dyn FnMut(),
    ) -> Self {
        Self {
            web,
            ask_native,
            prompter,
            pump,
        }
    }
}

impl<W: WebLogin + Send> std::fmt::Debug for Window<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Window")
            .field("web_problem", &self.web.problem)
            .finish_non_exhaustive()
    }
}

/// Runs the login window's sign-in on `staged`: the front the profile's
/// `LoginMode` picks ([`front::choose`]); after a web view that could not
/// show the page, the native prompt ([`front::native_after_web`]).
pub fn sign_in<W: WebLogin + Send>(
    agent: &mut Agent,
    staged: Staged<'_>,
    window: Window<'_, W>,
) -> Result<SignIn, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    let mut notice = None;
    if front::choose(agent.settings().login_mode) == front::Choice::Web {
        let login = agent.login(
            Front::Web(&mut *window.web),
            None,
            seams(staged, &mut *window.prompter),
        );
        let outcome = rt.block_on(front::pumped(login, PUMP_EVERY, &mut *window.pump));
        let offline_refused = outcome.reason == Some(DenyKind::Offline);
        notice = front::native_after_web(
            window.web.problem.as_ref(),
            offline_refused,
            &agent.settings().deny_local_excluded,
        );
        if notice.is_none() {
            return Ok(SignIn {
                outcome,
                typed: None,
            });
        }
    }
    let Some((user, password)) = (window.ask_native)(notice.as_deref())? else {
        return Err("Sign-in cancelled.".into());
    };
    let typed = Some((user.clone(), password.clone()));
    let native: Front<'_, NoWebView> = Front::Native { user, password };
    let login = agent.login(native, None, seams(staged, &mut *window.prompter));
    let outcome = rt.block_on(front::pumped(login, PUMP_EVERY, &mut *window.pump));
    Ok(SignIn { outcome, typed })
}

fn seams<'a>(staged: Staged<'a>, prompter: &'a mut dyn Prompter) -> Seams<'a> {
    Seams {
        dir: staged.dir,
        journal: staged.journal,
        store: staged.store,
        prompter,
    }
}

/// How often the window is pumped while the agent waits.
const PUMP_EVERY: std::time::Duration = std::time::Duration::from_millis(15);

/// A web view that remembers why its last sign-in failed, so the window
/// can tell "the page could not be shown" from the agent's other endings.
#[derive(Debug)]
pub struct Recording<W> {
    inner: W,
    /// Why the last sign-in failed, if it did.
    pub problem: Option<WebLoginError>,
}

impl<W: WebLogin + Send> Recording<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            problem: None,
        }
    }
}

impl<W: WebLogin + Send> WebLogin for Recording<W> {
    async fn sign_in(&mut self, req: WebSignInRequest) -> Result<WebSignInResult, WebLoginError> {
        let r = self.inner.sign_in(req).await;
        self.problem = r.as_ref().err().map(copy);
        r
    }
}

/// A copy of `e` (the error type is not `Clone`: it is returned once).
fn copy(e: &WebLoginError) -> WebLoginError {
    match e {
        WebLoginError::NoDisplay => WebLoginError::NoDisplay,
        WebLoginError::BrowserMissing(d) => WebLoginError::BrowserMissing(d.clone()),
        WebLoginError::Closed => WebLoginError::Closed,
        WebLoginError::TimedOut(t) => WebLoginError::TimedOut(*t),
        WebLoginError::Browser(d) => WebLoginError::Browser(d.clone()),
    }
}
