//! `sesame demo [--keep DIR]`: Sesame's main job, end to end, on the
//! embedded practice tenant, in one command.
//!
//! The tenant (entra-sim, in this process, over HTTPS with its own CA), a
//! profile written for it, a sign-in through the login agent's real flow
//! (headless Chromium with a scripted person, or the native sign-in), the
//! account made by the real shadow tools in a sandbox root, the password
//! stored, the menu-bar checks, and the sync log shown by `sesame log`'s own
//! code. Exit 0 only when every step did what it should.

mod keep;
mod menubar;
mod signin;
mod steps;
mod world;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use entra_sim::SimHandle;
use sesame_agent::Agent;
use sesame_platform::{AccountDirectory, SecretStore};

use self::signin::How;
use self::steps::Steps;
use self::world::{ADMIN_GROUP, MFA_POLICY, PERSON, Paths, SHORT_NAME};

/// `sesame demo …`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Leave the sandbox root (etc/passwd, etc/group, etc/shadow), the sync
    /// log, the profile and the tenant's sign-in log in DIR.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
    /// Use the native sign-in (user name and password, MFA by device code),
    /// as when Chromium is not installed.
    #[arg(long)]
    native: bool,
}

/// What the story leaves for the end (the kept files, the clean-up).
#[derive(Default)]
struct Leftovers {
    sim: Option<Arc<SimHandle>>,
    store: Option<Box<dyn SecretStore>>,
}

/// Runs `sesame demo`.
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    // Before any thread starts, so every thread of the demo shares it.
    let keyring = world::join_session_keyring();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let tmp = tempfile::Builder::new().prefix("sesame-demo-").tempdir()?;
    let paths = Paths::under(tmp.path());
    println!(
        "Sesame demo: a Mac-style sign-in with Microsoft Entra ID, end to end, against a practice\n\
         tenant running inside this command (nothing leaves this machine; files under {})",
        paths.dir.display()
    );
    let mut steps = Steps::new();
    let mut left = Leftovers::default();
    let how = if args.native {
        How::Native
    } else {
        How::here()
    };
    let told = runtime.block_on(story(
        &mut steps,
        &paths,
        (how, args.native),
        keyring,
        &mut left,
    ));

    if let Some(store) = &left.store {
        // Nothing of the demo stays in a keyring.
        let _ = store.delete(SHORT_NAME);
    }
    if let Some(dir) = &args.keep {
        steps.begin(&format!("Keeping the demo's files in {}", dir.display()));
        let kept = keep::keep(&paths, left.sim.as_deref(), dir);
        steps.close(kept);
    }
    // It ends with the sync log; a story that stopped before the sign-in
    // has none to show.
    if told.is_some() || paths.log.exists() {
        steps.begin("The sync log, as the helpdesk reads it (`sesame log`)");
        let shown = crate::log::run(crate::log::LogArgs::whole_file(paths.log.clone()));
        let logged = match shown {
            Ok(code) if code == ExitCode::SUCCESS => logged_story(&paths.log),
            Ok(_) => Err(format!("there is no sync log at {}", paths.log.display())),
            Err(e) => Err(format!("the sync log cannot be read: {e:#}")),
        };
        steps.close(logged);
    }

    drop(left);
    println!();
    if args.keep.is_none() {
        println!("(The temporary files are removed now; `sesame demo --keep DIR` keeps them.)");
    }
    if steps.all_ok() {
        println!(
            "Done: all {} steps did what they should, in {:.1} s.",
            steps.count(),
            steps.elapsed_secs()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("The demo did not do everything it should:");
        for f in steps.failures() {
            println!("  {f}");
        }
        Ok(ExitCode::from(1))
    }
}

/// The steps up to the menu-bar checks; stops at the first one that fails
/// (every later step needs it).
async fn story(
    steps: &mut Steps,
    paths: &Paths,
    (how, asked_native): (How, bool),
    keyring: Result<(), String>,
    left: &mut Leftovers,
) -> Option<()> {
    steps.begin("Starting the practice tenant (entra-sim, in this process)");
    let sim = world::start_tenant().await;
    let sim = match sim {
        Ok(sim) => sim,
        Err(e) => {
            steps.fail(&e);
            return None;
        }
    };
    left.sim = Some(Arc::clone(&sim));
    steps.ok(&format!(
        "\"Contoso (simulated)\" answers at {} over HTTPS, with a certificate authority of its own",
        sim.base_url()
    ));

    steps.begin("Writing a Sesame profile for it (what an admin pushes through the MDM)");
    let (settings, summary) = match world::write_profile(&sim, paths, how.profile_keys()) {
        Ok(s) => s,
        Err(e) => {
            steps.fail(&e);
            return None;
        }
    };
    steps.say(&format!(
        "tenant {}, app \"{}\" ({}), the tenant's CA as the only extra trusted root",
        sim.tenant_id(),
        summary.app_name,
        summary.client_id
    ));
    let admins: Vec<String> = summary
        .admin_groups
        .iter()
        .map(|(id, name)| format!("{name} ({id})"))
        .collect();
    steps.say(&format!(
        "admin accounts for members of: {}",
        admins.join(", ")
    ));
    let has_admin_group = summary.admin_groups.iter().any(|(_, n)| n == ADMIN_GROUP);
    steps.close(if has_admin_group {
        Ok(format!(
            "{} passes the same checks as `sesame profile check`",
            paths.profile.display()
        ))
    } else {
        Err(format!(
            "the profile names no {ADMIN_GROUP} group as AdminGroups"
        ))
    });

    steps.begin("Preparing this \"Mac\": a sandbox system root and the secret store");
    let (dir, journal) = match world::sandbox_root(paths) {
        Ok(d) => d,
        Err(e) => {
            steps.fail(&e);
            return None;
        }
    };
    let (store, which) = match keyring.and_then(|()| world::secret_store()) {
        Ok(s) => s,
        Err(e) => {
            steps.fail(&e);
            return None;
        }
    };
    steps.say(&format!(
        "accounts go to {} (etc/passwd, etc/group, etc/shadow) through the real `useradd --root`",
        paths.root.display()
    ));
    steps.ok(&format!("passwords go to {which}"));
    let store = left.store.insert(store);

    let password = match world::password_of(&sim, PERSON) {
        Ok(p) => p,
        Err(e) => {
            steps.fail(&e);
            return None;
        }
    };
    steps.begin(&match how {
        How::Chromium => format!(
            "Megan signs in at the login window: {PERSON} in headless Chromium, the login agent's real flow"
        ),
        How::Native => format!(
            "Megan signs in at the login window: {PERSON}, native sign-in (user name and password, \
             MFA with a device code)"
        ),
    });
    if how == How::Native {
        steps.say(signin::why_native(asked_native));
    }
    let mut agent = match Agent::new(settings.clone()) {
        Ok(a) => a,
        Err(e) => {
            steps.fail(&e.to_string());
            return None;
        }
    };
    let outcome = signin::sign_in(
        how,
        &mut agent,
        &sim,
        PERSON,
        &password,
        (&dir, &journal, store.as_ref()),
    )
    .await;
    steps.say(&format!("the agent: {}", outcome.one_line()));
    if let Some(proved) = &outcome.proved {
        steps.say(&format!("her password: {proved}"));
    }
    let mfa_by_ca = sim.sign_ins().iter().any(|s| {
        s.user.eq_ignore_ascii_case(PERSON)
            && s.authentication_requirement == "Multifactor authentication"
    });
    if !outcome.is_ready() {
        steps.fail("the sign-in did not make the account ready");
        return None;
    }
    if !mfa_by_ca {
        steps.fail(&format!(
            "the tenant's sign-in log shows no MFA for {PERSON} (policy \"{MFA_POLICY}\")"
        ));
        return None;
    }
    steps.ok(&format!(
        "signed in with MFA (\"{MFA_POLICY}\"); the password she typed was verified for her identity"
    ));

    steps.begin("Her local account, made in the sandbox root");
    let account = check_account(paths, &dir, &outcome, &password);
    if !steps.close(account) {
        return None;
    }

    steps.begin("Her password, stored for the menu bar");
    let stored = match store.read(SHORT_NAME) {
        Ok(Some(p)) => {
            use secrecy::ExposeSecret as _;
            if sesame_core::constant_time::eq(
                p.expose_secret().as_bytes(),
                password.expose_secret().as_bytes(),
            ) {
                Ok(format!(
                    "the secret store holds her Entra password under \"{SHORT_NAME}\""
                ))
            } else {
                Err("the stored password is not the one she signed in with".into())
            }
        }
        Ok(None) => Err(format!("nothing is stored for {SHORT_NAME}")),
        Err(e) => Err(format!("the secret store cannot be read: {e}")),
    };
    if !steps.close(stored) {
        return None;
    }
    menubar::checks(steps, &sim, paths, &settings, &dir, store.as_ref()).await
}

/// The account as the sandbox's files and the shadow tools show it.
fn check_account(
    paths: &Paths,
    dir: &dyn AccountDirectory,
    outcome: &sesame_agent::LoginOutcome,
    password: &secrecy::SecretString,
) -> Result<String, String> {
    let etc = |f: &str| std::fs::read_to_string(paths.root.join("etc").join(f)).unwrap_or_default();
    let passwd = etc("passwd");
    let entry = passwd
        .lines()
        .find(|l| l.split(':').next() == Some(SHORT_NAME))
        .ok_or_else(|| format!("etc/passwd has no {SHORT_NAME}"))?;
    let fields: Vec<&str> = entry.split(':').collect();
    let group = etc("group");
    // The sandbox root's admin group (Debian's; the shadow tools use it).
    let admin_group = "sudo";
    let is_admin = group.lines().any(|l| {
        let f: Vec<&str> = l.split(':').collect();
        f.first() == Some(&admin_group)
            && f.get(3)
                .is_some_and(|m| m.split(',').any(|u| u == SHORT_NAME))
    });
    let verified = dir
        .verify_password(SHORT_NAME, password)
        .map_err(|e| format!("cannot check her local password: {e}"))?;
    println!("   etc/passwd: {entry}");
    if !is_admin {
        return Err(format!(
            "{SHORT_NAME} is not in the {admin_group} group, though she is in {ADMIN_GROUP}"
        ));
    }
    if !verified {
        return Err("her local password is not her Entra password".into());
    }
    Ok(format!(
        "{SHORT_NAME} (uid {}, \"{}\") is an administrator ({admin_group} group) because she is in \
         {ADMIN_GROUP} ({}); her local password is her Entra password",
        fields.get(2).unwrap_or(&"?"),
        fields.get(4).unwrap_or(&"?"),
        outcome.admin_why.as_deref().unwrap_or("AdminGroups")
    ))
}

/// What the sync log must hold for the story told above, under her name:
/// the agent made her account and stored her password; the menu bar saw
/// the wrong password once (AADSTS50126) and changed her local password.
fn logged_story(log: &std::path::Path) -> Result<String, String> {
    use sesame_core::synclog::Component;
    use sesame_synclog::EventKind;
    let events = sesame_synclog::read_log(log)
        .map_err(|e| format!("the sync log cannot be read: {e}"))?
        .events;
    let hers = |component: Component, kind: EventKind, code: Option<u32>| {
        events.iter().any(|e| {
            e.component == component
                && e.event == kind
                && code.is_none_or(|c| e.codes.contains(&c))
                && e.user
                    .as_ref()
                    .is_some_and(|u| u.upn.eq_ignore_ascii_case(PERSON))
        })
    };
    for (component, kind, code) in [
        (Component::Agent, EventKind::AccountCreated, None),
        (Component::Agent, EventKind::KeychainUpdated, None),
        (Component::Menubar, EventKind::PasswordCheck, Some(50126)),
        (Component::Menubar, EventKind::PasswordChanged, None),
    ] {
        if !hers(component, kind, code) {
            return Err(format!(
                "the sync log has no {} event by the {} for {PERSON}",
                kind.name(),
                component.name()
            ));
        }
    }
    Ok(format!(
        "{} events at {}, each with what happened and, for an Entra answer, what it means",
        events.len(),
        log.display()
    ))
}
