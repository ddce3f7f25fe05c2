//! The native sign-in (user name and password at the login window).

use super::*;

/// No user name (or only spaces): refused at once, before any password is
/// asked for, with the message for an unknown user.
#[test]
fn a_native_sign_in_without_a_user_name_is_refused_at_once() {
    for username in [None, Some("   ".to_owned())] {
        let mut run = Run::new(rules());
        let next = run.feed(Input::Start {
            front: Front::Native,
            username: username.clone(),
        });
        assert_eq!(denied(&next).kind, DenyKind::UnknownUser, "{username:?}");
    }
}
