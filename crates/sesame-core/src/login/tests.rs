//! Table tests of the login decisions: each row drives the machine through
//! a sign-in and asserts what the person sees and what the helpdesk reads.

mod events;
mod groups_log;
mod linking;
mod messages;
mod native;
mod offline;
mod passwordless;
mod plan_denials;
mod retyped;

use std::collections::BTreeMap;

use time::macros::datetime;

use super::*;
use crate::identity::{EntraId, Identity};
use crate::provisioning::{
    AccountOs, Binding as AccountBinding, DirectorySnapshot, LocalAccount, LocalPasswordProof,
    Origin, PlanRequest, Policy, plan,
};
use crate::synclog::{EventKind, Verdict};

mod device;

const TID: &str = "11111111-1111-4111-8111-111111111111";
const OID: &str = "0a0a0a0a-0000-4000-8000-00000000ada0";
const ADA: &str = "ada@contoso.example";
const RESET: &str = "https://passwordreset.microsoftonline.com/";
const CHANGE: &str = "https://mysignins.microsoft.com/security-info/password/change";

fn rules() -> LoginRules {
    LoginRules {
        mode: LoginMode::Web,
        native_mfa: NativeMfa::Deny,
        wrong_password_limit: 3,
        passwordless_local_password: false,
        keychain_reset: false,
        deny_local: false,
        deny_local_excluded: vec![],
        local_fallback: false,
        reset_password_url: RESET.into(),
        change_password_url: CHANGE.into(),
        help_url: None,
        require_mfa: false,
    }
}

fn who() -> Who {
    Who {
        id: EntraId {
            oid: OID.into(),
            tid: TID.into(),
        },
        username: ADA.into(),
        overage: false,
    }
}

fn identity() -> Identity {
    Identity {
        id: who().id,
        username: ADA.into(),
        upn: Some(ADA.into()),
        name: Some("Ada Lovelace".into()),
        given_name: None,
        family_name: None,
        groups: Groups::Known { ids: vec![] },
        roles: vec![],
        extra_claims: BTreeMap::new(),
    }
}

/// Ada's password, verified by Entra for Ada (the ID token's oid + tid).
fn verified() -> crate::password_binding::VerifiedPassword {
    use crate::password_binding::{EntraAccepted, PasswordOwner, VerifiedPassword};
    let id = who().id;
    VerifiedPassword::bind(
        &PasswordOwner::of(&identity()),
        secrecy::SecretString::from("Ada-Pass-1".to_owned()),
        EntraAccepted::IdToken(&id),
    )
    .expect("bound to Ada")
}

/// A plan from the real planner: a new account, or an update of `ada`
/// already bound to this identity.
fn a_plan(existing: bool) -> Box<Plan> {
    let mut snap = DirectorySnapshot::default();
    if existing {
        snap.accounts.push(LocalAccount {
            short_name: "ada".into(),
            uid: 1001,
            full_name: "Ada Lovelace".into(),
            home: "/home/ada".into(),
            is_admin: false,
            binding: Some(AccountBinding {
                id: who().id,
                upn: ADA.into(),
                origin: Origin::Created,
                admin_by_sesame: false,
                admin_reason: None,
                last_sync: None,
            }),
        });
        snap.used_uids.insert(1001);
    }
    let id = identity();
    let request = PlanRequest {
        identity: &id,
        password: &verified(),
        local_password: LocalPasswordProof::NotOffered,
        now: "2026-11-28T05:00:00Z",
    };
    Box::new(plan(&Policy::new(AccountOs::Linux), &request, &snap))
}

struct Run {
    m: LoginMachine,
    events: Vec<crate::synclog::SyncEvent>,
}

impl Run {
    fn new(r: LoginRules) -> Self {
        Self {
            m: LoginMachine::new(r),
            events: vec![],
        }
    }

    fn feed(&mut self, input: Input) -> Next {
        let t = self.m.step(input, datetime!(2026-11-28 05:00 UTC));
        self.events.push(t.event);
        t.next
    }

    /// Start → web → redirect → code → token → groups, capturing `c`.
    fn web_until_password(&mut self, c: Captured) -> Next {
        let steps = [
            Input::Start {
                front: Front::Web,
                username: None,
            },
            Input::WebFinished(c),
            Input::RedirectOk,
            Input::CodeExchanged,
            Input::TokenValidated(who()),
        ];
        for s in steps {
            assert!(matches!(self.feed(s), Next::Request(_)));
        }
        self.feed(Input::GroupsResolved {
            groups: Groups::Known { ids: vec![] },
            from_graph: false,
        })
    }

    fn kinds(&self) -> Vec<&'static str> {
        self.events.iter().map(|e| e.event.name()).collect()
    }
}

fn denied(n: &Next) -> &Denial {
    match n {
        Next::Denied(d) => d,
        other => panic!("expected a denial, got {other:?}"),
    }
}

fn check(verdict: PasswordVerdict) -> Input {
    Input::PasswordChecked {
        verdict,
        binding: Binding::ThisIdentity,
    }
}

fn obtained() -> Input {
    Input::PasswordObtained {
        source: PasswordSource::CapturedCurrent,
        already_refused: false,
    }
}

#[test]
fn a_good_web_sign_in_walks_every_step_with_one_event_each() {
    let mut run = Run::new(rules());
    assert_eq!(
        run.web_until_password(Captured::Current),
        Next::Request(Request::UseCaptured(Captured::Current))
    );
    assert_eq!(
        run.feed(obtained()),
        Next::Request(Request::CheckPassword {
            username: ADA.into()
        })
    );
    assert_eq!(
        run.feed(check(PasswordVerdict::Verified)),
        Next::Request(Request::Plan)
    );
    let next = run.feed(Input::Planned {
        plan: a_plan(false),
        facts: PasswordFacts::default(),
    });
    assert_eq!(
        next,
        Next::Request(Request::Apply {
            old_local: OldLocal::NotNeeded
        })
    );
    assert_eq!(
        run.feed(Input::Applied(Ok(()))),
        Next::Request(Request::Store(StoreAction::Store))
    );
    let Next::Success(ready) = run.feed(Input::Stored(Ok(()))) else {
        panic!("not ready")
    };
    assert!(
        ready.proved.contains("password verified"),
        "{}",
        ready.proved
    );
    assert_eq!(
        run.kinds(),
        [
            "login_started",
            "sign_in",
            "redirect_captured",
            "code_exchanged",
            "token_validated",
            "groups_resolved",
            "password_obtained",
            "password_check",
            "account_planned",
            "account_created",
            "keychain_updated"
        ]
    );
    assert!(
        run.events
            .iter()
            .all(|e| e.user.as_ref().is_none_or(|u| u.upn == ADA))
    );
    assert_eq!(
        run.events
            .last()
            .and_then(|e| e.user.as_ref())
            .and_then(|u| u.short_name.as_deref()),
        Some("ada")
    );
}

/// Every refusal at the password check: what the person reads, and the link.
#[test]
fn refusals_tell_the_person_what_to_do() {
    use PasswordVerdict as P;
    let fix = "Authentication > Allow public client flows: Yes".to_string();
    let rows: Vec<(PasswordVerdict, DenyKind, &str, Option<&str>)> = vec![
        (
            P::Locked { code: 50053 },
            DenyKind::Locked,
            "Your account is locked",
            Some(RESET),
        ),
        (
            P::Disabled { code: 50057 },
            DenyKind::Disabled,
            "Your account is disabled",
            None,
        ),
        (
            P::PasswordExpired { code: 50055 },
            DenyKind::PasswordExpired,
            "Your password has expired",
            Some(CHANGE),
        ),
        (
            P::NotAssigned { code: 50105 },
            DenyKind::NotAssigned,
            "not allowed to sign in to this computer",
            None,
        ),
        (
            P::UnknownUser { code: 50034 },
            DenyKind::UnknownUser,
            "no such account",
            None,
        ),
        (
            P::Misconfigured {
                code: Some(7000218),
                fix: fix.clone(),
            },
            DenyKind::Misconfigured,
            "Contact your administrator",
            None,
        ),
        (
            P::Unknown {
                code: None,
                raw: "?".into(),
            },
            DenyKind::Unknown,
            "does not understand",
            None,
        ),
    ];
    for (verdict, kind, text, link) in rows {
        let mut run = Run::new(rules());
        run.web_until_password(Captured::Current);
        run.feed(obtained());
        let next = run.feed(check(verdict.clone()));
        let d = denied(&next);
        assert_eq!(d.kind, kind, "{verdict}");
        assert!(
            d.message.text.contains(text),
            "{verdict}: {}",
            d.message.text
        );
        assert_eq!(d.message.link.as_deref(), link, "{verdict}");
        let ev = run.events.last().unwrap();
        assert_eq!(ev.event, EventKind::PasswordCheck);
        assert_eq!(ev.verdict, Some(Verdict::from(&verdict)));
        assert_eq!(ev.codes, verdict.code().into_iter().collect::<Vec<_>>());
        assert!(
            ev.message.contains(&d.message.text),
            "the log says what the user was told"
        );
    }
    // The misconfiguration's fix reaches the log, never the person.
    let mut run = Run::new(rules());
    run.web_until_password(Captured::Current);
    run.feed(obtained());
    let next = run.feed(check(P::Misconfigured {
        code: Some(7000218),
        fix: fix.clone(),
    }));
    assert!(!denied(&next).message.text.contains("public client"));
    assert!(run.events.last().unwrap().message.contains(&fix));
}

#[test]
fn wrong_password_asks_again_and_stops_before_lockout_with_the_reset_link() {
    let mut run = Run::new(rules());
    run.web_until_password(Captured::Current);
    run.feed(obtained());
    let wrong = || check(PasswordVerdict::WrongPassword { code: 50126 });
    let Next::Request(Request::AskPassword { message }) = run.feed(wrong()) else {
        panic!("a wrong password asks again")
    };
    assert_eq!(
        message.text,
        "That password is not right. Try again (2 tries left)."
    );
    // The same password typed again is not sent, and not counted by Entra.
    let again = run.feed(Input::PasswordObtained {
        source: PasswordSource::Asked,
        already_refused: true,
    });
    let Next::Request(Request::AskPassword { message }) = again else {
        panic!("a refused password is never re-sent: {again:?}")
    };
    assert!(message.text.contains("already said that password is wrong"));
    assert_eq!(run.m.wrong_passwords(), 1);
    run.feed(Input::PasswordObtained {
        source: PasswordSource::Asked,
        already_refused: false,
    });
    let Next::Request(Request::AskPassword { message }) = run.feed(wrong()) else {
        panic!("second wrong asks again")
    };
    assert!(message.text.contains("1 try left"), "{}", message.text);
    run.feed(Input::PasswordObtained {
        source: PasswordSource::Asked,
        already_refused: false,
    });
    let next = run.feed(wrong());
    let d = denied(&next);
    assert_eq!(d.kind, DenyKind::TooManyWrongPasswords);
    assert_eq!(d.message.link.as_deref(), Some(RESET));
    assert!(d.message.text.contains("before your account gets locked"));
}

#[test]
fn a_wrong_then_right_password_signs_in() {
    let mut run = Run::new(rules());
    run.web_until_password(Captured::Current);
    run.feed(obtained());
    run.feed(check(PasswordVerdict::WrongPassword { code: 50126 }));
    run.feed(Input::PasswordObtained {
        source: PasswordSource::Asked,
        already_refused: false,
    });
    assert_eq!(
        run.feed(check(PasswordVerdict::Verified)),
        Next::Request(Request::Plan)
    );
}

#[test]
fn mfa_interrupt_is_verified_on_the_web_and_refused_natively() {
    let interrupt = PasswordVerdict::VerifiedInterrupted { code: 50076 };
    let mut run = Run::new(rules());
    run.web_until_password(Captured::Current);
    run.feed(obtained());
    assert_eq!(
        run.feed(check(interrupt.clone())),
        Next::Request(Request::Plan)
    );
    assert_eq!(
        run.events.last().unwrap().verdict,
        Some(Verdict::VerifiedInterrupted)
    );

    let mut run = Run::new(rules());
    run.feed(Input::Start {
        front: Front::Native,
        username: Some(ADA.into()),
    });
    assert_eq!(
        run.feed(Input::PasswordObtained {
            source: PasswordSource::Native,
            already_refused: false
        }),
        Next::Request(Request::CheckPassword {
            username: ADA.into()
        })
    );
    let next = run.feed(check(interrupt));
    let d = denied(&next);
    assert_eq!(d.kind, DenyKind::MfaRequired);
    assert_eq!(d.message.text, "MFA is required: use the web sign-in.");
    assert!(
        d.log.contains("password verified"),
        "the log says the password was right: {}",
        d.log
    );
}

#[test]
fn a_password_verified_for_someone_else_is_never_used() {
    for (binding, kind) in [
        (Binding::OtherIdentity, DenyKind::OtherIdentity),
        (Binding::Unproven, DenyKind::Unknown),
    ] {
        let mut run = Run::new(rules());
        run.web_until_password(Captured::Current);
        run.feed(obtained());
        let next = run.feed(Input::PasswordChecked {
            verdict: PasswordVerdict::Verified,
            binding,
        });
        assert_eq!(denied(&next).kind, kind, "{binding:?}");
    }
}

/// Faults go to the offline rules and are never a wrong password.
#[test]
fn faults_follow_the_profiles_offline_rules() {
    let unreachable = PasswordVerdict::Unreachable {
        reason: "timed out after 10 s".into(),
    };
    let throttled = PasswordVerdict::Throttled {
        code: None,
        retry_after_secs: Some(30),
    };
    // (deny_local, local_fallback, excluded, fallback?)
    let rows = [
        (false, false, false, true),
        (true, true, false, true),
        (true, false, true, true),
        (true, false, false, false),
    ];
    for (deny_local, local_fallback, excluded, fallback) in rows {
        for v in [unreachable.clone(), throttled.clone()] {
            let mut r = rules();
            r.deny_local = deny_local;
            r.local_fallback = local_fallback;
            if excluded {
                r.deny_local_excluded = vec!["ada".into()];
            }
            let mut run = Run::new(r);
            run.feed(Input::Start {
                front: Front::Native,
                username: Some(ADA.into()),
            });
            run.feed(Input::PasswordObtained {
                source: PasswordSource::Native,
                already_refused: false,
            });
            let next = run.feed(check(v.clone()));
            assert_eq!(
                run.m.wrong_passwords(),
                0,
                "a fault is never a wrong password"
            );
            match (&next, fallback) {
                (Next::LocalFallback(f), true) => {
                    assert!(f.message.text.contains("local password"));
                    assert_eq!(run.events.last().unwrap().event, EventKind::LocalFallback);
                }
                (Next::Denied(d), false) => {
                    assert_eq!(d.kind, DenyKind::Offline);
                    assert!(d.message.text.contains("Connect to the network"));
                }
                other => panic!("{deny_local} {local_fallback} {excluded} {v}: {other:?}"),
            }
        }
    }
}

#[test]
fn a_fault_before_the_web_view_also_falls_back() {
    let mut run = Run::new(rules());
    run.feed(Input::Start {
        front: Front::Web,
        username: None,
    });
    let next = run.feed(Input::Refused {
        verdict: PasswordVerdict::Unreachable {
            reason: "discovery: connection refused".into(),
        },
        detail: String::new(),
    });
    assert!(matches!(next, Next::LocalFallback(_)), "{next:?}");
}

#[test]
fn not_assigned_on_the_redirect_is_a_plain_message_and_a_log_line() {
    let mut run = Run::new(rules());
    run.feed(Input::Start {
        front: Front::Web,
        username: None,
    });
    run.feed(Input::WebFinished(Captured::Current));
    let next = run.feed(Input::Refused {
        verdict: PasswordVerdict::NotAssigned { code: 50105 },
        detail: "assign the user under Enterprise applications > Users and groups".into(),
    });
    let d = denied(&next);
    assert_eq!(d.kind, DenyKind::NotAssigned);
    assert!(d.message.text.contains("Ask your administrator for access"));
    let ev = run.events.last().unwrap();
    assert_eq!(ev.event, EventKind::RedirectCaptured);
    assert_eq!(ev.codes, vec![50105]);
    assert!(ev.message.contains("Enterprise applications"));
}

#[test]
fn nothing_captured_asks_once_natively_and_passwordless_is_opt_in() {
    let mut run = Run::new(rules());
    let next = run.web_until_password(Captured::Nothing);
    let Next::Request(Request::AskPassword { message }) = next else {
        panic!("{next:?}")
    };
    assert_eq!(message.text, "Enter your Microsoft Entra password.");
    assert_eq!(
        denied(&run.feed(Input::PasswordDeclined)).kind,
        DenyKind::Cancelled
    );

    let mut r = rules();
    r.passwordless_local_password = true;
    let mut run = Run::new(r);
    run.web_until_password(Captured::Nothing);
    assert!(matches!(
        run.feed(Input::PasswordDeclined),
        Next::Request(Request::ChooseLocalPassword { .. })
    ));
    assert_eq!(
        run.feed(Input::LocalPasswordChosen),
        Next::Request(Request::Plan)
    );
    run.feed(Input::Planned {
        plan: a_plan(false),
        facts: PasswordFacts::default(),
    });
    let Next::Success(ready) = run.feed(Input::Applied(Ok(()))) else {
        panic!("passwordless account is ready without storing anything")
    };
    assert!(ready.proved.contains("local-only"));
}

/// An existing account whose local password differs from the new cloud
/// password: the old one is proven or taken from the store, and local and
/// stored passwords move together; no silent reset.
#[test]
fn returning_users_keep_local_and_stored_passwords_together() {
    let rows: Vec<(PasswordFacts, bool, Next)> = vec![
        (
            PasswordFacts {
                local_is_new: true,
                stored: Stored::SameAsNew,
                typed_old_local: None,
            },
            false,
            Next::Request(Request::Apply {
                old_local: OldLocal::NotNeeded,
            }),
        ),
        (
            PasswordFacts {
                local_is_new: false,
                stored: Stored::SameAsLocal,
                typed_old_local: None,
            },
            false,
            Next::Request(Request::Apply {
                old_local: OldLocal::Stored,
            }),
        ),
        (
            PasswordFacts {
                local_is_new: false,
                stored: Stored::Other,
                typed_old_local: Some(true),
            },
            false,
            Next::Request(Request::Apply {
                old_local: OldLocal::Typed,
            }),
        ),
        (
            PasswordFacts {
                local_is_new: false,
                stored: Stored::Other,
                typed_old_local: None,
            },
            true,
            Next::Request(Request::Apply {
                old_local: OldLocal::Reset,
            }),
        ),
    ];
    for (facts, reset, want) in rows {
        let mut r = rules();
        r.keychain_reset = reset;
        let mut run = Run::new(r);
        run.web_until_password(Captured::Current);
        run.feed(obtained());
        run.feed(check(PasswordVerdict::Verified));
        let next = run.feed(Input::Planned {
            plan: a_plan(true),
            facts,
        });
        assert_eq!(next, want, "{facts:?}");
    }
    // Nothing proves the old password and no reset allowed: ask, then stop.
    let mut run = Run::new(rules());
    run.web_until_password(Captured::Current);
    run.feed(obtained());
    run.feed(check(PasswordVerdict::Verified));
    let unknown = PasswordFacts {
        local_is_new: false,
        stored: Stored::Other,
        typed_old_local: None,
    };
    let Next::Request(Request::AskOldLocalPassword { message }) = run.feed(Input::Planned {
        plan: a_plan(true),
        facts: unknown,
    }) else {
        panic!("must ask for the previous password")
    };
    assert!(message.text.contains("previous password"));
    let wrong = PasswordFacts {
        typed_old_local: Some(false),
        ..unknown
    };
    for _ in 0..2 {
        assert!(matches!(
            run.feed(Input::Planned {
                plan: a_plan(true),
                facts: wrong
            }),
            Next::Request(Request::AskOldLocalPassword { .. })
        ));
    }
    let next = run.feed(Input::Planned {
        plan: a_plan(true),
        facts: wrong,
    });
    assert_eq!(denied(&next).kind, DenyKind::OldPasswordNeeded);
}

#[test]
fn a_store_failure_never_leaves_passwords_apart() {
    for (existing, ready) in [(false, true), (true, false)] {
        let mut run = Run::new(rules());
        run.web_until_password(Captured::Current);
        run.feed(obtained());
        run.feed(check(PasswordVerdict::Verified));
        let facts = PasswordFacts {
            local_is_new: false,
            stored: Stored::SameAsLocal,
            typed_old_local: None,
        };
        run.feed(Input::Planned {
            plan: a_plan(existing),
            facts,
        });
        run.feed(Input::Applied(Ok(())));
        let next = run.feed(Input::Stored(Err("keyring refused".into())));
        match next {
            Next::Success(r) if ready => assert!(r.notice.is_some()),
            Next::Denied(d) if !ready => assert!(d.log.contains("put back")),
            other => panic!("existing={existing}: {other:?}"),
        }
        assert_eq!(run.events.last().unwrap().verdict, Some(Verdict::Fail));
    }
}

#[test]
fn group_gate_and_takeover_denials_say_who_to_ask() {
    let mut policy = Policy::new(AccountOs::Linux);
    policy.allowed_groups = vec!["c0000000-0000-4000-8000-000000000001".into()];
    let id = identity();
    let req = PlanRequest {
        identity: &id,
        password: &verified(),
        local_password: LocalPasswordProof::NotOffered,
        now: "2026-11-28T05:00:00Z",
    };
    let gated = plan(&policy, &req, &DirectorySnapshot::default());
    let mut run = Run::new(rules());
    run.web_until_password(Captured::Current);
    run.feed(obtained());
    run.feed(check(PasswordVerdict::Verified));
    let next = run.feed(Input::Planned {
        plan: Box::new(gated),
        facts: PasswordFacts::default(),
    });
    let d = denied(&next);
    assert_eq!(d.kind, DenyKind::Plan);
    assert!(d.message.text.contains("allowed group"));
    assert_eq!(run.events.last().unwrap().event, EventKind::AccountDenied);
}

#[test]
fn no_display_and_out_of_order_inputs_are_denials_not_panics() {
    let mut run = Run::new(rules());
    run.feed(Input::Start {
        front: Front::Web,
        username: None,
    });
    let d = run.feed(Input::WebFailed(WebProblem::NoDisplay));
    assert!(denied(&d).message.text.contains("--native"));
    let mut run = Run::new(rules());
    let d = run.feed(Input::Applied(Ok(())));
    assert_eq!(denied(&d).kind, DenyKind::Failed);
}
