//! Native MFA by device code (`NativeMFA = device_code`): after the password
//! grant proved the password and Entra demanded MFA, the person finishes
//! the sign-in on another device with a code; the ID token it yields must be
//! the user the password was sent for, or nothing is used.

use std::time::Duration;

use sesame_core::identity::EntraId;
use sesame_core::login::{Binding, DeviceCodeEnd, Input};
use sesame_core::password_binding::{EntraAccepted, PasswordOwner, VerifiedPassword};
use sesame_core::verdict::PasswordVerdict;
use sesame_entra::device_code::{self, DeviceCodeError, TokioWaiter};

use super::entra::{too_slow, unknown};
use super::{Agent, Ctx, bounded};
use crate::prompt::Prompter;

/// The hard cap on how long the login window waits for the person to finish
/// on the other device. Within it the wait follows Entra's answer: polls every
/// `interval` (+5 s on `slow_down`), never past the code's `expires_in`, and
/// no poll is made that could not be answered before the cap
/// (`sesame_entra::device_code::next_poll`). Entra's code lives 15 minutes;
/// a login window should not wait that long.
pub const DEVICE_CODE_WAIT: Duration = Duration::from_secs(300);

impl Agent {
    /// Starts the device code, shows it, polls, and binds the password to
    /// the device-code identity (the name sent = the token's own name).
    pub(super) async fn device_code(
        &mut self,
        username: &str,
        prompter: &mut dyn Prompter,
        ctx: &mut Ctx,
    ) -> Input {
        let super::Idp::Entra(client) = &self.idp else {
            // Another OpenID provider never answers with an MFA interrupt.
            return unknown(
                "the device code is Entra's; this profile names another OpenID provider",
            );
        };
        let code = match bounded(client.start_device_code(), &mut ctx.took).await {
            None => return too_slow("device-code request"),
            Some(Ok(c)) => c,
            Some(Err(e)) => return self.token_refusal(e, ctx),
        };
        prompter.show_device_code(&code.verification_uri, code.user_code());
        let mut waiter = TokioWaiter::start();
        let polled = client
            .poll_device_code(&code, DEVICE_CODE_WAIT, &mut waiter)
            .await;
        let signin = match polled {
            Ok(s) => s,
            Err(DeviceCodeError::Ended(end)) => {
                return Input::DeviceCodeEnded(match end {
                    device_code::DeviceCodeEnd::Declined => DeviceCodeEnd::Declined,
                    device_code::DeviceCodeEnd::Expired | device_code::DeviceCodeEnd::BadCode => {
                        DeviceCodeEnd::Expired
                    }
                    device_code::DeviceCodeEnd::TimedOut => DeviceCodeEnd::TimedOut,
                });
            }
            Err(DeviceCodeError::Token(e)) => return self.token_refusal(e, ctx),
        };
        if let (Some(PasswordVerdict::Verified), Some(_), Some(ropg)) =
            (&ctx.verdict, &ctx.verified, &ctx.native_claims)
        {
            // MFA required by the caller (PAM on sshd) after a plain grant:
            // the password is already bound to the grant's ID token; the
            // device code must be finished by that same oid + tid.
            if ropg.oid == signin.claims.oid && ropg.tid == signin.claims.tid {
                ctx.graph_token = Some(signin.tokens.access_token.clone());
                ctx.native_claims = Some(signin.claims);
                return Input::DeviceCodeEnded(DeviceCodeEnd::SignedIn(Binding::ThisIdentity));
            }
            tracing::warn!("device-code sign-in by another identity than the password's; not used");
            ctx.verified = None;
            return Input::DeviceCodeEnded(DeviceCodeEnd::SignedIn(Binding::OtherIdentity));
        }
        let (Some(password), Some(PasswordVerdict::VerifiedInterrupted { code })) =
            (ctx.password.clone(), ctx.verdict.clone())
        else {
            return unknown("device code without a password verified by an MFA interrupt");
        };
        let owner = PasswordOwner {
            id: EntraId {
                oid: signin.claims.oid.clone(),
                tid: signin.claims.tid.clone(),
            },
            username: signin.claims.username().to_owned(),
        };
        let accepted = EntraAccepted::Interrupted {
            code,
            username_sent: username,
        };
        match VerifiedPassword::bind(&owner, password, accepted) {
            Ok(verified) => {
                ctx.verified = Some(verified);
                ctx.graph_token = Some(signin.tokens.access_token.clone());
                ctx.native_claims = Some(signin.claims);
                Input::DeviceCodeEnded(DeviceCodeEnd::SignedIn(Binding::ThisIdentity))
            }
            Err(refused) => {
                tracing::warn!(%refused, "device-code sign-in by another user; not used");
                Input::DeviceCodeEnded(DeviceCodeEnd::SignedIn(Binding::OtherIdentity))
            }
        }
    }
}
