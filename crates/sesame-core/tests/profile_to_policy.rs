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
