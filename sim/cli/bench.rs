//! `blastradius bench`: speed measurements printed as one `key=value` line.

use std::time::Instant;

use clap::{Args, Subcommand};

use crate::engine::phold::{self, PholdConfig};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// PHOLD, the standard parallel discrete-event benchmark, on the engine
    Phold(PholdArgs),
}

#[derive(Debug, Args)]
pub struct PholdArgs {
    /// Number of logical processes
    #[arg(long, default_value_t = 1024)]
    lps: u32,
    /// Initial events per LP
    #[arg(long = "events-per-lp", default_value_t = 16)]
    events_per_lp: u32,
    /// Probability that a new event goes to another LP
    #[arg(long, default_value_t = 0.1)]
    remote: f64,
    /// Minimum event delay and engine lookahead, in PHOLD time units
    #[arg(long, default_value_t = 0.1)]
    lookahead: f64,
    /// Mean of the exponential part of the delay, in time units
    #[arg(long, default_value_t = 1.0)]
    mean: f64,
    /// End time, in time units
    #[arg(long, default_value_t = 1000.0)]
    end: f64,
    /// Worker threads
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Seed of every random stream
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run the plain sequential BinaryHeap loop instead of the engine, for comparison
    #[arg(long)]
    baseline: bool,
}

pub fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Phold(a) => {
            let config = PholdConfig {
                lps: a.lps,
                events_per_lp: a.events_per_lp,
                remote: a.remote,
                lookahead: a.lookahead,
                mean: a.mean,
                end: a.end,
                initial_mean: 1.0,
                seed: a.seed,
                threads: a.threads,
            };
            let started = Instant::now();
            let outcome = if a.baseline {
                phold::run_sequential_baseline(&config).map_err(anyhow::Error::msg)?
            } else {
                phold::run(&config, false)?
            };
            let secs = started.elapsed().as_secs_f64();
            println!(
                "events={} run_s={:.3} events_per_s={:.0} checksum={:016x}",
                outcome.events,
                secs,
                outcome.events as f64 / secs,
                outcome.checksum
            );
            Ok(())
        }
    }
}
