//! Exports for studies of many runs: scenario comparisons (summary JSON, tidy CSV, terminal
//! table, HTML) and parameter sweeps (the plan manifest, `runs.csv` read and written,
//! `points.csv`, charts of outcome against parameter, heatmaps and sensitivity).
//!
//! Like every exporter, these are pure functions of results; reading `runs.csv` and
//! `sweep.json` back (to resume a sweep or merge shards) lives here because this module owns
//! their formats.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::charts::generic::{ChartSpec, TornadoBar, heatmap, line_with_band, tornado};
use super::charts::style::Unit;
use super::charts::{Chart, ChartError, Compared, compare_charts};
use super::csv::cell;
use super::fit::{RowText, fit, row_text};
use super::html::escape;
use super::json::{FitEntry, fit_entries};
use super::stats::{Stat, paired_figure_diff, summarize};
use super::{RunSet, fmt};
use blastradius_model::figures::{Figure, Metric, Unit as FigureUnit};
use blastradius_study::design::{Design, RunId, Shard};
use blastradius_study::sensitivity;
use blastradius_study::{RunRow, SweepPlan};

// ---------------------------------------------------------------------------------------------
// Comparisons.

/// The figures a comparison table leads with, in this order.
pub const KEY_FIGURES: [Metric; 9] = [
    Metric::EndpointsCrashed,
    Metric::EndpointsExposed,
    Metric::Recovered50pctAt,
    Metric::Recovered90pctAt,
    Metric::EndpointDowntimeHours,
    Metric::ServiceHoursLost,
    Metric::FlightsCancelled,
    Metric::LossUsd,
    Metric::RevertPublishedAt,
];

/// One figure of one scenario, with its difference from the first scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareRow {
    pub scenario: String,
    pub metric: Figure,
    pub stat: Stat,
    /// `this - first`, paired by replication (common random numbers); `None` for the first
    /// scenario or when the figure is missing from paired replications.
    pub difference: Option<Stat>,
}

/// The figures any scenario has, in report order (see [`Figure::report_order`]).
fn metric_order(sets: &[RunSet]) -> Vec<Figure> {
    let present = sets
        .iter()
        .flat_map(|set| &set.runs)
        .flat_map(|run| run.figures.iter().filter(|(_, v)| v.is_some()).map(|(&f, _)| f));
    Figure::report_order(present)
}

/// Every figure of every scenario with its paired difference from the first.
pub fn compare_rows(sets: &[RunSet]) -> Vec<CompareRow> {
    let Some(first) = sets.first() else { return Vec::new() };
    let mut rows = Vec::new();
    for metric in metric_order(sets) {
        for (i, set) in sets.iter().enumerate() {
            let Some(stat) = summarize(&set.runs).remove(&metric) else { continue };
            let difference =
                if i == 0 { None } else { paired_figure_diff(&first.runs, &set.runs, metric) };
            rows.push(CompareRow { scenario: set.meta.scenario.clone(), metric, stat, difference });
        }
    }
    rows
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

#[derive(Serialize)]
struct StatJson {
    n: usize,
    mean: Option<f64>,
    ci95_low: Option<f64>,
    ci95_high: Option<f64>,
    p05: Option<f64>,
    p50: Option<f64>,
    p95: Option<f64>,
}

impl From<&Stat> for StatJson {
    fn from(s: &Stat) -> StatJson {
        StatJson {
            n: s.n,
            mean: finite(s.mean),
            ci95_low: finite(s.ci95_low),
            ci95_high: finite(s.ci95_high),
            p05: finite(s.p05),
            p50: finite(s.p50),
            p95: finite(s.p95),
        }
    }
}

/// `compare/summary.json`, schema `blastradius.compare/1`. Keys, in order: `schema`,
/// `baseline` (the first scenario's name), `seed`, `replications`, `command`, `program`, and
/// `scenarios`: for each scenario `name`, `description`, `metrics` ({name: stat}) and
/// `difference` ({name: stat of this minus the baseline, paired by replication}; empty for the
/// baseline), and, only when observations were given, `fit` (as in a run's `summary.json`:
/// per observation `name`, `figure`, `source`, `simulated`, `observed`, `inside`,
/// `not_applicable`). A stat has `n`, `mean`, `ci95_low`, `ci95_high`, `p05`, `p50`, `p95`;
/// numbers that are not finite are `null`.
pub fn compare_json(sets: &[RunSet], command: &str) -> String {
    #[derive(Serialize)]
    struct Scenario {
        name: String,
        description: String,
        metrics: BTreeMap<String, StatJson>,
        difference: BTreeMap<String, StatJson>,
        #[serde(skip_serializing_if = "Option::is_none")]
        fit: Option<Vec<FitEntry>>,
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        schema: &'static str,
        baseline: String,
        seed: u64,
        replications: u64,
        command: &'a str,
        program: String,
        scenarios: Vec<Scenario>,
    }
    let rows = compare_rows(sets);
    let scenarios = sets
        .iter()
        .map(|set| {
            let mine = rows.iter().filter(|r| r.scenario == set.meta.scenario);
            Scenario {
                name: set.meta.scenario.clone(),
                description: set.meta.description.clone(),
                metrics: mine
                    .clone()
                    .map(|r| (r.metric.name().into_owned(), StatJson::from(&r.stat)))
                    .collect(),
                difference: mine
                    .filter_map(|r| {
                        r.difference
                            .as_ref()
                            .map(|d| (r.metric.name().into_owned(), StatJson::from(d)))
                    })
                    .collect(),
                fit: fit_entries(set, &summarize(&set.runs)),
            }
        })
        .collect();
    let first = sets.first();
    let doc = Doc {
        schema: "blastradius.compare/1",
        baseline: first.map(|s| s.meta.scenario.clone()).unwrap_or_default(),
        seed: first.map_or(0, |s| s.meta.seed),
        replications: first.map_or(0, |s| s.meta.replications),
        command,
        program: first.map(|s| s.meta.program.clone()).unwrap_or_default(),
        scenarios,
    };
    let mut text =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// Formats a number for CSV: shortest round-trip form, empty when not finite.
fn csv_number(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => String::new(),
    }
}

/// `compare.csv`: tidy, one row per (scenario, metric): `scenario,metric,n,mean,ci95_low,
/// ci95_high,diff_mean,diff_ci95_low,diff_ci95_high` (the differences empty for the baseline).
pub fn compare_csv(sets: &[RunSet]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "scenario",
        "metric",
        "n",
        "mean",
        "ci95_low",
        "ci95_high",
        "diff_mean",
        "diff_ci95_low",
        "diff_ci95_high",
    ];
    let _ = w.write_record(header);
    // Scenario names are the user's: a cell a spreadsheet would evaluate gets a leading `'`.
    for r in compare_rows(sets) {
        let d = r.difference.as_ref();
        let _ = w.write_record([
            cell(&r.scenario).into_owned(),
            cell(&r.metric.name()).into_owned(),
            r.stat.n.to_string(),
            csv_number(Some(r.stat.mean)),
            csv_number(Some(r.stat.ci95_low)),
            csv_number(Some(r.stat.ci95_high)),
            csv_number(d.map(|d| d.mean)),
            csv_number(d.map(|d| d.ci95_low)),
            csv_number(d.map(|d| d.ci95_high)),
        ]);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A figure's value in human form.
fn human(metric: Figure, v: f64) -> String {
    fmt::value(metric.unit(), v)
}

fn with_interval(metric: Figure, s: &Stat) -> String {
    if s.has_interval() {
        format!(
            "{} [{}, {}]",
            human(metric, s.mean),
            human(metric, s.ci95_low),
            human(metric, s.ci95_high)
        )
    } else {
        human(metric, s.mean)
    }
}

/// A signed difference with its interval, marked `*` when the interval excludes zero.
fn difference_text(metric: Figure, d: &Stat) -> String {
    let sign = |v: f64| {
        if v > 0.0 {
            format!("+{}", human(metric, v))
        } else if v < 0.0 {
            format!("-{}", human(metric, -v))
        } else {
            "0".to_string()
        }
    };
    let marker =
        if d.has_interval() && (d.ci95_low > 0.0 || d.ci95_high < 0.0) { " *" } else { "" };
    if d.has_interval() {
        format!("{} [{}, {}]{marker}", sign(d.mean), sign(d.ci95_low), sign(d.ci95_high))
    } else {
        sign(d.mean)
    }
}

/// The terminal table of a comparison: key figures by scenario, then each scenario's
/// difference from the first with its 95% interval.
pub fn compare_table(sets: &[RunSet]) -> String {
    let rows = compare_rows(sets);
    let Some(first) = sets.first() else { return String::new() };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Comparison of {} scenarios, {} replications each, seed {} (common random numbers)",
        sets.len(),
        first.meta.replications,
        first.meta.seed
    );
    let names: Vec<&str> = sets.iter().map(|s| s.meta.scenario.as_str()).collect();
    let label_width = KEY_FIGURES.iter().map(|&f| Figure::from(f).name().len()).max();
    let label_width = label_width.unwrap_or(10) + 2;
    for metric in KEY_FIGURES.map(Figure::from) {
        let mine: Vec<&CompareRow> = rows.iter().filter(|r| r.metric == metric).collect();
        if mine.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{metric}");
        for name in &names {
            let Some(r) = mine.iter().find(|r| r.scenario == *name) else { continue };
            let diff = r.difference.as_ref().map_or_else(String::new, |d| {
                format!("   vs {}: {}", names[0], difference_text(metric, d))
            });
            let _ = writeln!(out, "  {name:<label_width$}{}{diff}", with_interval(metric, &r.stat));
        }
    }
    let _ = writeln!(out, "\n* the 95% interval of the difference excludes zero");
    out.push_str(&compare_fit_table(sets));
    out
}

/// The fits of the scenarios, observation by observation, in the order of the first
/// scenario's observations: one row per scenario. Each row carries its own band, since a time
/// observed on the clock is a different time after the publication in each scenario.
struct FitBlock {
    name: String,
    rows: Vec<(String, RowText)>,
}

fn fit_blocks(sets: &[RunSet]) -> Vec<FitBlock> {
    let mut blocks: Vec<FitBlock> = Vec::new();
    for set in sets {
        let stats = summarize(&set.runs);
        for row in fit(set, &stats) {
            let text = row_text(&row, set.runs.len());
            let entry = (set.meta.scenario.clone(), text);
            match blocks.iter_mut().find(|b| b.name == row.name) {
                Some(block) => block.rows.push(entry),
                None => blocks.push(FitBlock { name: row.name, rows: vec![entry] }),
            }
        }
    }
    blocks
}

/// The terminal section of a comparison's fit; empty without observations.
fn compare_fit_table(sets: &[RunSet]) -> String {
    let blocks = fit_blocks(sets);
    if blocks.is_empty() {
        return String::new();
    }
    let rows = || blocks.iter().flat_map(|b| b.rows.iter());
    let name_w = rows().map(|(s, _)| s.chars().count()).max().unwrap_or(0) + 2;
    let value = |t: &RowText| match &t.ci {
        Some(ci) => format!("{} {ci}", t.simulated),
        None => t.simulated.clone(),
    };
    let value_w = rows().map(|(_, t)| value(t).chars().count()).max().unwrap_or(0);
    let band_w = rows().map(|(_, t)| t.observed.chars().count()).max().unwrap_or(0);
    let mut out = String::from("\nFit to observations (simulated [95% CI], observed, fit)\n");
    for block in &blocks {
        let _ = writeln!(out, "  {}", block.name);
        for (scenario, t) in &block.rows {
            let line = if t.observed.is_empty() {
                format!("    {scenario:<name_w$}{}", t.verdict)
            } else {
                let note = t.note.as_ref().map(|n| format!("  ({n})")).unwrap_or_default();
                format!(
                    "    {scenario:<name_w$}{:<value_w$}  {:<band_w$}  {}{note}",
                    value(t),
                    t.observed,
                    t.verdict
                )
            };
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// The comparison charts, overlaying every scenario.
pub fn comparison_charts(sets: &[RunSet]) -> Result<Vec<Chart>, ChartError> {
    let compared: Vec<Compared<'_>> =
        sets.iter().map(|s| Compared { name: &s.meta.scenario, set: s }).collect();
    compare_charts(&compared)
}

/// `compare/report.html`: one self-contained page in the style of a run's report.
pub fn compare_html(sets: &[RunSet], charts: &[Chart], command: &str) -> String {
    let rows = compare_rows(sets);
    let mut h = String::new();
    let title = sets.iter().map(|s| s.meta.scenario.as_str()).collect::<Vec<_>>().join(" vs ");
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} - blastradius comparison</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n",
        escape(&title),
        super::html::CSS
    );
    let _ = writeln!(h, "<h1>{}</h1>", escape(&title));
    if let Some(first) = sets.first() {
        let _ = writeln!(
            h,
            "<p class=\"meta\">{} replications per scenario, seed {}, common random numbers: replication <i>i</i> of every scenario uses the same dice for the same organisations and endpoints, so differences come from the policies.</p>",
            first.meta.replications, first.meta.seed
        );
    }
    let _ = write!(h, "<h2>Reproduce</h2>\n<pre><code>{}</code></pre>\n", escape(command));
    h.push_str("<h2>Scenarios</h2>\n<ul>\n");
    for set in sets {
        let _ = writeln!(
            h,
            "<li><b>{}</b>: {}</li>",
            escape(&set.meta.scenario),
            escape(&set.meta.description)
        );
    }
    h.push_str("</ul>\n<h2>Key figures</h2>\n<table>\n<thead><tr><th>figure</th><th>scenario</th><th>mean [95% CI]</th><th>difference from the first [95% CI]</th></tr></thead>\n<tbody>\n");
    for metric in metric_order(sets) {
        for r in rows.iter().filter(|r| r.metric == metric) {
            let diff =
                r.difference.as_ref().map_or_else(String::new, |d| difference_text(metric, d));
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&metric.name()),
                escape(&r.scenario),
                escape(&with_interval(metric, &r.stat)),
                escape(&diff)
            );
        }
    }
    h.push_str("</tbody>\n</table>\n<p class=\"meta\">* the 95% interval of the difference excludes zero.</p>\n");
    let blocks = fit_blocks(sets);
    if !blocks.is_empty() {
        h.push_str("<h2>Fit to observations</h2>\n<table class=\"fit\">\n<thead><tr><th>observation</th><th>scenario</th><th>simulated [95% CI]</th><th>observed</th><th>fit</th></tr></thead>\n<tbody>\n");
        for block in &blocks {
            for (scenario, t) in &block.rows {
                let _ =
                    write!(h, "<tr><td>{}</td><td>{}</td>", escape(&block.name), escape(scenario));
                if t.observed.is_empty() {
                    let _ = writeln!(h, "<td colspan=\"3\">{}</td></tr>", escape(&t.verdict));
                } else {
                    let mut value = t.simulated.clone();
                    for extra in
                        t.ci.iter().chain(t.note.as_ref().map(|n| format!("({n})")).as_ref())
                    {
                        value = format!("{value} {extra}");
                    }
                    let _ = writeln!(
                        h,
                        "<td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                        escape(&value),
                        escape(&t.observed),
                        escape(&t.verdict)
                    );
                }
            }
        }
        h.push_str("</tbody>\n</table>\n<p class=\"meta\">\"holds\" when the simulated mean lies in the observed band; times are after the first publication of the faulty content, and a time never reached counts as later than the run.</p>\n");
    }
    h.push_str("<h2>Charts</h2>\n");
    for chart in charts {
        let _ = write!(
            h,
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            chart.svg,
            escape(&chart.title)
        );
    }
    if let Some(first) = sets.first() {
        let _ = writeln!(h, "<p class=\"meta\">{}</p>", escape(&first.meta.program));
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

// ---------------------------------------------------------------------------------------------
// Sweeps.

/// What defines a sweep, as recorded in `sweep.json`: the same record means the same runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRecord {
    pub scenario: String,
    pub name: String,
    pub seed: u64,
    /// Latin hypercube points; absent for a grid.
    pub samples: Option<u64>,
    pub replications: u64,
    /// (field path, values as given after `=`).
    pub parameters: Vec<(String, String)>,
    /// The figures' stable names, in column order.
    pub figures: Vec<String>,
}

/// `sweep.json`, schema `blastradius.sweep/1`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub plan: PlanRecord,
    /// `I/N`, or `0/1` for a whole sweep.
    pub shard: String,
    /// The command that made (or resumes) this folder.
    pub command: String,
}

pub fn plan_record(plan: &SweepPlan) -> PlanRecord {
    PlanRecord {
        scenario: plan.scenario.clone(),
        name: plan.name.clone(),
        seed: plan.seed,
        samples: match plan.design {
            Design::Grid => None,
            Design::Lhs(k) => Some(k),
        },
        replications: plan.replications,
        parameters: plan.parameters.iter().map(|p| (p.path.clone(), p.source.clone())).collect(),
        figures: plan.figures.iter().map(|f| f.name().into_owned()).collect(),
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestDoc {
    schema: String,
    #[serde(flatten)]
    manifest: Manifest,
}

const SWEEP_SCHEMA: &str = "blastradius.sweep/1";

pub fn manifest_json(m: &Manifest) -> String {
    let doc = ManifestDoc { schema: SWEEP_SCHEMA.to_string(), manifest: m.clone() };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

pub fn parse_manifest(text: &str) -> Result<Manifest, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not a sweep manifest: {e}"))?;
    if value.get("schema").and_then(|s| s.as_str()) != Some(SWEEP_SCHEMA) {
        return Err(format!("not a {SWEEP_SCHEMA} manifest"));
    }
    let mut object = value;
    if let Some(map) = object.as_object_mut() {
        map.remove("schema");
    }
    serde_json::from_value(object).map_err(|e| format!("damaged sweep manifest: {e}"))
}

/// The header of `runs.csv`. Field paths are the user's, so each goes through [`cell`].
fn header_fields(plan: &SweepPlan) -> Vec<String> {
    let mut h = vec!["point".to_string(), "replication".to_string()];
    h.extend(plan.parameter_paths().iter().map(|p| cell(p).into_owned()));
    h.extend(plan.figures.iter().map(|f| f.name().into_owned()));
    h
}

/// A point's parameter values as `runs.csv` and `points.csv` write them.
fn value_cells(values: &[String]) -> impl Iterator<Item = String> + '_ {
    values.iter().map(|v| cell(v).into_owned())
}

fn csv_line(fields: &[String]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(fields);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The header line of `runs.csv`: `point,replication`, the parameter paths, the figures.
pub fn runs_header(plan: &SweepPlan) -> String {
    csv_line(&header_fields(plan))
}

/// One line of `runs.csv`.
pub fn run_line(plan: &SweepPlan, row: &RunRow) -> String {
    let mut fields = vec![row.id.point.to_string(), row.id.replication.to_string()];
    let values = plan.point(row.id.point).map(|p| p.values).unwrap_or_default();
    fields.extend(value_cells(&values));
    fields.extend(row.figures.iter().map(|f| csv_number(*f)));
    csv_line(&fields)
}

/// The whole `runs.csv` for these rows, in the order given.
pub fn runs_csv(plan: &SweepPlan, rows: &[RunRow]) -> String {
    let mut text = runs_header(plan);
    for row in rows {
        text.push_str(&run_line(plan, row));
    }
    text
}

/// Reads the complete lines of a `runs.csv` written for `plan` by `shard`, trusting nothing:
/// the header must be this sweep's, every row a run of the plan and of the shard, with the
/// plan's parameter values for its point, numbers where figures go, and no run twice (so no
/// point has more rows than replications). An error names the line (the header is line 1).
pub fn parse_runs(plan: &SweepPlan, shard: Shard, text: &str) -> Result<Vec<RunRow>, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("line 1: unreadable header: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.is_empty() {
        return Ok(Vec::new());
    }
    let expected = header_fields(plan);
    if header != expected {
        let differs = header
            .iter()
            .zip(&expected)
            .position(|(a, b)| a != b)
            .unwrap_or(header.len().min(expected.len()));
        let what = match (header.get(differs), expected.get(differs)) {
            (Some(found), Some(wanted)) => {
                format!("column {} is \"{found}\" where this sweep has \"{wanted}\"", differs + 1)
            }
            (None, Some(wanted)) => format!("column {} (\"{wanted}\") is missing", differs + 1),
            (Some(found), None) => {
                format!("column {} (\"{found}\") is not this sweep's", differs + 1)
            }
            (None, None) => String::new(),
        };
        return Err(format!(
            "line 1: its columns are not this sweep's ({what}): another sweep or program version wrote it"
        ));
    }
    let params = plan.parameters.len();
    let mut rows: Vec<RunRow> = Vec::new();
    let mut seen: BTreeMap<RunId, u64> = BTreeMap::new();
    let mut last: Option<(u64, Vec<String>)> = None;
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            format!("line {line}: {e}")
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |k: usize| record.get(k).unwrap_or("");
        let number = |k: usize| {
            field(k)
                .parse::<u64>()
                .map_err(|_| format!("line {line}: \"{}\" is not a run number", field(k)))
        };
        let id = RunId { point: number(0)?, replication: number(1)? };
        if id.point >= plan.points_total() {
            return Err(format!(
                "line {line}: point {} is not in the plan (it has {} points)",
                id.point,
                plan.points_total()
            ));
        }
        if id.replication >= plan.replications {
            return Err(format!(
                "line {line}: replication {} is not in the plan ({} replications per point)",
                id.replication, plan.replications
            ));
        }
        if !shard.includes(id.number(plan.replications)) {
            return Err(format!(
                "line {line}: the run (point {}, replication {}) is not one of shard {}/{}'s",
                id.point, id.replication, shard.index, shard.count
            ));
        }
        if let Some(first) = seen.insert(id, line) {
            return Err(format!(
                "line {line}: the run (point {}, replication {}) is already at line {first}",
                id.point, id.replication
            ));
        }
        if last.as_ref().is_none_or(|(p, _)| *p != id.point) {
            let values = plan.point(id.point).map(|p| p.values).unwrap_or_default();
            last = Some((id.point, value_cells(&values).collect()));
        }
        let values = last.as_ref().map(|(_, v)| v.as_slice()).unwrap_or_default();
        for (p, value) in values.iter().enumerate() {
            if field(2 + p) != value {
                return Err(format!(
                    "line {line}: point {} should have {}={value}, not \"{}\"",
                    id.point,
                    plan.parameters[p].path,
                    field(2 + p)
                ));
            }
        }
        let figures = (0..plan.figures.len())
            .map(|f| {
                let text = field(2 + params + f);
                if text.is_empty() {
                    Ok(None)
                } else {
                    text.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .map(Some)
                        .ok_or_else(|| format!("line {line}: \"{text}\" is not a number"))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        rows.push(RunRow { id, figures });
    }
    Ok(rows)
}

/// The per-point statistics of one figure, over replications; `None` where it never happened.
pub(crate) fn point_stats(plan: &SweepPlan, rows: &[RunRow], figure: usize) -> Vec<Option<Stat>> {
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); plan.points_total() as usize];
    for row in rows {
        if let Some(Some(v)) = row.figures.get(figure) {
            values[row.id.point as usize].push(*v);
        }
    }
    values.iter().map(|v| Stat::of(v)).collect()
}

/// `points.csv`: tidy, one row per (point, figure): `point`, the parameter values, `metric`,
/// `n`, `mean`, `ci95_low`, `ci95_high`.
pub fn points_csv(plan: &SweepPlan, rows: &[RunRow]) -> String {
    let mut header = vec!["point".to_string()];
    header.extend(plan.parameter_paths().iter().map(|p| cell(p).into_owned()));
    header.extend(["metric", "n", "mean", "ci95_low", "ci95_high"].map(String::from));
    let mut text = csv_line(&header);
    let stats: Vec<Vec<Option<Stat>>> =
        (0..plan.figures.len()).map(|f| point_stats(plan, rows, f)).collect();
    for point in plan.all_points() {
        for (f, figure) in plan.figures.iter().enumerate() {
            let Some(s) = stats[f][point.index as usize] else { continue };
            let mut fields = vec![point.index.to_string()];
            fields.extend(value_cells(&point.values));
            fields.push(figure.name().into_owned());
            fields.push(s.n.to_string());
            fields.extend([s.mean, s.ci95_low, s.ci95_high].map(|v| csv_number(Some(v))));
            text.push_str(&csv_line(&fields));
        }
    }
    text
}

/// The outcomes charted against parameters.
const OUTCOMES: [Metric; 4] = [
    Metric::LossUsd,
    Metric::EndpointsCrashed,
    Metric::EndpointDowntimeHours,
    Metric::Recovered90pctAt,
];

/// A figure's axis label (its label, with the unit where the axis does not show it) and the
/// chart unit of its axis.
fn figure_axis(figure: Figure) -> (String, Unit) {
    let label = figure.label();
    match figure.unit() {
        FigureUnit::Usd => (format!("{label} (USD)"), Unit::Usd),
        FigureUnit::EndpointHours => (format!("{label} (endpoint-hours)"), Unit::Count),
        FigureUnit::ServiceHours => (format!("{label} (service-hours)"), Unit::Count),
        FigureUnit::Count => (label.into_owned(), Unit::Count),
        FigureUnit::SecondsAfterPublication => (label.into_owned(), Unit::Seconds),
        FigureUnit::Share => (format!("{label} (share)"), Unit::Number),
        FigureUnit::Day => (format!("{label} (day)"), Unit::Number),
    }
}

fn figure_index(plan: &SweepPlan, figure: impl Into<Figure>) -> Option<usize> {
    let figure = figure.into();
    plan.figures.iter().position(|&f| f == figure)
}

fn short(path: &str) -> String {
    path.rsplit('.').next().unwrap_or(path).to_string()
}

/// An axis label and unit for a parameter: durations are plotted in hours.
fn axis(p: &blastradius_study::design::Parameter) -> (String, Unit) {
    match p.kind {
        blastradius_study::design::Kind::Duration => (format!("{} (hours)", p.path), Unit::Hours),
        blastradius_study::design::Kind::Number => (p.path.clone(), Unit::Number),
    }
}

/// The sweep's charts: each outcome against the parameter (one parameter), a heatmap of mean
/// loss (two parameters on a grid), and the parameters ranked by their effect on loss (two or
/// more): a tornado of one-way effects on a grid, standardized regression coefficients on a
/// Latin hypercube.
pub fn sweep_charts(plan: &SweepPlan, rows: &[RunRow]) -> Result<Vec<Chart>, ChartError> {
    let mut charts = Vec::new();
    let params = &plan.parameters;
    let subtitle = format!(
        "{}: mean over {} replications per point, band: 95% CI",
        plan.name, plan.replications
    );
    if params.len() == 1 {
        for figure in OUTCOMES.map(Figure::from) {
            let Some(f) = figure_index(plan, figure) else { continue };
            let (label, unit) = figure_axis(figure);
            let stats = point_stats(plan, rows, f);
            let points: Vec<(f64, f64, f64, f64)> = plan
                .all_points()
                .zip(&stats)
                .filter_map(|(p, s)| s.map(|s| (p.numbers[0], s.mean, s.ci95_low, s.ci95_high)))
                .collect();
            if points.is_empty() {
                continue;
            }
            let spec = ChartSpec {
                name: format!("{figure}_vs_{}", short(&params[0].path)),
                title: format!("{label} against {}", short(&params[0].path)),
                subtitle: subtitle.clone(),
                x_label: params[0].path.clone(),
                y_label: label.to_string(),
                x_unit: if params[0].kind == blastradius_study::design::Kind::Duration {
                    Unit::Hours
                } else {
                    Unit::Number
                },
                y_unit: unit,
            };
            charts.push(line_with_band(&spec, &points)?);
        }
    }
    let loss = figure_index(plan, Metric::LossUsd);
    if params.len() == 2
        && plan.design == Design::Grid
        && let Some(f) = loss
    {
        let stats = point_stats(plan, rows, f);
        let (nx, ny) = (params[0].len(), params[1].len());
        // Grid points run with the last parameter fastest: point = ix * ny + iy.
        let values: Vec<Vec<f64>> = (0..ny)
            .map(|iy| (0..nx).map(|ix| stats[ix * ny + iy].map_or(f64::NAN, |s| s.mean)).collect())
            .collect();
        let spec = ChartSpec {
            name: "heatmap_loss".into(),
            title: format!(
                "Mean total loss over {} and {}",
                short(&params[0].path),
                short(&params[1].path)
            ),
            subtitle: format!(
                "{}: mean over {} replications per cell",
                plan.name, plan.replications
            ),
            x_label: axis(&params[0]).0,
            y_label: axis(&params[1]).0,
            x_unit: axis(&params[0]).1,
            y_unit: axis(&params[1]).1,
        };
        charts.push(heatmap(
            &spec,
            &params[0].numbers,
            &params[1].numbers,
            &values,
            "mean total loss",
            Unit::Usd,
        )?);
    }
    if params.len() >= 2
        && let Some(f) = loss
    {
        let names = plan.parameter_paths();
        let (x, y): (Vec<Vec<f64>>, Vec<f64>) = rows
            .iter()
            .filter_map(|r| {
                let numbers = plan.point(r.id.point).map(|p| p.numbers).unwrap_or_default();
                r.figures[f].map(|v| (numbers, v))
            })
            .unzip();
        let (effects, title, note) = match plan.design {
            Design::Grid => {
                let overall = y.iter().sum::<f64>() / y.len().max(1) as f64;
                let effects = sensitivity::tornado(&names, &x, &y)
                    .into_iter()
                    .map(|e| TornadoBar {
                        label: e.parameter,
                        low_effect: e.low - overall,
                        high_effect: e.high - overall,
                    })
                    .collect::<Vec<_>>();
                (
                    effects,
                    "Sensitivity of total loss (one-way effects)",
                    "change in mean loss at each parameter's lowest and highest value, averaged over the others",
                )
            }
            Design::Lhs(_) => {
                let fit = sensitivity::regression(&names, &x, &y).unwrap_or_default();
                let effects = fit
                    .into_iter()
                    .map(|(e, _)| TornadoBar {
                        label: e.parameter,
                        low_effect: e.low,
                        high_effect: e.high,
                    })
                    .collect();
                (
                    effects,
                    "Sensitivity of total loss (standardized regression)",
                    "change in loss for one standard deviation of each parameter below and above its mean",
                )
            }
        };
        if !effects.is_empty() {
            let spec = ChartSpec {
                name: "sensitivity_loss".into(),
                title: title.into(),
                subtitle: format!("{}: {note}", plan.name),
                x_label: "change in total loss (USD)".into(),
                y_label: String::new(),
                x_unit: Unit::Usd,
                y_unit: Unit::Number,
            };
            charts.push(tornado(&spec, &effects)?);
        }
    }
    Ok(charts)
}

/// A few lines for the terminal: the points with the lowest and highest mean loss.
pub fn sweep_summary(plan: &SweepPlan, rows: &[RunRow]) -> String {
    let mut out = String::new();
    let Some(f) = figure_index(plan, Metric::LossUsd) else { return out };
    let stats = point_stats(plan, rows, f);
    let mut ranked: Vec<(f64, usize)> =
        stats.iter().enumerate().filter_map(|(i, s)| s.map(|s| (s.mean, i))).collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let describe = |i: usize| {
        let values = plan.point(i as u64).map(|p| p.values).unwrap_or_default();
        plan.parameters
            .iter()
            .zip(&values)
            .map(|(p, v)| format!("{}={v}", p.path))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let (Some(best), Some(worst)) = (ranked.first(), ranked.last()) {
        let _ = writeln!(
            out,
            "lowest mean loss  {} at point {} ({})",
            fmt::money(best.0),
            best.1,
            describe(best.1)
        );
        let _ = writeln!(
            out,
            "highest mean loss {} at point {} ({})",
            fmt::money(worst.0),
            worst.1,
            describe(worst.1)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use blastradius_study::design::{self, Shard};

    fn plan() -> SweepPlan {
        let parameters =
            vec![design::parse_set("a=1,2").unwrap(), design::parse_set("b=0.5..1.5:3").unwrap()];
        let points = design::points(&parameters, Design::Grid, 1).unwrap();
        SweepPlan {
            scenario: "x".into(),
            name: "x".into(),
            seed: 1,
            design: Design::Grid,
            parameters,
            replications: 2,
            points,
            figures: vec![Metric::LossUsd.into(), Metric::RolloutHaltedAt.into()],
        }
    }

    fn rows(plan: &SweepPlan) -> Vec<RunRow> {
        design::runs(plan.points_total(), plan.replications, Shard::ALL)
            .map(|id| {
                let p = plan.point(id.point).unwrap();
                let loss = 1000.0 * p.numbers[0] + 10.0 * p.numbers[1] + id.replication as f64;
                RunRow { id, figures: vec![Some(loss), None] }
            })
            .collect()
    }

    /// Two scenarios compared against the same observations: one applies to both, one only
    /// to the first.
    fn compared(observed: bool) -> Vec<RunSet> {
        use blastradius_model::figures::{Observation, Observed};
        let mut a = crate::testing::sample_set(3, 2);
        let mut b = crate::testing::sample_set(3, 2);
        b.meta.scenario = "other".into();
        if observed {
            let crashed = Observed::Applies(Observation {
                name: "crashed".into(),
                figure: Metric::EndpointsCrashed.into(),
                low: Some(1.0),
                high: Some(2.0),
                source: "s".into(),
            });
            a.observed = vec![
                crashed.clone(),
                Observed::Applies(Observation {
                    name: "loss".into(),
                    figure: Metric::LossUsd.into(),
                    low: Some(1.0),
                    high: None,
                    source: "s".into(),
                }),
            ];
            b.observed = vec![
                crashed,
                Observed::NotApplicable {
                    name: "loss".into(),
                    source: "s".into(),
                    reason: "for synthetic-outage, not other".into(),
                },
            ];
        }
        vec![a, b]
    }

    #[test]
    fn a_comparison_shows_each_scenarios_fit_only_when_observed() {
        let plain = compared(false);
        assert!(!compare_json(&plain, "c").contains("\"fit\""));
        assert!(!compare_table(&plain).contains("Fit to observations"));
        assert!(!compare_html(&plain, &[], "c").contains("Fit to observations"));
        let sets = compared(true);
        let v: serde_json::Value = serde_json::from_str(&compare_json(&sets, "c")).unwrap();
        for (i, inside) in [(0, [Some(false), Some(true)]), (1, [Some(false), None])] {
            let fit = v["scenarios"][i]["fit"].as_array().unwrap();
            let found: Vec<Option<bool>> = fit.iter().map(|f| f["inside"].as_bool()).collect();
            assert_eq!(found, inside, "{i}");
        }
        assert_eq!(
            v["scenarios"][1]["fit"][1]["not_applicable"],
            "for synthetic-outage, not other"
        );
        let table = compare_table(&sets);
        let fit = &table[table.find("Fit to observations").unwrap()..];
        insta::assert_snapshot!(fit);
        let html = compare_html(&sets, &[], "c");
        assert!(html.contains("<td>loss</td><td>other</td><td colspan=\"3\">not applicable: for synthetic-outage, not other</td>"));
    }

    #[test]
    fn runs_csv_reads_back_exactly() {
        let p = plan();
        let r = rows(&p);
        let text = runs_csv(&p, &r);
        assert!(text.starts_with("point,replication,a,b,loss_usd_total,rollout_halted_at_s\n"));
        assert_eq!(parse_runs(&p, Shard::ALL, &text).unwrap(), r);
    }

    /// Issue 15: resume trusted `runs.csv`. Each case tampers with a good file; the error
    /// names the line.
    #[test]
    fn a_tampered_runs_csv_is_refused_at_its_line() {
        let p = plan();
        let text = runs_csv(&p, &rows(&p));
        let second = text.lines().nth(2).unwrap();
        let header = text.lines().next().unwrap();
        let body: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
        for (tampered, says) in [
            (
                text.replacen("\n0,0,1,0.5,", "\n0,0,1,0.75,", 1),
                "line 2: point 0 should have b=0.5",
            ),
            (
                format!("{text}{second}\n"),
                "line 14: the run (point 0, replication 1) is already at line 3",
            ),
            (text.replacen("\n0,1,", "\n0,2,", 1), "line 3: replication 2 is not in the plan"),
            (text.replacen("\n0,1,", "\n9,1,", 1), "line 3: point 9 is not in the plan"),
            (text.replacen("\n0,1,", "\nx,1,", 1), "line 3: \"x\" is not a run number"),
            (text.replacen("1005,", "lots,", 1), "line 2: \"lots\" is not a number"),
            (text.replacen("1005,", "NaN,", 1), "line 2: \"NaN\" is not a number"),
            (
                format!("point,replication,a,c,loss_usd_total,rollout_halted_at_s\n{body}"),
                "line 1: its columns are not this sweep's (column 4 is \"c\" where this sweep has \"b\")",
            ),
            (format!("{header}\n0,0,1\n"), "line 2:"),
        ] {
            let e = parse_runs(&p, Shard::ALL, &tampered).unwrap_err();
            assert!(e.starts_with(says), "{says}: {e}");
        }
        // A shard's folder holds its own runs only.
        let e = parse_runs(&p, Shard { index: 1, count: 2 }, &text).unwrap_err();
        assert!(
            e.starts_with("line 2: the run (point 0, replication 0) is not one of shard 1/2's"),
            "{e}"
        );
    }

    /// Issue 15: a scenario named like a formula landed in `compare.csv` as one.
    #[test]
    fn user_strings_reach_csv_as_text_not_formulas() {
        let mut set = crate::testing::sample_set(2, 1);
        set.meta.scenario = "=HYPERLINK(\"http://evil/\",\"click\")".into();
        let csv = compare_csv(&[set]);
        let first = csv.lines().nth(1).unwrap();
        assert!(first.starts_with("\"'=HYPERLINK("), "{first}");
        let parameters = vec![design::parse_set("x=-1,2").unwrap()];
        let points = design::points(&parameters, Design::Grid, 1).unwrap();
        let plan = SweepPlan { parameters, points, ..plan() };
        let rows =
            vec![RunRow { id: RunId { point: 0, replication: 0 }, figures: vec![None, None] }];
        // A negative number stays a number.
        assert!(runs_csv(&plan, &rows).contains("\n0,0,-1,,\n"), "{}", runs_csv(&plan, &rows));
    }

    #[test]
    fn the_manifest_round_trips() {
        let p = plan();
        let m = Manifest {
            plan: plan_record(&p),
            shard: "1/3".into(),
            command: "blastradius sweep x".into(),
        };
        assert_eq!(parse_manifest(&manifest_json(&m)).unwrap(), m);
        assert!(parse_manifest("{}").is_err());
    }

    #[test]
    fn points_csv_averages_replications() {
        let p = plan();
        let text = points_csv(&p, &rows(&p));
        // Point 0: a=1, b=0.5: losses 1005 and 1006.
        assert!(text.contains("\n0,1,0.5,loss_usd_total,2,1005.5,"), "{text}");
        assert!(!text.contains("rollout_halted_at_s"), "a figure that never happened has no row");
    }

    #[test]
    fn sweep_charts_include_a_heatmap_and_sensitivity_for_two_parameters() {
        let p = plan();
        let charts = sweep_charts(&p, &rows(&p)).unwrap();
        let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["heatmap_loss", "sensitivity_loss"]);
    }
}
