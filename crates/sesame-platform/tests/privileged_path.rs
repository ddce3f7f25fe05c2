//! The shadow tools run as root by absolute path from a system directory,
//! never through `PATH`: fake `useradd`, `usermod`, `chpasswd`, `gpasswd`
//! and `userdel` first on `PATH` never run (and never see the password),
//! and the real tools still do the work.

#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::*;
use sesame_core::provisioning::Plan;
use sesame_platform::{AccountDirectory, AccountSpec, ShadowDirectory};

const CHILD_ENV: &str = "SESAME_PRIVILEGED_PATH_CHILD";
const TOOLS: [&str; 5] = ["useradd", "usermod", "chpasswd", "gpasswd", "userdel"];

/// A fake tool that records that it ran, and what it was given on stdin.
fn plant_fakes(bin: &Path, record: &Path) {
    std::fs::create_dir_all(bin).unwrap();
    for tool in TOOLS {
        let path = bin.join(tool);
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\necho \"{tool} $*\" >> {r}\ncat >> {r}\nexit 0\n",
                r = record.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn fake_tools_first_on_path_never_run() {
    require_root!();
    let (tmp, dir, _journal) = sandbox_dir();
    let fakes = tempfile::tempdir().unwrap();
    let record = fakes.path().join("ran.txt");
    plant_fakes(&fakes.path().join("bin"), &record);
    let path = format!(
        "{}:{}",
        fakes.path().join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_provisions",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD_ENV, tmp.path())
        .env("PATH", path)
        .status()
        .unwrap();

    assert!(
        !record.exists(),
        "a fake tool ran as root: {}",
        std::fs::read_to_string(&record).unwrap_or_default()
    );
    assert!(status.success(), "the provisioning process failed");
    // The real tools did the work: account, renamed, password, admin; grace
    // created and deleted again.
    let root = tmp.path();
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
    assert!(
        passwd.contains("ada:x:1000:1000:Ada King:/home/ada:/bin/bash"),
        "{passwd}"
    );
    assert!(!passwd.contains("grace"), "{passwd}");
    let group = std::fs::read_to_string(root.join("etc/group")).unwrap();
    assert!(group.contains("sudo:x:27:ada"), "{group}");
    assert!(dir.verify_password("ada", &secret(CLOUD_PASSWORD)).unwrap());
}

/// Not a test on its own: the provisioning process of the test above, run
/// with the fake tools first on its `PATH`.
#[test]
fn child_provisions() {
    let Ok(root) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = ShadowDirectory::new(&root);
    let journal = sesame_platform::JournalFile::new(dir.journal_path());
    let me = ada(&[ADMINS]);
    let pw = secret(CLOUD_PASSWORD);
    let plan = first_login(&dir, &journal, &me, &pw);
    assert!(matches!(plan, Plan::Create(_)), "{}", plan.explain());
    dir.set_full_name("ada", "Ada King").unwrap();
    dir.create(&AccountSpec {
        short_name: "grace".into(),
        uid: 1001,
        full_name: "Grace Hopper".into(),
        home: "/home/grace".into(),
    })
    .unwrap();
    dir.delete("grace").unwrap();
}
