//! Lockout safety as a property (issue 13): 30 simulated days against
//! entra-sim. Failed sign-ins caused by Sesame ≤ 1 per password change
//! (0 in quiet mode), no lockout caused by Sesame, and the user ends in sync.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/lockout.rs"]
mod lockout;

use sesame_core::recheck::SyncState;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_days_never_lock_anyone_out_and_end_in_sync() {
    let c = lockout::simulate(false).await;
    lockout::print("password checks", &c);
    assert_eq!(c.password_changes, 2);
    assert!(
        c.failed_wrong_password >= 1,
        "the change was noticed: {c:?}"
    );
    assert!(
        c.failed_wrong_password <= c.password_changes,
        "≤ 1 failed sign-in per change: {c:?}"
    );
    assert_eq!(c.lockouts_caused, 0, "{c:?}");
    assert!(
        c.answered_locked_by_other <= 2,
        "nothing sent while surely locked: {c:?}"
    );
    assert!(c.interrupted > 0, "MFA answers were in sync: {c:?}");
    for s in [
        SyncState::CloudPasswordChanged,
        SyncState::Locked,
        SyncState::Offline,
        SyncState::Throttled,
        SyncState::InSync,
    ] {
        assert!(
            c.states_seen.contains(&s),
            "{s:?} never seen: {:?}",
            c.states_seen
        );
    }
    assert!(c.checks_sent > 24 * 20, "hourly checks ran: {c:?}");
    assert_eq!(c.final_state, Some(SyncState::InSync));
    assert!(c.ends_in_sync);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_mode_sends_no_failed_sign_in() {
    let c = lockout::simulate(true).await;
    lockout::print("quiet mode", &c);
    assert_eq!(c.password_changes, 2);
    assert_eq!(c.failed_total, 0, "no failed password sign-in: {c:?}");
    assert_eq!(c.lockouts_caused, 0, "{c:?}");
    assert_eq!(
        c.password_grants_sent, 0,
        "no password in the background: {c:?}"
    );
    assert!(c.refreshes_sent > 24 * 20, "hourly quiet checks ran: {c:?}");
    // The first change (day 7) is seen as a revoked token. The sync that
    // follows runs while Conditional Access demands MFA, so its password
    // grant gets no refresh token: quiet mode sends nothing and warns until
    // the next sync (day 14) gives it one.
    assert!(
        c.refresh_refused >= 1,
        "a change was seen as a revoked token: {c:?}"
    );
    assert!(
        c.quiet_without_token > 0 && c.quiet_without_token < 24 * 8,
        "quiet mode without a token only between the syncs: {c:?}"
    );
    for s in [
        SyncState::CloudPasswordChanged,
        SyncState::Offline,
        SyncState::Throttled,
        SyncState::InSync,
    ] {
        assert!(
            c.states_seen.contains(&s),
            "{s:?} never seen: {:?}",
            c.states_seen
        );
    }
    assert_eq!(c.syncs, 2);
    assert_eq!(c.final_state, Some(SyncState::InSync));
    assert!(c.ends_in_sync);
}
