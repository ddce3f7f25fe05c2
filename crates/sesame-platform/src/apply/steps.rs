//! A plan as a list of undoable steps.

use serde::{Deserialize, Serialize};
use sesame_core::provisioning::{AdminChange, Binding, Plan};

use crate::directory::{AccountDirectory, AccountSpec, DirectoryError};

/// One change to the account directory. Every step can be undone, and both
/// doing and undoing are safe to repeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant, reason = "a plan has at most five steps")]
pub enum Step {
    /// Remember the UID so it is never handed out again (undo: forget it;
    /// the account made with it was rolled back before it was finished).
    RecordUid {
        /// The UID.
        uid: u32,
    },
    /// Create the account (undo: delete it).
    CreateAccount {
        /// The new account.
        account: AccountSpec,
    },
    /// Change the full name (undo: the old one).
    SetFullName {
        /// The account.
        short_name: String,
        /// The new full name.
        new: String,
        /// The full name before.
        old: String,
    },
    /// Set the local password to the verified cloud password. Not undone: the
    /// old password is not kept anywhere, and the new one is the one the
    /// person just proved; re-running sets it again.
    SetPassword {
        /// The account.
        short_name: String,
    },
    /// Grant or revoke admin (undo: the opposite).
    SetAdmin {
        /// The account.
        short_name: String,
        /// `true` to grant.
        admin: bool,
    },
    /// Write the identity binding (undo: the previous binding). Always the
    /// last step: a bound account is a finished account.
    Bind {
        /// The account.
        short_name: String,
        /// The new binding.
        binding: Binding,
        /// The binding before, if any.
        previous: Option<Binding>,
    },
}

impl Step {
    /// A short description for errors and the sync log.
    pub fn describe(&self) -> String {
        match self {
            Self::RecordUid { uid } => format!("record UID {uid}"),
            Self::CreateAccount { account } => {
                format!(
                    "create account {} (uid {})",
                    account.short_name, account.uid
                )
            }
            Self::SetFullName { short_name, .. } => format!("set full name of {short_name}"),
            Self::SetPassword { short_name } => format!("set password of {short_name}"),
            Self::SetAdmin { short_name, admin } => format!(
                "{} admin for {short_name}",
                if *admin { "grant" } else { "revoke" }
            ),
            Self::Bind { short_name, .. } => format!("bind {short_name} to its Entra identity"),
        }
    }

    /// Undo this step (safe when it never ran, or was undone already).
    pub(crate) fn undo(&self, dir: &dyn AccountDirectory) -> Result<(), DirectoryError> {
        match self {
            Self::RecordUid { uid } => dir.forget_uid(*uid),
            Self::SetPassword { .. } => Ok(()),
            Self::CreateAccount { account } => dir.delete(&account.short_name),
            Self::SetFullName {
                short_name, old, ..
            } => match dir.find_by_short_name(short_name)? {
                Some(_) => dir.set_full_name(short_name, old),
                None => Ok(()),
            },
            Self::SetAdmin { short_name, admin } => match dir.find_by_short_name(short_name)? {
                Some(_) => dir.set_admin(short_name, !admin),
                None => Ok(()),
            },
            Self::Bind {
                short_name,
                previous,
                ..
            } => match dir.find_by_short_name(short_name)? {
                Some(_) => dir.bind(short_name, previous.as_ref()),
                None => Ok(()),
            },
        }
    }
}

fn admin_step(short_name: &str, change: &AdminChange) -> Option<Step> {
    let admin = match change {
        AdminChange::Grant(_) => true,
        AdminChange::Revoke => false,
        AdminChange::Keep | AdminChange::KeepLastAdmin => return None,
    };
    Some(Step::SetAdmin {
        short_name: short_name.to_owned(),
        admin,
    })
}

/// The steps that carry out `plan`, in order; empty for a denial.
/// `current_full_name` is the account's full name now (updates only).
pub fn steps_for(plan: &Plan, current_full_name: Option<&str>) -> Vec<Step> {
    match plan {
        Plan::Deny { .. } => Vec::new(),
        Plan::Create(n) => {
            let mut steps = vec![
                Step::RecordUid { uid: n.uid },
                Step::CreateAccount {
                    account: AccountSpec {
                        short_name: n.short_name.clone(),
                        uid: n.uid,
                        full_name: n.full_name.clone(),
                        home: n.home.clone(),
                    },
                },
                Step::SetPassword {
                    short_name: n.short_name.clone(),
                },
            ];
            if n.admin.is_some() {
                steps.push(Step::SetAdmin {
                    short_name: n.short_name.clone(),
                    admin: true,
                });
            }
            steps.push(Step::Bind {
                short_name: n.short_name.clone(),
                binding: n.binding.clone(),
                previous: None,
            });
            steps
        }
        Plan::Update(u) | Plan::Link(u) => {
            let mut steps = Vec::new();
            if let Some(new) = &u.full_name {
                steps.push(Step::SetFullName {
                    short_name: u.short_name.clone(),
                    new: new.clone(),
                    old: current_full_name.unwrap_or_default().to_owned(),
                });
            }
            steps.extend(admin_step(&u.short_name, &u.admin));
            if plan.sets_password() {
                steps.push(Step::SetPassword {
                    short_name: u.short_name.clone(),
                });
            }
            steps.push(Step::Bind {
                short_name: u.short_name.clone(),
                binding: u.binding.clone(),
                previous: u.previous_binding.clone(),
            });
            steps
        }
    }
}
