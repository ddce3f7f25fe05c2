//! Group membership as a group rule sees it: a complete list of ObjectIDs,
//! or nothing at all — never an empty list standing in for "we don't know"
//! (that would silently drop a person out of an admin or allowed group).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use sesame_core::identity::Groups;

#[test]
fn known_groups_are_the_token_s_object_ids() {
    let ids = vec![
        "c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f".to_owned(),
        "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d".to_owned(),
    ];
    let g = Groups::Known { ids: ids.clone() };
    assert_eq!(g.known(), Some(ids.as_slice()));
    assert_eq!(Groups::Known { ids: vec![] }.known(), Some(&[][..]));
}

#[test]
fn unknown_or_missing_groups_are_never_an_empty_list() {
    for g in [
        Groups::Unknown {
            reason: "overage; Graph returned 403".into(),
        },
        Groups::NotEmitted,
    ] {
        assert_eq!(g.known(), None, "{g:?}");
    }
}
