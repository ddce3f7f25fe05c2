//! The browser sign-in: `/{tenant}/oauth2/v2.0/authorize` and `/{tenant}/oauth2/authorize`,
//! then the username, password, expired-password and authenticator-code pages posted to
//! `/{tenant}/login`, ending in a redirect with `code` (or `error`) to the app.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::ExposeSecret;
use time::{Duration, OffsetDateTime};

use crate::auth::{app_checks, check_totp, primary_auth};
use crate::errors::AadError;
use crate::pages;
use crate::scopes::{ca_targets, resolve_v1, resolve_v2};
use crate::signin::{Attempt, Facts, SignIn};
use crate::state::{
    AuthCode, AuthorizeRequest, Grant, Inner, LoginRequest, LoginSession, SimState, Version,
    random_token,
};
use crate::token::{correlation_id, resolve_tenant};

type Params = HashMap<String, String>;

/// `GET /{tenant}/oauth2/v2.0/authorize`.
pub async fn authorize_v2(
    State(s): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    authorize(&s, &tenant, Version::V2, &headers, &q)
}

/// `GET /{tenant}/oauth2/authorize` (v1).
pub async fn authorize_v1(
    State(s): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    authorize(&s, &tenant, Version::V1, &headers, &q)
}

fn page_error(s: &SimState, e: &AadError, corr: &str) -> Response {
    let _ = s;
    pages::error(StatusCode::BAD_REQUEST, e.code, &e.message, corr)
}

/// The OAuth `error` an authorize redirect carries for an AADSTS error.
fn redirect_error_name(e: &AadError) -> &'static str {
    match e.code {
        65001 => "consent_required",
        50105 | 53003 | 53000 => "access_denied",
        50076 | 50079 => "interaction_required",
        50058 => "login_required",
        _ => e.error,
    }
}

/// Sends the browser back to the app with `fields`.
fn respond(req: &AuthorizeRequest, mut fields: Vec<(&str, String)>) -> Response {
    if let Some(st) = &req.state {
        fields.push(("state", st.clone()));
    }
    if req.response_mode == "form_post" {
        return pages::form_post(&req.redirect_uri, &fields);
    }
    let encoded: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    let sep = if req.response_mode == "fragment" {
        "#"
    } else if req.redirect_uri.contains('?') {
        "&"
    } else {
        "?"
    };
    Redirect::to(&format!("{}{sep}{encoded}", req.redirect_uri)).into_response()
}

fn redirect_error(s: &SimState, req: &AuthorizeRequest, e: &AadError, corr: &str) -> Response {
    let body = e.body(&s.base_url, s.clock.now(), corr);
    respond(
        req,
        vec![
            ("error", redirect_error_name(e).to_string()),
            ("error_description", body.error_description),
            ("error_uri", body.error_uri),
        ],
    )
}

fn authorize(
    s: &SimState,
    tenant: &str,
    version: Version,
    headers: &HeaderMap,
    q: &Params,
) -> Response {
    let corr = correlation_id(headers);
    let p = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    if let Err(e) = resolve_tenant(s, tenant) {
        return page_error(s, &e, &corr);
    }
    let Some(client_id) = p("client_id") else {
        return page_error(s, &AadError::missing_parameter("client_id"), &corr);
    };
    let mut inner = s.inner();
    let Some(app) = inner.tenant.app(client_id).cloned() else {
        return page_error(s, &AadError::unknown_app(client_id, tenant), &corr);
    };
    let registered: Vec<&String> = app
        .redirect_public
        .iter()
        .chain(&app.redirect_web)
        .collect();
    if registered.is_empty() {
        return page_error(s, &AadError::no_reply_address(), &corr);
    }
    let redirect_uri = match p("redirect_uri") {
        Some(r)
            if registered
                .iter()
                .any(|x| redirect_matches(x, r, app.redirect_public.contains(x))) =>
        {
            r.to_string()
        }
        Some(r) => return page_error(s, &AadError::redirect_mismatch(r, client_id), &corr),
        None => registered[0].clone(),
    };
    let mut req = AuthorizeRequest {
        client_id: app.client_id,
        redirect_uri,
        state: p("state").map(str::to_string),
        nonce: p("nonce").map(str::to_string),
        pkce: None,
        response_mode: p("response_mode").unwrap_or("query").to_string(),
        grant: Grant {
            resource_app: String::new(),
            audience: String::new(),
            scopes: vec![],
            oidc: vec![],
            version,
        },
    };
    if p("response_type") != Some("code") {
        let e = AadError::invalid_request(
            700054,
            "response_type 'code' is the only response type this app may use; the sim supports the authorization code flow only.",
        );
        return redirect_error(
            s,
            &req,
            &AadError {
                error: "unsupported_response_type",
                ..e
            },
            &corr,
        );
    }
    let grant = match version {
        Version::V2 => match p("scope") {
            Some(sc) => resolve_v2(&inner.tenant, sc),
            None => Err(AadError::missing_parameter("scope")),
        },
        Version::V1 => resolve_v1(
            &inner.tenant,
            p("resource").unwrap_or(crate::scopes::GRAPH_URI),
            p("scope"),
        ),
    };
    req.grant = match grant {
        Ok(g) => g,
        Err(e) => return redirect_error(s, &req, &e, &corr),
    };
    if let Some(ch) = p("code_challenge") {
        let method = p("code_challenge_method").unwrap_or("plain");
        if !(method == "S256" || method == "plain") {
            let e = AadError::invalid_request(
                501491,
                format!("Invalid code_challenge_method '{method}'."),
            );
            return redirect_error(s, &req, &e, &corr);
        }
        req.pkce = Some((ch.to_string(), method.to_string()));
    }
    if p("prompt") == Some("none") {
        let e = AadError::invalid_request(
            50058,
            "A silent sign-in request was sent but no user is signed in.",
        );
        return redirect_error(
            s,
            &req,
            &AadError {
                error: "login_required",
                ..e
            },
            &corr,
        );
    }
    inner.prune(s.clock.now());
    let ctx = random_token(24);
    let hint = p("login_hint").unwrap_or_default().to_string();
    let known_hint = inner.tenant.user(&hint).map(|u| u.upn.clone());
    inner.sessions.insert(
        ctx.clone(),
        LoginSession {
            request: LoginRequest::Authorize(req),
            upn: known_hint.clone(),
            password_ok: false,
            expires: s.clock.now() + Duration::minutes(30),
        },
    );
    let action = format!("/{tenant}/login");
    match known_hint {
        Some(upn) => pages::password(&action, &ctx, &upn, None),
        None => pages::username(&action, &ctx, &hint, None),
    }
}

/// Exact match, except that for loopback addresses of public clients
/// (`http://127.0.0.1/...`, `http://localhost/...`) the port is ignored, as Entra does.
pub fn redirect_matches(registered: &str, sent: &str, public: bool) -> bool {
    if registered == sent {
        return true;
    }
    let (Ok(a), Ok(b)) = (url::Url::parse(registered), url::Url::parse(sent)) else {
        return false;
    };
    let loopback = |u: &url::Url| {
        u.scheme() == "http" && matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
    };
    public
        && loopback(&a)
        && loopback(&b)
        && a.host_str() == b.host_str()
        && a.path() == b.path()
        && a.query() == b.query()
}

/// Starts an interactive session for the device-code page (shared with [`crate::device`]).
pub fn new_device_session(inner: &mut Inner, now: OffsetDateTime, request: LoginRequest) -> String {
    let ctx = random_token(24);
    inner.sessions.insert(
        ctx.clone(),
        LoginSession {
            request,
            upn: None,
            password_ok: false,
            expires: now + Duration::minutes(15),
        },
    );
    ctx
}

#[allow(clippy::too_many_arguments)]
fn log(
    inner: &mut Inner,
    now: OffsetDateTime,
    user: &str,
    client: &str,
    path: &str,
    code: u32,
    corr: &str,
    facts: Facts,
) {
    let user_id = inner.tenant.user(user).map(|u| u.oid.to_string());
    let app_name = inner.tenant.app(client).map(|a| a.name.clone());
    let attempt = Attempt {
        now,
        user,
        user_id,
        app_id: client,
        app_name,
        endpoint: path,
        flow: "interactive",
        correlation_id: corr,
        report_only: vec![],
    };
    let facts = Facts {
        interactive: true,
        ..facts
    };
    inner.push_signin(SignIn::new(attempt, code, &facts));
}

/// `POST /{tenant}/login`: one step of the sign-in pages.
pub async fn login_post(
    State(s): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Params>,
) -> Response {
    let corr = correlation_id(&headers);
    let now = s.clock.now();
    let action = format!("/{tenant}/login");
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or_default();
    let ctx = get("ctx").to_string();
    let mut guard = s.inner();
    let inner = &mut *guard;
    let Some(session) = inner
        .sessions
        .get(&ctx)
        .cloned()
        .filter(|x| x.expires > now)
    else {
        let e = AadError::invalid_request(
            50058,
            "The sign-in session has expired or is not valid. Start signing in again.",
        );
        return page_error(&s, &e, &corr);
    };
    let client = match &session.request {
        LoginRequest::Authorize(r) => r.client_id.to_string(),
        LoginRequest::Device { client_id, .. } => client_id.to_string(),
    };
    let path = format!("/{tenant}/oauth2/authorize");
    match get("step") {
        "username" => {
            let name = get("loginfmt").trim().to_string();
            match inner.tenant.user(&name).map(|u| u.upn.clone()) {
                Some(upn) => {
                    if let Some(x) = inner.sessions.get_mut(&ctx) {
                        x.upn = Some(upn.clone());
                    }
                    pages::password(&action, &ctx, &upn, None)
                }
                None => {
                    log(
                        inner,
                        now,
                        &name,
                        &client,
                        &path,
                        50034,
                        &corr,
                        Facts::default(),
                    );
                    let msg = "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.";
                    pages::username(&action, &ctx, &name, Some(msg))
                }
            }
        }
        "password" => {
            let Some(upn) = session.upn.clone() else {
                return pages::username(&action, &ctx, "", None);
            };
            match primary_auth(inner, now, &upn, get("passwd")) {
                Ok(_) => after_password(&s, inner, &ctx, &upn, &action, &path, &corr),
                Err(e) => {
                    log(
                        inner,
                        now,
                        &upn,
                        &client,
                        &path,
                        e.code,
                        &corr,
                        Facts::default(),
                    );
                    match e.code {
                        50055 => {
                            if let Some(x) = inner.sessions.get_mut(&ctx) {
                                x.password_ok = true;
                            }
                            pages::change_password(&action, &ctx, &upn, None)
                        }
                        50126 => pages::password(
                            &action,
                            &ctx,
                            &upn,
                            Some(
                                "Your account or password is incorrect. If you don't remember your password, reset it now.",
                            ),
                        ),
                        50053 => pages::password(
                            &action,
                            &ctx,
                            &upn,
                            Some(
                                "Your account is locked. Your account has been temporarily locked to prevent unauthorized use. Try again later.",
                            ),
                        ),
                        _ => page_error(&s, &e, &corr),
                    }
                }
            }
        }
        "change" => {
            let Some(upn) = session.upn.clone().filter(|_| session.password_ok) else {
                return pages::username(&action, &ctx, "", None);
            };
            let (cur, new, confirm) = (
                get("currentpasswd"),
                get("newpasswd"),
                get("confirmnewpasswd"),
            );
            let current_ok = inner
                .tenant
                .user(&upn)
                .is_some_and(|u| u.password.expose_secret() == cur);
            let problem = if !current_ok {
                Some("Your current password is incorrect.")
            } else if new != confirm {
                Some("The passwords don't match.")
            } else if new == cur {
                Some("You can't reuse your current password. Choose a different one.")
            } else if new.chars().count() < 8 {
                Some("Your password must have at least 8 characters.")
            } else {
                None
            };
            if let Some(p) = problem {
                return pages::change_password(&action, &ctx, &upn, Some(p));
            }
            if let Some(u) = inner.tenant.users.iter_mut().find(|u| u.upn == upn) {
                u.password = crate::state::secret(new);
                u.last_password_change = now;
                u.state = crate::tenant::UserState::Enabled;
            }
            after_password(&s, inner, &ctx, &upn, &action, &path, &corr)
        }
        "otc" => {
            let Some(upn) = session.upn.clone().filter(|_| session.password_ok) else {
                return pages::username(&action, &ctx, "", None);
            };
            let ok = inner
                .tenant
                .user(&upn)
                .is_some_and(|u| check_totp(u, get("otc"), now));
            if ok {
                finish(&s, inner, &ctx, &upn, vec!["pwd", "mfa"], &path, &corr)
            } else {
                let facts = Facts {
                    mfa_required: true,
                    ..Facts::default()
                };
                log(inner, now, &upn, &client, &path, 500121, &corr, facts);
                pages::otc(
                    &action,
                    &ctx,
                    Some("You didn't enter the expected verification code. Please try again."),
                )
            }
        }
        "decline" => match session.request {
            LoginRequest::Device {
                device_code,
                client_id,
                ..
            } => {
                inner.sessions.remove(&ctx);
                if let Some(d) = inner.devices.get_mut(&device_code) {
                    d.declined = true;
                }
                let app = inner
                    .tenant
                    .app(&client_id.to_string())
                    .map(|a| a.name.clone())
                    .unwrap_or_default();
                pages::device_declined(&app)
            }
            LoginRequest::Authorize(_) => pages::username(&action, &ctx, "", None),
        },
        _ => pages::username(&action, &ctx, "", None),
    }
}

/// Password right: app rules, Conditional Access, then MFA or done.
fn after_password(
    s: &SimState,
    inner: &mut Inner,
    ctx: &str,
    upn: &str,
    action: &str,
    path: &str,
    corr: &str,
) -> Response {
    let now = s.clock.now();
    if let Some(x) = inner.sessions.get_mut(ctx) {
        x.password_ok = true;
    }
    let Some(session) = inner.sessions.get(ctx).cloned() else {
        return page_error(s, &AadError::grant_invalid(), corr);
    };
    let (client_id, grant) = match &session.request {
        LoginRequest::Authorize(r) => (r.client_id, r.grant.clone()),
        LoginRequest::Device {
            client_id, grant, ..
        } => (*client_id, grant.clone()),
    };
    let (Some(user), Some(app)) = (
        inner.tenant.user(upn).cloned(),
        inner.tenant.app(&client_id.to_string()).cloned(),
    ) else {
        return page_error(s, &AadError::grant_invalid(), corr);
    };
    let targets = ca_targets(&client_id.to_string(), &grant);
    match app_checks(&inner.tenant, &user, &app, &targets) {
        Err(e) => {
            let facts = Facts::default();
            log(
                inner,
                now,
                upn,
                &client_id.to_string(),
                path,
                e.code,
                corr,
                facts,
            );
            inner.sessions.remove(ctx);
            match &session.request {
                LoginRequest::Authorize(r) => redirect_error(s, r, &e, corr),
                LoginRequest::Device { .. } => page_error(s, &e, corr),
            }
        }
        Ok(c) if c.mfa_required && user.mfa.is_some() => pages::otc(action, ctx, None),
        Ok(c) if c.mfa_required => {
            let e = AadError::mfa_registration_required(&grant.resource_app, &c.mfa_policies);
            let facts = Facts::from(&c);
            log(
                inner,
                now,
                upn,
                &client_id.to_string(),
                path,
                e.code,
                corr,
                facts,
            );
            pages::error(
                StatusCode::OK,
                e.code,
                "More information required. Your organization needs more information to keep your account secure: register an authenticator app at https://aka.ms/mysecurityinfo.",
                corr,
            )
        }
        Ok(_) => finish(s, inner, ctx, upn, vec!["pwd"], path, corr),
    }
}

/// The log columns of a finished interactive sign-in (CA outcome re-derived for the row).
fn success_facts(
    inner: &Inner,
    request: &LoginRequest,
    user: &crate::tenant::User,
    amr: &[&'static str],
) -> Facts {
    let (client_id, grant) = match request {
        LoginRequest::Authorize(r) => (r.client_id, &r.grant),
        LoginRequest::Device {
            client_id, grant, ..
        } => (*client_id, grant),
    };
    let targets = ca_targets(&client_id.to_string(), grant);
    let cond = inner
        .tenant
        .app(&client_id.to_string())
        .and_then(|app| app_checks(&inner.tenant, user, app, &targets).ok())
        .unwrap_or_default();
    Facts {
        mfa_done: amr.contains(&"mfa"),
        ..Facts::from(&cond)
    }
}

/// Sign-in complete: code + redirect, or device approved.
fn finish(
    s: &SimState,
    inner: &mut Inner,
    ctx: &str,
    upn: &str,
    amr: Vec<&'static str>,
    path: &str,
    corr: &str,
) -> Response {
    let now = s.clock.now();
    let Some(session) = inner.sessions.remove(ctx) else {
        return page_error(s, &AadError::grant_invalid(), corr);
    };
    let Some(user) = inner.tenant.user(upn).cloned() else {
        return page_error(s, &AadError::grant_invalid(), corr);
    };
    let oid = user.oid;
    let facts = success_facts(inner, &session.request, &user, &amr);
    match session.request {
        LoginRequest::Authorize(r) => {
            log(
                inner,
                now,
                upn,
                &r.client_id.to_string(),
                path,
                0,
                corr,
                facts,
            );
            let code = random_token(64);
            inner.prune(now);
            inner.codes.insert(
                code.clone(),
                AuthCode {
                    client_id: r.client_id,
                    redirect_uri: r.redirect_uri.clone(),
                    oid,
                    grant: r.grant.clone(),
                    nonce: r.nonce.clone(),
                    pkce: r.pkce.clone(),
                    amr,
                    expires: now + Duration::minutes(10),
                    used: false,
                },
            );
            let mut resp = respond(
                &r,
                vec![
                    ("code", code),
                    ("session_state", uuid::Uuid::new_v4().to_string()),
                ],
            );
            resp.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            resp
        }
        LoginRequest::Device {
            device_code,
            client_id,
            ..
        } => {
            let app_name = inner
                .tenant
                .app(&client_id.to_string())
                .map(|a| a.name.clone())
                .unwrap_or_default();
            if let Some(d) = inner.devices.get_mut(&device_code) {
                d.completed = Some((oid, amr));
            }
            log(
                inner,
                now,
                upn,
                &client_id.to_string(),
                "/devicelogin",
                0,
                corr,
                facts,
            );
            pages::device_done(&app_name)
        }
    }
}
