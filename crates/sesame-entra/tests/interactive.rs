//! The interactive sign-in against entra-sim: authorization URL, the sim's
//! sign-in pages, redirect parsing, code exchange (public and confidential),
//! refresh, and group overage with and without Graph.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::*;
use entra_sim::{Fault, FaultKind};
use sesame_core::identity::Groups;
use sesame_entra::authorize::{AuthorizeOptions, Prompt, RedirectError, parse_redirect};
use sesame_entra::id_token::IdTokenError;
use sesame_entra::{EntraClient, SignIn, TokenError};

fn options(upn: &str) -> AuthorizeOptions {
    AuthorizeOptions {
        prompt: Some(Prompt::Login),
        login_hint: Some(upn.into()),
        domain_hint: Some("contoso.example".into()),
    }
}

#[tokio::test]
async fn code_flow_with_pkce_and_nonce_signs_in() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.scopes
        .push("api://c3000000-0000-4000-8000-000000000001/sesame".into());
    let client = EntraClient::new(cfg).unwrap();
    let pending = client
        .authorize(&options("adele@contoso.example"))
        .await
        .unwrap();
    assert!(pending.url.as_str().starts_with(sim.base_url()));
    let redirect =
        browser_sign_in(&sim, &pending.url, "adele@contoso.example", "Sesame-Demo-2").await;
    let code = parse_redirect(&pending, &redirect).unwrap();
    let sign_in = client.exchange_code(&pending, &code).await.unwrap();
    assert_eq!(sign_in.claims.oid, "b2000000-0000-4000-8000-000000000002");
    assert_eq!(sign_in.claims.tid, sim.tenant_id());
    assert!(
        sign_in.tokens.refresh_token.is_some(),
        "offline_access gives a refresh token"
    );

    // The code is redeemed once: a replay is Entra's 54005, not a sign-in.
    match client.exchange_code(&pending, &code).await.unwrap_err() {
        TokenError::Entra(e) => assert_eq!(e.code(), Some(54005), "{e}"),
        other => panic!("{other:?}"),
    }

    // Refresh grant: new tokens, the ID token continues this sign-in.
    let rt = sign_in.tokens.refresh_token.as_ref().unwrap();
    let (tokens, claims) = client.refresh(rt, &sign_in.claims).await.unwrap();
    assert!(tokens.expires_in.is_some());
    assert_eq!(claims.expect("refreshed ID token").oid, sign_in.claims.oid);
}

#[tokio::test]
async fn forged_state_and_another_flows_nonce_are_refused() {
    let sim = sim().await;
    let client = client(&sim);
    let first = client
        .authorize(&options("adele@contoso.example"))
        .await
        .unwrap();
    let second = client
        .authorize(&options("adele@contoso.example"))
        .await
        .unwrap();
    let redirect =
        browser_sign_in(&sim, &first.url, "adele@contoso.example", "Sesame-Demo-2").await;
    // The redirect of the first flow presented to the second: state mismatch.
    assert_eq!(
        parse_redirect(&second, &redirect).unwrap_err(),
        RedirectError::StateMismatch
    );
    // Even with the code smuggled past the state check, the nonce (and PKCE) differ.
    let code = parse_redirect(&first, &redirect).unwrap();
    let err = client.exchange_code(&second, &code).await.unwrap_err();
    assert!(
        matches!(err, TokenError::Entra(_) | TokenError::IdToken(_)),
        "{err:?}"
    );
}

#[tokio::test]
async fn confidential_client_exchanges_with_its_secret() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.client_id = DOCTOR_APP.into();
    cfg.redirect_uri = "https://localhost/doctor/callback".into();
    cfg.client_secret = Some(secret("demo-secret-value-1"));
    let client = EntraClient::new(cfg).unwrap();
    let pending = client
        .authorize(&AuthorizeOptions::default())
        .await
        .unwrap();
    let redirect =
        browser_sign_in(&sim, &pending.url, "adele@contoso.example", "Sesame-Demo-2").await;
    let code = parse_redirect(&pending, &redirect).unwrap();
    let sign_in = client.exchange_code(&pending, &code).await.unwrap();
    assert_eq!(sign_in.claims.username(), "adele@contoso.example");
}

#[tokio::test]
async fn unregistered_redirect_uri_comes_back_as_an_entra_error() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.redirect_uri = "https://127.0.0.1/not-registered".into();
    let client = EntraClient::new(cfg).unwrap();
    let pending = client
        .authorize(&AuthorizeOptions::default())
        .await
        .unwrap();
    let browser = entra_sim::headless::Browser::for_sim(&sim).unwrap();
    let page = browser
        .http()
        .get(pending.url.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Entra shows an error page (it never redirects to an unregistered URI).
    assert!(page.contains("AADSTS50011"), "{page}");
}

#[tokio::test]
async fn group_overage_is_resolved_from_graph_or_unknown() {
    let sim = sim().await;
    // Adele has one security group; a threshold of 0 makes any group overage.
    sim.set_group_overage_threshold(0);
    let client = client(&sim);
    let check = client
        .check_password("adele@contoso.example", &secret("Sesame-Demo-2"))
        .await
        .unwrap();
    let claims = check.claims().cloned().expect("claims");
    assert!(claims.has_group_overage());
    let token = &check.tokens().unwrap().access_token;

    match client.resolve_groups(&claims, Some(token)).await {
        Groups::Known { ids } => {
            assert!(
                ids.contains(&"a1000000-0000-4000-8000-000000000002".to_string()),
                "{ids:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Graph down: unknown, never "no groups".
    sim.inject_fault(Fault::on_path(
        FaultKind::Status { status: 503 },
        "getMemberObjects",
        1,
    ));
    assert!(matches!(
        client.resolve_groups(&claims, Some(token)).await,
        Groups::Unknown { .. }
    ));
    // Graph refuses the token.
    let bad = secret("not-a-token");
    match client.resolve_groups(&claims, Some(&bad)).await {
        Groups::Unknown { reason } => assert!(
            reason.contains("401") || reason.contains("Graph"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
    // No token at all.
    assert!(matches!(
        client.resolve_groups(&claims, None).await,
        Groups::Unknown { .. }
    ));
    // And the identity built from it carries the unknown state through.
    let id = claims.to_identity(client.resolve_groups(&claims, None).await);
    assert!(matches!(id.groups, Groups::Unknown { .. }));
}

async fn code_flow_sign_in(
    sim: &entra_sim::SimHandle,
    client: &EntraClient,
    upn: &str,
    password: &str,
) -> SignIn {
    let pending = client.authorize(&options(upn)).await.unwrap();
    let redirect = browser_sign_in(sim, &pending.url, upn, password).await;
    let code = parse_redirect(&pending, &redirect).unwrap();
    client.exchange_code(&pending, &code).await.unwrap()
}

#[tokio::test]
async fn a_refresh_cannot_switch_to_another_identity() {
    let sim = sim().await;
    sim.set_user_state("alex@contoso.example", entra_sim::UserState::Enabled)
        .unwrap();
    let client = client(&sim);
    let adele = code_flow_sign_in(&sim, &client, "adele@contoso.example", "Sesame-Demo-2").await;
    let alex = code_flow_sign_in(&sim, &client, "alex@contoso.example", "Sesame-Demo-3").await;
    let adele_rt = adele.tokens.refresh_token.as_ref().unwrap();
    let alex_rt = alex.tokens.refresh_token.as_ref().unwrap();

    // Adele's refresh token continues Adele's sign-in.
    let (_, claims) = client.refresh(adele_rt, &adele.claims).await.unwrap();
    assert_eq!(claims.expect("refreshed ID token").oid, adele.claims.oid);
    // Alex's refresh token handed in as the continuation of Adele's sign-in
    // (a swapped or stolen token): Entra issues valid tokens, for Alex.
    let err = client.refresh(alex_rt, &adele.claims).await.unwrap_err();
    assert!(
        matches!(
            err,
            TokenError::IdToken(IdTokenError::IdentityChanged { claim: "oid" })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("sign in again"), "{err}");
}
