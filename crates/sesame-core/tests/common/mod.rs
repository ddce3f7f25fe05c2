//! Helpers shared by the settings tests.
#![allow(dead_code)]

use sesame_core::settings::{self, Finding, Report, Severity};
use std::path::PathBuf;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Read a file under the workspace root.
pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Read a test fixture.
pub fn fixture(name: &str) -> Vec<u8> {
    read(&format!("crates/sesame-core/tests/fixtures/{name}"))
}

/// A Sesame payload inside a .mobileconfig, with `body` as the payload's keys.
pub fn profile(body: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>PayloadContent</key><array><dict>
<key>PayloadType</key><string>io.sesame.agent</string>
<key>PayloadIdentifier</key><string>com.example.sesame</string>
<key>PayloadDisplayName</key><string>Test payload</string>
<key>PayloadUUID</key><string>11111111-2222-4333-8444-555555555555</string>
{body}
</dict></array>
<key>PayloadType</key><string>Configuration</string>
<key>PayloadIdentifier</key><string>com.example.profile</string>
<key>PayloadUUID</key><string>66666666-7777-4888-9999-aaaaaaaaaaaa</string>
</dict></plist>"#
    )
    .into_bytes()
}

/// The two required keys.
pub const BASE: &str = "<key>TenantID</key><string>5f7b2c1d-8e3a-4b6f-9c0d-1e2f3a4b5c6d</string>
<key>OIDCClientID</key><string>0d9f4b1c-7a2e-4c3b-9d8e-1f2a3b4c5d6e</string>";

/// Load one in-memory file named `test.mobileconfig`.
pub fn load_one(bytes: &[u8]) -> Report {
    settings::load(&[("test.mobileconfig", bytes)])
}

/// Findings at `severity` about `key`.
pub fn about<'a>(report: &'a Report, key: &str, severity: Severity) -> Vec<&'a Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.key.as_deref() == Some(key) && f.severity == severity)
        .collect()
}
