//! Sesame's macOS authorization plugin: the mechanisms SecurityAgent runs
//! at the login window (`Sesame:login`, `Sesame:provision,privileged`,
//! `Sesame:keychain,privileged`; see `sesame_agent::authdb` for where they
//! go in `system.login.console`).
//!
//! Layers, outside in:
//! - [`abi`]: the C layouts of `AuthorizationPlugin.h`.
//! - the entry points (this file): `AuthorizationPluginCreate`, the only
//!   export, and the interface it returns. Every entry point catches
//!   panics: a panic becomes a Deny with a message for the next screen,
//!   never an abort inside SecurityAgent.
//! - [`engine`]: the callbacks table as a safe trait.
//! - [`mechanism`]: the state machine (which mechanism reads and writes
//!   which hint and context value, which result) — plain Rust.
//! - [`front`]: which sign-in the window offers (web view, native prompt,
//!   the local password when Entra is unreachable) — plain Rust.
//! - [`host`]: the machine: the Mac's login window, directory and keychain,
//!   or on Linux builds the test hook (sandbox root, scripted sign-in).
//!
//! The same library builds on Linux, where a fake authorization engine
//! written in C (`plugin/tests/fake_engine.c`) loads it with `dlopen` and
//! drives it exactly as SecurityAgent does.

pub mod abi;
pub mod engine;
mod entry;
pub mod front;
pub mod host;
pub mod keychain;
pub mod mechanism;
pub mod staging;

pub use entry::AuthorizationPluginCreate;
