//! The login right's edit (`sesame_agent::authdb`) in the cases an admin
//! meets beside the stock rights: another tool's privileged mechanism ahead
//! of a third-party login window, a policy banner between that product's
//! mechanisms, what `authdb status` says when a macOS update moved Sesame's
//! mechanisms, a right without `loginwindow:done`, and a right that is not
//! a list of mechanisms.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use plist::{Dictionary, Value};
use sesame_agent::authdb::{
    self, AuthdbError, KEYCHAIN, PROVISION, Replace, UI, mechanisms, with_mechanisms,
};

fn v(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// Ventura's stock right (plugin/tests/fixtures/authdb/macos-13-ventura.plist).
const VENTURA: [&str; 18] = [
    "builtin:prelogin",
    "builtin:policy-banner",
    "loginwindow:login",
    "builtin:login-begin",
    "builtin:reset-password,privileged",
    "loginwindow:FDESupport,privileged",
    "builtin:forward-login,privileged",
    "builtin:auto-login,privileged",
    "builtin:authenticate,privileged",
    "PKINITMechanism:auth,privileged",
    "builtin:login-success",
    "loginwindow:success",
    "HomeDirMechanism:login,privileged",
    "HomeDirMechanism:status",
    "MCXMechanism:login",
    "CryptoTokenKit:login",
    "PSSOAuthPlugin:login-auth",
    "loginwindow:done",
];

/// Ventura with `loginwindow:login` swapped for `window`, and `before`
/// inserted ahead of the policy banner.
fn owned_by(before: &[&str], window: &[&str]) -> Vec<String> {
    let mut m = v(&VENTURA[..1]);
    m.extend(v(before));
    m.push(VENTURA[1].to_owned());
    m.extend(v(window));
    m.extend(v(&VENTURA[3..]));
    m
}

#[test]
fn a_privileged_tool_ahead_of_the_login_window_is_not_taken_for_its_owner() {
    // An escrow tool's privileged mechanism runs before XCreds's window:
    // XCreds owns the login window, and only XCreds is replaced.
    let right = owned_by(
        &["Escrow Buddy:Invoke,privileged"],
        &["XCredsLoginPlugin:LoginWindow"],
    );
    match authdb::install(&right, Replace::Refuse) {
        Err(AuthdbError::OtherLoginWindow {
            product,
            mechanisms,
        }) => {
            assert_eq!(product, "XCreds");
            assert_eq!(mechanisms, v(&["XCredsLoginPlugin:LoginWindow"]));
        }
        other => panic!("expected XCreds to be named, got {other:?}"),
    }
    assert_eq!(
        authdb::status(&right).other_login_window.as_deref(),
        Some("XCreds")
    );
    let m = authdb::install(&right, Replace::Other).unwrap();
    assert!(m.contains(&"Escrow Buddy:Invoke,privileged".to_owned()));
    assert!(!m.iter().any(|x| x.starts_with("XCredsLoginPlugin")));
}

#[test]
fn replacing_another_product_keeps_the_policy_banner_before_the_sign_in_window() {
    // XCreds's privileged setup runs before the banner, its window after it.
    // Sesame's window takes the window's place: the banner still shows first.
    let right = owned_by(
        &["XCredsLoginPlugin:UserSetup,privileged"],
        &["XCredsLoginPlugin:LoginWindow"],
    );
    let m = authdb::install(&right, Replace::Other).unwrap();
    let stock_installed = authdb::install(&v(&VENTURA), Replace::Refuse).unwrap();
    assert_eq!(m, stock_installed);
    let at = |x: &str| m.iter().position(|y| y == x).unwrap();
    assert!(at("builtin:policy-banner") < at(UI), "{m:?}");
}

#[test]
fn status_says_where_each_moved_mechanism_belongs() {
    let installed = authdb::install(&v(&VENTURA), Replace::Refuse).unwrap();
    let say = |right: &[String], mech: &str, place: &str| {
        let s = authdb::status(right);
        assert!(!s.installed, "{mech}");
        let line = s
            .differences
            .iter()
            .find(|d| d.starts_with(&format!("`{mech}` is at position")))
            .unwrap_or_else(|| panic!("{mech}: {:?}", s.differences));
        assert!(line.contains(place), "{mech}: {line}");
    };
    for (mech, place) in [
        (PROVISION, "right after builtin:login-begin"),
        (KEYCHAIN, "right after loginwindow:done"),
    ] {
        let mut moved = installed.clone();
        let from = moved.iter().position(|x| x == mech).unwrap();
        let entry = moved.remove(from);
        moved.insert(0, entry);
        say(&moved, mech, place);
    }
    // Sesame's window moved after login-begin, its provisioning gone.
    let mut moved = installed.clone();
    moved.retain(|x| x != PROVISION && x != UI);
    let begin = moved
        .iter()
        .position(|x| x == "builtin:login-begin")
        .unwrap();
    moved.insert(begin + 1, UI.to_owned());
    say(&moved, UI, "in place of loginwindow:login");
    // A mechanism of an older Sesame is reported, not silently kept.
    let mut old = installed.clone();
    old.push("Sesame:legacy,privileged".into());
    let s = authdb::status(&old);
    assert!(!s.installed);
    assert!(
        s.differences
            .iter()
            .any(|d| d.contains("`Sesame:legacy,privileged` is not one of Sesame's")),
        "{:?}",
        s.differences
    );
}

#[test]
fn a_right_without_loginwindow_done_gets_the_keychain_last() {
    let right = v(&VENTURA[..17]);
    let m = authdb::install(&right, Replace::Refuse).unwrap();
    assert_eq!(m.last().map(String::as_str), Some(KEYCHAIN));
    assert_eq!(authdb::uninstall(&m), right);
}

#[test]
fn the_right_keeps_its_other_keys_and_bad_mechanisms_are_named() {
    let mut dict = Dictionary::new();
    dict.insert("class".into(), Value::String("evaluate-mechanisms".into()));
    dict.insert("shared".into(), Value::Boolean(true));
    dict.insert(
        "mechanisms".into(),
        Value::Array(VENTURA.iter().map(|s| Value::String((*s).into())).collect()),
    );
    let right = Value::Dictionary(dict);
    let new = authdb::install(&mechanisms(&right).unwrap(), Replace::Refuse).unwrap();
    let edited = with_mechanisms(&right, &new).unwrap();
    let d = edited.as_dictionary().unwrap();
    assert_eq!(
        d.get("class").and_then(Value::as_string),
        Some("evaluate-mechanisms")
    );
    assert_eq!(d.get("shared").and_then(Value::as_boolean), Some(true));
    assert_eq!(mechanisms(&edited).unwrap(), new);

    let mut bad = Dictionary::new();
    bad.insert(
        "mechanisms".into(),
        Value::Array(vec![Value::String("builtin:prelogin".into()), 7.into()]),
    );
    match mechanisms(&Value::Dictionary(bad)) {
        Err(AuthdbError::NotALoginRight(why)) => assert!(why.contains("item 1"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(
        mechanisms(&Value::String("x".into())),
        Err(AuthdbError::NotALoginRight(_))
    ));
    assert!(with_mechanisms(&Value::Boolean(true), &new).is_err());
}

/// A right whose sign-in window was moved after the login began (by
/// another tool or an update) would show the window after the person is
/// signed in: `status` must not call that installed.
#[test]
fn a_sign_in_window_moved_after_the_login_is_not_reported_as_installed() {
    let mut moved = authdb::install(&v(&VENTURA), Replace::Refuse).unwrap();
    let from = moved.iter().position(|x| x == UI).unwrap();
    let entry = moved.remove(from);
    moved.push(entry);
    let s = authdb::status(&moved);
    assert!(!s.installed, "{:?}", s.differences);
    assert!(
        s.differences
            .iter()
            .any(|d| d.contains("builtin:login-begin")),
        "{:?}",
        s.differences
    );
}
