//! What the person at the login window reads: one sentence and, where it
//! helps, one link. Codes, fixes and IDs go to the sync log, never here.

use serde::Serialize;

use super::LoginRules;

/// A message for the person at the login window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserMessage {
    /// One or two plain sentences.
    pub text: String,
    /// A page that helps (reset, change, help), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl UserMessage {
    pub(crate) fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            link: None,
        }
    }

    pub(crate) fn with_link(text: impl Into<String>, link: &str) -> Self {
        Self {
            text: text.into(),
            link: Some(link.to_owned()),
        }
    }

    /// The message on one line: the text, then the link.
    pub fn one_line(&self) -> String {
        match &self.link {
            Some(l) => format!("{} {l}", self.text),
            None => self.text.clone(),
        }
    }
}

impl std::fmt::Display for UserMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.one_line())
    }
}

/// The prompt when the web page gave no password.
pub(crate) const ENTER_PASSWORD: &str = "Enter your Microsoft Entra password.";

fn help_or(rules: &LoginRules, fallback: &str) -> UserMessage {
    match &rules.help_url {
        Some(h) => UserMessage::with_link(fallback, h),
        None => UserMessage::plain(fallback),
    }
}

pub(crate) fn wrong_password(left: u32) -> UserMessage {
    UserMessage::plain(format!(
        "That password is not right. Try again ({left} {} left).",
        if left == 1 { "try" } else { "tries" }
    ))
}

pub(crate) fn already_refused() -> UserMessage {
    UserMessage::plain(
        "Microsoft already said that password is wrong. Type your current Microsoft Entra password.",
    )
}

pub(crate) fn too_many_wrong(rules: &LoginRules) -> UserMessage {
    UserMessage::with_link(
        "Too many wrong passwords. Sesame stopped before your account gets locked: reset your password, then sign in again.",
        &rules.reset_password_url,
    )
}

pub(crate) fn locked(rules: &LoginRules) -> UserMessage {
    UserMessage::with_link(
        "Your account is locked for now. Wait a few minutes, or reset your password.",
        &rules.reset_password_url,
    )
}

pub(crate) fn disabled(rules: &LoginRules) -> UserMessage {
    help_or(
        rules,
        "Your account is disabled. Contact your helpdesk to have it enabled.",
    )
}

pub(crate) fn expired(rules: &LoginRules) -> UserMessage {
    UserMessage::with_link(
        "Your password has expired. Change it, then sign in again.",
        &rules.change_password_url,
    )
}

pub(crate) fn unknown_user() -> UserMessage {
    UserMessage::plain(
        "There is no such account in your organisation. Check the user name and try again.",
    )
}

pub(crate) fn not_assigned(rules: &LoginRules) -> UserMessage {
    help_or(
        rules,
        "Your account is not allowed to sign in to this computer. Ask your administrator for access.",
    )
}

pub(crate) fn misconfigured(rules: &LoginRules) -> UserMessage {
    help_or(
        rules,
        "Sign-in is not set up correctly on this computer. Contact your administrator.",
    )
}

pub(crate) fn offline_denied() -> UserMessage {
    UserMessage::plain(
        "Can't reach Microsoft to sign you in, and this computer needs an online sign-in. Connect to the network and try again.",
    )
}

pub(crate) fn offline_fallback() -> UserMessage {
    UserMessage::plain("Can't reach Microsoft. Sign in with your local password for now.")
}

pub(crate) fn unknown_answer(rules: &LoginRules) -> UserMessage {
    help_or(
        rules,
        "Microsoft gave an answer Sesame does not understand. Try again; if it keeps happening, contact your helpdesk.",
    )
}

pub(crate) fn mfa_required() -> UserMessage {
    UserMessage::plain("MFA is required: use the web sign-in.")
}

pub(crate) fn device_code_not_finished(why: &str) -> UserMessage {
    UserMessage::plain(format!(
        "The sign-in was not finished: {why}. Try again, or use the web sign-in."
    ))
}

pub(crate) fn device_code_other_user() -> UserMessage {
    UserMessage::plain(
        "The code was used by a different account. Sign in with the account whose password you typed.",
    )
}

pub(crate) fn other_identity() -> UserMessage {
    UserMessage::plain(
        "That password belongs to a different account. Type the password of the account you signed in with.",
    )
}

pub(crate) fn plan_denied(rules: &LoginRules, what: &str) -> UserMessage {
    help_or(rules, what)
}

pub(crate) fn ask_old_local(retry: bool) -> UserMessage {
    UserMessage::plain(if retry {
        "That is not the previous password of this computer's account. Try again."
    } else {
        "Your password on this computer differs from your Microsoft password. Type your previous password for this computer, so your keychain stays unlocked."
    })
}

pub(crate) fn old_local_needed(rules: &LoginRules) -> UserMessage {
    help_or(
        rules,
        "Your previous password for this computer is needed to update it. Contact your helpdesk if you no longer know it.",
    )
}

pub(crate) fn ask_link_local(retry: bool) -> UserMessage {
    UserMessage::plain(if retry {
        "That is not the password of the existing account on this computer. Try again."
    } else {
        "An account with your name already exists on this computer. Type its current password to connect it to your Microsoft account."
    })
}

pub(crate) fn choose_local() -> UserMessage {
    UserMessage::plain(
        "Your Microsoft account has no password. Choose a password for this computer.",
    )
}

pub(crate) fn cancelled() -> UserMessage {
    UserMessage::plain("Sign-in cancelled.")
}

pub(crate) fn no_display() -> UserMessage {
    UserMessage::plain(
        "No display for the web sign-in. Sign in at the login window, or run `sesame-agent login --native --user UPN --password-stdin`.",
    )
}

pub(crate) fn browser_missing(detail: &str) -> UserMessage {
    UserMessage::plain(format!(
        "The web sign-in cannot start ({detail}). Install Chromium, or use `sesame-agent login --native --user UPN --password-stdin`."
    ))
}

pub(crate) fn failed(rules: &LoginRules) -> UserMessage {
    help_or(
        rules,
        "Your account on this computer could not be set up; nothing was changed. Try again, or contact your helpdesk.",
    )
}

pub(crate) fn not_stored() -> UserMessage {
    UserMessage::plain(
        "You are signed in, but Sesame could not save your password for background checks. Your helpdesk can see why in the sync log.",
    )
}
