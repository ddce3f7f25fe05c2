//! Linux builds only (compiled out of macOS): the fake engine's test hook.
//!
//! A Linux build has no login window, directory service or keychain to
//! drive, so a test names them in a JSON file whose path is in the
//! environment variable [`ENV`] of the process that loads the plugin:
//!
//! ```json
//! { "profile": "/tmp/x/profile.mobileconfig", "root": "/tmp/x/root",
//!   "user": "adele@contoso.example", "password": "…", "panic_in": null }
//! ```
//!
//! - `profile`: the managed profile (pointing at entra-sim over HTTPS with
//!   its CA in `TrustedRootCertificates`);
//! - `root`: a sandbox system root: accounts are made there with the real
//!   shadow tools (`useradd --root`);
//! - `user`, `password`: the script of the person at the login window: what
//!   they type into the native prompt (the engine has no web view, so a
//!   `LoginMode` `web` profile falls back to it, as a Mac does when WebKit
//!   fails) and, when Entra cannot be reached, as the Mac password;
//! - `old_password` (optional): what the person answers when asked for the
//!   account's previous local password (a cloud password changed since);
//! - `panic_in`: `login`, `provision` or `keychain` makes that mechanism
//!   panic as it starts (the panic-safety case).
//!
//! The login keychain is the person's item in the kernel keyring.
//! Without the variable every mechanism denies, saying why.

use std::path::PathBuf;

use secrecy::SecretString;
use sesame_agent::web::WebLoginError;
use sesame_agent::{Agent, NoWebView, Prompter};
use sesame_core::login::UserMessage;
use sesame_core::settings::Settings;
use sesame_platform::{AccountDirectory, JournalFile, ShadowDirectory};

use super::{SignIn, Staged};
use crate::keychain::{LoginKeychain, StoreKeychain};
use crate::mechanism::{Host, Kind};

/// The variable naming the hook's JSON file.
pub const ENV: &str = "SESAME_AUTHPLUGIN_TEST_HOOK";

/// The hook's file.
#[derive(serde::Deserialize)]
struct Config {
    profile: PathBuf,
    root: PathBuf,
    user: String,
    password: SecretString,
    #[serde(default)]
    old_password: Option<SecretString>,
    #[serde(default)]
    panic_in: Option<String>,
}

/// The person at the login window, scripted: answers only the question
/// about the previous local password.
struct Script(Option<SecretString>);

impl Prompter for Script {
    fn ask_password(&mut self, _: &UserMessage) -> Option<SecretString> {
        None
    }
    fn ask_old_local_password(&mut self, _: &UserMessage) -> Option<SecretString> {
        self.0.take()
    }
    fn choose_local_password(&mut self, _: &UserMessage) -> Option<SecretString> {
        None
    }
    fn show(&mut self, _: &UserMessage) {}
}

/// The test host, or one that denies when the hook is not set.
pub fn host() -> Box<dyn Host> {
    let config = std::env::var_os(ENV)
        .ok_or_else(|| format!("this Linux build of Sesame's authorization plugin runs only under a test engine ({ENV} is not set)"))
        .and_then(|p| {
            let text = std::fs::read(&p).map_err(|e| format!("{ENV}: {e}"))?;
            serde_json::from_slice::<Config>(&text).map_err(|e| format!("{ENV}: {e}"))
        });
    Box::new(TestHost(config))
}

struct TestHost(Result<Config, String>);

impl TestHost {
    fn config(&self) -> Result<&Config, String> {
        self.0.as_ref().map_err(Clone::clone)
    }
}

impl Host for TestHost {
    fn settings(&self) -> Result<Settings, String> {
        super::load_profile(&self.config()?.profile)
    }

    fn directory(&self) -> Result<(Box<dyn AccountDirectory>, JournalFile), String> {
        let dir = ShadowDirectory::new(&self.config()?.root);
        let journal = JournalFile::new(dir.journal_path());
        Ok((Box::new(dir), journal))
    }

    fn keychain(&self) -> Result<Box<dyn LoginKeychain>, String> {
        let store =
            sesame_platform::KeyringSecretStore::kernel_keyring().map_err(|e| e.to_string())?;
        Ok(Box::new(StoreKeychain(store)))
    }

    fn sign_in(&mut self, agent: &mut Agent, staged: Staged<'_>) -> Result<SignIn, String> {
        let config = self.config()?;
        let mut prompter = Script(config.old_password.clone());
        let typed = (config.user.clone(), config.password.clone());
        // The engine has no web view: a `web` profile's sign-in fails to
        // show its page and the native prompt takes over, as on a Mac
        // whose WebKit failed.
        let mut web = super::Recording::new(NoWebView(WebLoginError::Browser(
            "the test engine has no web view".into(),
        )));
        let mut ask_native = |_: Option<&str>| Ok(Some(typed.clone()));
        let mut pump = || {};
        let window = super::Window::new(&mut web, &mut ask_native, &mut prompter, &mut pump);
        super::sign_in(agent, staged, window)
    }

    fn ask_local(&mut self, _: &UserMessage) -> Option<(String, SecretString)> {
        let c = self.config().ok()?;
        Some((c.user.clone(), c.password.clone()))
    }

    fn starting(&self, kind: Kind) {
        let name = match kind {
            Kind::Login => "login",
            Kind::Provision => "provision",
            Kind::Keychain => "keychain",
        };
        if let Ok(c) = self.config()
            && c.panic_in.as_deref() == Some(name)
        {
            panic!("test hook: a panic inside Sesame:{name}");
        }
    }
}
