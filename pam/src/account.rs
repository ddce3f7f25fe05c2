//! `account`, `password` and `session`: what the module answers after auth.
//!
//! - account: an Entra user passes when a local account is bound to that
//!   identity (made by a sign-in); an Entra name with no account here is
//!   unknown; local-only accounts are left to the rest of the stack.
//! - password: Sesame never changes a cloud password; the person gets the
//!   tenant's change page.
//! - session: nothing to do (the account was made during auth), so nothing
//!   dangerous runs while a session opens or closes.

use sesame_platform::ShadowDirectory;

use crate::code::Code;
use crate::conv::Conversation;
use crate::options::Options;
use crate::who::{Who, load_settings, who};

/// `pam_sm_acct_mgmt`.
pub fn account(opts: &Options, user: &str) -> Code {
    let dir = ShadowDirectory::new(opts.system_root());
    match who(user, &dir) {
        Ok(Who::Entra { local: Some(_), .. }) => Code::Success,
        Ok(Who::Entra { local: None, .. }) => Code::UserUnknown,
        Ok(Who::LocalOnly) => Code::Ignore,
        Err(why) => {
            tracing::error!(%why, "pam_sesame account");
            Code::SystemErr
        }
    }
}

/// `pam_sm_chauthtok`: refused for Entra users with the change page;
/// `preliminary` is the first of PAM's two passes (the one that speaks).
pub fn change_password(
    conv: &mut dyn Conversation,
    opts: &Options,
    user: &str,
    preliminary: bool,
) -> Code {
    let dir = ShadowDirectory::new(opts.system_root());
    match who(user, &dir) {
        Ok(Who::Entra { .. }) => {
            if preliminary {
                let url = load_settings(opts)
                    .map(|s| s.change_password_url.to_string())
                    .unwrap_or_else(|_| {
                        "https://mysignins.microsoft.com/security-info/password/change".into()
                    });
                conv.error(&format!(
                    "Your password is your Microsoft Entra ID password: change it at {url} (it cannot be changed here)."
                ));
            }
            Code::AuthTokErr
        }
        Ok(Who::LocalOnly) => Code::Ignore,
        Err(why) => {
            tracing::error!(%why, "pam_sesame chauthtok");
            Code::SystemErr
        }
    }
}

/// `pam_sm_open_session` / `close_session` / `setcred`.
pub fn session(opts: &Options, user: &str) -> Code {
    match account(opts, user) {
        Code::Success => Code::Success,
        _ => Code::Ignore,
    }
}
