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
use crate::discovery::{DiscoveryError, Version};
use crate::error::EntraError;
use crate::http::TransportError;
use crate::token::{TokenError, TokenSet, parse_token_response, scope_string};
use crate::verdict::{
    PROTOCOL_MISMATCH_CODES, PasswordVerdict, verdict_for_error, verdict_for_unexpected,
};

/// The result of one password check.
#[derive(Debug)]
pub struct PasswordCheck {
    /// The verdict.
    pub verdict: PasswordVerdict,
    /// Which endpoint gave the answer, when one did.
    pub endpoint: Option<Version>,
    /// Entra's error (trace and correlation IDs for the sync log).
    pub error: Option<EntraError>,
    /// The validated ID-token claims, when tokens were issued.
    pub claims: Option<EntraClaims>,
    /// The tokens, when issued (e.g. for Graph group overage).
    pub tokens: Option<TokenSet>,
}

impl PasswordCheck {
    fn verdict_only(verdict: PasswordVerdict) -> Self {
        Self {
            verdict,
            endpoint: None,
            error: None,
            claims: None,
            tokens: None,
        }
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
        let check = self.check_password_inner(username, password).await;
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
            let scopes = scope_string(&self.config().ropg_scopes);
            let cfg = self.config();
            let mut form: Vec<(&str, &str)> = vec![
                ("grant_type", "password"),
                ("client_id", cfg.ropg_client_id()),
                ("username", username),
                ("password", password.expose_secret()),
            ];
            match version {
                Version::V2 => form.push(("scope", &scopes)),
                Version::V1 => {
                    form.push(("resource", &cfg.ropg_resource));
                    form.push(("scope", "openid"));
                }
            }
            if cfg.ropg_client_id.is_none()
                && let Some(secret) = &cfg.client_secret
            {
                form.push(("client_secret", secret.expose_secret()));
            }
            let resp = match self.http().post_form(url, &form).await {
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
                        claims: None,
                        tokens: None,
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
            claims: None,
            tokens: None,
        }
    }

    /// Tokens were issued: validate the ID token (if any) before saying so.
    async fn verified(&self, tokens: TokenSet, version: Version) -> PasswordCheck {
        let claims = match &tokens.id_token {
            None => None,
            Some(id) => match self
                .validate_id_token(id, version, self.config().ropg_client_id(), None)
                .await
            {
                Ok(c) => Some(c),
                Err(e) => {
                    return PasswordCheck {
                        verdict: PasswordVerdict::Unknown {
                            code: None,
                            raw: format!("Entra issued tokens but the ID token was refused: {e}"),
                        },
                        endpoint: Some(version),
                        error: None,
                        claims: None,
                        tokens: None,
                    };
                }
            },
        };
        PasswordCheck {
            verdict: PasswordVerdict::Verified,
            endpoint: Some(version),
            error: None,
            claims,
            tokens: Some(tokens),
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
            DiscoveryError::Http { status, .. } if *status >= 500 || *status == 429 => {
                PasswordVerdict::Unreachable {
                    reason: e.to_string(),
                }
            }
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
