//! Hostile files: a clear error naming the file, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use common::*;
use sesame_core::settings::{self, Severity};

fn single_error(bytes: &[u8]) -> String {
    let report = settings::load(&[("bad.mobileconfig", bytes)]);
    assert!(report.settings.is_none());
    let errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(!errors.is_empty(), "no error for hostile input");
    assert_eq!(errors[0].file, "bad.mobileconfig");
    errors[0].message.clone()
}

#[test]
fn empty_file() {
    assert!(single_error(b"").contains("empty"));
}

#[test]
fn larger_than_ten_mib() {
    let big = vec![b' '; 10 * 1024 * 1024 + 1];
    assert!(single_error(&big).contains("10 MiB"));
}

#[test]
fn truncated_profile_at_every_length_never_panics() {
    let full = read("profiles/mfa-two-app-ca.mobileconfig");
    for len in (0..full.len()).step_by(7) {
        let report = settings::load(&[("t.mobileconfig", &full[..len])]);
        assert!(report.has_errors(), "truncated at {len} accepted");
    }
}

#[test]
fn truncated_signed_profile_is_a_clear_error() {
    let full = fixture("signed-minimal.mobileconfig");
    for len in [1, 10, 100, full.len() / 2, full.len() - 1] {
        let msg = single_error(&full[..len]);
        assert!(
            msg.contains("signed profile") || msg.contains("not a configuration profile"),
            "{len}: {msg}"
        );
    }
}

#[test]
fn garbage_and_binary_junk() {
    let msg = single_error(b"this is just some text, not a profile\n");
    assert!(msg.contains("not a configuration profile"), "{msg}");
    let msg = single_error(b"bplist00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x01");
    assert!(msg.contains("not a configuration profile"), "{msg}");
    let msg = single_error(b"\x30\x82\xff\xff\x06\x09\x2a\x86");
    assert!(msg.contains("signed profile could not be opened"), "{msg}");
    // Deterministic pseudo-random junk of many sizes and first bytes.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..400 {
        let len = (round * 37) % 3000 + 1;
        let mut junk = Vec::with_capacity(len);
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            junk.push((x >> 24) as u8);
        }
        junk[0] = [b'<', 0x30, b'b', junk[0]][round % 4];
        let _ = settings::load(&[("junk", &junk)]);
    }
}

#[test]
fn nesting_bomb_is_refused() {
    let mut xml = String::from("<?xml version=\"1.0\"?><plist version=\"1.0\">");
    xml.push_str(&"<array>".repeat(200_000));
    xml.push_str(&"</array>".repeat(200_000));
    xml.push_str("</plist>");
    assert!(single_error(xml.as_bytes()).contains("nested"));
}

#[test]
fn wrong_shapes_inside_a_valid_plist() {
    let msg = single_error(
        b"<?xml version=\"1.0\"?><plist version=\"1.0\"><array><string>x</string></array></plist>",
    );
    assert!(msg.contains("not a dictionary"), "{msg}");
    let legacy = br#"<?xml version="1.0"?><plist version="1.0"><dict><key>PayloadContent</key><array><dict>
<key>PayloadType</key><string>com.apple.ManagedClient.preferences</string>
<key>PayloadContent</key><dict><key>io.sesame.agent</key><dict><key>Forced</key><string>oops</string></dict></dict>
</dict></array></dict></plist>"#;
    assert!(single_error(legacy).contains("Forced must be an array"));
}

#[test]
fn hostile_import_sources_are_errors_not_panics() {
    use sesame_core::import::{self, Product};
    for bytes in [
        &b""[..],
        b"junk",
        b"\x30\x03\x02\x01\x00",
        b"<plist><array/></plist>",
    ] {
        assert!(import::import(Product::JamfConnect, &[("x", bytes)]).is_err());
        assert!(import::import(Product::XCreds, &[("x", bytes)]).is_err());
    }
}
