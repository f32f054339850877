//! `blastradius bench`: speed measurements printed as one `key=value` line.

use std::time::Instant;

use clap::{Args, Subcommand};

use super::{CliError, CliResult, flags, memory, model_failed};
use blastradius_engine::phold::{self, PholdConfig};
use blastradius_model::Metric;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// PHOLD, the standard parallel discrete-event benchmark, on the engine
    Phold(PholdArgs),
    /// One replication of a scenario, fleet generation included
    Model(ModelArgs),
}

#[derive(Debug, Args)]
pub struct ModelArgs {
    /// A scenario file, or the name of a built-in scenario
    #[arg(default_value = blastradius_scenario::builtin::DEFAULT)]
    scenario: String,
    /// Worker threads
    #[arg(long, default_value_t = 2, allow_negative_numbers = true, value_parser = flags::whole::<usize>)]
    threads: usize,
    /// Replication index
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = flags::whole::<u64>)]
    replication: u64,
    /// Only generate the fleet and build the world, to measure its size
    #[arg(long)]
    fleet_only: bool,
    /// Most memory to use, e.g. 16GiB (default: what the machine has available)
    #[arg(long, value_name = "SIZE")]
    memory_limit: Option<String>,
}

#[derive(Debug, Args)]
pub struct PholdArgs {
    /// Number of logical processes
    #[arg(long, default_value_t = 1024, allow_negative_numbers = true, value_parser = flags::whole::<u32>)]
    lps: u32,
    /// Initial events per LP
    #[arg(long = "events-per-lp", default_value_t = 16, allow_negative_numbers = true, value_parser = flags::whole::<u32>)]
    events_per_lp: u32,
    /// Probability that a new event goes to another LP
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true, value_parser = flags::number)]
    remote: f64,
    /// Minimum event delay and engine lookahead, in PHOLD time units
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true, value_parser = flags::number)]
    lookahead: f64,
    /// Mean of the exponential part of the delay, in time units
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true, value_parser = flags::number)]
    mean: f64,
    /// End time, in time units
    #[arg(long, default_value_t = 1000.0, allow_negative_numbers = true, value_parser = flags::number)]
    end: f64,
    /// Worker threads
    #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_parser = flags::whole::<usize>)]
    threads: usize,
    /// Seed of every random stream
    #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_parser = flags::whole::<u64>)]
    seed: u64,
    /// Run the plain sequential BinaryHeap loop instead of the engine, for comparison
    #[arg(long)]
    baseline: bool,
    /// Most memory to use, e.g. 16GiB (default: what the machine has available)
    #[arg(long, value_name = "SIZE")]
    memory_limit: Option<String>,
}

pub fn run(command: BenchCommand) -> CliResult {
    match command {
        BenchCommand::Model(a) => {
            super::run::threads(Some(a.threads))?;
            let limit = memory::limit(a.memory_limit.as_deref())?;
            let (_, spec) = blastradius_scenario::read(&a.scenario)?;
            memory::check(
                &blastradius_study::budget::world(&blastradius_model::footprint::footprint(&spec)),
                limit.as_ref(),
                "this world",
                "use fewer or smaller organisations",
            )?;
            let spec = std::sync::Arc::new(spec);
            let started = Instant::now();
            let config =
                blastradius_model::RunConfig { replication: a.replication, threads: a.threads };
            let mut world = blastradius_model::World::build(spec, config).map_err(model_failed)?;
            let built = started.elapsed().as_secs_f64();
            if a.fleet_only {
                let endpoints: usize =
                    world.organisations().iter().map(|o| o.size() as usize).sum();
                let record = std::mem::size_of::<blastradius_model::fleet::Endpoint>();
                return super::scenarios::print(&format!(
                    "endpoints={endpoints} organisations={} endpoint_record_bytes={record} build_s={built:.3}\n",
                    world.organisations().len()
                ));
            }
            world.run().map_err(model_failed)?;
            let secs = started.elapsed().as_secs_f64();
            let result = world.results();
            let c = result.counters;
            let endpoints = result.figure(Metric::EndpointsTotal).unwrap_or(0.0);
            // Peak resident memory over every endpoint: what an endpoint costs, all in.
            let per_endpoint = memory::peak_resident()
                .map_or("-".to_string(), |peak| format!("{:.1}", peak / endpoints.max(1.0)));
            let mut line = format!(
                "endpoints={endpoints} crashed={} events={} windows={} build_s={built:.3} run_s={secs:.3} events_per_s={:.0} peak_bytes_per_endpoint={per_endpoint}",
                result.figure(Metric::EndpointsCrashed).unwrap_or(0.0),
                c.events,
                c.windows,
                c.events as f64 / (secs - built).max(1e-9),
            );
            line.push('\n');
            for (name, value) in &result.figures {
                line.push_str(&format!(
                    "  {name} = {}\n",
                    value.map_or("-".to_string(), |v| format!("{v:.3}"))
                ));
            }
            super::scenarios::print(&line)
        }
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
            config.validate().map_err(|e| {
                CliError::input(format!("{e}\n  hint: see `blastradius bench phold --help`"))
            })?;
            let limit = memory::limit(a.memory_limit.as_deref())?;
            let mut estimate = blastradius_study::budget::Estimate::new();
            estimate.add(
                format!("{} LPs with {} pending events each", config.lps, config.events_per_lp),
                config.memory_bytes(),
            );
            memory::check(
                &estimate,
                limit.as_ref(),
                "this benchmark",
                "use fewer --lps or --events-per-lp",
            )?;
            let started = Instant::now();
            let outcome = if a.baseline {
                phold::run_sequential_baseline(&config).map_err(CliError::input)?
            } else {
                phold::run(&config, false).map_err(|e| CliError::Failed(e.into()))?
            };
            let secs = started.elapsed().as_secs_f64();
            super::scenarios::print(&format!(
                "events={} run_s={:.3} events_per_s={:.0} checksum={:016x}\n",
                outcome.events,
                secs,
                outcome.events as f64 / secs,
                outcome.checksum
            ))
        }
    }
}
