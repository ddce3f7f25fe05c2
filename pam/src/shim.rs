//! The C entry points (`pam_sm_*`), through `pam-bindings`' `pam_hooks!`.
//! Each one converts the handle into plain values and a [`Conversation`],
//! runs the core inside `catch_unwind`, and converts the answer back: no
//! panic ever crosses into the loading process.

use std::ffi::{CStr, CString};
use std::panic::{AssertUnwindSafe, catch_unwind};

use pam::constants::{
    PAM_ERROR_MSG, PAM_PROMPT_ECHO_OFF, PAM_SILENT, PAM_TEXT_INFO, PamFlag, PamResultCode,
};
use pam::conv::Conv;
use pam::items::{AuthTok, Service, User};
use pam::module::{PamHandle, PamHooks};
use secrecy::SecretString;

use crate::code::Code;
use crate::conv::Conversation;
use crate::options::Options;

/// Linux-PAM's first pass of `pam_chauthtok` (not in `pam-bindings`).
const PAM_PRELIM_CHECK: PamFlag = 0x4000;

struct PamConv<'a> {
    conv: Option<Conv<'a>>,
    silent: bool,
}

impl Conversation for PamConv<'_> {
    fn ask_secret(&mut self, prompt: &str) -> Option<SecretString> {
        let answer = self
            .conv
            .as_ref()?
            .send(PAM_PROMPT_ECHO_OFF, prompt)
            .ok()??;
        let text = answer.as_str().ok()?.to_owned();
        Some(SecretString::from(text))
    }
    fn info(&mut self, text: &str) {
        if !self.silent
            && let Some(c) = &self.conv
        {
            let _ = c.send(PAM_TEXT_INFO, text);
        }
    }
    fn error(&mut self, text: &str) {
        if !self.silent
            && let Some(c) = &self.conv
        {
            let _ = c.send(PAM_ERROR_MSG, text);
        }
    }
}

fn to_pam(code: Code) -> PamResultCode {
    match code {
        Code::Success => PamResultCode::PAM_SUCCESS,
        Code::Ignore => PamResultCode::PAM_IGNORE,
        Code::AuthErr => PamResultCode::PAM_AUTH_ERR,
        Code::UserUnknown => PamResultCode::PAM_USER_UNKNOWN,
        Code::AuthInfoUnavail => PamResultCode::PAM_AUTHINFO_UNAVAIL,
        Code::ServiceErr => PamResultCode::PAM_SERVICE_ERR,
        Code::AuthTokErr => PamResultCode::PAM_AUTHTOK_ERR,
        Code::SystemErr => PamResultCode::PAM_SYSTEM_ERR,
    }
}

fn options(args: &[&CStr]) -> Result<Options, PamResultCode> {
    let texts: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    Options::parse(texts.iter().map(String::as_str)).map_err(|e| {
        tracing::error!(error = %e, "pam_sesame");
        eprintln!("{e}");
        PamResultCode::PAM_SERVICE_ERR
    })
}

fn service(pamh: &PamHandle) -> String {
    match pamh.get_item::<Service>() {
        Ok(Some(s)) => s.to_string_lossy().into_owned(),
        _ => String::new(),
    }
}

/// The module arguments and the user, or the answer to give.
fn start(pamh: &mut PamHandle, args: &[&CStr]) -> Result<(Options, String), PamResultCode> {
    let opts = options(args)?;
    let user = pamh.get_user(None)?;
    Ok((opts, user))
}

/// Runs `f`, turning a panic into `on_panic`.
fn guarded(on_panic: PamResultCode, f: impl FnOnce() -> PamResultCode) -> PamResultCode {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic)
}

/// The module (`pam_hooks!` exports its methods as `pam_sm_*`).
#[derive(Debug)]
pub struct SesamePam;

pam::pam_hooks!(SesamePam);

impl PamHooks for SesamePam {
    fn sm_authenticate(pamh: &mut PamHandle, args: Vec<&CStr>, flags: PamFlag) -> PamResultCode {
        guarded(PamResultCode::PAM_AUTH_ERR, || {
            let (opts, user) = match start(pamh, &args) {
                Ok(s) => s,
                Err(c) => return c,
            };
            let service = service(pamh);
            let authtok = match pamh.get_item::<AuthTok>() {
                Ok(Some(t)) => t
                    .to_owned_secret()
                    .as_str()
                    .ok()
                    .map(|s| SecretString::from(s.to_owned())),
                _ => None,
            };
            let end = {
                let mut conv = PamConv {
                    conv: pamh.get_item::<Conv>().ok().flatten(),
                    silent: flags & PAM_SILENT != 0,
                };
                crate::syslog::scoped(opts.debug, || {
                    crate::auth::authenticate(
                        &mut conv,
                        &opts,
                        crate::auth::AuthRequest {
                            service: &service,
                            user: &user,
                            authtok,
                        },
                        time::OffsetDateTime::now_utc(),
                    )
                })
            };
            if end.code == Code::Success
                && let Some(short) = end.short_name.filter(|s| *s != user)
                && let Ok(c) = CString::new(short)
                && pamh.set_item_str(User(&c)).is_err()
            {
                return PamResultCode::PAM_SYSTEM_ERR;
            }
            to_pam(end.code)
        })
    }

    fn acct_mgmt(pamh: &mut PamHandle, args: Vec<&CStr>, _flags: PamFlag) -> PamResultCode {
        guarded(PamResultCode::PAM_SYSTEM_ERR, || match start(pamh, &args) {
            Ok((opts, user)) => to_pam(crate::account::account(&opts, &user)),
            Err(c) => c,
        })
    }

    fn sm_chauthtok(pamh: &mut PamHandle, args: Vec<&CStr>, flags: PamFlag) -> PamResultCode {
        guarded(PamResultCode::PAM_SYSTEM_ERR, || {
            let (opts, user) = match start(pamh, &args) {
                Ok(s) => s,
                Err(c) => return c,
            };
            let mut conv = PamConv {
                conv: pamh.get_item::<Conv>().ok().flatten(),
                silent: flags & PAM_SILENT != 0,
            };
            to_pam(crate::account::change_password(
                &mut conv,
                &opts,
                &user,
                flags & PAM_PRELIM_CHECK != 0,
            ))
        })
    }

    fn sm_open_session(pamh: &mut PamHandle, args: Vec<&CStr>, _: PamFlag) -> PamResultCode {
        session(pamh, &args)
    }

    fn sm_close_session(pamh: &mut PamHandle, args: Vec<&CStr>, _: PamFlag) -> PamResultCode {
        session(pamh, &args)
    }

    fn sm_setcred(pamh: &mut PamHandle, args: Vec<&CStr>, _: PamFlag) -> PamResultCode {
        session(pamh, &args)
    }
}

fn session(pamh: &mut PamHandle, args: &[&CStr]) -> PamResultCode {
    guarded(PamResultCode::PAM_SYSTEM_ERR, || match start(pamh, args) {
        Ok((opts, user)) => to_pam(crate::account::session(&opts, &user)),
        Err(c) => c,
    })
}
