//! Reading across rotated files, corrupt lines, and following the log.
#![allow(clippy::unwrap_used)] // test helpers may panic

use std::io::Write;

use sesame_synclog::{
    Component, EventKind, Follower, SyncEvent, SyncLogWriter, read_log, rotated_path,
};
use time::macros::datetime;

fn event(seq: usize) -> SyncEvent {
    SyncEvent::new(
        datetime!(2026-11-22 09:30:00 UTC) + time::Duration::seconds(seq as i64),
        "mac-042",
        Component::Agent,
        EventKind::SignIn,
        format!("line {seq}"),
    )
}

fn seq(e: &SyncEvent) -> usize {
    e.message.trim_start_matches("line ").parse().unwrap()
}

#[test]
fn the_reader_returns_rotated_files_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    let mut w = SyncLogWriter::open(&path).unwrap().with_rotation(600, 50);
    for i in 0..60 {
        w.append(&event(i)).unwrap();
    }
    let report = read_log(&path).unwrap();
    assert!(report.files.len() >= 5, "{:?}", report.files);
    assert_eq!(report.files.last().unwrap(), &path);
    let seqs: Vec<usize> = report.events.iter().map(seq).collect();
    assert_eq!(seqs, (0..60).collect::<Vec<_>>());
}

#[test]
fn a_missing_log_reads_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let report = read_log(&dir.path().join("sync.log")).unwrap();
    assert!(report.events.is_empty() && report.corrupt.is_empty() && report.files.is_empty());
}

#[test]
fn corrupt_lines_are_skipped_and_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    let good = |i| event(i).to_line().unwrap();
    let mut old = std::fs::File::create(rotated_path(&path, 1)).unwrap();
    write!(old, "{}not json at all\n\n{}", good(0), good(1)).unwrap();
    old.write_all(b"\xff\xfe binary\n").unwrap();
    let mut cur = std::fs::File::create(&path).unwrap();
    // A torn last line (a crash mid-write) with no newline.
    let torn = good(3);
    write!(cur, "{}{}", good(2), &torn[..torn.len() / 2]).unwrap();

    let report = read_log(&path).unwrap();
    assert_eq!(report.events.iter().map(seq).collect::<Vec<_>>(), [0, 1, 2]);
    let where_: Vec<(String, usize)> = report
        .corrupt
        .iter()
        .map(|c| {
            (
                c.file.file_name().unwrap().to_string_lossy().into_owned(),
                c.line,
            )
        })
        .collect();
    assert_eq!(
        where_,
        [
            ("sync.log.1".to_owned(), 2),
            ("sync.log.1".to_owned(), 5),
            ("sync.log".to_owned(), 2)
        ]
    );
    assert!(report.corrupt[1].error.contains("UTF-8"));
    assert!(
        report.corrupt[0]
            .to_string()
            .contains("sync.log.1:2: skipped")
    );
}

#[test]
fn a_follower_sees_new_lines_across_rotations_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    let mut w = SyncLogWriter::open(&path).unwrap().with_rotation(500, 100);
    for i in 0..5 {
        w.append(&event(i)).unwrap();
    }
    let mut f = Follower::from_end(&path).unwrap();
    assert!(f.poll().unwrap().is_empty(), "old lines are not repeated");
    let mut seen = Vec::new();
    for i in 5..80 {
        w.append(&event(i)).unwrap();
        if i % 7 == 0 {
            seen.extend(f.poll().unwrap().into_iter().map(|r| seq(&r.unwrap())));
        }
    }
    seen.extend(f.poll().unwrap().into_iter().map(|r| seq(&r.unwrap())));
    assert!(read_log(&path).unwrap().files.len() > 3, "the log rotated");
    assert_eq!(seen, (5..80).collect::<Vec<_>>());
}

#[test]
fn a_follower_waits_for_a_log_that_does_not_exist_yet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    let mut f = Follower::from_end(&path).unwrap();
    assert!(f.poll().unwrap().is_empty());
    let mut w = SyncLogWriter::open(&path).unwrap();
    w.append(&event(1)).unwrap();
    let got: Vec<usize> = f
        .poll()
        .unwrap()
        .into_iter()
        .map(|r| seq(&r.unwrap()))
        .collect();
    assert_eq!(got, [1]);
}

#[test]
fn a_follower_holds_a_partial_line_until_it_is_complete() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    std::fs::write(&path, "").unwrap();
    let mut f = Follower::from_end(&path).unwrap();
    let line = event(9).to_line().unwrap();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    file.write_all(&line.as_bytes()[..10]).unwrap();
    assert!(f.poll().unwrap().is_empty());
    file.write_all(&line.as_bytes()[10..]).unwrap();
    let got = f.poll().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(seq(got[0].as_ref().unwrap()), 9);
}
