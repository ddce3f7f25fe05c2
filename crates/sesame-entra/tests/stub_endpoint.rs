//! Answers entra-sim cannot give: a v2 endpoint that reports a v1/v2
//! protocol mix-up (so `auto` must move to v1 and remember it), a captive
//! portal's redirect, and an oversized body. A tiny plain-HTTP server on
//! loopback plays the token endpoint; discovery points at it.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use secrecy::SecretString;
use sesame_core::identity::EntraId;
use sesame_entra::{
    ClientConfig, EntraClient, PasswordCheckFor, PasswordOwner, PasswordSignIn, PasswordVerdict,
    RopgEndpoint, Version,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TID: &str = "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f";

#[derive(Clone, Copy)]
enum V2Answer {
    Mixup(u32),
    Redirect,
    PortalPage,
    Huge,
    /// Tokens, but no ID token (a request without `openid`, or a
    /// middlebox that strips it).
    TokensWithoutIdToken,
}

struct Stub {
    base: String,
    v1_hits: Arc<AtomicUsize>,
    v2_hits: Arc<AtomicUsize>,
    /// The bodies of the token requests, as sent.
    bodies: Arc<std::sync::Mutex<Vec<String>>>,
}

async fn stub(v2: V2Answer) -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (v1_hits, v2_hits) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let bodies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (h1, h2, b, seen) = (
        v1_hits.clone(),
        v2_hits.clone(),
        base.clone(),
        bodies.clone(),
    );
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (h1, h2, b, seen) = (h1.clone(), h2.clone(), b.clone(), seen.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut n = 0;
                // Read the head and the (small) body.
                loop {
                    let Ok(m) = sock.read(&mut buf[n..]).await else {
                        return;
                    };
                    if m == 0 {
                        return;
                    }
                    n += m;
                    let text = String::from_utf8_lossy(&buf[..n]).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if n >= end + 4 + len {
                            break;
                        }
                    }
                }
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                if path.ends_with("/token")
                    && let Some((_, body)) = head.split_once("\r\n\r\n")
                {
                    seen.lock().unwrap().push(body.to_owned());
                }
                let (status, extra, body) = answer(&path, &b, v2, &h1, &h2);
                let resp = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
            });
        }
    });
    Stub {
        base,
        v1_hits,
        v2_hits,
        bodies,
    }
}

fn answer(
    path: &str,
    base: &str,
    v2: V2Answer,
    h1: &AtomicUsize,
    h2: &AtomicUsize,
) -> (String, String, String) {
    let doc = |issuer: String, token: &str| {
        serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{base}/{TID}/oauth2/v2.0/authorize"),
            "token_endpoint": format!("{base}/{TID}/{token}"),
            "jwks_uri": format!("{base}/{TID}/discovery/v2.0/keys"),
        })
        .to_string()
    };
    let error = |code: u32, error: &str| {
        serde_json::json!({"error": error, "error_description": format!("AADSTS{code}: stub"), "error_codes": [code],
            "trace_id": "t", "correlation_id": "c", "timestamp": "2026-11-22 04:00:00Z"})
        .to_string()
    };
    match path {
        p if p.ends_with("/v2.0/.well-known/openid-configuration") => (
            "200 OK".into(),
            String::new(),
            doc(format!("{base}/{TID}/v2.0"), "oauth2/v2.0/token"),
        ),
        p if p.ends_with("/.well-known/openid-configuration") => (
            "200 OK".into(),
            String::new(),
            doc(format!("https://sts.windows.net/{TID}/"), "oauth2/token"),
        ),
        p if p.ends_with("/oauth2/v2.0/token") => {
            h2.fetch_add(1, Ordering::SeqCst);
            match v2 {
                V2Answer::Mixup(code) => (
                    "400 Bad Request".into(),
                    String::new(),
                    error(code, "invalid_request"),
                ),
                V2Answer::Redirect => (
                    "302 Found".into(),
                    "location: http://captive.portal/login\r\n".into(),
                    String::new(),
                ),
                V2Answer::PortalPage => (
                    "200 OK".into(),
                    String::new(),
                    "<html><body>Welcome to Hotel Wi-Fi</body></html>".into(),
                ),
                V2Answer::Huge => (
                    "200 OK".into(),
                    String::new(),
                    format!("{{\"access_token\":\"{}\"}}", "A".repeat(2 << 20)),
                ),
                V2Answer::TokensWithoutIdToken => (
                    "200 OK".into(),
                    String::new(),
                    r#"{"token_type":"Bearer","scope":"profile","expires_in":3599,"access_token":"stub-access-token"}"#.into(),
                ),
            }
        }
        p if p.ends_with("/oauth2/token") => {
            h1.fetch_add(1, Ordering::SeqCst);
            (
                "400 Bad Request".into(),
                String::new(),
                error(50126, "invalid_grant"),
            )
        }
        _ => ("404 Not Found".into(), String::new(), "{}".into()),
    }
}

fn client(stub: &Stub, endpoint: RopgEndpoint) -> EntraClient {
    let mut cfg = ClientConfig::new(
        TID,
        "c3000000-0000-4000-8000-000000000001",
        "https://127.0.0.1/sesame",
    )
    .with_authority_host(&stub.base)
    .unwrap();
    // The stub speaks plain http on loopback: the simulated-tenant switch.
    cfg.allow_insecure_loopback = true;
    cfg.ropg_endpoint = endpoint;
    EntraClient::new(cfg).unwrap()
}

fn pw() -> SecretString {
    SecretString::from("Wrong-Password-1".to_owned())
}

#[tokio::test]
async fn auto_moves_to_v1_on_a_protocol_mixup_and_remembers_it() {
    for code in [900144, 901002, 9001023] {
        let stub = stub(V2Answer::Mixup(code)).await;
        let client = client(&stub, RopgEndpoint::Auto);
        let check = client
            .check_password("adele@contoso.example", &pw())
            .await
            .unwrap();
        assert_eq!(
            check.verdict,
            PasswordVerdict::WrongPassword { code: 50126 },
            "AADSTS{code}"
        );
        assert_eq!(check.endpoint, Some(Version::V1));
        assert_eq!(client.ropg_endpoint(), Some(Version::V1));
        let again = client
            .check_password("adele@contoso.example", &pw())
            .await
            .unwrap();
        assert_eq!(again.endpoint, Some(Version::V1));
        assert_eq!(stub.v2_hits.load(Ordering::SeqCst), 1, "v2 not asked again");
        assert_eq!(stub.v1_hits.load(Ordering::SeqCst), 2);
    }
}

#[tokio::test]
async fn a_pinned_endpoint_reports_the_mixup_as_misconfigured_never_wrong() {
    let stub = stub(V2Answer::Mixup(901002)).await;
    let client = client(&stub, RopgEndpoint::V2);
    let v = client
        .check_password("adele@contoso.example", &pw())
        .await
        .unwrap()
        .verdict;
    match v {
        PasswordVerdict::Misconfigured {
            code: Some(901002),
            fix,
        } => assert!(fix.contains("auto"), "{fix}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(stub.v1_hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn captive_portal_redirects_and_oversized_bodies_are_unreachable() {
    let portal = stub(V2Answer::Redirect).await;
    let v = client(&portal, RopgEndpoint::V2)
        .check_password("a@b.c", &pw())
        .await
        .unwrap()
        .verdict;
    match v {
        PasswordVerdict::Unreachable { reason } => {
            assert!(reason.contains("captive portal"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let page = stub(V2Answer::PortalPage).await;
    let v = client(&page, RopgEndpoint::V2)
        .check_password("a@b.c", &pw())
        .await
        .unwrap()
        .verdict;
    match v {
        PasswordVerdict::Unreachable { reason } => {
            assert!(reason.contains("HTML page"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let huge = stub(V2Answer::Huge).await;
    let v = client(&huge, RopgEndpoint::V2)
        .check_password("a@b.c", &pw())
        .await
        .unwrap()
        .verdict;
    match v {
        PasswordVerdict::Unreachable { reason } => {
            assert!(reason.contains("larger than 1048576 bytes"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn tokens_without_an_id_token_are_never_a_verified_password() {
    let stub = stub(V2Answer::TokensWithoutIdToken).await;
    let client = client(&stub, RopgEndpoint::V2);
    let check = client
        .check_password("adele@contoso.example", &pw())
        .await
        .unwrap();
    match &check.verdict {
        PasswordVerdict::Unknown { code: None, raw } => {
            assert!(raw.contains("without an ID token"), "{raw}")
        }
        other => panic!("{other:?}"),
    }
    assert!(check.claims().is_none() && check.tokens().is_none());
    // The identity-bound check: not verified, so no VerifiedPassword.
    let owner = PasswordOwner {
        id: EntraId {
            oid: "b2000000-0000-4000-8000-000000000002".into(),
            tid: TID.into(),
        },
        username: "adele@contoso.example".into(),
    };
    let outcome = client.verify_password_for(&owner, &pw()).await.unwrap();
    assert!(
        matches!(outcome, PasswordCheckFor::NotVerified { .. }),
        "{outcome:?}"
    );
    assert!(outcome.verified().is_none());
    // Native sign-in: no identity.
    let native = client
        .sign_in_with_password("adele@contoso.example", &pw())
        .await
        .unwrap();
    assert!(
        matches!(native, PasswordSignIn::NotSignedIn { .. }),
        "{native:?}"
    );
}

#[tokio::test]
async fn the_password_grant_asks_for_openid_on_v1_and_v2() {
    // v1 (the v2 stub answers a mix-up, so auto moves to v1).
    let stub = stub(V2Answer::Mixup(900144)).await;
    let client = client(&stub, RopgEndpoint::Auto);
    client
        .check_password("adele@contoso.example", &pw())
        .await
        .unwrap();
    let bodies = stub.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    let fields = |b: &str| -> Vec<(String, String)> {
        url::form_urlencoded::parse(b.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    let scope = |b: &str| {
        fields(b)
            .into_iter()
            .find(|(k, _)| k == "scope")
            .map(|(_, v)| v)
    };
    let v2 = &bodies[0];
    assert!(
        scope(v2).is_some_and(|s| s.split(' ').any(|x| x == "openid")),
        "v2: {v2}"
    );
    let v1 = &bodies[1];
    assert_eq!(scope(v1).as_deref(), Some("openid"), "v1: {v1}");
    assert!(fields(v1).iter().any(|(k, _)| k == "resource"), "v1: {v1}");
}

#[tokio::test]
async fn a_plain_http_loopback_authority_is_refused_without_the_switch() {
    let stub = stub(V2Answer::Mixup(900144)).await;
    let cfg = ClientConfig::new(
        TID,
        "c3000000-0000-4000-8000-000000000001",
        "https://127.0.0.1/sesame",
    )
    .with_authority_host(&stub.base)
    .unwrap();
    let err = EntraClient::new(cfg).unwrap_err();
    assert!(
        err.to_string().contains("AllowInsecureSimulatedTenant"),
        "{err}"
    );
    assert_eq!(stub.v2_hits.load(Ordering::SeqCst), 0);
}
