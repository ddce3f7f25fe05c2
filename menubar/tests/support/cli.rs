//! The end-to-end tests' way of running the programs as a user would:
//! `sesame-agent login` (native, password on stdin) and `sesame-menubar`
//! with stdin fed, and reading `--json` output.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use sesame_e2e::login::agent_binary;
use sesame_e2e::world::{ADELE, ADELE_PASSWORD, Sandbox, run_fed as fed};

/// The `--json` output of `o`.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "--json prints JSON ({e}): {} / {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// `sesame-agent login --native` as Adele with her first password; it must
/// succeed.
pub fn login(sb: &Sandbox, profile: &Path) -> Output {
    let mut cmd = Command::new(agent_binary());
    cmd.arg("login")
        .arg("--profile")
        .arg(profile)
        .arg("--root")
        .arg(&sb.root)
        .arg("--log-path")
        .arg(&sb.log_path)
        .args(["--native", "--user", ADELE, "--password-stdin"]);
    let out = fed(&mut cmd, &format!("{ADELE_PASSWORD}\n"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "login: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `sesame-menubar ARGS` for Adele in the sandbox `sb`, with the profile
/// and the daemon's state directory, `stdin` fed.
pub fn menubar(
    sb: &Sandbox,
    profile: &Path,
    state_dir: &Path,
    args: &[&str],
    stdin: &str,
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sesame-menubar"));
    cmd.arg("--profile")
        .arg(profile)
        .arg("--root")
        .arg(&sb.root)
        .arg("--log-path")
        .arg(&sb.log_path)
        .arg("--state-dir")
        .arg(state_dir)
        .args(["--user", ADELE])
        .args(args);
    fed(&mut cmd, stdin)
}
