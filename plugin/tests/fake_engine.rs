//! The plugin through the real ABI: a fake authorization engine written in
//! C loads the built library with `dlopen`, as SecurityAgent does, and runs
//! the mechanisms of a stock `system.login.console` (macOS Ventura) after
//! `sesame-agent authdb install` edited it. The sign-in is real (entra-sim
//! over HTTPS, the password checked by Entra's password grant), the account
//! is made with the real shadow tools in a sandbox root, and the login
//! keychain's Linux counterpart is the kernel keyring.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "support/engine.rs"]
mod engine;

use std::path::{Path, PathBuf};

use entra_sim::{Sim, SimHandle, SimOptions, Tenant};
use secrecy::ExposeSecret;
use sesame_agent::authdb;
use sesame_e2e::world::{self, App, Sandbox};
use sesame_platform::SecretStore;

const GRACE: &str = "grace@contoso.example";
const GRACE_PASSWORD: &str = "Grace-Login-Window-8";
/// Hedy: like Grace, for the older-engine case (keyring items are per name).
const HEDY: &str = "hedy@contoso.example";
/// Joan: Mac Users; her cloud password changes between two logins.
const JOAN: &str = "joan@contoso.example";
const JOAN_NEW_PASSWORD: &str = "Joan-Changed-In-Cloud-9";
/// Katherine: Mac Users; signs in once online, then with Entra down.
const KATHERINE: &str = "katherine@contoso.example";
const ALLOW: u32 = 0;
const DENY: u32 = 1;

/// The demo tenant plus Grace: Mac Admins and Mac Users, no MFA.
fn sim() -> SimHandle {
    let toml = format!(
        "{}\n[[users]]\nupn = \"{GRACE}\"\npassword = \"{GRACE_PASSWORD}\"\noid = \"b2000000-0000-4000-8000-0000000000c1\"\ndisplay_name = \"Grace Hopper\"\ngroups = [\"{a}\", \"{u}\"]\n\n[[users]]\nupn = \"{HEDY}\"\npassword = \"{GRACE_PASSWORD}\"\noid = \"b2000000-0000-4000-8000-0000000000c2\"\ndisplay_name = \"Hedy Lamarr\"\ngroups = [\"{u}\"]\n\n[[users]]\nupn = \"{JOAN}\"\npassword = \"{GRACE_PASSWORD}\"\noid = \"b2000000-0000-4000-8000-0000000000c3\"\ndisplay_name = \"Joan Clarke\"\ngroups = [\"{u}\"]\n\n[[users]]\nupn = \"{KATHERINE}\"\npassword = \"{GRACE_PASSWORD}\"\noid = \"b2000000-0000-4000-8000-0000000000c4\"\ndisplay_name = \"Katherine Johnson\"\ngroups = [\"{u}\"]\n",
        entra_sim::DEMO_TENANT_TOML,
        a = world::MAC_ADMINS,
        u = world::MAC_USERS
    );
    let tenant = Tenant::from_toml_str(&toml, "plugin tenant").expect("tenant");
    Sim::start_in_background(tenant, SimOptions { tls: true }).expect("sim starts")
}

/// Ventura's stock right with Sesame installed, as the engine runs it.
fn installed() -> Vec<String> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/authdb/macos-13-ventura.plist");
    let right = plist::Value::from_file(path).expect("fixture");
    let mechs = authdb::mechanisms(&right).expect("mechanisms");
    authdb::install(&mechs, authdb::Replace::Refuse).expect("install")
}

/// The hook file for the plugin: profile, sandbox root, the person's script.
fn hook(
    sim: &SimHandle,
    sandbox: &Sandbox,
    user: &str,
    password: &str,
    panic_in: Option<&str>,
) -> PathBuf {
    hook_with(sim, sandbox, user, password, None, panic_in, "")
}

/// [`hook`] with the answer to "your previous Mac password" and more
/// profile keys (plist text).
fn hook_with(
    sim: &SimHandle,
    sandbox: &Sandbox,
    user: &str,
    password: &str,
    old_password: Option<&str>,
    panic_in: Option<&str>,
    keys: &str,
) -> PathBuf {
    let profile = sandbox.tmp.path().join("profile.mobileconfig");
    std::fs::write(
        &profile,
        world::mobileconfig_with(sim, App::Public, &sandbox.log_path, keys),
    )
    .unwrap();
    let hook = sandbox.tmp.path().join("hook.json");
    let json = serde_json::json!({
        "profile": profile, "root": sandbox.root, "user": user, "password": password,
        "old_password": old_password, "panic_in": panic_in,
    });
    std::fs::write(&hook, json.to_string()).unwrap();
    hook
}

fn text(v: &engine::Value) -> String {
    String::from_utf8_lossy(v.bytes.strip_suffix(&[0]).unwrap_or(&v.bytes)).into_owned()
}

/// The keychain mechanism removed the old password from the context.
fn assert_old_password_removed(run: &engine::Run) {
    let line = format!("REMOVE_CONTEXT {} io.sesame.old-password", authdb::KEYCHAIN);
    assert!(run.at(&line).is_some(), "{}", run.dump());
}

fn keyring() -> sesame_platform::KeyringSecretStore {
    sesame_platform::KeyringSecretStore::kernel_keyring().expect("kernel keyring")
}

#[test]
fn a_first_login_hands_builtin_authenticate_the_credentials_and_makes_an_admin_account() {
    world::require_root();
    assert!(
        world::join_fresh_session_keyring(),
        "no kernel keyring session"
    );
    // The kernel store also writes the uid's persistent keyring: start clean.
    keyring().delete("grace").expect("no stale item");
    let sim = sim();
    let sandbox = Sandbox::new();
    let hook = hook(&sim, &sandbox, GRACE, GRACE_PASSWORD, None);
    let run = engine::evaluate(Some(&hook), 4, false, &installed());
    assert!(run.status.success(), "the engine crashed:\n{}", run.dump());
    for m in [authdb::UI, authdb::PROVISION, authdb::KEYCHAIN] {
        assert_eq!(run.result(m), Some(ALLOW), "{m}:\n{}", run.dump());
    }
    let user = run.last("SET_CONTEXT", "username").expect("username set");
    assert_eq!(user.bytes, b"grace\0", "UTF-8 with the trailing NUL");
    assert_eq!(user.flags, 1, "extractable");
    let pw = run.last("SET_CONTEXT", "password").expect("password set");
    assert_eq!(pw.bytes, format!("{GRACE_PASSWORD}\0").into_bytes());
    assert_eq!(pw.flags, 1, "extractable");
    // builtin:authenticate runs after provisioning and finds the credentials.
    let auth = run
        .at("AUTHENTICATE has-credentials")
        .unwrap_or_else(|| panic!("{}", run.dump()));
    assert!(
        run.at(&format!("SET_RESULT {} ", authdb::PROVISION))
            .unwrap()
            < auth
    );
    assert_eq!(run.lines.last().map(String::as_str), Some("END 0"));
    // The password travels in context values only, never in a hint.
    let hex: String = GRACE_PASSWORD.bytes().map(|b| format!("{b:02x}")).collect();
    for l in run.lines.iter().filter(|l| l.contains(&hex)) {
        assert!(
            l.starts_with("SET_CONTEXT"),
            "password outside the context: {l}"
        );
    }
    // The account: made in the sandbox, admin through Mac Admins.
    assert!(
        sandbox.passwd_entry("grace").is_some(),
        "no account:\n{}",
        sandbox.read("etc/passwd")
    );
    assert!(sandbox.group_members("sudo").contains(&"grace".to_owned()));
    // The login keychain's counterpart holds the password.
    let stored = keyring()
        .read("grace")
        .expect("keyring read")
        .expect("an item");
    assert_eq!(stored.expose_secret(), GRACE_PASSWORD);
    let kc = run
        .last("SET_HINT", "io.sesame.keychain")
        .expect("keychain hint");
    assert!(text(&kc).contains("\"create\""), "{}", text(&kc));
    // The sync log the plugin wrote, and the engine's own output, name no
    // password in any encoding (the engine prints the context in hex, by design).
    let log = std::fs::read(&sandbox.log_path).expect("the plugin wrote the sync log");
    assert!(!log.is_empty());
    let forms = sesame_e2e::scan::encoded_forms(GRACE_PASSWORD);
    assert_eq!(
        sesame_e2e::scan::leaks("sync log", &log, &forms, &[]),
        Vec::<String>::new()
    );
    assert_eq!(
        sesame_e2e::scan::leaks("stderr", run.stderr.as_bytes(), &forms, &[]),
        Vec::<String>::new()
    );
    keyring().delete("grace").expect("clean up");
}

#[test]
fn a_returning_user_with_an_unchanged_password_still_gets_the_credentials() {
    world::require_root();
    assert!(
        world::join_fresh_session_keyring(),
        "no kernel keyring session"
    );
    keyring().delete("grace").expect("no stale item");
    let sim = sim();
    let sandbox = Sandbox::new();
    let hook = hook(&sim, &sandbox, GRACE, GRACE_PASSWORD, None);
    let first = engine::evaluate(Some(&hook), 4, false, &installed());
    assert_eq!(
        first.lines.last().map(String::as_str),
        Some("END 0"),
        "{}",
        first.dump()
    );
    let shadow = sandbox.read("etc/shadow");
    // Second sign-in: the local password already is the Entra one, so the
    // plan leaves it alone, and builtin:authenticate still gets it.
    let again = engine::evaluate(Some(&hook), 4, false, &installed());
    assert_eq!(
        again.lines.last().map(String::as_str),
        Some("END 0"),
        "{}",
        again.dump()
    );
    let pw = again.last("SET_CONTEXT", "password").expect("password set");
    assert_eq!(pw.bytes, format!("{GRACE_PASSWORD}\0").into_bytes());
    assert_eq!(
        sandbox.read("etc/shadow"),
        shadow,
        "the hash is not rewritten"
    );
    let log = std::fs::read_to_string(&sandbox.log_path).unwrap();
    assert!(log.contains("password already in sync"), "{log}");
    keyring().delete("grace").expect("clean up");
}

#[test]
fn a_wrong_password_is_denied_with_the_reason_on_the_next_screen() {
    world::require_root();
    let sim = sim();
    let sandbox = Sandbox::new();
    let hook = hook(&sim, &sandbox, GRACE, "not-her-password", None);
    let run = engine::evaluate(Some(&hook), 4, false, &installed());
    assert!(run.status.success(), "{}", run.dump());
    assert_eq!(run.result(authdb::UI), Some(DENY), "{}", run.dump());
    let msg = run.last("SET_CONTEXT", "ErrorMessage").expect("a message");
    assert_eq!(msg.flags, 4, "sticky");
    assert!(
        text(&msg).to_lowercase().contains("password"),
        "{}",
        text(&msg)
    );
    assert!(run.last("SET_CONTEXT", "password").is_none());
    assert!(
        run.at(&format!("MECHANISM_CREATE {}", authdb::PROVISION))
            .is_none(),
        "{}",
        run.dump()
    );
    assert!(sandbox.passwd_entry("grace").is_none());
    assert_eq!(run.lines.last().map(String::as_str), Some("END 1"));
}

#[test]
fn a_panic_inside_a_mechanism_is_a_deny_not_a_crash() {
    world::require_root();
    assert!(world::join_fresh_session_keyring());
    let sim = sim();
    let sandbox = Sandbox::new();
    let hook = hook(&sim, &sandbox, GRACE, GRACE_PASSWORD, Some("provision"));
    let run = engine::evaluate(Some(&hook), 4, false, &installed());
    assert!(run.status.success(), "the engine died:\n{}", run.dump());
    assert_eq!(run.result(authdb::UI), Some(ALLOW));
    assert_eq!(run.result(authdb::PROVISION), Some(DENY), "{}", run.dump());
    let msg = run.last("SET_CONTEXT", "ErrorMessage").expect("a message");
    assert!(
        text(&msg).contains("stopped unexpectedly"),
        "{}",
        text(&msg)
    );
    assert!(run.at("PLUGIN_DESTROY 0").is_some(), "{}", run.dump());
    assert!(sandbox.passwd_entry("grace").is_none());
}

#[test]
fn an_older_engine_is_never_asked_for_callbacks_it_does_not_have() {
    world::require_root();
    assert!(world::join_fresh_session_keyring());
    let sim = sim();
    let sandbox = Sandbox::new();
    let hook = hook(&sim, &sandbox, HEDY, GRACE_PASSWORD, None);
    // Version 1: the table ends after GetImmutableHintValue, an unreadable
    // page right behind it. RemoveContextValue (version 4) must not be read.
    let run = engine::evaluate(Some(&hook), 1, false, &installed());
    assert!(
        run.status.success(),
        "read past an old callbacks table:\n{}",
        run.dump()
    );
    assert_eq!(run.result(authdb::KEYCHAIN), Some(ALLOW), "{}", run.dump());
    assert!(run.at("REMOVE_CONTEXT").is_none());
    let cleared = run
        .last("SET_CONTEXT", "io.sesame.old-password")
        .unwrap_or_else(|| panic!("{}", run.dump()));
    assert!(
        cleared.bytes.is_empty(),
        "overwritten with nothing instead of removed"
    );
    // The current engine removes it.
    let sandbox = Sandbox::new();
    let hook = self::hook(&sim, &sandbox, HEDY, GRACE_PASSWORD, None);
    let run = engine::evaluate(Some(&hook), 4, false, &installed());
    assert_old_password_removed(&run);
    keyring().delete("hedy").expect("clean up");
}

#[test]
fn deactivate_is_answered_before_destroy_and_nothing_calls_back_after_it() {
    // No hook: the Linux build denies at once, which is all this needs.
    let run = engine::evaluate(None, 4, true, &installed());
    assert!(run.status.success(), "{}", run.dump());
    let msg = run.last("SET_CONTEXT", "ErrorMessage").expect("a message");
    assert!(text(&msg).contains("test engine"), "{}", text(&msg));
    let ui = authdb::UI;
    let deactivate = run
        .at(&format!("DEACTIVATE {ui}"))
        .unwrap_or_else(|| panic!("{}", run.dump()));
    let did = run
        .at(&format!("DID_DEACTIVATE {ui}"))
        .unwrap_or_else(|| panic!("{}", run.dump()));
    let destroy = run
        .at(&format!("MECHANISM_DESTROY {ui} 0"))
        .unwrap_or_else(|| panic!("{}", run.dump()));
    let plugin = run
        .at("PLUGIN_DESTROY 0")
        .unwrap_or_else(|| panic!("{}", run.dump()));
    assert!(
        deactivate < did && did < destroy && destroy < plugin,
        "{}",
        run.dump()
    );
    assert!(run.at("LATE_CALLBACK").is_none(), "{}", run.dump());
}

#[test]
fn the_library_exports_only_authorization_plugin_create() {
    let o = std::process::Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(engine::plugin())
        .output()
        .expect("nm runs (apt install binutils)");
    let names: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_owned))
        .collect();
    assert_eq!(names, ["AuthorizationPluginCreate"]);
}

#[test]
fn a_cloud_password_change_rekeys_the_login_keychain_with_the_old_password() {
    world::require_root();
    assert!(world::join_fresh_session_keyring());
    keyring().delete("joan").expect("no stale item");
    let sim = sim();
    let sandbox = Sandbox::new();
    let first = hook(&sim, &sandbox, JOAN, GRACE_PASSWORD, None);
    let run = engine::evaluate(Some(&first), 4, false, &installed());
    assert_eq!(run.result(authdb::KEYCHAIN), Some(ALLOW), "{}", run.dump());

    // The password changes in the cloud; at the next login Joan types the
    // new one and, asked for it, her previous Mac password.
    sim.set_password(JOAN, JOAN_NEW_PASSWORD)
        .expect("password changed");
    let second = hook_with(
        &sim,
        &sandbox,
        JOAN,
        JOAN_NEW_PASSWORD,
        Some(GRACE_PASSWORD),
        None,
        "",
    );
    let run = engine::evaluate(Some(&second), 4, false, &installed());
    assert!(run.status.success(), "{}", run.dump());
    for m in [authdb::UI, authdb::PROVISION, authdb::KEYCHAIN] {
        assert_eq!(run.result(m), Some(ALLOW), "{m}:\n{}", run.dump());
    }
    let old = run
        .last("SET_CONTEXT", "io.sesame.old-password")
        .expect("old password handed over");
    assert_eq!(old.bytes, format!("{GRACE_PASSWORD}\0").into_bytes());
    assert_eq!(old.flags, 2, "volatile, not extractable");
    let pw = run.last("SET_CONTEXT", "password").expect("password");
    assert_eq!(pw.bytes, format!("{JOAN_NEW_PASSWORD}\0").into_bytes());
    let kc = run
        .last("SET_HINT", "io.sesame.keychain")
        .expect("keychain hint");
    assert!(text(&kc).contains("\"change_password\""), "{}", text(&kc));
    assert_old_password_removed(&run);
    // The Mac password and the keychain both follow the cloud password.
    use sesame_platform::AccountDirectory;
    let new = secrecy::SecretString::from(JOAN_NEW_PASSWORD);
    assert_eq!(sandbox.dir.verify_password("joan", &new).ok(), Some(true));
    let stored = keyring().read("joan").expect("read").expect("an item");
    assert_eq!(stored.expose_secret(), JOAN_NEW_PASSWORD);
    keyring().delete("joan").expect("clean up");
}

/// Stops the tenant and waits until its port refuses connections.
fn take_entra_down(sim: SimHandle) {
    let addr = sim
        .base_url()
        .trim_start_matches("https://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    drop(sim);
    for _ in 0..100 {
        if std::net::TcpStream::connect(&addr).is_err() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("entra-sim at {addr} still answers");
}

const DENY_LOCAL: &str = "<key>DenyLocal</key><true/>";

#[test]
fn with_entra_down_and_local_fallback_on_an_existing_account_signs_in_with_its_mac_password() {
    world::require_root();
    assert!(world::join_fresh_session_keyring());
    keyring().delete("katherine").expect("no stale item");
    let keys = format!("{DENY_LOCAL}<key>LocalFallback</key><true/>");
    let sim = sim();
    let sandbox = Sandbox::new();
    // Online first: the account is made with her cloud password.
    let online = hook_with(&sim, &sandbox, KATHERINE, GRACE_PASSWORD, None, None, &keys);
    let run = engine::evaluate(Some(&online), 4, false, &installed());
    assert_eq!(run.result(authdb::KEYCHAIN), Some(ALLOW), "{}", run.dump());
    // Another profile: DenyLocal, with Katherine in DenyLocalExcluded.
    let excluded = sandbox.tmp.path().join("excluded.mobileconfig");
    let keys = format!(
        "{DENY_LOCAL}<key>DenyLocalExcluded</key><array><string>katherine</string></array>"
    );
    std::fs::write(
        &excluded,
        world::mobileconfig_with(&sim, App::Public, &sandbox.log_path, &keys),
    )
    .unwrap();
    take_entra_down(sim);

    let run = engine::evaluate(Some(&online), 4, false, &installed());
    assert!(run.status.success(), "{}", run.dump());
    for m in [authdb::UI, authdb::PROVISION, authdb::KEYCHAIN] {
        assert_eq!(run.result(m), Some(ALLOW), "{m}:\n{}", run.dump());
    }
    // builtin:authenticate gets the local account and the Mac password.
    let user = run.last("SET_CONTEXT", "username").expect("username");
    assert_eq!(user.bytes, b"katherine\0");
    let pw = run.last("SET_CONTEXT", "password").expect("password");
    assert_eq!(pw.bytes, format!("{GRACE_PASSWORD}\0").into_bytes());
    assert!(
        run.at("AUTHENTICATE has-credentials").is_some(),
        "{}",
        run.dump()
    );
    let local = run
        .last("SET_HINT", "io.sesame.local-fallback")
        .expect("the fallback is handed over");
    assert_eq!(local.by, authdb::UI);
    // Offline, nothing is changed: no plan, the keychain left alone.
    assert!(
        run.last("SET_HINT", "io.sesame.plan").is_none(),
        "{}",
        run.dump()
    );
    let kc = run
        .last("SET_HINT", "io.sesame.keychain")
        .expect("keychain hint");
    assert!(text(&kc).contains("local fallback"), "{}", text(&kc));
    let log = String::from_utf8(std::fs::read(&sandbox.log_path).unwrap()).unwrap();
    assert!(log.contains("local_fallback"), "{log}");
    let forms = sesame_e2e::scan::encoded_forms(GRACE_PASSWORD);
    assert_eq!(
        sesame_e2e::scan::leaks("sync log", log.as_bytes(), &forms, &[]),
        Vec::<String>::new()
    );
    assert_eq!(
        sesame_e2e::scan::leaks("stderr", run.stderr.as_bytes(), &forms, &[]),
        Vec::<String>::new()
    );

    // A wrong Mac password is not let through to builtin:authenticate.
    let mut script: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&online).unwrap()).unwrap();
    script["password"] = "not-her-mac-password".into();
    let wrong = sandbox.tmp.path().join("wrong.json");
    std::fs::write(&wrong, script.to_string()).unwrap();
    let run = engine::evaluate(Some(&wrong), 4, false, &installed());
    assert_eq!(run.result(authdb::UI), Some(DENY), "{}", run.dump());
    let msg = run.last("SET_CONTEXT", "ErrorMessage").expect("a message");
    assert!(
        text(&msg).contains("Can't reach Microsoft"),
        "{}",
        text(&msg)
    );
    assert!(text(&msg).contains("not accepted"), "{}", text(&msg));
    assert!(run.last("SET_CONTEXT", "password").is_none());

    // DenyLocal without LocalFallback, Katherine excluded: the web sign-in
    // had no name to judge, so the native prompt asks, and her name passes.
    script["password"] = GRACE_PASSWORD.into();
    script["profile"] = excluded.display().to_string().into();
    let hook = sandbox.tmp.path().join("excluded.json");
    std::fs::write(&hook, script.to_string()).unwrap();
    let run = engine::evaluate(Some(&hook), 4, false, &installed());
    for m in [authdb::UI, authdb::PROVISION, authdb::KEYCHAIN] {
        assert_eq!(run.result(m), Some(ALLOW), "{m}:\n{}", run.dump());
    }
    let user = run.last("SET_CONTEXT", "username").expect("username");
    assert_eq!(user.bytes, b"katherine\0");
    keyring().delete("katherine").expect("clean up");
}

#[test]
fn with_entra_down_and_local_fallback_off_the_login_is_denied_with_the_reason() {
    world::require_root();
    assert!(world::join_fresh_session_keyring());
    let sim = sim();
    let sandbox = Sandbox::new();
    // Whatever the password, the profile wants Entra to decide.
    let hook = hook_with(
        &sim,
        &sandbox,
        KATHERINE,
        GRACE_PASSWORD,
        None,
        None,
        DENY_LOCAL,
    );
    take_entra_down(sim);
    let run = engine::evaluate(Some(&hook), 4, false, &installed());
    assert!(run.status.success(), "{}", run.dump());
    assert_eq!(run.result(authdb::UI), Some(DENY), "{}", run.dump());
    let msg = run.last("SET_CONTEXT", "ErrorMessage").expect("a message");
    assert!(
        text(&msg).contains("needs an online sign-in"),
        "{}",
        text(&msg)
    );
    assert!(run.last("SET_CONTEXT", "password").is_none());
    assert!(run.last("SET_HINT", "io.sesame.local-fallback").is_none());
    assert!(
        run.at(&format!("MECHANISM_CREATE {}", authdb::PROVISION))
            .is_none(),
        "{}",
        run.dump()
    );
}
