//! Reading a file Sesame will trust: never through a symlink, never a
//! non-regular file, never more than the limit; the owner and mode come back
//! with the bytes so the caller can refuse a file another user could write.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use sesame_safefs::SafeDir;

#[test]
fn a_file_is_read_with_its_owner_and_mode_and_a_symlink_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = SafeDir::create(tmp.path().join("cache"), 0o755).unwrap();
    assert!(dir.read_file("missing.json", 1024).unwrap().is_none());

    dir.write_atomic("entry.json", b"{\"a\":1}", 0o644).unwrap();
    let (meta, bytes) = dir.read_file("entry.json", 1024).unwrap().expect("there");
    assert_eq!(bytes, b"{\"a\":1}");
    assert_eq!(meta.mode() & 0o777, 0o644);
    // Written by this process: owned by whoever runs the test.
    assert_eq!(meta.uid(), std::fs::metadata(tmp.path()).unwrap().uid());

    // Someone plants a link to a file they control: refused, not followed.
    let elsewhere = tmp.path().join("forged.json");
    std::fs::write(&elsewhere, b"{\"forged\":true}").unwrap();
    std::os::unix::fs::symlink(&elsewhere, tmp.path().join("cache/link.json")).unwrap();
    let err = dir.read_file("link.json", 1024).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");

    // A folder where a file should be, and a file over the limit.
    std::fs::create_dir(tmp.path().join("cache/sub.json")).unwrap();
    assert!(dir.read_file("sub.json", 1024).is_err());
    assert!(dir.read_file("entry.json", 3).is_err());

    // The folder's own metadata describes the checked folder.
    let m = dir.metadata().unwrap();
    assert!(m.is_dir());
    assert_eq!(m.permissions().mode() & 0o777, 0o755);
}
