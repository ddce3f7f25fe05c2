//! Linux: the user's own password change, done the way the user would do it
//! at a terminal, without root. `/usr/bin/passwd` (setuid root, run by
//! absolute path with only `PATH` and `LC_ALL=C`) runs on a fresh
//! pseudo-terminal as the session leader; its prompts are answered from the
//! script in [`super::passwd_chat`]. The password is checked with pam_unix's
//! own helper, `unix_chkpwd` (setgid shadow), which checks only the caller's
//! own password.
//!
//! Passwords never reach an argument, the environment or a log: they are
//! written to the terminal only after `passwd` turned echo off (so they are
//! never echoed back into what Sesame reads), from buffers zeroized on drop.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::pty::openpty;
use nix::sys::termios::{LocalFlags, tcgetattr};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::DirectoryError;
use super::passwd_chat::{
    PasswordChangeRefusal, Prompt, Step, next_step, outcome, status_says_locked,
};
use crate::privileged::{PrivilegedCommand, TOOL_PATH};

/// The setuid tool every Linux user changes their password with.
const PASSWD: &str = "/usr/bin/passwd";

/// How long `passwd` may take in all (pam_unix waits about 2 s after a
/// wrong password).
const DEADLINE: Duration = Duration::from_secs(30);

/// How long `passwd` may take to turn echo off after a prompt.
const ECHO_OFF_WAIT: Duration = Duration::from_secs(3);

/// The terminal's end-of-input character (`^D`): how a user stops `passwd`.
const VEOF: u8 = 0x04;

/// `unix_chkpwd`'s exit status for a wrong password (`PAM_AUTH_ERR`).
const PAM_AUTH_ERR: i32 = 7;

/// A password the terminal would pass on unchanged: no control characters
/// (the line discipline acts on `^C`, `^U`, `^D`, DEL, line breaks).
pub(crate) fn check_typeable(short_name: &str, pw: &SecretString) -> Result<(), DirectoryError> {
    if pw.expose_secret().chars().any(char::is_control) {
        return Err(DirectoryError::UnusablePassword {
            short_name: short_name.to_owned(),
            problem: "it contains a control character (line break, tab, ^C …), which a terminal would act on",
        });
    }
    Ok(())
}

fn io(what: &str, e: impl Into<std::io::Error>) -> DirectoryError {
    DirectoryError::ToolMissing {
        tool: format!("{PASSWD} ({what})"),
        source: e.into(),
    }
}

/// Changes `short_name`'s password from `old` to `new` with `passwd`, as
/// that user (the caller must be that user).
pub(crate) fn change_own_password(
    short_name: &str,
    old: &SecretString,
    new: &SecretString,
) -> Result<(), DirectoryError> {
    check_typeable(short_name, old)?;
    check_typeable(short_name, new)?;
    let program = PrivilegedCommand::new(PASSWD).resolve()?;
    let pty = openpty(None, None).map_err(|e| io("pseudo-terminal", e))?;
    for fd in [&pty.master, &pty.slave] {
        // SAFETY: F_SETFD on a descriptor this function owns.
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    let tty = |fd: &OwnedFd| fd.try_clone().map(Stdio::from);
    let mut cmd = Command::new(&program);
    cmd.arg(short_name)
        .env_clear()
        .env("PATH", TOOL_PATH)
        .env("LC_ALL", "C")
        .stdin(tty(&pty.slave).map_err(|e| io("pseudo-terminal", e))?)
        .stdout(tty(&pty.slave).map_err(|e| io("pseudo-terminal", e))?)
        .stderr(tty(&pty.slave).map_err(|e| io("pseudo-terminal", e))?);
    // SAFETY: between fork and exec only async-signal-safe calls: a new
    // session, then the pseudo-terminal (stdin) as its controlling terminal.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| io("start", e))?;
    drop(cmd);
    drop(pty.slave);
    let result = converse(&pty.master, &mut child, old, new);
    // Whatever happened, passwd does not outlive the call.
    let status = finish(&mut child);
    let (since_answer, answered, gave_up) = result?;
    match outcome(&since_answer, &answered, status, gave_up) {
        Ok(()) => Ok(()),
        Err(PasswordChangeRefusal::CurrentPasswordWrong) if is_locked(short_name) => {
            Err(refused(short_name, PasswordChangeRefusal::Locked))
        }
        Err(refusal) => Err(refused(short_name, refusal)),
    }
}

fn refused(short_name: &str, refusal: PasswordChangeRefusal) -> DirectoryError {
    DirectoryError::PasswordChangeRefused {
        short_name: short_name.to_owned(),
        refusal,
    }
}

type Conversation = (String, Vec<Prompt>, Option<PasswordChangeRefusal>);

/// Reads `passwd`'s output and answers its prompts until it closes the
/// terminal. Returns what it printed after the last answer, the prompts
/// answered, and the refusal that made Sesame stop answering, if any.
fn converse(
    master: &OwnedFd,
    child: &mut Child,
    old: &SecretString,
    new: &SecretString,
) -> Result<Conversation, DirectoryError> {
    let started = Instant::now();
    let mut since_answer = String::new();
    let mut answered = Vec::new();
    let mut gave_up = None;
    let mut buf = [0u8; 1024];
    loop {
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            gave_up.get_or_insert(PasswordChangeRefusal::Unexpected(format!(
                "it did not finish within {} s",
                DEADLINE.as_secs()
            )));
            break;
        }
        let mut fds = [PollFd::new(master.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::from(200u16)) {
            Ok(0) | Err(Errno::EINTR) => continue,
            Ok(_) => {}
            Err(e) => return Err(io("pseudo-terminal", e)),
        }
        let n = match nix::unistd::read(master, &mut buf) {
            // EIO: every copy of the terminal's other side is closed.
            Ok(0) | Err(Errno::EIO) => break,
            Ok(n) => n,
            Err(Errno::EINTR | Errno::EAGAIN) => continue,
            Err(e) => return Err(io("pseudo-terminal", e)),
        };
        since_answer.push_str(&String::from_utf8_lossy(&buf[..n]));
        if gave_up.is_some() {
            continue;
        }
        match next_step(&since_answer, &answered) {
            Step::Wait => {}
            Step::Answer(prompt) => {
                let secret = match prompt {
                    Prompt::Current => old,
                    Prompt::New | Prompt::Retype => new,
                };
                if let Err(r) = answer(master, secret) {
                    gave_up = Some(r);
                    let _ = nix::unistd::write(master, &[VEOF]);
                    continue;
                }
                answered.push(prompt);
                since_answer.clear();
            }
            Step::GiveUp(r) => {
                gave_up = Some(r);
                let _ = nix::unistd::write(master, &[VEOF]);
            }
        }
    }
    Ok((since_answer, answered, gave_up))
}

/// Types `secret` and Enter, once the terminal no longer echoes.
fn answer(master: &OwnedFd, secret: &SecretString) -> Result<(), PasswordChangeRefusal> {
    let asked = Instant::now();
    loop {
        match tcgetattr(master) {
            Ok(t) if !t.local_flags.contains(LocalFlags::ECHO) => break,
            _ if asked.elapsed() > ECHO_OFF_WAIT => {
                return Err(PasswordChangeRefusal::Unexpected(
                    "it asked for a password without turning echo off, so Sesame did not type it"
                        .to_owned(),
                ));
            }
            _ => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    let mut line = Zeroizing::new(Vec::with_capacity(secret.expose_secret().len() + 1));
    line.extend_from_slice(secret.expose_secret().as_bytes());
    line.push(b'\n');
    let mut rest: &[u8] = &line;
    while !rest.is_empty() {
        match nix::unistd::write(master, rest) {
            Ok(n) => rest = &rest[n..],
            Err(Errno::EINTR | Errno::EAGAIN) => {}
            Err(e) => {
                return Err(PasswordChangeRefusal::Unexpected(format!(
                    "the terminal would not take the answer ({e})"
                )));
            }
        }
    }
    Ok(())
}

/// Waits for `passwd` to exit (killing it after a grace period); its exit
/// status, `None` when a signal ended it.
fn finish(child: &mut Child) -> Option<i32> {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        match child.try_wait() {
            Ok(Some(s)) => return s.code(),
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                return child.wait().ok().and_then(|s| s.code());
            }
        }
    }
}

/// Whether `passwd -S` says the account is locked (no secret involved).
fn is_locked(short_name: &str) -> bool {
    PrivilegedCommand::new(PASSWD)
        .args(["-S", short_name])
        .run(None)
        .is_ok_and(|out| status_says_locked(&String::from_utf8_lossy(&out), short_name))
}

/// Whether `password` is `short_name`'s password, checked by pam_unix's
/// helper `unix_chkpwd` (which answers only for the caller's own account).
/// The password goes on its standard input, NUL-terminated.
pub(crate) fn verify_own_password(
    short_name: &str,
    password: &SecretString,
) -> Result<bool, DirectoryError> {
    if password.expose_secret().contains('\0') {
        return Ok(false);
    }
    let mut input = Zeroizing::new(password.expose_secret().as_bytes().to_vec());
    input.push(0);
    match PrivilegedCommand::new("unix_chkpwd")
        .args([short_name, "nonull"])
        .run(Some(&input))
    {
        Ok(_) => Ok(true),
        Err(DirectoryError::Tool {
            status: PAM_AUTH_ERR,
            ..
        }) => Ok(false),
        Err(e) => Err(e),
    }
}
