//! The login keychain after a sign-in: made for a new account, re-keyed
//! from the old password to the new one, left alone when it already opens
//! with the new one — and reset only when the profile's `KeychainReset`
//! says so. The decision ([`decide`]) is pure; [`LoginKeychain`] is the OS
//! part (Security's `SecKeychain*` on a Mac; a secret store on Linux,
//! [`StoreKeychain`]).

use secrecy::{ExposeSecret, SecretString};
use sesame_platform::SecretStore;

/// What the login keychain opens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeychainState {
    /// There is none.
    Missing,
    /// The new (verified) password.
    OpensWithNew,
    /// The old local password the person proved.
    OpensWithOld,
    /// Neither (a password changed elsewhere and forgotten).
    OpensWithNeither,
}

/// What the keychain mechanism does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeychainStep {
    /// Make a login keychain with the new password.
    Create,
    /// Nothing to do.
    Keep,
    /// Change its password from the old one to the new one (contents kept).
    ChangePassword,
    /// Move it aside and make a new one (the profile allows it).
    Reset,
    /// Leave it locked: macOS offers to update it after login, and nothing
    /// is lost.
    LeaveLocked,
}

/// The step for `state`; `reset_allowed` is the profile's `KeychainReset`.
pub fn decide(state: KeychainState, reset_allowed: bool) -> KeychainStep {
    match state {
        KeychainState::Missing => KeychainStep::Create,
        KeychainState::OpensWithNew => KeychainStep::Keep,
        KeychainState::OpensWithOld => KeychainStep::ChangePassword,
        KeychainState::OpensWithNeither if reset_allowed => KeychainStep::Reset,
        KeychainState::OpensWithNeither => KeychainStep::LeaveLocked,
    }
}

/// The person's login keychain, as root sees it.
pub trait LoginKeychain {
    /// What it opens with.
    fn state(
        &self,
        user: &str,
        new: &SecretString,
        old: Option<&SecretString>,
    ) -> Result<KeychainState, String>;
    /// Make it, locked with `new`.
    fn create(&self, user: &str, new: &SecretString) -> Result<(), String>;
    /// Change its password, proving `old`.
    fn change_password(
        &self,
        user: &str,
        old: &SecretString,
        new: &SecretString,
    ) -> Result<(), String>;
    /// Move it aside and make a new one.
    fn reset(&self, user: &str, new: &SecretString) -> Result<(), String>;
}

/// Carries out `step`.
pub fn carry_out(
    kc: &dyn LoginKeychain,
    step: KeychainStep,
    user: &str,
    new: &SecretString,
    old: Option<&SecretString>,
) -> Result<(), String> {
    match (step, old) {
        (KeychainStep::Create, _) => kc.create(user, new),
        (KeychainStep::ChangePassword, Some(old)) => kc.change_password(user, old, new),
        (KeychainStep::ChangePassword, None) => {
            Err("internal error: a password change without the old password".into())
        }
        (KeychainStep::Reset, _) => kc.reset(user, new),
        (KeychainStep::Keep | KeychainStep::LeaveLocked, _) => Ok(()),
    }
}

/// Linux's counterpart: the login keychain is the person's item in a
/// [`SecretStore`] (the kernel keyring in the tests), "opening" when the
/// stored value is the password. A change proves the old value
/// ([`SecretStore::replace`]), like `SecKeychainChangePassword`.
#[derive(Debug)]
pub struct StoreKeychain<S: SecretStore>(pub S);

fn same(a: &SecretString, b: &SecretString) -> bool {
    sesame_core::constant_time::eq(a.expose_secret().as_bytes(), b.expose_secret().as_bytes())
}

impl<S: SecretStore> LoginKeychain for StoreKeychain<S> {
    fn state(
        &self,
        user: &str,
        new: &SecretString,
        old: Option<&SecretString>,
    ) -> Result<KeychainState, String> {
        Ok(match self.0.read(user).map_err(|e| e.to_string())? {
            None => KeychainState::Missing,
            Some(v) if same(&v, new) => KeychainState::OpensWithNew,
            Some(v) if old.is_some_and(|o| same(&v, o)) => KeychainState::OpensWithOld,
            Some(_) => KeychainState::OpensWithNeither,
        })
    }
    fn create(&self, user: &str, new: &SecretString) -> Result<(), String> {
        self.0.store(user, new).map_err(|e| e.to_string())
    }
    fn change_password(
        &self,
        user: &str,
        old: &SecretString,
        new: &SecretString,
    ) -> Result<(), String> {
        self.0.replace(user, old, new).map_err(|e| e.to_string())
    }
    fn reset(&self, user: &str, new: &SecretString) -> Result<(), String> {
        self.0.delete(user).map_err(|e| e.to_string())?;
        self.0.store(user, new).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keychain_that_opens_with_neither_is_reset_only_when_the_profile_allows() {
        assert_eq!(
            decide(KeychainState::OpensWithNeither, false),
            KeychainStep::LeaveLocked
        );
        assert_eq!(
            decide(KeychainState::OpensWithNeither, true),
            KeychainStep::Reset
        );
        assert_eq!(
            decide(KeychainState::OpensWithOld, true),
            KeychainStep::ChangePassword
        );
        assert_eq!(decide(KeychainState::Missing, false), KeychainStep::Create);
        assert_eq!(
            decide(KeychainState::OpensWithNew, true),
            KeychainStep::Keep
        );
    }

    #[test]
    fn the_store_keychain_changes_its_password_only_with_the_right_old_one() {
        let kc = StoreKeychain(sesame_platform::InMemorySecretStore::new());
        let old = SecretString::from("old-pass");
        let new = SecretString::from("new-pass");
        let wrong = SecretString::from("wrong");
        kc.create("ada", &old).expect("create");
        assert_eq!(
            kc.state("ada", &new, Some(&old)),
            Ok(KeychainState::OpensWithOld)
        );
        assert!(kc.change_password("ada", &wrong, &new).is_err());
        assert_eq!(
            kc.state("ada", &new, None),
            Ok(KeychainState::OpensWithNeither)
        );
        kc.change_password("ada", &old, &new).expect("change");
        assert_eq!(kc.state("ada", &new, None), Ok(KeychainState::OpensWithNew));
    }
}
