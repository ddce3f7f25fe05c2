//! The sign-in session quiet mode watches: the refresh token Entra issued at
//! the user's last password sign-in, and what the daemon must know to redeem
//! it (which app, which endpoint) and whether quiet mode can work for it
//! (password or passwordless sign-in, public or confidential client).
//!
//! It is kept in the same secret store as the password, in a second item of
//! the user (`<short>#refresh-token`), bound to the identity the password is
//! bound to (oid + tid): [`read_session`] gives nothing for another identity.
//! The whole item is a secret; the refresh token is a [`SecretString`], never
//! in `Debug`, and the serialized form is zeroized after use.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sesame_core::identity::EntraId;
use sesame_core::recheck::RefreshSession;
use zeroize::{Zeroize, Zeroizing};

use super::{SecretError, SecretStore};

/// The secret-store item name of `short_name`'s session.
pub fn session_item(short_name: &str) -> String {
    format!("{short_name}#refresh-token")
}

#[derive(Serialize, Deserialize)]
struct Item {
    v: u8,
    oid: String,
    tid: String,
    client_id: String,
    endpoint: String,
    scope: String,
    password_sign_in: bool,
    confidential: bool,
    refresh_token: String,
}

impl Drop for Item {
    fn drop(&mut self) {
        self.refresh_token.zeroize();
    }
}

fn damaged(user: &str, what: &str) -> SecretError {
    SecretError::Store {
        user: user.to_owned(),
        detail: format!(
            "the stored sign-in session is damaged ({what}); sign in again to replace it"
        ),
    }
}

/// Stores `session` for `short_name`, over any session stored before (a
/// refresh token is not a password: rotating it needs no proof of the old
/// one, only that it is the one read now).
pub fn store_session(
    store: &dyn SecretStore,
    short_name: &str,
    session: &RefreshSession,
) -> Result<(), SecretError> {
    let item = Item {
        v: 1,
        oid: session.id.oid.clone(),
        tid: session.id.tid.clone(),
        client_id: session.client_id.clone(),
        endpoint: session.endpoint.clone(),
        scope: session.scope.clone(),
        password_sign_in: session.password_sign_in,
        confidential: session.confidential,
        refresh_token: session.refresh_token.expose_secret().to_owned(),
    };
    let text = Zeroizing::new(
        serde_json::to_string(&item).map_err(|_| damaged(short_name, "cannot serialize"))?,
    );
    let new = SecretString::from(text.as_str());
    let name = session_item(short_name);
    match store.read(&name)? {
        Some(current) => store.replace(&name, &current, &new),
        None => store.store(&name, &new),
    }
}

/// The session stored for `short_name`, if there is one for identity `id`.
/// A session of another identity is never returned (it is deleted: the
/// account was re-bound); a damaged item is an error naming the fix.
pub fn read_session(
    store: &dyn SecretStore,
    short_name: &str,
    id: &EntraId,
) -> Result<Option<RefreshSession>, SecretError> {
    let name = session_item(short_name);
    let Some(raw) = store.read(&name)? else {
        return Ok(None);
    };
    let mut item: Item = serde_json::from_str(raw.expose_secret())
        .map_err(|_| damaged(short_name, "not a session item"))?;
    if item.v != 1 {
        return Err(damaged(short_name, "unknown version"));
    }
    if !item.oid.eq_ignore_ascii_case(&id.oid) || !item.tid.eq_ignore_ascii_case(&id.tid) {
        store.delete(&name)?;
        return Ok(None);
    }
    Ok(Some(RefreshSession {
        id: id.clone(),
        client_id: std::mem::take(&mut item.client_id),
        endpoint: std::mem::take(&mut item.endpoint),
        scope: std::mem::take(&mut item.scope),
        password_sign_in: item.password_sign_in,
        confidential: item.confidential,
        refresh_token: SecretString::from(std::mem::take(&mut item.refresh_token)),
    }))
}

/// Deletes `short_name`'s session (signed out, or the token was refused).
pub fn delete_session(store: &dyn SecretStore, short_name: &str) -> Result<(), SecretError> {
    store.delete(&session_item(short_name))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::secrets::InMemorySecretStore;

    fn id(oid: &str) -> EntraId {
        EntraId {
            oid: oid.into(),
            tid: "t-1".into(),
        }
    }

    fn session(rt: &str) -> RefreshSession {
        RefreshSession {
            id: id("o-1"),
            client_id: "c".into(),
            endpoint: "v2".into(),
            scope: "openid profile offline_access".into(),
            password_sign_in: true,
            confidential: false,
            refresh_token: SecretString::from(rt),
        }
    }

    #[test]
    fn a_session_is_read_back_for_its_identity_only_and_rotates() {
        let store = InMemorySecretStore::default();
        store_session(&store, "ada", &session("rt-one")).unwrap();
        let s = read_session(&store, "ada", &id("o-1")).unwrap().unwrap();
        assert_eq!(s.refresh_token.expose_secret(), "rt-one");
        assert!(s.password_sign_in && !s.confidential);
        assert!(!format!("{s:?}").contains("rt-one"));
        store_session(&store, "ada", &s.rotated(SecretString::from("rt-two"))).unwrap();
        let s = read_session(&store, "ada", &id("o-1")).unwrap().unwrap();
        assert_eq!(s.refresh_token.expose_secret(), "rt-two");
        // The password item is another item: untouched.
        assert!(store.read("ada").unwrap().is_none());
        // Another identity (the account was re-bound) gets nothing, and the
        // stale session is gone.
        assert!(read_session(&store, "ada", &id("o-2")).unwrap().is_none());
        assert!(read_session(&store, "ada", &id("o-1")).unwrap().is_none());
    }

    #[test]
    fn a_damaged_item_is_an_error_without_its_content() {
        let store = InMemorySecretStore::default();
        store
            .store(&session_item("ada"), &SecretString::from("rt-raw-junk"))
            .unwrap();
        let e = read_session(&store, "ada", &id("o-1")).unwrap_err();
        assert!(e.to_string().contains("sign in again"), "{e}");
        assert!(!e.to_string().contains("rt-raw-junk"));
    }
}
