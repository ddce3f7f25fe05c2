//! The PAM conversation as a trait, and the agent's [`Prompter`] over it.
//!
//! The C shim implements [`Conversation`] over `pam_conv`; tests script it
//! (see `tests.rs`: a queue of expected exchanges that must be empty at the
//! end, so a prompt never made or one too many fails the test).

use secrecy::SecretString;
use sesame_agent::Prompter;
use sesame_agent::prompt::device_code_message;
use sesame_core::login::UserMessage;

/// What the module may say to, and ask of, the person through PAM.
pub trait Conversation {
    /// Asks for a secret with echo off (`PAM_PROMPT_ECHO_OFF`); `None` when
    /// the application gave nothing (cancelled, no terminal).
    fn ask_secret(&mut self, prompt: &str) -> Option<SecretString>;
    /// Shows a line (`PAM_TEXT_INFO`).
    fn info(&mut self, text: &str);
    /// Shows a refusal or a problem (`PAM_ERROR_MSG`).
    fn error(&mut self, text: &str);
}

/// The agent's questions, asked through PAM. Records whether a device code
/// was shown, so the module knows MFA was done by this sign-in.
pub struct PamPrompter<'c> {
    conv: &'c mut dyn Conversation,
    /// A device code was shown (MFA was finished on another device).
    pub device_code_shown: bool,
    /// Entra refused the password and the agent asked for another: PAM
    /// takes one password per attempt (the application retries), so each
    /// attempt sends Entra exactly one password.
    pub password_refused: bool,
}

impl std::fmt::Debug for PamPrompter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PamPrompter")
            .field("device_code_shown", &self.device_code_shown)
            .finish_non_exhaustive()
    }
}

impl<'c> PamPrompter<'c> {
    /// A prompter over `conv`.
    pub fn new(conv: &'c mut dyn Conversation) -> Self {
        Self {
            conv,
            device_code_shown: false,
            password_refused: false,
        }
    }

    fn ask(&mut self, message: &UserMessage, prompt: &str) -> Option<SecretString> {
        self.conv.info(&message.one_line());
        self.conv.ask_secret(prompt)
    }
}

impl Prompter for PamPrompter<'_> {
    fn ask_password(&mut self, _: &UserMessage) -> Option<SecretString> {
        self.password_refused = true;
        None
    }
    fn ask_old_local_password(&mut self, message: &UserMessage) -> Option<SecretString> {
        self.ask(message, "Previous local password: ")
    }
    fn choose_local_password(&mut self, message: &UserMessage) -> Option<SecretString> {
        self.ask(message, "New local password: ")
    }
    fn show(&mut self, message: &UserMessage) {
        self.conv.info(&message.one_line());
    }
    fn show_device_code(&mut self, url: &str, code: &SecretString) {
        self.device_code_shown = true;
        self.conv.info(&device_code_message(url, code).text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records what was said; answers no prompt.
    #[derive(Default)]
    struct Said(Vec<String>);

    impl Conversation for Said {
        fn ask_secret(&mut self, prompt: &str) -> Option<SecretString> {
            self.0.push(format!("ask {prompt}"));
            Some(SecretString::from("old".to_owned()))
        }
        fn info(&mut self, text: &str) {
            self.0.push(format!("info {text}"));
        }
        fn error(&mut self, text: &str) {
            self.0.push(format!("error {text}"));
        }
    }

    #[test]
    fn the_agent_questions_become_pam_prompts_and_a_second_password_is_never_asked() {
        let mut said = Said::default();
        let mut p = PamPrompter::new(&mut said);
        let msg = UserMessage {
            text: "Try again.".into(),
            link: None,
        };
        assert!(
            p.ask_password(&msg).is_none(),
            "one password per PAM attempt"
        );
        assert!(p.password_refused);
        assert!(p.ask_old_local_password(&msg).is_some());
        p.show_device_code(
            "https://microsoft.com/devicelogin",
            &SecretString::from("ABC123".to_owned()),
        );
        assert!(p.device_code_shown);
        assert_eq!(
            said.0,
            vec![
                "info Try again.",
                "ask Previous local password: ",
                "info To finish signing in, open https://microsoft.com/devicelogin and enter ABC123",
            ]
        );
    }
}
