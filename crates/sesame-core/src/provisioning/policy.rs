//! The provisioning rules an admin configures, as plain data.
//!
//! The lead's settings layer builds a [`Policy`] from the managed profile;
//! provisioning never reads settings itself.

use serde::{Deserialize, Serialize};

use crate::settings::{ObjectId, Settings};

/// Which operating system's account rules apply (UID range, short-name
/// length, home directory base).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountOs {
    /// macOS: UIDs from 501, homes in `/Users`, admin group `admin`.
    Macos,
    /// Linux: UIDs from 1000, homes in `/home`, admin group `sudo` or `wheel`.
    Linux,
}

impl AccountOs {
    /// The operating system this binary was built for (Linux rules on any
    /// non-Apple system).
    pub fn current() -> Self {
        if cfg!(target_os = "macos") {
            Self::Macos
        } else {
            Self::Linux
        }
    }

    /// The lowest UID Sesame gives a person on this OS.
    pub fn default_uid_floor(self) -> u32 {
        match self {
            Self::Macos => 501,
            Self::Linux => 1000,
        }
    }

    /// The highest UID Sesame gives a person on this OS.
    pub fn default_uid_ceiling(self) -> u32 {
        match self {
            // Above this macOS hands out IDs for network and special accounts.
            Self::Macos => 0x7fff_ffff,
            // Debian's UID_MAX in login.defs.
            Self::Linux => 60000,
        }
    }

    /// The longest short name the OS tools accept.
    pub fn max_short_name_len(self) -> usize {
        match self {
            // useradd refuses names longer than 32 characters.
            Self::Linux => 32,
            // macOS accepts longer names, but Finder, Terminal and many tools
            // truncate beyond this; keep names practical.
            Self::Macos => 64,
        }
    }

    /// Where home directories live.
    pub fn home_base(self) -> &'static str {
        match self {
            Self::Macos => "/Users",
            Self::Linux => "/home",
        }
    }
}

/// When an account that no longer qualifies for admin loses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemotionPolicy {
    /// Never remove admin rights.
    Never,
    /// Remove admin rights only from accounts Sesame itself promoted
    /// (an admin made by hand stays an admin).
    #[default]
    SesamePromoted,
    /// Remove admin rights from any Sesame account that no longer qualifies.
    Always,
}

impl DemotionPolicy {
    /// The profile spelling (`never`, `sesame-promoted`, `always`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::SesamePromoted => "sesame-promoted",
            Self::Always => "always",
        }
    }
}

/// The provisioning rules: who gets an account, who is admin, how names and
/// UIDs are chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Group ObjectIDs allowed to sign in. Empty: everyone who signs in.
    pub allowed_groups: Vec<String>,
    /// Group ObjectIDs whose members are local admins.
    pub admin_groups: Vec<String>,
    /// App roles (`roles` claim values) whose holders are local admins.
    pub admin_roles: Vec<String>,
    /// Every Sesame account is an admin.
    pub create_admin_for_all: bool,
    /// When admin rights are taken away.
    pub demotion: DemotionPolicy,
    /// The claim the short name comes from. `None`: the local part of the UPN.
    pub short_name_claim: Option<String>,
    /// Link an existing, unbound local account with the same short name once
    /// the person proves its local password.
    pub migrate: bool,
    /// Which OS's account rules apply.
    pub os: AccountOs,
    /// Lowest UID to hand out; `None`: the OS default (501 / 1000).
    pub uid_floor: Option<u32>,
}

impl Policy {
    /// A policy with the defaults for `os`: everyone may sign in, nobody is
    /// made admin, demotion only of accounts Sesame promoted, short name from
    /// the UPN, no migration.
    pub fn new(os: AccountOs) -> Self {
        Self {
            allowed_groups: Vec::new(),
            admin_groups: Vec::new(),
            admin_roles: Vec::new(),
            create_admin_for_all: false,
            demotion: DemotionPolicy::default(),
            short_name_claim: None,
            migrate: false,
            os,
            uid_floor: None,
        }
    }

    /// The policy an admin configured in the managed profile, with `os`'s
    /// account rules. `ShortNameClaim` names the claim; `upn` means the UPN.
    pub fn from_settings(settings: &Settings, os: AccountOs) -> Self {
        let ids = |v: &[ObjectId]| v.iter().map(|g| g.as_str().to_owned()).collect();
        let claim = settings.short_name_claim.trim();
        Self {
            allowed_groups: ids(&settings.allowed_groups),
            admin_groups: ids(&settings.admin_groups),
            admin_roles: settings.admin_roles.clone(),
            create_admin_for_all: settings.create_admin_user,
            demotion: settings.demotion_policy,
            short_name_claim: (!claim.is_empty() && claim != "upn").then(|| claim.to_owned()),
            migrate: settings.migrate,
            os,
            uid_floor: None,
        }
    }

    /// The lowest UID Sesame hands out under this policy.
    pub fn uid_floor(&self) -> u32 {
        self.uid_floor
            .unwrap_or_else(|| self.os.default_uid_floor())
    }
}
