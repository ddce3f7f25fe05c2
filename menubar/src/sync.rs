//! Sync: the user types the new cloud password; it is verified by the
//! password grant *for this identity*; the local password is changed from
//! the stored old one (the way the user could, giving the old password);
//! the secret store is updated; the sync log says so.
//!
//! Local and stored passwords never diverge, not even when the process is
//! killed between steps. Before touching the account, the new password is
//! parked in the secret store next to the old one (`<short>#sync-pending`)
//! and a journal file names the attempt. [`recover`] finishes or undoes an
//! interrupted attempt on the next run: if the local password is already the
//! parked one, the store is brought to it; if not, the parked copy is
//! dropped and nothing changed.

use std::ops::ControlFlow;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sesame_core::recheck::{SyncState, after_answer, state_time};
use sesame_core::synclog::EventKind;
use sesame_core::verdict::PasswordVerdict;
use sesame_entra::{PasswordCheckFor, PasswordRefused};
use time::OffsetDateTime;

use crate::{Account, Context, MenubarError, log, records};

/// What a sync did.
#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    /// The state afterwards (`in_sync`).
    pub state: SyncState,
    /// One sentence.
    pub message: String,
}

/// Why a sync did not happen. Nothing was changed in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The typed password cannot be a cloud password.
    #[error("{0}")]
    Unusable(#[from] PasswordRefused),
    /// Entra did not accept the typed password.
    #[error(
        "Entra did not accept that password ({verdict}); nothing was changed. Type your current Microsoft password"
    )]
    NotVerified {
        /// The verdict.
        verdict: PasswordVerdict,
    },
    /// An expired or admin-set temporary password: never synced.
    #[error(
        "that password has expired or is a temporary one set by your administrator (AADSTS{code}); change it at {change_url} first, then sync the new password"
    )]
    MustChangeFirst {
        /// The AADSTS code.
        code: u32,
        /// `ChangePasswordURL`.
        change_url: String,
    },
    /// Entra accepted it for another identity.
    #[error("Entra accepted that password for another account ({0}); nothing was changed")]
    OtherIdentity(String),
    /// Nothing is stored and no old local password was given.
    #[error(
        "no password is stored for '{0}': give your current local password too (second line of --password-stdin)"
    )]
    NeedOldPassword(String),
    /// The old password given is not the local password.
    #[error("the current local password given for '{0}' is not right; nothing was changed")]
    OldPasswordWrong(String),
    /// The OS refused a step (after the journal was written: the next run
    /// finishes or undoes it).
    #[error(transparent)]
    Menubar(#[from] MenubarError),
    /// Killed by a test hook between steps.
    #[error("stopped after step '{0}' (test)")]
    Stopped(&'static str),
}

impl From<sesame_platform::DirectoryError> for SyncError {
    fn from(e: sesame_platform::DirectoryError) -> Self {
        Self::Menubar(e.into())
    }
}

impl From<sesame_platform::SecretError> for SyncError {
    fn from(e: sesame_platform::SecretError) -> Self {
        Self::Menubar(e.into())
    }
}

/// Called after each step of a sync; tests stop the sync there, as a kill would.
pub trait SyncHook {
    /// `step` just finished.
    fn after(&mut self, step: &'static str) -> ControlFlow<()>;
}

/// A hook that lets every step run.
#[derive(Debug, Default)]
pub struct RunToEnd;

impl SyncHook for RunToEnd {
    fn after(&mut self, _step: &'static str) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// The steps, in order, as hooks see them.
pub const STEPS: [&str; 4] = ["journal", "parked", "local", "stored"];

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    short_name: String,
    #[serde(with = "time::serde::rfc3339")]
    started: OffsetDateTime,
}

fn journal_path(ctx: &Context<'_>, short: &str) -> PathBuf {
    ctx.state_dir.join(format!("{short}.sync-journal.json"))
}

/// The secret-store item holding the new password during a sync.
pub fn parked_item(short: &str) -> String {
    format!("{short}#sync-pending")
}

fn state_err(path: &std::path::Path, e: impl std::fmt::Display) -> MenubarError {
    MenubarError::StateFile {
        path: path.to_owned(),
        problem: e.to_string(),
    }
}

/// Finishes or undoes an interrupted sync. Returns what it did, if anything.
pub fn recover(ctx: &Context<'_>, account: &Account) -> Result<Option<&'static str>, MenubarError> {
    let short = &account.short_name;
    let path = journal_path(ctx, short);
    if !path.exists() {
        return Ok(None);
    }
    let parked_name = parked_item(short);
    let outcome = match ctx.store.read(&parked_name)? {
        None => "nothing had changed",
        Some(parked) => {
            if ctx.dir.verify_password(short, &parked)? {
                match ctx.store.read(short)? {
                    Some(current) if same(&current, &parked) => {}
                    Some(current) => ctx.store.replace(short, &current, &parked)?,
                    None => ctx.store.store(short, &parked)?,
                }
                "finished: the secret store now holds the new local password"
            } else {
                "undone: the local password had not changed"
            }
        }
    };
    ctx.store.delete(&parked_name)?;
    sesame_safefs::remove_durably(&path).map_err(|e| state_err(&path, e))?;
    tracing::info!(user = %short, "interrupted sync {outcome}");
    Ok(Some(outcome))
}

fn same(a: &SecretString, b: &SecretString) -> bool {
    sesame_core::constant_time::eq(a.expose_secret().as_bytes(), b.expose_secret().as_bytes())
}

fn stop(hook: &mut dyn SyncHook, step: &'static str) -> Result<(), SyncError> {
    match hook.after(step) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(SyncError::Stopped(step)),
    }
}

/// Syncs `new_password` for `account` at `now`. `old_local` is the current
/// local password when the user typed it (needed when nothing is stored).
pub async fn sync(
    ctx: &Context<'_>,
    account: &Account,
    new_password: SecretString,
    old_local: Option<SecretString>,
    now: OffsetDateTime,
    hook: &mut dyn SyncHook,
) -> Result<SyncReport, SyncError> {
    let short = &account.short_name;
    recover(ctx, account)?;
    sesame_entra::ropg::precheck(&account.binding.upn, &new_password)?;
    let stored = ctx.store.read(short)?;
    let old = match (old_local, &stored) {
        (Some(typed), _) => {
            if !ctx.dir.verify_password(short, &typed)? {
                return Err(SyncError::OldPasswordWrong(short.clone()));
            }
            typed
        }
        (None, Some(s)) => s.clone(),
        (None, None) => return Err(SyncError::NeedOldPassword(short.clone())),
    };
    // One request: the typed password, for this identity.
    let answer = ctx
        .client
        .verify_password_for(&account.owner(), &new_password)
        .await?;
    let grant; // its tokens: quiet mode's new refresh token and the expiry (below)
    let verified = match answer {
        PasswordCheckFor::Verified { password, check } => {
            grant = check;
            password
        }
        PasswordCheckFor::NotBound { refused, .. } => {
            return Err(SyncError::OtherIdentity(refused.to_string()));
        }
        PasswordCheckFor::NotVerified { check } => {
            return Err(match check.verdict {
                PasswordVerdict::PasswordExpired { code } => SyncError::MustChangeFirst {
                    code,
                    change_url: ctx.settings.change_password_url.to_string(),
                },
                verdict => SyncError::NotVerified { verdict },
            });
        }
    };
    let new = verified.password();
    let journal = journal_path(ctx, short);
    let j = Journal {
        short_name: short.clone(),
        started: now,
    };
    std::fs::create_dir_all(ctx.state_dir).map_err(|e| state_err(ctx.state_dir, e))?;
    let bytes = serde_json::to_vec(&j).map_err(|e| state_err(&journal, e))?;
    sesame_safefs::write_atomic(&journal, &bytes, 0o600).map_err(|e| state_err(&journal, e))?;
    stop(hook, "journal")?;
    let parked = parked_item(short);
    ctx.store.delete(&parked)?;
    ctx.store.store(&parked, new)?;
    stop(hook, "parked")?;
    ctx.dir.set_password(short, new, Some(&old))?;
    stop(hook, "local")?;
    match &stored {
        Some(current) => ctx.store.replace(short, current, new)?,
        None => ctx.store.store(short, new)?,
    }
    stop(hook, "stored")?;
    ctx.store.delete(&parked)?;
    sesame_safefs::remove_durably(&journal).map_err(|e| state_err(&journal, e))?;
    crate::quiet::keep_after_sync(ctx, account, &grant);

    let mut record = crate::check::load_or_new(ctx, account, now)?;
    crate::expiry::after_sync(ctx, account, &mut record, &grant, now).await;
    after_answer(
        &mut record,
        &PasswordVerdict::Verified,
        &ctx.policy(),
        ctx.seed(account),
        now,
    );
    records::save(ctx.state_dir, short, &record)?;
    let message = format!(
        "the new cloud password is now the local password of '{short}' and is stored; next check {}",
        record.next_due.map(state_time).unwrap_or_default()
    );
    log::append(
        &ctx.settings.log_path,
        &[
            log::event(
                now,
                ctx.host,
                account,
                EventKind::PasswordCheck,
                "the new password typed by the user was verified for this identity",
            )
            .with_password_verdict(&PasswordVerdict::Verified),
            log::event(
                now,
                ctx.host,
                account,
                EventKind::PasswordChanged,
                format!("local password of '{short}' changed to the new cloud password"),
            ),
            log::event(
                now,
                ctx.host,
                account,
                EventKind::KeychainUpdated,
                "the secret store holds the new password",
            ),
        ],
    );
    Ok(SyncReport {
        state: record.state,
        message,
    })
}
