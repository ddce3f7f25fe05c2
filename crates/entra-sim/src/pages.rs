//! HTML of the sign-in pages, with Microsoft's field names and element IDs
//! (`loginfmt`/`i0116`, `passwd`/`i0118`, `otc`/`idTxtBx_SAOTCC_OTC`, `idSIButton9`).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn layout(title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<style>body{{font-family:-apple-system,'Segoe UI',sans-serif;background:#f2f2f2}}\
.box{{background:#fff;max-width:440px;margin:60px auto;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}}\
input[type=text],input[type=password],input[type=email]{{width:100%;padding:6px 0;border:0;border-bottom:1px solid #666;font-size:15px;margin:8px 0}}\
.err{{color:#e81123}} .btn{{background:#0067b8;color:#fff;border:0;padding:6px 20px;min-width:108px}}</style>\
</head><body><div class=\"box\"><div id=\"banner\">Microsoft (simulated)</div><h1 id=\"loginHeader\">{t}</h1>{body}</div></body></html>",
        t = esc(title)
    );
    Html(html).into_response()
}

fn error_line(error: Option<&str>) -> String {
    error.map_or_else(String::new, |e| {
        format!(
            "<div id=\"usernameError\" class=\"err\" role=\"alert\">{}</div>",
            esc(e)
        )
    })
}

/// The username page.
pub fn username(action: &str, ctx: &str, hint: &str, error: Option<&str>) -> Response {
    layout(
        "Sign in",
        &format!(
            "{err}<form method=\"post\" action=\"{a}\" id=\"i0281\">\
<input type=\"hidden\" name=\"ctx\" value=\"{c}\"><input type=\"hidden\" name=\"step\" value=\"username\">\
<input type=\"email\" name=\"loginfmt\" id=\"i0116\" placeholder=\"Email, phone, or Skype\" value=\"{h}\" autofocus>\
<input type=\"submit\" id=\"idSIButton9\" class=\"btn\" value=\"Next\"></form>",
            err = error_line(error),
            a = esc(action),
            c = esc(ctx),
            h = esc(hint)
        ),
    )
}

/// The username page of a device-code sign-in: names the app the code belongs to and offers
/// to decline ("Cancel", `#idBtn_Back`), which makes the device's polling answer
/// `authorization_declined`.
pub fn device_username(action: &str, ctx: &str, app: &str) -> Response {
    layout(
        "Sign in",
        &format!(
            "<p id=\"deviceAppName\">You're signing in to {n} on another device.</p>\
<form method=\"post\" action=\"{a}\" id=\"i0281\">\
<input type=\"hidden\" name=\"ctx\" value=\"{c}\"><input type=\"hidden\" name=\"step\" value=\"username\">\
<input type=\"email\" name=\"loginfmt\" id=\"i0116\" placeholder=\"Email, phone, or Skype\" autofocus>\
<input type=\"submit\" id=\"idSIButton9\" class=\"btn\" value=\"Next\"></form>\
<form method=\"post\" action=\"{a}\" id=\"declineForm\">\
<input type=\"hidden\" name=\"ctx\" value=\"{c}\"><input type=\"hidden\" name=\"step\" value=\"decline\">\
<input type=\"submit\" id=\"idBtn_Back\" class=\"btn\" value=\"Cancel\"></form>",
            n = esc(app),
            a = esc(action),
            c = esc(ctx)
        ),
    )
}

/// The page after a device-code sign-in was declined.
pub fn device_declined(app: &str) -> Response {
    layout(
        "Sign-in canceled",
        &format!(
            "<p id=\"message\">You have declined to sign in to {} on your device. You may now close this window.</p>",
            esc(app)
        ),
    )
}

/// Entra's page after signing out.
pub fn signed_out() -> Response {
    layout(
        "You signed out of your account",
        "<p id=\"message\">It's a good idea to close all browser windows.</p>",
    )
}

/// What `pwd_url` / `password_change_url` open in the sim.
pub fn change_password_info() -> Response {
    layout(
        "Change password",
        "<p id=\"message\">In Entra this page changes the signed-in user's password. In the \
sim, an expired password is changed on the sign-in pages, and any password through \
<code>POST /_sim/users/{upn}/password</code>.</p>",
    )
}

/// The password page.
pub fn password(action: &str, ctx: &str, upn: &str, error: Option<&str>) -> Response {
    layout(
        "Enter password",
        &format!(
            "<div id=\"displayName\">{u}</div>{err}<form method=\"post\" action=\"{a}\" id=\"i0281\">\
<input type=\"hidden\" name=\"ctx\" value=\"{c}\"><input type=\"hidden\" name=\"step\" value=\"password\">\
<input type=\"hidden\" name=\"loginfmt\" value=\"{u}\">\
<input type=\"password\" name=\"passwd\" id=\"i0118\" placeholder=\"Password\" autofocus>\
<input type=\"submit\" id=\"idSIButton9\" class=\"btn\" value=\"Sign in\"></form>",
            err = error_line(error).replace("usernameError", "passwordError"),
            a = esc(action),
            c = esc(ctx),
            u = esc(upn)
        ),
    )
}

/// The authenticator-app code page.
pub fn otc(action: &str, ctx: &str, error: Option<&str>) -> Response {
    layout(
        "Enter code",
        &format!(
            "<p id=\"idDiv_SAOTCC_Description\">Enter the code displayed in the authenticator app on your mobile device</p>{err}\
<form method=\"post\" action=\"{a}\"><input type=\"hidden\" name=\"ctx\" value=\"{c}\"><input type=\"hidden\" name=\"step\" value=\"otc\">\
<input type=\"text\" name=\"otc\" id=\"idTxtBx_SAOTCC_OTC\" inputmode=\"numeric\" autocomplete=\"off\" placeholder=\"Code\" autofocus>\
<input type=\"submit\" id=\"idSubmit_SAOTCC_Continue\" class=\"btn\" value=\"Verify\"></form>",
            err = error_line(error).replace("usernameError", "idSpan_SAOTCC_Error_OTC"),
            a = esc(action),
            c = esc(ctx)
        ),
    )
}

/// The expired-password change page.
pub fn change_password(action: &str, ctx: &str, upn: &str, error: Option<&str>) -> Response {
    layout(
        "Update your password",
        &format!(
            "<div id=\"displayName\">{u}</div><p>You need to update your password because this is the first time you are signing in, or because your password has expired.</p>{err}\
<form method=\"post\" action=\"{a}\"><input type=\"hidden\" name=\"ctx\" value=\"{c}\"><input type=\"hidden\" name=\"step\" value=\"change\">\
<input type=\"password\" name=\"currentpasswd\" id=\"currentPassword\" placeholder=\"Current password\" autofocus>\
<input type=\"password\" name=\"newpasswd\" id=\"newPassword\" placeholder=\"New password\">\
<input type=\"password\" name=\"confirmnewpasswd\" id=\"confirmNewPassword\" placeholder=\"Confirm password\">\
<input type=\"submit\" id=\"idSIButton9\" class=\"btn\" value=\"Sign in\"></form>",
            err = error_line(error).replace("usernameError", "passwordError"),
            a = esc(action),
            c = esc(ctx),
            u = esc(upn)
        ),
    )
}

/// An error page that stays in the browser (bad redirect URI, unknown app, locked, ...).
pub fn error(status: StatusCode, code: u32, message: &str, correlation: &str) -> Response {
    let mut r = layout(
        "Sorry, but we're having trouble signing you in.",
        &format!(
            "<div id=\"errorCode\" class=\"err\">AADSTS{code}: {m}</div>\
<div id=\"debugDetails\"><p>Correlation ID: {c}</p></div>",
            m = esc(message),
            c = esc(correlation)
        ),
    );
    *r.status_mut() = status;
    r
}

/// The device-code entry page.
pub fn device_code(error: Option<&str>) -> Response {
    layout(
        "Enter code",
        &format!(
            "<p>Enter the code displayed on your app or device.</p>{err}<form method=\"post\" action=\"/devicelogin\">\
<input type=\"text\" name=\"otc\" id=\"otc\" placeholder=\"Code\" autofocus>\
<input type=\"submit\" id=\"idSIButton9\" class=\"btn\" value=\"Next\"></form>",
            err = error_line(error)
        ),
    )
}

/// The "you're signed in" page after a device-code sign-in.
pub fn device_done(app: &str) -> Response {
    layout(
        "You're signed in",
        &format!(
            "<p id=\"message\">You have signed in to the {} application on your device. You may now close this window.</p>",
            esc(app)
        ),
    )
}

/// An auto-submitting form (`response_mode=form_post`).
pub fn form_post(redirect_uri: &str, fields: &[(&str, String)]) -> Response {
    let inputs: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                esc(k),
                esc(v)
            )
        })
        .collect();
    Html(format!(
        "<html><body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{}\">{inputs}</form></body></html>",
        esc(redirect_uri)
    ))
    .into_response()
}
