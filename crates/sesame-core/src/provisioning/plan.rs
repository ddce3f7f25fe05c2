//! The provisioning plan: what should happen to the local account of a person
//! who just signed in, decided from plain data only.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::full_name::{planned_full_name, sanitize_full_name};
use super::policy::{DemotionPolicy, Policy};
use super::short_name::{ShortNameError, short_name};
use super::snapshot::{AdminReason, Binding, DirectorySnapshot, LocalAccount, Origin};
use crate::identity::{EntraId, Groups, Identity};
use crate::password_binding::VerifiedPassword;
use crate::synclog::EventKind;

/// What the person proved about the password of an existing local account
/// (needed only to link one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalPasswordProof {
    /// The person has not been asked yet.
    #[default]
    NotOffered,
    /// The person typed the account's current local password.
    Proven,
    /// The person typed a wrong local password.
    Refuted,
}

/// Everything the plan depends on besides the policy and the directory.
#[derive(Debug, Clone, Copy)]
pub struct PlanRequest<'a> {
    /// The validated identity of the person who signed in.
    pub identity: &'a Identity,
    /// The password Entra verified for this identity (see
    /// [`crate::password_binding`]): the only way to reach a plan that sets a
    /// local password.
    pub password: &'a VerifiedPassword,
    /// Proof of an existing local account's password (migration only).
    pub local_password: LocalPasswordProof,
    /// The current time (RFC 3339), recorded as the last sync.
    pub now: &'a str,
}

/// A change to an account's admin rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", content = "reason", rename_all = "snake_case")]
pub enum AdminChange {
    /// Leave admin rights as they are.
    Keep,
    /// Add the account to the admin group.
    Grant(AdminReason),
    /// Remove the account from the admin group.
    Revoke,
    /// The account no longer qualifies, but it is the last admin on this
    /// machine: it stays admin so the machine keeps an administrator.
    KeepLastAdmin,
}

/// A new account to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    /// The short (login) name.
    pub short_name: String,
    /// The UID: at or above the OS floor, never used before.
    pub uid: u32,
    /// The full name.
    pub full_name: String,
    /// The home directory.
    pub home: String,
    /// Why the account is admin, if it is.
    pub admin: Option<AdminReason>,
    /// The identity binding to record.
    pub binding: Binding,
}

/// Changes to an existing account (bound already, or being linked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountUpdate {
    /// The account's short name (unchanged).
    pub short_name: String,
    /// The new full name, when it changed.
    pub full_name: Option<String>,
    /// The change to admin rights.
    pub admin: AdminChange,
    /// The identity binding after the update.
    pub binding: Binding,
    /// The binding before the update (`None` when linking).
    pub previous_binding: Option<Binding>,
    /// The account's admin status before the update.
    pub was_admin: bool,
    /// The local password already verifies as the cloud password just
    /// verified: no password is set (no hashing, no `chpasswd`, the shadow
    /// line and its salt stay as they are). Only for an update, never a link.
    #[serde(default)]
    pub password_in_sync: bool,
}

/// Why a person gets no local account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum DenyReason {
    /// The password was verified for another identity than the one in the
    /// request, so it cannot become this account's password.
    PasswordForOtherIdentity {
        /// The identity the password was verified for.
        verified_for: EntraId,
    },
    /// Allowed groups are configured and the person is in none of them.
    NotInAllowedGroup {
        /// How many allowed groups are configured.
        configured: usize,
    },
    /// A group check is needed but the token carries no groups claim: the
    /// app registration stopped emitting it. Fails closed; never read as
    /// "no groups" (which would deny or demote on a missing claim).
    GroupsClaimMissing {
        /// What needs the groups: `allowed groups` or `admin groups`.
        needed_for: String,
    },
    /// A group check is needed but the token's groups are unknown (overage
    /// not resolved).
    GroupsUnknown {
        /// What needs the groups: `allowed groups` or `admin groups`.
        needed_for: String,
        /// Why the groups are unknown.
        why: String,
    },
    /// No usable short name.
    ShortName(ShortNameError),
    /// The local account with this short name belongs to another Entra
    /// identity: a reused or renamed UPN must not take it over.
    Takeover {
        /// The identity the account is bound to.
        bound_to: EntraId,
    },
    /// The short name belongs to a system account (UID below the floor).
    SystemAccount {
        /// That account's UID.
        uid: u32,
    },
    /// An unmanaged local account has this short name and migration is off.
    MigrationOff,
    /// Migration is on; the person must type the account's current local
    /// password first.
    LocalPasswordNeeded,
    /// The local password the person typed is wrong.
    LocalPasswordWrong,
    /// No free UID is left in the allowed range.
    NoFreeUid {
        /// The lowest UID allowed.
        floor: u32,
        /// The highest UID allowed.
        ceiling: u32,
    },
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PasswordForOtherIdentity { verified_for } => write!(
                f,
                "the password was verified for another identity ({}); no local account change",
                verified_for.describe()
            ),
            Self::NotInAllowedGroup { configured } => write!(
                f,
                "not a member of any of the {configured} allowed group(s); add the user to an allowed group in Entra"
            ),
            Self::GroupsClaimMissing { needed_for } => write!(
                f,
                "the ID token has no groups claim but {needed_for} need it; in the Entra admin center open the app registration > Token configuration > Add groups claim (Security groups, emitted as Group ID), which sets groupMembershipClaims in the manifest — nothing was changed on this Mac"
            ),
            Self::GroupsUnknown { needed_for, why } => write!(
                f,
                "group membership unknown ({why}) but needed for {needed_for}; grant GroupMember.Read.All so Sesame can resolve group overage"
            ),
            Self::ShortName(e) => write!(f, "{e}"),
            Self::Takeover { bound_to } => write!(
                f,
                "local account belongs to another identity ({}); refusing takeover",
                bound_to.describe()
            ),
            Self::SystemAccount { uid } => write!(
                f,
                "name belongs to a system account (uid {uid}); change the user's short-name claim"
            ),
            Self::MigrationOff => write!(
                f,
                "an unmanaged local account has this name and migration is off; turn on Migrate or rename the local account"
            ),
            Self::LocalPasswordNeeded => write!(
                f,
                "an unmanaged local account has this name; the user must type its local password to link it"
            ),
            Self::LocalPasswordWrong => write!(
                f,
                "the local password typed for the existing account is wrong; not linked"
            ),
            Self::NoFreeUid { floor, ceiling } => {
                write!(f, "no unused UID left between {floor} and {ceiling}")
            }
        }
    }
}

/// What provisioning should do for one sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Plan {
    /// Create a new account, set its password, bind it.
    Create(NewAccount),
    /// Update an account already bound to this identity; set its password.
    Update(AccountUpdate),
    /// Link (migrate) an unbound local account whose password the person
    /// proved; set its password to the cloud password and bind it.
    Link(AccountUpdate),
    /// Do nothing to the directory, for this reason.
    Deny {
        /// The short name concerned, when one could be made.
        short_name: Option<String>,
        /// Why.
        reason: DenyReason,
    },
}

impl Plan {
    /// The same plan knowing whether the account's local password already is
    /// the verified cloud password (the directory checked it against the
    /// stored hash). An update then leaves the password alone, so a
    /// returning user's sign-in does not re-hash and rewrite an unchanged
    /// password. A link always sets it (the person proved the old one).
    #[must_use]
    pub fn with_local_password_verified(mut self, local_is_new: bool) -> Self {
        if let Self::Update(u) = &mut self {
            u.password_in_sync = local_is_new;
        }
        self
    }

    /// Whether applying the plan sets the local password.
    pub fn sets_password(&self) -> bool {
        match self {
            Self::Create(_) | Self::Link(_) => true,
            Self::Update(u) => !u.password_in_sync,
            Self::Deny { .. } => false,
        }
    }

    /// The sync-log event that records this plan.
    pub fn log_event(&self) -> EventKind {
        match self {
            Self::Create(_) => EventKind::AccountCreated,
            Self::Update(_) => EventKind::AccountUpdated,
            Self::Link(_) => EventKind::AccountLinked,
            Self::Deny { .. } => EventKind::AccountDenied,
        }
    }

    /// The short name the plan is about, if any.
    pub fn short_name(&self) -> Option<&str> {
        match self {
            Self::Create(n) => Some(&n.short_name),
            Self::Update(u) | Self::Link(u) => Some(&u.short_name),
            Self::Deny { short_name, .. } => short_name.as_deref(),
        }
    }

    /// One line for the sync log saying what will happen and why.
    pub fn explain(&self) -> String {
        match self {
            Self::Create(n) => format!(
                "create {} (uid {}, home {}, {}) bound to {}",
                n.short_name,
                n.uid,
                n.home,
                match &n.admin {
                    Some(r) => format!("admin via {r}"),
                    None => "standard".to_owned(),
                },
                n.binding.id.describe()
            ),
            Self::Update(u) => format!("update {}: {}", u.short_name, describe_update(u)),
            Self::Link(u) => format!(
                "link existing account {} to {} after local password proof: {}",
                u.short_name,
                u.binding.id.describe(),
                describe_update(u)
            ),
            Self::Deny { short_name, reason } => match short_name {
                Some(s) => format!("deny {s}: {reason}"),
                None => format!("deny: {reason}"),
            },
        }
    }
}

fn describe_update(u: &AccountUpdate) -> String {
    let mut parts = vec![
        if u.password_in_sync {
            "password already in sync (not set again)"
        } else {
            "password synced"
        }
        .to_owned(),
    ];
    if let Some(n) = &u.full_name {
        parts.push(format!("full name -> '{n}'"));
    }
    parts.push(match &u.admin {
        AdminChange::Keep if u.was_admin => "stays admin".to_owned(),
        AdminChange::Keep => "stays standard".to_owned(),
        AdminChange::Grant(r) => format!("admin granted via {r}"),
        AdminChange::Revoke => "admin revoked (no longer qualifies)".to_owned(),
        AdminChange::KeepLastAdmin => {
            "no longer qualifies for admin but stays admin: last admin on this machine".to_owned()
        }
    });
    parts.join("; ")
}

fn deny(short_name: Option<&str>, reason: DenyReason) -> Plan {
    Plan::Deny {
        short_name: short_name.map(str::to_owned),
        reason,
    }
}

/// The first of `groups` that is in `wanted`, compared case-insensitively
/// (ObjectIDs are GUIDs); returned lowercase.
fn in_any(groups: &[String], wanted: &[String]) -> Option<String> {
    groups.iter().find_map(|g| {
        wanted
            .iter()
            .find(|w| w.eq_ignore_ascii_case(g))
            .map(|w| w.to_ascii_lowercase())
    })
}

/// The gate: may this person have an account at all?
fn gate(policy: &Policy, identity: &Identity) -> Result<(), DenyReason> {
    if policy.allowed_groups.is_empty() {
        return Ok(());
    }
    match &identity.groups {
        Groups::Known { ids } => match in_any(ids, &policy.allowed_groups) {
            Some(_) => Ok(()),
            None => Err(DenyReason::NotInAllowedGroup {
                configured: policy.allowed_groups.len(),
            }),
        },
        Groups::Unknown { reason } => Err(DenyReason::GroupsUnknown {
            needed_for: "allowed groups".to_owned(),
            why: reason.clone(),
        }),
        Groups::NotEmitted => Err(DenyReason::GroupsClaimMissing {
            needed_for: "allowed groups".to_owned(),
        }),
    }
}

/// Should this person be admin, and why?
fn entitlement(policy: &Policy, identity: &Identity) -> Result<Option<AdminReason>, DenyReason> {
    if policy.create_admin_for_all {
        return Ok(Some(AdminReason::AllUsers));
    }
    if let Some(role) = identity
        .roles
        .iter()
        .find(|r| policy.admin_roles.iter().any(|w| w == *r))
    {
        return Ok(Some(AdminReason::Role(role.clone())));
    }
    if policy.admin_groups.is_empty() {
        return Ok(None);
    }
    match &identity.groups {
        Groups::Known { ids } => Ok(in_any(ids, &policy.admin_groups).map(AdminReason::Group)),
        Groups::Unknown { reason } => Err(DenyReason::GroupsUnknown {
            needed_for: "admin groups".to_owned(),
            why: reason.clone(),
        }),
        Groups::NotEmitted => Err(DenyReason::GroupsClaimMissing {
            needed_for: "admin groups".to_owned(),
        }),
    }
}

/// The admin change for an existing account, and the binding's admin fields
/// afterwards.
fn admin_change(
    policy: &Policy,
    snapshot: &DirectorySnapshot,
    account: &LocalAccount,
    promoted_by_sesame: bool,
    previous_reason: Option<&AdminReason>,
    entitled: Option<AdminReason>,
) -> (AdminChange, bool, Option<AdminReason>) {
    match entitled {
        Some(reason) if account.is_admin => (AdminChange::Keep, promoted_by_sesame, Some(reason)),
        Some(reason) => (AdminChange::Grant(reason.clone()), true, Some(reason)),
        None if !account.is_admin => (AdminChange::Keep, false, None),
        None => {
            let kept_reason = previous_reason
                .filter(|_| promoted_by_sesame)
                .cloned()
                .unwrap_or(AdminReason::PreExisting);
            let demote = match policy.demotion {
                DemotionPolicy::Never => false,
                DemotionPolicy::SesamePromoted => promoted_by_sesame,
                DemotionPolicy::Always => true,
            };
            if !demote {
                (AdminChange::Keep, promoted_by_sesame, Some(kept_reason))
            } else if snapshot.admin_count() <= 1 {
                (
                    AdminChange::KeepLastAdmin,
                    promoted_by_sesame,
                    Some(kept_reason),
                )
            } else {
                (AdminChange::Revoke, false, None)
            }
        }
    }
}

fn free_uid(policy: &Policy, snapshot: &DirectorySnapshot) -> Result<u32, DenyReason> {
    let floor = policy.uid_floor();
    let ceiling = policy.os.default_uid_ceiling().max(floor);
    let mut taken: Vec<u32> = snapshot
        .accounts
        .iter()
        .map(|a| a.uid)
        .chain(snapshot.used_uids.iter().copied())
        .filter(|u| *u >= floor)
        .collect();
    taken.sort_unstable();
    taken.dedup();
    let mut candidate = floor;
    for uid in taken {
        if uid > candidate {
            break;
        }
        // The last UID there is, taken: nothing is left (a saturating add
        // would hand that taken UID out again).
        candidate = uid
            .checked_add(1)
            .ok_or(DenyReason::NoFreeUid { floor, ceiling })?;
    }
    if candidate > ceiling {
        Err(DenyReason::NoFreeUid { floor, ceiling })
    } else {
        Ok(candidate)
    }
}

/// Decide what happens to the local account of the person in `request`.
///
/// Rules, in order: the password must be verified by Entra for this same
/// identity; the allowed-group
/// gate; admin entitlement (all users, app role, admin group; unknown groups
/// deny when a group rule needs them); an account already bound to this
/// `oid`+`tid` is updated (whatever its name); otherwise the short name is
/// derived, and an account of that name bound to another identity is a
/// takeover (denied), an unbound one is linked only with migration on and
/// proof of its local password, and a free name gets a new account with a
/// never-used UID.
pub fn plan(policy: &Policy, request: &PlanRequest<'_>, snapshot: &DirectorySnapshot) -> Plan {
    let identity = request.identity;
    let verified_for = request.password.identity();
    if !(verified_for.oid.eq_ignore_ascii_case(&identity.id.oid)
        && verified_for.tid.eq_ignore_ascii_case(&identity.id.tid))
    {
        return deny(
            None,
            DenyReason::PasswordForOtherIdentity {
                verified_for: verified_for.clone(),
            },
        );
    }
    if let Err(reason) = gate(policy, identity) {
        return deny(None, reason);
    }
    let entitled = match entitlement(policy, identity) {
        Ok(e) => e,
        Err(reason) => return deny(None, reason),
    };
    let upn = identity
        .upn
        .clone()
        .unwrap_or_else(|| identity.username.clone());
    let wanted_full_name = planned_full_name(identity, policy.os);

    if let Some(account) = snapshot.by_identity(&identity.id) {
        let previous = account.binding.clone();
        let (promoted, prev_reason, origin) = previous
            .as_ref()
            .map_or((false, None, Origin::Created), |b| {
                (b.admin_by_sesame, b.admin_reason.as_ref(), b.origin)
            });
        let (admin, admin_by_sesame, admin_reason) =
            admin_change(policy, snapshot, account, promoted, prev_reason, entitled);
        // Compared as the OS stores it: a name that only differs by what
        // the OS cannot hold (a comma in GECOS) is unchanged, not rewritten
        // at every login.
        let full_name = (origin == Origin::Created
            && sanitize_full_name(&account.full_name, policy.os) != wanted_full_name)
            .then_some(wanted_full_name);
        return Plan::Update(AccountUpdate {
            short_name: account.short_name.clone(),
            full_name,
            admin,
            binding: Binding {
                id: identity.id.clone(),
                upn,
                origin,
                admin_by_sesame,
                admin_reason,
                last_sync: Some(request.now.to_owned()),
            },
            previous_binding: previous,
            was_admin: account.is_admin,
            password_in_sync: false,
        });
    }

    let name = match short_name(identity, policy.short_name_claim.as_deref(), policy.os) {
        Ok(n) => n,
        Err(e) => return deny(None, DenyReason::ShortName(e)),
    };

    if let Some(account) = snapshot.by_short_name(&name) {
        if let Some(b) = &account.binding {
            return deny(
                Some(&name),
                DenyReason::Takeover {
                    bound_to: b.id.clone(),
                },
            );
        }
        if account.uid < policy.uid_floor() {
            return deny(Some(&name), DenyReason::SystemAccount { uid: account.uid });
        }
        if !policy.migrate {
            return deny(Some(&name), DenyReason::MigrationOff);
        }
        match request.local_password {
            LocalPasswordProof::NotOffered => {
                return deny(Some(&name), DenyReason::LocalPasswordNeeded);
            }
            LocalPasswordProof::Refuted => {
                return deny(Some(&name), DenyReason::LocalPasswordWrong);
            }
            LocalPasswordProof::Proven => {}
        }
        let (admin, admin_by_sesame, admin_reason) =
            admin_change(policy, snapshot, account, false, None, entitled);
        return Plan::Link(AccountUpdate {
            short_name: name,
            full_name: None,
            admin,
            binding: Binding {
                id: identity.id.clone(),
                upn,
                origin: Origin::Linked,
                admin_by_sesame,
                admin_reason,
                last_sync: Some(request.now.to_owned()),
            },
            previous_binding: None,
            was_admin: account.is_admin,
            password_in_sync: false,
        });
    }

    let uid = match free_uid(policy, snapshot) {
        Ok(u) => u,
        Err(reason) => return deny(Some(&name), reason),
    };
    Plan::Create(NewAccount {
        home: format!("{}/{}", policy.os.home_base(), name),
        short_name: name,
        uid,
        full_name: wanted_full_name,
        admin: entitled.clone(),
        binding: Binding {
            id: identity.id.clone(),
            upn,
            origin: Origin::Created,
            admin_by_sesame: entitled.is_some(),
            admin_reason: entitled,
            last_sync: Some(request.now.to_owned()),
        },
    })
}
