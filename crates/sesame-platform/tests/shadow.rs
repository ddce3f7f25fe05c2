//! The Linux backend on sandbox roots, with the real shadow tools.
// Linux only: the real shadow tools (`useradd --root`), as root.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use sesame_core::provisioning::{AdminReason, LocalPasswordProof, Origin, Plan};
use sesame_core::verdict::PasswordVerdict;
use sesame_platform::directory::{BindingState, STATE_FILE};
use sesame_platform::{AccountDirectory, AccountSpec, NoHook, Passwords, provision};

#[test]
fn create_makes_a_real_account_with_password_admin_and_binding() {
    require_root!();
    let (tmp, dir, journal) = sandbox_dir();
    let me = ada(&[ADMINS]);
    let pw = secret(CLOUD_PASSWORD);
    let plan = first_login(&dir, &journal, &me, &pw);
    assert!(matches!(plan, Plan::Create(_)), "{}", plan.explain());

    let root = tmp.path();
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
    assert!(
        passwd.contains("ada:x:1000:1000:Ada Lovelace:/home/ada:/bin/bash"),
        "{passwd}"
    );
    let group = std::fs::read_to_string(root.join("etc/group")).unwrap();
    assert!(group.contains("sudo:x:27:ada"), "{group}");
    let shadow = std::fs::read_to_string(root.join("etc/shadow")).unwrap();
    assert!(
        shadow.contains("ada:$y$"),
        "yescrypt hash expected: {shadow}"
    );
    assert!(!shadow.contains(CLOUD_PASSWORD));
    assert!(root.join("home/ada").is_dir());

    assert!(dir.verify_password("ada", &pw).unwrap());
    assert!(!dir.verify_password("ada", &secret("wrong")).unwrap());

    let state_path = root.join(STATE_FILE);
    let mode = std::fs::metadata(&state_path).unwrap().permissions().mode();
    // Readable by the menu-bar daemon (the user), writable by root only.
    assert_eq!(
        mode & 0o777,
        0o644,
        "state file: root-writable, world-readable"
    );
    let state = BindingState::load(&state_path).unwrap();
    let b = &state.accounts["ada"];
    assert_eq!(b.id, me.id);
    assert_eq!(b.origin, Origin::Created);
    assert_eq!(b.admin_reason, Some(AdminReason::Group(ADMINS.into())));
    assert!(state.used_uids.contains(&1000));
    assert!(
        !std::fs::read_to_string(&state_path)
            .unwrap()
            .contains(CLOUD_PASSWORD)
    );
    assert!(!journal.path().exists(), "journal removed after success");

    let snap = dir.snapshot().unwrap();
    let acct = snap.by_identity(&me.id).unwrap();
    assert!(acct.is_admin);
}

#[test]
fn second_sign_in_updates_and_demotes_sesame_promoted_admin() {
    require_root!();
    let (tmp, dir, journal) = sandbox_dir();
    // Another admin exists, so demotion is allowed.
    dir.create(&AccountSpec {
        short_name: "it".into(),
        uid: 1500,
        full_name: "IT".into(),
        home: "/home/it".into(),
    })
    .unwrap();
    dir.set_admin("it", true).unwrap();
    let pw = secret(CLOUD_PASSWORD);
    let passwords = Passwords {
        new: &pw,
        old_local: None,
    };
    let verdict = PasswordVerdict::Verified;
    let admin_ada = ada(&[ADMINS]);
    let req = request(&admin_ada, &verdict, LocalPasswordProof::NotOffered);
    provision(&dir, &journal, &policy(), &req, &passwords, &mut NoHook).unwrap();

    // Removed from the admin group in Entra; new cloud password.
    let plain_ada = ada(&[]);
    let new_pw = secret("N3w-cloud-password");
    let req = request(&plain_ada, &verdict, LocalPasswordProof::NotOffered);
    let plan = provision(
        &dir,
        &journal,
        &policy(),
        &req,
        &Passwords {
            new: &new_pw,
            old_local: None,
        },
        &mut NoHook,
    )
    .unwrap();
    assert!(
        plan.explain().contains("admin revoked"),
        "{}",
        plan.explain()
    );
    let group = std::fs::read_to_string(tmp.path().join("etc/group")).unwrap();
    assert!(group.contains("sudo:x:27:it\n"), "{group}");
    assert!(dir.verify_password("ada", &new_pw).unwrap());
    assert!(!dir.verify_password("ada", &pw).unwrap());
}

#[test]
fn unbound_account_is_linked_only_with_its_local_password() {
    require_root!();
    let (_tmp, dir, journal) = sandbox_dir();
    dir.create(&AccountSpec {
        short_name: "ada".into(),
        uid: 1000,
        full_name: "Ada (local)".into(),
        home: "/home/ada".into(),
    })
    .unwrap();
    let local = secret(LOCAL_PASSWORD);
    dir.set_password("ada", &local, None).unwrap();

    let me = ada(&[]);
    let verdict = PasswordVerdict::Verified;
    let cloud = secret(CLOUD_PASSWORD);
    // The agent checks the typed local password with the directory first.
    let typed_wrong = secret("guess");
    let proof = if dir.verify_password("ada", &typed_wrong).unwrap() {
        LocalPasswordProof::Proven
    } else {
        LocalPasswordProof::Refuted
    };
    let plan = provision(
        &dir,
        &journal,
        &policy(),
        &request(&me, &verdict, proof),
        &Passwords {
            new: &cloud,
            old_local: Some(&typed_wrong),
        },
        &mut NoHook,
    )
    .unwrap();
    assert!(matches!(plan, Plan::Deny { .. }));
    assert!(dir.verify_password("ada", &local).unwrap(), "untouched");
    assert!(dir.snapshot().unwrap().by_identity(&me.id).is_none());

    assert!(dir.verify_password("ada", &local).unwrap());
    let plan = provision(
        &dir,
        &journal,
        &policy(),
        &request(&me, &verdict, LocalPasswordProof::Proven),
        &Passwords {
            new: &cloud,
            old_local: Some(&local),
        },
        &mut NoHook,
    )
    .unwrap();
    assert!(matches!(plan, Plan::Link(_)), "{}", plan.explain());
    assert!(dir.verify_password("ada", &cloud).unwrap());
    let acct = dir.find_by_identity(&me.id).unwrap().unwrap();
    assert_eq!(acct.uid, 1000);
    assert_eq!(
        acct.full_name, "Ada (local)",
        "a linked account keeps its name"
    );
    assert_eq!(acct.binding.unwrap().origin, Origin::Linked);
}

#[test]
fn reused_upn_cannot_take_over_a_bound_account() {
    require_root!();
    let (tmp, dir, journal) = sandbox_dir();
    let verdict = PasswordVerdict::Verified;
    let pw = secret(CLOUD_PASSWORD);
    let first = ada(&[]);
    provision(
        &dir,
        &journal,
        &policy(),
        &request(&first, &verdict, LocalPasswordProof::NotOffered),
        &Passwords {
            new: &pw,
            old_local: None,
        },
        &mut NoHook,
    )
    .unwrap();
    let shadow_before = std::fs::read_to_string(tmp.path().join("etc/shadow")).unwrap();

    let newcomer = identity(
        "ada@contoso.example",
        "0b0b0b0b-0000-0000-0000-0000000000b0",
        &[],
    );
    let attacker_pw = secret("attacker-Pa55");
    let plan = provision(
        &dir,
        &journal,
        &policy(),
        &request(&newcomer, &verdict, LocalPasswordProof::Proven),
        &Passwords {
            new: &attacker_pw,
            old_local: Some(&pw),
        },
        &mut NoHook,
    )
    .unwrap();
    assert!(
        plan.explain().contains("refusing takeover"),
        "{}",
        plan.explain()
    );
    let shadow_after = std::fs::read_to_string(tmp.path().join("etc/shadow")).unwrap();
    assert_eq!(shadow_before, shadow_after);
    assert!(dir.verify_password("ada", &pw).unwrap());
}

#[test]
fn deleted_accounts_uid_is_never_handed_out_again() {
    require_root!();
    let (_tmp, dir, journal) = sandbox_dir();
    let verdict = PasswordVerdict::Verified;
    let pw = secret(CLOUD_PASSWORD);
    let me = ada(&[]);
    let go = |who: &sesame_core::identity::Identity| {
        provision(
            &dir,
            &journal,
            &policy(),
            &request(who, &verdict, LocalPasswordProof::NotOffered),
            &Passwords {
                new: &pw,
                old_local: None,
            },
            &mut NoHook,
        )
        .unwrap()
    };
    go(&me);
    dir.delete("ada").unwrap();
    assert!(dir.find_by_short_name("ada").unwrap().is_none());
    let bob = identity(
        "bob@contoso.example",
        "0c0c0c0c-0000-0000-0000-0000000000c0",
        &[],
    );
    match go(&bob) {
        Plan::Create(n) => assert_eq!(n.uid, 1001, "1000 belonged to a deleted account"),
        other => panic!("{}", other.explain()),
    }
}

#[test]
fn unusable_password_is_refused_without_echoing_it() {
    require_root!();
    let (_tmp, dir, _journal) = sandbox_dir();
    dir.create(&AccountSpec {
        short_name: "ada".into(),
        uid: 1000,
        full_name: "Ada".into(),
        home: "/home/ada".into(),
    })
    .unwrap();
    let err = dir
        .set_password("ada", &secret("line1\nroot:injected"), None)
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("line break"), "{text}");
    assert!(!text.contains("injected"), "{text}");
}
