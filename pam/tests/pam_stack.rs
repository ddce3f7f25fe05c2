//! `libpam_sesame.so` loaded by the real Linux-PAM from a private
//! configuration folder (`pam_start_confdir`, nothing in /etc), against
//! entra-sim over HTTPS, accounts in a sandbox root.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::stack::*;
use support::*;

const OFFLINE: &str = "<key>OfflineSignIn</key><true/>";

fn confdir(w: &World, service: &str, extra_args: &[&str]) -> std::path::PathBuf {
    let dir = w.sb.tmp.path().join("pam.d");
    let mut args = w.args();
    args.extend(extra_args.iter().map(|s| s.to_string()));
    service_file(&dir, service, &args);
    dir
}

#[test]
fn the_console_signs_in_opens_the_session_and_refuses_a_password_change() {
    let w = World::new("");
    let dir = confdir(&w, "login", &[]);
    let mut t = Transaction::start(
        &dir,
        "login",
        ADELE,
        Script::new(vec![password(ADELE_PASSWORD)]),
    );
    assert_eq!(t.authenticate(), PAM_SUCCESS);
    assert_eq!(
        t.user(),
        "adele",
        "the session continues as the local account"
    );
    assert!(w.sb.passwd_entry("adele").is_some());
    t.script(Script::new(vec![]));
    assert_eq!(t.acct_mgmt(), PAM_SUCCESS);
    assert_eq!(t.open_close_session(), (PAM_SUCCESS, PAM_SUCCESS));
    t.script(Script::new(vec![error("mysignins.microsoft.com")]));
    assert_eq!(t.chauthtok(), PAM_AUTHTOK_ERR);
}

#[test]
fn a_wrong_password_fails_with_one_attempt_at_entra() {
    let w = World::new("");
    let dir = confdir(&w, "login", &[]);
    let before = w.sign_ins();
    assert_eq!(
        sign_in(
            &dir,
            "login",
            ADELE,
            vec![password("wrong-one"), error("not right")]
        ),
        PAM_AUTH_ERR
    );
    assert_eq!(w.sign_ins() - before, 1);
}

#[test]
fn ssh_finishes_mfa_by_device_code_through_the_conversation() {
    let w = World::new("");
    let dir = confdir(&w, "sshd", &[]);
    let mut t = Transaction::start(
        &dir,
        "sshd",
        MEGAN,
        Script::new(vec![
            password(MEGAN_PASSWORD),
            w.approve(MEGAN, MEGAN_PASSWORD),
        ]),
    );
    assert_eq!(t.authenticate(), PAM_SUCCESS);
    assert_eq!(t.user(), "megan");
}

#[test]
fn entra_down_opens_only_with_offline_sign_in() {
    let mut w = World::new(OFFLINE);
    let dir = confdir(&w, "login", &[]);
    assert_eq!(
        sign_in(&dir, "login", ADELE, vec![password(ADELE_PASSWORD)]),
        PAM_SUCCESS
    );
    w.entra_down();
    assert_eq!(
        sign_in(
            &dir,
            "login",
            "adele",
            vec![password(ADELE_PASSWORD), info("Signed in offline")]
        ),
        PAM_SUCCESS
    );
    // The same machine with offline sign-in off in the profile.
    let off = w.sb.tmp.path().join("off.mobileconfig");
    let text = std::fs::read_to_string(&w.profile)
        .unwrap()
        .replace(OFFLINE, "");
    std::fs::write(&off, text).unwrap();
    let dir2 = w.sb.tmp.path().join("pam.d-off");
    let mut args = w.args();
    args[0] = format!("profile={}", off.display());
    service_file(&dir2, "login", &args);
    assert_eq!(
        sign_in(
            &dir2,
            "login",
            "adele",
            vec![password(ADELE_PASSWORD), error("offline sign-in is off"),]
        ),
        PAM_AUTHINFO_UNAVAIL
    );
}

#[test]
fn the_group_gate_refuses_through_the_stack() {
    let gate = format!("<key>AllowedGroups</key><array><string>{MAC_ADMINS}</string></array>");
    let w = World::new(&gate);
    let dir = confdir(&w, "login", &[]);
    assert_eq!(
        sign_in(
            &dir,
            "login",
            ADELE,
            vec![password(ADELE_PASSWORD), error("")]
        ),
        PAM_AUTH_ERR
    );
    assert!(w.sb.passwd_entry("adele").is_none());
}

#[test]
fn a_typo_in_the_service_line_is_a_service_error_not_a_crash() {
    let w = World::new("");
    let dir = confdir(&w, "login", &["profle=/nowhere"]);
    assert_eq!(sign_in(&dir, "login", ADELE, vec![]), PAM_SERVICE_ERR);
}

#[test]
fn disabled_and_expired_accounts_are_refused_through_the_stack() {
    let w = World::new("");
    w.sim().disable(ADELE).unwrap();
    let dir = confdir(&w, "login", &[]);
    assert_eq!(
        sign_in(
            &dir,
            "login",
            ADELE,
            vec![password(ADELE_PASSWORD), error("disabled")]
        ),
        PAM_AUTH_ERR
    );
    assert_eq!(
        sign_in(
            &dir,
            "login",
            ALEX,
            vec![password(ALEX_PASSWORD), error("expired")]
        ),
        PAM_AUTH_ERR
    );
    assert!(w.sb.passwd_entry("adele").is_none() && w.sb.passwd_entry("alex").is_none());
}
