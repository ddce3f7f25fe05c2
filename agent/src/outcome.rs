//! What one sign-in ended with, for the person (one line) and for scripts
//! (`sesame-agent login --json`). Never holds a secret.

use serde::Serialize;
use sesame_core::login::{DenyKind, Next, UserMessage};
use sesame_core::provisioning::{AdminChange, Plan};

/// How the sign-in ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The account is ready.
    Ready,
    /// The person was refused.
    Denied,
    /// Entra could not be reached; the local password may be used.
    LocalFallback,
}

/// The outcome of `sesame-agent login`. Field names are the `--json` keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoginOutcome {
    /// Ready, denied or local fallback.
    pub outcome: Ending,
    /// The validated user name (`preferred_username` / `upn`), or what was
    /// typed when no token was validated.
    pub upn: Option<String>,
    /// The Entra object ID.
    pub oid: Option<String>,
    /// The Entra tenant ID.
    pub tid: Option<String>,
    /// Another OpenID provider's issuer (`iss`), when the profile names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The person's `sub` at that provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The local short name.
    pub short_name: Option<String>,
    /// The provisioning plan, when one was made.
    pub plan: Option<Plan>,
    /// Whether the account is an admin after the sign-in.
    pub admin: Option<bool>,
    /// Why it is (or stays) an admin.
    pub admin_why: Option<String>,
    /// What the password answer proved.
    pub proved: Option<String>,
    /// Why the person was refused, by stable name.
    pub reason: Option<DenyKind>,
    /// What the person was told.
    pub message: Option<UserMessage>,
}

impl LoginOutcome {
    /// `true` when the account is ready (exit status 0).
    pub fn is_ready(&self) -> bool {
        self.outcome == Ending::Ready
    }

    /// The one line a person reads: what happened and what to do.
    pub fn one_line(&self) -> String {
        match (&self.outcome, &self.message) {
            (_, Some(m)) if self.outcome != Ending::Ready => m.one_line(),
            (Ending::Ready, notice) => {
                let who = self.short_name.as_deref().unwrap_or("the account");
                let admin = if self.admin == Some(true) {
                    " (administrator)"
                } else {
                    ""
                };
                let base =
                    format!("{who}{admin} is ready: sign in with your Microsoft Entra password.");
                match notice {
                    Some(n) => format!("{base} {}", n.one_line()),
                    None => base,
                }
            }
            _ => "The sign-in did not finish.".into(),
        }
    }

    pub(crate) fn from_next(next: &Next) -> Self {
        let mut o = Self {
            outcome: Ending::Denied,
            upn: None,
            oid: None,
            tid: None,
            issuer: None,
            subject: None,
            short_name: None,
            plan: None,
            admin: None,
            admin_why: None,
            proved: None,
            reason: None,
            message: None,
        };
        match next {
            Next::Success(ready) => {
                o.outcome = Ending::Ready;
                o.proved = Some(ready.proved.clone());
                o.message = ready.notice.clone();
                o.set_plan(&ready.plan);
            }
            Next::Denied(d) => {
                o.reason = Some(d.kind);
                o.message = Some(d.message.clone());
            }
            Next::LocalFallback(f) => {
                o.outcome = Ending::LocalFallback;
                o.message = Some(f.message.clone());
            }
            Next::Request(_) => {}
        }
        o
    }

    /// Who signed in: Entra's oid + tid, or another provider's iss + sub.
    pub(crate) fn set_id(&mut self, id: &sesame_core::identity::EntraId) {
        if id.is_open_id() {
            self.issuer = Some(id.tid.clone());
            self.subject = Some(id.oid.clone());
        } else {
            self.oid = Some(id.oid.clone());
            self.tid = Some(id.tid.clone());
        }
    }

    pub(crate) fn set_plan(&mut self, plan: &Plan) {
        self.short_name = plan.short_name().map(str::to_owned);
        let (admin, why) = match plan {
            Plan::Create(n) => (
                Some(n.admin.is_some()),
                n.admin.as_ref().map(|r| r.to_string()),
            ),
            Plan::Update(u) | Plan::Link(u) => match &u.admin {
                AdminChange::Keep => (Some(u.was_admin), u.was_admin.then(|| "unchanged".into())),
                AdminChange::Grant(r) => (Some(true), Some(r.to_string())),
                AdminChange::Revoke => (Some(false), None),
                AdminChange::KeepLastAdmin => (
                    Some(true),
                    Some("no longer qualifies, kept as the last admin on this machine".into()),
                ),
            },
            Plan::Deny { .. } => (None, None),
        };
        self.admin = admin;
        self.admin_why = why;
        self.plan = Some(plan.clone());
    }
}
