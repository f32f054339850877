//! The thread that owns the tabletop session while it is served. Web requests reach it as
//! messages and are carried out one at a time, in arrival order, exactly as typed lines are at
//! the terminal: every click is a command line for `Session::execute`. After each one the
//! thread renders the state once (JSON for the public views and for the console) and publishes
//! it on a watch channel, which every live page's event stream reads; a slow or vanished page
//! never holds the session up.
//!
//! ```text
//!  handlers ──Request──► host thread ──execute(line)──► Session
//!      ▲                     │
//!      └──── Outcome ◄───────┤ publish ──► watch<Published> ──► each event stream
//! ```
//!
//! Playing (`play`) is the one thing the web adds: a `next` every so many seconds of wall
//! clock, sent as the line `next`, so a played session replays from its commands too.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use tokio::sync::{oneshot, watch};

use super::json;
use crate::output::OutputDir;
use crate::tabletop::{Debriefing, failed};
use blastradius_tabletop::{Session, SessionError};

/// What a request asks the session thread for.
pub enum Request {
    /// A command line, as typed at the prompt (from the console, or a team's proposal).
    Line {
        line: String,
        reply: oneshot::Sender<Outcome>,
    },
    /// Advance a step every `every` of wall clock until paused.
    Play {
        every: Duration,
        reply: oneshot::Sender<Outcome>,
    },
    Pause {
        reply: oneshot::Sender<Outcome>,
    },
    /// A new session from the start, for the next group.
    Reset {
        reply: oneshot::Sender<Outcome>,
    },
}

/// The answer to a request.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub ok: bool,
    pub text: String,
}

/// What the live pages read: the latest state, rendered once for all of them.
#[derive(Debug)]
pub struct Published {
    /// Counts every state change; a page that has seen this version has the latest.
    pub version: u64,
    /// For the projector and team views.
    pub public: Arc<str>,
    /// For the facilitator console (everything public, plus the transcript and controls).
    pub console: Arc<str>,
    /// The command being carried out now, if any.
    pub busy: Option<String>,
    /// The folder of the latest debrief, for downloads.
    pub debrief_dir: Option<PathBuf>,
}

/// What the web layer knows beside the session, shown on the pages.
#[derive(Clone, Debug)]
pub struct HostInfo {
    /// Advancing automatically, every so many seconds.
    pub playing: Option<u64>,
    /// The group (1 for the first session, one more after each reset).
    pub group: u32,
    pub join_code: Option<String>,
    /// The team view's address, as printed at start.
    pub team_url: String,
    /// Files of the latest debrief that can be downloaded.
    pub debrief_files: Vec<&'static str>,
    pub debrief_folder: Option<String>,
}

/// The last command and its reply, for the console.
#[derive(Clone, Debug, Default)]
pub struct Last {
    pub line: String,
    pub ok: bool,
    pub text: String,
}

/// The session being served, and how to make the next one.
pub struct Host {
    pub session: Session,
    /// Builds a fresh session (a reset).
    pub fresh: Box<dyn Fn() -> Result<Session, SessionError> + Send>,
    pub debriefing: Debriefing,
    pub info: HostInfo,
    pub last: Last,
    /// Where the current group's debrief goes; prepared before it is needed.
    pub out: Option<OutputDir>,
    /// The first group's debrief folder; later groups add `-2`, `-3`, ...
    pub out_base: PathBuf,
    /// `--force`: a group's folder may replace what is there even if it is not a report.
    pub force: bool,
    /// Where the latest debrief was written.
    pub debrief_dir: Option<PathBuf>,
    pub version: u64,
}

/// The debrief files a console can download, in the order it lists them.
pub const DEBRIEF_FILES: [&str; 5] =
    ["report.html", "debrief.txt", "decisions.txt", "transcript.txt", "commands.txt"];

/// The folder of group `n`'s debrief.
pub fn group_folder(base: &Path, group: u32) -> PathBuf {
    if group <= 1 {
        return base.to_path_buf();
    }
    let mut name = base.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!("-{group}"));
    base.with_file_name(name)
}

impl Host {
    /// Renders the state and publishes it.
    pub fn publish(&mut self, tx: &watch::Sender<Arc<Published>>) {
        self.version += 1;
        let situation = self.session.situation();
        let choices = self.session.choices();
        let public = json::public(&situation, &choices, &self.info);
        let console = json::console(&self.session, &situation, &choices, &self.info, &self.last);
        tx.send_replace(Arc::new(Published {
            version: self.version,
            public: public.into(),
            console: console.into(),
            busy: None,
            debrief_dir: self.debrief_dir.clone(),
        }));
    }

    /// Says which command is running, keeping the rendered state.
    fn busy(&self, tx: &watch::Sender<Arc<Published>>, line: &str) {
        tx.send_modify(|p| {
            *p = Arc::new(Published {
                version: p.version,
                public: Arc::clone(&p.public),
                console: Arc::clone(&p.console),
                busy: Some(line.to_string()),
                debrief_dir: p.debrief_dir.clone(),
            });
        });
    }

    /// Carries out one line, and writes the debrief folder when it ends the session.
    fn line(&mut self, line: &str) -> Outcome {
        let outcome = match self.session.execute(line) {
            Ok(reply) => {
                let mut text = reply.text;
                if reply.ended {
                    self.info.playing = None;
                    match self.write_debrief() {
                        Ok(dir) => text.push_str(&format!("\nDebrief folder: {}\n", dir.display())),
                        Err(e) => text
                            .push_str(&format!("\nThe debrief folder could not be written: {e}\n")),
                    }
                }
                Outcome { ok: true, text }
            }
            Err(SessionError::Input(message)) => Outcome { ok: false, text: message },
            Err(e) => {
                // The simulation failed: the session cannot go on, but the server can; a reset
                // starts the next group.
                self.info.playing = None;
                Outcome { ok: false, text: format!("error: {}", failed(e)) }
            }
        };
        if !line.trim().is_empty() && !line.trim_start().starts_with('#') {
            self.last = Last { line: line.to_string(), ok: outcome.ok, text: outcome.text.clone() };
        }
        outcome
    }

    fn write_debrief(&mut self) -> Result<PathBuf, crate::CliError> {
        let mut out = match self.out.take() {
            Some(out) => out,
            None => OutputDir::prepare(
                &group_folder(&self.out_base, self.info.group),
                "the debrief folder",
                self.force,
            )?,
        };
        self.debriefing.write(&mut out, &self.session)?;
        let dir = out.path().to_path_buf();
        out.commit()?;
        self.info.debrief_files = DEBRIEF_FILES.to_vec();
        self.info.debrief_folder = Some(dir.display().to_string());
        self.debrief_dir = Some(dir.clone());
        Ok(dir)
    }

    fn reset(&mut self) -> Outcome {
        match (self.fresh)() {
            Ok(session) => {
                // A session that did not end leaves its prepared folder unused and removed.
                if let Some(out) = self.out.take() {
                    out.abandon();
                }
                self.session = session;
                self.info.group += 1;
                self.info.playing = None;
                self.last = Last::default();
                self.out = OutputDir::prepare(
                    &group_folder(&self.out_base, self.info.group),
                    "the debrief folder",
                    self.force,
                )
                .ok();
                Outcome {
                    ok: true,
                    text: format!("A new session for group {} starts.", self.info.group),
                }
            }
            Err(e) => Outcome { ok: false, text: format!("The reset failed: {}", failed(e)) },
        }
    }
}

/// Serves requests until every sender is gone.
pub fn run(mut host: Host, requests: Receiver<Request>, tx: watch::Sender<Arc<Published>>) {
    host.publish(&tx);
    let mut next_tick: Option<Instant> = None;
    loop {
        let request = match (host.info.playing, next_tick) {
            (Some(_), Some(at)) => {
                let wait = at.saturating_duration_since(Instant::now());
                match requests.recv_timeout(wait) {
                    Ok(r) => Some(r),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            _ => match requests.recv() {
                Ok(r) => Some(r),
                Err(_) => return,
            },
        };
        match request {
            None => {
                // A tick of play: the same `next` the console's button sends.
                host.busy(&tx, "next");
                let outcome = host.line("next");
                if !outcome.ok {
                    host.info.playing = None;
                }
                host.publish(&tx);
                next_tick = host.info.playing.map(|s| Instant::now() + Duration::from_secs(s));
            }
            Some(Request::Line { line, reply }) => {
                host.busy(&tx, &line);
                let outcome = host.line(&line);
                host.publish(&tx);
                // The page may have gone; the command stands all the same.
                let _ = reply.send(outcome);
            }
            Some(Request::Play { every, reply }) => {
                let outcome = if host.session.debrief().is_some() {
                    Outcome {
                        ok: false,
                        text: "The session has ended; reset to play again.".into(),
                    }
                } else {
                    host.info.playing = Some(every.as_secs().max(1));
                    next_tick = Some(Instant::now() + every);
                    Outcome {
                        ok: true,
                        text: format!("Playing: a step every {} s.", every.as_secs()),
                    }
                };
                host.publish(&tx);
                let _ = reply.send(outcome);
            }
            Some(Request::Pause { reply }) => {
                host.info.playing = None;
                next_tick = None;
                host.publish(&tx);
                let _ = reply.send(Outcome { ok: true, text: "Paused.".into() });
            }
            Some(Request::Reset { reply }) => {
                host.busy(&tx, "reset");
                next_tick = None;
                let outcome = host.reset();
                host.publish(&tx);
                let _ = reply.send(outcome);
            }
        }
    }
}
