//! Walking the sim's sign-in pages over HTTP(S) without a browser, the way a
//! web view would: open the authorize URL, read the form's hidden `ctx` and
//! its `action`, post the username (`loginfmt`), the password (`passwd`), the
//! authenticator code (`otc`) when MFA is asked for, and capture the redirect
//! `Location` sent back to the app.
//!
//! The sim knows its own pages and its users' TOTP secrets, so this is the one
//! place tests (here and in other crates) drive the pages from. Real-browser
//! tests use Chromium instead.
//!
//! ```no_run
//! # async fn demo(sim: &entra_sim::SimHandle, url: &str) -> Result<(), entra_sim::headless::HeadlessError> {
//! let done = entra_sim::headless::sign_in(sim, url, "megan@contoso.example", "Sesame-Demo-1").await?;
//! assert!(done.redirect.contains("code="));
//! # Ok(()) }
//! ```

use std::fmt;

use crate::{SimError, SimHandle};

/// One step of the walk, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `GET` of the authorize URL.
    Authorize,
    /// `POST` of a device code on `/devicelogin`.
    DeviceCode,
    /// `POST` of the username (`loginfmt`).
    Username,
    /// `POST` of the password (`passwd`).
    Password,
    /// `POST` of the authenticator-app code (`otc`).
    VerificationCode,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Authorize => "opening the authorize URL",
            Step::DeviceCode => "entering the device code",
            Step::Username => "entering the username",
            Step::Password => "entering the password",
            Step::VerificationCode => "entering the verification code",
        })
    }
}

/// Why a headless walk of the sign-in pages stopped. Never holds the password.
#[derive(Debug, thiserror::Error)]
pub enum HeadlessError {
    /// The HTTP client could not be built (for example the sim's CA PEM).
    #[error("cannot build the HTTP client for the sim: {0}")]
    Client(#[source] reqwest::Error),
    /// The request did not get an answer.
    #[error("{step}: request failed: {source}")]
    Transport {
        /// The step.
        step: Step,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The sim answered with an HTTP error status (an error page).
    #[error("{step}: HTTP {status}: {excerpt}")]
    Status {
        /// The step.
        step: Step,
        /// The HTTP status.
        status: u16,
        /// The page's text, shortened.
        excerpt: String,
    },
    /// The page lacked the form or field the step needs.
    #[error("{step}: HTTP {status}: the page has no `{field}`: {excerpt}")]
    NoForm {
        /// The step.
        step: Step,
        /// The HTTP status.
        status: u16,
        /// The missing field (`ctx`, `step`, `action`, `loginfmt`, `passwd`).
        field: &'static str,
        /// The page's text, shortened.
        excerpt: String,
    },
    /// The step ended on a page where a redirect to the app was expected.
    #[error("{step}: HTTP {status}: no redirect to the app: {excerpt}")]
    NoRedirect {
        /// The step.
        step: Step,
        /// The HTTP status.
        status: u16,
        /// The page's text, shortened.
        excerpt: String,
    },
    /// MFA was asked for but the sim has no TOTP code for the user.
    #[error("{step}: no TOTP code for {upn}: {source}")]
    Totp {
        /// The step.
        step: Step,
        /// The user.
        upn: String,
        /// The sim's answer.
        #[source]
        source: SimError,
    },
}

/// A finished sign-in: where the sim redirected the browser, and what was asked.
#[derive(Clone, PartialEq, Eq)]
pub struct HeadlessSignIn {
    /// The redirect `Location` (the app's redirect URI with `code` or `error`).
    pub redirect: String,
    /// The redirect's HTTP status (303 from the sim).
    pub status: u16,
    /// A verification-code page was shown and answered.
    pub answered_mfa: bool,
}

impl fmt::Debug for HeadlessSignIn {
    /// Leaves out the redirect's query: it carries the authorization code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = self.redirect.split('?').next().unwrap_or_default();
        f.debug_struct("HeadlessSignIn")
            .field("redirect", &format!("{base}?…"))
            .field("status", &self.status)
            .field("answered_mfa", &self.answered_mfa)
            .finish()
    }
}

/// A page the sim answered with.
#[derive(Debug, Clone)]
pub struct Page {
    /// The HTTP status.
    pub status: u16,
    /// The HTML.
    pub html: String,
}

impl Page {
    /// The value of the hidden field `name`, unescaped.
    pub fn hidden(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.html.find(&marker)? + marker.len();
        self.html[start..].split('"').next().map(unescape)
    }

    /// Whether the page has an input named `name`.
    pub fn has_field(&self, name: &str) -> bool {
        self.html.contains(&format!("name=\"{name}\""))
    }

    /// The first form's `action`, unescaped.
    pub fn action(&self) -> Option<String> {
        let marker = "action=\"";
        let start = self.html.find(marker)? + marker.len();
        self.html[start..].split('"').next().map(unescape)
    }

    /// The page's visible text, shortened for an error message.
    pub fn excerpt(&self) -> String {
        excerpt(&self.html)
    }
}

/// What a request ended on: a redirect or a page.
#[derive(Debug, Clone)]
pub enum Landing {
    /// A redirect (`Location`) with its status.
    Redirect {
        /// The `Location` header.
        location: String,
        /// The HTTP status.
        status: u16,
    },
    /// A page.
    Page(Page),
}

/// The end of [`Browser::walk`]: where the pages ended and whether MFA was asked.
#[derive(Debug, Clone)]
pub struct Walked {
    /// The redirect, or the page the walk stopped on (the device-code "signed
    /// in" page, the expired-password change page, an error shown in the page).
    pub landing: Landing,
    /// A verification-code page was shown and answered.
    pub answered_mfa: bool,
}

/// An HTTP client that trusts the sim's CA (when HTTPS) and never follows redirects.
#[derive(Debug, Clone)]
pub struct Browser {
    http: reqwest::Client,
    base_url: String,
}

impl Browser {
    /// A browser for `sim`.
    pub fn for_sim(sim: &SimHandle) -> Result<Self, HeadlessError> {
        let mut b = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = sim.ca_pem() {
            let ca =
                reqwest::Certificate::from_pem(pem.as_bytes()).map_err(HeadlessError::Client)?;
            b = b.add_root_certificate(ca);
        }
        Ok(Self {
            http: b.build().map_err(HeadlessError::Client)?,
            base_url: sim.base_url().to_owned(),
        })
    }

    /// The underlying client (for requests outside the sign-in pages).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `GET url` as `step`.
    pub async fn open(&self, step: Step, url: &str) -> Result<Landing, HeadlessError> {
        let r = self.http.get(url).send().await;
        land(step, r).await
    }

    /// `POST`s `fields` as a form to `url` (absolute, or a path on the sim) as `step`.
    pub async fn post(
        &self,
        step: Step,
        url: &str,
        fields: &[(&str, &str)],
    ) -> Result<Landing, HeadlessError> {
        let url = if url.starts_with('/') {
            format!("{}{url}", self.base_url)
        } else {
            url.to_owned()
        };
        let r = self.http.post(url).form(fields).send().await;
        land(step, r).await
    }

    /// Submits `page`'s form (its hidden `ctx` and `step`, to its `action`)
    /// with `fields` added.
    pub async fn submit(
        &self,
        step: Step,
        page: &Page,
        fields: &[(&str, &str)],
    ) -> Result<Landing, HeadlessError> {
        let ctx = require(step, page, "ctx", page.hidden("ctx"))?;
        let action = require(step, page, "action", page.action())?;
        let form_step = require(step, page, "step", page.hidden("step"))?;
        let mut form = vec![("ctx", ctx.as_str()), ("step", form_step.as_str())];
        form.extend_from_slice(fields);
        self.post(step, &action, &form).await
    }

    /// From a username (or password) page, signs in as `upn` with `password`,
    /// answering the verification code with the sim's current TOTP when asked.
    pub async fn walk(
        &self,
        sim: &SimHandle,
        page: Page,
        upn: &str,
        password: &str,
    ) -> Result<Walked, HeadlessError> {
        let first = Step::Username;
        require(
            first,
            &page,
            "loginfmt",
            page.has_field("loginfmt").then_some(()),
        )?;
        // With a `login_hint` the sim opens on the password page, as Entra does.
        let page = if page.has_field("passwd") {
            page
        } else {
            let next = self.submit(first, &page, &[("loginfmt", upn)]).await?;
            let page = expect_page(first, next)?;
            require(
                first,
                &page,
                "passwd",
                page.has_field("passwd").then_some(()),
            )?;
            page
        };
        let step = Step::Password;
        let landing = self
            .submit(step, &page, &[("loginfmt", upn), ("passwd", password)])
            .await?;
        let page = match landing {
            Landing::Page(p) if p.has_field("otc") => p,
            landing => {
                return Ok(Walked {
                    landing,
                    answered_mfa: false,
                });
            }
        };
        let step = Step::VerificationCode;
        let code = sim.totp_code(upn).map_err(|source| HeadlessError::Totp {
            step,
            upn: upn.to_owned(),
            source,
        })?;
        let landing = self.submit(step, &page, &[("otc", &code)]).await?;
        Ok(Walked {
            landing,
            answered_mfa: true,
        })
    }
}

/// Opens `authorize_url` on `sim`'s pages, signs in as `upn` with `password`
/// (and the current TOTP code when MFA is asked), and returns the redirect
/// the sim sent the browser to — with `code` or with `error` for the app.
pub async fn sign_in(
    sim: &SimHandle,
    authorize_url: &str,
    upn: &str,
    password: &str,
) -> Result<HeadlessSignIn, HeadlessError> {
    let browser = Browser::for_sim(sim)?;
    let page = expect_page(
        Step::Authorize,
        browser.open(Step::Authorize, authorize_url).await?,
    )?;
    let walked = browser.walk(sim, page, upn, password).await?;
    match walked.landing {
        Landing::Redirect { location, status } => Ok(HeadlessSignIn {
            redirect: location,
            status,
            answered_mfa: walked.answered_mfa,
        }),
        Landing::Page(p) => Err(HeadlessError::NoRedirect {
            step: if walked.answered_mfa {
                Step::VerificationCode
            } else {
                Step::Password
            },
            status: p.status,
            excerpt: p.excerpt(),
        }),
    }
}

async fn land(
    step: Step,
    r: Result<reqwest::Response, reqwest::Error>,
) -> Result<Landing, HeadlessError> {
    let r = r.map_err(|source| HeadlessError::Transport { step, source })?;
    let status = r.status().as_u16();
    let location = r.headers().get("location").and_then(|l| l.to_str().ok());
    if let (true, Some(l)) = (r.status().is_redirection(), location) {
        return Ok(Landing::Redirect {
            location: l.to_owned(),
            status,
        });
    }
    let html = r
        .text()
        .await
        .map_err(|source| HeadlessError::Transport { step, source })?;
    if status >= 400 {
        return Err(HeadlessError::Status {
            step,
            status,
            excerpt: excerpt(&html),
        });
    }
    Ok(Landing::Page(Page { status, html }))
}

fn expect_page(step: Step, landing: Landing) -> Result<Page, HeadlessError> {
    match landing {
        Landing::Page(p) => Ok(p),
        Landing::Redirect { location, status } => Err(HeadlessError::NoForm {
            step,
            status,
            field: "ctx",
            excerpt: format!(
                "redirected to {}",
                location.split('?').next().unwrap_or_default()
            ),
        }),
    }
}

fn require<T>(
    step: Step,
    page: &Page,
    field: &'static str,
    value: Option<T>,
) -> Result<T, HeadlessError> {
    value.ok_or_else(|| HeadlessError::NoForm {
        step,
        status: page.status,
        field,
        excerpt: page.excerpt(),
    })
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The visible text of `html` (no style, no tags), at most 240 characters.
fn excerpt(html: &str) -> String {
    let body = match (html.find("<style"), html.find("</style>")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &html[..a], &html[b + 8..]),
        _ => html.to_owned(),
    };
    let mut text = String::new();
    let mut in_tag = false;
    for ch in body.chars() {
        match ch {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = unescape(&text.split_whitespace().collect::<Vec<_>>().join(" "));
    match text.char_indices().nth(240) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_the_visible_text() {
        let html = "<html><head><title>T</title><style>body{x:1}</style></head>\
<body><h1>Sign in</h1><div class=\"err\">AADSTS50126: Your account &amp; password</div></body></html>";
        assert_eq!(
            excerpt(html),
            "T Sign in AADSTS50126: Your account & password"
        );
        assert!(excerpt(&"a".repeat(500)).ends_with('…'));
    }

    #[test]
    fn reads_hidden_fields_and_action() {
        let page = Page {
            status: 200,
            html: "<form action=\"/t/login?a=1&amp;b=2\"><input type=\"hidden\" name=\"ctx\" value=\"abc\"></form>".into(),
        };
        assert_eq!(page.hidden("ctx").as_deref(), Some("abc"));
        assert_eq!(page.action().as_deref(), Some("/t/login?a=1&b=2"));
        assert!(!page.has_field("passwd"));
    }
}
