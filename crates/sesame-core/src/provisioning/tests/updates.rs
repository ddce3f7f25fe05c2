//! What a later sign-in changes on an account that already exists, and the
//! short name every kind of plan reports (the agent and the apply step look
//! the account up by it).

use super::*;

/// A linked account was named by its owner or an admin before Sesame: its
/// full name is left alone. An account Sesame created follows Entra's name.
#[test]
fn only_accounts_sesame_created_follow_the_entra_display_name() {
    let mut linked = account(
        "ada",
        1000,
        false,
        Some(bound(&ada(), Origin::Linked, false)),
    );
    linked.full_name = "Ada (lab machine)".into();
    let p = run(&linux(), &ada(), &snap(vec![linked.clone()]));
    assert_eq!(update(&p).full_name, None, "{}", p.explain());
    assert!(!p.explain().contains("full name"), "{}", p.explain());

    // Same name as Entra's: nothing to change either way.
    linked.full_name = "Ada Lovelace".into();
    let p = run(&linux(), &ada(), &snap(vec![linked]));
    assert_eq!(update(&p).full_name, None, "{}", p.explain());

    let mut created = account(
        "ada",
        1000,
        false,
        Some(bound(&ada(), Origin::Created, false)),
    );
    created.full_name = "Ada (lab machine)".into();
    let p = run(&linux(), &ada(), &snap(vec![created]));
    assert_eq!(update(&p).full_name.as_deref(), Some("Ada Lovelace"));
    assert!(
        p.explain().contains("full name -> 'Ada Lovelace'"),
        "{}",
        p.explain()
    );
}

#[test]
fn every_plan_reports_the_short_name_it_is_about() {
    // Create.
    assert_eq!(
        run(&linux(), &ada(), &snap(vec![])).short_name(),
        Some("ada.lovelace")
    );
    // Update: the bound account's own name, not one derived from the UPN.
    let s = snap(vec![account(
        "ada",
        1000,
        false,
        Some(bound(&ada(), Origin::Created, false)),
    )]);
    assert_eq!(run(&linux(), &ada(), &s).short_name(), Some("ada"));
    // Link.
    let mut pol = linux();
    pol.migrate = true;
    let s = snap(vec![account("ada.lovelace", 1000, false, None)]);
    let p = run_with(
        &pol,
        &ada(),
        &s,
        &verified_for(&ada().id),
        LocalPasswordProof::Proven,
    );
    assert!(matches!(p, Plan::Link(_)), "{}", p.explain());
    assert_eq!(p.short_name(), Some("ada.lovelace"));
    // A denial about a name names it; one before any name was made does not.
    let p = run(&linux(), &ada(), &s);
    assert_eq!(p.short_name(), Some("ada.lovelace"));
    let mut gate = linux();
    gate.allowed_groups = vec![ADMINS.into()];
    assert_eq!(run(&gate, &ada(), &snap(vec![])).short_name(), None);
}

/// `sesame accounts` shows the origin with the same word the binding is
/// stored with.
#[test]
fn origin_is_shown_as_it_is_stored() {
    for origin in [Origin::Created, Origin::Linked] {
        let stored = serde_json::to_value(origin).unwrap();
        assert_eq!(stored.as_str(), Some(origin.as_str()));
    }
    assert_eq!(Origin::Linked.as_str(), "linked");
}
