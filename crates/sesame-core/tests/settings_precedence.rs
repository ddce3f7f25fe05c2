//! Several profiles for one Mac: what `profile check` says about a key set in
//! more than one place, and which files `profile show` says it merged.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use common::*;
use sesame_core::settings::{self, Severity};

/// The same value in two profiles is not news; a different one is reported
/// once, as info, naming the file and payload whose value lost.
#[test]
fn an_override_is_reported_only_when_the_value_changes() {
    let a = profile(&format!(
        "{BASE}<key>PasswordCheckInterval</key><integer>30</integer>"
    ));
    let b = profile(&format!(
        "{BASE}<key>PasswordCheckInterval</key><integer>90</integer>"
    ));
    let same = settings::load(&[("a.mobileconfig", &a), ("a2.mobileconfig", &a)]);
    assert!(same.findings.is_empty(), "{:#?}", same.findings);

    let report = settings::load(&[("a.mobileconfig", &a), ("b.mobileconfig", &b)]);
    let infos: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Info)
        .collect();
    assert_eq!(infos.len(), 1, "{:#?}", report.findings);
    assert_eq!(infos[0].key.as_deref(), Some("PasswordCheckInterval"));
    assert_eq!(infos[0].file, "b.mobileconfig");
    assert!(
        infos[0].message.contains(
            "overrides the value from a.mobileconfig [Test payload (com.example.sesame)]"
        ),
        "{}",
        infos[0].message
    );
}

#[test]
fn the_merged_files_are_listed_in_the_order_read() {
    let a = profile(BASE);
    let report = settings::load(&[("z.mobileconfig", &a), ("a.mobileconfig", &a)]);
    assert_eq!(
        report.effective.files(),
        ["z.mobileconfig", "a.mobileconfig"]
    );
}
