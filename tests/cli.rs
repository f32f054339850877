//! The binary end to end: `run`, `compare`, `sweep` and `merge` on small scenarios, their
//! outputs' structure and values, reproducibility, bad input, resuming and sharding, and the
//! Slurm script driven by a stand-in `sbatch`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_blastradius")
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("blastradius-cli-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn run_writes_every_report_file_with_the_right_structure_and_values() {
    let dir = scratch("run");
    let out = dir.join("report");
    let stdout = ok(&["run", "hospital-tabletop", "--reps", "3", "--out", s(&out)]);
    assert!(stdout.contains("endpoints crashed") && stdout.contains("report.html"), "{stdout}");
    for file in [
        "summary.json",
        "timeseries.csv",
        "report.html",
        "endpoints_down.svg",
        "endpoints_down.png",
        "capacity.svg",
        "capacity.png",
        "loss.svg",
        "loss.png",
        "loss_distribution.svg",
        "loss_distribution.png",
        "timeline.svg",
        "timeline.png",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let png = fs::read(out.join("capacity.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    let summary = json(&out.join("summary.json"));
    assert_eq!(summary["schema"], "blastradius.summary/1");
    assert_eq!(summary["scenario"], "hospital-tabletop");
    assert_eq!(summary["seed"], 20240719);
    assert_eq!(summary["replications"], 3);
    assert_eq!(summary["command"], "blastradius run hospital-tabletop --reps 3 --seed 20240719");
    assert!(summary["program"].as_str().unwrap().starts_with("blastradius "));
    assert!(summary["resolved_scenario"].as_str().unwrap().contains("harbour_health"));
    let metrics = &summary["metrics"];
    for name in [
        "endpoints_total",
        "endpoints_exposed",
        "endpoints_crashed",
        "endpoints_self_healed",
        "endpoints_repaired_remote",
        "endpoints_repaired_onsite",
        "revert_published_at_s",
        "recovered_50pct_at_s",
        "recovered_90pct_at_s",
        "recovered_99pct_at_s",
        "endpoint_downtime_hours",
        "loss_usd_total",
        "loss_usd_hospital",
        "service_hours_lost_hospital",
        "flights_cancelled",
    ] {
        let m = &metrics[name];
        for key in ["mean", "ci95_low", "ci95_high", "p05", "p50", "p95"] {
            assert!(m[key].is_number(), "{name}.{key} is {}", m[key]);
        }
    }
    // Fixed by the scenario: every replication has 4,000 endpoints and the revert at 78 min.
    assert_eq!(metrics["endpoints_total"]["mean"], 4000.0);
    assert_eq!(metrics["endpoints_total"]["ci95_low"], 4000.0);
    assert_eq!(metrics["revert_published_at_s"]["mean"], 4680.0);
    let crashed = &metrics["endpoints_crashed"];
    assert!(crashed["ci95_low"].as_f64() <= crashed["mean"].as_f64());
    assert!(crashed["mean"].as_f64().unwrap() > 2_000.0);
    // No halt without gates: absent, not zero.
    assert!(metrics.get("rollout_halted_at_s").is_none());

    let csv = fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("replication,time_s,sector,endpoints_down,capacity,loss_usd_cumulative")
    );
    // 7 days of 15-minute samples, time zero included, one sector, three replications.
    assert_eq!(lines.count(), 3 * (7 * 96 + 1));
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("blastradius run hospital-tabletop --reps 3 --seed 20240719"));
    assert!(html.contains("20240719") && html.contains("<svg"));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_same_command_gives_byte_identical_outputs_on_1_and_2_threads() {
    let dir = scratch("same");
    let (a, b, c) = (dir.join("a"), dir.join("b"), dir.join("c"));
    ok(&["run", "bank-branches", "--quiet", "--out", s(&a)]);
    ok(&["run", "bank-branches", "--quiet", "--out", s(&b)]);
    ok(&["run", "bank-branches", "--quiet", "--threads", "1", "--out", s(&c)]);
    for file in ["summary.json", "timeseries.csv", "report.html", "loss.svg"] {
        let first = fs::read(a.join(file)).unwrap();
        assert_eq!(first, fs::read(b.join(file)).unwrap(), "{file} differs between two runs");
        assert_eq!(first, fs::read(c.join(file)).unwrap(), "{file} differs on 1 thread");
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_exits_2_before_simulating_and_leaves_no_folder() {
    let dir = scratch("bad");
    let out = dir.join("never");
    for (args, says) in [
        (vec!["run", "no-such-scenario", "--out", s(&out)], "no built-in scenario has this name"),
        (vec!["run", "hospital-tabletop", "--reps", "0", "--out", s(&out)], "--reps 0"),
        (vec!["run", "hospital-tabletop", "--threads", "0", "--out", s(&out)], "--threads 0"),
        (vec!["run", "hospital-tabletop", "--threads", "5000", "--out", s(&out)], "--threads 5000"),
        (vec!["run", "hospital-tabletop", "--out", "/proc/blastradius/out"], "--out"),
        (vec!["compare", "hospital-tabletop", "nope", "--out", s(&out)], "nope"),
        (
            vec!["sweep", "hospital-tabletop", "--set", "vendor.nope=1", "--out", s(&out)],
            "no field `nope`",
        ),
    ] {
        let o = run(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says) && stderr.contains("hint:"), "{args:?}: {stderr}");
        assert!(o.stdout.is_empty());
        assert!(!out.exists(), "{args:?} left {out:?} behind");
    }
    assert!(!Path::new("/proc/blastradius").exists());
    fs::remove_dir_all(&dir).unwrap();
}

/// The mean, 5th and 95th percentiles of a figure in a summary.
fn stat(summary: &serde_json::Value, name: &str, key: &str) -> f64 {
    summary["metrics"][name][key].as_f64().unwrap()
}

#[test]
fn intervals_from_20_replications_contain_single_run_figures_for_most_seeds() {
    // What single runs of many seeds estimate: the mean of 60 of them, one per seed.
    let dir = scratch("reps");
    let figures =
        ["endpoints_crashed", "endpoint_downtime_hours", "loss_usd_total", "recovered_90pct_at_s"];
    let mut singles: Vec<Vec<f64>> = vec![Vec::new(); figures.len()];
    for seed in 1..=60 {
        let one = dir.join(format!("seed{seed}"));
        ok(&["run", "hospital-tabletop", "--seed", &seed.to_string(), "--quiet", "--out", s(&one)]);
        let single = json(&one.join("summary.json"));
        for (i, f) in figures.iter().enumerate() {
            singles[i].push(stat(&single, f, "mean"));
        }
        fs::remove_dir_all(&one).unwrap();
    }
    // Ten independent `--reps 20` runs: a 95% interval should contain that mean for most.
    // Read literally, "contain the single-run figures": the 5th to 95th percentile range of
    // the 20 replications holds most single runs too (90% in expectation).
    let mut covered = vec![0; figures.len()];
    let mut spread = vec![0; figures.len()];
    for batch in 101..=110 {
        let many = dir.join(format!("batch{batch}"));
        ok(&[
            "run",
            "hospital-tabletop",
            "--reps",
            "20",
            "--seed",
            &batch.to_string(),
            "--quiet",
            "--out",
            s(&many),
        ]);
        let summary = json(&many.join("summary.json"));
        for (i, f) in figures.iter().enumerate() {
            let truth = singles[i].iter().sum::<f64>() / singles[i].len() as f64;
            let (low, high) = (stat(&summary, f, "ci95_low"), stat(&summary, f, "ci95_high"));
            covered[i] += usize::from(low <= truth && truth <= high);
            let (p05, p95) = (stat(&summary, f, "p05"), stat(&summary, f, "p95"));
            spread[i] += singles[i].iter().filter(|&&x| p05 <= x && x <= p95).count();
        }
    }
    for (i, f) in figures.iter().enumerate() {
        assert!(
            covered[i] >= 8,
            "{f}: only {} of 10 intervals contain the mean of single runs",
            covered[i]
        );
        // With 20 replications the interpolated p05..p95 spans order statistics 1.95 to 19.05
        // of 20, so a new run falls inside with probability (19.05 - 1.95) / 21 = 0.81 for a
        // continuous figure; over 10 batches and 60 runs the share has a standard error of
        // about 0.03. Below 0.70 (3.5 standard errors) the percentiles are wrong.
        let share = spread[i] as f64 / (10 * singles[i].len()) as f64;
        assert!(share >= 0.70, "{f}: only {share:.2} of single runs lie within p05..p95");
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn compare_reports_paired_differences_side_by_side() {
    let dir = scratch("compare");
    let more = dir.join("more-techs.ron");
    fs::write(
        &more,
        "(extends: \"hospital-tabletop\", name: \"more-techs\",\n fleet: { \"harbour_health\": (staff: (technicians_per_1000: 20.0)) })\n",
    )
    .unwrap();
    let out = dir.join("cmp");
    let stdout = ok(&["compare", "hospital-tabletop", s(&more), "--reps", "5", "--out", s(&out)]);
    assert!(stdout.contains("vs hospital-tabletop"), "{stdout}");
    for file in [
        "summary.json",
        "compare.csv",
        "report.html",
        "compare_endpoints_down.svg",
        "compare_capacity.png",
        "compare_loss.svg",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let summary = json(&out.join("summary.json"));
    assert_eq!(summary["schema"], "blastradius.compare/1");
    assert_eq!(summary["baseline"], "hospital-tabletop");
    let second = &summary["scenarios"][1];
    assert_eq!(second["name"], "more-techs");
    // Common random numbers: the same endpoints crash in both, exactly.
    assert_eq!(second["difference"]["endpoints_crashed"]["mean"], 0.0);
    assert_eq!(second["difference"]["endpoints_crashed"]["ci95_high"], 0.0);
    // Twice the technicians: less downtime, with an interval that excludes zero.
    let d = &second["difference"]["endpoint_downtime_hours"];
    assert!(d["ci95_high"].as_f64().unwrap() < 0.0, "{d}");
    let csv = fs::read_to_string(out.join("compare.csv")).unwrap();
    assert!(csv.starts_with(
        "scenario,metric,n,mean,ci95_low,ci95_high,diff_mean,diff_ci95_low,diff_ci95_high\n"
    ));
    fs::remove_dir_all(&dir).unwrap();
}

const SWEEP: [&str; 6] = [
    "--set",
    "fleet.harbour_health.staff.technicians_per_1000=5,10,20",
    "--set",
    "vendor.revert=30m,78m,3h",
    "--reps",
    "3",
];

fn sweep(out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["sweep", "hospital-tabletop"];
    args.extend(SWEEP);
    args.extend(["--quiet", "--out", s(out)]);
    args.extend(extra);
    ok(&args)
}

#[test]
fn a_grid_sweep_writes_its_tables_and_charts_identically_on_1_and_2_threads() {
    let dir = scratch("sweep");
    let (one, two) = (dir.join("one"), dir.join("two"));
    sweep(&one, &["--threads", "1"]);
    sweep(&two, &["--threads", "2"]);
    for file in [
        "runs.csv",
        "points.csv",
        "sweep.json",
        "heatmap_loss.svg",
        "heatmap_loss.png",
        "sensitivity_loss.svg",
    ] {
        assert!(one.join(file).is_file(), "{file} missing");
    }
    let runs = fs::read_to_string(one.join("runs.csv")).unwrap();
    assert_eq!(runs, fs::read_to_string(two.join("runs.csv")).unwrap());
    assert_eq!(runs.lines().count(), 1 + 9 * 3);
    assert!(runs.starts_with(
        "point,replication,fleet.harbour_health.staff.technicians_per_1000,vendor.revert,endpoints_total,"
    ));
    assert!(runs.lines().nth(1).unwrap().starts_with("0,0,5,30m,4000,"));
    assert_eq!(
        fs::read(one.join("points.csv")).unwrap(),
        fs::read(two.join("points.csv")).unwrap()
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merged_shards_equal_the_unsharded_sweep() {
    let dir = scratch("shards");
    let whole = dir.join("whole");
    sweep(&whole, &[]);
    let shards: Vec<PathBuf> = (0..3).map(|i| dir.join(format!("shard{i}"))).collect();
    for (i, shard) in shards.iter().enumerate() {
        sweep(shard, &["--shard", &format!("{i}/3")]);
        assert!(!shard.join("points.csv").exists(), "a shard alone writes no aggregates");
    }
    let merged = dir.join("merged");
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(|p| s(p)));
    args.extend(["--out", s(&merged), "--quiet"]);
    ok(&args);
    for file in ["runs.csv", "points.csv", "heatmap_loss.svg"] {
        assert_eq!(
            fs::read(merged.join(file)).unwrap(),
            fs::read(whole.join(file)).unwrap(),
            "{file}"
        );
    }
    // Merging an incomplete set of shards says what is missing.
    let o = run(&["merge", s(&shards[0]), s(&shards[1]), "--out", s(&dir.join("partial"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing"));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_interrupted_sweep_resumes_with_every_run_exactly_once() {
    let dir = scratch("resume");
    let (whole, cut) = (dir.join("whole"), dir.join("cut"));
    sweep(&whole, &[]);
    sweep(&cut, &[]);
    // Simulate a kill: keep the header and ten rows, then half of the next row.
    let text = fs::read_to_string(cut.join("runs.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = lines[..11].join("\n");
    kept.push('\n');
    kept.push_str(&lines[11][..lines[11].len() / 2]);
    fs::write(cut.join("runs.csv"), kept).unwrap();
    fs::remove_file(cut.join("points.csv")).unwrap();
    sweep(&cut, &[]);
    assert_eq!(fs::read(cut.join("runs.csv")).unwrap(), fs::read(whole.join("runs.csv")).unwrap());
    assert!(cut.join("points.csv").is_file());
    // A different sweep into the same folder is refused rather than mixed in.
    let o = run(&["sweep", "hospital-tabletop", "--set", "vendor.revert=1h", "--out", s(&cut)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("different sweep"));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_sweep_flags_name_the_problem_and_the_alternatives() {
    let dir = scratch("badsweep");
    let out = dir.join("x");
    for (set, extra, says) in [
        ("fleet.harbour_health.staff.technicans_per_1000=1,2", vec![], "technicians_per_1000"),
        ("fleet.nowhere.staff.technicians_per_1000=1", vec![], "harbour_health"),
        ("fleet.harbour_health.organisations=1.5", vec![], "whole number"),
        ("vendor.revert=soon", vec![], "neither a number nor a duration"),
        ("fleet.harbour_health.staff.technicians_per_1000=9..3:4", vec![], "range is empty"),
        (
            "fleet.harbour_health.staff.technicians_per_1000=1,2",
            vec!["--shard", "3/3"],
            "between 0 and N-1",
        ),
        (
            "fleet.harbour_health.staff.technicians_per_1000=1,2",
            vec!["--design", "lhs"],
            "--samples",
        ),
        ("vendor.telemetry.crash_report_share=0.5,1.5", vec![], "crash_report_share"),
    ] {
        let mut args = vec!["sweep", "hospital-tabletop", "--set", set, "--out", s(&out)];
        args.extend(extra.iter().copied());
        let o = run(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{set}: {stderr}");
        assert!(stderr.contains(says), "{set}: {stderr}");
        assert!(!out.exists(), "{set} created the folder");
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_dry_run_prints_the_sweep_size_and_writes_nothing() {
    let dir = scratch("dry-run");
    let out = dir.join("never");
    let stdout = sweep(&out, &["--shard", "1/4", "--dry-run"]);
    assert_eq!(stdout, "points=9 replications=3 runs=27 shard=1/4 shard_runs=7 endpoints=4000\n");
    assert!(!out.exists());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn format_parquet_writes_parquet_tables_instead_of_csv_but_keeps_the_sweep_journal() {
    let dir = scratch("format");
    let run_out = dir.join("run");
    ok(&["run", "hospital-tabletop", "--format", "parquet", "--quiet", "--out", s(&run_out)]);
    assert!(run_out.join("timeseries.parquet").is_file());
    assert!(!run_out.join("timeseries.csv").exists());
    let parquet_magic = |p: &Path| fs::read(p).unwrap().starts_with(b"PAR1");
    assert!(parquet_magic(&run_out.join("timeseries.parquet")));
    let sweep_out = dir.join("sweep");
    sweep(&sweep_out, &["--format", "parquet"]);
    for file in ["runs.csv", "runs.parquet", "points.parquet"] {
        assert!(sweep_out.join(file).is_file(), "{file} missing");
    }
    assert!(!sweep_out.join("points.csv").exists());
    let o = run(&["run", "hospital-tabletop", "--format", "xls", "--out", s(&dir.join("x"))]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr.contains("--format") && stderr.contains("csv, parquet, both"), "{stderr}");
    assert!(!dir.join("x").exists());
    fs::remove_dir_all(&dir).unwrap();
}

/// A stand-in for Slurm's `sbatch` that runs jobs at once: array tasks one after another with
/// SLURM_ARRAY_TASK_ID and SLURM_CPUS_PER_TASK set, and another job (the merge) at once. It
/// logs each submission's options.
const FAKE_SBATCH: &str = r#"#!/usr/bin/env bash
array=""; cpus=1; opts=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --array=*) array="${1#--array=}"; opts+=("$1"); shift ;;
        --cpus-per-task=*) cpus="${1#--cpus-per-task=}"; opts+=("$1"); shift ;;
        --*) opts+=("$1"); shift ;;
        *) break ;;
    esac
done
echo "${opts[*]}" >> "$SBATCH_LOG"
script=$1; shift
# A job that is not an array (the merge) runs at once; its failure is the job's, not sbatch's.
if [[ -z "$array" ]]; then bash "$script" "$@" > /dev/null 2>&1 || true; echo 2; exit 0; fi
IFS=',' read -ra parts <<< "$array"
for part in "${parts[@]}"; do
    for i in $(seq "${part%-*}" "${part#*-}"); do
        SLURM_ARRAY_TASK_ID=$i SLURM_CPUS_PER_TASK=$cpus bash "$script" "$@" || exit 1
    done
done
echo 1
"#;

#[test]
fn the_slurm_script_runs_one_shard_per_array_task_then_merges() {
    let dir = scratch("slurm");
    let out = dir.join("sweep");
    let mut args = vec!["3", s(&out), "hospital-tabletop"];
    args.extend(SWEEP);
    let (o, log) = slurm_script(&dir, &args, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("submitted job array 1 ") && stdout.contains("squeue -j 1,2"),
        "{stdout}"
    );
    let (array, merge) = log.split_once('\n').unwrap();
    // 27 runs of a 4,000-endpoint world: 2 CPUs and the smallest memory step per task.
    assert!(array.starts_with("--parsable --array=0-2 --cpus-per-task=2 --mem=512M "), "{log}");
    assert!(merge.contains("--dependency=afterok:1") && !merge.contains("--array"), "{log}");
    for i in 0..3 {
        assert!(out.join(format!("shard-{i}/runs.csv")).is_file());
    }
    let whole = dir.join("whole");
    sweep(&whole, &[]);
    assert_eq!(
        fs::read(out.join("merged/runs.csv")).unwrap(),
        fs::read(whole.join("runs.csv")).unwrap()
    );
    fs::remove_dir_all(&dir).unwrap();
}

/// Runs the Slurm script with the stand-in `sbatch` first on PATH; returns its output and the
/// stand-in's log of submissions.
fn slurm_script(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Output, String) {
    let fake = dir.join("bin");
    fs::create_dir_all(&fake).unwrap();
    fs::write(fake.join("sbatch"), FAKE_SBATCH).unwrap();
    Command::new("chmod").arg("+x").arg(fake.join("sbatch")).status().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-sweep.sbatch");
    let path = format!("{}:{}", fake.display(), std::env::var("PATH").unwrap_or_default());
    let log = dir.join("sbatch.log");
    let _ = fs::remove_file(&log);
    let mut command = Command::new("bash");
    command.arg(&script).args(args).env("PATH", path).env("SBATCH_LOG", &log);
    command.env("BLASTRADIUS", bin()).env_remove("BLASTRADIUS_SBATCH_ARGS");
    for (k, v) in env {
        command.env(k, v);
    }
    let o = command.output().unwrap();
    (o, fs::read_to_string(&log).unwrap_or_default())
}

#[test]
fn the_slurm_script_passes_sbatch_options_through_and_resubmits_one_shard() {
    let dir = scratch("slurm-options");
    let out = dir.join("sweep");
    let mut args = vec!["--cpus-per-task=1", "--mem-per-cpu=1G", "--array=1", "--"];
    args.extend(["3", s(&out), "hospital-tabletop"]);
    args.extend(SWEEP);
    let (o, log) = slurm_script(&dir, &args, &[("BLASTRADIUS_SBATCH_ARGS", "--partition=short")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (array, merge) = log.split_once('\n').unwrap();
    for (line, wanted, unwanted) in [
        (array, ["--partition=short", "--array=1", "--mem-per-cpu=1G"], ["--array=0-2", "--mem="]),
        (
            merge,
            ["--partition=short", "--mem-per-cpu=1G", "--cpus-per-task=1"],
            ["--array", "--mem="],
        ),
    ] {
        assert!(wanted.iter().all(|w| line.contains(w)), "{line}");
        assert!(unwanted.iter().all(|u| !line.contains(u)), "{line}");
    }
    // Only shard 1 ran (the merge failed for want of the others).
    assert!(out.join("shard-1/runs.csv").is_file() && !out.join("shard-0").exists());

    // Bad input fails before anything is submitted.
    let cases = [
        (
            vec!["3", s(&out), "hospital-tabletop", "--set", "horizon=1d"],
            vec![],
            "3 shards for 1 runs",
        ),
        (vec!["3", s(&out), "hospital-tabletop", "--set", "nope=1"], vec![], "no field `nope`"),
        (
            vec!["2", s(&out), "hospital-tabletop", "--set", "horizon=1d,2d", "--shard", "0/2"],
            vec![],
            "--shard",
        ),
        (
            vec!["2", s(&out), "hospital-tabletop"],
            vec![("BLASTRADIUS", "/no/such/blastradius")],
            "/no/such/blastradius",
        ),
    ];
    for (args, env, says) in cases {
        let (o, log) = slurm_script(&dir, &args, &env);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(log.is_empty(), "{args:?} submitted {log}");
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_revert_nothing_triggers_is_warned_about_but_still_valid() {
    let dir = scratch("warn");
    let file = dir.join("never-reverted.ron");
    fs::write(
        &file,
        r#"(extends: "crowdstrike-2024", name: "never-reverted",
            vendor: (rollout: (policy: Rings, rings: [(name: "all", share: 1.0, bake: "0s")]),
                     revert: AfterHalt("15m")))"#,
    )
    .unwrap();
    let out = run(&["validate", s(&file)]);
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with(&format!("warning: {}: vendor.revert is AfterHalt", s(&file))));
    assert!(stderr.contains("hint:"), "{stderr}");
    // A shipped scenario has nothing to warn about.
    let out = run(&["validate", "canary-rings"]);
    assert!(out.status.success() && out.stderr.is_empty());
}
