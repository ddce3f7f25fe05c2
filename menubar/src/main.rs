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
use sesame_core::settings::Settings;
use sesame_entra::{ClientConfig, EntraClient};
use sesame_menubar::{Context, SystemNetwork, Who, find_account, records};
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
    let config = ClientConfig::from_settings(&settings).map_err(|e| e.to_string())?;
    let client = EntraClient::new(config).map_err(|e| e.to_string())?;
    let dir = platform::directory(c.root.as_deref());
    let store = platform::secret_store()?;
    let state_dir = c
        .state_dir
        .clone()
        .unwrap_or_else(|| records::default_state_dir(c.root.as_deref()));
    let network = SystemNetwork::for_authority(&settings.authority_host);
    let host = sesame_synclog::host_name();
    let ctx = Context {
        settings: &settings,
        client: &client,
        dir: dir.as_ref(),
        store: store.as_ref(),
        state_dir: &state_dir,
        network: &network,
        host: &host,
    };
    let who = match &c.user {
        Some(upn) => Who::Upn(upn.clone()),
        None => Who::CurrentUser,
    };
    let account = find_account(ctx.dir, &who).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    let now = OffsetDateTime::now_utc();
    match &cli.command {
        Command::Run => {
            runtime
                .block_on(sesame_menubar::daemon::run(&ctx, &account))
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
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
