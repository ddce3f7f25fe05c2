//! The secret store contract, on the in-memory store and the Linux kernel
//! keyring (a fresh session keyring per test, so nothing touches the
//! caller's keys).

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod secret_contract;

use secret_contract::contract;
use sesame_platform::InMemorySecretStore;

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
