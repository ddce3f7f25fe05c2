//! The login prompt on a terminal: `sesame-agent login` asks again after a
//! wrong password (and for a password the web page did not give, or the
//! previous local password) on the controlling terminal, echo off, while
//! standard output stays the outcome (`--json`). Without a terminal there
//! is nobody to ask: [`crate::StderrNotices`] answers nothing and the
//! sign-in ends with one line saying why.

use std::fs::{File, OpenOptions};
use std::io::Write;

use secrecy::SecretString;
use sesame_core::login::UserMessage;

use crate::prompt::Prompter;

/// The controlling terminal (`/dev/tty`).
#[derive(Debug)]
pub struct TerminalPrompter {
    tty: File,
}

impl TerminalPrompter {
    /// The controlling terminal, or `None` when the process has none (a
    /// script, a service, a pipe without a terminal).
    pub fn open() -> Option<Self> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()
            .map(|tty| Self { tty })
    }

    /// Shows `message`, then reads one line with echo off. An empty line,
    /// end of input or a terminal error is "nothing given".
    fn ask(&mut self, message: &UserMessage, field: &str) -> Option<SecretString> {
        let _ = writeln!(self.tty, "{}", message.one_line());
        let typed = rpassword::prompt_password(format!("{field}: ")).ok()?;
        if typed.is_empty() {
            return None;
        }
        Some(SecretString::from(typed))
    }
}

impl Prompter for TerminalPrompter {
    fn ask_password(&mut self, message: &UserMessage) -> Option<SecretString> {
        self.ask(message, "Microsoft Entra password")
    }
    fn ask_old_local_password(&mut self, message: &UserMessage) -> Option<SecretString> {
        self.ask(message, "Previous password of this computer's account")
    }
    fn choose_local_password(&mut self, message: &UserMessage) -> Option<SecretString> {
        self.ask(message, "New local password")
    }
    fn show(&mut self, message: &UserMessage) {
        let _ = writeln!(self.tty, "{}", message.one_line());
    }
}
