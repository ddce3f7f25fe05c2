//! The web sign-in window over the login window: an `NSWindow` at
//! `NSScreenSaverWindowLevel` (1000, the level the native prompt's alerts
//! use: above the login window's own panels, below the shielding level
//! that would hide the system's alerts) hosting the agent's WKWebView
//! ([`sesame_agent::web::webkit::WebKitSignIn`]) in a modal session.
//!
//! SecurityAgent calls the mechanism on its main thread; the agent's
//! sign-in future is polled there too (`host::sign_in` drives it with
//! [`crate::front::pumped`]), and [`pump`] runs one pass of the modal
//! session between polls, so WebKit's delegates see the redirect while the
//! agent waits. What to show and when is decided in [`crate::front`]; only
//! AppKit calls live here.

use std::cell::RefCell;

use objc2::MainThreadMarker;
use objc2::MainThreadOnly;
use objc2::rc::Retained;
use objc2_app_kit::{
    NSApplication, NSBackingStoreType, NSModalSession, NSScreenSaverWindowLevel, NSView, NSWindow,
    NSWindowStyleMask,
};
use objc2_foundation::{NSPoint, NSRect, NSSize, NSString};
use sesame_agent::web::webkit::{SignInWait, WebKitSignIn};
use sesame_agent::web::{WebLogin, WebLoginError, WebSignInRequest, WebSignInResult};

/// The window's size in points: room for Entra's sign-in page and its MFA
/// prompts without scrolling.
const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 640.0;

/// The open window (main thread only).
struct Open {
    window: Retained<NSWindow>,
    _sign_in: WebKitSignIn,
    session: NSModalSession,
}

thread_local! {
    static OPEN: RefCell<Option<Open>> = const { RefCell::new(None) };
}

/// The web view as the agent's flow uses it: each sign-in opens the window,
/// waits for the redirect, and closes it.
#[derive(Debug, Default)]
pub struct WindowWebLogin;

/// Closes the window however the sign-in ends.
struct CloseOnDrop;

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        close();
    }
}

impl WebLogin for WindowWebLogin {
    async fn sign_in(&mut self, req: WebSignInRequest) -> Result<WebSignInResult, WebLoginError> {
        let wait = open(&req)?;
        let _close = CloseOnDrop;
        wait.finish().await
    }
}

/// Opens the window with the sign-in page; on the main thread only (else
/// an error, and the native prompt takes over).
fn open(req: &WebSignInRequest) -> Result<SignInWait, WebLoginError> {
    let mtm = MainThreadMarker::new().ok_or_else(|| {
        WebLoginError::Browser(
            "the sign-in window must be opened on SecurityAgent's main thread".into(),
        )
    })?;
    // A window left from an earlier sign-in goes first: modal sessions end
    // in the reverse order they began.
    close();
    let (sign_in, wait) = WebKitSignIn::start(mtm, req, WIDTH, HEIGHT)?;
    let frame = NSRect::new(NSPoint::new(0.0, 0.0), NSSize::new(WIDTH, HEIGHT));
    // SAFETY: main thread (mtm); a new window, owned by `Open` (not
    // released on close: the `Retained` keeps it).
    let window = unsafe {
        let w = NSWindow::initWithContentRect_styleMask_backing_defer(
            NSWindow::alloc(mtm),
            frame,
            NSWindowStyleMask::Titled,
            NSBackingStoreType::Buffered,
            false,
        );
        w.setReleasedWhenClosed(false);
        w
    };
    window.setTitle(&NSString::from_str("Sign in to this Mac"));
    let view: &NSView = sign_in.view();
    window.setContentView(Some(view));
    window.setLevel(NSScreenSaverWindowLevel);
    window.center();
    window.makeKeyAndOrderFront(None);
    let session = NSApplication::sharedApplication(mtm).beginModalSessionForWindow(&window);
    OPEN.with(|o| {
        *o.borrow_mut() = Some(Open {
            window,
            _sign_in: sign_in,
            session,
        });
    });
    Ok(wait)
}

/// One pass of the window's modal session (events, WebKit's delegates);
/// nothing when no window is open or off the main thread.
pub fn pump() {
    let Some(mtm) = MainThreadMarker::new() else {
        return;
    };
    let session = OPEN.with(|o| o.borrow().as_ref().map(|open| open.session));
    if let Some(session) = session {
        // SAFETY: a session begun for the open window and not yet ended
        // (only `close` ends it, and it is not running now).
        let _ = unsafe { NSApplication::sharedApplication(mtm).runModalSession(session) };
    }
}

/// Ends the modal session and takes the window away.
fn close() {
    let Some(mtm) = MainThreadMarker::new() else {
        return;
    };
    if let Some(open) = OPEN.with(|o| o.borrow_mut().take()) {
        // SAFETY: the session begun with this window, ended once.
        unsafe { NSApplication::sharedApplication(mtm).endModalSession(open.session) };
        open.window.orderOut(None);
    }
}
