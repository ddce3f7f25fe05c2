//! `pam_sm_authenticate`: the password checked by Entra through the login
//! agent (native sign-in), MFA by device code where the profile requires it,
//! the account provisioned before the session opens, and the offline path.

use secrecy::SecretString;
use sesame_agent::outcome::Ending;
use sesame_agent::{Agent, Front, LoginOutcome, NoWebView, Seams};
use sesame_core::settings::{NativeMfa, Settings};
use sesame_entra::DiskCache;
use sesame_platform::{InMemorySecretStore, JournalFile, ShadowDirectory};
use time::OffsetDateTime;

use crate::code::{AuthEnd, Code};
use crate::conv::{Conversation, PamPrompter};
use crate::early::EarlyCheck;
use crate::offline::{self, Verifier};
use crate::options::Options;
use crate::who::{Who, load_settings, who};

/// One `pam_authenticate` call.
#[derive(Debug)]
pub struct AuthRequest<'a> {
    /// `PAM_SERVICE` (`sshd`, `login`, `gdm-password`).
    pub service: &'a str,
    /// `PAM_USER` as typed.
    pub user: &'a str,
    /// `PAM_AUTHTOK` set by an earlier module, if any.
    pub authtok: Option<SecretString>,
}

/// Whether `service` must finish with MFA (the profile's `PAMMFAServices`).
pub fn needs_mfa(settings: &Settings, service: &str) -> bool {
    settings.pam_mfa_services.iter().any(|s| s == service)
}

/// Runs one authentication. Never panics on input; every refusal is told
/// to the person through `conv` in one line.
pub fn authenticate(
    conv: &mut dyn Conversation,
    opts: &Options,
    req: AuthRequest<'_>,
    now: OffsetDateTime,
) -> AuthEnd {
    let mut settings = match load_settings(opts) {
        Ok(s) => s,
        Err(why) => {
            tracing::error!(%why, "pam_sesame: unusable profile");
            conv.error("Sign-in with Microsoft Entra ID is not set up correctly on this machine; ask your IT department.");
            return AuthEnd::just(Code::ServiceErr);
        }
    };
    let root = opts.system_root();
    let dir = ShadowDirectory::new(&root);
    let (upn, local) = match who(req.user, &dir) {
        Ok(Who::Entra { upn, local }) => (upn, local),
        Ok(Who::LocalOnly) => return AuthEnd::just(Code::Ignore),
        Err(why) => {
            tracing::error!(%why, "pam_sesame");
            conv.error(&why);
            return AuthEnd::just(Code::SystemErr);
        }
    };
    let mfa = needs_mfa(&settings, req.service);
    if mfa {
        // On an MFA service an interrupt after the password is finished by
        // device code whatever NativeMFA says for the login window; a
        // password Entra took alone goes to the device code too
        // (`Agent::requiring_mfa`), before anything is provisioned.
        settings.native_mfa = NativeMfa::DeviceCode;
    }
    let password = match req.authtok {
        Some(p) => p,
        None => match conv.ask_secret("Password: ") {
            Some(p) => p,
            None => return AuthEnd::just(Code::AuthErr),
        },
    };
    let offline_cfg = (settings.offline_sign_in, settings.offline_sign_in_days);
    let reset_url = settings.reset_password_url.to_string();
    let state = opts.state_dir();
    let failures = crate::throttle::load(&state, &upn);
    if let Some(wait) =
        crate::throttle::blocked(failures.as_ref(), settings.wrong_password_limit, now)
    {
        conv.error(&format!(
            "Too many wrong passwords: try again in {} minutes, or reset your password at {reset_url}",
            wait.whole_minutes() + 1
        ));
        return AuthEnd::just(Code::AuthErr);
    }
    let cache = DiskCache::new(opts.cache_dir());
    let agent = Agent::new(settings).map(|a| {
        let a = a.with_metadata_cache(cache);
        if mfa { a.requiring_mfa() } else { a }
    });
    let mut agent = match agent {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "pam_sesame: the agent cannot start");
            conv.error("Sign-in with Microsoft Entra ID is not set up correctly on this machine; ask your IT department.");
            return AuthEnd::just(Code::ServiceErr);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "pam_sesame: no runtime");
            return AuthEnd::just(Code::SystemErr);
        }
    };
    let journal = JournalFile::new(dir.journal_path());
    // The password is not kept by the module: the session's own agent
    // (menu bar) stores it where that user can reach it.
    let store = InMemorySecretStore::new();
    let mut prompter = PamPrompter::new(conv);
    // A returning user's local password check runs during Entra's round
    // trip (see `early`); the scope waits for it before returning.
    let early = EarlyCheck::new(&dir, local, &password);
    let outcome = std::thread::scope(|scope| {
        if early.wanted() {
            early.start();
            let spawned = std::thread::Builder::new()
                .name("pam_sesame-local-check".into())
                .spawn_scoped(scope, || early.run());
            if spawned.is_err() {
                early.stop();
            }
        }
        runtime.block_on(async {
            let seams = Seams {
                dir: &early,
                journal: &journal,
                store: &store,
                prompter: &mut prompter,
            };
            let front: Front<'_, NoWebView> = Front::Native {
                user: upn.clone(),
                password: password.clone(),
            };
            agent.login(front, None, seams).await
        })
    });
    let refused = prompter.password_refused;
    match outcome.outcome {
        Ending::Ready => {
            if failures.is_some() {
                crate::throttle::save(&state, &upn, None);
            }
            ready(conv, opts, &outcome, &password, offline_cfg.0, now)
        }
        Ending::Denied if refused => {
            crate::throttle::save(
                &state,
                &upn,
                Some(crate::throttle::after_wrong(failures, now)),
            );
            conv.error(&format!(
                "That password is not right. If you forgot it, reset it at {reset_url}"
            ));
            AuthEnd::just(Code::AuthErr)
        }
        Ending::Denied => {
            conv.error(&outcome.one_line());
            AuthEnd::just(Code::AuthErr)
        }
        Ending::LocalFallback => offline_sign_in(conv, opts, &upn, &password, offline_cfg, now),
    }
}

/// The account is ready: write the offline verifier (a full sign-in), say
/// any notice, continue as the local account.
fn ready(
    conv: &mut dyn Conversation,
    opts: &Options,
    outcome: &LoginOutcome,
    password: &SecretString,
    offline_on: bool,
    now: OffsetDateTime,
) -> AuthEnd {
    if let Some(notice) = &outcome.message {
        conv.info(&notice.one_line());
    }
    let short = outcome.short_name.clone();
    if offline_on
        && let (Some(upn), Some(oid), Some(tid), Some(s)) =
            (&outcome.upn, &outcome.oid, &outcome.tid, &short)
    {
        match Verifier::make(upn, oid, tid, s, password, now)
            .and_then(|v| offline::save(&opts.state_dir(), &v))
        {
            Ok(()) => {}
            // The sign-in stands; offline sign-in just won't work yet.
            Err(e) => tracing::error!(error = %e, "pam_sesame: offline verifier not saved"),
        }
    }
    AuthEnd {
        code: Code::Success,
        short_name: short,
    }
}

/// Entra cannot be reached: the offline verifier, if allowed.
fn offline_sign_in(
    conv: &mut dyn Conversation,
    opts: &Options,
    upn: &str,
    password: &SecretString,
    (enabled, days): (bool, u32),
    now: OffsetDateTime,
) -> AuthEnd {
    let record = if enabled {
        match offline::load(&opts.state_dir(), upn) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "pam_sesame: offline verifier unusable");
                None
            }
        }
    } else {
        None
    };
    let verdict =
        offline::allowed(enabled, days, record.as_ref(), now).and_then(|()| match &record {
            Some(r) if r.matches(password) => Ok(()),
            _ => Err(offline::OfflineRefusal::WrongPassword),
        });
    match (verdict, record) {
        (Ok(()), Some(r)) => {
            conv.info(&format!(
                "Signed in offline: Microsoft Entra ID cannot be reached. Last online sign-in {}.",
                r.signed_in_at.date()
            ));
            AuthEnd {
                code: Code::Success,
                short_name: Some(r.short_name),
            }
        }
        (Err(why), _) => {
            conv.error(&why.to_string());
            AuthEnd::just(match why {
                offline::OfflineRefusal::WrongPassword => Code::AuthErr,
                _ => Code::AuthInfoUnavail,
            })
        }
        (Ok(()), None) => AuthEnd::just(Code::AuthInfoUnavail),
    }
}
