//! Fleet benchmark (issue 13): 100,000 daemons over a simulated day, pure
//! schedule (no network): hourly checks with their own jitter, a mass wake
//! at 08:00 (the fleet slept from 07:45: no checks while asleep) and an office-wide network change
//! at 09:00. Prints the requests per minute: peak ÷ mean must be ≤ 1.1.
//!
//! `cargo bench -p sesame-core --bench fleet` (pure core: no network, no
//! dev-dependencies of the daemon).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use sesame_core::recheck::jitter::seed_from;
use sesame_core::recheck::{Event, Policy, Record, after_answer, on_event};
use sesame_core::verdict::PasswordVerdict;
use time::{Duration, OffsetDateTime, macros::datetime};

const FLEET: usize = 100_000;
const DAY0: OffsetDateTime = datetime!(2026-11-02 00:00 UTC);

fn minute_of(t: OffsetDateTime) -> Option<usize> {
    // Floor, not truncation: the minute before midnight is not minute 0.
    let m = (t - DAY0).whole_seconds().div_euclid(60);
    (0..1440).contains(&m).then_some(m as usize)
}

/// One simulated day for the fleet named `mac-NNNNNN.{domain}/user`: the
/// requests per minute.
fn simulate(domain: &str) -> Vec<u64> {
    let policy = Policy::from_minutes(60, true);
    let sleep_from = DAY0 + Duration::hours(7) + Duration::minutes(45);
    let wake_at = DAY0 + Duration::hours(8);
    let network_change = DAY0 + Duration::hours(9);
    // The fleet was installed the day before: each daemon's first check is
    // drawn in its first interval; by 00:00 they run in steady state.
    let install = DAY0 - Duration::hours(6);
    let seeds: Vec<u64> = (0..FLEET)
        .map(|i| seed_from(&format!("mac-{i:06}.{domain}/user")))
        .collect();
    let mut records: Vec<Record> = seeds
        .iter()
        .map(|s| Record::new(policy.phase_due(*s, install)))
        .collect();
    let mut queue: BinaryHeap<Reverse<(OffsetDateTime, usize, u64)>> = records
        .iter()
        .enumerate()
        .map(|(i, r)| Reverse((r.next_due.unwrap_or(install), i, r.draws)))
        .collect();
    let mut per_minute = vec![0u64; 1440];
    let mut woke = false;
    let mut changed = false;
    while let Some(Reverse((due, i, draws))) = queue.pop() {
        if !woke && due >= wake_at {
            woke = true;
            for (j, r) in records.iter_mut().enumerate() {
                *r = on_event(r, &policy, seeds[j], Event::Wake, wake_at);
                queue.push(Reverse((r.next_due.unwrap_or(wake_at), j, r.draws)));
            }
            queue.push(Reverse((due, i, draws)));
            continue;
        }
        if !changed && due >= network_change {
            changed = true;
            for (j, r) in records.iter_mut().enumerate() {
                *r = on_event(r, &policy, seeds[j], Event::NetworkChanged, network_change);
                queue.push(Reverse((r.next_due.unwrap_or(network_change), j, r.draws)));
            }
            queue.push(Reverse((due, i, draws)));
            continue;
        }
        if due >= DAY0 + Duration::days(1) {
            break;
        }
        let r = &mut records[i];
        // A stale queue entry (the record was re-drawn since): skip it.
        if r.draws != draws || r.next_due != Some(due) {
            continue;
        }
        if due >= sleep_from && due < wake_at {
            // Asleep: the timer does not fire; the wake re-draws it.
            continue;
        }
        if let Some(m) = minute_of(due) {
            per_minute[m] += 1;
        }
        after_answer(
            r,
            &PasswordVerdict::VerifiedInterrupted { code: 50076 },
            &policy,
            seeds[i],
            due,
        );
        queue.push(Reverse((r.next_due.unwrap_or(due), i, r.draws)));
    }
    per_minute
}

/// Peak minute ÷ the day's mean.
fn ratio(per_minute: &[u64]) -> f64 {
    let total: u64 = per_minute.iter().sum();
    let peak = per_minute.iter().copied().max().unwrap_or(0);
    peak as f64 * per_minute.len() as f64 / total.max(1) as f64
}

fn main() {
    let started = std::time::Instant::now();
    let per_minute = simulate("corp.example");
    let total: u64 = per_minute.iter().sum();
    let mean = total as f64 / 1440.0;
    let (peak_minute, peak) = per_minute
        .iter()
        .enumerate()
        .max_by_key(|(_, c)| **c)
        .map(|(m, c)| (m, *c))
        .unwrap_or((0, 0));
    let at = |h: usize| per_minute[h * 60..h * 60 + 5].to_vec();
    println!(
        "fleet: {FLEET} daemons, PasswordCheckInterval 60, mass wake 08:00 (asleep from 07:45), network change 09:00"
    );
    println!(
        "requests in the day: {total}; mean {mean:.1}/min; peak {peak}/min at {:02}:{:02}",
        peak_minute / 60,
        peak_minute % 60
    );
    println!(
        "first minutes after 08:00: {:?}; after 09:00: {:?}",
        at(8),
        at(9)
    );
    println!(
        "peak-minute / mean = {:.3} (target <= 1.1)",
        peak as f64 / mean
    );
    println!("simulated in {:.2} s", started.elapsed().as_secs_f64());
    // The ratio of one fleet is a random variable (each machine's phase is
    // a hash of its name): the same day for other fleets' names.
    let fleets: usize = std::env::var("FLEETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let mut ratios: Vec<f64> = (0..fleets)
        .map(|k| ratio(&simulate(&format!("fleet{k}.example"))))
        .collect();
    ratios.sort_by(f64::total_cmp);
    if let (Some(lo), Some(hi)) = (ratios.first(), ratios.last()) {
        let met = ratios.iter().filter(|r| **r <= 1.1).count();
        println!(
            "{fleets} other fleets: peak/mean median {:.3}, range {lo:.3}..{hi:.3}, <= 1.1 in {met} of {fleets}",
            ratios[fleets / 2]
        );
    }
}
