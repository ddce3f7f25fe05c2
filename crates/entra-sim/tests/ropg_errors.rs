//! Every token-endpoint error of the issue, through real HTTPS, with Entra's body shape.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use entra_sim::{CaState, Tenant};

const ADELE: &str = "adele@contoso.example";
const ADELE_PW: &str = "Sesame-Demo-2";

#[tokio::test]
async fn error_body_has_entra_shape_and_echoes_client_request_id() {
    let sim = start(true).await;
    let http = client(&sim);
    let corr = "0b8e5c52-7e39-4d4c-9d1c-2a8f5c2b6f11";
    let r = http
        .post(format!("{}/{TID}/oauth2/v2.0/token", sim.base_url()))
        .header("client-request-id", corr)
        .form(&[
            ("grant_type", "password"),
            ("client_id", SESAME),
            ("scope", "openid"),
            ("username", ADELE),
            ("password", "nope"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.headers()["content-type"], "application/json");
    let b: serde_json::Value = r.json().await.unwrap();
    let keys: Vec<&str> = b.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
        "error_uri",
    ] {
        assert!(keys.contains(&k), "missing {k} in {b}");
    }
    assert_eq!(b["error"], "invalid_grant");
    assert_eq!(b["correlation_id"], corr);
    let d = b["error_description"].as_str().unwrap();
    assert!(d.starts_with("AADSTS50126: "), "{d}");
    let trace = b["trace_id"].as_str().unwrap();
    let ts = b["timestamp"].as_str().unwrap();
    assert!(
        d.ends_with(&format!(
            "\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {ts}"
        )),
        "{d}"
    );
    assert_eq!(ts.len(), "2026-11-22 04:12:51Z".len());
    assert_eq!(
        b["error_uri"],
        format!("{}/error?code=50126", sim.base_url())
    );
}

async fn expect(
    sim: &entra_sim::SimHandle,
    client_id: &str,
    user: &str,
    pw: &str,
    status: u16,
    error: &str,
    aadsts: u64,
) {
    let (s, b) = ropg_v2(sim, TID, client_id, user, pw).await;
    assert_eq!(
        (s, b["error"].as_str().unwrap_or("-"), code(&b)),
        (status, error, aadsts),
        "{user}: {b}"
    );
}

#[tokio::test]
async fn user_state_errors() {
    let sim = start(true).await;
    expect(&sim, SESAME, ADELE, "wrong", 400, "invalid_grant", 50126).await;
    expect(
        &sim,
        SESAME,
        "nobody@contoso.example",
        "x",
        400,
        "invalid_grant",
        50034,
    )
    .await;
    expect(
        &sim,
        SESAME,
        "diego@contoso.example",
        "Sesame-Demo-4",
        400,
        "invalid_grant",
        50057,
    )
    .await;
    expect(
        &sim,
        SESAME,
        "alex@contoso.example",
        "Sesame-Demo-3",
        400,
        "user_password_expired",
        50055,
    )
    .await;
    // An expired password is only revealed when the password is right.
    expect(
        &sim,
        SESAME,
        "alex@contoso.example",
        "wrong",
        400,
        "invalid_grant",
        50126,
    )
    .await;
    // Locked answers 50053 whatever the password.
    expect(
        &sim,
        SESAME,
        "lynne@contoso.example",
        "Sesame-Demo-5",
        400,
        "invalid_grant",
        50053,
    )
    .await;
    expect(
        &sim,
        SESAME,
        "lynne@contoso.example",
        "wrong",
        400,
        "invalid_grant",
        50053,
    )
    .await;
    expect(
        &sim,
        SESAME,
        "noaccess@contoso.example",
        "Sesame-Demo-8",
        400,
        "invalid_grant",
        50105,
    )
    .await;
    let (s, b) = ropg_v2(&sim, TID, SESAME, ADELE, ADELE_PW).await;
    assert_eq!(s, 200, "{b}");
    assert!(
        b["access_token"].is_string()
            && b["id_token"].is_string()
            && b["refresh_token"].is_string()
    );
}

#[tokio::test]
async fn mfa_is_demanded_only_after_the_password_was_right() {
    let sim = start(true).await;
    // Conditional Access (Megan is in "MFA Users" and has TOTP registered).
    expect(
        &sim,
        SESAME,
        "megan@contoso.example",
        "wrong",
        400,
        "invalid_grant",
        50126,
    )
    .await;
    expect(
        &sim,
        SESAME,
        "megan@contoso.example",
        "Sesame-Demo-1",
        400,
        "invalid_grant",
        50076,
    )
    .await;
    // Same policy, nothing registered.
    expect(
        &sim,
        SESAME,
        "grady@contoso.example",
        "Sesame-Demo-7",
        400,
        "invalid_grant",
        50079,
    )
    .await;
    // Per-user MFA.
    expect(
        &sim,
        SESAME,
        "isaiah@contoso.example",
        "wrong",
        400,
        "invalid_grant",
        50126,
    )
    .await;
    expect(
        &sim,
        SESAME,
        "isaiah@contoso.example",
        "Sesame-Demo-6",
        400,
        "invalid_grant",
        50076,
    )
    .await;
    sim.set_per_user_mfa("isaiah@contoso.example", false)
        .unwrap();
    let (s, _) = ropg_v2(&sim, TID, SESAME, "isaiah@contoso.example", "Sesame-Demo-6").await;
    assert_eq!(s, 200);
    // Security defaults: everyone.
    sim.set_security_defaults(true);
    expect(&sim, SESAME, ADELE, "wrong", 400, "invalid_grant", 50126).await;
    expect(&sim, SESAME, ADELE, ADELE_PW, 400, "invalid_grant", 50079).await;
    sim.set_security_defaults(false);
    let (s, _) = ropg_v2(&sim, TID, SESAME, ADELE, ADELE_PW).await;
    assert_eq!(s, 200);
    // The log shows MFA demands as interrupted, not failed.
    let log = sim.sign_ins();
    let interrupted = log
        .iter()
        .filter(|e| e.result == entra_sim::SignInResult::Interrupted)
        .count();
    assert_eq!(interrupted, 4);
}

#[tokio::test]
async fn conditional_access_block_and_compliant_device() {
    let sim = start(false).await;
    sim.set_ca_state("Block legacy Sesame app", CaState::On)
        .unwrap();
    expect(&sim, SESAME, ADELE, "wrong", 400, "invalid_grant", 50126).await;
    expect(
        &sim,
        SESAME,
        ADELE,
        ADELE_PW,
        400,
        "interaction_required",
        53003,
    )
    .await;
    sim.set_ca_state("Block legacy Sesame app", CaState::ReportOnly)
        .unwrap();
    let (s, _) = ropg_v2(&sim, TID, SESAME, ADELE, ADELE_PW).await;
    assert_eq!(s, 200);
    assert_eq!(
        sim.sign_ins().last().unwrap().report_only_policies,
        vec!["Block legacy Sesame app".to_string()]
    );
    sim.set_ca_state("Compliant device for Sesame", CaState::On)
        .unwrap();
    expect(&sim, SESAME, ADELE, ADELE_PW, 400, "invalid_grant", 53000).await;
    assert!(sim.set_ca_state("No such policy", CaState::On).is_err());
}

#[tokio::test]
async fn app_and_client_credential_errors() {
    let sim = start(true).await;
    let http = client(&sim);
    let url = format!("{}/{TID}/oauth2/v2.0/token", sim.base_url());
    let base = |client: &'static str| {
        vec![
            ("grant_type", "password"),
            ("client_id", client),
            ("scope", "openid"),
            ("username", ADELE),
            ("password", ADELE_PW),
        ]
    };
    let check = |s: u16, b: &serde_json::Value, status: u16, error: &str, c: u64| {
        assert_eq!(
            (s, b["error"].as_str().unwrap_or("-"), code(b)),
            (status, error, c),
            "{b}"
        );
    };
    let (s, _, b) = post_form(&http, &url, &base("11111111-2222-4333-8444-555555555555")).await;
    check(s, &b, 400, "unauthorized_client", 700016);
    let (s, _, b) = post_form(&http, &url, &base(NO_PUBLIC)).await;
    check(s, &b, 401, "invalid_client", 7000218);
    let mut f = base(SESAME);
    f.push(("client_secret", "anything"));
    let (s, _, b) = post_form(&http, &url, &f).await;
    check(s, &b, 401, "invalid_client", 700025);
    let mut f = base(DOCTOR);
    f.push(("client_secret", "d4000000-0000-4000-8000-000000000001")); // the secret ID, not its value
    let (s, _, b) = post_form(&http, &url, &f).await;
    check(s, &b, 401, "invalid_client", 7000215);
    let mut f = base(DOCTOR);
    f.push(("client_secret", "demo-secret-expired"));
    let (s, _, b) = post_form(&http, &url, &f).await;
    check(s, &b, 401, "invalid_client", 7000222);
    let mut f = base(DOCTOR);
    f.push(("client_secret", "demo-secret-value-1"));
    let (s, _, b) = post_form(&http, &url, &f).await;
    assert_eq!(s, 200, "{b}");
    let (s, _, b) = post_form(&http, &url, &base(NO_CONSENT)).await;
    check(s, &b, 400, "invalid_grant", 65001);
}

#[tokio::test]
async fn request_shape_errors() {
    let sim = start(false).await;
    let http = client(&sim);
    let v2 = format!("{}/{TID}/oauth2/v2.0/token", sim.base_url());
    let v1 = format!("{}/{TID}/oauth2/token", sim.base_url());
    let (s, _, b) = post_form(
        &http,
        &v2,
        &[
            ("grant_type", "password"),
            ("client_id", SESAME),
            ("scope", "openid"),
            ("password", "x"),
        ],
    )
    .await;
    assert_eq!((s, code(&b)), (400, 900144), "{b}");
    assert!(
        b["error_description"]
            .as_str()
            .unwrap()
            .contains("'username'")
    );
    // A JSON body is not a form: Entra asks for grant_type.
    let r = http
        .post(&v2)
        .json(&serde_json::json!({"grant_type": "password"}))
        .send()
        .await
        .unwrap();
    let b: serde_json::Value = r.json().await.unwrap();
    assert_eq!(code(&b), 900144);
    assert!(
        b["error_description"]
            .as_str()
            .unwrap()
            .contains("'grant_type'")
    );
    // resource sent to v2.
    let f = [
        ("grant_type", "password"),
        ("client_id", SESAME),
        ("resource", "https://graph.microsoft.com"),
        ("username", ADELE),
        ("password", ADELE_PW),
    ];
    let (s, _, b) = post_form(&http, &v2, &f).await;
    assert_eq!(
        (s, b["error"].as_str().unwrap(), code(&b)),
        (400, "invalid_request", 901002)
    );
    // scope without resource on v1.
    let f = [
        ("grant_type", "password"),
        ("client_id", SESAME),
        ("scope", "openid"),
        ("username", ADELE),
        ("password", ADELE_PW),
    ];
    let (s, _, b) = post_form(&http, &v1, &f).await;
    assert_eq!((s, code(&b)), (400, 900144), "{b}");
    // Unknown scope on a known API, unknown API.
    let f = [
        ("grant_type", "password"),
        ("client_id", SESAME),
        ("scope", &format!("api://{SESAME}/nope")),
        ("username", ADELE),
        ("password", ADELE_PW),
    ];
    let (_, _, b) = post_form(&http, &v2, &f).await;
    assert_eq!(
        (b["error"].as_str().unwrap(), code(&b)),
        ("invalid_scope", 70011)
    );
    // Unknown tenant.
    let (s, b) = ropg_v2(&sim, "fabrikam.example", SESAME, ADELE, ADELE_PW).await;
    assert_eq!(
        (s, b["error"].as_str().unwrap(), code(&b)),
        (400, "invalid_request", 90002)
    );
    // /common on ROPG v2; /organizations and the verified domain work; v1 /common works.
    let (s, b) = ropg_v2(&sim, "common", SESAME, ADELE, ADELE_PW).await;
    assert_eq!((s, code(&b)), (400, 9001023));
    let (s, b) = ropg_v2(&sim, "consumers", SESAME, ADELE, ADELE_PW).await;
    assert_eq!((s, code(&b)), (400, 9001023));
    assert_eq!(
        ropg_v2(&sim, "organizations", SESAME, ADELE, ADELE_PW)
            .await
            .0,
        200
    );
    assert_eq!(
        ropg_v2(&sim, "contoso.example", SESAME, ADELE, ADELE_PW)
            .await
            .0,
        200
    );
    let f = [
        ("grant_type", "password"),
        ("client_id", SESAME),
        ("resource", "https://graph.microsoft.com"),
        ("username", ADELE),
        ("password", ADELE_PW),
    ];
    let (s, _, b) = post_form(
        &http,
        &format!("{}/common/oauth2/token", sim.base_url()),
        &f,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    // v1 answers carry numbers as strings, as Entra's v1 endpoint does.
    assert!(b["expires_in"].is_string() && b["expires_on"].is_string());
    assert_eq!(b["resource"], "https://graph.microsoft.com");
}

#[tokio::test]
async fn smart_lockout_counts_distinct_wrong_passwords_and_expires() {
    let sim = start(false).await;
    for i in 0..10 {
        expect(
            &sim,
            SESAME,
            ADELE,
            &format!("wrong-{i}"),
            400,
            "invalid_grant",
            50126,
        )
        .await;
    }
    // Locked now: even the right password gets 50053.
    expect(&sim, SESAME, ADELE, ADELE_PW, 400, "invalid_grant", 50053).await;
    let log = sim.sign_ins();
    assert_eq!(
        log.iter()
            .filter(|e| e.error_code == 50126 && e.user == ADELE)
            .count(),
        10
    );
    assert_eq!(log.iter().filter(|e| e.error_code == 50053).count(), 1);
    sim.advance_clock(time::Duration::seconds(61));
    let (s, _) = ropg_v2(&sim, TID, SESAME, ADELE, ADELE_PW).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn same_wrong_password_is_not_counted_twice() {
    let sim = start(false).await;
    for _ in 0..15 {
        expect(
            &sim,
            SESAME,
            ADELE,
            "same-wrong",
            400,
            "invalid_grant",
            50126,
        )
        .await;
    }
    assert_eq!(ropg_v2(&sim, TID, SESAME, ADELE, ADELE_PW).await.0, 200);
}

#[tokio::test]
async fn unlock_by_control_call() {
    let sim = start(false).await;
    expect(
        &sim,
        SESAME,
        "lynne@contoso.example",
        "Sesame-Demo-5",
        400,
        "invalid_grant",
        50053,
    )
    .await;
    sim.unlock("lynne@contoso.example").unwrap();
    assert_eq!(
        ropg_v2(&sim, TID, SESAME, "lynne@contoso.example", "Sesame-Demo-5")
            .await
            .0,
        200
    );
    sim.disable("lynne@contoso.example").unwrap();
    expect(
        &sim,
        SESAME,
        "lynne@contoso.example",
        "Sesame-Demo-5",
        400,
        "invalid_grant",
        50057,
    )
    .await;
}

#[tokio::test]
async fn throttling_loop_detection_and_429() {
    let extra = "";
    let text = test_tenant_toml(extra).replace("loop_threshold = 0", "loop_threshold = 3");
    let sim = start_with(Tenant::from_toml_str(&text, "t").unwrap(), false).await;
    for _ in 0..3 {
        assert_eq!(ropg_v2(&sim, TID, SESAME, ADELE, ADELE_PW).await.0, 200);
    }
    expect(&sim, SESAME, ADELE, ADELE_PW, 400, "invalid_grant", 50196).await;
    // A minute later the loop window has passed.
    sim.advance_clock(time::Duration::seconds(61));
    assert_eq!(ropg_v2(&sim, TID, SESAME, ADELE, ADELE_PW).await.0, 200);

    let text = test_tenant_toml(extra)
        .replace("app_requests_per_minute = 0", "app_requests_per_minute = 5");
    let sim = start_with(Tenant::from_toml_str(&text, "t").unwrap(), false).await;
    let http = client(&sim);
    let url = format!("{}/{TID}/oauth2/v2.0/token", sim.base_url());
    let f = [
        ("grant_type", "password"),
        ("client_id", SESAME),
        ("scope", "openid"),
        ("username", ADELE),
        ("password", "wrong"),
    ];
    for _ in 0..5 {
        assert_eq!(post_form(&http, &url, &f).await.0, 400);
    }
    let (s, h, b) = post_form(&http, &url, &f).await;
    assert_eq!(s, 429, "{b}");
    assert_eq!(h["retry-after"], "60");
    assert_eq!(code(&b), 50196);
}

#[tokio::test]
async fn debug_output_never_shows_passwords_or_tokens() {
    let sim = start(false).await;
    let (_, t) = ropg_v2(&sim, TID, SESAME, ADELE, ADELE_PW).await;
    let rt = t["refresh_token"].as_str().unwrap();
    let dumps = [
        format!("{sim:?}"),
        format!("{:?}", sim.tenant()),
        format!("{:?}", sim.sign_ins()),
    ];
    for d in dumps {
        for secret in [
            ADELE_PW,
            rt,
            "demo-secret-value-1",
            "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        ] {
            assert!(!d.contains(secret), "Debug output leaks a secret: {d}");
        }
    }
}

#[tokio::test]
async fn client_credentials_for_confidential_apps_only() {
    let sim = start(false).await;
    let http = client(&sim);
    let url = format!("{}/{TID}/oauth2/v2.0/token", sim.base_url());
    let graph = "https://graph.microsoft.com/.default";
    let f = [
        ("grant_type", "client_credentials"),
        ("client_id", DOCTOR),
        ("scope", graph),
        ("client_secret", "demo-secret-value-1"),
    ];
    let (s, _, t) = post_form(&http, &url, &f).await;
    assert_eq!(s, 200, "{t}");
    let at = verify(
        &sim,
        t["access_token"].as_str().unwrap(),
        "https://graph.microsoft.com",
        &sim.issuer_v1(),
    )
    .await;
    assert_eq!(
        (at["idtyp"].as_str(), at["appid"].as_str()),
        (Some("app"), Some(DOCTOR))
    );
    let f = [
        ("grant_type", "client_credentials"),
        ("client_id", DOCTOR),
        ("scope", graph),
        ("client_secret", "d4000000-0000-4000-8000-000000000001"),
    ];
    let (s, _, b) = post_form(&http, &url, &f).await;
    assert_eq!((s, code(&b)), (401, 7000215));
    let f = [
        ("grant_type", "client_credentials"),
        ("client_id", SESAME),
        ("scope", graph),
    ];
    let (s, _, b) = post_form(&http, &url, &f).await;
    assert_eq!((s, code(&b)), (401, 7000218));
    let f = [
        ("grant_type", "client_credentials"),
        ("client_id", DOCTOR),
        ("scope", "User.Read"),
        ("client_secret", "demo-secret-value-1"),
    ];
    let (s, _, b) = post_form(&http, &url, &f).await;
    assert_eq!(
        (s, b["error"].as_str().unwrap(), code(&b)),
        (400, "invalid_scope", 1002012)
    );
}
