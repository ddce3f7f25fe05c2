//! `sesame log`: the sync log as a readable table, each AADSTS code explained.
//!
//! Exit codes: 0 the log was read (even if no event matched), 1 there is no
//! log at the path (wrong `--log-path`, or nothing written yet), 2 bad arguments.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use sesame_core::synclog::{EventFilter, EventKind, SyncEvent, parse_since};
use sesame_entra::Catalog;
use sesame_synclog::{CorruptLine, Follower, default_log_path, read_log};
use time::OffsetDateTime;

use crate::terminal::{json_safe, printable};

/// `sesame log …`
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only events about this person: UPN (alice@contoso.com) or short name (alice).
    #[arg(long)]
    user: Option<String>,
    /// Only events since: an RFC 3339 time, a date (2026-11-22) or an age (30m, 2h, 7d).
    #[arg(long)]
    since: Option<String>,
    /// Only one kind of event (password_check, sign_in, account_created, doctor_check, …).
    #[arg(long, value_parser = parse_event)]
    event: Option<EventKind>,
    /// Keep running and print new events as they are written.
    #[arg(long)]
    follow: bool,
    /// Print the matching events as JSON Lines, exactly as stored.
    #[arg(long)]
    json: bool,
    /// The sync log to read (default: /Library/Logs/Sesame/sync.log on macOS,
    /// /var/log/sesame/sync.log on Linux).
    #[arg(long, env = "SESAME_LOG_PATH")]
    log_path: Option<PathBuf>,
}

impl LogArgs {
    /// Every event of the log at `path`, as the table (what `sesame demo` ends with).
    pub(crate) fn whole_file(path: PathBuf) -> Self {
        Self {
            user: None,
            since: None,
            event: None,
            follow: false,
            json: false,
            log_path: Some(path),
        }
    }
}

fn parse_event(text: &str) -> Result<EventKind, String> {
    EventKind::from_name(text).ok_or_else(|| {
        let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
        format!("unknown event `{text}`; use one of: {}", names.join(", "))
    })
}

/// Runs `sesame log`.
pub fn run(args: LogArgs) -> anyhow::Result<ExitCode> {
    let path = args.log_path.clone().unwrap_or_else(default_log_path);
    let since = match &args.since {
        Some(s) => Some(parse_since(s, OffsetDateTime::now_utc()).context("--since")?),
        None => None,
    };
    let filter = EventFilter {
        user: args.user.clone(),
        since,
        event: args.event,
    };
    let catalog = Catalog::builtin();
    // Start following before reading, so no line written in between is missed.
    let mut follower = if args.follow {
        Some(Follower::from_end(&path)?)
    } else {
        None
    };
    let report = read_log(&path)?;
    if report.files.is_empty() && follower.is_none() {
        eprintln!(
            "sesame log: there is no sync log at {} (nothing written yet, or pass --log-path)",
            path.display()
        );
        return Ok(ExitCode::from(1));
    }
    let mut out = std::io::stdout().lock();
    if !args.json {
        writeln!(out, "{}", header())?;
    }
    for e in report.events.iter().filter(|e| filter.matches(e)) {
        write!(out, "{}", render(e, args.json, catalog)?)?;
    }
    report_corrupt(&report.corrupt);
    out.flush()?;
    let Some(follower) = follower.as_mut() else {
        return Ok(ExitCode::SUCCESS);
    };
    loop {
        let mut corrupt = Vec::new();
        for item in follower.poll()? {
            match item {
                Ok(e) if filter.matches(&e) => write!(out, "{}", render(&e, args.json, catalog)?)?,
                Ok(_) => {}
                Err(c) => corrupt.push(c),
            }
        }
        report_corrupt(&corrupt);
        out.flush()?;
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn render(e: &SyncEvent, json: bool, catalog: &Catalog) -> anyhow::Result<String> {
    if json {
        Ok(json_safe(&e.to_line()?).into_owned())
    } else {
        Ok(render_row(e, catalog))
    }
}

fn report_corrupt(corrupt: &[CorruptLine]) {
    for c in corrupt {
        eprintln!("sesame log: {}", printable(&c.to_string()));
    }
}

/// The table's column headings.
pub fn header() -> String {
    format!(
        "{:<20}  {:<24}  {:<9}  {:<16}  {:<20}  {}",
        "TIME (UTC)", "USER", "COMPONENT", "EVENT", "VERDICT", "CODES"
    )
}

/// One event as a table row, then its sentence, one line per AADSTS code
/// (meaning and fix), and the IDs Microsoft support asks for.
pub fn render_row(e: &SyncEvent, catalog: &Catalog) -> String {
    let time = e
        .time
        .to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_else(|_| e.time.to_string());
    // Names and the message come from the log file: never print their
    // terminal control characters.
    let user = match &e.user {
        Some(u) => match &u.short_name {
            Some(s) => format!("{} ({})", printable(&u.upn), printable(s)),
            None => printable(&u.upn).into_owned(),
        },
        None => "-".to_owned(),
    };
    let verdict = e.verdict.map_or("-", |v| v.name());
    let codes = if e.codes.is_empty() {
        "-".to_owned()
    } else {
        e.codes
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut s = format!(
        "{time:<20}  {user:<24}  {:<9}  {:<16}  {verdict:<20}  {codes}\n",
        e.component.name(),
        e.event.name()
    );
    let mut detail = vec![printable(&e.message).into_owned()];
    // What the answer proves about the password (older lines: from the verdict).
    if let Some(proof) = e
        .password_verified
        .or_else(|| e.verdict.and_then(|v| v.proof()))
    {
        detail.push(format!("password: {}", proof.describe()));
    }
    for &code in &e.codes {
        detail.push(explain_code_line(code, catalog));
    }
    if let Some(d) = e.duration_ms {
        detail.push(format!("took {d} ms on {}", printable(&e.host)));
    }
    match (e.trace_id, e.correlation_id) {
        (None, None) => {}
        (t, c) => detail.push(format!(
            "for Microsoft support: trace ID {}, correlation ID {}, time {}",
            t.map_or("-".to_owned(), |t| t.to_string()),
            c.map_or("-".to_owned(), |c| c.to_string()),
            e.time
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        )),
    }
    for line in detail {
        s.push_str("    ");
        s.push_str(&line);
        s.push('\n');
    }
    s
}

/// One line explaining an AADSTS code: what it means and what to do.
pub fn explain_code_line(code: u32, catalog: &Catalog) -> String {
    match catalog.get(code) {
        Some(entry) => format!(
            "AADSTS{code} ({}): {} Fix: {}",
            entry.name,
            sentence(&entry.meaning),
            entry.fix_with_portal()
        ),
        None => format!(
            "AADSTS{code}: not in Sesame's catalog; see https://login.microsoftonline.com/error?code={code}"
        ),
    }
}

/// Ends a catalog phrase with a full stop.
fn sentence(text: &str) -> String {
    let t = text.trim();
    if t.ends_with(['.', '!', '?']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
}
