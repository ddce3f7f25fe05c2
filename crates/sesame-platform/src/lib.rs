//! The operating-system seams Sesame needs, one trait per thing the OS does
//! differently: the local account directory (macOS OpenDirectory, Linux shadow
//! tools, in-memory) and the secret store (macOS Keychain, Linux kernel
//! keyring / Secret Service, in-memory). macOS code sits behind
//! `cfg(target_os = "macos")`; the logic around it stays portable.
#![warn(missing_docs)]

pub mod apply;
pub mod directory;
pub mod privileged;
pub mod profile;
pub mod secrets;

pub use apply::{
    ApplyError, Journal, JournalFile, NoHook, Passwords, Step, StepHook, apply, provision, recover,
};
pub use directory::{
    AccountDirectory, AccountSpec, DirectoryError, InMemoryDirectory, PasswordChangeRefusal,
    PasswordPath, PolicyRule, ShadowDirectory,
};
pub use profile::{ProfileError, load_profiles, managed_profile_path};
pub use secrets::{
    InMemorySecretStore, KeyringSecretStore, OldPasswordChecked, SecretError, SecretStore,
};
