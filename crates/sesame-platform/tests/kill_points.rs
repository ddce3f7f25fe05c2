//! Kill the process at every step of applying a plan (before and after each
//! step), re-run, and check the result is the same account as an
//! uninterrupted run, with nothing half-made. Also: a failing step rolls
//! everything back.
// Linux only: the real shadow tools (`useradd --root`), as root, killed mid-step.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use secrecy::SecretString;
use sesame_core::provisioning::{Binding, DirectorySnapshot, LocalPasswordProof, Plan};
use sesame_core::verdict::PasswordVerdict;
use sesame_platform::{
    AccountDirectory, AccountSpec, ApplyError, DirectoryError, NoHook, Passwords, ShadowDirectory,
    Step, StepHook, provision,
};

/// The scenarios: what exists before, who signs in.
#[derive(Clone, Copy, Debug)]
enum Scenario {
    /// New admin account: record uid, create, password, admin, bind.
    CreateAdmin,
    /// Existing bound standard account; now admin and renamed.
    UpdatePromote,
    /// Existing unbound admin account, linked with its local password.
    Link,
}

const SCENARIOS: [Scenario; 3] = [
    Scenario::CreateAdmin,
    Scenario::UpdatePromote,
    Scenario::Link,
];

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Self::CreateAdmin => "create",
            Self::UpdatePromote => "update",
            Self::Link => "link",
        }
    }

    fn from_name(s: &str) -> Self {
        SCENARIOS.into_iter().find(|x| x.name() == s).unwrap()
    }

    /// Prepare the sandbox (before the sign-in under test).
    fn setup(self, dir: &ShadowDirectory) {
        let local = secret(LOCAL_PASSWORD);
        match self {
            Self::CreateAdmin => {}
            Self::UpdatePromote => {
                let mut me = ada(&[]);
                me.name = Some("Ada King".into());
                let verdict = PasswordVerdict::Verified;
                let journal = sesame_platform::JournalFile::new(dir.journal_path());
                provision(
                    dir,
                    &journal,
                    &policy(),
                    &request(&me, &verdict, LocalPasswordProof::NotOffered),
                    &Passwords {
                        new: &local,
                        old_local: None,
                    },
                    &mut NoHook,
                )
                .unwrap();
            }
            Self::Link => {
                dir.create(&AccountSpec {
                    short_name: "ada".into(),
                    uid: 1000,
                    full_name: "Ada (local)".into(),
                    home: "/home/ada".into(),
                })
                .unwrap();
                dir.set_password("ada", &local, None).unwrap();
            }
        }
    }

    /// The sign-in under test.
    fn sign_in(self, dir: &ShadowDirectory, hook: &mut dyn StepHook) -> Result<Plan, ApplyError> {
        let me = ada(&[ADMINS]);
        let verdict = PasswordVerdict::Verified;
        let cloud = secret(CLOUD_PASSWORD);
        let local = secret(LOCAL_PASSWORD);
        let journal = sesame_platform::JournalFile::new(dir.journal_path());
        provision(
            dir,
            &journal,
            &policy(),
            &request(&me, &verdict, LocalPasswordProof::Proven),
            &Passwords {
                new: &cloud,
                old_local: Some(&local),
            },
            hook,
        )
    }
}

struct KillAt {
    index: usize,
    after: bool,
}

impl StepHook for KillAt {
    fn before(&mut self, index: usize, _: &Step) {
        if index == self.index && !self.after {
            kill_self();
        }
    }
    fn after(&mut self, index: usize, _: &Step) {
        if index == self.index && self.after {
            kill_self();
        }
    }
}

fn kill_self() {
    // SAFETY: sending SIGKILL to ourselves has no preconditions.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
}

struct CountSteps(usize);
impl StepHook for CountSteps {
    fn after(&mut self, index: usize, _: &Step) {
        self.0 = self.0.max(index + 1);
    }
}

/// Runs in a child process: apply the scenario and die at the kill point.
#[test]
#[ignore = "child process of the kill-point tests"]
fn kill_child() {
    let (Ok(root), Ok(scenario), Ok(at)) = (
        std::env::var("SESAME_KILL_ROOT"),
        std::env::var("SESAME_KILL_SCENARIO"),
        std::env::var("SESAME_KILL_AT"),
    ) else {
        return;
    };
    let (when, index) = at.split_once(':').unwrap();
    let dir = ShadowDirectory::new(root);
    let mut hook = KillAt {
        index: index.parse().unwrap(),
        after: when == "after",
    };
    let _ = Scenario::from_name(&scenario).sign_in(&dir, &mut hook);
    // Reaching here means the kill point was never hit.
    std::process::exit(3);
}

/// What must be equal between a killed-and-rerun attempt and a clean one.
fn observable(dir: &ShadowDirectory) -> (DirectorySnapshot, bool) {
    let snap = dir.snapshot().unwrap();
    let pw_ok = dir.verify_password("ada", &secret(CLOUD_PASSWORD)).unwrap();
    (snap, pw_ok)
}

fn assert_clean(root: &Path) {
    let leftovers: Vec<String> = files_under(root)
        .into_iter()
        .filter(|f| {
            f.contains(".tmp-")
                || f.ends_with(".tmp")
                || f.ends_with("journal.json")
                || (f.ends_with(".lock")
                    && !f.ends_with(".pwd.lock")
                    && !f.ends_with("accounts.json.lock"))
        })
        // etc/.pwd.lock (lckpwdf) and accounts.json.lock (Sesame's flock on
        // the binding state) are permanent lock files; etc/passwd.lock and
        // friends would be locks left by a tool killed mid-write.
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[test]
fn killing_at_every_step_then_rerunning_converges() {
    require_root!();
    for scenario in SCENARIOS {
        // Reference: an uninterrupted run.
        let (ref_tmp, ref_dir, _) = sandbox_dir();
        scenario.setup(&ref_dir);
        let mut count = CountSteps(0);
        let plan = scenario.sign_in(&ref_dir, &mut count).unwrap();
        let steps = count.0;
        assert!(steps >= 3, "{}: {} steps", scenario.name(), steps);
        let reference = observable(&ref_dir);
        assert!(reference.1, "reference run set the cloud password");
        assert_clean(ref_tmp.path());

        for index in 0..steps {
            for when in ["before", "after"] {
                let (tmp, dir, _) = sandbox_dir();
                scenario.setup(&dir);
                let status = Command::new(std::env::current_exe().unwrap())
                    .args(["--exact", "kill_child", "--include-ignored", "--nocapture"])
                    .env("SESAME_KILL_ROOT", tmp.path())
                    .env("SESAME_KILL_SCENARIO", scenario.name())
                    .env("SESAME_KILL_AT", format!("{when}:{index}"))
                    .status()
                    .unwrap();
                let what = format!("{} killed {when} step {index}", scenario.name());
                assert_eq!(
                    status.code(),
                    None,
                    "{what}: child was not killed ({status})"
                );
                assert!(dir.journal_path().exists(), "{what}: journal kept");

                let rerun = scenario.sign_in(&dir, &mut NoHook).unwrap();
                assert_eq!(rerun, plan, "{what}: same plan on re-run");
                assert_eq!(observable(&dir), reference, "{what}: same account");
                assert_clean(tmp.path());
            }
        }
    }
}

/// Delegates to the shadow backend but fails the `fail_at`-th mutating call.
struct Failing<'a> {
    inner: &'a ShadowDirectory,
    calls: std::cell::Cell<usize>,
    fail_at: usize,
    /// Also fail every undo that deletes (the rollback cannot finish).
    fail_undo: bool,
}

impl Failing<'_> {
    fn tick(&self) -> Result<(), DirectoryError> {
        let n = self.calls.get();
        self.calls.set(n + 1);
        if n == self.fail_at {
            Err(DirectoryError::Unsupported("injected failure"))
        } else {
            Ok(())
        }
    }
}

impl AccountDirectory for Failing<'_> {
    fn snapshot(&self) -> Result<DirectorySnapshot, DirectoryError> {
        self.inner.snapshot()
    }
    fn create(&self, a: &AccountSpec) -> Result<(), DirectoryError> {
        self.tick()?;
        self.inner.create(a)
    }
    fn set_full_name(&self, s: &str, n: &str) -> Result<(), DirectoryError> {
        self.tick()?;
        self.inner.set_full_name(s, n)
    }
    fn set_password(
        &self,
        s: &str,
        n: &SecretString,
        o: Option<&SecretString>,
    ) -> Result<(), DirectoryError> {
        self.tick()?;
        self.inner.set_password(s, n, o)
    }
    fn verify_password(&self, s: &str, p: &SecretString) -> Result<bool, DirectoryError> {
        self.inner.verify_password(s, p)
    }
    fn set_admin(&self, s: &str, a: bool) -> Result<(), DirectoryError> {
        self.tick()?;
        self.inner.set_admin(s, a)
    }
    fn bind(&self, s: &str, b: Option<&Binding>) -> Result<(), DirectoryError> {
        self.tick()?;
        self.inner.bind(s, b)
    }
    fn record_uid(&self, uid: u32) -> Result<(), DirectoryError> {
        self.tick()?;
        self.inner.record_uid(uid)
    }
    fn forget_uid(&self, uid: u32) -> Result<(), DirectoryError> {
        self.inner.forget_uid(uid)
    }
    fn delete(&self, s: &str) -> Result<(), DirectoryError> {
        if self.fail_undo {
            return Err(DirectoryError::Unsupported("injected undo failure"));
        }
        self.inner.delete(s)
    }
}

#[test]
fn a_failing_step_rolls_back_everything_before_it() {
    require_root!();
    for fail_at in 0..5 {
        let (tmp, dir, journal) = sandbox_dir();
        let before = dir.snapshot().unwrap();
        let failing = Failing {
            inner: &dir,
            calls: Default::default(),
            fail_at,
            fail_undo: false,
        };
        let me = ada(&[ADMINS]);
        let verdict = PasswordVerdict::Verified;
        let cloud = secret(CLOUD_PASSWORD);
        let err = provision(
            &failing,
            &journal,
            &policy(),
            &request(&me, &verdict, LocalPasswordProof::NotOffered),
            &Passwords {
                new: &cloud,
                old_local: None,
            },
            &mut NoHook,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("rolled back"), "step {fail_at}: {text}");
        assert!(!text.contains(CLOUD_PASSWORD));
        assert_eq!(
            dir.snapshot().unwrap(),
            before,
            "step {fail_at}: nothing half-made"
        );
        assert!(
            !tmp.path().join("home/ada").exists(),
            "step {fail_at}: home removed"
        );
        assert_clean(tmp.path());
    }
}

#[test]
fn an_unfinished_rollback_keeps_the_journal_and_the_next_run_finishes_it() {
    require_root!();
    let (tmp, dir, journal) = sandbox_dir();
    let before = dir.snapshot().unwrap();
    // Fail at "set password" (after the account exists), and fail the undo.
    let failing = Failing {
        inner: &dir,
        calls: Default::default(),
        fail_at: 2,
        fail_undo: true,
    };
    let me = ada(&[ADMINS]);
    let verdict = PasswordVerdict::Verified;
    let cloud = secret(CLOUD_PASSWORD);
    let passwords = Passwords {
        new: &cloud,
        old_local: None,
    };
    let req = request(&me, &verdict, LocalPasswordProof::NotOffered);
    let err = provision(&failing, &journal, &policy(), &req, &passwords, &mut NoHook).unwrap_err();
    assert!(
        matches!(err, ApplyError::RollbackIncomplete { .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("journal.json") && text.contains("next run"),
        "{text}"
    );
    assert!(journal.path().exists());
    // The account exists but is not bound: nobody can mistake it for done.
    let half = dir.find_by_short_name("ada").unwrap().unwrap();
    assert!(half.binding.is_none());

    // Next run on a healthy directory: the rollback finishes, then the
    // sign-in succeeds as if nothing had happened.
    let undone = sesame_platform::recover(&dir, &journal).unwrap();
    assert!(undone.is_some());
    assert_eq!(dir.snapshot().unwrap(), before);
    let plan = provision(&dir, &journal, &policy(), &req, &passwords, &mut NoHook).unwrap();
    assert!(
        matches!(plan, Plan::Create(ref n) if n.uid == 1000),
        "{}",
        plan.explain()
    );
    assert_clean(tmp.path());
}
