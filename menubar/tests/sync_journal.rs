//! Sync is killed after each step; the next run (a check or a sync) finds
//! the journal and converges: the local password and the stored one are
//! always the same password, never one old and one new.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/lockout.rs"]
mod lockout;

use std::ops::ControlFlow;

use secrecy::{ExposeSecret, SecretString};
use sesame_core::recheck::{SyncState, Trigger};
use sesame_e2e::world::{ADELE, ADELE_PASSWORD};
use sesame_menubar::sync::{STEPS, SyncError, SyncHook, parked_item};
use sesame_menubar::{check, sync};
use sesame_platform::{AccountDirectory, SecretStore};

const NEW: &str = "Adele-Synced-Pass-4";

struct KillAfter(&'static str);

impl SyncHook for KillAfter {
    fn after(&mut self, step: &'static str) -> ControlFlow<()> {
        if step == self.0 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn local_is(w: &lockout::MemWorld, pw: &str) -> bool {
    w.dir.verify_password("adele", &secret(pw)).unwrap()
}

fn stored(w: &lockout::MemWorld) -> String {
    w.store
        .read("adele")
        .unwrap()
        .unwrap()
        .expose_secret()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_after_any_step_never_leaves_local_and_stored_apart() {
    let w = lockout::MemWorld::new(false).await;
    w.sim.set_password(ADELE, NEW).unwrap();
    let ctx = w.ctx();
    let mut recovered_to_new = 0;
    for step in STEPS {
        // Back to the start: both old.
        w.dir
            .set_password("adele", &secret(ADELE_PASSWORD), None)
            .unwrap();
        if stored(&w) != ADELE_PASSWORD {
            w.store
                .replace("adele", &secret(NEW), &secret(ADELE_PASSWORD))
                .unwrap();
        }
        let now = w.sim.now();
        let killed = sync(
            &ctx,
            &w.account,
            secret(NEW),
            None,
            now,
            &mut KillAfter(step),
        )
        .await;
        assert!(
            matches!(killed, Err(SyncError::Stopped(s)) if s == step),
            "{step}: {killed:?}"
        );
        // The next run of anything recovers first.
        check(&ctx, &w.account, Trigger::Timer, now).await.unwrap();
        let local_new = local_is(&w, NEW);
        let local_old = local_is(&w, ADELE_PASSWORD);
        assert!(
            local_new ^ local_old,
            "{step}: the local password is one of the two"
        );
        let want = if local_new { NEW } else { ADELE_PASSWORD };
        assert_eq!(
            stored(&w),
            want,
            "killed after '{step}': local and stored diverged"
        );
        assert!(
            w.store.read(&parked_item("adele")).unwrap().is_none(),
            "{step}: parked copy left"
        );
        assert!(
            !w.state_dir.join("adele.sync-journal.json").exists(),
            "{step}: journal left"
        );
        recovered_to_new += usize::from(local_new);
    }
    // Killed after the local change (and after the store), recovery finishes
    // the sync; killed before it, nothing had changed.
    assert_eq!(recovered_to_new, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_temporary_password_is_never_synced() {
    let w = lockout::MemWorld::new(false).await;
    let ctx = w.ctx();
    w.sim.set_password(ADELE, NEW).unwrap();
    let now = w.sim.now();
    let r = sync(
        &ctx,
        &w.account,
        secret("Wrong-Guess-11"),
        None,
        now,
        &mut sesame_menubar::sync::RunToEnd,
    )
    .await;
    assert!(matches!(r, Err(SyncError::NotVerified { .. })), "{r:?}");
    let r = sync(
        &ctx,
        &w.account,
        secret(" padded-pass "),
        None,
        now,
        &mut sesame_menubar::sync::RunToEnd,
    )
    .await;
    assert!(matches!(r, Err(SyncError::Unusable(_))), "{r:?}");
    assert!(local_is(&w, ADELE_PASSWORD));
    assert_eq!(stored(&w), ADELE_PASSWORD);
    // An admin reset: a temporary password that must be changed (50055).
    w.sim
        .set_password_by(
            ADELE,
            "Temp-Reset-Pass-1",
            entra_sim::PasswordChange::AdminPortal,
        )
        .unwrap();
    w.sim
        .set_user_state(ADELE, entra_sim::UserState::PasswordExpired)
        .unwrap();
    let r = sync(
        &ctx,
        &w.account,
        secret("Temp-Reset-Pass-1"),
        None,
        now,
        &mut sesame_menubar::sync::RunToEnd,
    )
    .await;
    match r {
        Err(e @ SyncError::MustChangeFirst { .. }) => {
            assert!(e.to_string().contains("mysignins.microsoft.com"), "{e}");
        }
        other => panic!("a temporary password must not be synced: {other:?}"),
    }
    assert!(local_is(&w, ADELE_PASSWORD));
    assert_eq!(stored(&w), ADELE_PASSWORD);
    // The new password the user then sets is synced.
    w.sim.set_password(ADELE, NEW).unwrap();
    let r = sync(
        &ctx,
        &w.account,
        secret(NEW),
        None,
        now,
        &mut sesame_menubar::sync::RunToEnd,
    )
    .await
    .unwrap();
    assert_eq!(r.state, SyncState::InSync);
    assert!(local_is(&w, NEW));
    assert_eq!(stored(&w), NEW);
}
