//! The sign-in log as an admin reads it in the Entra admin center.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::Value;

/// Source: Microsoft's "Sign-in logs in Microsoft Entra ID" (columns Status, Authentication
/// requirement, Conditional Access, Client app; interactive and non-interactive user
/// sign-ins; the Authentication Details "Result detail") and Jamf Connect's Conditional
/// Access guidance, which tells admins to recognise a password check (ROPG) that met MFA by
/// "User did not pass the MFA challenge (non interactive)" next to a real failure's "Invalid
/// username or password".
#[tokio::test]
async fn rows_carry_the_columns_an_admin_reads() {
    let sim = start(false).await;
    // A password check that meets Conditional Access MFA, a wrong password, a clean check.
    ropg_v2(&sim, TID, SESAME, "megan@contoso.example", "Sesame-Demo-1").await;
    ropg_v2(&sim, TID, SESAME, "adele@contoso.example", "wrong-password").await;
    ropg_v2(&sim, TID, SESAME, "adele@contoso.example", "Sesame-Demo-2").await;
    // An interactive sign-in that completes MFA on the pages.
    let url = format!(
        "{}/{TID}/oauth2/v2.0/authorize?client_id={SESAME}&response_type=code&redirect_uri={}&scope=openid",
        sim.base_url(),
        url::form_urlencoded::byte_serialize(NATIVE.as_bytes()).collect::<String>()
    );
    let done = entra_sim::headless::sign_in(&sim, &url, "megan@contoso.example", "Sesame-Demo-1")
        .await
        .unwrap();
    assert!(done.answered_mfa);

    let log: Value = client(&sim)
        .get(format!("{}/_sim/signins", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows: Vec<(String, String, String, bool, String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| {
                r[k].as_str()
                    .unwrap_or_else(|| panic!("{k} in {r}"))
                    .to_string()
            };
            (
                s("status"),
                s("authentication_requirement"),
                s("result_detail"),
                r["interactive"].as_bool().unwrap(),
                s("client_app"),
                s("conditional_access_status"),
            )
        })
        .collect();
    let row = |status: &str, req: &str, detail: &str, interactive: bool, app: &str, ca: &str| {
        (
            status.to_string(),
            req.to_string(),
            detail.to_string(),
            interactive,
            app.to_string(),
            ca.to_string(),
        )
    };
    let desktop = "Mobile Apps and Desktop clients";
    assert_eq!(
        rows,
        vec![
            row(
                "Interrupted",
                "Multifactor authentication",
                "User did not pass the MFA challenge (non interactive)",
                false,
                desktop,
                "Failure"
            ),
            row(
                "Failure",
                "Single-factor authentication",
                "Invalid username or password",
                false,
                desktop,
                "Not Applied"
            ),
            row(
                "Success",
                "Single-factor authentication",
                "Correct password",
                false,
                desktop,
                "Not Applied"
            ),
            row(
                "Success",
                "Multifactor authentication",
                "MFA successfully completed",
                true,
                "Browser",
                "Success"
            ),
        ]
    );
}
