//! The daemon loop: sleep until the next due time (one timer, no polling,
//! so the process does not wake between checks), then let the rules decide.
//!
//! - A timer that fires much later than planned means the machine slept:
//!   that is a wake, and the owed check is re-drawn in the coming interval
//!   (a fleet waking at 08:00 does not ask Entra at 08:00).
//! - `SIGUSR1` is "Check now" (the status item and scripts send it).
//! - `SIGHUP` is a network change (a NetworkManager dispatcher script or
//!   the macOS status item sends it).
//! - `SIGTERM` / `SIGINT` end the loop between checks.
//!
//! A `check-now` run by the CLI meanwhile saves a later due time; the loop
//! reads the record after each sleep, so it never checks twice.

use sesame_core::recheck::{Event, Trigger, on_event};
use time::{Duration, OffsetDateTime};
use tokio::signal::unix::{SignalKind, signal};

use crate::check::{check, load_or_new};
use crate::{Account, Context, MenubarError, records};

/// How late a timer may fire before it counts as a wake from sleep.
pub const WAKE_SLACK: Duration = Duration::minutes(2);

/// The longest single sleep when no check is scheduled (the user must act).
const IDLE: Duration = Duration::days(1);

/// Runs until SIGTERM / SIGINT.
pub async fn run(ctx: &Context<'_>, account: &Account) -> Result<(), MenubarError> {
    let signal_err = |e: std::io::Error| MenubarError::StateFile {
        path: ctx.state_dir.to_owned(),
        problem: format!("cannot listen for signals: {e}"),
    };
    let mut term = signal(SignalKind::terminate()).map_err(signal_err)?;
    let mut int = signal(SignalKind::interrupt()).map_err(signal_err)?;
    let mut usr1 = signal(SignalKind::user_defined1()).map_err(signal_err)?;
    let mut hup = signal(SignalKind::hangup()).map_err(signal_err)?;
    tracing::info!(user = %account.binding.upn, "sesame-menubar running");
    loop {
        let now = OffsetDateTime::now_utc();
        let record = load_or_new(ctx, account, now)?;
        records::save(ctx.state_dir, &account.short_name, &record)?;
        let wait = match record.next_due {
            Some(due) => (due - now).clamp(Duration::ZERO, IDLE),
            None => IDLE,
        };
        let planned = now + wait;
        let sleep = tokio::time::sleep(wait.unsigned_abs());
        tokio::select! {
            () = sleep => {
                let now = OffsetDateTime::now_utc();
                if now - planned > WAKE_SLACK {
                    event(ctx, account, Event::Wake, now)?;
                } else if record.next_due.is_some() {
                    let r = check(ctx, account, Trigger::Timer, now).await?;
                    tracing::info!(state = %r.state, sent = r.sent, "{}", r.message);
                }
            }
            _ = usr1.recv() => {
                let r = check(ctx, account, Trigger::CheckNow, OffsetDateTime::now_utc()).await?;
                tracing::info!(state = %r.state, sent = r.sent, "check now: {}", r.message);
            }
            _ = hup.recv() => event(ctx, account, Event::NetworkChanged, OffsetDateTime::now_utc())?,
            _ = term.recv() => return Ok(()),
            _ = int.recv() => return Ok(()),
        }
    }
}

fn event(
    ctx: &Context<'_>,
    account: &Account,
    e: Event,
    now: OffsetDateTime,
) -> Result<(), MenubarError> {
    let record = load_or_new(ctx, account, now)?;
    let moved = on_event(&record, &ctx.policy(), ctx.seed(account), e, now);
    tracing::info!(event = ?e, next = ?moved.next_due, "re-drawn");
    records::save(ctx.state_dir, &account.short_name, &moved)
}
