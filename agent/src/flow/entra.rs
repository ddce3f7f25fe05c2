//! The requests that talk to the identity provider: the web sign-in, the
//! redirect, the code exchange, the ID token, groups, the password check.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sesame_core::identity::Groups;
use sesame_core::login::{Binding, Captured, Input, PasswordSource, WebProblem, Who};
use sesame_core::password_binding::{BindingRefused, PasswordOwner};
use sesame_core::verdict::PasswordVerdict;
use sesame_entra::authorize::{AuthorizeOptions, Prompt, RedirectError, parse_redirect};
use sesame_entra::client::AuthorizeRequestError;
use sesame_entra::discovery::DiscoveryError;
use sesame_entra::token::TokenError;
use sesame_entra::{Catalog, EntraError, PasswordCheckFor, PasswordSignIn, verdict_for_error};

use super::{Agent, Ctx, Idp, bounded};
use crate::web::{CapturedPassword, WebLogin, WebLoginError, WebSignInRequest, hosts};

/// How long a person may take on the sign-in pages.
pub const WEB_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(600);

pub(super) fn unreachable(reason: impl Into<String>) -> Input {
    Input::Refused {
        verdict: PasswordVerdict::Unreachable {
            reason: reason.into(),
        },
        detail: String::new(),
    }
}

pub(super) fn too_slow(what: &str) -> Input {
    unreachable(format!(
        "{what}: no answer within {} s",
        sesame_core::login::FAULT_DEADLINE.as_secs()
    ))
}

fn same_secret(a: &SecretString, b: &SecretString) -> bool {
    sesame_core::constant_time::eq(a.expose_secret().as_bytes(), b.expose_secret().as_bytes())
}

impl Agent {
    fn verdict_for(&self, err: &EntraError) -> PasswordVerdict {
        match &self.idp {
            Idp::Entra(c) => {
                verdict_for_error(err, &c.config().success_codes, Catalog::builtin(), c.now())
            }
            // Another OpenID provider: no AADSTS catalog, read by `error` only.
            Idp::OpenId(_) => PasswordVerdict::Unknown {
                code: None,
                raw: format!("the OpenID provider answered {}", err.error),
            },
        }
    }

    pub(super) fn now(&self) -> std::time::SystemTime {
        match &self.idp {
            Idp::Entra(c) => c.now(),
            Idp::OpenId(_) => std::time::SystemTime::now(),
        }
    }

    fn catalog_fix(code: Option<u32>) -> String {
        code.and_then(|c| Catalog::builtin().get(c))
            .map(|e| e.fix_with_portal())
            .unwrap_or_default()
    }

    fn discovery_refusal(&self, e: &DiscoveryError) -> Input {
        match e {
            _ if e.is_fault() => unreachable(e.to_string()),
            DiscoveryError::Http {
                entra: Some(err), ..
            } => Input::Refused {
                verdict: self.verdict_for(err),
                detail: e.to_string(),
            },
            _ => Input::Refused {
                verdict: PasswordVerdict::Misconfigured {
                    code: None,
                    fix: e.to_string(),
                },
                detail: String::new(),
            },
        }
    }

    pub(super) async fn web_sign_in<W: WebLogin>(
        &mut self,
        web: &mut W,
        hint: Option<&str>,
        ctx: &mut Ctx,
    ) -> Input {
        let options = AuthorizeOptions {
            prompt: Some(Prompt::Login),
            login_hint: hint.map(str::to_owned),
            domain_hint: None,
        };
        let client = match &mut self.idp {
            Idp::Entra(c) => c,
            Idp::OpenId(op) => {
                return match op.authorize(&options, &mut ctx.took).await {
                    Ok((pending, hosts)) => self.open_web(web, pending, hosts, ctx).await,
                    Err(input) => input,
                };
            }
        };
        let pending = match bounded(client.authorize(&options), &mut ctx.took).await {
            None => return too_slow("discovery"),
            Some(Err(AuthorizeRequestError::Discovery(e))) => return self.discovery_refusal(&e),
            Some(Err(e)) => {
                return Input::Refused {
                    verdict: PasswordVerdict::Misconfigured {
                        code: None,
                        fix: e.to_string(),
                    },
                    detail: String::new(),
                };
            }
            Some(Ok(p)) => p,
        };
        ctx.took = None;
        let authority = url::Url::parse(&self.settings.authority()).ok();
        let idp_hosts = authority
            .map(|a| hosts::idp_hosts(&a, &[]))
            .unwrap_or_default();
        self.open_web(web, pending, idp_hosts, ctx).await
    }

    /// Opens the sign-in pages and waits for the redirect.
    async fn open_web<W: WebLogin>(
        &mut self,
        web: &mut W,
        pending: sesame_entra::authorize::PendingAuthorization,
        idp_hosts: Vec<String>,
        ctx: &mut Ctx,
    ) -> Input {
        let req = WebSignInRequest::new(
            pending.url.clone(),
            pending.redirect_uri.clone(),
            idp_hosts,
            WEB_SIGN_IN_TIMEOUT,
        )
        .trusting(self.settings.trusted_root_certificates.clone());
        ctx.pending = Some(pending);
        match web.sign_in(req).await {
            Ok(done) => {
                let captured = match &done.captured {
                    CapturedPassword::None => Captured::Nothing,
                    CapturedPassword::Current(_) => Captured::Current,
                    CapturedPassword::New(_) => Captured::New,
                };
                ctx.redirect = Some(done.redirect);
                ctx.captured = Some(done.captured);
                Input::WebFinished(captured)
            }
            Err(e) => Input::WebFailed(match e {
                WebLoginError::NoDisplay => WebProblem::NoDisplay,
                WebLoginError::BrowserMissing(d) => WebProblem::BrowserMissing(d),
                WebLoginError::Closed => WebProblem::Closed,
                WebLoginError::TimedOut(_) => WebProblem::TimedOut,
                WebLoginError::Browser(d) => WebProblem::Browser(d),
            }),
        }
    }

    pub(super) fn parse_redirect(&mut self, ctx: &mut Ctx) -> Input {
        let (Some(pending), Some(redirect)) = (&ctx.pending, &ctx.redirect) else {
            return unknown("no redirect was captured");
        };
        match parse_redirect(pending, redirect.expose_secret()) {
            Ok(code) => {
                ctx.code = Some(code);
                Input::RedirectOk
            }
            Err(RedirectError::Entra { error, code, .. }) => {
                // An authorize error has Entra's meaning by code, like a
                // token-endpoint answer: classify it the same way.
                let err = EntraError {
                    status: 400,
                    error: error.clone(),
                    error_codes: code.into_iter().collect(),
                    description: String::new(),
                    suberror: None,
                    trace_id: None,
                    correlation_id: None,
                    timestamp: None,
                    error_uri: None,
                    retry_after: None,
                };
                let fix = Self::catalog_fix(code);
                Input::Refused {
                    verdict: self.verdict_for(&err),
                    detail: format!("the sign-in page returned {error}; {fix}"),
                }
            }
            Err(e) => unknown(&e.to_string()),
        }
    }

    pub(super) async fn exchange_code(&mut self, ctx: &mut Ctx) -> Input {
        let (Some(pending), Some(code)) = (ctx.pending.as_ref(), ctx.code.take()) else {
            return unknown("no authorization code to redeem");
        };
        let client = match &mut self.idp {
            Idp::Entra(c) => &**c,
            Idp::OpenId(op) => {
                let r = op.exchange_code(pending, &code, &mut ctx.took).await;
                return match r {
                    Ok((who, problem)) => {
                        ctx.open_id = who;
                        ctx.token_problem = problem;
                        Input::CodeExchanged
                    }
                    Err(input) => input,
                };
            }
        };
        let result = bounded(client.exchange_code(pending, &code), &mut ctx.took).await;
        match result {
            None => too_slow("code exchange"),
            Some(Ok(signin)) => {
                ctx.signin = Some(signin);
                Input::CodeExchanged
            }
            // The code was redeemed; its ID token is refused at the next step.
            Some(Err(
                e @ (TokenError::MalformedTokens(_)
                | TokenError::NoIdToken
                | TokenError::IdToken(_)
                | TokenError::Jwks(_)),
            )) => {
                ctx.token_problem = Some(e.to_string());
                Input::CodeExchanged
            }
            Some(Err(e)) => self.token_refusal(e, ctx),
        }
    }

    /// A token request that failed: a fault, Entra's refusal (classified,
    /// with the catalog's fix), or an answer that is not Entra's.
    pub(super) fn token_refusal(&self, e: TokenError, ctx: &mut Ctx) -> Input {
        match e {
            TokenError::Transport(e) => unreachable(e.to_string()),
            TokenError::Entra(err) => {
                ctx.ids = Some(ids(&err));
                Input::Refused {
                    verdict: self.verdict_for(&err),
                    detail: Self::catalog_fix(err.code()),
                }
            }
            TokenError::Unexpected(u) => Input::Refused {
                verdict: sesame_entra::verdict_for_unexpected(&u, self.now()),
                detail: String::new(),
            },
            TokenError::Discovery(e) => self.discovery_refusal(&e),
            other => unknown(&other.to_string()),
        }
    }

    pub(super) fn validate_token(&mut self, ctx: &mut Ctx) -> Input {
        if let Some(problem) = ctx.token_problem.take() {
            return unknown(&format!("the ID token was refused: {problem}"));
        }
        if let Some(who) = &ctx.open_id {
            return Input::TokenValidated(super::generic::who(who));
        }
        let claims = match (&ctx.signin, &ctx.native_claims) {
            (Some(s), _) => &s.claims,
            (None, Some(c)) => c,
            _ => return unknown("no validated ID token"),
        };
        Input::TokenValidated(Who {
            id: sesame_core::identity::EntraId {
                oid: claims.oid.clone(),
                tid: claims.tid.clone(),
            },
            username: claims.username().to_owned(),
            overage: claims.has_group_overage(),
        })
    }

    pub(super) async fn resolve_groups(&mut self, overage: bool, ctx: &mut Ctx) -> Input {
        let client = match &self.idp {
            Idp::Entra(c) => c,
            Idp::OpenId(_) => {
                let Some(who) = &ctx.open_id else {
                    return unknown("no validated ID token");
                };
                let (identity, groups) = super::generic::identity(who);
                ctx.identity = Some(identity);
                return Input::GroupsResolved {
                    groups,
                    from_graph: false,
                };
            }
        };
        let claims = match (&ctx.signin, &ctx.native_claims) {
            (Some(s), _) => s.claims.clone(),
            (None, Some(c)) => c.clone(),
            _ => return unknown("no validated ID token"),
        };
        let token = ctx
            .signin
            .as_ref()
            .map(|s| s.tokens.access_token.clone())
            .or_else(|| ctx.graph_token.clone());
        let groups = match bounded(
            client.resolve_groups(&claims, token.as_ref()),
            &mut ctx.took,
        )
        .await
        {
            Some(g) => g,
            None => Groups::Unknown {
                reason: "Graph did not answer within 10 s".into(),
            },
        };
        ctx.identity = Some(claims.to_identity(groups.clone()));
        Input::GroupsResolved {
            groups,
            from_graph: overage,
        }
    }

    pub(super) fn use_captured(&mut self, ctx: &mut Ctx) -> Input {
        let (secret, source) = match &ctx.captured {
            Some(CapturedPassword::Current(p)) => (p.clone(), PasswordSource::CapturedCurrent),
            Some(CapturedPassword::New(p)) => (p.clone(), PasswordSource::CapturedNew),
            _ => return Input::PasswordDeclined,
        };
        self.obtained(Some((secret, source)), ctx)
    }

    pub(super) fn obtained(
        &mut self,
        typed: Option<(SecretString, PasswordSource)>,
        ctx: &mut Ctx,
    ) -> Input {
        let Some((password, source)) = typed else {
            return Input::PasswordDeclined;
        };
        let already_refused = ctx.refused.iter().any(|r| same_secret(r, &password));
        ctx.password = Some(password);
        Input::PasswordObtained {
            source,
            already_refused,
        }
    }

    /// The password check, bound to the identity: verified only when the
    /// password grant's ID token names the signed-in oid + tid, or (an MFA
    /// interrupt, no tokens) when the name sent was the validated token's own
    /// (`sesame_entra::binding`). Native: the grant's ID token is the identity.
    pub(super) async fn check_password(&mut self, username: &str, ctx: &mut Ctx) -> Input {
        let Some(password) = ctx.password.clone() else {
            return unknown("no password to check");
        };
        let refused = |e: sesame_entra::PasswordRefused| Input::Refused {
            verdict: PasswordVerdict::Unknown {
                code: None,
                raw: e.to_string(),
            },
            detail: String::new(),
        };
        let client = match &mut self.idp {
            Idp::Entra(c) => &**c,
            Idp::OpenId(op) => {
                let input = op.check_password(username, &password, ctx).await;
                if let Input::PasswordChecked { verdict, .. } = &input {
                    if verdict.is_wrong_password() {
                        ctx.refused.push(password);
                    }
                    ctx.verdict = Some(verdict.clone());
                }
                return input;
            }
        };
        let (check, binding) = match &ctx.identity {
            Some(identity) => {
                let owner = PasswordOwner::of(identity);
                let r = bounded(client.verify_password_for(&owner, &password), &mut ctx.took).await;
                match r {
                    None => return too_slow("password check"),
                    Some(Err(e)) => return refused(e),
                    Some(Ok(PasswordCheckFor::Verified { password, check })) => {
                        ctx.session = client.session_of_check(&check);
                        ctx.verified = Some(password);
                        (check, Binding::ThisIdentity)
                    }
                    Some(Ok(PasswordCheckFor::NotBound { refused, check })) => {
                        let b = match refused {
                            BindingRefused::NoIdToken => Binding::Unproven,
                            _ => Binding::OtherIdentity,
                        };
                        (check, b)
                    }
                    Some(Ok(PasswordCheckFor::NotVerified { check })) => {
                        (check, Binding::NotApplicable)
                    }
                }
            }
            None => {
                let r = bounded(
                    client.sign_in_with_password(username, &password),
                    &mut ctx.took,
                )
                .await;
                match r {
                    None => return too_slow("password check"),
                    Some(Err(e)) => return refused(e),
                    Some(Ok(PasswordSignIn::SignedIn {
                        claims,
                        password,
                        check,
                    })) => {
                        ctx.native_claims = Some(*claims);
                        ctx.session = client.session_of_check(&check);
                        ctx.graph_token = check.tokens().map(|t| t.access_token.clone());
                        ctx.verified = Some(password);
                        (check, Binding::ThisIdentity)
                    }
                    Some(Ok(PasswordSignIn::NotSignedIn { check })) => {
                        // An interrupt proves the password for the name typed;
                        // the machine refuses it natively ("use the web sign-in").
                        let b = match check.verdict {
                            PasswordVerdict::VerifiedInterrupted { .. } => Binding::ThisIdentity,
                            PasswordVerdict::Verified => Binding::Unproven,
                            _ => Binding::NotApplicable,
                        };
                        (check, b)
                    }
                }
            }
        };
        if let Some(err) = &check.error {
            ctx.ids = Some(ids(err));
        }
        if check.verdict.is_wrong_password() {
            ctx.refused.push(password);
        }
        ctx.verdict = Some(check.verdict.clone());
        Input::PasswordChecked {
            verdict: check.verdict.clone(),
            binding,
        }
    }
}

pub(super) fn unknown(what: &str) -> Input {
    Input::Refused {
        verdict: PasswordVerdict::Unknown {
            code: None,
            raw: what.to_owned(),
        },
        detail: String::new(),
    }
}

fn ids(err: &EntraError) -> (Option<uuid::Uuid>, Option<uuid::Uuid>) {
    let parse = |s: Option<&str>| s.and_then(|s| uuid::Uuid::parse_str(s).ok());
    (
        parse(err.trace_id.as_deref()),
        parse(err.correlation_id.as_deref()),
    )
}
