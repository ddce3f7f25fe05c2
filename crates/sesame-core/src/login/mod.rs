//! The login step machine: every decision the login window makes, as plain
//! data in and plain data out.
//!
//! In the style of kanidm's `IdProvider`, the agent feeds the machine what
//! the last request produced ([`Input`]) and gets back exactly one
//! [`Transition`]: the next thing to do ([`Next::Request`]), the account is
//! ready ([`Next::Success`]), the person is refused with a reason
//! ([`Next::Denied`]), or Entra could not be reached and the profile lets the
//! login window use the local password ([`Next::LocalFallback`]). Every
//! transition carries exactly one sync-log event, so the helpdesk can follow a
//! sign-in step by step. The machine never does I/O and never reads a clock:
//! `now` is a parameter. Secrets never enter it: it learns *where* a password
//! came from and what Entra said about it, never the password.
//!
//! The steps:
//!
//! ```text
//! start -> web sign-in -> redirect captured -> code exchanged -> ID token validated
//!       -> groups resolved -> password obtained -> password verified for this identity
//!       -> plan -> plan applied -> password stored -> done
//!                                          | denied(reason) | local fallback
//! ```
//!
//! Native sign-in skips the web steps: the password grant's own validated ID
//! token names the identity.

mod accounts;
mod decide;
mod messages;

#[cfg(test)]
mod tests;

use std::time::Duration;

use serde::Serialize;

use crate::identity::{EntraId, Groups};
use crate::provisioning::Plan;
use crate::settings::{LoginMode, NativeMfa, Settings};
use crate::verdict::PasswordVerdict;

pub use decide::LoginMachine;
pub use messages::UserMessage;

/// How long Sesame waits for Entra (or decides it is down) before the
/// profile's offline rules apply. The login window never hangs past this.
pub const FAULT_DEADLINE: Duration = Duration::from_secs(10);

/// The profile's rules for the login window, read once from [`Settings`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginRules {
    /// `LoginMode`.
    pub mode: LoginMode,
    /// `NativeMFA`: what the native sign-in does when the tenant demands MFA.
    pub native_mfa: NativeMfa,
    /// `WrongPasswordLimit`: wrong passwords Entra may refuse before Sesame
    /// stops asking.
    pub wrong_password_limit: u32,
    /// `PasswordlessLocalPassword`.
    pub passwordless_local_password: bool,
    /// `KeychainReset`.
    pub keychain_reset: bool,
    /// `DenyLocal`.
    pub deny_local: bool,
    /// `DenyLocalExcluded`.
    pub deny_local_excluded: Vec<String>,
    /// `LocalFallback`.
    pub local_fallback: bool,
    /// `ResetPasswordURL`.
    pub reset_password_url: String,
    /// `ChangePasswordURL`.
    pub change_password_url: String,
    /// `HelpURL`.
    pub help_url: Option<String>,
    /// The caller (PAM on an MFA service such as sshd) requires MFA: a
    /// native password Entra accepted without an interrupt still goes to the
    /// device code before anything is planned, so no account is made or
    /// updated until MFA is done. Not a profile key (always `false` from
    /// settings).
    pub require_mfa: bool,
}

impl LoginRules {
    /// The rules a profile sets.
    pub fn from_settings(s: &Settings) -> Self {
        Self {
            mode: s.login_mode,
            native_mfa: s.native_mfa,
            wrong_password_limit: s.wrong_password_limit.max(1),
            passwordless_local_password: s.passwordless_local_password,
            keychain_reset: s.keychain_reset,
            deny_local: s.deny_local,
            deny_local_excluded: s.deny_local_excluded.clone(),
            local_fallback: s.local_fallback,
            reset_password_url: s.reset_password_url.to_string(),
            change_password_url: s.change_password_url.to_string(),
            help_url: s.help_url.as_ref().map(ToString::to_string),
            require_mfa: false,
        }
    }
}

/// Where the sign-in happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Front {
    /// Entra's pages in a web view.
    Web,
    /// User name and password, checked by ROPG.
    Native,
}

/// What the web view's capture script picked, without the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Captured {
    /// Nothing (passwordless, a security key, a page the script does not know).
    Nothing,
    /// The password typed on Entra's password page.
    Current,
    /// The new password typed on a change page (expired or temporary password).
    New,
}

/// Where the password about to be checked came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordSource {
    /// Captured from Entra's password page.
    CapturedCurrent,
    /// Captured from a change page: the new password.
    CapturedNew,
    /// Asked for at the login window ("Enter your Microsoft Entra password").
    Asked,
    /// Typed with the user name (native sign-in).
    Native,
}

impl PasswordSource {
    fn describe(self) -> &'static str {
        match self {
            Self::CapturedCurrent => "captured from the sign-in page",
            Self::CapturedNew => "captured from the password change page (the new password)",
            Self::Asked => "asked for at the login window",
            Self::Native => "typed with the user name (native sign-in)",
        }
    }
}

/// The web view could not finish the sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", content = "detail", rename_all = "snake_case")]
pub enum WebProblem {
    /// There is no display to show a web view on.
    NoDisplay,
    /// No usable browser engine.
    BrowserMissing(String),
    /// The person closed the window.
    Closed,
    /// The sign-in took longer than allowed.
    TimedOut,
    /// The browser engine failed.
    Browser(String),
}

/// What the signed-in identity looks like, as the machine needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Who {
    /// Object ID + tenant ID.
    pub id: EntraId,
    /// The validated token's own user name (`preferred_username` / `upn`):
    /// the only name a password is checked for.
    pub username: String,
    /// The token left groups out (overage): Graph must be asked.
    pub overage: bool,
}

/// Whether Entra's answer to the password check concerns the signed-in
/// identity (a password belongs to exactly one identity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Binding {
    /// The password grant's ID token carries the signed-in oid + tid, or (an
    /// MFA / Conditional Access interrupt, no tokens) the name sent was the
    /// validated token's own user name.
    ThisIdentity,
    /// The password grant's ID token names another oid or tenant.
    OtherIdentity,
    /// Tokens came back without a usable ID token: nothing proves whose
    /// password it is.
    Unproven,
    /// The answer verified nothing (wrong, locked, offline ...).
    NotApplicable,
}

/// What the agent found about an existing account's passwords before
/// applying an update, so local and stored passwords move together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PasswordFacts {
    /// The account's local password already is the verified cloud password.
    pub local_is_new: bool,
    /// What the secret store holds for the account.
    pub stored: Stored,
    /// The previous local password the person typed, if asked: `Some(true)`
    /// when the directory accepted it.
    pub typed_old_local: Option<bool>,
}

/// The secret store's item for the account, compared without revealing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stored {
    /// Nothing stored.
    #[default]
    Nothing,
    /// The verified cloud password is already stored.
    SameAsNew,
    /// The stored password is the account's current local password.
    SameAsLocal,
    /// Something else (a stale item).
    Other,
}

/// Which old local password the directory is given when the password is set
/// (macOS keeps the login keychain unlocked with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OldLocal {
    /// None needed (a new account, or the password does not change).
    NotNeeded,
    /// The one the person just proved.
    Typed,
    /// The stored one, which the directory accepted as the local password.
    Stored,
    /// None available; the profile's `KeychainReset` allows setting anyway.
    Reset,
}

/// What to do with the secret store after the account is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreAction {
    /// Store the password (nothing stored yet).
    Store,
    /// Replace the stored item, proving the item's current value.
    Replace,
    /// The right password is stored already.
    Keep,
    /// Store nothing (a passwordless user's local-only password).
    Skip,
}

/// The result of one request, fed back into the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Start a sign-in. `username` is what the person typed (native) or the
    /// login hint (web), if any.
    Start {
        /// Web or native.
        front: Front,
        /// The user name typed or hinted.
        username: Option<String>,
    },
    /// The web view reached the redirect URI; the capture script picked this.
    WebFinished(Captured),
    /// The web view could not finish.
    WebFailed(WebProblem),
    /// The redirect carried a code.
    RedirectOk,
    /// Something on the way to Entra, or Entra itself, refused or failed;
    /// the verdict classifies it (fault, not assigned, misconfigured ...).
    Refused {
        /// What the answer means.
        verdict: PasswordVerdict,
        /// A fix the catalog names, for the log (never shown to the user).
        detail: String,
    },
    /// The code was redeemed.
    CodeExchanged,
    /// The ID token was validated: this is who signed in.
    TokenValidated(Who),
    /// Groups as read from the token or Graph.
    GroupsResolved {
        /// The groups, or why they are unknown.
        groups: Groups,
        /// They came from Graph (overage).
        from_graph: bool,
    },
    /// A password was obtained. `already_refused`: Entra called exactly this
    /// password wrong earlier in this sign-in.
    PasswordObtained {
        /// Where it came from.
        source: PasswordSource,
        /// Entra already called it wrong.
        already_refused: bool,
    },
    /// The person gave no password when asked (cancel, or "I have none").
    PasswordDeclined,
    /// A passwordless person chose a local password.
    LocalPasswordChosen,
    /// Entra's answer to the password check.
    PasswordChecked {
        /// The verdict.
        verdict: PasswordVerdict,
        /// Whose password it proved.
        binding: Binding,
    },
    /// The provisioning plan, and what the agent found about passwords.
    Planned {
        /// The plan.
        plan: Box<Plan>,
        /// The passwords of an existing account.
        facts: PasswordFacts,
    },
    /// The plan was applied (`Err`: rolled back, with the reason).
    Applied(Result<(), String>),
    /// The secret store was updated (`Err`: the reason; for an existing
    /// account the agent already put the old local password back).
    Stored(Result<(), String>),
    /// The device-code sign-in (native MFA) ended.
    DeviceCodeEnded(DeviceCodeEnd),
}

/// How a device-code sign-in (native sign-in, `NativeMFA` = `device_code`)
/// ended. Faults on the way come as [`Input::Refused`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceCodeEnd {
    /// Entra issued a validated ID token; `binding` says whether it is the
    /// user the password was checked for (the name sent = the token's own).
    SignedIn(Binding),
    /// The person declined on the device-code page.
    Declined,
    /// The code expired before it was used.
    Expired,
    /// The login window's wait ran out first.
    TimedOut,
}

/// The next thing the agent must do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum Request {
    /// Open the web sign-in (authorize URL with PKCE, state, nonce,
    /// `prompt=login`) and wait for the redirect.
    WebSignIn,
    /// Read the code from the captured redirect.
    ParseRedirect,
    /// Redeem the code at the token endpoint.
    ExchangeCode,
    /// Validate the ID token.
    ValidateToken,
    /// Read groups: from the token, or from Graph on overage.
    ResolveGroups {
        /// Graph must be asked.
        overage: bool,
    },
    /// Use the captured password (no prompt).
    UseCaptured(Captured),
    /// Ask the person for their Entra password, showing `message`.
    AskPassword {
        /// What to show above the field.
        message: UserMessage,
    },
    /// Ask a passwordless person to choose a local password.
    ChooseLocalPassword {
        /// What to show.
        message: UserMessage,
    },
    /// Check the password with ROPG for this user name (the validated
    /// token's own name, or the native user name).
    CheckPassword {
        /// The user name to send.
        username: String,
    },
    /// Make the provisioning plan (with the local-password proof if any).
    Plan,
    /// Ask for the previous local password of the existing account.
    AskOldLocalPassword {
        /// What to show.
        message: UserMessage,
    },
    /// Apply the plan, giving the directory this old password.
    Apply {
        /// Which old local password to hand to the directory.
        old_local: OldLocal,
    },
    /// Update the secret store.
    Store(StoreAction),
    /// The tenant demands MFA and the profile allows the device code: show
    /// the person a code and URL, wait for the sign-in on another device,
    /// and check it is `username` (the name the password was verified for).
    DeviceCode {
        /// The user name the password grant was sent for.
        username: String,
    },
}

/// The account is ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ready {
    /// The plan that was applied.
    pub plan: Plan,
    /// What the password answer proved.
    pub proved: String,
    /// Shown to the person when something needs their attention.
    pub notice: Option<UserMessage>,
}

/// Why the person is refused, in a stable, machine-readable form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DenyKind {
    /// Entra called the password wrong and no other was given.
    WrongPassword,
    /// Too many wrong passwords: stopped before smart lockout.
    TooManyWrongPasswords,
    /// Locked by smart lockout.
    Locked,
    /// Disabled in Entra.
    Disabled,
    /// The password expired.
    PasswordExpired,
    /// No such user.
    UnknownUser,
    /// Not assigned to the app (AADSTS50105).
    NotAssigned,
    /// The app registration or profile is wrong.
    Misconfigured,
    /// Entra could not be reached and the profile requires it.
    Offline,
    /// Entra's answer could not be classified.
    Unknown,
    /// MFA is required and the native sign-in cannot do it.
    MfaRequired,
    /// The device-code MFA was declined, expired or not finished in time.
    MfaNotCompleted,
    /// The verified password belongs to another identity.
    OtherIdentity,
    /// The provisioning plan refused (groups, takeover, names ...).
    Plan,
    /// The previous local password is needed and was not given.
    OldPasswordNeeded,
    /// The person cancelled.
    Cancelled,
    /// No display for the web sign-in, or no browser.
    NoWebView,
    /// The account could not be made or updated (rolled back).
    Failed,
}

/// A refusal: what the person sees and what the helpdesk reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Denial {
    /// Why, by name.
    pub kind: DenyKind,
    /// What the person sees.
    pub message: UserMessage,
    /// The sync-log sentence (codes and fixes included).
    pub log: String,
}

/// Entra could not be reached; the profile lets the local password in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fallback {
    /// What the person sees.
    pub message: UserMessage,
    /// Why (for the log).
    pub why: String,
}

/// Where the machine goes next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "next", rename_all = "snake_case")]
pub enum Next {
    /// Do this and feed the result back.
    Request(Request),
    /// The account is ready.
    Success(Box<Ready>),
    /// Refused.
    Denied(Denial),
    /// Use the local password (offline, as the profile allows).
    LocalFallback(Fallback),
}

/// One step: where to go, and the one sync-log event that records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// Where to go.
    pub next: Next,
    /// The event (host left empty: the writer fills it in).
    pub event: crate::synclog::SyncEvent,
}

impl Transition {
    /// `true` when the machine has finished.
    pub fn is_final(&self) -> bool {
        !matches!(self.next, Next::Request(_))
    }
}
