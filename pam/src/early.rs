//! The local password check of a returning user, done while Entra is asked.
//!
//! Why: before it changes anything, the plan asks whether the password
//! Entra verified already is the account's local password ("password
//! already in sync: not set again"). On Debian that is a yescrypt hash
//! check, 60–100 ms of CPU — as long as the password grant's round trip
//! itself (docs/performance.md). It needs nothing from Entra, so it runs on a
//! second thread during the round trip.
//!
//! The answer is used only when the plan asks about the same account and
//! the same password (compared in constant time); anything else is checked
//! the usual way. It is never used unless Entra verified that password (the
//! plan runs only then), and any change made through this directory drops
//! it. What it cannot see is a change to the shadow file by another program
//! during the round trip: then the plan may say "in sync" once, and the
//! next sign-in sets the password.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Condvar, Mutex};

use secrecy::{ExposeSecret, SecretString};
use sesame_core::identity::EntraId;
use sesame_core::provisioning::{Binding, DirectorySnapshot, LocalAccount};
use sesame_platform::{AccountDirectory, AccountSpec, DirectoryError};

/// Where the early check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing to wait for (no guess, never started, or dropped).
    Off,
    /// Started on the helper thread.
    Running,
    /// Finished: `Some(matches)`, or `None` when the check itself failed.
    Done(Option<bool>),
}

/// An [`AccountDirectory`] that answers one `verify_password` from a check
/// started early; everything else goes to the directory it wraps.
pub struct EarlyCheck<'d> {
    inner: &'d (dyn AccountDirectory + Sync),
    guess: Option<(String, SecretString)>,
    state: Mutex<State>,
    done: Condvar,
}

impl std::fmt::Debug for EarlyCheck<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EarlyCheck")
            .field("account", &self.guess.as_ref().map(|g| &g.0))
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl<'d> EarlyCheck<'d> {
    /// Wraps `inner`; `local` is the account the user name is bound to
    /// (a returning user), if any, and `password` what was typed.
    pub fn new(
        inner: &'d (dyn AccountDirectory + Sync),
        local: Option<String>,
        password: &SecretString,
    ) -> Self {
        Self {
            inner,
            guess: local.map(|s| (s, password.clone())),
            state: Mutex::new(State::Off),
            done: Condvar::new(),
        }
    }

    /// Whether there is a check worth starting.
    pub fn wanted(&self) -> bool {
        self.guess.is_some()
    }

    /// Marks the check as started; call before handing [`EarlyCheck::run`]
    /// to a thread (and [`EarlyCheck::stop`] if the thread cannot start).
    pub fn start(&self) {
        self.set(State::Running);
    }

    /// The check (on the helper thread). Never panics out.
    pub fn run(&self) {
        let result = self.guess.as_ref().and_then(|(short, password)| {
            catch_unwind(AssertUnwindSafe(|| {
                self.inner.verify_password(short, password).ok()
            }))
            .ok()
            .flatten()
        });
        let mut state = self.lock();
        if *state == State::Running {
            *state = State::Done(result);
        }
        drop(state);
        self.done.notify_all();
    }

    /// No early answer from now on (a thread that never started, or the
    /// account changed).
    pub fn stop(&self) {
        self.set(State::Off);
        self.done.notify_all();
    }

    fn set(&self, to: State) {
        *self.lock() = to;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The early answer for `short` and `password`, waiting for it if it is
    /// still running; `None` when there is none for them.
    fn answer(&self, short: &str, password: &SecretString) -> Option<bool> {
        let (guessed, typed) = self.guess.as_ref()?;
        let same = guessed == short
            && sesame_core::constant_time::eq(
                typed.expose_secret().as_bytes(),
                password.expose_secret().as_bytes(),
            );
        if !same {
            return None;
        }
        let mut state = self.lock();
        while *state == State::Running {
            state = self
                .done
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        match *state {
            State::Done(answer) => answer,
            _ => None,
        }
    }

    /// A change through this directory: the early answer may be stale.
    fn changed<T>(&self, r: Result<T, DirectoryError>) -> Result<T, DirectoryError> {
        self.stop();
        r
    }
}

impl AccountDirectory for EarlyCheck<'_> {
    fn snapshot(&self) -> Result<DirectorySnapshot, DirectoryError> {
        self.inner.snapshot()
    }
    fn find_by_short_name(&self, short_name: &str) -> Result<Option<LocalAccount>, DirectoryError> {
        self.inner.find_by_short_name(short_name)
    }
    fn find_by_identity(&self, id: &EntraId) -> Result<Option<LocalAccount>, DirectoryError> {
        self.inner.find_by_identity(id)
    }
    fn create(&self, account: &AccountSpec) -> Result<(), DirectoryError> {
        self.changed(self.inner.create(account))
    }
    fn set_full_name(&self, short_name: &str, full_name: &str) -> Result<(), DirectoryError> {
        self.inner.set_full_name(short_name, full_name)
    }
    fn set_password(
        &self,
        short_name: &str,
        new: &SecretString,
        old: Option<&SecretString>,
    ) -> Result<(), DirectoryError> {
        self.changed(self.inner.set_password(short_name, new, old))
    }
    fn verify_password(
        &self,
        short_name: &str,
        password: &SecretString,
    ) -> Result<bool, DirectoryError> {
        match self.answer(short_name, password) {
            Some(answer) => Ok(answer),
            None => self.inner.verify_password(short_name, password),
        }
    }
    fn set_admin(&self, short_name: &str, admin: bool) -> Result<(), DirectoryError> {
        self.inner.set_admin(short_name, admin)
    }
    fn bind(&self, short_name: &str, binding: Option<&Binding>) -> Result<(), DirectoryError> {
        self.inner.bind(short_name, binding)
    }
    fn record_uid(&self, uid: u32) -> Result<(), DirectoryError> {
        self.inner.record_uid(uid)
    }
    fn forget_uid(&self, uid: u32) -> Result<(), DirectoryError> {
        self.inner.forget_uid(uid)
    }
    fn delete(&self, short_name: &str) -> Result<(), DirectoryError> {
        self.changed(self.inner.delete(short_name))
    }
}
