//! macOS: the local directory node. Records are read and changed with
//! `dscl` / `dseditgroup` / `createhomedir` (command lines built in
//! [`super::macos_commands`]); passwords are set and checked in-process with
//! OpenDirectory, so they never appear on a command line. Admin is the
//! `admin` group; the binding is the record attribute
//! [`BINDING_ATTRIBUTE`](super::macos_commands::BINDING_ATTRIBUTE).

use std::path::PathBuf;

use objc2::rc::Retained;
use objc2_foundation::{NSError, NSString};
use objc2_open_directory::{
    ODNode, ODRecord, ODSession, kODNodeTypeLocalNodes, kODRecordTypeUsers,
};
use secrecy::{ExposeSecret, SecretString};
use sesame_core::provisioning::{Binding, DirectorySnapshot, LocalAccount};

use super::macos_commands::{self as cmd, MacCommand};
use super::state::{BindingState, update_state};
use super::{AccountDirectory, AccountSpec, DirectoryError};

/// Where Sesame records the UIDs it has used on a Mac.
const STATE_PATH: &str = "/var/db/sesame/accounts.json";

/// The local directory node of this Mac.
#[derive(Debug, Clone)]
pub struct MacDirectory {
    state_path: PathBuf,
}

impl Default for MacDirectory {
    fn default() -> Self {
        Self::new()
    }
}

impl MacDirectory {
    /// This Mac's local node.
    pub fn new() -> Self {
        Self {
            state_path: PathBuf::from(STATE_PATH),
        }
    }

    /// The apply journal file.
    pub fn journal_path(&self) -> PathBuf {
        PathBuf::from("/var/db/sesame/journal.json")
    }
}

fn run(c: &MacCommand) -> Result<Vec<u8>, DirectoryError> {
    c.run(None)
}

fn od_error(what: &str, e: Option<Retained<NSError>>) -> DirectoryError {
    DirectoryError::Tool {
        tool: format!("OpenDirectory {what}"),
        status: e.as_ref().map_or(-1, |e| e.code() as i32),
        stderr: e.map_or_else(
            || "no details".to_owned(),
            |e| e.localizedDescription().to_string(),
        ),
    }
}

fn user_record(short_name: &str) -> Result<Retained<ODRecord>, DirectoryError> {
    let mut err: Option<Retained<NSError>> = None;
    // SAFETY: plain OpenDirectory calls with valid, retained arguments; the
    // error out-parameter is a valid Option slot.
    unsafe {
        let session = ODSession::defaultSession().ok_or_else(|| od_error("session", None))?;
        let node = ODNode::nodeWithSession_type_error(
            Some(&session),
            kODNodeTypeLocalNodes,
            Some(&mut err),
        )
        .ok_or_else(|| od_error("local node", err.take()))?;
        let name = NSString::from_str(short_name);
        node.recordWithRecordType_name_attributes_error(
            kODRecordTypeUsers,
            Some(&name),
            None,
            Some(&mut err),
        )
        .ok_or_else(|| match err.take() {
            None => DirectoryError::NoSuchAccount(short_name.to_owned()),
            e => od_error("record lookup", e),
        })
    }
}

impl AccountDirectory for MacDirectory {
    fn snapshot(&self) -> Result<DirectorySnapshot, DirectoryError> {
        let damaged = |problem: String| DirectoryError::Damaged {
            path: PathBuf::from("/Local/Default/Users"),
            problem,
        };
        let users = cmd::parse_users(&run(&cmd::read_users())?).map_err(damaged)?;
        let admins = cmd::parse_admins(&run(&cmd::read_admins())?).map_err(damaged)?;
        let state = BindingState::load(&self.state_path)?;
        Ok(DirectorySnapshot {
            accounts: users
                .into_iter()
                .map(|u| LocalAccount {
                    is_admin: admins.contains(&u.short_name),
                    binding: u
                        .binding_json
                        .as_deref()
                        .and_then(|j| serde_json::from_str::<Binding>(j).ok()),
                    short_name: u.short_name,
                    uid: u.uid,
                    full_name: u.full_name,
                    home: u.home,
                })
                .collect(),
            used_uids: state.used_uids,
        })
    }

    fn create(&self, account: &AccountSpec) -> Result<(), DirectoryError> {
        if self.find_by_short_name(&account.short_name)?.is_some() {
            return Err(DirectoryError::AlreadyExists(account.short_name.clone()));
        }
        for c in cmd::create_user(
            &account.short_name,
            account.uid,
            &account.full_name,
            &account.home,
        ) {
            run(&c)?;
        }
        Ok(())
    }

    fn set_full_name(&self, short_name: &str, full_name: &str) -> Result<(), DirectoryError> {
        run(&cmd::set_full_name(short_name, full_name)).map(drop)
    }

    fn set_password(
        &self,
        short_name: &str,
        new: &SecretString,
        old: Option<&SecretString>,
    ) -> Result<(), DirectoryError> {
        let record = user_record(short_name)?;
        // Looked up before anything changes: an error here changes nothing.
        let own = old.is_some()
            && self
                .find_by_short_name(short_name)?
                .is_some_and(|a| super::macos_keychain::runs_as(a.uid));
        let new_ns = NSString::from_str(new.expose_secret());
        let old_ns = old.map(|o| NSString::from_str(o.expose_secret()));
        let mut err: Option<Retained<NSError>> = None;
        // SAFETY: valid record and strings. `None` old password means "set"
        // (root only); with the old password it is the user's own change,
        // which the local node allows the account itself, without root.
        let ok = unsafe {
            record.changePassword_toPassword_error(old_ns.as_deref(), Some(&new_ns), Some(&mut err))
        };
        if !ok {
            return Err(od_error("password change", err));
        }
        // The user's own change (the menu-bar daemon): their login keychain
        // follows, as when they change it in System Settings. Root (the
        // login window) never touches its own keychain for a user. A login
        // keychain whose password was already different is left as it is:
        // macOS offers to update it at the next login; it is never reset.
        if let (true, Some(old)) = (own, old) {
            let _ = super::macos_keychain::change_login_keychain_password(old, new);
        }
        Ok(())
    }

    fn verify_password(
        &self,
        short_name: &str,
        password: &SecretString,
    ) -> Result<bool, DirectoryError> {
        let record = user_record(short_name)?;
        let pw = NSString::from_str(password.expose_secret());
        // SAFETY: valid record and string; a wrong password returns false.
        Ok(unsafe { record.verifyPassword_error(Some(&pw), None) })
    }

    fn set_admin(&self, short_name: &str, admin: bool) -> Result<(), DirectoryError> {
        let admins = cmd::parse_admins(&run(&cmd::read_admins())?).unwrap_or_default();
        if admins.iter().any(|a| a == short_name) == admin {
            return Ok(());
        }
        run(&cmd::set_admin(short_name, admin)).map(drop)
    }

    fn bind(&self, short_name: &str, binding: Option<&Binding>) -> Result<(), DirectoryError> {
        let json = binding
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| DirectoryError::Damaged {
                path: PathBuf::from(format!("/Local/Default/Users/{short_name}")),
                problem: e.to_string(),
            })?;
        match run(&cmd::bind(short_name, json.as_deref())) {
            // Deleting an attribute that is not there.
            Err(DirectoryError::Tool { .. }) if json.is_none() => Ok(()),
            other => other.map(drop),
        }
    }

    fn record_uid(&self, uid: u32) -> Result<(), DirectoryError> {
        update_state(&self.state_path, |s| {
            s.used_uids.insert(uid);
        })
    }

    fn forget_uid(&self, uid: u32) -> Result<(), DirectoryError> {
        update_state(&self.state_path, |s| {
            s.used_uids.remove(&uid);
        })
    }

    fn delete(&self, short_name: &str) -> Result<(), DirectoryError> {
        let Some(account) = self.find_by_short_name(short_name)? else {
            return Ok(());
        };
        run(&cmd::delete_user(short_name))?;
        if account.home.starts_with("/Users/") {
            match std::fs::remove_dir_all(&account.home) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(DirectoryError::Io {
                        path: PathBuf::from(&account.home),
                        source: e,
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }
}
