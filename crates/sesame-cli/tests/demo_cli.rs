//! `sesame demo --keep DIR`, run as a newcomer runs it: the binary, its exit
//! status, the steps it printed, and the files it left — the sandbox root's
//! account files, the sync log, the profile and the tenant's sign-in log.
// Linux only: the demo makes the account with the real shadow tools, as root.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::process::Command;

use sesame_core::settings;
use sesame_platform::AccountDirectory as _;
use sesame_platform::directory::sandbox;
use sesame_synclog::{EventKind, read_log};

/// Megan's password in the demo tenant (public; the demo must never print it).
const MEGAN_PASSWORD: &str = "Sesame-Demo-1";
/// Her password after the cloud change the demo makes.
const NEW_PASSWORD: &str = "Sesame-Demo-1-Changed";
const MAC_ADMINS: &str = "a1000000-0000-4000-8000-000000000001";

struct Ran {
    code: Option<i32>,
    out: String,
    err: String,
    kept: tempfile::TempDir,
}

fn run_demo(extra: &[&str]) -> Ran {
    if let Err(why) = sandbox::ensure_root() {
        panic!("{why}");
    }
    let kept = tempfile::tempdir().unwrap();
    let dir = kept.path().join("kept");
    let o = Command::new(env!("CARGO_BIN_EXE_sesame"))
        .args(["demo", "--keep"])
        .arg(&dir)
        .args(extra)
        .output()
        .unwrap();
    Ran {
        code: o.status.code(),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
        kept,
    }
}

impl Ran {
    fn file(&self, rel: &str) -> String {
        let p = self.kept.path().join("kept").join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{} was not kept: {e}", p.display()))
    }
}

impl Ran {
    /// Neither of her passwords, in any encoded form, in what the demo
    /// printed or in any file it kept.
    fn assert_no_password_anywhere(&self) {
        use sesame_e2e::scan::{files_under, secrets_in};
        let secrets = [
            ("her first password", MEGAN_PASSWORD.to_owned()),
            ("her new password", NEW_PASSWORD.to_owned()),
        ];
        let mut found = Vec::new();
        for (name, text) in [("stdout", &self.out), ("stderr", &self.err)] {
            for what in secrets_in(text.as_bytes(), &secrets) {
                found.push(format!("{name}: {what}"));
            }
        }
        let kept = files_under(&self.kept.path().join("kept"));
        assert!(kept.len() >= 6, "{kept:?}");
        for file in kept {
            let bytes = std::fs::read(&file).unwrap();
            for what in secrets_in(&bytes, &secrets) {
                found.push(format!("{}: {what}", file.display()));
            }
        }
        assert!(found.is_empty(), "her password leaked: {found:#?}");
    }
}

/// The line of `name` in a colon-separated file, split.
fn entry(text: &str, name: &str) -> Option<Vec<String>> {
    text.lines()
        .map(|l| l.split(':').map(str::to_owned).collect::<Vec<_>>())
        .find(|f| f.first().map(String::as_str) == Some(name))
}

#[test]
fn the_demo_does_the_main_job_and_leaves_what_it_did() {
    let r = run_demo(&[]);
    assert_eq!(r.code, Some(0), "stdout:\n{}\nstderr:\n{}", r.out, r.err);

    // What a newcomer reads: the steps, in order, each done.
    let order = [
        "1. Starting the practice tenant",
        "2. Writing a Sesame profile",
        "3. Preparing this \"Mac\"",
        "4. Megan signs in at the login window",
        "5. Her local account",
        "6. Her password, stored",
        "7. The menu bar checks her stored password",
        "8. Megan changes her password in the cloud",
        "9. She types her new password into the menu bar: sync",
        "Keeping the demo's files",
        "The sync log, as the helpdesk reads it",
        "Done: all",
    ];
    let mut at = 0;
    for title in order {
        let found = r.out[at..]
            .find(title)
            .unwrap_or_else(|| panic!("`{title}` missing or out of order:\n{}", r.out));
        at += found + title.len();
    }
    assert!(!r.out.contains('✗'), "a step failed:\n{}", r.out);
    assert!(
        r.out.contains("is an administrator (sudo group)"),
        "{}",
        r.out
    );
    // The sync log is shown as `sesame log` shows it: its header, Megan's rows.
    assert!(r.out.contains("TIME (UTC)"), "{}", r.out);
    assert!(r.out.contains("megan@contoso.example (megan)"), "{}", r.out);
    r.assert_no_password_anywhere();

    // The sandbox root: her account, an admin, with her Entra password's hash.
    let passwd = r.file("root/etc/passwd");
    let megan = entry(&passwd, "megan").unwrap_or_else(|| panic!("no megan in\n{passwd}"));
    assert_eq!(megan[4], "Megan Bowen", "{megan:?}");
    let group = r.file("root/etc/group");
    let sudo = entry(&group, "sudo").unwrap();
    assert!(sudo[3].split(',').any(|m| m == "megan"), "{sudo:?}");
    let shadow = r.file("root/etc/shadow");
    let hash = &entry(&shadow, "megan").unwrap()[1];
    assert!(hash.starts_with('$'), "a password hash, not {hash:?}");
    // After the menu bar's sync her local password is the new cloud password.
    let kept_root = sesame_platform::ShadowDirectory::new(r.kept.path().join("kept/root"));
    let is = |p: &str| {
        kept_root
            .verify_password("megan", &secrecy::SecretString::from(p.to_owned()))
            .unwrap()
    };
    assert!(
        is(NEW_PASSWORD),
        "the kept etc/shadow holds the new password"
    );
    assert!(!is(MEGAN_PASSWORD));

    // The sync log: her sign-in and her account, as the helpdesk reads it.
    let log = r.kept.path().join("kept/sync.log");
    let events = read_log(&log).unwrap().events;
    assert!(
        events.iter().any(|e| e.event == EventKind::AccountCreated
            && e.user
                .as_ref()
                .is_some_and(|u| u.upn == "megan@contoso.example")),
        "{events:#?}"
    );

    // The profile: what `sesame profile check` accepts, Mac Admins as admin group.
    let profile = r.file("sesame.mobileconfig");
    let report = settings::load(&[("kept profile", profile.as_bytes())]);
    assert!(!report.has_errors(), "{:#?}", report.findings);
    let s = report.settings.unwrap();
    let admins: Vec<String> = s.admin_groups.iter().map(ToString::to_string).collect();
    assert_eq!(admins, [MAC_ADMINS]);
    assert_eq!(s.trusted_root_certificates.len(), 1);
    assert!(!s.allow_insecure_simulated_tenant);

    // The tenant's sign-in log: her interactive sign-in with MFA, her
    // password verified by the MFA answer.
    let signins: Vec<serde_json::Value> = serde_json::from_str(&r.file("signins.json")).unwrap();
    let megan_rows: Vec<&serde_json::Value> = signins
        .iter()
        .filter(|s| s["user"] == "megan@contoso.example")
        .collect();
    assert!(
        megan_rows.iter().any(|s| s["interactive"] == true
            && s["status"] == "Success"
            && s["result_detail"] == "MFA successfully completed"),
        "{megan_rows:#?}"
    );
    // Her password checks (non-interactive): the login's and the menu bar's
    // under MFA (50076), exactly one failure after the cloud change (50126,
    // never a second), then the sync's verification of the new one (50076).
    let checks: Vec<u64> = megan_rows
        .iter()
        .filter(|s| s["flow"] == "password")
        .map(|s| s["error_code"].as_u64().unwrap())
        .collect();
    assert_eq!(checks, [50076, 50076, 50126, 50076], "{megan_rows:#?}");
}

#[test]
fn without_a_web_view_the_native_sign_in_finishes_mfa_with_a_device_code() {
    let r = run_demo(&["--native"]);
    assert_eq!(r.code, Some(0), "stdout:\n{}\nstderr:\n{}", r.out, r.err);
    assert!(r.out.contains("native sign-in"), "{}", r.out);
    assert!(
        r.out
            .contains("the login window shows a code to enter at https://127.0.0.1:"),
        "{}",
        r.out
    );
    assert!(r.out.contains("Done: all 11 steps"), "{}", r.out);
    let signins: Vec<serde_json::Value> = serde_json::from_str(&r.file("signins.json")).unwrap();
    // She finished MFA on the device-code page; the agent's poll got tokens.
    assert!(
        signins.iter().any(|s| s["user"] == "megan@contoso.example"
            && s["flow"] == "device_code"
            && s["status"] == "Success"),
        "{signins:#?}"
    );
    let group = r.file("root/etc/group");
    let sudo = entry(&group, "sudo").unwrap();
    assert!(sudo[3].split(',').any(|m| m == "megan"), "{sudo:?}");
}

#[test]
fn a_step_that_cannot_be_done_is_said_and_the_exit_status_is_1() {
    use std::os::unix::process::CommandExt as _;
    if let Err(why) = sandbox::ensure_root() {
        panic!("{why}");
    }
    // As `nobody`, the shadow tools cannot chroot into the sandbox root. A
    // copy of the binary in a world-readable folder: the build folder may
    // be under root's home, where nobody cannot reach.
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = tmp.path().join("sesame");
    std::fs::copy(env!("CARGO_BIN_EXE_sesame"), &bin).unwrap();
    let o = Command::new(&bin)
        .current_dir(tmp.path())
        .arg("demo")
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("✗ the shadow tools chroot into the sandbox root, which needs root"),
        "{out}"
    );
    assert!(
        out.contains("The demo did not do everything it should:\n  step 3:"),
        "{out}"
    );
    assert!(!out.contains("Done: all"), "{out}");
    assert!(
        !out.contains("4. Megan signs in"),
        "it stops at the first failed step: {out}"
    );
}
