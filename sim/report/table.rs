//! The summary table: which figures a reader sees first, grouped into sections, with human
//! formatting, rendered as aligned plain text for the terminal (the HTML report renders the
//! same rows as an HTML table).
//!
//! It knows the figure names and how to present them; it knows nothing of terminals (no colour
//! codes: the CLI may add them), HTML or files.

use std::collections::BTreeMap;

use blastradius_model::spec::Sector;

use super::RunSet;
use super::fmt;
use super::stats::Stat;

/// How a figure's values read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A count: "8,788,155".
    Count,
    /// Seconds after the first publication, shown as a duration: "8h 18m".
    Duration,
    /// US dollars: "$1.74B".
    Usd,
}

impl Kind {
    fn format(self, value: f64) -> String {
        match self {
            Kind::Count => fmt::thousands(value),
            Kind::Duration => fmt::duration(value),
            Kind::Usd => fmt::money(value),
        }
    }
}

/// A group of rows under a heading.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Section {
    pub title: &'static str,
    pub rows: Vec<Row>,
}

/// One line of the summary: a label and, unless it is a sub-heading, a value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Row {
    pub label: String,
    /// Nesting below the section: 0 for a figure, 1 under a sub-heading.
    pub indent: usize,
    /// The mean (or the only value), formatted; empty for a sub-heading.
    pub value: String,
    /// "[low, high]", the 95% interval for the mean, when there is more than one value.
    pub ci: Option<String>,
    /// A remark, e.g. "in 10 of 20 runs" when the figure did not happen in every replication.
    pub note: Option<String>,
}

/// What the summary shows for a figure that never happened in any replication.
const NEVER: &str = "never";
/// What it shows for a figure that the results do not have at all.
const MISSING: &str = "-";

/// The summary's sections and rows, shared by the terminal table and the HTML report.
pub(crate) fn sections(set: &RunSet, stats: &BTreeMap<String, Stat>) -> Vec<Section> {
    let runs = set.runs.len();
    let row = |label: &str, name: &str, kind: Kind| figure_row(label, 0, name, kind, stats, runs);
    let sub = |label: &str, name: &str, kind: Kind| figure_row(label, 1, name, kind, stats, runs);
    let mut loss = vec![row("total", "loss_usd_total", Kind::Usd), heading("by sector")];
    for sector in Sector::ALL {
        let name = format!("loss_usd_{}", sector.name());
        if stats.contains_key(&name) {
            loss.push(sub(sector.name(), &name, Kind::Usd));
        }
    }
    loss.extend([
        heading("by component"),
        sub("lost revenue", "loss_usd_revenue", Kind::Usd),
        sub("recovery labour", "loss_usd_labour", Kind::Usd),
        sub("penalties and compensation", "loss_usd_penalties", Kind::Usd),
        sub("operational backlog", "loss_usd_backlog", Kind::Usd),
    ]);
    vec![
        Section {
            title: "Exposure",
            rows: vec![
                row("endpoints total", "endpoints_total", Kind::Count),
                row("endpoints exposed", "endpoints_exposed", Kind::Count),
                row("endpoints crashed", "endpoints_crashed", Kind::Count),
                row("self-healed", "endpoints_self_healed", Kind::Count),
                row("repaired remotely", "endpoints_repaired_remote", Kind::Count),
                row("repaired on site", "endpoints_repaired_onsite", Kind::Count),
                row("still down at the end", "endpoints_down_at_end", Kind::Count),
                row("organisations affected", "organisations_affected", Kind::Count),
            ],
        },
        Section {
            title: "Timing (after the first publication)",
            rows: vec![
                row("first crash", "first_crash_at_s", Kind::Duration),
                row("rollout halted", "rollout_halted_at_s", Kind::Duration),
                row("revert published", "revert_published_at_s", Kind::Duration),
                row("50% recovered", "recovered_50pct_at_s", Kind::Duration),
                row("90% recovered", "recovered_90pct_at_s", Kind::Duration),
                row("99% recovered", "recovered_99pct_at_s", Kind::Duration),
                row("all recovered", "recovered_all_at_s", Kind::Duration),
            ],
        },
        Section {
            title: "Downtime",
            rows: vec![
                row("endpoint-hours", "endpoint_downtime_hours", Kind::Count),
                row("service-hours lost", "service_hours_lost_total", Kind::Count),
            ],
        },
        Section { title: "Loss", rows: loss },
        Section {
            title: "Operations",
            rows: vec![row("flights cancelled", "flights_cancelled", Kind::Count)],
        },
    ]
}

fn heading(label: &str) -> Row {
    Row { label: label.to_string(), indent: 0, value: String::new(), ci: None, note: None }
}

/// A figure's row: the mean, its interval when there are several values, and a note when it
/// happened in only some replications. A figure the statistics lack reads "never" if it is a
/// time (the event did not happen) and "-" otherwise.
fn figure_row(
    label: &str,
    indent: usize,
    name: &str,
    kind: Kind,
    stats: &BTreeMap<String, Stat>,
    runs: usize,
) -> Row {
    let Some(s) = stats.get(name) else {
        let value = if kind == Kind::Duration { NEVER } else { MISSING };
        return Row {
            label: label.to_string(),
            indent,
            value: value.to_string(),
            ci: None,
            note: None,
        };
    };
    // An interval whose ends read the same as each other (a figure that barely varies between
    // replications) would only repeat the mean, so it is left out.
    let (low, high) = (kind.format(s.ci95_low), kind.format(s.ci95_high));
    let ci = (s.has_interval() && low != high).then(|| format!("[{low}, {high}]"));
    let note = (s.n < runs).then(|| format!("in {} of {} runs", s.n, runs));
    Row { label: label.to_string(), indent, value: kind.format(s.mean), ci, note }
}

/// The terminal summary: a heading line, then each section's rows with labels, means, 95%
/// intervals (when there is more than one replication) and notes in aligned columns. Plain
/// text with a trailing newline.
pub fn summary_table(set: &RunSet, stats: &BTreeMap<String, Stat>) -> String {
    let sections = sections(set, stats);
    let meta = &set.meta;
    let reps = set.runs.len();
    let mut out = format!(
        "{}: seed {}, {} {}\n",
        meta.scenario,
        meta.seed,
        reps,
        if reps == 1 { "replication" } else { "replications" }
    );
    let all_rows = || sections.iter().flat_map(|s| s.rows.iter());
    let label_width = all_rows().map(|r| 2 + 2 * r.indent + r.label.chars().count()).max();
    let label_width = label_width.unwrap_or(0).max(24);
    let value_width = all_rows().map(|r| r.value.chars().count()).max().unwrap_or(0).max(4);
    let ci_width = all_rows().filter_map(|r| r.ci.as_ref()).map(|c| c.chars().count()).max();
    if let Some(ci_width) = ci_width {
        let header =
            format!("{:label_width$}  {:>value_width$}  {:ci_width$}", "", "mean", "95% CI");
        out.push('\n');
        out.push_str(header.trim_end());
        out.push('\n');
    } else {
        out.push('\n');
    }
    for (i, section) in sections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(section.title);
        out.push('\n');
        for row in &section.rows {
            let label = format!("{}{}", "  ".repeat(1 + row.indent), row.label);
            let mut line = if row.value.is_empty() {
                label
            } else {
                format!("{label:label_width$}  {:>value_width$}", row.value)
            };
            if let Some(ci_width) = ci_width
                && (row.ci.is_some() || row.note.is_some())
            {
                let ci = row.ci.as_deref().unwrap_or("");
                line.push_str(&format!("  {ci:ci_width$}"));
            }
            if let Some(note) = &row.note {
                line.push_str(&format!("  ({note})"));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::summarize;
    use crate::testing::{run_with_figures, sample_set, set_of};

    #[test]
    fn one_replication() {
        let set = sample_set(1, 6);
        insta::assert_snapshot!(summary_table(&set, &summarize(&set.runs)));
    }

    #[test]
    fn several_replications_show_intervals() {
        let set = sample_set(5, 6);
        insta::assert_snapshot!(summary_table(&set, &summarize(&set.runs)));
    }

    #[test]
    fn figures_missing_or_partial() {
        let runs = vec![
            run_with_figures(
                0,
                &[("rollout_halted_at_s", Some(3_600.0)), ("flights_cancelled", Some(10.0))],
            ),
            run_with_figures(
                1,
                &[("rollout_halted_at_s", None), ("flights_cancelled", Some(20.0))],
            ),
        ];
        let set = set_of(runs, 1);
        let text = summary_table(&set, &summarize(&set.runs));
        let line = |prefix: &str| {
            text.lines().find(|l| l.trim_start().starts_with(prefix)).unwrap().to_string()
        };
        assert!(
            line("rollout halted").contains("1h")
                && line("rollout halted").ends_with("(in 1 of 2 runs)")
        );
        assert!(line("revert published").ends_with("never"));
        assert!(line("endpoints total").ends_with(" -"));
        // Mean 15, sd 7.07, t(0.975, 1) = 12.706: 15 ± 63.5.
        assert!(
            line("flights cancelled").ends_with("15  [-49, 79]"),
            "{}",
            line("flights cancelled")
        );
    }

    #[test]
    fn columns_are_aligned() {
        let set = sample_set(3, 6);
        let text = summary_table(&set, &summarize(&set.runs));
        let value_ends: Vec<usize> = text
            .lines()
            .filter(|l| l.contains('[') && !l.contains("95% CI"))
            .map(|l| l.find("  [").unwrap())
            .collect();
        assert!(value_ends.len() > 10);
        assert!(value_ends.windows(2).all(|w| w[0] == w[1]), "{value_ends:?}");
        assert!(!text.contains('\x1b'));
    }
}
