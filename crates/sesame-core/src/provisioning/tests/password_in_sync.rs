//! Whether a sign-in writes the local password: a returning user whose
//! local password already is the verified one keeps it as is (no re-hash,
//! no rewrite, and the sync log says so); every other account that signs in
//! gets the verified password; a denied sign-in touches nothing.

use super::*;

fn returning() -> DirectorySnapshot {
    snap(vec![account(
        "ada",
        1000,
        false,
        Some(bound(&ada(), Origin::Created, false)),
    )])
}

#[test]
fn a_returning_user_with_the_same_password_keeps_it_and_the_log_says_so() {
    let p = run(&linux(), &ada(), &returning()).with_local_password_verified(true);
    assert!(matches!(p, Plan::Update(_)), "{}", p.explain());
    assert!(!p.sets_password(), "{}", p.explain());
    assert!(
        p.explain()
            .contains("password already in sync (not set again)"),
        "{}",
        p.explain()
    );
}

#[test]
fn a_changed_password_a_new_account_and_a_link_all_get_the_verified_password() {
    let changed = run(&linux(), &ada(), &returning()).with_local_password_verified(false);
    assert!(changed.sets_password(), "{}", changed.explain());
    assert!(
        changed.explain().contains("password synced"),
        "{}",
        changed.explain()
    );

    let created = run(&linux(), &ada(), &snap(vec![])).with_local_password_verified(true);
    assert!(matches!(created, Plan::Create(_)), "{}", created.explain());
    assert!(created.sets_password(), "{}", created.explain());

    let mut pol = linux();
    pol.migrate = true;
    let linked = run_with(
        &pol,
        &ada(),
        &snap(vec![account("ada.lovelace", 1000, false, None)]),
        &verified_for(&ada().id),
        LocalPasswordProof::Proven,
    )
    .with_local_password_verified(true);
    assert!(matches!(linked, Plan::Link(_)), "{}", linked.explain());
    assert!(linked.sets_password(), "a link always sets it");
}

#[test]
fn a_denied_sign_in_sets_no_password() {
    let mut gate = linux();
    gate.allowed_groups = vec![ADMINS.into()];
    let p = run(&gate, &ada(), &snap(vec![])).with_local_password_verified(false);
    assert!(matches!(p, Plan::Deny { .. }), "{}", p.explain());
    assert!(!p.sets_password());
}
