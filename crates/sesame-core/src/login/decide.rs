//! The transitions: one input in, one [`Transition`] out.

use time::OffsetDateTime;

use super::messages::{self as m, UserMessage};
use super::{
    Binding, Captured, Denial, DenyKind, DeviceCodeEnd, Fallback, Front, Input, LoginRules, Next,
    PasswordSource, Request, StoreAction, Transition, WebProblem, Who,
};
use crate::identity::Groups;
use crate::provisioning::Plan;
use crate::settings::NativeMfa;
use crate::synclog::{Component, EventKind, SyncEvent, Verdict};
use crate::verdict::PasswordVerdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    Start,
    Web,
    Redirect,
    Exchange,
    Token,
    Groups,
    Password,
    Check,
    DeviceCode,
    Plan,
    Apply,
    Store,
    Done,
}

/// The login step machine for one sign-in. Feed it [`Input`]s with
/// [`LoginMachine::step`]; it answers with the next request, success, or a
/// denial, and the sync-log event of the transition.
#[derive(Debug, Clone)]
pub struct LoginMachine {
    pub(super) rules: LoginRules,
    pub(super) stage: Stage,
    pub(super) front: Front,
    pub(super) username: Option<String>,
    pub(super) who: Option<Who>,
    pub(super) captured: Captured,
    /// Wrong-password verdicts from Entra in this sign-in.
    pub(super) wrong: u32,
    /// Prompts for the Entra password made in this sign-in.
    pub(super) asks: u32,
    pub(super) passwordless: bool,
    pub(super) verdict: Option<PasswordVerdict>,
    pub(super) plan: Option<Plan>,
    pub(super) store: StoreAction,
    pub(super) local_asks: u32,
}

impl LoginMachine {
    /// A machine for one sign-in under `rules`.
    pub fn new(rules: LoginRules) -> Self {
        Self {
            rules,
            stage: Stage::Start,
            front: Front::Web,
            username: None,
            who: None,
            captured: Captured::Nothing,
            wrong: 0,
            asks: 0,
            passwordless: false,
            verdict: None,
            plan: None,
            store: StoreAction::Store,
            local_asks: 0,
        }
    }

    /// The rules the machine decides by.
    pub fn rules(&self) -> &LoginRules {
        &self.rules
    }

    /// The validated identity, once known.
    pub fn who(&self) -> Option<&Who> {
        self.who.as_ref()
    }

    /// The person used no Entra password (passwordless, local-only password).
    pub fn is_passwordless(&self) -> bool {
        self.passwordless
    }

    /// How many passwords Entra called wrong in this sign-in.
    pub fn wrong_passwords(&self) -> u32 {
        self.wrong
    }

    /// One transition. `now` stamps the event.
    pub fn step(&mut self, input: Input, now: OffsetDateTime) -> Transition {
        let (next, kind, verdict, message) = self.decide(input);
        if !matches!(next, Next::Request(_)) {
            self.stage = Stage::Done;
        }
        let upn = self
            .who
            .as_ref()
            .map(|w| w.username.clone())
            .or_else(|| self.username.clone())
            .unwrap_or_default();
        let short = self
            .plan
            .as_ref()
            .and_then(|p| p.short_name())
            .map(str::to_owned);
        let mut event = SyncEvent::new(now, "", Component::Agent, kind, message);
        if !upn.is_empty() {
            event = event.with_user(upn, short);
        }
        event = match verdict {
            V::Step(v) => event.with_verdict(v),
            V::Password(p) => event.with_password_verdict(&p),
        };
        Transition { next, event }
    }

    fn decide(&mut self, input: Input) -> (Next, EventKind, V, String) {
        use Stage as S;
        match (self.stage, input) {
            (S::Start, Input::Start { front, username }) => self.start(front, username),
            (S::Web, Input::WebFinished(captured)) => {
                self.captured = captured;
                self.stage = S::Redirect;
                let what = match captured {
                    Captured::Nothing => "no password captured",
                    Captured::Current => "password captured from the sign-in page",
                    Captured::New => "new password captured from the change page",
                };
                (
                    req(Request::ParseRedirect),
                    EventKind::SignIn,
                    V::Step(Verdict::Pass),
                    format!("web sign-in finished; {what}"),
                )
            }
            (S::Web, Input::WebFailed(p)) => self.web_failed(p),
            (S::Redirect, Input::RedirectOk) => {
                self.stage = S::Exchange;
                (
                    req(Request::ExchangeCode),
                    EventKind::RedirectCaptured,
                    V::Step(Verdict::Pass),
                    "redirect captured with an authorization code (state matched)".into(),
                )
            }
            (S::Exchange, Input::CodeExchanged) => {
                self.stage = S::Token;
                (
                    req(Request::ValidateToken),
                    EventKind::CodeExchanged,
                    V::Step(Verdict::Pass),
                    "authorization code redeemed (PKCE)".into(),
                )
            }
            (S::Token, Input::TokenValidated(who)) => {
                let msg = format!(
                    "ID token validated for {} ({}){}",
                    who.username,
                    who.id.describe(),
                    if who.overage {
                        "; groups left out (overage)"
                    } else {
                        ""
                    }
                );
                let overage = who.overage;
                self.who = Some(who);
                self.stage = S::Groups;
                (
                    req(Request::ResolveGroups { overage }),
                    EventKind::TokenValidated,
                    V::Step(Verdict::Pass),
                    msg,
                )
            }
            (S::Groups, Input::GroupsResolved { groups, from_graph }) => {
                self.groups_resolved(&groups, from_graph)
            }
            (
                S::Password,
                Input::PasswordObtained {
                    source,
                    already_refused,
                },
            ) => self.password_obtained(source, already_refused),
            (S::Password, Input::PasswordDeclined) => self.password_declined(),
            (S::Password, Input::LocalPasswordChosen) if self.passwordless => {
                self.stage = S::Plan;
                (
                    req(Request::Plan),
                    EventKind::PasswordObtained,
                    V::Step(Verdict::Warn),
                    "passwordless user chose a local-only password after the web sign-in (PasswordlessLocalPassword); it is never sent to Entra".into(),
                )
            }
            (S::Check, Input::PasswordChecked { verdict, binding }) => {
                self.password_checked(verdict, binding)
            }
            (S::DeviceCode, Input::DeviceCodeEnded(end)) => self.device_code_ended(end),
            (S::Plan, Input::Planned { plan, facts }) => self.planned(*plan, facts),
            (S::Plan, Input::PasswordDeclined) => self.deny(
                EventKind::AccountPlanned,
                DenyKind::OldPasswordNeeded,
                m::old_local_needed(&self.rules),
                "the previous local password was needed and not given; nothing changed".into(),
            ),
            (S::Apply, Input::Applied(result)) => self.applied(result),
            (S::Store, Input::Stored(result)) => self.stored(result),
            (
                S::Redirect
                | S::Exchange
                | S::Token
                | S::Groups
                | S::Check
                | S::Web
                | S::DeviceCode,
                Input::Refused { verdict, detail },
            ) => self.refused(verdict, detail),
            (stage, input) => self.deny(
                EventKind::LoginStarted,
                DenyKind::Failed,
                m::failed(&self.rules),
                format!("internal error: {input:?} is not expected at step {stage:?}"),
            ),
        }
    }

    fn start(&mut self, front: Front, username: Option<String>) -> (Next, EventKind, V, String) {
        self.front = front;
        self.username = username.filter(|u| !u.trim().is_empty());
        match front {
            Front::Web => {
                self.stage = Stage::Web;
                (
                    req(Request::WebSignIn),
                    EventKind::LoginStarted,
                    V::Step(Verdict::Pass),
                    "web sign-in started".into(),
                )
            }
            Front::Native if self.username.is_none() => self.deny(
                EventKind::LoginStarted,
                DenyKind::UnknownUser,
                m::unknown_user(),
                "native sign-in without a user name".into(),
            ),
            Front::Native => {
                self.stage = Stage::Password;
                (
                    req(Request::AskPassword {
                        message: UserMessage::plain(m::ENTER_PASSWORD),
                    }),
                    EventKind::LoginStarted,
                    V::Step(Verdict::Pass),
                    "native sign-in started".into(),
                )
            }
        }
    }

    fn web_failed(&mut self, p: WebProblem) -> (Next, EventKind, V, String) {
        let (kind, msg) = match &p {
            WebProblem::NoDisplay => (DenyKind::NoWebView, m::no_display()),
            WebProblem::BrowserMissing(d) => (DenyKind::NoWebView, m::browser_missing(d)),
            WebProblem::Closed => (DenyKind::Cancelled, m::cancelled()),
            WebProblem::TimedOut => (
                DenyKind::Cancelled,
                UserMessage::plain("The sign-in took too long. Try again."),
            ),
            WebProblem::Browser(_) => (DenyKind::Failed, m::failed(&self.rules)),
        };
        let log = format!("web sign-in did not finish: {p:?}");
        self.deny(EventKind::SignIn, kind, msg, log)
    }

    fn groups_resolved(
        &mut self,
        groups: &Groups,
        from_graph: bool,
    ) -> (Next, EventKind, V, String) {
        let (verdict, msg) = match groups {
            Groups::Known { ids } => (
                Verdict::Pass,
                format!(
                    "{} group(s) read from {}",
                    ids.len(),
                    if from_graph {
                        "Graph (overage)"
                    } else {
                        "the ID token"
                    }
                ),
            ),
            Groups::Unknown { reason } => (
                Verdict::Warn,
                format!("groups unknown ({reason}); group checks fail closed"),
            ),
            Groups::NotEmitted if self.who.as_ref().is_some_and(|w| w.id.is_open_id()) => (
                Verdict::Warn,
                "the OpenID provider's ID token carries no groups claim (have it send the group IDs as a `groups` array); group checks fail closed".into(),
            ),
            Groups::NotEmitted => (
                Verdict::Warn,
                "the ID token carries no groups claim (app registration: Token configuration > Add groups claim); group checks fail closed".into(),
            ),
        };
        let next = match (self.front, self.captured) {
            (Front::Native, _) => {
                self.stage = Stage::Plan;
                Request::Plan
            }
            (Front::Web, Captured::Nothing) => {
                self.stage = Stage::Password;
                self.asks += 1;
                Request::AskPassword {
                    message: UserMessage::plain(m::ENTER_PASSWORD),
                }
            }
            (Front::Web, c) => {
                self.stage = Stage::Password;
                Request::UseCaptured(c)
            }
        };
        (req(next), EventKind::GroupsResolved, V::Step(verdict), msg)
    }

    fn password_obtained(
        &mut self,
        source: PasswordSource,
        already_refused: bool,
    ) -> (Next, EventKind, V, String) {
        if already_refused {
            // Never re-send a password Entra already called wrong; a re-typed
            // refused password still spends one try of the budget.
            self.asks += 1;
            if self.asks > self.rules.wrong_password_limit * 2 {
                return self.deny(
                    EventKind::PasswordObtained,
                    DenyKind::TooManyWrongPasswords,
                    m::too_many_wrong(&self.rules),
                    "the same refused password was typed again; not sent; stopped asking".into(),
                );
            }
            return (
                req(Request::AskPassword {
                    message: m::already_refused(),
                }),
                EventKind::PasswordObtained,
                V::Step(Verdict::Warn),
                "not sent: Entra already called this password wrong; asked again".into(),
            );
        }
        let username = match (self.front, &self.who, &self.username) {
            (Front::Web, Some(w), _) => w.username.clone(),
            (Front::Native, _, Some(u)) => u.trim().to_owned(),
            _ => {
                return self.deny(
                    EventKind::PasswordObtained,
                    DenyKind::Failed,
                    m::failed(&self.rules),
                    "internal error: no user name to check the password for".into(),
                );
            }
        };
        self.stage = Stage::Check;
        (
            req(Request::CheckPassword { username }),
            EventKind::PasswordObtained,
            V::Step(Verdict::Pass),
            format!("password {}", source.describe()),
        )
    }

    fn password_declined(&mut self) -> (Next, EventKind, V, String) {
        let passwordless_ok = self.front == Front::Web
            && self.captured == Captured::Nothing
            && self.rules.passwordless_local_password
            && self.wrong == 0
            && !self.passwordless;
        if passwordless_ok {
            self.passwordless = true;
            return (
                req(Request::ChooseLocalPassword {
                    message: m::choose_local(),
                }),
                EventKind::PasswordObtained,
                V::Step(Verdict::Warn),
                "no Entra password given after an MFA web sign-in; asking for a local-only password (PasswordlessLocalPassword)".into(),
            );
        }
        if self.wrong > 0 {
            let left = self.rules.wrong_password_limit.saturating_sub(self.wrong);
            return self.deny(
                EventKind::PasswordObtained,
                DenyKind::WrongPassword,
                m::wrong_password(left),
                format!(
                    "no new password given after {} wrong password(s)",
                    self.wrong
                ),
            );
        }
        self.deny(
            EventKind::PasswordObtained,
            DenyKind::Cancelled,
            m::cancelled(),
            "no password given".into(),
        )
    }

    fn password_checked(
        &mut self,
        verdict: PasswordVerdict,
        binding: Binding,
    ) -> (Next, EventKind, V, String) {
        let kind = EventKind::PasswordCheck;
        if verdict.is_password_verified() {
            let proved = proved(&verdict);
            match binding {
                Binding::ThisIdentity => {}
                Binding::OtherIdentity => {
                    let log = format!(
                        "{proved}, but for another identity than the one signed in; not used"
                    );
                    return self.deny_with(
                        kind,
                        DenyKind::OtherIdentity,
                        m::other_identity(),
                        log,
                        verdict,
                    );
                }
                Binding::Unproven | Binding::NotApplicable => {
                    let log = format!(
                        "{proved}, but no validated ID token ties it to this identity; not used"
                    );
                    return self.deny_with(
                        kind,
                        DenyKind::Unknown,
                        m::unknown_answer(&self.rules),
                        log,
                        verdict,
                    );
                }
            }
            if self.front == Front::Native
                && matches!(verdict, PasswordVerdict::VerifiedInterrupted { .. })
            {
                if self.rules.native_mfa == NativeMfa::DeviceCode
                    && let Some(go) = self.go_to_device_code(
                        verdict.clone(),
                        "finishing MFA with the device code (NativeMFA)",
                    )
                {
                    return go;
                }
                let log = format!("{proved}; native sign-in cannot do MFA: use the web sign-in");
                return self.deny_with(
                    kind,
                    DenyKind::MfaRequired,
                    m::mfa_required(),
                    log,
                    verdict,
                );
            }
            if self.front == Front::Native
                && self.rules.require_mfa
                && let Some(go) = self.go_to_device_code(
                    verdict.clone(),
                    "this service requires MFA: finishing with the device code",
                )
            {
                return go;
            }
            self.verdict = Some(verdict.clone());
            let next = match self.front {
                Front::Native => {
                    self.stage = Stage::Token;
                    Request::ValidateToken
                }
                Front::Web => {
                    self.stage = Stage::Plan;
                    Request::Plan
                }
            };
            return (
                req(next),
                kind,
                V::Password(verdict),
                format!("{proved} for this identity"),
            );
        }
        if verdict.is_wrong_password() {
            self.wrong += 1;
            let limit = self.rules.wrong_password_limit;
            if self.wrong >= limit {
                let log = format!(
                    "wrong password ({} of {limit} allowed by WrongPasswordLimit); stopped before smart lockout",
                    self.wrong
                );
                return self.deny_with(
                    kind,
                    DenyKind::TooManyWrongPasswords,
                    m::too_many_wrong(&self.rules),
                    log,
                    verdict,
                );
            }
            self.stage = Stage::Password;
            self.asks += 1;
            let msg = format!("wrong password ({} of {limit}); asked again", self.wrong);
            return (
                req(Request::AskPassword {
                    message: m::wrong_password(limit - self.wrong),
                }),
                kind,
                V::Password(verdict),
                msg,
            );
        }
        self.refused(verdict, String::new())
    }

    /// Goes on to the device code for the name the password was sent for
    /// (`None` when no name was typed).
    fn go_to_device_code(
        &mut self,
        verdict: PasswordVerdict,
        why: &str,
    ) -> Option<(Next, EventKind, V, String)> {
        let username = self.username.as_ref().map(|u| u.trim().to_owned())?;
        let log = format!("{}; {why}", proved(&verdict));
        self.verdict = Some(verdict.clone());
        self.stage = Stage::DeviceCode;
        Some((
            req(Request::DeviceCode { username }),
            EventKind::PasswordCheck,
            V::Password(verdict),
            log,
        ))
    }

    /// The device-code MFA ended: the same user goes on to the token's
    /// identity; anything else is a plain refusal.
    fn device_code_ended(&mut self, end: DeviceCodeEnd) -> (Next, EventKind, V, String) {
        let kind = EventKind::SignIn;
        let why = match end {
            DeviceCodeEnd::SignedIn(Binding::ThisIdentity) => {
                self.stage = Stage::Token;
                return (
                    req(Request::ValidateToken),
                    kind,
                    V::Step(Verdict::Pass),
                    "device-code sign-in finished (MFA) by the user the password was verified for"
                        .into(),
                );
            }
            DeviceCodeEnd::SignedIn(_) => {
                return self.deny(
                    kind,
                    DenyKind::OtherIdentity,
                    m::device_code_other_user(),
                    "device-code sign-in finished by another user than the one the password was verified for; refused".into(),
                );
            }
            DeviceCodeEnd::Declined => "the sign-in was declined",
            DeviceCodeEnd::Expired => "the code expired",
            DeviceCodeEnd::TimedOut => "it took too long",
        };
        self.deny(
            kind,
            DenyKind::MfaNotCompleted,
            m::device_code_not_finished(why),
            format!("device-code MFA not completed: {why}"),
        )
    }

    /// An answer that is neither "right" nor "wrong": faults go to the
    /// offline rules, the rest is a plain refusal.
    fn refused(
        &mut self,
        verdict: PasswordVerdict,
        detail: String,
    ) -> (Next, EventKind, V, String) {
        let kind = self.stage_event();
        let detail = if detail.is_empty() {
            verdict.to_string()
        } else {
            format!("{verdict}: {detail}")
        };
        let r = &self.rules;
        let (deny, msg) = match &verdict {
            PasswordVerdict::Unreachable { .. } | PasswordVerdict::Throttled { .. } => {
                return self.offline(kind, verdict, detail);
            }
            PasswordVerdict::Locked { .. } => (DenyKind::Locked, m::locked(r)),
            PasswordVerdict::Disabled { .. } => (DenyKind::Disabled, m::disabled(r)),
            PasswordVerdict::PasswordExpired { .. } => (DenyKind::PasswordExpired, m::expired(r)),
            PasswordVerdict::UnknownUser { .. } => (DenyKind::UnknownUser, m::unknown_user()),
            PasswordVerdict::NotAssigned { .. } => (DenyKind::NotAssigned, m::not_assigned(r)),
            PasswordVerdict::Misconfigured { .. } => (DenyKind::Misconfigured, m::misconfigured(r)),
            PasswordVerdict::WrongPassword { .. } => {
                (DenyKind::WrongPassword, m::wrong_password(0))
            }
            PasswordVerdict::Unknown { .. }
            | PasswordVerdict::NotAPasswordAnswer { .. }
            | PasswordVerdict::Verified
            | PasswordVerdict::VerifiedInterrupted { .. } => {
                (DenyKind::Unknown, m::unknown_answer(r))
            }
        };
        self.deny_with(kind, deny, msg, detail, verdict)
    }

    fn offline(
        &mut self,
        kind: EventKind,
        verdict: PasswordVerdict,
        why: String,
    ) -> (Next, EventKind, V, String) {
        let name = self.username.clone().unwrap_or_default().to_lowercase();
        let local_part = name.split('@').next().unwrap_or_default().to_owned();
        let excluded = self
            .rules
            .deny_local_excluded
            .iter()
            .any(|e| e.to_lowercase() == name || e.to_lowercase() == local_part);
        if !self.rules.deny_local || self.rules.local_fallback || excluded {
            let rule = if !self.rules.deny_local {
                "DenyLocal is off"
            } else if self.rules.local_fallback {
                "LocalFallback is on"
            } else {
                "the user is in DenyLocalExcluded"
            };
            let log =
                format!("{why}; local password allowed ({rule}); not counted as a wrong password");
            return (
                Next::LocalFallback(Fallback {
                    message: m::offline_fallback(),
                    why: log.clone(),
                }),
                EventKind::LocalFallback,
                V::Password(verdict),
                log,
            );
        }
        let log = format!(
            "{why}; DenyLocal is on and LocalFallback is off: refused; not counted as a wrong password"
        );
        self.deny_with(kind, DenyKind::Offline, m::offline_denied(), log, verdict)
    }

    fn stage_event(&self) -> EventKind {
        match self.stage {
            Stage::Web => EventKind::SignIn,
            Stage::Redirect => EventKind::RedirectCaptured,
            Stage::Exchange => EventKind::CodeExchanged,
            Stage::Token => EventKind::TokenValidated,
            Stage::Groups => EventKind::GroupsResolved,
            Stage::Check | Stage::Password => EventKind::PasswordCheck,
            Stage::DeviceCode => EventKind::SignIn,
            Stage::Plan | Stage::Apply => EventKind::AccountPlanned,
            Stage::Store => EventKind::KeychainUpdated,
            Stage::Start | Stage::Done => EventKind::LoginStarted,
        }
    }

    pub(super) fn deny(
        &mut self,
        kind: EventKind,
        deny: DenyKind,
        message: UserMessage,
        log: String,
    ) -> (Next, EventKind, V, String) {
        let line = format!("denied: {log}; user told: {}", message.text);
        (
            Next::Denied(Denial {
                kind: deny,
                message,
                log,
            }),
            kind,
            V::Step(Verdict::Fail),
            line,
        )
    }

    fn deny_with(
        &mut self,
        kind: EventKind,
        deny: DenyKind,
        message: UserMessage,
        log: String,
        verdict: PasswordVerdict,
    ) -> (Next, EventKind, V, String) {
        let (next, kind, _, line) = self.deny(kind, deny, message, log);
        (next, kind, V::Password(verdict), line)
    }
}

/// An event's verdict: a step outcome, or a password verdict (with its code).
pub(super) enum V {
    Step(Verdict),
    Password(PasswordVerdict),
}

pub(super) fn req(r: Request) -> Next {
    Next::Request(r)
}

/// What a verdict proves about the password, in one phrase.
pub(super) fn proved(v: &PasswordVerdict) -> String {
    match v {
        PasswordVerdict::Verified => "password verified (Entra issued tokens)".into(),
        PasswordVerdict::VerifiedInterrupted { code } => format!(
            "password verified: Entra accepted it, then AADSTS{code} (MFA or Conditional Access) stopped token issuance"
        ),
        other => other.to_string(),
    }
}
