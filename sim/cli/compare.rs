//! `blastradius compare`: several scenarios side by side with common random numbers.
//! Replication i of every scenario runs with the same seed, so the same organisations and
//! endpoints get the same dice and the differences come from the policies, not from chance.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::format::parquet_bytes;
use super::output::OutputDir;
use super::progress::Progress;
use super::run::{
    meta, observe, observed_words, read_observations, read_scenario, replications, shell_word,
    threads,
};
use super::{CliError, CliResult, CommonArgs, flags, memory, model_failed};
use blastradius_engine::replicate::run_indexed;
use blastradius_model::{RunConfig, run_replication};
use blastradius_report::{RunSet, study};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario files or built-in names; the first is the baseline
    #[arg(required = true, num_args = 2..)]
    pub scenarios: Vec<String>,
    /// Replications per scenario
    #[arg(long, default_value_t = 10, allow_negative_numbers = true, value_parser = flags::whole::<u64>)]
    pub reps: u64,
    /// Observed outcomes to set every scenario beside: an observations file or a built-in
    /// (2024); adds each scenario's fit to the outputs
    #[arg(long, value_name = "FILE|NAME")]
    pub observed: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn compare(args: CompareArgs) -> CliResult {
    let reps = replications(args.reps)?;
    let threads = threads(args.common.threads)?;
    let limit = memory::limit(args.common.memory_limit.as_deref())?;
    // Read and validate every scenario before running any.
    let (first_loaded, first_spec) = read_scenario(&args.scenarios[0], args.common.seed)?;
    let seed = first_spec.seed;
    let mut scenarios = vec![(first_loaded, first_spec)];
    for reference in &args.scenarios[1..] {
        scenarios.push(read_scenario(reference, Some(seed))?);
    }
    let observations = args.observed.as_deref().map(read_observations).transpose()?;
    let mut observed = Vec::new();
    for (loaded, spec) in &mut scenarios {
        let (with_outputs, o) = observe(loaded, Arc::clone(spec), observations.as_ref())?;
        *spec = with_outputs;
        observed.push(o);
    }
    let mut names: Vec<String> = Vec::new();
    for (_, spec) in &scenarios {
        let mut name = spec.name.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{}-{k}", spec.name);
            k += 1;
        }
        names.push(name);
    }
    let worlds: Vec<_> =
        scenarios.iter().map(|(_, s)| blastradius_model::footprint::footprint(s)).collect();
    memory::check(
        &blastradius_study::budget::comparison(&worlds, reps, threads),
        limit.as_ref(),
        "this comparison",
        "use fewer --reps or --threads, or smaller worlds",
    )?;
    let out_path = args.common.out.clone().unwrap_or_else(|| PathBuf::from("reports/compare"));
    let mut out = OutputDir::prepare(&out_path, "--out", args.common.force)?;
    let mut words = vec!["blastradius compare".to_string()];
    words.extend(args.scenarios.iter().map(|s| shell_word(s)));
    words.push(format!("--reps {reps} --seed {seed}{}", observed_words(args.observed.as_deref())));
    let command = words.join(" ");

    let progress = Progress::new(args.common.quiet);
    let jobs = scenarios.len() as u64 * reps;
    progress.start_count(jobs, "runs");
    let indices: Vec<u64> = (0..jobs).collect();
    let specs: Vec<_> = scenarios.iter().map(|(_, s)| Arc::clone(s)).collect();
    let results = run_indexed(
        &indices,
        threads,
        |i| {
            let spec = Arc::clone(&specs[(i / reps) as usize]);
            run_replication(spec, RunConfig { replication: i % reps, threads: 1 })
        },
        |n| progress.set(n),
    );
    progress.finish();
    let mut results = results.map_err(model_failed)?;
    let mut sets = Vec::new();
    for (s, ((loaded, spec), name)) in scenarios.iter().zip(&names).enumerate().rev() {
        let runs = results.split_off(s * reps as usize);
        let mut m = meta(loaded, spec, reps, command.clone());
        m.scenario = name.clone();
        sets.push(RunSet { meta: m, runs, observed: observed.pop().unwrap_or_default() });
    }
    sets.reverse();

    out.write("summary.json", study::compare_json(&sets, &command).as_bytes())?;
    if args.common.format.csv() {
        out.write("compare.csv", study::compare_csv(&sets).as_bytes())?;
    }
    if args.common.format.parquet() {
        let bytes = parquet_bytes(blastradius_report::parquet::compare_parquet(&sets))?;
        out.write("compare.parquet", &bytes)?;
    }
    let charts = study::comparison_charts(&sets).map_err(|e| CliError::Failed(e.into()))?;
    for chart in &charts {
        out.write(&format!("{}.svg", chart.name), chart.svg.as_bytes())?;
        out.write(&format!("{}.png", chart.name), &chart.png)?;
    }
    out.write("report.html", study::compare_html(&sets, &charts, &command).as_bytes())?;
    let report = out.path().join("report.html");
    out.commit()?;
    if !args.common.quiet {
        let mut text = study::compare_table(&sets);
        text.push_str(&format!("\nreport: {}\n", report.display()));
        super::scenarios::print(&text)?;
    }
    Ok(())
}
