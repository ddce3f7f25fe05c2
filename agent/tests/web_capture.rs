//! The capture script in real headless Chromium against local pages: Entra's
//! password page, "Pick an account", a mistyped password, "Stay signed in?",
//! the expired-password page, a temporary password followed by the forced
//! change, open shadow roots (nested), same- and cross-origin iframes, and
//! hosts not on the list. A scripted person clicks and types with real mouse
//! and key events; the web view reports what the capture decided.
#![cfg(not(target_os = "macos"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod web_common;

use secrecy::ExposeSecret;
use sesame_agent::web::chromium::PersonPage;
use sesame_agent::web::{CapturedPassword, WebLogin, WebSignInRequest};
use web_common::pages::{self, Pages};
use web_common::*;

const RIGHT: &str = "Right-Pass-1";

fn request(pages: &Pages, start: &str, hosts: &[&str]) -> WebSignInRequest {
    WebSignInRequest::new(
        url::Url::parse(start).unwrap(),
        pages.redirect_uri(),
        hosts.iter().map(|h| (*h).to_owned()).collect(),
        SIGN_IN_TIMEOUT,
    )
}

/// Signs in from `start` with `person`; returns the captured password as
/// `role:value` (or `none`) and checks the redirect arrived.
async fn run<F, Fut>(pages: &Pages, start: &str, hosts: &[&str], person: F) -> String
where
    F: Fn(PersonPage) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), sesame_agent::web::chromium::PersonError>>
        + Send
        + 'static,
{
    let done = chromium_with(person)
        .sign_in(request(pages, start, hosts))
        .await
        .unwrap();
    let redirect = done.redirect.expose_secret().to_owned();
    assert!(redirect.starts_with(&pages.redirect_uri()), "{redirect}");
    assert!(query_param(&redirect, "code").is_some(), "{redirect}");
    match done.captured {
        CapturedPassword::None => "none".into(),
        CapturedPassword::Current(p) => format!("current:{}", p.expose_secret()),
        CapturedPassword::New(p) => format!("new:{}", p.expose_secret()),
    }
}

const LOCAL: &[&str] = &["127.0.0.1"];
const BOTH: &[&str] = &["127.0.0.1", "127.0.0.2"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra_password_page() {
    let p = pages::serve(RIGHT).await;
    let got = run(&p, &p.url(false, "/password"), LOCAL, |page| async move {
        page.type_into("input[name=passwd]", RIGHT).await?;
        page.click("#idSIButton9").await
    })
    .await;
    assert_eq!(got, format!("current:{RIGHT}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pick_an_account_mistyped_then_right_then_stay_signed_in() {
    let p = pages::serve(RIGHT).await;
    let got = run(&p, &p.url(false, "/pick"), LOCAL, |page| async move {
        page.click("[data-upn]").await?;
        page.type_into("input[name=passwd]", "Rihgt-Pass-1").await?;
        page.click("#idSIButton9").await?;
        page.wait_for("#passwordError").await?;
        page.type_into("input[name=passwd]", RIGHT).await?;
        page.click("#idSIButton9").await?;
        page.wait_for("#KmsiDescription").await?;
        page.click("#idSIButton9").await
    })
    .await;
    assert_eq!(got, format!("current:{RIGHT}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_password_page_old_new_confirm_gives_the_new_one() {
    let p = pages::serve(RIGHT).await;
    let got = run(&p, &p.url(false, "/change"), LOCAL, |page| async move {
        page.type_into("#currentPassword", RIGHT).await?;
        page.type_into("#iPassword", "Brand-New-2").await?;
        page.type_into("#iRetypePassword", "Brand-New-2").await?;
        page.click("#idSIButton9").await
    })
    .await;
    assert_eq!(got, "new:Brand-New-2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_password_then_forced_change_never_gives_the_temporary() {
    // The admin set RIGHT as a temporary password; the person must replace it.
    let p = pages::serve(RIGHT).await;
    let got = run(
        &p,
        &p.url(false, "/password?next=/change"),
        LOCAL,
        |page| async move {
            page.type_into("input[name=passwd]", RIGHT).await?;
            page.click("#idSIButton9").await?;
            page.type_into("#currentPassword", RIGHT).await?;
            page.type_into("#iPassword", "Mine-Now-3").await?;
            // Mistyped confirmation first: the page refuses it.
            page.type_into("#iRetypePassword", "Mine-Now-4").await?;
            page.click("#idSIButton9").await?;
            page.wait_for("#passwordError").await?;
            page.type_into("#currentPassword", RIGHT).await?;
            page.type_into("#iPassword", "Mine-Now-3").await?;
            page.type_into("#iRetypePassword", "Mine-Now-3").await?;
            page.click("#idSIButton9").await
        },
    )
    .await;
    assert_eq!(got, "new:Mine-Now-3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_open_shadow_roots_with_a_click() {
    let p = pages::serve(RIGHT).await;
    let got = run(&p, &p.url(false, "/shadow"), LOCAL, |page| async move {
        page.type_into("#deep", "Shadow-Pass-5").await?;
        page.click("#deepSubmit").await
    })
    .await;
    assert_eq!(got, "current:Shadow-Pass-5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_two_shadow_roots_deep_in_a_light_form_with_enter_and_click() {
    let p = pages::serve(RIGHT).await;
    let got = run(
        &p,
        &p.url(false, "/shadow-field"),
        LOCAL,
        |page| async move {
            page.type_into("#deepField", "Shadow-Pass-6").await?;
            page.press_enter().await
        },
    )
    .await;
    assert_eq!(got, "current:Shadow-Pass-6");
    let got = run(
        &p,
        &p.url(false, "/shadow-field"),
        LOCAL,
        |page| async move {
            page.type_into("#deepField", "Shadow-Pass-7").await?;
            page.click("#go").await
        },
    )
    .await;
    assert_eq!(got, "current:Shadow-Pass-7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_origin_iframe() {
    let p = pages::serve(RIGHT).await;
    let start = p.url(false, "/frame-host?src=/frame-login");
    let got = run(&p, &start, LOCAL, |page| async move {
        page.type_into("#i0118", "Framed-Pass-7").await?;
        page.click("#idSIButton9").await
    })
    .await;
    assert_eq!(got, "current:Framed-Pass-7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_iframe_on_an_idp_host() {
    let p = pages::serve(RIGHT).await;
    let start = p.url(
        false,
        &format!("/frame-host?src={}", enc(&p.url(true, "/frame-login"))),
    );
    let got = run(&p, &start, BOTH, |page| async move {
        page.type_into("#i0118", "Cross-Pass-8").await?;
        page.click("#idSIButton9").await
    })
    .await;
    assert_eq!(got, "current:Cross-Pass-8");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_not_on_the_list_are_never_read() {
    let p = pages::serve(RIGHT).await;
    // The same password page on a host the profile does not name.
    let got = run(&p, &p.url(true, "/password"), LOCAL, |page| async move {
        page.type_into("input[name=passwd]", RIGHT).await?;
        page.click("#idSIButton9").await
    })
    .await;
    assert_eq!(got, "none");
    // A foreign frame inside an IdP page.
    let start = p.url(
        false,
        &format!("/frame-host?src={}", enc(&p.url(true, "/frame-login"))),
    );
    let got = run(&p, &start, LOCAL, |page| async move {
        page.type_into("#i0118", "Foreign-Pass-9").await?;
        page.click("#idSIButton9").await
    })
    .await;
    assert_eq!(got, "none");
}
