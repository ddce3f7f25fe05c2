//! The admin who gets a refusal sees which path component is wrong and why.
#![allow(clippy::unwrap_used)] // tests: a panic is a failure

use std::os::unix::fs::PermissionsExt;

use sesame_safefs::{SafeDir, diagnose_path, write_atomic};

#[test]
fn the_refusal_names_the_bad_component_among_all_of_them() {
    let tmp = tempfile::tempdir().unwrap();
    let open = tmp.path().join("Logs");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    // Created with an exact mode inside a world-writable folder: fine.
    let bad = open.join("Sesame");
    SafeDir::create(&bad, 0o755).unwrap();
    // Then someone opens it up to everyone.
    std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = SafeDir::open(&bad).unwrap_err().to_string();
    assert!(
        err.contains(&format!("refusing to write in {}", bad.display())),
        "{err}"
    );
    assert!(err.contains("`sudo chmod o-w"), "{err}");
    let report = diagnose_path(&bad.join("sync.log"));
    let lines: Vec<&str> = report.lines().collect();
    let flagged: Vec<&&str> = lines.iter().filter(|l| l.contains("<-")).collect();
    for component in [&open, &bad] {
        assert!(
            flagged.iter().any(|l| l
                .trim_start()
                .starts_with(&format!("{}:", component.display()))),
            "{} not flagged:\n{report}",
            component.display()
        );
    }
    // /tmp is world-writable but sticky: not flagged.
    assert_eq!(flagged.len(), 2, "{report}");
    assert!(
        lines.first().unwrap().trim_start().starts_with("/:"),
        "{report}"
    );
    assert!(lines.last().unwrap().contains("sync.log"), "{report}");
}

#[test]
fn atomic_writes_have_the_exact_mode_and_replace_a_symlink_instead_of_following_it() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, "keep").unwrap();
    let state = tmp.path().join("state");
    std::fs::create_dir(&state).unwrap();
    let file = state.join("accounts.json");
    std::os::unix::fs::symlink(&victim, &file).unwrap();
    // SAFETY: umask changes only this process's creation mask; restored below.
    let old = unsafe { libc::umask(0o077) };
    let result = write_atomic(&file, b"{}\n", 0o640);
    // SAFETY: as above.
    unsafe { libc::umask(old) };
    result.unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    let meta = std::fs::symlink_metadata(&file).unwrap();
    assert!(meta.is_file());
    assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
    assert_eq!(
        std::fs::read_dir(&state).unwrap().count(),
        1,
        "no temporary file left"
    );
}
