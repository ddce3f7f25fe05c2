//! Which UID a new account gets: the lowest never-used one from the floor up
//! to the OS ceiling, both included.

use super::*;

fn with_used(accounts: Vec<LocalAccount>, used: &[u32]) -> DirectorySnapshot {
    let mut s = snap(accounts);
    s.used_uids.extend(used.iter().copied());
    s
}

#[test]
fn a_new_account_gets_the_lowest_free_uid_even_inside_a_gap() {
    let s = with_used(
        vec![
            account("root", 0, true, None),
            account("bob", 1000, false, None),
            account("carol", 1005, false, None),
        ],
        &[],
    );
    assert_eq!(create(&run(&linux(), &ada(), &s)).uid, 1001);
    // UIDs below the floor (system accounts) never push the choice up.
    let s = with_used(vec![account("daemon", 999, false, None)], &[998]);
    assert_eq!(create(&run(&linux(), &ada(), &s)).uid, 1000);
}

#[test]
fn the_ceiling_uid_is_handed_out_and_nothing_above_it() {
    // Linux: Debian's UID_MAX, 60000, is the last UID Sesame gives.
    let mut pol = linux();
    pol.uid_floor = Some(59_999);
    let s = with_used(vec![], &[59_999]);
    assert_eq!(create(&run(&pol, &ada(), &s)).uid, 60_000);
    let s = with_used(vec![], &[59_999, 60_000]);
    assert_eq!(
        *denial(&run(&pol, &ada(), &s)),
        DenyReason::NoFreeUid {
            floor: 59_999,
            ceiling: 60_000
        }
    );
    // macOS: up to 0x7fff_ffff (above: network and special accounts).
    let mut mac = Policy::new(AccountOs::Macos);
    mac.uid_floor = Some(0x7fff_fffe);
    let s = with_used(vec![], &[0x7fff_fffe]);
    assert_eq!(create(&run(&mac, &ada(), &s)).uid, 0x7fff_ffff);
    let s = with_used(vec![], &[0x7fff_fffe, 0x7fff_ffff]);
    assert!(matches!(
        denial(&run(&mac, &ada(), &s)),
        DenyReason::NoFreeUid { .. }
    ));
}

/// The very last UID there is, taken: no UID is left, and the taken one is
/// never handed out again.
#[test]
fn the_last_possible_uid_taken_means_no_free_uid() {
    let mut pol = Policy::new(AccountOs::Macos);
    pol.uid_floor = Some(u32::MAX);
    assert_eq!(
        create(&run(&pol, &ada(), &with_used(vec![], &[]))).uid,
        u32::MAX
    );
    let p = run(&pol, &ada(), &with_used(vec![], &[u32::MAX]));
    assert!(
        matches!(denial(&p), DenyReason::NoFreeUid { .. }),
        "{}",
        p.explain()
    );
}
