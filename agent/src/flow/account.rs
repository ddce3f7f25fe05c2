//! The requests that touch this machine: plan the account, apply the plan,
//! store the password — keeping the local and the stored password together.

use secrecy::SecretString;
use sesame_core::login::{Input, LoginMachine, OldLocal, PasswordFacts, StoreAction, Stored};
use sesame_core::password_binding::{EntraAccepted, PasswordOwner, VerifiedPassword};
use sesame_core::provisioning::{LocalPasswordProof, Plan, PlanRequest, plan};
use sesame_platform::{NoHook, Passwords, apply, recover};

use super::{Agent, Ctx, Seams};

fn same(a: &SecretString, b: &SecretString) -> bool {
    use secrecy::ExposeSecret;
    sesame_core::constant_time::eq(a.expose_secret().as_bytes(), b.expose_secret().as_bytes())
}

impl Agent {
    /// Plans the account and finds out, without changing anything, what
    /// the existing account's passwords are.
    pub(super) fn plan(
        &mut self,
        seams: &Seams<'_>,
        machine: &LoginMachine,
        ctx: &mut Ctx,
    ) -> Input {
        let fail = |e: String| Input::Applied(Err(e));
        let Some(identity) = ctx.identity.clone() else {
            return fail("internal error: no identity to plan with".into());
        };
        if machine.is_passwordless()
            && ctx.verified.is_none()
            && let Some(chosen) = ctx.password.clone()
        {
            // A passwordless person's web sign-in (its validated ID token, MFA
            // included) vouches for this identity; the password is local-only,
            // chosen by the person, never sent to Entra and never stored.
            let owner = PasswordOwner::of(&identity);
            match VerifiedPassword::bind(&owner, chosen, EntraAccepted::IdToken(&identity.id)) {
                Ok(v) => ctx.verified = Some(v),
                Err(e) => return fail(e.to_string()),
            }
        }
        let Some(verified) = ctx.verified.as_ref() else {
            return fail("internal error: no verified password to plan with".into());
        };
        let new = verified.password().clone();
        if let Err(e) = recover(seams.dir, seams.journal) {
            return fail(e.to_string());
        }
        let snapshot = match seams.dir.snapshot() {
            Ok(s) => s,
            Err(e) => return fail(e.to_string()),
        };
        let existing = snapshot
            .accounts
            .iter()
            .find(|a| a.binding.as_ref().is_some_and(|b| b.id == identity.id))
            .map(|a| a.short_name.clone());
        let typed_old = ctx.old_local.as_ref();
        let proof_for = |short: &str| match typed_old {
            None => LocalPasswordProof::NotOffered,
            Some(p) => match seams.dir.verify_password(short, p) {
                Ok(true) => LocalPasswordProof::Proven,
                _ => LocalPasswordProof::Refuted,
            },
        };
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        // Link proof is for an unbound account with the planned name: plan
        // once without it to learn the name, then with it.
        let mut request = PlanRequest {
            identity: &identity,
            password: verified,
            local_password: LocalPasswordProof::NotOffered,
            now: &now,
        };
        let mut made = plan(&self.policy, &request, &snapshot);
        if existing.is_none()
            && typed_old.is_some()
            && let Some(short) = made.short_name().map(str::to_owned)
        {
            request.local_password = proof_for(&short);
            made = plan(&self.policy, &request, &snapshot);
        }
        let mut facts = PasswordFacts::default();
        if let Some(short) = made.short_name().map(str::to_owned)
            && !matches!(made, Plan::Deny { .. })
        {
            let account_exists = !matches!(made, Plan::Create(_));
            facts.local_is_new =
                account_exists && matches!(seams.dir.verify_password(&short, &new), Ok(true));
            made = made.with_local_password_verified(facts.local_is_new);
            ctx.stored = match seams.store.read(&short) {
                Ok(s) => s,
                Err(e) => return fail(e.to_string()),
            };
            facts.stored = match &ctx.stored {
                None => Stored::Nothing,
                Some(s) if same(s, &new) => Stored::SameAsNew,
                Some(s)
                    if account_exists
                        && matches!(seams.dir.verify_password(&short, s), Ok(true)) =>
                {
                    Stored::SameAsLocal
                }
                Some(_) => Stored::Other,
            };
            facts.typed_old_local =
                typed_old.map(|p| matches!(seams.dir.verify_password(&short, p), Ok(true)));
        }
        ctx.plan = Some(made.clone());
        Input::Planned {
            plan: Box::new(made),
            facts,
        }
    }

    pub(super) fn apply(&mut self, seams: &Seams<'_>, old: OldLocal, ctx: &mut Ctx) -> Input {
        let (Some(plan), Some(new)) = (
            ctx.plan.clone(),
            ctx.verified.as_ref().map(|v| v.password().clone()),
        ) else {
            return Input::Applied(Err("internal error: nothing to apply".into()));
        };
        let old_local = match old {
            OldLocal::Typed => ctx.old_local.clone(),
            OldLocal::Stored => ctx.stored.clone(),
            OldLocal::NotNeeded | OldLocal::Reset => None,
        };
        let passwords = Passwords {
            new: &new,
            old_local: old_local.as_ref(),
        };
        let r = apply(seams.dir, seams.journal, &plan, &passwords, &mut NoHook);
        ctx.old_used = old_local;
        Input::Applied(r.map_err(|e| e.to_string()))
    }

    /// Updates the secret store; when that fails for an existing account,
    /// puts the previous local password back so the two never differ.
    pub(super) fn store(&mut self, seams: &Seams<'_>, action: StoreAction, ctx: &mut Ctx) -> Input {
        let (Some(plan), Some(new)) = (
            ctx.plan.clone(),
            ctx.verified.as_ref().map(|v| v.password().clone()),
        ) else {
            return Input::Stored(Err("internal error: nothing to store".into()));
        };
        let Some(short) = plan.short_name().map(str::to_owned) else {
            return Input::Stored(Err("internal error: no short name".into()));
        };
        let r = match (action, &ctx.stored) {
            (StoreAction::Keep | StoreAction::Skip, _) => Ok(()),
            (StoreAction::Store, _) => seams.store.store(&short, &new),
            (StoreAction::Replace, Some(current)) => seams.store.replace(&short, current, &new),
            (StoreAction::Replace, None) => seams.store.store(&short, &new),
        };
        match r {
            Ok(()) => {
                self.keep_session(seams, &short, ctx);
                Input::Stored(Ok(()))
            }
            Err(e) => {
                let mut why = e.to_string();
                if !matches!(plan, Plan::Create(_))
                    && let Some(old) = &ctx.old_used
                    && let Err(back) = seams.dir.set_password(&short, old, Some(&new))
                {
                    why.push_str(&format!(
                        "; putting the previous local password back failed too: {back}"
                    ));
                }
                Input::Stored(Err(why))
            }
        }
    }

    /// Quiet mode: keeps the refresh token of this sign-in (the password
    /// grant's, else the interactive sign-in's) next to the password, bound
    /// to the same identity. Without quiet mode, or without a token, any
    /// older session is dropped (a token nobody redeems is not kept). A
    /// failure here leaves the login as it is: the daemon then says quiet
    /// mode has no refresh token.
    fn keep_session(&self, seams: &Seams<'_>, short: &str, ctx: &mut Ctx) {
        use sesame_platform::secrets::{delete_session, store_session};
        let session = ctx
            .session
            .take()
            .or_else(|| match (&self.idp, &ctx.signin) {
                (super::Idp::Entra(c), Some(s)) => c.session_of_sign_in(s),
                _ => None,
            });
        let r = match session {
            Some(s) if self.settings.quiet_mode => store_session(seams.store, short, &s),
            _ => delete_session(seams.store, short),
        };
        if let Err(e) = r {
            tracing::warn!(error = %e, "the sign-in session for quiet mode was not stored");
        }
    }
}
