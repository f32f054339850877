//! The exporters on real results: a built-in scenario run through the model, then every
//! exporter. Checks what only real results can show (the pieces fit, the outputs agree with
//! each other) and that the whole pipeline gives the same bytes for any thread count.
//!
//! `cargo test --release --test report -- --ignored` also writes a full report of the
//! `hospital-tabletop` scenario to /tmp/report_preview/real/ for a human to look at.

use std::sync::Arc;

use blastradius::model::{Metric, RunConfig, run_replication};
use blastradius::report::charts::{self, Compared};
use blastradius::report::{
    RunMeta, RunSet, report_html, summarize, summary_json, summary_table, timeseries_csv,
};
use blastradius::scenario;

/// Runs `reps` replications of a built-in scenario with `threads` threads.
fn run(name: &str, reps: u64, threads: usize) -> RunSet {
    let (loaded, spec) = scenario::read(name).expect("built-in scenario");
    let spec = Arc::new(spec);
    let runs = (0..reps)
        .map(|replication| {
            run_replication(Arc::clone(&spec), RunConfig { replication, threads })
                .expect("the replication runs")
        })
        .collect();
    RunSet {
        meta: RunMeta {
            scenario: spec.name.clone(),
            description: spec.description.clone(),
            seed: spec.seed,
            replications: reps,
            command: format!("blastradius run {name} --reps {reps} --seed {}", spec.seed),
            program: "blastradius test".into(),
            resolved_ron: loaded.to_ron(),
            start_unix_s: spec.start_unix_s,
            horizon_s: spec.horizon.0 as f64 / 1_000.0,
            publication_s: 0.0,
        },
        runs,
        observed: Vec::new(),
    }
}

/// Every output of a run set, as bytes, in a fixed order.
fn outputs(set: &RunSet) -> Vec<(String, Vec<u8>)> {
    let stats = summarize(&set.runs);
    let charts = charts::run_charts(set).expect("charts");
    let mut out = vec![
        ("summary.json".to_string(), summary_json(set).into_bytes()),
        ("timeseries.csv".to_string(), timeseries_csv(&set.runs).into_bytes()),
        ("summary.txt".to_string(), summary_table(set, &stats).into_bytes()),
        ("report.html".to_string(), report_html(set, &stats, &charts).into_bytes()),
    ];
    for c in charts {
        out.push((format!("{}.svg", c.name), c.svg.into_bytes()));
        out.push((format!("{}.png", c.name), c.png));
    }
    out
}

#[test]
fn outputs_agree_with_the_results_and_each_other() {
    let set = run("hospital-tabletop", 2, 1);
    let stats = summarize(&set.runs);
    let json: serde_json::Value = serde_json::from_str(&summary_json(&set)).unwrap();
    assert_eq!(json["schema"], "blastradius.summary/1");
    assert_eq!(json["scenario"], "hospital-tabletop");
    assert_eq!(json["replications"], 2);
    let crashed = &json["metrics"]["endpoints_crashed"];
    assert_eq!(crashed["n"], 2);
    assert_eq!(crashed["mean"].as_f64().unwrap(), stats[&Metric::EndpointsCrashed.into()].mean);
    assert!(stats[&Metric::EndpointsCrashed.into()].mean > 0.0, "the outage crashed something");
    let events = json["key_events"].as_array().unwrap();
    assert_eq!(events.len(), set.runs[0].key_events.len());
    // Loss by sector in the JSON adds up to the total figure.
    let by_sector: f64 = json["sectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["loss_usd_total"].as_f64().unwrap())
        .sum();
    let total = stats[&Metric::LossUsd.into()].mean;
    assert!((by_sector - total).abs() <= 1e-6 * total.abs().max(1.0), "{by_sector} vs {total}");

    let csv = timeseries_csv(&set.runs);
    let series = &set.runs[0].series;
    let rows = 2 * series.times_s.len() * series.sectors.len();
    assert_eq!(csv.lines().count(), 1 + rows);
    // The last cumulative loss in the CSV is the last sample of the series.
    let last = csv.lines().last().unwrap();
    let loss: f64 = last.rsplit(',').next().unwrap().parse().unwrap();
    let expected = *set.runs[1].series.loss_usd.last().unwrap().last().unwrap();
    assert!((loss - expected).abs() < 0.01, "{loss} vs {expected}");

    let table = summary_table(&set, &stats);
    assert!(table.starts_with("hospital-tabletop: seed 20240719, 2 replications\n"));
    let html = String::from_utf8(outputs(&set).remove(3).1).unwrap();
    assert!(html.contains("<h1>hospital-tabletop</h1>"));
}

#[test]
fn every_output_is_identical_for_one_and_two_threads() {
    let one = outputs(&run("hospital-tabletop", 2, 1));
    let two = outputs(&run("hospital-tabletop", 2, 2));
    assert_eq!(one.len(), two.len());
    for ((name, a), (_, b)) in one.iter().zip(&two) {
        assert!(a == b, "{name} differs between 1 and 2 threads");
    }
}

#[test]
fn comparison_charts_of_two_scenarios() {
    let a = run("hospital-tabletop", 1, 1);
    let mut b = a.clone();
    b.meta.scenario = "hospital-tabletop-copy".into();
    let charts = charts::compare_charts(&[
        Compared { name: &a.meta.scenario, set: &a },
        Compared { name: &b.meta.scenario, set: &b },
    ])
    .unwrap();
    assert_eq!(charts.len(), 3);
    for c in &charts {
        assert!(c.svg.contains("hospital-tabletop-copy"));
        assert!(c.png.starts_with(&charts::PNG_SIGNATURE));
    }
    // The same results paired with themselves differ by exactly zero.
    let d =
        blastradius::report::paired_figure_diff(&a.runs, &b.runs, Metric::LossUsd.into()).unwrap();
    assert_eq!((d.mean, d.ci95_low, d.ci95_high), (0.0, 0.0, 0.0));
}

/// Writes the real report to /tmp/report_preview/real/ to be looked at.
#[test]
#[ignore]
fn preview_real_report() {
    let dir = std::path::Path::new("/tmp/report_preview/real");
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in outputs(&run("hospital-tabletop", 5, 2)) {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}
