//! An in-memory account directory for unit tests of callers.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use secrecy::{ExposeSecret, SecretString};
use sesame_core::provisioning::{Binding, DirectorySnapshot, LocalAccount};

use super::{AccountDirectory, AccountSpec, DirectoryError};

#[derive(Debug, Default)]
struct State {
    accounts: BTreeMap<String, (LocalAccount, Option<SecretString>)>,
    used_uids: std::collections::BTreeSet<u32>,
}

/// Accounts kept in memory; same rules as the real backends (no duplicate
/// names, idempotent admin changes, delete of a missing account succeeds).
#[derive(Debug, Default)]
pub struct InMemoryDirectory {
    state: Mutex<State>,
}

impl InMemoryDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an existing account (for example `root`, or an unmanaged local
    /// account) with an optional password.
    pub fn insert(&self, account: LocalAccount, password: Option<SecretString>) {
        self.lock()
            .accounts
            .insert(account.short_name.clone(), (account, password));
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data; keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn with_account<T>(
        &self,
        short_name: &str,
        f: impl FnOnce(&mut (LocalAccount, Option<SecretString>)) -> T,
    ) -> Result<T, DirectoryError> {
        let mut state = self.lock();
        let entry = state
            .accounts
            .get_mut(short_name)
            .ok_or_else(|| DirectoryError::NoSuchAccount(short_name.to_owned()))?;
        Ok(f(entry))
    }
}

impl AccountDirectory for InMemoryDirectory {
    fn snapshot(&self) -> Result<DirectorySnapshot, DirectoryError> {
        let state = self.lock();
        Ok(DirectorySnapshot {
            accounts: state.accounts.values().map(|(a, _)| a.clone()).collect(),
            used_uids: state.used_uids.clone(),
        })
    }

    fn create(&self, account: &AccountSpec) -> Result<(), DirectoryError> {
        let mut state = self.lock();
        if state.accounts.contains_key(&account.short_name) {
            return Err(DirectoryError::AlreadyExists(account.short_name.clone()));
        }
        let new = LocalAccount {
            short_name: account.short_name.clone(),
            uid: account.uid,
            full_name: account.full_name.clone(),
            home: account.home.clone(),
            is_admin: false,
            binding: None,
        };
        state
            .accounts
            .insert(account.short_name.clone(), (new, None));
        Ok(())
    }

    fn set_full_name(&self, short_name: &str, full_name: &str) -> Result<(), DirectoryError> {
        self.with_account(short_name, |(a, _)| a.full_name = full_name.to_owned())
    }

    fn set_password(
        &self,
        short_name: &str,
        new: &SecretString,
        _old: Option<&SecretString>,
    ) -> Result<(), DirectoryError> {
        self.with_account(short_name, |(_, pw)| *pw = Some(new.clone()))
    }

    fn verify_password(
        &self,
        short_name: &str,
        password: &SecretString,
    ) -> Result<bool, DirectoryError> {
        self.with_account(short_name, |(_, pw)| {
            pw.as_ref()
                .is_some_and(|p| p.expose_secret() == password.expose_secret())
        })
    }

    fn set_admin(&self, short_name: &str, admin: bool) -> Result<(), DirectoryError> {
        self.with_account(short_name, |(a, _)| a.is_admin = admin)
    }

    fn bind(&self, short_name: &str, binding: Option<&Binding>) -> Result<(), DirectoryError> {
        self.with_account(short_name, |(a, _)| a.binding = binding.cloned())
    }

    fn record_uid(&self, uid: u32) -> Result<(), DirectoryError> {
        self.lock().used_uids.insert(uid);
        Ok(())
    }

    fn forget_uid(&self, uid: u32) -> Result<(), DirectoryError> {
        self.lock().used_uids.remove(&uid);
        Ok(())
    }

    fn delete(&self, short_name: &str) -> Result<(), DirectoryError> {
        self.lock().accounts.remove(short_name);
        Ok(())
    }
}
