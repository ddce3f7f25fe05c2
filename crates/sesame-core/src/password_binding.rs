//! A password belongs to exactly one identity.
//!
//! Entra's answer to a password grant proves the password right for *the
//! account Entra resolved*, which is not necessarily the person who signed in
//! on the web page (a typed UPN can name somebody else, a renamed or reused
//! UPN can move). So the password only becomes a [`VerifiedPassword`] — the
//! one type provisioning and the keychain step accept — when Entra's answer is
//! tied to the signed-in identity:
//!
//! - tokens were issued and the password grant's validated ID token carries
//!   the same `oid` + `tid` as the signed-in identity; or
//! - MFA / Conditional Access interrupted the grant (no tokens, so no ID
//!   token), and the username sent was the signed-in identity's own
//!   `preferred_username` / `upn` from its validated ID token.
//!
//! Anything else (tokens without an ID token, an ID token of another
//! identity, an interrupt for a username the identity's token did not carry)
//! is refused with a [`BindingRefused`] that says why. The decision is a pure
//! function here; `sesame-entra` feeds it the validated claims.

use std::fmt;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::identity::{EntraId, Identity};
use crate::provisioning::Binding;

/// Whose password is being checked: the identity (`oid` + `tid`) and the
/// sign-in name taken from that identity's validated ID token, which is the
/// username the password grant sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordOwner {
    /// The identity the password must be verified for.
    pub id: EntraId,
    /// The identity's own `preferred_username` (or `upn`), never what a
    /// person typed.
    pub username: String,
}

impl PasswordOwner {
    /// The owner for a validated sign-in: its `preferred_username` claim,
    /// else its `upn`, else the sign-in name the token gave.
    pub fn of(identity: &Identity) -> Self {
        let username = identity
            .extra_claims
            .get("preferred_username")
            .or(identity.upn.as_ref())
            .unwrap_or(&identity.username)
            .trim()
            .to_owned();
        Self {
            id: identity.id.clone(),
            username,
        }
    }

    /// The owner of a bound local account (the menu-bar re-check): the
    /// binding's identity and the UPN recorded from its validated token.
    pub fn of_binding(binding: &Binding) -> Self {
        Self {
            id: binding.id.clone(),
            username: binding.upn.trim().to_owned(),
        }
    }
}

impl From<&Identity> for PasswordOwner {
    fn from(identity: &Identity) -> Self {
        Self::of(identity)
    }
}

/// What Entra's answer to the password grant showed, as far as binding goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntraAccepted<'a> {
    /// Tokens were issued; this is the `oid` + `tid` of the password grant's
    /// validated ID token.
    IdToken(&'a EntraId),
    /// Tokens were issued but no ID token came back (the request lacked
    /// `openid`, or an intermediary stripped it): nothing ties the password
    /// to an identity.
    TokensWithoutIdToken,
    /// Entra accepted the password, then MFA or Conditional Access stopped
    /// token issuance (a profile success code).
    Interrupted {
        /// The AADSTS code.
        code: u32,
        /// The username the password grant sent.
        username_sent: &'a str,
    },
}

/// How the password was proven for its identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum VerifiedBy {
    /// The password grant's ID token carried the identity's `oid` + `tid`.
    IdToken,
    /// MFA / Conditional Access interrupted the grant for the identity's own
    /// username.
    Interrupt {
        /// The AADSTS code.
        code: u32,
    },
}

/// A password Entra verified for exactly one identity. The only way to make
/// one is [`VerifiedPassword::bind`]; provisioning and the keychain step take
/// the password from here, so a password verified for somebody else (or for
/// nobody) cannot reach a local account.
///
/// `Debug` never prints the password (it is a [`SecretString`]).
#[derive(Debug)]
pub struct VerifiedPassword {
    id: EntraId,
    password: SecretString,
    by: VerifiedBy,
}

/// Why Entra's answer does not bind the password to the identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum BindingRefused {
    /// The password grant's ID token belongs to another identity.
    #[error(
        "Entra verified the password for another identity (oid {}, tid {}) than the one that signed in (oid {}, tid {}); the password is not used",
        verified_for.oid, verified_for.tid, signed_in.oid, signed_in.tid
    )]
    OtherIdentity {
        /// The identity the ID token names.
        verified_for: EntraId,
        /// The identity that signed in.
        signed_in: EntraId,
    },
    /// Tokens came back without an ID token.
    #[error(
        "Entra issued tokens without an ID token, so nothing says whose password it verified; the password is not used (the request asks for `openid`: check that nothing between the Mac and Entra strips it)"
    )]
    NoIdToken,
    /// The interrupt was for a username that is not the identity's own.
    #[error(
        "Entra's MFA / Conditional Access answer (AADSTS{code}) was for `{sent}`, which is not the signed-in identity's own username `{own}`; the password is not used"
    )]
    OtherUsername {
        /// The AADSTS code.
        code: u32,
        /// The username sent.
        sent: String,
        /// The identity's own username.
        own: String,
    },
}

impl VerifiedPassword {
    /// Binds `password` to `owner` when `accepted` proves Entra verified it
    /// for that owner (see the module documentation for the rules).
    pub fn bind(
        owner: &PasswordOwner,
        password: SecretString,
        accepted: EntraAccepted<'_>,
    ) -> Result<Self, BindingRefused> {
        let by = match accepted {
            EntraAccepted::IdToken(id) if same_identity(id, &owner.id) => VerifiedBy::IdToken,
            EntraAccepted::IdToken(id) => {
                return Err(BindingRefused::OtherIdentity {
                    verified_for: id.clone(),
                    signed_in: owner.id.clone(),
                });
            }
            EntraAccepted::TokensWithoutIdToken => return Err(BindingRefused::NoIdToken),
            EntraAccepted::Interrupted {
                code,
                username_sent,
            } => {
                let own = owner.username.trim();
                if own.is_empty() || !username_sent.trim().eq_ignore_ascii_case(own) {
                    return Err(BindingRefused::OtherUsername {
                        code,
                        sent: username_sent.to_owned(),
                        own: own.to_owned(),
                    });
                }
                VerifiedBy::Interrupt { code }
            }
        };
        Ok(Self {
            id: owner.id.clone(),
            password,
            by,
        })
    }

    /// The identity the password was verified for.
    pub fn identity(&self) -> &EntraId {
        &self.id
    }

    /// The verified password.
    pub fn password(&self) -> &SecretString {
        &self.password
    }

    /// How it was verified.
    pub fn verified_by(&self) -> VerifiedBy {
        self.by
    }
}

/// `oid` and `tid` are GUIDs: compared case-insensitively.
fn same_identity(a: &EntraId, b: &EntraId) -> bool {
    a.oid.eq_ignore_ascii_case(&b.oid) && a.tid.eq_ignore_ascii_case(&b.tid)
}

impl fmt::Display for VerifiedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IdToken => write!(f, "ID token of the same oid + tid"),
            Self::Interrupt { code } => write!(
                f,
                "AADSTS{code} (MFA / Conditional Access) for the identity's own username"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn id(oid: &str, tid: &str) -> EntraId {
        EntraId {
            oid: oid.into(),
            tid: tid.into(),
        }
    }

    fn ada() -> PasswordOwner {
        PasswordOwner {
            id: id("0a0a", "7e7e"),
            username: "ada@contoso.example".into(),
        }
    }

    fn pw() -> SecretString {
        SecretString::from("correct horse".to_owned())
    }

    #[test]
    fn an_id_token_of_the_same_oid_and_tid_binds() {
        let v = VerifiedPassword::bind(&ada(), pw(), EntraAccepted::IdToken(&id("0A0A", "7e7e")))
            .unwrap();
        assert_eq!(v.identity(), &ada().id);
        assert_eq!(v.verified_by(), VerifiedBy::IdToken);
        assert_eq!(v.password().expose_secret(), "correct horse");
        assert!(!format!("{v:?}").contains("correct horse"));
    }

    #[test]
    fn an_id_token_of_another_oid_or_tenant_is_refused() {
        for other in [id("0b0b", "7e7e"), id("0a0a", "8f8f")] {
            let e =
                VerifiedPassword::bind(&ada(), pw(), EntraAccepted::IdToken(&other)).unwrap_err();
            assert_eq!(
                e,
                BindingRefused::OtherIdentity {
                    verified_for: other.clone(),
                    signed_in: ada().id
                }
            );
            assert!(e.to_string().contains("another identity"), "{e}");
        }
    }

    #[test]
    fn tokens_without_an_id_token_never_bind() {
        let e =
            VerifiedPassword::bind(&ada(), pw(), EntraAccepted::TokensWithoutIdToken).unwrap_err();
        assert_eq!(e, BindingRefused::NoIdToken);
    }

    #[test]
    fn an_interrupt_binds_only_for_the_identitys_own_username() {
        let ok = |sent: &str| {
            VerifiedPassword::bind(
                &ada(),
                pw(),
                EntraAccepted::Interrupted {
                    code: 50076,
                    username_sent: sent,
                },
            )
        };
        assert_eq!(
            ok("Ada@Contoso.example").unwrap().verified_by(),
            VerifiedBy::Interrupt { code: 50076 }
        );
        for typed in ["grace@contoso.example", "ada", ""] {
            assert!(
                matches!(
                    ok(typed),
                    Err(BindingRefused::OtherUsername { code: 50076, .. })
                ),
                "{typed}"
            );
        }
        // An owner without a username can never be bound by an interrupt.
        let nameless = PasswordOwner {
            username: String::new(),
            ..ada()
        };
        assert!(
            VerifiedPassword::bind(
                &nameless,
                pw(),
                EntraAccepted::Interrupted {
                    code: 50076,
                    username_sent: ""
                }
            )
            .is_err()
        );
    }

    #[test]
    fn the_owner_is_the_tokens_own_username_not_a_typed_one() {
        let mut extra = std::collections::BTreeMap::new();
        extra.insert(
            "preferred_username".to_owned(),
            "ada@contoso.example".to_owned(),
        );
        let identity = Identity {
            id: id("0a0a", "7e7e"),
            username: "ada@contoso.example".into(),
            upn: Some("ada.lovelace@contoso.example".into()),
            name: None,
            given_name: None,
            family_name: None,
            groups: crate::identity::Groups::Known { ids: vec![] },
            roles: vec![],
            extra_claims: extra,
        };
        assert_eq!(PasswordOwner::of(&identity).username, "ada@contoso.example");
        let mut v1 = identity.clone();
        v1.extra_claims.clear();
        assert_eq!(
            PasswordOwner::of(&v1).username,
            "ada.lovelace@contoso.example"
        );
    }
}
