//! When the menu-bar daemon looks again after Entra throttled it: repeated
//! throttling backs off further each time.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use sesame_core::recheck::{Policy, Record, after_answer};
use sesame_core::verdict::PasswordVerdict;
use time::Duration;
use time::macros::datetime;

/// The waits until the next check after `verdict` answers `n` checks in a row.
fn waits_after(verdict: &PasswordVerdict, n: i64) -> Vec<Duration> {
    let policy = Policy::from_minutes(60, true);
    let t0 = datetime!(2026-11-28 08:00 UTC);
    let mut record = Record::new(t0);
    (0..n)
        .map(|i| {
            let now = t0 + Duration::hours(3 * i);
            after_answer(&mut record, verdict, &policy, 42, now);
            record.next_due.expect("a next check") - now
        })
        .collect()
}

#[test]
fn repeated_throttling_without_retry_after_backs_off_further_each_time() {
    let throttled = PasswordVerdict::Throttled {
        code: None,
        retry_after_secs: None,
    };
    let waits = waits_after(&throttled, 3);
    // One minute doubled per throttle in a row, the last quarter jittered.
    for (w, full) in waits.iter().zip([1, 2, 4]) {
        let full = Duration::minutes(full);
        assert!(*w >= full * 0.75 && *w <= full, "{w} for {full}: {waits:?}");
    }
}

/// Each back-off is jittered afresh (a fleet that lost Entra together does
/// not come back in step): the jittered share of each wait differs.
#[test]
fn each_back_off_is_jittered_afresh() {
    let outage = PasswordVerdict::Unreachable {
        reason: "timed out after 10 s".into(),
    };
    let waits = waits_after(&outage, 3);
    let mut shares: Vec<i128> = waits
        .iter()
        .zip([1i32, 2, 4])
        .map(|(w, full)| (*w / full).whole_milliseconds())
        .collect();
    shares.sort();
    shares.dedup();
    assert_eq!(shares.len(), 3, "{waits:?}");
}
