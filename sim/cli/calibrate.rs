//! `blastradius calibrate`: a sweep scored against observed outcomes (history matching), in
//! one wave or several.
//!
//! ```text
//! flags ─► observations, wave 1 planned (every point with the figures they need)
//!       ─► OUT/ (a sweep folder: sweep.json, runs.csv; resumable, shardable)
//!       ─► scored ─► box of the non-implausible points ─► OUT/wave-2/ (a sweep folder) ─► ...
//!       ─► calibration.csv, non_implausible.csv, calibration.json, charts, report.html, best.ron
//! ```
//!
//! Each wave is a sweep like `blastradius sweep` runs, in a folder of its own (the first in
//! OUT itself), so it resumes where it stopped and its shards merge with `blastradius merge`.
//! With `--shard I/N` only the first wave's slice runs; the same command without `--shard` on
//! the merged folder then scores it and runs any later waves. The scoring and the next wave's
//! box are `study::calibrate`'s, the files `report::calibration`'s, `best.ron` `scenario`'s.

use std::path::PathBuf;

use clap::Args;

use super::output::{OutputDir, safe_name};
use super::run::{read_observations, replications, shell_word, threads};
use super::sweep::{DesignArg, SweepRun, design_of, run_sweep};
use super::{CliError, CliResult, CommonArgs, flags, memory};
use blastradius_report as report;
use blastradius_scenario::derived::{self, Header};
use blastradius_scenario::observations::Observations;
use blastradius_study::calibrate::{self, Calibration, DEFAULT_THRESHOLD, MAX_WAVES, Wave};
use blastradius_study::design::{Design, Shard};
use blastradius_study::{PlanError, SweepRequest};

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// A scenario file, or the name of a built-in scenario
    pub scenario: String,
    /// Observed outcomes to score the points against: an observations file or a built-in
    /// (2024)
    #[arg(long, value_name = "FILE|NAME", required = true)]
    pub observed: String,
    /// Score only this observation of the file (repeat for several; default: every one that
    /// applies to the scenario and can be scored)
    #[arg(long = "observation", value_name = "NAME")]
    pub only: Vec<String>,
    /// A field and its values: PATH=low..high (Latin hypercube), PATH=low..high:count[:log]
    /// or PATH=a,b,c (numbers or durations)
    #[arg(long = "set", value_name = "PATH=VALUES", required = true)]
    pub sets: Vec<String>,
    /// How the first wave's points are chosen
    #[arg(long, value_enum, default_value_t = DesignArg::Grid)]
    pub design: DesignArg,
    /// Points of a Latin hypercube design (and of every later wave)
    #[arg(long, allow_negative_numbers = true, value_parser = flags::whole::<u64>)]
    pub samples: Option<u64>,
    /// Replications per point: the variance of a point's mean comes from them
    #[arg(long, default_value_t = 5, allow_negative_numbers = true, value_parser = flags::whole::<u64>)]
    pub reps: u64,
    /// A point is non-implausible when its largest implausibility is under this
    #[arg(long, default_value_t = DEFAULT_THRESHOLD, allow_negative_numbers = true)]
    pub threshold: f64,
    /// Waves: each after the first samples a Latin hypercube in the box of the previous
    /// wave's non-implausible points
    #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_parser = flags::whole::<u32>)]
    pub waves: u32,
    /// Run only the I-th of N disjoint slices of the first wave's runs (I from 0); score the
    /// merged shards with the same command and no --shard
    #[arg(long, value_name = "I/N", allow_hyphen_values = true)]
    pub shard: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Check the calibration and print the first wave's size, then stop: nothing runs and
    /// nothing is written
    #[arg(long)]
    pub dry_run: bool,
}

fn plan_error(e: PlanError) -> CliError {
    match e {
        PlanError::Input(m) => CliError::Input(m),
        PlanError::Scenario(e) => e.into(),
    }
}

fn threshold(t: f64) -> Result<f64, CliError> {
    if t.is_finite() && t > 0.0 {
        Ok(t)
    } else {
        Err(CliError::input(format!(
            "--threshold {t}: the threshold must be a number above 0\n  hint: 3 (the default) keeps points within three standard deviations of every observation"
        )))
    }
}

fn waves(n: u32) -> Result<u32, CliError> {
    if (1..=MAX_WAVES).contains(&n) {
        Ok(n)
    } else {
        Err(CliError::input(format!(
            "--waves {n}: between 1 and {MAX_WAVES} waves\n  hint: 2 samples once more inside the first wave's non-implausible region"
        )))
    }
}

/// The command that reproduces the calibration (and resumes it).
fn command(args: &CalibrateArgs, design: Design, seed: u64, reps: u64) -> String {
    let mut words = vec![
        "blastradius calibrate".to_string(),
        shell_word(&args.scenario),
        format!("--observed {}", shell_word(&args.observed)),
    ];
    for name in &args.only {
        words.push(format!("--observation {}", shell_word(name)));
    }
    for s in &args.sets {
        words.push(format!("--set {}", shell_word(s)));
    }
    if let Design::Lhs(k) = design {
        words.push(format!("--design lhs --samples {k}"));
    }
    words.push(format!(
        "--reps {reps} --threshold {} --waves {} --seed {seed}",
        report::fmt::number(args.threshold),
        args.waves
    ));
    words.join(" ")
}

pub fn calibrate(args: CalibrateArgs) -> CliResult {
    let reps = replications(args.reps)?;
    let threads = threads(args.common.threads)?;
    let threshold = threshold(args.threshold)?;
    let waves = waves(args.waves)?;
    let shard = match &args.shard {
        Some(s) => Shard::parse(s).map_err(CliError::input)?,
        None => Shard::ALL,
    };
    let design = design_of(args.design, args.samples)?;
    let observations = read_observations(&args.observed)?;
    let request = SweepRequest {
        scenario: &args.scenario,
        sets: &args.sets,
        design,
        seed: args.common.seed,
        replications: reps,
    };
    let first = calibrate::plan_wave(&request, &observations).map_err(plan_error)?;
    let (targets, unscored) =
        calibrate::targets(&observations, &first.observed, &args.only).map_err(CliError::input)?;
    super::run::warn(&args.scenario, &first.planned.base);
    let limit = memory::limit(args.common.memory_limit.as_deref())?;
    let name = first.planned.base.name.clone();
    let seed = first.planned.plan.seed;
    let out_path = args.common.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(format!("calibrate-{}", safe_name(&name)))
    });
    let command = command(&args, design, seed, reps);
    let quiet = args.common.quiet;
    let format = args.common.format;
    // The first wave's folder keeps the later waves' folders (a rerun resumes them) and the
    // calibration's own files, which are written last.
    let keep = |entry: &str| entry.starts_with("wave-");
    let run = SweepRun {
        out: &out_path,
        shard,
        threads,
        quiet: true,
        force: args.common.force,
        format,
        limit: limit.as_ref(),
        command: command.clone(),
        dry_run: args.dry_run,
        keep: &keep,
    };
    let Some(rows) = run_sweep(&first.planned, &run)? else { return Ok(()) };
    let plan = first.planned.plan.clone();
    if shard != Shard::ALL {
        if !quiet {
            let expected = blastradius_study::design::shard_runs(plan.points_total(), reps, shard);
            super::scenarios::print(&format!(
                "{} of {} runs of wave 1 in {}\nshard done: combine the shards with `blastradius merge DIR... --out MERGED`, then score them (and run any later wave) with the same command, --out MERGED and no --shard\n",
                rows.len(),
                expected,
                out_path.display()
            ))?;
        }
        return Ok(());
    }
    let mut scored = vec![Wave {
        number: 1,
        points: calibrate::score(&plan, &rows, &targets, &first.censor_s, threshold),
        plan,
        next: None,
    }];
    for number in 2..=waves {
        let Some(last) = scored.last_mut() else { break };
        let Some(bounds) = calibrate::next_box(&last.plan, &last.points) else { break };
        last.next = Some(bounds.clone());
        let sets = calibrate::next_sets(&bounds);
        let request = SweepRequest {
            scenario: &args.scenario,
            sets: &sets,
            design: calibrate::next_design(&scored[0].plan),
            seed: Some(calibrate::wave_seed(seed, number)),
            replications: reps,
        };
        let wave = calibrate::plan_wave(&request, &observations).map_err(|e| {
            let e = plan_error(e);
            CliError::input(format!("wave {number} (--set {}): {e}", sets.join(" --set ")))
        })?;
        let dir = out_path.join(format!("wave-{number}"));
        let run = SweepRun {
            out: &dir,
            shard: Shard::ALL,
            force: false,
            dry_run: false,
            keep: &|_| false,
            command: command.clone(),
            ..run
        };
        let rows = run_sweep(&wave.planned, &run)?.unwrap_or_default();
        let plan = wave.planned.plan.clone();
        scored.push(Wave {
            number,
            points: calibrate::score(&plan, &rows, &targets, &wave.censor_s, threshold),
            plan,
            next: None,
        });
    }
    // The calibration's files join the waves' folders, and the whole folder is put in place.
    let mut out = OutputDir::prepare(&out_path, "--out", true)?;
    out.carry_over(&|_| true)?;
    let cal = Calibration {
        scenario: args.scenario.clone(),
        name: name.clone(),
        observations: observations.name.clone(),
        threshold,
        targets,
        unscored,
        waves: scored,
    };
    write(&mut out, &cal, &observations, &command)?;
    out.commit()?;
    if !quiet {
        let mut text = report::calibration::calibration_summary(&cal);
        text.push_str(&format!("\nreport: {}\n", out_path.join("report.html").display()));
        if cal.best().is_some() {
            text.push_str(&format!("best point: {}\n", out_path.join("best.ron").display()));
        }
        super::scenarios::print(&text)?;
    }
    Ok(())
}

/// Writes the calibration's files: the tables, the summary, the charts, the best point as a
/// scenario file and the HTML report.
fn write(
    out: &mut OutputDir,
    cal: &Calibration,
    observations: &Observations,
    command: &str,
) -> CliResult {
    let program = format!("blastradius {}", env!("CARGO_PKG_VERSION"));
    out.write("calibration.csv", report::calibration::calibration_csv(cal).as_bytes())?;
    out.write("non_implausible.csv", report::calibration::non_implausible_csv(cal).as_bytes())?;
    out.write(
        "calibration.json",
        report::calibration::calibration_json(cal, command, &program).as_bytes(),
    )?;
    let best = match cal.best() {
        None => None,
        Some((at, s)) => {
            let loaded = blastradius_scenario::load(&cal.scenario)?;
            let settings = cal.settings(at);
            let names: Vec<&str> = cal.targets.iter().map(|t| t.name.as_str()).collect();
            let comment = vec![
                format!(
                    "The best point of `blastradius calibrate` of {} against {}: largest",
                    cal.name, observations.name
                ),
                format!(
                    "implausibility {:.2} (threshold {}) over {} (wave {}, point {}).",
                    s.max,
                    report::fmt::number(cal.threshold),
                    names.join(", "),
                    cal.waves[at.wave].number,
                    s.point
                ),
                format!("Reproduce: {command}"),
            ];
            let set_text: Vec<String> = settings.iter().map(|(p, v)| format!("{p}={v}")).collect();
            let description = format!(
                "{} at the best point of a calibration against {}: {}",
                cal.name,
                observations.name,
                set_text.join(", ")
            );
            let name = format!("{}-calibrated", cal.name);
            let header = Header { name: &name, description: &description, comment: &comment };
            let text = derived::extending(&loaded, &settings, &header)
                .map_err(|e| CliError::Failed(anyhow::anyhow!("best.ron: {e}")))?;
            out.write("best.ron", text.as_bytes())?;
            Some(text)
        }
    };
    let charts =
        report::calibration::calibration_charts(cal).map_err(|e| CliError::Failed(e.into()))?;
    for chart in &charts {
        out.write(&format!("{}.svg", chart.name), chart.svg.as_bytes())?;
        out.write(&format!("{}.png", chart.name), &chart.png)?;
    }
    let html =
        report::calibration::calibration_html(cal, &charts, best.as_deref(), command, &program);
    out.write("report.html", html.as_bytes())?;
    Ok(())
}
