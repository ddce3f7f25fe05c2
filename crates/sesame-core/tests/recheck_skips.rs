//! What `sesame-menubar check-now` and the sync log say when no check is
//! sent: why, and what the person can do about it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use sesame_core::recheck::Skip;
use time::macros::datetime;

#[test]
fn each_skipped_check_says_why_and_what_to_do() {
    for (skip, says) in [
        (Skip::NotDue, "the next check is not due yet".to_owned()),
        (
            Skip::CalledWrong,
            "Entra said the stored password is wrong; it is never sent again: type the new password (sesame-menubar sync)".to_owned(),
        ),
        (
            Skip::Held(datetime!(2026-11-28 10:15 UTC)),
            "nothing is sent to Entra before 2026-11-28T10:15:00Z (lockout or Retry-After)"
                .to_owned(),
        ),
        (
            Skip::Offline,
            "no network: checking when it is back".to_owned(),
        ),
        (
            Skip::NothingStored,
            "no password is stored for this user: sign in at the login window or run sesame-menubar sync".to_owned(),
        ),
        (
            Skip::UnusablePassword,
            "the stored password starts or ends with a space, which Entra does not allow, so it is not sent: run sesame-menubar sync".to_owned(),
        ),
    ] {
        assert_eq!(skip.explain(), says, "{skip:?}");
    }
}
