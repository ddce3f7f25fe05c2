//! The orchestration: run the login step machine, doing each request it
//! makes (web view, Entra, directory, secret store) and writing the one
//! sync-log event of every transition.

mod account;
mod device;
mod entra;
mod generic;

pub use device::DEVICE_CODE_WAIT;

use std::time::Instant;

use secrecy::SecretString;
use sesame_core::identity::Identity;
use sesame_core::login::{Front as MachineFront, Input, LoginMachine, LoginRules, Next, Request};
use sesame_core::provisioning::{AccountOs, Plan, Policy};
use sesame_core::settings::Settings;
use sesame_core::synclog::SyncEvent;
use sesame_entra::authorize::PendingAuthorization;
use sesame_entra::{ClientConfig, EntraClient, SignIn};
use sesame_platform::{AccountDirectory, JournalFile, SecretStore};
use sesame_synclog::SyncLogWriter;

use crate::outcome::LoginOutcome;
use crate::prompt::Prompter;
use crate::web::WebLogin;

/// The agent could not start (the profile's client settings or the sync log).
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The profile does not make a usable Entra client.
    #[error("the profile's Entra settings are unusable: {0}; run `sesame profile check`")]
    Client(#[from] sesame_entra::ConfigError),
    /// The sync log cannot be opened.
    #[error("the sync log cannot be opened: {0}")]
    Log(#[from] sesame_synclog::SyncLogError),
}

/// How the person signs in.
pub enum Front<'w, W: WebLogin> {
    /// In a web view (Entra's pages, MFA there).
    Web(&'w mut W),
    /// User name and password, checked by ROPG (the password came up front).
    Native {
        /// The user name typed.
        user: String,
        /// The password typed.
        password: SecretString,
    },
}

impl<W: WebLogin> std::fmt::Debug for Front<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Web(_) => f.write_str("Web"),
            Self::Native { user, .. } => f
                .debug_struct("Native")
                .field("user", user)
                .finish_non_exhaustive(),
        }
    }
}

/// A web view that is not there: every sign-in ends with `reason` (the
/// native front, or a build without a web view).
#[derive(Debug)]
pub struct NoWebView(pub crate::web::WebLoginError);

impl WebLogin for NoWebView {
    async fn sign_in(
        &mut self,
        _: crate::web::WebSignInRequest,
    ) -> Result<crate::web::WebSignInResult, crate::web::WebLoginError> {
        Err(match &self.0 {
            crate::web::WebLoginError::NoDisplay => crate::web::WebLoginError::NoDisplay,
            crate::web::WebLoginError::BrowserMissing(d) => {
                crate::web::WebLoginError::BrowserMissing(d.clone())
            }
            other => crate::web::WebLoginError::Browser(other.to_string()),
        })
    }
}

/// The machine's OS seams for one sign-in.
pub struct Seams<'a> {
    /// The account directory.
    pub dir: &'a dyn AccountDirectory,
    /// The apply journal.
    pub journal: &'a JournalFile,
    /// The secret store.
    pub store: &'a dyn SecretStore,
    /// The person.
    pub prompter: &'a mut dyn Prompter,
}

impl std::fmt::Debug for Seams<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seams")
            .field("journal", self.journal)
            .finish_non_exhaustive()
    }
}

/// The login agent: the profile, the Entra client, the provisioning policy,
/// the login rules and the sync log.
#[derive(Debug)]
pub struct Agent {
    settings: Settings,
    idp: Idp,
    policy: Policy,
    rules: LoginRules,
    log: SyncLogWriter,
    host: String,
    log_failures: usize,
}

/// Who signs people in: Entra, or another OpenID provider named by the
/// profile's `OIDCDiscoveryURL` (Entra-only steps — Graph overage, AADSTS
/// answers, v1/v2, the device code — step aside there).
#[derive(Debug)]
enum Idp {
    Entra(Box<EntraClient>),
    OpenId(Box<generic::OpenId>),
}

/// Everything one sign-in holds on the way; secrets stay here, never in
/// the machine or the log.
#[derive(Default)]
pub(crate) struct Ctx {
    pub(crate) pending: Option<PendingAuthorization>,
    pub(crate) redirect: Option<SecretString>,
    pub(crate) captured: Option<crate::web::CapturedPassword>,
    pub(crate) code: Option<SecretString>,
    pub(crate) signin: Option<SignIn>,
    pub(crate) token_problem: Option<String>,
    pub(crate) native: Option<(String, SecretString)>,
    pub(crate) native_claims: Option<sesame_entra::EntraClaims>,
    /// Who signed in at another OpenID provider (web: the code's ID token;
    /// native: the password grant's).
    pub(crate) open_id: Option<sesame_entra::oidc::OidcIdentity>,
    pub(crate) graph_token: Option<SecretString>,
    /// The refresh token of the verified password sign-in, for quiet mode.
    pub(crate) session: Option<sesame_core::recheck::RefreshSession>,
    pub(crate) identity: Option<Identity>,
    pub(crate) password: Option<SecretString>,
    pub(crate) refused: Vec<SecretString>,
    pub(crate) verdict: Option<sesame_core::verdict::PasswordVerdict>,
    /// The password Entra verified for this identity (the only one that may
    /// become the local and the stored password).
    pub(crate) verified: Option<sesame_core::password_binding::VerifiedPassword>,
    pub(crate) old_local: Option<SecretString>,
    pub(crate) stored: Option<SecretString>,
    pub(crate) plan: Option<Plan>,
    pub(crate) old_used: Option<SecretString>,
    /// Trace and correlation IDs and the duration of the last Entra call.
    pub(crate) ids: Option<(Option<uuid::Uuid>, Option<uuid::Uuid>)>,
    pub(crate) took: Option<std::time::Duration>,
}

impl Agent {
    /// An agent for `settings`, logging to `settings.log_path`.
    pub fn new(settings: Settings) -> Result<Self, AgentError> {
        let config = ClientConfig::from_settings(&settings)?;
        let idp = match &settings.oidc_discovery_url {
            Some(url) => Idp::OpenId(Box::new(generic::OpenId::new(config, url.clone()))),
            None => Idp::Entra(Box::new(EntraClient::new(config)?)),
        };
        let policy = Policy::from_settings(&settings, AccountOs::current());
        let rules = LoginRules::from_settings(&settings);
        let log = SyncLogWriter::open(&settings.log_path)?;
        Ok(Self {
            settings,
            idp,
            policy,
            rules,
            log,
            host: sesame_synclog::host_name(),
            log_failures: 0,
        })
    }

    /// Requires MFA on the native sign-in: a password Entra accepts without
    /// an interrupt still goes to the device code, and nothing is
    /// provisioned unless that finishes for the same identity (PAM on the
    /// profile's `PAMMFAServices`).
    pub fn requiring_mfa(mut self) -> Self {
        self.rules.require_mfa = true;
        self
    }

    /// Uses `policy` for provisioning (tests of another OS's rules).
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The Entra client; `None` when the profile names another OpenID
    /// provider (`OIDCDiscoveryURL`).
    pub fn client(&self) -> Option<&EntraClient> {
        match &self.idp {
            Idp::Entra(c) => Some(c),
            Idp::OpenId(_) => None,
        }
    }

    /// Sync-log appends that failed (the sign-in goes on; the system log
    /// says why).
    pub fn log_failures(&self) -> usize {
        self.log_failures
    }

    /// Runs one sign-in to its end: the account ready, a denial, or the
    /// local fallback. Never hangs on Entra: every request is bounded by
    /// [`sesame_core::login::FAULT_DEADLINE`], the web view by its timeout.
    pub async fn login<W: WebLogin>(
        &mut self,
        front: Front<'_, W>,
        hint: Option<&str>,
        seams: Seams<'_>,
    ) -> LoginOutcome {
        let mut machine = LoginMachine::new(self.rules.clone());
        let mut ctx = Ctx::default();
        let (machine_front, mut web, username) = match front {
            Front::Web(w) => (MachineFront::Web, Some(w), hint.map(str::to_owned)),
            Front::Native { user, password } => {
                ctx.native = Some((user.clone(), password));
                (MachineFront::Native, None, Some(user))
            }
        };
        let mut input = Input::Start {
            front: machine_front,
            username,
        };
        let mut plan_for_outcome: Option<Plan> = None;
        loop {
            let t = machine.step(input, time::OffsetDateTime::now_utc());
            self.write(t.event, &mut ctx);
            let request = match t.next {
                Next::Request(r) => r,
                end => {
                    let mut out = LoginOutcome::from_next(&end);
                    if out.plan.is_none()
                        && let Some(p) = plan_for_outcome.as_ref().or(ctx.plan.as_ref())
                    {
                        out.set_plan(p);
                        out.plan = Some(p.clone());
                    }
                    if let Some(id) = &ctx.identity {
                        out.upn = Some(id.username.clone());
                        out.set_id(&id.id);
                    } else if let Some(who) = machine.who() {
                        out.upn = Some(who.username.clone());
                        out.set_id(&who.id);
                    } else {
                        out.upn = hint
                            .map(str::to_owned)
                            .or(ctx.native.as_ref().map(|n| n.0.clone()));
                    }
                    if out.outcome == crate::outcome::Ending::Denied && out.proved.is_none() {
                        out.proved = ctx.verdict.as_ref().map(|v| v.to_string());
                    }
                    return out;
                }
            };
            input = match request {
                Request::WebSignIn => match web.as_deref_mut() {
                    Some(w) => self.web_sign_in(w, hint, &mut ctx).await,
                    None => Input::WebFailed(sesame_core::login::WebProblem::NoDisplay),
                },
                Request::ParseRedirect => self.parse_redirect(&mut ctx),
                Request::ExchangeCode => self.exchange_code(&mut ctx).await,
                Request::ValidateToken => self.validate_token(&mut ctx),
                Request::ResolveGroups { overage } => self.resolve_groups(overage, &mut ctx).await,
                Request::UseCaptured(_) => self.use_captured(&mut ctx),
                Request::AskPassword { message } => {
                    let typed = match ctx.native.as_mut() {
                        // The native password answers the first ask.
                        Some((_, p)) if ctx.password.is_none() && ctx.refused.is_empty() => {
                            Some((p.clone(), sesame_core::login::PasswordSource::Native))
                        }
                        _ => seams
                            .prompter
                            .ask_password(&message)
                            .map(|p| (p, sesame_core::login::PasswordSource::Asked)),
                    };
                    self.obtained(typed, &mut ctx)
                }
                Request::ChooseLocalPassword { message } => {
                    match seams.prompter.choose_local_password(&message) {
                        Some(p) => {
                            ctx.password = Some(p);
                            Input::LocalPasswordChosen
                        }
                        None => Input::PasswordDeclined,
                    }
                }
                Request::CheckPassword { username } => {
                    self.check_password(&username, &mut ctx).await
                }
                Request::Plan => self.plan(&seams, &machine, &mut ctx),
                Request::AskOldLocalPassword { message } => {
                    match seams.prompter.ask_old_local_password(&message) {
                        Some(p) => {
                            ctx.old_local = Some(p);
                            self.plan(&seams, &machine, &mut ctx)
                        }
                        None => Input::PasswordDeclined,
                    }
                }
                Request::Apply { old_local } => {
                    let r = self.apply(&seams, old_local, &mut ctx);
                    plan_for_outcome = ctx.plan.clone();
                    r
                }
                Request::Store(action) => self.store(&seams, action, &mut ctx),
                Request::DeviceCode { username } => {
                    self.device_code(&username, seams.prompter, &mut ctx).await
                }
            };
        }
    }

    /// Appends one event: host filled in, and the Entra IDs and duration of
    /// the request that led to it.
    fn write(&mut self, mut event: SyncEvent, ctx: &mut Ctx) {
        event.host = self.host.clone();
        if let Some((trace, correlation)) = ctx.ids.take() {
            event = event.with_ids(trace, correlation);
        }
        if let Some(took) = ctx.took.take() {
            event = event.with_duration(took);
        }
        if let Err(e) = self.log.append(&event) {
            self.log_failures += 1;
            tracing::error!(error = %e, "sync log append failed");
        }
    }
}

/// Runs `fut` for at most the fault deadline; `None` when it took longer.
pub(crate) async fn bounded<T>(
    fut: impl std::future::Future<Output = T>,
    took: &mut Option<std::time::Duration>,
) -> Option<T> {
    let started = Instant::now();
    let r = tokio::time::timeout(sesame_core::login::FAULT_DEADLINE, fut)
        .await
        .ok();
    *took = Some(started.elapsed());
    r
}
