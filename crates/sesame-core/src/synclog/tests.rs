use super::*;
use crate::verdict::PasswordVerdict;
use time::macros::datetime;

fn sample() -> SyncEvent {
    SyncEvent::new(
        datetime!(2026-11-22 09:30:00 UTC),
        "mac-042",
        Component::Menubar,
        EventKind::PasswordCheck,
        "Entra accepted the password; MFA stopped token issuance.",
    )
    .with_user("alice@contoso.com", Some("alice".into()))
    .with_password_verdict(&PasswordVerdict::VerifiedInterrupted { code: 50076 })
    .with_ids(
        Some(Uuid::from_u128(0x1111_2222_3333_4444_5555_6666_7777_8888)),
        Some(Uuid::from_u128(0x9999_aaaa_bbbb_cccc_dddd_eeee_ffff_0000)),
    )
    .with_duration(std::time::Duration::from_millis(412))
}

#[test]
fn an_event_is_one_json_line_with_the_documented_keys() {
    let line = sample().to_line().unwrap();
    assert!(line.ends_with('\n'));
    assert_eq!(line.matches('\n').count(), 1, "{line}");
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["time"], "2026-11-22T09:30:00Z");
    assert_eq!(v["host"], "mac-042");
    assert_eq!(v["component"], "menubar");
    assert_eq!(v["user"]["upn"], "alice@contoso.com");
    assert_eq!(v["user"]["short_name"], "alice");
    assert_eq!(v["event"], "password_check");
    assert_eq!(v["verdict"], "verified_interrupted");
    assert_eq!(v["codes"], serde_json::json!([50076]));
    assert_eq!(v["trace_id"], "11112222-3333-4444-5555-666677778888");
    assert_eq!(v["correlation_id"], "9999aaaa-bbbb-cccc-dddd-eeeeffff0000");
    assert_eq!(v["duration_ms"], 412);
    assert!(v["message"].as_str().unwrap().contains("MFA"));
}

#[test]
fn a_line_round_trips() {
    let e = sample();
    assert_eq!(SyncEvent::from_line(&e.to_line().unwrap()).unwrap(), e);
}

#[test]
fn a_message_with_newlines_stays_on_one_line() {
    let e = SyncEvent::new(
        datetime!(2026-11-22 09:30:00 UTC),
        "h",
        Component::Agent,
        EventKind::SignIn,
        "first\nsecond\r\nthird",
    );
    let line = e.to_line().unwrap();
    assert_eq!(line.matches('\n').count(), 1);
    assert_eq!(SyncEvent::from_line(&line).unwrap().message, e.message);
}

#[test]
fn empty_fields_are_left_out() {
    let e = SyncEvent::new(
        datetime!(2026-11-22 09:30:00 UTC),
        "h",
        Component::Cli,
        EventKind::ProfileLoaded,
        "ok",
    );
    let v: serde_json::Value = serde_json::from_str(&e.to_line().unwrap()).unwrap();
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 5, "{keys:?}");
}

#[test]
fn unknown_names_from_a_newer_log_still_read() {
    let line = r#"{"time":"2026-11-22T09:30:00Z","host":"h","component":"vpn","event":"teleported","message":"m"}"#;
    let e = SyncEvent::from_line(line).unwrap();
    assert_eq!(e.component, Component::Other);
    assert_eq!(e.event, EventKind::Other);
}

#[test]
fn a_torn_or_foreign_line_is_an_error_not_a_panic() {
    for bad in [
        "",
        "{",
        r#"{"time":"yesterday"}"#,
        "<html>",
        "{\"time\":\"2026-11-22T09:30:00Z\"",
    ] {
        assert!(SyncEvent::from_line(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn password_verdict_free_text_never_reaches_the_event() {
    let v = PasswordVerdict::Unknown {
        code: Some(9_999_999),
        raw: "Secret-Hunter2 leaked in a body".into(),
    };
    let e = sample().with_codes([]).with_password_verdict(&v);
    let line = e.to_line().unwrap();
    assert!(!line.contains("Hunter2"), "{line}");
    assert_eq!(e.verdict, Some(Verdict::Unknown));
    assert_eq!(e.codes, vec![9_999_999]);
}

#[test]
fn a_log_line_says_what_the_answer_proves_about_the_password() {
    use PasswordVerdict as P;
    // Fixed expected answers, as a helpdesk person reads them in the line.
    let cases = [
        (
            P::VerifiedInterrupted { code: 50076 },
            "verified_interrupted",
            Some("right"),
        ),
        (
            P::WrongPassword { code: 50126 },
            "wrong_password",
            Some("wrong"),
        ),
        (
            P::PasswordExpired { code: 50144 },
            "password_expired",
            Some("right"),
        ),
        (
            P::NotAPasswordAnswer { code: 700082 },
            "not_a_password_answer",
            Some("nothing"),
        ),
        (
            P::Misconfigured {
                code: Some(7000218),
                fix: String::new(),
            },
            "misconfigured",
            Some("nothing"),
        ),
        (P::Locked { code: 50053 }, "locked", Some("unknown")),
    ];
    for (v, verdict, proof) in cases {
        let line = sample().with_password_verdict(&v).to_line().unwrap();
        let json: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(json["verdict"], verdict, "{line}");
        assert_eq!(json["password_verified"].as_str(), proof, "{line}");
        let back = SyncEvent::from_line(&line).unwrap();
        assert_eq!(back.password_verified, Some(v.proof()));
    }
    // Steps that are not password answers carry no proof.
    let line = sample().with_verdict(Verdict::Pass).to_line().unwrap();
    assert!(!line.contains("password_verified"), "{line}");
}

#[test]
fn event_names_match_their_json() {
    for k in EventKind::ALL {
        assert_eq!(serde_json::to_value(k).unwrap(), k.name());
        assert_eq!(EventKind::from_name(k.name()), Some(k));
    }
    assert_eq!(EventKind::from_name("other"), None);
}

#[test]
fn filter_by_user_matches_upn_or_short_name_ignoring_case() {
    let e = sample();
    let by = |u: &str| EventFilter {
        user: Some(u.into()),
        ..Default::default()
    };
    assert!(by("ALICE@contoso.com").matches(&e));
    assert!(by("alice").matches(&e));
    assert!(!by("bob").matches(&e));
    let mut no_short_name = e.clone();
    no_short_name.user = Some(LogUser {
        upn: "lynne@contoso.com".into(),
        short_name: None,
    });
    assert!(
        by("Lynne").matches(&no_short_name),
        "the UPN's name part matches"
    );
    assert!(!by("contoso.com").matches(&no_short_name));
    assert!(!by("").matches(&no_short_name));
    let mut anonymous = e.clone();
    anonymous.user = None;
    assert!(!by("alice").matches(&anonymous));
    assert!(EventFilter::default().matches(&anonymous));
}

#[test]
fn filter_by_since_and_event() {
    let e = sample();
    let since = |t| EventFilter {
        since: Some(t),
        ..Default::default()
    };
    assert!(since(datetime!(2026-11-22 09:30:00 UTC)).matches(&e));
    assert!(!since(datetime!(2026-11-22 09:30:01 UTC)).matches(&e));
    let kind = |k| EventFilter {
        event: Some(k),
        ..Default::default()
    };
    assert!(kind(EventKind::PasswordCheck).matches(&e));
    assert!(!kind(EventKind::SignIn).matches(&e));
}

#[test]
fn since_accepts_times_dates_and_ages() {
    let now = datetime!(2026-11-22 12:00:00 UTC);
    assert_eq!(
        parse_since("2026-11-22T09:30:00Z", now).unwrap(),
        datetime!(2026-11-22 09:30:00 UTC)
    );
    assert_eq!(
        parse_since("2026-11-21", now).unwrap(),
        datetime!(2026-11-21 00:00:00 UTC)
    );
    assert_eq!(
        parse_since("90s", now).unwrap(),
        datetime!(2026-11-22 11:58:30 UTC)
    );
    assert_eq!(
        parse_since("30m", now).unwrap(),
        datetime!(2026-11-22 11:30:00 UTC)
    );
    assert_eq!(
        parse_since("2h", now).unwrap(),
        datetime!(2026-11-22 10:00:00 UTC)
    );
    assert_eq!(
        parse_since("7d", now).unwrap(),
        datetime!(2026-11-15 12:00:00 UTC)
    );
    for bad in [
        "",
        "yesterday",
        "2x",
        "h",
        "99999999999999999999d",
        "2026-13-01",
    ] {
        let err = parse_since(bad, now).unwrap_err();
        assert!(err.to_string().contains("RFC 3339"), "{bad}: {err}");
    }
}
