//! Who a PAM user name is: an Entra UPN (typed with `@`, or the bound UPN of
//! a local account Sesame made), or a local-only account the module leaves
//! to the rest of the stack (root and break-glass admins keep working).

use sesame_core::settings::Settings;
use sesame_platform::AccountDirectory;

use crate::options::Options;

/// The person behind a PAM user name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// An Entra user: the UPN to sign in with, and the local account bound
    /// to it when there is one.
    Entra {
        /// The UPN.
        upn: String,
        /// The bound local account's short name.
        local: Option<String>,
    },
    /// A local account without an Entra binding.
    LocalOnly,
}

/// Resolves `user` against the account directory.
pub fn who(user: &str, dir: &dyn AccountDirectory) -> Result<Who, String> {
    let snapshot = dir
        .snapshot()
        .map_err(|e| format!("the local accounts cannot be read: {e}"))?;
    if user.contains('@') {
        let lower = user.to_lowercase();
        let local = snapshot
            .accounts
            .iter()
            .find(|a| {
                a.binding
                    .as_ref()
                    .is_some_and(|b| b.upn.to_lowercase() == lower)
            })
            .map(|a| a.short_name.clone());
        return Ok(Who::Entra {
            upn: user.to_owned(),
            local,
        });
    }
    Ok(
        match snapshot.accounts.iter().find(|a| a.short_name == user) {
            Some(a) => match &a.binding {
                Some(b) => Who::Entra {
                    upn: b.upn.clone(),
                    local: Some(a.short_name.clone()),
                },
                None => Who::LocalOnly,
            },
            None => Who::LocalOnly,
        },
    )
}

/// Loads the profiles the options name (or the managed profile); the first
/// error finding is refused with the file and key it names.
pub fn load_settings(opts: &Options) -> Result<Settings, String> {
    let mut s = sesame_platform::load_profiles(&opts.profile_paths())
        .map_err(|e| e.to_line("name one with profile=FILE on the PAM line"))?;
    if let Some(log) = &opts.log {
        s.log_path = log.clone();
    }
    Ok(s)
}
