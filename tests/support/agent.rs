//! The login agent's job, glued from the real crates exactly as the agent
//! will do it (the agent crate has no orchestration yet): profile → Entra
//! client → web sign-in (code + PKCE) → ID token → password check →
//! provisioning plan → transactional apply → secret store, with a sync-log
//! event for every step. The menu-bar daemon's re-check is here too.

use std::time::Instant;

use entra_sim::SimHandle;
use entra_sim::headless::{self, HeadlessSignIn};
use secrecy::{ExposeSecret, SecretString};
use sesame_core::identity::Identity;
use sesame_core::provisioning::{AccountOs, LocalPasswordProof, Plan, PlanRequest, Policy};
use sesame_core::settings::Settings;
use sesame_entra::authorize::{AuthorizeOptions, Prompt, parse_redirect};
use sesame_entra::{
    ClientConfig, EntraClient, PasswordCheck, PasswordCheckFor, PasswordOwner, TokenSet,
};
use sesame_platform::{
    AccountDirectory, JournalFile, NoHook, Passwords, SecretError, SecretStore, provision,
};
use sesame_synclog::{Component, EventKind, SyncEvent, SyncLogWriter, Verdict};

use crate::world::load_settings;

/// Everything one sign-in produced, including the secrets it handled (so a
/// test can look for them where they must never be).
pub struct LoginOutcome {
    /// The validated identity.
    pub identity: Identity,
    /// What happened on the sign-in pages.
    pub walk: HeadlessSignIn,
    /// The password check.
    pub check: PasswordCheck,
    /// The provisioning plan that was applied (a denial is a plan too).
    pub plan: Plan,
    /// Secrets seen on the way: (what, value).
    pub secrets: Vec<(&'static str, String)>,
    /// The PKCE `code_challenge` sent (the verifier itself is not exposed by
    /// `sesame-entra`; it is found by hashing candidates).
    pub pkce_challenge: String,
}

/// Everything but the collected secrets (tests grep this `Debug` text).
impl std::fmt::Debug for LoginOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginOutcome")
            .field("identity", &self.identity)
            .field("walk", &self.walk)
            .field("check", &self.check)
            .field("plan", &self.plan)
            .field(
                "secrets",
                &format_args!("[{} collected]", self.secrets.len()),
            )
            .field("pkce_challenge", &self.pkce_challenge)
            .finish()
    }
}

/// The agent: settings, Entra client, provisioning policy and sync log.
#[derive(Debug)]
pub struct Agent {
    /// The validated profile.
    pub settings: Settings,
    /// The Entra client built from it.
    pub client: EntraClient,
    /// The provisioning policy built from it.
    pub policy: Policy,
    log: SyncLogWriter,
    host: String,
    written: usize,
}

fn secrets_of(tokens: &TokenSet, what: &'static str, out: &mut Vec<(&'static str, String)>) {
    out.push((what, tokens.access_token.expose_secret().to_owned()));
    if let Some(t) = &tokens.id_token {
        out.push((what, t.expose_secret().to_owned()));
    }
    if let Some(t) = &tokens.refresh_token {
        out.push((what, t.expose_secret().to_owned()));
    }
}

fn uuid(s: Option<&str>) -> Option<uuid::Uuid> {
    s.and_then(|s| uuid::Uuid::parse_str(s).ok())
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Agent {
    /// Loads the profile bytes, builds the client and policy, opens the sync
    /// log at the profile's `LogPath` (rotating at `rotate_bytes`, keeping 5)
    /// and logs `profile_loaded`.
    pub fn from_profile(profile: &[u8], rotate_bytes: u64) -> Self {
        let settings = load_settings(profile);
        let config = match ClientConfig::from_settings(&settings) {
            Ok(c) => c,
            Err(e) => panic!("client config from the profile: {e}"),
        };
        let client = match EntraClient::new(config) {
            Ok(c) => c,
            Err(e) => panic!("Entra client: {e}"),
        };
        let policy = Policy::from_settings(&settings, AccountOs::Linux);
        let log = match SyncLogWriter::open(&settings.log_path) {
            Ok(w) => w.with_rotation(rotate_bytes, 5),
            Err(e) => panic!("sync log: {e}"),
        };
        let mut agent = Self {
            settings,
            client,
            policy,
            log,
            host: sesame_synclog::host_name(),
            written: 0,
        };
        let msg = format!(
            "profile loaded: tenant {}, app {}",
            agent.settings.tenant.as_str(),
            agent.settings.oidc_client_id.as_str()
        );
        agent.event(
            SyncEvent::new(
                time::OffsetDateTime::now_utc(),
                "",
                Component::Agent,
                EventKind::ProfileLoaded,
                msg,
            )
            .with_verdict(Verdict::Pass),
        );
        agent
    }

    /// Appends `event` (host filled in); a sync-log failure fails the test.
    pub fn event(&mut self, mut event: SyncEvent) {
        event.host = self.host.clone();
        if let Err(e) = self.log.append(&event) {
            panic!("sync log append: {e}");
        }
        self.written += 1;
    }

    /// How many events this agent appended to the sync log.
    pub fn events_written(&self) -> usize {
        self.written
    }

    fn step(
        &mut self,
        kind: EventKind,
        upn: &str,
        short: Option<&str>,
        verdict: Verdict,
        msg: String,
    ) {
        self.event(
            SyncEvent::new(
                time::OffsetDateTime::now_utc(),
                "",
                Component::Agent,
                kind,
                msg,
            )
            .with_user(upn, short.map(str::to_owned))
            .with_verdict(verdict),
        );
    }

    fn log_check(
        &mut self,
        component: Component,
        upn: &str,
        short: Option<&str>,
        c: &PasswordCheck,
        took: std::time::Duration,
    ) {
        let err = c.error.as_ref();
        let msg = format!("password check: {}", c.verdict.name());
        self.event(
            SyncEvent::new(
                time::OffsetDateTime::now_utc(),
                "",
                component,
                EventKind::PasswordCheck,
                msg,
            )
            .with_user(upn, short.map(str::to_owned))
            .with_password_verdict(&c.verdict)
            .with_ids(
                uuid(err.and_then(|e| e.trace_id.as_deref())),
                uuid(err.and_then(|e| e.correlation_id.as_deref())),
            )
            .with_duration(took),
        );
    }

    /// The whole login-window job for `upn` typing `password`. `old_local`
    /// is the previous local password when the person typed it (a later
    /// sign-in after a cloud password change). Errors are logged as `fail`
    /// events and returned as text.
    #[allow(clippy::too_many_arguments)]
    pub async fn login(
        &mut self,
        sim: &SimHandle,
        upn: &str,
        password: &SecretString,
        old_local: Option<&SecretString>,
        dir: &dyn AccountDirectory,
        journal: &JournalFile,
        store: &dyn SecretStore,
    ) -> Result<LoginOutcome, String> {
        let mut secrets = Vec::new();
        let started = Instant::now();
        let options = AuthorizeOptions {
            prompt: Some(Prompt::Login),
            login_hint: Some(upn.to_owned()),
            domain_hint: None,
        };
        let pending = self
            .client
            .authorize(&options)
            .await
            .map_err(|e| self.fail(EventKind::SignIn, upn, e.to_string()))?;
        let pkce_challenge = pending
            .url
            .query_pairs()
            .find(|(k, _)| k == "code_challenge")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let walk = match headless::sign_in(sim, pending.url.as_str(), upn, password.expose_secret())
            .await
        {
            Ok(w) => w,
            Err(e) => panic!("sign-in pages for {upn}: {e}"),
        };
        let code = parse_redirect(&pending, &walk.redirect)
            .map_err(|e| self.fail(EventKind::SignIn, upn, e.to_string()))?;
        secrets.push(("authorization code", code.expose_secret().to_owned()));
        let signin = self
            .client
            .exchange_code(&pending, &code)
            .await
            .map_err(|e| self.fail(EventKind::SignIn, upn, e.to_string()))?;
        secrets_of(&signin.tokens, "code-flow token", &mut secrets);
        let mfa = if walk.answered_mfa { " with MFA" } else { "" };
        self.event(
            SyncEvent::new(
                time::OffsetDateTime::now_utc(),
                "",
                Component::Agent,
                EventKind::SignIn,
                format!("web sign-in finished{mfa}"),
            )
            .with_user(upn, None)
            .with_verdict(Verdict::Pass)
            .with_duration(started.elapsed()),
        );
        let claims = &signin.claims;
        let identity = claims.to_identity(claims.token_groups());
        self.step(
            EventKind::TokenValidated,
            upn,
            None,
            Verdict::Pass,
            format!(
                "ID token validated for oid {} tid {}",
                identity.id.oid, identity.id.tid
            ),
        );

        let started = Instant::now();
        // The password is checked for the signed-in identity (its own
        // username, its oid + tid), never for the UPN as typed.
        let owner = PasswordOwner::of(&identity);
        let outcome = self
            .client
            .verify_password_for(&owner, password)
            .await
            .map_err(|e| self.fail(EventKind::PasswordCheck, upn, e.to_string()))?;
        let (verified, check) = match outcome {
            PasswordCheckFor::Verified { password, check } => (Some(password), check),
            PasswordCheckFor::NotBound { check, .. } | PasswordCheckFor::NotVerified { check } => {
                (None, check)
            }
        };
        if let Some(t) = check.tokens() {
            secrets_of(t, "password-check token", &mut secrets);
        }
        self.log_check(Component::Agent, upn, None, &check, started.elapsed());
        let Some(verified) = verified else {
            return Err(self.fail(
                EventKind::PasswordCheck,
                upn,
                format!("password not verified for this identity: {}", check.verdict),
            ));
        };

        let now = now_rfc3339();
        let request = PlanRequest {
            identity: &identity,
            password: &verified,
            local_password: LocalPasswordProof::NotOffered,
            now: &now,
        };
        let passwords = Passwords {
            new: verified.password(),
            old_local,
        };
        let plan = provision(
            dir,
            journal,
            &self.policy,
            &request,
            &passwords,
            &mut NoHook,
        )
        .map_err(|e| self.fail(EventKind::AccountCreated, upn, e.to_string()))?;
        let short = plan.short_name().map(str::to_owned);
        let short_ref = short.as_deref();
        match &plan {
            Plan::Deny { .. } => {
                self.step(
                    plan.log_event(),
                    upn,
                    short_ref,
                    Verdict::Fail,
                    plan.explain(),
                );
            }
            Plan::Create(n) => {
                self.step(
                    plan.log_event(),
                    upn,
                    short_ref,
                    Verdict::Pass,
                    plan.explain(),
                );
                self.bound(upn, short_ref, &n.binding.id);
            }
            Plan::Update(u) | Plan::Link(u) => {
                self.step(
                    plan.log_event(),
                    upn,
                    short_ref,
                    Verdict::Pass,
                    plan.explain(),
                );
                self.step(
                    EventKind::PasswordChanged,
                    upn,
                    short_ref,
                    Verdict::Pass,
                    "local password set to the verified cloud password".into(),
                );
                self.bound(upn, short_ref, &u.binding.id);
            }
        }
        if let (Some(short), false) = (short_ref, matches!(plan, Plan::Deny { .. })) {
            let stored = match old_local {
                Some(old) => store.replace(short, old, verified.password()),
                None => store.store(short, verified.password()),
            };
            self.keychain_result(upn, short, stored)?;
        }
        Ok(LoginOutcome {
            identity,
            walk,
            check,
            plan,
            secrets,
            pkce_challenge,
        })
    }

    fn bound(&mut self, upn: &str, short: Option<&str>, id: &sesame_core::identity::EntraId) {
        self.step(
            EventKind::IdentityBound,
            upn,
            short,
            Verdict::Pass,
            format!("bound to oid {} tid {}", id.oid, id.tid),
        );
    }

    fn keychain_result(
        &mut self,
        upn: &str,
        short: &str,
        r: Result<(), SecretError>,
    ) -> Result<(), String> {
        match r {
            Ok(()) => {
                self.step(
                    EventKind::KeychainUpdated,
                    upn,
                    Some(short),
                    Verdict::Pass,
                    "password stored for the menu-bar re-check".into(),
                );
                Ok(())
            }
            Err(e) => Err(self.fail(EventKind::KeychainUpdated, upn, e.to_string())),
        }
    }

    fn fail(&mut self, kind: EventKind, upn: &str, msg: String) -> String {
        self.step(kind, upn, None, Verdict::Fail, msg.clone());
        msg
    }

    /// The menu-bar daemon's periodic check: the stored password of
    /// `short_name` against Entra, logged as a `menubar` event.
    pub async fn recheck(
        &mut self,
        upn: &str,
        short_name: &str,
        store: &dyn SecretStore,
    ) -> PasswordCheck {
        let stored = match store.read(short_name) {
            Ok(Some(p)) => p,
            other => panic!(
                "no stored password for {short_name}: {:?}",
                other.map(|_| ())
            ),
        };
        let started = Instant::now();
        let check = match self.client.check_password(upn, &stored).await {
            Ok(c) => c,
            Err(e) => panic!("password check refused locally: {e}"),
        };
        self.log_check(
            Component::Menubar,
            upn,
            Some(short_name),
            &check,
            started.elapsed(),
        );
        check
    }
}
