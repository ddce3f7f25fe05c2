//! The Linux listener: one `poll(2)` over four file descriptors, so the
//! process sleeps in the kernel until one of them has something to say.

use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::socket::{
    AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, bind, recv, socket,
};
use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};
use nix::time::{ClockId as Clock, clock_gettime};
use sesame_core::recheck::{Burst, Settle, slept};

use super::{Listener, Wakeup};

/// The rtnetlink groups that describe "the network changed": links going
/// up or down, addresses and routes (IPv4 and IPv6) coming and going.
const GROUPS: libc::c_int = libc::RTMGRP_LINK
    | libc::RTMGRP_IPV4_IFADDR
    | libc::RTMGRP_IPV4_ROUTE
    | libc::RTMGRP_IPV6_IFADDR
    | libc::RTMGRP_IPV6_ROUTE;

/// This machine's timers, signals and network messages.
#[derive(Debug)]
pub struct SystemListener {
    /// The next check, on `CLOCK_BOOTTIME` (counts suspend).
    due: TimerFd,
    /// Armed far ahead on `CLOCK_REALTIME` with cancel-on-set: the kernel
    /// cancels it when the wall clock is set and on resume from suspend.
    clock: TimerFd,
    signals: SignalFd,
    netlink: Option<OwnedFd>,
    settle: Settle,
    burst: Option<Burst<Instant>>,
    /// `boottime − monotonic` at the last wake-up.
    gap: Duration,
}

fn io_err(e: Errno) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

/// `CLOCK_BOOTTIME − CLOCK_MONOTONIC`: how long this machine has slept
/// since boot.
fn sleep_gap() -> io::Result<Duration> {
    let boot = Duration::from(clock_gettime(Clock::CLOCK_BOOTTIME).map_err(io_err)?);
    let mono = Duration::from(clock_gettime(Clock::CLOCK_MONOTONIC).map_err(io_err)?);
    Ok(boot.saturating_sub(mono))
}

/// An rtnetlink socket subscribed to [`GROUPS`].
fn netlink_socket() -> io::Result<OwnedFd> {
    let fd = socket(
        AddressFamily::Netlink,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
        SockProtocol::NetlinkRoute,
    )
    .map_err(io_err)?;
    bind(fd.as_raw_fd(), &NetlinkAddr::new(0, GROUPS as u32)).map_err(io_err)?;
    Ok(fd)
}

impl SystemListener {
    /// Blocks the daemon's signals (they arrive on the signalfd instead;
    /// child processes start with an empty mask again) and opens the
    /// descriptors. `watch_network`: subscribe to network changes.
    pub fn new(watch_network: bool) -> io::Result<Self> {
        let mut mask = SigSet::empty();
        for s in [
            Signal::SIGTERM,
            Signal::SIGINT,
            Signal::SIGUSR1,
            Signal::SIGHUP,
        ] {
            mask.add(s);
        }
        mask.thread_block().map_err(io_err)?;
        let signals = SignalFd::with_flags(&mask, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
            .map_err(io_err)?;
        let flags = TimerFlags::TFD_CLOEXEC | TimerFlags::TFD_NONBLOCK;
        let due = TimerFd::new(ClockId::CLOCK_BOOTTIME, flags).map_err(io_err)?;
        let clock = TimerFd::new(ClockId::CLOCK_REALTIME, flags).map_err(io_err)?;
        let netlink = if watch_network {
            match netlink_socket() {
                Ok(fd) => Some(fd),
                Err(e) => {
                    tracing::warn!("network changes will not be noticed: rtnetlink: {e}");
                    None
                }
            }
        } else {
            None
        };
        let listener = Self {
            due,
            clock,
            signals,
            netlink,
            settle: Settle::default(),
            burst: None,
            gap: sleep_gap()?,
        };
        listener.arm_clock()?;
        Ok(listener)
    }

    /// Arms the cancel-on-set timer a year ahead (it is never meant to run out).
    fn arm_clock(&self) -> io::Result<()> {
        let now = clock_gettime(Clock::CLOCK_REALTIME).map_err(io_err)?;
        let year = TimeSpec::from_duration(Duration::from_secs(365 * 86_400));
        self.clock
            .set(
                Expiration::OneShot(now + year),
                TimerSetTimeFlags::TFD_TIMER_ABSTIME | TimerSetTimeFlags::TFD_TIMER_CANCEL_ON_SET,
            )
            .map_err(io_err)
    }

    fn arm_due(&self, due_in: Option<Duration>) -> io::Result<()> {
        match due_in {
            // A zero expiration disarms a timerfd: "now" is one nanosecond.
            Some(d) => self.due.set(
                Expiration::OneShot(TimeSpec::from_duration(d.max(Duration::from_nanos(1)))),
                TimerSetTimeFlags::empty(),
            ),
            None => self.due.unset(),
        }
        .map_err(io_err)
    }

    /// Reads all pending kernel messages (their content does not matter:
    /// any of them is a step of a network change).
    fn drain_netlink(&mut self) {
        let Some(fd) = &self.netlink else { return };
        let mut buf = [0u8; 8192];
        let mut any = false;
        loop {
            match recv(fd.as_raw_fd(), &mut buf, MsgFlags::MSG_DONTWAIT) {
                Ok(0) => break,
                Ok(_) => any = true,
                // ENOBUFS: messages were lost; that too is a change.
                Err(Errno::ENOBUFS) => any = true,
                Err(Errno::EINTR) => {}
                Err(_) => break,
            }
        }
        if any {
            self.burst = Some(self.settle.message(self.burst, Instant::now()));
        }
    }

    /// The signal that arrived, if any.
    fn read_signal(&self) -> io::Result<Option<Wakeup>> {
        let Some(info) = self.signals.read_signal().map_err(io_err)? else {
            return Ok(None);
        };
        let signal = Signal::try_from(info.ssi_signo as i32).ok();
        Ok(match signal {
            Some(Signal::SIGUSR1) => Some(Wakeup::CheckNow),
            Some(Signal::SIGHUP) => Some(Wakeup::NetworkChanged),
            Some(Signal::SIGTERM | Signal::SIGINT) => Some(Wakeup::Stop),
            _ => None,
        })
    }

    /// Whether the machine slept since the last wake-up.
    fn check_sleep(&mut self) -> io::Result<Option<Duration>> {
        let gap = sleep_gap()?;
        let asleep = slept(self.gap, gap);
        self.gap = gap;
        Ok(asleep)
    }
}

/// Reads a timerfd: `Ok(true)` when it ran out, `Ok(false)` when the
/// kernel cancelled it (clock set or resume), `Ok(None)`-like `Err` for
/// would-block is folded into `false`.
fn read_timer(timer: &TimerFd) -> io::Result<Option<bool>> {
    let mut ticks = [0u8; 8];
    match nix::unistd::read(timer.as_fd(), &mut ticks) {
        Ok(_) => Ok(Some(true)),
        Err(Errno::ECANCELED) => Ok(Some(false)),
        Err(Errno::EAGAIN | Errno::EINTR) => Ok(None),
        Err(e) => Err(io_err(e)),
    }
}

impl Listener for SystemListener {
    fn wait(&mut self, due_in: Option<Duration>) -> io::Result<Wakeup> {
        self.arm_due(due_in)?;
        loop {
            let settle_in = self
                .burst
                .map(|b| self.settle.due(b).saturating_duration_since(Instant::now()));
            let timeout = match settle_in {
                Some(d) => {
                    PollTimeout::try_from(d + Duration::from_millis(1)).unwrap_or(PollTimeout::MAX)
                }
                None => PollTimeout::NONE,
            };
            let (due_ready, clock_ready, signal_ready, net_ready) = {
                let mut fds = vec![
                    PollFd::new(self.due.as_fd(), PollFlags::POLLIN),
                    PollFd::new(self.clock.as_fd(), PollFlags::POLLIN),
                    PollFd::new(self.signals.as_fd(), PollFlags::POLLIN),
                ];
                if let Some(n) = &self.netlink {
                    fds.push(PollFd::new(n.as_fd(), PollFlags::POLLIN));
                }
                match poll(&mut fds, timeout) {
                    Ok(_) | Err(Errno::EINTR) => {}
                    Err(e) => return Err(io_err(e)),
                }
                let ready = |i: usize| {
                    fds.get(i)
                        .and_then(PollFd::revents)
                        .is_some_and(|r| !r.is_empty())
                };
                (ready(0), ready(1), ready(2), ready(3))
            };
            if net_ready {
                self.drain_netlink();
            }
            if signal_ready && let Some(w) = self.read_signal()? {
                return Ok(w);
            }
            if clock_ready && read_timer(&self.clock)? == Some(false) {
                self.arm_clock()?;
                if let Some(d) = self.check_sleep()? {
                    return Ok(Wakeup::Slept(d));
                }
                return Ok(Wakeup::ClockChanged);
            }
            if due_ready && read_timer(&self.due)?.is_some() {
                if let Some(d) = self.check_sleep()? {
                    return Ok(Wakeup::Slept(d));
                }
                return Ok(Wakeup::Due);
            }
            if let Some(b) = self.burst
                && let Some(_event) = self.settle.poll(b, Instant::now())
            {
                self.burst = None;
                return Ok(Wakeup::NetworkChanged);
            }
        }
    }
}
