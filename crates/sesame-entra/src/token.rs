//! Token-endpoint answers, the code exchange and the refresh grant, and
//! ID-token validation against the tenant's cached keys.

use openidconnect::Nonce;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use crate::authorize::PendingAuthorization;
use crate::claims::EntraClaims;
use crate::client::EntraClient;
use crate::discovery::{DiscoveryError, Version};
use crate::error::{BodyProblem, EntraError, UnexpectedResponse, parse_error_response, snippet};
use crate::http::{HttpResponse, TransportError};
use crate::id_token::{Expected, IdTokenError, NonceRule, validate};
use crate::jwks::JwksError;

/// Tokens from a successful token request. Every token is a secret.
pub struct TokenSet {
    /// `access_token`.
    pub access_token: SecretString,
    /// `id_token`, when issued.
    pub id_token: Option<SecretString>,
    /// `refresh_token`, when issued.
    pub refresh_token: Option<SecretString>,
    /// `token_type` (`Bearer`).
    pub token_type: String,
    /// `expires_in` seconds (v1 sends it as a string).
    pub expires_in: Option<u64>,
    /// `scope` granted (v2).
    pub scope: Option<String>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"[redacted]")
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish()
    }
}

/// A validated sign-in: tokens and the ID token's claims.
#[derive(Debug)]
pub struct SignIn {
    /// The tokens.
    pub tokens: TokenSet,
    /// The validated ID-token claims.
    pub claims: EntraClaims,
}

/// A token request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No answer.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Entra refused, with its error body.
    #[error("Entra refused the token request: {0}")]
    Entra(Box<EntraError>),
    /// Something that is not Entra answered.
    #[error("unexpected answer from the token endpoint: {0}")]
    Unexpected(Box<UnexpectedResponse>),
    /// 2xx, but not a token response.
    #[error("the token endpoint answered 2xx without usable tokens: {0}")]
    MalformedTokens(String),
    /// The answer had no ID token although one was required.
    #[error("the token endpoint issued no ID token (is `openid` among the scopes?)")]
    NoIdToken,
    /// The ID token failed validation.
    #[error(transparent)]
    IdToken(#[from] IdTokenError),
    /// The signing keys could not be fetched.
    #[error(transparent)]
    Jwks(#[from] JwksError),
    /// Discovery failed.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
}

#[derive(Deserialize)]
struct RawTokens {
    access_token: String,
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<Value>,
    #[serde(default)]
    scope: Option<String>,
}

/// Reads a token-endpoint answer: tokens on 2xx, else a typed error.
pub fn parse_token_response(resp: &HttpResponse) -> Result<TokenSet, TokenError> {
    if !resp.is_success() {
        return Err(
            match parse_error_response(
                resp.status,
                resp.content_type.as_deref(),
                resp.retry_after.as_deref(),
                &resp.body,
            ) {
                Ok(e) => TokenError::Entra(Box::new(e)),
                Err(u) => TokenError::Unexpected(Box::new(u)),
            },
        );
    }
    let raw: RawTokens = serde_json::from_slice(&resp.body).map_err(|e| {
        // A captive portal or proxy answering "200 OK" with its own page.
        let html = resp
            .content_type
            .as_deref()
            .is_some_and(|c| c.to_ascii_lowercase().contains("html"))
            || resp.body.trim_ascii_start().starts_with(b"<");
        if html {
            return TokenError::Unexpected(Box::new(UnexpectedResponse {
                status: resp.status,
                content_type: resp.content_type.clone(),
                problem: BodyProblem::Html,
                snippet: snippet(&resp.body),
                retry_after: None,
            }));
        }
        // Otherwise never echo the body or serde's message: either may hold a token.
        TokenError::MalformedTokens(format!(
            "not a token response ({:?} JSON error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    let token_type = raw.token_type.unwrap_or_else(|| "Bearer".into());
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(TokenError::MalformedTokens(format!(
            "token_type `{token_type}` is not Bearer"
        )));
    }
    Ok(TokenSet {
        access_token: SecretString::from(raw.access_token),
        id_token: raw
            .id_token
            .filter(|t| !t.is_empty())
            .map(SecretString::from),
        refresh_token: raw
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(SecretString::from),
        token_type,
        expires_in: match raw.expires_in {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        },
        scope: raw.scope,
    })
}

impl EntraClient {
    /// Redeems the authorization code from [`crate::authorize::parse_redirect`]
    /// (public client, or confidential with the configured secret) and
    /// validates the ID token, including the request's nonce.
    pub async fn exchange_code(
        &self,
        pending: &PendingAuthorization,
        code: &SecretString,
    ) -> Result<SignIn, TokenError> {
        let disco = self.discovery().await?;
        let url = disco.v2.token_endpoint.clone();
        let cfg = self.config();
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "authorization_code"),
            ("client_id", &cfg.client_id),
            ("code", code.expose_secret()),
            ("redirect_uri", &pending.redirect_uri),
            ("code_verifier", pending.pkce_verifier.secret()),
        ];
        if let Some(secret) = &cfg.client_secret {
            form.push(("client_secret", secret.expose_secret()));
        }
        let resp = self.http().post_form(&url, &form).await?;
        let tokens = parse_token_response(&resp)?;
        let id_token = tokens.id_token.as_ref().ok_or(TokenError::NoIdToken)?;
        let claims = self
            .validate_id_token(id_token, Version::V2, &cfg.client_id, Some(pending.nonce()))
            .await?;
        tracing::info!(oid = %claims.oid, tid = %claims.tid, "signed in with authorization code");
        Ok(SignIn { tokens, claims })
    }

    /// Uses a refresh token from the sign-in whose validated claims are
    /// `signed_in` (e.g. [`SignIn::claims`]). The new ID token, if any, is
    /// validated like any other and must continue that sign-in (OpenID
    /// Connect Core §12.2): same `iss`, `tid`, `oid` and `sub`, and a `nonce`,
    /// if present, equal to the original one.
    pub async fn refresh(
        &self,
        refresh_token: &SecretString,
        signed_in: &EntraClaims,
    ) -> Result<(TokenSet, Option<EntraClaims>), TokenError> {
        let disco = self.discovery().await?;
        let url = disco.v2.token_endpoint.clone();
        let cfg = self.config();
        let scope = scope_string(&cfg.scopes);
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "refresh_token"),
            ("client_id", &cfg.client_id),
            ("refresh_token", refresh_token.expose_secret()),
            ("scope", &scope),
        ];
        if let Some(secret) = &cfg.client_secret {
            form.push(("client_secret", secret.expose_secret()));
        }
        let resp = self.http().post_form(&url, &form).await?;
        let tokens = parse_token_response(&resp)?;
        let original_nonce = signed_in.extra.get("nonce").cloned().map(Nonce::new);
        let rule = NonceRule::Refreshed {
            original: original_nonce.as_ref(),
        };
        let claims = match &tokens.id_token {
            Some(t) => Some(
                self.validate_id_token_with(t, Version::V2, &cfg.client_id, rule, Some(signed_in))
                    .await?,
            ),
            None => None,
        };
        Ok((tokens, claims))
    }

    /// Validates an ID token of the given family against the tenant's keys:
    /// `nonce` by the grant's rule, and, for a refreshed token, the identity
    /// of the sign-in it continues (`same_identity_as`). The keys come from
    /// the cache while younger than their lifetime (at the client's clock);
    /// an unknown `kid` refetches them once (rate-limited).
    pub async fn validate_id_token_with(
        &self,
        token: &SecretString,
        version: Version,
        client_id: &str,
        nonce: NonceRule<'_>,
        same_identity_as: Option<&EntraClaims>,
    ) -> Result<EntraClaims, TokenError> {
        let disco = self.discovery().await?;
        let meta = disco.metadata(version);
        let now = self.now();
        let jwks_uri = &disco.v2.jwks_uri;
        let fetches = self.jwks().fetch_count();
        let keys = self.jwks().get(self.http(), jwks_uri, now).await?;
        let expected = Expected {
            version,
            issuer: &meta.issuer,
            client_id,
            tenant_id: disco.tenant_id(),
            nonce,
            same_identity_as,
            skew: self.config().clock_skew,
            now,
        };
        let result = match validate(token, &keys, &expected) {
            Err(IdTokenError::UnknownKey) if self.jwks().try_claim_forced_refetch(now) => {
                tracing::info!("ID token signed with an unknown key: refetching the JWKS once");
                let keys = self.jwks().refresh(self.http(), jwks_uri, now).await?;
                validate(token, &keys, &expected)
            }
            other => other,
        };
        // Keys fetched now (first use, past their lifetime, or an unknown
        // `kid`): the disk cache gets them too.
        if self.jwks().fetch_count() != fetches {
            self.write_disk_cache();
        }
        Ok(result?)
    }
}

/// `openid` plus the configured scopes, space-separated, without repeats.
pub(crate) fn scope_string(scopes: &[String]) -> String {
    let mut out = vec!["openid"];
    for s in scopes {
        if !out.contains(&s.as_str()) {
            out.push(s);
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            content_type: Some("application/json".into()),
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn v1_and_v2_token_answers_parse() {
        let v2 = parse_token_response(&resp(200, r#"{"token_type":"Bearer","scope":"openid profile","expires_in":3599,"ext_expires_in":3599,"access_token":"at","refresh_token":"rt","id_token":"it"}"#)).unwrap();
        assert_eq!(v2.expires_in, Some(3599));
        assert_eq!(v2.id_token.as_ref().unwrap().expose_secret(), "it");
        let v1 = parse_token_response(&resp(200, r#"{"token_type":"Bearer","expires_in":"3599","expires_on":"1700000000","resource":"00000003-0000-0000-c000-000000000000","access_token":"at"}"#)).unwrap();
        assert_eq!(v1.expires_in, Some(3599));
        assert!(v1.id_token.is_none());
        let shown = format!("{v2:?}");
        assert!(!shown.contains("\"at\"") && !shown.contains("rt") && shown.contains("redacted"));
    }

    #[test]
    fn errors_and_junk_are_typed() {
        let e = parse_token_response(&resp(
            400,
            r#"{"error":"invalid_grant","error_codes":[50126]}"#,
        ))
        .unwrap_err();
        assert!(matches!(e, TokenError::Entra(ref x) if x.error_codes == vec![50126]));
        let e = parse_token_response(&resp(502, "<html>")).unwrap_err();
        assert!(matches!(e, TokenError::Unexpected(_)));
        // A captive portal's "200 OK" page is not Entra either.
        let e = parse_token_response(&resp(200, "<html><body>Hotel Wi-Fi login</body></html>"))
            .unwrap_err();
        match e {
            TokenError::Unexpected(u) => assert_eq!(u.problem, BodyProblem::Html),
            other => panic!("{other:?}"),
        }
        let e = parse_token_response(&resp(
            200,
            r#"{"access_token":"secret-at","token_type":"mac"}"#,
        ))
        .unwrap_err();
        assert!(!e.to_string().contains("secret-at"));
        let e = parse_token_response(&resp(200, r#"{"access_token": "secret-at""#)).unwrap_err();
        assert!(
            matches!(e, TokenError::MalformedTokens(_)) && !e.to_string().contains("secret-at")
        );
    }

    #[test]
    fn scopes_always_include_openid_once() {
        assert_eq!(
            scope_string(&["profile".into(), "openid".into(), "api://a/b".into()]),
            "openid profile api://a/b"
        );
    }
}
