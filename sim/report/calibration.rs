//! Exports of a calibration (`study::calibrate`): `calibration.csv` (every point of every wave,
//! its parameters, simulated figures and implausibilities), `non_implausible.csv` (the points
//! the observations cannot rule out, most plausible first), `calibration.json` (schema
//! `blastradius.calibration/1`), the charts (the largest implausibility against each parameter;
//! the non-implausible set for each pair of parameters), the terminal summary and
//! `report.html`.
//!
//! Pure functions of the scored calibration, like every exporter. The best point's scenario
//! file (`best.ron`) is written by `scenario`, which knows RON; it arrives here as text to show.

use std::fmt::Write as _;

use plotters::style::RGBColor as RGB;
use serde::Serialize;

use super::charts::generic::ChartSpec;
use super::charts::style::{Unit, lighten, series_colour};
use super::charts::{Chart, ChartError, Guide, Highlight, Scatter, ScatterGroup, scatter};
use super::fmt;
use super::html::{CSS, escape};
use blastradius_model::figures::Figure;
use blastradius_study::calibrate::{At, Calibration, Scored, SdFrom, Side, Target};
use blastradius_study::design::{Design, Kind, Parameter};

/// Formats a number for CSV: shortest round-trip form, empty when not finite.
fn csv_number(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => String::new(),
    }
}

fn csv_line(fields: &[String]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(fields);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn header(cal: &Calibration) -> Vec<String> {
    let mut h = vec!["wave".to_string(), "point".to_string()];
    h.extend(cal.parameters().iter().map(|p| p.path.clone()));
    h.push("replications".into());
    for t in &cal.targets {
        h.extend(["mean", "sd_of_mean", "implausibility"].map(|c| format!("{}_{c}", t.name)));
    }
    h.extend(["max_implausibility", "non_implausible"].map(String::from));
    h
}

fn row(cal: &Calibration, at: At, s: &Scored) -> String {
    let wave = &cal.waves[at.wave];
    let mut fields = vec![wave.number.to_string(), s.point.to_string()];
    fields.extend(s.values.iter().cloned());
    fields.push(wave.plan.replications.to_string());
    for score in &s.scores {
        fields.push(csv_number(score.mean));
        fields.push(csv_number(Some(score.var_of_mean.sqrt())));
        fields.push(csv_number(Some(score.implausibility)));
    }
    fields.push(csv_number(Some(s.max)));
    fields.push(s.non_implausible.to_string());
    csv_line(&fields)
}

/// `calibration.csv`: one row per point of every wave, in wave then point order: `wave`,
/// `point`, the parameter values (as `--set` writes them), `replications`, then for each
/// observation `<name>_mean` (the figure's mean over the point's replications, in the figure's
/// unit: seconds for times), `<name>_sd_of_mean` and `<name>_implausibility`, then
/// `max_implausibility` and `non_implausible` (`true` when it is under the threshold). An
/// empty cell is a figure that never existed (its implausibility is then infinite: empty).
pub fn calibration_csv(cal: &Calibration) -> String {
    let mut text = csv_line(&header(cal));
    for (at, s) in cal.all() {
        text.push_str(&row(cal, at, s));
    }
    text
}

/// The non-implausible points in order of their largest implausibility (then wave, point).
fn ranked(cal: &Calibration) -> Vec<(At, &Scored)> {
    let mut kept: Vec<(At, &Scored)> = cal.non_implausible().collect();
    kept.sort_by(|a, b| a.1.max.total_cmp(&b.1.max).then(a.0.wave.cmp(&b.0.wave)));
    kept
}

/// `non_implausible.csv`: the columns of `calibration.csv`, only the non-implausible points,
/// the most plausible (smallest largest implausibility) first.
pub fn non_implausible_csv(cal: &Calibration) -> String {
    let mut text = csv_line(&header(cal));
    for (at, s) in ranked(cal) {
        text.push_str(&row(cal, at, s));
    }
    text
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Both => "both",
        Side::AtMost => "at_most",
        Side::AtLeast => "at_least",
    }
}

fn sd_from_name(from: SdFrom) -> &'static str {
    match from {
        SdFrom::Stated => "stated",
        SdFrom::Band => "band_95",
    }
}

/// `calibration.json`, schema `blastradius.calibration/1`. Keys, in order: `schema`,
/// `scenario` (its name), `scenario_given` (as on the command line), `observations` (the
/// file's name), `threshold`, `command`, `program`; `targets`: per scored observation `name`,
/// `figure`, `source`, `low`, `high`, `value`, `sd`, `sd_from` (`stated`, or `band_95` for a
/// band read as a 95% interval), `side` (`both`, `at_most`, `at_least`); `not_scored`: `name`,
/// `reason`; `waves`: `wave`, `seed`, `design` (`grid` or `lhs`), `points`, `replications`,
/// `sets` (its `--set` words), `non_implausible` (how many) and `next_box` (the `--set` words
/// of the box the next wave samples, or null); `non_implausible` (over every wave); and
/// `best` (null when no point has a finite implausibility): `wave`, `point`, `settings`
/// ({path: value}), `max_implausibility`, `non_implausible`, and `scores` (per target `name`,
/// `mean`, `sd_of_mean`, `implausibility`, `n`, `censored`: replications in which a time was
/// never reached and counts as the end of the run). Numbers that are not finite are `null`.
pub fn calibration_json(cal: &Calibration, command: &str, program: &str) -> String {
    #[derive(Serialize)]
    struct TargetJson<'a> {
        name: &'a str,
        figure: String,
        source: &'a str,
        low: Option<f64>,
        high: Option<f64>,
        value: f64,
        sd: f64,
        sd_from: &'static str,
        side: &'static str,
    }
    #[derive(Serialize)]
    struct Unscored<'a> {
        name: &'a str,
        reason: &'a str,
    }
    #[derive(Serialize)]
    struct WaveJson {
        wave: u32,
        seed: u64,
        design: &'static str,
        points: usize,
        replications: u64,
        sets: Vec<String>,
        non_implausible: usize,
        next_box: Option<Vec<String>>,
    }
    #[derive(Serialize)]
    struct ScoreJson<'a> {
        name: &'a str,
        mean: Option<f64>,
        sd_of_mean: Option<f64>,
        implausibility: Option<f64>,
        n: usize,
        censored: usize,
    }
    #[derive(Serialize)]
    struct Best<'a> {
        wave: u32,
        point: u64,
        settings: std::collections::BTreeMap<String, String>,
        max_implausibility: Option<f64>,
        non_implausible: bool,
        scores: Vec<ScoreJson<'a>>,
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        schema: &'static str,
        scenario: &'a str,
        scenario_given: &'a str,
        observations: &'a str,
        threshold: f64,
        command: &'a str,
        program: &'a str,
        targets: Vec<TargetJson<'a>>,
        not_scored: Vec<Unscored<'a>>,
        waves: Vec<WaveJson>,
        non_implausible: usize,
        best: Option<Best<'a>>,
    }
    let best = cal.best().map(|(at, s)| Best {
        wave: cal.waves[at.wave].number,
        point: s.point,
        settings: cal.settings(at).into_iter().collect(),
        max_implausibility: finite(s.max),
        non_implausible: s.non_implausible,
        scores: cal
            .targets
            .iter()
            .zip(&s.scores)
            .map(|(t, sc)| ScoreJson {
                name: &t.name,
                mean: sc.mean.and_then(finite),
                sd_of_mean: finite(sc.var_of_mean.sqrt()),
                implausibility: finite(sc.implausibility),
                n: sc.n,
                censored: sc.censored,
            })
            .collect(),
    });
    let doc = Doc {
        schema: "blastradius.calibration/1",
        scenario: &cal.name,
        scenario_given: &cal.scenario,
        observations: &cal.observations,
        threshold: cal.threshold,
        command,
        program,
        targets: cal
            .targets
            .iter()
            .map(|t| TargetJson {
                name: &t.name,
                figure: t.figure.name().into_owned(),
                source: &t.source,
                low: t.low,
                high: t.high,
                value: t.value,
                sd: t.sd,
                sd_from: sd_from_name(t.sd_from),
                side: side_name(t.side),
            })
            .collect(),
        not_scored: cal
            .unscored
            .iter()
            .map(|u| Unscored { name: &u.name, reason: &u.reason })
            .collect(),
        waves: cal
            .waves
            .iter()
            .map(|w| WaveJson {
                wave: w.number,
                seed: w.plan.seed,
                design: match w.plan.design {
                    Design::Grid => "grid",
                    Design::Lhs(_) => "lhs",
                },
                points: w.points.len(),
                replications: w.plan.replications,
                sets: sets(&w.plan.parameters),
                non_implausible: w.points.iter().filter(|s| s.non_implausible).count(),
                next_box: w
                    .next
                    .as_ref()
                    .map(|b| b.iter().map(|b| format!("{}={}", b.path, b.values)).collect()),
            })
            .collect(),
        non_implausible: cal.non_implausible().count(),
        best,
    };
    let mut text =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

fn sets(parameters: &[Parameter]) -> Vec<String> {
    parameters.iter().map(|p| format!("{}={}", p.path, p.source)).collect()
}

/// A figure's value in its unit, for people.
fn human(figure: Figure, v: f64) -> String {
    fmt::value(figure.unit(), v)
}

/// "65.0% ± 5.1%", "at most 4d 3h (± 6h)", "at least 90.0% (± 2.0%)".
fn observed_text(t: &Target) -> String {
    let (v, sd) = (human(t.figure, t.value), human(t.figure, t.sd));
    match t.side {
        Side::Both => format!("{v} ± {sd}"),
        Side::AtMost => format!("at most {v} (± {sd})"),
        Side::AtLeast => format!("at least {v} (± {sd})"),
    }
}

fn sd_note(t: &Target) -> &'static str {
    match t.sd_from {
        SdFrom::Stated => "sd stated in the file",
        SdFrom::Band => "band read as a 95% interval",
    }
}

fn implausibility_text(i: f64) -> String {
    if i.is_finite() { format!("{i:.2}") } else { "∞".to_string() }
}

fn simulated_text(t: &Target, s: &blastradius_study::calibrate::Score) -> String {
    match s.mean {
        None => "never".to_string(),
        Some(m) => {
            let mut text = human(t.figure, m);
            if s.var_of_mean > 0.0 {
                text.push_str(&format!(" ± {}", human(t.figure, s.var_of_mean.sqrt())));
            }
            if s.censored > 0 {
                text.push_str(&format!(" ({} of {} never: the end of the run)", s.censored, s.n));
            }
            text
        }
    }
}

/// The terminal summary: what was scored, each wave, and the best point against every
/// observation.
pub fn calibration_summary(cal: &Calibration) -> String {
    let mut out = String::new();
    let points: usize = cal.waves.iter().map(|w| w.points.len()).sum();
    let reps = cal.waves.first().map_or(0, |w| w.plan.replications);
    let _ = writeln!(
        out,
        "Calibration of {} against {}: {points} points in {} wave{}, {reps} replication{} each, threshold {}",
        cal.name,
        cal.observations,
        cal.waves.len(),
        if cal.waves.len() == 1 { "" } else { "s" },
        if reps == 1 { "" } else { "s" },
        fmt::number(cal.threshold)
    );
    let _ = writeln!(out, "observations scored");
    let width = cal.targets.iter().map(|t| t.name.chars().count()).max().unwrap_or(0);
    for t in &cal.targets {
        let _ = writeln!(
            out,
            "  {:width$}  {}  {}  ({})",
            t.name,
            t.figure.name(),
            observed_text(t),
            sd_note(t)
        );
    }
    if !cal.unscored.is_empty() {
        let _ = writeln!(out, "not scored");
        for u in &cal.unscored {
            let _ = writeln!(out, "  {}: {}", u.name, u.reason);
        }
    }
    for w in &cal.waves {
        let kept = w.points.iter().filter(|s| s.non_implausible).count();
        let _ = writeln!(
            out,
            "wave {}: {} points, {kept} non-implausible ({})",
            w.number,
            w.points.len(),
            sets(&w.plan.parameters).join(" ")
        );
    }
    match cal.best() {
        None => {
            let _ = writeln!(out, "no point has a finite implausibility");
        }
        Some((at, s)) => {
            let wave = cal.waves[at.wave].number;
            let verdict = if s.non_implausible {
                "non-implausible".to_string()
            } else {
                format!("still implausible: no point is under {}", fmt::number(cal.threshold))
            };
            let _ = writeln!(
                out,
                "best point: wave {wave}, point {}, largest implausibility {} ({verdict})",
                s.point,
                implausibility_text(s.max)
            );
            for (path, value) in cal.settings(at) {
                let _ = writeln!(out, "  {path}={value}");
            }
            for (t, sc) in cal.targets.iter().zip(&s.scores) {
                let _ = writeln!(
                    out,
                    "  {:width$}  simulated {}  observed {}  implausibility {}",
                    t.name,
                    simulated_text(t, sc),
                    observed_text(t),
                    implausibility_text(sc.implausibility)
                );
            }
        }
    }
    out
}

/// File-name-safe short names for the parameters: the last two segments of each path
/// (`staff_technicians_per_1000`, `Workstation_mean`: one is often too vague, `mean`), or more
/// when that does not tell it from the others.
pub fn short_names(paths: &[String]) -> Vec<String> {
    let split: Vec<Vec<&str>> = paths.iter().map(|p| p.split('.').collect()).collect();
    let tail = |segments: &[&str], k: usize| segments[segments.len().saturating_sub(k)..].join("_");
    split
        .iter()
        .enumerate()
        .map(|(i, segments)| {
            let k = (2.min(segments.len())..=segments.len())
                .find(|&k| {
                    split
                        .iter()
                        .enumerate()
                        .all(|(j, other)| j == i || tail(other, k) != tail(segments, k))
                })
                .unwrap_or(segments.len());
            tail(segments, k)
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
                .collect()
        })
        .collect()
}

/// The axis of a parameter: its label and unit (durations in hours), and its range in the
/// first wave when it came from one.
fn parameter_axis(p: &Parameter) -> (String, Unit, Option<(f64, f64)>) {
    let range = p.range.map(|r| (r.low, r.high));
    match p.kind {
        Kind::Duration => (format!("{} (hours)", p.path), Unit::Hours, range),
        Kind::Number => (p.path.clone(), Unit::Number, range),
    }
}

/// The largest implausibility the charts show: the largest finite one, but at least one and
/// a half thresholds and at most four; above it, points sit at the top edge.
fn implausibility_cap(cal: &Calibration) -> f64 {
    let t = cal.threshold;
    let largest = cal.all().map(|(_, s)| s.max).filter(|m| m.is_finite()).fold(0.0, f64::max);
    largest.clamp(1.5 * t, 4.0 * t)
}

/// The calibration's charts: for each parameter, `implausibility_vs_<name>` (every point's
/// largest implausibility against the parameter, the threshold dashed, the best point
/// ringed); for each pair of parameters, `pair_<a>_<b>` (the non-implausible set, coloured by
/// wave, over every point tried in grey).
pub fn calibration_charts(cal: &Calibration) -> Result<Vec<Chart>, ChartError> {
    let params = cal.parameters();
    let names = short_names(&params.iter().map(|p| p.path.clone()).collect::<Vec<_>>());
    let best = cal.best();
    let cap = implausibility_cap(cal);
    let tried = RGB(0xC8, 0xC8, 0xC8);
    let reps = cal.waves.first().map_or(0, |w| w.plan.replications);
    let mut charts = Vec::new();
    for (i, p) in params.iter().enumerate() {
        let (x_label, x_unit, x_range) = parameter_axis(p);
        let mut groups = Vec::new();
        for (w, wave) in cal.waves.iter().enumerate() {
            let colour = series_colour(w);
            let points = |kept: bool| {
                wave.points
                    .iter()
                    .filter(|s| s.non_implausible == kept)
                    .map(|s| (s.numbers[i], s.max))
                    .collect::<Vec<_>>()
            };
            groups.push(ScatterGroup {
                label: format!("wave {}: implausible", wave.number),
                colour: lighten(colour, 0.65),
                points: points(false),
                radius: 4,
            });
            groups.push(ScatterGroup {
                label: format!("wave {}: non-implausible", wave.number),
                colour,
                points: points(true),
                radius: 5,
            });
        }
        let spec = ChartSpec {
            name: format!("implausibility_vs_{}", names[i]),
            title: format!("Largest implausibility against {}", names[i]),
            subtitle: format!(
                "{}: every point, {reps} replications each; above {} drawn at the top",
                cal.name,
                fmt::number(cap)
            ),
            x_label,
            y_label: "largest implausibility over the observations".into(),
            x_unit,
            y_unit: Unit::Number,
        };
        charts.push(scatter(&Scatter {
            spec,
            groups,
            guide: Some(Guide {
                label: format!("threshold {}", fmt::number(cal.threshold)),
                y: cal.threshold,
            }),
            highlight: best.map(|(_, s)| Highlight {
                label: "best point".into(),
                x: s.numbers[i],
                y: s.max,
            }),
            x_range,
            y_range: Some((0.0, cap)),
        })?);
    }
    for i in 0..params.len() {
        for j in i + 1..params.len() {
            let (x_label, x_unit, x_range) = parameter_axis(&params[i]);
            let (y_label, y_unit, y_range) = parameter_axis(&params[j]);
            let all: Vec<(f64, f64)> = cal
                .all()
                .filter(|(_, s)| !s.non_implausible)
                .map(|(_, s)| (s.numbers[i], s.numbers[j]))
                .collect();
            let mut groups = vec![ScatterGroup {
                label: "implausible".into(),
                colour: tried,
                points: all,
                radius: 3,
            }];
            for (w, wave) in cal.waves.iter().enumerate() {
                groups.push(ScatterGroup {
                    label: format!("wave {}: non-implausible", wave.number),
                    colour: series_colour(w),
                    points: wave
                        .points
                        .iter()
                        .filter(|s| s.non_implausible)
                        .map(|s| (s.numbers[i], s.numbers[j]))
                        .collect(),
                    radius: 5,
                });
            }
            let kept = cal.non_implausible().count();
            let spec = ChartSpec {
                name: format!("pair_{}_{}", names[i], names[j]),
                title: format!("Non-implausible {} and {}", names[i], names[j]),
                subtitle: format!(
                    "{}: {kept} of {} points under implausibility {}",
                    cal.name,
                    cal.all().count(),
                    fmt::number(cal.threshold)
                ),
                x_label,
                y_label,
                x_unit,
                y_unit,
            };
            charts.push(scatter(&Scatter {
                spec,
                groups,
                guide: None,
                highlight: best.map(|(_, s)| Highlight {
                    label: "best point".into(),
                    x: s.numbers[i],
                    y: s.numbers[j],
                }),
                x_range,
                y_range,
            })?);
        }
    }
    Ok(charts)
}

/// Long field paths break anywhere rather than run off the page.
const WIDE: &str = "td code, table.wide th { word-break: break-all; }\n";

/// Most rows of the non-implausible set shown in the HTML report (the CSV has them all).
const HTML_ROWS: usize = 50;

/// `report.html` of a calibration: the method, the observations, the waves, the best point
/// against every observation and as a scenario file, the non-implausible set and the charts.
pub fn calibration_html(
    cal: &Calibration,
    charts: &[Chart],
    best_ron: Option<&str>,
    command: &str,
    program: &str,
) -> String {
    let mut h = String::new();
    let title = format!("Calibration of {} against {}", cal.name, cal.observations);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} - blastradius</title>\n<style>{CSS}{WIDE}</style>\n</head>\n<body>\n<main>\n",
        escape(&title)
    );
    let _ =
        writeln!(h, "<p class=\"kicker\">blastradius calibration</p>\n<h1>{}</h1>", escape(&title));
    let points: usize = cal.waves.iter().map(|w| w.points.len()).sum();
    let kept = cal.non_implausible().count();
    let _ = writeln!(
        h,
        "<p class=\"lead\">{kept} of {points} points are non-implausible: their largest implausibility over the observations is under {}.</p>",
        fmt::number(cal.threshold)
    );
    let _ = writeln!(
        h,
        "<p>History matching: for each point and observation, the implausibility is |simulated mean − observed| / √(observation variance + variance of the simulated mean over the point's replications); one-sided observations count only the distance past their end. A point is kept when the largest over the observations is under the threshold. A time a replication never reached counts as the end of the run.</p>"
    );
    let _ = write!(
        h,
        "<h2>Reproduce</h2>\n<pre class=\"command\"><code>{}</code></pre>\n",
        escape(command)
    );
    h.push_str("<h2>Observations</h2>\n<table>\n<thead><tr><th>observation</th><th>figure</th><th>observed</th><th>spread</th><th>source</th></tr></thead>\n<tbody>\n");
    for t in &cal.targets {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&t.name),
            escape(&t.figure.name()),
            escape(&observed_text(t)),
            escape(sd_note(t)),
            escape(&t.source)
        );
    }
    h.push_str("</tbody>\n</table>\n");
    if !cal.unscored.is_empty() {
        h.push_str("<p class=\"muted\">Not scored:</p>\n<ul>\n");
        for u in &cal.unscored {
            let _ = writeln!(h, "<li><b>{}</b>: {}</li>", escape(&u.name), escape(&u.reason));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("<h2>Waves</h2>\n<table>\n<thead><tr><th>wave</th><th>design</th><th class=\"num\">points</th><th class=\"num\">replications</th><th class=\"num\">non-implausible</th><th>parameters</th></tr></thead>\n<tbody>\n");
    for w in &cal.waves {
        let design = match w.plan.design {
            Design::Grid => "grid".to_string(),
            Design::Lhs(k) => format!("Latin hypercube of {k}, seed {}", w.plan.seed),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            w.number,
            escape(&design),
            w.points.len(),
            w.plan.replications,
            w.points.iter().filter(|s| s.non_implausible).count(),
            sets(&w.plan.parameters)
                .iter()
                .map(|set| format!("<code>{}</code>", escape(set)))
                .collect::<Vec<_>>()
                .join("<br>")
        );
    }
    h.push_str("</tbody>\n</table>\n");
    if let Some(last) = cal.waves.last()
        && last.next.is_none()
        && last.points.iter().all(|s| !s.non_implausible)
    {
        h.push_str("<p class=\"muted\">No point of the last wave is non-implausible, so no further wave could be sampled.</p>\n");
    }
    h.push_str("<h2>Best point</h2>\n");
    match cal.best() {
        None => h.push_str("<p>No point has a finite implausibility.</p>\n"),
        Some((at, s)) => {
            let verdict = if s.non_implausible {
                "non-implausible"
            } else {
                "still implausible: no point came under the threshold"
            };
            let _ = writeln!(
                h,
                "<p>Wave {}, point {}: largest implausibility {} ({verdict}).</p>",
                cal.waves[at.wave].number,
                s.point,
                escape(&implausibility_text(s.max))
            );
            h.push_str("<table>\n<thead><tr><th>parameter</th><th class=\"num\">value</th></tr></thead>\n<tbody>\n");
            for (path, value) in cal.settings(at) {
                let _ = writeln!(
                    h,
                    "<tr><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
                    escape(&path),
                    escape(&value)
                );
            }
            h.push_str("</tbody>\n</table>\n<table>\n<thead><tr><th>observation</th><th class=\"num\">simulated</th><th class=\"num\">observed</th><th class=\"num\">implausibility</th></tr></thead>\n<tbody>\n");
            for (t, sc) in cal.targets.iter().zip(&s.scores) {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    escape(&t.name),
                    escape(&simulated_text(t, sc)),
                    escape(&observed_text(t)),
                    escape(&implausibility_text(sc.implausibility))
                );
            }
            h.push_str("</tbody>\n</table>\n");
            if let Some(ron) = best_ron {
                h.push_str("<p>As a scenario file (<code>best.ron</code>, beside this report), ready for <code>blastradius run best.ron</code>:</p>\n");
                let _ = writeln!(h, "<pre><code>{}</code></pre>", escape(ron));
            }
        }
    }
    let ranked = ranked(cal);
    if !ranked.is_empty() {
        let _ = writeln!(
            h,
            "<h2>Non-implausible set</h2>\n<p class=\"muted\">{} point{}{}; every one is in <code>non_implausible.csv</code>, and every point tried in <code>calibration.csv</code>.</p>",
            ranked.len(),
            if ranked.len() == 1 { "" } else { "s" },
            if ranked.len() > HTML_ROWS {
                format!(", the {HTML_ROWS} most plausible shown")
            } else {
                String::new()
            }
        );
        h.push_str("<table class=\"wide\">\n<thead><tr><th>wave</th><th class=\"num\">point</th>");
        for p in cal.parameters() {
            let _ = write!(h, "<th class=\"num\">{}</th>", escape(&p.path));
        }
        h.push_str("<th class=\"num\">largest implausibility</th></tr></thead>\n<tbody>\n");
        for (at, s) in ranked.iter().take(HTML_ROWS) {
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td>",
                cal.waves[at.wave].number, s.point
            );
            for v in &s.values {
                let _ = write!(h, "<td class=\"num\">{}</td>", escape(v));
            }
            let _ =
                writeln!(h, "<td class=\"num\">{}</td></tr>", escape(&implausibility_text(s.max)));
        }
        h.push_str("</tbody>\n</table>\n");
    }
    if !charts.is_empty() {
        h.push_str("<h2>Charts</h2>\n");
        for chart in charts {
            let _ = write!(
                h,
                "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
                chart.svg,
                escape(&chart.title)
            );
        }
    }
    let _ = writeln!(h, "<footer>{}</footer>", escape(program));
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use blastradius_model::figures::Metric;
    use blastradius_study::SweepPlan;
    use blastradius_study::calibrate::{Score, Unscored, Wave};
    use blastradius_study::design::{self, parse_set};

    /// Two waves over a and b; the implausibility of a point is |a - 5|, so points with a
    /// within 3 of 5 are kept.
    fn calibration() -> Calibration {
        let target = Target {
            name: "share".into(),
            source: "someone".into(),
            figure: Figure::at(Metric::RecoveredShare, 60),
            low: Some(0.5),
            high: Some(0.7),
            value: 0.6,
            sd: 0.2 / 3.92,
            sd_from: SdFrom::Band,
            side: Side::Both,
        };
        let wave = |number: u32, sets: &[&str], seed| {
            let parameters: Vec<Parameter> = sets.iter().map(|s| parse_set(s).unwrap()).collect();
            let points = design::points(&parameters, Design::Lhs(8), seed).unwrap();
            let scored = points
                .iter(&parameters)
                .map(|p| {
                    let i = (p.numbers[0] - 5.0).abs();
                    Scored {
                        point: p.index,
                        values: p.values.clone(),
                        numbers: p.numbers.clone(),
                        scores: vec![Score {
                            mean: Some(0.6 + i / 10.0),
                            var_of_mean: 0.0001,
                            n: 2,
                            censored: 0,
                            implausibility: i,
                        }],
                        max: i,
                        non_implausible: i < 3.0,
                    }
                })
                .collect();
            Wave {
                number,
                plan: SweepPlan {
                    scenario: "x.ron".into(),
                    name: "x".into(),
                    seed,
                    design: Design::Lhs(8),
                    parameters,
                    replications: 2,
                    points,
                    figures: vec![target.figure],
                },
                points: scored,
                next: None,
            }
        };
        Calibration {
            scenario: "x.ron".into(),
            name: "x".into(),
            observations: "obs".into(),
            threshold: 3.0,
            targets: vec![target.clone()],
            unscored: vec![Unscored {
                name: "other".into(),
                reason: "not applicable: for y".into(),
            }],
            waves: vec![
                wave(1, &["fleet.a.staff.count=0..10", "fleet.a.repair.mean=5m..30m"], 1),
                wave(2, &["fleet.a.staff.count=2..8", "fleet.a.repair.mean=5m..30m"], 2),
            ],
        }
    }

    #[test]
    fn calibration_csv_has_every_point_and_non_implausible_csv_the_kept_ones_best_first() {
        let cal = calibration();
        let text = calibration_csv(&cal);
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "wave,point,fleet.a.staff.count,fleet.a.repair.mean,replications,share_mean,share_sd_of_mean,share_implausibility,max_implausibility,non_implausible"
        );
        assert_eq!(lines.count(), 16);
        let kept = non_implausible_csv(&cal);
        let rows: Vec<Vec<String>> =
            kept.lines().skip(1).map(|l| l.split(',').map(String::from).collect()).collect();
        assert_eq!(rows.len(), cal.non_implausible().count());
        assert!(rows.iter().all(|r| r[9] == "true"));
        let maxes: Vec<f64> = rows.iter().map(|r| r[8].parse().unwrap()).collect();
        assert!(maxes.windows(2).all(|w| w[0] <= w[1]), "{maxes:?}");
        assert!((rows[0][6].parse::<f64>().unwrap() - 0.01).abs() < 1e-12, "sd of the mean");
    }

    #[test]
    fn calibration_json_names_the_best_point_and_every_wave() {
        let cal = calibration();
        let v: serde_json::Value =
            serde_json::from_str(&calibration_json(&cal, "blastradius calibrate x", "p")).unwrap();
        assert_eq!(v["schema"], "blastradius.calibration/1");
        assert_eq!(v["targets"][0]["sd_from"], "band_95");
        assert_eq!(v["not_scored"][0]["name"], "other");
        assert_eq!(v["waves"].as_array().unwrap().len(), 2);
        assert_eq!(v["waves"][1]["sets"][0], "fleet.a.staff.count=2..8");
        let (at, best) = cal.best().unwrap();
        assert_eq!(v["best"]["wave"], cal.waves[at.wave].number);
        assert_eq!(v["best"]["point"], best.point);
        assert_eq!(v["best"]["settings"]["fleet.a.staff.count"], best.values[0].as_str());
        assert_eq!(v["non_implausible"], cal.non_implausible().count());
    }

    #[test]
    fn the_charts_plot_each_parameter_and_each_pair() {
        let cal = calibration();
        let charts = calibration_charts(&cal).unwrap();
        let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "implausibility_vs_staff_count",
                "implausibility_vs_repair_mean",
                "pair_staff_count_repair_mean"
            ]
        );
        assert_eq!(short_names(&["horizon".to_string()]), ["horizon"]);
        // Every point is drawn once in each chart, and the best point ringed.
        for chart in &charts {
            assert_eq!(chart.svg.matches("<circle").count(), 16 + 1, "{}", chart.name);
        }
    }

    #[test]
    fn short_names_are_the_last_two_segments_or_as_many_as_tell_them_apart() {
        let paths = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            short_names(&paths(&[
                "a.staff.technicians_per_1000",
                "a.repair.time.Workstation.mean"
            ])),
            ["staff_technicians_per_1000", "Workstation_mean"]
        );
        assert_eq!(
            short_names(&paths(&["x.rings[0].share", "y.rings[0].share"])),
            ["x_rings_0__share", "y_rings_0__share"]
        );
        assert_eq!(
            short_names(&paths(&[
                "a.time.Workstation.mean",
                "a.time.Server.mean",
                "rings[0].share"
            ])),
            // (the third's two segments are all it has)
            ["Workstation_mean", "Server_mean", "rings_0__share"]
        );
    }

    #[test]
    fn the_summary_and_the_report_show_the_best_point_against_the_observations() {
        let cal = calibration();
        let summary = calibration_summary(&cal);
        assert!(summary.starts_with("Calibration of x against obs: 16 points in 2 waves, 2 replications each, threshold 3\n"), "{summary}");
        assert!(
            summary.contains(
                "  share  recovered_share_at_1h  60.0% ± 5.1%  (band read as a 95% interval)"
            ),
            "{summary}"
        );
        assert!(summary.contains("not scored\n  other: not applicable: for y"), "{summary}");
        assert!(summary.contains("best point: wave "), "{summary}");
        let html = calibration_html(&cal, &[], Some("(extends: \"x\")"), "cmd <x>", "p");
        assert!(html.contains("<pre class=\"command\"><code>cmd &lt;x&gt;</code></pre>"));
        assert!(html.contains("(extends: &quot;x&quot;)") || html.contains("(extends: \"x\")"));
        assert!(html.contains("<h2>Non-implausible set</h2>"));
    }
}
