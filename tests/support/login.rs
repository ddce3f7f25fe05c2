//! Driving the product: `sesame_agent::Agent` with real Chromium (a scripted
//! person types into entra-sim's pages over HTTPS), a scripted login-window
//! conversation, and the `sesame-agent` binary.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

use entra_sim::SimHandle;
use secrecy::SecretString;
use sesame_agent::web::chromium::{
    ChromiumOptions, ChromiumWebLogin, Person, PersonError, PersonPage,
};
use sesame_agent::web::{
    CapturedPassword, WebLogin, WebLoginError, WebSignInRequest, WebSignInResult,
};
use sesame_agent::{Agent, Front, LoginOutcome, Prompter, Seams};
use sesame_core::login::UserMessage;
use sesame_platform::SecretStore;

use crate::world::{Sandbox, load_settings};

/// What the person does on the sign-in pages, in order.
#[derive(Debug, Clone)]
pub enum Act {
    /// Type the user name and go on.
    User(String),
    /// Type a password and go on; `wrong`: expect Entra's "incorrect" error.
    Password {
        /// The password.
        text: String,
        /// Entra will call it wrong.
        wrong: bool,
    },
    /// Answer the authenticator-app code (from the sim's TOTP secret).
    Totp(String),
    /// On the change page: type the old password and the new one twice.
    Change {
        /// The current (expired or temporary) password.
        old: String,
        /// The new password.
        new: String,
    },
}

/// A password act.
pub fn pw(text: &str) -> Act {
    Act::Password {
        text: text.into(),
        wrong: false,
    }
}

/// A wrong password act.
pub fn wrong_pw(text: &str) -> Act {
    Act::Password {
        text: text.into(),
        wrong: true,
    }
}

/// Headless Chromium where a person does `acts`.
pub fn person(sim: &Arc<SimHandle>, acts: Vec<Act>) -> ChromiumWebLogin {
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: the end-to-end tests need Debian's chromium (run .ci/install-deps)"
    );
    let sim = Arc::clone(sim);
    let person = move |page: PersonPage| {
        let sim = Arc::clone(&sim);
        let acts = acts.clone();
        async move {
            for act in acts {
                match act {
                    Act::User(u) => {
                        page.type_into("input[name=loginfmt]", &u).await?;
                        page.click("#idSIButton9").await?;
                    }
                    Act::Password { text, wrong } => {
                        page.type_into("input[name=passwd]", &text).await?;
                        page.click("#idSIButton9").await?;
                        if wrong {
                            page.wait_for("#passwordError").await?;
                        }
                    }
                    Act::Totp(upn) => {
                        page.wait_for("input[name=otc]").await?;
                        let code = sim
                            .totp_code(&upn)
                            .map_err(|e| PersonError(e.to_string()))?;
                        page.type_into("input[name=otc]", &code).await?;
                        page.click("#idSubmit_SAOTCC_Continue").await?;
                    }
                    Act::Change { old, new } => {
                        page.type_into("input[name=currentpasswd]", &old).await?;
                        page.type_into("input[name=newpasswd]", &new).await?;
                        page.type_into("input[name=confirmnewpasswd]", &new).await?;
                        page.click("#idSIButton9").await?;
                    }
                }
            }
            Ok(())
        }
    };
    let person: Arc<dyn Person> = Arc::new(person);
    ChromiumWebLogin::new(ChromiumOptions::headless()).with_person(person)
}

/// A web view whose page gave no password (passwordless, a security key, a
/// page the capture script does not know): the real Chromium sign-in, with
/// the capture thrown away.
#[derive(Debug)]
pub struct NothingCaptured(pub ChromiumWebLogin);

impl WebLogin for NothingCaptured {
    async fn sign_in(&mut self, req: WebSignInRequest) -> Result<WebSignInResult, WebLoginError> {
        let mut r = self.0.sign_in(req).await?;
        r.captured = CapturedPassword::None;
        Ok(r)
    }
}

/// One question the login window is expected to ask, and the answer.
#[derive(Debug, Clone)]
pub enum Ask {
    /// "Enter your Microsoft Entra password" (or "try again"); answer.
    Password(Option<String>),
    /// The previous local password; answer.
    OldLocal(Option<String>),
    /// Choose a local password (passwordless); answer.
    ChooseLocal(Option<String>),
}

/// The login window's conversation, scripted: every question must be the
/// next expected one, and every expected one must be asked (checked on drop).
#[derive(Debug, Default)]
pub struct Script {
    expected: VecDeque<Ask>,
    /// Every message shown with a question, in order.
    pub shown: Vec<String>,
}

impl Script {
    /// Expect `asks`, in order.
    pub fn new(asks: Vec<Ask>) -> Self {
        Self {
            expected: asks.into(),
            shown: vec![],
        }
    }

    fn next(&mut self, what: &str, message: &UserMessage) -> Ask {
        self.shown.push(message.text.clone());
        match self.expected.pop_front() {
            Some(a) => a,
            None => panic!("unexpected question ({what}): {}", message.text),
        }
    }
}

fn answer(a: Option<String>) -> Option<SecretString> {
    a.map(SecretString::from)
}

impl Prompter for Script {
    fn ask_password(&mut self, message: &UserMessage) -> Option<SecretString> {
        match self.next("password", message) {
            Ask::Password(a) => answer(a),
            other => panic!("asked for the Entra password, expected {other:?}"),
        }
    }
    fn ask_old_local_password(&mut self, message: &UserMessage) -> Option<SecretString> {
        match self.next("old local password", message) {
            Ask::OldLocal(a) => answer(a),
            other => panic!("asked for the previous local password, expected {other:?}"),
        }
    }
    fn choose_local_password(&mut self, message: &UserMessage) -> Option<SecretString> {
        match self.next("choose local password", message) {
            Ask::ChooseLocal(a) => answer(a),
            other => panic!("asked to choose a local password, expected {other:?}"),
        }
    }
    fn show(&mut self, message: &UserMessage) {
        self.shown.push(message.text.clone());
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert!(
                self.expected.is_empty(),
                "questions never asked: {:?}",
                self.expected
            );
        }
    }
}

/// The agent for `profile`.
pub fn agent(profile: &[u8]) -> Agent {
    match Agent::new(load_settings(profile)) {
        Ok(a) => a,
        Err(e) => panic!("agent: {e}"),
    }
}

/// One web sign-in with `web`, on `sb`, storing into `store`.
pub async fn web_login<W: WebLogin>(
    agent: &mut Agent,
    web: &mut W,
    sb: &Sandbox,
    store: &dyn SecretStore,
    script: &mut Script,
) -> LoginOutcome {
    let seams = Seams {
        dir: &sb.dir,
        journal: &sb.journal,
        store,
        prompter: script,
    };
    agent.login(Front::Web(web), None, seams).await
}

/// The `sesame-agent` binary of this workspace (built by `cargo build -p sesame-agent`).
pub fn agent_binary() -> PathBuf {
    let here = std::env::current_exe().unwrap_or_default();
    // target/debug/deps/<test> -> target/debug/sesame-agent
    let bin = here
        .parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("sesame-agent"))
        .unwrap_or_default();
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p sesame-agent` first",
        bin.display()
    );
    bin
}

/// `sesame-agent` in a new session without a controlling terminal (`setsid
/// --wait`), as a script or service runs it: it can ask nobody, so it never
/// waits on the terminal of whoever runs the tests.
pub fn agent_command() -> std::process::Command {
    let mut cmd = std::process::Command::new("/usr/bin/setsid");
    cmd.arg("--wait").arg(agent_binary());
    cmd
}

/// A web view that remembers the secrets of each sign-in (the redirect's
/// authorization code, the PKCE challenge sent) so a test can look for them
/// where they must never be.
#[derive(Debug)]
pub struct Recording<W> {
    /// The web view.
    pub inner: W,
    /// Authorization codes seen in redirects.
    pub codes: Vec<String>,
    /// PKCE challenges sent in authorize URLs.
    pub challenges: Vec<String>,
}

impl<W: WebLogin + Send> WebLogin for Recording<W> {
    async fn sign_in(&mut self, req: WebSignInRequest) -> Result<WebSignInResult, WebLoginError> {
        if let Some((_, c)) = req
            .authorize_url
            .query_pairs()
            .find(|(k, _)| k == "code_challenge")
        {
            self.challenges.push(c.into_owned());
        }
        let r = self.inner.sign_in(req).await?;
        use secrecy::ExposeSecret;
        if let Ok(u) = url::Url::parse(r.redirect.expose_secret())
            && let Some((_, c)) = u.query_pairs().find(|(k, _)| k == "code")
        {
            self.codes.push(c.into_owned());
        }
        Ok(r)
    }
}

/// Headless Chromium where a person signs in on another OpenID provider's
/// own pages (oidc-provider's development login, then its consent page),
/// typing `login` and `password` as a person would.
pub fn open_id_person(login: &str, password: &str) -> ChromiumWebLogin {
    let (login, password) = (login.to_owned(), password.to_owned());
    let person = move |page: PersonPage| {
        let (login, password) = (login.clone(), password.clone());
        async move {
            page.type_into("input[name=login]", &login).await?;
            page.type_into("input[name=password]", &password).await?;
            page.click("button[type=submit]").await?;
            page.wait_for_text("Authorize").await?;
            page.click("button[type=submit]").await
        }
    };
    let person: Arc<dyn Person> = Arc::new(person);
    ChromiumWebLogin::new(ChromiumOptions::headless()).with_person(person)
}
