//! What wakes the daemon: the next check's timer, "Check now", a network
//! change, the machine waking from sleep, or the end. One blocking
//! [`Listener::wait`] per loop turn, and nothing in between: between checks
//! the process does not wake up at all.
//!
//! - Linux ([`linux`]): one `poll(2)` over a `CLOCK_BOOTTIME` timerfd (the
//!   due time counts suspend, so a check owed during sleep is noticed on
//!   resume, not hours late), a `CLOCK_REALTIME` timerfd that the kernel
//!   cancels on resume and on clock changes, a signalfd (`SIGUSR1` "Check
//!   now", `SIGHUP` "network changed", `SIGTERM`/`SIGINT` stop) and an
//!   rtnetlink socket (links, addresses, routes), debounced by
//!   [`sesame_core::recheck::Settle`].
//! - Elsewhere ([`portable`]): tokio's timer and signals; a timer that fires
//!   much later than planned means the machine slept.

use std::time::Duration;

#[cfg(target_os = "linux")]
pub mod linux;
#[cfg(not(target_os = "linux"))]
pub mod portable;

#[cfg(target_os = "linux")]
pub use linux::SystemListener;
#[cfg(not(target_os = "linux"))]
pub use portable::SystemListener;

/// Why [`Listener::wait`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wakeup {
    /// The timer ran out: the next check is due.
    Due,
    /// The user chose "Check now" (`SIGUSR1`, the menu).
    CheckNow,
    /// The network changed (a settled burst of kernel messages, or `SIGHUP`).
    NetworkChanged,
    /// The machine slept this long.
    Slept(Duration),
    /// The wall clock was set: due times must be measured again.
    ClockChanged,
    /// `SIGTERM` / `SIGINT`: end between checks.
    Stop,
}

/// Blocks until something happens.
pub trait Listener {
    /// Waits at most `due_in` (`None`: no check is scheduled, wait for an
    /// event) and says why it returned.
    fn wait(&mut self, due_in: Option<Duration>) -> std::io::Result<Wakeup>;
}
