//! `sesame-menubar`: the password re-verification daemon and its status menu.
//! It re-checks the stored password against Entra on a jittered schedule, on
//! network change and on wake, and never locks anyone out.
//!
//! `run` (the daemon), `status [--json]`, `check-now [--json]`, `sync`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;
use sesame_core::recheck::SyncState;
use sesame_core::recheck::Trigger;
use sesame_core::settings::Settings;
use sesame_entra::{ClientConfig, EntraClient};
use sesame_menubar::listen::SystemListener;
use sesame_menubar::{Context, SystemNetwork, Who, daemon, find_account, records};
use time::OffsetDateTime;
use zeroize::Zeroize;

/// The profile, the machine or the command line is unusable.
const SETUP: u8 = 2;
/// The user must act (state needs them, or a sync was refused).
const ACT: u8 = 1;
/// Entra could not be asked now (offline, throttled, locked hold).
const LATER: u8 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "sesame-menubar",
    version,
    about = "Sesame's menu-bar daemon: keeps the local password in sync with the Entra ID password, without ever locking anyone out"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug)]
struct Common {
    /// A profile (.mobileconfig or managed-preferences plist); repeat to merge.
    /// Default: the managed profile of this machine.
    #[arg(long = "profile", value_name = "FILE", global = true)]
    profiles: Vec<PathBuf>,
    /// Act for the account bound to this UPN (default: the signed-in user).
    #[arg(long, value_name = "UPN", global = true)]
    user: Option<String>,
    /// The Linux system rooted at DIR (a sandbox root) instead of this machine's.
    #[arg(long, value_name = "DIR", global = true)]
    root: Option<PathBuf>,
    /// Write the sync log here instead of the profile's LogPath.
    #[arg(long, value_name = "FILE", global = true)]
    log_path: Option<PathBuf>,
    /// Keep the daemon's record here (default: the user's state folder, or
    /// <root>/var/lib/sesame/menubar with --root).
    #[arg(long, value_name = "DIR", global = true)]
    state_dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the daemon (as the user: a LaunchAgent or a systemd user unit).
    Run,
    /// Show the state, last and next check, expiry and the menu's items.
    Status(Json),
    /// Check once now, obeying every rule (never resends a wrong password).
    CheckNow(Json),
    /// Type the new cloud password: verified, then local password and secret store updated.
    Sync(SyncArgs),
    /// The daemon's timer check (run by `run` in a child): like `check-now`,
    /// but skipped when the record says it is not due yet.
    #[command(hide = true)]
    CheckDue,
}

#[derive(Args, Debug)]
struct Json {
    /// Print JSON (with a `state` field).
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct SyncArgs {
    /// Read the new password from standard input (first line); a second
    /// line, when given, is the current local password.
    #[arg(long)]
    password_stdin: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn load_profiles(paths: &[PathBuf]) -> Result<Settings, String> {
    sesame_platform::load_profiles(paths).map_err(|e| e.to_line("pass one with --profile FILE"))
}

fn main() -> ExitCode {
    #[cfg(target_os = "linux")]
    {
        let mut args = std::env::args_os().skip(1);
        if args.next().is_some_and(|a| a == daemon::SCHEDULER_ARG) {
            return scheduler_image(args.next().as_deref());
        }
    }
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("SESAME_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(line) => {
            eprintln!("sesame-menubar: {line}");
            ExitCode::from(SETUP)
        }
    }
}

/// The scheduler image (see `daemon::exec_scheduler`): no clap, no
/// profile, no Entra client. Its log level comes from `SESAME_LOG` as a
/// plain level (`info`, `debug`; per-module filters are for the checks).
#[cfg(target_os = "linux")]
fn scheduler_image(spec: Option<&std::ffi::OsStr>) -> ExitCode {
    let level = std::env::var("SESAME_LOG")
        .ok()
        .and_then(|v| v.parse::<tracing::level_filters::LevelFilter>().ok())
        .unwrap_or(tracing::level_filters::LevelFilter::WARN);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .init();
    let ran = daemon::schedule_from_arg(spec).and_then(|schedule| {
        let mut listener = SystemListener::new(schedule.policy.on_network_change)
            .map_err(|e| format!("cannot listen for signals and timers: {e}"))?;
        daemon::run(&schedule, &mut listener).map_err(|e| e.to_string())
    });
    match ran {
        Ok(()) => ExitCode::SUCCESS,
        Err(line) => {
            eprintln!("sesame-menubar: {line}");
            ExitCode::from(SETUP)
        }
    }
}

fn exit_for(state: SyncState) -> ExitCode {
    match state {
        SyncState::InSync | SyncState::NotCheckedYet => ExitCode::SUCCESS,
        SyncState::Offline | SyncState::Throttled => ExitCode::from(LATER),
        _ => ExitCode::from(ACT),
    }
}

fn print_json(v: &impl serde::Serialize) -> Result<(), String> {
    let text = serde_json::to_string_pretty(v).map_err(|e| format!("cannot print JSON: {e}"))?;
    println!("{text}");
    Ok(())
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let c = &cli.common;
    let mut settings = load_profiles(&c.profiles)?;
    if let Some(p) = &c.log_path {
        settings.log_path = p.clone();
    }
    let dir = platform::directory(c.root.as_deref());
    let state_dir = c
        .state_dir
        .clone()
        .unwrap_or_else(|| records::default_state_dir(c.root.as_deref()));
    let who = match &c.user {
        Some(upn) => Who::Upn(upn.clone()),
        None => Who::CurrentUser,
    };
    let account = find_account(dir.as_ref(), &who).map_err(|e| e.to_string())?;
    let host = sesame_synclog::host_name();
    if let Command::Run = cli.command {
        // The scheduler keeps only what scheduling needs: no Entra client,
        // no secret store (each check runs in a child, see daemon.rs).
        let schedule = daemon::Schedule {
            policy: sesame_menubar::policy(&settings),
            seed: sesame_menubar::seed(&host, &account),
            check: daemon::CheckCommand {
                exe: std::env::current_exe()
                    .map_err(|e| format!("cannot find this program to run checks: {e}"))?,
                args: check_args(c, &state_dir, &account.binding.upn)?,
            },
            short_name: account.short_name,
            state_dir,
        };
        let listener = SystemListener::new(schedule.policy.on_network_change)
            .map_err(|e| format!("cannot listen for signals and timers: {e}"))?;
        #[cfg(target_os = "macos")]
        return mac::run(schedule, listener, &settings);
        #[cfg(not(target_os = "macos"))]
        {
            // The listener has blocked the daemon's signals; the fresh image
            // opens its own descriptors and finds any signal sent meanwhile.
            #[cfg(target_os = "linux")]
            {
                let e = daemon::exec_scheduler(&schedule);
                tracing::warn!("scheduling in this process (more memory): {e}");
            }
            drop((settings, dir));
            let mut listener = listener;
            daemon::run(&schedule, &mut listener).map_err(|e| e.to_string())?;
            return Ok(ExitCode::SUCCESS);
        }
    }
    let config = ClientConfig::from_settings(&settings).map_err(|e| e.to_string())?;
    let client = EntraClient::new(config).map_err(|e| e.to_string())?;
    let store = platform::secret_store()?;
    let network = SystemNetwork::for_authority(&settings.authority_host);
    let ctx = Context {
        settings: &settings,
        client: &client,
        dir: dir.as_ref(),
        store: store.as_ref(),
        state_dir: &state_dir,
        network: &network,
        host: &host,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    let now = OffsetDateTime::now_utc();
    match &cli.command {
        Command::Run => Ok(ExitCode::SUCCESS),
        Command::CheckDue => {
            let r = runtime
                .block_on(sesame_menubar::check(&ctx, &account, Trigger::Timer, now))
                .map_err(|e| e.to_string())?;
            println!("{}: {}", r.state, r.message);
            Ok(exit_for(r.state))
        }
        Command::Status(o) => {
            let s = sesame_menubar::status(&ctx, &account, now).map_err(|e| e.to_string())?;
            if o.json {
                print_json(&s)?;
            } else {
                print!("{}", s.lines());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::CheckNow(o) => {
            let r = runtime
                .block_on(sesame_menubar::check_now(&ctx, &account, now))
                .map_err(|e| e.to_string())?;
            if o.json {
                print_json(&r)?;
            } else {
                println!("{}: {}", r.state, r.message);
            }
            Ok(exit_for(r.state))
        }
        Command::Sync(o) => {
            let (new, old) = read_passwords(o.password_stdin)?;
            let result = runtime.block_on(sesame_menubar::sync(
                &ctx,
                &account,
                new,
                old,
                now,
                &mut sesame_menubar::sync::RunToEnd,
            ));
            match result {
                Ok(r) => {
                    if o.json {
                        print_json(&r)?;
                    } else {
                        println!("{}: {}", r.state, r.message);
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    if o.json {
                        print_json(
                            &serde_json::json!({"state": "not_synced", "error": e.to_string()}),
                        )?;
                    }
                    eprintln!("sesame-menubar: {e}");
                    Ok(ExitCode::from(ACT))
                }
            }
        }
    }
}

/// The global arguments a check child gets: the daemon's own profiles,
/// root, log path, state folder and the resolved user, as absolute paths.
fn check_args(
    c: &Common,
    state_dir: &std::path::Path,
    upn: &str,
) -> Result<Vec<std::ffi::OsString>, String> {
    let abs = |p: &std::path::Path| {
        std::path::absolute(p)
            .map(std::path::PathBuf::into_os_string)
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let mut args = Vec::new();
    for p in &c.profiles {
        args.extend(["--profile".into(), abs(p)?]);
    }
    if let Some(r) = &c.root {
        args.extend(["--root".into(), abs(r)?]);
    }
    if let Some(l) = &c.log_path {
        args.extend(["--log-path".into(), abs(l)?]);
    }
    args.extend(["--state-dir".into(), abs(state_dir)?]);
    args.extend(["--user".into(), upn.into()]);
    Ok(args)
}

/// The new password (and, optionally, the current local one): from stdin
/// lines, or asked on the terminal without echo.
fn read_passwords(from_stdin: bool) -> Result<(SecretString, Option<SecretString>), String> {
    let stdin = std::io::stdin();
    if !from_stdin && !stdin.is_terminal() {
        return Err(
            "sync needs the new password: type it on a terminal or pass --password-stdin".into(),
        );
    }
    if from_stdin {
        let mut lines = stdin.lock().lines();
        let mut first = lines
            .next()
            .transpose()
            .map_err(|e| format!("cannot read the password: {e}"))?
            .unwrap_or_default();
        let new = SecretString::from(first.trim_end_matches('\r').to_owned());
        first.zeroize();
        let old = match lines.next().transpose() {
            Ok(Some(mut l)) if !l.is_empty() => {
                let s = SecretString::from(l.trim_end_matches('\r').to_owned());
                l.zeroize();
                Some(s)
            }
            _ => None,
        };
        return Ok((new, old));
    }
    let new = ask_hidden("New Microsoft password: ")?;
    Ok((new, None))
}

fn ask_hidden(prompt: &str) -> Result<SecretString, String> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let fd = libc::STDIN_FILENO;
    // SAFETY: termios is plain data; tcgetattr/tcsetattr on stdin, restored below.
    let mut term: libc::termios = unsafe { std::mem::zeroed() };
    let saved = unsafe { libc::tcgetattr(fd, &mut term) } == 0;
    let original = term;
    if saved {
        term.c_lflag &= !libc::ECHO;
        // SAFETY: as above.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &term) };
    }
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if saved {
        // SAFETY: as above.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &original) };
    }
    eprintln!();
    read.map_err(|e| format!("cannot read the password: {e}"))?;
    let s = SecretString::from(line.trim_end_matches(['\n', '\r']).to_owned());
    line.zeroize();
    Ok(s)
}

#[cfg(target_os = "macos")]
mod mac {
    //! macOS: the status item on the main thread (AppKit's event loop), the
    //! scheduler on its own thread.

    use std::process::ExitCode;

    use objc2_foundation::MainThreadMarker;
    use sesame_core::recheck::{MenuLinks, Record, menu};
    use sesame_core::settings::Settings;
    use sesame_menubar::daemon::{self, Schedule};
    use sesame_menubar::listen::{SystemListener, Wakeup};
    use sesame_menubar::menu_action::sync_script;
    use sesame_menubar::records;
    use sesame_menubar::status_item::{Hooks, run_app};
    use time::OffsetDateTime;

    pub fn run(
        schedule: Schedule,
        mut listener: SystemListener,
        settings: &Settings,
    ) -> Result<ExitCode, String> {
        let mtm = MainThreadMarker::new().ok_or("the status item needs the main thread")?;
        let links = MenuLinks {
            change_password: settings.change_password_url.to_string(),
            reset_password: settings.reset_password_url.to_string(),
            help: settings.help_url.as_ref().map(ToString::to_string),
            log_path: settings.log_path.display().to_string(),
        };
        let tx = listener.sender();
        if schedule.policy.on_network_change {
            let tx = tx.clone();
            sesame_menubar::network_watch::watch(Box::new(move |w| {
                let _ = tx.send(w);
            }));
        }
        let (state_dir, short_name) = (schedule.state_dir.clone(), schedule.short_name.clone());
        let script = sync_script(&schedule.check.exe, &schedule.check.args);
        std::thread::spawn(move || {
            let code = match daemon::run(&schedule, &mut listener) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("sesame-menubar: {e}");
                    2
                }
            };
            std::process::exit(code);
        });
        let hooks = Hooks {
            menu: Box::new(move || {
                let now = OffsetDateTime::now_utc();
                let record = records::load(&state_dir, &short_name)
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| Record::new(now));
                menu(&record, &links, None, None, now)
            }),
            tell: Box::new(move |w: Wakeup| {
                let _ = tx.send(w);
            }),
            sync: Box::new(move || {
                let ran = std::process::Command::new("/usr/bin/osascript")
                    .args(["-e", &script])
                    .env_clear()
                    .status();
                if let Err(e) = ran {
                    tracing::warn!("cannot open a terminal for the new password: {e}");
                }
            }),
        };
        run_app(mtm, hooks);
        Ok(ExitCode::SUCCESS)
    }
}

mod platform {
    //! This machine's directory and secret store (as the login agent uses them).

    use std::path::Path;

    use sesame_platform::{AccountDirectory, SecretStore};

    pub fn directory(root: Option<&Path>) -> Box<dyn AccountDirectory> {
        #[cfg(target_os = "macos")]
        if root.is_none() {
            return Box::new(sesame_platform::directory::MacDirectory::new());
        }
        Box::new(sesame_platform::ShadowDirectory::new(
            root.unwrap_or(Path::new("/")),
        ))
    }

    pub fn secret_store() -> Result<Box<dyn SecretStore>, String> {
        #[cfg(target_os = "macos")]
        {
            Ok(Box::new(
                sesame_platform::secrets::KeychainSecretStore::new(),
            ))
        }
        #[cfg(not(target_os = "macos"))]
        {
            sesame_platform::KeyringSecretStore::for_this_session()
                .map(|(s, _)| Box::new(s) as Box<dyn SecretStore>)
                .map_err(|e| format!("{e}"))
        }
    }
}
