//! The UI mechanism runs unprivileged (in SecurityAgent), yet the agent's
//! sign-in ends by applying a plan and storing a password. So the UI runs
//! it against a *staged* machine: the directory answers every read from the
//! real one and records the writes instead of making them; the store holds
//! nothing. What the sign-in would have done is then handed to the root
//! mechanisms: the plan through a hint, the passwords through context
//! values (see [`crate::mechanism`]).

use std::sync::Mutex;

use secrecy::SecretString;
use sesame_core::identity::EntraId;
use sesame_core::provisioning::{Binding, DirectorySnapshot, LocalAccount};
use sesame_platform::secrets::OldPasswordChecked;
use sesame_platform::{AccountDirectory, AccountSpec, DirectoryError, SecretError, SecretStore};

/// The passwords the staged apply was given.
#[derive(Default)]
pub struct StagedPasswords {
    /// The new local password (`set_password`'s `new`): the password Entra
    /// verified for this identity.
    pub new: Option<SecretString>,
    /// The old local password the directory was to be given with it.
    pub old: Option<SecretString>,
    /// The first password the real directory accepted as the local one.
    /// The agent checks the verified password first, so when the plan says
    /// the password is already in sync (no `set_password`), this is it.
    pub local_match: Option<SecretString>,
    /// Short names the staged apply wrote to.
    pub touched: Vec<String>,
}

impl std::fmt::Debug for StagedPasswords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagedPasswords")
            .field("new", &self.new.is_some())
            .field("old", &self.old.is_some())
            .field("local_match", &self.local_match.is_some())
            .field("touched", &self.touched)
            .finish()
    }
}

/// Reads from `real`, records writes.
pub struct StagedDirectory<'a> {
    real: &'a dyn AccountDirectory,
    seen: Mutex<StagedPasswords>,
}

impl std::fmt::Debug for StagedDirectory<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagedDirectory").finish_non_exhaustive()
    }
}

impl<'a> StagedDirectory<'a> {
    /// Stages writes over `real`.
    pub fn new(real: &'a dyn AccountDirectory) -> Self {
        Self {
            real,
            seen: Mutex::new(StagedPasswords::default()),
        }
    }

    /// What the staged apply was given.
    pub fn into_passwords(self) -> StagedPasswords {
        self.seen.into_inner().unwrap_or_else(|p| p.into_inner())
    }

    fn touch(&self, short: &str) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if !seen.touched.iter().any(|t| t == short) {
            seen.touched.push(short.to_owned());
        }
    }
}

impl AccountDirectory for StagedDirectory<'_> {
    fn snapshot(&self) -> Result<DirectorySnapshot, DirectoryError> {
        self.real.snapshot()
    }
    fn find_by_short_name(&self, short_name: &str) -> Result<Option<LocalAccount>, DirectoryError> {
        self.real.find_by_short_name(short_name)
    }
    fn find_by_identity(&self, id: &EntraId) -> Result<Option<LocalAccount>, DirectoryError> {
        self.real.find_by_identity(id)
    }
    fn create(&self, account: &AccountSpec) -> Result<(), DirectoryError> {
        self.touch(&account.short_name);
        Ok(())
    }
    fn set_full_name(&self, short_name: &str, _: &str) -> Result<(), DirectoryError> {
        self.touch(short_name);
        Ok(())
    }
    fn set_password(
        &self,
        short_name: &str,
        new: &SecretString,
        old: Option<&SecretString>,
    ) -> Result<(), DirectoryError> {
        self.touch(short_name);
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.new = Some(new.clone());
        seen.old = old.cloned();
        Ok(())
    }
    fn verify_password(
        &self,
        short_name: &str,
        password: &SecretString,
    ) -> Result<bool, DirectoryError> {
        let ok = self.real.verify_password(short_name, password)?;
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if ok && seen.local_match.is_none() {
            seen.local_match = Some(password.clone());
        }
        Ok(ok)
    }
    fn set_admin(&self, short_name: &str, _: bool) -> Result<(), DirectoryError> {
        self.touch(short_name);
        Ok(())
    }
    fn bind(&self, short_name: &str, _: Option<&Binding>) -> Result<(), DirectoryError> {
        self.touch(short_name);
        Ok(())
    }
    fn record_uid(&self, _: u32) -> Result<(), DirectoryError> {
        Ok(())
    }
    fn forget_uid(&self, _: u32) -> Result<(), DirectoryError> {
        Ok(())
    }
    fn delete(&self, _: &str) -> Result<(), DirectoryError> {
        Ok(())
    }
}

/// The UI mechanism's secret store: it cannot see the person's keychain
/// (locked, and not its own), so nothing is stored and writes succeed; the
/// keychain mechanism does the real work as root.
#[derive(Debug, Default, Clone, Copy)]
pub struct NothingStored;

impl SecretStore for NothingStored {
    fn store(&self, _: &str, _: &SecretString) -> Result<(), SecretError> {
        Ok(())
    }
    fn read(&self, _: &str) -> Result<Option<SecretString>, SecretError> {
        Ok(None)
    }
    fn overwrite(
        &self,
        _: &str,
        _: &SecretString,
        _: OldPasswordChecked,
    ) -> Result<(), SecretError> {
        Ok(())
    }
    fn delete(&self, _: &str) -> Result<(), SecretError> {
        Ok(())
    }
}
