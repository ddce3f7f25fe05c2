//! A managed profile becomes the client configuration the admin meant:
//! extra scopes are added to the standard ones, the ROPG app and endpoint are
//! honoured, the client secret is carried but never shown.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use secrecy::ExposeSecret;
use sesame_core::settings;
use sesame_entra::{ClientConfig, RopgEndpoint};

fn config(profile: &str) -> ClientConfig {
    let path = format!("{}/../../profiles/{profile}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    let report = settings::load(&[(profile, &bytes)]);
    let s = report.settings.expect("example profile is valid");
    ClientConfig::from_settings(&s).unwrap()
}

#[test]
fn two_app_ca_profile_adds_the_api_scope_to_the_standard_ones() {
    let cfg = config("mfa-two-app-ca.mobileconfig");
    for standard in ["profile", "email", "offline_access"] {
        assert!(
            cfg.scopes.iter().any(|s| s == standard),
            "{standard} missing: {:?}",
            cfg.scopes
        );
    }
    assert!(
        cfg.scopes.iter().any(|s| s.starts_with("api://")),
        "custom API scope missing: {:?}",
        cfg.scopes
    );
    assert_ne!(
        cfg.ropg_client_id(),
        cfg.client_id,
        "two-app pattern uses a separate ROPG app"
    );
}

#[test]
fn minimal_profile_uses_auto_endpoint_and_default_success_codes() {
    let cfg = config("minimal-entra.mobileconfig");
    assert_eq!(cfg.ropg_endpoint, RopgEndpoint::Auto);
    assert!(cfg.success_codes.contains(&50076));
    assert!(!cfg.success_codes.contains(&50126));
    assert!(cfg.client_secret.is_none());
    // The redirect URI admins tick under "Mobile and desktop applications".
    assert_eq!(
        cfg.redirect_uri,
        "https://login.microsoftonline.com/common/oauth2/nativeclient"
    );
    assert!(!cfg.allow_insecure_loopback);
}

#[test]
fn loopback_and_custom_redirect_uris_still_work() {
    for uri in [
        "http://127.0.0.1/sesame",
        "https://127.0.0.1/sesame",
        "io.sesame.login://auth",
    ] {
        let body = format!(
            "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict>\
             <key>TenantID</key><string>contoso.onmicrosoft.com</string>\
             <key>OIDCClientID</key><string>0d9f4b1c-7a2e-4c3b-9d8e-1f2a3b4c5d6e</string>\
             <key>OIDCRedirectURI</key><string>{uri}</string></dict></plist>"
        );
        let report = settings::load(&[("io.sesame.agent.plist", body.as_bytes())]);
        let s = report
            .settings
            .unwrap_or_else(|| panic!("{uri}: {:?}", report.findings));
        let cfg = ClientConfig::from_settings(&s).unwrap();
        assert_eq!(cfg.redirect_uri, uri);
    }
}

#[test]
fn confidential_profile_carries_its_secret_without_showing_it() {
    let cfg = config("confidential-client.mobileconfig");
    let secret = cfg.client_secret.as_ref().expect("secret carried");
    assert!(!secret.expose_secret().is_empty());
    assert!(!format!("{cfg:?}").contains(secret.expose_secret()));
}
