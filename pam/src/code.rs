//! What each entry point answers, independent of the C constants (the shim
//! maps them to `PAM_*`).

/// A PAM answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// `PAM_SUCCESS`.
    Success,
    /// `PAM_IGNORE`: not an Entra user; the rest of the stack decides.
    Ignore,
    /// `PAM_AUTH_ERR`: refused (the person was told why).
    AuthErr,
    /// `PAM_USER_UNKNOWN`: an Entra name with no account here.
    UserUnknown,
    /// `PAM_AUTHINFO_UNAVAIL`: Entra unreachable and no offline sign-in.
    AuthInfoUnavail,
    /// `PAM_SERVICE_ERR`: the module or its profile is misconfigured.
    ServiceErr,
    /// `PAM_AUTHTOK_ERR`: password change refused (done on the web).
    AuthTokErr,
    /// `PAM_SYSTEM_ERR`: an internal failure (a panic was caught).
    SystemErr,
}

/// The end of `pam_sm_authenticate`: the answer and, on success, the local
/// account to continue as (the shim sets `PAM_USER` to it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthEnd {
    /// The answer.
    pub code: Code,
    /// The local short name, when signed in.
    pub short_name: Option<String>,
}

impl AuthEnd {
    /// An answer with no account.
    pub fn just(code: Code) -> Self {
        Self {
            code,
            short_name: None,
        }
    }
}
