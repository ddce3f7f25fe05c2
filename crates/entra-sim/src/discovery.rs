//! OpenID discovery documents (v1 and v2) and the JWKS.
//!
//! Every endpoint a document advertises is served (token, authorize, device code, userinfo,
//! end session, JWKS); Entra's `kerberos_endpoint` and v1 `check_session_iframe` are left
//! out because the sim has no Kerberos and no session iframe.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::state::SimState;
use crate::token::{TenantRef, correlation_id, resolve_tenant};

fn claims_supported() -> Value {
    json!([
        "sub",
        "iss",
        "cloud_instance_name",
        "cloud_instance_host_name",
        "cloud_graph_host_name",
        "msgraph_host",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "acr",
        "nonce",
        "preferred_username",
        "name",
        "tid",
        "ver",
        "at_hash",
        "c_hash",
        "email"
    ])
}

fn segment_and_issuer_tid(state: &SimState, tref: TenantRef, name: &str) -> (String, String) {
    match tref {
        TenantRef::This => (state.tenant_id.to_string(), state.tenant_id.to_string()),
        // Multi-tenant documents keep the path segment and a `{tenantid}` issuer template.
        _ => (name.to_ascii_lowercase(), "{tenantid}".to_string()),
    }
}

fn unknown(state: &SimState, headers: &HeaderMap, e: &crate::errors::AadError) -> Response {
    e.response(&state.base_url, state.clock.now(), &correlation_id(headers))
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub async fn openid_v2(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    let tref = match resolve_tenant(&state, &tenant) {
        Ok(t) => t,
        Err(e) => return unknown(&state, &headers, &e),
    };
    let base = &state.base_url;
    let (seg, tid) = segment_and_issuer_tid(&state, tref, &tenant);
    Json(json!({
        "token_endpoint": format!("{base}/{seg}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{seg}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{base}/{tid}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{base}/oidc/userinfo"),
        "authorization_endpoint": format!("{base}/{seg}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/{seg}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{seg}/oauth2/v2.0/logout"),
        "claims_supported": claims_supported(),
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net"
    }))
    .into_response()
}

/// `GET /{tenant}/.well-known/openid-configuration` (v1).
pub async fn openid_v1(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    let tref = match resolve_tenant(&state, &tenant) {
        Ok(t) => t,
        Err(e) => return unknown(&state, &headers, &e),
    };
    let base = &state.base_url;
    let (seg, tid) = segment_and_issuer_tid(&state, tref, &tenant);
    Json(json!({
        "token_endpoint": format!("{base}/{seg}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{seg}/discovery/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
        "scopes_supported": ["openid"],
        "issuer": format!("https://sts.windows.net/{tid}/"),
        "microsoft_multi_refresh_token": true,
        "authorization_endpoint": format!("{base}/{seg}/oauth2/authorize"),
        "device_authorization_endpoint": format!("{base}/{seg}/oauth2/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{seg}/oauth2/logout"),
        "claims_supported": claims_supported(),
        "userinfo_endpoint": format!("{base}/{seg}/openid/userinfo"),
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net"
    }))
    .into_response()
}

/// `GET /{tenant}/discovery/v2.0/keys`.
pub async fn jwks_v2(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    let tref = match resolve_tenant(&state, &tenant) {
        Ok(t) => t,
        Err(e) => return unknown(&state, &headers, &e),
    };
    // Tenant documents name the tenant; `/common` and `/organizations` publish the
    // `{tenantid}` template, as Entra's multi-tenant JWKS do.
    let issuer = match tref {
        TenantRef::This => state.issuer_v2(),
        _ => format!("{}/{{tenantid}}/v2.0", state.base_url),
    };
    let doc = state
        .keys
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .jwks(Some(&issuer));
    Json(doc).into_response()
}

/// `GET /{tenant}/discovery/keys` (v1).
pub async fn jwks_v1(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = resolve_tenant(&state, &tenant) {
        return unknown(&state, &headers, &e);
    }
    let doc = state
        .keys
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .jwks(None);
    Json(doc).into_response()
}
