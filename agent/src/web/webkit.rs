//! The sign-in web view on the Mac: WKWebView through objc2-web-kit.
//!
//! The capture script is a `WKUserScript` injected at document start into
//! every frame (`forMainFrameOnly = false`) in the client content world, so
//! the page can neither see nor call its message handler; reports arrive in a
//! `WKScriptMessageHandler`, judged by the sending frame's real origin; a
//! `WKNavigationDelegate` cancels the navigation to the redirect URI and ends
//! the sign-in. The website data store is non-persistent: no cookies survive.
//!
//! Everything that decides lives in [`Recorder`]; this file only feeds it.
//! Hosting the view in a window (the authorization plugin's login window) is
//! the caller's job: [`WebKitSignIn::view`] is an `NSView`.

use std::sync::{Arc, Mutex};

use objc2::rc::Retained;
use objc2::runtime::{NSObject, NSObjectProtocol, ProtocolObject};
use objc2::{DefinedClass, MainThreadMarker, MainThreadOnly, define_class, msg_send};
use objc2_foundation::{NSPoint, NSRect, NSSize, NSString, NSURL, NSURLRequest};
use objc2_web_kit::{
    WKContentWorld, WKNavigationAction, WKNavigationActionPolicy, WKNavigationDelegate,
    WKScriptMessage, WKScriptMessageHandler, WKUserContentController, WKUserScript,
    WKUserScriptInjectionTime, WKWebView, WKWebViewConfiguration, WKWebsiteDataStore,
};
use tokio::sync::oneshot;

use super::recorder::{Navigation, Recorder};
use super::script::{self, Transport};
use super::{WebLoginError, WebSignInRequest, WebSignInResult};

/// State shared by the delegates (main thread) and the waiting task.
struct Shared {
    recorder: Recorder,
    done: Option<oneshot::Sender<String>>,
}

type SharedRef = Arc<Mutex<Shared>>;

/// Ivars of the message handler and navigation delegate.
struct Ivars {
    shared: SharedRef,
}

define_class!(
    // SAFETY: NSObject has no subclassing requirements; the class has no Drop.
    #[unsafe(super(NSObject))]
    #[thread_kind = MainThreadOnly]
    #[name = "SesameSignInObserver"]
    #[ivars = Ivars]
    struct Observer;

    unsafe impl NSObjectProtocol for Observer {}

    unsafe impl WKScriptMessageHandler for Observer {
        #[unsafe(method(userContentController:didReceiveScriptMessage:))]
        fn did_receive(&self, _controller: &WKUserContentController, message: &WKScriptMessage) {
            // SAFETY: WebKit hands a live message on the main thread.
            let (body, host) = unsafe {
                let body = message.body();
                let host = message.frameInfo().securityOrigin().host().to_string();
                (body, host)
            };
            let Ok(text) = body.downcast::<NSString>() else {
                return;
            };
            if let Ok(mut s) = self.ivars().shared.lock() {
                s.recorder.report(&text.to_string(), Some(&host));
            }
        }
    }

    unsafe impl WKNavigationDelegate for Observer {
        #[unsafe(method(webView:decidePolicyForNavigationAction:decisionHandler:))]
        fn decide_policy(
            &self,
            _web_view: &WKWebView,
            action: &WKNavigationAction,
            decision: &block2::DynBlock<dyn Fn(WKNavigationActionPolicy)>,
        ) {
            // SAFETY: WebKit hands a live action on the main thread.
            let url = unsafe { action.request().URL() }
                .and_then(|u| u.absoluteString())
                .map(|s| s.to_string())
                .unwrap_or_default();
            let policy = match self.ivars().shared.lock() {
                Ok(mut s) if s.recorder.navigation(&url) == Navigation::Redirect => {
                    if let Some(tx) = s.done.take() {
                        let _ = tx.send(url);
                    }
                    WKNavigationActionPolicy::Cancel
                }
                _ => WKNavigationActionPolicy::Allow,
            };
            decision.call((policy,));
        }
    }
);

impl Observer {
    fn new(mtm: MainThreadMarker, shared: SharedRef) -> Retained<Self> {
        let this = Self::alloc(mtm).set_ivars(Ivars { shared });
        // SAFETY: NSObject's designated initialiser.
        unsafe { msg_send![super(this), init] }
    }
}

/// One sign-in in a WKWebView (main thread). Keep it alive until its
/// [`SignInWait`] finishes; put [`WebKitSignIn::view`] in a window to show it.
pub struct WebKitSignIn {
    view: Retained<WKWebView>,
    _observer: Retained<Observer>,
}

/// The waiting half of a [`WebKitSignIn`]: `Send`, awaited off the main thread.
pub struct SignInWait {
    shared: SharedRef,
    done: oneshot::Receiver<String>,
    timeout: std::time::Duration,
}

impl std::fmt::Debug for SignInWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInWait")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for WebKitSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebKitSignIn").finish_non_exhaustive()
    }
}

impl WebKitSignIn {
    /// Builds the web view for `req` (`width` × `height` points) and starts
    /// loading the authorize URL. Call on the main thread; await the returned
    /// [`SignInWait`] elsewhere while the run loop shows the page.
    pub fn start(
        mtm: MainThreadMarker,
        req: &WebSignInRequest,
        width: f64,
        height: f64,
    ) -> Result<(Self, SignInWait), WebLoginError> {
        let (tx, rx) = oneshot::channel();
        let shared = Arc::new(Mutex::new(Shared {
            recorder: Recorder::new(req),
            done: Some(tx),
        }));
        let observer = Observer::new(mtm, Arc::clone(&shared));
        let channel = script::channel_name();
        let source = script::capture_source(&req.idp_hosts, Transport::Webkit, &channel);
        // SAFETY: all calls are on the main thread (mtm) with live objects.
        let view = unsafe {
            let config = WKWebViewConfiguration::new(mtm);
            config.setWebsiteDataStore(&WKWebsiteDataStore::nonPersistentDataStore(mtm));
            let world = WKContentWorld::defaultClientWorld(mtm);
            let controller = config.userContentController();
            let script = WKUserScript::initWithSource_injectionTime_forMainFrameOnly_inContentWorld(
                WKUserScript::alloc(mtm),
                &NSString::from_str(&source),
                WKUserScriptInjectionTime::AtDocumentStart,
                false,
                &world,
            );
            controller.addUserScript(&script);
            controller.addScriptMessageHandler_contentWorld_name(
                ProtocolObject::from_ref(&*observer),
                &world,
                &NSString::from_str(&channel),
            );
            let frame = NSRect::new(NSPoint::new(0.0, 0.0), NSSize::new(width, height));
            let view =
                WKWebView::initWithFrame_configuration(WKWebView::alloc(mtm), frame, &config);
            view.setNavigationDelegate(Some(ProtocolObject::from_ref(&*observer)));
            let url = NSURL::URLWithString(&NSString::from_str(req.authorize_url.as_str()))
                .ok_or_else(|| {
                    WebLoginError::Browser("the authorize URL is not a valid URL".into())
                })?;
            view.loadRequest(&NSURLRequest::requestWithURL(&url));
            view
        };
        let wait = SignInWait {
            shared,
            done: rx,
            timeout: req.timeout,
        };
        Ok((
            Self {
                view,
                _observer: observer,
            },
            wait,
        ))
    }

    /// The web view, to put in a window.
    pub fn view(&self) -> &WKWebView {
        &self.view
    }
}

impl SignInWait {
    /// Waits for the redirect, within the request's timeout, and returns it
    /// with the captured password. `Closed` when the web view went away.
    pub async fn finish(self) -> Result<WebSignInResult, WebLoginError> {
        let url = match tokio::time::timeout(self.timeout, self.done).await {
            Ok(Ok(url)) => url,
            Ok(Err(_)) => return Err(WebLoginError::Closed),
            Err(_) => return Err(WebLoginError::TimedOut(self.timeout)),
        };
        let shared = self
            .shared
            .lock()
            .map_err(|_| WebLoginError::Browser("the web view's state is poisoned".into()))?;
        Ok(shared.recorder.finish(url))
    }
}
