//! An in-memory secret store for tests of callers.

use std::collections::HashMap;
use std::sync::Mutex;

use secrecy::SecretString;

use super::{OldPasswordChecked, SecretError, SecretStore};

/// Passwords kept in memory for the life of the value.
#[derive(Debug, Default)]
pub struct InMemorySecretStore {
    items: Mutex<HashMap<String, SecretString>>,
}

impl InMemorySecretStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn items(&self) -> std::sync::MutexGuard<'_, HashMap<String, SecretString>> {
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SecretStore for InMemorySecretStore {
    fn store(&self, user: &str, password: &SecretString) -> Result<(), SecretError> {
        let mut items = self.items();
        if items.contains_key(user) {
            return Err(SecretError::AlreadyStored(user.to_owned()));
        }
        items.insert(user.to_owned(), password.clone());
        Ok(())
    }

    fn read(&self, user: &str) -> Result<Option<SecretString>, SecretError> {
        Ok(self.items().get(user).cloned())
    }

    fn overwrite(
        &self,
        user: &str,
        password: &SecretString,
        _checked: OldPasswordChecked,
    ) -> Result<(), SecretError> {
        self.items().insert(user.to_owned(), password.clone());
        Ok(())
    }

    fn delete(&self, user: &str) -> Result<(), SecretError> {
        self.items().remove(user);
        Ok(())
    }
}
