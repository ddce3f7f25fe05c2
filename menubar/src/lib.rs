//! `sesame-menubar`: the password re-verification daemon and its status menu.
//!
//! After login, the user's local password must stay the cloud password. This
//! crate re-checks the stored password against Entra on the schedule and
//! with the never-lock-anyone-out rules of [`sesame_core::recheck`], and
//! syncs a changed cloud password into the local account and the secret
//! store without ever letting the two diverge.
//!
//! The library is what the binary, `sesame demo` and the tests drive:
//! - [`check`] / [`check_now`]: one check, at most one request to Entra;
//! - [`sync::sync`]: the new password typed by the user, verified for this
//!   identity, then local password and secret store updated (journaled);
//! - [`status`]: state, times, expiry and the menu, without any request;
//! - [`daemon::run`]: the loop (sleeps until the next due time or an
//!   event, and runs each check in a short-lived child).

use std::path::Path;

use sesame_core::recheck::{Policy, jitter};
use sesame_core::settings::Settings;
use sesame_entra::EntraClient;
use sesame_platform::{AccountDirectory, SecretStore};

pub mod account;
pub mod check;
pub mod daemon;
pub mod error;
pub mod expiry;
pub mod listen;
pub mod log;
pub mod menu_action;
pub mod network;
pub mod notify;
pub mod quiet;
pub mod records;
pub mod status;

pub mod sync;

#[cfg(target_os = "macos")]
pub mod network_watch;
#[cfg(target_os = "macos")]
pub mod status_item;

pub use account::{Account, Who, find_account};
pub use check::{CheckReport, check, check_now};
pub use error::MenubarError;
pub use network::{Network, SystemNetwork};
pub use status::{Status, status};
pub use sync::{SyncError, SyncReport, sync};

/// Everything one check or sync needs: the profile, the Entra client, the
/// OS seams and where the daemon keeps its records.
pub struct Context<'a> {
    /// The validated profile.
    pub settings: &'a Settings,
    /// The Entra client built from it.
    pub client: &'a EntraClient,
    /// The local account directory (this machine's, or a sandbox root's).
    pub dir: &'a dyn AccountDirectory,
    /// The secret store holding the user's password.
    pub store: &'a dyn SecretStore,
    /// Where the per-user record and sync journal live.
    pub state_dir: &'a Path,
    /// Whether the machine has a network.
    pub network: &'a dyn Network,
    /// This machine's name (sync log; the schedule's seed).
    pub host: &'a str,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("state_dir", &self.state_dir)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl Context<'_> {
    /// The schedule policy from the profile.
    pub fn policy(&self) -> Policy {
        policy(self.settings)
    }

    /// The schedule's seed for `account` on this machine: every daemon of a
    /// fleet draws its own jitter.
    pub fn seed(&self, account: &Account) -> u64 {
        seed(self.host, account)
    }
}

/// The schedule policy of a profile (interval, network changes).
pub fn policy(settings: &Settings) -> Policy {
    Policy::from_minutes(
        settings.password_check_interval_minutes,
        settings.check_on_network_change,
    )
}

/// The schedule's seed for `account` on the machine named `host`: every
/// daemon of a fleet draws its own jitter.
pub fn seed(host: &str, account: &Account) -> u64 {
    jitter::seed_from(&format!("{host}/{}", account.binding.id.oid))
}
