//! `sesame-agent pam install | uninstall | status` on a copy of Debian's
//! sshd PAM file: the module goes first in each facility, a backup is kept,
//! status says where it is, and uninstall gives the file back byte for byte.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const SSHD: &str = "# PAM configuration for the Secure Shell service\n\n@include common-auth\naccount    required     pam_nologin.so\n@include common-account\n@include common-session\n@include common-password\n";

fn agent(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sesame-agent"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn install_status_uninstall_round_trip_with_backups() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sshd");
    std::fs::write(&file, SSHD).unwrap();
    let f = file.to_str().unwrap();

    let (code, out, err) = agent(&[
        "pam",
        "install",
        "--file",
        f,
        "--profile",
        "/etc/sesame/p.plist",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("auth, account, session, password"), "{out}");
    let installed = std::fs::read_to_string(&file).unwrap();
    assert!(installed.contains(
        "auth [success=done ignore=ignore default=die] pam_sesame.so profile=/etc/sesame/p.plist\n@include common-auth"
    ), "{installed}");
    let backup = dir.path().join("sshd.sesame-backup");
    assert_eq!(
        std::fs::read_to_string(&backup).unwrap(),
        SSHD,
        "the backup is the original"
    );

    let (code, out, _) = agent(&["pam", "status", "--file", f, "--json"]);
    assert_eq!(code, 0);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["installed"], true);
    assert_eq!(j["facilities"][0], "auth");

    let (code, out, _) = agent(&[
        "pam",
        "install",
        "--file",
        f,
        "--profile",
        "/etc/sesame/p.plist",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing changed"), "{out}");

    let (code, _, err) = agent(&["pam", "uninstall", "--file", f]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), SSHD);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sshd.sesame-backup.1")).unwrap(),
        installed,
        "uninstall keeps its own backup"
    );
    let (_, out, _) = agent(&["pam", "status", "--file", f]);
    assert!(out.contains("does not load pam_sesame.so"), "{out}");

    let (code, _, err) = agent(&["pam", "status", "--file", "/nonexistent/pam.d/x"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("/nonexistent/pam.d/x") && err.contains("--file"),
        "{err}"
    );
}
