//! The listener where no timerfd/rtnetlink exists (macOS): tokio's timer
//! and signals on a current-thread runtime. Its timer stops during sleep,
//! so a timer that fires much later than planned (by wall clock) means the
//! machine slept. The status item adds "Check now" and wake
//! (`NSWorkspaceDidWakeNotification`) through [`SystemListener::sender`].

use std::io;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::signal::unix::{Signal, SignalKind, signal};

use super::{Listener, Wakeup};

/// How late a timer may fire before it counts as a wake from sleep.
const WAKE_SLACK: Duration = Duration::from_secs(120);

/// The longest single wait with no check scheduled.
const IDLE: Duration = Duration::from_secs(86_400);

/// tokio's timer and the daemon's signals.
#[derive(Debug)]
pub struct SystemListener {
    runtime: tokio::runtime::Runtime,
    term: Signal,
    int: Signal,
    usr1: Signal,
    hup: Signal,
    tx: tokio::sync::mpsc::UnboundedSender<Wakeup>,
    rx: tokio::sync::mpsc::UnboundedReceiver<Wakeup>,
}

impl SystemListener {
    /// Listens for the daemon's signals (`watch_network` is served by the
    /// status item on macOS).
    pub fn new(_watch_network: bool) -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (term, int, usr1, hup) = runtime.block_on(async {
            Ok::<_, io::Error>((
                signal(SignalKind::terminate())?,
                signal(SignalKind::interrupt())?,
                signal(SignalKind::user_defined1())?,
                signal(SignalKind::hangup())?,
            ))
        })?;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        Ok(Self {
            runtime,
            term,
            int,
            usr1,
            hup,
            tx,
            rx,
        })
    }

    /// Where other threads (the status item) tell the loop what happened.
    pub fn sender(&self) -> tokio::sync::mpsc::UnboundedSender<Wakeup> {
        self.tx.clone()
    }
}

impl Listener for SystemListener {
    fn wait(&mut self, due_in: Option<Duration>) -> io::Result<Wakeup> {
        let wait = due_in.unwrap_or(IDLE).min(IDLE);
        let planned = OffsetDateTime::now_utc() + wait;
        let Self {
            runtime,
            term,
            int,
            usr1,
            hup,
            rx,
            ..
        } = self;
        let woke = runtime.block_on(async {
            tokio::select! {
                () = tokio::time::sleep(wait) => None,
                _ = usr1.recv() => Some(Wakeup::CheckNow),
                _ = hup.recv() => Some(Wakeup::NetworkChanged),
                _ = term.recv() => Some(Wakeup::Stop),
                _ = int.recv() => Some(Wakeup::Stop),
                Some(w) = rx.recv() => Some(w),
            }
        });
        Ok(woke.unwrap_or_else(|| {
            let late = OffsetDateTime::now_utc() - planned;
            match late.try_into() {
                Ok(l) if l > WAKE_SLACK => Wakeup::Slept(l),
                _ if due_in.is_none() => Wakeup::ClockChanged,
                _ => Wakeup::Due,
            }
        }))
    }
}
