//! Which values each kind of key accepts, what `sesame profile check` says
//! about a bad one (the key, what was expected, what was found, what to
//! write instead) and how `sesame profile show` prints a good one.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use common::*;
use sesame_core::settings::{self, Report, Severity, Tenant};

const CERT: &str = include_str!("fixtures/test-root.pem");

/// A profile with the required keys and `key` set to the raw plist `value`
/// (replacing the required key's own value when `key` is one of them).
fn with(key: &str, value: &str) -> Report {
    let base = if key == "TenantID" || key == "OIDCClientID" {
        BASE.replace(&format!("<key>{key}</key>"), "<key>Unused</key>")
    } else {
        BASE.to_owned()
    };
    load_one(&profile(&format!("{base}<key>{key}</key>{value}")))
}

fn string(key: &str, s: &str) -> Report {
    with(key, &format!("<string>{s}</string>"))
}

fn messages(report: &Report, key: &str, severity: Severity) -> Vec<String> {
    about(report, key, severity)
        .into_iter()
        .map(|f| f.message.clone())
        .collect()
}

/// The one error about `key`; fails when there is none or several.
fn the_error(report: &Report, key: &str) -> String {
    let e: Vec<_> = messages(report, key, Severity::Error)
        .into_iter()
        .filter(|m| !m.contains("required key is missing"))
        .collect();
    assert_eq!(
        e.len(),
        1,
        "{key}: expected one error: {:#?}",
        report.findings
    );
    assert!(report.settings.is_none(), "{key}: settings must be refused");
    e[0].clone()
}

/// No warning or error about `key`, and settings were built.
fn clean(report: &Report, key: &str) -> settings::Settings {
    let about_key: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.key.as_deref() == Some(key) && f.severity > Severity::Info)
        .collect();
    assert!(about_key.is_empty(), "{key}: {about_key:#?}");
    report.settings.clone().expect("settings")
}

/// A wrong plist type says what was found and, where the admin's intent is
/// clear, what to write instead.
#[test]
fn a_wrong_type_says_what_was_found_and_what_to_write() {
    let rows = [
        (
            "DenyLocal",
            "<string>yes</string>",
            r#"expected boolean, found string "yes" — write <true/> instead of <string>"#,
        ),
        (
            "DenyLocal",
            "<string> NO </string>",
            r#"expected boolean, found string " NO " — write <false/> instead of <string>"#,
        ),
        (
            "DenyLocal",
            "<string>maybe</string>",
            r#"expected boolean, found string "maybe""#,
        ),
        (
            "DenyLocal",
            "<integer>1</integer>",
            "expected boolean, found integer 1",
        ),
        (
            "DenyLocal",
            "<real>1.5</real>",
            "expected boolean, found real 1.5",
        ),
        (
            "DenyLocal",
            "<array><string>a</string><string>b</string></array>",
            "expected boolean, found array of 2 items",
        ),
        ("DenyLocal", "<dict/>", "expected boolean, found dictionary"),
        (
            "DenyLocal",
            "<data>AAEC</data>",
            "expected boolean, found data (3 bytes)",
        ),
        (
            "DenyLocal",
            "<date>2026-11-28T08:00:00Z</date>",
            "expected boolean, found date",
        ),
        ("HelpURL", "<true/>", "expected string, found boolean true"),
        (
            "OIDCClientSecret",
            "<integer>3</integer>",
            "expected string, found integer 3",
        ),
        (
            "PasswordCheckInterval",
            "<string> 60 </string>",
            r#"expected integer, found string " 60 " — write <integer> instead of <string>"#,
        ),
        (
            "PasswordCheckInterval",
            "<string>an hour</string>",
            r#"expected integer, found string "an hour""#,
        ),
        (
            "ROPGScopes",
            "<string>openid</string>",
            r#"expected array of strings, found string "openid" — wrap each value in <array><string>…</string></array>"#,
        ),
        (
            "ROPGSuccessCodes",
            "<integer>50076</integer>",
            "expected array of integers, found integer 50076",
        ),
    ];
    for (key, value, message) in rows {
        assert_eq!(
            the_error(&with(key, value), key),
            message,
            "{key} = {value}"
        );
    }
}

/// A value type that only keyed archives use (a binary plist UID) is named,
/// not described as "unsupported".
#[test]
fn a_binary_plist_uid_is_named_as_found() {
    let mut d = plist::Dictionary::new();
    d.insert(
        "TenantID".into(),
        plist::Value::String("5f7b2c1d-8e3a-4b6f-9c0d-1e2f3a4b5c6d".into()),
    );
    d.insert(
        "OIDCClientID".into(),
        plist::Value::String("0d9f4b1c-7a2e-4c3b-9d8e-1f2a3b4c5d6e".into()),
    );
    d.insert("DenyLocal".into(), plist::Value::Uid(plist::Uid::new(7)));
    let mut bytes = Vec::new();
    plist::Value::Dictionary(d)
        .to_writer_binary(&mut bytes)
        .unwrap();
    let report = settings::load(&[("io.sesame.agent.plist", &bytes)]);
    let e = messages(&report, "DenyLocal", Severity::Error);
    assert_eq!(e, ["expected boolean, found uid"], "{:#?}", report.findings);
}

/// A file that is a bare string (which could be a pasted secret) is refused
/// without echoing it.
#[test]
fn a_file_that_is_only_a_string_is_refused_without_showing_it() {
    let report = settings::load(&[(
        "secret.plist",
        br#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><string>s3cr3t-value</string></plist>"#.as_slice(),
    )]);
    let f = &report.findings[0];
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("a string (hidden)"), "{}", f.message);
    assert!(!f.message.contains("s3cr3t"), "{}", f.message);
}

/// Long values are cut at 80 characters in findings, marked with "…".
#[test]
fn long_values_are_cut_in_findings() {
    let long = "x".repeat(100);
    let e = the_error(&string("DenyLocal", &long), "DenyLocal");
    assert!(e.contains(&format!("\"{}…\"", "x".repeat(80))), "{e}");
    assert!(!e.contains(&"x".repeat(81)), "{e}");

    let exact = "y".repeat(80);
    let e = the_error(&string("DenyLocal", &exact), "DenyLocal");
    assert_eq!(e, format!("expected boolean, found string \"{exact}\""));
}

/// Spaces around a value are ignored with a warning; a secret is used
/// exactly as written (spaces may be part of it), without a warning.
#[test]
fn spaces_around_a_value_are_ignored_with_a_warning_except_in_a_secret() {
    let r = string("TenantID", "  Contoso.OnMicrosoft.com ");
    assert_eq!(
        messages(&r, "TenantID", Severity::Warning),
        ["leading or trailing spaces were ignored"]
    );
    assert_eq!(
        r.settings.expect("settings").tenant,
        Tenant::Domain("contoso.onmicrosoft.com".into())
    );

    let s = clean(&string("HelpURL", "https://help.contoso.com/"), "HelpURL");
    assert_eq!(
        s.help_url.map(|u| u.to_string()).as_deref(),
        Some("https://help.contoso.com/")
    );

    let s = clean(&string("OIDCClientSecret", " abc~123 "), "OIDCClientSecret");
    use secrecy::ExposeSecret as _;
    assert_eq!(
        s.oidc_client_secret.expect("secret").expose_secret(),
        " abc~123 "
    );

    assert_eq!(
        the_error(&string("HelpURL", "   "), "HelpURL"),
        "expected https URL (http only for loopback), found an empty string"
    );
}

/// How `sesame profile show` prints each kind of value, as text and JSON;
/// a secret is never shown, not even in a debug dump.
#[test]
fn profile_show_prints_each_kind_of_value() {
    let r = load_one(&profile(&format!(
        "{BASE}<key>DenyLocal</key><true/>
<key>PasswordCheckInterval</key><integer>90</integer>
<key>LogLevel</key><string>debug</string>
<key>AdminRoles</key><array><string>Mac.Admin</string><string>Helpdesk</string></array>
<key>ROPGSuccessCodes</key><array><integer>50076</integer><string>AADSTS53003</string></array>
<key>OIDCClientSecret</key><string>abc~123-very-secret</string>"
    )));
    assert!(!r.has_errors(), "{:#?}", r.findings);
    let shown = |key: &str| {
        let v = r.effective.resolved(key).expect(key);
        (v.to_string(), format!("{v:?}"), v.to_json())
    };
    use serde_json::json;
    for (key, text, as_json) in [
        ("DenyLocal", "true", json!(true)),
        ("PasswordCheckInterval", "90", json!(90)),
        ("LogLevel", "debug", json!("debug")),
        (
            "AdminRoles",
            "Mac.Admin, Helpdesk",
            json!(["Mac.Admin", "Helpdesk"]),
        ),
        ("DenyLocalExcluded", "(empty)", json!([])),
        ("ROPGSuccessCodes", "50076, 53003", json!([50076, 53003])),
        ("OIDCClientSecret", "<set, hidden>", json!("<set, hidden>")),
    ] {
        let (t, debug, j) = shown(key);
        assert_eq!(t, text, "{key}");
        assert_eq!(debug, text, "{key}: a debug dump reads the same");
        assert_eq!(j, as_json, "{key}");
    }
    let dump = format!("{:?}", r.effective);
    assert!(!dump.contains("very-secret"), "{dump}");
}

/// A tenant is a GUID or one of the tenant's verified domains (a DNS name);
/// multi-tenant aliases and anything that is not a DNS name are refused.
#[test]
fn which_tenant_names_are_accepted() {
    let label63 = "a".repeat(63);
    let name253 = format!(
        "{}.{}.{}.{}",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(61)
    );
    for (written, used) in [
        (
            "5F7B2C1D-8E3A-4B6F-9C0D-1E2F3A4B5C6D",
            "5f7b2c1d-8e3a-4b6f-9c0d-1e2f3a4b5c6d",
        ),
        ("Contoso.OnMicrosoft.com", "contoso.onmicrosoft.com"),
        ("my-org.example", "my-org.example"),
        (&format!("{label63}.example"), &format!("{label63}.example")),
        (&name253, &name253),
    ] {
        let s = clean(&string("TenantID", written), "TenantID");
        assert_eq!(s.tenant.as_str(), used, "{written}");
    }
    let not_a_domain = "expected a tenant ID (GUID) or a verified domain";
    for (written, says) in [
        ("common", "not a multi-tenant alias"),
        ("Consumers", "not a multi-tenant alias"),
        ("organizations", "not a multi-tenant alias"),
        ("contoso", not_a_domain),
        ("contoso..com", not_a_domain),
        (".contoso.com", not_a_domain),
        ("-contoso.com", not_a_domain),
        ("contoso-.com", not_a_domain),
        ("con_toso.com", not_a_domain),
        ("contoso.com/x", not_a_domain),
        (&format!("{label63}a.example"), not_a_domain),
        (&format!("{name253}d"), not_a_domain),
    ] {
        let e = the_error(&string("TenantID", written), "TenantID");
        assert!(e.contains(says), "{written}: {e}");
    }
}

/// URLs: https anywhere, plain http only on this machine, never with a
/// user name or password in them.
#[test]
fn which_urls_are_accepted() {
    for ok in [
        "https://reset.contoso.com/pw",
        "http://127.0.0.1:8080/reset",
        "http://localhost:8080/reset",
        "http://[::1]:8080/reset",
    ] {
        clean(&string("ResetPasswordURL", ok), "ResetPasswordURL");
    }
    for (bad, says) in [
        (
            "http://10.0.0.1/reset",
            "plain http is allowed only for loopback",
        ),
        (
            "http://reset.contoso.com",
            "plain http is allowed only for loopback",
        ),
        (
            "https://ada@reset.contoso.com/",
            "without a user name or password",
        ),
        (
            "https://ada:pw@reset.contoso.com/",
            "without a user name or password",
        ),
        ("ftp://reset.contoso.com/", "scheme \"ftp\""),
        ("reset.contoso.com", "expected an https URL"),
    ] {
        let e = the_error(&string("ResetPasswordURL", bad), "ResetPasswordURL");
        assert!(e.contains(says), "{bad}: {e}");
    }
}

/// AuthorityHost is the cloud's host: a path or query is dropped with a
/// warning that says what was used and where the tenant belongs.
#[test]
fn authority_host_keeps_only_the_host() {
    let s = clean(
        &string("AuthorityHost", "https://login.microsoftonline.us"),
        "AuthorityHost",
    );
    assert_eq!(
        s.authority_host.as_str(),
        "https://login.microsoftonline.us/"
    );
    for written in [
        "https://login.microsoftonline.com/contoso.onmicrosoft.com",
        "https://login.microsoftonline.com/?tenant=contoso",
    ] {
        let r = string("AuthorityHost", written);
        let w = messages(&r, "AuthorityHost", Severity::Warning);
        assert_eq!(
            w,
            [format!(
                "AuthorityHost is the cloud's host only; the path in {written:?} was ignored (used https://login.microsoftonline.com); put the tenant in TenantID"
            )]
        );
        assert_eq!(
            r.settings.expect("settings").authority_host.as_str(),
            "https://login.microsoftonline.com/"
        );
    }
}

/// Redirect URIs: https, loopback http or an app's private scheme; never a
/// scheme a browser would run or read locally.
#[test]
fn which_redirect_uris_are_accepted() {
    for ok in [
        "https://app.contoso.com/callback",
        "http://127.0.0.1:8400/callback",
        "io.sesame.login://auth",
    ] {
        let s = clean(&string("OIDCRedirectURI", ok), "OIDCRedirectURI");
        assert_eq!(s.oidc_redirect_uri.as_str(), ok);
    }
    for (bad, says) in [
        ("http://app.contoso.com/callback", "loopback"),
        ("file:///tmp/callback", "scheme \"file\""),
        ("data:text/html,hi", "scheme \"data\""),
    ] {
        let e = the_error(&string("OIDCRedirectURI", bad), "OIDCRedirectURI");
        assert!(e.contains(says), "{bad}: {e}");
    }
}

/// LogPath: an absolute path that cannot climb out with "..".
#[test]
fn which_log_paths_are_accepted() {
    for ok in ["/var/log/sesame.log", "/var/log/sesame..old.log"] {
        let s = clean(&string("LogPath", ok), "LogPath");
        assert_eq!(s.log_path.to_str(), Some(ok));
    }
    for (bad, says) in [
        ("/var/log/../../etc/shadow", "without '..'"),
        ("/var/log/..", "without '..'"),
        ("var/log/sesame.log", "starting with /"),
    ] {
        let e = the_error(&string("LogPath", bad), "LogPath");
        assert!(e.contains(says), "{bad}: {e}");
    }
}

/// A value listed twice is a warning (the profile still works, with the
/// value once); GUIDs are compared after normalising their case.
#[test]
fn a_value_listed_twice_is_a_warning_and_used_once() {
    let r = with(
        "AdminGroups",
        "<array><string>C3D4E5F6-A7B8-4C9D-8E1F-2A3B4C5D6E7F</string><string>c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f</string></array>",
    );
    assert_eq!(
        messages(&r, "AdminGroups", Severity::Warning),
        ["item 2: \"c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f\" is listed twice"]
    );
    let s = r.settings.expect("a duplicate is not an error");
    let groups: Vec<_> = s.admin_groups.iter().map(|g| g.as_str()).collect();
    assert_eq!(groups, ["c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f"]);

    let r = with(
        "AdminRoles",
        "<array><string>Mac.Admin</string><string>Helpdesk</string><string> Mac.Admin </string></array>",
    );
    assert_eq!(
        messages(&r, "AdminRoles", Severity::Warning),
        ["item 3: \"Mac.Admin\" is listed twice"]
    );
    assert_eq!(
        r.settings.expect("settings").admin_roles,
        ["Mac.Admin", "Helpdesk"]
    );

    let r = with(
        "ROPGSuccessCodes",
        "<array><integer>50076</integer><string>AADSTS50076</string><string> 53003 </string></array>",
    );
    assert_eq!(
        messages(&r, "ROPGSuccessCodes", Severity::Warning),
        ["50076 is listed twice"]
    );
    assert_eq!(
        r.settings.expect("settings").ropg_success_codes,
        [50076, 53003]
    );
}

/// Scopes are one per <string>; text lists refuse empty items.
#[test]
fn list_items_are_checked_one_by_one() {
    let s = clean(
        &with(
            "OIDCScopes",
            "<array><string>api://sesame/access</string><string>offline_access</string></array>",
        ),
        "OIDCScopes",
    );
    assert_eq!(s.oidc_scopes, ["api://sesame/access", "offline_access"]);
    for (key, value, message) in [
        (
            "OIDCScopes",
            "<array><string>openid</string><string></string></array>",
            r#"item 2: expected one scope per <string>, found "" — split scopes into separate items"#,
        ),
        (
            "OIDCScopes",
            "<array><string>openid email</string></array>",
            r#"item 1: expected one scope per <string>, found "openid email" — split scopes into separate items"#,
        ),
        (
            "AdminRoles",
            "<array><string>Mac.Admin</string><string> </string></array>",
            "item 2: expected a non-empty string, found an empty one",
        ),
        (
            "AdminRoles",
            "<array><string>Mac.Admin</string><integer>1</integer></array>",
            "item 2: expected a string, found integer 1",
        ),
    ] {
        assert_eq!(the_error(&with(key, value), key), message, "{value}");
    }
}

/// AADSTS codes: numbers or "AADSTS" strings; never a code that says the
/// password is wrong or proves nothing (each refusal says why).
#[test]
fn which_success_codes_are_accepted() {
    for (value, message) in [
        (
            "<array><integer>-1</integer></array>",
            "item 1: expected an AADSTS code such as 50076, found integer -1",
        ),
        (
            "<array><integer>50076</integer><string>AADSTS-x</string></array>",
            r#"item 2: expected an AADSTS code such as 50076, found string "AADSTS-x""#,
        ),
        (
            "<array><real>50076</real></array>",
            "item 1: expected an AADSTS code such as 50076, found real 50076",
        ),
        (
            "<array><string>AADSTS50053</string></array>",
            "50053 must never count as a verified password: Entra returns it for a locked account whatever the password; remove it",
        ),
        (
            "<array><integer>50057</integer></array>",
            "50057 must never count as a verified password: it means the account is disabled; remove it",
        ),
    ] {
        assert_eq!(
            the_error(&with("ROPGSuccessCodes", value), "ROPGSuccessCodes"),
            message
        );
    }
}

/// PEM: one or more certificates per string; a broken one is named by its
/// position so the admin knows which block to re-export.
#[test]
fn trusted_root_certificates_are_checked_block_by_block() {
    let two = format!("Contoso Root CA, exported 2026-11-01\n{CERT}\n{CERT}");
    let s = clean(
        &with(
            "TrustedRootCertificates",
            &format!("<array><string>{two}</string></array>"),
        ),
        "TrustedRootCertificates",
    );
    assert_eq!(s.trusted_root_certificates.len(), 1);

    let body_start = CERT.find('\n').unwrap() + 1;
    let not_base64 = CERT.replacen(&CERT[body_start..body_start + 4], "!!!!", 1);
    let not_x509 = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        "QUJDRA=="
    );
    for (pem, message) in [
        (
            format!("{CERT}{not_base64}"),
            "certificate 2 is not valid base64",
        ),
        (
            not_x509.clone(),
            "certificate 1 is not an X.509 certificate",
        ),
        (
            format!("{CERT}-----BEGIN CERTIFICATE-----\nMIID"),
            "a certificate has -----BEGIN CERTIFICATE----- but no END line",
        ),
    ] {
        let e = the_error(
            &with(
                "TrustedRootCertificates",
                &format!("<array><string>{pem}</string></array>"),
            ),
            "TrustedRootCertificates",
        );
        assert!(e.starts_with("item 1: "), "{e}");
        assert!(e.contains(message), "{e}");
    }
}

/// The line `sesame profile check` prints for a finding: severity, file,
/// payload and key, then what is wrong; a finding about a whole file has
/// neither payload nor key.
#[test]
fn a_finding_reads_as_one_line_naming_file_payload_and_key() {
    let r = string("DenyLocal", "yes");
    let line = about(&r, "DenyLocal", Severity::Error)[0].to_string();
    assert_eq!(
        line,
        r#"error: test.mobileconfig [Test payload (com.example.sesame)] DenyLocal: expected boolean, found string "yes" — write <true/> instead of <string>"#
    );

    let r = settings::load(&[("empty.plist", b"not a plist".as_slice())]);
    let line = r.findings[0].to_string();
    assert!(line.starts_with("error: empty.plist: "), "{line}");
}
