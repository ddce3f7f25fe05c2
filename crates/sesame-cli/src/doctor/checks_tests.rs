use super::*;

fn healthy() -> Observations {
    Observations {
        discovery: Answer::Accepted,
        app_probe: Some(entra("invalid_request", 900144)),
        authorize_probe: Some(Answer::Accepted),
        password: Some(PasswordSeen {
            verdict: PasswordVerdict::Verified,
            codes: vec![],
            claims: Some((GroupsSeen::Listed, true)),
        }),
        secret_configured: false,
        uses_groups: true,
        success_codes: vec![50076, 50079, 50074, 50158, 53003, 53000, 53001],
        same_client: true,
        ropg_auto: false,
    }
}

fn entra(error: &str, code: u32) -> Answer {
    Answer::Entra {
        error: error.into(),
        codes: vec![code],
    }
}

fn password(verdict: PasswordVerdict, codes: &[u32]) -> Option<PasswordSeen> {
    Some(PasswordSeen {
        verdict,
        codes: codes.to_vec(),
        claims: None,
    })
}

/// The checks that are not `pass`, as (name, status, codes).
fn problems(obs: &Observations) -> Vec<(&'static str, Status, Vec<u32>)> {
    evaluate(obs)
        .into_iter()
        .filter(|c| c.status != Status::Pass)
        .map(|c| (c.name, c.status, c.codes))
        .collect()
}

#[test]
fn a_healthy_tenant_is_all_green_with_every_check_listed() {
    let checks = evaluate(&healthy());
    let names: Vec<_> = checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "discovery",
            "tenant",
            "client_id",
            "public_client_flows",
            "redirect_uri",
            "ropg_endpoint",
            "password_check",
            "mfa_on_ropg_app",
            "user_assignment",
            "conditional_access",
            "groups_claim",
            "preferred_username"
        ]
    );
    assert!(
        checks
            .iter()
            .all(|c| c.status == Status::Pass && c.fix.is_empty())
    );
}

#[test]
fn without_a_test_user_only_the_app_checks_run() {
    let obs = Observations {
        password: None,
        ..healthy()
    };
    let names: Vec<_> = evaluate(&obs).iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "discovery",
            "tenant",
            "client_id",
            "public_client_flows",
            "redirect_uri"
        ]
    );
}

#[test]
fn each_misconfiguration_fails_exactly_its_check() {
    type Case = (
        &'static str,
        Box<dyn Fn(&mut Observations)>,
        Vec<(&'static str, Status, Vec<u32>)>,
    );
    let cases: Vec<Case> = vec![
        (
            "unknown tenant",
            Box::new(|o| o.discovery = entra("invalid_request", 90002)),
            vec![("tenant", Status::Fail, vec![90002])],
        ),
        (
            "unknown client ID",
            Box::new(|o| {
                o.app_probe = Some(entra("unauthorized_client", 700016));
                o.authorize_probe = Some(entra("error_page", 700016));
            }),
            vec![("client_id", Status::Fail, vec![700016])],
        ),
        (
            "public client flows off",
            Box::new(|o| o.app_probe = Some(entra("invalid_client", 7000218))),
            vec![("public_client_flows", Status::Fail, vec![7000218])],
        ),
        (
            "wrong secret",
            Box::new(|o| {
                o.secret_configured = true;
                o.app_probe = Some(entra("invalid_client", 7000215));
            }),
            vec![("client_secret", Status::Fail, vec![7000215])],
        ),
        (
            "expired secret",
            Box::new(|o| {
                o.secret_configured = true;
                o.app_probe = Some(entra("invalid_client", 7000222));
            }),
            vec![("client_secret", Status::Fail, vec![7000222])],
        ),
        (
            "secret sent to a public client",
            Box::new(|o| {
                o.secret_configured = true;
                o.app_probe = Some(entra("invalid_client", 700025));
            }),
            vec![("client_secret", Status::Fail, vec![700025])],
        ),
        (
            "redirect URI not registered",
            Box::new(|o| o.authorize_probe = Some(entra("invalid_request", 50011))),
            vec![("redirect_uri", Status::Fail, vec![50011])],
        ),
        (
            "no redirect URI at all",
            Box::new(|o| o.authorize_probe = Some(entra("invalid_request", 500113))),
            vec![("redirect_uri", Status::Fail, vec![500113])],
        ),
        (
            "v1 resource sent to v2",
            Box::new(|o| {
                o.password = password(
                    PasswordVerdict::Misconfigured {
                        code: Some(901002),
                        fix: String::new(),
                    },
                    &[901002],
                )
            }),
            vec![("ropg_endpoint", Status::Fail, vec![901002])],
        ),
        (
            "missing scope/resource",
            Box::new(|o| {
                o.password = password(
                    PasswordVerdict::Misconfigured {
                        code: Some(900144),
                        fix: String::new(),
                    },
                    &[900144],
                )
            }),
            vec![("ropg_endpoint", Status::Fail, vec![900144])],
        ),
        (
            "MFA on the ROPG app",
            Box::new(|o| {
                o.password = password(
                    PasswordVerdict::VerifiedInterrupted { code: 50076 },
                    &[50076],
                )
            }),
            vec![("mfa_on_ropg_app", Status::Warn, vec![50076])],
        ),
        (
            "assignment required",
            Box::new(|o| {
                o.password = password(PasswordVerdict::NotAssigned { code: 50105 }, &[50105])
            }),
            vec![("user_assignment", Status::Fail, vec![50105])],
        ),
        (
            "compliant device required",
            Box::new(|o| {
                o.password = password(
                    PasswordVerdict::VerifiedInterrupted { code: 53000 },
                    &[53000],
                )
            }),
            vec![("conditional_access", Status::Fail, vec![53000])],
        ),
        (
            "hybrid join required",
            Box::new(|o| {
                o.password = password(
                    PasswordVerdict::VerifiedInterrupted { code: 53001 },
                    &[53001],
                )
            }),
            vec![("conditional_access", Status::Fail, vec![53001])],
        ),
        (
            "wrong test password",
            Box::new(|o| {
                o.password = password(PasswordVerdict::WrongPassword { code: 50126 }, &[50126])
            }),
            vec![("password_check", Status::Fail, vec![50126])],
        ),
        (
            "group overage",
            Box::new(|o| {
                if let Some(p) = o.password.as_mut() {
                    p.claims = Some((GroupsSeen::Overage, true));
                }
            }),
            vec![("groups_claim", Status::Warn, vec![])],
        ),
        (
            "no groups claim but groups used",
            Box::new(|o| {
                if let Some(p) = o.password.as_mut() {
                    p.claims = Some((GroupsSeen::NotEmitted, true));
                }
            }),
            vec![("groups_claim", Status::Fail, vec![])],
        ),
        (
            "no preferred_username",
            Box::new(|o| {
                if let Some(p) = o.password.as_mut() {
                    p.claims = Some((GroupsSeen::Listed, false));
                }
            }),
            vec![("preferred_username", Status::Fail, vec![])],
        ),
    ];
    for (what, change, expected) in cases {
        let mut obs = healthy();
        change(&mut obs);
        assert_eq!(problems(&obs), expected, "{what}");
        for c in evaluate(&obs).iter().filter(|c| c.status != Status::Pass) {
            assert!(!c.fix.is_empty(), "{what}: {} has no fix", c.name);
        }
    }
}

#[test]
fn an_unknown_oidc_app_beside_a_good_ropg_app_is_named_separately() {
    let obs = Observations {
        same_client: false,
        authorize_probe: Some(entra("error_page", 700016)),
        ..healthy()
    };
    assert_eq!(
        problems(&obs),
        [("oidc_client_id", Status::Fail, vec![700016])]
    );
}

#[test]
fn a_protocol_mix_up_under_auto_is_a_warning_not_a_failure() {
    let obs = Observations {
        ropg_auto: true,
        password: password(
            PasswordVerdict::Misconfigured {
                code: Some(901002),
                fix: String::new(),
            },
            &[901002],
        ),
        ..healthy()
    };
    assert_eq!(
        problems(&obs),
        [("ropg_endpoint", Status::Warn, vec![901002])]
    );
}

#[test]
fn mfa_code_outside_the_success_codes_is_a_failure_with_the_code_to_add() {
    let obs = Observations {
        success_codes: vec![],
        password: password(
            PasswordVerdict::Unknown {
                code: Some(50076),
                raw: String::new(),
            },
            &[50076],
        ),
        ..healthy()
    };
    let mfa = evaluate(&obs)
        .into_iter()
        .find(|c| c.name == "mfa_on_ropg_app")
        .unwrap();
    assert_eq!(mfa.status, Status::Fail);
    assert!(
        mfa.fix.contains("two-app pattern") && mfa.fix.contains("add 50076"),
        "{}",
        mfa.fix
    );
}

#[test]
fn unreachable_discovery_stops_the_list_with_a_network_fix() {
    let obs = Observations {
        discovery: Answer::Unusable("connection refused".into()),
        ..healthy()
    };
    let checks = evaluate(&obs);
    assert_eq!(checks.len(), 1);
    assert_eq!(
        (checks[0].name, checks[0].status),
        ("discovery", Status::Fail)
    );
    assert!(checks[0].fix.contains("AuthorityHost"));
}

#[test]
fn json_has_the_documented_fields() {
    let v = evaluate(&healthy())[0].to_json();
    for k in ["name", "status", "codes", "fix"] {
        assert!(v.get(k).is_some(), "{k}");
    }
    assert_eq!(v["status"], "pass");
}

#[test]
fn the_password_check_says_what_the_answer_proves_about_the_password() {
    let detail = |v: PasswordVerdict, codes: &[u32]| {
        let mut obs = healthy();
        obs.password = password(v, codes);
        evaluate(&obs)
            .into_iter()
            .find(|c| c.name == "password_check")
            .map(|c| c.detail)
            .unwrap_or_default()
    };
    let cases = [
        (PasswordVerdict::Verified, &[][..], "password: right ("),
        (
            PasswordVerdict::WrongPassword { code: 50126 },
            &[50126][..],
            "password: wrong (",
        ),
        (
            PasswordVerdict::Locked { code: 50053 },
            &[50053][..],
            "password: unknown (",
        ),
        (
            PasswordVerdict::NotAPasswordAnswer { code: 700082 },
            &[700082][..],
            "password: nothing (not applicable",
        ),
    ];
    for (v, codes, says) in cases {
        let d = detail(v.clone(), codes);
        assert!(d.contains(says), "{v:?}: {d}");
    }
}
