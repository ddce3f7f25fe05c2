//! The OAuth 2.0 device authorization grant (RFC 8628) as Entra serves it:
//! how the native sign-in finishes MFA on another device.
//!
//! `POST {authority}/{tenant}/oauth2/v2.0/devicecode` gives a user code and
//! a page; the person opens the page elsewhere, enters the code and signs in
//! (MFA included) while Sesame polls the token endpoint with
//! `grant_type=urn:ietf:params:oauth:grant-type:device_code`. Entra answers
//! `authorization_pending` until then, `slow_down` when polled too fast (the
//! interval grows by 5 s, RFC 8628 §3.5), `authorization_declined`,
//! `expired_token` or `bad_verification_code` when it is over. When to poll
//! next is the pure [`next_poll`]; the clock and the sleeping are a
//! [`Waiter`], so the decisions are testable without waiting. The ID token is
//! validated like every other ([`EntraClient::validate_id_token_with`]).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use crate::client::EntraClient;
use crate::discovery::Version;
use crate::error::EntraError;
use crate::id_token::NonceRule;
use crate::token::{SignIn, TokenError, parse_token_response, scope_string};

/// RFC 8628 §3.5: a `slow_down` answer adds 5 seconds to the interval.
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// The grant type of the device-code token request.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A started device-code sign-in. The device code is a secret (it redeems
/// the tokens); the user code is shown to the person only.
pub struct DeviceCode {
    device_code: SecretString,
    user_code: SecretString,
    /// The page to open (`verification_uri`, v1 `verification_url`).
    pub verification_uri: String,
    /// How long the code is valid (`expires_in`).
    pub expires_in: Duration,
    /// How long to wait between polls (`interval`, 5 s when absent).
    pub interval: Duration,
}

impl DeviceCode {
    /// The code the person types on the page.
    pub fn user_code(&self) -> &SecretString {
        &self.user_code
    }
}

impl std::fmt::Debug for DeviceCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCode")
            .field("device_code", &"[redacted]")
            .field("user_code", &"[redacted]")
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish()
    }
}

/// What one poll of the token endpoint answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollAnswer {
    /// `authorization_pending`: the person has not finished yet.
    Pending,
    /// `slow_down`: polled too fast.
    SlowDown,
    /// `authorization_declined`.
    Declined,
    /// `expired_token` (or `code_expired`).
    Expired,
    /// `bad_verification_code`: Entra does not know the device code.
    BadCode,
}

impl PollAnswer {
    /// The polling answer an Entra error is, if it is one.
    pub fn from_error(e: &EntraError) -> Option<Self> {
        Some(match e.error.as_str() {
            "authorization_pending" => Self::Pending,
            "slow_down" => Self::SlowDown,
            "authorization_declined" => Self::Declined,
            "expired_token" | "code_expired" => Self::Expired,
            "bad_verification_code" => Self::BadCode,
            _ => return None,
        })
    }
}

/// How a device-code sign-in ended without tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceCodeEnd {
    /// The person declined.
    Declined,
    /// The code expired.
    Expired,
    /// Entra did not know the device code.
    BadCode,
    /// The caller's time limit came first.
    TimedOut,
}

/// What to do after a poll answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollDecision {
    /// Wait `wait`, then poll again, from now on every `interval`.
    PollAfter {
        /// How long to wait before the next poll.
        wait: Duration,
        /// The interval from now on.
        interval: Duration,
    },
    /// Stop.
    Stop(DeviceCodeEnd),
}

/// The pure polling rule: after `answer`, with the current `interval`, the
/// time already spent (`elapsed`) and the limit (`limit`: the caller's
/// timeout or the code's lifetime, whichever is shorter), poll again or stop.
/// A poll that could only happen at or after the limit is never made (it
/// would have no time left to be answered): the caller never blocks past its
/// timeout.
pub fn next_poll(
    answer: PollAnswer,
    interval: Duration,
    elapsed: Duration,
    limit: Duration,
) -> PollDecision {
    let interval = match answer {
        PollAnswer::Pending => interval,
        PollAnswer::SlowDown => interval + SLOW_DOWN_STEP,
        PollAnswer::Declined => return PollDecision::Stop(DeviceCodeEnd::Declined),
        PollAnswer::Expired => return PollDecision::Stop(DeviceCodeEnd::Expired),
        PollAnswer::BadCode => return PollDecision::Stop(DeviceCodeEnd::BadCode),
    };
    if elapsed.saturating_add(interval) >= limit {
        return PollDecision::Stop(DeviceCodeEnd::TimedOut);
    }
    PollDecision::PollAfter {
        wait: interval,
        interval,
    }
}

/// The clock and the sleeping of a poll loop (tests use a fake one).
pub trait Waiter {
    /// Time since the sign-in started.
    fn elapsed(&self) -> Duration;
    /// Sleeps `d`.
    fn wait(&mut self, d: Duration) -> impl std::future::Future<Output = ()> + Send;
}

/// The real clock and `tokio::time::sleep`.
#[derive(Debug, Clone, Copy)]
pub struct TokioWaiter {
    started: std::time::Instant,
}

impl TokioWaiter {
    /// Starts the clock now.
    pub fn start() -> Self {
        Self {
            started: std::time::Instant::now(),
        }
    }
}

impl Waiter for TokioWaiter {
    fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
    async fn wait(&mut self, d: Duration) {
        tokio::time::sleep(d).await;
    }
}

/// A device-code sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum DeviceCodeError {
    /// It ended without tokens (declined, expired, timed out).
    #[error("the device-code sign-in ended: {0:?}")]
    Ended(DeviceCodeEnd),
    /// A request failed, or Entra refused it, or the ID token was refused.
    #[error(transparent)]
    Token(#[from] TokenError),
}

#[derive(Deserialize)]
struct RawDeviceCode {
    device_code: String,
    user_code: String,
    #[serde(alias = "verification_url")]
    verification_uri: String,
    expires_in: Value,
    #[serde(default)]
    interval: Option<Value>,
}

fn seconds(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl EntraClient {
    /// Starts a device-code sign-in with the password-check (public) app
    /// and its scopes plus `openid profile`.
    pub async fn start_device_code(&self) -> Result<DeviceCode, TokenError> {
        let disco = self.discovery().await?;
        let url =
            disco.v2.token_endpoint.join("devicecode").map_err(|e| {
                TokenError::MalformedTokens(format!("no device-code endpoint: {e}"))
            })?;
        let cfg = self.config();
        let mut scopes = cfg.ropg_scopes.clone();
        scopes.push("profile".into());
        let scope = scope_string(&scopes);
        let form = [("client_id", cfg.ropg_client_id()), ("scope", &scope)];
        let resp = self.http().post_form(&url, &form).await?;
        if !resp.is_success() {
            return Err(parse_token_response(&resp)
                .err()
                .unwrap_or_else(|| TokenError::MalformedTokens("device code refused".into())));
        }
        let raw: RawDeviceCode = serde_json::from_slice(&resp.body).map_err(|e| {
            TokenError::MalformedTokens(format!("the device-code answer is not usable: {e}"))
        })?;
        let expires = seconds(Some(&raw.expires_in)).unwrap_or(900);
        let interval = seconds(raw.interval.as_ref()).unwrap_or(5).max(1);
        Ok(DeviceCode {
            device_code: SecretString::from(raw.device_code),
            user_code: SecretString::from(raw.user_code),
            verification_uri: raw.verification_uri,
            expires_in: Duration::from_secs(expires),
            interval: Duration::from_secs(interval),
        })
    }

    /// Polls until the person finishes on the page, declines, the code
    /// expires, or `timeout` (measured by `waiter`) would be passed. The ID
    /// token is validated (audience: the password-check app, no nonce).
    pub async fn poll_device_code<W: Waiter>(
        &self,
        code: &DeviceCode,
        timeout: Duration,
        waiter: &mut W,
    ) -> Result<SignIn, DeviceCodeError> {
        let limit = timeout.min(code.expires_in);
        let mut interval = code.interval;
        // The first poll also waits one interval (RFC 8628 §3.4).
        let mut answer = PollAnswer::Pending;
        loop {
            match next_poll(answer, interval, waiter.elapsed(), limit) {
                PollDecision::Stop(end) => return Err(DeviceCodeError::Ended(end)),
                PollDecision::PollAfter { wait, interval: i } => {
                    interval = i;
                    waiter.wait(wait).await;
                }
            }
            let left = limit.saturating_sub(waiter.elapsed());
            let Ok(polled) = tokio::time::timeout(left, self.poll_once(code)).await else {
                return Err(DeviceCodeError::Ended(DeviceCodeEnd::TimedOut));
            };
            match polled {
                Ok(signin) => return Ok(signin),
                Err(TokenError::Entra(e)) => match PollAnswer::from_error(&e) {
                    Some(a) => answer = a,
                    None => return Err(TokenError::Entra(e).into()),
                },
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn poll_once(&self, code: &DeviceCode) -> Result<SignIn, TokenError> {
        let disco = self.discovery().await?;
        let cfg = self.config();
        let form = [
            ("grant_type", DEVICE_CODE_GRANT),
            ("client_id", cfg.ropg_client_id()),
            ("device_code", code.device_code.expose_secret()),
        ];
        let resp = self
            .http()
            .post_form(&disco.v2.token_endpoint, &form)
            .await?;
        let tokens = parse_token_response(&resp)?;
        let id_token = tokens.id_token.as_ref().ok_or(TokenError::NoIdToken)?;
        let claims = self
            .validate_id_token_with(
                id_token,
                Version::V2,
                cfg.ropg_client_id(),
                NonceRule::Absent,
                None,
            )
            .await?;
        tracing::info!(oid = %claims.oid, tid = %claims.tid, "signed in with a device code");
        Ok(SignIn { tokens, claims })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    /// Each row: an answer at some moment, and what the poller must do next.
    #[test]
    fn device_poll_decisions_follow_rfc_8628_and_the_limit() {
        use DeviceCodeEnd as E;
        use PollAnswer as A;
        let poll = |w: u64, i: u64| PollDecision::PollAfter {
            wait: S(w),
            interval: S(i),
        };
        let rows = [
            // answer, interval, elapsed, limit -> decision
            (A::Pending, 5, 0, 60, poll(5, 5)),
            (A::Pending, 5, 50, 60, poll(5, 5)),
            (A::Pending, 5, 54, 60, poll(5, 5)),
            (A::Pending, 5, 55, 60, PollDecision::Stop(E::TimedOut)),
            (A::SlowDown, 5, 0, 60, poll(10, 10)),
            (A::SlowDown, 10, 20, 60, poll(15, 15)),
            (A::SlowDown, 5, 52, 60, PollDecision::Stop(E::TimedOut)),
            (A::Declined, 5, 0, 60, PollDecision::Stop(E::Declined)),
            (A::Expired, 5, 0, 60, PollDecision::Stop(E::Expired)),
            (A::BadCode, 5, 0, 60, PollDecision::Stop(E::BadCode)),
            (A::Pending, 5, 0, 4, PollDecision::Stop(E::TimedOut)),
        ];
        for (answer, interval, elapsed, limit, want) in rows {
            assert_eq!(
                next_poll(answer, S(interval), S(elapsed), S(limit)),
                want,
                "{answer:?} interval {interval}s at {elapsed}s of {limit}s"
            );
        }
    }

    #[test]
    fn device_poll_errors_are_read_by_their_oauth_name() {
        // Entra's own answer shape (error, error_codes, error_description ...).
        let e = |name: &str| {
            let body = format!(
                r#"{{"error":"{name}","error_description":"AADSTS70016: pending.","error_codes":[70016]}}"#
            );
            crate::error::parse_error_response(400, Some("application/json"), None, body.as_bytes())
                .expect("an Entra error")
        };
        for (name, want) in [
            ("authorization_pending", Some(PollAnswer::Pending)),
            ("slow_down", Some(PollAnswer::SlowDown)),
            ("authorization_declined", Some(PollAnswer::Declined)),
            ("expired_token", Some(PollAnswer::Expired)),
            ("code_expired", Some(PollAnswer::Expired)),
            ("bad_verification_code", Some(PollAnswer::BadCode)),
            ("invalid_grant", None),
        ] {
            assert_eq!(PollAnswer::from_error(&e(name)), want, "{name}");
        }
    }
}
