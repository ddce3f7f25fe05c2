//! "A visible window when a display is available": with the default window
//! mode (`Auto`) and a display, the sign-in opens a real Chromium window on
//! that display — not a headless run nobody could type into. The display is
//! a real X server (Xvfb, from .ci/install-deps); the window is looked up on
//! it with `xwininfo` while the person is on the page.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod web_common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use sesame_agent::web::chromium::{ChromiumOptions, ChromiumWebLogin, Person, PersonPage};
use sesame_agent::web::{CapturedPassword, WebLogin, WebSignInRequest, WindowMode};
use web_common::SIGN_IN_TIMEOUT;
use web_common::pages;

const RIGHT: &str = "Right-Pass-1";

/// An X server on a free display, stopped on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Self {
        assert!(
            Path::new("/usr/bin/Xvfb").exists(),
            "/usr/bin/Xvfb is missing: run .ci/install-deps (Debian package xvfb)"
        );
        let n = (90..200)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free X display number");
        let display = format!(":{n}");
        let child = Command::new("/usr/bin/Xvfb")
            .args([&display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts");
        let socket = format!("/tmp/.X11-unix/X{n}");
        let started = Instant::now();
        while !Path::new(&socket).exists() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "Xvfb did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, display }
    }

    /// Every window's line in `xwininfo -root -tree`.
    fn windows(&self) -> String {
        let out = Command::new("xwininfo")
            .args(["-root", "-tree", "-display", &self.display])
            .output()
            .expect("xwininfo runs (Debian package x11-utils)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn auto_opens_a_visible_window_when_a_display_is_available() {
    let x = Arc::new(Xvfb::start());
    // This test binary has one test; the variables are set before any thread.
    unsafe {
        std::env::set_var("DISPLAY", &x.display);
        std::env::remove_var("WAYLAND_DISPLAY");
    }
    assert_eq!(
        sesame_agent::web::display::headless_here(WindowMode::Auto).ok(),
        Some(false)
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let seen = Arc::new(Mutex::new(String::new()));
    let (x2, seen2) = (Arc::clone(&x), Arc::clone(&seen));
    let person = move |page: PersonPage| {
        let (x, seen) = (Arc::clone(&x2), Arc::clone(&seen2));
        async move {
            page.wait_for("input[name=passwd]").await?;
            // While the person is on the page, the X server shows the window.
            *seen.lock().unwrap() = x.windows();
            page.type_into("input[name=passwd]", RIGHT).await?;
            page.click("#idSIButton9").await
        }
    };
    let person: Arc<dyn Person> = Arc::new(person);
    let captured = rt.block_on(async {
        let p = pages::serve(RIGHT).await;
        let req = WebSignInRequest::new(
            url::Url::parse(&p.url(false, "/password")).unwrap(),
            p.redirect_uri(),
            vec!["127.0.0.1".into()],
            SIGN_IN_TIMEOUT,
        );
        // The default options: the product's window mode (Auto).
        let options = ChromiumOptions::default();
        assert_eq!(options.window, WindowMode::Auto);
        let mut web = ChromiumWebLogin::new(options).with_person(person);
        web.sign_in(req)
            .await
            .expect("the sign-in in a visible window")
    });
    match captured.captured {
        CapturedPassword::Current(pw) => assert_eq!(pw.expose_secret(), RIGHT),
        other => panic!("expected the typed password, got {other:?}"),
    }
    let windows = seen.lock().unwrap().clone();
    assert!(
        windows.to_lowercase().contains("chromium"),
        "no Chromium window on {}:\n{windows}",
        x.display
    );
}
