//! `sesame-agent pam install | uninstall | status` as an admin sees it: which
//! lines appear in a PAM service file, where, with which controls, and that
//! uninstall gives the file back. On the service files distributions ship
//! (Arch's `system-auth` with `-facility` lines, Fedora's `sshd` with
//! `substack`/`include`), an empty file and a file of comments only.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use sesame_core::pam_file::{MARKER, install, remove, status};

const MODULE: &str = "/usr/lib/security/pam_sesame.so";

/// Arch Linux's /etc/pam.d/system-auth (pambase 20230918): every facility
/// but `auth` opens with an optional-if-missing `-facility` line.
const ARCH_SYSTEM_AUTH: &str = "#%PAM-1.0

auth       required                    pam_faillock.so      preauth
# Optionally use requisite above if you do not want to prompt for the password
# on locked accounts.
-auth      [success=2 default=ignore]  pam_systemd_home.so
auth       [success=1 default=bad]     pam_unix.so          try_first_pass nullok
auth       [default=die]               pam_faillock.so      authfail
auth       optional                    pam_permit.so
auth       required                    pam_env.so
auth       required                    pam_faillock.so      authsucc

-account   [success=1 default=ignore]  pam_systemd_home.so
account    required                    pam_unix.so
account    optional                    pam_permit.so
account    required                    pam_time.so

-password  [success=1 default=ignore]  pam_systemd_home.so
password   required                    pam_unix.so          try_first_pass nullok shadow
password   optional                    pam_permit.so

-session   optional                    pam_systemd_home.so
session    required                    pam_limits.so
session    required                    pam_unix.so
session    optional                    pam_permit.so
";

/// Fedora's /etc/pam.d/sshd: facilities pulled in with `substack` and `include`.
const FEDORA_SSHD: &str = "#%PAM-1.0
auth       substack     password-auth
auth       include      postlogin
account    required     pam_sepermit.so
account    required     pam_nologin.so
account    include      password-auth
password   include      password-auth
session    required     pam_selinux.so close
session    required     pam_loginuid.so
session    optional     pam_keyinit.so force revoke
session    include      password-auth
session    include      postlogin
";

const AUTH: &str = "auth [success=done ignore=ignore default=die] /usr/lib/security/pam_sesame.so";
const ACCOUNT: &str =
    "account [success=ok ignore=ignore default=bad] /usr/lib/security/pam_sesame.so";
const PASSWORD: &str =
    "password [success=done ignore=ignore default=die] /usr/lib/security/pam_sesame.so";
const SESSION: &str = "session optional /usr/lib/security/pam_sesame.so";

/// The line right after each of Sesame's lines, by Sesame's line.
fn followed_by<'a>(text: &'a str, ours: &str) -> &'a str {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == ours)
        .unwrap_or_else(|| panic!("no `{ours}` in\n{text}"));
    assert_eq!(lines[at - 1], MARKER, "the marker sits above `{ours}`");
    lines[at + 1]
}

#[test]
fn sesame_goes_first_in_each_facility_even_before_an_optional_dash_line() {
    let new = install(ARCH_SYSTEM_AUTH, MODULE, &[]).expect("changed");
    assert_eq!(
        followed_by(&new, AUTH),
        "auth       required                    pam_faillock.so      preauth"
    );
    // Sesame decides before systemd-homed's optional module, or a homed
    // account would skip past it.
    assert_eq!(
        followed_by(&new, ACCOUNT),
        "-account   [success=1 default=ignore]  pam_systemd_home.so"
    );
    assert_eq!(
        followed_by(&new, PASSWORD),
        "-password  [success=1 default=ignore]  pam_systemd_home.so"
    );
    assert_eq!(
        followed_by(&new, SESSION),
        "-session   optional                    pam_systemd_home.so"
    );
    assert_eq!(new.matches("pam_sesame.so").count(), 4, "one line each");
    assert_eq!(status(&new), vec!["auth", "account", "password", "session"]);
    // The comments in the file (one names a module) are kept, and uninstall
    // gives the file back byte for byte.
    assert_eq!(remove(&new), ARCH_SYSTEM_AUTH);
    assert_eq!(
        install(&new, MODULE, &[]),
        None,
        "a second install: no change"
    );
}

#[test]
fn substack_and_include_lines_count_as_their_facility() {
    let args = vec!["profile=/etc/sesame/io.sesame.agent.plist".to_owned()];
    let new = install(FEDORA_SSHD, MODULE, &args).expect("changed");
    let with_args = |l: &str| format!("{l} profile=/etc/sesame/io.sesame.agent.plist");
    assert_eq!(
        followed_by(&new, &with_args(AUTH)),
        "auth       substack     password-auth"
    );
    assert_eq!(
        followed_by(&new, &with_args(ACCOUNT)),
        "account    required     pam_sepermit.so"
    );
    assert_eq!(
        followed_by(&new, &with_args(PASSWORD)),
        "password   include      password-auth"
    );
    assert_eq!(
        followed_by(&new, &with_args(SESSION)),
        "session    required     pam_selinux.so close"
    );
    assert_eq!(remove(&new), FEDORA_SSHD);
}

#[test]
fn an_empty_file_gets_all_four_facilities_after_a_marker() {
    let want = format!("{MARKER}\n{AUTH}\n{ACCOUNT}\n{PASSWORD}\n{SESSION}\n");
    assert_eq!(install("", MODULE, &[]).as_deref(), Some(want.as_str()));
    assert_eq!(
        status(&want),
        vec!["auth", "account", "password", "session"]
    );
    assert_eq!(remove(&want), "", "uninstall leaves the empty file empty");
}

#[test]
fn a_file_of_comments_keeps_them_and_gets_the_lines_on_a_new_line() {
    // No trailing newline: Sesame's lines must not be glued to the comment.
    let header = "#%PAM-1.0\n# local policy, see pam.d(5)";
    let new = install(header, MODULE, &[]).expect("changed");
    assert_eq!(
        new,
        format!("{header}\n{MARKER}\n{AUTH}\n{ACCOUNT}\n{PASSWORD}\n{SESSION}\n")
    );
    // With its newline, the comment block is followed directly by the marker.
    let header = "#%PAM-1.0\n\n";
    let new = install(header, MODULE, &[]).expect("changed");
    assert_eq!(
        new,
        format!("{header}{MARKER}\n{AUTH}\n{ACCOUNT}\n{PASSWORD}\n{SESSION}\n")
    );
    assert_eq!(remove(&new), header);
}

#[test]
fn status_names_each_facility_once_and_only_for_the_module_itself() {
    // Two auth lines of ours (an admin's hand edit): auth is listed once.
    let doubled = format!("{AUTH}\n{AUTH} debug\n{SESSION}\n");
    assert_eq!(status(&doubled), vec!["auth", "session"]);
    // Another module, a module whose name only ends like ours, a commented
    // line and a blank line: none of them is Sesame.
    let others = "auth required pam_unix.so\nauth required /lib/security/not_pam_sesame.so\n# account required pam_sesame.so\n\n";
    assert!(status(others).is_empty(), "{:?}", status(others));
    assert_eq!(remove(others), others, "uninstall leaves other lines alone");
    // A line of ours loaded by file name only (no directory) counts too.
    assert_eq!(
        status("password required pam_sesame.so\n"),
        vec!["password"]
    );
}

#[test]
fn an_include_line_without_its_at_sign_still_counts_as_its_facility() {
    // `include common-auth` / `substack common-auth`: Debian's `@include`
    // written without the `@`. Sesame's auth line still goes first.
    for keyword in ["include", "substack", "@include"] {
        let file = format!("{keyword} common-auth\n{keyword} common-session\n");
        let new = install(&file, MODULE, &[]).expect("changed");
        assert_eq!(followed_by(&new, AUTH), format!("{keyword} common-auth"));
        assert_eq!(
            followed_by(&new, SESSION),
            format!("{keyword} common-session")
        );
        assert_eq!(status(&new), vec!["auth", "session"], "{keyword}");
        assert_eq!(remove(&new), file);
    }
}
