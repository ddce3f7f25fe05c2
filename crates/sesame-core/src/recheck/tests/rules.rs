#![allow(clippy::type_complexity)] // table rows are tuples on purpose
use super::*;
use crate::recheck::rules::{
    Decision, Skip, StoredPassword, Trigger, after_answer, after_skip, decide,
};
use crate::recheck::state::{Record, SyncState};
use crate::verdict::PasswordVerdict as V;

fn record(
    state: SyncState,
    next_due: Option<OffsetDateTime>,
    hold: Option<OffsetDateTime>,
) -> Record {
    let mut r = Record::new(T0);
    r.state = state;
    r.next_due = next_due;
    r.hold_until = hold;
    r
}

#[test]
fn whether_a_check_is_sent() {
    use StoredPassword::*;
    use SyncState::*;
    use Trigger::*;
    let due = Some(T0 - min(1));
    let later = Some(T0 + min(10));
    let held = Some(T0 + min(30));
    let past_hold = Some(T0 - min(30));
    // (state, next_due, hold, stored, network up, trigger, decision)
    let table: Vec<(
        SyncState,
        Option<OffsetDateTime>,
        Option<OffsetDateTime>,
        StoredPassword,
        bool,
        Trigger,
        Decision,
    )> = vec![
        (InSync, due, None, Usable, true, Timer, Decision::Send),
        (
            InSync,
            later,
            None,
            Usable,
            true,
            Timer,
            Decision::Skip(Skip::NotDue),
        ),
        (InSync, later, None, Usable, true, CheckNow, Decision::Send),
        (
            NotCheckedYet,
            Some(T0),
            None,
            Usable,
            true,
            Timer,
            Decision::Send,
        ),
        (
            InSync,
            None,
            None,
            Usable,
            true,
            Timer,
            Decision::Skip(Skip::NotDue),
        ),
        (
            InSync,
            due,
            None,
            Usable,
            false,
            Timer,
            Decision::Skip(Skip::Offline),
        ),
        (
            InSync,
            due,
            None,
            Usable,
            false,
            CheckNow,
            Decision::Skip(Skip::Offline),
        ),
        (
            InSync,
            due,
            None,
            Nothing,
            true,
            CheckNow,
            Decision::Skip(Skip::NothingStored),
        ),
        (
            InSync,
            due,
            None,
            SurroundingSpaces,
            true,
            Timer,
            Decision::Skip(Skip::UnusablePassword),
        ),
        (
            InSync,
            due,
            None,
            SurroundingSpaces,
            true,
            CheckNow,
            Decision::Skip(Skip::UnusablePassword),
        ),
        // Entra said wrong: never again, not by the timer, not by Check now.
        (
            CloudPasswordChanged,
            due,
            None,
            Usable,
            true,
            Timer,
            Decision::Skip(Skip::CalledWrong),
        ),
        (
            CloudPasswordChanged,
            None,
            None,
            Usable,
            true,
            CheckNow,
            Decision::Skip(Skip::CalledWrong),
        ),
        // Locked / throttled: nothing before the hold, even on Check now.
        (
            Locked,
            due,
            held,
            Usable,
            true,
            Timer,
            Decision::Skip(Skip::Held(T0 + min(30))),
        ),
        (
            Locked,
            due,
            held,
            Usable,
            true,
            CheckNow,
            Decision::Skip(Skip::Held(T0 + min(30))),
        ),
        (
            Throttled,
            due,
            held,
            Usable,
            true,
            CheckNow,
            Decision::Skip(Skip::Held(T0 + min(30))),
        ),
        (Locked, due, past_hold, Usable, true, Timer, Decision::Send),
        (
            Locked,
            Some(T0),
            Some(T0),
            Usable,
            true,
            Timer,
            Decision::Send,
        ),
        // Outages are retried by the timer's back-off; Check now may try.
        (Offline, later, None, Usable, true, CheckNow, Decision::Send),
        (
            Misconfigured,
            due,
            None,
            Usable,
            true,
            Timer,
            Decision::Send,
        ),
        (Expired, later, None, Usable, true, CheckNow, Decision::Send),
    ];
    for (i, (state, next, hold, stored, up, trigger, want)) in table.into_iter().enumerate() {
        let r = record(state, next, hold);
        assert_eq!(
            decide(&r, trigger, stored, up, T0),
            want,
            "row {i}: {state:?} {trigger:?}"
        );
    }
}

#[test]
fn what_each_answer_means() {
    use SyncState::*;
    let p = hourly();
    // (verdict, state, next check (min, max minutes from now; None = no automatic check), hold minutes, tell the user)
    let table: Vec<(V, SyncState, Option<(i64, i64)>, Option<i64>, bool)> = vec![
        (V::Verified, InSync, Some((54, 66)), None, false),
        (
            V::VerifiedInterrupted { code: 50076 },
            InSync,
            Some((54, 66)),
            None,
            false,
        ),
        (
            V::VerifiedInterrupted { code: 53003 },
            InSync,
            Some((54, 66)),
            None,
            false,
        ),
        (
            V::WrongPassword { code: 50126 },
            CloudPasswordChanged,
            None,
            None,
            true,
        ),
        (
            V::Locked { code: 50053 },
            Locked,
            Some((60, 61)),
            Some(60),
            true,
        ),
        (
            V::PasswordExpired { code: 50055 },
            Expired,
            Some((54, 66)),
            None,
            true,
        ),
        (
            V::Disabled { code: 50057 },
            Disabled,
            Some((54, 66)),
            None,
            true,
        ),
        (
            V::UnknownUser { code: 50034 },
            Disabled,
            Some((54, 66)),
            None,
            true,
        ),
        (
            V::NotAssigned { code: 50105 },
            NotAssigned,
            Some((54, 66)),
            None,
            true,
        ),
        (
            V::Misconfigured {
                code: Some(7000218),
                fix: "turn on public client flows".into(),
            },
            Misconfigured,
            Some((54, 66)),
            None,
            true,
        ),
        (
            V::NotAPasswordAnswer { code: 70008 },
            Misconfigured,
            Some((54, 66)),
            None,
            true,
        ),
        (
            V::Unknown {
                code: None,
                raw: "?".into(),
            },
            Misconfigured,
            Some((54, 66)),
            None,
            true,
        ),
        (
            V::Unreachable {
                reason: "connection refused".into(),
            },
            Offline,
            Some((0, 1)),
            None,
            false,
        ),
        (
            V::Throttled {
                code: None,
                retry_after_secs: Some(600),
            },
            Throttled,
            Some((10, 10)),
            Some(10),
            false,
        ),
        (
            V::Throttled {
                code: Some(50196),
                retry_after_secs: None,
            },
            Throttled,
            Some((15, 15)),
            Some(15),
            false,
        ),
        (
            V::Throttled {
                code: None,
                retry_after_secs: None,
            },
            Throttled,
            Some((0, 1)),
            Some(0),
            false,
        ),
    ];
    for (verdict, state, next, hold, tell) in table {
        let mut r = record(SyncState::InSync, Some(T0), None);
        let told = after_answer(&mut r, &verdict, &p, SEED, T0);
        assert_eq!(r.state, state, "{verdict:?}");
        assert_eq!(told, tell, "{verdict:?}");
        assert_eq!(r.last_check, Some(T0));
        assert!(!r.event_pending);
        match (next, r.next_due) {
            (None, None) => {}
            (Some((lo, hi)), Some(due)) => assert!(
                due >= T0 + min(lo) && due <= T0 + min(hi),
                "{verdict:?}: due {due}"
            ),
            (want, got) => panic!("{verdict:?}: next {want:?}, got {got:?}"),
        }
        assert_eq!(r.hold_until, hold.map(|m| T0 + min(m)), "{verdict:?}");
        assert_eq!(r.code, verdict.code(), "{verdict:?}");
    }
}

#[test]
fn the_catalogs_fix_is_what_a_misconfigured_user_sees() {
    let mut r = record(SyncState::InSync, Some(T0), None);
    let v = V::Misconfigured { code: Some(7000218), fix: "Entra admin center › App registrations › Authentication › Allow public client flows: Yes".into() };
    after_answer(&mut r, &v, &hourly(), SEED, T0);
    assert!(
        r.detail
            .as_deref()
            .unwrap()
            .contains("Allow public client flows")
    );
    after_answer(&mut r, &V::Verified, &hourly(), SEED, T0 + min(60));
    assert_eq!(r.detail, None, "back in sync clears the fix");
}

#[test]
fn the_user_is_told_once_per_state() {
    let p = hourly();
    let mut r = record(SyncState::InSync, Some(T0), None);
    assert!(after_answer(
        &mut r,
        &V::Disabled { code: 50057 },
        &p,
        SEED,
        T0
    ));
    assert!(!after_answer(
        &mut r,
        &V::Disabled { code: 50057 },
        &p,
        SEED,
        T0 + min(60)
    ));
    assert_eq!(r.since, Some(T0), "since keeps the first time");
    assert!(!after_answer(&mut r, &V::Verified, &p, SEED, T0 + min(120)));
    assert!(after_answer(
        &mut r,
        &V::Disabled { code: 50057 },
        &p,
        SEED,
        T0 + min(180)
    ));
}

#[test]
fn repeated_lockouts_wait_longer_and_a_good_answer_resets_the_count() {
    let p = hourly();
    let mut r = record(SyncState::InSync, Some(T0), None);
    after_answer(&mut r, &V::Locked { code: 50053 }, &p, SEED, T0);
    assert_eq!(r.hold_until, Some(T0 + Duration::hours(1)));
    let t1 = T0 + Duration::hours(2);
    after_answer(&mut r, &V::Locked { code: 50053 }, &p, SEED, t1);
    assert_eq!(r.hold_until, Some(t1 + Duration::hours(2)));
    assert_eq!(r.lockouts, 2);
    let t2 = t1 + Duration::hours(3);
    after_answer(&mut r, &V::Verified, &p, SEED, t2);
    assert_eq!(
        (r.lockouts, r.hold_until, r.state),
        (0, None, SyncState::InSync)
    );
}

#[test]
fn outages_back_off_and_recover() {
    let p = hourly();
    let mut r = record(SyncState::InSync, Some(T0), None);
    let mut now = T0;
    let mut gaps = Vec::new();
    for _ in 0..8 {
        after_answer(
            &mut r,
            &V::Unreachable {
                reason: "503".into(),
            },
            &p,
            SEED,
            now,
        );
        let due = r.next_due.unwrap();
        gaps.push((due - now).whole_seconds());
        now = due;
    }
    assert!(
        gaps.windows(2).take(5).all(|w| w[1] > w[0]),
        "grows: {gaps:?}"
    );
    assert!(
        gaps.iter().all(|g| *g <= 3600),
        "capped at the interval: {gaps:?}"
    );
    assert_eq!(r.failures, 8);
    assert_eq!(r.state, SyncState::Offline);
    after_answer(&mut r, &V::Verified, &p, SEED, now);
    assert_eq!((r.failures, r.state), (0, SyncState::InSync));
}

#[test]
fn a_wrong_password_stays_unsent_across_a_restart() {
    let p = hourly();
    let mut r = record(SyncState::InSync, Some(T0), None);
    after_answer(&mut r, &V::WrongPassword { code: 50126 }, &p, SEED, T0);
    let saved = serde_json::to_string(&r).unwrap();
    assert!(
        saved.contains("\"state\":\"cloud_password_changed\""),
        "{saved}"
    );
    let restored: Record = serde_json::from_str(&saved).unwrap();
    assert_eq!(restored, r);
    for days in [0, 1, 30, 365] {
        let later = T0 + Duration::days(days);
        for trigger in [Trigger::Timer, Trigger::CheckNow] {
            assert_eq!(
                decide(&restored, trigger, StoredPassword::Usable, true, later),
                Decision::Skip(Skip::CalledWrong)
            );
        }
    }
}

#[test]
fn a_lockout_survives_a_restart() {
    let p = hourly();
    let mut r = record(SyncState::InSync, Some(T0), None);
    after_answer(&mut r, &V::Locked { code: 50053 }, &p, SEED, T0);
    let restored: Record = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    let d = decide(
        &restored,
        Trigger::CheckNow,
        StoredPassword::Usable,
        true,
        T0 + min(59),
    );
    assert_eq!(d, Decision::Skip(Skip::Held(T0 + min(60))));
}

#[test]
fn skipped_checks_say_what_the_user_sees() {
    let p = hourly();
    let mut r = record(SyncState::InSync, Some(T0), None);
    assert!(
        !after_skip(&mut r, Skip::Offline, &p, T0),
        "offline is not the user's to fix"
    );
    assert_eq!(r.state, SyncState::Offline);
    let due = r.next_due.unwrap();
    assert!(due >= T0 + min(54) && due <= T0 + min(66));
    assert!(after_skip(&mut r, Skip::NothingStored, &p, T0));
    assert_eq!((r.state, r.next_due), (SyncState::NeedsSignIn, None));
    assert!(
        !after_skip(&mut r, Skip::UnusablePassword, &p, T0),
        "told once"
    );
    let before = r.clone();
    for s in [Skip::NotDue, Skip::CalledWrong, Skip::Held(T0)] {
        assert!(!after_skip(&mut r, s, &p, T0));
        assert_eq!(r, before);
    }
}
