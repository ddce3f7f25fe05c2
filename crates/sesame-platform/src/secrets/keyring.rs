//! Any keyring-core credential store: on Linux the kernel keyring
//! (`linux-keyutils-keyring-store`), or a Secret Service store where a
//! session bus exists.

use std::sync::Arc;

use keyring_core::{CredentialStore, Entry, Error as KeyringError};
use secrecy::{ExposeSecret, SecretString};

#[cfg(target_os = "linux")]
use super::backend::{BackendChoice, LinuxSecretBackend, choose_linux_backend};
use super::{OldPasswordChecked, SERVICE, SecretError, SecretStore};

/// Sesame's items in a keyring-core store, service [`SERVICE`], one entry
/// per user.
#[derive(Debug, Clone)]
pub struct KeyringSecretStore {
    store: Arc<CredentialStore>,
    service: String,
}

impl KeyringSecretStore {
    /// Sesame's items in `store`.
    pub fn new(store: Arc<CredentialStore>) -> Self {
        Self {
            store,
            service: SERVICE.to_owned(),
        }
    }

    /// The Linux kernel keyring of the calling process's session (items are
    /// also linked to the user's persistent keyring when the kernel has one).
    #[cfg(target_os = "linux")]
    pub fn kernel_keyring() -> Result<Self, SecretError> {
        let store =
            linux_keyutils_keyring_store::Store::new().map_err(|e| convert("(store)", e))?;
        Ok(Self::new(store))
    }

    /// The desktop's Secret Service (GNOME Keyring, KeePassXC, KWallet) on
    /// the session D-Bus named by `DBUS_SESSION_BUS_ADDRESS`; items go to the
    /// default (login) collection.
    #[cfg(target_os = "linux")]
    pub fn secret_service() -> Result<Self, SecretError> {
        let store =
            dbus_secret_service_keyring_store::Store::new().map_err(|e| convert("(store)", e))?;
        Ok(Self::new(store))
    }

    /// The store for this login session: the Secret Service where a session
    /// bus exists and the service answers on it, else the kernel keyring
    /// (see [`choose_linux_backend`]). Returns the choice too, for the log.
    #[cfg(target_os = "linux")]
    pub fn for_this_session() -> Result<(Self, BackendChoice), SecretError> {
        let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").ok();
        let mut secret_service = None;
        let choice = choose_linux_backend(bus.as_deref(), || {
            let store = Self::secret_service().map_err(|e| e.to_string())?;
            secret_service = Some(store);
            Ok(())
        });
        let store = match (choice.backend, secret_service) {
            (LinuxSecretBackend::SecretService, Some(store)) => store,
            _ => Self::kernel_keyring()?,
        };
        Ok((store, choice))
    }

    fn entry(&self, user: &str) -> Result<Entry, SecretError> {
        self.store
            .build(&self.service, user, None)
            .map_err(|e| convert(user, e))
    }
}

fn convert(user: &str, e: KeyringError) -> SecretError {
    match e {
        KeyringError::NoStorageAccess(detail) => SecretError::NoAccess {
            user: user.to_owned(),
            detail: detail.to_string(),
        },
        // Never echo stored bytes (BadEncoding carries them).
        KeyringError::BadEncoding(_) => SecretError::Store {
            user: user.to_owned(),
            detail: "the stored item is not UTF-8".to_owned(),
        },
        KeyringError::BadDataFormat(_, detail) => SecretError::Store {
            user: user.to_owned(),
            detail: format!("the stored item is malformed: {detail}"),
        },
        other => SecretError::Store {
            user: user.to_owned(),
            detail: other.to_string(),
        },
    }
}

/// Joins a fresh, anonymous session keyring for the calling thread, as
/// `keyctl session -` does. The kernel-keyring store keeps items in the
/// session keyring, so a process started outside a login session (a test, a
/// daemon launched by init) calls this first; nothing it stores then touches
/// the caller's keys.
#[cfg(target_os = "linux")]
pub fn join_fresh_session_keyring() -> std::io::Result<()> {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL) reads no memory of
    // ours: a null name asks for an anonymous keyring.
    let id = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    };
    if id > 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

impl SecretStore for KeyringSecretStore {
    fn store(&self, user: &str, password: &SecretString) -> Result<(), SecretError> {
        if self.read(user)?.is_some() {
            return Err(SecretError::AlreadyStored(user.to_owned()));
        }
        self.overwrite(user, password, OldPasswordChecked::nothing_stored())
    }

    fn read(&self, user: &str) -> Result<Option<SecretString>, SecretError> {
        match self.entry(user)?.get_password() {
            Ok(p) => Ok(Some(SecretString::from(p))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(convert(user, e)),
        }
    }

    fn overwrite(
        &self,
        user: &str,
        password: &SecretString,
        _checked: OldPasswordChecked,
    ) -> Result<(), SecretError> {
        self.entry(user)?
            .set_password(password.expose_secret())
            .map_err(|e| convert(user, e))
    }

    fn delete(&self, user: &str) -> Result<(), SecretError> {
        match self.entry(user)?.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(convert(user, e)),
        }
    }
}
