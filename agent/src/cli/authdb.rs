//! `sesame-agent authdb install | uninstall | status [--file PLIST]`: put
//! Sesame's mechanisms into the `system.login.console` right, take them
//! out, or say how the right differs from what Sesame expects. The edit
//! itself is [`sesame_agent::authdb`]; this file reads and writes the right
//! (`/usr/bin/security authorizationdb read|write` on a Mac, with a clean
//! environment; a plist file with `--file`) and keeps the backup.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use sesame_agent::authdb::{self, Replace};
use sesame_platform::privileged::PrivilegedCommand;

/// Where the Mac's backup of the original right goes.
const MAC_BACKUP: &str = "/Library/Application Support/Sesame/system.login.console.backup.plist";
/// Apple's tool, by absolute path.
const SECURITY: &str = "/usr/bin/security";

#[derive(Args, Debug)]
pub struct AuthdbArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Put Sesame's mechanisms into the right (backing up the original once).
    Install {
        #[command(flatten)]
        target: Target,
        /// Take the place of another product that owns the login window
        /// (Jamf Connect, XCreds, NoMAD Login): its mechanisms are removed.
        #[arg(long)]
        replace_other: bool,
    },
    /// Take Sesame's mechanisms out, restoring the backed-up original.
    Uninstall {
        #[command(flatten)]
        target: Target,
    },
    /// Say whether the right is as Sesame expects, and what differs.
    Status {
        #[command(flatten)]
        target: Target,
        /// Print the status as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
struct Target {
    /// Edit this plist file instead of the authorization database (its
    /// backup goes next to it, FILE.sesame-backup).
    #[arg(long, value_name = "PLIST")]
    file: Option<PathBuf>,
}

impl Target {
    fn backup(&self) -> PathBuf {
        match &self.file {
            Some(f) => {
                let mut name = f.as_os_str().to_owned();
                name.push(".sesame-backup");
                PathBuf::from(name)
            }
            None => PathBuf::from(MAC_BACKUP),
        }
    }

    fn read(&self) -> Result<Vec<u8>, String> {
        match &self.file {
            Some(f) => std::fs::read(f).map_err(|e| format!("cannot read {}: {e}", f.display())),
            None if cfg!(target_os = "macos") => PrivilegedCommand::new(SECURITY)
                .args(["authorizationdb", "read", authdb::RIGHT])
                .run(None)
                .map_err(|e| {
                    format!(
                        "`security authorizationdb read {}` failed: {e}",
                        authdb::RIGHT
                    )
                }),
            None => {
                Err("there is no authorization database on this system; pass --file PLIST".into())
            }
        }
    }

    fn write(&self, bytes: &[u8]) -> Result<(), String> {
        match &self.file {
            Some(f) => write_file(f, bytes),
            None => PrivilegedCommand::new(SECURITY)
                .args(["authorizationdb", "write", authdb::RIGHT])
                .run(Some(bytes))
                .map(drop)
                .map_err(|e| {
                    format!(
                        "`security authorizationdb write {}` failed (run as root): {e}",
                        authdb::RIGHT
                    )
                }),
        }
    }
}

/// Writes next to `path` and renames over it (never a half-written right),
/// in a folder that was checked and without following a symlink: this runs
/// as root.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    sesame_safefs::write_atomic(path, bytes, 0o644)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn parse(bytes: &[u8], what: &str) -> Result<plist::Value, String> {
    plist::from_bytes(bytes).map_err(|e| format!("{what} is not a plist: {e}"))
}

fn to_xml(v: &plist::Value) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    plist::to_writer_xml(&mut out, v).map_err(|e| e.to_string())?;
    out.push(b'\n');
    Ok(out)
}

/// Runs `sesame-agent authdb …`.
pub fn run(args: &AuthdbArgs) -> ExitCode {
    let r = match &args.action {
        Action::Install {
            target,
            replace_other,
        } => install(target, *replace_other),
        Action::Uninstall { target } => uninstall(target),
        Action::Status { target, json } => return status(target, *json),
    };
    match r {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(line) => {
            eprintln!("sesame-agent authdb: {line}");
            ExitCode::from(2)
        }
    }
}

fn install(target: &Target, replace_other: bool) -> Result<String, String> {
    let bytes = target.read()?;
    let right = parse(&bytes, authdb::RIGHT)?;
    let current = authdb::mechanisms(&right).map_err(|e| e.to_string())?;
    let replace = if replace_other {
        Replace::Other
    } else {
        Replace::Refuse
    };
    let wanted = authdb::install(&current, replace).map_err(|e| e.to_string())?;
    if wanted == current {
        return Ok(format!(
            "{} already has Sesame's mechanisms; nothing changed",
            authdb::RIGHT
        ));
    }
    let backup = target.backup();
    if !backup.exists() {
        // The backup is the right as it was before Sesame: the bytes read,
        // unless an earlier install without a backup left Sesame in it.
        let original = if authdb::uninstall(&current) == current {
            bytes.clone()
        } else {
            let stripped = authdb::with_mechanisms(&right, &authdb::uninstall(&current))
                .map_err(|e| e.to_string())?;
            to_xml(&stripped)?
        };
        write_file(&backup, &original)?;
    }
    let edited = authdb::with_mechanisms(&right, &wanted).map_err(|e| e.to_string())?;
    target.write(&to_xml(&edited)?)?;
    Ok(format!(
        "Sesame's mechanisms are in {} (the original is backed up at {})",
        authdb::RIGHT,
        backup.display()
    ))
}

fn uninstall(target: &Target) -> Result<String, String> {
    let bytes = target.read()?;
    let right = parse(&bytes, authdb::RIGHT)?;
    let current = authdb::mechanisms(&right).map_err(|e| e.to_string())?;
    let without = authdb::uninstall(&current);
    let backup_path = target.backup();
    let backup = match std::fs::read(&backup_path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(format!(
                "cannot read the backup {}: {e}",
                backup_path.display()
            ));
        }
    };
    if let Some(b) = &backup {
        let saved = parse(b, "the backup")?;
        if authdb::mechanisms(&saved).map_err(|e| e.to_string())? == without {
            target.write(b)?;
            sesame_safefs::remove_durably(&backup_path).map_err(|e| {
                format!("restored, but cannot remove {}: {e}", backup_path.display())
            })?;
            return Ok(format!(
                "{} is restored from the backup exactly",
                authdb::RIGHT
            ));
        }
    }
    if without == current {
        return Ok(format!(
            "Sesame's mechanisms are not in {}; nothing changed",
            authdb::RIGHT
        ));
    }
    let edited = authdb::with_mechanisms(&right, &without).map_err(|e| e.to_string())?;
    target.write(&to_xml(&edited)?)?;
    Ok(match backup {
        Some(_) => format!(
            "Sesame's mechanisms are out of {}; the right changed since the backup {} was made, so only Sesame's entries were taken out (the backup is kept)",
            authdb::RIGHT,
            backup_path.display()
        ),
        None => format!(
            "Sesame's mechanisms are out of {} (no backup was found)",
            authdb::RIGHT
        ),
    })
}

fn status(target: &Target, json: bool) -> ExitCode {
    let report = target.read().and_then(|b| {
        let right = parse(&b, authdb::RIGHT)?;
        authdb::mechanisms(&right).map_err(|e| e.to_string())
    });
    let mechs = match report {
        Ok(m) => m,
        Err(e) => {
            eprintln!("sesame-agent authdb: {e}");
            return ExitCode::from(2);
        }
    };
    let s = authdb::status(&mechs);
    if json {
        match serde_json::to_string(&s) {
            Ok(j) => println!("{j}"),
            Err(e) => eprintln!("sesame-agent authdb: {e}"),
        }
    } else if s.installed {
        println!("{}: Sesame is installed as expected", authdb::RIGHT);
    } else {
        println!("{}: not as Sesame expects:", authdb::RIGHT);
        for d in &s.differences {
            println!("  - {d}");
        }
    }
    if s.installed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
