//! What the local account directory looks like, as plain data the plan reads.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::identity::EntraId;

/// Why an account is (or was made) an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum AdminReason {
    /// Member of this admin group (ObjectID).
    Group(String),
    /// Holds this app role.
    Role(String),
    /// The profile makes every Sesame account an admin.
    AllUsers,
    /// The account was already an admin before Sesame managed it.
    PreExisting,
}

impl fmt::Display for AdminReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Group(g) => write!(f, "admin group {g}"),
            Self::Role(r) => write!(f, "app role {r}"),
            Self::AllUsers => write!(f, "create-admin-for-all"),
            Self::PreExisting => write!(f, "already admin before Sesame"),
        }
    }
}

/// How an account came to be managed by Sesame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Sesame created the account.
    Created,
    /// An existing local account was linked (migrated) after the person
    /// proved its local password.
    Linked,
}

impl Origin {
    /// `created` or `linked`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Linked => "linked",
        }
    }
}

/// The tie between a local account and an Entra identity, kept by the
/// account directory (a root-owned state file on Linux, record attributes on
/// macOS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// Entra object ID + tenant ID. The account belongs to this identity only.
    pub id: EntraId,
    /// The UPN at the last sync (for people; never used to match).
    pub upn: String,
    /// Created by Sesame or linked.
    pub origin: Origin,
    /// `true` when Sesame granted the admin rights the account has now.
    pub admin_by_sesame: bool,
    /// Why the account is admin, when it is.
    pub admin_reason: Option<AdminReason>,
    /// RFC 3339 time of the last successful sync, as given by the caller.
    pub last_sync: Option<String>,
}

/// One local account as the directory reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalAccount {
    /// The short (login) name.
    pub short_name: String,
    /// The numeric user ID.
    pub uid: u32,
    /// The full (display) name.
    pub full_name: String,
    /// The home directory.
    pub home: String,
    /// Member of the admin group (`admin` on macOS, `sudo`/`wheel` on Linux).
    pub is_admin: bool,
    /// The Entra identity the account is bound to, if any.
    pub binding: Option<Binding>,
}

/// Every local account plus the UIDs Sesame has ever handed out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectorySnapshot {
    /// All local accounts, system ones included.
    pub accounts: Vec<LocalAccount>,
    /// UIDs Sesame has used, including those of deleted accounts: never
    /// handed out again.
    pub used_uids: BTreeSet<u32>,
}

impl DirectorySnapshot {
    /// The account with this short name.
    pub fn by_short_name(&self, short_name: &str) -> Option<&LocalAccount> {
        self.accounts.iter().find(|a| a.short_name == short_name)
    }

    /// The account bound to this Entra identity.
    pub fn by_identity(&self, id: &EntraId) -> Option<&LocalAccount> {
        self.accounts
            .iter()
            .find(|a| a.binding.as_ref().is_some_and(|b| b.id == *id))
    }

    /// How many accounts a person can use as admin: admins other than
    /// `root` (UID 0), which is no one's login on a Mac and often locked on
    /// Linux.
    pub fn admin_count(&self) -> usize {
        self.accounts
            .iter()
            .filter(|a| a.is_admin && a.uid != 0)
            .count()
    }
}
