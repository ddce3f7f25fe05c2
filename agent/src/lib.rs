//! The Sesame login agent as a library: the one flow every front end (the
//! `sesame-agent` command, the macOS authorization plugin, the Linux PAM
//! module, `sesame demo`, the tests) drives.
//!
//! Decisions live in [`sesame_core::login`]'s step machine; this crate does
//! what the machine asks — the web sign-in ([`web`]), the Entra requests
//! (`sesame-entra`), the account and secret store (`sesame-platform`), the
//! sync log (`sesame-synclog`) — and feeds the results back. See
//! [`flow::Agent::login`].

pub mod authdb;
pub mod flow;
pub mod outcome;
pub mod prompt;
pub mod terminal;
pub mod web;

pub use flow::{Agent, AgentError, Front, NoWebView, Seams};
pub use outcome::LoginOutcome;
pub use prompt::{NoPrompts, Prompter, StderrNotices};

/// Tracing directives for any subscriber that hosts the agent (`level` is the
/// profile's `LogLevel`, e.g. `info` or `trace`). The DevTools-protocol
/// client and its WebSocket log every protocol message at TRACE — the
/// capture script's report (the password) and the redirect (the code)
/// included — so their targets are always switched off.
pub fn log_directives(level: &str) -> String {
    format!("{level},{QUIET_TARGETS}")
}

/// Third-party targets that print raw DevTools-protocol traffic.
pub const QUIET_TARGETS: &str = "tungstenite=off,chromiumoxide=off";
