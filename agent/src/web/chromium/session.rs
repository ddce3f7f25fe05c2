//! One sign-in in one Chromium: launch, instrument, navigate, wait for the
//! redirect, decide the captured password, close.

use std::sync::Arc;
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::fetch::{
    self, ContinueRequestParams, EventRequestPaused, FulfillRequestParams, HeaderEntry,
    RequestPattern, RequestStage,
};
use chromiumoxide::cdp::browser_protocol::inspector::EventTargetCrashed;
use chromiumoxide::cdp::browser_protocol::page::{
    AddScriptToEvaluateOnNewDocumentParams, NavigateParams,
};
use chromiumoxide::cdp::browser_protocol::target::EventTargetDestroyed;
use chromiumoxide::cdp::js_protocol::runtime::{AddBindingParams, EventBindingCalled};
use futures::StreamExt;

use super::person::{Person, PersonPage};
use super::{ChromiumOptions, chromium_args};
use crate::web::recorder::{Navigation, Recorder};
use crate::web::script::{self, Transport};
use crate::web::{WebLoginError, WebSignInRequest, WebSignInResult, without_query};

/// The isolated world the capture script and its binding live in.
const CAPTURE_WORLD: &str = "sesame-capture";

/// What the browser shows once the redirect is caught (it is never sent).
const DONE_PAGE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Signed in</title></head>\
<body style=\"font-family:sans-serif;margin:3em\"><p>Signing you in…</p></body></html>";

fn browser_err(what: &str) -> impl Fn(chromiumoxide::error::CdpError) -> WebLoginError + '_ {
    move |e| WebLoginError::Browser(format!("{what}: {e}"))
}

pub(super) async fn run(
    options: &ChromiumOptions,
    headless: bool,
    spki: &[String],
    req: WebSignInRequest,
    person: Option<Arc<dyn Person>>,
) -> Result<WebSignInResult, WebLoginError> {
    let profile = tempfile::Builder::new()
        .prefix("sesame-web-")
        .tempdir()
        .map_err(|e| WebLoginError::Browser(format!("cannot create a browser profile directory: {e}")))?;
    let mut builder = BrowserConfig::builder()
        .chrome_executable(&options.executable)
        .user_data_dir(profile.path())
        .disable_default_args()
        .respect_https_errors()
        .with_head()
        .launch_timeout(options.launch_timeout.min(req.timeout))
        .request_timeout(Duration::from_secs(10))
        .viewport(None);
    for arg in chromium_args(headless, spki) {
        let arg = arg.trim_start_matches('-');
        builder = match arg.split_once('=') {
            Some((k, v)) => builder.arg((k, v)),
            None => builder.arg(arg),
        };
    }
    let config = builder.build().map_err(WebLoginError::Browser)?;
    let (mut browser, mut handler) = Browser::launch(config)
        .await
        .map_err(browser_err("Chromium did not start"))?;
    let (gone_tx, mut gone_rx) = tokio::sync::oneshot::channel::<()>();
    let pump = tokio::spawn(async move {
        while let Some(event) = handler.next().await {
            if event.is_err() {
                // A message chromiumoxide cannot read is not fatal; a closed
                // connection ends the stream.
                continue;
            }
        }
        let _ = gone_tx.send(());
    });

    let outcome = drive(&browser, &req, person, &mut gone_rx).await;

    // Close politely, then make sure: never leave a browser behind.
    let _ = tokio::time::timeout(Duration::from_secs(3), browser.close()).await;
    let _ = tokio::time::timeout(Duration::from_secs(3), browser.wait()).await;
    let _ = browser.kill().await;
    pump.abort();
    drop(profile);
    outcome
}

async fn drive(
    browser: &Browser,
    req: &WebSignInRequest,
    person: Option<Arc<dyn Person>>,
    gone: &mut tokio::sync::oneshot::Receiver<()>,
) -> Result<WebSignInResult, WebLoginError> {
    let page = browser
        .new_page("about:blank")
        .await
        .map_err(browser_err("cannot open the sign-in page"))?;
    let channel = script::channel_name();
    let mut bindings = page
        .event_listener::<EventBindingCalled>()
        .await
        .map_err(browser_err("cannot listen to the capture script"))?;
    let mut paused = page
        .event_listener::<EventRequestPaused>()
        .await
        .map_err(browser_err("cannot watch navigations"))?;
    let mut crashed = page
        .event_listener::<EventTargetCrashed>()
        .await
        .map_err(browser_err("cannot watch the page"))?;
    let mut destroyed = browser
        .event_listener::<EventTargetDestroyed>()
        .await
        .map_err(browser_err("cannot watch the window"))?;

    let binding = AddBindingParams::builder()
        .name(channel.clone())
        .execution_context_name(CAPTURE_WORLD)
        .build()
        .map_err(WebLoginError::Browser)?;
    page.execute(binding)
        .await
        .map_err(browser_err("cannot add the capture channel"))?;
    let source = script::capture_source(&req.idp_hosts, Transport::Binding, &channel);
    let inject = AddScriptToEvaluateOnNewDocumentParams::builder()
        .source(source)
        .world_name(CAPTURE_WORLD)
        .build()
        .map_err(WebLoginError::Browser)?;
    page.execute(inject)
        .await
        .map_err(browser_err("cannot add the capture script"))?;
    let pattern = RequestPattern::builder()
        .url_pattern(format!("{}*", escape_pattern(&req.redirect_uri)))
        .request_stage(RequestStage::Request)
        .build();
    page.execute(fetch::EnableParams::builder().pattern(pattern).build())
        .await
        .map_err(browser_err("cannot watch for the redirect"))?;

    let person_task = person.map(|p| {
        let pp = PersonPage::new(page.clone());
        tokio::spawn(async move { p.act(pp).await })
    });
    let mut person_done = person_task.is_none();
    let mut person_task = person_task;

    let nav = page
        .execute(NavigateParams::new(req.authorize_url.as_str()))
        .await
        .map_err(browser_err("cannot open the sign-in page"))?;
    if let Some(e) = nav.result.error_text.as_deref().filter(|e| !e.is_empty()) {
        return Err(WebLoginError::Browser(format!(
            "cannot open {}: {e}",
            without_query(req.authorize_url.as_str())
        )));
    }

    let target = page.target_id().clone();
    let mut recorder = Recorder::new(req);
    let redirect = loop {
        tokio::select! {
            Some(ev) = bindings.next() => {
                if ev.name == channel {
                    recorder.report(&ev.payload, None);
                }
            }
            Some(ev) = paused.next() => {
                let url = with_form_body(&ev);
                if recorder.navigation(&url) == Navigation::Redirect {
                    let done = FulfillRequestParams::builder()
                        .request_id(ev.request_id.clone())
                        .response_code(200)
                        .response_header(HeaderEntry::new("Content-Type", "text/html; charset=utf-8"))
                        .body(chromiumoxide::Binary::from(base64_encode(DONE_PAGE)))
                        .build()
                        .map_err(WebLoginError::Browser)?;
                    let _ = page.execute(done).await;
                    break url;
                }
                let _ = page.execute(ContinueRequestParams::new(ev.request_id.clone())).await;
            }
            Some(_) = crashed.next() => {
                return Err(WebLoginError::Browser("the sign-in page crashed".into()));
            }
            Some(ev) = destroyed.next() => {
                if ev.target_id == target {
                    return Err(WebLoginError::Closed);
                }
            }
            outcome = async {
                match person_task.as_mut() {
                    Some(t) => t.await,
                    None => std::future::pending().await,
                }
            }, if !person_done => {
                person_done = true;
                match outcome {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => return Err(WebLoginError::Browser(format!("the scripted person failed: {e}"))),
                    Err(e) => return Err(WebLoginError::Browser(format!("the scripted person panicked: {e}"))),
                }
            }
            _ = &mut *gone => return Err(WebLoginError::Closed),
        }
    };
    if let Some(t) = person_task {
        t.abort();
    }
    // Reports sent just before the redirect may still be in flight.
    let grace = tokio::time::sleep(Duration::from_millis(150));
    tokio::pin!(grace);
    loop {
        tokio::select! {
            Some(ev) = bindings.next() => {
                if ev.name == channel {
                    recorder.report(&ev.payload, None);
                }
            }
            _ = &mut grace => break,
        }
    }
    Ok(recorder.finish(redirect))
}

/// The redirect's URL (with its fragment); for a `form_post` redirect, the
/// form body as its query so the caller reads `code` and `state` the same way.
fn with_form_body(ev: &EventRequestPaused) -> String {
    use base64::Engine as _;
    let r = &ev.request;
    let mut url = r.url.clone();
    if let Some(fragment) = r.url_fragment.as_deref() {
        url.push_str(fragment);
    }
    if r.method == "POST" && !url.contains('?') {
        let body: Vec<u8> = r
            .post_data_entries
            .iter()
            .flatten()
            .filter_map(|e| e.bytes.as_ref())
            .filter_map(|b| base64::engine::general_purpose::STANDARD.decode(AsRef::<str>::as_ref(b)).ok())
            .flatten()
            .collect();
        if !body.is_empty() {
            url = format!("{url}?{}", String::from_utf8_lossy(&body));
        }
    }
    url
}

/// Escapes `*`, `?` and `\` for a Fetch URL pattern.
fn escape_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn base64_encode(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(escape_pattern("http://x/cb?a=*"), "http://x/cb\\?a=\\*");
        assert_eq!(escape_pattern("http://localhost/cb"), "http://localhost/cb");
    }
}
