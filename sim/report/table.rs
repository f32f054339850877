//! The summary table: which figures a reader sees first, grouped into sections, with human
//! formatting, rendered as aligned plain text for the terminal (the HTML report renders the
//! same rows as an HTML table).
//!
//! Which figures it shows, where and under what label comes from the model's catalogue of
//! figures; it knows nothing of terminals (no colour codes: the CLI may add them), HTML or files.

use blastradius_model::figures::{Aggregation, Figure, Scope, Section as Part, TableRow};

use super::RunSet;
use super::fmt;
use super::stats::Stats;

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

/// The summary's sections and rows, shared by the terminal table and the HTML report: the
/// figures the catalogue places in the table (every run-wide one, present or not, and the
/// per-sector ones the results have), in the catalogue's order within each section, with its
/// sub-headings.
pub(crate) fn sections(set: &RunSet, stats: &Stats) -> Vec<Section> {
    let runs = set.runs.len();
    let mut placed: Vec<(TableRow, Figure)> =
        Figure::run_wide().filter_map(|f| Some((f.table_row()?, f))).collect();
    placed.extend(
        stats.keys().filter(|f| f.scope != Scope::Run).filter_map(|&f| Some((f.table_row()?, f))),
    );
    placed.sort_by_key(|(row, f)| (row.section, row.rank, *f));
    Part::ALL
        .into_iter()
        .map(|part| {
            let mut rows = Vec::new();
            let mut heading = None;
            for (row, figure) in placed.iter().filter(|(row, _)| row.section == part) {
                if row.heading.is_some() && row.heading != heading {
                    rows.push(sub_heading(row.heading.unwrap_or_default()));
                }
                heading = row.heading;
                let indent = usize::from(row.heading.is_some());
                rows.push(figure_row(row.label, indent, *figure, stats, runs));
            }
            Section { title: part.title(), rows }
        })
        .collect()
}

fn sub_heading(label: &str) -> Row {
    Row { label: label.to_string(), indent: 0, value: String::new(), ci: None, note: None }
}

/// A figure's row: the mean, its interval when there are several values, and a note when it
/// happened in only some replications. A figure the statistics lack reads "never" if it is the
/// time of something that may not happen, and "-" otherwise.
fn figure_row(label: &str, indent: usize, figure: Figure, stats: &Stats, runs: usize) -> Row {
    let Some(s) = stats.get(&figure) else {
        let value = match figure.aggregation() {
            Aggregation::WhenItHappened => NEVER,
            Aggregation::Mean => MISSING,
        };
        return Row {
            label: label.to_string(),
            indent,
            value: value.to_string(),
            ci: None,
            note: None,
        };
    };
    let unit = figure.unit();
    // An interval whose ends read the same as each other (a figure that barely varies between
    // replications) would only repeat the mean, so it is left out.
    let (low, high) = (fmt::value(unit, s.ci95_low), fmt::value(unit, s.ci95_high));
    let ci = (s.has_interval() && low != high).then(|| format!("[{low}, {high}]"));
    let note = (s.n < runs).then(|| format!("in {} of {} runs", s.n, runs));
    Row { label: label.to_string(), indent, value: fmt::value(unit, s.mean), ci, note }
}

/// The terminal summary: a heading line, then each section's rows with labels, means, 95%
/// intervals (when there is more than one replication) and notes in aligned columns, and, when
/// the run set has observations, the fit to them last. Plain text with a trailing newline.
pub fn summary_table(set: &RunSet, stats: &Stats) -> String {
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
    let fit = super::fit::fit(set, stats);
    if !fit.is_empty() {
        out.push('\n');
        out.push_str(&super::fit::fit_section(&fit, reps, label_width));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::summarize;
    use crate::testing::{run_with_figures, sample_set, set_of};
    use blastradius_model::Metric;

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
        let (halted, flights) = (Metric::RolloutHaltedAt.into(), Metric::FlightsCancelled.into());
        let runs = vec![
            run_with_figures(0, &[(halted, Some(3_600.0)), (flights, Some(10.0))]),
            run_with_figures(1, &[(halted, None), (flights, Some(20.0))]),
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
    fn the_fit_comes_last_and_only_with_observations() {
        use blastradius_model::figures::{Observation, Observed};
        let mut set = sample_set(3, 6);
        let plain = summary_table(&set, &summarize(&set.runs));
        assert!(!plain.contains("Fit to observations"));
        set.observed = vec![Observed::Applies(Observation {
            name: "crashed".into(),
            figure: Metric::EndpointsCrashed.into(),
            low: Some(1.0),
            high: None,
            source: "s".into(),
        })];
        let text = summary_table(&set, &summarize(&set.runs));
        let (before, fit) = text.split_at(text.find("\nFit to observations").unwrap());
        assert_eq!(before, plain.trim_end_matches('\n').to_string() + "\n");
        assert!(fit.lines().nth(2).unwrap().starts_with("  crashed  "), "{fit}");
        assert!(fit.trim_end().ends_with("holds"), "{fit}");
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
