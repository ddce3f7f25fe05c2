//! The conversation with the person at the login window: ask for a password,
//! ask for the previous local password, show a message. The login window (the
//! macOS plugin, PAM, the terminal) implements it; tests script it.

use secrecy::SecretString;
use sesame_core::login::UserMessage;

/// What the agent may ask of the person. `None` means the person gave
/// nothing (cancelled, or there is nobody to ask).
pub trait Prompter {
    /// Ask for the Microsoft Entra password, showing `message`.
    fn ask_password(&mut self, message: &UserMessage) -> Option<SecretString>;
    /// Ask for the previous password of the existing local account.
    fn ask_old_local_password(&mut self, message: &UserMessage) -> Option<SecretString>;
    /// Ask a passwordless person to choose a local password.
    fn choose_local_password(&mut self, message: &UserMessage) -> Option<SecretString>;
    /// Show a message (the final outcome, a notice).
    fn show(&mut self, message: &UserMessage);
}

/// Nobody to ask: every question is answered with nothing (the
/// `--password-stdin` command line, where the one password came up front).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoPrompts;

impl Prompter for NoPrompts {
    fn ask_password(&mut self, _: &UserMessage) -> Option<SecretString> {
        None
    }
    fn ask_old_local_password(&mut self, _: &UserMessage) -> Option<SecretString> {
        None
    }
    fn choose_local_password(&mut self, _: &UserMessage) -> Option<SecretString> {
        None
    }
    fn show(&mut self, _: &UserMessage) {}
}
