//! The daemon loop: wait for the next due time or an event (one blocking
//! [`Listener::wait`], no polling, so the process does not wake between
//! checks), then let the rules decide.
//!
//! The loop never talks to Entra itself. Each check runs in a short-lived
//! child, `sesame-menubar check-now` (or the hidden `check-due` for the
//! timer) re-executed by absolute path with the same profile, user, root
//! and state arguments and a clean environment. So the idle process maps
//! only what scheduling needs (no HTTP, TLS, keyring or directory code: see
//! docs/performance.md, "Footprint"), and a crash or leak in a check cannot
//! take the daemon down. The record file coordinates the two: the child
//! saves the outcome and the next due time, the loop re-reads the record
//! each turn (so a `check-now` from the CLI meanwhile is honoured too).
//!
//! - Network change (rtnetlink, the macOS dynamic store, or `SIGHUP`) and wake (boot-time clock ahead
//!   of the monotonic one) move the next check with
//!   [`sesame_core::recheck::on_event`].
//! - `SIGUSR1` is "Check now" (the status item and scripts send it).
//! - `SIGTERM` / `SIGINT` end the loop between checks.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, ExitStatus};

use sesame_core::recheck::{Event, Policy, Record, Trigger, on_event, state_time};
use time::OffsetDateTime;

use crate::MenubarError;
use crate::listen::{Listener, Wakeup};
use crate::records;

/// The variables a check keeps from the daemon's environment: the user's
/// home and name, the session bus and display (secret store, desktop
/// notifications), the log filter and the locale. Nothing else reaches
/// the child (no `LD_*`, no proxies the user did not set for Sesame).
const KEPT_ENV: &[&str] = &[
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "SESAME_LOG",
    "DBUS_SESSION_BUS_ADDRESS",
    "XDG_RUNTIME_DIR",
    "DISPLAY",
    "WAYLAND_DISPLAY",
];

/// How a check is run: this program by absolute path, with the daemon's
/// own profile / user / root / state arguments.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CheckCommand {
    /// The `sesame-menubar` executable (from `current_exe`, absolute).
    pub exe: PathBuf,
    /// The global arguments (`--profile`, `--root`, `--log-path`,
    /// `--state-dir`, `--user`), in command-line form.
    pub args: Vec<OsString>,
}

impl CheckCommand {
    /// The child for `trigger`: `check-now` (the user asked) or
    /// `check-due` (the timer; the rules skip it when it is not due).
    pub fn command(&self, trigger: Trigger) -> Command {
        let mut cmd = Command::new(&self.exe);
        cmd.args(&self.args).arg(match trigger {
            Trigger::CheckNow => "check-now",
            Trigger::Timer => "check-due",
        });
        cmd.env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .envs(
                KEPT_ENV
                    .iter()
                    .filter_map(|k| Some((k, std::env::var_os(k)?))),
            )
            .stdin(std::process::Stdio::null());
        cmd
    }
}

/// What the scheduler needs: the policy, the machine's seed, where the
/// record is, and how to run a check. Nothing that talks to Entra.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Schedule {
    /// The profile's interval and event settings.
    pub policy: Policy,
    /// This machine's jitter seed for the user.
    pub seed: u64,
    /// The account's short name (the record's file name).
    pub short_name: String,
    /// Where the record lives.
    pub state_dir: PathBuf,
    /// How a check is run.
    pub check: CheckCommand,
}

impl Schedule {
    /// The saved record, or a fresh one whose first check is at the
    /// machine's phase in the coming interval (saved at once).
    fn record(&self, now: OffsetDateTime) -> Result<Record, MenubarError> {
        if let Some(r) = records::load(&self.state_dir, &self.short_name)? {
            return Ok(r);
        }
        let r = Record::new(self.policy.phase_due(self.seed, now + self.policy.debounce));
        records::save(&self.state_dir, &self.short_name, &r)?;
        Ok(r)
    }

    fn save(&self, r: &Record) -> Result<(), MenubarError> {
        records::save(&self.state_dir, &self.short_name, r)
    }
}

/// The first argument that starts the scheduler image (not a command:
/// `sesame-menubar run` passes it to itself, see [`exec_scheduler`]).
pub const SCHEDULER_ARG: &str = "__scheduler";

/// Replaces this process (same pid, so systemd and launchd keep tracking
/// it) with a fresh image of this program that only schedules: `run` has
/// parsed the command line and the profile and found the account, and the
/// pages that did it (clap, plist, the directory) would otherwise stay
/// resident for the daemon's whole life. The new image reads the
/// [`Schedule`] from its argument and never touches them (about 2 MiB less
/// idle RSS, docs/performance.md "Footprint").
///
/// Signals stay blocked across `exec` (the caller's [`SystemListener`] set
/// the mask), so a "Check now" sent meanwhile waits, pending, for the new
/// image's signalfd. Returns only when `exec` failed.
///
/// [`SystemListener`]: crate::listen::SystemListener
#[cfg(unix)]
pub fn exec_scheduler(s: &Schedule) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    let spec = match serde_json::to_string(s) {
        Ok(spec) => spec,
        Err(e) => return std::io::Error::other(format!("cannot hand over the schedule: {e}")),
    };
    Command::new(&s.check.exe)
        .arg(SCHEDULER_ARG)
        .arg(spec)
        .exec()
}

/// The schedule a scheduler image was handed, or what is wrong with it.
pub fn schedule_from_arg(arg: Option<&std::ffi::OsStr>) -> Result<Schedule, String> {
    let text = arg
        .and_then(std::ffi::OsStr::to_str)
        .ok_or("the scheduler image was started without its schedule (use `sesame-menubar run`)")?;
    serde_json::from_str(text).map_err(|e| {
        format!(
            "the scheduler image was handed an unreadable schedule ({e}); use `sesame-menubar run`"
        )
    })
}

/// Runs until `SIGTERM` / `SIGINT`.
pub fn run(s: &Schedule, listener: &mut impl Listener) -> Result<(), MenubarError> {
    tracing::info!(record = %records::record_path(&s.state_dir, &s.short_name).display(), "sesame-menubar running");
    let mut failures = 0u32;
    loop {
        let now = OffsetDateTime::now_utc();
        let record = s.record(now)?;
        if record.next_due.is_some_and(|due| due <= now) {
            failures = checked(s, Trigger::Timer, failures)?;
            continue;
        }
        let due_in = record.next_due.map(|due| (due - now).unsigned_abs());
        let woke = listener.wait(due_in).map_err(|e| MenubarError::StateFile {
            path: s.state_dir.clone(),
            problem: format!("cannot wait for the next check: {e}"),
        })?;
        tracing::debug!(?woke, "woke");
        match woke {
            // The top of the loop re-reads the record and decides.
            Wakeup::Due | Wakeup::ClockChanged => {}
            Wakeup::CheckNow => failures = checked(s, Trigger::CheckNow, failures)?,
            Wakeup::NetworkChanged => event(s, Event::NetworkChanged)?,
            Wakeup::Slept(asleep) => {
                tracing::info!(slept_s = asleep.as_secs(), "the machine woke from sleep");
                event(s, Event::Wake)?;
            }
            Wakeup::Stop => return Ok(()),
        }
    }
}

/// Runs one check in a child; returns the count of failed children in a
/// row. A child that crashed or could not start leaves a due time in the
/// past: the loop then backs off (as for an unreachable Entra) instead of
/// starting it again at once.
fn checked(s: &Schedule, trigger: Trigger, failures: u32) -> Result<u32, MenubarError> {
    let status = s.check.command(trigger).status();
    let now = OffsetDateTime::now_utc();
    let ok = match &status {
        Ok(st) => child_ran(*st),
        Err(e) => {
            tracing::warn!(exe = %s.check.exe.display(), "cannot start a check: {e}");
            false
        }
    };
    let mut record = s.record(now)?;
    let stuck = record.next_due.is_some_and(|due| due <= now);
    if ok && !stuck {
        return Ok(0);
    }
    if !stuck {
        // A failed "Check now" leaves the schedule as it was.
        return Ok(failures);
    }
    let failures = failures.saturating_add(1);
    let wait = s
        .policy
        .backoff(failures, s.seed, u64::from(failures) + record.draws);
    record.next_due = Some(now + wait);
    tracing::warn!(
        ?status,
        next = %state_time(now + wait),
        "the check did not finish; trying again later"
    );
    s.save(&record)?;
    Ok(failures)
}

/// Whether a check child ran to its end (any verdict: in sync, the user
/// must act, try later), as opposed to a crash or an unusable setup.
fn child_ran(status: ExitStatus) -> bool {
    matches!(status.code(), Some(0 | 1 | 3))
}

fn event(s: &Schedule, e: Event) -> Result<(), MenubarError> {
    let now = OffsetDateTime::now_utc();
    let record = s.record(now)?;
    let moved = on_event(&record, &s.policy, s.seed, e, now);
    let next = moved.next_due.map(state_time);
    if moved.next_due != record.next_due {
        tracing::info!(event = ?e, next = ?next, "next check re-drawn");
    } else {
        tracing::info!(event = ?e, next = ?next, "next check unchanged");
    }
    s.save(&moved)
}
