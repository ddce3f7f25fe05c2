//! Turning what the OS reports into the schedule's [`Event`]s.
//!
//! - **Network change**: the kernel (rtnetlink) or SCDynamicStore reports
//!   every step of a change — link up, address added, route added, often a
//!   dozen messages within a second. [`Settle`] turns such a burst into one
//!   [`Event::NetworkChanged`], made once the messages have stopped for
//!   [`Settle::quiet`] (so the check sees the finished network, with its
//!   default route), and at the latest [`Settle::most`] after the burst's
//!   first message (a link that flaps for ever still counts as changed).
//! - **Wake**: the machine slept when the boot-time clock (which counts
//!   suspend) moved further than the monotonic clock (which does not): see
//!   [`slept`]. The daemon compares the two gaps whenever it wakes up.
//!
//! Time is a parameter: the instants are any ordered type with durations
//! (the daemon passes its monotonic clock; the tests plain numbers).

use std::ops::Add;
use std::time::Duration;

use super::schedule::Event;

/// A pending burst of network messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Burst<T> {
    /// When the burst's first message came.
    pub first: T,
    /// When its last message came.
    pub last: T,
}

/// The network-change debounce: how long the messages must have stopped,
/// and the longest a burst is held back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settle {
    /// Quiet needed after the last message (a network comes up in steps).
    pub quiet: Duration,
    /// The longest a burst waits for quiet.
    pub most: Duration,
}

impl Default for Settle {
    /// Two seconds of quiet, at most ten seconds in all: DHCP, a default
    /// route and IPv6 router advertisements usually land within that.
    fn default() -> Self {
        Self {
            quiet: Duration::from_secs(2),
            most: Duration::from_secs(10),
        }
    }
}

impl Settle {
    /// A message came at `now`: the burst it belongs to.
    pub fn message<T: Copy>(&self, pending: Option<Burst<T>>, now: T) -> Burst<T> {
        match pending {
            Some(b) => Burst {
                first: b.first,
                last: now,
            },
            None => Burst {
                first: now,
                last: now,
            },
        }
    }

    /// When the pending burst becomes one network change.
    pub fn due<T: Copy + Ord + Add<Duration, Output = T>>(&self, burst: Burst<T>) -> T {
        (burst.last + self.quiet).min(burst.first + self.most)
    }

    /// At `now`: the event to act on (the burst is over) or `None` (keep
    /// waiting until [`Settle::due`]).
    pub fn poll<T: Copy + Ord + Add<Duration, Output = T>>(
        &self,
        burst: Burst<T>,
        now: T,
    ) -> Option<Event> {
        (now >= self.due(burst)).then_some(Event::NetworkChanged)
    }
}

/// The least suspend that counts as the machine having slept: shorter gaps
/// are clock noise (and a few seconds of sleep owe no check).
pub const SLEEP_MIN: Duration = Duration::from_secs(5);

/// Whether the machine slept between two readings, given at each the gap
/// `boottime − monotonic` (boot time counts suspend, monotonic does not):
/// how long it slept, when at least [`SLEEP_MIN`].
pub fn slept(gap_before: Duration, gap_now: Duration) -> Option<Duration> {
    gap_now
        .checked_sub(gap_before)
        .filter(|asleep| *asleep >= SLEEP_MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seconds as the instant type.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    struct S(u64);
    impl Add<Duration> for S {
        type Output = S;
        fn add(self, d: Duration) -> S {
            S(self.0 + d.as_secs())
        }
    }

    /// Feeds messages at the given seconds; returns the seconds (checked
    /// each second up to 60) at which a network change is made.
    fn events(messages: &[u64]) -> Vec<u64> {
        let s = Settle::default();
        let mut pending = None;
        let mut made = Vec::new();
        for t in 0..60 {
            if messages.contains(&t) {
                pending = Some(s.message(pending, S(t)));
            }
            if let Some(b) = pending
                && s.poll(b, S(t)) == Some(Event::NetworkChanged)
            {
                made.push(t);
                pending = None;
            }
        }
        made
    }

    #[test]
    fn a_burst_is_one_network_change_once_quiet() {
        let table: &[(&[u64], &[u64], &str)] = &[
            (&[], &[], "no message, no event"),
            (&[3], &[5], "one message: two seconds later"),
            (
                &[3, 3, 4],
                &[6],
                "link, address, route within a second: one event",
            ),
            (&[1, 2, 3, 4], &[6], "steps a second apart are one burst"),
            (&[1, 5], &[3, 7], "four seconds apart: two changes"),
            (
                &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
                &[10, 14],
                "a flapping link is reported after at most ten seconds",
            ),
        ];
        for (messages, want, why) in table {
            assert_eq!(events(messages), *want, "{why}");
        }
    }

    #[test]
    fn a_gap_between_boot_time_and_monotonic_is_sleep() {
        let s = Duration::from_secs;
        let table = [
            (s(0), s(0), None, "no suspend"),
            (s(10), s(10), None, "same gap later: awake all along"),
            (s(10), s(14), None, "four seconds: clock noise, not sleep"),
            (s(10), s(15), Some(s(5)), "five seconds of suspend"),
            (s(0), s(8 * 3600), Some(s(8 * 3600)), "a night"),
            (
                s(20),
                s(10),
                None,
                "a smaller gap (a new boot's reading) is no sleep",
            ),
        ];
        for (before, now, want, why) in table {
            assert_eq!(slept(before, now), want, "{why}");
        }
    }
}
