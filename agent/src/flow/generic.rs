//! Another OpenID provider (Okta, Google, Keycloak…) named by the profile's
//! `OIDCDiscoveryURL`: the same steps as Entra's — web sign-in with PKCE,
//! state and nonce, the code redeemed, the ID token validated, the password
//! checked by the provider's password grant for the identity that signed
//! in — with the Entra-only parts stepping aside: no Graph overage, no AADSTS
//! codes (answers are read by their OAuth `error`), no v1/v2, no device code.
//!
//! A person there is `iss` + `sub` ([`EntraId::open_id`]), never a name.
//! Groups come only from the ID token's `groups` claim; without one, group
//! rules fail closed (`Groups::NotEmitted`).

use std::collections::BTreeMap;
use std::time::Duration;

use secrecy::SecretString;
use sesame_core::identity::{EntraId, Groups, Identity};
use sesame_core::login::{Binding, Input, Who};
use sesame_core::password_binding::{EntraAccepted, PasswordOwner, VerifiedPassword};
use sesame_core::verdict::{NO_AADSTS, PasswordVerdict};
use sesame_entra::ClientConfig;
use sesame_entra::authorize::{AuthorizeOptions, PendingAuthorization};
use sesame_entra::oidc::{OidcError, OidcIdentity, OidcPasswordCheck, OidcProvider};
use url::Url;

use super::entra::{too_slow, unknown, unreachable};
use super::{Ctx, bounded};
use crate::web::hosts;

/// The provider, discovered on first use (discovery is a network request,
/// bounded like every other).
#[derive(Debug)]
pub(super) struct OpenId {
    cfg: ClientConfig,
    url: Url,
    provider: Option<OidcProvider>,
}

impl OpenId {
    pub(super) fn new(cfg: ClientConfig, url: Url) -> Self {
        Self {
            cfg,
            url,
            provider: None,
        }
    }

    async fn provider(&mut self, took: &mut Option<Duration>) -> Result<&OidcProvider, Input> {
        if self.provider.is_none() {
            let found = bounded(
                OidcProvider::discover(self.cfg.clone(), self.url.clone()),
                took,
            )
            .await;
            self.provider = Some(match found {
                None => return Err(too_slow("the OpenID provider's discovery")),
                Some(Err(e)) => return Err(refusal(&e)),
                Some(Ok(p)) => p,
            });
        }
        self.provider
            .as_ref()
            .ok_or_else(|| unknown("no OpenID provider"))
    }

    /// The authorization request and the hosts the capture script may run on.
    pub(super) async fn authorize(
        &mut self,
        options: &AuthorizeOptions,
        took: &mut Option<Duration>,
    ) -> Result<(PendingAuthorization, Vec<String>), Input> {
        let hosts = hosts::idp_hosts(&self.url, &[]);
        let provider = self.provider(took).await?;
        let pending = provider.authorize(options).map_err(|e| refusal(&e))?;
        *took = None;
        Ok((pending, hosts))
    }

    /// Redeems the code. `Ok((who, problem))`: the code was redeemed; a
    /// refused ID token is reported at the next step, like Entra's.
    pub(super) async fn exchange_code(
        &mut self,
        pending: &PendingAuthorization,
        code: &SecretString,
        took: &mut Option<Duration>,
    ) -> Result<(Option<OidcIdentity>, Option<String>), Input> {
        let provider = self.provider(took).await?;
        match bounded(provider.exchange_code(pending, code), took).await {
            None => Err(too_slow("code exchange")),
            Some(Ok((_tokens, who))) => Ok((Some(who), None)),
            Some(Err(e @ (OidcError::IdToken(_) | OidcError::Jwks(_)))) => {
                Ok((None, Some(e.to_string())))
            }
            Some(Err(e)) => Err(refusal(&e)),
        }
    }

    /// The provider's password grant for `username`. Web sign-in: verified
    /// only when its ID token names the `iss` + `sub` that signed in. Native:
    /// that ID token is the identity.
    pub(super) async fn check_password(
        &mut self,
        username: &str,
        password: &SecretString,
        ctx: &mut Ctx,
    ) -> Input {
        let provider = match self.provider(&mut ctx.took).await {
            Ok(p) => p,
            Err(input) => return input,
        };
        let answer = match bounded(provider.check_password(username, password), &mut ctx.took).await
        {
            None => return too_slow("password check"),
            Some(a) => a,
        };
        let (verdict, binding) = match answer {
            OidcPasswordCheck::Verified(checked) => {
                let checked_id = EntraId::open_id(&checked.issuer, &checked.subject);
                let owner = match &ctx.identity {
                    Some(identity) => PasswordOwner::of(identity),
                    // Native: the grant's own ID token names the person.
                    None => PasswordOwner {
                        id: checked_id.clone(),
                        username: username.to_owned(),
                    },
                };
                let accepted = EntraAccepted::IdToken(&checked_id);
                match VerifiedPassword::bind(&owner, password.clone(), accepted) {
                    Ok(v) => {
                        ctx.verified = Some(v);
                        if ctx.identity.is_none() {
                            ctx.open_id = Some(checked);
                        }
                        (PasswordVerdict::Verified, Binding::ThisIdentity)
                    }
                    Err(refused) => {
                        tracing::warn!(%refused, "the provider verified the password for another person");
                        (PasswordVerdict::Verified, Binding::OtherIdentity)
                    }
                }
            }
            OidcPasswordCheck::WrongPassword => (
                PasswordVerdict::WrongPassword { code: NO_AADSTS },
                Binding::NotApplicable,
            ),
            OidcPasswordCheck::Refused { error, description } => (
                PasswordVerdict::Misconfigured {
                    code: None,
                    fix: format!(
                        "the OpenID provider refused the password grant: {error} ({description}); allow the resource-owner password grant for client {} at the provider",
                        self.cfg
                            .ropg_client_id
                            .as_deref()
                            .unwrap_or(&self.cfg.client_id)
                    ),
                },
                Binding::NotApplicable,
            ),
            OidcPasswordCheck::Unreachable(why) => (
                PasswordVerdict::Unreachable {
                    reason: format!("the OpenID provider: {why}"),
                },
                Binding::NotApplicable,
            ),
        };
        Input::PasswordChecked { verdict, binding }
    }
}

/// A failure on the way to the provider: no answer is a fault (the offline
/// rules decide), anything else is the profile's or the provider's setup.
fn refusal(e: &OidcError) -> Input {
    match e {
        OidcError::Transport(t) => unreachable(format!("the OpenID provider: {t}")),
        OidcError::Token(sesame_entra::token::TokenError::Transport(t)) => {
            unreachable(format!("the OpenID provider: {t}"))
        }
        OidcError::Unavailable { .. } => unreachable(e.to_string()),
        // Not an OAuth answer (an outage page, a captive portal, a cut-off
        // body): read by its HTTP shape, as for Entra.
        OidcError::Token(sesame_entra::token::TokenError::Unexpected(u)) => Input::Refused {
            verdict: sesame_entra::verdict_for_unexpected(u, std::time::SystemTime::now()),
            detail: "the OpenID provider's token endpoint".into(),
        },
        other => Input::Refused {
            verdict: PasswordVerdict::Misconfigured {
                code: None,
                fix: format!(
                    "{other}; check OIDCDiscoveryURL, OIDCClientID and OIDCRedirectURI against the provider's client settings"
                ),
            },
            detail: String::new(),
        },
    }
}

/// The name a password is checked for: `preferred_username`, else `email`,
/// else `sub`.
fn username(who: &OidcIdentity) -> String {
    who.preferred_username
        .clone()
        .or_else(|| who.email.clone())
        .unwrap_or_else(|| who.subject.clone())
}

/// The machine's view of who signed in.
pub(super) fn who(who: &OidcIdentity) -> Who {
    Who {
        id: EntraId::open_id(&who.issuer, &who.subject),
        username: username(who),
        overage: false,
    }
}

/// The identity provisioning uses, and its groups (the `groups` claim, or
/// not emitted: group rules fail closed).
pub(super) fn identity(who: &OidcIdentity) -> (Identity, Groups) {
    let groups = match &who.groups {
        Some(ids) => Groups::Known { ids: ids.clone() },
        None => Groups::NotEmitted,
    };
    let mut extra = BTreeMap::new();
    extra.insert("sub".to_owned(), who.subject.clone());
    for (claim, value) in [
        ("preferred_username", &who.preferred_username),
        ("email", &who.email),
        ("name", &who.name),
    ] {
        if let Some(v) = value {
            extra.insert(claim.to_owned(), v.clone());
        }
    }
    let identity = Identity {
        id: EntraId::open_id(&who.issuer, &who.subject),
        username: username(who),
        upn: None,
        name: who.name.clone(),
        given_name: None,
        family_name: None,
        groups: groups.clone(),
        roles: Vec::new(),
        extra_claims: extra,
    };
    (identity, groups)
}
