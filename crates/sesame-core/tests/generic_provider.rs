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
