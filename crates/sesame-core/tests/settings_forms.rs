//! Every form a profile arrives in, and macOS precedence across files.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use common::*;
use sesame_core::settings::{self, Encoding, Severity, Typed};

#[test]
fn every_example_profile_is_valid_and_builds_settings() {
    for name in [
        "minimal-entra",
        "mfa-two-app-ca",
        "provisioning-groups",
        "confidential-client",
    ] {
        let bytes = read(&format!("profiles/{name}.mobileconfig"));
        let report = settings::load(&[(name, &bytes)]);
        assert!(!report.has_errors(), "{name}: {:#?}", report.findings);
        assert!(report.settings.is_some(), "{name}");
    }
}

#[test]
fn examples_carry_what_their_names_promise() {
    let load = |n: &str| {
        let b = read(&format!("profiles/{n}.mobileconfig"));
        settings::load(&[(n, &b)]).settings.expect(n)
    };
    let mfa = load("mfa-two-app-ca");
    assert_ne!(mfa.ropg_client_id, mfa.oidc_client_id, "two apps");
    assert!(mfa.oidc_scopes.iter().any(|s| s.starts_with("api://")));
    let prov = load("provisioning-groups");
    assert_eq!(prov.allowed_groups.len(), 2);
    assert!(prov.admin_groups[0].matches("C3D4E5F6-A7B8-4C9D-8E1F-2A3B4C5D6E7F"));
    assert!(prov.deny_local && prov.local_fallback && prov.migrate);
    let conf = load("confidential-client");
    assert!(conf.oidc_client_secret.is_some());
    assert!(conf.quiet_mode);
    let min = load("minimal-entra");
    assert_eq!(
        min.ropg_client_id, min.oidc_client_id,
        "ROPGClientID defaults to OIDCClientID"
    );
    assert_eq!(
        min.ropg_success_codes,
        vec![50076, 50079, 50074, 50158, 53003, 53000, 53001]
    );
    assert_eq!(min.password_check_interval_minutes, 60);
    assert_eq!(
        min.authority(),
        "https://login.microsoftonline.com/5f7b2c1d-8e3a-4b6f-9c0d-1e2f3a4b5c6d"
    );
}

#[test]
fn legacy_managed_client_form_is_read_and_forced_beats_set_once() {
    let report = settings::load(&[("legacy.mobileconfig", &fixture("legacy-mcx.mobileconfig"))]);
    assert!(!report.has_errors(), "{:#?}", report.findings);
    let s = report.settings.expect("settings");
    // Forced says 120; Set-Once says 15 and must lose.
    assert_eq!(s.password_check_interval_minutes, 120);
    // A key only in Set-Once still applies.
    assert_eq!(s.log_level, sesame_core::settings::LogLevel::Debug);
    let entry = report.effective.get("PasswordCheckInterval").expect("set");
    assert!(
        entry
            .source
            .payload
            .as_deref()
            .is_some_and(|p| p.ends_with("Forced"))
    );
}

#[test]
fn signed_profile_is_opened_and_signer_reported() {
    let report = settings::load(&[(
        "signed.mobileconfig",
        &fixture("signed-minimal.mobileconfig"),
    )]);
    assert!(!report.has_errors(), "{:#?}", report.findings);
    assert_eq!(report.files[0].encoding, Encoding::Signed);
    assert_eq!(
        report.files[0].signer.as_deref(),
        Some("O=Contoso Ltd,CN=Contoso MDM Signing")
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.message.contains("CN=Contoso MDM Signing"))
    );
    assert!(report.settings.is_some());
}

#[test]
fn signed_profile_made_now_with_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let Ok(status) = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
        ])
        .args(["-subj", "/CN=Fresh Signer/O=Test Org"])
        .arg("-keyout")
        .arg(d.join("k.pem"))
        .arg("-out")
        .arg(d.join("c.pem"))
        .stderr(std::process::Stdio::null())
        .status()
    else {
        eprintln!("openssl not installed; the committed signed fixture still covers this form");
        return;
    };
    assert!(status.success());
    std::fs::write(
        d.join("p.mobileconfig"),
        read("profiles/provisioning-groups.mobileconfig"),
    )
    .unwrap();
    // Signer named by issuer + serial (openssl's default) and by subject key identifier (-keyid).
    for extra in [&[][..], &["-keyid"][..]] {
        let status = std::process::Command::new("openssl")
            .args(["cms", "-sign", "-nodetach", "-binary", "-outform", "DER"])
            .args(extra)
            .arg("-in")
            .arg(d.join("p.mobileconfig"))
            .arg("-signer")
            .arg(d.join("c.pem"))
            .arg("-inkey")
            .arg(d.join("k.pem"))
            .arg("-out")
            .arg(d.join("s.mobileconfig"))
            .status()
            .unwrap();
        assert!(status.success());
        let bytes = std::fs::read(d.join("s.mobileconfig")).unwrap();
        let report = settings::load(&[("s.mobileconfig", &bytes)]);
        assert!(!report.has_errors(), "{extra:?}: {:#?}", report.findings);
        assert_eq!(
            report.files[0].signer.as_deref(),
            Some("O=Test Org,CN=Fresh Signer"),
            "{extra:?}"
        );
        assert!(report.settings.expect("settings").deny_local);
    }
}

fn managed_prefs_dict() -> plist::Dictionary {
    let mut d = plist::Dictionary::new();
    d.insert("TenantID".into(), "contoso.onmicrosoft.com".into());
    d.insert(
        "OIDCClientID".into(),
        "0d9f4b1c-7a2e-4c3b-9d8e-1f2a3b4c5d6e".into(),
    );
    d.insert(
        "PasswordCheckInterval".into(),
        plist::Value::Integer(30.into()),
    );
    d
}

#[test]
fn managed_preferences_plist_xml_and_binary() {
    let value = plist::Value::Dictionary(managed_prefs_dict());
    let mut xml = Vec::new();
    value.to_writer_xml(&mut xml).unwrap();
    let mut bin = Vec::new();
    value.to_writer_binary(&mut bin).unwrap();
    for (bytes, enc) in [(xml, Encoding::Xml), (bin, Encoding::Binary)] {
        let report =
            settings::load(&[("/Library/Managed Preferences/io.sesame.agent.plist", &bytes)]);
        assert!(!report.has_errors(), "{enc:?}: {:#?}", report.findings);
        assert_eq!(report.files[0].encoding, enc);
        let s = report.settings.expect("settings");
        assert_eq!(s.password_check_interval_minutes, 30);
        assert_eq!(s.tenant.as_str(), "contoso.onmicrosoft.com");
    }
}

#[test]
fn binary_mobileconfig_is_read() {
    let value =
        plist::Value::from_reader_xml(read("profiles/minimal-entra.mobileconfig").as_slice())
            .unwrap();
    let mut bin = Vec::new();
    value.to_writer_binary(&mut bin).unwrap();
    let report = load_one(&bin);
    assert!(!report.has_errors(), "{:#?}", report.findings);
    assert_eq!(report.files[0].encoding, Encoding::Binary);
}

#[test]
fn later_file_wins_and_show_knows_the_source() {
    let a = profile(&format!(
        "{BASE}<key>PasswordCheckInterval</key><integer>30</integer><key>LogLevel</key><string>warn</string>"
    ));
    let b = profile(&format!(
        "{BASE}<key>PasswordCheckInterval</key><integer>90</integer>"
    ));
    let report = settings::load(&[("a.mobileconfig", &a), ("b.mobileconfig", &b)]);
    assert!(!report.has_errors(), "{:#?}", report.findings);
    let e = report.effective.get("PasswordCheckInterval").expect("set");
    assert!(matches!(e.value, Typed::Int(90)));
    assert_eq!(e.source.file, "b.mobileconfig");
    assert_eq!(e.also_set_in[0].file, "a.mobileconfig");
    assert_eq!(
        report.effective.get("LogLevel").expect("set").source.file,
        "a.mobileconfig"
    );
    assert!(
        report.effective.get("HelpURL").is_none(),
        "unset keys have no source: they are defaults"
    );
    // Reversed order, reversed winner.
    let report = settings::load(&[("b.mobileconfig", &b), ("a.mobileconfig", &a)]);
    assert_eq!(
        report
            .settings
            .expect("settings")
            .password_check_interval_minutes,
        30
    );
    // The override is reported as info, not as a problem.
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.severity == Severity::Info && f.message.contains("overrides"))
    );
}

#[test]
fn forced_value_beats_a_later_set_once_value() {
    let forced = profile(&format!("{BASE}<key>LogLevel</key><string>error</string>"));
    // A later file whose Set-Once value must not win over the earlier forced one.
    let legacy = br#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>
<key>PayloadContent</key><array><dict>
<key>PayloadType</key><string>com.apple.ManagedClient.preferences</string>
<key>PayloadIdentifier</key><string>x</string>
<key>PayloadContent</key><dict><key>io.sesame.agent</key><dict><key>Set-Once</key><array><dict>
<key>mcx_preference_settings</key><dict><key>LogLevel</key><string>trace</string></dict>
</dict></array></dict></dict></dict></array></dict></plist>"#;
    let report = settings::load(&[
        ("forced.mobileconfig", &forced),
        ("later.mobileconfig", legacy),
    ]);
    assert!(!report.has_errors(), "{:#?}", report.findings);
    assert_eq!(
        report.settings.expect("settings").log_level,
        sesame_core::settings::LogLevel::Error
    );
}

#[test]
fn profile_without_sesame_payload_says_what_it_found() {
    let wifi = br#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>
<key>PayloadContent</key><array><dict><key>PayloadType</key><string>com.apple.wifi.managed</string></dict></array>
<key>PayloadType</key><string>Configuration</string></dict></plist>"#;
    let report = load_one(wifi);
    assert!(report.has_errors());
    let msg = &report.findings[0].message;
    assert!(
        msg.contains("io.sesame.agent") && msg.contains("com.apple.wifi.managed"),
        "{msg}"
    );
    assert!(report.settings.is_none());
}

#[test]
fn disabled_payload_is_ignored_with_a_warning() {
    let p = String::from_utf8(profile(BASE)).unwrap().replace(
        "<key>PayloadType</key><string>io.sesame.agent</string>",
        "<key>PayloadType</key><string>io.sesame.agent</string><key>PayloadEnabled</key><false/>",
    );
    let report = load_one(p.as_bytes());
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.severity == Severity::Warning && f.message.contains("PayloadEnabled"))
    );
    // With its only payload disabled, the required keys are missing.
    assert!(!about(&report, "TenantID", Severity::Error).is_empty());
}
