//! A profile can name another OpenID provider by its discovery URL instead of
//! an Entra tenant, through the key table like every other key.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use common::*;
use sesame_core::settings::{Severity, Tenant};

const CLIENT: &str = "<key>OIDCClientID</key><string>c9000000-0000-4000-8000-000000000001</string>";
const DISCOVERY: &str = "<key>OIDCDiscoveryURL</key><string>https://sso.example/realms/staff/.well-known/openid-configuration</string>";

#[test]
fn a_discovery_url_stands_in_for_the_tenant() {
    let report = load_one(&profile(&format!("{CLIENT}{DISCOVERY}")));
    assert!(!report.has_errors(), "{:#?}", report.findings);
    let s = report.settings.expect("settings");
    assert_eq!(s.tenant, Tenant::OpenIdProvider);
    assert_eq!(s.tenant.as_str(), "", "Entra-only code sees no tenant");
    assert_eq!(
        s.oidc_discovery_url.as_ref().map(url::Url::as_str),
        Some("https://sso.example/realms/staff/.well-known/openid-configuration")
    );
}

#[test]
fn neither_tenant_nor_discovery_url_is_an_error_naming_both() {
    let report = load_one(&profile(CLIENT));
    let e = about(&report, "TenantID", Severity::Error);
    assert!(
        e.iter()
            .any(|f| f.message.contains("required key is missing")
                && f.message.contains("OIDCDiscoveryURL")),
        "{:#?}",
        report.findings
    );
    assert!(report.settings.is_none());
}

#[test]
fn both_set_warns_that_the_tenant_is_ignored() {
    let report = load_one(&profile(&format!("{BASE}{DISCOVERY}")));
    assert!(!report.has_errors(), "{:#?}", report.findings);
    let w = about(&report, "TenantID", Severity::Warning);
    assert!(
        w.iter().any(|f| f.message.contains("ignored")),
        "{:#?}",
        report.findings
    );
    assert!(report.settings.unwrap().oidc_discovery_url.is_some());
}

#[test]
fn an_entra_profile_has_no_discovery_url() {
    let s = load_one(&profile(BASE)).settings.expect("settings");
    assert!(s.oidc_discovery_url.is_none());
    assert!(matches!(s.tenant, Tenant::Id(_)));
}

/// Okta, Google and Keycloak client IDs are not GUIDs; with a discovery URL
/// they are kept exactly as written (case included).
#[test]
fn another_providers_client_id_is_kept_as_written() {
    for id in [
        "0oa1b2C3d4E5f6G7h8i9",
        "1234567890-abc123def456.apps.googleusercontent.com",
        "sesame-login",
    ] {
        let body = format!("<key>OIDCClientID</key><string>{id}</string>{DISCOVERY}");
        let report = load_one(&profile(&body));
        assert!(!report.has_errors(), "{id}: {:#?}", report.findings);
        let s = report.settings.expect("settings");
        assert_eq!(s.oidc_client_id.as_str(), id);
        assert_eq!(s.ropg_client_id.as_str(), id, "ROPGClientID follows it");
    }
}

/// Without a discovery URL the client ID is Entra's, a GUID: a non-GUID is
/// an error that says so and names the way out.
#[test]
fn an_entra_client_id_must_still_be_a_guid() {
    let body = BASE.replace("<key>OIDCClientID</key>", "<key>Unused</key>");
    let report = load_one(&profile(&format!(
        "{body}<key>OIDCClientID</key><string>0oa1b2C3d4E5f6G7h8i9</string>"
    )));
    let e = about(&report, "OIDCClientID", Severity::Error);
    assert!(
        e.iter()
            .any(|f| f.message.contains("GUID") && f.message.contains("OIDCDiscoveryURL")),
        "{:#?}",
        report.findings
    );
    assert!(report.settings.is_none());
    // A client ID with a space is a display name, never an ID, anywhere.
    let report = load_one(&profile(&format!(
        "<key>OIDCClientID</key><string>Sesame Login</string>{DISCOVERY}"
    )));
    assert!(!about(&report, "OIDCClientID", Severity::Error).is_empty());
    assert!(report.settings.is_none());
}
