//! Import of realistic Jamf Connect and XCreds configurations.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use common::*;
use sesame_core::import::{self, Imported, Outcome, Product};
use sesame_core::settings::{self, DemotionPolicy, RopgEndpoint};

/// Every top-level key (and, for menu-bar dictionaries, every nested key) of
/// the product's payloads in `bytes`.
fn source_keys(bytes: &[u8], domains: &[&str]) -> Vec<String> {
    let v = plist::Value::from_reader(std::io::Cursor::new(bytes)).unwrap();
    let top = v.as_dictionary().unwrap();
    let dicts: Vec<&plist::Dictionary> = match top.get("PayloadContent").and_then(|c| c.as_array())
    {
        Some(items) => items
            .iter()
            .filter_map(|i| i.as_dictionary())
            .filter(|d| {
                d.get("PayloadType")
                    .and_then(|t| t.as_string())
                    .is_some_and(|t| domains.contains(&t))
            })
            .collect(),
        None => vec![top],
    };
    let mut keys = Vec::new();
    for d in dicts {
        for (k, v) in d.iter().filter(|(k, _)| !k.starts_with("Payload")) {
            match v.as_dictionary() {
                Some(inner) => keys.extend(inner.keys().map(|s| format!("{k}.{s}"))),
                None => keys.push(k.clone()),
            }
        }
    }
    keys
}

fn run(product: Product, name: &str) -> (Imported, settings::Report) {
    let bytes = fixture(name);
    let imported = import::import(product, &[(name, &bytes)]).expect("import");
    // Every source key is accounted for, once.
    for key in source_keys(&bytes, product.domains()) {
        let n = imported.report.iter().filter(|r| r.key == key).count();
        assert_eq!(n, 1, "{name}: source key {key} reported {n} times");
    }
    for line in &imported.report {
        if let Outcome::NotMapped { reason } = &line.outcome {
            assert!(!reason.is_empty(), "{}: no reason", line.key);
        }
    }
    let out = import::mobileconfig(&imported.values, "Sesame (imported)", &bytes);
    let report = settings::load(&[("out.mobileconfig", &out)]);
    assert!(
        !report.has_errors(),
        "{name}: imported profile fails check: {:#?}",
        report.findings
    );
    (imported, report)
}

fn outcome<'a>(i: &'a Imported, key: &str) -> &'a Outcome {
    &i.report
        .iter()
        .find(|r| r.key == key)
        .unwrap_or_else(|| panic!("{key} not reported"))
        .outcome
}

#[test]
fn jamf_connect_login_and_menu_bar_profile() {
    let (imported, report) = run(Product::JamfConnect, "jamf-connect.mobileconfig");
    let s = report.settings.expect("settings");
    assert_eq!(
        s.oidc_client_id.as_str(),
        "0d9f4b1c-7a2e-4c3b-9d8e-1f2a3b4c5d6e"
    );
    assert_eq!(
        s.ropg_client_id.as_str(),
        "3c8e5a7b-1d2f-4e6a-8b9c-7d6e5f4a3b2c"
    );
    assert_eq!(
        s.oidc_redirect_uri.as_str(),
        "https://127.0.0.1/jamfconnect"
    );
    assert_eq!(
        s.oidc_scopes,
        vec!["api://0d9f4b1c-7a2e-4c3b-9d8e-1f2a3b4c5d6e/jamfconnect"]
    );
    assert_eq!(s.ropg_scopes, vec!["openid", "email", "profile"]);
    assert_eq!(s.ropg_endpoint, RopgEndpoint::V2);
    assert_eq!(s.ropg_success_codes, vec![50076, 50079, 50158, 53003]);
    assert_eq!(s.admin_roles, vec!["Admin"]);
    assert!(s.deny_local && s.local_fallback && s.migrate);
    assert_eq!(s.deny_local_excluded, vec!["jamfadmin"]);
    assert_eq!(s.password_check_interval_minutes, 60);
    assert_eq!(
        s.help_url.expect("help").as_str(),
        "https://help.contoso.com/mac"
    );
    assert!(
        matches!(outcome(&imported, "EnableFDE"), Outcome::NotMapped { reason } if reason.contains("FileVault"))
    );
    assert!(matches!(
        outcome(&imported, "SignIn.AutoAuthenticate"),
        Outcome::NotMapped { .. }
    ));
}

#[test]
fn jamf_connect_plain_plist_with_discovery_url_and_group_names() {
    let (imported, report) = run(Product::JamfConnect, "com.jamf.connect.login.plist");
    assert_eq!(
        imported.report[0].domain, "com.jamf.connect.login",
        "domain from the file name"
    );
    let s = report.settings.expect("settings");
    assert_eq!(
        s.tenant.as_str(),
        "contoso.onmicrosoft.com",
        "tenant from OIDCDiscoveryURL"
    );
    assert_eq!(s.admin_groups.len(), 1, "only the ObjectID is kept");
    assert!(
        matches!(outcome(&imported, "OIDCAdmin"), Outcome::Mapped { note: Some(n), .. } if n.contains("Mac Admins"))
    );
    assert!(
        matches!(outcome(&imported, "OIDCNewPassword"), Outcome::NotMapped { reason } if reason.contains("not supported"))
    );
    // 50126 means "wrong password" and is dropped, with a note.
    assert_eq!(s.ropg_success_codes, vec![50076]);
    assert!(
        matches!(outcome(&imported, "ROPGSuccessCodes"), Outcome::Mapped { note: Some(n), .. } if n.contains("50126"))
    );
    assert_eq!(s.demotion_policy, DemotionPolicy::SesamePromoted);
}

#[test]
fn xcreds_plist() {
    let (imported, report) = run(Product::XCreds, "com.twocanoes.xcreds.plist");
    let s = report.settings.expect("settings");
    assert_eq!(s.tenant.as_str(), "5f7b2c1d-8e3a-4b6f-9c0d-1e2f3a4b5c6d");
    assert_eq!(s.oidc_redirect_uri.as_str(), "xcreds://auth/");
    assert!(
        s.quiet_mode,
        "XCreds used the refresh token for change checks"
    );
    assert_eq!(s.password_check_interval_minutes, 150, "2 h 30 min");
    assert_eq!(
        s.admin_groups[0].as_str(),
        "c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f"
    );
    assert_eq!(s.allowed_groups.len(), 1);
    assert!(s.migrate);
    assert!(matches!(
        outcome(&imported, "KeychainReset"),
        Outcome::NotMapped { .. }
    ));
    assert!(
        matches!(outcome(&imported, "ropgResponseValue"), Outcome::NotMapped { reason } if reason.contains("AADSTS"))
    );
}

#[test]
fn xcreds_profile_wrapped_in_mobileconfig_and_signed_is_read() {
    // Wrap the XCreds plist in a mobileconfig payload, as an MDM would.
    let inner =
        plist::Value::from_reader(std::io::Cursor::new(fixture("com.twocanoes.xcreds.plist")))
            .unwrap();
    let mut payload = inner.into_dictionary().unwrap();
    payload.insert("PayloadType".into(), "com.twocanoes.xcreds".into());
    let mut top = plist::Dictionary::new();
    top.insert(
        "PayloadContent".into(),
        plist::Value::Array(vec![plist::Value::Dictionary(payload)]),
    );
    top.insert("PayloadType".into(), "Configuration".into());
    let mut bytes = Vec::new();
    plist::Value::Dictionary(top)
        .to_writer_xml(&mut bytes)
        .unwrap();
    let imported = import::import(Product::XCreds, &[("x.mobileconfig", &bytes)]).expect("import");
    assert!(imported.values.contains_key("OIDCClientID"));
    // A Jamf profile given to the XCreds importer finds nothing.
    let err = import::import(
        Product::XCreds,
        &[("j.mobileconfig", &fixture("jamf-connect.mobileconfig"))],
    )
    .unwrap_err();
    assert!(err.to_string().contains("no XCreds settings"), "{err}");
}

#[test]
fn secret_is_carried_but_not_shown_in_debug() {
    let src = br#"<?xml version="1.0"?><plist version="1.0"><dict>
<key>OIDCTenant</key><string>contoso.onmicrosoft.com</string>
<key>OIDCClientID</key><string>0d9f4b1c-7a2e-4c3b-9d8e-1f2a3b4c5d6e</string>
<key>OIDCClientSecret</key><string>jamf-secret-xyz</string></dict></plist>"#;
    let imported = import::import(
        Product::JamfConnect,
        &[("com.jamf.connect.login.plist", src)],
    )
    .unwrap();
    assert!(!format!("{imported:?}").contains("jamf-secret-xyz"));
    let out = import::mobileconfig(&imported.values, "x", src);
    let report = settings::load(&[("out", &out)]);
    assert!(report.settings.expect("ok").oidc_client_secret.is_some());
}
