//! The sign-in log, shaped like Entra's (time, user, app, endpoint, result, code).

use serde::{Deserialize, Serialize};

/// Outcome of a sign-in attempt, as Entra's log shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInResult {
    /// Tokens issued.
    Success,
    /// Rejected (wrong password, locked, blocked, ...).
    Failure,
    /// The password was right but more was needed (MFA, MFA registration, consent).
    Interrupted,
}

/// One entry of `GET /_sim/signins`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    /// RFC 3339 time (sim clock).
    pub time: String,
    /// The user name as sent.
    pub user: String,
    /// The user's ObjectID when known.
    pub user_id: Option<String>,
    /// Client ID.
    pub app_id: String,
    /// App display name when known.
    pub app_name: Option<String>,
    /// Request path, e.g. `/contoso.example/oauth2/v2.0/token`.
    pub endpoint: String,
    /// `password`, `authorization_code`, `refresh_token`, `device_code`, `interactive`.
    pub flow: String,
    /// Outcome.
    pub result: SignInResult,
    /// AADSTS code (0 on success).
    pub error_code: u32,
    /// Correlation ID of the request.
    pub correlation_id: String,
    /// Conditional Access policies in report-only mode that would have applied.
    pub report_only_policies: Vec<String>,
}

/// The log result for an AADSTS code.
pub fn result_for(code: u32) -> SignInResult {
    match code {
        0 => SignInResult::Success,
        50076 | 50079 | 50072 | 50074 | 65001 | 50055 => SignInResult::Interrupted,
        _ => SignInResult::Failure,
    }
}
