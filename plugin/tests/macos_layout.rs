//! agent/macos: the bundle's Info.plist, the LaunchAgent and LaunchDaemon,
//! and the scripts — parsed, their required keys present, and their paths
//! consistent with each other and with the paths the code trusts.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use plist::Value;
use sesame_agent::authdb;
use sesame_platform::secrets::{AGENT_BINARY, MENUBAR_BINARY};

fn macos(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../agent/macos")
        .join(rel)
}

fn dict(rel: &str) -> plist::Dictionary {
    let v = Value::from_file(macos(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    v.into_dictionary()
        .unwrap_or_else(|| panic!("{rel}: not a dictionary"))
}

fn string<'a>(d: &'a plist::Dictionary, key: &str) -> &'a str {
    d.get(key)
        .and_then(Value::as_string)
        .unwrap_or_else(|| panic!("no string {key}"))
}

fn program(d: &plist::Dictionary) -> Vec<String> {
    d.get("ProgramArguments")
        .and_then(Value::as_array)
        .expect("ProgramArguments")
        .iter()
        .map(|v| v.as_string().expect("a string argument").to_owned())
        .collect()
}

fn text(rel: &str) -> String {
    std::fs::read_to_string(macos(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const AGENT_CLI: &str = "/Library/Application Support/Sesame/sesame-agent";

#[test]
fn the_bundle_is_a_loadable_plugin_named_as_the_right_and_the_keychain_expect() {
    let info = dict("Sesame.bundle/Contents/Info.plist");
    assert_eq!(string(&info, "CFBundlePackageType"), "BNDL");
    // SecurityAgent finds `Sesame:login` in Sesame.bundle; its executable is
    // the binary the keychain item's access list trusts.
    assert_eq!(string(&info, "CFBundleExecutable"), authdb::PLUGIN);
    assert!(AGENT_BINARY.ends_with(&format!(
        "/SecurityAgentPlugins/{p}.bundle/Contents/MacOS/{p}",
        p = authdb::PLUGIN
    )));
    assert!(string(&info, "CFBundleIdentifier").starts_with("io.sesame."));
    for key in [
        "CFBundleVersion",
        "CFBundleShortVersionString",
        "CFBundleInfoDictionaryVersion",
    ] {
        assert!(!string(&info, key).is_empty(), "{key}");
    }
}

#[test]
fn the_menu_bar_agent_runs_the_menu_bar_binary_in_the_login_session() {
    let agent = dict("LaunchAgents/io.sesame.menubar.plist");
    assert_eq!(string(&agent, "Label"), "io.sesame.menubar");
    assert_eq!(program(&agent), [MENUBAR_BINARY]);
    let session = agent
        .get("LimitLoadToSessionType")
        .and_then(Value::as_array)
        .expect("session type");
    assert_eq!(session[0].as_string(), Some("Aqua"));
    assert_eq!(
        agent.get("RunAtLoad").and_then(Value::as_boolean),
        Some(true)
    );
}

#[test]
fn the_menu_bar_app_is_the_bundle_the_launch_agent_runs() {
    let info = dict("Sesame.app/Contents/Info.plist");
    assert_eq!(string(&info, "CFBundlePackageType"), "APPL");
    // The LaunchAgent and the keychain's access list name
    // /Applications/Sesame.app/Contents/MacOS/<CFBundleExecutable>.
    let agent = dict("LaunchAgents/io.sesame.menubar.plist");
    let exec = string(&info, "CFBundleExecutable");
    let expected = format!("/Applications/Sesame.app/Contents/MacOS/{exec}");
    assert_eq!(MENUBAR_BINARY, expected);
    assert_eq!(program(&agent), [expected.as_str()]);
    // A menu-bar item only: no Dock icon, no app menu.
    assert_eq!(
        info.get("LSUIElement").and_then(Value::as_boolean),
        Some(true)
    );
    assert!(string(&info, "CFBundleIdentifier").starts_with("io.sesame."));
    assert_ne!(
        string(&info, "CFBundleIdentifier"),
        string(
            &dict("Sesame.bundle/Contents/Info.plist"),
            "CFBundleIdentifier"
        ),
        "the app and the plugin are two bundles"
    );
    let build = text("build.sh");
    for needle in [
        "-p sesame-menubar",
        "Sesame.app/Contents/Info.plist\" sesame-menubar sesame-menubar",
    ] {
        assert!(build.contains(needle), "build.sh lacks {needle}");
    }
    assert!(text("uninstall.sh").contains("/Applications/Sesame.app"));
    assert!(text("scripts/postinstall").contains("APP=\"/Applications/Sesame.app\""));
}

#[test]
fn the_daemon_and_the_scripts_use_the_same_agent_path_and_commands() {
    let daemon = dict("LaunchDaemons/io.sesame.authdb.plist");
    assert_eq!(string(&daemon, "Label"), "io.sesame.authdb");
    assert_eq!(program(&daemon), [AGENT_CLI, "authdb", "install"]);
    let post = text("scripts/postinstall");
    assert!(post.contains(&format!("AGENT=\"{AGENT_CLI}\"")));
    assert!(post.contains("\"$AGENT\" authdb install"));
    assert!(post.contains("chown -R root:wheel"));
    for label in ["io.sesame.authdb", "io.sesame.menubar"] {
        assert!(
            post.contains(&format!("{label}.plist")),
            "postinstall loads {label}"
        );
    }
    let uninstall = text("uninstall.sh");
    assert!(uninstall.contains(&format!("AGENT=\"{AGENT_CLI}\"")));
    assert!(uninstall.contains("\"$AGENT\" authdb uninstall"));
    let build = text("build.sh");
    for needle in [
        "aarch64-apple-darwin",
        "x86_64-apple-darwin",
        "lipo -create",
        "libsesame_authplugin.dylib",
        "Sesame.bundle/Contents/Info.plist\" Sesame libsesame_authplugin.dylib",
        "pkgbuild",
        "Application Support/Sesame/uninstall.sh",
        "sesame-agent",
    ] {
        assert!(build.contains(needle), "build.sh lacks {needle}");
    }
}

#[test]
fn the_scripts_are_executable_and_parse_as_shell() {
    use std::os::unix::fs::PermissionsExt;
    for rel in ["scripts/postinstall", "uninstall.sh", "build.sh"] {
        let mode = std::fs::metadata(macos(rel)).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "{rel} is not executable");
        let o = std::process::Command::new("sh")
            .arg("-n")
            .arg(macos(rel))
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{rel}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
