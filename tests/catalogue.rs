//! `blastradius catalogue` and `run --ord` end to end: the tables are the same on 1, 2 and 4
//! threads and whatever the shards; a killed catalogue resumes with no year lost or repeated;
//! the average loss and exceedance tables agree with the period loss table they come from;
//! the ORD event tables of a run add up to its summary; bad input exits 2 at its file, line
//! and column.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_blastradius")
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("blastradius-catalogue-{name}-{}", std::process::id()));
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

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn catalogue(name: &str) -> String {
    format!("{}/tests/catalogues/{name}.ron", env!("CARGO_MANIFEST_DIR"))
}

/// Every table and summary a finished catalogue folder holds, by file name.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for name in ["summary.json", "occurrences.csv", "report.html"] {
        files.insert(name.to_string(), fs::read(dir.join(name)).unwrap());
    }
    for entry in fs::read_dir(dir.join("ord")).unwrap() {
        let path = entry.unwrap().path();
        let name = format!("ord/{}", path.file_name().unwrap().to_string_lossy());
        files.insert(name, fs::read(&path).unwrap());
    }
    files
}

fn same(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, what: &str) {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{what}: files");
    for (name, bytes) in a {
        assert!(bytes == &b[name], "{what}: {name} differs");
    }
}

#[test]
fn a_catalogue_gives_the_same_tables_on_1_2_and_4_threads() {
    let dir = scratch("threads");
    let cat = catalogue("hospital");
    let mut runs = Vec::new();
    for threads in ["1", "2", "4"] {
        let out = dir.join(format!("t{threads}"));
        ok(&[
            "catalogue",
            &cat,
            "--years",
            "120",
            "--threads",
            threads,
            "--quiet",
            "--out",
            s(&out),
        ]);
        runs.push(outputs(&out));
    }
    assert!(runs[0].len() > 40, "{:?}", runs[0].keys());
    same(&runs[0], &runs[1], "2 threads");
    same(&runs[0], &runs[2], "4 threads");
    let summary: serde_json::Value = serde_json::from_slice(&runs[0]["summary.json"]).unwrap();
    assert_eq!(summary["schema"], "blastradius.catalogue/1");
    assert_eq!(summary["years"], 120);
    assert!(summary["occurrences"].as_u64().unwrap() > 60);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_killed_catalogue_resumes_with_no_year_lost_or_repeated() {
    let dir = scratch("resume");
    let cat = catalogue("hospital");
    let whole = dir.join("whole");
    let years = "500";
    ok(&["catalogue", &cat, "--years", years, "--threads", "2", "--quiet", "--out", s(&whole)]);
    let killed = dir.join("killed");
    let mut child = Command::new(bin())
        .args([
            "catalogue",
            &cat,
            "--years",
            years,
            "--threads",
            "2",
            "--quiet",
            "--out",
            s(&killed),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal = killed.join("occurrences.csv");
    let started = Instant::now();
    loop {
        let lines = fs::read_to_string(&journal).map_or(0, |t| t.lines().count());
        if lines > 60 || started.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = fs::read_to_string(&journal).unwrap();
    let total: usize = fs::read_to_string(whole.join("occurrences.csv")).unwrap().lines().count();
    assert!(before.lines().count() < total, "the catalogue finished before it was killed");
    assert!(!killed.join("summary.json").exists());
    // A torn last line, as a kill in the middle of a write leaves it.
    fs::write(&journal, format!("{before}{}", "7,1,0,17")).unwrap();
    ok(&["catalogue", &cat, "--years", years, "--threads", "2", "--quiet", "--out", s(&killed)]);
    same(&outputs(&whole), &outputs(&killed), "resumed");
    // Each occurrence once.
    let text = fs::read_to_string(&journal).unwrap();
    let mut ids: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| l.splitn(4, ',').take(3).collect::<Vec<_>>().join(","))
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn shards_merged_give_the_whole_catalogue() {
    let dir = scratch("shards");
    let cat = catalogue("hospital");
    let whole = dir.join("whole");
    ok(&["catalogue", &cat, "--years", "90", "--quiet", "--out", s(&whole)]);
    let mut shards = Vec::new();
    for i in 0..3 {
        let shard = dir.join(format!("shard-{i}"));
        let stdout = ok(&[
            "catalogue",
            &cat,
            "--years",
            "90",
            "--shard",
            &format!("{i}/3"),
            "--out",
            s(&shard),
        ]);
        assert!(stdout.contains("shard done"), "{stdout}");
        assert!(!shard.join("summary.json").exists());
        shards.push(shard);
    }
    let merged = dir.join("merged");
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(|p| s(p)));
    args.extend(["--out", s(&merged), "--quiet"]);
    ok(&args);
    same(&outputs(&whole), &outputs(&merged), "merged");
    // A shard missing: an input error that says how many occurrences are missing.
    let out = run(&["merge", s(&shards[0]), s(&shards[1]), "--out", s(&dir.join("partial"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing"));
    let dry = ok(&["catalogue", &cat, "--years", "90", "--shard", "1/3", "--dry-run"]);
    assert!(dry.starts_with("years=90 events=4 ") && dry.contains("shard=1/3"), "{dry}");
    fs::remove_dir_all(&dir).unwrap();
}

/// A CSV's rows as maps from column to text.
fn table(path: &Path) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    let rows = lines
        .map(|l| header.iter().cloned().zip(l.split(',').map(str::to_string)).collect())
        .collect();
    (header, rows)
}

fn num(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column].parse().unwrap_or_else(|_| panic!("{column}: {:?}", row[column]))
}

#[test]
fn the_average_loss_and_ep_tables_agree_with_the_period_loss_table() {
    let dir = scratch("consistency");
    let out = dir.join("out");
    let years = 400u64;
    ok(&["catalogue", &catalogue("hospital"), "--years", "400", "--quiet", "--out", s(&out)]);
    for prefix in ["gul", "il"] {
        for set in ["S1", "S3"] {
            let ord = out.join("ord");
            let (h, plt) = table(&ord.join(format!("{prefix}_{set}_plt.csv")));
            assert_eq!(
                h.join(","),
                "Period,PeriodWeight,EventId,Year,Month,Day,Hour,Minute,SummaryId,SampleId,Loss,ImpactedExposure"
            );
            // Year sums and largest occurrences by summary, from the PLT alone.
            let mut sums: BTreeMap<(u64, u64), f64> = BTreeMap::new();
            let mut maxes: BTreeMap<(u64, u64), f64> = BTreeMap::new();
            for r in &plt {
                let key = (num(r, "SummaryId") as u64, num(r, "Period") as u64);
                let loss = num(r, "Loss");
                *sums.entry(key).or_default() += loss;
                let m = maxes.entry(key).or_default();
                *m = m.max(loss);
            }
            let (h, alt) = table(&ord.join(format!("{prefix}_{set}_alt.csv")));
            assert_eq!(h.join(","), "SummaryId,SampleType,MeanLoss,SDLoss");
            let (h, ept) = table(&ord.join(format!("{prefix}_{set}_ept.csv")));
            assert_eq!(h.join(","), "SummaryId,EPCalc,EPType,ReturnPeriod,Loss");
            let rows_of = |id: u64| plt.iter().filter(|r| num(r, "SummaryId") as u64 == id).count();
            for a in &alt {
                let id = num(a, "SummaryId") as u64;
                let losses: Vec<f64> =
                    sums.iter().filter(|(k, _)| k.0 == id).map(|(_, v)| *v).collect();
                let mean = losses.iter().sum::<f64>() / years as f64;
                // PLT losses are written to the cent.
                let tolerance = 0.01 * rows_of(id) as f64;
                assert!((num(a, "MeanLoss") - mean).abs() <= tolerance, "{prefix} {set} ALT {id}");
                let ss: f64 = losses.iter().map(|l| (l - mean).powi(2)).sum::<f64>()
                    + (years as f64 - losses.len() as f64) * mean * mean;
                let sd = (ss / (years as f64 - 1.0)).sqrt();
                assert!(
                    (num(a, "SDLoss") - sd).abs() <= 1e-6 * sd + tolerance,
                    "{prefix} {set} SD {id}"
                );
            }
            // Each EPT value from the PLT: rank the years, read the rank at N / T.
            for e in &ept {
                let id = num(e, "SummaryId") as u64;
                let t = num(e, "ReturnPeriod");
                let kind = num(e, "EPType") as u32;
                assert_eq!(num(e, "EPCalc"), 2.0);
                let source = if kind <= 2 { &maxes } else { &sums };
                let mut ranked: Vec<f64> =
                    source.iter().filter(|(k, _)| k.0 == id).map(|(_, v)| *v).collect();
                ranked.sort_by(|a, b| b.total_cmp(a));
                let m = years as f64 / t;
                let expected = if kind % 2 == 1 {
                    // Exactly on a rank for the standard return periods of 400 years.
                    let i = m.ceil() as usize;
                    let at = |i: usize| ranked.get(i - 1).copied().unwrap_or(0.0);
                    if (m - m.round()).abs() < 1e-9 || at(i) == 0.0 { at(i) } else { f64::NAN }
                } else {
                    let whole = m.floor() as usize;
                    let top: f64 = ranked.iter().take(whole).sum();
                    (top + (m - whole as f64) * ranked.get(whole).copied().unwrap_or(0.0)) / m
                };
                if expected.is_nan() {
                    continue;
                }
                let tolerance = 0.01 * rows_of(id) as f64 + 1e-6 * expected;
                assert!(
                    (num(e, "Loss") - expected).abs() <= tolerance,
                    "{prefix} {set} EPT summary {id} type {kind} at {t}: {} vs {expected}",
                    num(e, "Loss")
                );
            }
        }
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_runs_ord_event_tables_add_up_to_its_summary() {
    let dir = scratch("run-ord");
    let out = dir.join("run");
    ok(&["run", "hospital-tabletop", "--reps", "3", "--ord", "--quiet", "--out", s(&out)]);
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert!(summary["command"].as_str().unwrap().ends_with(" --ord"));
    let mean = |name: &str| summary["metrics"][name]["mean"].as_f64().unwrap();
    for (prefix, figure) in [("gul", "loss_usd_total"), ("il", "insured_usd_total")] {
        for set in ["S1", "S2", "S3"] {
            let (h, selt) = table(&out.join(format!("ord/{prefix}_{set}_selt.csv")));
            assert_eq!(h.join(","), "EventId,SummaryId,SampleId,Loss,ImpactedExposure");
            let total: f64 = selt.iter().map(|r| num(r, "Loss")).sum::<f64>() / 3.0;
            let expected = mean(figure);
            assert!(
                (total - expected).abs() < 0.01 * selt.len() as f64,
                "{prefix} {set}: {total} vs {expected}"
            );
            let (h, melt) = table(&out.join(format!("ord/{prefix}_{set}_melt.csv")));
            assert_eq!(h.len(), 11);
            let melt_total: f64 = melt.iter().map(|r| num(r, "MeanLoss")).sum();
            assert!((melt_total - expected).abs() < 0.01 * melt.len() as f64 + 0.01);
            assert!(melt.iter().all(|r| r["EventRate"].is_empty() && r["SampleType"] == "2"));
            let (h, _) = table(&out.join(format!("ord/{prefix}_{set}_qelt.csv")));
            assert_eq!(h.join(","), "EventId,SummaryId,Quantile,Loss");
            let (h, _) = table(&out.join(format!("ord/{prefix}_{set}_summary-info.csv")));
            assert_eq!(h.first().map(String::as_str), Some("summary_id"));
            assert_eq!(h.last().map(String::as_str), Some("tiv"));
        }
    }
    fs::remove_dir_all(&dir).unwrap();
}

/// Runs a catalogue that should fail and returns its error text.
fn refused(dir: &Path, text: &str, extra: &[&str]) -> String {
    let path = dir.join("bad.ron");
    fs::write(&path, text).unwrap();
    let mut args = vec!["catalogue", s(&path), "--years", "10", "--out"];
    let out_dir = dir.join("never");
    args.push(s(&out_dir));
    args.extend(extra);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(2), "{text}: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!out_dir.exists(), "nothing is written for bad input");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn bad_catalogues_exit_2_at_their_file_line_and_column_before_anything_runs() {
    let dir = scratch("bad");
    let bad = s(&dir.join("bad.ron")).to_string();
    let e = refused(
        &dir,
        "(name: \"c\", events: [\n    (name: \"a\", scenario: \"hospital-tabletop\", rate: -0.1),\n])",
        &[],
    );
    assert!(e.contains(&format!("{bad}:2:54")) && e.contains("below zero"), "{e}");
    let e = refused(
        &dir,
        "(name: \"c\", events: [(name: \"a\", scenario: \"gone.ron\", rate: 0.1)])",
        &[],
    );
    assert!(e.contains(&format!("{bad}:1:44")) && e.contains("gone.ron"), "{e}");
    let e = refused(&dir, "(name: \"c\", evnts: [])", &[]);
    assert!(e.contains(&format!("{bad}:1:13")) && e.contains("events"), "{e}");
    // A bad policy term in an event's scenario file: at that file's line and column.
    let event = dir.join("event.ron");
    fs::write(
        &event,
        "(\n    extends: \"hospital-tabletop\",\n    fleet: { \"harbour_health\": (insurance: (take_up: 1.5)) },\n)\n",
    )
    .unwrap();
    let e = refused(
        &dir,
        "(name: \"c\", events: [(name: \"a\", scenario: \"event.ron\", rate: 0.1)])",
        &[],
    );
    assert!(e.contains(&format!("{}:3:", event.display())) && e.contains("take_up"), "{e}");
    let e = refused(
        &dir,
        "(name: \"c\", events: [(name: \"a\", scenario: \"hospital-tabletop\", rate: 0.1, \
         set: [\"fleet.harbour_health.insurance.business_interruption.coinsurance=2\"])])",
        &[],
    );
    assert!(e.contains(&format!("{bad}:1:")) && e.contains("coinsurance"), "{e}");
    let good = "(name: \"c\", events: [(name: \"a\", scenario: \"hospital-tabletop\", rate: 0.1)])";
    let e = refused(&dir, good, &["--years", "0"]);
    assert!(e.contains("--years"), "{e}");
    let e = refused(&dir, good, &["--shard", "3/3"]);
    assert!(e.contains("--shard"), "{e}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_policy_term_in_a_scenario_exits_2_at_its_line_and_column() {
    let dir = scratch("bad-terms");
    let path = dir.join("terms.ron");
    fs::write(
        &path,
        "(\n    extends: \"hospital-tabletop\",\n    fleet: {\n        \"harbour_health\": (insurance: (\n            business_interruption: (retention_usd: -5.0),\n            aggregate_limit_usd: -1.0,\n        )),\n    },\n)\n",
    )
    .unwrap();
    let out = run(&["run", s(&path), "--out", s(&dir.join("never"))]);
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    let p = path.display();
    assert!(e.contains(&format!("{p}:5:52")) && e.contains("retention_usd"), "{e}");
    assert!(e.contains(&format!("{p}:6:34")) && e.contains("aggregate_limit_usd"), "{e}");
    fs::remove_dir_all(&dir).unwrap();
}
