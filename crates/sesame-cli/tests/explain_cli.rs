//! `sesame explain` with Entra error bodies for every catalog code, and with
//! input that is not Entra's.
#![allow(clippy::unwrap_used)] // test helpers may panic

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use sesame_entra::Catalog;

const TRACE: &str = "0d5c8a2e-6f1b-4b5e-9c2a-6f0e1d2c3b4a";
const CORRELATION: &str = "7b7b3f3e-2c4d-4d7e-8b1a-2c3d4e5f6a7b";

fn explain(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sesame"))
        .arg("explain")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

/// An error body exactly as Entra's token endpoint sends it (shape recorded
/// from login.microsoftonline.com: CRLF lines in the description, a
/// timestamp with seconds and fraction, error_uri with the code).
fn entra_body(error: &str, code: u32) -> String {
    serde_json::json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: Something happened.\r\nTrace ID: {TRACE}\r\nCorrelation ID: {CORRELATION}\r\nTimestamp: 2026-11-22 09:30:00Z"
        ),
        "error_codes": [code],
        "timestamp": "2026-11-22 09:30:00Z",
        "trace_id": TRACE,
        "correlation_id": CORRELATION,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    })
    .to_string()
}

/// What each reference code proves about the password: the fixed table
/// shared with sesame-entra's catalog test (right | wrong | nothing | unknown).
const EXPECTED_PROOF: &str = include_str!("../../sesame-entra/tests/fixtures/reference-codes.tsv");

fn expected_proof(code: u32) -> Option<&'static str> {
    EXPECTED_PROOF
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let (codes, proof) = l.split_once('\t')?;
            codes
                .split('/')
                .any(|c| c.parse() == Ok(code))
                .then_some(proof.trim())
        })
}

#[test]
fn every_catalog_code_in_an_entra_body_is_explained() {
    let catalog = Catalog::builtin();
    assert!(catalog.len() >= 40, "catalog has {} codes", catalog.len());
    for entry in catalog.entries() {
        for error in &entry.errors {
            let out = explain(
                &["--response", "-", "--json"],
                entra_body(error, entry.code).as_bytes(),
            );
            assert!(
                out.status.success(),
                "{}: exit {:?}",
                entry.code,
                out.status
            );
            let v = json_of(&out);
            let ctx = format!("AADSTS{} with {error}", entry.code);
            assert_eq!(v["entra"], true, "{ctx}");
            assert_eq!(v["error"], error.as_str(), "{ctx}");
            assert_eq!(v["codes"], serde_json::json!([entry.code]), "{ctx}");
            let proof = v["password_verified"].as_str().unwrap();
            assert!(
                ["right", "wrong", "nothing", "unknown"].contains(&proof),
                "{ctx}: {proof}"
            );
            if let Some(expected) = expected_proof(entry.code) {
                assert_eq!(proof, expected, "{ctx}");
            }
            assert_eq!(v["lockout_risk"], entry.lockout.as_str(), "{ctx}");
            assert!(
                v["remediation"]
                    .as_str()
                    .unwrap()
                    .contains(entry.fix.as_str()),
                "{ctx}"
            );
            if let Some(portal) = &entry.portal {
                assert!(
                    v["remediation"].as_str().unwrap().contains(portal.as_str()),
                    "{ctx}"
                );
            }
            assert_eq!(v["trace_id"], TRACE, "{ctx}");
            assert_eq!(v["correlation_id"], CORRELATION, "{ctx}");
            assert_eq!(v["timestamp"], "2026-11-22 09:30:00Z", "{ctx}");
            assert_eq!(
                v["explanations"][0]["meaning"],
                entry.meaning.as_str(),
                "{ctx}"
            );
        }
    }
}

/// `sesame explain CODE`: fixed expected answers for what each code proves
/// about the password and what it means, in text and JSON.
#[test]
fn codes_explain_what_they_prove_about_the_password() {
    let table: [(u32, &str, &str, &str); 9] = [
        (
            50076,
            "right",
            "Entra accepted the password",
            "MFA was required",
        ),
        (
            50126,
            "wrong",
            "Entra rejected the password",
            "password is wrong",
        ),
        (50055, "right", "Entra accepted the password", "expired"),
        (50144, "right", "Entra accepted the password", "on-premises"),
        (50053, "unknown", "does not say whether", "locked"),
        (700082, "nothing", "not applicable", "refresh token"),
        (54005, "nothing", "not applicable", "already used"),
        (7000218, "nothing", "not applicable", "client secret"),
        (50034, "nothing", "not applicable", "does not exist"),
    ];
    for (code, proof, phrase, meaning) in table {
        let out = explain(&["--json", &code.to_string()], b"");
        assert!(out.status.success(), "{code}");
        let v = json_of(&out);
        assert_eq!(v["password_verified"], proof, "AADSTS{code}: {v}");
        assert_eq!(v["explanations"][0]["password_verified"], proof, "{code}");
        let text = String::from_utf8(explain(&[&format!("AADSTS{code}")], b"").stdout).unwrap();
        assert!(
            text.contains(&format!("Password:           {proof} (")),
            "AADSTS{code}: {text}"
        );
        assert!(text.contains(phrase), "AADSTS{code}: {text}");
        assert!(
            text.to_lowercase().contains(&meaning.to_lowercase()),
            "AADSTS{code} meaning: {text}"
        );
        assert!(!text.contains("Password verified: no"), "{text}");
    }
}

#[test]
fn a_real_wrong_password_body_reads_as_wrong_with_high_lockout_risk_and_support_ids() {
    let body = br#"{"error":"invalid_grant","error_description":"AADSTS50126: Error validating credentials due to invalid username or password. Trace ID: 0d5c8a2e-6f1b-4b5e-9c2a-6f0e1d2c3b4a Correlation ID: 7b7b3f3e-2c4d-4d7e-8b1a-2c3d4e5f6a7b Timestamp: 2026-11-22 09:30:00Z","error_codes":[50126],"timestamp":"2026-11-22 09:30:00Z","trace_id":"0d5c8a2e-6f1b-4b5e-9c2a-6f0e1d2c3b4a","correlation_id":"7b7b3f3e-2c4d-4d7e-8b1a-2c3d4e5f6a7b","error_uri":"https://login.microsoftonline.com/error?code=50126"}"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("body.json");
    std::fs::write(&file, body).unwrap();
    let out = explain(&["--response", file.to_str().unwrap()], b"");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Password: wrong (Entra rejected the password)"),
        "{text}"
    );
    assert!(text.contains("Lockout risk: high"), "{text}");
    assert!(
        text.contains("Trace ID:       0d5c8a2e-6f1b-4b5e-9c2a-6f0e1d2c3b4a"),
        "{text}"
    );
    assert!(
        text.contains("Correlation ID: 7b7b3f3e-2c4d-4d7e-8b1a-2c3d4e5f6a7b"),
        "{text}"
    );
    assert!(text.contains("wrong_password"), "{text}");
}

#[test]
fn a_code_entra_never_sends_with_that_error_is_not_trusted() {
    // 50126 belongs with invalid_grant; with server_error it proves nothing.
    let out = explain(
        &["--response", "-", "--json"],
        entra_body("server_error", 50126).as_bytes(),
    );
    let v = json_of(&out);
    assert_eq!(v["entra"], true);
    assert_eq!(v["password_verified"], "unknown");
    assert_ne!(v["verdict"], "wrong_password");
}

#[test]
fn an_unknown_code_in_an_entra_body_falls_back_to_the_oauth_error() {
    let out = explain(
        &["--response", "-", "--json"],
        entra_body("invalid_client", 9_999_999).as_bytes(),
    );
    assert!(out.status.success());
    let v = json_of(&out);
    assert_eq!(v["codes"], serde_json::json!([9_999_999]));
    assert_eq!(v["password_verified"], "unknown");
    assert_eq!(v["verdict"], "misconfigured");
}

#[test]
fn non_entra_input_is_recognised_and_never_guessed_at() {
    let cases: [(&str, &[u8], &str); 6] = [
        (
            "proxy HTML",
            b"<!DOCTYPE html><html><body><h1>Access denied by proxy AADSTS50126</h1></body></html>",
            "HTML",
        ),
        (
            "truncated JSON",
            br#"{"error":"invalid_grant","error_description":"AADSTS50126: Err"#,
            "not valid JSON",
        ),
        ("empty", b"", "empty"),
        ("only whitespace", b"  \n\t ", "empty"),
        (
            "JSON that is not an error",
            br#"{"token_type":"Bearer"}"#,
            "error",
        ),
        ("plain text", b"Service Unavailable", "not valid JSON"),
    ];
    for (what, input, says) in cases {
        let out = explain(&["--response", "-", "--json"], input);
        assert_eq!(out.status.code(), Some(1), "{what}");
        let v = json_of(&out);
        assert_eq!(v["entra"], false, "{what}");
        assert_eq!(
            v["codes"],
            serde_json::json!([]),
            "{what}: never guess a code from the text"
        );
        assert_eq!(v["password_verified"], "unknown", "{what}");
        assert!(
            v["not_entra_reason"].as_str().unwrap().contains(says),
            "{what}: {v}"
        );
        let text = explain(&["--response", "-"], input);
        assert_eq!(text.status.code(), Some(1));
        assert!(
            String::from_utf8(text.stdout)
                .unwrap()
                .starts_with("Not an Entra error"),
            "{what}"
        );
    }
}

#[test]
fn bad_arguments_say_what_to_do() {
    let out = explain(&["hello"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an AADSTS code"));
    let out = explain(&["1234567"], b"");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a code Sesame does not know is not explained"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("not in Sesame's catalog"));
    let out = explain(&["--response", "/nonexistent/body.json"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/body.json"));
}
