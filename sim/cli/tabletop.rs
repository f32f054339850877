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

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::output::{OutputDir, safe_name};
use super::run::{meta, read_scenario, shell_word, threads, write_report};
use super::{CliError, CliResult, flags, memory};
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
    #[arg(long, default_value = "1h", allow_hyphen_values = true)]
    pub step: String,
    /// Seed of every random stream (default: the scenario's own)
    #[arg(long, allow_negative_numbers = true, value_parser = flags::whole::<u64>)]
    pub seed: Option<u64>,
    /// Read the commands from this file instead of the terminal, one a line
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
    /// Debrief folder (default: reports/<scenario-name>-tabletop); an existing one is replaced
    /// whole if it is a previous report, else refused
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the --out folder even if it is not a previous blastradius report
    #[arg(long)]
    pub force: bool,
    /// Most memory to use, e.g. 16GiB (default: what the machine has available)
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// Worker threads (default: all cores); the results do not depend on it
    #[arg(long, allow_negative_numbers = true, value_parser = flags::whole::<usize>)]
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

/// Largest script (or piped input) read: about 30,000 commands, far more than a session
/// holds. `/dev/zero` once grew to 4 GB.
pub const MAX_SCRIPT_BYTES: u64 = 1 << 20;

/// Reads a script or piped input whole, within [`MAX_SCRIPT_BYTES`] and lines of at most
/// [`blastradius_tabletop::MAX_LINE_CHARS`] characters; `name` is how messages call it
/// (`--script FILE`, `standard input`).
fn read_script(reader: impl Read, name: &str) -> Result<Vec<String>, CliError> {
    let mut bytes = Vec::new();
    reader.take(MAX_SCRIPT_BYTES + 1).read_to_end(&mut bytes).map_err(|e| {
        CliError::input(format!(
            "{name}: cannot read it: {e}\n  hint: give a text file with one command a line"
        ))
    })?;
    if bytes.len() as u64 > MAX_SCRIPT_BYTES {
        return Err(CliError::input(format!(
            "{name}: longer than {} MiB, the most a script may be\n  hint: a session's script is a few kilobytes of commands, one a line; check that this is the file you meant",
            MAX_SCRIPT_BYTES >> 20
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        CliError::input(format!(
            "{name}:{line}: not UTF-8 text (the byte at offset {offset})\n  hint: save the script as UTF-8 text"
        ))
    })?;
    let max = blastradius_tabletop::MAX_LINE_CHARS;
    for (i, line) in text.lines().enumerate() {
        let chars = line.chars().count();
        if chars > max {
            return Err(CliError::input(format!(
                "{name}:{}: the line has {chars} characters, more than the {max} a command may have\n  hint: one command a line",
                i + 1
            )));
        }
    }
    Ok(text.lines().map(str::to_string).collect())
}

/// What reading one typed line gave.
enum Typed {
    Line(String),
    /// Longer than a command may be; the rest of it was read and dropped.
    TooLong(usize),
    End,
}

/// Reads one line from a person at the terminal, holding at most a command's worth of it.
fn read_typed(input: &mut impl BufRead) -> std::io::Result<Typed> {
    let max = blastradius_tabletop::MAX_LINE_CHARS * 4;
    let mut line = Vec::new();
    let mut dropped = 0usize;
    loop {
        let (used, ended) = {
            let buf = input.fill_buf()?;
            if buf.is_empty() {
                if line.is_empty() && dropped == 0 {
                    return Ok(Typed::End);
                }
                break;
            }
            match buf.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    let room = max.saturating_sub(line.len()).min(i);
                    line.extend_from_slice(&buf[..room]);
                    dropped += i - room;
                    (i + 1, true)
                }
                None => {
                    let room = max.saturating_sub(line.len()).min(buf.len());
                    line.extend_from_slice(&buf[..room]);
                    dropped += buf.len() - room;
                    (buf.len(), false)
                }
            }
        };
        input.consume(used);
        if ended {
            break;
        }
    }
    if dropped > 0 {
        return Ok(Typed::TooLong(line.len() + dropped));
    }
    Ok(Typed::Line(String::from_utf8_lossy(&line).into_owned()))
}

pub fn run(args: TabletopArgs) -> CliResult {
    // Everything the user gave is checked before anything is simulated.
    let threads = threads(args.threads)?;
    let limit = memory::limit(args.memory_limit.as_deref())?;
    let (loaded, spec) = read_scenario(&args.scenario, args.seed)?;
    let step = step(&args.step, spec.horizon)?;
    let exercise = loaded.exercise(&spec)?;
    let world = blastradius_model::footprint::footprint(&spec);
    let snapshots = blastradius_tabletop::snapshots_kept(world.endpoints as u64) as u64;
    memory::check(
        &blastradius_study::budget::tabletop(&world, snapshots),
        limit.as_ref(),
        "this session",
        "run the exercise on a smaller world (hospital-tabletop is made for a classroom)",
    )?;
    let out_path = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(format!("{}-tabletop", safe_name(&spec.name)))
    });
    let config = Config { step: step.sim(), threads };
    let debriefing =
        Debriefing { loaded, spec: Arc::clone(&spec), scenario: args.scenario.clone(), step };
    if args.web.serve {
        let out = OutputDir::prepare(&out_path, "--out", args.force)?;
        let fresh =
            Box::new(move || Session::with_exercise(Arc::clone(&spec), config, exercise.clone()));
        let served = super::serve::Served {
            scenario: args.scenario.clone(),
            out,
            force: args.force,
            debriefing,
            fresh,
        };
        return super::serve::serve(&args.web, served);
    }
    let input = match &args.script {
        Some(path) => {
            let name = format!("--script {}", path.display());
            if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
                return Err(CliError::input(format!(
                    "{name}: a folder, not a script\n  hint: give a text file with one command a line"
                )));
            }
            let file = std::fs::File::open(path).map_err(|e| {
                CliError::input(format!(
                    "{name}: cannot read it: {e}\n  hint: give a text file with one command a line"
                ))
            })?;
            Input::Lines(read_script(file, &name)?)
        }
        None if std::io::stdin().is_terminal() => Input::Terminal,
        None => Input::Lines(read_script(std::io::stdin().lock(), "standard input")?),
    };
    let mut out = OutputDir::prepare(&out_path, "--out", args.force)?;

    let mut session =
        Session::with_exercise(Arc::clone(&spec), config, exercise).map_err(failed)?;
    print(session.intro())?;
    match input {
        Input::Lines(lines) => scripted(&mut session, &lines)?,
        Input::Terminal => interactive(&mut session)?,
    }
    if session.debrief().is_none() {
        return Err(CliError::Failed(anyhow::anyhow!("the session ended without a debrief")));
    }
    debriefing.write(&mut out, &session)?;
    let dir = out.path().to_path_buf();
    out.commit()?;
    eprintln!("debrief folder: {}", dir.display());
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

/// A session's error as the command's: an exceeded event budget is the scenario's doing, as
/// in `run` (exit code 2).
pub(crate) fn failed(e: SessionError) -> CliError {
    match e {
        SessionError::Input(m) => CliError::Input(m),
        SessionError::Model(e) => crate::model_failed(e),
    }
}

/// Runs a prepared session, echoing each command after its prompt. Input that stops before
/// `end` ends the session as `end` would.
fn scripted(session: &mut Session, lines: &[String]) -> CliResult {
    for line in lines {
        // Echoed as the session records it: control characters escaped.
        let shown = blastradius_tabletop::visible(line);
        let trimmed = shown.trim();
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
    loop {
        {
            let mut stdout = std::io::stdout().lock();
            write!(stdout, "{}", session.prompt())?;
            stdout.flush()?;
        }
        let line = match read_typed(&mut stdin.lock())? {
            Typed::End => {
                print("\n(end of input)\n")?;
                let reply = session.end_of_input().map_err(failed)?;
                return print(&format!("{}\n", reply.text));
            }
            Typed::TooLong(bytes) => {
                print(&format!(
                    "the line has {bytes} bytes, more than a command may have ({} characters)\n  hint: type one command a line; `help` lists them\n\n",
                    blastradius_tabletop::MAX_LINE_CHARS
                ))?;
                continue;
            }
            Typed::Line(line) => line,
        };
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
