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
    /// Show the device code and the page to enter it on (native MFA,
    /// `NativeMFA = device_code`). The code is shown, never logged.
    fn show_device_code(&mut self, url: &str, code: &SecretString) {
        self.show(&device_code_message(url, code));
    }
}

/// "To finish signing in, open URL and enter CODE".
pub fn device_code_message(url: &str, code: &SecretString) -> UserMessage {
    use secrecy::ExposeSecret;
    UserMessage {
        text: format!(
            "To finish signing in, open {url} and enter {}",
            code.expose_secret()
        ),
        link: Some(url.to_owned()),
    }
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

/// The `--password-stdin` command line: nothing to ask (the one password
/// came up front), but what the person must see (the device code) goes to
/// standard error, so standard output stays the outcome (`--json`).
#[derive(Debug, Default, Clone, Copy)]
pub struct StderrNotices;

impl Prompter for StderrNotices {
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
        eprintln!("{}", message.text);
    }
}
