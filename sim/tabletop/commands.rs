//! The commands of a tabletop session: parsing a typed line into a `Command`, the friendly
//! shorthands for decisions (`inject technicians hospital 20`), and the help text of every
//! command. Parsing knows the scenario (to resolve names) but never touches the world.

use blastradius_engine::SimDuration;
use blastradius_model::spec::{Sector, WorldSpec};
use blastradius_scenario::actions::{self, ACTION_FORMS};
use blastradius_scenario::units::{DURATION_HINT, Duration};
use blastradius_scenario::{raw, suggest};

/// One thing the facilitator asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Advance one step.
    Next,
    /// Advance by a duration, in one step.
    Run(SimDuration),
    /// Advance step by step until something happens.
    Until(Event),
    /// Show the state of everything, a sector, an archetype or an organisation.
    Status(Option<String>),
    /// Take a decision now.
    Inject(raw::Action),
    /// Go back to before the last step or decision.
    Undo,
    Help(Option<String>),
    End,
    /// A team proposes a decision; it waits for the facilitator to accept or reject it.
    Propose(Proposal),
    /// Take a team's proposal (numbered from 1) as a decision now.
    Accept(usize),
    /// Turn a team's proposal down, with an optional reason.
    Reject(usize, String),
}

/// A decision a team put forward, as parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    pub team: String,
    /// The decision as the team wrote it, without `inject` (`technicians hospital 20`).
    pub decision: String,
    pub action: raw::Action,
    /// Why, in the team's words (may be empty).
    pub why: String,
}

/// Longest team name, in characters.
pub const MAX_TEAM_CHARS: usize = 24;
/// Longest reason given with a proposal or a rejection, in characters.
pub const MAX_WHY_CHARS: usize = 280;

/// What `until` waits for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    Revert,
    Halt,
    FirstCrash,
    /// The first affected organisation knows the manual workaround.
    Workaround,
    /// A share of the crashed endpoints are back up (index into `narrative::MILESTONES`).
    Recovered(usize),
    AllRecovered,
    /// A recovery tool is available.
    Tool,
    /// A UTC clock time (minutes after midnight), the next time it comes round.
    Clock(u32),
}

impl Event {
    pub fn describe(self) -> String {
        match self {
            Event::Revert => "the revert is published".into(),
            Event::Halt => "the rollout is halted".into(),
            Event::FirstCrash => "the first endpoint crashes".into(),
            Event::Workaround => "the first affected organisation knows the workaround".into(),
            Event::Recovered(i) => {
                format!("{} of the crashed endpoints are back up", ["half", "90%", "99%"][i.min(2)])
            }
            Event::AllRecovered => "every crashed endpoint is back up".into(),
            Event::Tool => "a recovery tool is available".into(),
            Event::Clock(m) => format!("it is {:02}:{:02} UTC", m / 60, m % 60),
        }
    }
}

/// The commands, with their usage, a one-line summary and details, in help order.
pub const COMMANDS: [(&str, &str, &str, &str); 11] = [
    (
        "next",
        "next",
        "advance the clock by one step",
        "Advances the simulated clock by the session's step (--step, 1h unless set), then shows \
         the sector table and what happened since the last step.",
    ),
    (
        "run",
        "run DURATION",
        "advance the clock by a duration, e.g. `run 2h`, `run 1d`",
        "Advances the simulated clock by DURATION in one go and tells what happened over it.\n\
         DURATION has a unit: 30m, 2h, 1h30m, 1d.",
    ),
    (
        "until",
        "until EVENT",
        "advance step by step until something happens, e.g. `until revert`",
        "Advances one step at a time (each step shown as with `next`) until EVENT has happened,\n\
         or the scenario's horizon is reached. EVENT is one of:\n\
         \x20 revert         the vendor publishes the revert\n\
         \x20 halt           the rollout is halted\n\
         \x20 first-crash    the first endpoint crashes\n\
         \x20 workaround     the first affected organisation knows the manual fix\n\
         \x20 recovered 50%  half of the crashed endpoints are back up (also 90%, 99%)\n\
         \x20 all-recovered  every crashed endpoint is back up\n\
         \x20 tool           a recovery tool is available\n\
         \x20 HH:MM          a UTC clock time, e.g. `until 18:00`",
    ),
    (
        "status",
        "status [SECTOR|ARCHETYPE|ORGANISATION]",
        "show the state now, or of a sector or organisation",
        "Without an argument: the sector table and the vendor's state.\n\
         With a sector (hospital), an archetype (community_hospital) or an organisation\n\
         (community_hospital-0003): its endpoints, staff, services and loss.",
    ),
    (
        "inject",
        "inject ACTION",
        "take a decision now, e.g. `inject technicians hospital 20`",
        "Takes a decision at the current simulated time. Shorthands:\n\
         \x20 inject halt                             halt the rollout\n\
         \x20 inject revert                           publish the revert now\n\
         \x20 inject technicians TARGET COUNT         add technicians, on duty now\n\
         \x20 inject contractors TARGET COUNT [IN]    contractors arriving in IN (default 4h)\n\
         \x20 inject fallback TARGET [SERVICE]        switch to manual fallback (paper)\n\
         \x20 inject tool NAME SHARE TIME [remote|hands-on]\n\
         \x20                                         release a recovery tool for SHARE (0.5 or\n\
         \x20                                         50%) of crashed machines, TIME per machine\n\
         \x20 inject order TARGET fifo|criticality-first|service-aware\n\
         \x20                                         change the repair order\n\
         \x20 inject escrow TARGET                    restore BitLocker key escrow from a copy\n\
         TARGET is `all`, a sector (hospital), an archetype (community_hospital) or an\n\
         organisation (community_hospital-0003).\n\
         The scenario-file syntax works too, e.g.\n\
         \x20 inject AddTechnicians(to: Sector(Hospital), count: 20)",
    ),
    (
        "undo",
        "undo",
        "go back to before the last step or decision",
        "Takes back the last `next`, `run`, `until` or `inject`: the world returns exactly to the \
         state it was in before it.",
    ),
    (
        "propose",
        "propose TEAM DECISION [-- WHY]",
        "a team puts a decision forward, e.g. `propose red technicians hospital 20`",
        "Records a team's proposal without taking it: DECISION is written as after `inject`\n\
         (a shorthand or the scenario-file syntax) and is checked as `inject` checks it; WHY,\n\
         after ` -- `, is the team's reason. TEAM is one word of letters, digits, `-` or `_`.\n\
         Proposals are numbered from 1 and wait for `accept N` or `reject N`.",
    ),
    (
        "accept",
        "accept N",
        "take team proposal N as a decision now",
        "Takes proposal N as `inject` would take it, now, with the team's name on the decision.\n\
         `undo` takes it back and the proposal waits again.",
    ),
    (
        "reject",
        "reject N [REASON]",
        "turn team proposal N down",
        "Turns proposal N down, with an optional reason the teams see. Nothing changes in the\n\
         world.",
    ),
    ("help", "help [COMMAND]", "list the commands, or explain one", "Shows this help."),
    (
        "end",
        "end",
        "end the exercise and show the debrief",
        "Ends the session and compares the outcome with the same scenario and seed without your \
         decisions: now, and with both runs carried on to the scenario's horizon with no further \
         decisions. The report folder follows the session to the horizon. End of input does the \
         same.",
    ),
];

/// The list of commands.
pub fn help_overview() -> String {
    let width = COMMANDS.iter().map(|c| c.1.len()).max().unwrap_or(0);
    let mut out = String::from("Commands:\n");
    for (_, usage, summary, _) in COMMANDS {
        out.push_str(&format!("  {usage:width$}  {summary}\n"));
    }
    out.push_str("Type `help COMMAND` for more, e.g. `help inject`.\n");
    out
}

/// The help of one command.
pub fn help_for(name: &str) -> Option<String> {
    let name = canonical(name)?;
    COMMANDS
        .iter()
        .find(|c| c.0 == name)
        .map(|(_, usage, _, details)| format!("{usage}\n{details}\n"))
}

/// A command word, with its aliases resolved.
fn canonical(word: &str) -> Option<&'static str> {
    Some(match word.to_ascii_lowercase().as_str() {
        "next" | "n" | "step" => "next",
        "run" => "run",
        "until" => "until",
        "status" | "show" => "status",
        "inject" | "decide" => "inject",
        "undo" => "undo",
        "help" | "?" | "h" => "help",
        "end" | "quit" | "exit" => "end",
        "propose" => "propose",
        "accept" => "accept",
        "reject" | "decline" => "reject",
        _ => return None,
    })
}

/// A mistake in a command line: what was wrong and how to say it.
pub fn problem(message: impl Into<String>, hint: impl AsRef<str>) -> String {
    let hint = hint.as_ref();
    if hint.is_empty() { message.into() } else { format!("{}\n  hint: {hint}", message.into()) }
}

/// Wraps every line longer than the session's width, keeping its indent.
pub fn tidy(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        out.push_str(&super::wrap(line.trim_start(), indent));
    }
    out.trim_end_matches('\n').to_string()
}

/// Longest command line a session takes: a proposal with its reason fits many times over.
pub const MAX_LINE_CHARS: usize = 2_000;

/// A typed line as the session keeps, echoes and records it: a tab is a space, and every
/// other control character (`ESC`, `BEL`, a carriage return, C1 controls) is written as its
/// escape (`\u{1b}`), so that echoing the line, the transcript or `commands.txt` on a terminal
/// cannot retitle or clear it. A line without control characters is kept as it is, and the
/// escaped form reads back as itself, so a session replayed from `commands.txt` gives the
/// same transcript.
pub fn visible(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        match c {
            '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Parses a command line. `Ok(None)` for a blank line or a comment.
pub fn parse(line: &str, spec: &WorldSpec) -> Result<Option<Command>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let (word, rest) = match line.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (line, ""),
    };
    let Some(name) = canonical(word) else {
        let names: Vec<&str> = COMMANDS.iter().map(|c| c.0).collect();
        let close =
            suggest(word, &names).map(|c| format!("did you mean `{c}`? ")).unwrap_or_default();
        return Err(problem(
            format!("unknown command `{}`", visible(word)),
            format!("{close}the commands are: {}; type `help` for details", names.join(", ")),
        ));
    };
    let no_argument = |command: Command| {
        if rest.is_empty() {
            Ok(Some(command))
        } else {
            Err(problem(
                format!("`{name}` takes no argument, but got `{rest}`"),
                format!("type `{name}` alone; `help {name}` explains it"),
            ))
        }
    };
    match name {
        "next" => no_argument(Command::Next),
        "undo" => no_argument(Command::Undo),
        "end" => no_argument(Command::End),
        "help" => Ok(Some(Command::Help((!rest.is_empty()).then(|| rest.to_string())))),
        "status" => Ok(Some(Command::Status((!rest.is_empty()).then(|| rest.to_string())))),
        "run" => parse_run(rest).map(Some),
        "until" => parse_until(rest).map(|e| Some(Command::Until(e))),
        "inject" => parse_inject(rest, spec).map(|a| Some(Command::Inject(a))),
        "propose" => parse_propose(rest, spec).map(|p| Some(Command::Propose(p))),
        "accept" => parse_number("accept", rest).map(|n| Some(Command::Accept(n))),
        "reject" => {
            let (number, reason) = match rest.split_once(char::is_whitespace) {
                Some((n, r)) => (n, r.trim()),
                None => (rest, ""),
            };
            let n = parse_number("reject", number)?;
            Ok(Some(Command::Reject(n, why_text(reason, "the reason")?)))
        }
        _ => unreachable!("every canonical name is handled"),
    }
}

/// A proposal's number, from 1.
fn parse_number(command: &str, text: &str) -> Result<usize, String> {
    match text.trim_start_matches('#').parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ if text.is_empty() => Err(problem(
            format!("`{command}` needs the number of a proposal"),
            format!("e.g. `{command} 1`; the proposals are numbered from 1 as they come in"),
        )),
        _ => Err(problem(
            format!("`{command} {text}`: not the number of a proposal"),
            format!("e.g. `{command} 1`; the proposals are numbered from 1 as they come in"),
        )),
    }
}

/// A reason in free text: one line, not too long.
fn why_text(text: &str, what: &str) -> Result<String, String> {
    let chars = text.chars().count();
    if chars > MAX_WHY_CHARS {
        return Err(problem(
            format!("{what} has {chars} characters, more than {MAX_WHY_CHARS}"),
            "say it in a sentence or two",
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(problem(format!("{what} holds a control character"), "write it on one line"));
    }
    Ok(text.to_string())
}

/// Whether a team name is one word of letters, digits, `-` and `_`, short enough to show.
pub fn valid_team(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_TEAM_CHARS
        && name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// `propose TEAM DECISION [-- WHY]`.
pub fn parse_propose(rest: &str, spec: &WorldSpec) -> Result<Proposal, String> {
    let form = "write `propose TEAM DECISION [-- WHY]`, e.g. `propose red technicians hospital 20 \
                -- the clinics are on their own`";
    let (team, rest) = match rest.split_once(char::is_whitespace) {
        Some((t, r)) => (t, r.trim()),
        None => (rest, ""),
    };
    if team.is_empty() {
        return Err(problem("`propose` needs a team and a decision", form));
    }
    if !valid_team(team) {
        return Err(problem(
            format!("`{}` is not a team name", visible(team)),
            format!(
                "one word of at most {MAX_TEAM_CHARS} letters, digits, `-` or `_`, e.g. red, \
                 table-3"
            ),
        ));
    }
    let (decision, why) = match rest.split_once(" -- ") {
        Some((d, w)) => (d.trim(), w.trim()),
        None => (rest.strip_suffix(" --").unwrap_or(rest).trim(), ""),
    };
    let decision = decision.strip_prefix("inject ").map_or(decision, str::trim);
    if decision.is_empty() {
        return Err(problem(format!("`propose {team}` needs a decision"), form));
    }
    let action = parse_inject(decision, spec)?;
    Ok(Proposal {
        team: team.to_string(),
        decision: decision.to_string(),
        action,
        why: why_text(why, "the reason")?,
    })
}

fn parse_run(rest: &str) -> Result<Command, String> {
    if rest.is_empty() {
        return Err(problem("`run` needs a duration", "e.g. `run 2h`, `run 30m`, `run 1d`"));
    }
    let d: Duration = rest.parse().map_err(|e: String| {
        problem(
            format!("`run {rest}`: {}", e.split("; ").next().unwrap_or(&e)),
            format!("{DURATION_HINT}; e.g. `run 2h`"),
        )
    })?;
    if d.sim() == SimDuration::ZERO {
        return Err(problem("`run 0s` would not move the clock", "e.g. `run 2h`"));
    }
    Ok(Command::Run(d.sim()))
}

const UNTIL_EVENTS: &str =
    "revert, halt, first-crash, workaround, recovered 50%|90%|99%, all-recovered, tool, HH:MM";

fn parse_until(rest: &str) -> Result<Event, String> {
    let words: Vec<String> =
        rest.split_whitespace().map(|w| w.to_ascii_lowercase().replace('_', "-")).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let event = match words.as_slice() {
        ["revert"] | ["reverted"] => Event::Revert,
        ["halt"] | ["halted"] => Event::Halt,
        ["first-crash"] | ["first", "crash"] | ["crash"] => Event::FirstCrash,
        ["workaround"] | ["fix"] => Event::Workaround,
        ["all-recovered"] | ["recovered"] => Event::AllRecovered,
        ["recovered", share] => milestone(share)?,
        [word] if word.starts_with("recovered-") => milestone(&word["recovered-".len()..])?,
        ["tool"] | ["tools"] => Event::Tool,
        [time] if time.contains(':') => parse_clock(time).ok_or_else(|| {
            problem(format!("`until {time}`: not a time of day"), "write HH:MM in UTC, e.g. 18:00")
        })?,
        [] => return Err(problem("`until` needs an event", format!("one of: {UNTIL_EVENTS}"))),
        _ => {
            return Err(problem(
                format!("`until {rest}`: unknown event"),
                format!("one of: {UNTIL_EVENTS}"),
            ));
        }
    };
    Ok(event)
}

/// `50%`, `90%` or `99%` (the sign optional) as a recovery milestone.
fn milestone(share: &str) -> Result<Event, String> {
    match share.trim_end_matches('%') {
        "50" => Ok(Event::Recovered(0)),
        "90" => Ok(Event::Recovered(1)),
        "99" => Ok(Event::Recovered(2)),
        "100" | "all" => Ok(Event::AllRecovered),
        _ => Err(problem(
            format!("`until recovered {share}`: the milestones are 50%, 90% and 99%"),
            "e.g. `until recovered 90%`, or `until all-recovered`",
        )),
    }
}

/// `HH:MM` as minutes after midnight.
fn parse_clock(text: &str) -> Option<Event> {
    let (h, m) = text.trim_end_matches("utc").split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(Event::Clock(h * 60 + m))
}

/// The shorthand words of each decision, for messages.
const SHORTHANDS: &str = "halt, revert, technicians, contractors, fallback, tool, order, escrow";

/// Parses a decision: the scenario-file syntax when it starts with a capital letter, otherwise
/// a shorthand.
pub fn parse_inject(rest: &str, spec: &WorldSpec) -> Result<raw::Action, String> {
    if rest.is_empty() {
        return Err(problem(
            "`inject` needs a decision",
            format!(
                "one of: {SHORTHANDS}; e.g. `inject technicians hospital 20`; `help inject` lists them"
            ),
        ));
    }
    if rest.starts_with(|c: char| c.is_ascii_uppercase()) {
        return actions::parse_action(rest).map_err(|e| format!("`inject {rest}`: {e}"));
    }
    let words: Vec<&str> = rest.split_whitespace().collect();
    let kind = words[0].to_ascii_lowercase();
    let args = &words[1..];
    let usage = |form: &str| format!("write `inject {form}`");
    let target = |i: usize, form: &str| -> Result<raw::Target, String> {
        match args.get(i) {
            Some(word) => resolve_target(word, spec),
            None => Err(problem(format!("`inject {kind}` needs a target"), usage(form))),
        }
    };
    let count = |i: usize, what: &str, form: &str| -> Result<u32, String> {
        let Some(word) = args.get(i) else {
            return Err(problem(format!("`inject {kind}` needs a number of {what}"), usage(form)));
        };
        match word.replace(',', "").parse::<u32>() {
            Ok(n) => Ok(n),
            Err(_) => Err(problem(
                format!("`{word}` is not a number of {what}"),
                format!("a whole number, e.g. 20; {}", usage(form)),
            )),
        }
    };
    let at_most = |n: usize, form: &str| {
        if args.len() > n {
            Err(problem(
                format!("`inject {kind}`: unexpected `{}`", args[n..].join(" ")),
                usage(form),
            ))
        } else {
            Ok(())
        }
    };
    let action = match kind.as_str() {
        "halt" | "halt-rollout" => {
            at_most(0, "halt")?;
            raw::Action::HaltRollout
        }
        "revert" | "publish-revert" => {
            at_most(0, "revert")?;
            raw::Action::PublishRevert
        }
        "technicians" | "technician" | "techs" => {
            let form = "technicians TARGET COUNT";
            at_most(2, form)?;
            raw::Action::AddTechnicians {
                to: target(0, form)?,
                count: count(1, "technicians", form)?,
            }
        }
        "contractors" | "contractor" => {
            let form = "contractors TARGET COUNT [ARRIVE_IN, default 4h]";
            at_most(3, form)?;
            let arrive_in = match args.get(2) {
                Some(text) => text.parse::<Duration>().map_err(|e| {
                    problem(
                        format!("`{text}`: {}", e.split("; ").next().unwrap_or(&e)),
                        format!("{DURATION_HINT}; {}", usage(form)),
                    )
                })?,
                None => Duration::hours(4),
            };
            raw::Action::AddContractors {
                to: target(0, form)?,
                count: count(1, "contractors", form)?,
                arrive_in,
            }
        }
        "fallback" | "paper" => {
            let form = "fallback TARGET [SERVICE]";
            at_most(2, form)?;
            raw::Action::ActivateFallback {
                to: target(0, form)?,
                service: args.get(1).map(|s| s.to_string()),
            }
        }
        "tool" => {
            let form = "tool NAME SHARE REPAIR_TIME [remote|hands-on]";
            at_most(4, form)?;
            let (Some(name), Some(share), Some(time)) = (args.first(), args.get(1), args.get(2))
            else {
                return Err(problem(
                    "`inject tool` needs a name, a share and a repair time",
                    format!("{}, e.g. `inject tool usb-key 0.6 10m hands-on`", usage(form)),
                ));
            };
            let share = parse_share(share).ok_or_else(|| {
                problem(
                    format!("`{share}` is not a share"),
                    "a fraction from 0 to 1 (0.6) or a percentage (60%)",
                )
            })?;
            let repair_time = time.parse::<Duration>().map_err(|e| {
                problem(
                    format!("`{time}`: {}", e.split("; ").next().unwrap_or(&e)),
                    format!("{DURATION_HINT}; {}", usage(form)),
                )
            })?;
            let mode = match args.get(3).map(|m| m.to_ascii_lowercase()).as_deref() {
                None | Some("remote") => raw::ToolMode::Remote,
                Some("hands-on" | "handson" | "hands_on" | "usb") => raw::ToolMode::HandsOn,
                Some(other) => {
                    return Err(problem(
                        format!("`{other}` is not a tool mode"),
                        "remote (fixes machines with no one there) or hands-on (speeds up a technician)",
                    ));
                }
            };
            raw::Action::ReleaseTool { name: name.to_string(), share, mode, repair_time }
        }
        "order" | "repair-order" => {
            let form = "order TARGET fifo|criticality-first|service-aware";
            at_most(2, form)?;
            let to = target(0, form)?;
            let order = match args.get(1).map(|o| o.to_ascii_lowercase()).as_deref() {
                Some("fifo") => raw::RepairOrder::Fifo,
                Some("criticality-first" | "criticality" | "critical") => {
                    raw::RepairOrder::CriticalityFirst
                }
                Some("service-aware" | "service") => raw::RepairOrder::ServiceAware,
                other => {
                    return Err(problem(
                        match other {
                            Some(o) => format!("`{o}` is not a repair order"),
                            None => "`inject order` needs a repair order".into(),
                        },
                        "fifo, criticality-first or service-aware",
                    ));
                }
            };
            raw::Action::SetRepairOrder { to, order }
        }
        "escrow" | "key-escrow" | "keys" => {
            let form = "escrow TARGET";
            at_most(1, form)?;
            raw::Action::RestoreKeyEscrow { to: target(0, form)? }
        }
        other => {
            let words: Vec<&str> = SHORTHANDS.split(", ").collect();
            let close =
                suggest(other, &words).map(|c| format!("did you mean `{c}`? ")).unwrap_or_default();
            return Err(problem(
                format!("unknown decision `{other}`"),
                format!(
                    "{close}the decisions are: {SHORTHANDS}; or the scenario-file syntax:\n    {}",
                    ACTION_FORMS.replace('\n', "\n    ")
                ),
            ));
        }
    };
    Ok(action)
}

/// `0.6` or `60%` as a fraction.
fn parse_share(text: &str) -> Option<f64> {
    match text.strip_suffix('%') {
        Some(p) => p.parse::<f64>().ok().map(|v| v / 100.0),
        None => text.parse::<f64>().ok(),
    }
    .filter(|v| (0.0..=1.0).contains(v))
}

/// The sectors that have organisations in this scenario.
pub fn sectors_present(spec: &WorldSpec) -> Vec<Sector> {
    Sector::ALL
        .into_iter()
        .filter(|s| spec.archetypes.iter().any(|a| a.sector == *s && a.organisations > 0))
        .collect()
}

/// What names a target can take here, for hints.
pub fn target_hint(spec: &WorldSpec) -> String {
    let sectors: Vec<&str> = sectors_present(spec).iter().map(|s| s.name()).collect();
    let archetypes: Vec<&str> =
        spec.archetypes.iter().filter(|a| a.organisations > 0).map(|a| a.name.as_str()).collect();
    let example = spec
        .archetypes
        .iter()
        .find(|a| a.organisations > 0)
        .map_or_else(String::new, |a| blastradius_model::spec::org_name(&a.name, 0));
    format!(
        "use `all`, a sector ({}), an archetype ({}) or an organisation (e.g. {example})",
        sectors.join(", "),
        archetypes.join(", ")
    )
}

/// A sector by its name or plural (`hospital`, `hospitals`).
pub fn sector_named(word: &str) -> Option<Sector> {
    let w = word.to_ascii_lowercase();
    Sector::ALL.into_iter().find(|s| s.name() == w || s.plural() == w)
}

/// Resolves a target word: `all`, a sector, an archetype, or an organisation name.
pub fn resolve_target(word: &str, spec: &WorldSpec) -> Result<raw::Target, String> {
    if word.eq_ignore_ascii_case("all") {
        return Ok(raw::Target::All);
    }
    if let Some(sector) = sector_named(word) {
        return Ok(raw::Target::Sector(raw_sector(sector)));
    }
    if spec.archetypes.iter().any(|a| a.name == word) {
        return Ok(raw::Target::Archetype(word.to_string()));
    }
    let looks_like_org = word.rsplit_once('-').is_some_and(|(a, n)| {
        !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && !a.is_empty()
    });
    if looks_like_org {
        return Ok(raw::Target::Org(word.to_string()));
    }
    let mut names: Vec<&str> = sectors_present(spec).iter().map(|s| s.name()).collect();
    names.extend(spec.archetypes.iter().filter(|a| a.organisations > 0).map(|a| a.name.as_str()));
    let close = suggest(word, &names).map(|c| format!("did you mean `{c}`? ")).unwrap_or_default();
    Err(problem(format!("unknown target `{word}`"), format!("{close}{}", target_hint(spec))))
}

/// The file type's sector for a model sector.
fn raw_sector(s: Sector) -> raw::Sector {
    match s {
        Sector::Airline => raw::Sector::Airline,
        Sector::Hospital => raw::Sector::Hospital,
        Sector::Bank => raw::Sector::Bank,
        Sector::Retail => raw::Sector::Retail,
        Sector::Government => raw::Sector::Government,
        Sector::Media => raw::Sector::Media,
        Sector::Logistics => raw::Sector::Logistics,
        Sector::Health => raw::Sector::Health,
        Sector::Manufacturing => raw::Sector::Manufacturing,
        Sector::ItServices => raw::Sector::ItServices,
        Sector::Consumer => raw::Sector::Consumer,
        Sector::Other => raw::Sector::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blastradius_engine::SimDuration;

    fn spec() -> WorldSpec {
        blastradius_scenario::read("hospital-tabletop").unwrap().1
    }

    fn check(line: &str, expected: Command) {
        assert_eq!(parse(line, &spec()), Ok(Some(expected)), "{line}");
    }

    #[test]
    fn a_word_is_quoted_back_as_typed_with_only_control_characters_escaped() {
        let spec = spec();
        let unknown = parse("fro\\b now", &spec).unwrap_err();
        assert!(unknown.starts_with("unknown command `fro\\b`"), "{unknown}");
        let raw = parse("\u{1b}[2J", &spec).unwrap_err();
        assert!(raw.starts_with("unknown command `\\u{1b}[2J`"), "{raw}");
        // A line echoed once already (as `commands.txt` holds it) is not escaped again.
        let echoed = parse(&visible("\u{1b}[2J"), &spec).unwrap_err();
        assert_eq!(echoed, raw);
        let team = parse("propose re\\d halt", &spec).unwrap_err();
        assert!(team.starts_with("`re\\d` is not a team name"), "{team}");
    }

    fn hospital() -> raw::Target {
        raw::Target::Sector(raw::Sector::Hospital)
    }

    #[test]
    fn commands_parse() {
        check("next", Command::Next);
        check("  N ", Command::Next);
        check("run 2h", Command::Run(SimDuration::from_hours(2)));
        check("run 1h30m", Command::Run(SimDuration::from_mins(90)));
        check("until revert", Command::Until(Event::Revert));
        check("until first crash", Command::Until(Event::FirstCrash));
        check("until recovered 90%", Command::Until(Event::Recovered(1)));
        check("until recovered-99%", Command::Until(Event::Recovered(2)));
        check("until all-recovered", Command::Until(Event::AllRecovered));
        check("until 18:30", Command::Until(Event::Clock(18 * 60 + 30)));
        check("status", Command::Status(None));
        check("status hospital", Command::Status(Some("hospital".into())));
        check("undo", Command::Undo);
        check("? inject", Command::Help(Some("inject".into())));
        check("quit", Command::End);
        assert_eq!(parse("", &spec()), Ok(None));
        assert_eq!(parse("# a note", &spec()), Ok(None));
    }

    #[test]
    fn shorthands_parse_into_the_file_types() {
        let inject = |a| Command::Inject(a);
        check("inject halt", inject(raw::Action::HaltRollout));
        check("inject revert", inject(raw::Action::PublishRevert));
        check(
            "inject technicians hospitals 1,000",
            inject(raw::Action::AddTechnicians { to: hospital(), count: 1000 }),
        );
        check(
            "inject contractors harbour_health-0000 50",
            inject(raw::Action::AddContractors {
                to: raw::Target::Org("harbour_health-0000".into()),
                count: 50,
                arrive_in: Duration::hours(4),
            }),
        );
        check(
            "inject fallback all ehr",
            inject(raw::Action::ActivateFallback {
                to: raw::Target::All,
                service: Some("ehr".into()),
            }),
        );
        check(
            "inject tool usb 60% 10m hands-on",
            inject(raw::Action::ReleaseTool {
                name: "usb".into(),
                share: 0.6,
                mode: raw::ToolMode::HandsOn,
                repair_time: Duration::mins(10),
            }),
        );
        check(
            "inject order harbour_health criticality-first",
            inject(raw::Action::SetRepairOrder {
                to: raw::Target::Archetype("harbour_health".into()),
                order: raw::RepairOrder::CriticalityFirst,
            }),
        );
        check("inject escrow hospital", inject(raw::Action::RestoreKeyEscrow { to: hospital() }));
        check(
            "inject AddTechnicians(to: Sector(Hospital), count: 3)",
            inject(raw::Action::AddTechnicians { to: hospital(), count: 3 }),
        );
    }

    #[test]
    fn every_command_has_help() {
        for (name, usage, summary, details) in COMMANDS {
            assert!(usage.starts_with(name) && !summary.is_empty() && !details.is_empty());
            assert!(help_for(name).is_some());
            assert!(help_overview().contains(usage));
        }
    }
}
