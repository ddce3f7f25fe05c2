use super::*;

const HOST: &str = "login.microsoftonline.com";

fn hosts() -> Vec<String> {
    vec![HOST.to_owned(), "127.0.0.1".to_owned()]
}

/// A field: `(name, id, autocomplete, value)`.
fn field(name: &str, id: &str, autocomplete: &str, value: &str) -> FieldSeen {
    FieldSeen {
        kind: "password".into(),
        name: name.into(),
        id: id.into(),
        autocomplete: autocomplete.into(),
        label: String::new(),
        value: SecretString::from(value),
    }
}

fn sub(host: &str, context: &str, fields: Vec<FieldSeen>) -> Submission {
    Submission {
        host: host.into(),
        trigger: "click".into(),
        context: context.into(),
        fields,
    }
}

/// Entra's password page (`passwd` / `i0118`).
fn password_page(value: &str) -> Submission {
    sub(
        HOST,
        "Enter password",
        vec![field("passwd", "i0118", "", value)],
    )
}

/// Entra's expired / temporary password change page (the sim's names).
fn change_page(current: &str, new: &str, confirm: &str) -> Submission {
    sub(
        HOST,
        "Update your password",
        vec![
            field("currentpasswd", "currentPassword", "", current),
            field("newpasswd", "newPassword", "", new),
            field("confirmnewpasswd", "confirmNewPassword", "", confirm),
        ],
    )
}

/// A page without password fields ("Stay signed in?", "Pick an account").
fn no_password(context: &str) -> Submission {
    sub(HOST, context, vec![])
}

fn shown(c: &CapturedPassword) -> String {
    match c {
        CapturedPassword::None => "none".into(),
        CapturedPassword::Current(s) => format!("current:{}", s.expose_secret()),
        CapturedPassword::New(s) => format!("new:{}", s.expose_secret()),
    }
}

#[test]
fn the_right_password_for_each_sign_in_sequence() {
    let cases: Vec<(&str, Vec<Submission>, &str)> = vec![
        (
            "password page",
            vec![password_page("Right-1")],
            "current:Right-1",
        ),
        (
            "stay signed in and pick an account change nothing",
            vec![
                no_password("Pick an account"),
                password_page("Right-1"),
                no_password("Stay signed in?"),
            ],
            "current:Right-1",
        ),
        (
            "mistyped first: the last submitted value wins",
            vec![password_page("Wrong-1"), password_page("Right-1")],
            "current:Right-1",
        ),
        (
            "expired password: old/new/confirm -> the new one",
            vec![
                password_page("Old-1"),
                change_page("Old-1", "New-2", "New-2"),
            ],
            "new:New-2",
        ),
        (
            "temporary password then forced change: never the temporary",
            vec![
                password_page("Temp-1"),
                change_page("Temp-1", "Mine-2", "Mine-2"),
                no_password("Stay signed in?"),
            ],
            "new:Mine-2",
        ),
        (
            "confirmation mistyped, then fixed",
            vec![
                password_page("Temp-1"),
                change_page("Temp-1", "Mine-2", "Mine-3"),
                change_page("Temp-1", "Mine-2", "Mine-2"),
            ],
            "new:Mine-2",
        ),
        (
            "a refused change alone falls back to the password typed before it",
            vec![
                password_page("Old-1"),
                change_page("Old-1", "New-2", "Nwe-2"),
            ],
            "current:Old-1",
        ),
        (
            "signed in again with the new password after the change",
            vec![
                change_page("Temp-1", "Mine-2", "Mine-2"),
                password_page("Mine-2"),
            ],
            "current:Mine-2",
        ),
        (
            "empty fields are not a password",
            vec![password_page("Right-1"), password_page("")],
            "current:Right-1",
        ),
        (
            "a host not on the list is never read",
            vec![
                password_page("Right-1"),
                sub(
                    "evil.example",
                    "Sign in",
                    vec![field("passwd", "", "", "Phish-1")],
                ),
            ],
            "current:Right-1",
        ),
        (
            "nothing typed",
            vec![no_password("Stay signed in?")],
            "none",
        ),
        ("nothing at all", vec![], "none"),
    ];
    for (what, subs, want) in cases {
        assert_eq!(shown(&decide(&subs, &hosts())), want, "{what}");
    }
}

#[test]
fn roles_from_attributes_position_and_page() {
    use FieldRole::*;
    let cases: Vec<(&str, &str, Vec<FieldSeen>, Vec<FieldRole>)> = vec![
        (
            "entra password",
            "Enter password",
            vec![field("passwd", "i0118", "", "x")],
            vec![Current],
        ),
        (
            "Entra-style names",
            "",
            vec![
                field("passwd", "", "", "x"),
                field("NewPassword", "", "", "x"),
                field("ConfirmNewPassword", "", "", "x"),
            ],
            vec![Current, New, Confirm],
        ),
        (
            "autocomplete only, new-password twice",
            "",
            vec![
                field("a", "", "current-password", "x"),
                field("b", "", "new-password", "x"),
                field("c", "", "new-password", "x"),
            ],
            vec![Current, New, Confirm],
        ),
        (
            "no hints, three fields: by position",
            "",
            vec![
                field("p1", "", "", "x"),
                field("p2", "", "", "x"),
                field("p3", "", "", "x"),
            ],
            vec![Current, New, Confirm],
        ),
        (
            "no hints, two fields: new and confirm",
            "",
            vec![field("p1", "", "", "x"), field("p2", "", "", "x")],
            vec![New, Confirm],
        ),
        (
            "one unnamed field on a change page is the new one",
            "Your password has expired",
            vec![field("p1", "", "", "x")],
            vec![New],
        ),
        (
            "temporary password field",
            "",
            vec![
                field("temporaryPassword", "", "", "x"),
                field("newPassword", "", "", "x"),
            ],
            vec![Current, New],
        ),
    ];
    for (what, context, fields, want) in cases {
        let refs: Vec<&FieldSeen> = fields.iter().collect();
        assert_eq!(label_roles(&refs, context), want, "{what}");
    }
}

#[test]
fn reports_parse_and_bad_ones_never_echo_the_payload() {
    let ok = r#"{"host":"login.microsoftonline.com","trigger":"click","context":"Enter password",
        "fields":[{"type":"password","name":"passwd","id":"i0118","autocomplete":"","label":"Password","value":"S3cret!"}]}"#;
    let s = parse_report(ok).unwrap();
    assert_eq!(s.fields.len(), 1);
    assert_eq!(s.fields[0].value.expose_secret(), "S3cret!");
    assert!(
        !format!("{s:?}").contains("S3cret"),
        "Debug hides the value"
    );

    let bad = r#"{"host":"h","fields":[{"value":"S3cret!", "name": 5}]}"#;
    let err = parse_report(bad).unwrap_err().to_string();
    assert!(!err.contains("S3cret"), "{err}");
    assert!(matches!(
        parse_report(&"x".repeat(MAX_REPORT + 1)),
        Err(ReportError::TooLarge(_))
    ));
}

#[test]
fn captured_password_debug_is_redacted() {
    let c = CapturedPassword::New(SecretString::from("Mine-2"));
    assert_eq!(format!("{c:?}"), "New([redacted])");
    assert!(c.is_new());
    assert_eq!(
        c.secret().map(|s| s.expose_secret().to_owned()).as_deref(),
        Some("Mine-2")
    );
}
