//! The `system.login.console` edit (`sesame_agent::authdb`) against the
//! stock rights of recent macOS releases and rights already edited by
//! XCreds, Jamf Connect and a FileVault escrow tool (fixtures and their
//! sources: tests/fixtures/authdb/README.md).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use sesame_agent::authdb::{self, AuthdbError, Replace};

fn fixture(name: &str) -> Vec<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/authdb")
        .join(name);
    let right = plist::Value::from_file(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    authdb::mechanisms(&right).expect("a login right")
}

const STOCK: [&str; 4] = [
    "macos-27.plist",
    "macos-13-ventura.plist",
    "macos-12-monterey.plist",
    "macos-10.15-catalina.plist",
];

#[test]
fn sesame_takes_the_login_window_and_its_privileged_mechanisms_run_where_the_flow_needs_them() {
    for name in STOCK {
        let stock = fixture(name);
        let m = authdb::install(&stock, Replace::Refuse).expect(name);
        let at = |x: &str| {
            m.iter()
                .position(|y| y == x)
                .unwrap_or_else(|| panic!("{name}: no {x}"))
        };
        assert!(
            !m.iter().any(|x| x == "loginwindow:login"),
            "{name}: Apple's window still runs"
        );
        assert_eq!(
            at(authdb::UI),
            stock.iter().position(|x| x == "loginwindow:login").unwrap()
        );
        assert_eq!(
            at(authdb::PROVISION),
            at("builtin:login-begin") + 1,
            "{name}"
        );
        assert!(
            at(authdb::PROVISION) < at("builtin:authenticate,privileged"),
            "{name}: the account must exist before authenticate"
        );
        assert_eq!(at(authdb::KEYCHAIN), at("loginwindow:done") + 1, "{name}");
        assert!(
            at(authdb::KEYCHAIN) > at("HomeDirMechanism:login,privileged"),
            "{name}: the home folder exists first"
        );
        // Nothing of Apple's is lost or reordered.
        let apple: Vec<&String> = m.iter().filter(|x| !x.starts_with("Sesame:")).collect();
        let expected: Vec<&String> = stock.iter().filter(|x| *x != "loginwindow:login").collect();
        assert_eq!(apple, expected, "{name}");
        assert_eq!(m.len(), stock.len() + 2);
    }
}

#[test]
fn installing_twice_changes_nothing_and_uninstall_gives_back_the_original_exactly() {
    for name in STOCK {
        let stock = fixture(name);
        let once = authdb::install(&stock, Replace::Refuse).unwrap();
        assert_eq!(
            authdb::install(&once, Replace::Refuse).unwrap(),
            once,
            "{name}"
        );
        assert_eq!(authdb::uninstall(&once), stock, "{name}");
        assert_eq!(
            authdb::uninstall(&stock),
            stock,
            "{name}: nothing to take out"
        );
    }
}

#[test]
fn status_says_what_differs_and_is_clean_once_installed() {
    let stock = fixture("macos-13-ventura.plist");
    let s = authdb::status(&stock);
    assert!(!s.installed);
    assert!(
        s.differences
            .iter()
            .any(|d| d.contains("`Sesame:login` is missing")),
        "{:?}",
        s.differences
    );
    assert!(
        s.differences
            .iter()
            .any(|d| d.contains("loginwindow:login"))
    );
    let installed = authdb::install(&stock, Replace::Refuse).unwrap();
    assert_eq!(authdb::status(&installed).differences, Vec::<String>::new());
    assert!(authdb::status(&installed).installed);
    // A macOS update that put the keychain mechanism elsewhere is reported.
    let mut moved = installed.clone();
    let k = moved.iter().position(|x| x == authdb::KEYCHAIN).unwrap();
    let entry = moved.remove(k);
    moved.insert(0, entry);
    let s = authdb::status(&moved);
    assert!(!s.installed);
    assert!(
        s.differences
            .iter()
            .any(|d| d.contains("Sesame:keychain") && d.contains("loginwindow:done")),
        "{:?}",
        s.differences
    );
}

#[test]
fn a_login_window_owned_by_xcreds_or_jamf_connect_is_refused_by_name() {
    for (name, product, plugin) in [
        ("ventura-xcreds.plist", "XCreds", "XCredsLoginPlugin"),
        (
            "ventura-jamf-connect.plist",
            "Jamf Connect",
            "JamfConnectLogin",
        ),
    ] {
        let right = fixture(name);
        match authdb::install(&right, Replace::Refuse) {
            Err(e @ AuthdbError::OtherLoginWindow { .. }) => {
                let text = e.to_string();
                assert!(
                    text.contains(product) && text.contains("--replace-other"),
                    "{text}"
                );
                let AuthdbError::OtherLoginWindow { mechanisms, .. } = e else {
                    unreachable!()
                };
                assert!(mechanisms.iter().all(|m| m.starts_with(plugin)));
                assert_eq!(
                    mechanisms.len(),
                    right.iter().filter(|m| m.starts_with(plugin)).count()
                );
            }
            other => panic!("{name}: expected a refusal, got {other:?}"),
        }
        assert_eq!(
            authdb::status(&right).other_login_window.as_deref(),
            Some(product)
        );
    }
}

#[test]
fn replace_other_removes_the_other_product_and_installs_sesame_where_apples_window_was() {
    let stock = fixture("macos-13-ventura.plist");
    for name in ["ventura-xcreds.plist", "ventura-jamf-connect.plist"] {
        let m = authdb::install(&fixture(name), Replace::Other).expect(name);
        assert_eq!(
            m,
            authdb::install(&stock, Replace::Refuse).unwrap(),
            "{name}"
        );
        // Uninstalling afterwards gives Apple's stock right, not the other product's.
        assert_eq!(authdb::uninstall(&m), stock, "{name}");
    }
}

#[test]
fn a_plugin_that_does_not_own_the_login_window_is_kept() {
    let right = fixture("ventura-escrow-buddy.plist");
    let m = authdb::install(&right, Replace::Refuse).expect("coexists");
    assert_eq!(
        m.last().map(String::as_str),
        Some("Escrow Buddy:Invoke,privileged")
    );
    assert_eq!(authdb::uninstall(&m), right);
}
