//! The typed settings the agent decides by: which Entra answers count as a
//! verified password, and group IDs compared as GUIDs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use common::*;
use sesame_core::settings::ObjectId;

/// Only the codes the profile lists (or the defaults) count as "password
/// right, MFA stopped the sign-in"; a wrong password never does.
#[test]
fn only_the_listed_success_codes_count_as_a_verified_password() {
    let defaults = load_one(&profile(BASE)).settings.expect("valid");
    assert!(defaults.is_success_code(50076));
    assert!(!defaults.is_success_code(50126), "wrong password");
    let only_ca = load_one(&profile(&format!(
        "{BASE}<key>ROPGSuccessCodes</key><array><integer>53003</integer></array>"
    )))
    .settings
    .expect("valid");
    assert!(only_ca.is_success_code(53003));
    assert!(!only_ca.is_success_code(50076));
}

/// Group ObjectIDs match in any case or GUID form, and only the same GUID.
#[test]
fn object_ids_match_the_same_guid_in_any_form_only() {
    let g = ObjectId::parse("C3D4E5F6-A7B8-4C9D-8E1F-2A3B4C5D6E7F").expect("a GUID");
    assert_eq!(g.as_str(), "c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f");
    assert_eq!(g.to_string(), g.as_str());
    assert!(g.matches("c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f"));
    assert!(g.matches("{C3D4E5F6-A7B8-4C9D-8E1F-2A3B4C5D6E7F}"));
    assert!(!g.matches("c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e70"));
    assert!(!g.matches("Mac Admins"));
    assert_eq!(ObjectId::parse("Mac Admins"), None);
}

/// `profile check` says TenantID is ignored when OIDCDiscoveryURL is set;
/// the settings the agent reads ignore it too.
#[test]
fn with_a_discovery_url_the_tenant_id_is_ignored_as_profile_check_says() {
    let report = load_one(&profile(&format!(
        "{BASE}<key>OIDCDiscoveryURL</key><string>https://sso.example/realms/staff/.well-known/openid-configuration</string>"
    )));
    let s = report.settings.expect("valid");
    assert_eq!(s.tenant, sesame_core::settings::Tenant::OpenIdProvider);
    assert_eq!(s.tenant.as_str(), "");
}
