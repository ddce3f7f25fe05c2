//! What the user reads for each state, when the daemon tells them, and that
//! a hold forbids requests until its very end.

use sesame_core::recheck::{Record, SyncState};
use time::Duration;
use time::macros::datetime;

#[test]
fn each_state_has_its_own_headline_saying_what_happened() {
    let words = [
        (SyncState::NotCheckedYet, "not checked yet"),
        (SyncState::InSync, "in sync"),
        (SyncState::CloudPasswordChanged, "type the new one"),
        (SyncState::Locked, "locked"),
        (SyncState::Expired, "expired"),
        (SyncState::Disabled, "disabled"),
        (SyncState::NotAssigned, "not allowed"),
        (SyncState::Offline, "cannot be reached"),
        (SyncState::Throttled, "wait"),
        (SyncState::NeedsSignIn, "Sign in"),
        (SyncState::Misconfigured, "not set up correctly"),
    ];
    for (state, word) in words {
        assert!(
            state.headline().contains(word),
            "{state}: {:?} lacks {word:?}",
            state.headline()
        );
        assert_eq!(state.to_string(), state.name(), "--json shows the name");
    }
    let mut seen: Vec<&str> = SyncState::ALL.iter().map(|s| s.headline()).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), SyncState::ALL.len(), "no two states read alike");
}

#[test]
fn the_user_is_told_once_and_only_when_they_must_act() {
    let must_act = [
        SyncState::CloudPasswordChanged,
        SyncState::Locked,
        SyncState::Expired,
        SyncState::Disabled,
        SyncState::NotAssigned,
        SyncState::NeedsSignIn,
        SyncState::Misconfigured,
    ];
    let t0 = datetime!(2026-11-02 09:00 UTC);
    for state in SyncState::ALL {
        let mut r = Record::new(t0);
        r.state = SyncState::InSync;
        let told = r.enter(state, t0 + Duration::minutes(5));
        let expect = state != SyncState::InSync && must_act.contains(&state);
        assert_eq!(told, expect, "entering {state}");
        if state != SyncState::InSync {
            assert_eq!(r.since, Some(t0 + Duration::minutes(5)), "{state}: since");
        }
        // The same state again: no second notification, `since` kept.
        assert!(!r.enter(state, t0 + Duration::hours(1)), "{state} twice");
        assert_ne!(r.since, Some(t0 + Duration::hours(1)));
    }
}

#[test]
fn a_hold_forbids_requests_until_its_last_instant() {
    let t0 = datetime!(2026-11-02 09:00 UTC);
    let mut r = Record::new(t0);
    assert!(!r.held_at(t0), "no hold: free");
    r.hold_until = Some(t0 + Duration::hours(1));
    assert!(r.held_at(t0));
    assert!(r.held_at(t0 + Duration::hours(1) - Duration::seconds(1)));
    assert!(!r.held_at(t0 + Duration::hours(1)), "over at its end");
}
