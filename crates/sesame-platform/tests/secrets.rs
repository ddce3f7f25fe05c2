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
    // A fresh session keyring: no login session needed, the caller's keys untouched.
    sesame_platform::secrets::join_fresh_session_keyring()
        .expect("could not join a session keyring");
    let store = sesame_platform::KeyringSecretStore::kernel_keyring().unwrap();
    contract(&store, "ada");
}
