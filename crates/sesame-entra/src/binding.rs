//! The identity-bound password check: the only way a password checked with
//! the password grant becomes a [`VerifiedPassword`] (the type provisioning
//! and the keychain step accept).
//!
//! - [`EntraClient::verify_password_for`]: a person already signed in (web
//!   sign-in, a bound account); the grant sends *the identity's own*
//!   username, never what was typed, and the answer must name the same
//!   `oid` + `tid` (or be an MFA / Conditional Access interrupt for that
//!   username).
//! - [`EntraClient::sign_in_with_password`]: native sign-in, no identity yet;
//!   the password grant's validated ID token becomes the identity.
//!
//! The binding rules themselves are pure, in
//! [`sesame_core::password_binding`].

use secrecy::SecretString;
use sesame_core::password_binding::{
    BindingRefused, EntraAccepted, PasswordOwner, VerifiedPassword,
};

use crate::claims::EntraClaims;
use crate::client::EntraClient;
use crate::ropg::{PasswordCheck, PasswordRefused};
use crate::verdict::PasswordVerdict;

/// The outcome of [`EntraClient::verify_password_for`].
#[derive(Debug)]
pub enum PasswordCheckFor {
    /// Entra verified the password for this very identity. The only
    /// outcome that yields a [`VerifiedPassword`].
    Verified {
        /// The password, bound to the identity.
        password: VerifiedPassword,
        /// The check (verdict `verified` or `verified_interrupted`, endpoint,
        /// tokens and claims for the sync log).
        check: PasswordCheck,
    },
    /// Entra accepted the password, but not provably for this identity
    /// (another `oid` / `tid` in the ID token, or an interrupt for another
    /// username). The password must not be used; log `refused`.
    NotBound {
        /// Why the answer does not bind.
        refused: BindingRefused,
        /// The check as Entra answered it.
        check: PasswordCheck,
    },
    /// Entra did not verify the password: the verdict says why (wrong,
    /// locked, expired, unreachable, throttled, misconfigured, unknown, ...).
    NotVerified {
        /// The check.
        check: PasswordCheck,
    },
}

impl PasswordCheckFor {
    /// The underlying check, whatever the outcome (for the sync log).
    pub fn check(&self) -> &PasswordCheck {
        match self {
            Self::Verified { check, .. }
            | Self::NotBound { check, .. }
            | Self::NotVerified { check } => check,
        }
    }

    /// The bound password, when verified.
    pub fn verified(&self) -> Option<&VerifiedPassword> {
        match self {
            Self::Verified { password, .. } => Some(password),
            _ => None,
        }
    }
}

/// The outcome of [`EntraClient::sign_in_with_password`].
#[derive(Debug)]
pub enum PasswordSignIn {
    /// Entra issued tokens; the validated ID token is the identity and the
    /// password is bound to it.
    SignedIn {
        /// The validated claims of the password grant's ID token.
        claims: Box<EntraClaims>,
        /// The password, bound to that identity.
        password: VerifiedPassword,
        /// The check (tokens for Graph group overage are in it).
        check: PasswordCheck,
    },
    /// No identity came out of the grant: MFA / Conditional Access
    /// interrupted it (the person must use the web sign-in), or the password
    /// was not verified. The verdict says which.
    NotSignedIn {
        /// The check.
        check: PasswordCheck,
    },
}

impl EntraClient {
    /// Checks `password` for `owner` (a signed-in identity, or a bound
    /// account's recorded identity): sends `owner.username` (the identity's
    /// own `preferred_username` / `upn`), and binds the password only when
    /// the grant's validated ID token carries `owner.id`, or when MFA /
    /// Conditional Access interrupted the grant for that username.
    ///
    /// Only an unusable password (empty, surrounding spaces) is an `Err`;
    /// network trouble and every Entra answer are outcomes.
    pub async fn verify_password_for(
        &self,
        owner: &PasswordOwner,
        password: &SecretString,
    ) -> Result<PasswordCheckFor, PasswordRefused> {
        let check = self.check_password(&owner.username, password).await?;
        let token_id = check.claims().map(EntraClaims::entra_id);
        let accepted = match (&check.verdict, &token_id) {
            (PasswordVerdict::Verified, Some(id)) => Some(EntraAccepted::IdToken(id)),
            (PasswordVerdict::VerifiedInterrupted { code }, _) => {
                Some(EntraAccepted::Interrupted {
                    code: *code,
                    username_sent: &check.username,
                })
            }
            _ => None,
        };
        let Some(accepted) = accepted else {
            return Ok(PasswordCheckFor::NotVerified { check });
        };
        let bound = VerifiedPassword::bind(owner, password.clone(), accepted);
        Ok(match bound {
            Ok(password) => PasswordCheckFor::Verified { password, check },
            Err(refused) => {
                tracing::warn!(
                    oid = %owner.id.oid,
                    tid = %owner.id.tid,
                    "password check not bound to the signed-in identity: {refused}"
                );
                PasswordCheckFor::NotBound { refused, check }
            }
        })
    }

    /// Native sign-in: checks `password` for `username` as typed, and, when
    /// Entra issues tokens, makes the validated ID token the identity and
    /// binds the password to it. An MFA / Conditional Access interrupt gives
    /// no identity, so it is `NotSignedIn` (the web sign-in must take over).
    pub async fn sign_in_with_password(
        &self,
        username: &str,
        password: &SecretString,
    ) -> Result<PasswordSignIn, PasswordRefused> {
        let check = self.check_password(username, password).await?;
        let Some(claims) = check.claims().cloned() else {
            return Ok(PasswordSignIn::NotSignedIn { check });
        };
        let identity = claims.to_identity(claims.token_groups());
        let owner = PasswordOwner::of(&identity);
        match VerifiedPassword::bind(
            &owner,
            password.clone(),
            EntraAccepted::IdToken(&identity.id),
        ) {
            Ok(password) => Ok(PasswordSignIn::SignedIn {
                claims: Box::new(claims),
                password,
                check,
            }),
            // Cannot happen (the identity is the token's own), but never a
            // signed-in result without a binding.
            Err(_) => Ok(PasswordSignIn::NotSignedIn { check }),
        }
    }
}
