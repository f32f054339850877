//! Progress bars on stderr for long work: simulated time for one run, a count for many.
//! Hidden when stderr is not a terminal or `--quiet` is given, so logs and pipes stay clean.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar that may be hidden.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar }
    }

    /// A bar over simulated hours.
    pub fn start_time(&self, hours: f64) {
        self.bar.set_length((hours * 10.0).round() as u64);
        self.bar.set_position(0);
        self.bar.set_style(
            ProgressStyle::with_template(
                "{spinner} simulated {msg} [{bar:30}] {percent:>3}% elapsed {elapsed_precise} left {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
    }

    /// Moves a time bar to `hours`, showing the simulated clock.
    pub fn set_time(&self, hours: f64, clock: &str) {
        self.bar.set_position((hours * 10.0).round() as u64);
        self.bar.set_message(clock.to_string());
    }

    /// A bar over a count of jobs.
    pub fn start_count(&self, total: u64, what: &str) {
        self.bar.set_length(total);
        self.bar.set_position(0);
        self.bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{spinner}} {{pos}}/{{len}} {what} [{{bar:30}}] elapsed {{elapsed_precise}} left {{eta}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
    }

    pub fn set(&self, done: u64) {
        self.bar.set_position(done);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
