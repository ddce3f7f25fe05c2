//! Checks across keys, seen from the admin's side: each contradiction is
//! reported, and the near misses next to it are not (a `profile check` that
//! cries wolf gets ignored).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use common::*;
use sesame_core::settings::Severity;

/// Every finding `profile check` shows for a profile with `body`, as
/// "severity key" lines.
fn findings(body: &str) -> Vec<String> {
    let report = load_one(&profile(&format!("{BASE}{body}")));
    report
        .findings
        .iter()
        .map(|f| format!("{} {}", f.severity, f.key.as_deref().unwrap_or("-")))
        .collect()
}

#[test]
fn a_profile_with_only_the_required_keys_is_clean() {
    assert_eq!(findings(""), Vec::<String>::new());
}

/// Profiles one step away from a contradiction: nothing to report.
#[test]
fn near_misses_of_each_contradiction_are_not_reported() {
    for body in [
        // LocalFallback with DenyLocal on is what LocalFallback is for.
        "<key>DenyLocal</key><true/><key>LocalFallback</key><true/>",
        "<key>LocalFallback</key><false/>",
        "<key>DenyLocal</key><true/><key>DenyLocalExcluded</key><array><string>admin</string></array>",
        "<key>DenyLocalExcluded</key><array/>",
        "<key>QuietMode</key><true/><key>OIDCOfflineAccess</key><true/>",
        "<key>QuietMode</key><false/><key>OIDCOfflineAccess</key><false/>",
        // Scopes go with v2, the resource with v1; auto uses both.
        "<key>ROPGEndpoint</key><string>v2</string><key>ROPGScopes</key><array><string>openid</string></array>",
        "<key>ROPGEndpoint</key><string>v1</string><key>ROPGResource</key><string>https://graph.microsoft.com</string>",
        "<key>ROPGEndpoint</key><string>auto</string><key>ROPGScopes</key><array><string>openid</string></array><key>ROPGResource</key><string>https://graph.microsoft.com</string>",
        "<key>ROPGSuccessCodes</key><array><integer>50076</integer></array>",
        "<key>CreateAdminUser</key><true/>",
        "<key>CreateAdminUser</key><false/><key>AdminGroups</key><array><string>c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f</string></array><key>AdminRoles</key><array><string>Mac.Admin</string></array>",
        "<key>CreateAdminUser</key><false/><key>DemotionPolicy</key><string>always</string>",
        "<key>CreateAdminUser</key><true/><key>DemotionPolicy</key><string>never</string>",
        // Every Entra cloud, and a test tenant on this machine over https.
        "<key>AuthorityHost</key><string>https://login.microsoftonline.us</string>",
        "<key>AuthorityHost</key><string>https://login.chinacloudapi.cn</string>",
        "<key>AuthorityHost</key><string>https://login.partner.microsoftonline.cn</string>",
        "<key>AuthorityHost</key><string>https://localhost:8443</string>",
        "<key>AuthorityHost</key><string>https://127.0.0.1:8443</string>",
        "<key>AuthorityHost</key><string>https://[::1]:8443</string>",
    ] {
        assert_eq!(findings(body), Vec::<String>::new(), "{body}");
    }
}

/// The admin-role half of the CreateAdminUser contradiction, and the info
/// about a client secret in the profile.
#[test]
fn create_admin_user_with_admin_roles_and_a_client_secret_are_reported() {
    assert_eq!(
        findings(
            "<key>CreateAdminUser</key><true/><key>AdminRoles</key><array><string>Mac.Admin</string></array>"
        ),
        ["warning CreateAdminUser"]
    );
    assert_eq!(
        findings("<key>OIDCClientSecret</key><string>s3cret-value</string>"),
        ["info OIDCClientSecret"]
    );
}

/// A finding about a key no payload set belongs to every file and payload
/// that was read, so the admin knows where to add it.
#[test]
fn a_missing_required_key_is_reported_against_the_payload_read() {
    let report = load_one(&profile(
        "<key>TenantID</key><string>5f7b2c1d-8e3a-4b6f-9c0d-1e2f3a4b5c6d</string>",
    ));
    let missing = about(&report, "OIDCClientID", Severity::Error);
    assert_eq!(missing.len(), 1, "{:#?}", report.findings);
    assert_eq!(missing[0].file, "test.mobileconfig");
    assert!(
        missing[0]
            .payload
            .as_deref()
            .is_some_and(|p| p.contains("Test payload")),
        "{:?}",
        missing[0].payload
    );
}

/// A misspelt key is ignored with the key it resembles; only a key that
/// differs in case alone is blamed on case.
#[test]
fn a_misspelt_key_names_the_key_it_resembles_without_blaming_case() {
    let report = load_one(&profile(&format!(
        "{BASE}<key>PasswordCheckIntervall</key><integer>30</integer>"
    )));
    let w = about(&report, "PasswordCheckIntervall", Severity::Warning);
    assert_eq!(w.len(), 1, "{:#?}", report.findings);
    assert_eq!(
        w[0].message,
        "unknown key, ignored — did you mean PasswordCheckInterval?"
    );
}

/// A key like no other is ignored, and the warning says where the keys are
/// listed.
#[test]
fn an_unknown_key_points_to_the_list_of_keys() {
    let report = load_one(&profile(&format!(
        "{BASE}<key>Zebra</key><string>x</string>"
    )));
    let w = about(&report, "Zebra", Severity::Warning);
    assert_eq!(w.len(), 1, "{:#?}", report.findings);
    assert!(
        w[0].message
            .contains("sesame profile schema --format markdown"),
        "{}",
        w[0].message
    );
}
