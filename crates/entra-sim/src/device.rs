//! Device code flow: `/{tenant}/oauth2/v2.0/devicecode` and the `/devicelogin` page.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use rand::Rng;
use serde_json::json;
use time::Duration;

use crate::authorize::new_device_session;
use crate::errors::AadError;
use crate::pages;
use crate::scopes::{resolve_v1, resolve_v2};
use crate::state::{DeviceGrant, LoginRequest, SimState, Version, random_token};
use crate::token::{correlation_id, resolve_tenant};

fn user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..9)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// `POST /{tenant}/oauth2/v2.0/devicecode` (`client_id`, `scope`).
pub async fn devicecode(
    State(s): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    devicecode_for(&s, &tenant, Version::V2, &headers, &body)
}

/// `POST /{tenant}/oauth2/devicecode` (v1: `client_id`, `resource`). The v1 answer names the
/// page `verification_url` (not `verification_uri`) and the client then polls `/oauth2/token`
/// with `code`, as Microsoft's docs issues #48307 and #46110 report.
pub async fn devicecode_v1(
    State(s): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    devicecode_for(&s, &tenant, Version::V1, &headers, &body)
}

fn devicecode_for(
    s: &SimState,
    tenant: &str,
    version: Version,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let corr = correlation_id(headers);
    let now = s.clock.now();
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let p = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let result = (|| {
        resolve_tenant(s, tenant)?;
        let client_id = p("client_id").ok_or_else(|| AadError::missing_parameter("client_id"))?;
        let mut inner = s.inner();
        let app = inner
            .tenant
            .app(client_id)
            .cloned()
            .ok_or_else(|| AadError::unknown_app(client_id, tenant))?;
        if !app.public_client {
            return Err(AadError::client_credential_required());
        }
        let grant = match version {
            Version::V2 => {
                let scope = p("scope").ok_or_else(|| AadError::missing_parameter("scope"))?;
                resolve_v2(&inner.tenant, scope)?
            }
            Version::V1 => {
                let resource =
                    p("resource").ok_or_else(|| AadError::missing_parameter("resource"))?;
                resolve_v1(&inner.tenant, resource, p("scope"))?
            }
        };
        inner.prune(now);
        let device_code = random_token(48);
        let code = user_code();
        inner.devices.insert(
            device_code.clone(),
            DeviceGrant {
                client_id: app.client_id,
                user_code: code.clone(),
                grant,
                expires: now + Duration::minutes(15),
                completed: None,
                declined: false,
            },
        );
        let uri = format!("{}/devicelogin", s.base_url);
        let message = format!(
            "To sign in, use a web browser to open the page {uri} and enter the code {code} to authenticate."
        );
        Ok(match version {
            Version::V2 => json!({
                "user_code": code, "device_code": device_code, "verification_uri": uri,
                "expires_in": 900, "interval": 5, "message": message,
            }),
            Version::V1 => json!({
                "user_code": code, "device_code": device_code, "verification_url": uri,
                "expires_in": "900", "interval": "5", "message": message,
            }),
        })
    })();
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.response(&s.base_url, now, &corr),
    }
}

/// `GET /devicelogin`.
pub async fn device_page() -> Response {
    pages::device_code(None)
}

/// `POST /devicelogin` (`otc` = the user code): continues with the sign-in pages.
pub async fn device_submit(
    State(s): State<Arc<SimState>>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let now = s.clock.now();
    let typed: String = f
        .get("otc")
        .map(String::as_str)
        .unwrap_or_default()
        .trim()
        .to_ascii_uppercase();
    let mut inner = s.inner();
    let found = inner
        .devices
        .iter()
        .find(|(_, d)| {
            d.user_code == typed && d.expires > now && d.completed.is_none() && !d.declined
        })
        .map(|(k, d)| (k.clone(), d.client_id, d.grant.clone()));
    let Some((device_code, client_id, grant)) = found else {
        return pages::device_code(Some("That code didn't work. Check the code and try again."));
    };
    let app_name = inner
        .tenant
        .app(&client_id.to_string())
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let ctx = new_device_session(
        &mut inner,
        now,
        LoginRequest::Device {
            device_code,
            client_id,
            grant,
        },
    );
    pages::device_username(&format!("/{}/login", s.tenant_id), &ctx, &app_name)
}
