//! The mapping of an Entra answer to a [`PasswordVerdict`].
//!
//! Pure functions: the answer, the profile's success codes, the catalog and
//! `now` go in; a verdict comes out. Decisions use the OAuth `error` and the
//! AADSTS `error_codes` together, never the description text; a code the
//! catalog does not know (or an unexpected error/code pairing) falls back to
//! the OAuth `error` alone. Only AADSTS50126 / 50064 with `invalid_grant`
//! ever become [`PasswordVerdict::WrongPassword`].

use std::time::SystemTime;

pub use sesame_core::verdict::{PasswordProof, PasswordVerdict, Verdict};

use crate::catalog::Catalog;
use crate::error::{BodyProblem, EntraError, UnexpectedResponse};

/// The profile's default success codes: answers Entra only gives after the
/// password was accepted (MFA and Conditional Access interruptions).
pub const DEFAULT_SUCCESS_CODES: [u32; 7] = [50076, 50079, 50074, 50158, 53003, 53000, 53001];

/// Codes that mean "v1/v2 protocol mix-up", never a password verdict.
pub const PROTOCOL_MISMATCH_CODES: [u32; 3] = [900144, 901002, 9001023];

/// OAuth errors an admin-added success code may arrive with.
const INTERRUPT_ERRORS: [&str; 3] = ["invalid_grant", "interaction_required", "access_denied"];

/// The verdict for an Entra error body.
pub fn verdict_for_error(
    err: &EntraError,
    success_codes: &[u32],
    catalog: &Catalog,
    now: SystemTime,
) -> PasswordVerdict {
    let retry_after_secs = err.retry_after.map(|r| r.secs_from(now));
    if err.status == 429 {
        return PasswordVerdict::Throttled {
            code: err.code(),
            retry_after_secs,
        };
    }
    if err.status >= 500 {
        return PasswordVerdict::Unreachable {
            reason: format!("Entra answered with a server error: {}", err.summary()),
        };
    }
    for &code in &err.error_codes {
        match catalog.get(code) {
            Some(entry) if entry.pairs_with(&err.error) => {
                return from_class(
                    entry.verdict,
                    code,
                    err,
                    success_codes,
                    catalog,
                    retry_after_secs,
                );
            }
            // A code the catalog does not know, which the admin listed as a
            // success code: trust the profile, if the error fits an interrupt.
            None if success_codes.contains(&code)
                && INTERRUPT_ERRORS.contains(&err.error.as_str()) =>
            {
                return PasswordVerdict::VerifiedInterrupted { code };
            }
            _ => {}
        }
    }
    fallback_on_error(err, retry_after_secs)
}

fn from_class(
    class: Verdict,
    code: u32,
    err: &EntraError,
    success_codes: &[u32],
    catalog: &Catalog,
    retry_after_secs: Option<u64>,
) -> PasswordVerdict {
    let fix = || {
        catalog
            .get(code)
            .map(|e| e.fix_with_portal())
            .unwrap_or_default()
    };
    let unknown = || PasswordVerdict::Unknown {
        code: Some(code),
        raw: err.summary(),
    };
    match class {
        Verdict::VerifiedInterrupted if success_codes.contains(&code) => {
            PasswordVerdict::VerifiedInterrupted { code }
        }
        Verdict::VerifiedInterrupted | Verdict::Unknown => unknown(),
        Verdict::WrongPassword => PasswordVerdict::WrongPassword { code },
        Verdict::Locked => PasswordVerdict::Locked { code },
        Verdict::PasswordExpired => PasswordVerdict::PasswordExpired { code },
        Verdict::Disabled => PasswordVerdict::Disabled { code },
        Verdict::UnknownUser => PasswordVerdict::UnknownUser { code },
        Verdict::NotAssigned => PasswordVerdict::NotAssigned { code },
        Verdict::NotAPasswordAnswer => PasswordVerdict::NotAPasswordAnswer { code },
        Verdict::Misconfigured => PasswordVerdict::Misconfigured {
            code: Some(code),
            fix: fix(),
        },
        Verdict::Throttled => PasswordVerdict::Throttled {
            code: Some(code),
            retry_after_secs,
        },
        Verdict::Unreachable => PasswordVerdict::Unreachable {
            reason: format!("AADSTS{code}: {}", fix()),
        },
        // The catalog refuses these for an error code (Catalog::parse).
        Verdict::Verified | Verdict::Pass | Verdict::Warn | Verdict::Fail => unknown(),
    }
}

/// No usable code: decide on the OAuth `error` alone. Never a wrong password.
fn fallback_on_error(err: &EntraError, retry_after_secs: Option<u64>) -> PasswordVerdict {
    let code = err.code();
    let misconfigured = |fix: &str| PasswordVerdict::Misconfigured {
        code,
        fix: format!("{fix} (Entra said: {})", err.summary()),
    };
    match err.error.as_str() {
        "invalid_client" | "unauthorized_client" => misconfigured(
            "Entra rejected the app: check the profile's client IDs and secret, and Allow public client flows on the app registration",
        ),
        "invalid_scope" => misconfigured("Entra rejected the scopes: fix the profile's scopes"),
        "unsupported_grant_type" => misconfigured(
            "Entra does not allow this grant for the app: check the ROPG endpoint and authority",
        ),
        "consent_required" => {
            misconfigured("Grant admin consent for the app (App registrations > API permissions)")
        }
        "invalid_request" => misconfigured(
            "Entra rejected the request as malformed: check the profile's tenant, client IDs and scopes",
        ),
        "temporarily_unavailable" | "server_error" => PasswordVerdict::Unreachable {
            reason: format!("Entra is temporarily unavailable: {}", err.summary()),
        },
        "slow_down" => PasswordVerdict::Throttled {
            code,
            retry_after_secs,
        },
        _ => PasswordVerdict::Unknown {
            code,
            raw: err.summary(),
        },
    }
}

/// The verdict for an answer that is not in Entra's shape (proxy page,
/// truncated JSON, empty body). Never a statement about the password.
pub fn verdict_for_unexpected(resp: &UnexpectedResponse, now: SystemTime) -> PasswordVerdict {
    if resp.status == 429 {
        return PasswordVerdict::Throttled {
            code: None,
            retry_after_secs: resp.retry_after.map(|r| r.secs_from(now)),
        };
    }
    if resp.status >= 500 || resp.problem == BodyProblem::Html || (300..400).contains(&resp.status)
    {
        return PasswordVerdict::Unreachable {
            reason: format!("not an Entra answer: {resp}"),
        };
    }
    PasswordVerdict::Unknown {
        code: None,
        raw: resp.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::parse_error_response;

    /// A recorded-shape Entra error body for `code` with OAuth `error`.
    fn body(error: &str, code: u32) -> String {
        format!(
            r#"{{"error":"{error}","error_description":"AADSTS{code}: recorded description. Trace ID: 11111111-2222-4333-8444-555555555555 Correlation ID: 66666666-7777-4888-8999-000000000000 Timestamp: 2026-11-22 04:00:00Z","error_codes":[{code}],"timestamp":"2026-11-22 04:00:00Z","trace_id":"11111111-2222-4333-8444-555555555555","correlation_id":"66666666-7777-4888-8999-000000000000","error_uri":"https://login.microsoftonline.com/error?code={code}"}}"#
        )
    }

    fn verdict(status: u16, error: &str, code: u32) -> PasswordVerdict {
        let e = parse_error_response(
            status,
            Some("application/json"),
            None,
            body(error, code).as_bytes(),
        )
        .unwrap();
        verdict_for_error(
            &e,
            &DEFAULT_SUCCESS_CODES,
            Catalog::builtin(),
            SystemTime::UNIX_EPOCH,
        )
    }

    /// Fixed expected answers: code, OAuth error, the verdict a password
    /// check reaches and what it proves (written out, not computed).
    const EXPECTED: [(u32, &str, &str, PasswordProof); 24] = [
        (
            50076,
            "interaction_required",
            "verified_interrupted",
            PasswordProof::Right,
        ),
        (
            50079,
            "invalid_grant",
            "verified_interrupted",
            PasswordProof::Right,
        ),
        (
            53003,
            "access_denied",
            "verified_interrupted",
            PasswordProof::Right,
        ),
        (500121, "invalid_grant", "unknown", PasswordProof::Unknown), // not a default success code
        (
            50126,
            "invalid_grant",
            "wrong_password",
            PasswordProof::Wrong,
        ),
        (
            50064,
            "invalid_grant",
            "wrong_password",
            PasswordProof::Wrong,
        ),
        (50053, "invalid_grant", "locked", PasswordProof::Unknown),
        (
            50055,
            "user_password_expired",
            "password_expired",
            PasswordProof::Right,
        ),
        (
            50144,
            "invalid_grant",
            "password_expired",
            PasswordProof::Right,
        ),
        (50057, "invalid_grant", "disabled", PasswordProof::Unknown),
        (
            50034,
            "invalid_grant",
            "unknown_user",
            PasswordProof::Nothing,
        ),
        (
            50105,
            "invalid_grant",
            "not_assigned",
            PasswordProof::Unknown,
        ),
        (
            7000218,
            "invalid_client",
            "misconfigured",
            PasswordProof::Nothing,
        ),
        (
            700016,
            "unauthorized_client",
            "misconfigured",
            PasswordProof::Nothing,
        ),
        (
            65001,
            "consent_required",
            "misconfigured",
            PasswordProof::Nothing,
        ),
        (
            900144,
            "invalid_request",
            "misconfigured",
            PasswordProof::Nothing,
        ),
        (
            54005,
            "invalid_grant",
            "not_a_password_answer",
            PasswordProof::Nothing,
        ),
        (
            70008,
            "invalid_grant",
            "not_a_password_answer",
            PasswordProof::Nothing,
        ),
        (
            700082,
            "invalid_grant",
            "not_a_password_answer",
            PasswordProof::Nothing,
        ),
        (50196, "invalid_grant", "throttled", PasswordProof::Nothing),
        (
            80014,
            "temporarily_unavailable",
            "unreachable",
            PasswordProof::Unknown,
        ),
        (
            50072,
            "interaction_required",
            "unknown",
            PasswordProof::Unknown,
        ),
        (
            50126,
            "invalid_request",
            "misconfigured",
            PasswordProof::Nothing,
        ), // pairing not trusted
        (99999, "invalid_grant", "unknown", PasswordProof::Unknown), // not in the catalog
    ];

    #[test]
    fn each_answer_gets_its_fixed_verdict_and_proof() {
        for (code, error, name, proof) in EXPECTED {
            let v = verdict(400, error, code);
            assert_eq!(v.name(), name, "AADSTS{code} with {error}: {v:?}");
            assert_eq!(v.proof(), proof, "AADSTS{code} with {error}: {v:?}");
        }
    }

    /// The catalog's `password_verified` and the verdict a password check
    /// reaches agree for every code and every error it pairs with (with the
    /// interrupt codes trusted as success codes).
    #[test]
    fn the_catalog_and_the_verdicts_never_disagree_on_the_password() {
        let cat = Catalog::builtin();
        let all_codes: Vec<u32> = cat.entries().map(|e| e.code).collect();
        let mut n = 0;
        for entry in cat.entries() {
            for error in &entry.errors {
                let e = parse_error_response(
                    400,
                    Some("application/json"),
                    None,
                    body(error, entry.code).as_bytes(),
                )
                .unwrap();
                let v = verdict_for_error(&e, &all_codes, cat, SystemTime::UNIX_EPOCH);
                assert_eq!(
                    v.proof(),
                    entry.password_verified(),
                    "AADSTS{} with {error}: {v:?}",
                    entry.code
                );
                n += 1;
            }
        }
        assert!(n > 100, "{n} pairs");
    }

    #[test]
    fn the_issue_examples() {
        use PasswordVerdict::*;
        assert_eq!(
            verdict(400, "invalid_grant", 50126),
            WrongPassword { code: 50126 }
        );
        assert_eq!(verdict(400, "invalid_grant", 50053), Locked { code: 50053 });
        assert_eq!(
            verdict(400, "invalid_grant", 50055),
            PasswordExpired { code: 50055 }
        );
        assert_eq!(
            verdict(400, "invalid_grant", 50057),
            Disabled { code: 50057 }
        );
        assert_eq!(
            verdict(400, "invalid_grant", 50034),
            UnknownUser { code: 50034 }
        );
        assert_eq!(
            verdict(400, "invalid_grant", 50105),
            NotAssigned { code: 50105 }
        );
        for code in DEFAULT_SUCCESS_CODES {
            assert_eq!(
                verdict(400, "invalid_grant", code),
                VerifiedInterrupted { code }
            );
            assert_eq!(
                verdict(400, "interaction_required", code),
                VerifiedInterrupted { code }
            );
        }
        for code in [
            7000218, 700016, 90002, 700025, 7000215, 7000222, 500113, 65001,
        ] {
            let v = verdict(
                400,
                Catalog::builtin().get(code).unwrap().errors[0].as_str(),
                code,
            );
            assert!(
                matches!(v, Misconfigured { code: Some(c), .. } if c == code),
                "{v:?}"
            );
        }
    }

    #[test]
    fn only_wrong_password_codes_with_invalid_grant_count_as_wrong() {
        // The right code with the wrong OAuth error is not a wrong password.
        for error in [
            "invalid_request",
            "interaction_required",
            "invalid_client",
            "weird",
        ] {
            assert!(!verdict(400, error, 50126).is_wrong_password(), "{error}");
        }
        // An unknown code with invalid_grant is unknown, not wrong.
        let v = verdict(400, "invalid_grant", 99999);
        assert_eq!(
            v,
            PasswordVerdict::Unknown {
                code: Some(99999),
                raw: v_raw(&v)
            }
        );
        // Across the whole catalog, only the wrong-password codes are wrong.
        for entry in Catalog::builtin().entries() {
            for error in ["invalid_grant", "invalid_request", "interaction_required"] {
                let v = verdict(400, error, entry.code);
                if v.is_wrong_password() {
                    assert!([50126, 50064].contains(&entry.code), "{}", entry.code);
                }
            }
        }
    }

    fn v_raw(v: &PasswordVerdict) -> String {
        match v {
            PasswordVerdict::Unknown { raw, .. } => raw.clone(),
            _ => String::new(),
        }
    }

    #[test]
    fn description_text_is_never_decided_on() {
        let body = r#"{"error":"invalid_grant","error_description":"AADSTS50126: Error validating credentials due to invalid username or password.","error_codes":[]}"#;
        let e = parse_error_response(400, None, None, body.as_bytes()).unwrap();
        let v = verdict_for_error(
            &e,
            &DEFAULT_SUCCESS_CODES,
            Catalog::builtin(),
            SystemTime::UNIX_EPOCH,
        );
        assert!(
            matches!(v, PasswordVerdict::Unknown { code: None, .. }),
            "{v:?}"
        );
    }

    #[test]
    fn success_codes_follow_the_profile() {
        let e =
            parse_error_response(400, None, None, body("invalid_grant", 53003).as_bytes()).unwrap();
        let cat = Catalog::builtin();
        let now = SystemTime::UNIX_EPOCH;
        // Removed from the profile: no longer proves the password.
        let v = verdict_for_error(&e, &[50076], cat, now);
        assert!(matches!(
            v,
            PasswordVerdict::Unknown {
                code: Some(53003),
                ..
            }
        ));
        // An interrupt code not in the defaults, added by the admin.
        let e = parse_error_response(400, None, None, body("invalid_grant", 530003).as_bytes())
            .unwrap();
        assert_eq!(
            verdict_for_error(&e, &[530003], cat, now),
            PasswordVerdict::VerifiedInterrupted { code: 530003 }
        );
        // A code the catalog does not know, added by the admin.
        let e = parse_error_response(
            400,
            None,
            None,
            body("interaction_required", 50999).as_bytes(),
        )
        .unwrap();
        assert_eq!(
            verdict_for_error(&e, &[50999], cat, now),
            PasswordVerdict::VerifiedInterrupted { code: 50999 }
        );
        // A wrong-password code can never be made a success code.
        let e =
            parse_error_response(400, None, None, body("invalid_grant", 50126).as_bytes()).unwrap();
        assert_eq!(
            verdict_for_error(&e, &[50126], cat, now),
            PasswordVerdict::WrongPassword { code: 50126 }
        );
    }

    #[test]
    fn throttling_and_server_errors_are_never_about_the_password() {
        let e = parse_error_response(
            429,
            None,
            Some("30"),
            body("invalid_grant", 50126).as_bytes(),
        )
        .unwrap();
        let v = verdict_for_error(
            &e,
            &DEFAULT_SUCCESS_CODES,
            Catalog::builtin(),
            SystemTime::UNIX_EPOCH,
        );
        assert_eq!(
            v,
            PasswordVerdict::Throttled {
                code: Some(50126),
                retry_after_secs: Some(30)
            }
        );
        let v = verdict(503, "temporarily_unavailable", 50126);
        assert!(matches!(v, PasswordVerdict::Unreachable { .. }));
        let v = verdict(400, "invalid_grant", 50196);
        assert!(matches!(
            v,
            PasswordVerdict::Throttled {
                code: Some(50196),
                ..
            }
        ));
    }

    #[test]
    fn fallback_on_the_oauth_error() {
        use PasswordVerdict::*;
        assert!(matches!(
            verdict(400, "invalid_client", 12345),
            Misconfigured {
                code: Some(12345),
                ..
            }
        ));
        assert!(matches!(
            verdict(400, "unauthorized_client", 12345),
            Misconfigured { .. }
        ));
        assert!(matches!(
            verdict(400, "invalid_scope", 12345),
            Misconfigured { .. }
        ));
        assert!(matches!(
            verdict(400, "temporarily_unavailable", 12345),
            Unreachable { .. }
        ));
        assert!(matches!(verdict(400, "slow_down", 12345), Throttled { .. }));
        assert!(matches!(
            verdict(400, "interaction_required", 12345),
            Unknown { .. }
        ));
        // Code known, error not paired with it: falls back to the error.
        assert!(matches!(
            verdict(400, "invalid_client", 50126),
            Misconfigured {
                code: Some(50126),
                ..
            }
        ));
    }

    #[test]
    fn unexpected_bodies_are_never_password_verdicts() {
        let now = SystemTime::UNIX_EPOCH;
        let cases: [(u16, &[u8], Option<&str>); 5] = [
            (502, b"<html>Bad Gateway</html>", Some("text/html")),
            (200, b"<html>captive portal</html>", Some("text/html")),
            (400, b"{\"error\":\"invalid_gr", Some("application/json")),
            (400, b"", None),
            (429, b"slow down", Some("text/plain")),
        ];
        for (status, b, ct) in cases {
            let resp = parse_error_response(status, ct, Some("5"), b).unwrap_err();
            let v = verdict_for_unexpected(&resp, now);
            assert!(
                matches!(v.proof(), PasswordProof::Unknown | PasswordProof::Nothing),
                "{status}: {v:?}"
            );
            assert!(!v.is_wrong_password() && !v.is_password_verified());
        }
        let resp = parse_error_response(429, None, Some("5"), b"").unwrap_err();
        assert_eq!(
            verdict_for_unexpected(&resp, now),
            PasswordVerdict::Throttled {
                code: None,
                retry_after_secs: Some(5)
            }
        );
    }
}
