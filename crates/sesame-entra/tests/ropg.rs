//! The password check against entra-sim over HTTPS: one verdict per
//! situation Entra can be in.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::*;
use entra_sim::{CaState, Fault, FaultKind};
use sesame_core::identity::Groups;
use sesame_entra::{EntraClient, PasswordRefused, PasswordVerdict, RopgEndpoint, Version};

async fn verdict(client: &EntraClient, upn: &str, password: &str) -> PasswordVerdict {
    client
        .check_password(upn, &secret(password))
        .await
        .unwrap()
        .verdict
}

#[tokio::test]
async fn right_password_is_verified_with_validated_claims() {
    let sim = sim().await;
    let client = client(&sim);
    let check = client
        .check_password("adele@contoso.example", &secret("Sesame-Demo-2"))
        .await
        .unwrap();
    assert_eq!(check.verdict, PasswordVerdict::Verified);
    assert_eq!(check.endpoint, Some(Version::V2));
    let claims = check.claims().cloned().expect("ID token validated");
    assert_eq!(claims.oid, "b2000000-0000-4000-8000-000000000002");
    assert_eq!(claims.tid, sim.tenant_id());
    assert_eq!(claims.issuer, sim.issuer_v2());
    assert_eq!(claims.username(), "adele@contoso.example");
    let id = claims.to_identity(claims.token_groups());
    assert_eq!(id.id.oid, "b2000000-0000-4000-8000-000000000002");
    assert_eq!(id.name.as_deref(), Some("Adele Vance"));
    match id.groups {
        Groups::Known { ids } => assert!(
            ids.contains(&"a1000000-0000-4000-8000-000000000002".to_string()),
            "{ids:?}"
        ),
        other => panic!("{other:?}"),
    }
    // auto settled on v2 and remembers it.
    assert_eq!(client.ropg_endpoint(), Some(Version::V2));
}

#[tokio::test]
async fn each_account_state_gets_its_verdict() {
    let sim = sim().await;
    let client = client(&sim);
    use PasswordVerdict::*;
    assert_eq!(
        verdict(&client, "adele@contoso.example", "Wrong-Password-1").await,
        WrongPassword { code: 50126 }
    );
    assert_eq!(
        verdict(&client, "alex@contoso.example", "Sesame-Demo-3").await,
        PasswordExpired { code: 50055 }
    );
    assert_eq!(
        verdict(&client, "diego@contoso.example", "Sesame-Demo-4").await,
        Disabled { code: 50057 }
    );
    assert_eq!(
        verdict(&client, "lynne@contoso.example", "Sesame-Demo-5").await,
        Locked { code: 50053 }
    );
    assert_eq!(
        verdict(&client, "nobody@contoso.example", "Whatever-1").await,
        UnknownUser { code: 50034 }
    );
    // Megan is in a group with a "require MFA" Conditional Access policy.
    assert_eq!(
        verdict(&client, "megan@contoso.example", "Sesame-Demo-1").await,
        VerifiedInterrupted { code: 50076 }
    );
    // Grady must do MFA but registered nothing.
    let v = verdict(&client, "grady@contoso.example", "Sesame-Demo-7").await;
    assert_eq!(v, VerifiedInterrupted { code: 50079 });
    // The wrong password is wrong even for a user who would meet MFA next.
    assert_eq!(
        verdict(&client, "megan@contoso.example", "Not-Her-Password").await,
        WrongPassword { code: 50126 }
    );
}

#[tokio::test]
async fn conditional_access_block_counts_as_verified_only_via_success_codes() {
    let sim = sim().await;
    sim.set_ca_state("Block legacy Sesame app", CaState::On)
        .unwrap();
    let client = client(&sim);
    assert_eq!(
        verdict(&client, "adele@contoso.example", "Sesame-Demo-2").await,
        PasswordVerdict::VerifiedInterrupted { code: 53003 }
    );
    let mut cfg = config(&sim);
    cfg.success_codes = vec![50076];
    let strict = EntraClient::new(cfg).unwrap();
    let v = verdict(&strict, "adele@contoso.example", "Sesame-Demo-2").await;
    assert!(
        matches!(
            v,
            PasswordVerdict::Unknown {
                code: Some(53003),
                ..
            }
        ),
        "{v:?}"
    );
    // A wrong password is still wrong under the block.
    assert_eq!(
        verdict(&client, "adele@contoso.example", "Wrong-1").await,
        PasswordVerdict::WrongPassword { code: 50126 }
    );
}

#[tokio::test]
async fn smart_lockout_after_repeated_wrong_passwords() {
    let sim = sim().await;
    let client = client(&sim);
    let mut last = PasswordVerdict::Verified;
    for i in 0..12 {
        last = verdict(&client, "adele@contoso.example", &format!("Wrong-{i}")).await;
        if !last.is_wrong_password() {
            break;
        }
    }
    assert_eq!(last, PasswordVerdict::Locked { code: 50053 });
    // Locked says nothing about the password, even the right one.
    let v = verdict(&client, "adele@contoso.example", "Sesame-Demo-2").await;
    assert_eq!(v, PasswordVerdict::Locked { code: 50053 });
    assert!(!v.is_wrong_password());
}

#[tokio::test]
async fn v1_endpoint_uses_resource_and_validates_the_v1_issuer() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.ropg_endpoint = RopgEndpoint::V1;
    let client = EntraClient::new(cfg).unwrap();
    let check = client
        .check_password("adele@contoso.example", &secret("Sesame-Demo-2"))
        .await
        .unwrap();
    assert_eq!(check.verdict, PasswordVerdict::Verified);
    assert_eq!(check.endpoint, Some(Version::V1));
    let claims = check.claims().cloned().expect("v1 ID token");
    assert_eq!(claims.issuer, sim.issuer_v1());
    assert_eq!(claims.version, Version::V1);
    assert_eq!(
        verdict(&client, "adele@contoso.example", "Wrong-1").await,
        PasswordVerdict::WrongPassword { code: 50126 }
    );
}

#[tokio::test]
async fn app_registration_mistakes_are_misconfigured_with_the_fix() {
    let sim = sim().await;
    let with = |f: &dyn Fn(&mut sesame_entra::ClientConfig)| {
        let mut cfg = config(&sim);
        f(&mut cfg);
        EntraClient::new(cfg).unwrap()
    };
    let cases: Vec<(EntraClient, u32, &str)> = vec![
        (
            with(&|c| c.ropg_client_id = Some(NO_PUBLIC_FLOWS_APP.into())),
            7000218,
            "Allow public client flows",
        ),
        (
            with(&|c| c.ropg_client_id = Some("c3000000-0000-4000-8000-0000000000ff".into())),
            700016,
            "client ID",
        ),
        (
            with(&|c| c.client_secret = Some(secret("not-needed"))),
            700025,
            "Remove the client secret",
        ),
        (
            with(&|c| {
                c.client_id = DOCTOR_APP.into();
                c.client_secret = Some(secret("demo-secret-expired"));
            }),
            7000222,
            "new client secret",
        ),
        (
            with(&|c| {
                c.client_id = DOCTOR_APP.into();
                c.client_secret = Some(secret("d4000000-0000-4000-8000-000000000001"));
            }),
            7000215,
            "Value (not its Secret ID)",
        ),
    ];
    for (client, code, fix_part) in cases {
        let v = verdict(&client, "adele@contoso.example", "Sesame-Demo-2").await;
        match &v {
            PasswordVerdict::Misconfigured { code: Some(c), fix } => {
                assert_eq!(*c, code, "{v:?}");
                assert!(fix.contains(fix_part), "AADSTS{code}: {fix}");
                assert!(fix.contains("Entra admin center"), "AADSTS{code}: {fix}");
            }
            other => panic!("AADSTS{code}: {other:?}"),
        }
        // A configuration error is not about the password: nothing remembered.
        assert!(!v.is_wrong_password());
    }
}

#[tokio::test]
async fn unknown_tenant_is_misconfigured_from_discovery() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.tenant = "fabrikam.example".into();
    let client = EntraClient::new(cfg).unwrap();
    let v = verdict(&client, "adele@contoso.example", "Sesame-Demo-2").await;
    assert!(
        matches!(
            v,
            PasswordVerdict::Misconfigured {
                code: Some(90002),
                ..
            }
        ),
        "{v:?}"
    );
}

#[tokio::test]
async fn tenant_by_domain_name_works_and_binds_the_guid() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.tenant = "contoso.example".into();
    let client = EntraClient::new(cfg).unwrap();
    let check = client
        .check_password("adele@contoso.example", &secret("Sesame-Demo-2"))
        .await
        .unwrap();
    assert_eq!(check.verdict, PasswordVerdict::Verified);
    assert_eq!(check.claims().unwrap().tid, sim.tenant_id());
}

#[tokio::test]
async fn passwords_with_surrounding_spaces_never_leave_the_mac() {
    let sim = sim().await;
    let client = client(&sim);
    for p in [" Sesame-Demo-2", "Sesame-Demo-2 ", "\tSesame-Demo-2"] {
        let err = client
            .check_password("adele@contoso.example", &secret(p))
            .await
            .unwrap_err();
        assert_eq!(err, PasswordRefused::SurroundingWhitespace);
    }
    assert!(
        sim.sign_ins().is_empty(),
        "a refused password reached Entra"
    );
}

#[tokio::test]
async fn every_fault_the_sim_injects_is_never_a_password_verdict() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.total_timeout = std::time::Duration::from_millis(1500);
    let client = EntraClient::new(cfg).unwrap();
    // Warm discovery and JWKS so the faults hit the token endpoint.
    assert_eq!(
        verdict(&client, "adele@contoso.example", "Sesame-Demo-2").await,
        PasswordVerdict::Verified
    );
    let faults = [
        FaultKind::Status { status: 500 },
        FaultKind::Status { status: 503 },
        FaultKind::TooManyRequests { retry_after: 42 },
        FaultKind::DropConnection,
        FaultKind::TruncatedBody,
        FaultKind::Delay { ms: 3000 },
    ];
    for kind in faults {
        sim.inject_fault(Fault::on_path(kind.clone(), "/token", 1));
        // A wrong password under a fault must still not read as wrong.
        let v = verdict(&client, "adele@contoso.example", "Wrong-Under-Fault").await;
        assert!(!v.is_wrong_password(), "{kind:?}: {v:?}");
        assert!(!v.is_password_verified(), "{kind:?}: {v:?}");
        match kind {
            FaultKind::TooManyRequests { retry_after } => assert_eq!(
                v,
                PasswordVerdict::Throttled {
                    code: v.code(),
                    retry_after_secs: Some(retry_after)
                },
                "{v:?}"
            ),
            FaultKind::Delay { .. } => match &v {
                PasswordVerdict::Unreachable { reason } => {
                    assert!(reason.contains("did not answer"), "{reason}")
                }
                other => panic!("delay: {other:?}"),
            },
            _ => assert!(
                v.is_transient() || matches!(v, PasswordVerdict::Unknown { .. }),
                "{kind:?}: {v:?}"
            ),
        }
        sim.clear_faults();
    }
    // After the faults, the right answer again.
    assert_eq!(
        verdict(&client, "adele@contoso.example", "Sesame-Demo-2").await,
        PasswordVerdict::Verified
    );
}

#[tokio::test]
async fn discovery_faults_are_unreachable() {
    let sim = sim().await;
    let client = client(&sim);
    sim.inject_fault(Fault::on_path(
        FaultKind::Status { status: 503 },
        "openid-configuration",
        2,
    ));
    let v = verdict(&client, "adele@contoso.example", "Sesame-Demo-2").await;
    assert!(matches!(v, PasswordVerdict::Unreachable { .. }), "{v:?}");
}

#[tokio::test]
async fn untrusted_tls_and_unresolvable_hosts_are_unreachable() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.extra_root_certs_pem = None; // the sim's CA is not trusted
    let client = EntraClient::new(cfg).unwrap();
    match verdict(&client, "adele@contoso.example", "Sesame-Demo-2").await {
        PasswordVerdict::Unreachable { reason } => assert!(reason.contains("TLS"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let cfg = config(&sim)
        .with_authority_host("https://login.sesame-test.invalid")
        .unwrap();
    let client = EntraClient::new(cfg).unwrap();
    match verdict(&client, "adele@contoso.example", "Sesame-Demo-2").await {
        PasswordVerdict::Unreachable { reason } => assert!(
            reason.contains("DNS") || reason.contains("connect"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
    // Nothing listening.
    let cfg = config(&sim)
        .with_authority_host("https://127.0.0.1:9")
        .unwrap();
    let client = EntraClient::new(cfg).unwrap();
    let v = verdict(&client, "adele@contoso.example", "Sesame-Demo-2").await;
    assert!(matches!(v, PasswordVerdict::Unreachable { .. }), "{v:?}");
}

#[tokio::test]
async fn throttling_by_the_tenant_gives_retry_after() {
    let mut tenant = entra_sim::Tenant::demo();
    tenant.throttling.app_requests_per_minute = 2;
    tenant.throttling.retry_after_seconds = 30;
    let sim = sim_with(tenant).await;
    let client = client(&sim);
    let mut seen = None;
    for _ in 0..4 {
        let v = verdict(&client, "adele@contoso.example", "Wrong-1").await;
        if let PasswordVerdict::Throttled {
            retry_after_secs, ..
        } = v
        {
            seen = Some(retry_after_secs);
            break;
        }
    }
    assert_eq!(seen, Some(Some(30)));
}

/// A clock the test moves.
#[derive(Debug, Default)]
struct MovableClock(std::sync::atomic::AtomicU64);

impl sesame_entra::Clock for MovableClock {
    fn now(&self) -> std::time::SystemTime {
        std::time::SystemTime::now()
            + std::time::Duration::from_secs(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

#[tokio::test]
async fn discovery_is_cached_for_its_ttl_then_refetched() {
    let sim = sim().await;
    let clock = std::sync::Arc::new(MovableClock::default());
    let client = EntraClient::with_clock(config(&sim), clock.clone()).unwrap();
    assert_eq!(
        verdict(&client, "adele@contoso.example", "Sesame-Demo-2").await,
        PasswordVerdict::Verified
    );
    // Discovery now fails, but the cached documents are still fresh.
    sim.inject_fault(Fault::on_path(
        FaultKind::Status { status: 503 },
        "openid-configuration",
        100,
    ));
    assert_eq!(
        verdict(&client, "adele@contoso.example", "Wrong-1").await,
        PasswordVerdict::WrongPassword { code: 50126 }
    );
    // 25 hours later the cache has expired: the refetch meets the outage.
    // (Only discovery is faulted; the ID token's time checks are not reached.)
    clock
        .0
        .store(25 * 3600, std::sync::atomic::Ordering::SeqCst);
    let v = verdict(&client, "adele@contoso.example", "Wrong-1").await;
    assert!(matches!(v, PasswordVerdict::Unreachable { .. }), "{v:?}");
}
