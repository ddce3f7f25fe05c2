//! The menu bar after login (`sesame_menubar`'s own check and sync): her
//! stored password checked under Conditional Access that requires MFA (in
//! sync: AADSTS50076 only comes after a right password), then a cloud
//! password change — exactly one failed sign-in, never a second, then the
//! sync with her new password. Every claim is checked against the tenant's
//! own sign-in log, not against what the menu bar says about itself.

use entra_sim::{PasswordChange, SignIn, SimHandle};
use secrecy::{ExposeSecret as _, SecretString};
use sesame_core::recheck::{SyncState, Trigger};
use sesame_entra::{ClientConfig, EntraClient};
use sesame_menubar::network::FixedNetwork;
use sesame_menubar::{Context, Who};
use sesame_platform::{AccountDirectory, SecretStore};
use time::OffsetDateTime;

use super::steps::Steps;
use super::world::{MFA_POLICY, PERSON, Paths, SHORT_NAME};

/// Her new cloud password (the demo tenant's passwords are public; never printed).
const NEW_PASSWORD: &str = "Sesame-Demo-1-Changed";

/// Her password checks in the tenant's sign-in log (non-interactive
/// password grants), oldest first.
fn password_rows(sim: &SimHandle) -> Vec<SignIn> {
    sim.sign_ins()
        .into_iter()
        .filter(|s| s.user.eq_ignore_ascii_case(PERSON) && s.flow == "password")
        .collect()
}

/// The rows added since `before` rows were there.
fn new_rows(sim: &SimHandle, before: usize) -> Vec<SignIn> {
    password_rows(sim).into_iter().skip(before).collect()
}

fn codes(rows: &[SignIn]) -> String {
    let c: Vec<String> = rows
        .iter()
        .map(|r| match r.error_code {
            0 => "success".to_owned(),
            c => format!("AADSTS{c}"),
        })
        .collect();
    if c.is_empty() {
        "nothing".into()
    } else {
        c.join(", ")
    }
}

/// The three menu-bar steps. Stops at the first that fails.
pub(crate) async fn checks(
    steps: &mut Steps,
    sim: &SimHandle,
    paths: &Paths,
    settings: &sesame_core::settings::Settings,
    dir: &dyn AccountDirectory,
    store: &dyn SecretStore,
) -> Option<()> {
    let client = match ClientConfig::from_settings(settings).and_then(EntraClient::new) {
        Ok(c) => c,
        Err(e) => {
            steps.begin("The menu bar starts");
            steps.fail(&format!("the profile makes no Entra client: {e}"));
            return None;
        }
    };
    let state_dir = paths.dir.join("menubar");
    let network = FixedNetwork::new(true);
    let host = sesame_synclog::host_name();
    let ctx = Context {
        settings,
        client: &client,
        dir,
        store,
        state_dir: &state_dir,
        network: &network,
        host: &host,
    };

    steps.begin(&format!(
        "The menu bar checks her stored password (Conditional Access \"{MFA_POLICY}\" requires MFA)"
    ));
    let account = match sesame_menubar::find_account(dir, &Who::Upn(PERSON.into())) {
        Ok(a) => a,
        Err(e) => {
            steps.fail(&format!(
                "the menu bar finds no account bound to {PERSON}: {e}"
            ));
            return None;
        }
    };
    let policy_on = sim
        .tenant()
        .conditional_access
        .iter()
        .any(|p| p.name == MFA_POLICY && p.state == entra_sim::CaState::On);
    if !policy_on {
        steps.fail(&format!("the tenant's policy \"{MFA_POLICY}\" is not on"));
        return None;
    }
    steps.say(&format!(
        "the tenant's Conditional Access policy \"{MFA_POLICY}\" is on: every sign-in of hers needs MFA"
    ));
    let before = password_rows(sim).len();
    let first = sesame_menubar::check_now(&ctx, &account, OffsetDateTime::now_utc()).await;
    let rows = new_rows(sim, before);
    let mfa = match first {
        Ok(r) => {
            steps.say(&format!("the menu bar: {}", r.message));
            if r.state == SyncState::InSync && rows.len() == 1 && rows[0].error_code == 50076 {
                Ok(format!(
                    "in sync: Entra's sign-in log shows one password check answered AADSTS50076 \
                     (\"{}\"), which Entra only sends after the right password",
                    rows[0].result_detail
                ))
            } else {
                Err(format!(
                    "expected in_sync after one AADSTS50076; the menu bar says {}, the tenant logged {}",
                    r.state.name(),
                    codes(&rows)
                ))
            }
        }
        Err(e) => Err(format!("the check failed: {e}")),
    };
    if !steps.close(mfa) {
        return None;
    }

    steps.begin(
        "Megan changes her password in the cloud (on another device); the menu bar checks twice",
    );
    if let Err(e) = sim.set_password_by(PERSON, NEW_PASSWORD, PasswordChange::User) {
        steps.fail(&format!("the tenant did not change her password: {e}"));
        return None;
    }
    let before = password_rows(sim).len();
    let now = OffsetDateTime::now_utc();
    let changed = sesame_menubar::check_now(&ctx, &account, now).await;
    // The next scheduled check, two hours later: it must not send the
    // password Entra just called wrong (smart lockout counts every one).
    let later = sesame_menubar::check(
        &ctx,
        &account,
        Trigger::Timer,
        now + time::Duration::hours(2),
    )
    .await;
    let rows = new_rows(sim, before);
    let change = match (changed, later) {
        (Ok(first), Ok(second)) => {
            steps.say(&format!("first check: {}", first.message));
            if first.tell_user {
                steps.say(&format!(
                    "she is told, once: \"{}\"",
                    first.state.headline()
                ));
            }
            steps.say(&format!(
                "two hours later: {} ({})",
                second.message,
                if second.sent { "sent" } else { "nothing sent" }
            ));
            let failures = rows.iter().filter(|r| r.error_code == 50126).count();
            if first.state == SyncState::CloudPasswordChanged
                && second.state == SyncState::CloudPasswordChanged
                && !second.sent
                && !second.tell_user
                && rows.len() == 1
                && failures == 1
            {
                Ok(format!(
                    "the tenant's sign-in log shows exactly one failed sign-in (AADSTS50126, \"{}\") and no second; \
                     the menu bar asks her for her new password",
                    rows[0].result_detail
                ))
            } else {
                Err(format!(
                    "expected one AADSTS50126 and then nothing; the menu bar says {} then {}, the tenant logged {}",
                    first.state.name(),
                    second.state.name(),
                    codes(&rows)
                ))
            }
        }
        (Err(e), _) | (_, Err(e)) => Err(format!("the check failed: {e}")),
    };
    if !steps.close(change) {
        return None;
    }

    steps.begin("She types her new password into the menu bar: sync");
    let before = password_rows(sim).len();
    let new = SecretString::from(NEW_PASSWORD.to_owned());
    let synced = sesame_menubar::sync(
        &ctx,
        &account,
        new.clone(),
        None,
        OffsetDateTime::now_utc(),
        &mut sesame_menubar::sync::RunToEnd,
    )
    .await;
    let rows = new_rows(sim, before);
    let result = match synced {
        Ok(r) => {
            steps.say(&format!("the menu bar: {}", r.message));
            synced_everywhere(dir, store, &new).and_then(|()| {
                if r.state == SyncState::InSync && rows.len() == 1 && rows[0].error_code == 50076 {
                    Ok(format!(
                        "verified once with Entra (AADSTS50076), then her local password and the stored one \
                         became the new cloud password; the tenant logged {} for the sync",
                        codes(&rows)
                    ))
                } else {
                    Err(format!(
                        "expected in_sync after one AADSTS50076; the menu bar says {}, the tenant logged {}",
                        r.state.name(),
                        codes(&rows)
                    ))
                }
            })
        }
        Err(e) => Err(format!("the sync failed: {e}")),
    };
    steps.close(result).then_some(())
}

/// Her local password and the stored one are both `new`.
fn synced_everywhere(
    dir: &dyn AccountDirectory,
    store: &dyn SecretStore,
    new: &SecretString,
) -> Result<(), String> {
    let local = dir
        .verify_password(SHORT_NAME, new)
        .map_err(|e| format!("cannot check her local password: {e}"))?;
    if !local {
        return Err("her local password is not the new cloud password".into());
    }
    let stored = store
        .read(SHORT_NAME)
        .map_err(|e| format!("the secret store cannot be read: {e}"))?;
    match stored {
        Some(s)
            if sesame_core::constant_time::eq(
                s.expose_secret().as_bytes(),
                new.expose_secret().as_bytes(),
            ) =>
        {
            Ok(())
        }
        _ => Err("the secret store does not hold the new cloud password".into()),
    }
}
