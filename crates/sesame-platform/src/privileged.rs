//! Running the OS's privileged tools (`useradd`, `chpasswd`, `dscl`, …) as
//! root, the one way Sesame does it: by absolute path, from a root-owned
//! binary no other user can modify, with a cleared environment.
//!
//! A `PATH` lookup would let anyone who can write a directory early in
//! `PATH` run code as root (and read the `name:password` line `chpasswd`
//! gets on stdin); an inherited environment (`LD_PRELOAD`, `LOCPATH`, …)
//! would let them change what the real tool does. So a tool named without a
//! path is looked up only in [`SYSTEM_DIRS`], and every tool runs with only
//! `PATH=`[`TOOL_PATH`] and `LC_ALL=C` (stable, parseable messages).

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::directory::DirectoryError;

/// Where a tool named without a path is looked for, in order. Never `PATH`.
pub const SYSTEM_DIRS: [&str; 4] = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/// The whole environment a privileged tool gets besides `LC_ALL=C`: a
/// `PATH` of system directories only (for helpers the tool itself starts).
pub const TOOL_PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

/// A privileged command line, as plain data (so it can be checked without
/// running it): the program (an absolute path, or a bare tool name looked up
/// in [`SYSTEM_DIRS`]) and its arguments. Secrets never go in the arguments:
/// they are passed on stdin to [`PrivilegedCommand::run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivilegedCommand {
    /// The program: `/usr/bin/dscl`, or `useradd` (found in a system dir).
    pub program: &'static str,
    /// Its arguments.
    pub args: Vec<OsString>,
}

impl PrivilegedCommand {
    /// `program` with no arguments yet.
    pub fn new(program: &'static str) -> Self {
        Self {
            program,
            args: Vec::new(),
        }
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// The arguments as text (for checks and messages).
    pub fn arg_strings(&self) -> Vec<String> {
        self.args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    /// The absolute path the program runs from: as given when absolute,
    /// else the first of [`SYSTEM_DIRS`] holding it. The binary must be
    /// owned by root and writable by nobody else.
    pub fn resolve(&self) -> Result<PathBuf, DirectoryError> {
        let missing = |detail: String| DirectoryError::ToolMissing {
            tool: self.program.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, detail),
        };
        let path = if Path::new(self.program).is_absolute() {
            PathBuf::from(self.program)
        } else {
            SYSTEM_DIRS
                .iter()
                .map(|d| Path::new(d).join(self.program))
                .find(|p| p.is_file())
                .ok_or_else(|| {
                    missing(format!(
                        "not found in {} (Sesame never searches PATH for a tool it runs as root)",
                        SYSTEM_DIRS.join(", ")
                    ))
                })?
        };
        let meta =
            std::fs::metadata(&path).map_err(|e| missing(format!("{}: {e}", path.display())))?;
        if meta.uid() != 0 || meta.mode() & 0o022 != 0 {
            return Err(DirectoryError::ToolMissing {
                tool: self.program.to_owned(),
                source: std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!(
                        "{} is owned by uid {} with mode {:04o}; Sesame runs only root-owned tools no other user can change (reinstall the package that provides it)",
                        path.display(),
                        meta.uid(),
                        meta.mode() & 0o7777
                    ),
                ),
            });
        }
        Ok(path)
    }

    /// Runs the command with a cleared environment; `stdin` (a secret, such
    /// as `chpasswd`'s `name:password` line) is written to its standard
    /// input. Returns what it printed on stdout.
    pub fn run(&self, stdin: Option<&[u8]>) -> Result<Vec<u8>, DirectoryError> {
        let program = self.resolve()?;
        let started = |source| DirectoryError::ToolMissing {
            tool: self.program.to_owned(),
            source,
        };
        let mut child = Command::new(&program)
            .args(&self.args)
            .env_clear()
            .env("PATH", TOOL_PATH)
            .env("LC_ALL", "C")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(started)?;
        if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // A failed write shows up as the tool's own failure below.
            let _ = pipe.write_all(bytes);
        }
        let out = child.wait_with_output().map_err(started)?;
        if out.status.success() {
            return Ok(out.stdout);
        }
        Err(DirectoryError::Tool {
            tool: self.program.to_owned(),
            status: out.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_sees_only_path_and_locale_never_the_callers_environment() {
        // cargo sets CARGO_* and the shell HOME, USER, … in this process.
        assert!(std::env::vars().count() > 2);
        let out = PrivilegedCommand::new("env").run(None).unwrap_or_default();
        let mut seen: Vec<String> = String::from_utf8_lossy(&out)
            .lines()
            .map(str::to_owned)
            .collect();
        seen.sort();
        assert_eq!(seen, ["LC_ALL=C", &format!("PATH={TOOL_PATH}")]);
    }

    #[test]
    fn a_bare_name_resolves_to_a_system_dir_and_a_missing_one_says_so() {
        let env = PrivilegedCommand::new("env").resolve().unwrap_or_default();
        assert!(
            SYSTEM_DIRS
                .iter()
                .any(|d| env.parent() == Some(Path::new(d))),
            "{}",
            env.display()
        );
        let err = PrivilegedCommand::new("no-such-sesame-tool")
            .resolve()
            .map(|p| p.display().to_string())
            .unwrap_err()
            .to_string();
        assert!(err.contains("never searches PATH"), "{err}");
    }

    #[test]
    fn a_binary_another_user_can_change_is_refused() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let tool = tmp.path().join("tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap_or_default();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o777)).unwrap_or_default();
        let path: &'static str = Box::leak(tool.display().to_string().into_boxed_str());
        let err = PrivilegedCommand::new(path)
            .run(None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("0777") && err.contains("reinstall"), "{err}");
    }
}
