//! The device-code poll loop against entra-sim over HTTPS, with a fake
//! clock: the waits follow Entra's `interval`, the caller's limit is never
//! passed, and each way a device-code sign-in ends comes back typed.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::time::Duration;

use common::*;
use entra_sim::SimHandle;
use entra_sim::headless::{Browser, Landing, Step};
use secrecy::ExposeSecret;
use sesame_entra::device_code::{DeviceCodeEnd, DeviceCodeError, Waiter};

const MEGAN: &str = "megan@contoso.example";
const MEGAN_PASSWORD: &str = "Sesame-Demo-1";

/// Waiting advances this clock (and the sim's, when given); nothing sleeps.
struct FakeClock<'a> {
    now: Duration,
    waits: Vec<u64>,
    sim: Option<&'a SimHandle>,
}

impl<'a> FakeClock<'a> {
    fn new(sim: Option<&'a SimHandle>) -> Self {
        Self {
            now: Duration::ZERO,
            waits: vec![],
            sim,
        }
    }
}

impl Waiter for FakeClock<'_> {
    fn elapsed(&self) -> Duration {
        self.now
    }
    async fn wait(&mut self, d: Duration) {
        self.now += d;
        self.waits.push(d.as_secs());
        if let Some(sim) = self.sim {
            sim.advance_clock(time::Duration::seconds(d.as_secs() as i64));
        }
    }
}

fn ended(r: Result<sesame_entra::SignIn, DeviceCodeError>) -> DeviceCodeEnd {
    match r {
        Err(DeviceCodeError::Ended(e)) => e,
        other => panic!("expected an end, got {other:?}"),
    }
}

#[tokio::test]
async fn device_polling_waits_the_interval_and_stops_before_the_limit() {
    let sim = sim().await;
    let client = client(&sim);
    let code = client.start_device_code().await.unwrap();
    assert_eq!(code.interval, Duration::from_secs(5));
    assert!(code.verification_uri.ends_with("/devicelogin"));
    // Pending twice (at 5 s and 10 s); a third poll would be at 15 s > 12 s.
    let mut clock = FakeClock::new(None);
    let r = client
        .poll_device_code(&code, Duration::from_secs(12), &mut clock)
        .await;
    assert_eq!(ended(r), DeviceCodeEnd::TimedOut);
    assert_eq!(clock.waits, vec![5, 5]);

    // Declined by the person.
    sim.decline_device_code(code.user_code().expose_secret())
        .unwrap();
    let mut clock = FakeClock::new(None);
    let r = client
        .poll_device_code(&code, Duration::from_secs(60), &mut clock)
        .await;
    assert_eq!(ended(r), DeviceCodeEnd::Declined);

    // The code's lifetime (900 s) limits the wait like the caller's timeout:
    // the last poll is at 895 s, with time left for Entra to answer (the
    // sim's clock moves with ours, so a poll at 900 s would be `expired_token`).
    let code = client.start_device_code().await.unwrap();
    let mut clock = FakeClock::new(Some(&sim));
    let r = client
        .poll_device_code(&code, Duration::from_secs(3600), &mut clock)
        .await;
    assert_eq!(ended(r), DeviceCodeEnd::TimedOut);
    assert_eq!(clock.now, Duration::from_secs(895));

    // Entra says the code expired (`expired_token`).
    let code = client.start_device_code().await.unwrap();
    sim.advance_clock(time::Duration::minutes(16));
    let mut clock = FakeClock::new(None);
    let r = client
        .poll_device_code(&code, Duration::from_secs(60), &mut clock)
        .await;
    assert_eq!(ended(r), DeviceCodeEnd::Expired);
    assert_eq!(clock.waits, vec![5]);
}

#[tokio::test]
async fn a_finished_device_code_sign_in_gives_a_validated_id_token() {
    let sim = sim().await;
    let client = client(&sim);
    let code = client.start_device_code().await.unwrap();
    let browser = Browser::for_sim(&sim).unwrap();
    let landing = browser
        .post(
            Step::DeviceCode,
            &code.verification_uri,
            &[("otc", code.user_code().expose_secret())],
        )
        .await
        .unwrap();
    let Landing::Page(page) = landing else {
        panic!("{landing:?}")
    };
    let walked = browser
        .walk(&sim, page, MEGAN, MEGAN_PASSWORD)
        .await
        .unwrap();
    assert!(walked.answered_mfa, "Megan's sign-in asks for MFA");
    let mut clock = FakeClock::new(None);
    let signin = client
        .poll_device_code(&code, Duration::from_secs(60), &mut clock)
        .await
        .unwrap();
    assert_eq!(signin.claims.username(), MEGAN);
    assert_eq!(clock.waits, vec![5]);
}
