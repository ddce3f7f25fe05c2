//! What the PAM tests share: a scripted conversation whose every expected
//! exchange must happen (checked on drop), the e2e world (entra-sim over
//! HTTPS, a sandbox root), and the person who finishes a device code.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

use entra_sim::SimHandle;
use entra_sim::headless::{Browser, Landing, Step};
use pam_sesame::Conversation;
use secrecy::SecretString;
pub use sesame_e2e::world::*;

/// One exchange the test expects, in order.
#[derive(Debug)]
pub enum Expect {
    /// A secret prompt containing the text; answered with the password.
    Secret(&'static str, String),
    /// An info line containing the text.
    Info(String),
    /// An error line containing the text.
    Error(String),
    /// A device-code line; the person acts on the code.
    DeviceCode(Person),
}

/// What the person does with a device code.
#[derive(Debug, Clone)]
pub enum Person {
    /// Signs in on the other device as this UPN with this password.
    Approve(Arc<SimHandle>, tokio::runtime::Handle, String, String),
    /// Declines it.
    Decline(Arc<SimHandle>),
}

/// A scripted conversation: each call must match the next expectation.
#[derive(Debug, Default)]
pub struct Script {
    queue: VecDeque<Expect>,
    /// Everything said, for failure messages.
    pub said: Vec<String>,
}

impl Script {
    pub fn new(items: Vec<Expect>) -> Self {
        Self {
            queue: items.into(),
            said: vec![],
        }
    }
    fn next(&mut self, what: &str) -> Expect {
        self.said.push(what.to_owned());
        match self.queue.pop_front() {
            Some(e) => e,
            None => panic!("unexpected {what:?}; said so far: {:#?}", self.said),
        }
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert!(
                self.queue.is_empty(),
                "expected but never happened: {:?}; said: {:#?}",
                self.queue,
                self.said
            );
        }
    }
}

impl Conversation for Script {
    fn ask_secret(&mut self, prompt: &str) -> Option<SecretString> {
        match self.next(&format!("ask {prompt}")) {
            Expect::Secret(p, answer) if prompt.contains(p) => Some(SecretString::from(answer)),
            other => panic!("asked {prompt:?}, expected {other:?}"),
        }
    }
    fn info(&mut self, text: &str) {
        match self.next(&format!("info {text}")) {
            Expect::Info(t) if text.contains(&t) => {}
            Expect::DeviceCode(person) => act(person, text),
            other => panic!("info {text:?}, expected {other:?}"),
        }
    }
    fn error(&mut self, text: &str) {
        match self.next(&format!("error {text}")) {
            Expect::Error(t) if text.contains(&t) => {}
            other => panic!("error {text:?}, expected {other:?}"),
        }
    }
}

/// The URL and code in "To finish signing in, open URL and enter CODE".
pub fn parse_device_code(line: &str) -> (String, String) {
    let rest = line
        .strip_prefix("To finish signing in, open ")
        .unwrap_or_else(|| panic!("not a device-code line: {line:?}"));
    let (url, code) = rest.split_once(" and enter ").expect("URL and code");
    (url.to_owned(), code.to_owned())
}

/// The person acts on the device code shown in `line` (in the background:
/// the module is polling meanwhile).
pub fn act(person: Person, line: &str) {
    let (url, code) = parse_device_code(line);
    match person {
        Person::Decline(sim) => sim.decline_device_code(&code).expect("decline"),
        Person::Approve(sim, rt, upn, password) => {
            rt.spawn(async move { use_code(&sim, &url, &code, &upn, &password).await });
        }
    }
}

/// The person opens the page, types the code, signs in as `upn`.
pub async fn use_code(sim: &SimHandle, url: &str, code: &str, upn: &str, password: &str) {
    let browser = Browser::for_sim(sim).expect("browser");
    let landing = browser
        .post(Step::DeviceCode, url, &[("otc", code)])
        .await
        .expect("code page");
    let Landing::Page(page) = landing else {
        panic!("no sign-in page after the code: {landing:?}")
    };
    let walked = browser.walk(sim, page, upn, password).await.expect("walk");
    let Landing::Page(done) = walked.landing else {
        panic!("{:?}", walked.landing)
    };
    assert!(done.html.contains("signed in"), "{}", done.excerpt());
}

/// A world for one test: the runtime the sim runs on, the sim, a sandbox
/// root, and a profile file (`extra` plist keys added).
pub struct World {
    pub rt: tokio::runtime::Runtime,
    pub sim: Option<Arc<SimHandle>>,
    pub sb: Sandbox,
    pub profile: PathBuf,
}

impl World {
    pub fn new(extra: &str) -> Self {
        require_root();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sim = Arc::new(rt.block_on(start_sim()));
        let sb = Sandbox::new();
        let profile = sb.tmp.path().join("sesame.mobileconfig");
        std::fs::write(
            &profile,
            mobileconfig_with(&sim, App::Public, &sb.log_path, extra),
        )
        .expect("profile");
        Self {
            rt,
            sim: Some(sim),
            sb,
            profile,
        }
    }

    pub fn sim(&self) -> &Arc<SimHandle> {
        self.sim.as_ref().expect("the sim is up")
    }

    /// The module arguments for this world.
    pub fn args(&self) -> Vec<String> {
        vec![
            format!("profile={}", self.profile.display()),
            format!("root={}", self.sb.root.display()),
            format!("log={}", self.sb.log_path.display()),
        ]
    }

    pub fn options(&self) -> pam_sesame::Options {
        let args = self.args();
        pam_sesame::Options::parse(args.iter().map(String::as_str)).expect("options")
    }

    /// The person approves a device code as `upn`.
    pub fn approve(&self, upn: &str, password: &str) -> Expect {
        Expect::DeviceCode(Person::Approve(
            self.sim().clone(),
            self.rt.handle().clone(),
            upn.to_owned(),
            password.to_owned(),
        ))
    }

    /// Entra goes away (the sim stops listening).
    pub fn entra_down(&mut self) {
        let sim = self.sim.take().expect("the sim is up");
        drop(Arc::try_unwrap(sim).unwrap_or_else(|_| panic!("sim still shared")));
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    /// Sign-ins the sim recorded.
    pub fn sign_ins(&self) -> usize {
        self.sim().sign_ins().len()
    }
}

pub fn password(s: &str) -> Expect {
    Expect::Secret("Password", s.to_owned())
}

pub fn error(s: &str) -> Expect {
    Expect::Error(s.to_owned())
}

pub fn info(s: &str) -> Expect {
    Expect::Info(s.to_owned())
}
pub mod stack;
