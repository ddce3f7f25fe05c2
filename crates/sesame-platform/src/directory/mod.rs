//! The local account directory: the OS's list of accounts, their passwords,
//! the admin group, and Sesame's identity bindings.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use sesame_core::identity::EntraId;
use sesame_core::provisioning::{Binding, DirectorySnapshot, LocalAccount};

mod memory;
pub mod passwd_chat;
pub mod sandbox;
mod shadow;
mod shadow_commands;
mod shadow_files;
mod state;

#[cfg(target_os = "linux")]
mod crypt;
#[cfg(target_os = "linux")]
mod passwd_tty;

#[cfg(target_os = "macos")]
mod macos;
pub mod macos_commands;
#[cfg(target_os = "macos")]
mod macos_keychain;

pub use memory::InMemoryDirectory;
pub use passwd_chat::{PasswordChangeRefusal, PasswordPath, PolicyRule};
pub use shadow::ShadowDirectory;
pub use state::{BindingState, STATE_FILE};

#[cfg(target_os = "macos")]
pub use macos::MacDirectory;

/// The fields of a new account the OS needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSpec {
    /// Short (login) name.
    pub short_name: String,
    /// Numeric user ID.
    pub uid: u32,
    /// Full name.
    pub full_name: String,
    /// Home directory (created with the account).
    pub home: String,
}

/// Why the account directory could not do something.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// An OS tool could not be started.
    #[error("could not run `{tool}`: {source}; is the passwd/shadow package installed?")]
    ToolMissing {
        /// The tool.
        tool: String,
        /// Why it did not start.
        source: std::io::Error,
    },
    /// An OS tool ran and failed.
    #[error("`{tool}` failed (exit {status}): {stderr}")]
    Tool {
        /// The tool and its subcommand.
        tool: String,
        /// Its exit status (`-1` when killed by a signal).
        status: i32,
        /// What it printed on stderr (never contains a password: passwords
        /// are sent on stdin).
        stderr: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file exists but does not parse.
    #[error("{path} is damaged: {problem}; restore it from a backup")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// No account has this short name.
    #[error("no local account named '{0}'")]
    NoSuchAccount(String),
    /// An account with this short name already exists.
    #[error("a local account named '{0}' already exists")]
    AlreadyExists(String),
    /// The password cannot be handed to the OS (for example it contains a
    /// line break). The password itself is never included.
    #[error("the password for '{short_name}' cannot be set: {problem}")]
    UnusablePassword {
        /// The account.
        short_name: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// No admin group exists on this system.
    #[error("no admin group ({0}) found; create one or set the admin group explicitly")]
    NoAdminGroup(String),
    /// The OS refused the password change the user made with their current
    /// password (`passwd` on Linux): nothing was changed.
    #[error("the local password of '{short_name}' was not changed: {refusal}")]
    PasswordChangeRefused {
        /// The account.
        short_name: String,
        /// Why, as `passwd` said it.
        refusal: PasswordChangeRefusal,
    },
    /// The backend cannot do this on this OS.
    #[error("{0} is not supported on this system")]
    Unsupported(&'static str),
}

/// The OS's local accounts, as Sesame needs them.
///
/// Every mutating method is idempotent where the OS allows it (granting admin
/// to an admin succeeds), so a journal can replay or undo steps safely.
pub trait AccountDirectory {
    /// Every local account plus the UIDs Sesame has ever used.
    fn snapshot(&self) -> Result<DirectorySnapshot, DirectoryError>;

    /// The account with this short name.
    fn find_by_short_name(&self, short_name: &str) -> Result<Option<LocalAccount>, DirectoryError> {
        Ok(self
            .snapshot()?
            .accounts
            .into_iter()
            .find(|a| a.short_name == short_name))
    }

    /// The account bound to this Entra identity.
    fn find_by_identity(&self, id: &EntraId) -> Result<Option<LocalAccount>, DirectoryError> {
        Ok(self.snapshot()?.by_identity(id).cloned())
    }

    /// Create the account with its home directory; no password, not admin.
    fn create(&self, account: &AccountSpec) -> Result<(), DirectoryError>;

    /// Change the full name.
    fn set_full_name(&self, short_name: &str, full_name: &str) -> Result<(), DirectoryError>;

    /// Set the local password. `old` is the current local password where the
    /// OS wants it (macOS keeps the login keychain in step when given it).
    fn set_password(
        &self,
        short_name: &str,
        new: &SecretString,
        old: Option<&SecretString>,
    ) -> Result<(), DirectoryError>;

    /// Whether `password` is the account's current local password.
    fn verify_password(
        &self,
        short_name: &str,
        password: &SecretString,
    ) -> Result<bool, DirectoryError>;

    /// Add to (`true`) or remove from (`false`) the admin group.
    fn set_admin(&self, short_name: &str, admin: bool) -> Result<(), DirectoryError>;

    /// Record (`Some`) or remove (`None`) the account's identity binding.
    fn bind(&self, short_name: &str, binding: Option<&Binding>) -> Result<(), DirectoryError>;

    /// Remember that Sesame used `uid`, so it is never handed out again.
    fn record_uid(&self, uid: u32) -> Result<(), DirectoryError>;

    /// Forget a UID recorded by an attempt that was rolled back before any
    /// account with it was finished.
    fn forget_uid(&self, uid: u32) -> Result<(), DirectoryError>;

    /// Delete the account, its home directory and its binding. Succeeds when
    /// the account does not exist.
    fn delete(&self, short_name: &str) -> Result<(), DirectoryError>;
}
