//! `sesame log`: the table, filters, JSON, corrupt lines and --follow.
#![allow(clippy::unwrap_used)] // test helpers may panic

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sesame_core::synclog::{Component, EventKind, SyncEvent, Verdict};
use sesame_core::verdict::PasswordVerdict;
use sesame_synclog::SyncLogWriter;
use time::OffsetDateTime;

fn log(path: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sesame"))
        .arg("log")
        .arg("--log-path")
        .arg(path)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn write_sample(path: &Path) {
    let now = OffsetDateTime::now_utc();
    let mut w = SyncLogWriter::open(path).unwrap();
    w.append(
        &SyncEvent::new(
            now - time::Duration::hours(3),
            "mac-042",
            Component::Agent,
            EventKind::SignIn,
            "Adele signed in at the login window.",
        )
        .with_user("adele@contoso.example", Some("adele".into()))
        .with_verdict(Verdict::Pass),
    )
    .unwrap();
    w.append(
        &SyncEvent::new(
            now - time::Duration::minutes(5),
            "mac-042",
            Component::Menubar,
            EventKind::PasswordCheck,
            "The cloud password changed: Entra rejected the stored password.",
        )
        .with_user("megan@contoso.example", Some("megan".into()))
        .with_password_verdict(&PasswordVerdict::WrongPassword { code: 50126 })
        .with_ids(
            Some("0d5c8a2e-6f1b-4b5e-9c2a-6f0e1d2c3b4a".parse().unwrap()),
            Some("7b7b3f3e-2c4d-4d7e-8b1a-2c3d4e5f6a7b".parse().unwrap()),
        )
        .with_duration(Duration::from_millis(380)),
    )
    .unwrap();
}

#[test]
fn the_table_explains_each_code_and_gives_the_support_ids() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    write_sample(&path);
    let out = log(&path, &[]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.starts_with("TIME (UTC)"), "{text}");
    assert!(text.contains("adele@contoso.example (adele)"), "{text}");
    let megan = text.find("megan@contoso.example").unwrap();
    let after = &text[megan..];
    assert!(after.contains("wrong_password"), "{text}");
    assert!(
        after.contains("password: wrong (Entra rejected the password)"),
        "{text}"
    );
    // A step that is not a password answer claims nothing about it.
    let adele = &text[text.find("adele@contoso.example").unwrap()..megan];
    assert!(!adele.contains("password:"), "{text}");
    assert!(
        after.contains(
            "AADSTS50126 (InvalidUserNameOrPassword): The username or password is wrong."
        ),
        "{text}"
    );
    assert!(after.contains("Fix: "), "{text}");
    assert!(
        after.contains("trace ID 0d5c8a2e-6f1b-4b5e-9c2a-6f0e1d2c3b4a"),
        "{text}"
    );
    assert!(
        after.contains("correlation ID 7b7b3f3e-2c4d-4d7e-8b1a-2c3d4e5f6a7b"),
        "{text}"
    );
    assert!(after.contains("took 380 ms on mac-042"), "{text}");
}

#[test]
fn filters_select_by_user_event_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    write_sample(&path);
    let only = |args: &[&str]| {
        let out = log(&path, args);
        assert!(out.status.success(), "{args:?}");
        let t = stdout(&out);
        (t.contains("adele@"), t.contains("megan@"))
    };
    assert_eq!(only(&["--user", "MEGAN"]), (false, true));
    assert_eq!(only(&["--user", "adele@contoso.example"]), (true, false));
    assert_eq!(only(&["--event", "sign_in"]), (true, false));
    assert_eq!(only(&["--since", "1h"]), (false, true));
    assert_eq!(only(&["--since", "1d"]), (true, true));
    assert_eq!(only(&["--user", "nobody"]), (false, false));
}

#[test]
fn bad_filters_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    write_sample(&path);
    let out = log(&path, &["--event", "teleport"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("password_check"));
    let out = log(&path, &["--since", "last tuesday"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("RFC 3339"));
}

#[test]
fn json_prints_the_stored_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    write_sample(&path);
    let out = log(&path, &["--json", "--user", "megan"]);
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), 1);
    let e = SyncEvent::from_line(lines[0]).unwrap();
    assert_eq!(e.codes, [50126]);
    assert_eq!(e.verdict, Some(Verdict::WrongPassword));
}

#[test]
fn corrupt_lines_are_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    write_sample(&path);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.insert_str(0, "garbage from an editor\n");
    std::fs::write(&path, text).unwrap();
    let out = log(&path, &[]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("megan@"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sync.log:1: skipped"), "{err}");
}

#[test]
fn a_missing_log_is_exit_1_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nothing.log");
    let out = log(&path, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing.log"));
}

/// Stops `sesame log --follow` even when an assertion fails.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn follow_prints_events_as_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    write_sample(&path);
    let mut w = SyncLogWriter::open(&path).unwrap().with_rotation(2048, 5);
    let event = |i: usize, user: &str| {
        SyncEvent::new(
            OffsetDateTime::now_utc(),
            "mac-042",
            Component::Menubar,
            EventKind::PasswordCheck,
            format!("check {i}"),
        )
        .with_user(user, None)
        .with_password_verdict(&PasswordVerdict::Locked { code: 50053 })
    };
    // Written before the follower starts: printed from the existing log.
    w.append(&event(100, "lynne@contoso.example")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sesame"))
        .args(["log", "--follow", "--json", "--user", "lynne", "--log-path"])
        .arg(&path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let child = KillOnDrop(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.by_ref() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(SyncEvent::from_line(&first).unwrap().message, "check 100");
    // The follower is running now. Enough events to rotate the file under it.
    for i in 0..20 {
        let user = if i % 2 == 0 {
            "lynne@contoso.example"
        } else {
            "megan@contoso.example"
        };
        w.append(&event(i, user)).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = Vec::new();
    while got.len() < 10 && Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            got.push(SyncEvent::from_line(&line).unwrap().message);
        }
    }
    drop(child);
    let expected: Vec<String> = (0..20).step_by(2).map(|i| format!("check {i}")).collect();
    assert_eq!(got, expected);
}

#[test]
fn without_log_path_sesame_log_reads_where_the_profile_default_writes() {
    let (effective, _) = sesame_core::settings::merge::merge(&[]);
    let Some(sesame_core::settings::Typed::Str(default)) = effective.resolved("LogPath") else {
        panic!("LogPath has no default");
    };
    let expected = if cfg!(target_os = "macos") {
        "/Library/Logs/Sesame/sync.log"
    } else {
        "/var/log/sesame/sync.log"
    };
    assert_eq!(default, expected);
    assert!(
        !Path::new(expected).exists(),
        "{expected} exists on this machine; this test needs it absent"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_sesame"))
        .arg("log")
        .env_remove("SESAME_LOG_PATH")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("no sync log at {default} ")),
        "sesame log read another path than the LogPath default {default}: {err}"
    );
}

/// Characters a terminal acts on instead of printing.
fn terminal_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| {
            (c.is_control() && !matches!(c, '\n'))
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

#[test]
fn names_and_messages_with_escape_sequences_are_printed_inert() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.log");
    let mut w = SyncLogWriter::open(&path).unwrap();
    w.append(
        &SyncEvent::new(
            OffsetDateTime::now_utc(),
            "mac-\u{1b}[8m042",
            Component::Agent,
            EventKind::SignIn,
            "\u{1b}[2J\u{1b}[H\u{1b}]0;IT says: type your password\u{7}Eve signed in\r\nfake line\u{9b}1m",
        )
        .with_user("eve\u{1b}[31m@contoso.example", Some("e\u{202e}ve".into()))
        .with_duration(Duration::from_millis(5)),
    )
    .unwrap();
    let out = log(&path, &[]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert_eq!(terminal_controls(&text), Vec::<char>::new(), "{text:?}");
    assert!(text.contains("eve@contoso.example (eve)"), "{text}");
    assert!(text.contains("Eve signed in fake line1m"), "{text}");
    assert!(!text.contains("IT says"), "{text}");
    assert!(text.contains("on mac-042"), "{text}");

    // JSON stays JSON: the same values, escaped, nothing raw.
    let out = log(&path, &["--json"]);
    let json = stdout(&out);
    assert_eq!(terminal_controls(&json), Vec::<char>::new(), "{json:?}");
    let value: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(value["user"]["upn"], "eve\u{1b}[31m@contoso.example");
    assert_eq!(value["user"]["short_name"], "e\u{202e}ve");
}
