//! The machine the mechanisms work on. On a Mac: the managed profile, the
//! local directory (OpenDirectory), the login keychain and the native
//! sign-in prompt (`macos_prompt`). In Linux builds there is no login window: the mechanisms run
//! only under the fake authorization engine, configured by the test hook
//! ([`test_hook`]), which is compiled out of macOS builds.

use std::path::Path;

use secrecy::SecretString;
use sesame_agent::{Agent, Front, LoginOutcome, NoWebView, Prompter, Seams};
use sesame_core::settings::{self, Settings};
use sesame_platform::{AccountDirectory, JournalFile, SecretStore};

use crate::mechanism::Host;

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
mod macos_prompt;
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

/// Loads one profile file through the settings loader; the first error
/// finding is the reason.
pub fn load_profile(path: &Path) -> Result<Settings, String> {
    let bytes = std::fs::read(path).map_err(|e| {
        format!(
            "Sesame's profile {} cannot be read ({e}); install the configuration profile",
            path.display()
        )
    })?;
    let name = path.display().to_string();
    let report = settings::load(&[(name.as_str(), bytes.as_slice())]);
    let first_error = report
        .findings
        .iter()
        .find(|f| f.severity == settings::Severity::Error);
    match (report.settings, first_error) {
        (Some(s), None) => Ok(s),
        (_, Some(f)) => Err(format!("Sesame's profile is unusable: {f}")),
        (None, None) => Err("Sesame's profile gives no settings".into()),
    }
}

/// The staged machine a sign-in runs on (see [`crate::staging`]).
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

/// Runs the native sign-in (`user`, `password`, checked by Entra) to its end
/// on `staged`, asking `prompter` whatever else the flow needs.
pub fn native_sign_in(
    agent: &mut Agent,
    user: String,
    password: SecretString,
    staged: Staged<'_>,
    prompter: &mut dyn Prompter,
) -> Result<LoginOutcome, String> {
    let seams = Seams {
        dir: staged.dir,
        journal: staged.journal,
        store: staged.store,
        prompter,
    };
    let front: Front<'_, NoWebView> = Front::Native { user, password };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    Ok(rt.block_on(agent.login(front, None, seams)))
}
