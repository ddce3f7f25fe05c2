//! `sesame profile …` as an admin runs it: output, JSON and exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sesame(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sesame"))
        .current_dir(root())
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const EXAMPLES: [&str; 4] = [
    "profiles/minimal-entra.mobileconfig",
    "profiles/mfa-two-app-ca.mobileconfig",
    "profiles/provisioning-groups.mobileconfig",
    "profiles/confidential-client.mobileconfig",
];

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

fn payload(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>
<key>PayloadContent</key><array><dict><key>PayloadType</key><string>io.sesame.agent</string>
<key>PayloadIdentifier</key><string>com.example.sesame</string>{body}</dict></array>
<key>PayloadType</key><string>Configuration</string></dict></plist>"#
    )
}

const BASE: &str = "<key>TenantID</key><string>contoso.onmicrosoft.com</string>
<key>OIDCClientID</key><string>0d9f4b1c-7a2e-4c3b-9d8e-1f2a3b4c5d6e</string>";

#[test]
fn readme_main_command_checks_the_examples_and_exits_0() {
    let o = sesame(&[&["profile", "check"][..], &EXAMPLES[..]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("4 files checked: 0 errors"), "{out}");
    for f in EXAMPLES {
        assert!(out.contains(&format!("{f}: ok")), "{out}");
    }
}

#[test]
fn check_exit_1_on_error_with_json_findings() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.mobileconfig",
        &payload(&format!(
            "{BASE}<key>PasswordCheckInterval</key><integer>2</integer><key>DenyLokal</key><true/>"
        )),
    );
    let o = sesame(&["profile", "check", "--json", &bad]);
    assert_eq!(o.status.code(), Some(1));
    let findings: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let arr = findings.as_array().unwrap();
    let err = arr.iter().find(|f| f["severity"] == "error").unwrap();
    assert_eq!(err["file"], bad.as_str());
    assert_eq!(err["payload"], "com.example.sesame");
    assert_eq!(err["key"], "PasswordCheckInterval");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("5–1440 minutes, found 2")
    );
    let warn = arr.iter().find(|f| f["severity"] == "warning").unwrap();
    assert_eq!(warn["key"], "DenyLokal");
    assert!(warn["message"].as_str().unwrap().contains("DenyLocal"));
    for f in arr {
        for field in ["file", "payload", "key", "severity", "message"] {
            assert!(f.get(field).is_some(), "{field} missing in {f}");
        }
    }
}

#[test]
fn check_exit_0_with_only_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let warn = write(
        dir.path(),
        "w.mobileconfig",
        &payload(&format!("{BASE}<key>LocalFallback</key><true/>")),
    );
    let o = sesame(&["profile", "check", &warn]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("warning:"));
}

#[test]
fn check_refuses_an_http_authority_and_warns_whenever_the_simulated_tenant_key_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let http = "<key>AuthorityHost</key><string>http://127.0.0.1:8443</string>";
    let refused = write(
        dir.path(),
        "http.mobileconfig",
        &payload(&format!("{BASE}{http}")),
    );
    let o = sesame(&["profile", "check", &refused]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("AllowInsecureSimulatedTenant"),
        "{}",
        stdout(&o)
    );
    let allowed = write(
        dir.path(),
        "sim.mobileconfig",
        &payload(&format!(
            "{BASE}{http}<key>AllowInsecureSimulatedTenant</key><true/>"
        )),
    );
    let o = sesame(&["profile", "check", &allowed]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.lines()
            .any(|l| l.contains("warning:") && l.contains("AllowInsecureSimulatedTenant")),
        "{out}"
    );
}

#[test]
fn check_exit_2_when_a_file_cannot_be_read() {
    let o = sesame(&[
        "profile",
        "check",
        "profiles/minimal-entra.mobileconfig",
        "no/such/file.mobileconfig",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("no/such/file.mobileconfig: cannot read the file"));
    let o = sesame(&["profile", "check", "profiles"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a directory is not readable as a profile"
    );
}

#[test]
fn hostile_files_exit_1_with_a_message_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.mobileconfig", "");
    let junk = write(dir.path(), "junk.mobileconfig", "\u{1}\u{2}garbage");
    let big = dir.path().join("big.mobileconfig");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(11 * 1024 * 1024).unwrap();
    let o = sesame(&[
        "profile",
        "check",
        &empty,
        &junk,
        &big.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("empty.mobileconfig: the file is empty"),
        "{out}"
    );
    assert!(
        out.contains("junk.mobileconfig: not a configuration profile"),
        "{out}"
    );
    assert!(out.contains("never larger than 10 MiB"), "{out}");
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn check_merged_applies_precedence_across_files() {
    let dir = tempfile::tempdir().unwrap();
    // On its own, the second file lacks the required keys; merged it is fine.
    let only_sync = write(
        dir.path(),
        "sync.mobileconfig",
        &payload("<key>PasswordCheckInterval</key><integer>30</integer>"),
    );
    let o = sesame(&[
        "profile",
        "check",
        "profiles/minimal-entra.mobileconfig",
        &only_sync,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = sesame(&[
        "profile",
        "check",
        "--merged",
        "profiles/minimal-entra.mobileconfig",
        &only_sync,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn show_lists_every_key_with_its_source_and_hides_the_secret() {
    let o = sesame(&[
        "profile",
        "show",
        "profiles/minimal-entra.mobileconfig",
        "profiles/confidential-client.mobileconfig",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(!out.contains("example-secret-replace-me"), "secret printed");
    let line = |k: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{k} ")))
            .unwrap_or_else(|| panic!("{k} missing"))
            .to_owned()
    };
    assert!(line("OIDCClientSecret").contains("<set, hidden>"));
    assert!(
        line("OIDCClientID").contains("4d9a6b8c")
            && line("OIDCClientID").contains("confidential-client.mobileconfig")
    );
    assert!(line("OIDCClientID").contains("also set in profiles/minimal-entra.mobileconfig"));
    assert!(line("PasswordCheckInterval").contains("30"));
    assert!(line("CheckOnNetworkChange").contains("(default)"));
    assert!(line("ROPGClientID").contains("default: same as OIDCClientID"));

    let o = sesame(&[
        "profile",
        "show",
        "--json",
        "profiles/confidential-client.mobileconfig",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!String::from_utf8_lossy(&o.stdout).contains("example-secret-replace-me"));
    let settings = v["settings"].as_array().unwrap();
    let get = |k: &str| settings.iter().find(|s| s["key"] == k).unwrap().clone();
    assert_eq!(get("OIDCClientSecret")["value"], "<set, hidden>");
    assert_eq!(get("QuietMode")["value"], true);
    assert_eq!(
        get("QuietMode")["source"]["file"],
        "profiles/confidential-client.mobileconfig"
    );
    assert_eq!(get("LogPath")["default"], true);
    assert_eq!(
        get("ROPGSuccessCodes")["value"],
        serde_json::json!([50076, 50079, 50074, 50158, 53003, 53000, 53001])
    );
}

#[test]
fn import_jamf_connect_writes_a_profile_that_passes_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sesame.mobileconfig").display().to_string();
    let o = sesame(&[
        "profile",
        "import",
        "--from",
        "jamf-connect",
        "crates/sesame-core/tests/fixtures/jamf-connect.mobileconfig",
        "-o",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let text = stdout(&o);
    assert!(
        text.contains("mapped      com.jamf.connect.login OIDCROPGID → ROPGClientID"),
        "{text}"
    );
    assert!(
        text.contains("not mapped  com.jamf.connect.login EnableFDE: FileVault"),
        "{text}"
    );
    let o = sesame(&["profile", "check", &out]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn import_xcreds_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mobileconfig").display().to_string();
    let o = sesame(&[
        "profile",
        "import",
        "--from",
        "xcreds",
        "--json",
        "crates/sesame-core/tests/fixtures/com.twocanoes.xcreds.plist",
        "-o",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let report = v["report"].as_array().unwrap();
    let line = report.iter().find(|r| r["key"] == "clientID").unwrap();
    assert_eq!(line["outcome"], "mapped");
    assert_eq!(line["to"], serde_json::json!(["OIDCClientID"]));
    let line = report.iter().find(|r| r["key"] == "KeychainReset").unwrap();
    assert_eq!(line["outcome"], "not_mapped");
    assert!(line["reason"].as_str().unwrap().contains("never"));
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] != "error")
    );
    assert!(Path::new(&out).exists());
}

#[test]
fn import_of_the_wrong_product_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mobileconfig").display().to_string();
    let o = sesame(&[
        "profile",
        "import",
        "--from",
        "xcreds",
        "crates/sesame-core/tests/fixtures/jamf-connect.mobileconfig",
        "-o",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no XCreds settings"));
    let o = sesame(&[
        "profile",
        "import",
        "--from",
        "xcreds",
        "missing.plist",
        "-o",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn schema_formats() {
    let o = sesame(&["profile", "schema", "--format", "jamf"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["properties"]["TenantID"].is_object());
    let o = sesame(&["profile", "schema", "--format", "manifest"]);
    assert!(stdout(&o).contains("<string>io.sesame.agent</string>"));
    let o = sesame(&["profile", "schema", "--format", "markdown"]);
    assert_eq!(
        stdout(&o),
        std::fs::read_to_string(root().join("docs/profile-keys.md")).unwrap()
    );
    let o = sesame(&["profile", "schema", "--format", "yaml"]);
    assert_eq!(o.status.code(), Some(2), "clap rejects unknown formats");
}
