//! The signed-in person as Sesame knows them after the ID token was validated.
//!
//! `sesame-entra` produces an [`Identity`]; provisioning and the sync log
//! consume it. Identity is bound by `oid` + `tid`, never by UPN, and groups
//! are ObjectIDs, never display names.

use serde::{Deserialize, Serialize};

/// An Entra identity: object ID and tenant ID together.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntraId {
    /// The user's object ID (`oid` claim), a GUID, lowercase.
    pub oid: String,
    /// The tenant ID (`tid` claim), a GUID, lowercase.
    pub tid: String,
}

/// What the token told us about group membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Groups {
    /// The complete list of group ObjectIDs (lowercase GUIDs).
    Known {
        /// Group ObjectIDs.
        ids: Vec<String>,
    },
    /// The token said groups were left out (overage) and they could not be
    /// resolved from Graph. Never treat this as "no groups".
    Unknown {
        /// Why the groups are unknown, for the sync log.
        reason: String,
    },
    /// The token carries no groups claim at all: the app registration does
    /// not emit one (its `groupMembershipClaims`, set under Token
    /// configuration > Add groups claim, is off). Never "no groups": a
    /// group rule that needs them fails closed, as for `Unknown`.
    NotEmitted,
}

impl Groups {
    /// The group ObjectIDs when they are known; `None` when unknown or not
    /// emitted (never treat that as an empty list).
    pub fn known(&self) -> Option<&[String]> {
        match self {
            Self::Known { ids } => Some(ids),
            Self::Unknown { .. } | Self::NotEmitted => None,
        }
    }
}

/// Validated claims of the person who signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Object ID + tenant ID: the binding key for local accounts.
    pub id: EntraId,
    /// `preferred_username` (v2) or `upn` / `unique_name` (v1).
    pub username: String,
    /// The `upn` claim when present.
    pub upn: Option<String>,
    /// Display name (`name`).
    pub name: Option<String>,
    /// `given_name`.
    pub given_name: Option<String>,
    /// `family_name`.
    pub family_name: Option<String>,
    /// Group ObjectIDs, or why they are unknown.
    pub groups: Groups,
    /// App roles (`roles` claim values).
    pub roles: Vec<String>,
    /// Every string-valued claim, for the configurable short-name claim.
    pub extra_claims: std::collections::BTreeMap<String, String>,
}
