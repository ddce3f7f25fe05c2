//! Root writes the binding state (`accounts.json`) and the apply journal:
//! never through a symlink, never in a folder another user owns or can
//! write, never via a temporary name a local user could predict.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::path::Path;

use sesame_platform::directory::{STATE_FILE, sandbox};
use sesame_platform::{AccountDirectory, ShadowDirectory};

fn sandbox_root() -> (tempfile::TempDir, ShadowDirectory) {
    let tmp = tempfile::tempdir().unwrap();
    sandbox::create(tmp.path()).unwrap();
    let dir = ShadowDirectory::new(tmp.path());
    (tmp, dir)
}

fn state_folder(root: &Path) -> std::path::PathBuf {
    root.join(STATE_FILE).parent().unwrap().to_owned()
}

#[test]
fn a_symlinked_state_folder_is_refused_and_its_target_untouched() {
    let (tmp, dir) = sandbox_root();
    let elsewhere = tmp.path().join("etc-copy");
    std::fs::create_dir(&elsewhere).unwrap();
    let folder = state_folder(tmp.path());
    std::os::unix::fs::symlink(&elsewhere, &folder).unwrap();
    let err = dir.record_uid(1000).unwrap_err().to_string();
    assert!(err.contains(&folder.display().to_string()), "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert!(std::fs::read_dir(&elsewhere).unwrap().next().is_none());
}

// chown to another user needs root: run as root on Linux (CI does).
#[cfg(target_os = "linux")]
#[test]
fn a_state_folder_another_user_owns_is_refused_naming_it() {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "chown needs root: run as root (CI does)"
    );
    let (tmp, dir) = sandbox_root();
    let folder = state_folder(tmp.path());
    std::fs::create_dir_all(&folder).unwrap();
    std::os::unix::fs::chown(&folder, Some(65534), Some(65534)).unwrap();
    let err = dir.record_uid(1000).unwrap_err().to_string();
    assert!(err.contains(&folder.display().to_string()), "{err}");
    assert!(err.contains("owned by uid 65534"), "{err}");
    assert!(!tmp.path().join(STATE_FILE).exists());
}

#[test]
fn a_symlink_at_a_predictable_temporary_name_is_never_written_through() {
    let (tmp, dir) = sandbox_root();
    let folder = state_folder(tmp.path());
    std::fs::create_dir_all(&folder).unwrap();
    let victim = tmp.path().join("etc/shadow");
    let before = std::fs::read(&victim).unwrap();
    // What an attacker could guess: the writer's PID (this process).
    for name in [
        format!(".accounts.json.tmp-{}", std::process::id()),
        "accounts.json.tmp".to_owned(),
    ] {
        std::os::unix::fs::symlink(&victim, folder.join(name)).unwrap();
    }
    dir.record_uid(1000).unwrap();
    assert_eq!(
        std::fs::read(&victim).unwrap(),
        before,
        "root wrote through a symlink"
    );
    assert!(
        std::fs::symlink_metadata(tmp.path().join(STATE_FILE))
            .unwrap()
            .is_file()
    );
    assert!(dir.snapshot().unwrap().used_uids.contains(&1000));
}
