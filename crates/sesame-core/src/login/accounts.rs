//! The account steps of the login machine: the plan, applying it, storing
//! the password — and keeping the local and the stored password together.

use super::decide::{LoginMachine, Stage, V, proved, req};
use super::messages::{self as m, UserMessage};
use super::{DenyKind, Next, OldLocal, PasswordFacts, Ready, Request, StoreAction, Stored};
use crate::provisioning::{DenyReason, Plan};
use crate::synclog::{EventKind, Verdict};

/// How often the person may be asked for a previous local password.
const LOCAL_PASSWORD_TRIES: u32 = 3;

impl LoginMachine {
    pub(super) fn planned(
        &mut self,
        plan: Plan,
        facts: PasswordFacts,
    ) -> (Next, EventKind, V, String) {
        let explain = plan.explain();
        if let Plan::Deny { reason, .. } = &plan {
            let link = matches!(
                reason,
                DenyReason::LocalPasswordNeeded | DenyReason::LocalPasswordWrong
            );
            if link && self.local_asks < LOCAL_PASSWORD_TRIES {
                self.local_asks += 1;
                let retry = matches!(reason, DenyReason::LocalPasswordWrong);
                self.plan = Some(plan);
                return (
                    req(Request::AskOldLocalPassword {
                        message: m::ask_link_local(retry),
                    }),
                    EventKind::AccountPlanned,
                    V::Step(Verdict::Warn),
                    format!("{explain}; asked for the existing account's password"),
                );
            }
            let msg = match reason {
                DenyReason::NotInAllowedGroup { .. } => m::plan_denied(
                    &self.rules,
                    "Your account is not allowed to sign in to this computer. Ask your administrator to add you to an allowed group.",
                ),
                DenyReason::GroupsUnknown { .. } => m::misconfigured(&self.rules),
                DenyReason::Takeover { .. } => m::plan_denied(
                    &self.rules,
                    "The account on this computer with your name belongs to someone else. Contact your helpdesk.",
                ),
                DenyReason::LocalPasswordNeeded | DenyReason::LocalPasswordWrong => {
                    m::old_local_needed(&self.rules)
                }
                _ => m::plan_denied(
                    &self.rules,
                    "Sesame cannot make an account for you on this computer. Contact your administrator.",
                ),
            };
            self.plan = Some(plan);
            return self.deny(EventKind::AccountDenied, DenyKind::Plan, msg, explain);
        }
        let store_for = |stored: Stored| match stored {
            Stored::Nothing => StoreAction::Store,
            Stored::SameAsNew => StoreAction::Keep,
            Stored::SameAsLocal | Stored::Other => StoreAction::Replace,
        };
        let (old, store) = match &plan {
            _ if self.passwordless => (OldLocal::NotNeeded, StoreAction::Skip),
            Plan::Create(_) => (OldLocal::NotNeeded, store_for(facts.stored)),
            _ if facts.local_is_new => (OldLocal::NotNeeded, store_for(facts.stored)),
            _ if facts.typed_old_local == Some(true) => (OldLocal::Typed, store_for(facts.stored)),
            _ if facts.stored == Stored::SameAsLocal => (OldLocal::Stored, StoreAction::Replace),
            _ if self.rules.keychain_reset => (OldLocal::Reset, store_for(facts.stored)),
            _ => {
                let retry = facts.typed_old_local == Some(false);
                if retry && self.local_asks >= LOCAL_PASSWORD_TRIES {
                    self.plan = Some(plan);
                    return self.deny(
                        EventKind::AccountPlanned,
                        DenyKind::OldPasswordNeeded,
                        m::old_local_needed(&self.rules),
                        format!("{explain}; the previous local password was not proven; nothing changed (KeychainReset is off)"),
                    );
                }
                self.local_asks += 1;
                self.plan = Some(plan);
                return (
                    req(Request::AskOldLocalPassword {
                        message: m::ask_old_local(retry),
                    }),
                    EventKind::AccountPlanned,
                    V::Step(Verdict::Warn),
                    format!(
                        "{explain}; local password differs and no stored password matches it: asked for the previous local password"
                    ),
                );
            }
        };
        self.store = store;
        self.plan = Some(plan);
        self.stage = Stage::Apply;
        let (verdict, how) = match old {
            OldLocal::NotNeeded => (Verdict::Pass, ""),
            OldLocal::Typed => (
                Verdict::Pass,
                "; previous local password proven by the user",
            ),
            OldLocal::Stored => (
                Verdict::Pass,
                "; previous local password taken from the secret store",
            ),
            OldLocal::Reset => (
                Verdict::Warn,
                "; previous local password unknown: set anyway (KeychainReset is on; the old login keychain stays locked)",
            ),
        };
        (
            req(Request::Apply { old_local: old }),
            EventKind::AccountPlanned,
            V::Step(verdict),
            format!("{explain}{how}"),
        )
    }

    pub(super) fn applied(&mut self, result: Result<(), String>) -> (Next, EventKind, V, String) {
        let Some(plan) = self.plan.clone() else {
            return self.deny(
                EventKind::AccountPlanned,
                DenyKind::Failed,
                m::failed(&self.rules),
                "internal error: applied without a plan".into(),
            );
        };
        let kind = plan.log_event();
        match result {
            Err(e) => self.deny(kind, DenyKind::Failed, m::failed(&self.rules), e),
            Ok(()) if self.store == StoreAction::Skip => (
                self.success(plan.clone(), None),
                kind,
                V::Step(Verdict::Pass),
                format!(
                    "{}; local-only password, nothing stored for re-checks",
                    plan.explain()
                ),
            ),
            Ok(()) => {
                self.stage = Stage::Store;
                (
                    req(Request::Store(self.store)),
                    kind,
                    V::Step(Verdict::Pass),
                    plan.explain(),
                )
            }
        }
    }

    pub(super) fn stored(&mut self, result: Result<(), String>) -> (Next, EventKind, V, String) {
        let Some(plan) = self.plan.clone() else {
            return self.deny(
                EventKind::KeychainUpdated,
                DenyKind::Failed,
                m::failed(&self.rules),
                "internal error: stored without a plan".into(),
            );
        };
        let kind = EventKind::KeychainUpdated;
        match (result, &plan) {
            (Ok(()), _) => {
                let what = match self.store {
                    StoreAction::Keep => "the verified password was already stored",
                    StoreAction::Replace => "stored password replaced together with the local one",
                    _ => "password stored for the menu-bar re-check",
                };
                (self.success(plan, None), kind, V::Step(Verdict::Pass), what.into())
            }
            (Err(e), Plan::Create(_)) => (
                self.success(plan, Some(m::not_stored())),
                kind,
                V::Step(Verdict::Fail),
                format!("account ready but the password was not stored: {e}; re-checks cannot run until it is"),
            ),
            (Err(e), _) => self.deny(
                kind,
                DenyKind::Failed,
                m::failed(&self.rules),
                format!("the password could not be stored ({e}); the previous local password was put back so the two never differ"),
            ),
        }
    }

    fn success(&mut self, plan: Plan, notice: Option<UserMessage>) -> Next {
        let proved = if self.passwordless {
            "no Entra password: a local-only password was chosen after the web sign-in".to_owned()
        } else {
            self.verdict.as_ref().map(proved).unwrap_or_default()
        };
        Next::Success(Box::new(Ready {
            plan,
            proved,
            notice,
        }))
    }
}
