//! The real Linux-PAM stack, without touching /etc: `pam_start_confdir`
//! (libpam ≥ 1.4) reads service files from a private folder whose lines load
//! the built `libpam_sesame.so` by absolute path. The conversation function
//! hands each message to a [`Script`].
#![allow(dead_code, unsafe_code, clippy::unwrap_used, clippy::expect_used)]

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::path::{Path, PathBuf};

use pam_sesame::Conversation;
use secrecy::ExposeSecret;

use super::Script;

pub const PAM_SUCCESS: c_int = 0;
pub const PAM_SERVICE_ERR: c_int = 3;
pub const PAM_AUTH_ERR: c_int = 7;
pub const PAM_AUTHINFO_UNAVAIL: c_int = 9;
pub const PAM_AUTHTOK_ERR: c_int = 20;
const PAM_USER: c_int = 2;
const PAM_CONV_ERR: c_int = 19;
const PAM_PROMPT_ECHO_OFF: c_int = 1;
const PAM_ERROR_MSG: c_int = 3;
const PAM_TEXT_INFO: c_int = 4;
const PAM_PRELIM_CHECK_NONE: c_int = 0;

#[repr(C)]
struct Message {
    style: c_int,
    msg: *const c_char,
}

#[repr(C)]
struct Response {
    resp: *mut c_char,
    retcode: c_int,
}

#[repr(C)]
struct PamConv {
    conv: extern "C" fn(c_int, *mut *const Message, *mut *mut Response, *mut c_void) -> c_int,
    appdata: *mut c_void,
}

#[repr(C)]
struct Handle {
    _private: [u8; 0],
}

#[link(name = "pam")]
unsafe extern "C" {
    fn pam_start_confdir(
        service: *const c_char,
        user: *const c_char,
        conv: *const PamConv,
        confdir: *const c_char,
        pamh: *mut *mut Handle,
    ) -> c_int;
    fn pam_authenticate(pamh: *mut Handle, flags: c_int) -> c_int;
    fn pam_acct_mgmt(pamh: *mut Handle, flags: c_int) -> c_int;
    fn pam_open_session(pamh: *mut Handle, flags: c_int) -> c_int;
    fn pam_close_session(pamh: *mut Handle, flags: c_int) -> c_int;
    fn pam_chauthtok(pamh: *mut Handle, flags: c_int) -> c_int;
    fn pam_get_item(pamh: *const Handle, item: c_int, out: *mut *const c_void) -> c_int;
    fn pam_end(pamh: *mut Handle, status: c_int) -> c_int;
}

/// What the conversation callback sees: the script, and the first panic it
/// raised (re-raised in the test thread after the PAM call).
struct App {
    script: Script,
    panic: Option<Box<dyn std::any::Any + Send>>,
}

extern "C" fn converse(
    n: c_int,
    msgs: *mut *const Message,
    resp: *mut *mut Response,
    appdata: *mut c_void,
) -> c_int {
    // SAFETY: appdata is the `App` the test passed to pam_start_confdir and
    // keeps alive for the handle's lifetime; Linux-PAM passes `n` message
    // pointers and wants a calloc'd response array it frees itself.
    let app = unsafe { &mut *appdata.cast::<App>() };
    let n = usize::try_from(n).unwrap_or(0);
    let out = unsafe { libc::calloc(n, std::mem::size_of::<Response>()) }.cast::<Response>();
    for i in 0..n {
        let m = unsafe { &**msgs.add(i) };
        let text = unsafe { CStr::from_ptr(m.msg) }
            .to_string_lossy()
            .into_owned();
        let step = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match m.style {
            PAM_PROMPT_ECHO_OFF => app
                .script
                .ask_secret(&text)
                .map(|s| CString::new(s.expose_secret()).expect("no NUL")),
            PAM_ERROR_MSG => {
                app.script.error(&text);
                None
            }
            PAM_TEXT_INFO => {
                app.script.info(&text);
                None
            }
            other => panic!("unexpected message style {other}: {text}"),
        }));
        match step {
            Ok(Some(answer)) => unsafe {
                (*out.add(i)).resp = libc::strdup(answer.as_ptr());
            },
            Ok(None) => {}
            Err(p) => {
                app.panic.get_or_insert(p);
                unsafe { libc::free(out.cast()) };
                return PAM_CONV_ERR;
            }
        }
    }
    unsafe { *resp = out };
    PAM_SUCCESS
}

/// The module as cargo built it for this test run (the cdylib is built with
/// the rlib the test links).
pub fn module_path() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    let deps = exe.parent().expect("deps folder");
    let so = deps.join("libpam_sesame.so");
    assert!(
        so.exists(),
        "{} is missing: build it with `cargo build -p sesame-pam`",
        so.display()
    );
    so
}

/// Writes a service file `service` in `confdir` with every facility on
/// `pam_sesame.so` and these arguments.
pub fn service_file(confdir: &Path, service: &str, args: &[String]) {
    std::fs::create_dir_all(confdir).expect("confdir");
    let module = module_path();
    let args = args.join(" ");
    let text = ["auth", "account", "password", "session"]
        .iter()
        .map(|f| format!("{f} required {} {args}\n", module.display()))
        .collect::<String>();
    std::fs::write(confdir.join(service), text).expect("service file");
}

/// One PAM transaction on a private configuration folder.
pub struct Transaction {
    pamh: *mut Handle,
    app: Box<App>,
    conv: Box<PamConv>,
}

impl Transaction {
    pub fn start(confdir: &Path, service: &str, user: &str, script: Script) -> Self {
        let mut app = Box::new(App {
            script,
            panic: None,
        });
        let conv = Box::new(PamConv {
            conv: converse,
            appdata: (&raw mut *app).cast(),
        });
        let service = CString::new(service).unwrap();
        let user = CString::new(user).unwrap();
        let dir = CString::new(confdir.as_os_str().as_encoded_bytes()).unwrap();
        let mut pamh = std::ptr::null_mut();
        let rc = unsafe {
            pam_start_confdir(
                service.as_ptr(),
                user.as_ptr(),
                &*conv,
                dir.as_ptr(),
                &mut pamh,
            )
        };
        assert_eq!(rc, PAM_SUCCESS, "pam_start_confdir");
        Self { pamh, app, conv }
    }

    fn after(&mut self, rc: c_int) -> c_int {
        if let Some(p) = self.app.panic.take() {
            std::panic::resume_unwind(p);
        }
        rc
    }

    pub fn authenticate(&mut self) -> c_int {
        let rc = unsafe { pam_authenticate(self.pamh, 0) };
        self.after(rc)
    }
    pub fn acct_mgmt(&mut self) -> c_int {
        let rc = unsafe { pam_acct_mgmt(self.pamh, 0) };
        self.after(rc)
    }
    pub fn open_close_session(&mut self) -> (c_int, c_int) {
        let open = unsafe { pam_open_session(self.pamh, 0) };
        let close = unsafe { pam_close_session(self.pamh, 0) };
        (self.after(open), self.after(close))
    }
    pub fn chauthtok(&mut self) -> c_int {
        let rc = unsafe { pam_chauthtok(self.pamh, PAM_PRELIM_CHECK_NONE) };
        self.after(rc)
    }
    /// `PAM_USER` now (the module sets it to the local account).
    pub fn user(&self) -> String {
        let mut p: *const c_void = std::ptr::null();
        let rc = unsafe { pam_get_item(self.pamh, PAM_USER, &mut p) };
        assert_eq!(rc, PAM_SUCCESS);
        unsafe { CStr::from_ptr(p.cast()) }
            .to_string_lossy()
            .into_owned()
    }
    /// Replaces the script for the next call (the old one must be used up).
    pub fn script(&mut self, script: Script) {
        self.app.script = script;
    }
}

/// One `pam_authenticate` in a fresh transaction, the script used up.
pub fn sign_in(confdir: &Path, service: &str, user: &str, script: Vec<super::Expect>) -> c_int {
    Transaction::start(confdir, service, user, Script::new(script)).authenticate()
}

impl Drop for Transaction {
    fn drop(&mut self) {
        unsafe { pam_end(self.pamh, PAM_SUCCESS) };
        let _ = &self.conv;
    }
}
