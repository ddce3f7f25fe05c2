//! Every key's validation, contradictions, unknown keys, and secrets.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use common::*;
use sesame_core::settings::keys::KEYS;
use sesame_core::settings::{Severity, Typed};

const CERT: &str = include_str!("fixtures/test-root.pem");

/// (key, a valid value, an invalid value, words the error must contain).
fn cases() -> Vec<(&'static str, String, &'static str, &'static str)> {
    let s = |v: &str| format!("<string>{v}</string>");
    vec![
        (
            "TenantID",
            s("contoso.onmicrosoft.com"),
            "<string>organizations</string>",
            "multi-tenant",
        ),
        (
            "AuthorityHost",
            s("https://login.microsoftonline.us"),
            "<string>http://login.microsoftonline.com</string>",
            "https",
        ),
        (
            "OIDCDiscoveryURL",
            s("https://idp.example/realms/staff/.well-known/openid-configuration"),
            "<string>http://idp.example/.well-known/openid-configuration</string>",
            "https",
        ),
        (
            "OIDCClientID",
            s("0d9f4b1c-7a2e-4c3b-9d8e-1f2a3b4c5d6e"),
            "<string>Sesame Login</string>",
            "GUID",
        ),
        (
            "OIDCRedirectURI",
            s("io.sesame.login://auth"),
            "<string>javascript:alert(1)</string>",
            "scheme",
        ),
        (
            "OIDCScopes",
            "<array><string>api://x/y</string></array>".into(),
            "<array><string>openid profile</string></array>",
            "one scope",
        ),
        (
            "OIDCOfflineAccess",
            "<false/>".into(),
            "<string>false</string>",
            "<false/>",
        ),
        (
            "AllowInsecureSimulatedTenant",
            "<false/>".into(),
            "<string>yes</string>",
            "expected boolean",
        ),
        (
            "OIDCClientSecret",
            s("abc~123"),
            "<string>  </string>",
            "empty",
        ),
        (
            "TrustedRootCertificates",
            format!("<array><string>{CERT}</string></array>"),
            "<array><string>not a cert</string></array>",
            "BEGIN CERTIFICATE",
        ),
        (
            "ROPGClientID",
            s("3c8e5a7b-1d2f-4e6a-8b9c-7d6e5f4a3b2c"),
            "<string>3c8e5a7b</string>",
            "GUID",
        ),
        (
            "ROPGEndpoint",
            s("v1"),
            "<string>V2</string>",
            "did you mean \"v2\"",
        ),
        (
            "ROPGScopes",
            "<array><string>openid</string></array>".into(),
            "<string>openid</string>",
            "<array>",
        ),
        (
            "ROPGResource",
            s("https://graph.microsoft.com"),
            "<integer>3</integer>",
            "expected string",
        ),
        (
            "ROPGSuccessCodes",
            "<array><integer>50076</integer><string>AADSTS53003</string></array>".into(),
            "<array><integer>50126</integer></array>",
            "password is wrong",
        ),
        (
            "AdminGroups",
            "<array><string>C3D4E5F6-A7B8-4C9D-8E1F-2A3B4C5D6E7F</string></array>".into(),
            "<array><string>Mac Admins</string></array>",
            "not a display name",
        ),
        (
            "AdminRoles",
            "<array><string>Mac.Admin</string></array>".into(),
            "<array><integer>1</integer></array>",
            "expected a string",
        ),
        (
            "DemotionPolicy",
            s("always"),
            "<string>sometimes</string>",
            "never, sesame-promoted, always",
        ),
        (
            "AllowedGroups",
            "<array><string>a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d</string></array>".into(),
            "<array><string>00000000-0000-0000-0000-000000000000</string></array>",
            "all-zero",
        ),
        (
            "ShortNameClaim",
            s("upn"),
            "<string>given name</string>",
            "claim name",
        ),
        (
            "CreateAdminUser",
            "<true/>".into(),
            "<integer>1</integer>",
            "expected boolean",
        ),
        (
            "Migrate",
            "<true/>".into(),
            "<string>yes</string>",
            "<true/>",
        ),
        (
            "DenyLocal",
            "<true/>".into(),
            "<array/>",
            "expected boolean",
        ),
        (
            "DenyLocalExcluded",
            "<array><string>itadmin</string></array>".into(),
            "<array><string></string></array>",
            "non-empty",
        ),
        (
            "LocalFallback",
            "<false/>".into(),
            "<real>1.0</real>",
            "expected boolean",
        ),
        (
            "LoginMode",
            s("native"),
            "<string>console</string>",
            "one of web, native",
        ),
        (
            "NativeMFA",
            s("device_code"),
            "<string>devicecode</string>",
            "one of deny, device_code",
        ),
        (
            "WrongPasswordLimit",
            "<integer>9</integer>".into(),
            "<integer>10</integer>",
            "1–9 wrong passwords, found 10",
        ),
        (
            "PasswordlessLocalPassword",
            "<true/>".into(),
            "<string>yes</string>",
            "expected boolean",
        ),
        (
            "KeychainReset",
            "<false/>".into(),
            "<integer>1</integer>",
            "expected boolean",
        ),
        (
            "PasswordCheckInterval",
            "<integer>1440</integer>".into(),
            "<integer>4</integer>",
            "5–1440 minutes, found 4",
        ),
        (
            "PasswordExpiryWarningDays",
            "<integer>30</integer>".into(),
            "<integer>91</integer>",
            "0–90 days, found 91",
        ),
        (
            "CheckOnNetworkChange",
            "<false/>".into(),
            "<string>true</string>",
            "<true/>",
        ),
        (
            "QuietMode",
            "<false/>".into(),
            "<dict/>",
            "expected boolean",
        ),
        (
            "ChangePasswordURL",
            s("https://contoso.com/pw"),
            "<string>ftp://contoso.com/pw</string>",
            "https",
        ),
        (
            "ResetPasswordURL",
            s("http://127.0.0.1:8080/reset"),
            "<string>http://reset.contoso.com</string>",
            "loopback",
        ),
        (
            "HelpURL",
            s("https://help.contoso.com"),
            "<string>help desk</string>",
            "https URL",
        ),
        (
            "LogLevel",
            s("debug"),
            "<string>verbose</string>",
            "one of error, warn, info, debug, trace",
        ),
        (
            "LogPath",
            s("/var/log/sesame.log"),
            "<string>logs/sesame.log</string>",
            "absolute path",
        ),
    ]
}

#[test]
fn every_key_has_a_validation_case() {
    let covered: Vec<&str> = cases().iter().map(|c| c.0).collect();
    for spec in KEYS {
        assert!(
            covered.contains(&spec.name),
            "no validation test for {}",
            spec.name
        );
    }
}

#[test]
fn each_key_accepts_a_good_value_and_rejects_a_bad_one_naming_file_payload_key() {
    for (key, good, bad, words) in cases() {
        let body = if key == "TenantID" || key == "OIDCClientID" {
            BASE.replace(&format!("<key>{key}</key>"), "<key>Unused</key>")
        } else {
            BASE.to_owned()
        };
        let report = load_one(&profile(&format!("{body}<key>{key}</key>{good}")));
        let errors: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{key} good value rejected: {errors:#?}");
        assert!(report.effective.is_set(key), "{key} good value not applied");

        let report = load_one(&profile(&format!("{body}<key>{key}</key>{bad}")));
        let errs = about(&report, key, Severity::Error);
        let hit = errs
            .iter()
            .find(|f| f.message.contains(words) && !f.message.contains("required key"));
        let f = hit.unwrap_or_else(|| {
            panic!(
                "{key}: no error containing {words:?}: {:#?}",
                report.findings
            )
        });
        assert_eq!(f.file, "test.mobileconfig");
        assert_eq!(
            f.payload.as_deref(),
            Some("Test payload (com.example.sesame)")
        );
        assert!(
            report.settings.is_none(),
            "{key}: settings must be refused when a value is invalid"
        );
    }
}

#[test]
fn guids_are_normalised_to_lowercase() {
    let report = load_one(&profile(&format!(
        "{BASE}<key>AdminGroups</key><array><string>{{C3D4E5F6-A7B8-4C9D-8E1F-2A3B4C5D6E7F}}</string></array>"
    )));
    let s = report.settings.expect("settings");
    assert_eq!(
        s.admin_groups[0].as_str(),
        "c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f"
    );
}

#[test]
fn missing_required_keys_are_errors_that_say_what_to_set() {
    let report = load_one(&profile(""));
    for key in ["TenantID", "OIDCClientID"] {
        let e = about(&report, key, Severity::Error);
        assert!(
            e.iter()
                .any(|f| f.message.contains("required key is missing")),
            "{key}"
        );
    }
}

#[test]
fn unknown_key_is_a_warning_with_the_nearest_key() {
    let report = load_one(&profile(&format!(
        "{BASE}<key>PasswordCheckIntervall</key><integer>60</integer><key>tenantid</key><string>x</string><key>Zebra</key><true/>"
    )));
    assert!(!report.has_errors(), "{:#?}", report.findings);
    let w = about(&report, "PasswordCheckIntervall", Severity::Warning);
    assert!(
        w[0].message.contains("did you mean PasswordCheckInterval"),
        "{}",
        w[0].message
    );
    let w = about(&report, "tenantid", Severity::Warning);
    assert!(w[0].message.contains("case-sensitive") && w[0].message.contains("TenantID"));
    let w = about(&report, "Zebra", Severity::Warning);
    assert!(!w[0].message.contains("did you mean"));
}

#[test]
fn contradictions_are_reported() {
    let cases: &[(&str, &str, Severity)] = &[
        (
            "<key>LocalFallback</key><true/>",
            "LocalFallback",
            Severity::Warning,
        ),
        (
            "<key>DenyLocalExcluded</key><array><string>admin</string></array>",
            "DenyLocalExcluded",
            Severity::Warning,
        ),
        (
            "<key>QuietMode</key><true/><key>OIDCOfflineAccess</key><false/>",
            "QuietMode",
            Severity::Error,
        ),
        (
            "<key>ROPGEndpoint</key><string>v1</string><key>ROPGScopes</key><array><string>openid</string></array>",
            "ROPGScopes",
            Severity::Warning,
        ),
        (
            "<key>ROPGEndpoint</key><string>v2</string><key>ROPGResource</key><string>https://graph.microsoft.com</string>",
            "ROPGResource",
            Severity::Warning,
        ),
        (
            "<key>ROPGSuccessCodes</key><array/>",
            "ROPGSuccessCodes",
            Severity::Warning,
        ),
        (
            "<key>CreateAdminUser</key><true/><key>AdminGroups</key><array><string>c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f</string></array>",
            "CreateAdminUser",
            Severity::Warning,
        ),
        (
            "<key>CreateAdminUser</key><true/><key>DemotionPolicy</key><string>always</string>",
            "DemotionPolicy",
            Severity::Warning,
        ),
        (
            "<key>AuthorityHost</key><string>https://login.contoso-typo.com</string>",
            "AuthorityHost",
            Severity::Warning,
        ),
    ];
    for (body, key, severity) in cases {
        let report = load_one(&profile(&format!("{BASE}{body}")));
        let hits = about(&report, key, *severity);
        assert!(
            !hits.is_empty(),
            "{body}: expected a {severity} on {key}: {:#?}",
            report.findings
        );
        assert_eq!(hits[0].file, "test.mobileconfig");
    }
    // The fixed versions are clean.
    let ok = load_one(&profile(&format!(
        "{BASE}<key>DenyLocal</key><true/><key>LocalFallback</key><true/><key>QuietMode</key><true/>"
    )));
    assert!(ok.findings.is_empty(), "{:#?}", ok.findings);
}

#[test]
fn a_plain_http_authority_needs_the_simulated_tenant_key_which_always_warns() {
    let host = |h: &str, extra: &str| {
        load_one(&profile(&format!(
            "{BASE}<key>AuthorityHost</key><string>{h}</string>{extra}"
        )))
    };
    let allow = "<key>AllowInsecureSimulatedTenant</key><true/>";
    // Refused without the key, naming the fix.
    for h in [
        "http://127.0.0.1:8443",
        "http://[::1]:1",
        "http://localhost:9",
    ] {
        let r = host(h, "");
        let errors = about(&r, "AuthorityHost", Severity::Error);
        assert_eq!(errors.len(), 1, "{h}: {:?}", r.findings);
        assert!(
            errors[0].message.contains("AllowInsecureSimulatedTenant")
                && errors[0].message.contains("TrustedRootCertificates"),
            "{}",
            errors[0].message
        );
        assert!(r.has_errors(), "{h}");
        // Allowed with it, and `profile check` warns about the key itself.
        let r = host(h, allow);
        assert!(!r.has_errors(), "{h}: {:?}", r.findings);
        let warned = about(&r, "AllowInsecureSimulatedTenant", Severity::Warning);
        assert_eq!(warned.len(), 1, "{h}");
        assert!(warned[0].message.contains("simulated tenant only"));
    }
    // The key warns even when the authority is https.
    let r = host("https://login.microsoftonline.com", allow);
    assert_eq!(
        about(&r, "AllowInsecureSimulatedTenant", Severity::Warning).len(),
        1
    );
    // Loopback comes from the parsed host, not from text in the URL.
    let r = host("https://localhost.attacker.example", "");
    let w = about(&r, "AuthorityHost", Severity::Warning);
    assert!(
        w.iter()
            .any(|f| f.message.contains("not a Microsoft Entra cloud")),
        "{:?}",
        r.findings
    );
    let r = host("http://localhost.attacker.example", allow);
    assert!(r.has_errors(), "{:?}", r.findings);
}

#[test]
fn authority_host_path_is_dropped_with_a_warning() {
    let report = load_one(&profile(&format!(
        "{BASE}<key>AuthorityHost</key><string>https://login.microsoftonline.com/contoso.com/v2.0</string>"
    )));
    assert!(!report.has_errors());
    assert_eq!(
        report
            .settings
            .as_ref()
            .expect("ok")
            .authority_host
            .as_str(),
        "https://login.microsoftonline.com/"
    );
    assert!(!about(&report, "AuthorityHost", Severity::Warning).is_empty());
}

#[test]
fn client_secret_never_leaks() {
    let secret = "s3cr3t-Value~that-must-not-leak";
    let report = load_one(&profile(&format!(
        "{BASE}<key>OIDCClientSecret</key><string>{secret}</string>"
    )));
    let s = report.settings.as_ref().expect("settings");
    assert!(!format!("{s:?}").contains(secret), "Debug of Settings");
    assert!(!format!("{report:?}").contains(secret), "Debug of Report");
    let entry = report.effective.get("OIDCClientSecret").expect("set");
    assert_eq!(entry.value.to_string(), "<set, hidden>");
    assert_eq!(entry.value.to_json(), serde_json::json!("<set, hidden>"));
    for f in &report.findings {
        assert!(!f.message.contains(secret));
    }
    // A secret of the wrong type is described without its content either.
    let report = load_one(&profile(&format!(
        "{BASE}<key>OIDCClientSecret</key><array><string>{secret}</string></array>"
    )));
    assert!(report.has_errors());
    assert!(!format!("{:?}", report.findings).contains(secret));
    use secrecy::ExposeSecret as _;
    let r = load_one(&profile(&format!(
        "{BASE}<key>OIDCClientSecret</key><string>{secret}</string>"
    )));
    assert_eq!(
        r.settings
            .expect("ok")
            .oidc_client_secret
            .expect("set")
            .expose_secret(),
        secret
    );
}

#[test]
fn success_codes_accept_strings_as_jamf_writes_them() {
    let report = load_one(&profile(&format!(
        "{BASE}<key>ROPGSuccessCodes</key><array><string>50076</string><string>AADSTS50079</string><integer>53003</integer></array>"
    )));
    assert!(!report.has_errors(), "{:#?}", report.findings);
    assert!(
        matches!(report.effective.resolved("ROPGSuccessCodes"), Some(Typed::Codes(c)) if c == vec![50076, 50079, 53003])
    );
    assert!(report.settings.expect("ok").is_success_code(50079));
}
