//! The token endpoints: `/{tenant}/oauth2/v2.0/token` (scope) and `/{tenant}/oauth2/token`
//! (resource), with the password, authorization_code, refresh_token and device_code grants.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::auth::{app_checks, mfa_error, primary_auth};
use crate::claims::{IssueRequest, Unsigned, build, sign};
use crate::errors::AadError;
use crate::grants::{device_code, refresh_token};
use crate::scopes::{ca_targets, resolve_v1, resolve_v2};
use crate::signin::{Attempt, Facts, SignIn};
use crate::state::{Grant, Inner, SimState, Version};
use crate::tenant::App;

/// How the path named the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantRef {
    /// The tenant's GUID or one of its verified domains.
    This,
    /// `common`.
    Common,
    /// `organizations`.
    Organizations,
    /// `consumers`.
    Consumers,
}

/// Resolves the `{tenant}` path segment (90002 when it names no tenant here).
pub fn resolve_tenant(state: &SimState, name: &str) -> Result<TenantRef, AadError> {
    match name.to_ascii_lowercase().as_str() {
        "common" => Ok(TenantRef::Common),
        "organizations" => Ok(TenantRef::Organizations),
        "consumers" => Ok(TenantRef::Consumers),
        _ if state.inner().tenant.is_named(name) => Ok(TenantRef::This),
        _ => Err(AadError::unknown_tenant(name)),
    }
}

/// The client's `client-request-id` when it is a GUID, else a fresh one.
pub fn correlation_id(headers: &HeaderMap) -> String {
    headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| uuid::Uuid::parse_str(v).ok())
        .unwrap_or_else(uuid::Uuid::new_v4)
        .to_string()
}

/// Per-request context for logging and rendering.
pub(crate) struct Req<'a> {
    pub(crate) state: &'a SimState,
    pub(crate) path: String,
    pub(crate) correlation: String,
    pub(crate) version: Version,
    pub(crate) form: HashMap<String, String>,
    pub(crate) basic: Option<(String, String)>,
    pub(crate) now: OffsetDateTime,
}

impl Req<'_> {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.form
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
    pub(crate) fn need(&self, name: &str) -> Result<&str, AadError> {
        self.param(name)
            .ok_or_else(|| AadError::missing_parameter(name))
    }
    /// Appends a non-interactive sign-in row (token requests are made by an app).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn log(
        &self,
        inner: &mut Inner,
        user: &str,
        app: Option<&App>,
        flow: &str,
        code: u32,
        report_only: Vec<String>,
        facts: Facts,
    ) {
        let user_id = inner.tenant.user(user).map(|u| u.oid.to_string());
        let attempt = Attempt {
            now: self.now,
            user,
            user_id,
            app_id: self.param("client_id").unwrap_or_default(),
            app_name: app.map(|a| a.name.clone()),
            endpoint: &self.path,
            flow,
            correlation_id: &self.correlation,
            report_only,
        };
        inner.push_signin(SignIn::new(attempt, code, &facts));
    }
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub async fn token_v2(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(&state, &tenant, Version::V2, uri, &headers, &body)
}

/// `POST /{tenant}/oauth2/token`.
pub async fn token_v1(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(&state, &tenant, Version::V1, uri, &headers, &body)
}

fn parse_form(headers: &HeaderMap, body: &[u8]) -> HashMap<String, String> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !is_form {
        return HashMap::new(); // Entra ignores JSON or query-string parameters here.
    }
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let raw = STANDARD.decode(v.strip_prefix("Basic ")?.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    let dec = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((dec(id)?, dec(secret)?))
}

fn token(
    state: &SimState,
    tenant: &str,
    version: Version,
    uri: Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let mut form = parse_form(headers, body);
    let basic = basic_auth(headers);
    if let Some((id, _)) = &basic {
        form.entry("client_id".into()).or_insert_with(|| id.clone());
    }
    let req = Req {
        state,
        path: uri.path().to_string(),
        correlation: correlation_id(headers),
        version,
        form,
        basic,
        now: state.clock.now(),
    };
    let signed = match decide(&req, tenant) {
        Ok(Answer::User(u)) => sign(state, &u),
        Ok(Answer::App(json)) => Ok(json),
        Err(e) => return e.response(&state.base_url, req.now, &req.correlation),
    };
    match signed {
        Ok(json) => {
            let mut resp = (StatusCode::OK, axum::Json(json)).into_response();
            resp.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store, no-cache"),
            );
            resp
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// What the token endpoint hands back: user tokens to sign, or an app-only token body.
enum Answer {
    User(Box<Unsigned>),
    App(serde_json::Value),
}

fn decide(req: &Req<'_>, tenant: &str) -> Result<Answer, AadError> {
    let tref = resolve_tenant(req.state, tenant)?;
    let grant_type = req.need("grant_type")?.to_string();
    let client_id = req.need("client_id")?.to_string();
    if req.version == Version::V2 && req.param("resource").is_some() {
        return Err(AadError::resource_on_v2());
    }
    let mut inner = req.state.inner();
    let inner = &mut *inner;
    let Some(app) = inner.tenant.app(&client_id).cloned() else {
        return Err(AadError::unknown_app(&client_id, tenant));
    };
    let user = match grant_type.as_str() {
        "password" => {
            if req.version == Version::V2
                && matches!(tref, TenantRef::Common | TenantRef::Consumers)
            {
                return Err(AadError::grant_not_on_common());
            }
            password(req, inner, &app)
        }
        "authorization_code" => authorization_code(req, inner, &app),
        "refresh_token" => refresh_token(req, inner, &app),
        "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => {
            device_code(req, inner, &app)
        }
        "client_credentials" => return client_credentials(req, inner, &app),
        other => Err(AadError::unsupported_grant(other)),
    };
    user.map(|u| Answer::User(Box::new(u)))
}

/// Client authentication: public clients must not send a secret; confidential ones must.
pub(crate) fn client_auth(
    req: &Req<'_>,
    app: &App,
    public: bool,
    now: OffsetDateTime,
) -> Result<bool, AadError> {
    let sent = req
        .param("client_secret")
        .map(str::to_string)
        .or_else(|| req.basic.as_ref().map(|b| b.1.clone()));
    if req.param("client_assertion").is_some() {
        return Err(AadError::invalid_request(
            700027,
            "Client assertion failed signature validation.",
        ));
    }
    match (public, sent) {
        (true, None) => Ok(false),
        (true, Some(_)) => Err(AadError::public_client_with_secret()),
        (false, None) => Err(AadError::client_credential_required()),
        (false, Some(s)) => {
            let id = app.client_id.to_string();
            let found = app.secrets.iter().find(|x| x.value.expose_secret() == s);
            match found {
                Some(x) if x.expires <= now => Err(AadError::expired_secret(&id)),
                Some(_) => Ok(true),
                None => Err(AadError::invalid_secret(&id)),
            }
        }
    }
}

/// Rate limits: HTTP 429 per app, AADSTS50196 for identical repeated requests.
fn throttle(req: &Req<'_>, inner: &mut Inner, app: &App, loop_key: &str) -> Result<(), AadError> {
    let t = inner.tenant.throttling;
    let window = req.now - Duration::minutes(1);
    let mut hit = |key: String, limit: u32| -> bool {
        if limit == 0 {
            return false;
        }
        let q = inner.throttle.entry(key).or_default();
        while q.front().is_some_and(|x| *x < window) {
            q.pop_front();
        }
        q.push_back(req.now);
        q.len() > limit as usize
    };
    if hit(format!("app:{}", app.client_id), t.app_requests_per_minute) {
        return Err(AadError::throttled(t.retry_after_seconds));
    }
    if hit(format!("loop:{loop_key}"), t.loop_threshold) {
        return Err(AadError::loop_detected());
    }
    Ok(())
}

pub(crate) fn grant_for(req: &Req<'_>, inner: &Inner) -> Result<Grant, AadError> {
    match req.version {
        Version::V2 => resolve_v2(&inner.tenant, req.need("scope")?),
        Version::V1 => resolve_v1(&inner.tenant, req.need("resource")?, req.param("scope")),
    }
}

fn password(req: &Req<'_>, inner: &mut Inner, app: &App) -> Result<Unsigned, AadError> {
    let username = req.need("username")?.to_string();
    let confidential = match client_auth(req, app, app.public_client, req.now) {
        Ok(c) => c,
        Err(e) => {
            req.log(
                inner,
                &username,
                Some(app),
                "password",
                e.code,
                vec![],
                Facts::default(),
            );
            return Err(e);
        }
    };
    let pw = req.need("password")?.to_string();
    let grant = grant_for(req, inner)?;
    let loop_key = format!(
        "{}|{}|password|{:?}",
        app.client_id,
        username.to_ascii_lowercase(),
        grant.scopes
    );
    throttle(req, inner, app, &loop_key)?;
    let fail = |inner: &mut Inner, e: AadError, report: Vec<String>, facts: Facts| {
        req.log(
            inner,
            &username,
            Some(app),
            "password",
            e.code,
            report,
            facts,
        );
        Err(e)
    };
    if let Err(e) = primary_auth(inner, req.now, &username, &pw) {
        return fail(inner, e, vec![], Facts::default());
    }
    let Some(user) = inner.tenant.user(&username).cloned() else {
        return Err(AadError::invalid_credentials());
    };
    let targets = ca_targets(&app.client_id.to_string(), &grant);
    let cond = match app_checks(&inner.tenant, &user, app, &targets) {
        Ok(c) => c,
        Err(e) => return fail(inner, e, vec![], Facts::default()),
    };
    if cond.mfa_required {
        let e = mfa_error(&user, &grant.resource_app, &cond);
        return fail(inner, e, cond.report_only.clone(), Facts::from(&cond));
    }
    let amr = ["pwd"];
    let ir = IssueRequest {
        user: &user,
        app,
        grant: &grant,
        nonce: None,
        amr: &amr,
        confidential,
        force_refresh: false,
    };
    let u = build(req.state, &inner.tenant, &ir, req.now);
    if let Some((rt, g)) = &u.refresh {
        inner.refresh.insert(rt.clone(), g.clone());
    }
    let facts = Facts::from(&cond);
    req.log(
        inner,
        &username,
        Some(app),
        "password",
        0,
        cond.report_only,
        facts,
    );
    Ok(u)
}

fn pkce_ok(challenge: &str, method: &str, verifier: &str) -> bool {
    if method.eq_ignore_ascii_case("S256") {
        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
    } else {
        verifier == challenge
    }
}

fn authorization_code(req: &Req<'_>, inner: &mut Inner, app: &App) -> Result<Unsigned, AadError> {
    let code = req.need("code")?.to_string();
    let redirect_uri = req.need("redirect_uri")?.to_string();
    let Some(c) = inner.codes.get(&code).cloned() else {
        return Err(AadError::grant_invalid());
    };
    if c.client_id != app.client_id {
        return Err(AadError::grant_invalid());
    }
    let public = app
        .redirect_public
        .iter()
        .any(|u| crate::authorize::redirect_matches(u, &c.redirect_uri, true));
    let confidential = client_auth(req, app, public, req.now)?;
    if c.used {
        return Err(AadError::code_redeemed());
    }
    if c.expires <= req.now {
        return Err(AadError::grant_expired());
    }
    if c.redirect_uri != redirect_uri {
        return Err(AadError::redirect_mismatch(
            &redirect_uri,
            &app.client_id.to_string(),
        ));
    }
    if let Some((challenge, method)) = &c.pkce {
        let verifier = req.need("code_verifier")?;
        if !pkce_ok(challenge, method, verifier) {
            return Err(AadError::pkce_mismatch());
        }
    }
    if let Some(entry) = inner.codes.get_mut(&code) {
        entry.used = true;
    }
    let Some(user) = inner.tenant.users.iter().find(|u| u.oid == c.oid).cloned() else {
        return Err(AadError::grant_invalid());
    };
    let ir = IssueRequest {
        user: &user,
        app,
        grant: &c.grant,
        nonce: c.nonce.as_deref(),
        amr: &c.amr,
        confidential,
        force_refresh: false,
    };
    let u = build(req.state, &inner.tenant, &ir, req.now);
    if let Some((rt, g)) = &u.refresh {
        inner.refresh.insert(rt.clone(), g.clone());
    }
    Ok(u)
}

/// `client_credentials`: an app-only access token for a confidential client.
fn client_credentials(req: &Req<'_>, inner: &mut Inner, app: &App) -> Result<Answer, AadError> {
    let confidential = client_auth(req, app, false, req.now)?;
    let audience = match req.version {
        Version::V2 => {
            let scope = req.need("scope")?;
            let Some(resource) = scope
                .strip_suffix("/.default")
                .filter(|_| !scope.contains(' '))
            else {
                let mut e = AadError::invalid_scope(scope);
                e.code = 1002012;
                e.message = format!(
                    "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                );
                return Err(e);
            };
            // Validates the resource; an app-only token's `aud` is the resource as asked for.
            resolve_v2(&inner.tenant, &format!("{resource}/.default"))?;
            resource.to_string()
        }
        Version::V1 => resolve_v1(&inner.tenant, req.need("resource")?, None)?.audience,
    };
    throttle(
        req,
        inner,
        app,
        &format!("{}|client_credentials|{audience}", app.client_id),
    )?;
    let now = req.now.unix_timestamp();
    let tid = inner.tenant.tenant_id;
    let sp = uuid::Uuid::new_v5(&tid, app.client_id.as_bytes()).to_string();
    let lifetime = crate::claims::TOKEN_LIFETIME_SECS;
    let claims = serde_json::json!({
        "aud": audience, "iss": req.state.issuer_v1(), "iat": now, "nbf": now,
        "exp": now + lifetime, "aio": crate::state::random_token(24),
        "app_displayname": app.name, "appid": app.client_id.to_string(),
        "appidacr": if confidential { "1" } else { "0" }, "idp": req.state.issuer_v1(),
        "idtyp": "app", "oid": sp, "sub": sp, "tid": tid.to_string(),
        "uti": crate::state::random_token(16), "ver": "1.0",
    });
    let token = req
        .state
        .signing_key()
        .sign(&claims)
        .map_err(|e| AadError::invalid_request(90033, e.to_string()))?;
    let expires_in = lifetime - 1;
    Ok(Answer::App(match req.version {
        Version::V2 => serde_json::json!({
            "token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": expires_in,
            "access_token": token,
        }),
        Version::V1 => serde_json::json!({
            "token_type": "Bearer", "expires_in": expires_in.to_string(),
            "ext_expires_in": expires_in.to_string(), "expires_on": (now + lifetime).to_string(),
            "not_before": now.to_string(), "resource": audience, "access_token": token,
        }),
    }))
}
