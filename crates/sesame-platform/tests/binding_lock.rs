//! The binding state (`accounts.json`) is changed read-modify-write by the
//! agent, the menu-bar daemon and the CLI at once: several processes binding
//! accounts and recording UIDs on one state file lose nothing.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use sesame_core::identity::EntraId;
use sesame_core::provisioning::{Binding, Origin};
use sesame_platform::directory::{BindingState, sandbox};
use sesame_platform::{AccountDirectory, ShadowDirectory};

const CHILD_ENV: &str = "SESAME_BINDING_LOCK_CHILD";
const WRITERS: usize = 4;
const PER_WRITER: usize = 25;

fn short_name(writer: usize, n: usize) -> String {
    format!("w{writer}n{n}")
}

fn uid(writer: usize, n: usize) -> u32 {
    (10_000 + writer * 1000 + n) as u32
}

fn binding(name: &str) -> Binding {
    Binding {
        id: EntraId {
            oid: format!("00000000-0000-0000-0000-{:0>12}", name.len()),
            tid: "11111111-1111-1111-1111-111111111111".into(),
        },
        upn: format!("{name}@contoso.example"),
        origin: Origin::Created,
        admin_by_sesame: false,
        admin_reason: None,
        last_sync: Some("2026-11-22T04:00:00Z".into()),
    }
}

/// The body of each writer process: bind its accounts and record its UIDs.
fn write_bindings(root: &Path, writer: usize) {
    let dir = ShadowDirectory::new(root);
    for n in 0..PER_WRITER {
        let name = short_name(writer, n);
        dir.bind(&name, Some(&binding(&name))).unwrap();
        dir.record_uid(uid(writer, n)).unwrap();
    }
}

#[test]
fn processes_binding_at_once_lose_no_binding() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    sandbox::create(root).unwrap();
    // The accounts exist (bind checks that); written directly, no tools needed.
    let mut passwd = std::fs::OpenOptions::new()
        .append(true)
        .open(root.join("etc/passwd"))
        .unwrap();
    for w in 0..WRITERS {
        for n in 0..PER_WRITER {
            let name = short_name(w, n);
            writeln!(passwd, "{name}:x:{}:100::/home/{name}:/bin/sh", uid(w, n)).unwrap();
        }
    }
    drop(passwd);

    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..WRITERS)
        .map(|w| {
            Command::new(&exe)
                .args(["--exact", "child_writer", "--test-threads=1"])
                .env(CHILD_ENV, format!("{}|{w}", root.display()))
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a writer process failed");
    }

    let dir = ShadowDirectory::new(root);
    let state = BindingState::load(&dir.state_path()).unwrap();
    let mut lost = Vec::new();
    for w in 0..WRITERS {
        for n in 0..PER_WRITER {
            let name = short_name(w, n);
            if state.accounts.get(&name) != Some(&binding(&name)) {
                lost.push(name);
            }
            if !state.used_uids.contains(&uid(w, n)) {
                lost.push(format!("uid {}", uid(w, n)));
            }
        }
    }
    assert!(lost.is_empty(), "lost {} updates: {lost:?}", lost.len());
    assert_eq!(state.accounts.len(), WRITERS * PER_WRITER);
}

/// Not a test on its own: the body of each writer process above.
#[test]
fn child_writer() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (root, writer) = spec.split_once('|').unwrap();
    write_bindings(Path::new(root), writer.parse().unwrap());
}
