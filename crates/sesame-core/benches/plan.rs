//! Planning time for a person in 1,000 groups, with a gate, admin groups and
//! a directory of 200 local accounts.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use sesame_core::identity::{EntraId, Groups, Identity};
use sesame_core::password_binding::{EntraAccepted, PasswordOwner, VerifiedPassword};
use sesame_core::provisioning::{
    AccountOs, DirectorySnapshot, LocalAccount, LocalPasswordProof, Plan, PlanRequest, Policy, plan,
};

fn gid(i: usize) -> String {
    format!("{i:08x}-0000-4000-8000-000000000000")
}

fn bench_plan(c: &mut Criterion) {
    let groups: Vec<String> = (0..1000).map(gid).collect();
    let identity = Identity {
        id: EntraId {
            oid: "0a0a0a0a-0000-0000-0000-00000000ada0".into(),
            tid: "11111111-1111-1111-1111-111111111111".into(),
        },
        username: "ada.lovelace@contoso.example".into(),
        upn: Some("ada.lovelace@contoso.example".into()),
        name: Some("Ada Lovelace".into()),
        given_name: None,
        family_name: None,
        groups: Groups::Known { ids: groups },
        roles: vec![],
        extra_claims: BTreeMap::new(),
    };
    let mut policy = Policy::new(AccountOs::Macos);
    // Worst case: the matching groups are the last ones in the token.
    policy.allowed_groups = (990..1000).map(gid).map(|g| g.to_uppercase()).collect();
    policy.admin_groups = vec![gid(999), gid(5000), gid(5001)];
    let snapshot = DirectorySnapshot {
        accounts: (0..200)
            .map(|i| LocalAccount {
                short_name: format!("user{i}"),
                uid: 501 + i,
                full_name: format!("User {i}"),
                home: format!("/Users/user{i}"),
                is_admin: i % 10 == 0,
                binding: None,
            })
            .collect(),
        used_uids: (501..720).collect(),
    };
    let Ok(password) = VerifiedPassword::bind(
        &PasswordOwner::of(&identity),
        "pw".to_owned().into(),
        EntraAccepted::IdToken(&identity.id),
    ) else {
        return;
    };
    let request = PlanRequest {
        identity: &identity,
        password: &password,
        local_password: LocalPasswordProof::NotOffered,
        now: "2026-11-22T04:00:00Z",
    };
    assert!(matches!(
        plan(&policy, &request, &snapshot),
        Plan::Create(_)
    ));
    c.bench_function("plan: user in 1,000 groups", |b| {
        b.iter(|| {
            plan(
                black_box(&policy),
                black_box(&request),
                black_box(&snapshot),
            )
        })
    });
}

criterion_group!(benches, bench_plan);
criterion_main!(benches);
