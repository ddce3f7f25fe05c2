//! `sesame doctor` against entra-sim tenants (HTTPS), each misconfigured in
//! one way: the doctor must fail exactly that check, with its fix, and never
//! send the test password more than once.
#![allow(clippy::unwrap_used)] // test helpers may panic

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use entra_sim::{CaState, DEMO_TENANT_TOML, Sim, SimHandle, SimOptions, Tenant};
use serde_json::Value;

const APP: &str = "c3000000-0000-4000-8000-000000000001";
const CONFIDENTIAL_APP: &str = "c3000000-0000-4000-8000-000000000002";
const NO_PUBLIC_FLOWS_APP: &str = "c3000000-0000-4000-8000-000000000003";
const REDIRECT: &str = "https://127.0.0.1/sesame";
const ADELE: (&str, &str) = ("adele@contoso.example", "Sesame-Demo-2");
const MEGAN: (&str, &str) = ("megan@contoso.example", "Sesame-Demo-1");

fn sim_with(edit: impl Fn(&str) -> String) -> SimHandle {
    let tenant = Tenant::from_toml_str(&edit(DEMO_TENANT_TOML), "test tenant").unwrap();
    Sim::start_in_background(tenant, SimOptions { tls: true }).unwrap()
}

fn sim() -> SimHandle {
    sim_with(str::to_owned)
}

/// A managed-preferences plist pointing at the sim; `extra` overrides keys.
fn profile(sim: &SimHandle, dir: &Path, extra: &[(&str, &str)]) -> PathBuf {
    let mut keys: Vec<(String, String)> = vec![
        ("TenantID".into(), string(&sim.tenant_id())),
        ("AuthorityHost".into(), string(sim.base_url())),
        ("OIDCClientID".into(), string(APP)),
        ("OIDCRedirectURI".into(), string(REDIRECT)),
        (
            "TrustedRootCertificates".into(),
            format!("<array>{}</array>", string(sim.ca_pem().unwrap())),
        ),
    ];
    for (k, v) in extra {
        keys.retain(|(key, _)| key != k);
        keys.push(((*k).into(), (*v).into()));
    }
    let body: String = keys
        .iter()
        .map(|(k, v)| format!("<key>{k}</key>{v}"))
        .collect();
    let path = dir.join("io.sesame.agent.plist");
    std::fs::write(
        &path,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>{body}</dict></plist>\n"
        ),
    )
    .unwrap();
    path
}

fn string(s: &str) -> String {
    format!("<string>{s}</string>")
}

/// One check as (name, status, codes, fix).
type CheckRow = (String, String, Vec<u64>, String);

/// Runs the doctor; returns the exit code and the checks.
fn doctor(profile: &Path, user: Option<(&str, &str)>) -> (i32, Vec<CheckRow>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sesame"));
    cmd.args(["doctor", "--json", "--profile"]).arg(profile);
    if let Some((upn, _)) = user {
        cmd.args(["--user", upn, "--password-stdin"]);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some((_, password)) = user {
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let checks = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
                c["codes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_u64().unwrap())
                    .collect(),
                c["fix"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (out.status.code().unwrap(), checks)
}

/// The checks that did not pass, as (name, status, codes).
fn problems(checks: &[CheckRow]) -> Vec<(&str, &str, Vec<u64>)> {
    checks
        .iter()
        .filter(|c| c.1 != "pass")
        .map(|c| (c.0.as_str(), c.1.as_str(), c.2.clone()))
        .collect()
}

fn fix_of<'a>(checks: &'a [CheckRow], name: &str) -> &'a str {
    &checks.iter().find(|c| c.0 == name).unwrap().3
}

fn password_sign_ins(sim: &SimHandle, upn: &str) -> usize {
    sim.sign_ins()
        .iter()
        .filter(|s| s.user.eq_ignore_ascii_case(upn) && s.flow == "password")
        .count()
}

#[test]
fn a_healthy_tenant_is_all_green_and_the_password_is_sent_once() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    let (code, checks) = doctor(&profile(&sim, dir.path(), &[]), Some(ADELE));
    assert_eq!(problems(&checks), []);
    assert_eq!(code, 0);
    let names: Vec<&str> = checks.iter().map(|c| c.0.as_str()).collect();
    for expected in [
        "discovery",
        "tenant",
        "client_id",
        "public_client_flows",
        "redirect_uri",
        "ropg_endpoint",
        "password_check",
        "mfa_on_ropg_app",
        "user_assignment",
        "conditional_access",
        "groups_claim",
        "preferred_username",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    assert_eq!(password_sign_ins(&sim, ADELE.0), 1);
}

#[test]
fn without_a_user_the_app_checks_run_and_no_password_is_sent() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    let (code, checks) = doctor(&profile(&sim, dir.path(), &[]), None);
    assert_eq!(code, 0);
    assert_eq!(problems(&checks), []);
    assert!(checks.iter().any(|c| c.0 == "redirect_uri"));
    assert!(!checks.iter().any(|c| c.0 == "password_check"));
    assert!(
        sim.sign_ins()
            .iter()
            .all(|s| s.result != entra_sim::SignInResult::Success)
    );
}

#[test]
fn an_unknown_tenant_fails_the_tenant_check_only() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        &sim,
        dir.path(),
        &[("TenantID", &string("0b0b0b0b-0000-4000-8000-000000000000"))],
    );
    let (code, checks) = doctor(&p, Some(ADELE));
    assert_eq!(problems(&checks), [("tenant", "fail", vec![90002])]);
    assert_eq!(code, 1);
    assert!(fix_of(&checks, "tenant").contains("tenant"), "{checks:?}");
    assert_eq!(password_sign_ins(&sim, ADELE.0), 0);
}

#[test]
fn an_unknown_client_id_fails_the_client_id_check_only() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        &sim,
        dir.path(),
        &[(
            "OIDCClientID",
            &string("0c0c0c0c-0000-4000-8000-000000000000"),
        )],
    );
    let (code, checks) = doctor(&p, Some(ADELE));
    assert_eq!(problems(&checks), [("client_id", "fail", vec![700016])]);
    assert_eq!(code, 1);
    assert!(!fix_of(&checks, "client_id").is_empty());
}

#[test]
fn public_client_flows_off_fails_that_check_only() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        &sim,
        dir.path(),
        &[
            ("OIDCClientID", &string(NO_PUBLIC_FLOWS_APP)),
            (
                "OIDCRedirectURI",
                &string("https://login.microsoftonline.com/common/oauth2/nativeclient"),
            ),
        ],
    );
    let (code, checks) = doctor(&p, Some(ADELE));
    assert_eq!(
        problems(&checks),
        [("public_client_flows", "fail", vec![7000218])]
    );
    assert_eq!(code, 1);
    assert!(
        fix_of(&checks, "public_client_flows")
            .to_lowercase()
            .contains("public client")
    );
    // The password never left the Mac: the probe carries none.
    assert!(
        sim.sign_ins()
            .iter()
            .all(|s| s.error_code != 50126 && s.error_code != 0)
    );
}

#[test]
fn an_unregistered_redirect_uri_fails_that_check_only() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        &sim,
        dir.path(),
        &[(
            "OIDCRedirectURI",
            &string("https://127.0.0.1/not-registered"),
        )],
    );
    let (code, checks) = doctor(&p, Some(ADELE));
    assert_eq!(problems(&checks), [("redirect_uri", "fail", vec![50011])]);
    assert_eq!(code, 1);
}

#[test]
fn mfa_on_the_ropg_app_warns_with_the_two_app_pattern() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    let (code, checks) = doctor(&profile(&sim, dir.path(), &[]), Some(MEGAN));
    assert_eq!(
        problems(&checks),
        [("mfa_on_ropg_app", "warn", vec![50076])]
    );
    assert_eq!(code, 0, "a warning is not a failure");
    assert!(fix_of(&checks, "mfa_on_ropg_app").contains("two-app pattern"));
    assert_eq!(password_sign_ins(&sim, MEGAN.0), 1);
}

#[test]
fn assignment_required_fails_the_assignment_check_only() {
    let sim = sim_with(|t| {
        t.replace(
            r#"assigned = ["a1000000-0000-4000-8000-000000000002", "a1000000-0000-4000-8000-000000000003"]"#,
            r#"assigned = ["a1000000-0000-4000-8000-000000000001"]"#,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, checks) = doctor(&profile(&sim, dir.path(), &[]), Some(ADELE));
    assert_eq!(
        problems(&checks),
        [("user_assignment", "fail", vec![50105])]
    );
    assert_eq!(code, 1);
    assert_eq!(password_sign_ins(&sim, ADELE.0), 1);
}

#[test]
fn a_compliant_device_policy_fails_the_conditional_access_check() {
    let sim = sim();
    sim.set_ca_state("Compliant device for Sesame", CaState::On)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (code, checks) = doctor(&profile(&sim, dir.path(), &[]), Some(ADELE));
    assert_eq!(
        problems(&checks),
        [("conditional_access", "fail", vec![53000])]
    );
    assert_eq!(code, 1);
    assert_eq!(password_sign_ins(&sim, ADELE.0), 1);
}

#[test]
fn an_expired_or_wrong_client_secret_fails_the_secret_check_only() {
    let sim = sim();
    for (secret, expected) in [
        ("demo-secret-expired", 7000222),
        ("not-the-secret", 7000215),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let p = profile(
            &sim,
            dir.path(),
            &[
                ("OIDCClientID", &string(CONFIDENTIAL_APP)),
                (
                    "OIDCRedirectURI",
                    &string("https://localhost/doctor/callback"),
                ),
                ("OIDCClientSecret", &string(secret)),
            ],
        );
        let (code, checks) = doctor(&p, Some(ADELE));
        assert_eq!(
            problems(&checks),
            [("client_secret", "fail", vec![expected])],
            "{secret}"
        );
        assert_eq!(code, 1);
    }
    // Entra refused the app before the password: it was never evaluated.
    assert!(
        sim.sign_ins()
            .iter()
            .all(|s| [7000222, 7000215].contains(&s.error_code)),
        "{:?}",
        sim.sign_ins()
    );
}

#[test]
fn group_overage_warns_on_the_groups_claim() {
    // Adele in two security groups, with room for one in the token.
    let sim = sim_with(|t| {
        t.replace(
            r#"groups = ["a1000000-0000-4000-8000-000000000002", "a1000000-0000-4000-8000-000000000004"]"#,
            r#"groups = ["a1000000-0000-4000-8000-000000000001", "a1000000-0000-4000-8000-000000000002"]"#,
        )
    });
    sim.set_group_overage_threshold(1);
    let dir = tempfile::tempdir().unwrap();
    let (code, checks) = doctor(&profile(&sim, dir.path(), &[]), Some(ADELE));
    assert_eq!(problems(&checks), [("groups_claim", "warn", vec![])]);
    assert_eq!(code, 0);
}

#[test]
fn a_wrong_test_password_fails_once_and_is_never_retried() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    let (code, checks) = doctor(
        &profile(&sim, dir.path(), &[]),
        Some((ADELE.0, "Not-The-Password-9")),
    );
    assert_eq!(problems(&checks), [("password_check", "fail", vec![50126])]);
    assert_eq!(code, 1);
    assert_eq!(password_sign_ins(&sim, ADELE.0), 1);
}

#[test]
fn checks_go_to_the_sync_log_without_the_password() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("logs/sync.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sesame"))
        .args(["doctor", "--profile"])
        .arg(profile(&sim, dir.path(), &[]))
        .args(["--user", MEGAN.0, "--password-stdin", "--log-path"])
        .arg(&log)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{}", MEGAN.1).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("WARN  mfa_on_ropg_app"), "{text}");
    assert!(text.contains("Fix: Use the two-app pattern"), "{text}");

    let report = sesame_synclog::read_log(&log).unwrap();
    assert!(report.corrupt.is_empty());
    assert_eq!(
        report.events.len(),
        text.lines()
            .filter(|l| l.starts_with("PASS") || l.starts_with("WARN"))
            .count()
    );
    let mfa = report
        .events
        .iter()
        .find(|e| e.message.starts_with("doctor mfa_on_ropg_app"))
        .unwrap();
    assert_eq!(mfa.component, sesame_synclog::Component::Doctor);
    assert_eq!(mfa.verdict, Some(sesame_synclog::Verdict::Warn));
    assert_eq!(mfa.codes, [50076]);
    assert_eq!(mfa.user.as_ref().unwrap().upn, MEGAN.0);
    assert!(
        mfa.trace_id.is_some() && mfa.correlation_id.is_some(),
        "support IDs kept"
    );
    let raw = std::fs::read_to_string(&log).unwrap();
    assert!(!raw.contains(MEGAN.1), "the password reached the sync log");
}
