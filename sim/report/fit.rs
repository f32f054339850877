//! The fit: each observation of a run set beside the figure it observes. Per observation, the
//! simulated mean and its 95% interval, the observed band, and whether the mean is inside it;
//! or, for an observation that does not apply to the run, why not.
//!
//! A pure function of the statistics and the typed observations (`model::figures::Observed`,
//! made from observations files by `scenario`, which this crate does not know). The terminal
//! table, `summary.json`, the HTML report and the charts all show this one result, with the
//! texts below.

use blastradius_model::figures::{Aggregation, Figure, Observed};

use super::RunSet;
use super::fmt;
use super::stats::{Stat, Stats};

/// One observation in the fit.
#[derive(Clone, Debug, PartialEq)]
pub struct FitRow {
    pub name: String,
    /// Who stated it.
    pub source: String,
    pub outcome: Outcome,
}

/// How an observation stands against the run set.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// It applies: the figure's summary over replications beside the observed band.
    Compared {
        figure: Figure,
        low: Option<f64>,
        high: Option<f64>,
        /// `None` when the figure is absent in every replication (99% never reached).
        simulated: Option<Stat>,
        /// The mean within the band. A time that is never reached counts as later than any
        /// time in the run: inside a band with no high end, outside one with a high end.
        inside: bool,
    },
    /// It does not apply to this run (another scenario, an archetype the fleet lacks).
    NotApplicable { reason: String },
}

/// The fit of a run set to its observations, in the order they were given; empty when none
/// were given.
pub fn fit(set: &RunSet, stats: &Stats) -> Vec<FitRow> {
    set.observed
        .iter()
        .map(|o| match o {
            Observed::Applies(o) => {
                let simulated = stats.get(&o.figure).copied();
                FitRow {
                    name: o.name.clone(),
                    source: o.source.clone(),
                    outcome: Outcome::Compared {
                        figure: o.figure,
                        low: o.low,
                        high: o.high,
                        simulated,
                        inside: inside(o.figure, o.low, o.high, simulated.as_ref()),
                    },
                }
            }
            Observed::NotApplicable { name, source, reason } => FitRow {
                name: name.clone(),
                source: source.clone(),
                outcome: Outcome::NotApplicable { reason: reason.clone() },
            },
        })
        .collect()
}

/// Whether a simulated figure lies in the band from `low` to `high` (open ends when `None`).
/// Without a value, only the time of something that never happened can be inside: later than
/// the run, so inside when the band has no high end. A mean that is not a number is never
/// inside.
pub fn inside(
    figure: Figure,
    low: Option<f64>,
    high: Option<f64>,
    simulated: Option<&Stat>,
) -> bool {
    match simulated {
        Some(s) => low.is_none_or(|l| s.mean >= l) && high.is_none_or(|h| s.mean <= h),
        None => figure.aggregation() == Aggregation::WhenItHappened && high.is_none(),
    }
}

/// What the fit shows for a figure that never happened in any replication.
pub const NOT_REACHED: &str = "not reached";

/// The texts of one row, shared by the terminal table and the HTML report.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RowText {
    pub name: String,
    /// The simulated mean, "not reached", "-", or empty when not applicable.
    pub simulated: String,
    /// "[low, high]", the 95% interval, when there is more than one value and its ends differ.
    pub ci: Option<String>,
    /// "in 3 of 5 runs", when the figure happened in only some replications.
    pub note: Option<String>,
    /// "90.0% to 98.5%", "at least 6d 19h", "at most 3.0%"; empty when not applicable.
    pub observed: String,
    /// "holds", "off", or "not applicable: <reason>".
    pub verdict: String,
}

pub(crate) fn row_text(row: &FitRow, runs: usize) -> RowText {
    match &row.outcome {
        Outcome::NotApplicable { reason } => RowText {
            name: row.name.clone(),
            simulated: String::new(),
            ci: None,
            note: None,
            observed: String::new(),
            verdict: format!("not applicable: {reason}"),
        },
        Outcome::Compared { figure, low, high, simulated, inside } => {
            let unit = figure.unit();
            let value = |v: f64| fmt::value(unit, v);
            let (simulated, ci, note) = match simulated {
                None => {
                    let absent = match figure.aggregation() {
                        Aggregation::WhenItHappened => NOT_REACHED,
                        Aggregation::Mean => "-",
                    };
                    (absent.to_string(), None, None)
                }
                Some(s) => {
                    let (lo, hi) = (value(s.ci95_low), value(s.ci95_high));
                    let ci = (s.has_interval() && lo != hi).then(|| format!("[{lo}, {hi}]"));
                    let note = (s.n < runs).then(|| format!("in {} of {runs} runs", s.n));
                    (value(s.mean), ci, note)
                }
            };
            RowText {
                name: row.name.clone(),
                simulated,
                ci,
                note,
                observed: band_text(*figure, *low, *high),
                verdict: if *inside { "holds" } else { "off" }.to_string(),
            }
        }
    }
}

/// An observed band in the figure's unit: "90.0% to 98.5%", "at least 6d 19h", "at most 3.0%".
pub fn band_text(figure: Figure, low: Option<f64>, high: Option<f64>) -> String {
    let value = |v: f64| fmt::value(figure.unit(), v);
    match (low, high) {
        (Some(l), Some(h)) => format!("{} to {}", value(l), value(h)),
        (Some(l), None) => format!("at least {}", value(l)),
        (None, Some(h)) => format!("at most {}", value(h)),
        (None, None) => "any".to_string(),
    }
}

/// The terminal section: a title line that heads the columns, then a row per observation with
/// its name, simulated mean, 95% interval, observed band and verdict in aligned columns.
/// Empty when there are no observations.
pub(crate) fn fit_section(rows: &[FitRow], runs: usize, min_label_width: usize) -> String {
    if rows.is_empty() {
        return String::new();
    }
    const TITLE: &str = "Fit to observations";
    let texts: Vec<RowText> = rows.iter().map(|r| row_text(r, runs)).collect();
    let width =
        |f: &dyn Fn(&RowText) -> usize, min: usize| texts.iter().map(f).max().unwrap_or(0).max(min);
    let name_w = width(&|t| 2 + t.name.chars().count(), min_label_width.max(TITLE.len()));
    let sim_w = width(&|t| t.simulated.chars().count(), "simulated".len());
    let ci_w = texts.iter().filter_map(|t| t.ci.as_ref()).map(|c| c.chars().count()).max();
    let obs_w = width(&|t| t.observed.chars().count(), "observed".len());
    let mut out = String::new();
    let mut header = format!("{TITLE:name_w$}  {:>sim_w$}", "simulated");
    if let Some(ci_w) = ci_w {
        header.push_str(&format!("  {:ci_w$}", "95% CI"));
    }
    header.push_str(&format!("  {:obs_w$}  fit", "observed"));
    out.push_str(header.trim_end());
    out.push('\n');
    for t in &texts {
        let name = format!("  {}", t.name);
        let mut line = format!("{name:name_w$}  ");
        if t.observed.is_empty() {
            line.push_str(&t.verdict);
        } else {
            line.push_str(&format!("{:>sim_w$}", t.simulated));
            if let Some(ci_w) = ci_w {
                line.push_str(&format!("  {:ci_w$}", t.ci.as_deref().unwrap_or("")));
            }
            line.push_str(&format!("  {:obs_w$}  {}", t.observed, t.verdict));
            if let Some(note) = &t.note {
                line.push_str(&format!("  ({note})"));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::summarize;
    use crate::testing::{run_with_figures, set_of};
    use blastradius_model::figures::{Metric, Name, Observation, Scope};

    const SHARE: Figure = Figure { metric: Metric::RecoveredShare, scope: Scope::At(9_831) };
    const P99: Figure = Figure { metric: Metric::Recovered99pctAt, scope: Scope::Run };
    const ALL: Figure = Figure { metric: Metric::RecoveredAllAt, scope: Scope::Run };
    const CRASHED: Figure = Figure { metric: Metric::EndpointsCrashed, scope: Scope::Run };

    fn observation(name: &str, figure: Figure, low: Option<f64>, high: Option<f64>) -> Observed {
        Observed::Applies(Observation {
            name: name.into(),
            figure,
            low,
            high,
            source: format!("{name}'s source"),
        })
    }

    /// Three replications with the recovered share at 0.90, 0.94, 0.98 (mean 0.94), 99% at
    /// 5, 6 and 7 days in two of them (mean 6 days), nothing ever all back, and no crash count.
    fn set(observed: Vec<Observed>) -> RunSet {
        let day = 86_400.0;
        let runs = vec![
            run_with_figures(0, &[(SHARE, Some(0.90)), (P99, Some(5.0 * day)), (ALL, None)]),
            run_with_figures(1, &[(SHARE, Some(0.94)), (P99, None), (ALL, None)]),
            run_with_figures(2, &[(SHARE, Some(0.98)), (P99, Some(7.0 * day)), (ALL, None)]),
        ];
        let mut set = set_of(runs, 14);
        set.observed = observed;
        set
    }

    fn verdicts(observed: Vec<Observed>) -> Vec<(String, Option<bool>)> {
        let set = set(observed);
        fit(&set, &summarize(&set.runs))
            .into_iter()
            .map(|r| {
                let inside = match r.outcome {
                    Outcome::Compared { inside, .. } => Some(inside),
                    Outcome::NotApplicable { .. } => None,
                };
                (r.name, inside)
            })
            .collect()
    }

    #[test]
    fn the_mean_is_held_against_the_band() {
        let day = 86_400.0;
        let cases = [
            // The share's mean is 0.94.
            ("inside", SHARE, Some(0.90), Some(0.985), Some(true)),
            ("on the low end", SHARE, Some(0.94), Some(0.99), Some(true)),
            ("on the high end", SHARE, Some(0.5), Some(0.94), Some(true)),
            ("above", SHARE, Some(0.5), Some(0.93), Some(false)),
            ("below", SHARE, Some(0.95), Some(0.99), Some(false)),
            ("low only, above it", SHARE, Some(0.9), None, Some(true)),
            ("high only, above it", SHARE, None, Some(0.9), Some(false)),
            // 99%: mean 6 days over the two replications that reached it.
            ("not before 5 days", P99, Some(5.0 * day), None, Some(true)),
            ("not before 6.5 days", P99, Some(6.5 * day), None, Some(false)),
            ("by 6 days", P99, None, Some(6.0 * day), Some(true)),
            // Never all back: later than the run.
            ("all, not before", ALL, Some(3.0 * day), None, Some(true)),
            ("all, by", ALL, None, Some(9.0 * day), Some(false)),
            ("all, between", ALL, Some(1.0), Some(9.0 * day), Some(false)),
            // A count the results lack cannot be inside any band.
            ("absent count", CRASHED, Some(0.0), None, Some(false)),
        ];
        let observed = cases
            .iter()
            .map(|(name, figure, low, high, _)| observation(name, *figure, *low, *high))
            .collect();
        let expected: Vec<(String, Option<bool>)> =
            cases.iter().map(|c| (c.0.to_string(), c.4)).collect();
        assert_eq!(verdicts(observed), expected);
    }

    #[test]
    fn simulated_values_and_not_applicable_rows() {
        let mut observed = vec![observation("share", SHARE, Some(0.9), Some(0.985))];
        observed.push(Observed::NotApplicable {
            name: "delta".into(),
            source: "press".into(),
            reason: "no archetype \"delta_like\" in the fleet of x".into(),
        });
        observed.push(observation("all", ALL, None, Some(1.0)));
        let set = set(observed);
        let rows = fit(&set, &summarize(&set.runs));
        let Outcome::Compared { simulated: Some(s), figure, .. } = &rows[0].outcome else {
            panic!("{rows:?}")
        };
        assert_eq!(*figure, SHARE);
        assert!((s.mean - 0.94).abs() < 1e-12);
        assert_eq!(s.n, 3);
        assert_eq!(rows[0].source, "share's source");
        assert_eq!(
            rows[1].outcome,
            Outcome::NotApplicable {
                reason: "no archetype \"delta_like\" in the fleet of x".into()
            }
        );
        assert!(matches!(
            rows[2].outcome,
            Outcome::Compared { simulated: None, inside: false, .. }
        ));
    }

    #[test]
    fn bands_read_in_the_figures_unit() {
        let a = Name::new("delta_like").unwrap();
        let day = Figure { metric: Metric::ScheduleNormalDay, scope: Scope::Archetype(a) };
        assert_eq!(band_text(SHARE, Some(0.9), Some(0.985)), "90.0% to 98.5%");
        assert_eq!(band_text(P99, Some(589_860.0), None), "at least 6d 20h");
        assert_eq!(band_text(SHARE, None, Some(0.03)), "at most 3.0%");
        assert_eq!(band_text(day, Some(6.0), Some(7.0)), "day 6 to day 7");
    }

    #[test]
    fn the_terminal_section_is_aligned() {
        let day = 86_400.0;
        let observed = vec![
            observation("fleet_back_26_jul", SHARE, Some(0.9), Some(0.985)),
            observation("fleet_99pct_not_before_26_jul", P99, Some(6.8 * day), None),
            observation("all_back", ALL, None, Some(4.0 * day)),
            Observed::NotApplicable {
                name: "delta_cancelled_sat".into(),
                source: "press".into(),
                reason: "no archetype \"delta_like\" in the fleet of x".into(),
            },
        ];
        let set = set(observed);
        let text = fit_section(&fit(&set, &summarize(&set.runs)), 3, 24);
        insta::assert_snapshot!(text);
        // The simulated, observed and verdict columns start at the same place on every row
        // that has them.
        let lines: Vec<&str> = text.lines().skip(1).take(3).collect();
        let observed_at: Vec<usize> =
            lines.iter().map(|l| l.find(" at ").or_else(|| l.find(" 90")).unwrap()).collect();
        assert!(observed_at.windows(2).all(|w| w[0] == w[1]), "{observed_at:?}\n{text}");
    }
}
