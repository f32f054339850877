//! Charts of the sampled time series: endpoints down, service capacity and cumulative loss,
//! by sector for one scenario and summed over sectors for a comparison of scenarios.
//!
//! Replications are summarised per sample: the line is the mean, the band runs from the 5th
//! to the 95th percentile across replications (drawn only when there are several). This is
//! where time series values reach charts, so non-finite values are dropped here, once.
//!
//! It knows the result types and the line chart; it knows nothing of files or HTML.

use crate::RunSet;
use crate::stats::percentile;
use blastradius_model::RunResult;
use blastradius_model::results::Series;
use blastradius_model::spec::Sector;

use super::lines::{Direction, Line, LineFigure, MARK, Mark, XAxis, drop_flat};
use super::render::render;
use super::style::{LegendItem, Swatch, Unit, hours_label, sector_colour, series_colour};
use super::{Chart, ChartError};
use blastradius_model::figures::{Metric, Observed, Scope};

/// A quantity sampled over time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Quantity {
    /// Endpoints down; summed over sectors.
    EndpointsDown,
    /// Service capacity in [0, 1]. Over sectors it is the plain, unweighted mean of the
    /// sectors' capacities: the results carry no revenue weights between sectors, so a sector
    /// of ten banks counts as much as one of a thousand shops.
    Capacity,
    /// Cumulative loss in USD; summed over sectors.
    LossUsd,
}

impl Quantity {
    /// Every quantity, in the order charts are produced.
    pub const ALL: [Quantity; 3] = [Quantity::EndpointsDown, Quantity::Capacity, Quantity::LossUsd];

    /// The file stem of its by-sector chart.
    pub fn stem(self) -> &'static str {
        match self {
            Quantity::EndpointsDown => "endpoints_down",
            Quantity::Capacity => "capacity",
            Quantity::LossUsd => "loss",
        }
    }

    fn unit(self) -> Unit {
        match self {
            Quantity::EndpointsDown => Unit::Count,
            Quantity::Capacity => Unit::Share,
            Quantity::LossUsd => Unit::Usd,
        }
    }

    fn y_label(self) -> &'static str {
        match self {
            Quantity::EndpointsDown => "endpoints down",
            Quantity::Capacity => "service capacity (% of normal)",
            Quantity::LossUsd => "cumulative loss (USD)",
        }
    }

    fn by_sector_title(self) -> &'static str {
        match self {
            Quantity::EndpointsDown => "Endpoints down by sector",
            Quantity::Capacity => "Service capacity by sector",
            Quantity::LossUsd => "Cumulative loss by sector",
        }
    }

    fn compare_title(self) -> &'static str {
        match self {
            Quantity::EndpointsDown => "Endpoints down, all sectors, by scenario",
            Quantity::Capacity => "Service capacity, unweighted mean of sectors, by scenario",
            Quantity::LossUsd => "Cumulative loss, all sectors, by scenario",
        }
    }

    fn y_range(self) -> Option<(f64, f64)> {
        (self == Quantity::Capacity).then_some((0.0, 1.0))
    }

    /// The value of sector column `j` at sample `k`.
    fn at(self, s: &Series, k: usize, j: usize) -> Option<f64> {
        match self {
            Quantity::EndpointsDown => s.down.get(k)?.get(j).map(|&d| d as f64),
            Quantity::Capacity => s.capacity.get(k)?.get(j).copied(),
            Quantity::LossUsd => s.loss_usd.get(k)?.get(j).copied(),
        }
    }

    /// The value over all sectors of a run at sample `k`: the sum, or for capacity the mean.
    fn over_sectors(self, s: &Series, k: usize) -> Option<f64> {
        let values: Vec<f64> = (0..s.sectors.len()).filter_map(|j| self.at(s, k, j)).collect();
        if values.is_empty() {
            return None;
        }
        let sum: f64 = values.iter().sum();
        Some(if self == Quantity::Capacity { sum / values.len() as f64 } else { sum })
    }
}

/// One summarised series: per sample, the time in hours, the mean and the 5th and 95th
/// percentiles over replications.
#[derive(Clone, Debug, Default, PartialEq)]
struct Summary {
    points: Vec<(f64, f64, f64, f64)>,
}

impl Summary {
    /// Summarises `value(run, k)` over runs for every sample of the first run. Samples where
    /// no run has a finite value are left out.
    fn of(runs: &[RunResult], value: impl Fn(&RunResult, usize) -> Option<f64>) -> Summary {
        let Some(first) = runs.first() else { return Summary::default() };
        let mut points = Vec::with_capacity(first.series.times_s.len());
        let mut values = Vec::with_capacity(runs.len());
        for (k, &t) in first.series.times_s.iter().enumerate() {
            values.clear();
            values.extend(
                runs.iter()
                    .filter(|r| r.series.times_s.get(k) == Some(&t))
                    .filter_map(|r| value(r, k))
                    .filter(|v| v.is_finite()),
            );
            if values.is_empty() || !t.is_finite() {
                continue;
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            values.sort_by(f64::total_cmp);
            points.push((t / 3_600.0, mean, percentile(&values, 0.05), percentile(&values, 0.95)));
        }
        let points = drop_flat(&points, |p| (p.1.to_bits(), p.2.to_bits(), p.3.to_bits()));
        Summary { points }
    }

    fn line(&self, label: String, colour: plotters::style::RGBColor, bands: bool) -> Line {
        Line {
            label,
            colour,
            points: self.points.iter().map(|p| (p.0, p.1)).collect(),
            band: if bands {
                self.points.iter().map(|p| (p.0, p.2, p.3)).collect()
            } else {
                Vec::new()
            },
            width: 2,
            dashed: false,
            markers: false,
        }
    }
}

/// The sectors present in any replication, in sector order.
fn sectors(runs: &[RunResult]) -> Vec<Sector> {
    let mut all: Vec<Sector> = runs.iter().flat_map(|r| r.series.sectors.iter().copied()).collect();
    all.sort();
    all.dedup();
    all
}

/// Shows the part of the run where something happens: when every line has settled well
/// before the horizon (stays within half a percent of its range from its final value), the
/// axis ends a margin after that and the subtitle says so.
fn focus(lines: &mut [Line], total_hours: f64, subtitle: &mut String) {
    focus_keeping(lines, total_hours, 0.0, subtitle);
}

/// [`focus`], keeping at least the first `keep` hours on the axis (where observations are
/// drawn).
fn focus_keeping(lines: &mut [Line], total_hours: f64, keep: f64, subtitle: &mut String) {
    let settled = super::lines::settled_at(lines).max(keep);
    if let Some(end) = super::lines::focus_end(settled, total_hours) {
        super::lines::trim_to(lines, end);
        subtitle.push_str(&format!(
            "; first {} of the {} run shown: every line is within 0.5% of its final value by then",
            crate::fmt::duration(end * 3_600.0),
            crate::fmt::duration(total_hours * 3_600.0)
        ));
    }
}

/// "mean of 20 replications; bands: 5th to 95th percentile", or "one replication".
fn replication_note(n: usize) -> String {
    match n {
        0 => "no replications".to_string(),
        1 => "one replication".to_string(),
        n => format!("mean of {n} replications; bands: 5th to 95th percentile"),
    }
}

fn band_legend(n: usize) -> Vec<LegendItem> {
    if n > 1 {
        vec![LegendItem {
            label: "5th-95th percentile".into(),
            colour: plotters::style::RGBColor(0xC8, 0xC8, 0xC8),
            swatch: Swatch::Block,
        }]
    } else {
        Vec::new()
    }
}

/// The by-sector chart of `quantity` for one scenario. There is no "all sectors" line: it
/// would dwarf the sectors and squash them against the axis; totals are in the table and in
/// the comparison charts.
pub fn by_sector(set: &RunSet, quantity: Quantity) -> Result<Chart, ChartError> {
    let runs = &set.runs;
    let bands = runs.len() > 1;
    let mut lines = Vec::new();
    let sectors = sectors(runs);
    for &sector in &sectors {
        let summary = Summary::of(runs, |r, k| {
            let j = r.series.sectors.iter().position(|&s| s == sector)?;
            quantity.at(&r.series, k, j)
        });
        lines.push(summary.line(sector.name().to_string(), sector_colour(sector), bands));
    }
    let mut subtitle = format!("{}: {}", set.meta.scenario, replication_note(runs.len()));
    focus(&mut lines, set.meta.horizon_s / 3_600.0, &mut subtitle);
    let figure = LineFigure {
        title: quantity.by_sector_title().to_string(),
        subtitle,
        x_label: hours_label(set.meta.start_unix_s),
        y_label: quantity.y_label().to_string(),
        x_axis: XAxis::Hours { start_unix_s: set.meta.start_unix_s },
        y_unit: quantity.unit(),
        y_range: quantity.y_range(),
        lines,
        legend_extra: band_legend(runs.len()),
        marks: Vec::new(),
    };
    render(quantity.stem(), &figure.title, &figure)
}

/// Endpoints down over time by sector (`endpoints_down`).
pub fn endpoints_down(set: &RunSet) -> Result<Chart, ChartError> {
    by_sector(set, Quantity::EndpointsDown)
}

/// Service capacity (0 to 100%) over time by sector (`capacity`).
pub fn capacity(set: &RunSet) -> Result<Chart, ChartError> {
    by_sector(set, Quantity::Capacity)
}

/// Cumulative loss over time by sector (`loss`).
pub fn loss(set: &RunSet) -> Result<Chart, ChartError> {
    by_sector(set, Quantity::LossUsd)
}

/// The share of crashed endpoints back over time, all sectors (`recovered`), with the run
/// set's observations of that share drawn over it: a value observed at a moment as a
/// vertical bar, the time a level of recovery was reached (50%, 90%, 99%, all) as a
/// horizontal bar at that level. `None` when no observation can be drawn on it, so runs
/// without observations get no such chart.
///
/// Per replication and sample the share is `1 - down / crashed`, with `crashed` the
/// replication's crashes over the whole run. Before the crash wave is over that would count
/// the endpoints that have not crashed yet as back, so each replication's line starts at its
/// peak of endpoints down.
pub fn recovered(set: &RunSet) -> Result<Option<Chart>, ChartError> {
    let marks = observation_marks(set);
    if marks.is_empty() {
        return Ok(None);
    }
    let runs = &set.runs;
    let down =
        |r: &RunResult, k: usize| -> Option<u64> { Some(r.series.down.get(k)?.iter().sum()) };
    // The first sample of each replication's peak, by replication.
    let peaks: std::collections::BTreeMap<u64, usize> = runs
        .iter()
        .map(|r| {
            let n = r.series.down.len();
            let peak = (0..n).max_by_key(|&k| (down(r, k), std::cmp::Reverse(k))).unwrap_or(0);
            (r.replication, peak)
        })
        .collect();
    let summary = Summary::of(runs, |r, k| {
        let crashed: u64 = r.sectors.iter().map(|s| s.crashed).sum();
        let after_peak = peaks.get(&r.replication).is_some_and(|&p| k >= p);
        let down = down(r, k)?;
        (crashed > 0 && after_peak).then(|| 1.0 - down as f64 / crashed as f64)
    });
    let mut lines = vec![summary.line("all sectors".into(), series_colour(0), runs.len() > 1)];
    let mut subtitle = format!(
        "{}: {}; from the peak of endpoints down",
        set.meta.scenario,
        replication_note(runs.len())
    );
    let keep = marks.iter().flat_map(Mark::xs).fold(0.0, f64::max);
    focus_keeping(&mut lines, set.meta.horizon_s / 3_600.0, keep, &mut subtitle);
    let mut legend_extra = band_legend(runs.len());
    legend_extra.push(LegendItem { label: "observed".into(), colour: MARK, swatch: Swatch::Line });
    let title = "Crashed endpoints back over time";
    let figure = LineFigure {
        title: title.to_string(),
        subtitle,
        x_label: hours_label(set.meta.start_unix_s),
        y_label: "crashed endpoints back (%)".to_string(),
        x_axis: XAxis::Hours { start_unix_s: set.meta.start_unix_s },
        y_unit: Unit::Share,
        y_range: Some((0.0, 1.0)),
        lines,
        legend_extra,
        marks,
    };
    render("recovered", title, &figure).map(Some)
}

/// The observations the `recovered` chart can show, as bars in hours since the start.
fn observation_marks(set: &RunSet) -> Vec<Mark> {
    let hours_after_publication = |s: f64| (set.meta.publication_s + s) / 3_600.0;
    let mut marks = Vec::new();
    for o in &set.observed {
        let Observed::Applies(o) = o else { continue };
        let level = match o.figure.metric {
            Metric::Recovered50pctAt => Some(0.5),
            Metric::Recovered90pctAt => Some(0.9),
            Metric::Recovered99pctAt => Some(0.99),
            Metric::RecoveredAllAt => Some(1.0),
            _ => None,
        };
        let mark = match (o.figure.scope, level) {
            (Scope::At(minutes), None) if o.figure.metric == Metric::RecoveredShare => Mark {
                label: o.name.clone(),
                direction: Direction::Vertical,
                at: f64::from(minutes) / 60.0,
                from: o.low,
                to: o.high,
            },
            (Scope::Run, Some(level)) => Mark {
                label: o.name.clone(),
                direction: Direction::Horizontal,
                at: level,
                from: o.low.map(hours_after_publication),
                to: o.high.map(hours_after_publication),
            },
            _ => continue,
        };
        marks.push(mark);
    }
    marks
}

/// One scenario in a comparison: its name as the legend shows it, and its replications.
#[derive(Clone, Copy, Debug)]
pub struct Compared<'a> {
    pub name: &'a str,
    pub set: &'a RunSet,
}

/// The comparison chart of `quantity` over all sectors, one line per scenario (with a band
/// when it has several replications), named `compare_<stem>`. Times are hours since each
/// scenario's own start; the axis names the start when all scenarios share it.
pub fn compare(quantity: Quantity, scenarios: &[Compared<'_>]) -> Result<Chart, ChartError> {
    let mut lines = Vec::new();
    let mut max_reps = 0;
    for (i, c) in scenarios.iter().enumerate() {
        let runs = &c.set.runs;
        max_reps = max_reps.max(runs.len());
        let summary = Summary::of(runs, |r, k| quantity.over_sectors(&r.series, k));
        lines.push(summary.line(c.name.to_string(), series_colour(i), runs.len() > 1));
    }
    let starts: Vec<i64> = scenarios.iter().map(|c| c.set.meta.start_unix_s).collect();
    let start = starts.first().copied().unwrap_or(0);
    let same_start = starts.iter().all(|&s| s == start);
    let x_label =
        if same_start { hours_label(start) } else { "hours since each scenario's start".into() };
    let names: Vec<&str> = scenarios.iter().map(|c| c.name).collect();
    let mut subtitle = match max_reps {
        0 | 1 => names.join(" vs "),
        _ => format!("{}: means; bands: 5th to 95th percentile", names.join(" vs ")),
    };
    let total_hours = scenarios.iter().map(|c| c.set.meta.horizon_s).fold(0.0, f64::max) / 3_600.0;
    focus(&mut lines, total_hours, &mut subtitle);
    let figure = LineFigure {
        title: quantity.compare_title().to_string(),
        subtitle,
        x_label,
        y_label: quantity.y_label().to_string(),
        // Midnights are only meaningful on a shared clock.
        x_axis: if same_start {
            XAxis::Hours { start_unix_s: start }
        } else {
            XAxis::Value(Unit::Hours)
        },
        y_unit: quantity.unit(),
        y_range: quantity.y_range(),
        lines,
        legend_extra: band_legend(max_reps),
        marks: Vec::new(),
    };
    render(&format!("compare_{}", quantity.stem()), &figure.title, &figure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{sample_runs, set_of};

    #[test]
    fn summary_is_mean_and_percentiles_per_sample() {
        let runs = sample_runs(3, 1);
        let s = Summary::of(&runs, |r, k| Quantity::EndpointsDown.at(&r.series, k, 0));
        // The sample at 6 hours (k = 24) is not flat, so it is kept.
        let p = s.points.iter().find(|p| p.0 == 6.0).unwrap();
        let mut v: Vec<f64> = runs.iter().map(|r| r.series.down[24][0] as f64).collect();
        assert_eq!(p.1, v.iter().sum::<f64>() / 3.0);
        v.sort_by(f64::total_cmp);
        assert_eq!(p.2, v[0] + 0.1 * (v[1] - v[0]));
        assert_eq!(p.3, v[1] + 0.9 * (v[2] - v[1]));
    }

    #[test]
    fn capacity_over_sectors_is_the_unweighted_mean() {
        let runs = sample_runs(1, 1);
        let s = &runs[0].series;
        let k = 10;
        let mean = s.capacity[k].iter().sum::<f64>() / 3.0;
        assert_eq!(Quantity::Capacity.over_sectors(s, k), Some(mean));
        let sum = s.down[k].iter().sum::<u64>() as f64;
        assert_eq!(Quantity::EndpointsDown.over_sectors(s, k), Some(sum));
    }

    #[test]
    fn non_finite_values_never_reach_a_chart() {
        let mut runs = sample_runs(2, 1);
        runs[0].series.loss_usd[5][0] = f64::NAN;
        runs[1].series.loss_usd[5][0] = f64::INFINITY;
        let s = Summary::of(&runs, |r, k| Quantity::LossUsd.at(&r.series, k, 0));
        assert!(s.points.iter().all(|p| p.1.is_finite() && p.2.is_finite() && p.3.is_finite()));
        assert!(s.points.iter().all(|p| p.0 != 5.0 * 0.25));
        assert!(loss(&set_of(runs, 1)).is_ok());
    }
}
