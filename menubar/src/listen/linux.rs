//! The Linux listener: one `poll(2)` over four file descriptors, so the
//! process sleeps in the kernel until one of them has something to say.
//!
//! Plain `libc` calls (timerfd, signalfd, an rtnetlink socket, poll): the
//! daemon only needs to know *that* the routing state changed, never to
//! parse the messages, so a netlink library would add code to the idle
//! process without adding a decision.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use sesame_core::recheck::{Burst, Settle, slept};

use super::{Listener, Wakeup};

/// The rtnetlink groups that describe "the network changed": links going
/// up or down, addresses and routes (IPv4 and IPv6) coming and going.
const GROUPS: libc::c_int = libc::RTMGRP_LINK
    | libc::RTMGRP_IPV4_IFADDR
    | libc::RTMGRP_IPV4_ROUTE
    | libc::RTMGRP_IPV6_IFADDR
    | libc::RTMGRP_IPV6_ROUTE;

/// The daemon's signals.
const SIGNALS: [libc::c_int; 4] = [libc::SIGTERM, libc::SIGINT, libc::SIGUSR1, libc::SIGHUP];

/// This machine's timers, signals and network messages.
#[derive(Debug)]
pub struct SystemListener {
    /// The next check, on `CLOCK_BOOTTIME` (counts suspend).
    due: OwnedFd,
    /// Armed far ahead on `CLOCK_REALTIME` with cancel-on-set: the kernel
    /// cancels it when the wall clock is set and on resume from suspend.
    clock: OwnedFd,
    signals: OwnedFd,
    netlink: Option<OwnedFd>,
    settle: Settle,
    burst: Option<Burst<Instant>>,
    /// `boottime − monotonic` at the last wake-up.
    gap: Duration,
}

/// An owned descriptor from a call that returns one (or -1 and errno).
fn owned(fd: RawFd) -> io::Result<OwnedFd> {
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor just returned by the kernel, owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn now(clock: libc::clockid_t) -> io::Result<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec we own.
    check(unsafe { libc::clock_gettime(clock, &mut ts) })?;
    Ok(Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    ))
}

/// `CLOCK_BOOTTIME − CLOCK_MONOTONIC`: how long this machine has slept
/// since boot.
fn sleep_gap() -> io::Result<Duration> {
    Ok(now(libc::CLOCK_BOOTTIME)?.saturating_sub(now(libc::CLOCK_MONOTONIC)?))
}

fn timespec(d: Duration) -> libc::timespec {
    libc::timespec {
        tv_sec: libc::time_t::try_from(d.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: libc::c_long::from(d.subsec_nanos() as i32),
    }
}

/// Arms `timer` once, `value` from now (or at `value` with `flags`);
/// a zero value disarms it.
fn arm(timer: &OwnedFd, value: Duration, flags: libc::c_int) -> io::Result<()> {
    let spec = libc::itimerspec {
        it_interval: timespec(Duration::ZERO),
        it_value: timespec(value),
    };
    // SAFETY: a timerfd we own and an itimerspec on the stack.
    check(unsafe { libc::timerfd_settime(timer.as_raw_fd(), flags, &spec, std::ptr::null_mut()) })
}

/// An rtnetlink socket subscribed to [`GROUPS`].
fn netlink_socket() -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2); the result is checked.
    let fd = owned(unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            libc::NETLINK_ROUTE,
        )
    })?;
    // SAFETY: sockaddr_nl is plain data; zero is a valid start.
    let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    addr.nl_groups = GROUPS as u32;
    // SAFETY: bind with a sockaddr_nl of the size given.
    check(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&raw const addr).cast(),
            std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    })?;
    Ok(fd)
}

/// Reads up to `buf.len()` bytes without blocking; `Ok(None)` when there
/// is nothing (EAGAIN), `Err` with the errno otherwise.
fn read_now(fd: &OwnedFd, buf: &mut [u8]) -> io::Result<Option<usize>> {
    // SAFETY: reading into a buffer we own, of its length.
    let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    if n >= 0 {
        return Ok(Some(n as usize));
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EAGAIN | libc::EINTR) => Ok(None),
        _ => Err(e),
    }
}

impl SystemListener {
    /// Blocks the daemon's signals (they arrive on the signalfd instead;
    /// child processes start with an empty mask again) and opens the
    /// descriptors. `watch_network`: subscribe to network changes.
    pub fn new(watch_network: bool) -> io::Result<Self> {
        // SAFETY: sigset_t is plain data, filled by sigemptyset/sigaddset;
        // the mask is set for this (the only) thread before any other starts.
        let signals = unsafe {
            let mut mask: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut mask);
            for s in SIGNALS {
                libc::sigaddset(&mut mask, s);
            }
            check(libc::pthread_sigmask(
                libc::SIG_BLOCK,
                &mask,
                std::ptr::null_mut(),
            ))?;
            owned(libc::signalfd(
                -1,
                &mask,
                libc::SFD_CLOEXEC | libc::SFD_NONBLOCK,
            ))?
        };
        let flags = libc::TFD_CLOEXEC | libc::TFD_NONBLOCK;
        // SAFETY: timerfd_create returns a new descriptor or -1.
        let due = owned(unsafe { libc::timerfd_create(libc::CLOCK_BOOTTIME, flags) })?;
        // SAFETY: as above.
        let clock = owned(unsafe { libc::timerfd_create(libc::CLOCK_REALTIME, flags) })?;
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
        let year = Duration::from_secs(365 * 86_400);
        arm(
            &self.clock,
            now(libc::CLOCK_REALTIME)? + year,
            libc::TFD_TIMER_ABSTIME | libc::TFD_TIMER_CANCEL_ON_SET,
        )
    }

    /// Reads all pending kernel messages (their content does not matter:
    /// any of them is a step of a network change).
    fn drain_netlink(&mut self) {
        let Some(fd) = &self.netlink else { return };
        let mut buf = [0u8; 8192];
        let mut any = false;
        loop {
            match read_now(fd, &mut buf) {
                Ok(Some(n)) if n > 0 => any = true,
                // ENOBUFS: messages were lost; that too is a change.
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => any = true,
                _ => break,
            }
        }
        if any {
            self.burst = Some(self.settle.message(self.burst, Instant::now()));
        }
    }

    /// The signal that arrived, if any.
    fn read_signal(&self) -> io::Result<Option<Wakeup>> {
        // SAFETY: signalfd_siginfo is plain data.
        let mut info: libc::signalfd_siginfo = unsafe { std::mem::zeroed() };
        // SAFETY: the buffer is one signalfd_siginfo, as signalfd reads.
        let buf = unsafe {
            std::slice::from_raw_parts_mut(
                (&raw mut info).cast::<u8>(),
                std::mem::size_of::<libc::signalfd_siginfo>(),
            )
        };
        if read_now(&self.signals, buf)?.is_none() {
            return Ok(None);
        }
        Ok(match info.ssi_signo as libc::c_int {
            libc::SIGUSR1 => Some(Wakeup::CheckNow),
            libc::SIGHUP => Some(Wakeup::NetworkChanged),
            libc::SIGTERM | libc::SIGINT => Some(Wakeup::Stop),
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

/// Reads a timerfd: `Some(true)` when it ran out, `Some(false)` when the
/// kernel cancelled it (clock set or resume), `None` when nothing happened.
fn read_timer(timer: &OwnedFd) -> io::Result<Option<bool>> {
    let mut ticks = [0u8; 8];
    match read_now(timer, &mut ticks) {
        Ok(Some(_)) => Ok(Some(true)),
        Ok(None) => Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ECANCELED) => Ok(Some(false)),
        Err(e) => Err(e),
    }
}

impl Listener for SystemListener {
    fn wait(&mut self, due_in: Option<Duration>) -> io::Result<Wakeup> {
        // A zero expiration disarms a timerfd: "now" is one nanosecond.
        let value = due_in.map_or(Duration::ZERO, |d| d.max(Duration::from_nanos(1)));
        arm(&self.due, value, 0)?;
        loop {
            let timeout = match self.burst {
                Some(b) => {
                    let left = self.settle.due(b).saturating_duration_since(Instant::now());
                    libc::c_int::try_from(left.as_millis() + 1).unwrap_or(libc::c_int::MAX)
                }
                None => -1,
            };
            let mut fds = [&self.due, &self.clock, &self.signals]
                .into_iter()
                .chain(self.netlink.as_ref())
                .map(|fd| libc::pollfd {
                    fd: fd.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                })
                .collect::<Vec<_>>();
            // SAFETY: poll over our own descriptors, the array's length given.
            let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
            if rc < 0 {
                let e = io::Error::last_os_error();
                if e.raw_os_error() != Some(libc::EINTR) {
                    return Err(e);
                }
            }
            let ready = |i: usize| fds.get(i).is_some_and(|p| p.revents != 0);
            if ready(3) {
                self.drain_netlink();
            }
            if ready(2)
                && let Some(w) = self.read_signal()?
            {
                return Ok(w);
            }
            if ready(1) && read_timer(&self.clock)? == Some(false) {
                self.arm_clock()?;
                if let Some(d) = self.check_sleep()? {
                    return Ok(Wakeup::Slept(d));
                }
                return Ok(Wakeup::ClockChanged);
            }
            if ready(0) && read_timer(&self.due)?.is_some() {
                if let Some(d) = self.check_sleep()? {
                    return Ok(Wakeup::Slept(d));
                }
                return Ok(Wakeup::Due);
            }
            if let Some(b) = self.burst
                && self.settle.poll(b, Instant::now()).is_some()
            {
                self.burst = None;
                return Ok(Wakeup::NetworkChanged);
            }
        }
    }
}
