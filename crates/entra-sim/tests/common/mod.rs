//! Shared helpers for the entra-sim integration tests (real HTTP against a running sim).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use entra_sim::{Sim, SimHandle, SimOptions, Tenant};
use serde_json::Value;

pub const TID: &str = "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f";
pub const SESAME: &str = "c3000000-0000-4000-8000-000000000001";
pub const DOCTOR: &str = "c3000000-0000-4000-8000-000000000002";
pub const NO_PUBLIC: &str = "c3000000-0000-4000-8000-000000000003";
pub const NO_REPLY: &str = "c3000000-0000-4000-8000-000000000004";
pub const NO_CONSENT: &str = "c3000000-0000-4000-8000-000000000005";
pub const NATIVE: &str = "https://login.microsoftonline.com/common/oauth2/nativeclient";
pub const LOOPBACK: &str = "http://127.0.0.1/callback";

/// The demo tenant plus records the demo lacks (an unassigned user, an app without
/// redirect URIs, an app without consent, a loopback redirect URI).
pub fn test_tenant_toml(extra: &str) -> String {
    let demo = entra_sim::DEMO_TENANT_TOML.replace(
        "\"https://127.0.0.1/sesame\"",
        "\"https://127.0.0.1/sesame\", \"http://127.0.0.1/callback\"",
    );
    format!(
        "{demo}\n{extra}\n
[[users]]
upn = \"noaccess@contoso.example\"
password = \"Sesame-Demo-8\"

[[apps]]
client_id = \"{NO_REPLY}\"
name = \"No reply address\"
public_client = true

[[apps]]
client_id = \"{NO_CONSENT}\"
name = \"Not consented\"
public_client = true
admin_consent = false
redirect_uris = {{ public = [\"{NATIVE}\"] }}
"
    )
}

pub fn tenant() -> Tenant {
    Tenant::from_toml_str(&test_tenant_toml(""), "test tenant").expect("test tenant")
}

pub async fn start(tls: bool) -> SimHandle {
    Sim::start(tenant(), SimOptions { tls })
        .await
        .expect("sim starts")
}

pub async fn start_with(t: Tenant, tls: bool) -> SimHandle {
    Sim::start(t, SimOptions { tls }).await.expect("sim starts")
}

/// A client that trusts the sim's CA (when TLS) and never follows redirects.
pub fn client(sim: &SimHandle) -> reqwest::Client {
    entra_sim::headless::Browser::for_sim(sim)
        .expect("client")
        .http()
        .clone()
}

/// POSTs a form; returns status, headers and JSON body.
pub async fn post_form(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let r = http.post(url).form(form).send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.json::<Value>().await.expect("JSON body");
    (status, headers, body)
}

/// ROPG on v2 with `scope`.
pub async fn ropg_v2(
    sim: &SimHandle,
    tenant: &str,
    client_id: &str,
    user: &str,
    pw: &str,
) -> (u16, Value) {
    let http = client(sim);
    let url = format!("{}/{tenant}/oauth2/v2.0/token", sim.base_url());
    let form = [
        ("grant_type", "password"),
        ("client_id", client_id),
        ("scope", "openid profile offline_access User.Read"),
        ("username", user),
        ("password", pw),
    ];
    let (s, _, b) = post_form(&http, &url, &form).await;
    (s, b)
}

/// The AADSTS code of an error body.
pub fn code(body: &Value) -> u64 {
    body["error_codes"][0].as_u64().unwrap_or(0)
}

/// Decodes a JWT's claims after checking its RS256 signature against the sim's JWKS.
pub async fn verify(sim: &SimHandle, jwt: &str, aud: &str, iss: &str) -> Value {
    let http = client(sim);
    let jwks: Value = http
        .get(format!("{}/{TID}/discovery/v2.0/keys", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kid = jsonwebtoken::decode_header(jwt).unwrap().kid.unwrap();
    let k = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("kid published");
    let key = jsonwebtoken::DecodingKey::from_rsa_components(
        k["n"].as_str().unwrap(),
        k["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_audience(&[aud]);
    v.set_issuer(&[iss]);
    jsonwebtoken::decode::<Value>(jwt, &key, &v)
        .expect("valid token")
        .claims
}
