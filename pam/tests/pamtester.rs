//! The built module driven by Debian's `pamtester` under `libpam-wrapper`
//! (`LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1`): a separate program loads
//! `libpam_sesame.so` from a private service folder
//! (`PAM_WRAPPER_SERVICE_DIR`, nothing in /etc), reads the password from
//! stdin the way a terminal login would, against entra-sim over HTTPS, with
//! accounts made in a sandbox root.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use support::stack::module_path;
use support::*;

const PAMTESTER: &str = "/usr/bin/pamtester";
const PAM_WRAPPER: &str = "/usr/lib/x86_64-linux-gnu/libpam_wrapper.so";

/// A private service folder with `sesame-login` on the built module.
fn services(w: &World) -> PathBuf {
    for tool in [PAMTESTER, PAM_WRAPPER] {
        assert!(
            Path::new(tool).exists(),
            "{tool} is missing: run .ci/install-deps (Debian pamtester, libpam-wrapper)"
        );
    }
    let dir = w.sb.tmp.path().join("pam-wrapper.d");
    std::fs::create_dir_all(&dir).unwrap();
    let line = format!("{} {}", module_path().display(), w.args().join(" "));
    std::fs::write(
        dir.join("sesame-login"),
        format!("auth required {line}\naccount required {line}\n"),
    )
    .unwrap();
    dir
}

/// `echo PASSWORD | pamtester sesame-login USER authenticate acct_mgmt`.
fn pamtester(services: &Path, user: &str, password: &str) -> Output {
    let mut child = Command::new(PAMTESTER)
        .args(["-v", "sesame-login", user, "authenticate", "acct_mgmt"])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("LD_PRELOAD", PAM_WRAPPER)
        .env("PAM_WRAPPER", "1")
        .env("PAM_WRAPPER_SERVICE_DIR", services)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pamtester runs");
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn pamtester_signs_in_with_the_right_password_and_provisions_the_account() {
    let w = World::new("");
    let svc = services(&w);
    assert!(w.sb.passwd_entry("adele").is_none());
    let out = pamtester(&svc, ADELE, ADELE_PASSWORD);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("successfully authenticated"), "{said}");
    let entry =
        w.sb.passwd_entry("adele")
            .expect("account made in the sandbox root");
    assert_eq!(entry[5], "/home/adele", "{entry:?}");
    // The password never reaches pamtester's output.
    assert!(!said.contains(ADELE_PASSWORD), "{said}");
}

#[test]
fn pamtester_is_refused_a_wrong_password_after_one_request_to_entra() {
    let w = World::new("");
    let svc = services(&w);
    let before = w.sign_ins();
    let out = pamtester(&svc, ADELE, "not-her-password");
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("Authentication failure"), "{said}");
    assert!(said.contains("That password is not right"), "{said}");
    assert_eq!(
        w.sign_ins() - before,
        1,
        "exactly one password check at Entra"
    );
    assert!(w.sb.passwd_entry("adele").is_none(), "nothing provisioned");
}
