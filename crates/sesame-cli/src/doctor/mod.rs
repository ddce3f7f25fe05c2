//! `sesame doctor`: tests a profile against its tenant the way an admin
//! would by hand, and prints a checklist with a fix per failure.
//!
//! Exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 the
//! profile or the password could not be read.

mod checks;
mod probe;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use secrecy::SecretString;
use serde_json::json;
use sesame_core::settings;
use sesame_core::synclog::{Component, EventKind, SyncEvent, Verdict};
use sesame_synclog::SyncLogWriter;

use checks::{Check, Status};

/// `sesame doctor …`
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The configuration profile to test (.mobileconfig or managed-preferences plist).
    #[arg(long)]
    profile: PathBuf,
    /// A test user's UPN: adds the password checks (sent once, never retried).
    #[arg(long, requires = "password_stdin")]
    user: Option<String>,
    /// Read the test user's password from the first line of standard input.
    #[arg(long, requires = "user")]
    password_stdin: bool,
    /// Print {"checks": [{"name", "status", "codes", "fix", "detail"}]}.
    #[arg(long)]
    json: bool,
    /// Also append each check to this sync log.
    #[arg(long)]
    log_path: Option<PathBuf>,
}

/// Reads one line (the test password) into a secret. The line buffer is
/// pre-sized so reading does not leave reallocated copies behind, and is
/// zeroized when dropped; the secret gets an exact-size copy.
fn read_secret_line(input: &mut dyn std::io::BufRead) -> std::io::Result<SecretString> {
    let mut line = zeroize::Zeroizing::new(String::with_capacity(1024));
    input.read_line(&mut line)?;
    let trimmed = line.strip_suffix('\n').unwrap_or(&line);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    Ok(SecretString::from(trimmed.to_owned()))
}

/// Runs `sesame doctor`.
pub fn run(args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let Some(settings) = load_profile(&args.profile)? else {
        return Ok(ExitCode::from(2));
    };
    let password = if args.password_stdin {
        Some(
            read_secret_line(&mut std::io::stdin().lock())
                .context("could not read the password from standard input")?,
        )
    } else {
        None
    };
    let user = args.user.as_deref().zip(password.as_ref());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let observed = runtime.block_on(probe::observe(&settings, user))?;
    let checks = checks::evaluate(&observed.obs);
    if let Some(path) = &args.log_path {
        log_checks(
            path,
            &checks,
            args.user.as_deref(),
            observed.password_error.as_ref(),
        )?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let list: Vec<_> = checks.iter().map(Check::to_json).collect();
        writeln!(out, "{}", json!({ "checks": list }))?;
    } else {
        write!(out, "{}", render(&checks, args.user.is_some()))?;
    }
    Ok(if checks.iter().any(|c| c.status == Status::Fail) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn load_profile(path: &PathBuf) -> anyhow::Result<Option<settings::Settings>> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("could not read the profile {}", path.display()))?;
    let name = path.display().to_string();
    let report = settings::load(&[(name.as_str(), bytes.as_slice())]);
    match report.settings {
        Some(s) if !report.has_errors() => Ok(Some(s)),
        _ => {
            eprintln!(
                "sesame doctor: the profile {name} is not usable; fix these first (see `sesame profile check`):"
            );
            for f in report
                .findings
                .iter()
                .filter(|f| f.severity == settings::Severity::Error)
            {
                eprintln!("  {f}");
            }
            Ok(None)
        }
    }
}

fn render(checks: &[Check], with_user: bool) -> String {
    let mut s = String::new();
    for c in checks {
        let codes = c
            .codes
            .iter()
            .map(|c| format!("AADSTS{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        s.push_str(&format!(
            "{:<4}  {:<20}  {}{}\n",
            c.status.name().to_uppercase(),
            c.name,
            c.detail,
            if codes.is_empty() {
                String::new()
            } else {
                format!(" [{codes}]")
            }
        ));
        if !c.fix.is_empty() {
            s.push_str(&format!("      Fix: {}\n", c.fix));
        }
    }
    let count = |st| checks.iter().filter(|c| c.status == st).count();
    s.push_str(&format!(
        "\n{} passed, {} warnings, {} failed.{}\n",
        count(Status::Pass),
        count(Status::Warn),
        count(Status::Fail),
        if with_user {
            ""
        } else {
            " Add --user UPN --password-stdin to test a sign-in too."
        }
    ));
    s
}

fn log_checks(
    path: &PathBuf,
    checks: &[Check],
    user: Option<&str>,
    err: Option<&sesame_entra::EntraError>,
) -> anyhow::Result<()> {
    let mut writer = SyncLogWriter::open(path)?;
    let host = sesame_synclog::host_name();
    let now = time::OffsetDateTime::now_utc();
    let id = |v: Option<&String>| v.and_then(|s| uuid::Uuid::parse_str(s).ok());
    for c in checks {
        let mut e = SyncEvent::new(
            now,
            &host,
            Component::Doctor,
            EventKind::DoctorCheck,
            format!("doctor {}: {}", c.name, c.detail),
        )
        .with_verdict(match c.status {
            Status::Pass => Verdict::Pass,
            Status::Warn => Verdict::Warn,
            Status::Fail => Verdict::Fail,
        })
        .with_codes(c.codes.iter().copied());
        if let Some(u) = user {
            e = e.with_user(u, None);
        }
        if let Some(err) = err
            && !c.codes.is_empty()
            && c.codes.iter().all(|code| err.error_codes.contains(code))
        {
            e = e.with_ids(id(err.trace_id.as_ref()), id(err.correlation_id.as_ref()));
        }
        writer.append(&e)?;
    }
    Ok(())
}

#[cfg(test)]
mod stdin_tests {
    use secrecy::ExposeSecret as _;

    #[test]
    fn the_password_line_loses_only_its_line_end() {
        for (input, want) in [
            (&b"Pa55 word\r\n"[..], "Pa55 word"),
            (b"x\n", "x"),
            (b"no newline", "no newline"),
        ] {
            let got = super::read_secret_line(&mut &input[..]);
            assert_eq!(got.ok().as_ref().map(|s| s.expose_secret()), Some(want));
        }
    }
}
