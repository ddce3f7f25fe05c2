//! A tiny local identity provider's pages for the capture tests, served over
//! HTTP on two loopback addresses with one port (`127.0.0.1:P` and
//! `127.0.0.2:P` — two origins, so iframes between them are cross-origin).
//! Field names follow Microsoft's pages (`passwd`, `NewPassword`,
//! `ConfirmNewPassword`, `idSIButton9`, `idBtn_Back`).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

/// The running pages.
#[derive(Debug, Clone)]
pub struct Pages {
    /// The shared port.
    pub port: u16,
}

impl Pages {
    /// `http://127.0.0.1:P{path}` (`alt` = `127.0.0.2`).
    pub fn url(&self, alt: bool, path: &str) -> String {
        let host = if alt { "127.0.0.2" } else { "127.0.0.1" };
        format!("http://{host}:{}{path}", self.port)
    }

    /// The app's redirect URI (intercepted by the web view, never served).
    pub fn redirect_uri(&self) -> String {
        self.url(false, "/done")
    }
}

#[derive(Clone)]
struct St {
    port: u16,
    /// The password `/password` accepts.
    right: Arc<String>,
}

/// Serves the pages; `/password` accepts `right`.
pub async fn serve(right: &str) -> Pages {
    let first = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = first.local_addr().unwrap().port();
    let second = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 2], port)))
        .await
        .expect("127.0.0.2 on the same port (Linux routes 127/8 to lo)");
    let st = St {
        port,
        right: Arc::new(right.to_owned()),
    };
    let app = Router::new()
        .route("/password", get(password).post(password_post))
        .route("/change", get(change).post(change_post))
        .route("/pick", get(pick))
        .route("/kmsi", get(kmsi).post(finish))
        .route("/shadow", get(shadow))
        .route("/shadow-field", get(shadow_field))
        .route("/frame-host", get(frame_host))
        .route("/frame-login", get(frame_login))
        .route("/finish", axum::routing::post(finish))
        .route("/done", get(|| async { Html("done") }))
        .with_state(st);
    let app2 = app.clone();
    tokio::spawn(async move { axum::serve(first, app).await });
    tokio::spawn(async move { axum::serve(second, app2).await });
    Pages { port }
}

fn layout(title: &str, body: &str) -> Response {
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
<body><h1 id=\"loginHeader\">{title}</h1>{body}</body></html>"
    ))
    .into_response()
}

#[derive(Deserialize, Default)]
struct Next {
    next: Option<String>,
}

fn password_page(next: &str, error: bool) -> Response {
    let err = if error {
        "<div id=\"passwordError\" role=\"alert\">Your account or password is incorrect.</div>"
    } else {
        ""
    };
    layout(
        "Enter password",
        &format!(
            "{err}<form method=\"post\" action=\"/password\" id=\"i0281\">\
<input type=\"hidden\" name=\"next\" value=\"{next}\">\
<input type=\"password\" name=\"passwd\" id=\"i0118\" placeholder=\"Password\" autocomplete=\"off\">\
<input type=\"button\" id=\"idBtn_Back\" value=\"Back\">\
<input type=\"submit\" id=\"idSIButton9\" value=\"Sign in\"></form>"
        ),
    )
}

async fn password(Query(q): Query<Next>) -> Response {
    password_page(q.next.as_deref().unwrap_or("/finish-get"), false)
}

#[derive(Deserialize)]
struct PasswordForm {
    passwd: String,
    next: String,
}

async fn password_post(State(st): State<St>, Form(f): Form<PasswordForm>) -> Response {
    if f.passwd != *st.right {
        return password_page(&f.next, true);
    }
    if f.next == "/finish-get" {
        return done(&st, "password");
    }
    Redirect::to(&f.next).into_response()
}

/// The change page with the names Microsoft's pages use.
fn change_page(error: Option<&str>) -> Response {
    let err = error.map_or(String::new(), |e| {
        format!("<div id=\"passwordError\">{e}</div>")
    });
    layout(
        "Update your password",
        &format!(
            "<p>You need to update your password because this is the first time you are signing in, \
or because your password has expired.</p>{err}<form method=\"post\" action=\"/change\">\
<input type=\"password\" name=\"passwd\" id=\"currentPassword\" placeholder=\"Current password\">\
<input type=\"password\" name=\"NewPassword\" id=\"iPassword\" placeholder=\"New password\">\
<input type=\"password\" name=\"ConfirmNewPassword\" id=\"iRetypePassword\" placeholder=\"Confirm password\">\
<input type=\"submit\" id=\"idSIButton9\" value=\"Sign in\"></form>"
        ),
    )
}

async fn change() -> Response {
    change_page(None)
}

#[derive(Deserialize)]
struct ChangeForm {
    passwd: String,
    #[serde(rename = "NewPassword")]
    new: String,
    #[serde(rename = "ConfirmNewPassword")]
    confirm: String,
}

async fn change_post(State(st): State<St>, Form(f): Form<ChangeForm>) -> Response {
    if f.passwd != *st.right {
        return change_page(Some("Your current password is incorrect."));
    }
    if f.new != f.confirm {
        return change_page(Some("The passwords don't match."));
    }
    done(&st, "changed")
}

async fn pick() -> Response {
    layout(
        "Pick an account",
        "<div id=\"tilesHolder\">\
<div class=\"table\" role=\"button\" tabindex=\"0\" data-upn=\"megan@contoso.example\" \
onclick=\"location.href='/password?next=/kmsi'\">Megan Bowen megan@contoso.example</div>\
<div class=\"table\" role=\"button\" tabindex=\"0\" id=\"otherTile\">Use another account</div></div>",
    )
}

async fn kmsi() -> Response {
    layout(
        "Stay signed in?",
        "<div id=\"KmsiDescription\">Do this to reduce the number of times you are asked to sign in.</div>\
<form method=\"post\" action=\"/kmsi\"><input type=\"checkbox\" name=\"DontShowAgain\">\
<input type=\"submit\" id=\"idBtn_Back\" name=\"no\" value=\"No\">\
<input type=\"submit\" id=\"idSIButton9\" name=\"yes\" value=\"Yes\"></form>",
    )
}

/// A sign-in form two open shadow roots deep (a custom element holding
/// another), submitted with a button inside the inner root.
async fn shadow() -> Response {
    layout(
        "Sign in",
        "<sesame-outer></sesame-outer><script>\
customElements.define('sesame-inner', class extends HTMLElement { constructor() { super();\
 const r = this.attachShadow({mode: 'open'});\
 r.innerHTML = '<form method=\"post\" action=\"/finish\"><input type=\"password\" name=\"passwd\" id=\"deep\" placeholder=\"Password\">'\
 + '<button type=\"submit\" id=\"deepSubmit\">Sign in</button></form>'; } });\
customElements.define('sesame-outer', class extends HTMLElement { constructor() { super();\
 const r = this.attachShadow({mode: 'open'}); r.innerHTML = '<div><sesame-inner></sesame-inner></div>'; } });\
</script>",
    )
}

/// A light-DOM form whose password field is a web component two open shadow
/// roots deep (as component libraries build them); Enter in it submits.
async fn shadow_field() -> Response {
    layout(
        "Sign in",
        "<form method=\"post\" action=\"/finish\" id=\"f\"><sesame-field></sesame-field>\
<button type=\"submit\" id=\"go\">Sign in</button></form><script>\
customElements.define('sesame-input', class extends HTMLElement { constructor() { super();\
 const r = this.attachShadow({mode: 'open'});\
 r.innerHTML = '<input type=\"password\" id=\"deepField\" placeholder=\"Password\">';\
 r.querySelector('input').addEventListener('keydown', e => {\
   if (e.key === 'Enter') document.getElementById('f').requestSubmit(); }); } });\
customElements.define('sesame-field', class extends HTMLElement { constructor() { super();\
 const r = this.attachShadow({mode: 'open'}); r.innerHTML = '<label>Password</label><sesame-input></sesame-input>'; } });\
</script>",
    )
}

#[derive(Deserialize)]
struct Src {
    src: String,
}

async fn frame_host(Query(q): Query<Src>) -> Response {
    layout(
        "Sign in",
        &format!(
            "<p>The form is in a frame.</p><iframe id=\"login\" src=\"{}\" width=\"500\" height=\"300\"></iframe>",
            q.src.replace('"', "")
        ),
    )
}

async fn frame_login() -> Response {
    layout(
        "Enter password",
        "<form method=\"post\" action=\"/finish\" target=\"_top\">\
<input type=\"password\" name=\"passwd\" id=\"i0118\" placeholder=\"Password\">\
<input type=\"submit\" id=\"idSIButton9\" value=\"Sign in\"></form>",
    )
}

async fn finish(State(st): State<St>) -> Response {
    done(&st, "finished")
}

fn done(st: &St, code: &str) -> Response {
    Redirect::to(&format!(
        "http://127.0.0.1:{}/done?code={code}&state=s",
        st.port
    ))
    .into_response()
}
