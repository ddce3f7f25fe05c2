//! The provisioning rules an admin writes in a profile reach the planner
//! unchanged: group ObjectIDs, demotion, short-name claim, migration.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use sesame_core::provisioning::{AccountOs, DemotionPolicy, Policy};
use sesame_core::settings;

fn load(path: &str) -> settings::Settings {
    let full = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&full).unwrap();
    let report = settings::load(&[(path, &bytes)]);
    report.settings.expect("example profile is valid")
}

#[test]
fn group_gated_profile_becomes_the_matching_policy() {
    let policy = Policy::from_settings(
        &load("profiles/provisioning-groups.mobileconfig"),
        AccountOs::Macos,
    );
    assert_eq!(
        policy.allowed_groups,
        [
            "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
            "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
        ]
    );
    assert_eq!(
        policy.admin_groups,
        ["c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f"]
    );
    assert_eq!(policy.demotion, DemotionPolicy::SesamePromoted);
    assert_eq!(
        policy.short_name_claim.as_deref(),
        Some("preferred_username")
    );
    assert!(policy.migrate);
    assert_eq!(policy.uid_floor(), 501);
}

#[test]
fn minimal_profile_lets_everyone_in_as_standard_users() {
    let policy = Policy::from_settings(
        &load("profiles/minimal-entra.mobileconfig"),
        AccountOs::Linux,
    );
    assert!(policy.allowed_groups.is_empty());
    assert!(policy.admin_groups.is_empty() && policy.admin_roles.is_empty());
    assert!(!policy.create_admin_for_all);
    assert!(!policy.migrate);
    assert_eq!(policy.uid_floor(), 1000);
}

mod common;

/// The policy an admin gets from a profile with `body` besides the required keys.
fn policy_from(body: &str) -> Policy {
    let bytes = common::profile(&format!("{}{body}", common::BASE));
    let report = common::load_one(&bytes);
    let settings = report.settings.expect("profile is valid");
    Policy::from_settings(&settings, AccountOs::Linux)
}

/// Every `DemotionPolicy` spelling Sesame documents is the one the profile
/// accepts, and it reaches the planner as that policy.
#[test]
fn each_documented_demotion_policy_spelling_reaches_the_planner() {
    for demotion in [
        DemotionPolicy::Never,
        DemotionPolicy::SesamePromoted,
        DemotionPolicy::Always,
    ] {
        let body = format!(
            "<key>DemotionPolicy</key><string>{}</string>",
            demotion.as_str()
        );
        assert_eq!(policy_from(&body).demotion, demotion, "{body}");
    }
}

/// `ShortNameClaim` `upn` means the default UPN rule, which falls
/// back to the sign-in name when a token has no `upn`; any other claim is
/// taken as configured.
#[test]
fn short_name_claim_upn_means_the_default_rule() {
    for (value, expected) in [
        ("upn", None),
        ("preferred_username", Some("preferred_username")),
        ("employeeid", Some("employeeid")),
    ] {
        let body = format!("<key>ShortNameClaim</key><string>{value}</string>");
        assert_eq!(
            policy_from(&body).short_name_claim.as_deref(),
            expected,
            "ShortNameClaim {value:?}"
        );
    }
}
