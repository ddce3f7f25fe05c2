//! Discovery, JWKS rotation, claims, the code flow (pages driven over HTTP), refresh tokens,
//! device code, Graph and faults — all through real HTTP(S).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use entra_sim::headless::{self, Landing, Step};
use entra_sim::{Fault, FaultKind, SimHandle};
use serde_json::Value;
use sha2::{Digest, Sha256};

async fn get_json(sim: &SimHandle, path: &str) -> (u16, Value) {
    let r = client(sim)
        .get(format!("{}{path}", sim.base_url()))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn discovery_documents_and_issuers() {
    let sim = start(true).await;
    let base = sim.base_url().to_string();
    for t in [TID, "contoso.example"] {
        let (s, d) = get_json(&sim, &format!("/{t}/v2.0/.well-known/openid-configuration")).await;
        assert_eq!(s, 200);
        assert_eq!(d["issuer"], format!("{base}/{TID}/v2.0"));
        assert_eq!(d["jwks_uri"], format!("{base}/{TID}/discovery/v2.0/keys"));
        assert_eq!(
            d["token_endpoint"],
            format!("{base}/{TID}/oauth2/v2.0/token")
        );
        assert_eq!(
            d["id_token_signing_alg_values_supported"],
            serde_json::json!(["RS256"])
        );
        let (_, d1) = get_json(&sim, &format!("/{t}/.well-known/openid-configuration")).await;
        assert_eq!(d1["issuer"], format!("https://sts.windows.net/{TID}/"));
        assert_eq!(d1["token_endpoint"], format!("{base}/{TID}/oauth2/token"));
    }
    let (_, d) = get_json(&sim, "/organizations/v2.0/.well-known/openid-configuration").await;
    assert_eq!(d["issuer"], format!("{base}/{{tenantid}}/v2.0"));
    assert_eq!(
        d["token_endpoint"],
        format!("{base}/organizations/oauth2/v2.0/token")
    );
    let (s, d) = get_json(
        &sim,
        "/fabrikam.example/v2.0/.well-known/openid-configuration",
    )
    .await;
    assert_eq!((s, code(&d)), (400, 90002));
}

#[tokio::test]
async fn key_rotation_keeps_old_key_during_rollover() {
    let sim = start(false).await;
    let (_, before) = ropg_v2(&sim, TID, SESAME, "adele@contoso.example", "Sesame-Demo-2").await;
    let old_kid = sim.key_ids()[0].clone();
    let new_kid = sim.rotate_keys().unwrap();
    let (_, jwks) = get_json(&sim, &format!("/{TID}/discovery/v2.0/keys")).await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(kids.contains(&old_kid.as_str()) && kids.contains(&new_kid.as_str()));
    assert_eq!(jwks["keys"][0]["issuer"], sim.issuer_v2());
    // Old tokens still verify, new tokens use the new key.
    verify(
        &sim,
        before["id_token"].as_str().unwrap(),
        SESAME,
        &sim.issuer_v2(),
    )
    .await;
    let (_, after) = ropg_v2(&sim, TID, SESAME, "adele@contoso.example", "Sesame-Demo-2").await;
    let h = jsonwebtoken::decode_header(after["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(h.kid.as_deref(), Some(new_kid.as_str()));
    assert_eq!(h.alg, jsonwebtoken::Algorithm::RS256);
    sim.finish_rollover();
    let (_, jwks) = get_json(&sim, &format!("/{TID}/discovery/keys")).await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    // The retired key is gone; the signing key and the standby stay published.
    assert_eq!(kids.len(), 2, "{kids:?}");
    assert!(kids.contains(&new_kid.as_str()) && !kids.contains(&old_kid.as_str()));
    assert_eq!(sim.signing_kid(), new_kid);
}

#[tokio::test]
async fn v2_and_v1_claims_groups_roles_and_overage() {
    let sim = start(true).await;
    sim.set_per_user_mfa("isaiah@contoso.example", false)
        .unwrap();
    sim.set_ca_state("Require MFA for MFA Users", entra_sim::CaState::Off)
        .unwrap();
    let (s, t) = ropg_v2(&sim, TID, SESAME, "megan@contoso.example", "Sesame-Demo-1").await;
    assert_eq!(s, 200, "{t}");
    let id = verify(
        &sim,
        t["id_token"].as_str().unwrap(),
        SESAME,
        &sim.issuer_v2(),
    )
    .await;
    assert_eq!(id["oid"], "b2000000-0000-4000-8000-000000000001");
    assert_eq!(id["tid"], TID);
    assert_eq!(id["preferred_username"], "megan@contoso.example");
    assert_eq!(id["ver"], "2.0");
    assert_eq!(id["roles"], serde_json::json!(["Admin"]));
    // groups claim "security": the Microsoft 365 group is left out.
    let groups: Vec<&str> = id["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap())
        .collect();
    assert_eq!(groups.len(), 3);
    assert!(!groups.contains(&"a1000000-0000-4000-8000-000000000004"));
    // Graph takes v1.0 tokens; asked through the v2 endpoint, `aud` is Graph's app ID.
    let at = verify(
        &sim,
        t["access_token"].as_str().unwrap(),
        "00000003-0000-0000-c000-000000000000",
        &sim.issuer_v1(),
    )
    .await;
    assert_eq!(at["amr"], serde_json::json!(["pwd"]));
    assert_eq!(at["appid"], SESAME);

    // v1: resource, unique_name/upn, amr, pwd_exp.
    let http = client(&sim);
    let f = [
        ("grant_type", "password"),
        ("client_id", SESAME),
        ("resource", &format!("api://{SESAME}")),
        ("username", "megan@contoso.example"),
        ("password", "Sesame-Demo-1"),
    ];
    let (s, _, t1) = post_form(&http, &format!("{}/{TID}/oauth2/token", sim.base_url()), &f).await;
    assert_eq!(s, 200, "{t1}");
    let id1 = verify(
        &sim,
        t1["id_token"].as_str().unwrap(),
        SESAME,
        &sim.issuer_v1(),
    )
    .await;
    assert_eq!(id1["upn"], "megan@contoso.example");
    assert_eq!(id1["unique_name"], "megan@contoso.example");
    assert_eq!(id1["ver"], "1.0");
    // 90 days from expiry is outside the 14-day notification window: no `pwd_exp`.
    assert!(id1.get("pwd_exp").is_none(), "{id1}");

    // Overage above the threshold, then the Graph call the claim points at.
    sim.set_group_overage_threshold(2);
    let (_, t) = ropg_v2(&sim, TID, SESAME, "megan@contoso.example", "Sesame-Demo-1").await;
    let id = verify(
        &sim,
        t["id_token"].as_str().unwrap(),
        SESAME,
        &sim.issuer_v2(),
    )
    .await;
    assert!(id.get("groups").is_none());
    assert_eq!(id["_claim_names"]["groups"], "src1");
    let endpoint = id["_claim_sources"]["src1"]["endpoint"]
        .as_str()
        .unwrap()
        .to_string();
    let r = http
        .post(&endpoint)
        .bearer_auth(t["access_token"].as_str().unwrap())
        .json(&serde_json::json!({"securityEnabledOnly": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["value"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn graph_subset_needs_a_valid_token() {
    let sim = start(false).await;
    let http = client(&sim);
    let (_, t) = ropg_v2(&sim, TID, SESAME, "adele@contoso.example", "Sesame-Demo-2").await;
    let at = t["access_token"].as_str().unwrap();
    let me: Value = http
        .get(format!("{}/v1.0/me", sim.base_url()))
        .bearer_auth(at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["userPrincipalName"], "adele@contoso.example");
    let u: Value = http
        .get(format!("{}/v1.0/users/adele@contoso.example?$select=lastPasswordChangeDateTime,passwordPolicies", sim.base_url()))
        .bearer_auth(at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(u["lastPasswordChangeDateTime"].is_string());
    assert!(u.get("displayName").is_none());
    let m: Value = http
        .get(format!(
            "{}/v1.0/users/{}/memberOf",
            sim.base_url(),
            me["id"].as_str().unwrap()
        ))
        .bearer_auth(at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(m["value"].as_array().unwrap().len(), 2);
    let r = http
        .get(format!("{}/v1.0/me", sim.base_url()))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // An hour and a bit later the token has expired at the sim's clock.
    sim.advance_clock(time::Duration::minutes(61));
    let r = http
        .get(format!("{}/v1.0/me", sim.base_url()))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

/// Walks the pages over plain HTTP and returns the redirect `Location`.
async fn sign_in_pages(sim: &SimHandle, authorize_query: &str, user: &str, pw: &str) -> String {
    let url = format!(
        "{}/{TID}/oauth2/v2.0/authorize?{authorize_query}",
        sim.base_url()
    );
    let done = headless::sign_in(sim, &url, user, pw)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(done.status, 303, "{done:?}");
    assert!(!done.answered_mfa, "{done:?}");
    done.redirect
}

fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn code_flow_pkce_single_use_expiry_and_refresh_revocation() {
    let sim = start(true).await;
    let http = client(&sim);
    let verifier = "a-verifier-that-is-long-enough-for-pkce-0123456789";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let q = format!(
        "client_id={SESAME}&response_type=code&redirect_uri={}&scope=openid%20profile%20offline_access&state=st-1&nonce=n-1&code_challenge={challenge}&code_challenge_method=S256",
        urlencode(NATIVE)
    );
    let loc = sign_in_pages(&sim, &q, "adele@contoso.example", "Sesame-Demo-2").await;
    assert!(loc.starts_with(NATIVE));
    assert_eq!(query_param(&loc, "state").as_deref(), Some("st-1"));
    let code = query_param(&loc, "code").unwrap();
    let token = format!("{}/{TID}/oauth2/v2.0/token", sim.base_url());
    let redeem = |c: String, v: &'static str| {
        let http = http.clone();
        let token = token.clone();
        async move {
            post_form(
                &http,
                &token,
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", SESAME),
                    ("code", &c),
                    ("redirect_uri", NATIVE),
                    ("code_verifier", v),
                ],
            )
            .await
        }
    };
    let (s, _, b) = redeem(code.clone(), "wrong-verifier-wrong-verifier-wrong-verifier").await;
    assert_eq!((s, code_of(&b)), (400, 501481));
    let (s, _, t) = redeem(code.clone(), verifier).await;
    assert_eq!(s, 200, "{t}");
    let id = verify(
        &sim,
        t["id_token"].as_str().unwrap(),
        SESAME,
        &sim.issuer_v2(),
    )
    .await;
    assert_eq!(id["nonce"], "n-1");
    let (s, _, b) = redeem(code, verifier).await;
    assert_eq!((s, code_of(&b)), (400, 54005));

    // Codes are short-lived.
    let loc = sign_in_pages(&sim, &q, "adele@contoso.example", "Sesame-Demo-2").await;
    sim.advance_clock(time::Duration::minutes(11));
    let (s, _, b) = redeem(query_param(&loc, "code").unwrap(), verifier).await;
    assert_eq!((s, code_of(&b)), (400, 70008));

    // Refresh works until the password changes.
    let rt = t["refresh_token"].as_str().unwrap().to_string();
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", SESAME),
        ("refresh_token", rt.as_str()),
    ];
    let (s, _, r) = post_form(&http, &token, &refresh).await;
    assert_eq!(s, 200, "{r}");
    sim.advance_clock(time::Duration::seconds(5));
    sim.set_password("adele@contoso.example", "Changed-Password-9")
        .unwrap();
    let (s, _, b) = post_form(&http, &token, &refresh).await;
    assert_eq!((s, code_of(&b)), (400, 50173));
}

fn code_of(b: &Value) -> u64 {
    code(b)
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn plain_pkce_and_redirect_uri_errors() {
    let sim = start(false).await;
    let http = client(&sim);
    let q = format!(
        "client_id={SESAME}&response_type=code&redirect_uri={}&scope=openid&code_challenge=plainchallenge&code_challenge_method=plain",
        urlencode(NATIVE)
    );
    let loc = sign_in_pages(&sim, &q, "adele@contoso.example", "Sesame-Demo-2").await;
    let c = query_param(&loc, "code").unwrap();
    let f = [
        ("grant_type", "authorization_code"),
        ("client_id", SESAME),
        ("code", c.as_str()),
        ("redirect_uri", NATIVE),
        ("code_verifier", "plainchallenge"),
    ];
    assert_eq!(
        post_form(
            &http,
            &format!("{}/{TID}/oauth2/v2.0/token", sim.base_url()),
            &f
        )
        .await
        .0,
        200
    );

    let page = |q: String| {
        let http = http.clone();
        let url = format!("{}/{TID}/oauth2/v2.0/authorize?{q}", sim.base_url());
        async move {
            let r = http.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (s, html) = page(format!(
        "client_id={SESAME}&response_type=code&redirect_uri={}&scope=openid",
        urlencode("https://evil.example/cb")
    ))
    .await;
    assert_eq!(s, 400);
    assert!(html.contains("AADSTS50011"), "{html}");
    let (_, html) = page(format!(
        "client_id={NO_REPLY}&response_type=code&scope=openid"
    ))
    .await;
    assert!(html.contains("AADSTS500113"), "{html}");
    let (_, html) = page(
        "client_id=11111111-2222-4333-8444-555555555555&response_type=code&scope=openid".into(),
    )
    .await;
    assert!(html.contains("AADSTS700016"), "{html}");
    // Errors after the user is known go back to the app.
    let q = format!(
        "client_id={SESAME}&response_type=code&redirect_uri={}&scope=openid&state=s9",
        urlencode(NATIVE)
    );
    let loc = sign_in_pages(&sim, &q, "noaccess@contoso.example", "Sesame-Demo-8").await;
    assert_eq!(query_param(&loc, "error").as_deref(), Some("access_denied"));
    assert!(
        query_param(&loc, "error_description")
            .unwrap()
            .starts_with("AADSTS50105:")
    );
    assert_eq!(query_param(&loc, "state").as_deref(), Some("s9"));
    // prompt=none has no session to use.
    let r = http
        .get(format!(
            "{}/{TID}/oauth2/v2.0/authorize?{q}&prompt=none",
            sim.base_url()
        ))
        .send()
        .await
        .unwrap();
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        query_param(&loc, "error").as_deref(),
        Some("login_required")
    );
}

#[tokio::test]
async fn device_code_flow() {
    let sim = start(false).await;
    let http = client(&sim);
    let (s, _, d) = post_form(
        &http,
        &format!("{}/{TID}/oauth2/v2.0/devicecode", sim.base_url()),
        &[("client_id", SESAME), ("scope", "openid offline_access")],
    )
    .await;
    assert_eq!(s, 200, "{d}");
    let token = format!("{}/{TID}/oauth2/v2.0/token", sim.base_url());
    let poll = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", SESAME),
        ("device_code", d["device_code"].as_str().unwrap()),
    ];
    let (s, _, b) = post_form(&http, &token, &poll).await;
    assert_eq!(
        (s, b["error"].as_str().unwrap()),
        (400, "authorization_pending")
    );
    let browser = headless::Browser::for_sim(&sim).unwrap();
    let code_entered = browser
        .post(
            Step::DeviceCode,
            d["verification_uri"].as_str().unwrap(),
            &[("otc", d["user_code"].as_str().unwrap())],
        )
        .await
        .unwrap();
    let Landing::Page(page) = code_entered else {
        panic!("no sign-in page after the device code: {code_entered:?}");
    };
    let walked = browser
        .walk(&sim, page, "adele@contoso.example", "Sesame-Demo-2")
        .await
        .unwrap();
    let Landing::Page(done) = walked.landing else {
        panic!("redirected after a device-code sign-in: {walked:?}");
    };
    assert!(done.html.contains("You have signed in"), "{}", done.html);
    let (s, _, t) = post_form(&http, &token, &poll).await;
    assert_eq!(s, 200, "{t}");
    assert!(t["refresh_token"].is_string());
}

#[tokio::test]
async fn faults_5xx_429_drop_truncate_delay() {
    let sim = start(true).await;
    let http = client(&sim);
    let keys = format!("{}/{TID}/discovery/v2.0/keys", sim.base_url());
    sim.inject_fault(Fault::on_path(
        FaultKind::Status { status: 503 },
        "/discovery/",
        1,
    ));
    assert_eq!(http.get(&keys).send().await.unwrap().status().as_u16(), 503);
    assert_eq!(http.get(&keys).send().await.unwrap().status().as_u16(), 200);
    sim.inject_fault(Fault::next(
        FaultKind::TooManyRequests { retry_after: 7 },
        1,
    ));
    let r = http.get(&keys).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    sim.inject_fault(Fault::next(FaultKind::DropConnection, 1));
    assert!(http.get(&keys).send().await.is_err());
    sim.inject_fault(Fault::next(FaultKind::TruncatedBody, 1));
    let body = match http.get(&keys).send().await {
        Ok(r) => r.bytes().await.map(|b| b.len()),
        Err(e) => Err(e),
    };
    assert!(
        body.is_err(),
        "a truncated body must not read as complete: {body:?}"
    );
    // Faults on another path leave this one alone.
    sim.inject_fault(Fault::on_path(FaultKind::DropConnection, "/oauth2/", 1));
    assert_eq!(http.get(&keys).send().await.unwrap().status().as_u16(), 200);
    sim.clear_faults();
    sim.inject_fault(Fault::next(FaultKind::Delay { ms: 300 }, 1));
    let t = std::time::Instant::now();
    assert_eq!(http.get(&keys).send().await.unwrap().status().as_u16(), 200);
    assert!(t.elapsed() >= std::time::Duration::from_millis(300));
    // The same through the HTTP control API.
    let r = http
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&serde_json::json!({"kind": "status", "status": 500, "count": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(http.get(&keys).send().await.unwrap().status().as_u16(), 500);
}

#[tokio::test]
async fn control_api_over_http() {
    let sim = start(false).await;
    let http = client(&sim);
    let b = sim.base_url().to_string();
    let r = http
        .post(format!("{b}/_sim/users/adele@contoso.example/password"))
        .json(&serde_json::json!({"password": "Another-One-2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        ropg_v2(&sim, TID, SESAME, "adele@contoso.example", "Sesame-Demo-2")
            .await
            .1["error_codes"][0],
        50126
    );
    assert_eq!(
        ropg_v2(&sim, TID, SESAME, "adele@contoso.example", "Another-One-2")
            .await
            .0,
        200
    );
    http.post(format!("{b}/_sim/users/adele@contoso.example/state"))
        .json(&serde_json::json!({"state": "disabled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        ropg_v2(&sim, TID, SESAME, "adele@contoso.example", "Another-One-2")
            .await
            .1["error_codes"][0],
        50057
    );
    let r = http
        .post(format!("{b}/_sim/users/nobody@contoso.example/state"))
        .json(&serde_json::json!({"state": "disabled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let (_, clock) = get_json(&sim, "/_sim/clock").await;
    assert_eq!(clock["offset_seconds"], 0);
    http.post(format!("{b}/_sim/clock/advance"))
        .json(&serde_json::json!({"seconds": 3600}))
        .send()
        .await
        .unwrap();
    let (_, clock) = get_json(&sim, "/_sim/clock").await;
    assert_eq!(clock["offset_seconds"], 3600);
    let (_, log) = get_json(&sim, "/_sim/signins").await;
    let results: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, vec!["failure", "success", "failure"]);
    let (_, totp) = get_json(&sim, "/_sim/users/megan@contoso.example/totp").await;
    assert_eq!(totp["code"].as_str().unwrap().len(), 6);
}
