//! The secret store contract every backend keeps, shared by the test
//! binaries that exercise a real backend.

use secrecy::{ExposeSecret, SecretString};
use sesame_platform::{SecretError, SecretStore};

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

pub fn contract(store: &dyn SecretStore, user: &str) {
    let first = secret("first-Pa55");
    let second = secret("second-Pa55");
    assert!(store.read(user).unwrap().is_none());
    store.store(user, &first).unwrap();
    assert_eq!(
        store.read(user).unwrap().unwrap().expose_secret(),
        "first-Pa55"
    );

    // A second store would silently reset: refused.
    let err = store.store(user, &second).unwrap_err();
    assert!(matches!(err, SecretError::AlreadyStored(_)), "{err}");

    // Replace without the right old password: refused, item unchanged, and
    // neither password appears in the error.
    let err = store.replace(user, &secret("guess"), &second).unwrap_err();
    assert!(matches!(err, SecretError::OldPasswordMismatch(_)), "{err}");
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains("first-Pa55") && !text.contains("second-Pa55") && !text.contains("guess")
    );
    assert!(
        text.contains("ask the user for their previous password"),
        "{text}"
    );
    assert_eq!(
        store.read(user).unwrap().unwrap().expose_secret(),
        "first-Pa55"
    );

    // With the old password: replaced.
    store.replace(user, &first, &second).unwrap();
    assert_eq!(
        store.read(user).unwrap().unwrap().expose_secret(),
        "second-Pa55"
    );

    // Per user: another user's item is separate.
    assert!(store.read("someone-else").unwrap().is_none());

    store.delete(user).unwrap();
    assert!(store.read(user).unwrap().is_none());
    store.delete(user).unwrap();

    // Replace with nothing stored stores the new password.
    store.replace(user, &first, &second).unwrap();
    assert_eq!(
        store.read(user).unwrap().unwrap().expose_secret(),
        "second-Pa55"
    );
    store.delete(user).unwrap();
}
