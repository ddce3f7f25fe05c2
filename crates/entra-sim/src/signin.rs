//! The sign-in log, shaped like Entra's: besides time, user, app, endpoint and code, each
//! row carries the columns an admin reads in the Entra admin center (Status, Authentication
//! requirement, Result detail, interactive or not, Client app, Conditional Access) in
//! Entra's wording, so a password check (ROPG) can be told from a real failure.

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
    /// "Status": `Success`, `Failure` or `Interrupted`.
    pub status: String,
    /// "Authentication requirement": `Single-factor authentication` or
    /// `Multifactor authentication` (what the tenant demanded, met or not).
    pub authentication_requirement: String,
    /// "Result detail" / failure reason, e.g. `User did not pass the MFA challenge (non
    /// interactive)` for a password check that met MFA, `Invalid username or password`.
    pub result_detail: String,
    /// Listed under "User sign-ins (interactive)" (the sign-in pages) rather than
    /// "non-interactive" (token requests made by an app: password grant, refresh, device poll).
    pub interactive: bool,
    /// "Client app": `Browser` or `Mobile Apps and Desktop clients`.
    pub client_app: String,
    /// "Conditional Access": `Success`, `Failure` or `Not Applied`.
    pub conditional_access_status: String,
}

/// What the sim knew about an attempt when it logged it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    /// The user was at the sign-in pages.
    pub interactive: bool,
    /// MFA was demanded (Conditional Access, security defaults or per-user MFA).
    pub mfa_required: bool,
    /// A Conditional Access policy demanded the MFA.
    pub mfa_by_ca: bool,
    /// Some enforced Conditional Access policy applied.
    pub ca_applied: bool,
    /// MFA was performed in this sign-in (verification code on the pages).
    pub mfa_done: bool,
    /// The MFA requirement was met by the `mfa` claim of the grant being redeemed.
    pub mfa_from_token: bool,
    /// A refresh token was redeemed.
    pub refresh: bool,
}

/// The admin-facing columns of one attempt: (status, requirement, result detail, CA status).
pub fn columns(code: u32, f: &Facts) -> (String, String, String, String) {
    let status = match result_for(code) {
        SignInResult::Success => "Success",
        SignInResult::Failure => "Failure",
        SignInResult::Interrupted => "Interrupted",
    };
    let requirement = if f.mfa_required || f.mfa_done {
        "Multifactor authentication"
    } else {
        "Single-factor authentication"
    };
    let detail = match code {
        0 if f.mfa_done => "MFA successfully completed",
        0 if f.mfa_from_token => "MFA requirement satisfied by claim in the token",
        0 if f.refresh => "Previously satisfied",
        0 => "Correct password",
        50076 if f.interactive => "User did not pass the MFA challenge",
        50076 => "User did not pass the MFA challenge (non interactive)",
        50079 => "User must register for multifactor authentication",
        50126 => "Invalid username or password",
        500121 => "Authentication failed during strong authentication request",
        other => crate::errors::meaning(other),
    };
    let ca = match code {
        53003 | 53000 => "Failure",
        50076 | 50079 if f.mfa_by_ca => "Failure",
        0 if f.ca_applied => "Success",
        _ => "Not Applied",
    };
    (status.into(), requirement.into(), detail.into(), ca.into())
}

/// The log result for an AADSTS code.
pub fn result_for(code: u32) -> SignInResult {
    match code {
        0 => SignInResult::Success,
        50076 | 50079 | 50072 | 50074 | 65001 | 50055 => SignInResult::Interrupted,
        _ => SignInResult::Failure,
    }
}

/// The "Client app" column for an attempt.
pub fn client_app(interactive: bool) -> &'static str {
    if interactive {
        "Browser"
    } else {
        "Mobile Apps and Desktop clients"
    }
}

/// The identifying columns of one attempt.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    /// Sim time of the attempt.
    pub now: time::OffsetDateTime,
    /// The user name as sent.
    pub user: &'a str,
    /// The user's ObjectID when known.
    pub user_id: Option<String>,
    /// Client ID.
    pub app_id: &'a str,
    /// App display name when known.
    pub app_name: Option<String>,
    /// Request path.
    pub endpoint: &'a str,
    /// Flow name.
    pub flow: &'a str,
    /// Correlation ID.
    pub correlation_id: &'a str,
    /// Report-only policies that would have applied.
    pub report_only: Vec<String>,
}

impl SignIn {
    /// One log row for `attempt` answered with `code` (0 = tokens).
    pub fn new(attempt: Attempt<'_>, code: u32, facts: &Facts) -> SignIn {
        let (status, authentication_requirement, result_detail, conditional_access_status) =
            columns(code, facts);
        SignIn {
            time: attempt
                .now
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            user: attempt.user.to_string(),
            user_id: attempt.user_id,
            app_id: attempt.app_id.to_string(),
            app_name: attempt.app_name,
            endpoint: attempt.endpoint.to_string(),
            flow: attempt.flow.to_string(),
            result: result_for(code),
            error_code: code,
            correlation_id: attempt.correlation_id.to_string(),
            report_only_policies: attempt.report_only,
            status,
            authentication_requirement,
            result_detail,
            interactive: facts.interactive,
            client_app: client_app(facts.interactive).to_string(),
            conditional_access_status,
        }
    }
}
