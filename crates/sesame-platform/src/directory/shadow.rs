//! Linux: the shadow tools (`useradd`, `usermod`, `chpasswd`, `gpasswd`,
//! `userdel`) on a system root, `/` or a sandbox. Admin is membership of the
//! `sudo` (Debian, Ubuntu) or `wheel` (Fedora, Arch) group. Bindings live in
//! the root-owned state file `var/lib/sesame/accounts.json` under the root.
//!
//! Passwords take one of two paths ([`PasswordPath`]): root sets them with
//! `chpasswd --root`; a user on this machine (the menu-bar daemon) changes
//! their own with `passwd` and the current password, as at a terminal.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use sesame_core::provisioning::{
    AccountOs, Binding, DirectorySnapshot, LocalAccount, sanitize_full_name,
};
use zeroize::Zeroizing;

use super::passwd_chat::PasswordPath;
use super::shadow_commands as cmd;
use super::shadow_files::{self as files, GroupEntry};
use super::state::{BindingState, STATE_FILE, update_state};
use super::{AccountDirectory, AccountSpec, DirectoryError};

/// Admin groups looked for, in order, when none is configured.
const ADMIN_GROUPS: [&str; 2] = ["sudo", "wheel"];

/// The Linux account directory on a system root.
#[derive(Debug, Clone)]
pub struct ShadowDirectory {
    root: PathBuf,
    admin_group: Option<String>,
    password_path: PasswordPath,
}

impl ShadowDirectory {
    /// The directory of the system rooted at `root` (`/` for this machine).
    /// Passwords take the path for this process ([`PasswordPath::choose`]).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        // SAFETY: geteuid cannot fail.
        let euid = unsafe { libc::geteuid() };
        Self {
            password_path: PasswordPath::choose(euid, root == Path::new("/")),
            root,
            admin_group: None,
        }
    }

    /// How this directory changes and checks passwords.
    pub fn password_path(&self) -> PasswordPath {
        self.password_path
    }

    /// Use `group` as the admin group instead of `sudo` / `wheel`.
    pub fn with_admin_group(mut self, group: impl Into<String>) -> Self {
        self.admin_group = Some(group.into());
        self
    }

    /// The system root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The binding state file.
    pub fn state_path(&self) -> PathBuf {
        self.root.join(STATE_FILE)
    }

    /// The apply journal file next to the state file.
    pub fn journal_path(&self) -> PathBuf {
        self.root.join("var/lib/sesame/journal.json")
    }

    fn admin_group<'g>(&self, groups: &'g [GroupEntry]) -> Result<&'g GroupEntry, DirectoryError> {
        let wanted: Vec<&str> = match &self.admin_group {
            Some(g) => vec![g.as_str()],
            None => ADMIN_GROUPS.to_vec(),
        };
        wanted
            .iter()
            .find_map(|w| groups.iter().find(|g| g.name == *w))
            .ok_or_else(|| DirectoryError::NoAdminGroup(wanted.join(" or ")))
    }

    fn require(&self, short_name: &str) -> Result<LocalAccount, DirectoryError> {
        self.find_by_short_name(short_name)?
            .ok_or_else(|| DirectoryError::NoSuchAccount(short_name.to_owned()))
    }
}

impl AccountDirectory for ShadowDirectory {
    fn snapshot(&self) -> Result<DirectorySnapshot, DirectoryError> {
        let users = files::passwd(&self.root)?;
        let groups = files::groups(&self.root)?;
        let admin = self.admin_group(&groups).ok();
        let mut state = BindingState::load(&self.state_path())?;
        let accounts = users
            .into_iter()
            .map(|u| LocalAccount {
                is_admin: admin.is_some_and(|g| g.gid == u.gid || g.members.contains(&u.name)),
                binding: state.accounts.remove(&u.name),
                short_name: u.name,
                uid: u.uid,
                full_name: u.full_name,
                home: u.home,
            })
            .collect();
        Ok(DirectorySnapshot {
            accounts,
            used_uids: state.used_uids,
        })
    }

    fn create(&self, account: &AccountSpec) -> Result<(), DirectoryError> {
        if self.find_by_short_name(&account.short_name)?.is_some() {
            return Err(DirectoryError::AlreadyExists(account.short_name.clone()));
        }
        // Same sanitizer as the plan: what is stored reads back unchanged.
        let account = AccountSpec {
            full_name: sanitize_full_name(&account.full_name, AccountOs::Linux),
            ..account.clone()
        };
        cmd::useradd(&self.root, &account).run(None).map(drop)
    }

    fn set_full_name(&self, short_name: &str, full_name: &str) -> Result<(), DirectoryError> {
        let full_name = sanitize_full_name(full_name, AccountOs::Linux);
        cmd::set_comment(&self.root, short_name, &full_name)
            .run(None)
            .map(drop)
    }

    fn set_password(
        &self,
        short_name: &str,
        new: &SecretString,
        old: Option<&SecretString>,
    ) -> Result<(), DirectoryError> {
        let pw = new.expose_secret();
        let problem = if pw.is_empty() {
            Some("it is empty")
        } else if pw.contains(['\n', '\r', '\0']) {
            Some("it contains a line break or NUL character")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(DirectoryError::UnusablePassword {
                short_name: short_name.to_owned(),
                problem,
            });
        }
        if self.password_path == PasswordPath::AsUser {
            let old = old.ok_or(DirectoryError::Unsupported(
                "changing a password as the user without the current password",
            ))?;
            #[cfg(target_os = "linux")]
            return super::passwd_tty::change_own_password(short_name, old, new);
            #[cfg(not(target_os = "linux"))]
            return {
                let _ = old;
                Err(DirectoryError::Unsupported("passwd on a terminal"))
            };
        }
        self.require(short_name)?;
        let line = Zeroizing::new(format!("{short_name}:{pw}\n"));
        cmd::chpasswd(&self.root)
            .run(Some(line.as_bytes()))
            .map(drop)
    }

    fn verify_password(
        &self,
        short_name: &str,
        password: &SecretString,
    ) -> Result<bool, DirectoryError> {
        #[cfg(target_os = "linux")]
        if self.password_path == PasswordPath::AsUser {
            // /etc/shadow is root's: ask pam_unix's helper, as PAM would.
            return super::passwd_tty::verify_own_password(short_name, password);
        }
        let hash = files::shadow_hash(&self.root, short_name)?
            .ok_or_else(|| DirectoryError::NoSuchAccount(short_name.to_owned()))?;
        #[cfg(target_os = "linux")]
        {
            Ok(super::crypt::matches(password, &hash))
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (password, hash);
            Err(DirectoryError::Unsupported("checking a shadow password"))
        }
    }

    fn set_admin(&self, short_name: &str, admin: bool) -> Result<(), DirectoryError> {
        let groups = files::groups(&self.root)?;
        let group = self.admin_group(&groups)?;
        if group.members.iter().any(|m| m == short_name) == admin {
            return Ok(());
        }
        self.require(short_name)?;
        cmd::gpasswd(&self.root, short_name, &group.name, admin)
            .run(None)
            .map(drop)
    }

    fn bind(&self, short_name: &str, binding: Option<&Binding>) -> Result<(), DirectoryError> {
        if binding.is_some() {
            self.require(short_name)?;
        }
        update_state(&self.state_path(), |s| match binding {
            Some(b) => {
                s.accounts.insert(short_name.to_owned(), b.clone());
            }
            None => {
                s.accounts.remove(short_name);
            }
        })
    }

    fn record_uid(&self, uid: u32) -> Result<(), DirectoryError> {
        update_state(&self.state_path(), |s| {
            s.used_uids.insert(uid);
        })
    }

    fn forget_uid(&self, uid: u32) -> Result<(), DirectoryError> {
        update_state(&self.state_path(), |s| {
            s.used_uids.remove(&uid);
        })
    }

    fn delete(&self, short_name: &str) -> Result<(), DirectoryError> {
        if self.find_by_short_name(short_name)?.is_some() {
            // userdel also drops the user from the admin group.
            match cmd::userdel(&self.root, short_name).run(None).map(drop) {
                // 12: the home directory or mail spool could not be removed
                // (e.g. never created); the account itself is gone.
                Err(DirectoryError::Tool { status: 12, .. }) | Ok(()) => {}
                Err(e) => return Err(e),
            }
        }
        update_state(&self.state_path(), |s| {
            s.accounts.remove(short_name);
        })
    }
}
