//! Group overage: when the ID token says groups were left out, ask Microsoft
//! Graph (`POST /v1.0/users/{oid}/getMemberObjects`) with an access token
//! for Graph. Any
//! failure gives [`Groups::Unknown`], never an empty list, so provisioning
//! can fail closed.

use secrecy::SecretString;
use serde::Deserialize;
use sesame_core::identity::Groups;
use url::Url;

use crate::claims::EntraClaims;
use crate::client::EntraClient;
use crate::error::{parse_error_response, snippet};

#[derive(Deserialize)]
struct MemberObjects {
    value: Vec<String>,
}

/// The Graph URL for a user's transitive memberships (by object ID).
pub fn member_objects_url(graph_base: &Url, oid: &str) -> Result<Url, url::ParseError> {
    let base = graph_base.as_str().trim_end_matches('/');
    let mut url = Url::parse(&format!("{base}/v1.0/users/"))?;
    url.path_segments_mut()
        .map_err(|()| url::ParseError::RelativeUrlWithCannotBeABaseBase)?
        .pop_if_empty()
        .push(oid)
        .push("getMemberObjects");
    Ok(url)
}

/// Reads a `getMemberObjects` answer into group ObjectIDs.
pub fn parse_member_objects(status: u16, content_type: Option<&str>, body: &[u8]) -> Groups {
    if !(200..300).contains(&status) {
        let why = match parse_error_response(status, content_type, None, body) {
            Ok(e) => e.summary(),
            Err(u) => u.to_string(),
        };
        return Groups::Unknown {
            reason: format!("Graph getMemberObjects failed: {why}"),
        };
    }
    match serde_json::from_slice::<MemberObjects>(body) {
        Ok(m) => Groups::Known {
            ids: m.value.iter().map(|s| s.to_ascii_lowercase()).collect(),
        },
        Err(e) => Groups::Unknown {
            reason: format!(
                "Graph getMemberObjects answer is malformed ({e}): {:?}",
                snippet(body)
            ),
        },
    }
}

impl EntraClient {
    /// The user's groups: from the token, or from Graph on overage. The
    /// access token must be for Microsoft Graph (e.g. from the password
    /// check with the default scopes); any failure gives `Groups::Unknown`.
    pub async fn resolve_groups(
        &self,
        claims: &EntraClaims,
        access_token: Option<&SecretString>,
    ) -> Groups {
        if !claims.has_group_overage() {
            return claims.token_groups();
        }
        let Some(token) = access_token else {
            return Groups::Unknown {
                reason: "group overage, and no access token to ask Graph with".into(),
            };
        };
        let url = match member_objects_url(&self.config().graph_base, &claims.oid) {
            Ok(u) => u,
            Err(e) => {
                return Groups::Unknown {
                    reason: format!("Graph base URL: {e}"),
                };
            }
        };
        let body = serde_json::json!({ "securityEnabledOnly": false });
        let groups = match self.http().post_json(&url, token, &body).await {
            Ok(resp) => parse_member_objects(resp.status, resp.content_type.as_deref(), &resp.body),
            Err(e) => Groups::Unknown {
                reason: format!("Graph getMemberObjects: {e}"),
            },
        };
        match &groups {
            Groups::Known { ids } => {
                tracing::info!(count = ids.len(), "groups resolved from Graph (overage)")
            }
            Groups::Unknown { reason } => tracing::warn!(%reason, "groups unknown after overage"),
            Groups::NotEmitted => {}
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_answers_become_known_or_unknown_never_empty_on_failure() {
        let ok = parse_member_objects(200, None, br#"{"value":["AAA","bbb"]}"#);
        assert_eq!(
            ok,
            Groups::Known {
                ids: vec!["aaa".into(), "bbb".into()]
            }
        );
        for (status, body) in [
            (
                403,
                &br#"{"error":{"code":"Authorization_RequestDenied"}}"#[..],
            ),
            (200, &b"<html>"[..]),
            (503, &b""[..]),
        ] {
            assert!(
                matches!(
                    parse_member_objects(status, None, body),
                    Groups::Unknown { .. }
                ),
                "{status}"
            );
        }
    }

    #[test]
    fn url_is_under_the_configured_graph_base() {
        let u = member_objects_url(
            &Url::parse("https://127.0.0.1:8443/graph/").unwrap(),
            "b2-oid",
        )
        .unwrap();
        assert_eq!(
            u.as_str(),
            "https://127.0.0.1:8443/graph/v1.0/users/b2-oid/getMemberObjects"
        );
        let u = member_objects_url(
            &Url::parse("https://graph.microsoft.com").unwrap(),
            "../x?y",
        )
        .unwrap();
        assert_eq!(
            u.as_str(),
            "https://graph.microsoft.com/v1.0/users/..%2Fx%3Fy/getMemberObjects"
        );
    }
}
