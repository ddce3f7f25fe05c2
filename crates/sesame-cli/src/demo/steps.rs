//! How the demo tells its story: numbered steps, each printed as it starts
//! (so progress shows while it runs) and closed with what happened.

use std::io::Write as _;
use std::time::Instant;

/// The steps printed so far and whether any went wrong.
#[derive(Debug)]
pub(crate) struct Steps {
    started: Instant,
    step_started: Instant,
    count: usize,
    failures: Vec<String>,
}

impl Steps {
    pub(crate) fn new() -> Self {
        Self {
            started: Instant::now(),
            step_started: Instant::now(),
            count: 0,
            failures: Vec::new(),
        }
    }

    /// Starts step `n`: its title, printed at once.
    pub(crate) fn begin(&mut self, title: &str) {
        self.count += 1;
        self.step_started = Instant::now();
        println!("\n{}. {title}", self.count);
        flush();
    }

    /// A line of what is happening inside the step.
    pub(crate) fn say(&self, text: &str) {
        println!("   {text}");
        flush();
    }

    /// The step did what it should.
    pub(crate) fn ok(&self, text: &str) {
        println!(
            "   ✓ {text} ({:.1} s)",
            self.step_started.elapsed().as_secs_f64()
        );
        flush();
    }

    /// The step did not do what it should.
    pub(crate) fn fail(&mut self, text: &str) {
        println!("   ✗ {text}");
        flush();
        self.failures.push(format!("step {}: {text}", self.count));
    }

    /// Ends the step with `result`: its `Ok` line, or the failure.
    pub(crate) fn close(&mut self, result: Result<String, String>) -> bool {
        match result {
            Ok(text) => {
                self.ok(&text);
                true
            }
            Err(why) => {
                self.fail(&why);
                false
            }
        }
    }

    /// True when every step so far did what it should.
    pub(crate) fn all_ok(&self) -> bool {
        self.failures.is_empty()
    }

    /// What went wrong, one line per failed step.
    pub(crate) fn failures(&self) -> &[String] {
        &self.failures
    }

    /// Steps begun so far.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Seconds since the demo started.
    pub(crate) fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

fn flush() {
    let _ = std::io::stdout().flush();
}
