//! Tabletop exercises: a facilitator steps through an outage, the room takes decisions
//! (injects), and everyone sees what they changed. This module is the session itself, free of
//! I/O: `Session::execute` takes one typed line and returns the text to show; the terminal,
//! scripts and report folders belong to `cli::tabletop`.
//!
//! ```text
//!  line ──► commands::parse ──► next / run / until ──► World::run_until ──► narrative + table
//!                           ├─► inject ──► validate::action_spec ──► World::inject
//!                           ├─► undo ──► rebuild the World and replay the log (below)
//!                           └─► end ──► baseline without the decisions ──► debrief
//! ```
//!
//! Undo restores a snapshot (a clone of the world) kept for the latest few steps, or, further
//! back, replays: the session logs every `run_until` and every decision, and going back
//! rebuilds the world from the spec and repeats the log up to the undo point. The
//! engine is deterministic, so the same calls give the same state, bit for bit; the log keeps
//! the calls exactly (not merged), because where a run stops can decide the order of
//! simultaneous events. The debrief's baseline is the same log without the decisions.
//!
//! A scenario's exercise script (its lesson) adds cues: injects and discussion questions that
//! a step shows when the clock passes their time. Teams take part with `propose`; the
//! facilitator `accept`s (a decision with the team's name on it) or `reject`s. `situation`
//! gives everything a live view shows (clock, counters, chart points, timeline, cues,
//! proposals) as plain data, so the web views and the terminal read the same session.
//!
//! Nothing here reads the wall clock, so a session's text depends only on the scenario, the
//! seed, the step and the commands.

pub mod commands;
pub mod debrief;
pub mod narrative;
pub mod situation;
pub mod table;

use std::collections::BTreeMap;
use std::sync::Arc;

use blastradius_engine::{SimDuration, SimTime};
use blastradius_model::calendar::Clock;
use blastradius_model::spec::{ActionSpec, RevertSpec, TargetSpec, WorldSpec};
use blastradius_model::{ModelError, RunConfig, World};
use blastradius_report::fmt;
use blastradius_scenario::actions::action_to_ron;
use blastradius_scenario::validate::exercise::{Cue, CueKind, Exercise};
use blastradius_scenario::{raw, validate};

use commands::problem;
pub use commands::{Command, Event, MAX_LINE_CHARS, visible};
pub use debrief::Debrief;
use narrative::Progress;
pub use situation::{Choices, Situation};

/// How a session runs.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// How far `next` (and each step of `until`) advances the clock.
    pub step: SimDuration,
    /// Worker threads of the engine; results do not depend on it.
    pub threads: usize,
}

/// Why a command could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The command was wrong or impossible now; the message says why and what to do instead.
    /// Nothing changed, and the session goes on.
    #[error("{0}")]
    Input(String),
    /// The simulation failed; the session cannot go on.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// What to show for a command.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reply {
    pub text: String,
    /// The session is over (`end`): the debrief is ready.
    pub ended: bool,
}

/// A decision taken in the session.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub at: SimTime,
    /// As typed.
    pub command: String,
    /// As a scenario file would write it.
    pub action: raw::Action,
    pub undone: bool,
    /// The team whose proposal this was, if it was one.
    pub proposed_by: Option<String>,
}

/// A team's proposal and what became of it.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamProposal {
    /// From 1, in the order proposals came in.
    pub number: usize,
    pub at: SimTime,
    pub team: String,
    /// As the team wrote it, without `inject`.
    pub decision: String,
    pub action: raw::Action,
    pub why: String,
    pub status: ProposalStatus,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ProposalStatus {
    /// Waiting for the facilitator.
    Pending,
    /// Taken as decision `decision` (an index into `Session::decisions`).
    Accepted {
        at: SimTime,
        decision: usize,
    },
    Rejected {
        at: SimTime,
        reason: String,
    },
}

/// Most proposals waiting at once: beyond it a team is asked to wait.
pub const MAX_PENDING: usize = 50;

/// One line of the session's timeline, as a live view lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub at: SimTime,
    pub kind: EntryKind,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A sentence of a step's narrative.
    Event,
    Decision,
    /// An exercise cue: news for the room.
    Inject,
    /// An exercise cue: a question for the room.
    Question,
}

impl EntryKind {
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::Event => "event",
            EntryKind::Decision => "decision",
            EntryKind::Inject => "inject",
            EntryKind::Question => "question",
        }
    }
}

/// The fleet at the end of a step, per sector (in `World::status` order), for charts.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub at: SimTime,
    pub down: Vec<u64>,
    pub capacity: Vec<f64>,
    pub loss_usd: Vec<f64>,
}

/// One call the world received, in order: replaying the log rebuilds the state exactly.
#[derive(Clone, Debug)]
enum Op {
    Advance(SimTime),
    Inject(ActionSpec),
}

/// What the narrative carries between steps.
#[derive(Clone, Debug, Default, PartialEq)]
struct View {
    /// Start of the next step's narrative.
    since: SimTime,
    progress: Progress,
}

/// How many snapshots undo keeps for a world of this many endpoints (for memory estimates).
pub fn snapshots_kept(endpoints: u64) -> usize {
    (SNAPSHOT_ENDPOINTS / endpoints.max(1)).min(MAX_SNAPSHOTS) as usize
}

/// A point `undo` can return to: the state before a step or decision.
struct Mark {
    ops: usize,
    view: View,
    command: String,
    /// The decision this command took, if it was one.
    decision: Option<usize>,
    /// The proposal it accepted, if it did.
    proposal: Option<usize>,
    /// How long the timeline and the chart points were before it.
    timeline: usize,
    history: usize,
    /// The world as it was, kept for the latest few marks so that `undo` is immediate; older
    /// marks are reached by replaying the log, which gives the same state.
    snapshot: Option<Box<World>>,
}

/// How many endpoints' worth of snapshots a session keeps (a snapshot of a large world is a
/// few hundred megabytes): eight steps back on a small world, two on `crowdstrike-2024`, none
/// on `global-windows`, where `undo` replays instead.
const SNAPSHOT_ENDPOINTS: u64 = 40_000_000;
const MAX_SNAPSHOTS: u64 = 8;

pub struct Session {
    spec: Arc<WorldSpec>,
    config: Config,
    world: World,
    log: Vec<Op>,
    marks: Vec<Mark>,
    view: View,
    decisions: Vec<Decision>,
    transcript: String,
    intro: String,
    /// Every line given, as given (blank lines aside), to replay the session.
    lines: Vec<String>,
    /// The region with most endpoints, and its UTC offset in minutes, for local times.
    local: Option<(String, i32)>,
    debrief: Option<Debrief>,
    exercise: Exercise,
    proposals: Vec<TeamProposal>,
    timeline: Vec<Entry>,
    history: Vec<Point>,
}

/// Lines longer than this are wrapped.
const WIDTH: usize = 100;

/// Wraps a paragraph at `WIDTH` columns, continuation lines indented by `indent + 2` spaces.
pub fn wrap(text: &str, indent: usize) -> String {
    let mut out = String::new();
    let mut line = " ".repeat(indent);
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(indent + 2);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// Builds a world and repeats a log on it; without the decisions when `decisions` is false.
fn replay(
    spec: &Arc<WorldSpec>,
    config: Config,
    log: &[Op],
    decisions: bool,
) -> Result<World, ModelError> {
    let mut world =
        World::build(Arc::clone(spec), RunConfig { replication: 0, threads: config.threads })?;
    for op in log {
        match op {
            Op::Advance(t) => world.run_until(*t)?,
            Op::Inject(action) if decisions => world.inject(action.clone())?,
            Op::Inject(_) => {}
        }
    }
    Ok(world)
}

impl Session {
    /// Builds the world at simulated time zero and writes the session's opening.
    pub fn new(spec: Arc<WorldSpec>, config: Config) -> Result<Session, SessionError> {
        Session::with_exercise(spec, config, Exercise::default())
    }

    /// [`Session::new`], with a lesson: the exercise script's cues come up as the clock passes
    /// them.
    pub fn with_exercise(
        spec: Arc<WorldSpec>,
        config: Config,
        exercise: Exercise,
    ) -> Result<Session, SessionError> {
        if config.step == SimDuration::ZERO {
            return Err(SessionError::Input("the step must be longer than zero".into()));
        }
        let world = replay(&spec, config, &[], true)?;
        let local = dominant_region(&world);
        let mut session = Session {
            spec,
            config,
            world,
            log: Vec::new(),
            marks: Vec::new(),
            view: View::default(),
            decisions: Vec::new(),
            transcript: String::new(),
            intro: String::new(),
            lines: Vec::new(),
            local,
            debrief: None,
            exercise,
            proposals: Vec::new(),
            timeline: Vec::new(),
            history: Vec::new(),
        };
        session.history.push(session.point());
        session.intro = session.opening();
        session.transcript = session.intro.clone();
        Ok(session)
    }

    /// The text a session opens with: the scenario, the clock and the table at time zero.
    pub fn intro(&self) -> &str {
        &self.intro
    }

    /// Everything shown so far: the opening, each command after its prompt, each reply.
    pub fn transcript(&self) -> &str {
        &self.transcript
    }

    /// Every non-blank line given so far, as given: a script that replays the session.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    pub fn decisions(&self) -> &[Decision] {
        &self.decisions
    }

    pub fn proposals(&self) -> &[TeamProposal] {
        &self.proposals
    }

    /// The lesson (empty when the scenario has none).
    pub fn exercise(&self) -> &Exercise {
        &self.exercise
    }

    /// The timeline so far: what each step told, the decisions and the cues shown.
    pub fn timeline(&self) -> &[Entry] {
        &self.timeline
    }

    /// The fleet at time zero and at the end of every step, for charts.
    pub fn history(&self) -> &[Point] {
        &self.history
    }

    pub fn config(&self) -> Config {
        self.config
    }

    /// Whether `undo` has something to take back.
    pub fn can_undo(&self) -> bool {
        !self.marks.is_empty()
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn spec(&self) -> &Arc<WorldSpec> {
        &self.spec
    }

    /// The debrief, once the session has ended.
    pub fn debrief(&self) -> Option<&Debrief> {
        self.debrief.as_ref()
    }

    /// The prompt for the next command: `tabletop Fri 05:09 UTC> `.
    pub fn prompt(&self) -> String {
        let t = self.world.clock().as_secs_f64();
        format!("tabletop {}> ", fmt::utc_clock(self.spec.start_unix_s, t))
    }

    /// Carries out one typed line and returns what to show. A wrong or impossible command
    /// returns `SessionError::Input` with an explanation and changes nothing; the session goes
    /// on. Both are recorded in the transcript.
    pub fn execute(&mut self, line: &str) -> Result<Reply, SessionError> {
        let shown = commands::visible(line);
        let line = shown.trim();
        if line.is_empty() {
            return Ok(Reply::default());
        }
        let chars = line.chars().count();
        if chars > commands::MAX_LINE_CHARS {
            // Kept out of the transcript and the replay: a line this long is a mistake, not a
            // move of the exercise.
            return Err(SessionError::Input(problem(
                format!(
                    "the line has {chars} characters, more than the {} a command may have",
                    commands::MAX_LINE_CHARS
                ),
                "type one command a line; `help` lists them",
            )));
        }
        self.lines.push(line.to_string());
        if line.starts_with('#') {
            self.transcript.push_str(line);
            self.transcript.push('\n');
            return Ok(Reply::default());
        }
        self.transcript.push_str(&format!("{}{line}\n", self.prompt()));
        let result = if self.debrief.is_some() {
            Err(SessionError::Input(problem(
                "the session has ended",
                "start a new one to play again",
            )))
        } else {
            self.dispatch(line)
        }
        .map_err(|e| match e {
            SessionError::Input(message) => SessionError::Input(commands::tidy(&message)),
            other => other,
        });
        match &result {
            Ok(reply) => self.transcript.push_str(&reply.text),
            Err(e) => self.transcript.push_str(&format!("{e}\n")),
        }
        self.transcript.push('\n');
        result
    }

    /// Ends the session because the input ran out, as `end` would.
    pub fn end_of_input(&mut self) -> Result<Reply, SessionError> {
        if self.debrief.is_some() {
            return Ok(Reply { text: String::new(), ended: true });
        }
        self.transcript.push_str("(end of input)\n");
        let reply = self.end()?;
        self.transcript.push_str(&reply.text);
        self.transcript.push('\n');
        Ok(reply)
    }

    fn dispatch(&mut self, line: &str) -> Result<Reply, SessionError> {
        let Some(command) = commands::parse(line, &self.spec).map_err(SessionError::Input)? else {
            return Ok(Reply::default());
        };
        let text = match command {
            Command::Next => {
                let to = self.next_stop()?;
                self.mark(line, None);
                self.advance(to)?
            }
            Command::Run(d) => {
                self.next_stop()?;
                let target = self.world.clock() + d;
                let capped = target > self.world.horizon();
                self.mark(line, None);
                let mut text = self.advance(target)?;
                if capped {
                    text.push_str("(Stopped at the scenario's horizon.)\n");
                }
                text
            }
            Command::Until(event) => self.until(line, event)?,
            Command::Status(what) => self.status(what.as_deref())?,
            Command::Inject(action) => self.inject(line, action, None)?,
            Command::Propose(p) => self.propose(p)?,
            Command::Accept(n) => self.accept(line, n)?,
            Command::Reject(n, reason) => self.reject(n, reason)?,
            Command::Undo => self.undo()?,
            Command::Help(None) => commands::help_overview(),
            Command::Help(Some(name)) => commands::help_for(&name).ok_or_else(|| {
                SessionError::Input(problem(
                    format!("no command `{name}`"),
                    "type `help` for the list of commands",
                ))
            })?,
            Command::End => return self.end(),
        };
        Ok(Reply { text, ended: false })
    }

    /// Where the next step stops, or why there is none.
    fn next_stop(&self) -> Result<SimTime, SessionError> {
        let now = self.world.clock();
        if now >= self.world.horizon() {
            return Err(SessionError::Input(problem(
                format!(
                    "the scenario ends at {}, and the clock is there",
                    fmt::utc_datetime(self.spec.start_unix_s, now.as_secs_f64())
                ),
                "type `end` for the debrief, or `undo` to go back",
            )));
        }
        Ok((now + self.config.step).min(self.world.horizon()))
    }

    fn mark(&mut self, command: &str, decision: Option<usize>) {
        let keep = self.snapshots_kept();
        if keep > 0 {
            let older = self.marks.len().saturating_sub(keep - 1);
            for mark in &mut self.marks[..older] {
                mark.snapshot = None;
            }
        }
        self.marks.push(Mark {
            ops: self.log.len(),
            view: self.view.clone(),
            command: command.to_string(),
            decision,
            proposal: None,
            timeline: self.timeline.len(),
            history: self.history.len(),
            snapshot: (keep > 0).then(|| Box::new(self.world.clone())),
        });
    }

    /// How many of the latest marks keep a snapshot, by the size of the world.
    fn snapshots_kept(&self) -> usize {
        let endpoints: u64 =
            self.world.organisations().iter().map(|o| o.size() as usize as u64).sum();
        snapshots_kept(endpoints)
    }

    /// The world as it was at a mark: its snapshot, or the log replayed up to it.
    fn restore(&mut self, mark: &mut Mark) -> Result<(), SessionError> {
        self.log.truncate(mark.ops);
        self.world = match mark.snapshot.take() {
            Some(world) => *world,
            None => replay(&self.spec, self.config, &self.log, true)?,
        };
        Ok(())
    }

    /// Runs the world to `to` and tells the step: header, table, narrative.
    fn advance(&mut self, to: SimTime) -> Result<String, SessionError> {
        self.world.run_until(to)?;
        let now = self.world.clock();
        self.log.push(Op::Advance(now));
        let before = self.view.progress.clone();
        let after = Progress::now(&self.world, &before);
        let sentences =
            narrative::narrate_timed(&self.world, self.view.since, now, &before, &after);
        let since = self.view.since;
        self.view = View { since: now, progress: after };
        // The story first and the table last, so the numbers sit right above the prompt.
        let mut text = self.header();
        let clock = narrative::Clock::new(self.spec.start_unix_s, since, now);
        let step_start = self.timeline.len();
        if sentences.is_empty() {
            text.push_str(&format!("Since {} UTC: nothing new.\n", clock.hm(since)));
        } else {
            text.push_str(&format!("Since {} UTC:\n", clock.hm(since)));
            for (at, s) in sentences {
                text.push_str(&wrap(&format!("- {s}"), 2));
                self.timeline.push(Entry { at, kind: EntryKind::Event, text: s });
            }
        }
        // The cues whose time came in this step, in (since, now]; those at zero open the
        // session.
        let due: Vec<Cue> =
            self.exercise.cues.iter().filter(|c| c.at > since && c.at <= now).cloned().collect();
        for cue in &due {
            text.push_str(&self.cue_text(cue));
        }
        // The timeline reads in time order: the cues among the step's sentences.
        self.timeline[step_start..].sort_by_key(|e| e.at);
        text.push_str(&table::sector_table(&self.world));
        self.history.push(self.point());
        Ok(text)
    }

    /// The fleet now, as a chart point.
    fn point(&self) -> Point {
        let status = self.world.status();
        Point {
            at: self.world.clock(),
            down: status.iter().map(|s| s.down).collect(),
            capacity: status.iter().map(|s| s.capacity).collect(),
            loss_usd: status.iter().map(|s| s.loss_usd).collect(),
        }
    }

    /// A cue as the transcript shows it, recorded on the timeline.
    fn cue_text(&mut self, cue: &Cue) -> String {
        let when = format!(
            "{} (T+{})",
            fmt::utc_clock(self.spec.start_unix_s, cue.at.as_secs_f64()),
            cue.at.since(SimTime::ZERO)
        );
        let (label, kind) = match cue.kind {
            CueKind::Inject => ("Inject", EntryKind::Inject),
            CueKind::Question => ("Question for the room", EntryKind::Question),
        };
        let headline = if cue.title.is_empty() {
            cue.text.clone()
        } else {
            format!("{}. {}", cue.title.trim_end_matches('.'), cue.text)
        };
        let mut text = String::new();
        for (i, paragraph) in headline.lines().enumerate() {
            let line =
                if i == 0 { format!("{label}, {when}: {paragraph}") } else { paragraph.into() };
            text.push_str(&wrap(&line, if i == 0 { 0 } else { 2 }));
        }
        if let Some(action) = &cue.suggest {
            text.push_str(&wrap(
                &format!("Suggested decision: inject {}", action_to_ron(action)),
                2,
            ));
        }
        self.timeline.push(Entry { at: cue.at, kind, text: headline });
        text
    }

    /// `── Fri 19 Jul 2024 05:09 UTC · Fri 15:09 in sydney · T+1h ──`
    fn header(&self) -> String {
        let now = self.world.clock();
        let mut parts = vec![fmt::utc_datetime(self.spec.start_unix_s, now.as_secs_f64())];
        if let Some((region, offset)) = &self.local {
            let local = Clock::new(self.spec.start_unix_s, *offset).local(now);
            parts.push(format!(
                "{} {:02}:{:02} in {region}",
                table::WEEKDAYS[local.weekday as usize % 7],
                local.hour,
                local.minute
            ));
        }
        parts.push(format!("T+{}", now.since(SimTime::ZERO)));
        format!("── {} ──\n", parts.join(" · "))
    }

    fn opening(&mut self) -> String {
        let spec = &self.spec;
        let status = self.world.status();
        let endpoints: u64 = status.iter().map(|s| s.endpoints).sum();
        let orgs: u64 = status.iter().map(|s| s.organisations).sum();
        let by_sector: Vec<String> = status
            .iter()
            .filter_map(|s| {
                s.sector.map(|sec| table::plural(s.organisations, sec.name(), sec.plural()))
            })
            .collect();
        let mut out = format!("Tabletop exercise: {} (seed {}).\n", spec.name, spec.seed);
        if !spec.description.is_empty() {
            out.push_str(&wrap(&spec.description, 0));
        }
        out.push_str(&self.lesson_opening());
        out.push_str(&wrap(
            &format!(
                "The fleet: {} endpoints in {} ({}). The clock starts at {} and can run \
                 to {}; `next` advances it by {}. Type `help` for the commands.",
                table::count(endpoints),
                table::plural(orgs, "organisation", "organisations"),
                narrative::join_and(&by_sector),
                fmt::utc_datetime(spec.start_unix_s, 0.0),
                fmt::utc_datetime(spec.start_unix_s, self.world.horizon().as_secs_f64()),
                self.config.step,
            ),
            0,
        ));
        out.push('\n');
        out.push_str(&self.header());
        let first: Vec<Cue> =
            self.exercise.cues.iter().filter(|c| c.at == SimTime::ZERO).cloned().collect();
        let mut cues = String::new();
        for cue in &first {
            cues.push_str(&self.cue_text(cue));
        }
        out.push_str(&cues);
        out.push_str(&table::sector_table(&self.world));
        out.push('\n');
        out
    }

    /// The lesson's title, briefing and what its script holds, for the opening.
    fn lesson_opening(&self) -> String {
        let e = &self.exercise;
        if e.is_empty() {
            return String::new();
        }
        let mut out = String::from("\n");
        let injects = e.cues.iter().filter(|c| c.kind == CueKind::Inject).count() as u64;
        let questions = e.cues.len() as u64 - injects;
        let title =
            if e.title.is_empty() { "Lesson".to_string() } else { format!("Lesson: {}", e.title) };
        out.push_str(&wrap(
            &format!(
                "{title}. Its script has {} and {}, shown as the clock reaches them.",
                table::plural(injects, "inject", "injects"),
                table::plural(questions, "discussion question", "discussion questions"),
            ),
            0,
        ));
        for paragraph in e.briefing.lines().filter(|l| !l.trim().is_empty()) {
            out.push_str(&wrap(paragraph, 0));
        }
        out
    }

    /// Whether an `until` event has happened, and when if that is known exactly.
    fn happened(&self, event: Event) -> (bool, Option<SimTime>) {
        let w = &self.world;
        let now = w.clock();
        let vendor = w.vendor();
        match event {
            Event::Revert => (vendor.reverted_at.is_some(), vendor.reverted_at),
            Event::Halt => (vendor.halted_at.is_some(), vendor.halted_at),
            Event::FirstCrash => {
                let first = w.organisations().iter().filter_map(|o| o.first_crash()).min();
                (first.is_some(), first)
            }
            Event::Workaround => {
                let first = w
                    .organisations()
                    .iter()
                    .filter(|o| o.workaround_known() && o.first_crash().is_some())
                    .flat_map(|o| o.notes().iter())
                    .filter(|(_, n)| *n == blastradius_model::org::Note::WorkaroundKnown)
                    .map(|(t, _)| *t)
                    .min();
                (first.is_some(), first)
            }
            Event::Recovered(i) => {
                let p = &self.view.progress;
                (
                    p.recovered[i]
                        || narrative::reached(p.crashed, p.down, narrative::MILESTONES[i]),
                    None,
                )
            }
            Event::AllRecovered => {
                let p = &self.view.progress;
                (p.all_recovered || (p.crashed > 0 && p.down == 0), None)
            }
            Event::Tool => {
                let scheduled = self
                    .spec
                    .tools
                    .iter()
                    .map(|t| SimTime::ZERO + t.available_after)
                    .filter(|t| *t < now);
                let released = self.decisions.iter().filter(|d| !d.undone).filter_map(|d| {
                    matches!(d.action, raw::Action::ReleaseTool { .. }).then_some(d.at)
                });
                let first = scheduled.chain(released).min();
                (first.is_some(), first)
            }
            Event::Clock(_) => (false, None),
        }
    }

    /// The next instant a UTC clock time comes round, strictly after now.
    fn next_clock_time(&self, minutes: u32) -> SimTime {
        let now_s = self.spec.start_unix_s + (self.world.clock().0 / 1_000) as i64;
        let day_s = now_s.rem_euclid(86_400);
        let target = i64::from(minutes) * 60;
        let mut wait = target - day_s;
        if wait <= 0 {
            wait += 86_400;
        }
        // Back to simulated milliseconds, from the whole second `now_s` stands for.
        let now_ms = self.world.clock().0;
        SimTime(now_ms - now_ms % 1_000 + wait as u64 * 1_000)
    }

    fn until(&mut self, line: &str, event: Event) -> Result<String, SessionError> {
        let start = self.spec.start_unix_s;
        let at = |t: SimTime| fmt::utc_clock(start, t.as_secs_f64());
        if let (true, when) = self.happened(event) {
            let when = when.map(|t| format!(" at {}", at(t))).unwrap_or_default();
            return Ok(format!(
                "Already happened{when}: {}. The clock stays at {}.\n",
                event.describe(),
                at(self.world.clock())
            ));
        }
        self.next_stop()?;
        let stop_at = match event {
            Event::Clock(minutes) => Some(self.next_clock_time(minutes)),
            _ => None,
        };
        self.mark(line, None);
        let mut text = String::new();
        loop {
            let now = self.world.clock();
            if now >= self.world.horizon() {
                text.push_str(&format!(
                    "→ The scenario ended at {} before {}.\n",
                    fmt::utc_datetime(start, now.as_secs_f64()),
                    event.describe()
                ));
                break;
            }
            let mut to = (now + self.config.step).min(self.world.horizon());
            if let Some(stop) = stop_at {
                to = to.min(stop);
            }
            text.push_str(&self.advance(to)?);
            text.push('\n');
            if stop_at.is_some_and(|s| self.world.clock() >= s) {
                text.push_str(&format!("→ It is {}.\n", at(self.world.clock())));
                break;
            }
            if let (true, when) = self.happened(event) {
                let when = match when {
                    Some(t) => format!("at {}", at(t)),
                    None => format!("by {}", at(self.world.clock())),
                };
                text.push_str(&format!("→ {} {when}.\n", capitalise(&event.describe())));
                break;
            }
        }
        Ok(text)
    }

    fn status(&self, what: Option<&str>) -> Result<String, SessionError> {
        let w = &self.world;
        let Some(what) = what else {
            let mut text = self.header();
            text.push_str(&table::sector_table(w));
            text.push_str(&wrap(&self.vendor_state(), 0));
            let kept = self.decisions.iter().filter(|d| !d.undone).count();
            text.push_str(&format!(
                "Decisions so far: {kept}. `status SECTOR` or `status ORGANISATION` shows more.\n"
            ));
            return Ok(text);
        };
        let present = commands::sectors_present(&self.spec);
        if let Some(sector) = commands::sector_named(what) {
            if !present.contains(&sector) {
                return Err(SessionError::Input(problem(
                    format!("no {} take part in this scenario", sector.plural()),
                    commands::target_hint(&self.spec),
                )));
            }
            return Ok(format!("{}{}", self.header(), table::sector_detail(w, sector)));
        }
        if let Some(a) =
            self.spec.archetypes.iter().position(|a| a.name == what && a.organisations > 0)
        {
            return Ok(format!("{}{}", self.header(), table::archetype_detail(w, a)));
        }
        if let Some(org) = w.organisations().into_iter().find(|o| o.name() == what) {
            return Ok(format!("{}{}", self.header(), table::org_detail(org, w.clock())));
        }
        Err(SessionError::Input(problem(
            format!("`status {what}`: no sector, archetype or organisation of that name"),
            commands::target_hint(&self.spec),
        )))
    }

    /// One sentence on the vendor's rollout and revert so far.
    fn vendor_state(&self) -> String {
        let v = self.world.vendor();
        let at = |t: SimTime| fmt::utc_clock(self.spec.start_unix_s, t.as_secs_f64());
        let name = &self.spec.vendor.name;
        let released = match v.releases.first() {
            Some(&(_, _, t)) => format!("{name} began the rollout at {}", at(t)),
            None => format!("{name} has not released anything yet"),
        };
        let halted = v.halted_at.map(|t| format!("halted it at {}", at(t)));
        let reverted = match v.reverted_at {
            Some(t) => format!("published the revert at {}", at(t)),
            None => "has not published the revert".to_string(),
        };
        let mut parts = vec![released];
        parts.extend(halted);
        parts.push(reverted);
        format!("Vendor: {}.", narrative::join_and(&parts))
    }

    fn inject(
        &mut self,
        line: &str,
        action: raw::Action,
        proposal: Option<usize>,
    ) -> Result<String, SessionError> {
        let now = self.world.clock();
        self.next_stop()?;
        let spec = validate::action_spec(&action, &self.spec.archetypes).map_err(|e| {
            // A bad target is best answered with the targets this scenario has.
            let hint = if e.field == "to" { commands::target_hint(&self.spec) } else { e.hint };
            SessionError::Input(problem(format!("`{line}`: {}", e.message), hint))
        })?;
        let start = self.spec.start_unix_s;
        let at = |t: SimTime| fmt::utc_clock(start, t.as_secs_f64());
        let vendor = self.world.vendor();
        let name = &self.spec.vendor.name;
        let refuse = |message: String| {
            Err(SessionError::Input(problem(
                message,
                "nothing changed; `help inject` lists the decisions",
            )))
        };
        match &spec {
            ActionSpec::PublishRevert => {
                if let Some(t) = vendor.reverted_at {
                    return refuse(format!("{name} already published the revert at {}", at(t)));
                }
            }
            ActionSpec::HaltRollout => {
                if let Some(t) = vendor.halted_at {
                    return refuse(format!("{name} already halted the rollout at {}", at(t)));
                }
                if let Some(t) = vendor.reverted_at {
                    return refuse(format!(
                        "{name} published the revert at {}, which ended the rollout",
                        at(t)
                    ));
                }
            }
            _ => {}
        }
        let mut targets = 0;
        if let Some(target) = spec.target() {
            targets = self.world.targets(target).len();
            if targets == 0 {
                return Err(SessionError::Input(problem(
                    format!("`{line}`: no organisation of that kind takes part in this scenario"),
                    commands::target_hint(&self.spec),
                )));
            }
        }
        let warning = self.halt_warning(&spec);
        self.mark(line, Some(self.decisions.len()));
        if let Some(mark) = self.marks.last_mut() {
            mark.proposal = proposal;
        }
        if let Err(e) = self.world.inject(spec.clone()) {
            // Leave the world exactly as it was, whatever the failed call did to it.
            if let Some(mut mark) = self.marks.pop() {
                self.restore(&mut mark)?;
            }
            return Err(SessionError::Input(format!("`{line}`: {e}")));
        }
        self.log.push(Op::Inject(spec.clone()));
        let proposed_by = proposal.map(|p| self.proposals[p].team.clone());
        let command = match proposal {
            Some(p) => format!("inject {}", self.proposals[p].decision),
            None => line.to_string(),
        };
        self.decisions.push(Decision {
            at: now,
            command,
            action: action.clone(),
            undone: false,
            proposed_by: proposed_by.clone(),
        });
        let what = self.describe(&spec, targets);
        let by = proposed_by.map(|t| format!(", proposed by {t}")).unwrap_or_default();
        self.timeline.push(Entry {
            at: now,
            kind: EntryKind::Decision,
            text: format!("{}{by}.", capitalise(&what)),
        });
        let mut text = wrap(
            &format!("Decision at {} (T+{}){by}: {what}.", at(now), now.since(SimTime::ZERO)),
            0,
        );
        text.push_str(&wrap(
            &format!(
                "In a scenario file: (at: \"{}\", action: {})",
                now.since(SimTime::ZERO),
                action_to_ron(&action)
            ),
            2,
        ));
        text.push_str("  It acts from this instant; the next step shows what it changes.\n");
        if let Some(w) = warning {
            text.push_str(&wrap(&w, 2));
        }
        Ok(text)
    }

    /// What a halt does, in a sentence: it withdraws the content from distribution, so only
    /// machines that have not fetched it yet are spared; the crashed stay crashed until the
    /// revert.
    fn halt_warning(&self, spec: &ActionSpec) -> Option<String> {
        if *spec != ActionSpec::HaltRollout {
            return None;
        }
        let mut note = format!(
            "The halt withdraws the content: sensors that have not fetched it within {} are \
             spared; machines already crashed stay down until the revert.",
            self.spec.vendor.propagation
        );
        if let RevertSpec::AfterHalt(delay) = self.spec.vendor.revert {
            note.push_str(&format!(" The vendor publishes the revert {delay} after a halt."));
        }
        Some(note)
    }

    /// A decision in words: "add 20 technicians to each of 37 hospitals, on duty now".
    fn describe(&self, spec: &ActionSpec, targets: usize) -> String {
        let n = table::plural(targets as u64, "organisation", "organisations");
        let who = |to: &TargetSpec| match to {
            TargetSpec::All => format!("every organisation ({n})"),
            TargetSpec::Sector(s) => format!("every {} ({n})", s.name()),
            TargetSpec::Archetype(a) => format!("every {} ({n})", self.spec.archetypes[*a].name),
            TargetSpec::Org(a, n) => {
                blastradius_model::spec::org_name(&self.spec.archetypes[*a].name, *n)
            }
        };
        let vendor = &self.spec.vendor.name;
        match spec {
            ActionSpec::HaltRollout => format!("{vendor} halts the rollout now"),
            ActionSpec::PublishRevert => format!(
                "{vendor} publishes the revert now; it reaches sensors in {}",
                self.spec.vendor.propagation
            ),
            ActionSpec::AddTechnicians { to, count } => {
                format!("{count} more technicians at {}, on duty now", who(to))
            }
            ActionSpec::AddContractors { to, count, arrive_in } => format!(
                "{count} contractors for {}, arriving in {arrive_in} (at {}) if machines are \
                 still down then",
                who(to),
                fmt::utc_clock(
                    self.spec.start_unix_s,
                    (self.world.clock() + *arrive_in).as_secs_f64()
                )
            ),
            ActionSpec::ActivateFallback { to, service } => format!(
                "{} switches to manual fallback (paper) at {}",
                service.as_deref().map_or("every service".to_string(), str::to_string),
                who(to)
            ),
            ActionSpec::ReleaseTool { name, share, mode, repair_time } => {
                let tool = blastradius_model::spec::ToolSpec {
                    name: name.clone(),
                    available_after: SimDuration::ZERO,
                    share: *share,
                    mode: *mode,
                    repair_time: blastradius_model::spec::DistSpec::new(*repair_time, 0.3),
                    needs_key: false,
                };
                format!("release {name}: {}", narrative::tool_use(&tool))
            }
            ActionSpec::SetRepairOrder { to, order } => {
                format!("repairs go in {} order at {}", order.name(), who(to))
            }
            ActionSpec::RestoreKeyEscrow { to } => {
                format!("BitLocker keys restored from an offline copy at {}", who(to))
            }
        }
    }

    /// Records a team's proposal; nothing changes in the world.
    fn propose(&mut self, p: commands::Proposal) -> Result<String, SessionError> {
        let pending = self.proposals.iter().filter(|p| p.status == ProposalStatus::Pending).count();
        if pending >= MAX_PENDING {
            return Err(SessionError::Input(problem(
                format!("{pending} proposals are already waiting"),
                "wait until the facilitator has accepted or rejected some",
            )));
        }
        // Checked now as `inject` would check it, so that the team hears at once what is wrong.
        validate::action_spec(&p.action, &self.spec.archetypes).map_err(|e| {
            let hint = if e.field == "to" { commands::target_hint(&self.spec) } else { e.hint };
            SessionError::Input(problem(format!("`{}`: {}", p.decision, e.message), hint))
        })?;
        let now = self.world.clock();
        let number = self.proposals.len() + 1;
        let why = if p.why.is_empty() { String::new() } else { format!(" ({})", p.why) };
        let text = wrap(
            &format!(
                "Proposal {number} from {} at {}: inject {}{why}. `accept {number}` takes it, \
                 `reject {number}` turns it down.",
                p.team,
                fmt::utc_clock(self.spec.start_unix_s, now.as_secs_f64()),
                p.decision
            ),
            0,
        );
        self.proposals.push(TeamProposal {
            number,
            at: now,
            team: p.team,
            decision: p.decision,
            action: p.action,
            why: p.why,
            status: ProposalStatus::Pending,
        });
        Ok(text)
    }

    /// The pending proposal numbered `n`, or why there is none.
    fn pending(&self, n: usize, command: &str) -> Result<usize, SessionError> {
        let Some(p) = self.proposals.get(n.wrapping_sub(1)) else {
            let hint = match self.proposals.len() {
                0 => "no team has proposed anything yet".to_string(),
                k => format!("the proposals are numbered 1 to {k}"),
            };
            return Err(SessionError::Input(problem(format!("no proposal {n}"), hint)));
        };
        let at = |t: SimTime| fmt::utc_clock(self.spec.start_unix_s, t.as_secs_f64());
        match &p.status {
            ProposalStatus::Pending => Ok(n - 1),
            ProposalStatus::Accepted { at: t, .. } => Err(SessionError::Input(problem(
                format!("proposal {n} was accepted at {}", at(*t)),
                format!("`undo` takes the decision back; `{command}` needs a waiting proposal"),
            ))),
            ProposalStatus::Rejected { at: t, .. } => Err(SessionError::Input(problem(
                format!("proposal {n} was rejected at {}", at(*t)),
                "the team can propose it again",
            ))),
        }
    }

    /// Takes a team's proposal as a decision now.
    fn accept(&mut self, line: &str, n: usize) -> Result<String, SessionError> {
        let p = self.pending(n, "accept")?;
        let action = self.proposals[p].action.clone();
        let decided = self.decisions.len();
        let text = self.inject(line, action, Some(p))?;
        self.proposals[p].status =
            ProposalStatus::Accepted { at: self.world.clock(), decision: decided };
        Ok(format!("Accepted proposal {n} from {}.\n{text}", self.proposals[p].team))
    }

    /// Turns a team's proposal down.
    fn reject(&mut self, n: usize, reason: String) -> Result<String, SessionError> {
        let p = self.pending(n, "reject")?;
        let because = if reason.is_empty() { String::new() } else { format!(": {reason}") };
        let team = self.proposals[p].team.clone();
        self.proposals[p].status = ProposalStatus::Rejected { at: self.world.clock(), reason };
        Ok(wrap(&format!("Rejected proposal {n} from {team}{because}. Nothing changed."), 0))
    }

    fn undo(&mut self) -> Result<String, SessionError> {
        let Some(mark) = self.marks.pop() else {
            return Err(SessionError::Input(problem(
                "nothing to undo",
                "`undo` takes back the last `next`, `run`, `until` or `inject`",
            )));
        };
        let mut mark = mark;
        self.restore(&mut mark)?;
        self.view = mark.view;
        self.timeline.truncate(mark.timeline);
        self.history.truncate(mark.history);
        if let Some(d) = mark.decision {
            self.decisions[d].undone = true;
        }
        if let Some(p) = mark.proposal {
            self.proposals[p].status = ProposalStatus::Pending;
        }
        let mut text = format!("Undid `{}`.\n", mark.command);
        text.push_str(&self.header());
        text.push_str(&table::sector_table(&self.world));
        Ok(text)
    }

    /// The debrief: the outcome so far against the baseline to the same time and, when the
    /// clock is short of the horizon, both runs carried on to it with no further decisions,
    /// because most of what a decision saves (or costs) comes after a session's last hour.
    fn end(&mut self) -> Result<Reply, SessionError> {
        let result = self.world.results();
        let decided = self.decisions.iter().any(|d| !d.undone);
        let horizon = self.world.horizon();
        let carry_on = self.world.clock() < horizon;
        // Without decisions the baseline is the same log, so the same state.
        let mut without =
            if decided { Some(replay(&self.spec, self.config, &self.log, false)?) } else { None };
        let baseline = without.as_ref().map_or_else(|| result.clone(), World::results);
        let full = if carry_on {
            let mut with = self.world.clone();
            with.run_until(horizon)?;
            let full = with.results();
            let full_baseline = match without.as_mut() {
                Some(w) => {
                    w.run_until(horizon)?;
                    w.results()
                }
                None => full.clone(),
            };
            Some((full, full_baseline))
        } else {
            None
        };
        let mut text =
            debrief::text(&self.spec, &self.decisions, &result, &baseline, full.as_ref());
        text.push_str(&debrief::proposals_text(&self.spec, &self.proposals));
        let mut decisions = debrief::decisions_text(&self.spec, &self.decisions);
        decisions.push_str(&debrief::proposals_text(&self.spec, &self.proposals));
        let (full, full_baseline) = full.unwrap_or_else(|| (result.clone(), baseline.clone()));
        self.debrief =
            Some(Debrief { text: text.clone(), decisions, result, baseline, full, full_baseline });
        Ok(Reply { text, ended: true })
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The region with the most endpoints (ties to the first name), and its UTC offset.
fn dominant_region(world: &World) -> Option<(String, i32)> {
    let mut by_region: BTreeMap<(String, i32), u64> = BTreeMap::new();
    for org in world.organisations() {
        if let Some(r) = org.spec().regions.get(org.region) {
            *by_region.entry((r.name.clone(), r.utc_offset_min)).or_default() +=
                u64::from(org.size());
        }
    }
    let best = by_region.values().copied().max()?;
    by_region.into_iter().find(|(_, n)| *n == best).map(|(k, _)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_with_a_hanging_indent() {
        let text = "word ".repeat(40);
        let wrapped = wrap(&format!("- {text}"), 2);
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH));
        assert!(lines[0].starts_with("  - word"));
        assert!(lines[1].starts_with("    word"));
    }

    #[test]
    fn capitals() {
        assert_eq!(capitalise("the revert"), "The revert");
        assert_eq!(capitalise(""), "");
    }
}
