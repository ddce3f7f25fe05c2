//! The mechanism state machine: which mechanism does what, which hints and
//! context values it reads and writes, and which result it reports. Plain
//! Rust over the [`Engine`] and [`Host`] traits; no OS calls here.
//!
//! Hand-over between the mechanisms of one login:
//!
//! | from → to | what | where |
//! |---|---|---|
//! | UI → provision | the provisioning plan (JSON, no secret) | hint [`HINT_PLAN`] |
//! | UI → builtin:authenticate, provision, keychain | the short name | context `username` (extractable, UTF-8 + NUL) |
//! | UI → builtin:authenticate, provision, keychain | the verified password | context `password` (extractable, UTF-8 + NUL) |
//! | UI → provision, keychain | the old local password, when the account had one | context [`CONTEXT_OLD_PASSWORD`] (not extractable, removed by the keychain mechanism) |
//! | keychain → (log) | what was done to the keychain | hint [`HINT_KEYCHAIN`] |
//! | UI → provision, keychain | Entra unreachable, the local password was used: change nothing | hint [`HINT_LOCAL`] |
//!
//! No password is ever put in a hint: hints are advisory scratch data the
//! engine may hand to any later mechanism; context values are what
//! `builtin:authenticate` reads the password from anyway, and the old
//! password is marked volatile and removed once the keychain is re-keyed.

use secrecy::{ExposeSecret, SecretString};
use sesame_agent::Agent;
use sesame_agent::outcome::Ending;
use sesame_core::login::UserMessage;
use sesame_core::provisioning::Plan;
use sesame_core::settings::Settings;
use sesame_platform::{AccountDirectory, JournalFile, Passwords};
use zeroize::Zeroizing;

use crate::engine::{Engine, Verdict, Visibility};
use crate::keychain::{self, LoginKeychain};

/// Hint: the plan the UI's sign-in made (JSON).
pub const HINT_PLAN: &str = "io.sesame.plan";
/// Hint: Entra could not be reached and the person signed in with the
/// local password (`"local"`): the root mechanisms leave the account and
/// the keychain as they are.
pub const HINT_LOCAL: &str = "io.sesame.local-fallback";
/// Hint: what the keychain mechanism did (JSON string).
pub const HINT_KEYCHAIN: &str = "io.sesame.keychain";
/// Context: the short name (`kAuthorizationEnvironmentUsername`).
pub const CONTEXT_USERNAME: &str = "username";
/// Context: the password (`kAuthorizationEnvironmentPassword`).
pub const CONTEXT_PASSWORD: &str = "password";
/// Context: the old local password, for the directory and the keychain.
pub const CONTEXT_OLD_PASSWORD: &str = "io.sesame.old-password";
/// Sticky context: the message the login window shows after a denial.
pub const CONTEXT_ERROR: &str = "ErrorMessage";

/// Sesame's mechanisms, by the id after `Sesame:` in the right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Sesame:login`: the sign-in window (unprivileged).
    Login,
    /// `Sesame:provision,privileged`: the account (root).
    Provision,
    /// `Sesame:keychain,privileged`: the login keychain (root).
    Keychain,
}

impl Kind {
    /// The mechanism for an id (`login`, `provision`, `keychain`).
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "login" => Some(Self::Login),
            "provision" => Some(Self::Provision),
            "keychain" => Some(Self::Keychain),
            _ => None,
        }
    }
}

/// Where the mechanisms get the machine from: the Mac's login window and
/// directory, or (Linux builds) the test hook's sandbox and script.
pub trait Host {
    /// The managed profile.
    fn settings(&self) -> Result<Settings, String>;
    /// The account directory and its apply journal.
    fn directory(&self) -> Result<(Box<dyn AccountDirectory>, JournalFile), String>;
    /// The login keychain.
    fn keychain(&self) -> Result<Box<dyn LoginKeychain>, String>;
    /// Runs the sign-in (web view or native prompt) on the staged machine.
    fn sign_in(
        &mut self,
        agent: &mut Agent,
        staged: crate::host::Staged<'_>,
    ) -> Result<crate::host::SignIn, String>;
    /// Entra cannot be reached and the local password is allowed: asks for
    /// the Mac account name and password, `message` above them. `None`
    /// when cancelled.
    fn ask_local(&mut self, message: &UserMessage) -> Option<(String, SecretString)>;
    /// Called as a mechanism starts (the Linux test hook injects faults here).
    fn starting(&self, _kind: Kind) {}
}

/// Why a mechanism denied: the message for the login window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial(pub String);

impl From<String> for Denial {
    fn from(s: String) -> Self {
        Self(s)
    }
}

/// Runs one mechanism to its verdict; a denial's message is set as the
/// sticky error for the next screen.
pub fn invoke(kind: Kind, engine: &mut dyn Engine, host: &mut dyn Host) -> Verdict {
    host.starting(kind);
    let r = match kind {
        Kind::Login => login(engine, host),
        Kind::Provision => provision(engine, host),
        Kind::Keychain => keychain(engine, host),
    };
    match r {
        Ok(v) => v,
        Err(Denial(message)) => deny(engine, &message),
    }
}

/// Sets the sticky error message and returns Deny.
pub fn deny(engine: &mut dyn Engine, message: &str) -> Verdict {
    // The message is shown whether or not this works; a failure to set it
    // must not turn a deny into something else.
    let _ = engine.set_context(
        CONTEXT_ERROR,
        &with_nul(message.as_bytes()),
        Visibility::Sticky,
    );
    Verdict::Deny
}

/// UTF-8 with the trailing NUL the login window's readers expect.
fn with_nul(bytes: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut v = Zeroizing::new(Vec::with_capacity(bytes.len() + 1));
    v.extend_from_slice(bytes);
    v.push(0);
    v
}

/// A context string without its trailing NUL.
fn context_string(engine: &dyn Engine, key: &str) -> Result<Option<SecretString>, Denial> {
    let Some(raw) = engine.context(key).map_err(|e| Denial(e.to_string()))? else {
        return Ok(None);
    };
    let bytes = raw.strip_suffix(&[0]).unwrap_or(&raw);
    if bytes.is_empty() {
        return Ok(None);
    }
    let s = std::str::from_utf8(bytes)
        .map_err(|_| Denial(format!("the login context value {key} is not UTF-8")))?;
    Ok(Some(SecretString::from(s.to_owned())))
}

fn required(engine: &dyn Engine, key: &str) -> Result<SecretString, Denial> {
    context_string(engine, key)?.ok_or_else(|| {
        Denial(format!(
            "Sesame's sign-in did not hand over the {key}; put Sesame:login before this mechanism (`sesame-agent authdb status`)"
        ))
    })
}

fn login(engine: &mut dyn Engine, host: &mut dyn Host) -> Result<Verdict, Denial> {
    let settings = host.settings()?;
    let mut agent = Agent::new(settings).map_err(|e| Denial(e.to_string()))?;
    let (dir, _) = host.directory()?;
    let staged = crate::staging::StagedDirectory::new(dir.as_ref());
    let scratch = tempfile::tempdir().map_err(|e| Denial(format!("no scratch folder: {e}")))?;
    let journal = JournalFile::new(scratch.path().join("staged-journal.json"));
    let signed = host.sign_in(
        &mut agent,
        crate::host::Staged {
            dir: &staged,
            journal: &journal,
            store: &crate::staging::NothingStored,
        },
    )?;
    let outcome = signed.outcome;
    if outcome.outcome == Ending::LocalFallback {
        let message = outcome.message.clone().unwrap_or_else(|| UserMessage {
            text: "Can't reach Microsoft. Sign in with your local password for now.".into(),
            link: None,
        });
        return local_sign_in(engine, host, dir.as_ref(), &message, signed.typed);
    }
    if !outcome.is_ready() {
        return Err(Denial(outcome.one_line()));
    }
    let (Some(plan), Some(short)) = (outcome.plan.as_ref(), outcome.short_name.as_deref()) else {
        return Err(Denial(
            "internal error: a ready sign-in without a plan".into(),
        ));
    };
    let passwords = staged.into_passwords();
    // An account whose local password already is the verified one gets no
    // `set_password`: the password is the one the directory accepted.
    let new = if plan.sets_password() {
        passwords.new
    } else {
        passwords.local_match
    };
    let Some(new) = new else {
        return Err(Denial(
            "internal error: a ready sign-in without a password".into(),
        ));
    };
    let plan_json = serde_json::to_vec(plan).map_err(|e| Denial(e.to_string()))?;
    let fail = |e: crate::engine::EngineError| Denial(e.to_string());
    engine.set_hint(HINT_PLAN, &plan_json).map_err(fail)?;
    hand_over(engine, short, &new)?;
    if let Some(old) = passwords.old {
        engine
            .set_context(
                CONTEXT_OLD_PASSWORD,
                &with_nul(old.expose_secret().as_bytes()),
                Visibility::MechanismsOnly,
            )
            .map_err(fail)?;
    }
    Ok(Verdict::Allow)
}

/// Sets `username` and `password` for `builtin:authenticate` (extractable,
/// UTF-8 with the trailing NUL).
fn hand_over(engine: &mut dyn Engine, short: &str, password: &SecretString) -> Result<(), Denial> {
    let fail = |e: crate::engine::EngineError| Denial(e.to_string());
    engine
        .set_context(
            CONTEXT_USERNAME,
            &with_nul(short.as_bytes()),
            Visibility::Extractable,
        )
        .map_err(fail)?;
    engine
        .set_context(
            CONTEXT_PASSWORD,
            &with_nul(password.expose_secret().as_bytes()),
            Visibility::Extractable,
        )
        .map_err(fail)
}

/// Entra is unreachable and the profile allows the local password (the
/// login machine decided): the name and password typed into the native
/// prompt are tried as the Mac's own, then the person is asked once for
/// them. The password is checked against the local account, as
/// `builtin:authenticate` will again; nothing is changed on the machine.
fn local_sign_in(
    engine: &mut dyn Engine,
    host: &mut dyn Host,
    dir: &dyn AccountDirectory,
    message: &UserMessage,
    typed: Option<(String, SecretString)>,
) -> Result<Verdict, Denial> {
    let snapshot = dir.snapshot().map_err(|e| Denial(e.to_string()))?;
    let mut typed = typed;
    for _ in 0..2 {
        let Some((name, password)) = typed.take().or_else(|| host.ask_local(message)) else {
            break;
        };
        let Some(account) = crate::front::local_account(&snapshot, &name) else {
            continue;
        };
        let short = account.short_name.as_str();
        if !dir
            .verify_password(short, &password)
            .map_err(|e| Denial(e.to_string()))?
        {
            continue;
        }
        engine
            .set_hint(HINT_LOCAL, b"local")
            .map_err(|e| Denial(e.to_string()))?;
        hand_over(engine, short, &password)?;
        return Ok(Verdict::Allow);
    }
    Err(Denial(format!(
        "{} The name or Mac password was not accepted.",
        message.one_line()
    )))
}

/// Whether the sign-in fell back to the local password (the root
/// mechanisms then have nothing to do).
fn local_fallback(engine: &dyn Engine) -> Result<bool, Denial> {
    let hint = engine.hint(HINT_LOCAL).map_err(|e| Denial(e.to_string()))?;
    Ok(hint.as_deref() == Some(b"local".as_slice()))
}

fn provision(engine: &mut dyn Engine, host: &mut dyn Host) -> Result<Verdict, Denial> {
    if local_fallback(engine)? {
        return Ok(Verdict::Allow);
    }
    let raw = engine
        .hint(HINT_PLAN)
        .map_err(|e| Denial(e.to_string()))?
        .ok_or_else(|| Denial("Sesame's sign-in did not hand over a plan; put Sesame:login before Sesame:provision (`sesame-agent authdb status`)".into()))?;
    let plan: Plan = serde_json::from_slice(&raw)
        .map_err(|e| Denial(format!("Sesame's plan hint does not parse: {e}")))?;
    let short = required(engine, CONTEXT_USERNAME)?;
    if plan.short_name() != Some(short.expose_secret()) {
        return Err(Denial(
            "the plan is for another account than the one signing in; sign in again".into(),
        ));
    }
    if let Plan::Deny { .. } = plan {
        return Err(Denial(format!(
            "This account cannot be set up on this Mac: {}",
            plan.explain()
        )));
    }
    let new = required(engine, CONTEXT_PASSWORD)?;
    let old = context_string(engine, CONTEXT_OLD_PASSWORD)?;
    let (dir, journal) = host.directory()?;
    sesame_platform::recover(dir.as_ref(), &journal).map_err(|e| Denial(e.to_string()))?;
    let passwords = Passwords {
        new: &new,
        old_local: old.as_ref(),
    };
    sesame_platform::apply(dir.as_ref(), &journal, &plan, &passwords, &mut sesame_platform::NoHook)
        .map_err(|e| Denial(format!("Your account could not be set up: {e}. Nothing was left half-done; try again, or ask your helpdesk.")))?;
    Ok(Verdict::Allow)
}

fn keychain(engine: &mut dyn Engine, host: &mut dyn Host) -> Result<Verdict, Denial> {
    if local_fallback(engine)? {
        // The local password opens the keychain as it always did.
        let _ = engine.set_hint(HINT_KEYCHAIN, br#"{"step":"none","why":"local fallback"}"#);
        return Ok(Verdict::Allow);
    }
    let short = required(engine, CONTEXT_USERNAME)?;
    let new = required(engine, CONTEXT_PASSWORD)?;
    let old = context_string(engine, CONTEXT_OLD_PASSWORD)?;
    let reset_allowed = host.settings()?.keychain_reset;
    let kc = host.keychain()?;
    let user = short.expose_secret();
    // A keychain problem never locks the person out: the login goes on and
    // macOS offers to update the keychain; the hint says what happened.
    let report = match kc.state(user, &new, old.as_ref()) {
        Ok(state) => {
            let step = keychain::decide(state, reset_allowed);
            match keychain::carry_out(kc.as_ref(), step, user, &new, old.as_ref()) {
                Ok(()) => serde_json::json!({ "step": step }),
                Err(e) => serde_json::json!({ "step": step, "error": e }),
            }
        }
        Err(e) => serde_json::json!({ "error": e }),
    };
    let _ = engine.set_hint(HINT_KEYCHAIN, report.to_string().as_bytes());
    // The old password is not needed past this point, whether or not there was one.
    engine
        .remove_context(CONTEXT_OLD_PASSWORD)
        .map_err(|e| Denial(e.to_string()))?;
    Ok(Verdict::Allow)
}

#[cfg(test)]
#[path = "mechanism_tests.rs"]
mod tests;
