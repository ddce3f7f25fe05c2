//! What a request asks for: v2 `scope` strings and v1 `resource` values become a [`Grant`].

use crate::errors::AadError;
use crate::state::{Grant, Version};
use crate::tenant::Tenant;

/// Microsoft Graph's app ID.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Microsoft Graph's resource URI.
pub const GRAPH_URI: &str = "https://graph.microsoft.com";
const OIDC: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// A Graph grant; `audience` is what a v1.0 Graph token's `aud` says: Graph's app ID when
/// asked through the v2 endpoint, the resource as sent on the v1 endpoint.
fn graph(scopes: Vec<String>, oidc: Vec<String>, version: Version, audience: &str) -> Grant {
    Grant {
        resource_app: GRAPH_APP_ID.into(),
        audience: audience.into(),
        scopes,
        oidc,
        version,
    }
}

/// Resolves a v2 `scope` parameter (space-separated).
pub fn resolve_v2(tenant: &Tenant, scope: &str) -> Result<Grant, AadError> {
    let mut oidc = Vec::new();
    let mut resource: Option<(String, String)> = None; // (app id, v1 audience)
    let mut scopes = Vec::new();
    for s in scope.split_whitespace() {
        if OIDC.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            oidc.push(s.to_ascii_lowercase());
            continue;
        }
        let (res, name) = split_scope(s);
        let (app_id, aud) = match res {
            None => (GRAPH_APP_ID.to_string(), GRAPH_APP_ID.to_string()),
            Some(r)
                if r.eq_ignore_ascii_case(GRAPH_URI) || r.eq_ignore_ascii_case(GRAPH_APP_ID) =>
            {
                (GRAPH_APP_ID.to_string(), GRAPH_APP_ID.to_string())
            }
            Some(r) => {
                let id = r.strip_prefix("api://").unwrap_or(r);
                let Some(app) = tenant.app(id) else {
                    return Err(AadError::unknown_resource(r, &tenant.tenant_id.to_string()));
                };
                if name != ".default"
                    && !app.api_scopes.iter().any(|x| x.eq_ignore_ascii_case(name))
                {
                    return Err(AadError::invalid_scope(s));
                }
                // A v1.0 token's `aud` is the identifier the client asked with.
                (app.client_id.to_string(), r.to_string())
            }
        };
        if resource.as_ref().is_some_and(|(a, _)| *a != app_id) {
            return Err(AadError::invalid_request(
                28000,
                "Provided value for the input parameter scope is not valid because it contains more than one resource.",
            ));
        }
        resource = Some((app_id, aud));
        scopes.push(name.to_string());
    }
    if oidc.is_empty() && scopes.is_empty() {
        return Err(AadError::missing_parameter("scope"));
    }
    Ok(match resource {
        None => graph(vec!["User.Read".into()], oidc, Version::V2, GRAPH_APP_ID),
        Some((app, aud)) => Grant {
            resource_app: app,
            audience: aud,
            scopes,
            oidc,
            version: Version::V2,
        },
    })
}

/// `https://graph.microsoft.com/User.Read` -> (Some(resource), "User.Read"); `User.Read` -> (None, ..).
fn split_scope(s: &str) -> (Option<&str>, &str) {
    match s.rfind('/') {
        Some(i) if i > 0 => (Some(&s[..i]), &s[i + 1..]),
        _ => (None, s),
    }
}

/// Resolves a v1 `resource` parameter.
pub fn resolve_v1(tenant: &Tenant, resource: &str, scope: Option<&str>) -> Result<Grant, AadError> {
    let oidc: Vec<String> = scope
        .unwrap_or("openid")
        .split_whitespace()
        .filter(|s| OIDC.iter().any(|o| o.eq_ignore_ascii_case(s)))
        .map(str::to_ascii_lowercase)
        .collect();
    let r = resource.trim_end_matches('/');
    if r.eq_ignore_ascii_case(GRAPH_URI) || r.eq_ignore_ascii_case(GRAPH_APP_ID) {
        return Ok(graph(vec!["User.Read".into()], oidc, Version::V1, r));
    }
    let id = r.strip_prefix("api://").unwrap_or(r);
    let Some(app) = tenant.app(id) else {
        return Err(AadError::unknown_resource(
            resource,
            &tenant.tenant_id.to_string(),
        ));
    };
    Ok(Grant {
        resource_app: app.client_id.to_string(),
        audience: resource.to_string(),
        scopes: app.api_scopes.clone(),
        oidc,
        version: Version::V1,
    })
}

/// What Conditional Access matches on: the client and the resource, in every spelling.
pub fn ca_targets(client_id: &str, grant: &Grant) -> Vec<String> {
    let mut t = vec![
        client_id.to_string(),
        grant.resource_app.clone(),
        grant.audience.clone(),
    ];
    if grant.resource_app != GRAPH_APP_ID {
        t.push(format!("api://{}", grant.resource_app));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_scopes() {
        let t = Tenant::demo();
        let g = resolve_v2(&t, "openid profile offline_access User.Read").expect("graph");
        assert_eq!(g.resource_app, GRAPH_APP_ID);
        assert_eq!(g.scopes, vec!["User.Read"]);
        let g = resolve_v2(
            &t,
            "openid api://c3000000-0000-4000-8000-000000000001/sesame",
        )
        .expect("api");
        assert_eq!(g.resource_app, "c3000000-0000-4000-8000-000000000001");
        assert_eq!(g.audience, "api://c3000000-0000-4000-8000-000000000001");
        let e = resolve_v2(&t, "api://c3000000-0000-4000-8000-000000000001/nope").err();
        assert_eq!(e.map(|e| e.code), Some(70011));
        let e = resolve_v2(&t, "api://11111111-0000-4000-8000-000000000001/x").err();
        assert_eq!(e.map(|e| e.code), Some(500011));
    }
}
