//! Table tests: one row per provisioning rule.

mod admin_rights;
mod password_in_sync;
mod short_names;
mod uids;
mod updates;

use std::collections::BTreeMap;

use super::*;
use crate::identity::{EntraId, Groups, Identity};
use crate::password_binding::{EntraAccepted, PasswordOwner, VerifiedPassword};

const TID: &str = "11111111-1111-1111-1111-111111111111";
const ADMINS: &str = "aaaaaaaa-0000-0000-0000-000000000001";
const STAFF: &str = "bbbbbbbb-0000-0000-0000-000000000002";
const NOW: &str = "2026-11-22T04:00:00Z";

fn ada() -> Identity {
    Identity {
        id: EntraId {
            oid: "0a0a0a0a-0000-0000-0000-00000000ada0".into(),
            tid: TID.into(),
        },
        username: "Ada.Lovelace@contoso.example".into(),
        upn: Some("Ada.Lovelace@contoso.example".into()),
        name: Some("Ada Lovelace".into()),
        given_name: Some("Ada".into()),
        family_name: Some("Lovelace".into()),
        groups: Groups::Known {
            ids: vec![STAFF.into()],
        },
        roles: vec![],
        extra_claims: BTreeMap::new(),
    }
}

fn with_groups(mut i: Identity, ids: &[&str]) -> Identity {
    i.groups = Groups::Known {
        ids: ids.iter().map(|s| s.to_string()).collect(),
    };
    i
}

fn unknown_groups(mut i: Identity) -> Identity {
    i.groups = Groups::Unknown {
        reason: "overage; Graph returned 403".into(),
    };
    i
}

fn linux() -> Policy {
    Policy::new(AccountOs::Linux)
}

fn account(name: &str, uid: u32, admin: bool, binding: Option<Binding>) -> LocalAccount {
    LocalAccount {
        short_name: name.into(),
        uid,
        full_name: name.into(),
        home: format!("/home/{name}"),
        is_admin: admin,
        binding,
    }
}

fn bound(id: &Identity, origin: Origin, by_sesame: bool) -> Binding {
    Binding {
        id: id.id.clone(),
        upn: id.upn.clone().unwrap_or_default(),
        origin,
        admin_by_sesame: by_sesame,
        admin_reason: by_sesame.then(|| AdminReason::Group(ADMINS.into())),
        last_sync: None,
    }
}

fn snap(accounts: Vec<LocalAccount>) -> DirectorySnapshot {
    DirectorySnapshot {
        accounts,
        used_uids: Default::default(),
    }
}

/// A password Entra verified (by ID token) for `id`.
fn verified_for(id: &EntraId) -> VerifiedPassword {
    let owner = PasswordOwner {
        id: id.clone(),
        username: String::new(),
    };
    match VerifiedPassword::bind(&owner, "pw".to_owned().into(), EntraAccepted::IdToken(id)) {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

fn run(policy: &Policy, identity: &Identity, snapshot: &DirectorySnapshot) -> Plan {
    run_with(
        policy,
        identity,
        snapshot,
        &verified_for(&identity.id),
        LocalPasswordProof::NotOffered,
    )
}

fn run_with(
    policy: &Policy,
    identity: &Identity,
    snapshot: &DirectorySnapshot,
    password: &VerifiedPassword,
    local: LocalPasswordProof,
) -> Plan {
    plan(
        policy,
        &PlanRequest {
            identity,
            password,
            local_password: local,
            now: NOW,
        },
        snapshot,
    )
}

fn denial(p: &Plan) -> &DenyReason {
    match p {
        Plan::Deny { reason, .. } => reason,
        other => panic!("expected a denial, got {}", other.explain()),
    }
}

fn update(p: &Plan) -> &AccountUpdate {
    match p {
        Plan::Update(u) => u,
        other => panic!("expected an update, got {}", other.explain()),
    }
}

fn create(p: &Plan) -> &NewAccount {
    match p {
        Plan::Create(n) => n,
        other => panic!("expected a create, got {}", other.explain()),
    }
}

#[test]
fn new_person_gets_a_standard_account_bound_to_oid_and_tid() {
    let p = run(
        &linux(),
        &ada(),
        &snap(vec![account("root", 0, true, None)]),
    );
    let n = create(&p);
    assert_eq!(n.short_name, "ada.lovelace");
    assert_eq!(n.uid, 1000);
    assert_eq!(n.home, "/home/ada.lovelace");
    assert_eq!(n.full_name, "Ada Lovelace");
    assert_eq!(n.admin, None);
    assert_eq!(n.binding.id, ada().id);
    assert_eq!(n.binding.origin, Origin::Created);
    assert_eq!(n.binding.last_sync.as_deref(), Some(NOW));
    assert_eq!(p.log_event(), crate::synclog::EventKind::AccountCreated);
    assert_eq!(
        p.explain(),
        "create ada.lovelace (uid 1000, home /home/ada.lovelace, standard) bound to oid 0a0a0a0a-0000-0000-0000-00000000ada0 tid 11111111-1111-1111-1111-111111111111"
    );
}

#[test]
fn macos_uses_501_and_users_home() {
    let p = run(&Policy::new(AccountOs::Macos), &ada(), &snap(vec![]));
    let n = create(&p);
    assert_eq!((n.uid, n.home.as_str()), (501, "/Users/ada.lovelace"));
}

#[test]
fn uid_is_never_reused_and_skips_taken_ones() {
    let mut s = snap(vec![
        account("root", 0, true, None),
        account("bob", 1000, false, None),
        account("carol", 1002, false, None),
    ]);
    // 1001 belonged to a deleted Sesame account: never handed out again.
    s.used_uids.insert(1001);
    s.used_uids.insert(1003);
    assert_eq!(create(&run(&linux(), &ada(), &s)).uid, 1004);
    let mut pol = linux();
    pol.uid_floor = Some(60000);
    s.used_uids.insert(60000);
    assert!(matches!(
        denial(&run(&pol, &ada(), &s)),
        DenyReason::NoFreeUid { .. }
    ));
}

#[test]
fn a_password_verified_for_another_identity_never_provisions() {
    let grace = EntraId {
        oid: "9a9a9a9a-0000-0000-0000-00000000a9a9".into(),
        tid: TID.into(),
    };
    let other_tenant = EntraId {
        oid: ada().id.oid,
        tid: "22222222-2222-2222-2222-222222222222".into(),
    };
    for other in [grace, other_tenant] {
        let p = run_with(
            &linux(),
            &ada(),
            &snap(vec![]),
            &verified_for(&other),
            LocalPasswordProof::NotOffered,
        );
        assert_eq!(
            *denial(&p),
            DenyReason::PasswordForOtherIdentity {
                verified_for: other.clone()
            },
            "{}",
            p.explain()
        );
    }
    // The same identity (GUID case aside) provisions.
    let mut upper = ada().id;
    upper.oid = upper.oid.to_uppercase();
    let p = run_with(
        &linux(),
        &ada(),
        &snap(vec![]),
        &verified_for(&upper),
        LocalPasswordProof::NotOffered,
    );
    assert!(matches!(p, Plan::Create(_)), "{}", p.explain());
}

#[test]
fn gate_admits_members_only_and_compares_object_ids_case_insensitively() {
    let mut pol = linux();
    pol.allowed_groups = vec![STAFF.to_uppercase()];
    assert!(matches!(run(&pol, &ada(), &snap(vec![])), Plan::Create(_)));
    let outsider = with_groups(ada(), &["cccccccc-0000-0000-0000-000000000003"]);
    let p = run(&pol, &outsider, &snap(vec![]));
    assert_eq!(*denial(&p), DenyReason::NotInAllowedGroup { configured: 1 });
    assert!(p.explain().contains("allowed group"), "{}", p.explain());
}

#[test]
fn unknown_groups_deny_only_when_a_group_rule_needs_them() {
    let nobody_needs = run(&linux(), &unknown_groups(ada()), &snap(vec![]));
    assert!(matches!(nobody_needs, Plan::Create(_)));

    let mut gate = linux();
    gate.allowed_groups = vec![STAFF.into()];
    let p = run(&gate, &unknown_groups(ada()), &snap(vec![]));
    assert!(
        matches!(denial(&p), DenyReason::GroupsUnknown { needed_for, .. } if needed_for == "allowed groups")
    );
    assert!(p.explain().contains("Graph returned 403"));

    let mut admin = linux();
    admin.admin_groups = vec![ADMINS.into()];
    let p = run(&admin, &unknown_groups(ada()), &snap(vec![]));
    assert!(
        matches!(denial(&p), DenyReason::GroupsUnknown { needed_for, .. } if needed_for == "admin groups")
    );

    // An admin role decides without groups.
    admin.admin_roles = vec!["Mac.Admin".into()];
    let mut role_holder = unknown_groups(ada());
    role_holder.roles = vec!["Mac.Admin".into()];
    let p = run(&admin, &role_holder, &snap(vec![]));
    assert_eq!(
        create(&p).admin,
        Some(AdminReason::Role("Mac.Admin".into()))
    );
}

#[test]
fn admin_by_group_role_or_all() {
    let mut pol = linux();
    pol.admin_groups = vec![ADMINS.into()];
    pol.admin_roles = vec!["Mac.Admin".into()];
    let in_group = with_groups(ada(), &[STAFF, ADMINS]);
    let n = run(&pol, &in_group, &snap(vec![]));
    assert_eq!(create(&n).admin, Some(AdminReason::Group(ADMINS.into())));
    assert!(create(&n).binding.admin_by_sesame);
    assert!(
        n.explain().contains("admin via admin group"),
        "{}",
        n.explain()
    );

    let mut with_role = ada();
    with_role.roles = vec!["Reader".into(), "Mac.Admin".into()];
    let n = run(&pol, &with_role, &snap(vec![]));
    assert_eq!(
        create(&n).admin,
        Some(AdminReason::Role("Mac.Admin".into()))
    );

    assert_eq!(create(&run(&pol, &ada(), &snap(vec![]))).admin, None);

    let mut all = linux();
    all.create_admin_for_all = true;
    assert_eq!(
        create(&run(&all, &ada(), &snap(vec![]))).admin,
        Some(AdminReason::AllUsers)
    );
}

#[test]
fn bound_account_is_updated_and_promoted() {
    let mut pol = linux();
    pol.admin_groups = vec![ADMINS.into()];
    let me = with_groups(ada(), &[ADMINS]);
    let s = snap(vec![
        account("root", 0, true, None),
        account(
            "ada.lovelace",
            1000,
            false,
            Some(bound(&me, Origin::Created, false)),
        ),
    ]);
    let p = run(&pol, &me, &s);
    let u = update(&p);
    assert_eq!(
        u.admin,
        AdminChange::Grant(AdminReason::Group(ADMINS.into()))
    );
    assert!(u.binding.admin_by_sesame);
    assert_eq!(u.full_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(u.binding.last_sync.as_deref(), Some(NOW));
    assert!(
        p.explain()
            .starts_with("update ada.lovelace: password synced")
    );
}

#[test]
fn renamed_upn_keeps_the_bound_account() {
    let me = ada();
    let s = snap(vec![account(
        "ada.lovelace",
        1000,
        false,
        Some(bound(&me, Origin::Created, false)),
    )]);
    let mut renamed = me.clone();
    renamed.upn = Some("ada.byron@contoso.example".into());
    let u = update(&run(&linux(), &renamed, &s)).clone();
    assert_eq!(u.short_name, "ada.lovelace");
    assert_eq!(u.binding.upn, "ada.byron@contoso.example");
}

#[test]
fn takeover_by_reused_upn_or_other_tenant_is_denied() {
    let owner = ada();
    let s = snap(vec![account(
        "ada.lovelace",
        1000,
        false,
        Some(bound(&owner, Origin::Created, false)),
    )]);
    // Same UPN, new person (the UPN was reused after the first Ada left).
    let mut newcomer = ada();
    newcomer.id.oid = "0b0b0b0b-0000-0000-0000-0000000000b0".into();
    let p = run(&linux(), &newcomer, &s);
    assert_eq!(
        *denial(&p),
        DenyReason::Takeover {
            bound_to: owner.id.clone()
        }
    );
    assert!(p.explain().contains("refusing takeover"));
    assert_eq!(p.log_event(), crate::synclog::EventKind::AccountDenied);
    // Same oid in another tenant is another identity too.
    let mut guest = ada();
    guest.id.tid = "22222222-2222-2222-2222-222222222222".into();
    assert!(matches!(
        denial(&run(&linux(), &guest, &s)),
        DenyReason::Takeover { .. }
    ));
    // Migration and a "proven" password do not open the door either.
    let mut migrate = linux();
    migrate.migrate = true;
    let p = run_with(
        &migrate,
        &newcomer,
        &s,
        &verified_for(&newcomer.id),
        LocalPasswordProof::Proven,
    );
    assert!(matches!(denial(&p), DenyReason::Takeover { .. }));
}

#[test]
fn unbound_account_links_only_with_migration_and_local_password() {
    let s = snap(vec![
        account("root", 0, true, None),
        account("ada.lovelace", 1000, true, None),
    ]);
    assert_eq!(
        *denial(&run(&linux(), &ada(), &s)),
        DenyReason::MigrationOff
    );
    let mut pol = linux();
    pol.migrate = true;
    let ask = |proof| run_with(&pol, &ada(), &s, &verified_for(&ada().id), proof);
    assert_eq!(
        *denial(&ask(LocalPasswordProof::NotOffered)),
        DenyReason::LocalPasswordNeeded
    );
    assert_eq!(
        *denial(&ask(LocalPasswordProof::Refuted)),
        DenyReason::LocalPasswordWrong
    );
    let p = ask(LocalPasswordProof::Proven);
    let Plan::Link(l) = &p else {
        panic!("expected link, got {}", p.explain())
    };
    assert_eq!(l.binding.origin, Origin::Linked);
    assert_eq!(l.admin, AdminChange::Keep);
    assert_eq!(l.binding.admin_reason, Some(AdminReason::PreExisting));
    assert!(!l.binding.admin_by_sesame);
    assert!(
        p.explain()
            .starts_with("link existing account ada.lovelace")
    );
}

#[test]
fn system_accounts_are_never_linked() {
    let mut me = ada();
    me.upn = Some("backupsvc@contoso.example".into());
    let mut pol = linux();
    pol.migrate = true;
    let s = snap(vec![account("backupsvc", 998, false, None)]);
    let p = run_with(
        &pol,
        &me,
        &s,
        &verified_for(&ada().id),
        LocalPasswordProof::Proven,
    );
    assert_eq!(*denial(&p), DenyReason::SystemAccount { uid: 998 });
}

/// (demotion policy, promoted by Sesame, other admins on the machine) -> change
#[test]
fn demotion_rules_and_last_admin_protection() {
    let me = ada(); // no admin group, no role
    let cases = [
        (DemotionPolicy::Never, true, 1, AdminChange::Keep),
        (DemotionPolicy::SesamePromoted, true, 1, AdminChange::Revoke),
        (DemotionPolicy::SesamePromoted, false, 1, AdminChange::Keep),
        (DemotionPolicy::Always, false, 1, AdminChange::Revoke),
        (DemotionPolicy::Always, true, 0, AdminChange::KeepLastAdmin),
        (
            DemotionPolicy::SesamePromoted,
            true,
            0,
            AdminChange::KeepLastAdmin,
        ),
    ];
    for (demotion, promoted, other_admins, expected) in cases {
        let mut pol = linux();
        pol.admin_groups = vec![ADMINS.into()];
        pol.demotion = demotion;
        // root is admin too, but no person's login: it does not count.
        let mut accounts = vec![
            account("root", 0, true, None),
            account(
                "ada.lovelace",
                1000,
                true,
                Some(bound(&me, Origin::Created, promoted)),
            ),
        ];
        for i in 0..other_admins {
            accounts.push(account(&format!("it{i}"), 1100 + i, true, None));
        }
        let p = run(&pol, &me, &snap(accounts));
        let u = update(&p);
        assert_eq!(
            u.admin, expected,
            "{demotion:?} promoted={promoted} others={other_admins}"
        );
        match expected {
            AdminChange::Revoke => {
                assert!(!u.binding.admin_by_sesame);
                assert_eq!(u.binding.admin_reason, None);
            }
            AdminChange::KeepLastAdmin => {
                assert!(p.explain().contains("last admin"), "{}", p.explain())
            }
            _ => assert!(u.binding.admin_reason.is_some()),
        }
    }
}

#[test]
fn standard_account_that_stays_standard_is_left_alone() {
    let me = ada();
    let s = snap(vec![account(
        "ada.lovelace",
        1000,
        false,
        Some(bound(&me, Origin::Created, false)),
    )]);
    let p = run(&linux(), &me, &s);
    assert_eq!(update(&p).admin, AdminChange::Keep);
    assert!(p.explain().contains("stays standard"));
}

#[test]
fn short_name_rules() {
    let named = |upn: &str| {
        let mut i = ada();
        i.upn = Some(upn.into());
        short_name(&i, None, AccountOs::Linux)
    };
    assert_eq!(
        named("Jean Luc.O'Brien@x.example").as_deref(),
        Ok("jean_luc.o_brien")
    );
    assert_eq!(named("josé@x.example").as_deref(), Ok("jos_"));
    assert_eq!(named("MiXeD@x.example").as_deref(), Ok("mixed"));
    assert!(matches!(
        named("root@x.example"),
        Err(ShortNameError::Reserved { .. })
    ));
    assert!(matches!(
        named("Admin@x.example"),
        Err(ShortNameError::Reserved { .. })
    ));
    assert!(matches!(
        named("nobody@x.example"),
        Err(ShortNameError::Reserved { .. })
    ));
    assert!(matches!(
        named("_spotlight@x.example"),
        Err(ShortNameError::Reserved { .. })
    ));
    assert!(matches!(
        named("9lives@x.example"),
        Err(ShortNameError::BadFirstCharacter { .. })
    ));
    assert!(matches!(
        named("@x.example"),
        Err(ShortNameError::Empty { .. })
    ));
    let long = format!("{}@x.example", "a".repeat(33));
    assert!(matches!(
        named(&long),
        Err(ShortNameError::TooLong {
            len: 33,
            max: 32,
            ..
        })
    ));
    let mut i = ada();
    i.upn = Some(long);
    assert!(short_name(&i, None, AccountOs::Macos).is_ok());
}

#[test]
fn short_name_from_configured_claim() {
    let mut i = ada();
    i.extra_claims
        .insert("samAccountName".into(), "ALOVELACE".into());
    assert_eq!(
        short_name(&i, Some("samAccountName"), AccountOs::Linux).as_deref(),
        Ok("alovelace")
    );
    let mut pol = linux();
    pol.short_name_claim = Some("employeeid".into());
    let p = run(&pol, &ada(), &snap(vec![]));
    assert_eq!(
        *denial(&p),
        DenyReason::ShortName(ShortNameError::MissingClaim {
            claim: "employeeid".into()
        })
    );
    assert!(p.explain().contains("'employeeid' claim"));
}

#[test]
fn full_name_falls_back_to_given_family_then_username() {
    let mut i = ada();
    i.name = None;
    assert_eq!(
        create(&run(&linux(), &i, &snap(vec![]))).full_name,
        "Ada Lovelace"
    );
    i.given_name = None;
    i.family_name = None;
    assert_eq!(
        create(&run(&linux(), &i, &snap(vec![]))).full_name,
        "Ada.Lovelace@contoso.example"
    );
}

#[test]
fn plans_round_trip_through_json() {
    let p = run(&linux(), &ada(), &snap(vec![]));
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains("\"action\":\"create\""), "{json}");
    let back: Plan = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
}

#[test]
fn a_name_with_a_comma_is_stored_once_and_not_rewritten_at_every_login() {
    let mut i = ada();
    i.name = Some("Lovelace, Ada".into());
    let created = run(&linux(), &i, &snap(vec![]));
    assert_eq!(create(&created).full_name, "Lovelace Ada");
    // What the directory reads back after that create.
    let mut acct = account("ada", 1000, false, Some(bound(&i, Origin::Created, false)));
    acct.full_name = create(&created).full_name.clone();
    let again = run(&linux(), &i, &snap(vec![acct.clone()]));
    assert_eq!(update(&again).full_name, None, "{}", again.explain());
    // A real change is still applied, sanitized.
    i.name = Some("King: Ada\n".into());
    let renamed = run(&linux(), &i, &snap(vec![acct]));
    assert_eq!(update(&renamed).full_name.as_deref(), Some("King Ada"));
}

/// The app registration stopped emitting the groups claim: a Sesame-promoted
/// admin is not demoted, nobody is let in or out on a missing claim, and the
/// denial names the app-registration fix.
#[test]
fn a_missing_groups_claim_fails_closed_and_never_demotes() {
    let mut me = ada();
    me.groups = Groups::NotEmitted;
    let mut pol = linux();
    pol.admin_groups = vec![ADMINS.into()];
    pol.demotion = DemotionPolicy::SesamePromoted;
    let s = snap(vec![
        account("root", 0, true, None),
        account("other.admin", 1001, true, None),
        account(
            "ada.lovelace",
            1000,
            true,
            Some(bound(&ada(), Origin::Created, true)),
        ),
    ]);
    let p = run(&pol, &me, &s);
    assert_eq!(
        *denial(&p),
        DenyReason::GroupsClaimMissing {
            needed_for: "admin groups".into()
        },
        "{}",
        p.explain()
    );
    let why = p.explain();
    assert!(
        why.contains("groupMembershipClaims") && why.contains("Token configuration"),
        "{why}"
    );
    // The same with a known, empty list *does* demote: the difference is the claim.
    let mut none = ada();
    none.groups = Groups::Known { ids: vec![] };
    assert_eq!(update(&run(&pol, &none, &s)).admin, AdminChange::Revoke);
    // Allowed groups: not "not a member", but the same fail-closed denial.
    let mut gate = linux();
    gate.allowed_groups = vec![STAFF.into()];
    assert_eq!(
        *denial(&run(&gate, &me, &snap(vec![]))),
        DenyReason::GroupsClaimMissing {
            needed_for: "allowed groups".into()
        }
    );
    // No group rule: a missing claim changes nothing.
    assert!(matches!(run(&linux(), &me, &snap(vec![])), Plan::Create(_)));
}
