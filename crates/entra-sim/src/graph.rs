//! A Microsoft Graph subset: `/v1.0/me` and `/v1.0/users/{id}` (`$select`),
//! `/v1.0/domains/{id}` (the password policy), `/v1.0/users/{id}/getMemberObjects` and
//! `/v1.0/users/{id}/memberOf` (paged).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

use crate::scopes::{GRAPH_APP_ID, GRAPH_URI};
use crate::state::SimState;
use crate::tenant::User;

/// Page size of `memberOf`.
const PAGE: usize = 100;

fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let body = json!({ "error": { "code": code, "message": message,
        "innerError": { "date": now, "request-id": uuid::Uuid::new_v4().to_string(), "client-request-id": uuid::Uuid::new_v4().to_string() } } });
    (status, Json(body)).into_response()
}

/// Validates the bearer token and returns the caller's ObjectID.
fn caller(s: &SimState, headers: &HeaderMap) -> Result<String, Box<Response>> {
    let claims = bearer_claims(s, headers)?;
    claims["oid"].as_str().map(str::to_string).ok_or_else(|| {
        Box::new(graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Token has no oid.",
        ))
    })
}

/// Validates a Graph bearer token (signature with a published key, issuer, Graph audience,
/// expiry at the sim's clock) and returns its claims.
fn bearer_claims(s: &SimState, headers: &HeaderMap) -> Result<Value, Box<Response>> {
    let unauthorized = |m: &str| {
        Box::new(graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            m,
        ))
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| unauthorized("Access token is empty."))?;
    let jwks = s
        .keys
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .jwks(None);
    let kid = jsonwebtoken::decode_header(token)
        .ok()
        .and_then(|h| h.kid)
        .ok_or_else(|| unauthorized("IDX14100: JWT is not well formed."))?;
    let key = jwks["keys"]
        .as_array()
        .and_then(|ks| ks.iter().find(|k| k["kid"] == kid.as_str()))
        .and_then(|k| DecodingKey::from_rsa_components(k["n"].as_str()?, k["e"].as_str()?).ok())
        .ok_or_else(|| unauthorized("Signing key not found."))?;
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[GRAPH_URI, GRAPH_APP_ID]);
    v.set_issuer(&[s.issuer_v1()]);
    v.validate_exp = false; // checked against the sim's clock below
    let data = jsonwebtoken::decode::<Value>(token, &key, &v)
        .map_err(|e| unauthorized(&format!("Access token validation failure: {e}")))?;
    let exp = data.claims["exp"].as_i64().unwrap_or(0);
    if exp <= s.clock.now().unix_timestamp() {
        return Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
        ));
    }
    Ok(data.claims)
}

/// `GET|POST /oidc/userinfo` (v2 discovery) and `/{tenant}/openid/userinfo` (v1 discovery):
/// the OpenID userinfo answer for a Graph access token, as Entra serves it.
pub async fn userinfo(State(s): State<Arc<SimState>>, headers: HeaderMap) -> Response {
    let claims = match bearer_claims(&s, &headers) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let oid = claims["oid"].as_str().unwrap_or_default();
    let inner = s.inner();
    let Some(u) = find_user(&inner.tenant.users, oid) else {
        return graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "The token's user is not in the tenant.",
        );
    };
    let mut out = json!({ "sub": claims["sub"], "name": u.display_name,
        "picture": "https://graph.microsoft.com/v1.0/me/photo/$value", "email": u.upn });
    if let Some(g) = &u.given_name {
        out["given_name"] = json!(g);
    }
    if let Some(f) = &u.family_name {
        out["family_name"] = json!(f);
    }
    Json(out).into_response()
}

fn find_user<'a>(users: &'a [User], id: &str) -> Option<&'a User> {
    users
        .iter()
        .find(|u| u.oid.to_string().eq_ignore_ascii_case(id) || u.upn.eq_ignore_ascii_case(id))
}

fn user_json(s: &SimState, u: &User) -> Value {
    json!({
        "@odata.context": format!("{}/v1.0/$metadata#users/$entity", s.base_url),
        "id": u.oid.to_string(),
        "userPrincipalName": u.upn,
        "displayName": u.display_name,
        "givenName": u.given_name,
        "surname": u.family_name,
        "mail": u.upn,
        "businessPhones": [], "jobTitle": null, "mobilePhone": null, "officeLocation": null, "preferredLanguage": null,
    })
}

fn not_found(id: &str) -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        &format!(
            "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
        ),
    )
}

/// `GET /v1.0/me` with optional `$select` (the signed-in user, as `/users/{id}`).
pub async fn me(
    State(s): State<Arc<SimState>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let oid = match caller(&s, &headers) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    let inner = s.inner();
    match find_user(&inner.tenant.users, &oid) {
        Some(u) if q.contains_key("$select") => user_answer(&s, u, &q),
        Some(u) => Json(user_json(&s, u)).into_response(),
        None => not_found(&oid),
    }
}

/// `GET /v1.0/domains/{id}` with optional `$select`: a verified domain of the tenant and its
/// password policy. Graph's domain resource: `passwordValidityPeriodInDays` (`2147483647`
/// when passwords never expire) and `passwordNotificationWindowInDays`.
pub async fn domain(
    State(s): State<Arc<SimState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = caller(&s, &headers) {
        return *r;
    }
    let inner = s.inner();
    let t = &inner.tenant;
    let Some(name) = t.domains.iter().find(|d| d.eq_ignore_ascii_case(&id)) else {
        return not_found(&id);
    };
    let full = json!({
        "id": name,
        "authenticationType": "Managed",
        "isDefault": t.domains.first() == Some(name),
        "isVerified": true,
        "passwordValidityPeriodInDays": t.password_expiry_days.unwrap_or(2_147_483_647),
        "passwordNotificationWindowInDays": t.password_expiry_notification_days,
    });
    selected(&s, "domains", full, &q)
}

/// `full`, or only the `$select`ed fields (and `id`), with Graph's `@odata.context`.
fn selected(s: &SimState, set: &str, full: Value, q: &HashMap<String, String>) -> Response {
    let Some(select) = q.get("$select") else {
        return Json(full).into_response();
    };
    let mut out = serde_json::Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/v1.0/$metadata#{set}({select})/$entity",
            s.base_url
        )),
    );
    for field in select
        .split(',')
        .map(str::trim)
        .chain(std::iter::once("id"))
    {
        if let Some(v) = full.get(field) {
            out.insert(field.to_string(), v.clone());
        }
    }
    Json(Value::Object(out)).into_response()
}

/// `GET /v1.0/users/{id}` with optional `$select`.
pub async fn user(
    State(s): State<Arc<SimState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = caller(&s, &headers) {
        return *r;
    }
    let inner = s.inner();
    let Some(u) = find_user(&inner.tenant.users, &id) else {
        return not_found(&id);
    };
    user_answer(&s, u, &q)
}

/// A user with the password fields Graph serves on `$select` only.
fn user_answer(s: &SimState, u: &User, q: &HashMap<String, String>) -> Response {
    let mut full = user_json(s, u);
    full["lastPasswordChangeDateTime"] = json!(
        u.last_password_change
            .replace_nanosecond(0)
            .unwrap_or(u.last_password_change)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    );
    full["passwordPolicies"] = if u.password_never_expires {
        json!("DisablePasswordExpiration")
    } else {
        Value::Null
    };
    full["accountEnabled"] = json!(u.state != crate::tenant::UserState::Disabled);
    selected(s, "users", full, q)
}

/// `POST /v1.0/users/{id}/getMemberObjects` (`{"securityEnabledOnly": bool}`).
pub async fn get_member_objects(
    State(s): State<Arc<SimState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = caller(&s, &headers) {
        return *r;
    }
    let security_only = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["securityEnabledOnly"].as_bool())
        .unwrap_or(false);
    let inner = s.inner();
    let Some(u) = find_user(&inner.tenant.users, &id) else {
        return not_found(&id);
    };
    let ids: Vec<String> = u
        .groups
        .iter()
        .filter(|g| !security_only || inner.tenant.group(**g).is_some_and(|g| g.security_enabled))
        .map(ToString::to_string)
        .collect();
    Json(json!({ "@odata.context": format!("{}/v1.0/$metadata#Collection(Edm.String)", s.base_url), "value": ids })).into_response()
}

/// `GET /v1.0/users/{id}/memberOf` (100 per page, `@odata.nextLink` with `$skiptoken`).
pub async fn member_of(
    State(s): State<Arc<SimState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = caller(&s, &headers) {
        return *r;
    }
    let inner = s.inner();
    let Some(u) = find_user(&inner.tenant.users, &id) else {
        return not_found(&id);
    };
    let skip: usize = q
        .get("$skiptoken")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let all: Vec<Value> = u
        .groups
        .iter()
        .filter_map(|g| inner.tenant.group(*g))
        .map(|g| json!({ "@odata.type": "#microsoft.graph.group", "id": g.id.to_string(), "displayName": g.name, "securityEnabled": g.security_enabled }))
        .collect();
    let page: Vec<Value> = all.iter().skip(skip).take(PAGE).cloned().collect();
    let mut out = json!({ "@odata.context": format!("{}/v1.0/$metadata#directoryObjects", s.base_url), "value": page });
    if skip + PAGE < all.len() {
        out["@odata.nextLink"] = json!(format!(
            "{}/v1.0/users/{id}/memberOf?$skiptoken={}",
            s.base_url,
            skip + PAGE
        ));
    }
    Json(out).into_response()
}
