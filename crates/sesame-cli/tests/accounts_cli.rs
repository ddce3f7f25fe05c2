//! `sesame accounts --root DIR` on a sandbox root provisioned with the real
//! shadow tools.
// Linux only: accounts are provisioned with the real shadow tools, as root.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::collections::BTreeMap;
use std::process::Command;

use secrecy::SecretString;
use sesame_core::identity::{EntraId, Groups, Identity};
use sesame_core::password_binding::{EntraAccepted, PasswordOwner, VerifiedPassword};
use sesame_core::provisioning::{AccountOs, LocalPasswordProof, PlanRequest, Policy};
use sesame_platform::directory::sandbox;
use sesame_platform::{
    AccountDirectory, AccountSpec, JournalFile, NoHook, Passwords, ShadowDirectory, provision,
};

const ADMINS: &str = "aaaaaaaa-0000-0000-0000-000000000001";
const PASSWORD: &str = "Cloud-Pa55word!";

fn person(upn: &str, oid: &str, groups: &[&str]) -> Identity {
    Identity {
        id: EntraId {
            oid: oid.into(),
            tid: "11111111-1111-1111-1111-111111111111".into(),
        },
        username: upn.into(),
        upn: Some(upn.into()),
        name: None,
        given_name: None,
        family_name: None,
        groups: Groups::Known {
            ids: groups.iter().map(|g| g.to_string()).collect(),
        },
        roles: vec![],
        extra_claims: BTreeMap::new(),
    }
}

#[test]
fn lists_managed_accounts_with_admin_reason_and_unbound_ones_separately() {
    if let Err(why) = sandbox::ensure_root() {
        panic!("{why}");
    }
    let tmp = tempfile::tempdir().unwrap();
    sandbox::create(tmp.path()).unwrap();
    let dir = ShadowDirectory::new(tmp.path());
    let journal = JournalFile::new(dir.journal_path());
    let mut policy = Policy::new(AccountOs::Linux);
    policy.admin_groups = vec![ADMINS.into()];
    let pw = SecretString::from(PASSWORD.to_owned());
    for who in [
        person(
            "ada@contoso.example",
            "0a0a0a0a-0000-0000-0000-00000000ada0",
            &[ADMINS],
        ),
        person(
            "grace@contoso.example",
            "0c0c0c0c-0000-0000-0000-0000000000c0",
            &[],
        ),
    ] {
        let verified = VerifiedPassword::bind(
            &PasswordOwner::of(&who),
            SecretString::from(PASSWORD.to_owned()),
            EntraAccepted::IdToken(&who.id),
        )
        .unwrap();
        provision(
            &dir,
            &journal,
            &policy,
            &PlanRequest {
                identity: &who,
                password: &verified,
                local_password: LocalPasswordProof::NotOffered,
                now: "2026-11-22T04:00:00Z",
            },
            &Passwords {
                new: &pw,
                old_local: None,
            },
            &mut NoHook,
        )
        .unwrap();
    }
    dir.create(&AccountSpec {
        short_name: "bob".into(),
        uid: 1500,
        full_name: "Bob Local".into(),
        home: "/home/bob".into(),
    })
    .unwrap();

    let bin = env!("CARGO_BIN_EXE_sesame");
    let out = Command::new(bin)
        .args(["accounts", "--root"])
        .arg(tmp.path())
        .args(["--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let managed = v["managed"].as_array().unwrap();
    assert_eq!(managed.len(), 2, "{v}");
    let ada = managed.iter().find(|m| m["short_name"] == "ada").unwrap();
    assert_eq!(ada["upn"], "ada@contoso.example");
    assert_eq!(ada["oid"], "0a0a0a0a-0000-0000-0000-00000000ada0");
    assert_eq!(ada["admin"], true);
    assert_eq!(ada["admin_reason"], format!("admin group {ADMINS}"));
    assert_eq!(ada["origin"], "created");
    assert_eq!(ada["last_sync"], "2026-11-22T04:00:00Z");
    let grace = managed.iter().find(|m| m["short_name"] == "grace").unwrap();
    assert_eq!(grace["admin"], false);
    assert_eq!(grace["admin_reason"], serde_json::Value::Null);
    let unmanaged = v["unmanaged"].as_array().unwrap();
    assert_eq!(
        unmanaged.len(),
        1,
        "root, daemon, nobody are not people: {v}"
    );
    assert_eq!(unmanaged[0]["short_name"], "bob");

    let out = Command::new(bin)
        .args(["accounts", "--root"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Accounts managed by Sesame"), "{text}");
    assert!(
        text.contains("ada") && text.contains("admin group"),
        "{text}"
    );
    assert!(text.contains("not bound to an Entra identity: 1"), "{text}");
    assert!(!text.contains(PASSWORD));
}

#[test]
fn a_damaged_root_is_named_in_the_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sesame"))
        .args(["accounts", "--root"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("etc/passwd"), "{err}");
}

/// Characters a terminal acts on instead of printing.
fn terminal_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| {
            (c.is_control() && *c != '\n')
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

#[test]
fn names_with_escape_sequences_are_printed_inert() {
    use std::io::Write as _;
    let tmp = tempfile::tempdir().unwrap();
    sandbox::create(tmp.path()).unwrap();
    // Written as a local user's own `chfn` (or a hostile display name) could.
    let mut passwd = std::fs::OpenOptions::new()
        .append(true)
        .open(tmp.path().join("etc/passwd"))
        .unwrap();
    writeln!(
        passwd,
        "eve:x:1500:1500:Eve\u{1b}]0;root shell\u{7}\u{1b}[2J\u{202e}nimda:/home/eve:/bin/bash"
    )
    .unwrap();
    writeln!(passwd, "mal:x:1501:1501:Mal:/home/mal:/bin/bash").unwrap();
    drop(passwd);
    let dir = ShadowDirectory::new(tmp.path());
    let mut state = sesame_platform::directory::BindingState::load(&dir.state_path()).unwrap();
    state.accounts.insert(
        "mal".into(),
        sesame_core::provisioning::Binding {
            id: EntraId {
                oid: "0d0d0d0d-0000-0000-0000-000000000d0d".into(),
                tid: "11111111-1111-1111-1111-111111111111".into(),
            },
            upn: "mal\u{1b}[8m@contoso.example".into(),
            origin: sesame_core::provisioning::Origin::Created,
            admin_by_sesame: false,
            admin_reason: None,
            last_sync: None,
        },
    );
    state.save(&dir.state_path()).unwrap();

    let run = |json: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sesame"));
        c.args(["accounts", "--root"]).arg(tmp.path());
        if json {
            c.arg("--json");
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(false);
    assert_eq!(terminal_controls(&text), Vec::<char>::new(), "{text:?}");
    assert!(text.contains("Evenimda"), "{text}");
    assert!(text.contains("mal@contoso.example"), "{text}");
    let json = run(true);
    assert_eq!(terminal_controls(&json), Vec::<char>::new(), "{json:?}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["managed"][0]["upn"], "mal\u{1b}[8m@contoso.example");
}
