//! The claims of a validated Entra ID token, typed, and their conversion to
//! [`sesame_core::identity::Identity`].

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use sesame_core::identity::{EntraId, Groups, Identity};

use crate::discovery::Version;

/// What the token says about groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupClaim {
    /// The `groups` claim, lowercased ObjectIDs (possibly empty).
    Listed(Vec<String>),
    /// Group overage: too many groups, they must be fetched from Graph
    /// (`_claim_names.groups` or `hasgroups`).
    Overage,
    /// The app does not emit groups at all.
    NotEmitted,
}

/// Validated claims, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraClaims {
    /// Token family (from the issuer form).
    pub version: Version,
    /// `iss`.
    pub issuer: String,
    /// `oid`: the user's object ID, lowercase.
    pub oid: String,
    /// `tid`: the tenant ID, lowercase.
    pub tid: String,
    /// `sub` (pairwise per app).
    pub sub: String,
    /// `preferred_username` (v2).
    pub preferred_username: Option<String>,
    /// `upn` (v1, and v2 when configured as optional claim).
    pub upn: Option<String>,
    /// `unique_name` (v1).
    pub unique_name: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `given_name`.
    pub given_name: Option<String>,
    /// `family_name`.
    pub family_name: Option<String>,
    /// `groups`, or the overage marker.
    pub groups: GroupClaim,
    /// `roles` (app roles).
    pub roles: Vec<String>,
    /// `wids` (directory role template IDs).
    pub wids: Vec<String>,
    /// `amr` (authentication methods, e.g. `pwd`, `mfa`).
    pub amr: Vec<String>,
    /// `pwd_exp`: seconds until the password expires.
    pub pwd_exp: Option<u64>,
    /// `pwd_url`: where to change the password.
    pub pwd_url: Option<String>,
    /// `iat` (seconds since the epoch).
    pub issued_at: i64,
    /// `exp` (seconds since the epoch).
    pub expires_at: i64,
    /// `nbf` (seconds since the epoch), when present.
    pub not_before: Option<i64>,
    /// Every string-valued claim, for the profile's short-name claim.
    pub extra: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Raw {
    iss: String,
    #[serde(default)]
    oid: Option<String>,
    #[serde(default)]
    tid: Option<String>,
    sub: String,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    upn: Option<String>,
    #[serde(default)]
    unique_name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    given_name: Option<String>,
    #[serde(default)]
    family_name: Option<String>,
    #[serde(default)]
    groups: Option<Vec<String>>,
    #[serde(default)]
    hasgroups: Option<Value>,
    #[serde(default, rename = "_claim_names")]
    claim_names: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    wids: Vec<String>,
    #[serde(default)]
    amr: Vec<String>,
    #[serde(default)]
    pwd_exp: Option<Value>,
    #[serde(default)]
    pwd_url: Option<String>,
    iat: i64,
    exp: i64,
    #[serde(default)]
    nbf: Option<i64>,
}

/// A claim problem found after the signature checked out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    /// The payload is not the expected JSON.
    #[error("ID token payload: {0}")]
    Malformed(String),
    /// `oid` or `tid` is missing.
    #[error("ID token has no `{0}` claim; Sesame binds accounts by oid + tid")]
    Missing(&'static str),
}

impl EntraClaims {
    /// Reads typed claims from a (verified) JSON payload.
    pub fn from_payload(payload: &[u8], version: Version) -> Result<Self, ClaimsError> {
        let value: Value =
            serde_json::from_slice(payload).map_err(|e| ClaimsError::Malformed(e.to_string()))?;
        let raw = Raw::deserialize(&value).map_err(|e| ClaimsError::Malformed(e.to_string()))?;
        let oid = raw
            .oid
            .ok_or(ClaimsError::Missing("oid"))?
            .to_ascii_lowercase();
        let tid = raw
            .tid
            .ok_or(ClaimsError::Missing("tid"))?
            .to_ascii_lowercase();
        let overage = raw
            .claim_names
            .as_ref()
            .is_some_and(|m| m.contains_key("groups"))
            || matches!(raw.hasgroups, Some(Value::Bool(true)))
            || matches!(&raw.hasgroups, Some(Value::String(s)) if s == "true");
        let groups = match (overage, raw.groups) {
            (true, _) => GroupClaim::Overage,
            (false, Some(g)) => {
                GroupClaim::Listed(g.iter().map(|s| s.to_ascii_lowercase()).collect())
            }
            (false, None) => GroupClaim::NotEmitted,
        };
        let pwd_exp = match raw.pwd_exp {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let extra = match &value {
            Value::Object(map) => map
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect(),
            _ => BTreeMap::new(),
        };
        Ok(Self {
            version,
            issuer: raw.iss,
            oid,
            tid,
            sub: raw.sub,
            preferred_username: raw.preferred_username,
            upn: raw.upn,
            unique_name: raw.unique_name,
            email: raw.email,
            name: raw.name,
            given_name: raw.given_name,
            family_name: raw.family_name,
            groups,
            roles: raw.roles,
            wids: raw.wids,
            amr: raw.amr,
            pwd_exp,
            pwd_url: raw.pwd_url,
            issued_at: raw.iat,
            expires_at: raw.exp,
            not_before: raw.nbf,
            extra,
        })
    }

    /// The sign-in name: `preferred_username`, else `upn`, `unique_name`,
    /// `email`, else the object ID.
    pub fn username(&self) -> &str {
        self.preferred_username
            .as_deref()
            .or(self.upn.as_deref())
            .or(self.unique_name.as_deref())
            .or(self.email.as_deref())
            .unwrap_or(&self.oid)
    }

    /// `true` when groups must come from Graph.
    pub fn has_group_overage(&self) -> bool {
        self.groups == GroupClaim::Overage
    }

    /// Groups as far as the token alone tells: known, unknown because of
    /// overage (resolve with [`crate::graph`] first), or not emitted at all
    /// (the app registration has no groups claim) — never "no groups".
    pub fn token_groups(&self) -> Groups {
        match &self.groups {
            GroupClaim::Listed(ids) => Groups::Known { ids: ids.clone() },
            GroupClaim::NotEmitted => Groups::NotEmitted,
            GroupClaim::Overage => Groups::Unknown {
                reason:
                    "the ID token reported group overage and groups were not resolved from Graph"
                        .into(),
            },
        }
    }

    /// The identity key: `oid` + `tid`.
    pub fn entra_id(&self) -> EntraId {
        EntraId {
            oid: self.oid.clone(),
            tid: self.tid.clone(),
        }
    }

    /// The identity provisioning and the sync log use, with `groups`
    /// resolved by the caller (from the token or from Graph).
    pub fn to_identity(&self, groups: Groups) -> Identity {
        Identity {
            id: self.entra_id(),
            username: self.username().to_owned(),
            upn: self.upn.clone(),
            name: self.name.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            groups,
            roles: self.roles.clone(),
            extra_claims: self.extra.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(extra: &str) -> Vec<u8> {
        format!(
            r#"{{"iss":"https://login.microsoftonline.com/T/v2.0","sub":"s","oid":"AAAA-OID","tid":"BBBB-TID","iat":1,"exp":2{extra}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn typed_claims_and_identity() {
        let c = EntraClaims::from_payload(
            &payload(r#","preferred_username":"ada@contoso.com","name":"Ada","groups":["G1","g2"],"roles":["Mac.Admin"],"wids":["62e90394"],"amr":["pwd","mfa"],"pwd_exp":"86400","pwd_url":"https://go.microsoft.com/fwlink/?LinkId=721493","department":"R&D""#),
            Version::V2,
        )
        .unwrap();
        assert_eq!(c.oid, "aaaa-oid");
        assert_eq!(c.tid, "bbbb-tid");
        assert_eq!(c.groups, GroupClaim::Listed(vec!["g1".into(), "g2".into()]));
        assert_eq!(c.pwd_exp, Some(86400));
        assert_eq!(c.amr, vec!["pwd", "mfa"]);
        let id = c.to_identity(c.token_groups());
        assert_eq!(id.username, "ada@contoso.com");
        assert_eq!(id.id.oid, "aaaa-oid");
        assert_eq!(
            id.groups,
            Groups::Known {
                ids: vec!["g1".into(), "g2".into()]
            }
        );
        assert_eq!(
            id.extra_claims.get("department").map(String::as_str),
            Some("R&D")
        );
    }

    #[test]
    fn overage_marker_makes_groups_unknown_never_empty() {
        let c = EntraClaims::from_payload(
            &payload(r#","_claim_names":{"groups":"src1"},"_claim_sources":{"src1":{"endpoint":"https://graph.windows.net/x/users/y/getMemberObjects"}}"#),
            Version::V1,
        )
        .unwrap();
        assert!(c.has_group_overage());
        assert!(matches!(c.token_groups(), Groups::Unknown { .. }));
        let c = EntraClaims::from_payload(&payload(r#","hasgroups":true"#), Version::V2).unwrap();
        assert!(c.has_group_overage());
    }

    #[test]
    fn a_token_without_a_groups_claim_is_not_no_groups() {
        let c = EntraClaims::from_payload(&payload(""), Version::V2).unwrap();
        assert_eq!(c.groups, GroupClaim::NotEmitted);
        assert_eq!(c.token_groups(), Groups::NotEmitted);
        assert_eq!(c.to_identity(c.token_groups()).groups.known(), None);
        // An emitted but empty claim is a real "no groups".
        let c = EntraClaims::from_payload(&payload(r#","groups":[]"#), Version::V2).unwrap();
        assert_eq!(c.token_groups(), Groups::Known { ids: vec![] });
    }

    #[test]
    fn missing_oid_or_tid_is_refused() {
        let p = br#"{"iss":"i","sub":"s","tid":"t","iat":1,"exp":2}"#;
        assert_eq!(
            EntraClaims::from_payload(p, Version::V2),
            Err(ClaimsError::Missing("oid"))
        );
    }
}
