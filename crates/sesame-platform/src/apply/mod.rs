//! Making a provisioning plan so, transactionally.
//!
//! A plan becomes a list of [`Step`]s. Before each step the journal (a small
//! JSON file, written atomically) records how far we got; when a step fails,
//! the steps done so far are undone in reverse. When the process dies
//! mid-way, the next run finds the journal and undoes the unfinished attempt
//! before planning again, so a re-run converges to the same account and
//! nothing is left half-made. The binding is always the last step: an
//! account is finished exactly when it is bound.

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use sesame_core::provisioning::{Plan, PlanRequest, Policy, plan};

use crate::directory::{AccountDirectory, DirectoryError};
use sesame_safefs::{remove_durably, write_atomic};

mod steps;

pub use steps::{Step, steps_for};

/// The journal of an attempt in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// The plan's one-line explanation.
    pub plan: String,
    /// The steps of the plan.
    pub steps: Vec<Step>,
    /// Steps before this index are done; the step at this index may have
    /// started.
    pub next: usize,
}

/// Why applying a plan failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// A step failed; everything done before it was undone.
    #[error("{step} failed: {source}; the change was rolled back, nothing was left half-made")]
    StepFailed {
        /// The step.
        step: String,
        /// Why it failed.
        #[source]
        source: Box<DirectoryError>,
    },
    /// A step failed and undoing the earlier steps failed too; the journal
    /// is kept so the next run finishes the rollback.
    #[error(
        "{step} failed ({source}) and the rollback stopped at '{undo}' ({undo_error}); the journal {journal} is kept and the next run finishes the rollback"
    )]
    RollbackIncomplete {
        /// The step that failed.
        step: String,
        /// Why it failed.
        source: Box<DirectoryError>,
        /// The undo that failed.
        undo: String,
        /// Why.
        undo_error: Box<DirectoryError>,
        /// The journal file.
        journal: PathBuf,
    },
    /// Undoing an interrupted earlier attempt failed; the journal is kept.
    #[error(
        "could not undo the interrupted attempt '{plan}': '{undo}' failed ({undo_error}); the journal {journal} is kept, fix the cause and run again"
    )]
    RecoveryIncomplete {
        /// The interrupted plan.
        plan: String,
        /// The undo that failed.
        undo: String,
        /// Why.
        undo_error: Box<DirectoryError>,
        /// The journal file.
        journal: PathBuf,
    },
    /// The directory could not be read.
    #[error(transparent)]
    Directory(Box<DirectoryError>),
    /// The journal could not be read or written.
    #[error("journal {path}: {problem}")]
    Journal {
        /// The journal file.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
}

impl From<DirectoryError> for ApplyError {
    fn from(e: DirectoryError) -> Self {
        Self::Directory(Box::new(e))
    }
}

/// Called around every step; tests use it to kill the process at each point.
pub trait StepHook {
    /// The journal says step `index` may start; it has not run yet.
    fn before(&mut self, _index: usize, _step: &Step) {}
    /// Step `index` ran; the journal does not know yet.
    fn after(&mut self, _index: usize, _step: &Step) {}
}

/// A hook that does nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHook;

impl StepHook for NoHook {}

/// The passwords a plan needs.
#[derive(Debug)]
pub struct Passwords<'a> {
    /// The cloud password Entra just verified: the new local password.
    pub new: &'a SecretString,
    /// The current local password, when the person typed it (linking, or a
    /// sync where the OS wants the old password).
    pub old_local: Option<&'a SecretString>,
}

/// The journal file of one machine (or sandbox root).
#[derive(Debug, Clone)]
pub struct JournalFile {
    path: PathBuf,
}

impl JournalFile {
    /// The journal at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Where the journal lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, problem: impl ToString) -> ApplyError {
        ApplyError::Journal {
            path: self.path.clone(),
            problem: problem.to_string(),
        }
    }

    /// The unfinished attempt, if any.
    pub fn load(&self) -> Result<Option<Journal>, ApplyError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| self.err(format!("{e}; move it aside to continue"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.err(e)),
        }
    }

    fn save(&self, journal: &Journal) -> Result<(), ApplyError> {
        let bytes = serde_json::to_vec_pretty(journal).map_err(|e| self.err(e))?;
        write_atomic(&self.path, &bytes, 0o600).map_err(|e| self.err(e))
    }

    fn clear(&self) -> Result<(), ApplyError> {
        remove_durably(&self.path).map_err(|e| self.err(e))
    }
}

/// Undo `steps[..=last]` in reverse. On failure returns the failing step.
fn undo(
    dir: &dyn AccountDirectory,
    steps: &[Step],
    last: usize,
) -> Result<(), (String, DirectoryError)> {
    for step in steps.iter().take(last + 1).rev() {
        step.undo(dir).map_err(|e| (step.describe(), e))?;
    }
    Ok(())
}

/// Finish an interrupted attempt by undoing it. Returns the interrupted
/// plan's explanation when there was one.
pub fn recover(
    dir: &dyn AccountDirectory,
    journal: &JournalFile,
) -> Result<Option<String>, ApplyError> {
    let Some(j) = journal.load()? else {
        return Ok(None);
    };
    if !j.steps.is_empty() {
        let last = j.next.min(j.steps.len() - 1);
        undo(dir, &j.steps, last).map_err(|(undo, undo_error)| ApplyError::RecoveryIncomplete {
            plan: j.plan.clone(),
            undo,
            undo_error: Box::new(undo_error),
            journal: journal.path.clone(),
        })?;
    }
    journal.clear()?;
    Ok(Some(j.plan))
}

/// Carry out `plan` step by step with a journal. Finish any interrupted
/// attempt first with [`recover`] (or use [`provision`], which does).
pub fn apply(
    dir: &dyn AccountDirectory,
    journal: &JournalFile,
    plan: &Plan,
    passwords: &Passwords<'_>,
    hook: &mut dyn StepHook,
) -> Result<(), ApplyError> {
    let current_full_name = match plan.short_name() {
        Some(name) if !matches!(plan, Plan::Create(_) | Plan::Deny { .. }) => {
            dir.find_by_short_name(name)?.map(|a| a.full_name)
        }
        _ => None,
    };
    let steps = steps_for(plan, current_full_name.as_deref());
    if steps.is_empty() {
        return Ok(());
    }
    // A returning user whose account needs nothing but its binding updated
    // (`last_sync`): one atomic write of the state file, so a crash leaves
    // the old binding or the new one, never half, and there is nothing to
    // undo. No journal: two fsync'd writes fewer on every such sign-in.
    if let [only @ Step::Bind { .. }] = steps.as_slice() {
        hook.before(0, only);
        run(dir, only, passwords).map_err(|source| ApplyError::StepFailed {
            step: only.describe(),
            source: Box::new(source),
        })?;
        hook.after(0, only);
        return Ok(());
    }
    let mut j = Journal {
        plan: plan.explain(),
        steps,
        next: 0,
    };
    for index in 0..j.steps.len() {
        j.next = index;
        journal.save(&j)?;
        let step = &j.steps[index];
        hook.before(index, step);
        let result = run(dir, step, passwords);
        if let Err(source) = result {
            return Err(match undo(dir, &j.steps, index) {
                Ok(()) => {
                    journal.clear()?;
                    ApplyError::StepFailed {
                        step: step.describe(),
                        source: Box::new(source),
                    }
                }
                Err((undo, undo_error)) => ApplyError::RollbackIncomplete {
                    step: step.describe(),
                    source: Box::new(source),
                    undo,
                    undo_error: Box::new(undo_error),
                    journal: journal.path.clone(),
                },
            });
        }
        hook.after(index, step);
    }
    journal.clear()
}

fn run(
    dir: &dyn AccountDirectory,
    step: &Step,
    passwords: &Passwords<'_>,
) -> Result<(), DirectoryError> {
    match step {
        Step::RecordUid { uid } => dir.record_uid(*uid),
        Step::CreateAccount { account } => dir.create(account),
        Step::SetFullName {
            short_name, new, ..
        } => dir.set_full_name(short_name, new),
        Step::SetPassword { short_name } => {
            dir.set_password(short_name, passwords.new, passwords.old_local)
        }
        Step::SetAdmin { short_name, admin } => dir.set_admin(short_name, *admin),
        Step::Bind {
            short_name,
            binding,
            ..
        } => dir.bind(short_name, Some(binding)),
    }
}

/// The whole job after a good sign-in: finish any interrupted attempt, read
/// the directory, plan, and apply. Returns the plan (a denial is a plan too).
pub fn provision(
    dir: &dyn AccountDirectory,
    journal: &JournalFile,
    policy: &Policy,
    request: &PlanRequest<'_>,
    passwords: &Passwords<'_>,
    hook: &mut dyn StepHook,
) -> Result<Plan, ApplyError> {
    recover(dir, journal)?;
    let snapshot = dir.snapshot()?;
    let plan = plan(policy, request, &snapshot);
    apply(dir, journal, &plan, passwords, hook)?;
    Ok(plan)
}
