//! Who is admin after a sign-in: what an admin sees in the admin group and in
//! the binding that later decides demotion.

use super::*;

/// An account an admin made admin by hand, whose owner is also in the admin
/// group: Sesame must not claim that promotion, or leaving the group later
/// would take away rights Sesame never gave.
#[test]
fn a_hand_made_admin_in_the_admin_group_stays_admin_after_leaving_it() {
    let mut pol = linux();
    pol.admin_groups = vec![ADMINS.into()];
    pol.demotion = DemotionPolicy::SesamePromoted;
    let me = with_groups(ada(), &[STAFF, ADMINS]);
    let mut accounts = vec![
        account("root", 0, true, None),
        account("it", 1100, true, None),
        account(
            "ada.lovelace",
            1000,
            true,
            Some(bound(&me, Origin::Created, false)),
        ),
    ];
    let p = run(&pol, &me, &snap(accounts.clone()));
    let u = update(&p);
    assert_eq!(u.admin, AdminChange::Keep, "{}", p.explain());
    assert!(!u.binding.admin_by_sesame, "{}", p.explain());
    assert_eq!(
        u.binding.admin_reason,
        Some(AdminReason::Group(ADMINS.into()))
    );
    assert!(p.explain().ends_with("stays admin"), "{}", p.explain());

    // Next sign-in, out of the admin group, with the binding just recorded.
    accounts[2].binding = Some(u.binding.clone());
    let p = run(&pol, &ada(), &snap(accounts));
    let u = update(&p);
    assert_eq!(u.admin, AdminChange::Keep, "{}", p.explain());
    assert!(u.was_admin);
    assert!(p.explain().ends_with("stays admin"), "{}", p.explain());
}

/// A standard account whose owner is entitled to nothing stays standard
/// under every demotion policy, and its binding records no admin reason.
#[test]
fn a_standard_account_is_never_demoted_nor_given_an_admin_reason() {
    for demotion in [
        DemotionPolicy::Never,
        DemotionPolicy::SesamePromoted,
        DemotionPolicy::Always,
    ] {
        let mut pol = linux();
        pol.admin_groups = vec![ADMINS.into()];
        pol.demotion = demotion;
        let s = snap(vec![
            account("root", 0, true, None),
            account("it", 1100, true, None),
            account(
                "ada.lovelace",
                1000,
                false,
                Some(bound(&ada(), Origin::Created, false)),
            ),
        ]);
        let p = run(&pol, &ada(), &s);
        let u = update(&p);
        assert_eq!(u.admin, AdminChange::Keep, "{demotion:?}: {}", p.explain());
        assert!(!u.binding.admin_by_sesame, "{demotion:?}");
        assert_eq!(u.binding.admin_reason, None, "{demotion:?}");
        assert!(p.explain().ends_with("stays standard"), "{}", p.explain());
    }
}
