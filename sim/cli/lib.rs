//! The command line: clap definitions, terminal output and progress bars, and the tabletop's
//! web server (`serve/`, the only place that knows HTTP). It holds no simulation logic; each
//! command reads as a pipeline: parse, validate, run, export.

pub mod bench;
pub mod calibrate;
pub mod catalogue;
pub mod compare;
pub mod flags;
pub mod format;
pub mod memory;
pub mod output;
pub mod progress;
pub mod run;
pub mod scenarios;
mod serve;
pub mod sweep;
mod sweep_size;
pub mod tabletop;

use std::fmt;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// blastradius: a parallel, deterministic simulator of mass endpoint outages.
#[derive(Debug, Parser)]
#[command(name = "blastradius", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario (the 2024 outage by default): summary on the terminal, report folder
    Run(run::RunArgs),
    /// Compare scenarios side by side, with common random numbers and paired differences
    Compare(compare::CompareArgs),
    /// Sweep scenario fields over values: grid or Latin hypercube, resumable, shardable
    Sweep(sweep::SweepArgs),
    /// Combine the shard folders of a sweep (or a catalogue) into one
    Merge(sweep::MergeArgs),
    /// Score a sweep against observed outcomes (history matching): the points they cannot
    /// rule out, the best one as a scenario file, optional further waves
    Calibrate(calibrate::CalibrateArgs),
    /// Simulate many years of a catalogue of events: period losses, average annual loss and
    /// exceedance curves, ground-up and insured, as ORD tables; resumable, shardable
    Catalogue(catalogue::CatalogueArgs),
    /// Check a scenario file and print it fully resolved, every default filled in
    Validate(scenarios::ValidateArgs),
    /// List the built-in scenarios, or print one
    Scenarios(scenarios::ScenariosArgs),
    /// Measure the engine and the model
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Step through an outage as a tabletop exercise, deciding as it unfolds
    Tabletop(tabletop::TabletopArgs),
}

/// The flags every command that simulates shares: `run`, `compare`, `sweep` and `calibrate`.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Seed of every random stream (default: the scenario's own; compare: the first one's)
    #[arg(long, allow_negative_numbers = true, value_parser = flags::whole::<u64>)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores)
    #[arg(long, allow_negative_numbers = true, value_parser = flags::whole::<usize>)]
    pub threads: Option<usize>,
    /// Report folder (default: reports/<scenario-name>, reports/compare, reports/sweep-<name>,
    /// reports/calibrate-<name>); an existing one is replaced whole if it is a previous report,
    /// else refused
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the --out folder even if it is not a previous blastradius report
    #[arg(long)]
    pub force: bool,
    /// Most memory to use, e.g. 16GiB (default: what the machine has available); a command
    /// estimated to need more is refused before it starts
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// No progress bar and no summary on the terminal
    #[arg(long)]
    pub quiet: bool,
    /// Encoding of the tidy tables: csv, parquet or both (a sweep's runs.csv, its journal, is
    /// always kept)
    #[arg(long, value_enum, default_value_t = format::Format::Csv)]
    pub format: format::Format,
}

/// How a command failed: bad input (exit code 2) or a failure while running (exit code 1).
#[derive(Debug)]
pub enum CliError {
    /// The user's input is wrong: a file, a flag, a path. Exit code 2.
    Input(String),
    /// Something failed while running. Exit code 1.
    Failed(anyhow::Error),
}

impl CliError {
    pub fn input(message: impl fmt::Display) -> CliError {
        CliError::Input(message.to_string())
    }
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Input(_) => 2,
            CliError::Failed(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Input(m) => write!(f, "{m}"),
            CliError::Failed(e) => write!(f, "{e:#}"),
        }
    }
}

/// A failed run: an exceeded event budget is the scenario's doing (exit code 2, with what to
/// change); anything else a failure (exit code 1).
pub fn model_failed(e: blastradius_model::ModelError) -> CliError {
    use blastradius_engine::EngineError;
    use blastradius_model::ModelError;
    match e {
        ModelError::Engine(EngineError::EventBudgetExceeded { budget, handled, at }) => {
            CliError::Input(format!(
                "the run handled {handled} events by {at}, more than the scenario's event_budget of {budget}\n  hint: raise `event_budget` in the scenario (or shorten its horizon) if the world is meant to be this busy"
            ))
        }
        other => CliError::Failed(other.into()),
    }
}

impl From<blastradius_scenario::ScenarioError> for CliError {
    fn from(e: blastradius_scenario::ScenarioError) -> CliError {
        CliError::Input(e.to_string())
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> CliError {
        CliError::Failed(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::Failed(e.into())
    }
}

pub type CliResult = Result<(), CliError>;

/// Runs the parsed command.
pub fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Run(a) => run::run(a),
        Command::Compare(a) => compare::compare(a),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Merge(a) => sweep::merge(a),
        Command::Calibrate(a) => calibrate::calibrate(a),
        Command::Catalogue(a) => catalogue::catalogue(a),
        Command::Validate(a) => scenarios::validate(a),
        Command::Scenarios(a) => scenarios::list(a),
        Command::Bench(b) => bench::run(b),
        Command::Tabletop(a) => tabletop::run(a),
    }
}

/// The whole program: parse the command line, run, print any error, exit with its code.
pub fn main() -> std::process::ExitCode {
    output::install_signal_handlers();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(e.exit_code() as u8)
        }
    }
}
