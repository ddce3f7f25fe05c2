//! When the planner refuses an account, what the person at the login window
//! reads: who can help, never the technical reason (that goes to the log).

use super::*;
use crate::identity::EntraId;
use crate::provisioning::DenyReason;

fn refused_with(reason: DenyReason) -> Denial {
    let mut run = Run::new(rules());
    run.web_until_password(Captured::Current);
    run.feed(obtained());
    run.feed(check(PasswordVerdict::Verified));
    let next = run.feed(Input::Planned {
        plan: Box::new(Plan::Deny {
            short_name: Some("ada".into()),
            reason,
        }),
        facts: PasswordFacts::default(),
    });
    assert_eq!(run.events.last().unwrap().event, EventKind::AccountDenied);
    denied(&next).clone()
}

#[test]
fn each_plan_denial_tells_the_person_who_can_help() {
    for (reason, says) in [
        (
            DenyReason::GroupsUnknown {
                needed_for: "admin groups".into(),
                why: "overage; Graph returned 403".into(),
            },
            "Sign-in is not set up correctly on this computer. Contact your administrator.",
        ),
        (
            DenyReason::Takeover {
                bound_to: EntraId {
                    oid: "0b0b0b0b-0000-4000-8000-0000000000b0".into(),
                    tid: TID.into(),
                },
            },
            "The account on this computer with your name belongs to someone else. Contact your helpdesk.",
        ),
        (
            DenyReason::MigrationOff,
            "Sesame cannot make an account for you on this computer. Contact your administrator.",
        ),
        (
            DenyReason::NoFreeUid {
                floor: 1000,
                ceiling: 60000,
            },
            "Sesame cannot make an account for you on this computer. Contact your administrator.",
        ),
    ] {
        let d = refused_with(reason.clone());
        assert_eq!(d.kind, DenyKind::Plan, "{reason:?}");
        assert_eq!(d.message.text, says, "{reason:?}");
    }
}
