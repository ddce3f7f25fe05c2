//! Provisioning: from a validated sign-in to a plan for the local account.
//!
//! [`plan`] is pure: it reads the [`Policy`], the person's [`Identity`](crate::identity::Identity)
//! and the password Entra verified for that identity, and a [`DirectorySnapshot`], and returns a [`Plan`]
//! (create, update, link, or deny with a reason) that explains itself in one
//! line for the sync log. Making the plan so is `sesame-platform`'s job.

mod full_name;
mod plan;
mod policy;
mod short_name;
mod snapshot;

#[cfg(test)]
mod tests;

pub use full_name::sanitize_full_name;
pub use plan::{
    AccountUpdate, AdminChange, DenyReason, LocalPasswordProof, NewAccount, Plan, PlanRequest, plan,
};
pub use policy::{AccountOs, DemotionPolicy, Policy};
pub use short_name::{RESERVED_NAMES, ShortNameError, short_name};
pub use snapshot::{AdminReason, Binding, DirectorySnapshot, LocalAccount, Origin};
