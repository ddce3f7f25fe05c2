use super::*;
use crate::recheck::expiry::{ExpiryFacts, expires_at, expiry_warning};
use crate::recheck::menu::{MenuAction, MenuLinks, menu};
use crate::recheck::quiet::{QuietBlocker, RefreshAnswer, after_refresh, quiet_mode_blocker};
use crate::recheck::state::{Record, SyncState};
use crate::verdict::PasswordVerdict as V;

#[test]
fn state_names_are_the_json_values() {
    for s in SyncState::ALL {
        assert_eq!(serde_json::to_value(s).unwrap(), s.name());
        assert!(!s.headline().is_empty());
    }
    let names: Vec<_> = SyncState::ALL.iter().map(|s| s.name()).collect();
    for want in [
        "in_sync",
        "cloud_password_changed",
        "locked",
        "expired",
        "disabled",
        "not_assigned",
        "offline",
        "throttled",
        "needs_sign_in",
        "misconfigured",
    ] {
        assert!(names.contains(&want), "{want}");
    }
}

#[test]
fn when_the_password_expires() {
    let day = Duration::days(1);
    let changed = T0 - Duration::days(80);
    // (facts, expiry)
    let table = vec![
        (
            ExpiryFacts {
                pwd_exp: Some(T0 + day),
                last_change: Some(changed),
                validity_days: Some(90),
                ..Default::default()
            },
            Some(T0 + day),
        ),
        (
            ExpiryFacts {
                last_change: Some(changed),
                validity_days: Some(90),
                ..Default::default()
            },
            Some(changed + Duration::days(90)),
        ),
        (
            ExpiryFacts {
                last_change: Some(changed),
                validity_days: Some(90),
                password_policies: Some("DisablePasswordExpiration".into()),
                ..Default::default()
            },
            None,
        ),
        (
            ExpiryFacts {
                last_change: Some(changed),
                validity_days: Some(90),
                password_policies: Some("DisableStrongPassword, DisablePasswordExpiration".into()),
                ..Default::default()
            },
            None,
        ),
        (
            ExpiryFacts {
                last_change: Some(changed),
                validity_days: Some(90),
                password_policies: Some("DisableStrongPassword".into()),
                ..Default::default()
            },
            Some(changed + Duration::days(90)),
        ),
        (
            ExpiryFacts {
                last_change: Some(changed),
                validity_days: Some(2_147_483_647),
                ..Default::default()
            },
            None,
        ),
        (
            ExpiryFacts {
                last_change: Some(changed),
                validity_days: Some(0),
                ..Default::default()
            },
            None,
        ),
        (
            ExpiryFacts {
                last_change: None,
                validity_days: Some(90),
                ..Default::default()
            },
            None,
        ),
        (ExpiryFacts::default(), None),
    ];
    for (facts, want) in table {
        assert_eq!(expires_at(&facts), want, "{facts:?}");
    }
}

#[test]
fn the_expiry_warning_starts_n_days_ahead() {
    let d = |n| T0 + Duration::days(n);
    // (expires, warn days, days left or None)
    for (expires, warn, want) in [
        (d(15), 14, None),
        (d(14), 14, Some((14, false))),
        (d(3) + Duration::hours(5), 14, Some((3, false))),
        (T0 + Duration::hours(5), 14, Some((0, false))),
        (T0, 14, Some((0, true))),
        (d(-2), 14, Some((0, true))),
        (d(1), 0, None),
        (T0 + Duration::hours(1), 0, Some((0, false))),
    ] {
        let w = expiry_warning(Some(expires), T0, warn);
        assert_eq!(
            w.as_ref().map(|w| (w.days_left, w.expired)),
            want,
            "{expires} warn {warn}"
        );
    }
    assert_eq!(expiry_warning(None, T0, 14), None);
    let w = expiry_warning(Some(d(3)), T0, 14).unwrap();
    assert_eq!(w.line(), "Your password expires in 3 days");
}

#[test]
fn quiet_mode_says_when_it_cannot_work() {
    // (refresh token, confidential client, password sign-in, blocker)
    for (rt, conf, pw, want) in [
        (true, false, true, None),
        (false, false, true, Some(QuietBlocker::NoRefreshToken)),
        (true, true, true, Some(QuietBlocker::ConfidentialClient)),
        (true, false, false, Some(QuietBlocker::Passwordless)),
        (false, true, false, Some(QuietBlocker::Passwordless)),
    ] {
        assert_eq!(quiet_mode_blocker(rt, conf, pw), want);
    }
    assert!(
        QuietBlocker::ConfidentialClient
            .warning()
            .contains("OIDCClientSecret")
    );
}

#[test]
fn quiet_mode_reads_a_revoked_refresh_token_as_a_password_change() {
    let p = hourly();
    // (answer, state)
    for (answer, want) in [
        (RefreshAnswer::Refreshed, SyncState::InSync),
        (
            RefreshAnswer::Refused { code: Some(50173) },
            SyncState::CloudPasswordChanged,
        ),
        (
            RefreshAnswer::Refused { code: Some(50133) },
            SyncState::CloudPasswordChanged,
        ),
        (
            RefreshAnswer::Refused { code: Some(700082) },
            SyncState::NeedsSignIn,
        ),
        (
            RefreshAnswer::Refused { code: None },
            SyncState::NeedsSignIn,
        ),
        (
            RefreshAnswer::Transient(V::Unreachable {
                reason: "dns".into(),
            }),
            SyncState::Offline,
        ),
    ] {
        let mut r = Record::new(T0);
        after_refresh(&mut r, &answer, &p, SEED, T0);
        assert_eq!(r.state, want, "{answer:?}");
        assert_eq!(r.last_check, Some(T0));
    }
}

fn links(help: Option<&str>) -> MenuLinks {
    MenuLinks {
        change_password: "https://mysignins.microsoft.com/security-info/password/change".into(),
        reset_password: "https://passwordreset.microsoftonline.com/".into(),
        help: help.map(str::to_owned),
        log_path: "/var/log/sesame/sync.log".into(),
    }
}

fn labels(m: &crate::recheck::Menu) -> Vec<(String, bool)> {
    m.items
        .iter()
        .map(|i| (i.label.clone(), i.enabled))
        .collect()
}

#[test]
fn the_menu_offers_what_each_state_needs() {
    let mut r = Record::new(T0);
    r.state = SyncState::InSync;
    r.last_check = Some(T0);
    r.next_due = Some(T0 + min(61));
    let m = menu(&r, &links(Some("https://help.example/")), None, None, T0);
    let l = labels(&m);
    assert_eq!(l[0].0, "Password in sync with Microsoft");
    assert!(l.contains(&("Last check: 2026-11-02 09:00 UTC".into(), false)));
    assert!(l.contains(&("Next check: 2026-11-02 10:01 UTC".into(), false)));
    assert!(l.contains(&("Check Now".into(), true)));
    assert!(l.contains(&("Get Help…".into(), true)));
    assert!(
        !l.iter()
            .any(|(x, _)| x.contains("Password…") && x.contains("New"))
    );
    let open: Vec<_> = m
        .items
        .iter()
        .filter_map(|i| match &i.action {
            Some(MenuAction::Open(u)) => Some(u.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        open,
        [
            "https://mysignins.microsoft.com/security-info/password/change",
            "https://passwordreset.microsoftonline.com/",
            "https://help.example/"
        ]
    );

    r.state = SyncState::CloudPasswordChanged;
    r.next_due = None;
    let l = labels(&menu(&r, &links(None), None, None, T0));
    assert!(l.contains(&("Type New Password…".into(), true)));
    assert!(
        l.contains(&("Check Now".into(), false)),
        "Check now cannot resend a wrong password"
    );
    assert!(l.contains(&("Next check: when you update your password".into(), false)));
    assert!(
        !l.iter().any(|(x, _)| x == "Get Help…"),
        "no help link without HelpURL"
    );

    r.state = SyncState::Locked;
    r.hold_until = Some(T0 + min(60));
    r.next_due = Some(T0 + min(61));
    let exp = expiry_warning(Some(T0 + Duration::days(2)), T0, 14);
    let l = labels(&menu(&r, &links(None), exp.as_ref(), Some("quiet"), T0));
    assert!(l.contains(&("Check Now".into(), false)));
    assert!(l.contains(&("Next check: not before 2026-11-02 10:00 UTC".into(), false)));
    assert!(l.contains(&("Your password expires in 2 days".into(), false)));
    assert!(l.contains(&("quiet".into(), false)));

    r.state = SyncState::NeedsSignIn;
    let l = labels(&menu(&r, &links(None), None, None, T0 + min(90)));
    assert!(l.contains(&("Sign In…".into(), true)));
}
