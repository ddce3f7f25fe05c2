//! Entra's error responses, parsed into types.
//!
//! Entra answers a failed token request with a JSON body (`error`,
//! `error_description`, `error_codes`, `timestamp`, `trace_id`,
//! `correlation_id`, `error_uri`). Anything else — a proxy's HTML page,
//! truncated JSON, an empty body — is an [`UnexpectedResponse`], never an
//! Entra verdict.

use std::time::{Duration, SystemTime};

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

/// Longest excerpt of an unexpected body kept for the log.
const SNIPPET_CHARS: usize = 200;

/// When Entra asked us to come back (`Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: <seconds>`.
    Seconds(u64),
    /// `Retry-After: <HTTP date>`.
    At(SystemTime),
}

impl RetryAfter {
    /// Parses a `Retry-After` header value (delay seconds or an HTTP date).
    pub fn parse(value: &str) -> Option<Self> {
        let v = value.trim();
        if let Ok(secs) = v.parse::<u64>() {
            return Some(Self::Seconds(secs));
        }
        httpdate::parse_http_date(v).ok().map(Self::At)
    }

    /// Seconds to wait counted from `now` (0 if the date is already past).
    pub fn secs_from(&self, now: SystemTime) -> u64 {
        match self {
            Self::Seconds(s) => *s,
            Self::At(t) => t.duration_since(now).unwrap_or(Duration::ZERO).as_secs(),
        }
    }
}

/// An error answer in Entra's JSON shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraError {
    /// HTTP status code of the answer.
    pub status: u16,
    /// The OAuth `error` (e.g. `invalid_grant`).
    pub error: String,
    /// The AADSTS codes (`error_codes`), primary first.
    pub error_codes: Vec<u32>,
    /// `error_description` as sent (shown to people; never decided on).
    pub description: String,
    /// `suberror` (e.g. `basic_action`), when sent.
    pub suberror: Option<String>,
    /// `trace_id`: Microsoft support asks for it.
    pub trace_id: Option<String>,
    /// `correlation_id`: Microsoft support asks for it.
    pub correlation_id: Option<String>,
    /// `timestamp` as sent by Entra.
    pub timestamp: Option<String>,
    /// `error_uri`, when sent.
    pub error_uri: Option<String>,
    /// `Retry-After`, when sent.
    pub retry_after: Option<RetryAfter>,
}

impl EntraError {
    /// The primary AADSTS code, if any.
    pub fn code(&self) -> Option<u32> {
        self.error_codes.first().copied()
    }

    /// `true` when one of the codes is in `codes`.
    pub fn has_any_code(&self, codes: &[u32]) -> bool {
        self.error_codes.iter().any(|c| codes.contains(c))
    }

    /// A one-line summary for logs and "raw error" fields.
    pub fn summary(&self) -> String {
        let codes: Vec<String> = self
            .error_codes
            .iter()
            .map(|c| format!("AADSTS{c}"))
            .collect();
        let first_line = self.description.lines().next().unwrap_or("");
        format!(
            "HTTP {} {} [{}] {}",
            self.status,
            self.error,
            codes.join(", "),
            first_line
        )
    }
}

impl std::fmt::Display for EntraError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.summary())?;
        if let Some(t) = &self.trace_id {
            write!(f, " (trace ID {t}")?;
            if let Some(c) = &self.correlation_id {
                write!(f, ", correlation ID {c}")?;
            }
            write!(f, ")")?;
        }
        Ok(())
    }
}

/// What was wrong with a body that is not Entra's error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyProblem {
    /// No body at all.
    Empty,
    /// An HTML page (a proxy, captive portal or load balancer answered).
    Html,
    /// Not JSON, or JSON cut short.
    NotJson,
    /// JSON, but without a string `error` field.
    NotEntraShape,
}

impl std::fmt::Display for BodyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Empty => "an empty body",
            Self::Html => "an HTML page (a proxy or captive portal answered, not Entra)",
            Self::NotJson => "a body that is not valid JSON (truncated or not Entra)",
            Self::NotEntraShape => "JSON without Entra's `error` field",
        })
    }
}

/// An answer that is not in Entra's error shape; never a password verdict.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("HTTP {status} with {problem}: {snippet:?}")]
pub struct UnexpectedResponse {
    /// HTTP status code.
    pub status: u16,
    /// `Content-Type`, when sent.
    pub content_type: Option<String>,
    /// What was wrong with the body.
    pub problem: BodyProblem,
    /// The first characters of the body (control characters removed).
    pub snippet: String,
    /// `Retry-After`, when sent.
    pub retry_after: Option<RetryAfter>,
}

/// Parses an error answer of the token endpoint (or any Entra endpoint).
pub fn parse_error_response(
    status: u16,
    content_type: Option<&str>,
    retry_after: Option<&str>,
    body: &[u8],
) -> Result<EntraError, UnexpectedResponse> {
    let retry_after = retry_after.and_then(RetryAfter::parse);
    let unexpected = |problem| UnexpectedResponse {
        status,
        content_type: content_type.map(str::to_owned),
        problem,
        snippet: snippet(body),
        retry_after,
    };
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(unexpected(BodyProblem::Empty));
    }
    let looks_html = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("html"))
        || trimmed.starts_with('<');
    let raw: RawError<'_> = match serde_json::from_str(trimmed) {
        Ok(v) => v,
        Err(_) if looks_html => return Err(unexpected(BodyProblem::Html)),
        Err(e) if e.is_data() => return Err(unexpected(BodyProblem::NotEntraShape)),
        Err(_) => return Err(unexpected(BodyProblem::NotJson)),
    };
    let Some(error) = raw.error.filter(|e| !e.is_empty()) else {
        return Err(unexpected(BodyProblem::NotEntraShape));
    };
    let owned = |s: Option<Cow<'_, str>>| s.map(Cow::into_owned);
    Ok(EntraError {
        status,
        error: error.into_owned(),
        error_codes: codes(&raw.error_codes),
        description: owned(raw.error_description).unwrap_or_default(),
        suberror: owned(raw.suberror),
        trace_id: owned(raw.trace_id),
        correlation_id: owned(raw.correlation_id),
        timestamp: owned(raw.timestamp),
        error_uri: owned(raw.error_uri),
        retry_after,
    })
}

/// Entra's error body, borrowed from the response where possible. Fields of
/// unexpected types make the whole body "not Entra's shape".
#[derive(Deserialize)]
struct RawError<'a> {
    #[serde(default, borrow)]
    error: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    error_description: Option<Cow<'a, str>>,
    #[serde(default)]
    error_codes: Vec<Value>,
    #[serde(default, borrow)]
    suberror: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    trace_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    correlation_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    error_uri: Option<Cow<'a, str>>,
}

/// `error_codes` as numbers; tolerates codes sent as strings.
fn codes(items: &[Value]) -> Vec<u32> {
    items
        .iter()
        .filter_map(|c| match c {
            Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .collect()
}

/// The first characters of a body, printable only.
pub(crate) fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(SNIPPET_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRONG_PASSWORD: &str = r#"{"error":"invalid_grant","error_description":"AADSTS50126: Error validating credentials due to invalid username or password. Trace ID: 0a1b2c3d-0000-4000-8000-000000000001 Correlation ID: 5e6f7a8b-0000-4000-8000-000000000002 Timestamp: 2026-11-22 04:00:00Z","error_codes":[50126],"timestamp":"2026-11-22 04:00:00Z","trace_id":"0a1b2c3d-0000-4000-8000-000000000001","correlation_id":"5e6f7a8b-0000-4000-8000-000000000002","error_uri":"https://login.microsoftonline.com/error?code=50126"}"#;

    #[test]
    fn entra_body_parses_with_every_field() {
        let e = parse_error_response(
            400,
            Some("application/json; charset=utf-8"),
            None,
            WRONG_PASSWORD.as_bytes(),
        )
        .unwrap();
        assert_eq!(e.status, 400);
        assert_eq!(e.error, "invalid_grant");
        assert_eq!(e.error_codes, vec![50126]);
        assert!(e.description.starts_with("AADSTS50126:"));
        assert_eq!(
            e.trace_id.as_deref(),
            Some("0a1b2c3d-0000-4000-8000-000000000001")
        );
        assert_eq!(
            e.correlation_id.as_deref(),
            Some("5e6f7a8b-0000-4000-8000-000000000002")
        );
        assert_eq!(e.timestamp.as_deref(), Some("2026-11-22 04:00:00Z"));
        assert_eq!(
            e.error_uri.as_deref(),
            Some("https://login.microsoftonline.com/error?code=50126")
        );
        assert_eq!(e.code(), Some(50126));
        let shown = e.to_string();
        assert!(shown.contains("AADSTS50126") && shown.contains("correlation ID 5e6f7a8b"));
    }

    #[test]
    fn non_entra_bodies_are_their_own_error() {
        let html = b"<html><head><title>502 Bad Gateway</title></head></html>";
        let e = parse_error_response(502, Some("text/html"), None, html).unwrap_err();
        assert_eq!(e.problem, BodyProblem::Html);
        assert!(e.snippet.contains("502 Bad Gateway"));

        let truncated = &WRONG_PASSWORD.as_bytes()[..80];
        let e = parse_error_response(400, Some("application/json"), None, truncated).unwrap_err();
        assert_eq!(e.problem, BodyProblem::NotJson);

        let e = parse_error_response(400, None, None, b"  ").unwrap_err();
        assert_eq!(e.problem, BodyProblem::Empty);

        let e = parse_error_response(400, None, None, br#"{"message":"nope"}"#).unwrap_err();
        assert_eq!(e.problem, BodyProblem::NotEntraShape);

        let e = parse_error_response(400, None, None, br#"{"error":42}"#).unwrap_err();
        assert_eq!(e.problem, BodyProblem::NotEntraShape);
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        assert_eq!(RetryAfter::parse(" 120 "), Some(RetryAfter::Seconds(120)));
        let now = httpdate::parse_http_date("Sun, 22 Nov 2026 04:00:00 GMT").unwrap();
        let later = RetryAfter::parse("Sun, 22 Nov 2026 04:01:30 GMT").unwrap();
        assert_eq!(later.secs_from(now), 90);
        let past = RetryAfter::parse("Sun, 22 Nov 2026 03:00:00 GMT").unwrap();
        assert_eq!(past.secs_from(now), 0);
        assert_eq!(RetryAfter::parse("soon"), None);
        let e = parse_error_response(429, None, Some("7"), WRONG_PASSWORD.as_bytes()).unwrap();
        assert_eq!(e.retry_after, Some(RetryAfter::Seconds(7)));
    }

    #[test]
    fn codes_sent_as_strings_or_junk_are_tolerated() {
        let body = br#"{"error":"invalid_grant","error_codes":["50053", 50126, -1, null]}"#;
        let e = parse_error_response(400, None, None, body).unwrap();
        assert_eq!(e.error_codes, vec![50053, 50126]);
        let e = parse_error_response(400, None, None, br#"{"error":"invalid_grant"}"#).unwrap();
        assert!(e.error_codes.is_empty() && e.description.is_empty());
    }
}
