//! Builds the fake authorization engine (C, with the system `cc`) and the
//! plugin (the cdylib), runs one evaluation, and parses what the engine
//! recorded.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The plugin's shared library: next to the test binary's `deps/` folder
/// (cargo builds the cdylib with the package), else built now.
pub fn plugin() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test binary's path");
        let deps = exe.parent().expect("target/<profile>/deps/<test>");
        // `cargo test` builds the cdylib next to the test binary; a plain
        // `cargo build` puts it one folder up.
        let candidates = [
            deps.to_path_buf(),
            deps.parent().unwrap_or(deps).to_path_buf(),
        ];
        let found = candidates
            .iter()
            .map(|d| d.join("libsesame_authplugin.so"))
            .find(|l| l.exists());
        let lib = found.unwrap_or_else(|| candidates[1].join("libsesame_authplugin.so"));
        if !lib.exists() {
            let status = Command::new(env!("CARGO"))
                .args(["build", "-p", "sesame-authplugin", "--lib"])
                .status()
                .expect("cargo runs");
            assert!(status.success(), "cargo build -p sesame-authplugin failed");
        }
        assert!(lib.exists(), "no plugin library at {}", lib.display());
        lib
    })
    .clone()
}

/// The fake engine, compiled once per test binary.
pub fn engine() -> PathBuf {
    static PATH: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("fake_engine");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake_engine.c");
        let o = Command::new("cc")
            .args([
                "-std=c11",
                "-D_DEFAULT_SOURCE",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-o",
            ])
            .arg(&out)
            .arg(&src)
            .arg("-ldl")
            .output()
            .expect("the system C compiler `cc` runs (apt install gcc)");
        assert!(
            o.status.success(),
            "fake_engine.c does not compile: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        (dir, out)
    })
    .1
    .clone()
}

/// What one evaluation recorded.
#[derive(Debug)]
pub struct Run {
    /// The engine's lines, in order.
    pub lines: Vec<String>,
    /// The engine's exit status (a crash inside the plugin is a signal).
    pub status: std::process::ExitStatus,
    /// The engine's standard error.
    pub stderr: String,
}

/// Runs the engine over `mechanisms` with callbacks `version`.
pub fn evaluate(hook: Option<&Path>, version: u32, deactivate: bool, mechanisms: &[String]) -> Run {
    let mut cmd = Command::new(engine());
    cmd.arg(plugin()).arg(version.to_string());
    if deactivate {
        cmd.arg("--deactivate");
    }
    cmd.args(mechanisms);
    cmd.env_remove(sesame_authplugin::host::test_hook::ENV);
    if let Some(h) = hook {
        cmd.env(sesame_authplugin::host::test_hook::ENV, h);
    }
    let o = cmd.output().expect("the fake engine runs");
    Run {
        lines: String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_owned)
            .collect(),
        status: o.status,
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn unhex(h: &str) -> Vec<u8> {
    (0..h.len() / 2)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

/// One `SET_CONTEXT` / `SET_HINT` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// The mechanism that set it.
    pub by: String,
    /// Context flags (0 for hints).
    pub flags: u32,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl Run {
    /// The last value set under `key` by `SET_CONTEXT` (or `SET_HINT`).
    pub fn last(&self, kind: &str, key: &str) -> Option<Value> {
        self.lines.iter().rev().find_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            if f.first() != Some(&kind) || f.get(2) != Some(&key) {
                return None;
            }
            let field = |name: &str| {
                f.iter()
                    .find_map(|x| x.strip_prefix(&format!("{name}=")))
                    .map(str::to_owned)
            };
            Some(Value {
                by: f[1].to_owned(),
                flags: field("flags").and_then(|v| v.parse().ok()).unwrap_or(0),
                bytes: unhex(&field("hex").unwrap_or_default()),
            })
        })
    }

    /// The result `mechanism` reported.
    pub fn result(&self, mechanism: &str) -> Option<u32> {
        self.lines.iter().find_map(|l| {
            l.strip_prefix(&format!("SET_RESULT {mechanism} "))
                .and_then(|r| r.parse().ok())
        })
    }

    /// Index of the first line starting with `prefix`.
    pub fn at(&self, prefix: &str) -> Option<usize> {
        self.lines.iter().position(|l| l.starts_with(prefix))
    }

    /// The whole record, for failure messages.
    pub fn dump(&self) -> String {
        format!("{}\n--- stderr ---\n{}", self.lines.join("\n"), self.stderr)
    }
}
