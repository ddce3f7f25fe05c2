//! The module's core against entra-sim over HTTPS, the conversation
//! scripted: every prompt and line the person would see is expected, in
//! order, and nothing else is said. Accounts go into a sandbox root through
//! the real shadow tools.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use pam_sesame::{AuthRequest, Code, authenticate};
use sesame_e2e::secret;
use sesame_platform::AccountDirectory;
use support::*;
use time::OffsetDateTime;

const OFFLINE: &str = "<key>OfflineSignIn</key><true/>";

fn auth(w: &World, script: Vec<Expect>, service: &str, user: &str) -> pam_sesame::AuthEnd {
    auth_at(w, script, service, user, OffsetDateTime::now_utc())
}

fn auth_at(
    w: &World,
    script: Vec<Expect>,
    service: &str,
    user: &str,
    now: OffsetDateTime,
) -> pam_sesame::AuthEnd {
    let mut conv = Script::new(script);
    authenticate(
        &mut conv,
        &w.options(),
        AuthRequest {
            service,
            user,
            authtok: None,
        },
        now,
    )
}

fn verifier_count(w: &World) -> usize {
    std::fs::read_dir(w.sb.root.join("var/lib/sesame/pam"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn right_password_at_the_console_makes_the_account_and_continues_as_it() {
    let w = World::new("");
    let end = auth(&w, vec![password(ADELE_PASSWORD)], "login", ADELE);
    assert_eq!(end.code, Code::Success);
    assert_eq!(end.short_name.as_deref(), Some("adele"));
    assert!(w.sb.passwd_entry("adele").is_some(), "the account is made");
    assert!(
        w.sb.dir
            .verify_password("adele", &secret(ADELE_PASSWORD))
            .unwrap()
    );
    assert_eq!(verifier_count(&w), 0, "offline sign-in is off: no verifier");
    // The next sign-in by short name finds the bound UPN.
    let again = auth(&w, vec![password(ADELE_PASSWORD)], "login", "adele");
    assert_eq!(again.code, Code::Success);
    let lines = w.sb.read("etc/passwd");
    assert_eq!(lines.lines().filter(|l| l.starts_with("adele:")).count(), 1);
}

#[test]
fn a_returning_user_with_an_unchanged_password_gets_no_password_write() {
    let w = World::new("");
    let shadow_line = || {
        w.sb.read("etc/shadow")
            .lines()
            .find(|l| l.starts_with("adele:"))
            .map(str::to_owned)
            .expect("adele's shadow line")
    };
    assert_eq!(
        auth(&w, vec![password(ADELE_PASSWORD)], "login", ADELE).code,
        Code::Success
    );
    let first = shadow_line();
    assert_eq!(
        auth(&w, vec![password(ADELE_PASSWORD)], "login", ADELE).code,
        Code::Success
    );
    assert_eq!(
        shadow_line(),
        first,
        "the hash (and its salt) is not rewritten"
    );
    let log = std::fs::read_to_string(&w.sb.log_path).unwrap();
    let in_sync = log
        .lines()
        .filter(|l| l.contains("password already in sync"))
        .count();
    assert!(in_sync >= 1, "the sync log says why nothing was set: {log}");
    assert!(
        w.sb.dir
            .verify_password("adele", &secret(ADELE_PASSWORD))
            .unwrap()
    );
}

#[test]
fn a_cloud_password_change_becomes_the_local_password_at_the_next_sign_in() {
    // The local check of a returning user runs during Entra's round trip
    // (`pam_sesame::early`): its answer is for the password typed, so a new
    // cloud password is still written to the local account.
    let w = World::new("");
    assert_eq!(
        auth(&w, vec![password(ADELE_PASSWORD)], "login", ADELE).code,
        Code::Success
    );
    let new = "Moved-0n-Password!";
    w.sim().set_password(ADELE, new).unwrap();
    assert_eq!(
        auth(
            &w,
            vec![
                password(new),
                info("differs from your Microsoft password"),
                Expect::Secret("Previous local password", ADELE_PASSWORD.to_owned()),
            ],
            "login",
            "adele"
        )
        .code,
        Code::Success
    );
    assert!(w.sb.dir.verify_password("adele", &secret(new)).unwrap());
    assert!(
        !w.sb
            .dir
            .verify_password("adele", &secret(ADELE_PASSWORD))
            .unwrap()
    );
}

#[test]
fn a_wrong_password_is_refused_after_one_attempt_with_the_reset_link() {
    let w = World::new("");
    let before = w.sign_ins();
    let end = auth(
        &w,
        vec![password("not-it"), error("passwordreset")],
        "login",
        ADELE,
    );
    assert_eq!(end.code, Code::AuthErr);
    assert_eq!(
        w.sign_ins() - before,
        1,
        "one password, one attempt at Entra"
    );
    assert!(w.sb.passwd_entry("adele").is_none());
}

#[test]
fn mfa_on_ssh_is_finished_by_device_code() {
    let w = World::new(OFFLINE);
    let end = auth(
        &w,
        vec![password(MEGAN_PASSWORD), w.approve(MEGAN, MEGAN_PASSWORD)],
        "sshd",
        MEGAN,
    );
    assert_eq!(end.code, Code::Success);
    assert_eq!(end.short_name.as_deref(), Some("megan"));
    assert!(
        w.sb.group_members("sudo").contains(&"megan".to_owned()),
        "Mac Admins → admin"
    );
    assert_eq!(
        verifier_count(&w),
        1,
        "a full sign-in refreshes the verifier"
    );
}

#[test]
fn ssh_needs_mfa_even_when_entra_takes_the_password_alone() {
    let w = World::new("");
    let end = auth(
        &w,
        vec![password(ADELE_PASSWORD), w.approve(ADELE, ADELE_PASSWORD)],
        "sshd",
        ADELE,
    );
    assert_eq!(end.code, Code::Success);
}

#[test]
fn a_declined_code_after_a_password_taken_alone_makes_no_account() {
    let w = World::new(OFFLINE);
    let end = auth(
        &w,
        vec![
            password(ADELE_PASSWORD),
            Expect::DeviceCode(Person::Decline(w.sim().clone())),
            error("declined"),
        ],
        "sshd",
        ADELE,
    );
    assert_eq!(end.code, Code::AuthErr);
    assert!(
        w.sb.passwd_entry("adele").is_none(),
        "nothing is provisioned before MFA is done"
    );
    assert!(!w.sb.read("etc/shadow").contains("adele:"));
    assert_eq!(verifier_count(&w), 0);
}

#[test]
fn a_declined_code_refuses_ssh() {
    let w = World::new(OFFLINE);
    let end = auth(
        &w,
        vec![
            password(MEGAN_PASSWORD),
            Expect::DeviceCode(Person::Decline(w.sim().clone())),
            error("declined"),
        ],
        "sshd",
        MEGAN,
    );
    assert_eq!(end.code, Code::AuthErr);
    assert_eq!(
        verifier_count(&w),
        0,
        "a sign-in stopped at MFA writes no verifier"
    );
}

#[test]
fn a_console_sign_in_stopped_by_mfa_is_refused_and_writes_no_verifier() {
    let w = World::new(OFFLINE);
    let end = auth(
        &w,
        vec![password(MEGAN_PASSWORD), error("MFA")],
        "login",
        MEGAN,
    );
    assert_eq!(end.code, Code::AuthErr);
    assert_eq!(verifier_count(&w), 0);
    assert!(w.sb.passwd_entry("megan").is_none());
}

#[test]
fn disabled_and_expired_accounts_are_refused_saying_why() {
    let w = World::new("");
    w.sim().disable(ADELE).unwrap();
    let end = auth(
        &w,
        vec![password(ADELE_PASSWORD), error("disabled")],
        "login",
        ADELE,
    );
    assert_eq!(end.code, Code::AuthErr);
    let end = auth(
        &w,
        vec![password(ALEX_PASSWORD), error("expired")],
        "login",
        ALEX,
    );
    assert_eq!(end.code, Code::AuthErr);
    assert!(w.sb.passwd_entry("alex").is_none());
}

#[test]
fn the_group_gate_refuses_people_outside_it() {
    let gate = format!("<key>AllowedGroups</key><array><string>{MAC_ADMINS}</string></array>");
    let w = World::new(&gate);
    let end = auth(
        &w,
        vec![password(ADELE_PASSWORD), error("")],
        "login",
        ADELE,
    );
    assert_eq!(end.code, Code::AuthErr);
    assert!(
        w.sb.passwd_entry("adele").is_none(),
        "no account outside the gate"
    );
}

#[test]
fn entra_down_with_offline_sign_in_uses_the_verifier_within_its_limit() {
    let mut w = World::new(OFFLINE);
    let first = OffsetDateTime::now_utc();
    assert_eq!(
        auth_at(&w, vec![password(ADELE_PASSWORD)], "login", ADELE, first).code,
        Code::Success
    );
    w.entra_down();
    let end = auth(
        &w,
        vec![password(ADELE_PASSWORD), info("Signed in offline")],
        "login",
        "adele",
    );
    assert_eq!(end.code, Code::Success);
    assert_eq!(end.short_name.as_deref(), Some("adele"));
    let wrong = auth(
        &w,
        vec![password("guess"), error("does not match")],
        "login",
        ADELE,
    );
    assert_eq!(wrong.code, Code::AuthErr);
    let late = auth_at(
        &w,
        vec![password(ADELE_PASSWORD), error("8 days ago")],
        "login",
        ADELE,
        first + time::Duration::days(8),
    );
    assert_eq!(late.code, Code::AuthInfoUnavail);
    // The verifier holds no password.
    for f in sesame_e2e::scan::files_under(&w.sb.root) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(ADELE_PASSWORD) || f.ends_with("shadow"),
            "{} holds the password",
            f.display()
        );
    }
}

#[test]
fn entra_down_without_offline_sign_in_is_refused() {
    let mut w = World::new("");
    assert_eq!(
        auth(&w, vec![password(ADELE_PASSWORD)], "login", ADELE).code,
        Code::Success
    );
    w.entra_down();
    let end = auth(
        &w,
        vec![password(ADELE_PASSWORD), error("offline sign-in is off")],
        "login",
        ADELE,
    );
    assert_eq!(end.code, Code::AuthInfoUnavail);
}

#[test]
fn local_accounts_are_left_to_the_rest_of_the_stack() {
    let w = World::new("");
    let before = w.sign_ins();
    assert_eq!(auth(&w, vec![], "login", "root").code, Code::Ignore);
    assert_eq!(w.sign_ins(), before, "Entra is not asked about root");
}

#[test]
fn a_password_change_is_refused_with_the_change_page() {
    let w = World::new("");
    assert_eq!(
        auth(&w, vec![password(ADELE_PASSWORD)], "login", ADELE).code,
        Code::Success
    );
    let mut conv = Script::new(vec![error("mysignins.microsoft.com")]);
    let code = pam_sesame::account::change_password(&mut conv, &w.options(), "adele", true);
    assert_eq!(code, Code::AuthTokErr);
    assert_eq!(
        pam_sesame::account::account(&w.options(), "adele"),
        Code::Success
    );
    assert_eq!(
        pam_sesame::account::account(&w.options(), "root"),
        Code::Ignore
    );
    assert_eq!(
        pam_sesame::account::account(&w.options(), NORA),
        Code::UserUnknown
    );
}

#[test]
fn after_the_wrong_password_limit_entra_is_not_asked_until_the_cool_down() {
    let w = World::new("");
    for _ in 0..3 {
        let end = auth(
            &w,
            vec![password("guess"), error("not right")],
            "sshd",
            ADELE,
        );
        assert_eq!(end.code, Code::AuthErr);
    }
    let before = w.sign_ins();
    let end = auth(
        &w,
        vec![password(ADELE_PASSWORD), error("Too many wrong passwords")],
        "sshd",
        ADELE,
    );
    assert_eq!(end.code, Code::AuthErr);
    assert_eq!(w.sign_ins(), before, "no password reached Entra");
    let later = OffsetDateTime::now_utc() + pam_sesame::throttle::COOL_DOWN;
    let end = auth_at(
        &w,
        vec![password(ADELE_PASSWORD), w.approve(ADELE, ADELE_PASSWORD)],
        "sshd",
        ADELE,
        later,
    );
    assert_eq!(
        end.code,
        Code::Success,
        "after the cool-down the right password works"
    );
}

#[test]
fn another_identity_never_gets_a_bound_account() {
    let w = World::new("");
    let first = auth(
        &w,
        vec![password(MEGAN_PASSWORD), w.approve(MEGAN, MEGAN_PASSWORD)],
        "sshd",
        MEGAN,
    );
    assert_eq!(first.code, Code::Success);
    // Same local part, another object ID, the right password for *that* account.
    let mut conv = Script::new(vec![password(IMPOSTOR_PASSWORD), error("")]);
    let end = authenticate(
        &mut conv,
        &w.options(),
        AuthRequest {
            service: "login",
            user: IMPOSTOR,
            authtok: None,
        },
        OffsetDateTime::now_utc(),
    );
    drop(conv);
    assert_eq!(end.code, Code::AuthErr, "{end:?}");
    assert!(
        w.sb.dir
            .verify_password("megan", &secret(MEGAN_PASSWORD))
            .unwrap(),
        "megan's account is untouched"
    );
}
