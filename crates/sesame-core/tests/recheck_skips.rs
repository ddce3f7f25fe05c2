//! What `sesame-menubar check-now` and the sync log say when no check is
//! sent: why, and what the person can do about it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use sesame_core::recheck::Skip;
use time::macros::datetime;

#[test]
fn each_skipped_check_says_why_and_what_to_do() {
    for (skip, says) in [
        (Skip::NotDue, "the next check is not due yet".to_owned()),
        (
            Skip::CalledWrong,
            "Entra said the stored password is wrong; it is never sent again: type the new password (sesame-menubar sync)".to_owned(),
        ),
        (
            Skip::Held(datetime!(2026-11-28 10:15 UTC)),
            "nothing is sent to Entra before 2026-11-28T10:15:00Z (lockout or Retry-After)"
                .to_owned(),
        ),
        (
            Skip::Offline,
            "no network: checking when it is back".to_owned(),
        ),
        (
            Skip::NothingStored,
            "no password is stored for this user: sign in at the login window or run sesame-menubar sync".to_owned(),
        ),
        (
            Skip::UnusablePassword,
            "the stored password starts or ends with a space, which Entra does not allow, so it is not sent: run sesame-menubar sync".to_owned(),
        ),
    ] {
        assert_eq!(skip.explain(), says, "{skip:?}");
    }
}

/// While offline, each look-again is a fresh draw within the interval ±10 %:
/// a Mac that stays offline does not come back at the same point of the
/// interval every time (a fleet behind one outage spreads out).
#[test]
fn each_look_again_while_offline_is_a_fresh_draw() {
    use sesame_core::recheck::{Policy, Record, SyncState, after_skip};
    let policy = Policy::from_minutes(60, true);
    let t0 = datetime!(2026-11-28 08:00 UTC);
    let mut record = Record::new(t0);
    let mut waits = Vec::new();
    for n in 0..4 {
        let now = t0 + time::Duration::hours(2 * n);
        after_skip(&mut record, Skip::Offline, &policy, 42, now);
        assert_eq!(record.state, SyncState::Offline);
        let wait = record.next_due.expect("a next check") - now;
        assert!(
            wait >= time::Duration::minutes(54) && wait <= time::Duration::minutes(66),
            "{wait}"
        );
        waits.push(wait);
    }
    waits.sort();
    waits.dedup();
    assert_eq!(waits.len(), 4, "each look-again is drawn afresh: {waits:?}");
}
