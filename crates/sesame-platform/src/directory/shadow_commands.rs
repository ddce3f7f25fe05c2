//! The shadow-tool command lines Sesame runs, built as plain data so they can
//! be checked without running them. Passwords never appear here: they go to
//! `chpasswd` on stdin.

use std::ffi::OsString;
use std::path::Path;

use super::AccountSpec;
use crate::privileged::PrivilegedCommand;

/// A shadow-tool command: run by [`PrivilegedCommand::run`] (absolute path
/// from a system directory, cleared environment), never through `PATH`.
pub(crate) type ToolCommand = PrivilegedCommand;

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
    PrivilegedCommand::new("useradd").args(args)
}

/// `usermod --comment`.
pub(crate) fn set_comment(root: &Path, short_name: &str, full_name: &str) -> ToolCommand {
    let mut args = root_args("--root", root);
    args.extend(["--comment", full_name, "--", short_name].map(OsString::from));
    PrivilegedCommand::new("usermod").args(args)
}

/// `chpasswd` with an explicit hash method (which also keeps PAM, absent in
/// a sandbox root, out of the way). The `name:password` line goes on stdin.
pub(crate) fn chpasswd(root: &Path) -> ToolCommand {
    let mut args = root_args("--root", root);
    args.extend(["--crypt-method", "YESCRYPT"].map(OsString::from));
    PrivilegedCommand::new("chpasswd").args(args)
}

/// `gpasswd --add` / `--delete` for the admin group.
pub(crate) fn gpasswd(root: &Path, short_name: &str, group: &str, add: bool) -> ToolCommand {
    let mut args = root_args("--root", root);
    args.extend([if add { "--add" } else { "--delete" }, short_name, group].map(OsString::from));
    PrivilegedCommand::new("gpasswd").args(args)
}

/// `userdel --remove` (home and mail spool).
pub(crate) fn userdel(root: &Path, short_name: &str) -> ToolCommand {
    let mut args = root_args("--root", root);
    args.extend(["--remove", "--", short_name].map(OsString::from));
    PrivilegedCommand::new("userdel").args(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(c: &ToolCommand) -> Vec<String> {
        c.arg_strings()
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
