//! Discovery documents advertise only endpoints the sim serves, and the JWKS looks like
//! Entra's during and between key rollovers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::*;
use entra_sim::SimHandle;
use serde_json::Value;

async fn get_json(sim: &SimHandle, path: &str) -> Value {
    client(sim)
        .get(format!("{}{path}", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Source: "OpenID Connect on the Microsoft identity platform" (the discovery document lists
/// the endpoints a client may call) — every `*_endpoint` and `jwks_uri` the sim's v1 and v2
/// documents advertise answers (never 404/405): the v1 device-code, userinfo and end-session
/// endpoints are served; Kerberos and the session iframe, which the sim has not, are not
/// advertised.
#[tokio::test]
async fn every_advertised_endpoint_is_served() {
    let sim = start(false).await;
    let http = client(&sim);
    for tenant in [TID, "organizations"] {
        for doc in [
            format!("/{tenant}/v2.0/.well-known/openid-configuration"),
            format!("/{tenant}/.well-known/openid-configuration"),
        ] {
            let d = get_json(&sim, &doc).await;
            assert!(d.get("kerberos_endpoint").is_none(), "{doc}");
            assert!(d.get("check_session_iframe").is_none(), "{doc}");
            let mut checked = 0;
            for (key, value) in d.as_object().unwrap() {
                if !(key.ends_with("_endpoint") || key == "jwks_uri") {
                    continue;
                }
                let url = value.as_str().unwrap();
                assert!(url.starts_with(sim.base_url()), "{doc} {key}: {url}");
                let post = key == "token_endpoint" || key == "device_authorization_endpoint";
                let r = if post {
                    http.post(url).form(&[("client_id", SESAME)]).send().await
                } else {
                    http.get(url).send().await
                }
                .unwrap();
                let status = r.status().as_u16();
                assert!(
                    ![404, 405].contains(&status),
                    "{doc} {key} {url}: HTTP {status}"
                );
                checked += 1;
            }
            assert!(checked >= 6, "{doc}: only {checked} endpoints");
        }
    }
}

/// Source: "Microsoft identity platform UserInfo endpoint" (sub, name, given/family name,
/// email for the Graph token's user; `sub` matches the ID token's) and the v1 device-code
/// answer shape reported in MicrosoftDocs/azure-docs#48307 (`verification_url`) and #46110
/// (v1 polls with `code`).
#[tokio::test]
async fn userinfo_and_v1_device_code_answer_like_entra() {
    let sim = start(false).await;
    let http = client(&sim);
    let (_, t) = ropg_v2(&sim, TID, SESAME, "adele@contoso.example", "Sesame-Demo-2").await;
    let id = verify(
        &sim,
        t["id_token"].as_str().unwrap(),
        SESAME,
        &sim.issuer_v2(),
    )
    .await;
    let d = get_json(
        &sim,
        &format!("/{TID}/v2.0/.well-known/openid-configuration"),
    )
    .await;
    let info: Value = http
        .get(d["userinfo_endpoint"].as_str().unwrap())
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], id["sub"], "{info}");
    assert_eq!(
        (info["given_name"].as_str(), info["family_name"].as_str()),
        (Some("Adele"), Some("Vance"))
    );
    let r = http
        .get(d["userinfo_endpoint"].as_str().unwrap())
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    let d1 = get_json(&sim, &format!("/{TID}/.well-known/openid-configuration")).await;
    let (s, _, dc) = post_form(
        &http,
        d1["device_authorization_endpoint"].as_str().unwrap(),
        &[
            ("client_id", SESAME),
            ("resource", "https://graph.microsoft.com"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{dc}");
    assert!(
        dc["verification_url"].is_string() && dc.get("verification_uri").is_none(),
        "{dc}"
    );
    let token_v1 = d1["token_endpoint"].as_str().unwrap();
    let (s, _, b) = post_form(
        &http,
        token_v1,
        &[
            ("grant_type", "device_code"),
            ("client_id", SESAME),
            ("code", dc["device_code"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("authorization_pending")),
        "{b}"
    );
    // Logout sends the browser back to the app when asked to.
    let back = "https://127.0.0.1/sesame";
    let r = http
        .get(d["end_session_endpoint"].as_str().unwrap())
        .query(&[("post_logout_redirect_uri", back)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], back);
}

fn modulus_in_certificate(key: &Value) -> bool {
    let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
    let x5c = key["x5c"].as_array().expect("x5c");
    let der = STANDARD.decode(x5c[0].as_str().unwrap()).unwrap();
    der.windows(n.len()).any(|w| w == n.as_slice())
}

/// Source: "Signing key rollover in the Microsoft identity platform" (at any moment more than
/// one valid key is published; clients pick by `kid`) and Entra's JWKS as quoted in
/// AzureAD/microsoft-authentication-library-for-js#560 (every key carries `x5c`, v2 keys an
/// `issuer`; on `/common` and `/organizations` the `{tenantid}` template).
#[tokio::test]
async fn jwks_publish_certificates_issuers_and_always_two_keys() {
    let sim = start(false).await;
    let template = format!("{}/{{tenantid}}/v2.0", sim.base_url());
    let check = |jwks: &Value, issuer: Option<&str>| {
        let keys = jwks["keys"].as_array().unwrap();
        assert!(keys.len() >= 2, "more than one key at all times: {jwks}");
        for k in keys {
            assert!(modulus_in_certificate(k), "x5c must certify the key: {k}");
            assert_eq!(k["x5t"], k["kid"]);
            assert_eq!(k["issuer"].as_str(), issuer, "{k}");
        }
    };
    check(
        &get_json(&sim, &format!("/{TID}/discovery/v2.0/keys")).await,
        Some(&sim.issuer_v2()),
    );
    check(
        &get_json(&sim, "/common/discovery/v2.0/keys").await,
        Some(&template),
    );
    check(
        &get_json(&sim, "/organizations/discovery/v2.0/keys").await,
        Some(&template),
    );
    check(
        &get_json(&sim, &format!("/{TID}/discovery/keys")).await,
        None,
    );
    // Through a whole rollover, never fewer than two keys; the signing key always published.
    let new_kid = sim.rotate_keys().unwrap();
    sim.finish_rollover();
    let jwks = get_json(&sim, &format!("/{TID}/discovery/v2.0/keys")).await;
    check(&jwks, Some(&sim.issuer_v2()));
    assert!(
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == new_kid.as_str())
    );
}
