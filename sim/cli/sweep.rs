//! `blastradius sweep` and `blastradius merge`: parameter sweeps, resumable, shardable.
//!
//! A sweep folder holds `sweep.json` (the plan) and `runs.csv` (one row per finished run,
//! appended as runs finish). Running the same command into the same folder skips the runs
//! already there, so an interrupted sweep loses nothing. When every run of the plan is in, the
//! rows are rewritten in (point, replication) order and the aggregates and charts written; a
//! shard (`--shard I/N`) writes only its rows, and `merge` combines shard folders into the same
//! outputs an unsharded sweep writes.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::{Args, ValueEnum};

use super::format::{Format, parquet_bytes};
use super::output::OutputDir;
use super::progress::Progress;
use super::run::{replications, shell_word, threads};
use super::{CliError, CliResult, CommonArgs};
use blastradius_engine::replicate::run_indexed;
use blastradius_model::Figure;
use blastradius_model::spec::WorldSpec;
use blastradius_model::{RunConfig, run_replication};
use blastradius_report as report;
use blastradius_study::design::{self, Design, RunId, Shard};
use blastradius_study::{self as study, PlanError, RunRow, SweepPlan, SweepRequest};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DesignArg {
    /// Every combination of the values
    Grid,
    /// A Latin hypercube of --samples points
    Lhs,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// A scenario file, or the name of a built-in scenario
    pub scenario: String,
    /// A field and its values: PATH=a,b,c or PATH=low..high:count[:log] (numbers or durations)
    #[arg(long = "set", value_name = "PATH=VALUES", required = true)]
    pub sets: Vec<String>,
    /// How points are chosen
    #[arg(long, value_enum, default_value_t = DesignArg::Grid)]
    pub design: DesignArg,
    /// Points of a Latin hypercube design
    #[arg(long)]
    pub samples: Option<u64>,
    /// Replications per point
    #[arg(long, default_value_t = 1)]
    pub reps: u64,
    /// Run only the I-th of N disjoint slices of the runs (I from 0)
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Check the sweep and print its size (points, runs, this shard's runs, endpoints per run),
    /// then stop: nothing runs and nothing is written
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard folders of one sweep
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Folder for the merged sweep
    #[arg(long)]
    pub out: PathBuf,
    /// No summary on the terminal
    #[arg(long)]
    pub quiet: bool,
    /// Encoding of the tidy tables: csv, parquet or both (runs.csv is always written)
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
}

/// The sweep's design from its flags.
fn design(args: &SweepArgs) -> Result<Design, CliError> {
    design_of(args.design, args.samples)
}

/// A design from `--design` and `--samples`.
pub(crate) fn design_of(design: DesignArg, samples: Option<u64>) -> Result<Design, CliError> {
    match (design, samples) {
        (DesignArg::Grid, None) => Ok(Design::Grid),
        (DesignArg::Grid, Some(_)) => Err(CliError::input(
            "--samples only applies to --design lhs\n  hint: drop --samples, or add --design lhs",
        )),
        (DesignArg::Lhs, Some(k)) => Ok(Design::Lhs(k)),
        (DesignArg::Lhs, None) => {
            Err(CliError::input("--design lhs needs --samples K\n  hint: e.g. --samples 100"))
        }
    }
}

/// Builds the plan and every point's validated world (`study::plan`), so that a bad path or
/// value fails before anything runs, and prints the scenario's warnings.
fn plan(args: &SweepArgs, reps: u64) -> Result<(SweepPlan, Vec<Arc<WorldSpec>>), CliError> {
    let request = SweepRequest {
        scenario: &args.scenario,
        sets: &args.sets,
        design: design(args)?,
        seed: args.common.seed,
        replications: reps,
    };
    let planned = study::plan(&request).map_err(|e| match e {
        PlanError::Input(m) => CliError::Input(m),
        PlanError::Scenario(e) => e.into(),
    })?;
    super::run::warn(&args.scenario, &planned.base);
    Ok((planned.plan, planned.specs))
}

fn command(args: &SweepArgs, plan: &SweepPlan) -> String {
    let mut words =
        vec!["blastradius".to_string(), "sweep".to_string(), shell_word(&args.scenario)];
    for s in &args.sets {
        words.push("--set".into());
        words.push(shell_word(s));
    }
    if let Design::Lhs(k) = plan.design {
        words.push(format!("--design lhs --samples {k}"));
    }
    words.push(format!("--reps {} --seed {}", plan.replications, plan.seed));
    words.join(" ")
}

/// Reads the rows already in a folder's `runs.csv`, after checking the folder holds this very
/// sweep; a partial last line (an interrupted write) is dropped from the file.
fn resume(dir: &Path, plan: &SweepPlan) -> Result<Vec<RunRow>, CliError> {
    let manifest = dir.join("sweep.json");
    if manifest.exists() {
        let text = std::fs::read_to_string(&manifest)?;
        let other = report::study::parse_manifest(&text)
            .map_err(|e| CliError::input(format!("{}: {e}", manifest.display())))?;
        if other.plan != report::study::plan_record(plan) {
            return Err(CliError::input(format!(
                "{} holds a different sweep (other scenario, values, design, seed or replications)\n  hint: use another --out folder, or the same command as before to resume",
                dir.display()
            )));
        }
    }
    let runs = dir.join("runs.csv");
    if !runs.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&runs)?;
    let complete = text.rfind('\n').map_or("", |i| &text[..=i]);
    if complete.len() != text.len() {
        std::fs::write(&runs, complete)?;
    }
    report::study::parse_runs(plan, complete)
        .map_err(|e| CliError::input(format!("{}: {e}", runs.display())))
}

pub fn sweep(args: SweepArgs) -> CliResult {
    let reps = replications(args.reps)?;
    let threads = threads(args.common.threads)?;
    let shard = match &args.shard {
        Some(s) => Shard::parse(s).map_err(CliError::input)?,
        None => Shard::ALL,
    };
    let (plan, specs) = plan(&args, reps)?;
    if args.dry_run {
        return super::scenarios::print(&super::sweep_size::describe(&plan, &specs, shard));
    }
    let out_path = args
        .common
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(format!("sweep-{}", plan.name)));
    let mut out = OutputDir::prepare(&out_path, "--out")?;
    let command = command(&args, &plan);
    let rows = run_sweep(&mut out, &plan, &specs, shard, threads, args.common.quiet, command)?;
    finish(&mut out, &plan, rows, shard, args.common.quiet, args.common.format)
}

/// Runs a planned sweep in `out`: checks that a folder already there holds this very sweep
/// and resumes from its `runs.csv`, writes `sweep.json`, runs the shard's remaining runs in
/// parallel (each row appended to `runs.csv` as its run finishes) and returns every row the
/// folder holds. `command` is the one `sweep.json` records as making the folder.
pub(crate) fn run_sweep(
    out: &mut OutputDir,
    plan: &SweepPlan,
    specs: &[Arc<WorldSpec>],
    shard: Shard,
    threads: usize,
    quiet: bool,
    command: String,
) -> Result<Vec<RunRow>, CliError> {
    let reps = plan.replications;
    let done = resume(out.path(), plan)?;
    let manifest = report::study::Manifest {
        plan: report::study::plan_record(plan),
        shard: format!("{}/{}", shard.index, shard.count),
        command,
    };
    out.write("sweep.json", report::study::manifest_json(&manifest).as_bytes())?;

    let finished: std::collections::BTreeSet<RunId> = done.iter().map(|r| r.id).collect();
    let todo: Vec<RunId> = design::runs(plan.points.len() as u64, reps, shard)
        .into_iter()
        .filter(|r| !finished.contains(r))
        .collect();
    let runs_path = out.path().join("runs.csv");
    let mut file = OpenOptions::new().create(true).append(true).open(&runs_path)?;
    if done.is_empty() && file.metadata()?.len() == 0 {
        file.write_all(report::study::runs_header(plan).as_bytes())?;
        file.flush()?;
    }
    let file = Mutex::new(file);
    let progress = Progress::new(quiet);
    progress.start_count(todo.len() as u64, "runs");
    let numbers: Vec<u64> = (0..todo.len() as u64).collect();
    let result = run_indexed(
        &numbers,
        threads,
        |i| {
            let id = todo[i as usize];
            let spec = Arc::clone(&specs[id.point as usize]);
            let run = run_replication(spec, RunConfig { replication: id.replication, threads: 1 })
                .map_err(|e| CliError::Failed(e.into()))?;
            let row = RunRow { id, figures: plan.figures.iter().map(|&f| run.figure(f)).collect() };
            let line = report::study::run_line(plan, &row);
            // Each row goes to disk as soon as its run finishes, whole, so nothing finished is
            // lost if the sweep is killed.
            let mut f = file
                .lock()
                .map_err(|_| CliError::Failed(anyhow::anyhow!("runs.csv lock poisoned")))?;
            f.write_all(line.as_bytes()).and_then(|()| f.flush())?;
            Ok::<RunRow, CliError>(row)
        },
        |n| progress.set(n),
    );
    progress.finish();
    let new_rows = result?;
    let mut rows = done;
    rows.extend(new_rows);
    Ok(rows)
}

/// Rewrites `runs.csv` in run order and, when the plan is complete, writes the aggregates and
/// charts. `runs.csv` is written in every format: it is the journal a rerun resumes from.
pub(crate) fn finish(
    out: &mut OutputDir,
    plan: &SweepPlan,
    mut rows: Vec<RunRow>,
    shard: Shard,
    quiet: bool,
    format: Format,
) -> CliResult {
    rows.sort_by_key(|r| r.id);
    out.write("runs.csv", report::study::runs_csv(plan, &rows).as_bytes())?;
    if format.parquet() {
        let bytes = parquet_bytes(report::parquet::runs_parquet(plan, &rows))?;
        out.write("runs.parquet", &bytes)?;
    }
    let expected = design::runs(plan.points.len() as u64, plan.replications, shard).len();
    let mut summary = format!("{} of {} runs in {}\n", rows.len(), expected, out.path().display());
    if shard == Shard::ALL && rows.len() as u64 == plan.runs_total() {
        if format.csv() {
            out.write("points.csv", report::study::points_csv(plan, &rows).as_bytes())?;
        }
        if format.parquet() {
            let bytes = parquet_bytes(report::parquet::points_parquet(plan, &rows))?;
            out.write("points.parquet", &bytes)?;
        }
        let charts =
            report::study::sweep_charts(plan, &rows).map_err(|e| CliError::Failed(e.into()))?;
        for chart in charts {
            out.write(&format!("{}.svg", chart.name), chart.svg.as_bytes())?;
            out.write(&format!("{}.png", chart.name), &chart.png)?;
        }
        summary.push_str(&report::study::sweep_summary(plan, &rows));
    } else if shard != Shard::ALL {
        summary
            .push_str("shard done: combine the shards with `blastradius merge DIR... --out DIR`\n");
    }
    if !quiet {
        super::scenarios::print(&summary)?;
    }
    Ok(())
}

pub fn merge(args: MergeArgs) -> CliResult {
    // Catalogue shards merge the same way, by their own manifest.
    if args.dirs.first().is_some_and(|d| d.join("catalogue.json").exists()) {
        return super::catalogue::merge(&args.dirs, &args.out, args.quiet);
    }
    let mut plan: Option<(SweepPlan, String)> = None;
    let mut rows: BTreeMap<RunId, RunRow> = BTreeMap::new();
    for dir in &args.dirs {
        let manifest_path = dir.join("sweep.json");
        let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
            CliError::input(format!(
                "{}: cannot read it ({e})\n  hint: give folders written by `blastradius sweep`",
                manifest_path.display()
            ))
        })?;
        let manifest = report::study::parse_manifest(&text)
            .map_err(|e| CliError::input(format!("{}: {e}", manifest_path.display())))?;
        let this = rebuild_plan(&manifest.plan, &manifest_path)?;
        match &plan {
            None => plan = Some((this, manifest.command.clone())),
            Some((p, _)) if *p != this => {
                return Err(CliError::input(format!(
                    "{} is part of a different sweep than {}\n  hint: merge only the shards of one sweep",
                    dir.display(),
                    args.dirs[0].display()
                )));
            }
            Some(_) => {}
        }
        let (p, _) = plan.as_ref().expect("set above");
        let runs_path = dir.join("runs.csv");
        let text = std::fs::read_to_string(&runs_path)
            .map_err(|e| CliError::input(format!("{}: {e}", runs_path.display())))?;
        let complete = text.rfind('\n').map_or("", |i| &text[..=i]);
        for row in report::study::parse_runs(p, complete)
            .map_err(|e| CliError::input(format!("{}: {e}", runs_path.display())))?
        {
            if let Some(existing) = rows.get(&row.id)
                && *existing != row
            {
                return Err(CliError::input(format!(
                    "run (point {}, replication {}) differs between shards\n  hint: the shards were made by different program versions",
                    row.id.point, row.id.replication
                )));
            }
            rows.insert(row.id, row);
        }
    }
    let (plan, command) = plan.ok_or_else(|| CliError::input("no folders to merge"))?;
    let missing = plan.runs_total() - rows.len() as u64;
    if missing > 0 {
        return Err(CliError::input(format!(
            "{missing} of {} runs are missing from these folders\n  hint: rerun the missing shards (their commands resume), then merge again",
            plan.runs_total()
        )));
    }
    let mut out = OutputDir::prepare(&args.out, "--out")?;
    let manifest = report::study::Manifest {
        plan: report::study::plan_record(&plan),
        shard: "0/1".to_string(),
        command,
    };
    out.write("sweep.json", report::study::manifest_json(&manifest).as_bytes())?;
    finish(&mut out, &plan, rows.into_values().collect(), Shard::ALL, args.quiet, args.format)
}

/// The full plan (with points) from a manifest's description of it.
fn rebuild_plan(m: &report::study::PlanRecord, path: &Path) -> Result<SweepPlan, CliError> {
    let bad = |e: String| CliError::input(format!("{}: {e}", path.display()));
    let parameters = m
        .parameters
        .iter()
        .map(|(p, values)| design::parse_set(&format!("{p}={values}")).map_err(&bad))
        .collect::<Result<Vec<_>, _>>()?;
    let design = match m.samples {
        Some(k) => Design::Lhs(k),
        None => Design::Grid,
    };
    let points = design::points(&parameters, design, m.seed).map_err(&bad)?;
    Ok(SweepPlan {
        scenario: m.scenario.clone(),
        name: m.name.clone(),
        seed: m.seed,
        design,
        parameters,
        replications: m.replications,
        points,
        figures: m
            .figures
            .iter()
            .map(|name| {
                Figure::parse(name).ok_or_else(|| bad(format!("\"{name}\" is not a figure")))
            })
            .collect::<Result<_, _>>()?,
    })
}
