//! Which short name a person gets, for every `ShortNameClaim` choice and at
//! the edges of the OS rules.

use std::collections::BTreeMap;

use super::*;

/// Someone whose claims all give different names, with no extra claims:
/// the well-known claims must come from the identity's own fields.
fn grace() -> Identity {
    Identity {
        id: EntraId {
            oid: "9a9a9a9a-0000-0000-0000-00000000a9a9".into(),
            tid: TID.into(),
        },
        username: "ghopper@navy.example".into(),
        upn: Some("Grace.Hopper@contoso.example".into()),
        name: Some("Amazing Grace".into()),
        given_name: Some("Grace".into()),
        family_name: Some("Hopper".into()),
        groups: Groups::Known { ids: vec![] },
        roles: vec![],
        extra_claims: BTreeMap::new(),
    }
}

#[test]
fn every_short_name_claim_choice_names_the_account_from_that_claim() {
    for (claim, expected) in [
        (None, "grace.hopper"),
        (Some("upn"), "grace.hopper"),
        (Some("preferred_username"), "ghopper"),
        (Some("unique_name"), "ghopper"),
        (Some("name"), "amazing_grace"),
        (Some("given_name"), "grace"),
        (Some("family_name"), "hopper"),
    ] {
        let mut pol = linux();
        pol.short_name_claim = claim.map(str::to_owned);
        let p = run(&pol, &grace(), &snap(vec![]));
        assert_eq!(create(&p).short_name, expected, "{claim:?}");
        assert_eq!(p.short_name(), Some(expected), "{claim:?}");
    }
}

#[test]
fn a_configured_claim_that_is_absent_or_blank_is_missing() {
    let mut no_upn = grace();
    no_upn.upn = None;
    // The default falls back to the sign-in name; an explicit `upn` does not.
    assert_eq!(
        short_name(&no_upn, None, AccountOs::Linux).as_deref(),
        Ok("ghopper")
    );
    assert_eq!(
        short_name(&no_upn, Some("upn"), AccountOs::Linux),
        Err(ShortNameError::MissingClaim {
            claim: "upn".into()
        })
    );
    let mut blank = grace();
    blank.extra_claims.insert("employeeid".into(), "  ".into());
    blank.given_name = Some(" ".into());
    for claim in ["employeeid", "given_name"] {
        assert_eq!(
            short_name(&blank, Some(claim), AccountOs::Linux),
            Err(ShortNameError::MissingClaim {
                claim: claim.into()
            })
        );
    }
}

fn from_upn(upn: &str, os: AccountOs) -> Result<String, ShortNameError> {
    let mut i = grace();
    i.upn = Some(upn.into());
    short_name(&i, None, os)
}

#[test]
fn the_longest_name_the_os_takes_is_accepted_and_one_more_is_not() {
    for (os, max) in [(AccountOs::Linux, 32), (AccountOs::Macos, 64)] {
        let fits = "g".repeat(max);
        assert_eq!(from_upn(&format!("{fits}@x.example"), os), Ok(fits.clone()));
        let over = "g".repeat(max + 1);
        assert_eq!(
            from_upn(&format!("{over}@x.example"), os),
            Err(ShortNameError::TooLong {
                name: over,
                len: max + 1,
                max
            })
        );
    }
}

#[test]
fn dots_and_hyphens_are_trimmed_from_both_ends_only() {
    assert_eq!(
        from_upn(".-grace.h-.@x.example", AccountOs::Linux).as_deref(),
        Ok("grace.h")
    );
    assert_eq!(
        from_upn("--.grace-hopper..@x.example", AccountOs::Linux).as_deref(),
        Ok("grace-hopper")
    );
}

/// Nothing but replaced characters: the admin is told the claim gives no
/// usable name (not that it is a reserved one).
#[test]
fn a_name_of_only_replaced_characters_is_empty_not_reserved() {
    assert_eq!(
        from_upn("日本@x.example", AccountOs::Linux),
        Err(ShortNameError::Empty {
            claim: "upn".into()
        })
    );
    // One real letter after the replaced ones: reserved (leading `_`).
    assert_eq!(
        from_upn("日本g@x.example", AccountOs::Linux),
        Err(ShortNameError::Reserved { name: "__g".into() })
    );
    // A reserved word is refused without a leading `_` too.
    assert_eq!(
        from_upn("Wheel@x.example", AccountOs::Linux),
        Err(ShortNameError::Reserved {
            name: "wheel".into()
        })
    );
}
