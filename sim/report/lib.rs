//! Exporters: the summary statistics, the terminal table, JSON, CSV, Parquet, charts (plotters)
//! and the HTML report. The only crate that knows plotters, CSV, Parquet and HTML.
//!
//! Every exporter is a pure function of finished results that returns text or bytes; it never
//! touches the disk, the clock or the terminal (the CLI decides where bytes go). The same
//! results always give the same bytes, which is what makes reports reproducible.

pub mod charts;
pub mod csv;
pub mod fit;
pub mod fmt;
pub mod html;
pub mod json;
pub mod parquet;
pub mod stats;
pub mod study;
pub mod table;

#[cfg(test)]
pub(crate) mod testing;

pub use charts::{Chart, ChartError};
pub use csv::timeseries_csv;
pub use fit::{FitRow, Outcome, fit};
pub use html::{TextSection, report_html, report_html_with};
pub use json::summary_json;
pub use stats::{Stat, Stats, diff_ci, paired_figure_diff, summarize};
pub use table::summary_table;

use blastradius_model::RunResult;
use blastradius_model::figures::Observed;

/// How a run was made, as the outputs record it. Nothing here may depend on the number of
/// threads or the machine, or outputs would differ between them.
#[derive(Clone, Debug, PartialEq)]
pub struct RunMeta {
    /// The scenario's name.
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub replications: u64,
    /// The command that reproduces the outputs exactly, e.g.
    /// `blastradius run crowdstrike-2024 --reps 1 --seed 20240719`.
    pub command: String,
    /// `blastradius <version>`.
    pub program: String,
    /// The fully resolved scenario as RON.
    pub resolved_ron: String,
    /// Simulated time zero, seconds since the Unix epoch (UTC), for local-time labels.
    pub start_unix_s: i64,
    pub horizon_s: f64,
    /// Seconds from simulated time zero to the first publication of the faulty content, where
    /// the times of figures count from.
    pub publication_s: f64,
}

/// The replications of one scenario, in replication order, and what was observed to set them
/// against (empty when nothing was: then no output shows a fit).
#[derive(Clone, Debug, PartialEq)]
pub struct RunSet {
    pub meta: RunMeta,
    pub runs: Vec<RunResult>,
    pub observed: Vec<Observed>,
}
