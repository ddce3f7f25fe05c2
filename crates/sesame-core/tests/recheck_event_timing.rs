//! When the next check comes, for every machine of a fleet, as a helpdesk
//! person tells a user: within one interval of now, at the machine's own
//! minute, and — after a network change or a wake — never inside the
//! debounce (a flapping network settles before anything is sent), even when
//! the machine's minute is only seconds away.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use sesame_core::recheck::jitter::seed_from;
use sesame_core::recheck::{Event, Policy, Record, SyncState, on_event};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-11-02 09:00 UTC);

fn machines() -> impl Iterator<Item = u64> {
    (0..400).map(|i| seed_from(&format!("mac-{i:06}.corp.example/ada")))
}

/// The machine's minute: seconds past the start of each interval.
fn offset(t: OffsetDateTime, policy: &Policy) -> i64 {
    t.unix_timestamp()
        .rem_euclid(policy.interval.whole_seconds())
}

#[test]
fn the_next_regular_slot_is_always_within_one_interval_at_the_machines_minute() {
    for minutes in [60, 240, 1440] {
        let policy = Policy::from_minutes(minutes, true);
        let mut late_half = 0;
        for seed in machines() {
            let minute = offset(policy.phase_due(seed, T0), &policy);
            if minute * 2 > policy.interval.whole_seconds() {
                late_half += 1;
            }
            for k in 0..7 {
                let after = T0 + Duration::seconds(k * 1_237);
                let due = policy.phase_due(seed, after);
                assert!(
                    due >= after && due < after + policy.interval,
                    "every {minutes} min, machine {seed:x} after {after}: {due}"
                );
                assert_eq!(offset(due, &policy), minute, "the same minute every time");
            }
        }
        assert!(
            late_half > 100,
            "machines with a minute in the second half: {late_half}"
        );
    }
}

#[test]
fn an_event_moves_the_check_past_the_debounce_even_when_the_slot_is_seconds_away() {
    let policy = Policy::from_minutes(60, true);
    for seed in machines() {
        let slot = policy.phase_due(seed, T0);
        // The machine's slot comes 10 s after the network change.
        let now = slot - Duration::seconds(10);
        let mut record = Record::new(slot);
        record.state = SyncState::InSync;
        let after = on_event(&record, &policy, seed, Event::NetworkChanged, now);
        let due = after.next_due.unwrap();
        assert!(
            due >= now + policy.debounce,
            "machine {seed:x}: a check {} after the event",
            due - now
        );
        assert_eq!(
            due,
            slot + policy.interval,
            "the next slot of its own minute"
        );
    }
}
