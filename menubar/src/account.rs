//! Whose password the daemon watches: a local account bound to an Entra
//! identity (the login agent binds it). The password is always checked for
//! that identity's own user name, never for what someone typed.

use sesame_core::password_binding::PasswordOwner;
use sesame_core::provisioning::Binding;
use sesame_platform::AccountDirectory;

use crate::MenubarError;

/// The user the daemon acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// The signed-in user (the process's own account).
    CurrentUser,
    /// The account bound to this UPN (`--user UPN`).
    Upn(String),
}

/// A bound local account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The local short name (the secret store's item name).
    pub short_name: String,
    /// The identity it is bound to.
    pub binding: Binding,
}

impl Account {
    /// Whose password is checked: the binding's oid + tid and UPN.
    pub fn owner(&self) -> PasswordOwner {
        PasswordOwner::of_binding(&self.binding)
    }
}

/// The name of the account this process runs as.
pub fn current_user_name() -> Option<String> {
    // SAFETY: getuid never fails; getpwuid returns a pointer into static
    // storage or null, read at once and not kept.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        if !pw.is_null() && !(*pw).pw_name.is_null() {
            let name = std::ffi::CStr::from_ptr((*pw).pw_name);
            if let Ok(n) = name.to_str() {
                return Some(n.to_owned());
            }
        }
    }
    std::env::var("USER").ok().filter(|u| !u.is_empty())
}

/// Finds the bound account for `who`.
pub fn find_account(dir: &dyn AccountDirectory, who: &Who) -> Result<Account, MenubarError> {
    let snapshot = dir.snapshot()?;
    let found = match who {
        Who::CurrentUser => {
            let me = current_user_name().ok_or(MenubarError::WhoAmI)?;
            let a = snapshot
                .accounts
                .into_iter()
                .find(|a| a.short_name == me)
                .ok_or(MenubarError::NoAccount(me))?;
            let binding = a
                .binding
                .ok_or_else(|| MenubarError::NotBound(a.short_name.clone()))?;
            (a.short_name, binding)
        }
        Who::Upn(upn) => snapshot
            .accounts
            .into_iter()
            .find_map(|a| match a.binding {
                Some(b) if b.upn.eq_ignore_ascii_case(upn.trim()) => Some((a.short_name, b)),
                _ => None,
            })
            .ok_or_else(|| MenubarError::NoAccount(upn.clone()))?,
    };
    Ok(Account {
        short_name: found.0,
        binding: found.1,
    })
}
