//! `sesame-agent pam install | uninstall | status`: put `pam_sesame.so` in
//! a PAM service file, take it out, or say where it is. The edit itself is
//! pure ([`sesame_core::pam_file`]); here: the file, a backup, the write.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use sesame_core::pam_file;

/// `sesame-agent pam …`
#[derive(Args, Debug)]
pub struct PamArgs {
    #[command(subcommand)]
    action: PamAction,
}

#[derive(Subcommand, Debug)]
enum PamAction {
    /// Add pam_sesame.so to a PAM service file (a backup is kept next to it).
    Install(InstallArgs),
    /// Take pam_sesame.so out of a PAM service file (a backup is kept).
    Uninstall(FileArg),
    /// Say which facilities of a PAM service file load pam_sesame.so.
    Status(StatusArgs),
}

#[derive(Args, Debug)]
struct FileArg {
    /// The PAM service file. Default: /etc/pam.d/common-auth (Debian,
    /// Ubuntu), else /etc/pam.d/system-auth (Fedora).
    #[arg(long, value_name = "F")]
    file: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct InstallArgs {
    #[command(flatten)]
    file: FileArg,
    /// The module as PAM should load it: a bare name is looked up in the
    /// system's PAM module folder.
    #[arg(long, value_name = "PATH", default_value = pam_file::MODULE)]
    module: String,
    /// A profile for the module to read (profile=FILE); repeat to merge.
    /// Default: the managed profile.
    #[arg(long = "profile", value_name = "FILE")]
    profiles: Vec<PathBuf>,
}

#[derive(Args, Debug)]
struct StatusArgs {
    #[command(flatten)]
    file: FileArg,
    /// Print {"file", "installed", "facilities"} as JSON.
    #[arg(long)]
    json: bool,
}

fn default_file() -> PathBuf {
    let debian = PathBuf::from("/etc/pam.d/common-auth");
    if debian.exists() {
        debian
    } else {
        PathBuf::from("/etc/pam.d/system-auth")
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read {}: {e}; name the PAM service file with --file",
            path.display()
        )
    })
}

/// Keeps the current file as `F.sesame-backup` (`F.sesame-backup.N` when
/// one exists), then writes the new text whole or not at all, same mode.
fn write_with_backup(path: &Path, old: &str, new: &str) -> Result<PathBuf, String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o644);
    let mut backup = PathBuf::from(format!("{}.sesame-backup", path.display()));
    let mut n = 1;
    while backup.exists() {
        backup = PathBuf::from(format!("{}.sesame-backup.{n}", path.display()));
        n += 1;
    }
    let fail = |what: &Path, e: std::io::Error| format!("cannot write {}: {e}", what.display());
    sesame_safefs::write_atomic(&backup, old.as_bytes(), mode).map_err(|e| fail(&backup, e))?;
    sesame_safefs::write_atomic(path, new.as_bytes(), mode).map_err(|e| fail(path, e))?;
    Ok(backup)
}

/// Runs the subcommand; the exit status is 0 on success, 2 when the file
/// cannot be read or written.
pub fn run(args: PamArgs) -> ExitCode {
    match action(args.action) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(line) => {
            eprintln!("sesame-agent: {line}");
            ExitCode::from(2)
        }
    }
}

fn action(action: PamAction) -> Result<String, String> {
    match action {
        PamAction::Install(a) => {
            let path = a.file.file.unwrap_or_else(default_file);
            let old = read(&path)?;
            let args: Vec<String> = a
                .profiles
                .iter()
                .map(|p| format!("profile={}", p.display()))
                .collect();
            match pam_file::install(&old, &a.module, &args) {
                None => Ok(format!(
                    "{} already loads {}; nothing changed.",
                    path.display(),
                    pam_file::MODULE
                )),
                Some(new) => {
                    let backup = write_with_backup(&path, &old, &new)?;
                    Ok(format!(
                        "{} now loads {} for {} (backup: {}). Keep a root shell open and test a sign-in before you log out.",
                        path.display(),
                        pam_file::MODULE,
                        pam_file::status(&new).join(", "),
                        backup.display()
                    ))
                }
            }
        }
        PamAction::Uninstall(f) => {
            let path = f.file.unwrap_or_else(default_file);
            let old = read(&path)?;
            let new = pam_file::remove(&old);
            if new == old {
                return Ok(format!(
                    "{} does not load {}; nothing changed.",
                    path.display(),
                    pam_file::MODULE
                ));
            }
            let backup = write_with_backup(&path, &old, &new)?;
            Ok(format!(
                "{} no longer loads {} (backup: {}).",
                path.display(),
                pam_file::MODULE,
                backup.display()
            ))
        }
        PamAction::Status(s) => {
            let path = s.file.file.unwrap_or_else(default_file);
            let text = read(&path)?;
            let found = pam_file::status(&text);
            if s.json {
                return Ok(serde_json::json!({
                    "file": path.display().to_string(),
                    "installed": !found.is_empty(),
                    "facilities": found,
                })
                .to_string());
            }
            Ok(if found.is_empty() {
                format!("{} does not load {}.", path.display(), pam_file::MODULE)
            } else {
                format!(
                    "{} loads {} for {}.",
                    path.display(),
                    pam_file::MODULE,
                    found.join(", ")
                )
            })
        }
    }
}
