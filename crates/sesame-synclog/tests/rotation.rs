//! Rotation under concurrent writers: every line present exactly once, none torn.
#![allow(clippy::unwrap_used)] // test helpers may panic

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use sesame_synclog::{Component, EventKind, SyncEvent, SyncLogWriter, log_files, read_log};
use time::macros::datetime;

const CHILD_ENV: &str = "SESAME_SYNCLOG_TEST_CHILD";

/// An event whose message names its writer and sequence number, padded so a
/// torn line would show.
fn event(writer: usize, seq: usize) -> SyncEvent {
    SyncEvent::new(
        datetime!(2026-11-22 09:30:00 UTC),
        "mac-042",
        Component::Menubar,
        EventKind::PasswordCheck,
        format!("writer {writer} line {seq} {}", "x".repeat(120)),
    )
    .with_user(
        format!("user{writer}@contoso.com"),
        Some(format!("user{writer}")),
    )
    .with_codes([50076])
}

fn write_lines(path: &Path, writer: usize, lines: usize) {
    let mut w = SyncLogWriter::open(path)
        .unwrap()
        .with_rotation(4096, 10_000);
    for seq in 0..lines {
        w.append(&event(writer, seq)).unwrap();
    }
}

/// Asserts every (writer, seq) pair appears exactly once, in order per writer.
fn assert_complete(path: &Path, writers: usize, lines: usize) {
    let report = read_log(path).unwrap();
    assert!(
        report.corrupt.is_empty(),
        "torn lines: {:?}",
        report.corrupt
    );
    assert_eq!(report.events.len(), writers * lines);
    let mut seen = HashSet::new();
    let mut next = vec![0usize; writers];
    for e in &report.events {
        let words: Vec<&str> = e.message.split(' ').collect();
        let (w, s): (usize, usize) = (words[1].parse().unwrap(), words[3].parse().unwrap());
        assert!(seen.insert((w, s)), "line {w}/{s} appears twice");
        assert_eq!(s, next[w], "writer {w}'s lines out of order");
        next[w] += 1;
        assert_eq!(e.user.as_ref().unwrap().upn, format!("user{w}@contoso.com"));
    }
    let files = log_files(path);
    assert!(
        files.len() > 10,
        "expected many rotations, got {} files",
        files.len()
    );
    for f in &files {
        let len = std::fs::metadata(f).unwrap().len();
        assert!(
            len <= 4096,
            "{} is {len} bytes, over the rotation size",
            f.display()
        );
    }
}

#[test]
fn threads_with_their_own_writers_lose_no_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    let (writers, lines) = (6, 300);
    std::thread::scope(|s| {
        for w in 0..writers {
            let path = &path;
            s.spawn(move || write_lines(path, w, lines));
        }
    });
    assert_complete(&path, writers, lines);
}

#[test]
fn processes_writing_one_log_lose_no_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs/sync.log");
    let (writers, lines) = (4, 250);
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..writers)
        .map(|w| {
            Command::new(&exe)
                .args(["--exact", "child_writer", "--test-threads=1"])
                .env(CHILD_ENV, format!("{}|{w}|{lines}", path.display()))
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    assert_complete(&path, writers, lines);
}

/// Not a test on its own: the body of each writer process above.
#[test]
fn child_writer() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let parts: Vec<&str> = spec.split('|').collect();
    write_lines(
        Path::new(parts[0]),
        parts[1].parse().unwrap(),
        parts[2].parse().unwrap(),
    );
}

#[test]
fn rotation_keeps_only_the_newest_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    let mut w = SyncLogWriter::open(&path).unwrap().with_rotation(1024, 3);
    for seq in 0..200 {
        w.append(&event(0, seq)).unwrap();
    }
    let names: Vec<String> = log_files(&path)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["sync.log.3", "sync.log.2", "sync.log.1", "sync.log"]
    );
    let report = read_log(&path).unwrap();
    let last = report.events.last().unwrap();
    assert!(last.message.starts_with("writer 0 line 199 "));
    // The kept lines are the newest, contiguous and in order.
    let seqs: Vec<usize> = report
        .events
        .iter()
        .map(|e| e.message.split(' ').nth(3).unwrap().parse().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|p| p[1] == p[0] + 1), "{seqs:?}");
}

#[test]
fn a_line_bigger_than_the_rotation_size_is_still_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    let mut w = SyncLogWriter::open(&path).unwrap().with_rotation(64, 5);
    w.append(&event(0, 0)).unwrap();
    w.append(&event(0, 1)).unwrap();
    let report = read_log(&path).unwrap();
    assert_eq!(report.events.len(), 2);
    assert!(report.corrupt.is_empty());
    assert_eq!(report.files.len(), 2);
}

#[test]
fn an_unwritable_folder_is_a_clear_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "").unwrap();
    let err = SyncLogWriter::open(blocker.join("sync.log"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not-a-folder/sync.log"), "{err}");
    assert!(err.contains("--log-path"), "{err}");
}
