//! Endpoints the discovery documents advertise besides the token flow: sign-out
//! (`end_session_endpoint`) and the change-password page that `pwd_url` and
//! `password_change_url` point at.

use std::collections::HashMap;

use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};

use crate::pages;

/// `GET /{tenant}/oauth2/v2.0/logout` and `/{tenant}/oauth2/logout`: the sim keeps no SSO
/// session, so signing out only sends the browser to `post_logout_redirect_uri` (when given)
/// or shows Entra's "You signed out" page.
pub async fn logout(Query(q): Query<HashMap<String, String>>) -> Response {
    match q
        .get("post_logout_redirect_uri")
        .filter(|u| url::Url::parse(u).is_ok())
    {
        Some(uri) => Redirect::to(uri).into_response(),
        None => pages::signed_out(),
    }
}

/// `GET /ChangePassword.aspx`: where tokens' `pwd_url` and 50055's `password_change_url` lead.
pub async fn change_password() -> Response {
    pages::change_password_info()
}
