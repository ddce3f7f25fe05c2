//! The sign-in at the "login window": the login agent's real flow, with a
//! scripted person. In headless Chromium she types her user name, her
//! password and the code from her authenticator app into the tenant's pages;
//! without Chromium she uses the native sign-in (user name and password) and
//! finishes MFA with a device code "on her phone".

use std::sync::Arc;

use entra_sim::SimHandle;
use secrecy::{ExposeSecret, SecretString};
use sesame_agent::{Agent, Front, LoginOutcome, NoWebView, Prompter, Seams};
use sesame_core::login::UserMessage;

/// How the person signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    /// Headless Chromium on the tenant's pages.
    Chromium,
    /// The native sign-in (ROPG), MFA by device code.
    Native,
}

impl How {
    /// Chromium when it is installed (never on macOS here: the Mac's web
    /// sign-in is the login window's WKWebView).
    pub(crate) fn here() -> Self {
        #[cfg(not(target_os = "macos"))]
        let installed =
            std::path::Path::new(sesame_agent::web::chromium::DEFAULT_CHROMIUM).exists();
        #[cfg(target_os = "macos")]
        let installed = false;
        if installed {
            How::Chromium
        } else {
            How::Native
        }
    }

    /// Profile keys this way of signing in needs.
    pub(crate) fn profile_keys(self) -> Vec<(String, String)> {
        match self {
            How::Chromium => vec![],
            How::Native => vec![("NativeMFA".into(), "device_code".into())],
        }
    }
}

/// Why the demo uses the native sign-in: asked with `--native`, or no Chromium.
pub(crate) fn why_native(asked: bool) -> &'static str {
    if asked {
        "--native: the sign-in a console or SSH login gets, no web view"
    } else if cfg!(target_os = "macos") {
        "note: on a Mac the web sign-in runs in the login window (WKWebView), not in this command"
    } else {
        "note: Chromium is not installed, so no web view here (install Debian's `chromium` for the web sign-in)"
    }
}

/// The person at the login window: nothing to ask her beyond the sign-in
/// itself; a device code is entered on "her phone" (the tenant's
/// `/devicelogin` page, walked over HTTPS with her authenticator code).
struct Person {
    sim: Arc<SimHandle>,
    upn: String,
    password: SecretString,
}

impl Prompter for Person {
    fn ask_password(&mut self, _: &UserMessage) -> Option<SecretString> {
        None
    }
    fn ask_old_local_password(&mut self, _: &UserMessage) -> Option<SecretString> {
        None
    }
    fn choose_local_password(&mut self, _: &UserMessage) -> Option<SecretString> {
        None
    }
    fn show(&mut self, message: &UserMessage) {
        println!("   the login window says: {}", message.one_line());
    }
    fn show_device_code(&mut self, url: &str, code: &SecretString) {
        println!("   the login window shows a code to enter at {url}; she enters it on her phone");
        let (sim, upn, password) = (
            Arc::clone(&self.sim),
            self.upn.clone(),
            self.password.clone(),
        );
        let (url, code) = (url.to_owned(), code.clone());
        // Called inside the agent's runtime, which polls while she types.
        tokio::spawn(async move {
            if let Err(e) = enter_device_code(&sim, &url, &code, &upn, &password).await {
                println!("   entering the device code failed: {e}");
            }
        });
    }
}

async fn enter_device_code(
    sim: &SimHandle,
    url: &str,
    code: &SecretString,
    upn: &str,
    password: &SecretString,
) -> Result<(), String> {
    use entra_sim::headless::{Browser, Landing, Step};
    let phone = Browser::for_sim(sim).map_err(|e| e.to_string())?;
    let landing = phone
        .post(Step::DeviceCode, url, &[("otc", code.expose_secret())])
        .await
        .map_err(|e| e.to_string())?;
    let Landing::Page(page) = landing else {
        return Err("no sign-in page after the code".into());
    };
    phone
        .walk(sim, page, upn, password.expose_secret())
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Headless Chromium where the person types her user name, password and
/// authenticator code, saying what she does as she goes.
#[cfg(not(target_os = "macos"))]
fn chromium(
    sim: &Arc<SimHandle>,
    upn: &str,
    password: &SecretString,
) -> sesame_agent::web::chromium::ChromiumWebLogin {
    use sesame_agent::web::chromium::{
        ChromiumOptions, ChromiumWebLogin, Person as WebPerson, PersonError, PersonPage,
    };
    let (sim, upn, password) = (Arc::clone(sim), upn.to_owned(), password.clone());
    let person = move |page: PersonPage| {
        let (sim, upn, password) = (Arc::clone(&sim), upn.clone(), password.clone());
        async move {
            page.type_into("input[name=loginfmt]", &upn).await?;
            page.click("#idSIButton9").await?;
            println!("   she types {upn} on the tenant's sign-in page");
            page.type_into("input[name=passwd]", password.expose_secret())
                .await?;
            page.click("#idSIButton9").await?;
            println!("   she types her password");
            page.wait_for("input[name=otc]").await?;
            let code = sim
                .totp_code(&upn)
                .map_err(|e| PersonError(e.to_string()))?;
            page.type_into("input[name=otc]", &code).await?;
            page.click("#idSubmit_SAOTCC_Continue").await?;
            println!(
                "   the tenant asks for MFA (Conditional Access); she types the code from her authenticator app"
            );
            Ok(())
        }
    };
    let person: Arc<dyn WebPerson> = Arc::new(person);
    ChromiumWebLogin::new(ChromiumOptions::headless()).with_person(person)
}

/// One sign-in through the agent's real flow.
pub(crate) async fn sign_in(
    how: How,
    agent: &mut Agent,
    sim: &Arc<SimHandle>,
    upn: &str,
    password: &SecretString,
    seams: (
        &dyn sesame_platform::AccountDirectory,
        &sesame_platform::JournalFile,
        &dyn sesame_platform::SecretStore,
    ),
) -> LoginOutcome {
    let mut person = Person {
        sim: Arc::clone(sim),
        upn: upn.to_owned(),
        password: password.clone(),
    };
    let seams = Seams {
        dir: seams.0,
        journal: seams.1,
        store: seams.2,
        prompter: &mut person,
    };
    #[cfg(target_os = "macos")]
    let _ = how;
    #[cfg(not(target_os = "macos"))]
    if how == How::Chromium {
        let mut web = chromium(sim, upn, password);
        return agent.login(Front::Web(&mut web), None, seams).await;
    }
    let front: Front<'_, NoWebView> = Front::Native {
        user: upn.to_owned(),
        password: password.clone(),
    };
    agent.login(front, None, seams).await
}
