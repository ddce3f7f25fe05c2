//! The transactional apply on the in-memory directory: a crash (panic) at
//! every step leaves a journal; the next run undoes it and converges.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use common::*;
use sesame_core::provisioning::{LocalAccount, LocalPasswordProof, Plan};
use sesame_core::verdict::PasswordVerdict;
use sesame_platform::{
    AccountDirectory, InMemoryDirectory, JournalFile, NoHook, Passwords, Step, StepHook, provision,
    recover,
};

struct CrashAt(usize, bool);
impl StepHook for CrashAt {
    fn before(&mut self, i: usize, _: &Step) {
        if i == self.0 && !self.1 {
            panic!("crash before step {i}");
        }
    }
    fn after(&mut self, i: usize, _: &Step) {
        if i == self.0 && self.1 {
            panic!("crash after step {i}");
        }
    }
}

fn fresh() -> InMemoryDirectory {
    let dir = InMemoryDirectory::new();
    dir.insert(
        LocalAccount {
            short_name: "root".into(),
            uid: 0,
            full_name: "root".into(),
            home: "/root".into(),
            is_admin: true,
            binding: None,
        },
        None,
    );
    dir
}

fn sign_in(dir: &InMemoryDirectory, journal: &JournalFile, hook: &mut dyn StepHook) -> Plan {
    let me = ada(&[ADMINS]);
    let verdict = PasswordVerdict::Verified;
    let pw = secret(CLOUD_PASSWORD);
    provision(
        dir,
        journal,
        &policy(),
        &request(&me, &verdict, LocalPasswordProof::NotOffered),
        &Passwords {
            new: &pw,
            old_local: None,
        },
        hook,
    )
    .unwrap()
}

#[test]
fn crash_at_every_step_recovers_to_the_same_account() {
    let tmp = tempfile::tempdir().unwrap();
    let journal = JournalFile::new(tmp.path().join("journal.json"));
    let reference = fresh();
    let plan = sign_in(&reference, &journal, &mut NoHook);
    assert!(matches!(plan, Plan::Create(_)));
    let expected = reference.snapshot().unwrap();
    let steps = 5; // record uid, create, password, admin, bind

    for index in 0..steps {
        for after in [false, true] {
            let dir = fresh();
            let crashed = catch_unwind(AssertUnwindSafe(|| {
                sign_in(&dir, &journal, &mut CrashAt(index, after))
            }));
            assert!(crashed.is_err(), "step {index} after={after}: hook fired");
            assert!(journal.load().unwrap().is_some(), "journal kept");

            // A half-made account is never visible as bound.
            let half = dir.snapshot().unwrap();
            assert!(
                half.accounts.iter().all(|a| a.binding.is_none()) || (index == 4 && after),
                "step {index} after={after}: bound before the last step"
            );

            let undone = recover(&dir, &journal).unwrap();
            assert!(undone.unwrap().starts_with("create ada"));
            assert_eq!(
                dir.snapshot().unwrap(),
                fresh().snapshot().unwrap(),
                "step {index} after={after}: rollback restores the start"
            );
            assert_eq!(sign_in(&dir, &journal, &mut NoHook), plan);
            assert_eq!(dir.snapshot().unwrap(), expected);
            assert!(dir.verify_password("ada", &secret(CLOUD_PASSWORD)).unwrap());
            assert!(journal.load().unwrap().is_none());
        }
    }
}

#[test]
fn damaged_journal_is_named_and_nothing_is_touched() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("journal.json");
    std::fs::write(&path, "{ not json").unwrap();
    let journal = JournalFile::new(&path);
    let dir = fresh();
    let err = recover(&dir, &journal).unwrap_err().to_string();
    assert!(err.contains("journal.json"), "{err}");
    assert!(err.contains("move it aside"), "{err}");
    assert_eq!(dir.snapshot().unwrap(), fresh().snapshot().unwrap());
}
