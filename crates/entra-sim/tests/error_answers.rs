//! Error bodies as Entra sends them: 50055, 53003, 50076/50079 on the password grant, and the
//! device-code polling errors. Each test names the Microsoft page or the real answer it
//! follows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use entra_sim::headless::{Browser, Landing, Step};
use entra_sim::{CaState, SimHandle};
use serde_json::Value;

fn policy_id(sim: &SimHandle, name: &str) -> String {
    sim.tenant()
        .conditional_access
        .iter()
        .find(|p| p.name == name)
        .unwrap()
        .id
        .to_string()
}

/// The CA policy IDs of a `claims` challenge (a JSON string, as Entra sends it).
fn capolids(body: &Value) -> Vec<String> {
    let claims: Value =
        serde_json::from_str(body["claims"].as_str().expect("claims member")).unwrap();
    assert_eq!(
        claims["access_token"]["capolids"]["essential"], true,
        "{claims}"
    );
    claims["access_token"]["capolids"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Source: Microsoft's "Authentication issues in Azure HDInsight" troubleshooting page quotes
/// Entra's 50055 body: `"error":"user_password_expired"`, `"suberror":"user_password_expired"`,
/// `"password_change_url":"https://portal.microsoftonline.com/ChangePassword.aspx"`.
#[tokio::test]
async fn expired_password_answers_user_password_expired_with_a_change_url() {
    let sim = start(false).await;
    let (s, b) = ropg_v2(&sim, TID, SESAME, "alex@contoso.example", "Sesame-Demo-3").await;
    assert_eq!(
        (s, b["error"].as_str(), code(&b)),
        (400, Some("user_password_expired"), 50055),
        "{b}"
    );
    assert_eq!(b["suberror"], "user_password_expired");
    assert!(
        b["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS50055: Password is expired.")
    );
    let url = b["password_change_url"]
        .as_str()
        .expect("password_change_url");
    assert_eq!(url, format!("{}/ChangePassword.aspx", sim.base_url()));
    let page = client(&sim).get(url).send().await.unwrap();
    assert_eq!(
        page.status().as_u16(),
        200,
        "the change URL leads somewhere"
    );
    // Other errors carry no change URL.
    let (_, b) = ropg_v2(&sim, TID, SESAME, "adele@contoso.example", "wrong").await;
    assert!(b.get("password_change_url").is_none(), "{b}");
}

/// Source: a real ROPG answer to a Conditional Access block quoted in
/// MartinIngesen/MSOLSpray#5 (2023): `"error":"interaction_required"`, AADSTS53003,
/// `"suberror":"message_only"`; the `claims` member with `capolids` is Entra's claims
/// challenge shape (AzureAD/microsoft-authentication-library-for-dotnet#559).
#[tokio::test]
async fn conditional_access_block_names_the_policy_in_claims() {
    let sim = start(false).await;
    sim.set_ca_state("Block legacy Sesame app", CaState::On)
        .unwrap();
    let (s, b) = ropg_v2(&sim, TID, SESAME, "adele@contoso.example", "Sesame-Demo-2").await;
    assert_eq!(
        (s, b["error"].as_str(), code(&b)),
        (400, Some("interaction_required"), 53003),
        "{b}"
    );
    assert_eq!(b["suberror"], "message_only");
    assert_eq!(
        capolids(&b),
        vec![policy_id(&sim, "Block legacy Sesame app")]
    );
}

/// Source: real answers to MFA on the password grant carry `"error":"invalid_grant"` with
/// `"suberror":"basic_action"` and, when a Conditional Access policy asked, a `claims`
/// challenge naming it (AzureAD/microsoft-authentication-library-for-dotnet#559; the
/// 2023–2024 answers cited in issue 10). Older v1 answers carried `interaction_required`; the
/// sim answers as the current service does on both endpoints.
#[tokio::test]
async fn mfa_on_the_password_grant_is_invalid_grant_with_basic_action() {
    let sim = start(false).await;
    let mfa_policy = policy_id(&sim, "Require MFA for MFA Users");
    for (user, pw, aadsts) in [
        ("megan@contoso.example", "Sesame-Demo-1", 50076),
        ("grady@contoso.example", "Sesame-Demo-7", 50079),
    ] {
        let (s, b) = ropg_v2(&sim, TID, SESAME, user, pw).await;
        assert_eq!(
            (s, b["error"].as_str(), code(&b)),
            (400, Some("invalid_grant"), aadsts),
            "{b}"
        );
        assert_eq!(b["suberror"], "basic_action", "{b}");
        assert_eq!(capolids(&b), vec![mfa_policy.clone()]);
        // The v1 endpoint answers the same way.
        let f = [
            ("grant_type", "password"),
            ("client_id", SESAME),
            ("resource", "https://graph.microsoft.com"),
            ("username", user),
            ("password", pw),
        ];
        let url = format!("{}/{TID}/oauth2/token", sim.base_url());
        let (_, _, b1) = post_form(&client(&sim), &url, &f).await;
        assert_eq!(
            (b1["error"].as_str(), code(&b1), b1["suberror"].as_str()),
            (Some("invalid_grant"), aadsts, Some("basic_action")),
            "{b1}"
        );
    }
    // Per-user MFA is no Conditional Access policy: no claims challenge.
    let (_, b) = ropg_v2(&sim, TID, SESAME, "isaiah@contoso.example", "Sesame-Demo-6").await;
    assert_eq!(
        (b["error"].as_str(), code(&b)),
        (Some("invalid_grant"), 50076),
        "{b}"
    );
    assert!(b.get("claims").is_none(), "{b}");
}

async fn device_code(sim: &SimHandle) -> Value {
    let (s, _, d) = post_form(
        &client(sim),
        &format!("{}/{TID}/oauth2/v2.0/devicecode", sim.base_url()),
        &[("client_id", SESAME), ("scope", "openid profile")],
    )
    .await;
    assert_eq!(s, 200, "{d}");
    d
}

async fn poll(sim: &SimHandle, device_code: &str) -> (u16, Value) {
    let f = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", SESAME),
        ("device_code", device_code),
    ];
    let url = format!("{}/{TID}/oauth2/v2.0/token", sim.base_url());
    let (s, _, b) = post_form(&client(sim), &url, &f).await;
    (s, b)
}

/// Source: "Microsoft identity platform and the OAuth 2.0 device authorization grant flow",
/// table of expected polling errors: `bad_verification_code` ("The device_code sent to the
/// /token endpoint wasn't recognized") and `authorization_declined` ("The end user denied the
/// authorization request").
#[tokio::test]
async fn device_code_polling_errors_follow_the_device_flow_page() {
    let sim = start(false).await;
    let (s, b) = poll(&sim, "no-such-device-code").await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("bad_verification_code")),
        "{b}"
    );

    // Declined through the control API.
    let d = device_code(&sim).await;
    let dc = d["device_code"].as_str().unwrap();
    assert_eq!(poll(&sim, dc).await.1["error"], "authorization_pending");
    let r = client(&sim)
        .post(format!(
            "{}/_sim/devices/{}/decline",
            sim.base_url(),
            d["user_code"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    for _ in 0..2 {
        let (s, b) = poll(&sim, dc).await;
        assert_eq!(
            (s, b["error"].as_str()),
            (400, Some("authorization_declined")),
            "{b}"
        );
    }
    // An unknown user code is refused by the control API.
    let r = client(&sim)
        .post(format!(
            "{}/_sim/devices/NOSUCHCODE/decline",
            sim.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);

    // Declined on the /devicelogin page ("Cancel").
    let d = device_code(&sim).await;
    let browser = Browser::for_sim(&sim).unwrap();
    let landing = browser
        .post(
            Step::DeviceCode,
            d["verification_uri"].as_str().unwrap(),
            &[("otc", d["user_code"].as_str().unwrap())],
        )
        .await
        .unwrap();
    let Landing::Page(page) = landing else {
        panic!("no page after the code: {landing:?}")
    };
    assert!(
        page.html.contains("Sesame"),
        "the page names the app: {}",
        page.html
    );
    assert!(page.html.contains("idBtn_Back"), "{}", page.html);
    let ctx = page.hidden("ctx").unwrap();
    let action = page.action().unwrap();
    let declined = browser
        .post(
            Step::Username,
            &action,
            &[("ctx", ctx.as_str()), ("step", "decline")],
        )
        .await
        .unwrap();
    let Landing::Page(done) = declined else {
        panic!("{declined:?}")
    };
    assert!(done.html.contains("declined"), "{}", done.html);
    let (s, b) = poll(&sim, d["device_code"].as_str().unwrap()).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("authorization_declined")),
        "{b}"
    );
    // A declined code cannot be entered again.
    let again = browser
        .post(
            Step::DeviceCode,
            "/devicelogin",
            &[("otc", d["user_code"].as_str().unwrap())],
        )
        .await
        .unwrap();
    let Landing::Page(again) = again else {
        panic!("{again:?}")
    };
    assert!(
        again.html.contains("Check the code and try again"),
        "{}",
        again.html
    );
}
