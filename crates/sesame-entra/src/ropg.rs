//! The password check: a resource-owner password (ROPG) request and its
//! verdict.
//!
//! v2 (`/oauth2/v2.0/token` with `scope=`) or v1 (`/oauth2/token` with
//! `resource=`). `auto` tries v2 first; a protocol mix-up answer (AADSTS
//! 900144, 901002, 9001023) moves it to v1, and the endpoint that gave a real
//! answer is remembered. A mix-up is never a password verdict.

use secrecy::{ExposeSecret, SecretString};

use crate::catalog::Catalog;
use crate::claims::EntraClaims;
use crate::client::EntraClient;
use crate::config::ClientConfig;
use crate::discovery::{DiscoveryError, Version};
use crate::error::EntraError;
use crate::http::TransportError;
use crate::token::{TokenError, TokenSet, parse_token_response, scope_string};
use crate::verdict::{
    PROTOCOL_MISMATCH_CODES, PasswordVerdict, verdict_for_error, verdict_for_unexpected,
};

/// The result of one password check.
///
/// [`PasswordVerdict::Verified`] comes only with tokens *and* a validated ID
/// token ([`PasswordCheck::claims`]): tokens without an ID token are not a
/// verified password (nothing says whose password it was). The issued tokens
/// are private, so a check with tokens can only come from this crate.
#[derive(Debug)]
pub struct PasswordCheck {
    /// The verdict.
    pub verdict: PasswordVerdict,
    /// Which endpoint gave the answer, when one did.
    pub endpoint: Option<Version>,
    /// Entra's error (trace and correlation IDs for the sync log).
    pub error: Option<EntraError>,
    /// The username the password grant sent (trimmed).
    pub username: String,
    issued: Option<Issued>,
}

/// Tokens Entra issued for a password grant, with the validated claims of
/// their ID token (the two always come together).
#[derive(Debug)]
pub struct Issued {
    /// The validated ID-token claims.
    pub claims: EntraClaims,
    /// The tokens (e.g. for Graph group overage).
    pub tokens: TokenSet,
}

impl PasswordCheck {
    fn verdict_only(verdict: PasswordVerdict) -> Self {
        Self {
            verdict,
            endpoint: None,
            error: None,
            username: String::new(),
            issued: None,
        }
    }

    /// The validated ID-token claims, when tokens were issued.
    pub fn claims(&self) -> Option<&EntraClaims> {
        self.issued.as_ref().map(|i| &i.claims)
    }

    /// The tokens, when issued.
    pub fn tokens(&self) -> Option<&TokenSet> {
        self.issued.as_ref().map(|i| &i.tokens)
    }

    /// The tokens and claims, when issued.
    pub fn issued(&self) -> Option<&Issued> {
        self.issued.as_ref()
    }
}

/// The body of a password (ROPG) grant, built in one place for the product's
/// check and the doctor's probes, so both send the same request: v2 sends
/// `scope=openid …`, v1 sends `resource=…` and `scope=openid` (so both
/// families return an ID token, which binds the password to an identity).
/// `Debug` never shows the password or the client secret.
pub struct PasswordGrantForm<'a> {
    cfg: &'a ClientConfig,
    version: Version,
    username: &'a str,
    password: Option<&'a SecretString>,
    scope: String,
}

impl std::fmt::Debug for PasswordGrantForm<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.pairs().into_iter().map(|(k, _)| k).collect();
        f.debug_struct("PasswordGrantForm")
            .field("version", &self.version)
            .field("username", &self.username)
            .field("fields", &names)
            .finish()
    }
}

impl<'a> PasswordGrantForm<'a> {
    /// The grant for `username` on the `version` endpoint. `password` is
    /// `None` for the doctor's app probe (a request that cannot sign anybody
    /// in, but makes Entra judge the app registration).
    pub fn new(
        cfg: &'a ClientConfig,
        version: Version,
        username: &'a str,
        password: Option<&'a SecretString>,
    ) -> Self {
        let scope = match version {
            Version::V2 => scope_string(&cfg.ropg_scopes),
            Version::V1 => "openid".to_owned(),
        };
        Self {
            cfg,
            version,
            username,
            password,
            scope,
        }
    }

    /// The form fields, in order. The values borrow the secrets: send them
    /// and drop them.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        let cfg = self.cfg;
        let mut form: Vec<(&'static str, &str)> = vec![
            ("grant_type", "password"),
            ("client_id", cfg.ropg_client_id()),
            ("username", self.username),
        ];
        if let Some(p) = self.password {
            form.push(("password", p.expose_secret()));
        }
        if self.version == Version::V1 {
            form.push(("resource", &cfg.ropg_resource));
        }
        form.push(("scope", &self.scope));
        if cfg.ropg_client_id.is_none()
            && let Some(secret) = &cfg.client_secret
        {
            form.push(("client_secret", secret.expose_secret()));
        }
        form
    }
}

/// The password was not sent to Entra at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRefused {
    /// Leading or trailing spaces.
    #[error(
        "the password starts or ends with a space; Entra ID does not support passwords with leading or trailing spaces, so it was not sent (change the password)"
    )]
    SurroundingWhitespace,
    /// Empty password.
    #[error("the password is empty")]
    Empty,
    /// Empty username.
    #[error("the username is empty")]
    EmptyUsername,
}

/// Refuses passwords Entra cannot hold, before anything is sent.
pub fn precheck(username: &str, password: &SecretString) -> Result<(), PasswordRefused> {
    let p = password.expose_secret();
    if username.trim().is_empty() {
        return Err(PasswordRefused::EmptyUsername);
    }
    if p.is_empty() {
        return Err(PasswordRefused::Empty);
    }
    if p.trim() != p {
        return Err(PasswordRefused::SurroundingWhitespace);
    }
    Ok(())
}

impl EntraClient {
    /// Checks `password` for `username` with the password grant and returns
    /// the verdict. Network trouble and unexpected answers become verdicts
    /// too (`Unreachable`, `Unknown`); only an unusable password is an `Err`.
    pub async fn check_password(
        &self,
        username: &str,
        password: &SecretString,
    ) -> Result<PasswordCheck, PasswordRefused> {
        precheck(username, password)?;
        let username = username.trim();
        let mut check = self.check_password_inner(username, password).await;
        username.clone_into(&mut check.username);
        tracing::info!(
            verdict = check.verdict.name(),
            code = ?check.verdict.code(),
            endpoint = ?check.endpoint,
            trace_id = ?check.error.as_ref().and_then(|e| e.trace_id.as_deref()),
            correlation_id = ?check.error.as_ref().and_then(|e| e.correlation_id.as_deref()),
            "password check"
        );
        Ok(check)
    }

    async fn check_password_inner(&self, username: &str, password: &SecretString) -> PasswordCheck {
        let disco = match self.discovery().await {
            Ok(d) => d,
            Err(e) => return PasswordCheck::verdict_only(self.verdict_for_discovery(&e)),
        };
        let order: Vec<Version> = match self.ropg_endpoint() {
            Some(v) => vec![v],
            None => vec![Version::V2, Version::V1],
        };
        let auto = order.len() > 1;
        let mut last_mixup: Option<EntraError> = None;
        for (i, version) in order.iter().copied().enumerate() {
            let url = &disco.metadata(version).token_endpoint;
            let cfg = self.config();
            let grant = PasswordGrantForm::new(cfg, version, username, Some(password));
            let resp = match self.http().post_form(url, &grant.pairs()).await {
                Ok(r) => r,
                Err(e) => return PasswordCheck::verdict_only(unreachable(&e)),
            };
            match parse_token_response(&resp) {
                Ok(tokens) => {
                    if auto {
                        self.remember_ropg_endpoint(version);
                    }
                    return self.verified(tokens, version).await;
                }
                Err(TokenError::Entra(err)) => {
                    let more = i + 1 < order.len();
                    if err.has_any_code(&PROTOCOL_MISMATCH_CODES) && more {
                        tracing::info!(endpoint = ?version, code = ?err.code(), "protocol mix-up: trying the other token endpoint");
                        last_mixup = Some(*err);
                        continue;
                    }
                    if auto
                        && !err.has_any_code(&PROTOCOL_MISMATCH_CODES)
                        && err.status < 500
                        && err.status != 429
                    {
                        self.remember_ropg_endpoint(version);
                    }
                    let verdict =
                        verdict_for_error(&err, &cfg.success_codes, Catalog::builtin(), self.now());
                    return PasswordCheck {
                        verdict,
                        endpoint: Some(version),
                        error: Some(*err),
                        username: String::new(),
                        issued: None,
                    };
                }
                Err(TokenError::Unexpected(u)) => {
                    let mut c = PasswordCheck::verdict_only(verdict_for_unexpected(&u, self.now()));
                    c.endpoint = Some(version);
                    return c;
                }
                Err(other) => {
                    return PasswordCheck::verdict_only(PasswordVerdict::Unknown {
                        code: None,
                        raw: other.to_string(),
                    });
                }
            }
        }
        // Every endpoint answered with a protocol mix-up.
        let verdict = match &last_mixup {
            Some(err) => verdict_for_error(
                err,
                &self.config().success_codes,
                Catalog::builtin(),
                self.now(),
            ),
            None => PasswordVerdict::Unknown {
                code: None,
                raw: "no token endpoint was tried".into(),
            },
        };
        PasswordCheck {
            verdict,
            endpoint: order.last().copied(),
            error: last_mixup,
            username: String::new(),
            issued: None,
        }
    }

    /// Tokens were issued: only a validated ID token makes them a verified
    /// password. No ID token, or one that fails validation, is `Unknown`.
    async fn verified(&self, tokens: TokenSet, version: Version) -> PasswordCheck {
        let unknown = |raw: String| PasswordCheck {
            verdict: PasswordVerdict::Unknown { code: None, raw },
            endpoint: Some(version),
            error: None,
            username: String::new(),
            issued: None,
        };
        let Some(id) = &tokens.id_token else {
            return unknown(
                "Entra issued tokens without an ID token, so nothing says whose password it verified (Sesame asks for `openid`; check that nothing between the Mac and Entra strips it)"
                    .to_owned(),
            );
        };
        match self
            .validate_id_token(id, version, self.config().ropg_client_id(), None)
            .await
        {
            Ok(claims) => PasswordCheck {
                verdict: PasswordVerdict::Verified,
                endpoint: Some(version),
                error: None,
                username: String::new(),
                issued: Some(Issued { claims, tokens }),
            },
            Err(e) => unknown(format!(
                "Entra issued tokens but the ID token was refused: {e}"
            )),
        }
    }

    fn verdict_for_discovery(&self, e: &DiscoveryError) -> PasswordVerdict {
        match e {
            DiscoveryError::Transport(t) => unreachable(t),
            DiscoveryError::Http {
                status,
                entra: Some(err),
                ..
            } if *status < 500 => verdict_for_error(
                err,
                &self.config().success_codes,
                Catalog::builtin(),
                self.now(),
            ),
            _ if e.is_fault() => PasswordVerdict::Unreachable {
                reason: e.to_string(),
            },
            other => PasswordVerdict::Misconfigured {
                code: None,
                fix: other.to_string(),
            },
        }
    }
}

fn unreachable(e: &TransportError) -> PasswordVerdict {
    match e {
        TransportError::InsecureUrl { .. } => PasswordVerdict::Misconfigured {
            code: None,
            fix: e.to_string(),
        },
        _ => PasswordVerdict::Unreachable {
            reason: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_entra_cannot_hold_are_refused_up_front() {
        let s = |p: &str| SecretString::from(p.to_owned());
        assert_eq!(
            precheck("ada", &s(" hunter2")),
            Err(PasswordRefused::SurroundingWhitespace)
        );
        assert_eq!(
            precheck("ada", &s("hunter2\t")),
            Err(PasswordRefused::SurroundingWhitespace)
        );
        assert_eq!(precheck("ada", &s("")), Err(PasswordRefused::Empty));
        assert_eq!(precheck(" ", &s("x")), Err(PasswordRefused::EmptyUsername));
        assert_eq!(precheck("ada", &s("hun ter2")), Ok(()));
        let msg = PasswordRefused::SurroundingWhitespace.to_string();
        assert!(msg.contains("leading or trailing spaces"));
    }
}
