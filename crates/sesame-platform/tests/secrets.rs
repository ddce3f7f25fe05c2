//! The secret store contract, on the in-memory store and the Linux kernel
//! keyring (a fresh session keyring per test, so nothing touches the
//! caller's keys).

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use secrecy::{ExposeSecret, SecretString};
use sesame_platform::{InMemorySecretStore, SecretError, SecretStore};

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn contract(store: &dyn SecretStore, user: &str) {
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

#[test]
fn in_memory_store_keeps_the_contract() {
    contract(&InMemorySecretStore::new(), "ada");
}

#[cfg(target_os = "linux")]
#[test]
fn kernel_keyring_store_keeps_the_contract() {
    // Join a fresh anonymous session keyring for this thread (what
    // `keyctl session -` does), so the test needs no login session and
    // leaves nothing in the caller's keyrings.
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: keyctl(JOIN_SESSION_KEYRING, NULL) takes no pointers we own.
    let id = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    };
    assert!(
        id > 0,
        "could not join a session keyring: {}",
        std::io::Error::last_os_error()
    );
    let store = sesame_platform::KeyringSecretStore::kernel_keyring().unwrap();
    contract(&store, "ada");
}
