//! The secret store: where the menu-bar daemon finds the password it
//! re-checks against Entra, one item per local user.
//!
//! Never a silent reset: [`SecretStore::replace`] needs the old password and
//! refuses when it does not match, so a local/cloud mismatch makes the caller
//! ask the person for the old password instead of overwriting the item.
//!
//! Backends: the macOS login keychain (`KeychainSecretStore`, its access
//! list from [`TRUSTED_BINARIES`]); on Linux the Secret Service or the kernel
//! keyring (`KeyringSecretStore::for_this_session`, chosen by
//! [`choose_linux_backend`]); in memory for tests of callers.

use secrecy::{ExposeSecret, SecretString};

mod access;
mod backend;
mod keyring;
mod memory;
mod session;

#[cfg(target_os = "macos")]
mod keychain;

pub use access::{
    ACCESS_DESCRIPTION, AGENT_BINARY, MENUBAR_BINARY, TRUSTED_BINARIES, trusted_binaries,
};
pub use backend::{BackendChoice, LinuxSecretBackend, choose_linux_backend};
pub use keyring::KeyringSecretStore;
#[cfg(target_os = "linux")]
pub use keyring::join_fresh_session_keyring;
pub use memory::InMemorySecretStore;
pub use session::{delete_session, read_session, session_item, store_session};

#[cfg(target_os = "macos")]
pub use keychain::KeychainSecretStore;

/// The service name Sesame's items are filed under.
pub const SERVICE: &str = "io.sesame.agent";

/// Why the secret store could not do something. Never contains a password.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// `store` found an item already there; use `replace` with the old
    /// password.
    #[error("a password for '{0}' is already stored; replace it with the old password")]
    AlreadyStored(String),
    /// `replace` was given an old password that is not the stored one.
    #[error(
        "the old password given for '{0}' does not match the stored one; ask the user for their previous password (the item was not changed)"
    )]
    OldPasswordMismatch(String),
    /// The store is locked or access was refused.
    #[error("the secret store refused access for '{user}': {detail}")]
    NoAccess {
        /// The user.
        user: String,
        /// The store's explanation.
        detail: String,
    },
    /// The store failed.
    #[error("the secret store failed for '{user}': {detail}")]
    Store {
        /// The user.
        user: String,
        /// The store's explanation.
        detail: String,
    },
}

/// Proof that the caller checked what is stored before an item is written
/// over: made only inside this module ([`SecretStore::replace`] after the
/// old password matched, `store` after finding no item). Nothing outside
/// `sesame-platform` can make one, so nothing outside can call
/// [`SecretStore::overwrite`] and reset a keychain item silently.
///
/// ```compile_fail
/// use sesame_platform::secrets::{InMemorySecretStore, OldPasswordChecked, SecretStore};
/// let store = InMemorySecretStore::default();
/// let new = secrecy::SecretString::from("new".to_owned());
/// store.overwrite("ada", &new, OldPasswordChecked(())).unwrap(); // private field
/// ```
#[derive(Debug)]
pub struct OldPasswordChecked(());

impl OldPasswordChecked {
    /// For a backend's `store` after it found no item.
    pub(crate) fn nothing_stored() -> Self {
        Self(())
    }
}

/// Per-user password storage.
pub trait SecretStore {
    /// Store the first password for `user`; fails if one is stored already.
    fn store(&self, user: &str, password: &SecretString) -> Result<(), SecretError>;

    /// The stored password, if any.
    fn read(&self, user: &str) -> Result<Option<SecretString>, SecretError>;

    /// Replace the stored password, proving the old one. With no item stored,
    /// stores `new`.
    fn replace(
        &self,
        user: &str,
        old: &SecretString,
        new: &SecretString,
    ) -> Result<(), SecretError> {
        match self.read(user)? {
            None => self.store(user, new),
            Some(current) if equal(&current, old) => {
                self.overwrite(user, new, OldPasswordChecked(()))
            }
            Some(_) => Err(SecretError::OldPasswordMismatch(user.to_owned())),
        }
    }

    /// Write `password` over what is stored. Callable only with an
    /// [`OldPasswordChecked`], which only this crate can make: never a
    /// silent keychain reset.
    fn overwrite(
        &self,
        user: &str,
        password: &SecretString,
        checked: OldPasswordChecked,
    ) -> Result<(), SecretError>;

    /// Delete the stored password; succeeds when none is stored.
    fn delete(&self, user: &str) -> Result<(), SecretError>;
}

/// Compare two secrets without an early exit.
pub(crate) fn equal(a: &SecretString, b: &SecretString) -> bool {
    sesame_core::constant_time::eq(a.expose_secret().as_bytes(), b.expose_secret().as_bytes())
}
