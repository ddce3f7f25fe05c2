//! `sesame-agent authdb` on a right in a file (`--file`), as an admin runs
//! it: install, status, idempotence, uninstall back to the original bytes,
//! and the refusal when another product owns the login window.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str, dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plugin/tests/fixtures/authdb")
        .join(name);
    let dst = dir.join("system.login.console.plist");
    std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    dst
}

fn authdb(args: &[&str], file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sesame-agent"))
        .arg("authdb")
        .args(args)
        .arg("--file")
        .arg(file)
        .output()
        .expect("sesame-agent runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn mechanisms(file: &Path) -> Vec<String> {
    let v = plist::Value::from_file(file).expect("the right is still a plist");
    sesame_agent::authdb::mechanisms(&v).expect("mechanisms")
}

#[test]
fn install_then_uninstall_gives_back_the_original_right_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let file = fixture("macos-13-ventura.plist", tmp.path());
    let original = std::fs::read(&file).unwrap();

    let o = authdb(&["status"], &file);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("`Sesame:login` is missing"),
        "{}",
        text(&o)
    );

    let o = authdb(&["install"], &file);
    assert!(o.status.success(), "{}", text(&o));
    let m = mechanisms(&file);
    assert!(m.contains(&"Sesame:login".to_owned()) && !m.contains(&"loginwindow:login".to_owned()));
    let backup = tmp.path().join("system.login.console.plist.sesame-backup");
    assert_eq!(
        std::fs::read(&backup).unwrap(),
        original,
        "the backup is the original"
    );
    // Other keys of the right are kept.
    let v = plist::Value::from_file(&file).unwrap();
    let d = v.as_dictionary().unwrap();
    assert_eq!(
        d.get("class").and_then(|c| c.as_string()),
        Some("evaluate-mechanisms")
    );
    assert_eq!(
        d.get("tries").and_then(|t| t.as_signed_integer()),
        Some(10000)
    );

    let installed = std::fs::read(&file).unwrap();
    let o = authdb(&["install"], &file);
    assert!(
        o.status.success() && text(&o).contains("nothing changed"),
        "{}",
        text(&o)
    );
    assert!(std::fs::read(&file).unwrap() == installed, "idempotent");

    let o = authdb(&["status", "--json"], &file);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["installed"], true);

    let o = authdb(&["uninstall"], &file);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        std::fs::read(&file).unwrap() == original,
        "restored exactly"
    );
    assert!(!backup.exists(), "the backup is used up");
}

#[test]
fn a_right_owned_by_xcreds_is_left_alone_unless_replace_other_is_given() {
    let tmp = tempfile::tempdir().unwrap();
    let file = fixture("ventura-xcreds.plist", tmp.path());
    let before = std::fs::read(&file).unwrap();
    let o = authdb(&["install"], &file);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("XCreds owns the login window"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("--replace-other"), "{}", text(&o));
    assert!(std::fs::read(&file).unwrap() == before, "untouched");

    let o = authdb(&["install", "--replace-other"], &file);
    assert!(o.status.success(), "{}", text(&o));
    let m = mechanisms(&file);
    assert!(
        !m.iter().any(|x| x.starts_with("XCredsLoginPlugin")),
        "{m:?}"
    );
    assert!(m.contains(&"Sesame:login".to_owned()));
    // Uninstall gives back Apple's login window, not XCreds's (whose
    // bundle may be gone: its mechanisms would break the login window);
    // the backup with XCreds stays for the admin.
    let o = authdb(&["uninstall"], &file);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("backup is kept"), "{}", text(&o));
    let tmp2 = tempfile::tempdir().unwrap();
    let stock = fixture("macos-13-ventura.plist", tmp2.path());
    assert_eq!(mechanisms(&file), mechanisms(&stock));
    let backup = tmp.path().join("system.login.console.plist.sesame-backup");
    assert!(
        std::fs::read(&backup).unwrap() == before,
        "the backup is XCreds's right"
    );
}

#[test]
fn a_file_that_is_not_a_login_right_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.plist");
    std::fs::write(
        &file,
        b"<plist><dict><key>class</key><string>user</string></dict></plist>",
    )
    .unwrap();
    let o = authdb(&["install"], &file);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("no `mechanisms` array"), "{}", text(&o));
}
