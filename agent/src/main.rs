//! `sesame-agent`: the login agent on the command line.
//!
//! `sesame-agent login` runs the whole sign-in on this machine — the web
//! sign-in in Chromium (or `--native`: user name and password checked by
//! ROPG), the account in the real system or a sandbox root (`--root`), the
//! password in the secret store, the sync log — and exits 0 when the account
//! is ready. Otherwise it prints one line saying why and what to do.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;
use sesame_agent::{Agent, Front, LoginOutcome, NoWebView, Seams, StderrNotices};
use sesame_core::settings::Settings;
use zeroize::Zeroize;

#[path = "cli/authdb.rs"]
mod authdb_cli;
#[path = "cli/pam.rs"]
mod pam_cli;

/// Exit status when the profile, the machine or the command line is unusable.
const SETUP: u8 = 2;
/// Exit status when the person was refused.
const DENIED: u8 = 1;
/// Exit status when Entra could not be reached and the local password may be used.
const FALLBACK: u8 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "sesame-agent",
    version,
    about = "Sesame's login agent: sign in with Microsoft Entra ID and get a local account"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sign in and make the local account ready.
    Login(LoginArgs),
    /// Put Sesame into the login window's authorization right, or take it out.
    Authdb(authdb_cli::AuthdbArgs),
    /// Add pam_sesame.so to a PAM service file, take it out, or show where it is.
    Pam(pam_cli::PamArgs),
}

#[derive(Args, Debug)]
struct LoginArgs {
    /// A profile (.mobileconfig or managed-preferences plist); repeat to merge.
    /// Default: the managed profile of this machine.
    #[arg(long = "profile", value_name = "FILE")]
    profiles: Vec<PathBuf>,
    /// Make the account in the Linux system rooted at DIR (a sandbox root)
    /// instead of this machine's.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Write the sync log here instead of the profile's LogPath.
    #[arg(long, value_name = "FILE")]
    log_path: Option<PathBuf>,
    /// Print the outcome as JSON.
    #[arg(long)]
    json: bool,
    /// Native sign-in: user name and password checked by ROPG, no web view.
    #[arg(long, requires_all = ["user", "password_stdin"])]
    native: bool,
    /// The user name (UPN) for the native sign-in.
    #[arg(long, value_name = "UPN", requires = "native")]
    user: Option<String>,
    /// Read the password for the native sign-in from standard input.
    #[arg(long, requires = "native")]
    password_stdin: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = match cli.command {
        Command::Login(args) => args,
        Command::Authdb(a) => return authdb_cli::run(&a),
        Command::Pam(args) => return pam_cli::run(args),
    };
    match login(&args) {
        Ok(outcome) => {
            if args.json {
                match serde_json::to_string(&outcome) {
                    Ok(j) => println!("{j}"),
                    Err(e) => eprintln!("sesame-agent: cannot print the outcome as JSON: {e}"),
                }
            } else if outcome.is_ready() {
                println!("{}", outcome.one_line());
            }
            if !args.json && !outcome.is_ready() {
                eprintln!("{}", outcome.one_line());
            }
            ExitCode::from(match outcome.outcome {
                sesame_agent::outcome::Ending::Ready => 0,
                sesame_agent::outcome::Ending::Denied => DENIED,
                sesame_agent::outcome::Ending::LocalFallback => FALLBACK,
            })
        }
        Err(line) => {
            eprintln!("sesame-agent: {line}");
            ExitCode::from(SETUP)
        }
    }
}

fn load_profiles(args: &LoginArgs) -> Result<Settings, String> {
    sesame_platform::load_profiles(&args.profiles)
        .map_err(|e| e.to_line("pass one with --profile FILE"))
}

fn login(args: &LoginArgs) -> Result<LoginOutcome, String> {
    let mut settings = load_profiles(args)?;
    if let Some(p) = &args.log_path {
        settings.log_path = p.clone();
    }
    let native = if args.native {
        let user = args.user.clone().unwrap_or_default();
        // One line: the first password. After a wrong one the terminal (if
        // any) is asked, never standard input again.
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        let password = SecretString::from(line.trim_end_matches(['\n', '\r']).to_owned());
        line.zeroize();
        Some((user, password))
    } else {
        if let Err(e) =
            sesame_agent::web::display::headless_here(sesame_agent::web::WindowMode::Auto)
        {
            return Err(format!("{e}"));
        }
        None
    };
    let mut agent = Agent::new(settings).map_err(|e| e.to_string())?;
    let (dir, journal) = platform::directory(args.root.as_deref())?;
    let store = platform::secret_store()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    // Ask again on the terminal when there is one; otherwise nobody can be
    // asked and the outcome says why in one line.
    let mut terminal = sesame_agent::terminal::TerminalPrompter::open();
    let mut notices = StderrNotices;
    let prompter: &mut dyn sesame_agent::Prompter = match terminal.as_mut() {
        Some(t) => t,
        None => &mut notices,
    };
    let seams = Seams {
        dir: dir.as_ref(),
        journal: &journal,
        store: store.as_ref(),
        prompter,
    };
    let outcome = runtime.block_on(async {
        match native {
            Some((user, password)) => {
                let front: Front<'_, NoWebView> = Front::Native { user, password };
                agent.login(front, None, seams).await
            }
            None => {
                let mut web = platform::web_view();
                agent.login(Front::Web(&mut web), None, seams).await
            }
        }
    });
    Ok(outcome)
}

mod platform {
    //! This machine's directory, secret store and web view.

    use std::path::Path;

    use sesame_platform::{AccountDirectory, JournalFile, SecretStore};

    pub fn directory(
        root: Option<&Path>,
    ) -> Result<(Box<dyn AccountDirectory>, JournalFile), String> {
        #[cfg(target_os = "macos")]
        if root.is_none() {
            let dir = sesame_platform::directory::MacDirectory::new();
            let journal = JournalFile::new(dir.journal_path());
            return Ok((Box::new(dir), journal));
        }
        let root = root.unwrap_or(Path::new("/"));
        let dir = sesame_platform::ShadowDirectory::new(root);
        let journal = JournalFile::new(dir.journal_path());
        Ok((Box::new(dir), journal))
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

    #[cfg(not(target_os = "macos"))]
    pub fn web_view() -> sesame_agent::web::chromium::ChromiumWebLogin {
        sesame_agent::web::chromium::ChromiumWebLogin::new(
            sesame_agent::web::chromium::ChromiumOptions::default(),
        )
    }

    #[cfg(target_os = "macos")]
    pub fn web_view() -> sesame_agent::NoWebView {
        sesame_agent::NoWebView(sesame_agent::web::WebLoginError::BrowserMissing(
            "on a Mac the web sign-in runs in the login window; use --native here".into(),
        ))
    }
}
