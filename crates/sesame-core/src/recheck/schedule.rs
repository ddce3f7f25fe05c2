//! When the next check is due.
//!
//! - Regular checks: every interval, at the machine's own phase (a fixed
//!   minute of the interval hashed from its seed, [`Policy::phase_due`]), so
//!   a fleet is spread evenly and never checks in step.
//! - Network change and wake: the next check goes back to the machine's
//!   phase in the coming interval (after a short debounce), not made at
//!   once and not a fresh draw. Across a fleet these times are spread like
//!   the regular ones, so
//!   an office-wide network change at 09:00 or 100,000 Macs waking at 08:00
//!   add no peak at Entra. Events within the debounce of each other are one
//!   event, so a flapping network adds no checks.
//! - Failures (no answer, 5xx, 429): exponential back-off from one minute,
//!   capped at the interval, never earlier than a Retry-After.
//! - Lockout: nothing until the lockout is surely over (see [`Policy::lock_wait`]).

use time::{Duration, OffsetDateTime};

use super::jitter::fraction;
use super::state::{Record, SyncState};

/// The schedule's knobs, from the profile (interval, network changes) and
/// Sesame's fixed safety margins. Serializable: the daemon hands it to its
/// scheduler image (menubar `daemon::exec_scheduler`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Policy {
    /// `PasswordCheckInterval`.
    pub interval: Duration,
    /// `CheckOnNetworkChange`: network changes and wake re-draw the next check.
    pub on_network_change: bool,
    /// Events closer together than this are one event.
    pub debounce: Duration,
    /// The first back-off step after a failure.
    pub backoff_base: Duration,
    /// The first wait after a lockout (doubled per lockout, up to a day).
    /// Entra's smart lockout starts at 60 seconds; an hour is surely over.
    pub lock_base: Duration,
    /// The least wait after AADSTS50196 (loop detected) without Retry-After.
    pub loop_wait: Duration,
}

impl Policy {
    /// The policy for an interval in minutes, with Sesame's margins.
    pub fn from_minutes(interval_minutes: u32, on_network_change: bool) -> Self {
        Self {
            interval: Duration::minutes(i64::from(interval_minutes.max(1))),
            on_network_change,
            debounce: Duration::seconds(30),
            backoff_base: Duration::minutes(1),
            lock_base: Duration::hours(1),
            loop_wait: Duration::minutes(15),
        }
    }

    /// The delay between regular checks: exactly the interval. The jitter
    /// is in the phase: each machine's first check (and each re-draw after
    /// an event) lands at its own random point of an interval
    /// ([`Policy::event_delay`]), and it keeps that phase. A fleet is then
    /// spread evenly and stays so; a per-check jitter would only add noise
    /// to the fleet's per-minute request rate.
    pub fn regular(&self) -> Duration {
        self.interval
    }

    /// The delay after `failures` consecutive failures (1, 2, ...): one
    /// minute doubled per failure, capped at the interval, the last quarter
    /// jittered.
    pub fn backoff(&self, failures: u32, seed: u64, draw: u64) -> Duration {
        let step = failures.saturating_sub(1).min(20);
        let full = (self.backoff_base * (1u64 << step) as f64).min(self.interval);
        full * (0.75 + 0.25 * fraction(seed, draw))
    }

    /// How long nothing is sent after the `lockouts`-th lockout in a row:
    /// an hour, doubled each time, at most a day.
    pub fn lock_wait(&self, lockouts: u32) -> Duration {
        let step = lockouts.saturating_sub(1).min(10);
        (self.lock_base * (1u64 << step) as f64).min(Duration::days(1))
    }

    /// Where an event's check (and a new user's first check) lands: after
    /// the debounce, at a random point of the next interval (the seed's
    /// draw). Regular checks are exactly one interval apart, so this is
    /// their stationary phase: a whole fleet re-drawing at the same moment
    /// (an office's network change, a mass wake) keeps a flat request rate
    /// from the first minute on.
    pub fn event_delay(&self, seed: u64, draw: u64) -> Duration {
        self.debounce + self.interval * fraction(seed, draw)
    }

    /// The machine's own phase: the first instant at or after `after` whose
    /// offset from the Unix epoch, modulo the interval, is the seed's
    /// fraction of the interval. It never changes, so an event moves a
    /// machine back onto the phase it had, not onto a fresh draw: the
    /// fleet's per-minute counts stay the same all day (one set of
    /// binomial counts, not a new set per office-wide event).
    pub fn phase_due(&self, seed: u64, after: OffsetDateTime) -> OffsetDateTime {
        let period = self.interval.whole_seconds().max(1);
        let phase = (period as f64 * fraction(seed, 0)) as i64;
        let since = after.unix_timestamp() - phase;
        let next = since.div_euclid(period) * period + phase;
        let at = OffsetDateTime::UNIX_EPOCH + Duration::seconds(next);
        if at < after {
            at + Duration::seconds(period)
        } else {
            at
        }
    }
}

/// Something outside the schedule happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The network changed (a new Wi-Fi, VPN up, cable plugged in).
    NetworkChanged,
    /// The machine woke from sleep.
    Wake,
}

/// What a network change or wake does to the record: moves the next check
/// to the machine's own slot in the coming interval ([`Policy::phase_due`]),
/// unless it follows the previous event
/// within the debounce (a burst is one event), the profile turned events
/// off, or no automatic check is allowed (the user must act first). Never
/// earlier than a hold (lockout, Retry-After). A pending event check moves
/// too, so a burst of events never stacks checks.
///
/// With `CheckOnNetworkChange` off, a wake still moves a check that came
/// due during sleep (it is owed, and made at once by every Mac of an office
/// it would be a peak); otherwise events change nothing.
pub fn on_event(
    record: &Record,
    policy: &Policy,
    seed: u64,
    event: Event,
    now: OffsetDateTime,
) -> Record {
    let mut r = record.clone();
    let Some(due) = r.next_due else {
        return r;
    };
    if r.state == SyncState::CloudPasswordChanged {
        return r;
    }
    let overdue = due <= now;
    let wanted = policy.on_network_change || (event == Event::Wake && overdue);
    if !wanted {
        return r;
    }
    let in_burst = r.last_event.is_some_and(|t| now - t < policy.debounce);
    r.last_event = Some(now);
    if in_burst && !overdue {
        return r;
    }
    r.draws += 1;
    let mut due = policy.phase_due(seed, now + policy.debounce);
    if let Some(hold) = r.hold_until
        && due < hold
    {
        due = hold;
    }
    r.next_due = Some(due);
    r.event_pending = true;
    r
}
