//! When the ID token carries no groups claim, the sync log tells the admin
//! where to turn it on: the Entra app registration, or (for another OpenID
//! provider) that provider's token configuration.

use super::*;

/// The logged line after a web sign-in by `who` whose token had no groups.
fn no_groups_logged(who: Who) -> String {
    let mut run = Run::new(rules());
    for s in [
        Input::Start {
            front: Front::Web,
            username: None,
        },
        Input::WebFinished(Captured::Current),
        Input::RedirectOk,
        Input::CodeExchanged,
        Input::TokenValidated(who),
    ] {
        assert!(matches!(run.feed(s), Next::Request(_)));
    }
    run.feed(Input::GroupsResolved {
        groups: Groups::NotEmitted,
        from_graph: false,
    });
    let e = run.events.last().expect("an event");
    assert_eq!(e.event, EventKind::GroupsResolved);
    e.message.clone()
}

#[test]
fn no_groups_claim_points_the_admin_to_where_it_is_turned_on() {
    let entra = no_groups_logged(super::who());
    assert!(
        entra.contains("app registration: Token configuration > Add groups claim"),
        "{entra}"
    );
    assert!(entra.contains("group checks fail closed"), "{entra}");

    let mut other = super::who();
    other.id = EntraId::open_id("https://sso.example/realms/staff", "ada");
    let provider = no_groups_logged(other);
    assert!(
        provider.contains("the OpenID provider's ID token carries no groups claim"),
        "{provider}"
    );
    assert!(!provider.contains("app registration"), "{provider}");
    assert!(provider.contains("group checks fail closed"), "{provider}");
}
