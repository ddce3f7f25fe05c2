//! The user's own password change on Linux, as plain decisions: which way a
//! process changes a local password ([`PasswordPath`]), what to answer each
//! prompt of `/usr/bin/passwd` ([`next_step`]) and what its output meant
//! ([`outcome`]). No I/O here: the pseudo-terminal that runs `passwd` lives
//! in `passwd_tty`, and these functions are tested by table.
//!
//! The transcript these functions read is what `passwd` printed. It never
//! holds a password: `passwd` turns echo off before it reads one, and the
//! runner answers only once echo is off.

/// How this process changes (and checks) a local password on Linux.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordPath {
    /// Root on a system root (`/` or a sandbox): `chpasswd --root` sets the
    /// hash, the shadow file is read directly. The login agent, the PAM
    /// module, the admin tools and the tests take this path.
    Privileged,
    /// A normal user on this machine (`/`): the setuid `passwd` changes the
    /// password given the current one, `unix_chkpwd` checks it, exactly as
    /// the user could at a terminal. The menu-bar daemon takes this path.
    AsUser,
}

impl PasswordPath {
    /// The path for a process with effective UID `euid` acting on the system
    /// at `root_is_this_machine` (`/`) or a sandbox root. Only root can
    /// write a sandbox root's shadow file, so a user there still takes the
    /// privileged path (and is refused by the tool, which says so).
    pub fn choose(euid: u32, root_is_this_machine: bool) -> Self {
        if euid != 0 && root_is_this_machine {
            Self::AsUser
        } else {
            Self::Privileged
        }
    }
}

/// A prompt of `passwd` that Sesame answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// `Current password:` — answered with the old password.
    Current,
    /// `New password:` — answered with the new password.
    New,
    /// `Retype new password:` — answered with the new password again.
    Retype,
}

/// A local rule the new password broke (pam_unix `obscure`, pam_pwquality,
/// pam_cracklib, pam_pwhistory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyRule {
    /// Shorter than the local minimum.
    TooShort,
    /// The same as, or too similar to, the old one (case changes,
    /// palindromes and rotations included).
    TooSimilar,
    /// A dictionary word, or based on one.
    Dictionary,
    /// Too simple: too few character classes, repeated characters, the
    /// user name.
    TooSimple,
    /// One of the last passwords of this account.
    Reused,
    /// Another local rule.
    Other,
}

/// Why `passwd` did not change the password. Never holds a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordChangeRefusal {
    /// The current (old) password given is not the local password.
    #[error("the current local password given is not right")]
    CurrentPasswordWrong,
    /// The local account is locked (`passwd -S` says `L`).
    #[error("the local account is locked; ask your administrator to unlock it")]
    Locked,
    /// The local account has expired.
    #[error("the local account has expired; ask your administrator to renew it")]
    AccountExpired,
    /// The password was changed too recently (minimum password age).
    #[error(
        "the local password was changed too recently (this computer's minimum password age); try again later"
    )]
    TooSoon,
    /// A local password rule refused the new password.
    #[error("this computer's password rules refused the new password ({says})")]
    Policy {
        /// Which kind of rule.
        rule: PolicyRule,
        /// What `passwd` said (its own sentence).
        says: String,
    },
    /// `passwd` refused to act for this account.
    #[error("passwd may not change the password of this account for this user")]
    NotAllowed,
    /// Anything else `passwd` said or asked.
    #[error("passwd did not change the password: {0}")]
    Unexpected(String),
}

/// What to do after reading `passwd`'s output so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Type the password for this prompt (then a newline).
    Answer(Prompt),
    /// Keep reading.
    Wait,
    /// Stop answering (end of input, then wait for `passwd` to exit): the
    /// change cannot succeed.
    GiveUp(PasswordChangeRefusal),
}

/// The non-empty lines of `text`, trimmed.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// The prompt `line` asks for, when it is one Sesame answers.
fn prompt_of(line: &str) -> Option<Prompt> {
    let l = line.to_ascii_lowercase();
    if !l.contains("password") {
        return None;
    }
    if l.contains("retype") || l.contains("re-enter") || l.contains("again") {
        Some(Prompt::Retype)
    } else if l.contains("new") {
        Some(Prompt::New)
    } else if l.contains("current") || l.contains("old") {
        Some(Prompt::Current)
    } else {
        None
    }
}

/// The rule a refusal sentence names.
fn rule_of(says: &str) -> PolicyRule {
    let s = says.to_ascii_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| s.contains(w));
    if any(&["shorter", "longer", "too short"]) {
        PolicyRule::TooShort
    } else if any(&["dictionary"]) {
        PolicyRule::Dictionary
    } else if any(&["already used", "reused", "been used"]) {
        PolicyRule::Reused
    } else if any(&[
        "similar",
        "same as the old",
        "has not been changed",
        "case changes",
        "palindrome",
        "rotated",
    ]) {
        PolicyRule::TooSimilar
    } else if any(&[
        "simple",
        "simplistic",
        "systematic",
        "character classes",
        "same characters",
        "monotonic",
        "user name",
        "username",
    ]) {
        PolicyRule::TooSimple
    } else {
        PolicyRule::Other
    }
}

/// The sentences `passwd` prints that are not a reason.
fn is_boilerplate(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    l.starts_with("changing password for")
        || l.contains("password unchanged")
        || l.contains("authentication token manipulation error")
        || l.contains("have exhausted maximum number of retries")
        || (prompt_of(line).is_some() && line.ends_with(':'))
}

/// The refusal when `passwd` printed `says` after the new password.
fn policy(says: &str) -> PasswordChangeRefusal {
    let reason = lines(says)
        .filter(|l| !is_boilerplate(l))
        .map(|l| l.trim_start_matches("BAD PASSWORD:").trim())
        .collect::<Vec<_>>()
        .join(" ");
    if reason.is_empty() {
        return PasswordChangeRefusal::Policy {
            rule: PolicyRule::Other,
            says: "no reason given".to_owned(),
        };
    }
    PasswordChangeRefusal::Policy {
        rule: rule_of(&reason),
        says: reason,
    }
}

/// Refusals `passwd` states before asking anything, or at any point.
fn stated_refusal(text: &str) -> Option<PasswordChangeRefusal> {
    let t = text.to_ascii_lowercase();
    if t.contains("account has expired") {
        Some(PasswordChangeRefusal::AccountExpired)
    } else if t.contains("wait longer to change") {
        Some(PasswordChangeRefusal::TooSoon)
    } else if t.contains("may not view or modify") {
        Some(PasswordChangeRefusal::NotAllowed)
    } else {
        None
    }
}

/// What to do next, given everything `passwd` printed since the last answer
/// (`since_answer`) and the prompts answered so far, in order.
pub fn next_step(since_answer: &str, answered: &[Prompt]) -> Step {
    if let Some(r) = stated_refusal(since_answer) {
        return Step::GiveUp(r);
    }
    // A prompt is the last, unfinished line, ending in a colon; the lines
    // before it are what `passwd` said.
    let cut = since_answer.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let (printed, last) = (&since_answer[..cut], since_answer[cut..].trim());
    if !last.ends_with(':') {
        return Step::Wait;
    }
    match (prompt_of(last), answered.last()) {
        (Some(Prompt::Current), None) => Step::Answer(Prompt::Current),
        // Asked again: the first answer was wrong.
        (Some(Prompt::Current), Some(_)) => {
            Step::GiveUp(PasswordChangeRefusal::CurrentPasswordWrong)
        }
        (Some(Prompt::New), Some(Prompt::Current)) => Step::Answer(Prompt::New),
        // root is never asked for the current password; Sesame's user path
        // does not run as root, but the answer is the same.
        (Some(Prompt::New), None) => Step::Answer(Prompt::New),
        (Some(Prompt::Retype), Some(Prompt::New)) => Step::Answer(Prompt::Retype),
        // Asked for a new password again: the last one was refused.
        (Some(Prompt::New), Some(Prompt::Retype)) => Step::GiveUp(policy(printed)),
        (Some(Prompt::New), Some(Prompt::New)) => Step::GiveUp(policy(printed)),
        _ => Step::GiveUp(PasswordChangeRefusal::Unexpected(format!(
            "it asked \"{last}\", which Sesame does not answer"
        ))),
    }
}

/// What happened, once `passwd` exited with `status` (`None`: killed)
/// after printing `since_answer` since the last answer. `gave_up` is the
/// refusal [`next_step`] found, if it stopped answering.
pub fn outcome(
    since_answer: &str,
    answered: &[Prompt],
    status: Option<i32>,
    gave_up: Option<PasswordChangeRefusal>,
) -> Result<(), PasswordChangeRefusal> {
    if let Some(r) = gave_up {
        return Err(r);
    }
    if let Some(r) = stated_refusal(since_answer) {
        return Err(r);
    }
    if status == Some(0) {
        return if answered.last() == Some(&Prompt::Retype) {
            Ok(())
        } else {
            Err(PasswordChangeRefusal::Unexpected(
                "it exited without asking for the new password twice".to_owned(),
            ))
        };
    }
    match answered.last() {
        Some(Prompt::Current) => Err(PasswordChangeRefusal::CurrentPasswordWrong),
        Some(Prompt::Retype) => {
            if since_answer.to_ascii_lowercase().contains("do not match") {
                Err(PasswordChangeRefusal::Unexpected(
                    "it says the two new passwords did not match".to_owned(),
                ))
            } else {
                Err(policy(since_answer))
            }
        }
        _ => {
            let said: Vec<&str> = lines(since_answer).collect();
            Err(PasswordChangeRefusal::Unexpected(
                match (said.is_empty(), status) {
                    (true, Some(s)) => format!("it exited with status {s}"),
                    (true, None) => "it was stopped by a signal".to_owned(),
                    (false, _) => said.join(" "),
                },
            ))
        }
    }
}

/// Whether `passwd -S` output (`name L 2026-11-28 0 99999 7 -1`) says the
/// account `short_name` is locked.
pub fn status_says_locked(output: &str, short_name: &str) -> bool {
    output.lines().any(|l| {
        let mut f = l.split_whitespace();
        f.next() == Some(short_name) && matches!(f.next(), Some("L" | "LK"))
    })
}

#[cfg(test)]
#[path = "passwd_chat_tests.rs"]
mod tests;
