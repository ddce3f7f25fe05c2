//! Who a PAM user name is: an Entra UPN (typed with `@`, or the bound UPN of
//! a local account Sesame made), or a local-only account the module leaves
//! to the rest of the stack (root and break-glass admins keep working).

use sesame_core::settings::{self, Settings};
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
    let files = opts
        .profile_paths()
        .into_iter()
        .map(|p| match std::fs::read(&p) {
            Ok(bytes) => Ok((p.display().to_string(), bytes)),
            Err(e) => Err(format!(
                "cannot read the profile {}: {e}; name one with profile=FILE on the PAM line",
                p.display()
            )),
        })
        .collect::<Result<Vec<_>, String>>()?;
    let named: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (&**n, &b[..])).collect();
    let report = settings::load(&named);
    let refusal = report
        .findings
        .iter()
        .find(|f| f.severity == settings::Severity::Error)
        .map(|f| format!("{f} (run `sesame profile check`)"));
    let mut s = match (refusal, report.settings) {
        (Some(why), _) => return Err(why),
        (None, Some(s)) => s,
        (None, None) => {
            return Err("the profile gives no settings; run `sesame profile check`".into());
        }
    };
    if let Some(log) = &opts.log {
        s.log_path = log.clone();
    }
    Ok(s)
}
