//! Full names through the real shadow tools: a comma survives as the same
//! stored name (so the next sign-in changes nothing), and `:` or a control
//! character never makes `useradd` fail.

#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod common;

use common::*;
use sesame_core::provisioning::Plan;
use sesame_platform::{AccountDirectory, AccountSpec};

fn sign_in(name: &str) -> (tempfile::TempDir, Vec<Plan>) {
    let (tmp, dir, journal) = sandbox_dir();
    let mut me = ada(&[]);
    me.name = Some(name.into());
    let pw = secret(CLOUD_PASSWORD);
    let plans = (0..2)
        .map(|_| first_login(&dir, &journal, &me, &pw))
        .collect();
    (tmp, plans)
}

#[test]
fn a_display_name_with_a_comma_is_not_rewritten_at_the_next_sign_in() {
    require_root!();
    let (tmp, plans) = sign_in("Lovelace, Ada");
    assert!(
        matches!(plans[0], Plan::Create(_)),
        "{}",
        plans[0].explain()
    );
    match &plans[1] {
        Plan::Update(u) => assert_eq!(u.full_name, None, "usermod scheduled again: {u:?}"),
        other => panic!("expected an update, got {}", other.explain()),
    }
    let passwd = std::fs::read_to_string(tmp.path().join("etc/passwd")).unwrap();
    assert!(
        passwd.contains("ada:x:1000:1000:Lovelace Ada:/home/ada:"),
        "{passwd}"
    );
}

#[test]
fn colons_and_control_characters_never_make_useradd_fail() {
    require_root!();
    let (tmp, plans) = sign_in("Ada:Lovelace\u{7}\nroot::0:0::/root:/bin/sh");
    assert!(
        matches!(plans[0], Plan::Create(_)),
        "{}",
        plans[0].explain()
    );
    let passwd = std::fs::read_to_string(tmp.path().join("etc/passwd")).unwrap();
    let ada = passwd.lines().find(|l| l.starts_with("ada:")).unwrap();
    assert_eq!(ada.split(':').count(), 7, "{ada}");
    assert_eq!(passwd.lines().filter(|l| l.starts_with("root:")).count(), 1);
    assert!(matches!(&plans[1], Plan::Update(u) if u.full_name.is_none()));
}

#[test]
fn the_directory_sanitizes_names_it_is_given_directly() {
    require_root!();
    let (tmp, dir, _) = sandbox_dir();
    dir.create(&AccountSpec {
        short_name: "grace".into(),
        uid: 1001,
        full_name: "Hopper, Grace\r\n".into(),
        home: "/home/grace".into(),
    })
    .unwrap();
    dir.set_full_name("grace", "Hopper:Grace\u{1b}[2J").unwrap();
    let grace = dir.find_by_short_name("grace").unwrap().unwrap();
    assert_eq!(grace.full_name, "Hopper Grace [2J");
    assert!(tmp.path().join("home/grace").is_dir());
}
