//! The command line: clap definitions, terminal output and progress bars. It holds no
//! simulation logic; each command is parse, validate, run, export.

pub mod bench;

use clap::{Parser, Subcommand};

/// blastradius: a parallel, deterministic simulator of mass endpoint outages.
#[derive(Debug, Parser)]
#[command(name = "blastradius", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Measure the engine and the model
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// Runs the parsed command; returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Bench(b) => bench::run(b),
    }
}
