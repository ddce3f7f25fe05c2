//! The HTTP(S) server: routes, the accept loop, and fault injection in front of the router.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::routing::{get, post};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

use crate::errors::AadError;
use crate::faults::{FaultKind, take};
use crate::state::SimState;
use crate::{authorize, control, device, discovery, graph, signout, token};

/// All routes of the sim.
pub fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_v2),
        )
        .route(
            "/{tenant}/.well-known/openid-configuration",
            get(discovery::openid_v1),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::jwks_v2))
        .route("/{tenant}/discovery/keys", get(discovery::jwks_v1))
        .route("/{tenant}/oauth2/v2.0/token", post(token::token_v2))
        .route("/{tenant}/oauth2/token", post(token::token_v1))
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize::authorize_v2),
        )
        .route("/{tenant}/oauth2/authorize", get(authorize::authorize_v1))
        .route("/{tenant}/login", post(authorize::login_post))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(device::devicecode))
        .route("/{tenant}/oauth2/devicecode", post(device::devicecode_v1))
        .route(
            "/devicelogin",
            get(device::device_page).post(device::device_submit),
        )
        .route("/{tenant}/oauth2/v2.0/logout", get(signout::logout))
        .route("/{tenant}/oauth2/logout", get(signout::logout))
        .route("/oidc/userinfo", get(graph::userinfo).post(graph::userinfo))
        .route(
            "/{tenant}/openid/userinfo",
            get(graph::userinfo).post(graph::userinfo),
        )
        .route("/ChangePassword.aspx", get(signout::change_password))
        .route("/v1.0/me", get(graph::me))
        .route("/v1.0/users/{id}", get(graph::user))
        .route("/v1.0/domains/{id}", get(graph::domain))
        .route(
            "/v1.0/users/{id}/getMemberObjects",
            post(graph::get_member_objects),
        )
        .route("/v1.0/users/{id}/memberOf", get(graph::member_of))
        .route("/error", get(error_lookup))
        .merge(control::routes())
        .with_state(state)
}

/// `GET /error?code=N`: the page `error_uri` points at (like login.microsoftonline.com/error).
async fn error_lookup(
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response<Body> {
    let code = q.get("code").map(String::as_str).unwrap_or_default();
    let meaning = crate::errors::meaning(code.parse().unwrap_or(0));
    crate::pages::error(StatusCode::OK, code.parse().unwrap_or(0), meaning, "-")
}

/// The connection is dropped on purpose (fault injection).
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
struct Dropped;

async fn handle(
    req: Request<Incoming>,
    router: Router,
    state: Arc<SimState>,
) -> Result<Response<Body>, Dropped> {
    let fault = {
        let mut f = state
            .faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        take(&mut f, req.uri().path())
    };
    let run = |req: Request<Incoming>| async move {
        match router.oneshot(req).await {
            Ok(r) => r,
            Err(e) => match e {},
        }
    };
    let now = state.clock.now();
    let corr = crate::token::correlation_id(req.headers());
    match fault {
        None => Ok(run(req).await),
        Some(FaultKind::Delay { ms }) => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            Ok(run(req).await)
        }
        Some(FaultKind::Status { status }) => {
            let mut e = AadError::invalid_request(
                90033,
                "A transient error has occurred. Please try again.",
            );
            e.error = "temporarily_unavailable";
            e.status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            Ok(e.response(&state.base_url, now, &corr))
        }
        Some(FaultKind::TooManyRequests { retry_after }) => {
            Ok(AadError::throttled(retry_after).response(&state.base_url, now, &corr))
        }
        Some(FaultKind::DropConnection) => Err(Dropped),
        Some(FaultKind::TruncatedBody) => {
            let resp = run(req).await;
            let (mut parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
            Ok(Response::from_parts(parts, Body::from(half)))
        }
    }
}

async fn serve_conn<I>(io: I, router: Router, state: Arc<SimState>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
        let (router, state) = (router.clone(), Arc::clone(&state));
        handle(req, router, state)
    });
    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
        .serve_connection(io, svc)
        .await;
}

/// Accepts connections until `stop` changes.
pub async fn serve(
    listener: TcpListener,
    state: Arc<SimState>,
    tls: Option<Arc<rustls::ServerConfig>>,
    mut stop: watch::Receiver<bool>,
) {
    let router = router(Arc::clone(&state));
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    loop {
        let accepted = tokio::select! {
            _ = stop.changed() => break,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let (router, state, acceptor) = (router.clone(), Arc::clone(&state), acceptor.clone());
        tokio::spawn(async move {
            match acceptor {
                Some(a) => {
                    if let Ok(s) = a.accept(stream).await {
                        serve_conn(TokioIo::new(s), router, state).await;
                    }
                }
                None => serve_conn(TokioIo::new(stream), router, state).await,
            }
        });
    }
}
