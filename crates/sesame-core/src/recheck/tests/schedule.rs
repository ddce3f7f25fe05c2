use super::*;
use crate::recheck::jitter::{fraction, seed_from};
use crate::recheck::schedule::{Event, Policy, on_event};
use crate::recheck::state::{Record, SyncState};

#[test]
fn regular_checks_keep_the_machines_own_phase() {
    let p = hourly();
    assert_eq!(p.regular(), min(60));
    // First checks (and event re-draws) spread over the interval by seed.
    let mut firsts: Vec<i64> = (0..2000u64)
        .map(|i| {
            (p.event_delay(seed_from(&format!("mac-{i}/ada")), 0) - p.debounce).whole_seconds()
        })
        .collect();
    assert!(
        firsts.iter().all(|s| (0..3600).contains(s)),
        "within one interval"
    );
    firsts.sort_unstable();
    firsts.dedup();
    assert!(
        firsts.len() > 1500,
        "machines differ: {} distinct phases",
        firsts.len()
    );
}

#[test]
fn the_same_seed_gives_the_same_schedule_and_fractions_cover_zero_to_one() {
    assert_eq!(fraction(7, 3), fraction(7, 3));
    assert_ne!(fraction(7, 3), fraction(8, 3));
    assert_ne!(fraction(7, 3), fraction(7, 4));
    assert_ne!(seed_from("mac-1/ada"), seed_from("mac-2/ada"));
    let mut buckets = [0u32; 10];
    for n in 0..10_000 {
        let f = fraction(42, n);
        assert!((0.0..1.0).contains(&f));
        buckets[(f * 10.0) as usize] += 1;
    }
    for b in buckets {
        assert!((900..1100).contains(&b), "{buckets:?}");
    }
}

#[test]
fn back_off_doubles_from_a_minute_and_stops_at_the_interval() {
    let p = hourly();
    // (failures, full step in minutes)
    for (failures, full) in [
        (1, 1),
        (2, 2),
        (3, 4),
        (4, 8),
        (5, 16),
        (6, 32),
        (7, 60),
        (30, 60),
    ] {
        for draw in 0..50 {
            let d = p.backoff(failures, SEED, draw);
            let full = min(full);
            assert!(d <= full && d >= full * 0.75, "failures {failures}: {d}");
        }
    }
    assert!(p.backoff(0, SEED, 0) <= min(1));
}

#[test]
fn lockout_waits_an_hour_then_doubles_up_to_a_day() {
    let p = hourly();
    for (n, hours) in [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 24), (40, 24)] {
        assert_eq!(p.lock_wait(n), Duration::hours(hours), "lockout {n}");
    }
}

fn in_sync(next_due: OffsetDateTime) -> Record {
    let mut r = Record::new(next_due);
    r.state = SyncState::InSync;
    r
}

#[test]
fn a_network_change_redraws_the_next_check_within_the_coming_interval() {
    let p = hourly();
    let r = in_sync(T0 + min(50));
    let after = on_event(&r, &p, SEED, Event::NetworkChanged, T0);
    let due = after.next_due.unwrap();
    assert!(
        due >= T0 + p.debounce && due <= T0 + p.debounce + min(60),
        "{due}"
    );
    assert!(after.event_pending);
    assert_eq!(after.draws, r.draws + 1);
}

#[test]
fn events_in_a_burst_are_one_event_and_a_later_event_draws_again() {
    let p = hourly();
    let first = on_event(&in_sync(T0 + min(50)), &p, SEED, Event::NetworkChanged, T0);
    let mut r = first.clone();
    for s in 1..20 {
        let t = T0 + Duration::seconds(s * 3);
        r = on_event(&r, &p, SEED, Event::NetworkChanged, t);
        r = on_event(&r, &p, SEED, Event::Wake, t);
        assert_eq!(
            (r.next_due, r.draws),
            (first.next_due, first.draws),
            "a flapping network adds no check"
        );
    }
    assert_eq!(r.last_event, Some(T0 + Duration::seconds(57)));
    // Quiet for longer than the debounce: the next change is a new event.
    let later = T0 + Duration::seconds(57) + p.debounce;
    let again = on_event(&r, &p, SEED, Event::NetworkChanged, later);
    assert_eq!(again.draws, first.draws + 1);
    assert!(again.next_due.unwrap() >= later + p.debounce);
}

#[test]
fn events_do_nothing_when_the_profile_says_so_except_a_check_owed_from_sleep() {
    let p = Policy::from_minutes(60, false);
    let not_due = in_sync(T0 + min(10));
    assert_eq!(
        on_event(&not_due, &p, SEED, Event::NetworkChanged, T0),
        not_due
    );
    assert_eq!(on_event(&not_due, &p, SEED, Event::Wake, T0), not_due);
    let owed = in_sync(T0 - min(30));
    assert_eq!(on_event(&owed, &p, SEED, Event::NetworkChanged, T0), owed);
    let woke = on_event(&owed, &p, SEED, Event::Wake, T0);
    let due = woke.next_due.unwrap();
    assert!(due > T0 && due <= T0 + p.debounce + min(60));
}

#[test]
fn an_event_never_schedules_what_the_rules_forbid() {
    let p = hourly();
    let mut wrong = in_sync(T0);
    wrong.state = SyncState::CloudPasswordChanged;
    wrong.next_due = None;
    assert_eq!(on_event(&wrong, &p, SEED, Event::NetworkChanged, T0), wrong);
    // Sticky even if a due time were left behind.
    wrong.next_due = Some(T0 + min(5));
    assert_eq!(on_event(&wrong, &p, SEED, Event::Wake, T0), wrong);
    let mut locked = in_sync(T0 + Duration::hours(3));
    locked.state = SyncState::Locked;
    locked.hold_until = Some(T0 + Duration::hours(3));
    let after = on_event(&locked, &p, SEED, Event::NetworkChanged, T0);
    assert!(after.next_due.unwrap() >= T0 + Duration::hours(3));
}

#[test]
fn event_draws_are_spread_evenly_over_one_interval() {
    let p = hourly();
    let mut buckets = [0u32; 11]; // 6-minute buckets after the debounce
    let n = 60_000u64;
    for draw in 0..n {
        let d = p.event_delay(SEED, draw) - p.debounce;
        assert!(d >= Duration::ZERO && d < min(60), "{d}");
        buckets[(d.whole_seconds() / 360) as usize] += 1;
    }
    let flat = n as f64 / 10.0;
    for (i, b) in buckets.iter().take(10).enumerate() {
        let r = f64::from(*b) / flat;
        assert!((0.95..1.05).contains(&r), "bucket {i}: {r:.3} {buckets:?}");
    }
    assert_eq!(buckets[10], 0);
}

#[test]
fn an_event_puts_the_machine_back_on_its_own_phase_not_a_new_one() {
    let p = hourly();
    let phase = |t: time::OffsetDateTime| t.unix_timestamp().rem_euclid(3600);
    let own = phase(p.phase_due(SEED, T0));
    let mut r = in_sync(T0 + min(50));
    for k in 1..6i64 {
        let now = T0 + Duration::minutes(k * 97);
        r = on_event(&r, &p, SEED, Event::NetworkChanged, now);
        let due = r.next_due.unwrap();
        assert_eq!(phase(due), own, "event {k}: the same minute of the hour");
        assert!(
            due >= now + p.debounce && due < now + p.debounce + min(60),
            "{due}"
        );
    }
    let other = p.phase_due(seed_from("mac-2/ada"), T0);
    assert_ne!(phase(other), own, "two machines, two phases");
}
