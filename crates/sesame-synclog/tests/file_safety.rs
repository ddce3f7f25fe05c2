//! The writer runs as root: it never follows a planted symlink, creates its
//! folder and files with explicit modes, and refuses a folder another user
//! owns or can write, naming the path and the fix.
#![allow(clippy::unwrap_used)] // test helpers may panic

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use sesame_synclog::{
    Component, EventKind, FILE_MODE, FOLDER_MODE, LOCK_MODE, SyncEvent, SyncLogWriter, read_log,
};
use time::macros::datetime;

fn event() -> SyncEvent {
    SyncEvent::new(
        datetime!(2026-11-22 09:30:00 UTC),
        "mac-042",
        Component::Agent,
        EventKind::SignIn,
        "Ada signed in.",
    )
}

/// Fails (never skips) when not root: chown needs it.
#[cfg(target_os = "linux")]
fn require_root() {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "these tests chown folders to another user: run them as root (`sudo cargo test`; CI runs as root)"
    );
}

#[cfg(target_os = "linux")]
fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

#[test]
fn a_planted_symlink_is_refused_and_its_target_is_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("sudoers");
    std::fs::write(&victim, "root ALL=(ALL) ALL\n").unwrap();
    let logs = tmp.path().join("Logs");
    std::fs::create_dir(&logs).unwrap();
    let log = logs.join("sync.log");
    std::os::unix::fs::symlink(&victim, &log).unwrap();

    let result = SyncLogWriter::open(&log).and_then(|mut w| w.append(&event()));
    let err = result
        .expect_err("root appended through a planted symlink")
        .to_string();
    assert!(err.contains(&log.display().to_string()), "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "root ALL=(ALL) ALL\n"
    );
}

#[test]
fn a_symlinked_lock_file_is_refused_too() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, "keep").unwrap();
    let log = tmp.path().join("sync.log");
    std::os::unix::fs::symlink(&victim, tmp.path().join("sync.log.lock")).unwrap();
    let err = SyncLogWriter::open(&log).unwrap_err().to_string();
    assert!(err.contains("sync.log.lock"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
}

#[test]
fn a_symlinked_log_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let elsewhere = tmp.path().join("etc");
    std::fs::create_dir(&elsewhere).unwrap();
    let logs = tmp.path().join("Sesame");
    std::os::unix::fs::symlink(&elsewhere, &logs).unwrap();
    let err = SyncLogWriter::open(logs.join("sync.log"))
        .unwrap_err()
        .to_string();
    assert!(err.contains(&logs.display().to_string()), "{err}");
    assert!(std::fs::read_dir(&elsewhere).unwrap().next().is_none());
}

// chown to another user needs root: run as root on Linux (CI does).
#[cfg(target_os = "linux")]
#[test]
fn a_folder_another_user_owns_is_refused_with_the_path_and_the_fix() {
    require_root();
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("Sesame");
    std::fs::create_dir(&logs).unwrap();
    chown(&logs, 65534, 65534);
    let err = SyncLogWriter::open(logs.join("sync.log"))
        .unwrap_err()
        .to_string();
    assert!(err.contains(&logs.display().to_string()), "{err}");
    assert!(err.contains("owned by uid 65534"), "{err}");
    assert!(err.contains("chown root"), "{err}");
    assert!(
        std::fs::read_dir(&logs).unwrap().next().is_none(),
        "nothing written"
    );
}

// chown to another user needs root: run as root on Linux (CI does).
#[cfg(target_os = "linux")]
#[test]
fn a_folder_writable_by_another_group_or_everyone_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    require_root();
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("Sesame");
    std::fs::create_dir(&logs).unwrap();
    // Like /Library/Logs (root:admin 0775) if Sesame wrote straight into it.
    chown(&logs, 0, 100);
    std::fs::set_permissions(&logs, std::fs::Permissions::from_mode(0o775)).unwrap();
    let err = SyncLogWriter::open(logs.join("sync.log"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("group 100 can write it"), "{err}");
    assert!(err.contains("chmod g-w"), "{err}");

    std::fs::set_permissions(&logs, std::fs::Permissions::from_mode(0o757)).unwrap();
    let err = SyncLogWriter::open(logs.join("sync.log"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("every user can write it"), "{err}");

    // Root's own group may write: that is not another user.
    chown(&logs, 0, 0);
    std::fs::set_permissions(&logs, std::fs::Permissions::from_mode(0o775)).unwrap();
    SyncLogWriter::open(logs.join("sync.log"))
        .unwrap()
        .append(&event())
        .unwrap();
}

#[test]
fn folder_and_files_get_explicit_modes_whatever_the_umask() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("a/Sesame/sync.log");
    // SAFETY: umask only changes this process's creation mask; the old one is restored.
    let old = unsafe { libc::umask(0o000) };
    let result = SyncLogWriter::open(&log).and_then(|mut w| w.append(&event()));
    // SAFETY: as above.
    unsafe { libc::umask(old) };
    result.unwrap();
    assert_eq!(mode(log.parent().unwrap()), FOLDER_MODE);
    assert_eq!(mode(&log), FILE_MODE);
    assert_eq!(mode(&tmp.path().join("a/Sesame/sync.log.lock")), LOCK_MODE);
    assert_eq!(read_log(&log).unwrap().events.len(), 1);
}
