//! AADSTS errors and their JSON form, shaped the way Entra sends them.
//!
//! ```json
//! {"error":"invalid_grant",
//!  "error_description":"AADSTS50126: Error validating credentials due to invalid username or password.\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: 2026-11-22 04:12:51Z",
//!  "error_codes":[50126],"timestamp":"2026-11-22 04:12:51Z",
//!  "trace_id":"…","correlation_id":"…","error_uri":"{base}/error?code=50126"}
//! ```

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::clock::{entra_instant, entra_timestamp};

/// One AADSTS error as the sim decides it, before it is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AadError {
    /// HTTP status.
    pub status: StatusCode,
    /// OAuth `error` value.
    pub error: &'static str,
    /// AADSTS number.
    pub code: u32,
    /// Text after `AADSTSnnnnn: `.
    pub message: String,
    /// Entra's `suberror`, when it sends one.
    pub suberror: Option<&'static str>,
    /// `Retry-After` seconds (throttling).
    pub retry_after: Option<u64>,
    /// Send `password_change_url` (the sim's change-password page), as Entra does with 50055.
    pub password_change: bool,
    /// Entra's `claims` member: a JSON string naming the Conditional Access policies
    /// (`{"access_token":{"capolids":{"essential":true,"values":[...]}}}`).
    pub claims: Option<String>,
}

/// The JSON body of an error.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// OAuth error.
    pub error: String,
    /// `AADSTSnnnnn: message\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …`.
    pub error_description: String,
    /// The AADSTS numbers.
    pub error_codes: Vec<u32>,
    /// `YYYY-MM-DD hh:mm:ssZ`.
    pub timestamp: String,
    /// Trace ID.
    pub trace_id: String,
    /// Correlation ID (the client's `client-request-id` when it sent one).
    pub correlation_id: String,
    /// Link to the error lookup page.
    pub error_uri: String,
    /// Entra's sub-error, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suberror: Option<String>,
    /// Where the user changes an expired password (50055).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_change_url: Option<String>,
    /// The Conditional Access claims challenge (53003, and 50076/50079 demanded by a policy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<String>,
}

fn e(status: StatusCode, error: &'static str, code: u32, message: impl Into<String>) -> AadError {
    AadError {
        status,
        error,
        code,
        message: message.into(),
        suberror: None,
        retry_after: None,
        password_change: false,
        claims: None,
    }
}

/// The `claims` challenge naming Conditional Access policy IDs, or none without policies.
fn capolids(policies: &[Uuid]) -> Option<String> {
    if policies.is_empty() {
        return None;
    }
    let values: Vec<String> = policies.iter().map(ToString::to_string).collect();
    Some(
        serde_json::json!({ "access_token": { "capolids": { "essential": true, "values": values } } })
            .to_string(),
    )
}

const BAD: StatusCode = StatusCode::BAD_REQUEST;
const UNAUTH: StatusCode = StatusCode::UNAUTHORIZED;

impl AadError {
    /// Adds a sub-error.
    pub fn with_suberror(mut self, s: &'static str) -> Self {
        self.suberror = Some(s);
        self
    }

    /// Renders the JSON body.
    pub fn body(&self, base_url: &str, now: OffsetDateTime, correlation_id: &str) -> ErrorBody {
        let trace_id = Uuid::new_v4().to_string();
        let timestamp = entra_timestamp(now);
        ErrorBody {
            error: self.error.to_string(),
            error_description: format!(
                "AADSTS{}: {}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}",
                self.code, self.message
            ),
            error_codes: vec![self.code],
            timestamp,
            trace_id,
            correlation_id: correlation_id.to_string(),
            error_uri: format!("{base_url}/error?code={}", self.code),
            suberror: self.suberror.map(str::to_string),
            password_change_url: self
                .password_change
                .then(|| format!("{base_url}/ChangePassword.aspx")),
            claims: self.claims.clone(),
        }
    }

    /// Renders the HTTP response (status, JSON, `Retry-After`, no-store).
    pub fn response(&self, base_url: &str, now: OffsetDateTime, correlation_id: &str) -> Response {
        let body = self.body(base_url, now, correlation_id);
        let mut resp = (self.status, axum::Json(body)).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store, no-cache"),
        );
        if let Some(secs) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }

    // ---- the catalogue -------------------------------------------------------------------

    /// 50126: wrong password (or unknown user with hidden existence).
    pub fn invalid_credentials() -> Self {
        e(
            BAD,
            "invalid_grant",
            50126,
            "Error validating credentials due to invalid username or password.",
        )
    }
    /// 50076: MFA required (CA, security defaults, per-user MFA). The current service
    /// answers `invalid_grant` with `suberror: basic_action` on the token endpoint (older
    /// answers carried `interaction_required`); `policies` are the CA policies that asked.
    pub fn mfa_required(resource: &str, policies: &[Uuid]) -> Self {
        let mut err = e(BAD, "invalid_grant", 50076, format!(
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{resource}'."
        ))
        .with_suberror("basic_action");
        err.claims = capolids(policies);
        err
    }
    /// 50079: MFA registration required (same shape as 50076).
    pub fn mfa_registration_required(resource: &str, policies: &[Uuid]) -> Self {
        let mut err = e(BAD, "invalid_grant", 50079, format!(
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '{resource}'."
        ))
        .with_suberror("basic_action");
        err.claims = capolids(policies);
        err
    }
    /// 50053: locked by smart lockout.
    pub fn locked() -> Self {
        e(
            BAD,
            "invalid_grant",
            50053,
            "Your account is locked because you've tried to sign in too many times with an incorrect user ID or password.",
        )
    }
    /// 50055: password expired. Entra's body (quoted on Microsoft's HDInsight
    /// authentication troubleshooting page) carries `error: user_password_expired`, the same
    /// `suberror` and a `password_change_url`.
    pub fn password_expired() -> Self {
        let mut err = e(BAD, "user_password_expired", 50055, "Password is expired.")
            .with_suberror("user_password_expired");
        err.password_change = true;
        err
    }
    /// 50057: account disabled.
    pub fn disabled() -> Self {
        e(BAD, "invalid_grant", 50057, "The user account is disabled.")
    }
    /// 50034: unknown user.
    pub fn unknown_user(tenant_domain: &str) -> Self {
        e(
            BAD,
            "invalid_grant",
            50034,
            format!(
                "The user account {{EUII Hidden}} does not exist in the {tenant_domain} directory. To sign into this application, the account must be added to the directory."
            ),
        )
    }
    /// 50105: not assigned to the app.
    pub fn not_assigned(app_name: &str, client_id: &str) -> Self {
        e(
            BAD,
            "invalid_grant",
            50105,
            format!(
                "Your administrator has configured the application {app_name} ('{client_id}') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '{{EUII Hidden}}' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application."
            ),
        )
    }
    /// 700016: unknown app.
    pub fn unknown_app(client_id: &str, tenant: &str) -> Self {
        e(
            BAD,
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
        )
    }
    /// 90002: unknown tenant.
    pub fn unknown_tenant(tenant: &str) -> Self {
        e(
            BAD,
            "invalid_request",
            90002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        )
    }
    /// 7000218: public client flows off and no credential.
    pub fn client_credential_required() -> Self {
        e(
            UNAUTH,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
    }
    /// 700025: a public client sent a secret.
    pub fn public_client_with_secret() -> Self {
        e(
            UNAUTH,
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        )
    }
    /// 7000215: wrong secret.
    pub fn invalid_secret(client_id: &str) -> Self {
        e(
            UNAUTH,
            "invalid_client",
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
            ),
        )
    }
    /// 7000222: expired secret.
    pub fn expired_secret(client_id: &str) -> Self {
        e(
            UNAUTH,
            "invalid_client",
            7000222,
            format!(
                "The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app or consider using certificate credentials for added security."
            ),
        )
    }
    /// 900144: missing parameter.
    pub fn missing_parameter(name: &str) -> Self {
        e(
            BAD,
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    }
    /// 901002: `resource` sent to v2.
    pub fn resource_on_v2() -> Self {
        e(
            BAD,
            "invalid_request",
            901002,
            "The 'resource' request parameter is not supported.",
        )
    }
    /// 9001023: ROPG over /common or /consumers on v2.
    pub fn grant_not_on_common() -> Self {
        e(
            BAD,
            "invalid_request",
            9001023,
            "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
        )
    }
    /// 500113: the app has no reply address.
    pub fn no_reply_address() -> Self {
        e(
            BAD,
            "invalid_request",
            500113,
            "No reply address is registered for the application.",
        )
    }
    /// 50011: redirect URI mismatch.
    pub fn redirect_mismatch(uri: &str, client_id: &str) -> Self {
        e(
            BAD,
            "invalid_request",
            50011,
            format!(
                "The redirect URI '{uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal."
            ),
        )
    }
    /// 65001: consent required.
    pub fn consent_required(client_id: &str) -> Self {
        e(BAD, "invalid_grant", 65001, format!(
            "The user or administrator has not consented to use the application with ID '{client_id}'. Send an interactive authorization request for this user and resource."
        ))
        .with_suberror("consent_required")
    }
    /// 53003: blocked by Conditional Access: `interaction_required`, `suberror: message_only`
    /// (as real ROPG answers carry it) and a `claims` member naming the blocking policies.
    pub fn ca_blocked(policies: &[Uuid]) -> Self {
        let mut err = e(
            BAD,
            "interaction_required",
            53003,
            "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
        )
        .with_suberror("message_only");
        err.claims = capolids(policies);
        err
    }
    /// 53000: compliant device required.
    pub fn device_not_compliant() -> Self {
        e(
            BAD,
            "invalid_grant",
            53000,
            "Device is not in required device state: compliant. Conditional Access policy requires a compliant device, and the device is not compliant. The user must enroll their device with an approved MDM provider like Intune.",
        )
    }
    /// 50196: loop detected (user-facing throttling).
    pub fn loop_detected() -> Self {
        e(
            BAD,
            "invalid_grant",
            50196,
            "The server terminated an operation because it encountered a client request loop. Please contact your app vendor.",
        )
    }
    /// HTTP 429 with Retry-After (app throttling).
    pub fn throttled(retry_after: u64) -> Self {
        let mut err = e(
            StatusCode::TOO_MANY_REQUESTS,
            "temporarily_unavailable",
            50196,
            "The server terminated an operation because it encountered a client request loop. Please contact your app vendor.",
        );
        err.retry_after = Some(retry_after);
        err
    }
    /// 70011: invalid scope.
    pub fn invalid_scope(scope: &str) -> Self {
        e(
            BAD,
            "invalid_scope",
            70011,
            format!(
                "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
            ),
        )
    }
    /// 500011: unknown resource.
    pub fn unknown_resource(resource: &str, tenant: &str) -> Self {
        e(
            BAD,
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
            ),
        )
    }
    /// 70000 / 54005 / 70008 / 501481: bad authorization code.
    pub fn code_redeemed() -> Self {
        e(
            BAD,
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        )
    }
    /// 70008: expired code or refresh token.
    pub fn grant_expired() -> Self {
        e(
            BAD,
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
        )
    }
    /// 70000: the code or token is not valid (malformed, wrong client, unknown).
    pub fn grant_invalid() -> Self {
        e(
            BAD,
            "invalid_grant",
            70000,
            "The provided value for the 'code' parameter is not valid.",
        )
    }
    /// 501481: PKCE verifier mismatch.
    pub fn pkce_mismatch() -> Self {
        e(
            BAD,
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        )
    }
    /// 50173: grant revoked (password change, reset, revocation). The description ends with
    /// the grant's issue date and the user's TokensValidFrom date, as Entra's does.
    pub fn grant_revoked(issued: OffsetDateTime, valid_from: OffsetDateTime) -> Self {
        e(
            BAD,
            "invalid_grant",
            50173,
            format!(
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{}'.",
                entra_instant(issued),
                entra_instant(valid_from)
            ),
        )
    }
    /// 700082: refresh token unused for longer than its inactivity limit (90 days).
    pub fn refresh_inactive(issued: OffsetDateTime, inactive_days: i64) -> Self {
        e(
            BAD,
            "invalid_grant",
            700082,
            format!(
                "The refresh token has expired due to inactivity. The token was issued on {} and was inactive for {inactive_days}.00:00:00.",
                entra_instant(issued)
            ),
        )
        .with_suberror("bad_token")
    }
    /// 9002313: the refresh token is malformed (not a token this service could have issued).
    pub fn refresh_malformed() -> Self {
        e(
            BAD,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid.",
        )
    }
    /// 70000: a well-formed refresh token this tenant never issued.
    pub fn refresh_unknown() -> Self {
        e(
            BAD,
            "invalid_grant",
            70000,
            "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid.",
        )
    }
    /// `bad_verification_code`: the `device_code` sent to `/token` was not recognised.
    pub fn device_unknown() -> Self {
        e(
            BAD,
            "bad_verification_code",
            70000,
            "The provided value for the input parameter 'device_code' is not valid.",
        )
    }
    /// `authorization_declined`: the user declined the device-code sign-in.
    pub fn device_declined() -> Self {
        e(
            BAD,
            "authorization_declined",
            70000,
            "The end user denied the authorization request.",
        )
    }
    /// 70003 / unsupported grant type.
    pub fn unsupported_grant(grant: &str) -> Self {
        e(
            BAD,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant}'."),
        )
    }
    /// 50148: PKCE challenge missing on redemption where one was sent (generic invalid_request).
    pub fn invalid_request(code: u32, message: impl Into<String>) -> Self {
        e(BAD, "invalid_request", code, message)
    }
    /// 70016 / 70019 / 70020: device-code polling states.
    pub fn device_pending() -> Self {
        e(
            BAD,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )
    }
    /// 70020: device code expired (Entra's wording, as `az login --use-device-code` shows it).
    pub fn device_expired() -> Self {
        e(
            BAD,
            "expired_token",
            70020,
            "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
        )
    }
    /// 500121: MFA code wrong (interactive).
    pub fn mfa_failed() -> Self {
        e(
            BAD,
            "invalid_grant",
            500121,
            "Authentication failed during strong authentication request.",
        )
    }
}

/// One line per AADSTS code the sim sends, for the `/error?code=` page.
pub fn meaning(code: u32) -> &'static str {
    match code {
        50126 => "Invalid username or password.",
        50076 => {
            "Multifactor authentication is required (Conditional Access, security defaults or per-user MFA). The password was right."
        }
        50079 => "The user must register for multifactor authentication. The password was right.",
        50053 => {
            "The account is locked (smart lockout or an administrator), whatever the password."
        }
        50055 => "The password has expired and must be changed.",
        50057 => "The account is disabled.",
        50034 => "The user does not exist in this directory.",
        50105 => "The user is not assigned to the application.",
        700016 => "The application was not found in the directory.",
        90002 => "The tenant was not found.",
        7000218 => "The app needs a client secret: 'Allow public client flows' is off.",
        700025 => "A public client must not send a client secret.",
        7000215 => "Invalid client secret (the secret ID is not the secret value).",
        7000222 => "The client secret has expired.",
        900144 => "A required parameter is missing from the request body.",
        901002 => "The 'resource' parameter is not supported on the v2.0 endpoint; use 'scope'.",
        9001023 => "This grant type is not supported on /common or /consumers.",
        500113 => "No reply address is registered for the application.",
        50011 => "The redirect URI does not match one registered for the application.",
        65001 => "Consent has not been granted for the application.",
        53003 => "Blocked by Conditional Access.",
        53000 => "Conditional Access requires a compliant device.",
        50196 => "Too many identical requests: the client is in a loop or being throttled.",
        54005 => "The authorization code was already redeemed.",
        70008 => "The authorization code or refresh token has expired.",
        501481 => "The PKCE code_verifier does not match the code_challenge.",
        50173 => "The grant was revoked, for example by a password change.",
        700082 => "The refresh token expired after 90 days without use.",
        9002313 => "The request is malformed (for example a damaged refresh token).",
        70000 => "The grant (refresh token or device code) is not valid.",
        70020 => "The device code has expired.",
        _ => "See Microsoft's AADSTS error code reference.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_has_entra_shape() {
        let now = time::macros::datetime!(2026-01-09 02:02:12 UTC);
        let b = AadError::invalid_credentials().body("https://sim", now, "corr-1");
        assert!(b.error_description.starts_with("AADSTS50126: "));
        assert!(b.error_description.contains("\r\nTrace ID: "));
        assert!(
            b.error_description
                .ends_with("\r\nCorrelation ID: corr-1\r\nTimestamp: 2026-01-09 02:02:12Z")
        );
        assert_eq!(b.error_codes, vec![50126]);
        assert_eq!(b.error_uri, "https://sim/error?code=50126");
    }
}
