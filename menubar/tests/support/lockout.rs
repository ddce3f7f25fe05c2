//! The lockout simulation (issue 13), shared by the test
//! `lockout_simulation` and the bench script `bench/lockout.sh`: 30 days of
//! the simulator's clock with hourly checks and network flaps, the cloud
//! password changed twice, the account locked once by someone else,
//! Conditional Access toggled to require MFA, Entra down for a day, and
//! throttling. The daemon is the real library (rules, records, the Entra
//! client over HTTPS); only time is simulated.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::sync::Arc;
use std::time::SystemTime;

use entra_sim::{CaState, Fault, FaultKind, Sim, SimHandle, SimOptions, Tenant};
use secrecy::{ExposeSecret, SecretString};
use sesame_core::identity::EntraId;
use sesame_core::provisioning::{Binding, Origin};
use sesame_core::recheck::{Event, SyncState, Trigger, on_event};
use sesame_e2e::world::{ADELE, ADELE_PASSWORD, App, load_settings, mobileconfig};
use sesame_entra::{ClientConfig, Clock, EntraClient};
use sesame_menubar::network::FixedNetwork;
use sesame_menubar::sync::RunToEnd;
use sesame_menubar::{Account, Context, check, records};
use sesame_platform::{
    AccountDirectory, AccountSpec, InMemoryDirectory, InMemorySecretStore, SecretStore,
};
use time::{Duration, OffsetDateTime};

pub const CA_ALL: &str = "Require MFA for everyone (simulation)";

/// What the tenant's sign-in log and the daemon saw.
#[derive(Debug, Default)]
pub struct Counts {
    /// Checks the daemon sent (background + check now): password grants,
    /// or refresh-token redemptions in quiet mode.
    pub checks_sent: u32,
    /// Of those, password grants (0 in quiet mode).
    pub password_grants_sent: u32,
    /// Of those, refresh-token redemptions (quiet mode).
    pub refreshes_sent: u32,
    /// Quiet checks that sent nothing because no refresh token was stored
    /// (a sync while Conditional Access demanded MFA gets none: the menu
    /// says so).
    pub quiet_without_token: u32,
    /// Refresh-token redemptions Entra refused (50173 after a password
    /// change: non-interactive, no password, not counted by smart lockout).
    pub refresh_refused: u32,
    /// Checks the rules held back (wrong password, lockout, offline, ...).
    pub checks_skipped: u32,
    /// Password changes in the cloud.
    pub password_changes: u32,
    /// Failed sign-ins in the tenant's log that say "wrong password" (50126).
    pub failed_wrong_password: u32,
    /// Sign-ins refused because someone else had locked the account (50053).
    pub answered_locked_by_other: u32,
    /// 50053 answers outside the other person's lockout: lockouts Sesame caused.
    pub lockouts_caused: u32,
    /// Every failed password sign-in from Sesame, whatever the code.
    pub failed_total: u32,
    /// Interrupted (MFA) sign-ins: the password was right.
    pub interrupted: u32,
    /// Syncs the user made.
    pub syncs: u32,
    /// State at the end.
    pub final_state: Option<SyncState>,
    /// Local and stored passwords are the cloud password at the end.
    pub ends_in_sync: bool,
    /// Times each state was entered.
    pub states_seen: Vec<SyncState>,
}

#[derive(Debug)]
struct SimClock(Arc<SimHandle>);

impl Clock for SimClock {
    fn now(&self) -> SystemTime {
        self.0.now().into()
    }
}

#[derive(Debug, Clone)]
enum Act {
    CaOn,
    CaOff,
    ChangePassword(&'static str),
    UserSyncs(&'static str),
    LockByOther,
    Unlock,
    OutageStart,
    OutageEnd,
    Throttle,
    NetworkDown,
    NetworkUp,
}

fn scenario(start: OffsetDateTime) -> Vec<(OffsetDateTime, Act)> {
    let at = |day: i64, h: i64, m: i64| {
        start + Duration::days(day) + Duration::hours(h) + Duration::minutes(m)
    };
    let mut acts = vec![
        (at(3, 10, 0), Act::CaOn),
        (at(6, 9, 0), Act::NetworkDown),
        (at(6, 15, 0), Act::NetworkUp),
        (at(7, 14, 0), Act::ChangePassword("Adele-Second-Pass-8")),
        (at(7, 17, 0), Act::UserSyncs("Adele-Second-Pass-8")),
        (at(10, 9, 0), Act::LockByOther),
        (at(10, 12, 0), Act::Unlock),
        (at(12, 8, 0), Act::CaOff),
        (at(14, 9, 0), Act::ChangePassword("Adele-Third-Pass-9")),
        (at(14, 12, 0), Act::UserSyncs("Adele-Third-Pass-9")),
        (at(18, 0, 0), Act::OutageStart),
        (at(19, 0, 0), Act::OutageEnd),
        (at(22, 10, 0), Act::Throttle),
        (at(22, 10, 40), Act::Throttle),
    ];
    // Network flaps: every five hours, two minutes without network.
    let mut t = start + Duration::hours(2);
    while t < start + Duration::days(30) {
        acts.push((t, Act::NetworkDown));
        acts.push((t + Duration::minutes(2), Act::NetworkUp));
        t += Duration::hours(5);
    }
    acts.sort_by_key(|(t, _)| *t);
    acts
}

/// A bound account "adele" in memory (directory + secret store) against
/// entra-sim over HTTPS, with the client on the simulator's clock.
pub struct MemWorld {
    pub sim: Arc<SimHandle>,
    pub settings: sesame_core::settings::Settings,
    pub client: EntraClient,
    pub dir: InMemoryDirectory,
    pub store: InMemorySecretStore,
    pub account: Account,
    pub network: FixedNetwork,
    pub state_dir: std::path::PathBuf,
    pub tmp: tempfile::TempDir,
}

impl MemWorld {
    pub async fn new(quiet: bool) -> Self {
        let toml = format!(
            "{}\n[[conditional_access]]\nname = \"{CA_ALL}\"\nstate = \"off\"\ninclude_apps = \"all\"\ninclude_users = \"all\"\ngrant = \"mfa\"\n",
            entra_sim::DEMO_TENANT_TOML
        );
        let tenant = Tenant::from_toml_str(&toml, "menubar simulation").unwrap();
        let sim = Arc::new(Sim::start(tenant, SimOptions { tls: true }).await.unwrap());
        let tmp = tempfile::tempdir().unwrap();
        let log_path = tmp.path().join("sync.log");
        let mut settings = load_settings(&mobileconfig(&sim, App::Public, &log_path));
        settings.quiet_mode = quiet;
        let config = ClientConfig::from_settings(&settings).unwrap();
        let client = EntraClient::with_clock(config, Arc::new(SimClock(sim.clone()))).unwrap();
        let dir = InMemoryDirectory::new();
        let store = InMemorySecretStore::new();
        let first = SecretString::from(ADELE_PASSWORD.to_owned());
        dir.create(&AccountSpec {
            short_name: "adele".into(),
            uid: 501,
            full_name: "Adele Vance".into(),
            home: "/home/adele".into(),
        })
        .unwrap();
        dir.set_password("adele", &first, None).unwrap();
        let binding = Binding {
            id: EntraId {
                oid: "b2000000-0000-4000-8000-000000000002".into(),
                tid: sim.tenant_id(),
            },
            upn: ADELE.into(),
            origin: Origin::Created,
            admin_by_sesame: false,
            admin_reason: None,
            last_sync: None,
        };
        dir.bind("adele", Some(&binding)).unwrap();
        store.store("adele", &first).unwrap();
        if quiet {
            // What `sesame-agent login` leaves: the sign-in's refresh token.
            let owner = sesame_core::password_binding::PasswordOwner::of_binding(&binding);
            let signed_in = client.verify_password_for(&owner, &first).await.unwrap();
            let session = client.session_of_check(signed_in.check()).unwrap();
            sesame_platform::secrets::store_session(&store, "adele", &session).unwrap();
        }
        let state_dir = tmp.path().join("state");
        Self {
            sim,
            settings,
            client,
            dir,
            store,
            account: Account {
                short_name: "adele".into(),
                binding,
            },
            network: FixedNetwork::new(true),
            state_dir,
            tmp,
        }
    }

    pub fn ctx(&self) -> Context<'_> {
        Context {
            settings: &self.settings,
            client: &self.client,
            dir: &self.dir,
            store: &self.store,
            state_dir: &self.state_dir,
            network: &self.network,
            host: "sim-mac",
        }
    }
}

/// Runs the 30 days. `quiet`: the profile's QuietMode.
pub async fn simulate(quiet: bool) -> Counts {
    let w = MemWorld::new(quiet).await;
    let (sim, dir, store, account, network, state_dir) = (
        &w.sim,
        &w.dir,
        &w.store,
        &w.account,
        &w.network,
        &w.state_dir,
    );
    let ctx = w.ctx();
    let start = sim.now();
    let end = start + Duration::days(30);
    let acts = scenario(start);
    let mut next_act = 0;
    let mut counts = Counts::default();
    let mut lock_window: Option<(OffsetDateTime, OffsetDateTime)> = None;
    let mut cloud_password = ADELE_PASSWORD;
    sim.clear_sign_ins();
    loop {
        let record = sesame_menubar::check::load_or_new(&ctx, account, sim.now()).unwrap();
        let due = record.next_due.unwrap_or(end);
        let act_at = acts.get(next_act).map_or(end, |(t, _)| *t);
        let t = due.min(act_at);
        if t >= end {
            break;
        }
        let now = sim.now();
        if t > now {
            // One second past: the simulator's clock is coarser than ours.
            sim.advance_clock(t - now + Duration::seconds(1));
        }
        let now = sim.now();
        if act_at <= due {
            let act = acts[next_act].1.clone();
            next_act += 1;
            match act {
                Act::CaOn => sim.set_ca_state(CA_ALL, CaState::On).unwrap(),
                Act::CaOff => sim.set_ca_state(CA_ALL, CaState::Off).unwrap(),
                Act::ChangePassword(p) => {
                    sim.set_password(ADELE, p).unwrap();
                    cloud_password = p;
                    counts.password_changes += 1;
                }
                Act::UserSyncs(p) => {
                    let r = sesame_menubar::sync(
                        &ctx,
                        account,
                        SecretString::from(p.to_owned()),
                        None,
                        now,
                        &mut RunToEnd,
                    )
                    .await;
                    assert!(r.is_ok(), "the user's sync failed: {r:?}");
                    counts.syncs += 1;
                }
                Act::LockByOther => {
                    sim.lock(ADELE).unwrap();
                    lock_window = Some((now, now + Duration::hours(3)));
                }
                Act::Unlock => sim.unlock(ADELE).unwrap(),
                Act::OutageStart => sim.inject_fault(Fault::on_path(
                    FaultKind::Status { status: 503 },
                    "/token",
                    1_000_000,
                )),
                Act::OutageEnd => sim.clear_faults(),
                Act::Throttle => sim.inject_fault(Fault::on_path(
                    FaultKind::TooManyRequests { retry_after: 900 },
                    "/token",
                    1,
                )),
                Act::NetworkDown => network.set(false),
                Act::NetworkUp => {
                    network.set(true);
                    let r = sesame_menubar::check::load_or_new(&ctx, account, now).unwrap();
                    let moved = on_event(
                        &r,
                        &ctx.policy(),
                        ctx.seed(account),
                        Event::NetworkChanged,
                        now,
                    );
                    records::save(state_dir, "adele", &moved).unwrap();
                }
            }
            continue;
        }
        let report = check(&ctx, account, Trigger::Timer, now).await.unwrap();
        if report.sent {
            counts.checks_sent += 1;
            match report.request {
                Some("password") => counts.password_grants_sent += 1,
                Some("refresh_token") => counts.refreshes_sent += 1,
                _ => {}
            }
        } else {
            counts.checks_skipped += 1;
            if report.message == sesame_core::recheck::QuietBlocker::NoRefreshToken.warning() {
                counts.quiet_without_token += 1;
            }
        }
        if counts.states_seen.last() != Some(&report.state) {
            counts.states_seen.push(report.state);
        }
    }
    for row in sim.sign_ins() {
        if row.user != ADELE {
            continue;
        }
        if row.flow == "refresh_token" {
            match row.status.as_str() {
                "Failure" => counts.refresh_refused += 1,
                "Interrupted" => counts.interrupted += 1,
                _ => {}
            }
            continue;
        }
        if row.flow != "password" {
            continue;
        }
        match row.status.as_str() {
            "Failure" => {
                counts.failed_total += 1;
                match row.error_code {
                    50126 => counts.failed_wrong_password += 1,
                    50053 => {
                        let t = OffsetDateTime::parse(
                            &row.time,
                            &time::format_description::well_known::Rfc3339,
                        )
                        .unwrap();
                        let inside = lock_window.is_some_and(|(a, b)| t >= a && t <= b);
                        if inside {
                            counts.answered_locked_by_other += 1;
                        } else {
                            counts.lockouts_caused += 1;
                        }
                    }
                    _ => {}
                }
            }
            "Interrupted" => counts.interrupted += 1,
            _ => {}
        }
    }
    let record = records::load(state_dir, "adele").unwrap().unwrap();
    counts.final_state = Some(record.state);
    let cloud = SecretString::from(cloud_password.to_owned());
    counts.ends_in_sync = dir.verify_password("adele", &cloud).unwrap()
        && store
            .read("adele")
            .unwrap()
            .is_some_and(|s| s.expose_secret() == cloud_password);
    counts
}

/// The figures as the bench script prints them.
pub fn print(label: &str, c: &Counts) {
    println!(
        "lockout simulation ({label}): 30 days, hourly checks, network flaps every 5 h, 2 password changes, 1 lockout by someone else, CA MFA toggled, 1 day outage, throttling"
    );
    println!(
        "  checks sent {} (password grants {}, refresh-token redemptions {}), held back {}",
        c.checks_sent, c.password_grants_sent, c.refreshes_sent, c.checks_skipped
    );
    println!(
        "  refresh tokens refused (revoked by a password change; no password sent) {}; quiet checks without a token {}",
        c.refresh_refused, c.quiet_without_token
    );
    println!(
        "  failed password sign-ins by Sesame: wrong password {} (password changes: {}), all failures {}",
        c.failed_wrong_password, c.password_changes, c.failed_total
    );
    println!(
        "  answered 'locked' during the other person's lockout {}; lockouts caused by Sesame {}",
        c.answered_locked_by_other, c.lockouts_caused
    );
    println!(
        "  MFA-interrupted checks counted as in sync {}; user syncs {}",
        c.interrupted, c.syncs
    );
    println!(
        "  states: {:?}",
        c.states_seen.iter().map(|s| s.name()).collect::<Vec<_>>()
    );
    println!(
        "  ends in sync: {} (final state {:?})",
        c.ends_in_sync,
        c.final_state.map(|s| s.name())
    );
}
