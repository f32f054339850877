//! `blastradius sweep` and `blastradius merge`: parameter sweeps, resumable, shardable.
//!
//! A sweep folder holds `sweep.json` (the plan) and `runs.csv` (one row per finished run,
//! appended as runs finish). Running the same command into the same folder skips the runs
//! already there, so an interrupted sweep loses nothing. When every run of the plan is in, the
//! rows are rewritten in (point, replication) order and the aggregates and charts written; a
//! shard (`--shard I/N`) writes only its rows, and `merge` combines shard folders into the same
//! outputs an unsharded sweep writes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::{Args, ValueEnum};

use super::format::{Format, parquet_bytes};
use super::output::{OutputDir, read_journal, safe_name, write_atomically, write_failed};
use super::progress::Progress;
use super::run::{replications, shell_word, threads};
use super::{CliError, CliResult, CommonArgs, flags, memory, model_failed};
use blastradius_engine::replicate::run_indexed;
use blastradius_model::Figure;
use blastradius_model::footprint::{Footprint, footprint};
use blastradius_model::spec::WorldSpec;
use blastradius_model::{RunConfig, run_replication};
use blastradius_report as report;
use blastradius_study::budget::{self, SweepShape};
use blastradius_study::design::{self, Design, RunId, Shard};
use blastradius_study::{self as study, PlanError, Planned, RunRow, SweepPlan, SweepRequest};

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
    #[arg(long, allow_negative_numbers = true, value_parser = flags::whole::<u64>)]
    pub samples: Option<u64>,
    /// Replications per point
    #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_parser = flags::whole::<u64>)]
    pub reps: u64,
    /// Run only the I-th of N disjoint slices of the runs (I from 0)
    #[arg(long, value_name = "I/N", allow_hyphen_values = true)]
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
    /// Folder for the merged sweep; an existing one is replaced whole if it is a previous
    /// report, else refused
    #[arg(long)]
    pub out: PathBuf,
    /// Replace the --out folder even if it is not a previous blastradius report
    #[arg(long)]
    pub force: bool,
    /// Most memory to use, e.g. 16GiB (default: what the machine has available)
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
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

/// Builds the plan (`study::plan`: the `--set` words, the scenario and the point count) and
/// prints the scenario's warnings. The points are checked later, one batch at a time.
fn plan(args: &SweepArgs, reps: u64) -> Result<Planned, CliError> {
    let request = SweepRequest {
        scenario: &args.scenario,
        sets: &args.sets,
        design: design(args)?,
        seed: args.common.seed,
        replications: reps,
    };
    let planned = study::plan(&request).map_err(plan_error)?;
    super::run::warn(&args.scenario, &planned.base);
    Ok(planned)
}

pub(crate) fn plan_error(e: PlanError) -> CliError {
    match e {
        PlanError::Input(m) if m.contains("hint:") => CliError::Input(m),
        PlanError::Input(m) => CliError::Input(format!(
            "{m}\n  hint: --set takes PATH=a,b,c or PATH=low..high:count[:log] (numbers or \
             durations), at most {} points in all; `blastradius validate SCENARIO` prints every \
             field's path",
            design::MAX_POINTS
        )),
        PlanError::Scenario(e) => e.into(),
    }
}

/// What a sweep folder holds: this shard's rows, the aggregates when the folder is a whole
/// sweep, and the plan.
fn shape(plan: &SweepPlan, rows: u64, aggregates: bool, format: Format) -> SweepShape {
    SweepShape {
        rows,
        points: plan.points_total(),
        figures: plan.figures.len(),
        parameters: plan.parameters.len(),
        values: plan.parameters.iter().map(|p| p.len() as u64).sum(),
        aggregates,
        parquet: format.parquet(),
    }
}

/// Refuses a sweep whose worlds (the largest, on every thread), rows and aggregates would not
/// fit in memory.
fn check_memory(
    plan: &SweepPlan,
    largest: &Footprint,
    shard: Shard,
    threads: usize,
    format: Format,
    limit: Option<&memory::Limit>,
) -> CliResult {
    let rows = design::shard_runs(plan.points_total(), plan.replications, shard);
    let estimate =
        budget::sweep(Some(largest), shape(plan, rows, shard == Shard::ALL, format), threads);
    memory::check(
        &estimate,
        limit,
        "this sweep",
        "use fewer points, replications or --threads, or split it with --shard I/N (each shard \
         holds only its own rows)",
    )
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

/// How a sweep starts in its folder.
enum Start {
    /// A new folder (or one replacing a previous report): sweep.json and the header are
    /// written in its staging folder, which is then renamed into place.
    Fresh(OutputDir),
    /// The folder holds this very sweep: its rows are kept and the sweep goes on.
    Resume,
}

/// Decides how the sweep starts in `dir`, refusing a folder that holds something else: a
/// different sweep, another shard of this one, a `runs.csv` without the `sweep.json` that says
/// which sweep it belongs to, or files that are not ours (unless `--force`).
fn start(dir: &Path, plan: &SweepPlan, shard: Shard, force: bool) -> Result<Start, CliError> {
    let manifest_path = dir.join("sweep.json");
    let runs_path = dir.join("runs.csv");
    let exists = |p: &Path| std::fs::symlink_metadata(p).is_ok();
    if force || !dir.is_dir() {
        return OutputDir::prepare(dir, "--out", force).map(Start::Fresh);
    }
    if exists(&manifest_path) {
        let manifest = read_manifest(&manifest_path)?;
        if manifest.plan != report::study::plan_record(plan) {
            return Err(CliError::input(format!(
                "{} holds a different sweep (other scenario, values, design, seed or replications)\n  hint: use another --out folder, the same command as before to resume, or --force to start this sweep there instead",
                dir.display()
            )));
        }
        let here = format!("{}/{}", shard.index, shard.count);
        if manifest.shard != here {
            return Err(CliError::input(format!(
                "{} holds shard {} of this sweep, not {here}\n  hint: give each shard its own --out folder",
                dir.display(),
                manifest.shard
            )));
        }
        return Ok(Start::Resume);
    }
    if exists(&runs_path) {
        return Err(CliError::input(format!(
            "{}: there is no sweep.json beside it, so which sweep its rows belong to (scenario, values, seed) cannot be checked\n  hint: put back the folder's sweep.json, use another --out folder, or add --force to start over there",
            runs_path.display()
        )));
    }
    OutputDir::prepare(dir, "--out", force).map(Start::Fresh)
}

/// Reads `sweep.json`, naming the file in every problem.
fn read_manifest(path: &Path) -> Result<report::study::Manifest, CliError> {
    let text = read_journal(path, "the sweep's sweep.json")?;
    report::study::parse_manifest(&text)
        .map_err(|e| CliError::input(format!("{}: {e}\n  hint: a sweep.json is written by `blastradius sweep`; use another --out folder if this one is not a sweep's", path.display())))
}

/// Reads the rows already in a resumed folder's `runs.csv`, trusting nothing (see
/// `report::study::parse_runs`); a partial last line (a write cut short by a kill) is dropped
/// from the file.
fn resume(dir: &Path, plan: &SweepPlan, shard: Shard) -> Result<Vec<RunRow>, CliError> {
    let runs = dir.join("runs.csv");
    if std::fs::symlink_metadata(&runs).is_err() {
        return Ok(Vec::new());
    }
    let text = read_journal(&runs, "the sweep's runs.csv")?;
    let complete = text.rfind('\n').map_or("", |i| &text[..=i]);
    let rows = report::study::parse_runs(plan, shard, complete)
        .map_err(|e| CliError::input(format!("{}: {e}\n  hint: blastradius did not write this; use another --out folder, or --force to start over", runs.display())))?;
    if complete.len() != text.len() {
        write_atomically(&runs, complete.as_bytes())?;
    }
    if complete.is_empty() {
        write_atomically(&runs, report::study::runs_header(plan).as_bytes())?;
    }
    Ok(rows)
}

/// Runs made at once: their points' worlds are made first, then the runs go in parallel.
const RUN_BATCH: usize = 4_096;

pub fn sweep(args: SweepArgs) -> CliResult {
    let reps = replications(args.reps)?;
    let threads = threads(args.common.threads)?;
    let limit = memory::limit(args.common.memory_limit.as_deref())?;
    let shard = match &args.shard {
        Some(s) => Shard::parse(s).map_err(|e| {
            CliError::input(format!(
                "{e}\n  hint: --shard I/N runs the I-th of N slices, I from 0 to N-1, e.g. --shard 0/4"
            ))
        })?,
        None => Shard::ALL,
    };
    let planned = plan(&args, reps)?;
    let out = args.common.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(format!("sweep-{}", safe_name(&planned.plan.name)))
    });
    let settings = SweepRun {
        out: &out,
        shard,
        threads,
        quiet: args.common.quiet,
        force: args.common.force,
        format: args.common.format,
        limit: limit.as_ref(),
        command: command(&args, &planned.plan),
        dry_run: args.dry_run,
        keep: &|_| false,
    };
    run_sweep(&planned, &settings).map(|_| ())
}

/// How and where [`run_sweep`] runs a planned sweep.
pub(crate) struct SweepRun<'a> {
    pub out: &'a Path,
    pub shard: Shard,
    pub threads: usize,
    pub quiet: bool,
    pub force: bool,
    pub format: Format,
    pub limit: Option<&'a memory::Limit>,
    /// The command `sweep.json` records as making the folder (and resuming it).
    pub command: String,
    /// Check and describe the sweep, then stop.
    pub dry_run: bool,
    /// Entries of the folder (by name) that the finished folder keeps: a calibration's later
    /// waves beside its first.
    pub keep: &'a dyn Fn(&str) -> bool,
}

/// Runs a planned sweep in its folder, for `sweep` and every wave of `calibrate`: checks the
/// memory it needs and the folder (resuming a folder that holds this very sweep from its
/// `runs.csv`), checks the points, runs the shard's remaining runs in parallel (each row
/// appended to `runs.csv` as its run finishes) and writes the folder's final form. Returns
/// every row of the shard, or `None` for a dry run.
pub(crate) fn run_sweep(
    planned: &Planned,
    run: &SweepRun<'_>,
) -> Result<Option<Vec<RunRow>>, CliError> {
    let (shard, threads, format, limit) = (run.shard, run.threads, run.format, run.limit);
    let plan = &planned.plan;
    let out_path = run.out;
    // A first look with the scenario's own world, before any point is made.
    check_memory(plan, &footprint(&planned.base), shard, threads, format, limit)?;
    // The folder is checked before the points, so a bad --out fails at once.
    let start = if run.dry_run { None } else { Some(start(out_path, plan, shard, run.force)?) };
    let progress = Progress::new(run.quiet || run.dry_run);
    progress.start_count(study::sample_points(plan).len() as u64, "points checked");
    let checked = planned.check_points(threads, |n| progress.set(n)).map_err(plan_error)?;
    progress.finish();
    let largest = checked.largest;
    check_memory(plan, &largest.footprint, shard, threads, format, limit)?;
    if run.dry_run {
        super::scenarios::print(&super::sweep_size::describe(plan, &largest, shard))?;
        return Ok(None);
    }
    // Points beyond the sample are checked as they come to run, for their values and for
    // the memory their worlds need.
    let fits = |world: &Footprint| check_memory(plan, world, shard, threads, format, limit);
    let manifest = report::study::Manifest {
        plan: report::study::plan_record(plan),
        shard: format!("{}/{}", shard.index, shard.count),
        command: run.command.clone(),
    };
    let manifest_json = report::study::manifest_json(&manifest);
    let (done, journal) = match start {
        // A new folder appears with its first row: a sweep that fails before any run
        // finishes leaves nothing behind, and what was there stays.
        Some(Start::Fresh(mut out)) => {
            out.write("sweep.json", manifest_json.as_bytes())?;
            out.write("runs.csv", report::study::runs_header(plan).as_bytes())?;
            (Vec::new(), Journal { runs: out.staging().join("runs.csv"), pending: Some(out) })
        }
        Some(Start::Resume) => {
            let rows = resume(out_path, plan, shard)?;
            write_atomically(&out_path.join("sweep.json"), manifest_json.as_bytes())?;
            (rows, Journal { runs: out_path.join("runs.csv"), pending: None })
        }
        None => return Ok(None),
    };
    let new_rows = run_all(planned, journal, shard, threads, &done, run.quiet, &fits)?;
    let mut rows = done;
    rows.extend(new_rows);
    let mut out = OutputDir::prepare(out_path, "--out", true)?;
    out.carry_over(run.keep)?;
    finish(out, &manifest_json, plan, &mut rows, shard, run.quiet, format)?;
    Ok(Some(rows))
}

/// Where finished runs go: the journal file, and the new folder to put in place when the
/// first row is in it.
struct Journal {
    runs: PathBuf,
    pending: Option<OutputDir>,
}

/// Runs every run of the shard not yet in `done`, a batch at a time, appending each row to
/// `runs.csv` as soon as its run finishes, whole, so nothing finished is lost if the sweep
/// is killed.
fn run_all(
    planned: &Planned,
    journal: Journal,
    shard: Shard,
    threads: usize,
    done: &[RunRow],
    quiet: bool,
    fits: &dyn Fn(&Footprint) -> CliResult,
) -> Result<Vec<RunRow>, CliError> {
    let plan = &planned.plan;
    let finished: BTreeSet<RunId> = done.iter().map(|r| r.id).collect();
    let total = design::shard_runs(plan.points_total(), plan.replications, shard);
    let mut todo = design::runs(plan.points_total(), plan.replications, shard)
        .filter(|r| !finished.contains(r));
    let file = OpenOptions::new().append(true).open(&journal.runs)?;
    let file = Mutex::new((file, journal.pending));
    let progress = Progress::new(quiet);
    progress.start_count(total.saturating_sub(finished.len() as u64), "runs");
    let mut rows = Vec::new();
    loop {
        let batch: Vec<RunId> = todo.by_ref().take(RUN_BATCH).collect();
        if batch.is_empty() {
            break;
        }
        let mut points: Vec<u64> = batch.iter().map(|r| r.point).collect();
        points.dedup();
        let specs: BTreeMap<u64, Arc<WorldSpec>> = points
            .iter()
            .copied()
            .zip(planned.specs(&points, threads).map_err(plan_error)?)
            .collect();
        let biggest = specs
            .values()
            .map(|s| footprint(s))
            .max_by(|a, b| a.world_bytes.total_cmp(&b.world_bytes));
        if let Some(world) = biggest {
            fits(&world)?;
        }
        let numbers: Vec<u64> = (0..batch.len() as u64).collect();
        let before = rows.len() as u64;
        let ran = run_indexed(
            &numbers,
            threads,
            |i| {
                let id = batch[i as usize];
                let spec = Arc::clone(&specs[&id.point]);
                let run =
                    run_replication(spec, RunConfig { replication: id.replication, threads: 1 })
                        .map_err(model_failed)?;
                let row =
                    RunRow { id, figures: plan.figures.iter().map(|&f| run.figure(f)).collect() };
                let line = report::study::run_line(plan, &row);
                let mut guard = file
                    .lock()
                    .map_err(|_| CliError::Failed(anyhow::anyhow!("runs.csv lock poisoned")))?;
                let (f, pending) = &mut *guard;
                f.write_all(line.as_bytes())
                    .and_then(|()| f.flush())
                    .map_err(|e| write_failed(&journal.runs, &e))?;
                // The open file moves with its folder.
                if let Some(out) = pending.take() {
                    out.commit()?;
                }
                Ok::<RunRow, CliError>(row)
            },
            |n| progress.set(before + n),
        )?;
        rows.extend(ran);
    }
    progress.finish();
    Ok(rows)
}

/// Writes the folder's final form, whole: `sweep.json`, `runs.csv` in run order and, when the
/// plan is complete, the aggregates and charts, built in a staging folder that then replaces
/// the journal folder (a kill before that leaves the journal to resume from). `runs.csv` is
/// written in every format: it is the journal a rerun resumes from.
fn finish(
    mut out: OutputDir,
    manifest_json: &str,
    plan: &SweepPlan,
    rows: &mut [RunRow],
    shard: Shard,
    quiet: bool,
    format: Format,
) -> CliResult {
    rows.sort_by_key(|r| r.id);
    let dir = out.path().to_path_buf();
    out.write("sweep.json", manifest_json.as_bytes())?;
    out.write("runs.csv", report::study::runs_csv(plan, rows).as_bytes())?;
    if format.parquet() {
        let bytes = parquet_bytes(report::parquet::runs_parquet(plan, rows))?;
        out.write("runs.parquet", &bytes)?;
    }
    let expected = design::shard_runs(plan.points_total(), plan.replications, shard);
    let mut summary = format!("{} of {} runs in {}\n", rows.len(), expected, dir.display());
    if shard == Shard::ALL && rows.len() as u64 == plan.runs_total() {
        if format.csv() {
            out.write("points.csv", report::study::points_csv(plan, rows).as_bytes())?;
        }
        if format.parquet() {
            let bytes = parquet_bytes(report::parquet::points_parquet(plan, rows))?;
            out.write("points.parquet", &bytes)?;
        }
        let charts =
            report::study::sweep_charts(plan, rows).map_err(|e| CliError::Failed(e.into()))?;
        for chart in charts {
            out.write(&format!("{}.svg", chart.name), chart.svg.as_bytes())?;
            out.write(&format!("{}.png", chart.name), &chart.png)?;
        }
        summary.push_str(&report::study::sweep_summary(plan, rows));
    } else if shard != Shard::ALL {
        summary
            .push_str("shard done: combine the shards with `blastradius merge DIR... --out DIR`\n");
    }
    out.commit()?;
    if !quiet {
        super::scenarios::print(&summary)?;
    }
    Ok(())
}

pub fn merge(args: MergeArgs) -> CliResult {
    // Catalogue shards merge the same way, by their own manifest.
    if args.dirs.first().is_some_and(|d| d.join("catalogue.json").exists()) {
        return super::catalogue::merge(&args.dirs, &args.out, args.quiet, args.force);
    }
    let limit = memory::limit(args.memory_limit.as_deref())?;
    let out = OutputDir::prepare(&args.out, "--out", args.force)?;
    let mut plan: Option<(SweepPlan, String)> = None;
    let mut rows: BTreeMap<RunId, RunRow> = BTreeMap::new();
    for dir in &args.dirs {
        let manifest_path = dir.join("sweep.json");
        if std::fs::symlink_metadata(&manifest_path).is_err() {
            return Err(CliError::input(format!(
                "{}: there is no sweep.json in this folder\n  hint: give folders written by `blastradius sweep`",
                dir.display()
            )));
        }
        let manifest = read_manifest(&manifest_path)?;
        let this = rebuild_plan(&manifest.plan, &manifest_path)?;
        let shard = Shard::parse(&manifest.shard)
            .map_err(|e| CliError::input(format!("{}: {e}", manifest_path.display())))?;
        let (p, _) = match plan {
            None => {
                memory::check(
                    &budget::sweep(None, shape(&this, this.runs_total(), true, args.format), 0),
                    limit.as_ref(),
                    "this merge",
                    "merge on a machine with more memory",
                )?;
                plan.insert((this, manifest.command.clone()))
            }
            Some((ref p, _)) if *p != this => {
                return Err(CliError::input(format!(
                    "{} is part of a different sweep than {}\n  hint: merge only the shards of one sweep",
                    dir.display(),
                    args.dirs[0].display()
                )));
            }
            Some(ref entry) => entry,
        };
        let runs_path = dir.join("runs.csv");
        let text = read_journal(&runs_path, "the sweep's runs.csv")?;
        let complete = text.rfind('\n').map_or("", |i| &text[..=i]);
        for row in report::study::parse_runs(p, shard, complete).map_err(|e| {
            CliError::input(format!(
                "{}: {e}\n  hint: merge the folders `blastradius sweep --shard I/N` wrote, as they are",
                runs_path.display()
            ))
        })?
        {
            if let Some(existing) = rows.get(&row.id)
                && *existing != row
            {
                return Err(CliError::input(format!(
                    "{}: the run (point {}, replication {}) differs from another shard's\n  hint: the shards were made by different program versions",
                    runs_path.display(),
                    row.id.point,
                    row.id.replication
                )));
            }
            rows.insert(row.id, row);
        }
    }
    let (plan, command) = plan.ok_or_else(|| CliError::input("no folders to merge"))?;
    let missing = plan.runs_total().saturating_sub(rows.len() as u64);
    if missing > 0 {
        return Err(CliError::input(format!(
            "{missing} of {} runs are missing from these folders\n  hint: rerun the missing shards (their commands resume), then merge again",
            plan.runs_total()
        )));
    }
    let manifest = report::study::Manifest {
        plan: report::study::plan_record(&plan),
        shard: "0/1".to_string(),
        command,
    };
    let manifest_json = report::study::manifest_json(&manifest);
    let mut rows: Vec<RunRow> = rows.into_values().collect();
    finish(out, &manifest_json, &plan, &mut rows, Shard::ALL, args.quiet, args.format)
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
