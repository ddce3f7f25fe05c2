//! The headless walk of the sign-in pages (`entra_sim::headless`) over real
//! HTTPS: MFA answered with the sim's own TOTP, and errors that name the step,
//! the HTTP status and the page, never the password.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use entra_sim::SimHandle;
use entra_sim::headless::{self, HeadlessError, Step};

fn authorize_url(sim: &SimHandle, client_id: &str, extra: &str) -> String {
    let redirect: String = url::form_urlencoded::byte_serialize(NATIVE.as_bytes()).collect();
    format!(
        "{}/{TID}/oauth2/v2.0/authorize?client_id={client_id}&response_type=code&redirect_uri={redirect}&scope=openid&state=st-7{extra}",
        sim.base_url()
    )
}

#[tokio::test]
async fn mfa_is_answered_with_the_current_code() {
    let sim = start(true).await;
    let url = authorize_url(&sim, SESAME, "");
    let done = headless::sign_in(&sim, &url, "megan@contoso.example", "Sesame-Demo-1")
        .await
        .unwrap();
    assert!(done.answered_mfa);
    assert_eq!(done.status, 303);
    let redirect = url::Url::parse(&done.redirect).unwrap();
    assert!(done.redirect.starts_with(NATIVE), "{}", done.redirect);
    let q: std::collections::HashMap<_, _> = redirect.query_pairs().into_owned().collect();
    assert_eq!(q.get("state").map(String::as_str), Some("st-7"));
    let code = &q["code"];
    // Debug leaves the authorization code out.
    assert!(!format!("{done:?}").contains(code.as_str()));
    let last = sim.sign_ins().pop().unwrap();
    assert_eq!(
        (last.result, last.error_code),
        (entra_sim::SignInResult::Success, 0)
    );
}

#[tokio::test]
async fn login_hint_starts_on_the_password_page() {
    let sim = start(false).await;
    let url = authorize_url(&sim, SESAME, "&login_hint=adele%40contoso.example");
    let done = headless::sign_in(&sim, &url, "adele@contoso.example", "Sesame-Demo-2")
        .await
        .unwrap();
    assert!(!done.answered_mfa);
    assert!(done.redirect.contains("code="), "{}", done.redirect);
}

#[tokio::test]
async fn wrong_password_names_the_step_and_never_the_password() {
    let sim = start(true).await;
    let url = authorize_url(&sim, SESAME, "");
    let password = "Not-Megans-Password-42";
    let err = headless::sign_in(&sim, &url, "megan@contoso.example", password)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            HeadlessError::NoRedirect {
                step: Step::Password,
                status: 200,
                ..
            }
        ),
        "{err:?}"
    );
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("entering the password"), "{shown}");
    assert!(
        shown.contains("Your account or password is incorrect"),
        "{shown}"
    );
    assert!(!shown.contains(password), "{shown}");

    // An unknown user stops at the username page, which says why.
    let err = headless::sign_in(&sim, &url, "nobody@contoso.example", password)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            HeadlessError::NoForm {
                step: Step::Username,
                field: "passwd",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("This username may be incorrect"),
        "{err}"
    );
}

#[tokio::test]
async fn an_error_page_is_an_http_error_with_its_aadsts_code() {
    let sim = start(true).await;
    let url = authorize_url(&sim, "11111111-2222-4333-8444-555555555555", "");
    let err = headless::sign_in(&sim, &url, "adele@contoso.example", "Sesame-Demo-2")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            HeadlessError::Status {
                step: Step::Authorize,
                status: 400,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("AADSTS700016"), "{err}");
}
