//! The shadow-tool command lines Sesame runs, built as plain data so they can
//! be checked without running them. Passwords never appear here: they go to
//! `chpasswd` on stdin.

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::{AccountSpec, DirectoryError};

/// A command to run: program, arguments, and whether it reads a secret on
/// stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolCommand {
    pub program: &'static str,
    pub args: Vec<OsString>,
}

fn root_args(flag: &str, root: &Path) -> Vec<OsString> {
    if root == Path::new("/") {
        Vec::new()
    } else {
        vec![flag.into(), root.as_os_str().to_owned()]
    }
}

/// `useradd`: home created, a personal group, bash.
pub(crate) fn useradd(root: &Path, spec: &AccountSpec) -> ToolCommand {
    let mut args = root_args("--root", root);
    args.extend(
        [
            "--create-home",
            "--user-group",
            "--uid",
            &spec.uid.to_string(),
            "--comment",
            &spec.full_name,
            "--home-dir",
            &spec.home,
            "--shell",
            "/bin/bash",
            "--",
            &spec.short_name,
        ]
        .map(OsString::from),
    );
    ToolCommand {
        program: "useradd",
        args,
    }
}

/// `usermod --comment`.
pub(crate) fn set_comment(root: &Path, short_name: &str, full_name: &str) -> ToolCommand {
    let mut args = root_args("--root", root);
    args.extend(["--comment", full_name, "--", short_name].map(OsString::from));
    ToolCommand {
        program: "usermod",
        args,
    }
}

/// `chpasswd` with an explicit hash method (which also keeps PAM, absent in
/// a sandbox root, out of the way). The `name:password` line goes on stdin.
pub(crate) fn chpasswd(root: &Path) -> ToolCommand {
    let mut args = root_args("--root", root);
    args.extend(["--crypt-method", "YESCRYPT"].map(OsString::from));
    ToolCommand {
        program: "chpasswd",
        args,
    }
}

/// `gpasswd --add` / `--delete` for the admin group.
pub(crate) fn gpasswd(root: &Path, short_name: &str, group: &str, add: bool) -> ToolCommand {
    let mut args = root_args("--root", root);
    args.extend([if add { "--add" } else { "--delete" }, short_name, group].map(OsString::from));
    ToolCommand {
        program: "gpasswd",
        args,
    }
}

/// `userdel --remove` (home and mail spool).
pub(crate) fn userdel(root: &Path, short_name: &str) -> ToolCommand {
    let mut args = root_args("--root", root);
    args.extend(["--remove", "--", short_name].map(OsString::from));
    ToolCommand {
        program: "userdel",
        args,
    }
}

impl ToolCommand {
    /// Run the command; `stdin` (a secret) is written to its standard input.
    pub(crate) fn run(&self, stdin: Option<&[u8]>) -> Result<(), DirectoryError> {
        let mut child = Command::new(self.program)
            .args(&self.args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .env("LC_ALL", "C")
            .spawn()
            .map_err(|source| DirectoryError::ToolMissing {
                tool: self.program.to_owned(),
                source,
            })?;
        if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // A failed write shows up as the tool's own failure below.
            let _ = pipe.write_all(bytes);
        }
        let out = child
            .wait_with_output()
            .map_err(|source| DirectoryError::ToolMissing {
                tool: self.program.to_owned(),
                source,
            })?;
        if out.status.success() {
            return Ok(());
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

    fn strs(c: &ToolCommand) -> Vec<String> {
        c.args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn sandbox_root_is_passed_and_real_root_is_not() {
        let spec = AccountSpec {
            short_name: "ada".into(),
            uid: 1000,
            full_name: "Ada Lovelace".into(),
            home: "/home/ada".into(),
        };
        let c = useradd(Path::new("/tmp/sbx"), &spec);
        assert_eq!(
            strs(&c),
            [
                "--root",
                "/tmp/sbx",
                "--create-home",
                "--user-group",
                "--uid",
                "1000",
                "--comment",
                "Ada Lovelace",
                "--home-dir",
                "/home/ada",
                "--shell",
                "/bin/bash",
                "--",
                "ada"
            ]
        );
        assert_eq!(strs(&useradd(Path::new("/"), &spec))[0], "--create-home");
        assert_eq!(
            strs(&gpasswd(Path::new("/"), "ada", "sudo", false)),
            ["--delete", "ada", "sudo"]
        );
        assert_eq!(
            strs(&chpasswd(Path::new("/r"))),
            ["--root", "/r", "--crypt-method", "YESCRYPT"]
        );
    }
}
