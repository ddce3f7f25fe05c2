//! The menu's information lines, word for word: what the user reads about
//! the last and next check, and when "Check Now" is greyed out.

use sesame_core::recheck::{MenuLinks, Record, SyncState, menu};
use time::Duration;
use time::macros::datetime;

fn links() -> MenuLinks {
    MenuLinks {
        change_password: "https://mysignins.microsoft.com/security-info/password/change".into(),
        reset_password: "https://passwordreset.microsoftonline.com/".into(),
        help: None,
        log_path: "/var/log/sesame/sync.log".into(),
    }
}

fn lines(r: &Record, now: time::OffsetDateTime) -> Vec<String> {
    menu(r, &links(), None, None, now)
        .items
        .iter()
        .filter(|i| i.action.is_none())
        .map(|i| i.label.clone())
        .collect()
}

fn check_now_enabled(r: &Record, now: time::OffsetDateTime) -> bool {
    menu(r, &links(), None, None, now)
        .items
        .iter()
        .find(|i| i.label == "Check Now")
        .map(|i| i.enabled)
        .unwrap_or(false)
}

#[test]
fn the_menu_says_when_the_last_and_next_checks_are() {
    let now = datetime!(2026-03-07 09:05:59 UTC);
    let mut r = Record::new(datetime!(2026-03-07 10:25 UTC));
    assert_eq!(
        lines(&r, now),
        [
            "Password not checked yet",
            "Last check: never",
            "Next check: 2026-03-07 10:25 UTC"
        ]
    );
    r.state = SyncState::InSync;
    r.last_check = Some(datetime!(2026-03-07 08:04:30 UTC));
    assert_eq!(lines(&r, now)[1], "Last check: 2026-03-07 08:04 UTC");
    r.next_due = None;
    assert_eq!(
        lines(&r, now)[2],
        "Next check: when you update your password"
    );
}

#[test]
fn during_a_hold_the_menu_says_not_before_and_greys_out_check_now() {
    let now = datetime!(2026-03-07 09:00 UTC);
    let mut r = Record::new(now + Duration::minutes(10));
    r.state = SyncState::Locked;
    r.hold_until = Some(datetime!(2026-03-07 11:00 UTC));
    assert_eq!(
        lines(&r, now)[2],
        "Next check: not before 2026-03-07 11:00 UTC"
    );
    assert!(!check_now_enabled(&r, now));
    // The hold is over: the next check is shown and can be made now.
    let later = datetime!(2026-03-07 11:00 UTC);
    assert_eq!(lines(&r, later)[2], "Next check: 2026-03-07 09:10 UTC");
    assert!(check_now_enabled(&r, later));
}
