//! Who may use the local password while Entra cannot be reached, when the
//! profile denies local logins: only the people DenyLocalExcluded names.

use super::*;

fn offline_with_excluded(excluded: &[&str]) -> Next {
    let mut r = rules();
    r.deny_local = true;
    r.local_fallback = false;
    r.deny_local_excluded = excluded.iter().map(|s| (*s).to_owned()).collect();
    let mut run = Run::new(r);
    run.feed(Input::Start {
        front: Front::Native,
        username: Some(ADA.into()),
    });
    run.feed(Input::PasswordObtained {
        source: PasswordSource::Native,
        already_refused: false,
    });
    run.feed(check(PasswordVerdict::Unreachable {
        reason: "timed out after 10 s".into(),
    }))
}

#[test]
fn only_the_excluded_person_gets_the_local_password_offline() {
    // Ada by full sign-in name (any case) or by short name: let in.
    for excluded in [&["ADA@Contoso.Example"][..], &["grace", "Ada"][..]] {
        let next = offline_with_excluded(excluded);
        assert!(
            matches!(next, Next::LocalFallback(_)),
            "{excluded:?}: {next:?}"
        );
    }
    // Someone else excluded: Ada is refused.
    for excluded in [&["grace"][..], &["grace@contoso.example", "ada.l"][..]] {
        let next = offline_with_excluded(excluded);
        assert_eq!(denied(&next).kind, DenyKind::Offline, "{excluded:?}");
    }
}
