//! `blastradius run`: the main job. Reads and validates the scenario (and the observations to
//! set it beside, if any), checks the output folder,
//! runs the replications (in parallel when there are several, with the threads inside the run
//! when there is one), prints the summary and writes the report folder.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::format::{Format, parquet_bytes};
use super::output::{OutputDir, safe_name};
use super::progress::Progress;
use super::{CliError, CliResult, CommonArgs, flags, memory, model_failed};
use blastradius_engine::replicate::run_indexed;
use blastradius_engine::{SimDuration, SimTime};
use blastradius_model::figures::Observed;
use blastradius_model::spec::{OutputSpec, WorldSpec};
use blastradius_model::{RunConfig, RunResult, World};
use blastradius_report::{self as report, RunMeta, RunSet};
use blastradius_scenario::observations::{self, Observations};
use blastradius_scenario::{self as scenario, Loaded, builtin};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A scenario file, or the name of a built-in scenario
    #[arg(default_value = builtin::DEFAULT)]
    pub scenario: String,
    /// Replications, run in parallel with common seeds 0..N
    #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_parser = flags::whole::<u64>)]
    pub reps: u64,
    /// Observed outcomes to set the run beside: an observations file or a built-in (2024);
    /// adds a "Fit to observations" section to every output
    #[arg(long, value_name = "FILE|NAME")]
    pub observed: Option<String>,
    /// Also write the ORD v1 event loss tables (SELT, MELT, QELT and summary-info), ground-up
    /// and insured, by sector, organisation and for the whole fleet, under ord/
    #[arg(long)]
    pub ord: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// The number of worker threads: the flag, or every core.
pub fn threads(flag: Option<usize>) -> Result<usize, CliError> {
    match flag {
        Some(0) => Err(CliError::input(
            "--threads 0: at least one thread is needed\n  hint: leave it out to use every core",
        )),
        Some(n) if n > blastradius_engine::MAX_THREADS => Err(CliError::input(format!(
            "--threads {n}: at most {} worker threads\n  hint: leave it out to use every core",
            blastradius_engine::MAX_THREADS
        ))),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// Checks `--reps`.
pub fn replications(reps: u64) -> Result<u64, CliError> {
    if reps == 0 {
        return Err(CliError::input(
            "--reps 0: at least one replication is needed\n  hint: use --reps 1 for a single run, --reps 20 for confidence intervals",
        ));
    }
    if reps > 100_000 {
        return Err(CliError::input(format!("--reps {reps}: more than 100,000 replications")));
    }
    Ok(reps)
}

/// Which tables and charts a run's report holds, for its memory estimate.
pub fn tables(outputs: &OutputSpec, format: Format) -> blastradius_study::budget::Tables {
    blastradius_study::budget::Tables {
        timeseries_csv: outputs.timeseries && format.csv(),
        timeseries_parquet: outputs.timeseries && format.parquet(),
        charts: outputs.charts || outputs.html,
    }
}

/// Refuses a run of `reps` replications of `spec` that would not fit in memory.
pub fn check_memory(
    spec: &WorldSpec,
    reps: u64,
    threads: usize,
    format: Format,
    limit: Option<&memory::Limit>,
) -> CliResult {
    let world = blastradius_model::footprint::footprint(spec);
    let estimate = blastradius_study::budget::replications(
        &world,
        reps,
        threads,
        tables(&spec.outputs, format),
    );
    memory::check(
        &estimate,
        limit,
        "this run",
        "use fewer --reps or --threads, a longer output_interval, or fewer or smaller organisations",
    )
}

/// Reads and validates a scenario, with `--seed` applied.
pub fn read_scenario(
    reference: &str,
    seed: Option<u64>,
) -> Result<(Loaded, Arc<WorldSpec>), CliError> {
    let (mut loaded, mut spec) = scenario::read(reference)?;
    warn(reference, &spec);
    if let Some(seed) = seed {
        spec.seed = seed;
        loaded.resolved.seed = Some(seed);
    }
    Ok((loaded, Arc::new(spec)))
}

/// Reads an observations file (`--observed`) by path or built-in name. A file that cannot be
/// read is named with the flag; a problem inside it by its file, line and column.
pub fn read_observations(reference: &str) -> Result<Observations, CliError> {
    observations::load(reference).map_err(|e| {
        if e.problems.iter().all(|p| p.position.is_none()) {
            CliError::input(format!("--observed {e}"))
        } else {
            e.into()
        }
    })
}

/// The observations as they stand against a run, and the run's spec with the figures they
/// need turned on (report settings: no other figure changes). Without observations, the spec
/// as it is and none.
pub fn observe(
    loaded: &Loaded,
    spec: Arc<WorldSpec>,
    observations: Option<&Observations>,
) -> Result<(Arc<WorldSpec>, Vec<Observed>), CliError> {
    let Some(o) = observations else { return Ok((spec, Vec::new())) };
    let observed = o.against(loaded, &spec)?;
    let mut spec = Arc::unwrap_or_clone(spec);
    observations::add_outputs(&mut spec, &observed);
    Ok((Arc::new(spec), observed))
}

/// The words a command adds for `--observed`, for the command that reproduces its outputs.
pub fn observed_words(observed: Option<&str>) -> String {
    observed.map(|o| format!(" --observed {}", shell_word(o))).unwrap_or_default()
}

/// Prints the scenario's warnings (valid, but probably not meant) on stderr.
pub fn warn(reference: &str, spec: &WorldSpec) {
    for warning in scenario::warnings(spec) {
        eprintln!("warning: {reference}: {warning}");
    }
}

/// What the outputs record about a run, including the command that reproduces it.
pub fn meta(loaded: &Loaded, spec: &WorldSpec, reps: u64, command: String) -> RunMeta {
    RunMeta {
        scenario: spec.name.clone(),
        description: spec.description.clone(),
        seed: spec.seed,
        replications: reps,
        command,
        program: format!("blastradius {}", env!("CARGO_PKG_VERSION")),
        resolved_ron: loaded.to_ron(),
        start_unix_s: spec.start_unix_s,
        horizon_s: spec.horizon.as_secs_f64(),
        publication_s: scenario::observations::first_publication_s(spec) as f64,
    }
}

/// Quotes a command-line word if the shell would need it.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,@+%".contains(c));
    if plain { word.to_string() } else { format!("'{}'", word.replace('\'', "'\\''")) }
}

/// Runs `reps` replications of a spec: in parallel when there are several (each on one
/// thread), on all `threads` when there is one, reporting progress as it goes.
pub fn run_replications(
    spec: &Arc<WorldSpec>,
    reps: u64,
    threads: usize,
    progress: &Progress,
) -> Result<Vec<RunResult>, CliError> {
    if reps == 1 {
        return run_single(spec, threads, progress).map(|r| vec![r]);
    }
    progress.start_count(reps, "replications");
    let indices: Vec<u64> = (0..reps).collect();
    let results = run_indexed(
        &indices,
        threads,
        |replication| {
            let config = RunConfig { replication, threads: 1 };
            blastradius_model::run_replication(Arc::clone(spec), config)
        },
        |done| progress.set(done),
    )
    .map_err(model_failed)?;
    progress.finish();
    Ok(results)
}

/// One replication on several threads, stepping through simulated time for the progress bar.
fn run_single(
    spec: &Arc<WorldSpec>,
    threads: usize,
    progress: &Progress,
) -> Result<RunResult, CliError> {
    let fail = model_failed;
    let mut world =
        World::build(Arc::clone(spec), RunConfig { replication: 0, threads }).map_err(fail)?;
    let horizon = world.horizon();
    progress.start_time(horizon.as_hours_f64());
    let step = SimDuration::from_hours(1);
    let mut t = SimTime::ZERO;
    while t < horizon {
        t = (t + step).min(horizon);
        world.run_until(t).map_err(fail)?;
        progress.set_time(
            t.as_hours_f64(),
            &report::fmt::utc_datetime(spec.start_unix_s, t.as_secs_f64()),
        );
    }
    progress.finish();
    Ok(world.results())
}

/// Writes a run's report folder: summary, time series, charts and the HTML report.
/// Writes a run's report files; `texts` go into the HTML report after its header.
pub fn write_report(
    out: &mut OutputDir,
    set: &RunSet,
    outputs: &OutputSpec,
    texts: &[report::TextSection],
) -> CliResult {
    write_report_as(out, set, outputs, texts, Format::Csv)
}

/// [`write_report`], with the time series in these formats.
pub fn write_report_as(
    out: &mut OutputDir,
    set: &RunSet,
    outputs: &OutputSpec,
    texts: &[report::TextSection],
    format: Format,
) -> CliResult {
    let stats = report::summarize(&set.runs);
    out.write("summary.json", report::summary_json(set).as_bytes())?;
    if outputs.timeseries && format.csv() {
        out.write("timeseries.csv", report::timeseries_csv(&set.runs).as_bytes())?;
    }
    if outputs.timeseries && format.parquet() {
        let bytes = parquet_bytes(report::parquet::timeseries_parquet(&set.runs))?;
        out.write("timeseries.parquet", &bytes)?;
    }
    let charts = if outputs.charts || outputs.html {
        report::charts::run_charts(set).map_err(|e| CliError::Failed(e.into()))?
    } else {
        Vec::new()
    };
    if outputs.charts {
        for chart in &charts {
            out.write(&format!("{}.svg", chart.name), chart.svg.as_bytes())?;
            if outputs.png {
                out.write(&format!("{}.png", chart.name), &chart.png)?;
            }
        }
    }
    if outputs.html {
        out.write("report.html", report::report_html_with(set, &stats, &charts, texts).as_bytes())?;
    }
    Ok(())
}

/// Writes the ORD event loss tables of a run's replications (one event, the replications its
/// samples) under `ord/`.
pub fn write_ord(out: &mut OutputDir, spec: &WorldSpec, runs: &[RunResult]) -> CliResult {
    use blastradius_study::catalogue::{Book, Sample};
    let book = Book::of(&[spec]);
    let samples: Vec<Sample> = runs.iter().map(|r| Sample::of(&book, spec, r)).collect();
    let event =
        report::ord::EventSamples { event_id: 1, rate: None, samples: samples.iter().collect() };
    let mut files = report::ord::summary_info(&book);
    files.extend(report::ord::event_loss_tables(&book, &[event]));
    for (name, text) in &files {
        out.write(&format!("ord/{name}"), text.as_bytes())?;
    }
    Ok(())
}

pub fn run(args: RunArgs) -> CliResult {
    let reps = replications(args.reps)?;
    let threads = threads(args.common.threads)?;
    let limit = memory::limit(args.common.memory_limit.as_deref())?;
    let (loaded, spec) = read_scenario(&args.scenario, args.common.seed)?;
    let observations = args.observed.as_deref().map(read_observations).transpose()?;
    let (spec, observed) = observe(&loaded, spec, observations.as_ref())?;
    // The tables by organisation need every organisation's loss: a report setting.
    let spec = if args.ord {
        let mut s = Arc::unwrap_or_clone(spec);
        s.outputs.organisation_losses = true;
        Arc::new(s)
    } else {
        spec
    };
    check_memory(&spec, reps, threads, args.common.format, limit.as_ref())?;
    let out_path = args
        .common
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(safe_name(&spec.name)));
    let mut out = OutputDir::prepare(&out_path, "--out", args.common.force)?;
    let command = format!(
        "blastradius run {} --reps {reps} --seed {}{}{}",
        shell_word(&args.scenario),
        spec.seed,
        observed_words(args.observed.as_deref()),
        if args.ord { " --ord" } else { "" }
    );
    let progress = Progress::new(args.common.quiet);
    let runs = run_replications(&spec, reps, threads, &progress)?;
    let set = RunSet { meta: meta(&loaded, &spec, reps, command), runs, observed };
    write_report_as(&mut out, &set, &spec.outputs, &[], args.common.format)?;
    if args.ord {
        write_ord(&mut out, &spec, &set.runs)?;
    }
    let report = out.path().join("report.html");
    out.commit()?;
    if !args.common.quiet {
        let stats = report::summarize(&set.runs);
        let mut text = report::summary_table(&set, &stats);
        text.push_str(&format!("\nreport: {}\n", report.display()));
        super::scenarios::print(&text)?;
    }
    Ok(())
}
