//! Studies of many runs: comparing scenarios with common random numbers and sweeping
//! parameters. This module decides what to run and how to seed it; the engine's replication
//! runner runs it, `report` exports it and `cli` drives it. It does no I/O.

pub mod design;
pub mod sensitivity;

use design::{Design, Parameter, Point, RunId};

/// Everything that defines a sweep's runs. Two folders hold parts of the same sweep exactly
/// when their plans are equal.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPlan {
    /// The scenario as given on the command line (a path or a built-in name).
    pub scenario: String,
    /// The scenario's name.
    pub name: String,
    pub seed: u64,
    pub design: Design,
    pub parameters: Vec<Parameter>,
    pub replications: u64,
    pub points: Vec<Point>,
    /// The summary figures every row reports, in column order.
    pub figures: Vec<String>,
}

impl SweepPlan {
    pub fn runs_total(&self) -> u64 {
        self.points.len() as u64 * self.replications
    }

    pub fn parameter_paths(&self) -> Vec<String> {
        self.parameters.iter().map(|p| p.path.clone()).collect()
    }
}

/// One finished run of a sweep: its point, its replication and its figures (in the plan's
/// column order; `None` when the figure never happened).
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    pub id: RunId,
    pub figures: Vec<Option<f64>>,
}
