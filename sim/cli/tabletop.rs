//! `blastradius tabletop`: a tabletop exercise in the terminal. The session itself (commands,
//! narrative, undo, debrief) is `blastradius_tabletop`; this file only wires it to a prompt, a
//! script or piped input, and writes the debrief folder at the end.
//!
//! With `--serve` the same session is served to browsers instead (`serve/`), and its debrief
//! folder is written the same way.
//!
//! On a terminal the prompt shows the simulated clock and each reply follows the typed line.
//! From `--script` or a pipe, every command is echoed after its prompt, so what is printed
//! reads like the session and equals `transcript.txt`. Only the report folder's path goes to
//! stderr, so two runs into different folders print the same bytes.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::output::OutputDir;
use super::run::{meta, read_scenario, shell_word, threads, write_report};
use super::{CliError, CliResult};
use blastradius_model::spec::WorldSpec;
use blastradius_report::{RunSet, TextSection};
use blastradius_scenario::Loaded;
use blastradius_scenario::units::{DURATION_HINT, Duration};
use blastradius_tabletop::{Config, Session, SessionError};

#[derive(Debug, Args)]
pub struct TabletopArgs {
    /// A scenario file, or the name of a built-in scenario (hospital-tabletop is made for this)
    pub scenario: String,
    /// How far `next` advances the clock, with a unit: 15m, 1h, 1d
    #[arg(long, default_value = "1h")]
    pub step: String,
    /// Seed of every random stream (default: the scenario's own)
    #[arg(long)]
    pub seed: Option<u64>,
    /// Read the commands from this file instead of the terminal, one a line
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
    /// Debrief folder (default: reports/<scenario-name>-tabletop)
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores); the results do not depend on it
    #[arg(long)]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub web: super::serve::ServeArgs,
}

/// Where commands come from.
enum Input {
    /// Lines of a script file or of piped stdin, echoed after the prompt.
    Lines(Vec<String>),
    /// A person at a terminal.
    Terminal,
}

/// Checks `--step` against the scenario's horizon.
fn step(text: &str, horizon: blastradius_engine::SimDuration) -> Result<Duration, CliError> {
    let step: Duration = text.parse().map_err(|e: String| {
        CliError::input(format!(
            "--step {text}: {}\n  hint: {DURATION_HINT}",
            e.split("; ").next().unwrap_or(&e)
        ))
    })?;
    if step.sim().0 == 0 {
        return Err(CliError::input(format!(
            "--step {text}: the step must be longer than zero\n  hint: e.g. --step 15m or --step 1h"
        )));
    }
    if step.sim() > horizon {
        return Err(CliError::input(format!(
            "--step {text}: longer than the whole scenario ({horizon})\n  hint: e.g. --step 1h"
        )));
    }
    Ok(step)
}

fn print(text: &str) -> CliResult {
    super::scenarios::print(text)
}

pub fn run(args: TabletopArgs) -> CliResult {
    // Everything the user gave is checked before anything is simulated.
    let threads = threads(args.threads)?;
    let (loaded, spec) = read_scenario(&args.scenario, args.seed)?;
    let step = step(&args.step, spec.horizon)?;
    let exercise = loaded.exercise(&spec)?;
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-tabletop", spec.name)));
    let config = Config { step: step.sim(), threads };
    let debriefing =
        Debriefing { loaded, spec: Arc::clone(&spec), scenario: args.scenario.clone(), step };
    if args.web.serve {
        let out = OutputDir::prepare(&out_path, "--out")?;
        let fresh =
            Box::new(move || Session::with_exercise(Arc::clone(&spec), config, exercise.clone()));
        let served =
            super::serve::Served { scenario: args.scenario.clone(), out, debriefing, fresh };
        return super::serve::serve(&args.web, served);
    }
    let input = match &args.script {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError::input(format!(
                    "--script {}: cannot read it: {e}\n  hint: give a text file with one command a line",
                    path.display()
                ))
            })?;
            Input::Lines(text.lines().map(str::to_string).collect())
        }
        None if std::io::stdin().is_terminal() => Input::Terminal,
        None => {
            let lines: Result<Vec<String>, _> = std::io::stdin().lock().lines().collect();
            Input::Lines(lines?)
        }
    };
    let mut out = OutputDir::prepare(&out_path, "--out")?;

    let mut session = match Session::with_exercise(Arc::clone(&spec), config, exercise) {
        Ok(s) => s,
        Err(e) => {
            out.abandon();
            return Err(failed(e));
        }
    };
    print(session.intro())?;
    let outcome = match input {
        Input::Lines(lines) => scripted(&mut session, &lines),
        Input::Terminal => interactive(&mut session),
    };
    if let Err(e) = outcome {
        out.abandon();
        return Err(e);
    }
    if session.debrief().is_none() {
        out.abandon();
        return Err(CliError::Failed(anyhow::anyhow!("the session ended without a debrief")));
    }
    debriefing.write(&mut out, &session)?;
    eprintln!("debrief folder: {}", out.path().display());
    Ok(())
}

/// What writing a debrief folder needs besides the session.
pub struct Debriefing {
    pub loaded: Loaded,
    pub spec: Arc<WorldSpec>,
    /// The scenario as given on the command line, for the command that replays the session.
    pub scenario: String,
    pub step: Duration,
}

impl Debriefing {
    /// Writes the debrief folder of an ended session: a report like `run`'s that opens with
    /// the debrief, and the transcript, debrief, decisions and commands as text.
    pub fn write(&self, out: &mut OutputDir, session: &Session) -> CliResult {
        let Some(debrief) = session.debrief() else {
            return Err(CliError::Failed(anyhow::anyhow!("the session has not ended")));
        };
        let (loaded, spec) = (&self.loaded, &self.spec);
        let mut command = format!(
            "blastradius tabletop {} --seed {} --step {}",
            shell_word(&self.scenario),
            spec.seed,
            self.step
        );
        command.push_str(" --script commands.txt");
        let set = RunSet {
            meta: meta(loaded, spec, 1, command),
            runs: vec![debrief.full.clone()],
            observed: Vec::new(),
        };
        let section = |id: &str, title: &str, text: &str, folded: bool| TextSection {
            id: id.into(),
            title: title.into(),
            text: text.into(),
            folded,
        };
        let texts = [
            section("debrief", "Debrief", &debrief.text, false),
            section("decisions", "Decisions", &debrief.decisions, true),
            section("transcript", "Session transcript", session.transcript(), true),
        ];
        write_report(out, &set, &spec.outputs, &texts)?;
        out.write("transcript.txt", session.transcript().as_bytes())?;
        out.write("debrief.txt", debrief.text.as_bytes())?;
        out.write("decisions.txt", debrief.decisions.as_bytes())?;
        let mut script = session.lines().join("\n");
        script.push('\n');
        out.write("commands.txt", script.as_bytes())?;
        Ok(())
    }
}

pub(crate) fn failed(e: SessionError) -> CliError {
    match e {
        SessionError::Input(m) => CliError::Input(m),
        SessionError::Model(e) => CliError::Failed(e.into()),
    }
}

/// Runs a prepared session, echoing each command after its prompt. Input that stops before
/// `end` ends the session as `end` would.
fn scripted(session: &mut Session, lines: &[String]) -> CliResult {
    for line in lines {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with('#') {
            session.execute(trimmed).map_err(failed)?;
            print(&format!("{trimmed}\n"))?;
            continue;
        }
        print(&format!("{}{trimmed}\n", session.prompt()))?;
        if respond(session, trimmed)? {
            return Ok(());
        }
    }
    print("(end of input)\n")?;
    let reply = session.end_of_input().map_err(failed)?;
    print(&format!("{}\n", reply.text))
}

/// Carries out one line and prints the reply; `true` once the session has ended.
fn respond(session: &mut Session, line: &str) -> Result<bool, CliError> {
    print_reply(session.execute(line))
}

/// Prints a reply or an explanation; `true` once the session has ended.
fn print_reply(
    result: Result<blastradius_tabletop::Reply, SessionError>,
) -> Result<bool, CliError> {
    match result {
        Ok(reply) => {
            print(&format!("{}\n", reply.text))?;
            Ok(reply.ended)
        }
        Err(SessionError::Input(message)) => {
            print(&format!("{message}\n\n"))?;
            Ok(false)
        }
        Err(e) => Err(failed(e)),
    }
}

/// A person at the terminal: prompt, read a line, reply, until `end` or end of input.
fn interactive(session: &mut Session) -> CliResult {
    let stdin = std::io::stdin();
    let mut line = String::new();
    loop {
        {
            let mut stdout = std::io::stdout().lock();
            write!(stdout, "{}", session.prompt())?;
            stdout.flush()?;
        }
        line.clear();
        if stdin.lock().read_line(&mut line)? == 0 {
            print("\n(end of input)\n")?;
            let reply = session.end_of_input().map_err(failed)?;
            return print(&format!("{}\n", reply.text));
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            session.execute(trimmed).map_err(failed)?;
            continue;
        }
        // A step of a large world takes seconds: say so on stderr while it runs.
        let busy = std::io::stderr().is_terminal();
        if busy {
            eprint!("(simulating…)");
        }
        let ended = respond_after(session, trimmed, busy)?;
        if ended {
            return Ok(());
        }
    }
}

/// `respond`, first clearing the "simulating" note from the terminal line when there is one.
fn respond_after(session: &mut Session, line: &str, clear: bool) -> Result<bool, CliError> {
    let result = session.execute(line);
    if clear {
        eprint!("\r\x1b[2K");
    }
    print_reply(result)
}
