//! MFA on a service that needs it when Entra accepted the password alone:
//! a device-code sign-in that must be the same identity (oid + tid) the
//! password was checked for.

use sesame_agent::flow::DEVICE_CODE_WAIT;
use sesame_agent::{Agent, LoginOutcome};
use sesame_entra::device_code::{DeviceCodeEnd, DeviceCodeError, TokioWaiter};

use crate::conv::Conversation;

/// Shows the code, waits (within Entra's interval, `slow_down` honoured,
/// never past [`DEVICE_CODE_WAIT`]), and checks the identity. `Err` is the
/// one line to show.
pub async fn finish(
    agent: &Agent,
    outcome: &LoginOutcome,
    conv: &mut dyn Conversation,
) -> Result<(), String> {
    // Device-code MFA is Entra's; a generic OpenID provider has no endpoint for it.
    let Some(client) = agent.client() else {
        return Err(
            "This service needs MFA, which Sesame completes only with Microsoft Entra; \
             ask your IT department."
                .to_owned(),
        );
    };
    let code = client
        .start_device_code()
        .await
        .map_err(|e| format!("MFA cannot start: {e}. Try again, or ask your IT department."))?;
    conv.info(
        &sesame_agent::prompt::device_code_message(&code.verification_uri, code.user_code()).text,
    );
    let mut waiter = TokioWaiter::start();
    let signin = match client
        .poll_device_code(&code, DEVICE_CODE_WAIT, &mut waiter)
        .await
    {
        Ok(s) => s,
        Err(DeviceCodeError::Ended(end)) => {
            return Err(match end {
                DeviceCodeEnd::Declined => "MFA was declined on the other device; sign-in refused.",
                DeviceCodeEnd::Expired | DeviceCodeEnd::BadCode => {
                    "The code expired before MFA was finished; sign in again."
                }
                DeviceCodeEnd::TimedOut => "MFA was not finished in time; sign in again.",
            }
            .to_owned());
        }
        Err(DeviceCodeError::Token(e)) => {
            return Err(format!("MFA did not finish: {e}"));
        }
    };
    let same = outcome.oid.as_deref() == Some(signin.claims.oid.as_str())
        && outcome.tid.as_deref() == Some(signin.claims.tid.as_str());
    if same {
        Ok(())
    } else {
        tracing::warn!("pam_sesame: device-code sign-in by another identity; refused");
        Err("MFA was finished by another account than the one signing in; sign-in refused.".into())
    }
}
