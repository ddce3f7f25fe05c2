//! Quiet mode's request: redeem the refresh token of the user's last
//! password sign-in, for the app that received it, instead of sending the
//! password. Entra revokes a public client's password-based refresh tokens
//! when the password changes or is reset (AADSTS50173 / 50133), so new
//! tokens mean "the password did not change" — and the tenant's sign-in log
//! shows a refresh, never a failed password sign-in.

use secrecy::{ExposeSecret, SecretString};
use sesame_core::identity::EntraId;
use sesame_core::recheck::RefreshSession;

use crate::catalog::Catalog;
use crate::claims::EntraClaims;
use crate::client::EntraClient;
use crate::discovery::Version;
use crate::id_token::{IdTokenError, NonceRule};
use crate::ropg::PasswordCheck;
use crate::token::{SignIn, TokenError, TokenSet, parse_token_response, scope_string};
use crate::verdict::{PasswordVerdict, verdict_for_error, verdict_for_unexpected};

/// The app a refresh token belongs to, and what to ask for when redeeming
/// it (a token can only be redeemed by the app it was issued to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshApp {
    /// The application (client) ID.
    pub client_id: String,
    /// The endpoint family that issued it.
    pub version: Version,
    /// Scopes (v2, space-separated) or the resource (v1).
    pub scope: String,
    /// Whether the redemption sends the client secret (a confidential
    /// client, whose tokens survive a password change).
    pub confidential: bool,
}

/// New tokens from a redeemed refresh token.
#[derive(Debug)]
pub struct Redeemed {
    /// The tokens: a rotated refresh token when Entra sent one, an access
    /// token (for Graph with the default scopes).
    pub tokens: TokenSet,
    /// The new ID token's validated claims, when one came.
    pub claims: Option<EntraClaims>,
}

impl EntraClient {
    /// The app a password grant on `version` issues its tokens to (the
    /// password-check app, with the password check's scopes or resource).
    pub fn password_grant_app(&self, version: Version) -> RefreshApp {
        let cfg = self.config();
        RefreshApp {
            client_id: cfg.ropg_client_id().to_owned(),
            version,
            scope: match version {
                Version::V2 => scope_string(&cfg.ropg_scopes),
                Version::V1 => cfg.ropg_resource.clone(),
            },
            // The password grant sends the secret only for the sign-in app.
            confidential: cfg.ropg_client_id.is_none() && cfg.client_secret.is_some(),
        }
    }

    /// The app an interactive (authorization-code) sign-in issues its
    /// tokens to.
    pub fn sign_in_app(&self) -> RefreshApp {
        let cfg = self.config();
        RefreshApp {
            client_id: cfg.client_id.clone(),
            version: Version::V2,
            scope: scope_string(&cfg.scopes),
            confidential: cfg.client_secret.is_some(),
        }
    }

    /// Redeems `refresh_token` for `app`, for identity `who`: one request.
    /// A new ID token is validated like any other (no nonce, or the
    /// original's) and must name the same oid + tid, or the answer is
    /// refused.
    pub async fn redeem_refresh_token(
        &self,
        refresh_token: &SecretString,
        app: &RefreshApp,
        who: &EntraId,
    ) -> Result<Redeemed, TokenError> {
        let disco = self.discovery().await?;
        let url = disco.metadata(app.version).token_endpoint.clone();
        let cfg = self.config();
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "refresh_token"),
            ("client_id", &app.client_id),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        match app.version {
            Version::V2 => form.push(("scope", &app.scope)),
            Version::V1 => form.push(("resource", &app.scope)),
        }
        if app.confidential
            && let Some(secret) = &cfg.client_secret
        {
            form.push(("client_secret", secret.expose_secret()));
        }
        let resp = self.http().post_form(&url, &form).await?;
        let tokens = parse_token_response(&resp)?;
        let claims = match &tokens.id_token {
            Some(t) => {
                let rule = NonceRule::Refreshed { original: None };
                let c = self
                    .validate_id_token_with(t, app.version, &app.client_id, rule, None)
                    .await?;
                for (claim, found, want) in [("oid", &c.oid, &who.oid), ("tid", &c.tid, &who.tid)] {
                    if !found.eq_ignore_ascii_case(want) {
                        return Err(TokenError::IdToken(IdTokenError::IdentityChanged { claim }));
                    }
                }
                Some(c)
            }
            None => None,
        };
        tracing::info!(oid = %who.oid, tid = %who.tid, "refresh token redeemed");
        Ok(Redeemed { tokens, claims })
    }
}

impl RefreshApp {
    /// The app a stored session names (`v1` or anything else: v2).
    pub fn of_session(s: &RefreshSession) -> Self {
        Self {
            client_id: s.client_id.clone(),
            version: if s.endpoint == "v1" {
                Version::V1
            } else {
                Version::V2
            },
            scope: s.scope.clone(),
            confidential: s.confidential,
        }
    }

    /// A session to keep for `who`, holding `refresh_token` of this app.
    pub fn session(
        &self,
        who: &EntraId,
        password_sign_in: bool,
        refresh_token: SecretString,
    ) -> RefreshSession {
        RefreshSession {
            id: who.clone(),
            client_id: self.client_id.clone(),
            endpoint: match self.version {
                Version::V1 => "v1".into(),
                Version::V2 => "v2".into(),
            },
            scope: self.scope.clone(),
            password_sign_in,
            confidential: self.confidential,
            refresh_token,
        }
    }
}

impl EntraClient {
    /// The session a verified password check leaves for quiet mode: its
    /// refresh token (when Entra issued one) with the password-check app. A
    /// password grant is always a password sign-in.
    pub fn session_of_check(&self, check: &PasswordCheck) -> Option<RefreshSession> {
        let issued = check.issued()?;
        let rt = issued.tokens.refresh_token.clone()?;
        let who = EntraId {
            oid: issued.claims.oid.clone(),
            tid: issued.claims.tid.clone(),
        };
        let app = self.password_grant_app(check.endpoint.unwrap_or(Version::V2));
        Some(app.session(&who, true, rt))
    }

    /// The session an interactive sign-in leaves: a password sign-in only
    /// when the ID token's `amr` says `pwd` (passwordless otherwise).
    pub fn session_of_sign_in(&self, signin: &SignIn) -> Option<RefreshSession> {
        let rt = signin.tokens.refresh_token.clone()?;
        let who = EntraId {
            oid: signin.claims.oid.clone(),
            tid: signin.claims.tid.clone(),
        };
        let password = signin.claims.amr.iter().any(|m| m == "pwd");
        Some(self.sign_in_app().session(&who, password, rt))
    }
}

impl EntraClient {
    /// What a failed redemption says, in the password check's vocabulary
    /// (the sync log's verdict, and quiet mode's rules): Entra's error by the
    /// catalog, no answer as unreachable, a refused ID token as a
    /// misconfiguration.
    pub fn verdict_for_refresh_error(&self, e: &TokenError) -> PasswordVerdict {
        match e {
            TokenError::Entra(err) => verdict_for_error(
                err,
                &self.config().success_codes,
                Catalog::builtin(),
                self.now(),
            ),
            TokenError::Unexpected(u) => verdict_for_unexpected(u, self.now()),
            TokenError::Transport(_) | TokenError::Discovery(_) | TokenError::Jwks(_) => {
                PasswordVerdict::Unreachable {
                    reason: e.to_string(),
                }
            }
            TokenError::MalformedTokens(_) | TokenError::NoIdToken | TokenError::IdToken(_) => {
                PasswordVerdict::Misconfigured {
                    code: None,
                    fix: format!("{e}; run `sesame doctor`"),
                }
            }
        }
    }
}
