//! The signed-in person as Sesame knows them after the ID token was validated.
//!
//! `sesame-entra` produces an [`Identity`]; provisioning and the sync log
//! consume it. Identity is bound by `oid` + `tid`, never by UPN, and groups
//! are ObjectIDs, never display names. A person at another OpenID provider
//! (`OIDCDiscoveryURL`) is bound by `iss` + `sub` ([`EntraId::open_id`]).

use serde::{Deserialize, Serialize};

/// Who an account belongs to: an Entra identity (object ID and tenant ID
/// together) or, for a profile naming another OpenID provider, that
/// provider's issuer and subject. The two can never be equal: a tenant ID is
/// a GUID, an issuer is an URL.
///
/// On disk (`accounts.json`) an Entra identity is `{"oid", "tid"}` as it
/// always was; another provider's is `{"iss", "sub"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntraId {
    /// The user's object ID (`oid` claim), a GUID, lowercase; for another
    /// OpenID provider, the `sub` claim as issued.
    pub oid: String,
    /// The tenant ID (`tid` claim), a GUID, lowercase; for another OpenID
    /// provider, the `iss` claim (an URL).
    pub tid: String,
}

impl EntraId {
    /// A person at another OpenID provider: `iss` + `sub`, never a name.
    pub fn open_id(issuer: &str, subject: &str) -> Self {
        Self {
            oid: subject.to_owned(),
            tid: issuer.to_owned(),
        }
    }

    /// `true` for another OpenID provider's `iss` + `sub`.
    pub fn is_open_id(&self) -> bool {
        self.tid.contains("://")
    }

    /// For people and logs: "oid … tid …" or "iss … sub …".
    pub fn describe(&self) -> String {
        if self.is_open_id() {
            format!("iss {} sub {}", self.tid, self.oid)
        } else {
            format!("oid {} tid {}", self.oid, self.tid)
        }
    }
}

/// The two on-disk shapes of [`EntraId`].
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum IdRepr {
    Entra { oid: String, tid: String },
    OpenId { iss: String, sub: String },
}

impl Serialize for EntraId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let repr = if self.is_open_id() {
            IdRepr::OpenId {
                iss: self.tid.clone(),
                sub: self.oid.clone(),
            }
        } else {
            IdRepr::Entra {
                oid: self.oid.clone(),
                tid: self.tid.clone(),
            }
        };
        repr.serialize(s)
    }
}

impl<'de> Deserialize<'de> for EntraId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match IdRepr::deserialize(d)? {
            IdRepr::Entra { oid, tid } => Self { oid, tid },
            IdRepr::OpenId { iss, sub } => Self::open_id(&iss, &sub),
        })
    }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::EntraId;

    /// accounts.json written before generic providers existed still reads,
    /// and an Entra binding is written exactly as before.
    #[test]
    fn an_entra_binding_keeps_its_on_disk_shape() {
        let old = r#"{"oid":"4f2d1c3b-0000-4000-8000-000000000001","tid":"5f7b2c1d-8e3a-4b6f-9c0d-1e2f3a4b5c6d"}"#;
        let id: EntraId = serde_json::from_str(old).unwrap();
        assert!(!id.is_open_id());
        assert_eq!(id.oid, "4f2d1c3b-0000-4000-8000-000000000001");
        assert_eq!(serde_json::to_string(&id).unwrap(), old);
        assert!(id.describe().starts_with("oid 4f2d1c3b"));
    }

    /// Another provider's person is written as iss + sub and read back, and
    /// is never the same as an Entra identity with the same strings.
    #[test]
    fn an_open_id_binding_is_iss_and_sub() {
        let id = EntraId::open_id("https://sso.example/realms/staff", "alice");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(
            json,
            r#"{"iss":"https://sso.example/realms/staff","sub":"alice"}"#
        );
        let back: EntraId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
        assert!(back.is_open_id());
        assert_eq!(
            back.describe(),
            "iss https://sso.example/realms/staff sub alice"
        );
        let other_issuer = EntraId::open_id("https://evil.example", "alice");
        assert_ne!(
            other_issuer, id,
            "same sub at another issuer is another person"
        );
    }
}
