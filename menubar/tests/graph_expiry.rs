//! The expiry from Graph, as a user lives it: Graph is asked with the
//! check's own token at most once a day, and a Graph failure never changes
//! the sync state (quiet mode, in memory against entra-sim).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/lockout.rs"]
mod lockout;

use entra_sim::{Fault, FaultKind};
use sesame_core::recheck::{SyncState, Trigger};
use sesame_menubar::{check, records};
use time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_failures_leave_the_state_and_graph_is_asked_once_a_day() {
    let w = lockout::MemWorld::new(true).await;
    let ctx = w.ctx();
    let sim = &w.sim;
    // Graph fails (503 on /v1.0/me) for the first check.
    sim.inject_fault(Fault::on_path(
        FaultKind::Status { status: 503 },
        "/v1.0/me",
        1,
    ));
    let r = check(&ctx, &w.account, Trigger::CheckNow, sim.now())
        .await
        .unwrap();
    assert_eq!(r.state, SyncState::InSync, "{}", r.message);
    assert_eq!(r.request, Some("refresh_token"));
    let rec = records::load(&w.state_dir, "adele").unwrap().unwrap();
    assert!(rec.graph_asked.is_some() && rec.graph_expiry.is_none());

    // An hour later Graph would answer, but it was asked today: not again.
    sim.advance_clock(Duration::hours(1));
    let r = check(&ctx, &w.account, Trigger::CheckNow, sim.now())
        .await
        .unwrap();
    assert_eq!(r.state, SyncState::InSync);
    let rec = records::load(&w.state_dir, "adele").unwrap().unwrap();
    assert!(rec.graph_expiry.is_none(), "Graph asked twice in a day");

    // A day later it is asked again, and the expiry is known: the demo
    // tenant's 90 days after Adele's last change.
    sim.advance_clock(Duration::hours(24));
    let r = check(&ctx, &w.account, Trigger::CheckNow, sim.now())
        .await
        .unwrap();
    assert_eq!(r.state, SyncState::InSync);
    let rec = records::load(&w.state_dir, "adele").unwrap().unwrap();
    let facts = rec.graph_expiry.clone().expect("Graph answered");
    assert_eq!(facts.validity_days, Some(90));
    assert_eq!(
        rec.expires(),
        facts.last_change.map(|t| t + Duration::days(90))
    );
    let status = sesame_menubar::status(&ctx, &w.account, sim.now()).unwrap();
    assert!(status.password_expires.is_some());
}
