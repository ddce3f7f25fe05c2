//! Native MFA by device code (`NativeMFA`): the machine's decisions.

use super::*;

/// A native sign-in for `typed` whose password is about to be checked.
fn native_after_password(r: LoginRules, typed: &str) -> Run {
    let mut run = Run::new(r);
    run.feed(Input::Start {
        front: Front::Native,
        username: Some(typed.to_owned()),
    });
    run.feed(Input::PasswordObtained {
        source: PasswordSource::Native,
        already_refused: false,
    });
    run
}

/// `NativeMFA = device_code`: an MFA interrupt on the native sign-in goes
/// to the device code for the name the password was sent for; only that
/// user's device-code sign-in continues, everything else is refused.
#[test]
fn native_mfa_device_code_continues_only_for_the_same_user() {
    let interrupt = PasswordVerdict::VerifiedInterrupted { code: 50076 };
    let native = |r: LoginRules| native_after_password(r, &format!(" {ADA} "));
    let device_rules = LoginRules {
        native_mfa: NativeMfa::DeviceCode,
        ..rules()
    };
    let mut run = native(device_rules.clone());
    assert_eq!(
        run.feed(check(interrupt.clone())),
        Next::Request(Request::DeviceCode {
            username: ADA.into()
        })
    );
    assert_eq!(
        run.feed(Input::DeviceCodeEnded(DeviceCodeEnd::SignedIn(
            Binding::ThisIdentity
        ))),
        Next::Request(Request::ValidateToken)
    );
    assert_eq!(
        run.feed(Input::TokenValidated(who())),
        Next::Request(Request::ResolveGroups { overage: false })
    );

    for (end, kind, text) in [
        (
            DeviceCodeEnd::Declined,
            DenyKind::MfaNotCompleted,
            "The sign-in was not finished: the sign-in was declined. Try again, or use the web sign-in.",
        ),
        (
            DeviceCodeEnd::Expired,
            DenyKind::MfaNotCompleted,
            "The sign-in was not finished: the code expired. Try again, or use the web sign-in.",
        ),
        (
            DeviceCodeEnd::TimedOut,
            DenyKind::MfaNotCompleted,
            "The sign-in was not finished: it took too long. Try again, or use the web sign-in.",
        ),
        (
            DeviceCodeEnd::SignedIn(Binding::OtherIdentity),
            DenyKind::OtherIdentity,
            "The code was used by a different account. Sign in with the account whose password you typed.",
        ),
    ] {
        let mut run = native(device_rules.clone());
        run.feed(check(interrupt.clone()));
        let next = run.feed(Input::DeviceCodeEnded(end));
        let d = denied(&next);
        assert_eq!((d.kind, d.message.text.as_str()), (kind, text), "{end:?}");
        let last = run.events.last().unwrap();
        assert_eq!(last.event, EventKind::SignIn, "{end:?}");
        assert!(last.message.contains("device-code"), "{}", last.message);
    }

    // A fault while polling goes to the offline rules like any other.
    let mut run = native(device_rules);
    run.feed(check(interrupt.clone()));
    let next = run.feed(Input::Refused {
        verdict: PasswordVerdict::Unreachable {
            reason: "connection refused".into(),
        },
        detail: String::new(),
    });
    assert!(matches!(next, Next::LocalFallback(_)), "{next:?}");

    // The default profile still refuses.
    let mut run = native(rules());
    let next = run.feed(check(interrupt));
    assert_eq!(denied(&next).kind, DenyKind::MfaRequired);
}

/// A caller that requires MFA (PAM on sshd): a plain verified native
/// password still goes to the device code before any plan, and a declined
/// code is refused without a plan ever being asked for. Without the flag the
/// same answer goes straight on to the token.
#[test]
fn required_mfa_sends_a_plain_verified_password_to_the_device_code_before_the_plan() {
    let native = |r: LoginRules| native_after_password(r, ADA);
    let required = LoginRules {
        require_mfa: true,
        ..rules()
    };
    let mut run = native(required.clone());
    assert_eq!(
        run.feed(check(PasswordVerdict::Verified)),
        Next::Request(Request::DeviceCode {
            username: ADA.into()
        })
    );
    let next = run.feed(Input::DeviceCodeEnded(DeviceCodeEnd::Declined));
    assert_eq!(denied(&next).kind, DenyKind::MfaNotCompleted);

    let mut run = native(required);
    run.feed(check(PasswordVerdict::Verified));
    assert_eq!(
        run.feed(Input::DeviceCodeEnded(DeviceCodeEnd::SignedIn(
            Binding::ThisIdentity
        ))),
        Next::Request(Request::ValidateToken)
    );

    let mut run = native(rules());
    assert_eq!(
        run.feed(check(PasswordVerdict::Verified)),
        Next::Request(Request::ValidateToken)
    );
}
