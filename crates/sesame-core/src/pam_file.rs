//! The pure edit behind `sesame-agent pam install | uninstall | status`:
//! add `pam_sesame.so` to a PAM service file, take it out, or say where it
//! is. Text in, text out; the command does the backup and the write.
//!
//! The lines put `pam_sesame.so` first for each facility the file uses, with
//! controls that keep local accounts working and never let a refused Entra
//! sign-in fall through to the local password:
//!
//! ```text
//! auth     [success=done ignore=ignore default=die] pam_sesame.so ARGS
//! account  [success=ok ignore=ignore default=bad]   pam_sesame.so ARGS
//! password [success=done ignore=ignore default=die] pam_sesame.so ARGS
//! session  optional                                 pam_sesame.so ARGS
//! ```
//!
//! `ignore` is what the module answers for local-only accounts (root, a
//! break-glass admin), so the rest of the stack decides for them.

/// The module's file name as it appears in a PAM line.
pub const MODULE: &str = "pam_sesame.so";

/// The PAM facilities, in file order.
pub const FACILITIES: [&str; 4] = ["auth", "account", "password", "session"];

/// A marker comment above the lines Sesame adds.
pub const MARKER: &str =
    "# Added by `sesame-agent pam install` (remove with `sesame-agent pam uninstall`)";

/// The control field Sesame uses for `facility`.
pub fn control(facility: &str) -> &'static str {
    match facility {
        "auth" | "password" => "[success=done ignore=ignore default=die]",
        "account" => "[success=ok ignore=ignore default=bad]",
        _ => "optional",
    }
}

/// The facility of a PAM line (`auth`, `-auth`, `@include common-auth`), if any.
fn facility_of(line: &str) -> Option<&'static str> {
    let t = line.trim();
    if t.starts_with('#') || t.is_empty() {
        return None;
    }
    let mut words = t.split_whitespace();
    let first = words.next()?;
    let word = if first == "@include" || first == "substack" || first == "include" {
        let target = words.next()?;
        return FACILITIES
            .into_iter()
            .find(|f| target.ends_with(&format!("-{f}")));
    } else {
        first.trim_start_matches('-')
    };
    FACILITIES.into_iter().find(|f| *f == word)
}

/// `true` when the line loads `pam_sesame.so`.
fn is_ours(line: &str) -> bool {
    let t = line.trim();
    !t.starts_with('#')
        && t.split_whitespace()
            .skip(1)
            .any(|w| w == MODULE || w.ends_with(&format!("/{MODULE}")))
}

/// Where the module is in a file: the facilities that load it.
pub fn status(text: &str) -> Vec<&'static str> {
    let mut found: Vec<&'static str> = text
        .lines()
        .filter(|l| is_ours(l))
        .filter_map(facility_of)
        .collect();
    found.dedup();
    found
}

/// Adds the module (with `module_path` and `args`) before the first line of
/// each facility the file uses (all four for an empty file). Lines already
/// there are replaced, so a second install changes nothing or updates the
/// arguments. `None` when the text would not change.
pub fn install(text: &str, module_path: &str, args: &[String]) -> Option<String> {
    let base = remove(text);
    let used: Vec<&str> = FACILITIES
        .into_iter()
        .filter(|f| base.lines().any(|l| facility_of(l) == Some(f)))
        .collect();
    let mut out = String::new();
    let mut done: Vec<&str> = Vec::new();
    let line_for = |f: &str| {
        let mut l = format!("{f} {} {module_path}", control(f));
        for a in args {
            l.push(' ');
            l.push_str(a);
        }
        l
    };
    if used.is_empty() {
        out.push_str(&base);
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(MARKER);
        out.push('\n');
        for f in FACILITIES {
            out.push_str(&line_for(f));
            out.push('\n');
        }
    } else {
        for line in base.split_inclusive('\n') {
            if let Some(f) = facility_of(line)
                && !done.contains(&f)
            {
                done.push(f);
                out.push_str(MARKER);
                out.push('\n');
                out.push_str(&line_for(f));
                out.push('\n');
            }
            out.push_str(line);
        }
    }
    (out != text).then_some(out)
}

/// The text without Sesame's lines and markers.
pub fn remove(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|l| !is_ours(l) && l.trim_end() != MARKER)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN_SSHD: &str = "# PAM configuration for the Secure Shell service\n\n@include common-auth\naccount    required     pam_nologin.so\n@include common-account\nsession [success=ok ignore=ignore module_unknown=ignore default=bad]        pam_selinux.so close\n@include common-session\n@include common-password\n";

    #[test]
    fn install_puts_the_module_first_in_each_facility_and_uninstall_restores_the_file() {
        let args = vec!["profile=/etc/sesame/io.sesame.agent.plist".to_owned()];
        let new = install(DEBIAN_SSHD, "/usr/lib/security/pam_sesame.so", &args).expect("changed");
        let lines: Vec<&str> = new.lines().collect();
        let auth = lines
            .iter()
            .position(|l| l.starts_with("auth [success=done"))
            .expect("auth");
        assert_eq!(lines[auth + 1], "@include common-auth");
        assert!(lines[auth].ends_with("pam_sesame.so profile=/etc/sesame/io.sesame.agent.plist"));
        let account = lines
            .iter()
            .position(|l| l.starts_with("account [success=ok"))
            .expect("account");
        assert_eq!(lines[account + 1], "account    required     pam_nologin.so");
        assert_eq!(status(&new), vec!["auth", "account", "session", "password"]);
        assert_eq!(
            install(&new, "/usr/lib/security/pam_sesame.so", &args),
            None,
            "idempotent"
        );
        assert_eq!(
            remove(&new),
            DEBIAN_SSHD,
            "uninstall gives back the file byte for byte"
        );
        assert!(status(DEBIAN_SSHD).is_empty());
    }

    #[test]
    fn a_common_auth_file_gets_only_an_auth_line_and_new_arguments_replace_old_ones() {
        let common =
            "auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\tpam_deny.so\n";
        let one = install(common, "pam_sesame.so", &[]).expect("changed");
        assert_eq!(status(&one), vec!["auth"]);
        let two = install(&one, "pam_sesame.so", &["debug".into()]).expect("args changed");
        assert_eq!(two.matches("pam_sesame.so").count(), 1);
        assert!(two.contains("pam_sesame.so debug\n"));
        // A commented-out line is not ours.
        assert!(status("# auth required pam_sesame.so\n").is_empty());
    }
}
