//! Walking the sim's sign-in pages over HTTPS the way a web view would,
//! without a browser: username, password, and the verification code when
//! MFA is asked for. Returns the URL Entra redirected the browser to.

use entra_sim::SimHandle;

/// An HTTPS client that trusts the sim's CA and never follows redirects.
pub fn browser(sim: &SimHandle) -> reqwest::Client {
    let mut b = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = sim.ca_pem() {
        match reqwest::Certificate::from_pem(pem.as_bytes()) {
            Ok(c) => b = b.add_root_certificate(c),
            Err(e) => panic!("sim CA: {e}"),
        }
    }
    match b.build() {
        Ok(c) => c,
        Err(e) => panic!("HTTP client: {e}"),
    }
}

/// What the person did on the pages.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Walk {
    /// A verification-code page was shown and answered.
    pub answered_mfa: bool,
}

fn hidden(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    page[start..].split('"').next().map(str::to_owned)
}

fn form_action(sim: &SimHandle, page: &str) -> Option<String> {
    let marker = "action=\"";
    let start = page.find(marker)? + marker.len();
    let action = page[start..].split('"').next()?.replace("&amp;", "&");
    Some(format!("{}{action}", sim.base_url()))
}

async fn post(http: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
    match http.post(url).form(form).send().await {
        Ok(r) => r,
        Err(e) => panic!("POST {url}: {e}"),
    }
}

fn location(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
}

/// Opens `auth_url`, signs in as `upn` with `password` (and the current TOTP
/// code when asked), and returns the captured redirect URL.
pub async fn sign_in(
    sim: &SimHandle,
    auth_url: &url::Url,
    upn: &str,
    password: &str,
) -> (String, Walk) {
    let http = browser(sim);
    let mut walk = Walk::default();
    let page = match http.get(auth_url.clone()).send().await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(e) => panic!("GET authorize: {e}"),
    };
    let (Some(ctx), Some(action)) = (hidden(&page, "ctx"), form_action(sim, &page)) else {
        panic!("no sign-in form on the authorize page: {page}");
    };
    let page = post(
        &http,
        &action,
        &[("ctx", &ctx), ("step", "username"), ("loginfmt", upn)],
    )
    .await
    .text()
    .await
    .unwrap_or_default();
    assert!(page.contains("name=\"passwd\""), "no password page: {page}");
    let r = post(
        &http,
        &action,
        &[
            ("ctx", &ctx),
            ("step", "password"),
            ("loginfmt", upn),
            ("passwd", password),
        ],
    )
    .await;
    if let Some(loc) = location(&r) {
        return (loc, walk);
    }
    let page = r.text().await.unwrap_or_default();
    assert!(
        page.contains("name=\"otc\""),
        "neither a redirect nor a verification-code page after the password: {page}"
    );
    let code = match sim.totp_code(upn) {
        Ok(c) => c,
        Err(e) => panic!("TOTP for {upn}: {e}"),
    };
    walk.answered_mfa = true;
    let r = post(
        &http,
        &action,
        &[("ctx", &ctx), ("step", "otc"), ("otc", &code)],
    )
    .await;
    match location(&r) {
        Some(loc) => (loc, walk),
        None => panic!(
            "no redirect after the verification code: {}",
            r.text().await.unwrap_or_default()
        ),
    }
}
