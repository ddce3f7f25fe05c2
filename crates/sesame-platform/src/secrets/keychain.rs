//! macOS: generic-password items in the user's login keychain
//! (security-framework), service [`SERVICE`], account = short name.
//!
//! The keychain's access list for an item trusts the application that
//! created it; Sesame's agent and menu-bar daemon are signed with the same
//! identity so only they can read the item without a prompt.

use secrecy::{ExposeSecret, SecretString};
use security_framework::passwords::{
    delete_generic_password, get_generic_password, set_generic_password,
};

use super::{SERVICE, SecretError, SecretStore};

/// `errSecItemNotFound`.
const ITEM_NOT_FOUND: i32 = -25300;
/// `errSecAuthFailed`, `errSecInteractionNotAllowed`: locked or refused.
const NO_ACCESS: [i32; 2] = [-25293, -25308];

/// Sesame's items in the current user's default (login) keychain.
#[derive(Debug, Clone, Default)]
pub struct KeychainSecretStore;

impl KeychainSecretStore {
    /// The store of the user this process runs as.
    pub fn new() -> Self {
        Self
    }
}

fn convert(user: &str, e: security_framework::base::Error) -> SecretError {
    if NO_ACCESS.contains(&e.code()) {
        SecretError::NoAccess {
            user: user.to_owned(),
            detail: e.to_string(),
        }
    } else {
        SecretError::Store {
            user: user.to_owned(),
            detail: e.to_string(),
        }
    }
}

impl SecretStore for KeychainSecretStore {
    fn store(&self, user: &str, password: &SecretString) -> Result<(), SecretError> {
        if self.read(user)?.is_some() {
            return Err(SecretError::AlreadyStored(user.to_owned()));
        }
        self.overwrite(user, password)
    }

    fn read(&self, user: &str) -> Result<Option<SecretString>, SecretError> {
        match get_generic_password(SERVICE, user) {
            Ok(bytes) => {
                let bytes = zeroize::Zeroizing::new(bytes);
                match std::str::from_utf8(&bytes) {
                    Ok(s) => Ok(Some(SecretString::from(s.to_owned()))),
                    Err(_) => Err(SecretError::Store {
                        user: user.to_owned(),
                        detail: "the stored item is not UTF-8".to_owned(),
                    }),
                }
            }
            Err(e) if e.code() == ITEM_NOT_FOUND => Ok(None),
            Err(e) => Err(convert(user, e)),
        }
    }

    fn overwrite(&self, user: &str, password: &SecretString) -> Result<(), SecretError> {
        set_generic_password(SERVICE, user, password.expose_secret().as_bytes())
            .map_err(|e| convert(user, e))
    }

    fn delete(&self, user: &str) -> Result<(), SecretError> {
        match delete_generic_password(SERVICE, user) {
            Ok(()) => Ok(()),
            Err(e) if e.code() == ITEM_NOT_FOUND => Ok(()),
            Err(e) => Err(convert(user, e)),
        }
    }
}
