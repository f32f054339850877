//! Studies of many runs: comparing scenarios with common random numbers, sweeping parameters,
//! calibrating them against observations, and catalogues of events over many simulated years.
//! This crate decides what to run and how to seed it: a sweep's plan (parameters, design,
//! points, each point's validated world and seed, the figure columns) is built here from its
//! command line's words; a calibration (`calibrate.rs`) scores a sweep's points against
//! observations and plans the waves after the first; a catalogue's timeline (`catalogue.rs`:
//! occurrences, their seeds and starts, the book, period losses) and its exceedance curves and
//! average annual loss (`ep.rs`) are built here too. The engine's replication runner runs them,
//! `report` exports them and `cli` drives them. It does no I/O beyond reading the scenario and
//! the observations through `scenario`.

pub mod calibrate;
pub mod catalogue;
pub mod design;
pub mod ep;
pub mod sensitivity;

use blastradius_model::Figure;
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
    pub figures: Vec<Figure>,
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

/// Why a sweep cannot be planned. Every case is the user's input: a `--set` that does not parse
/// or name a field, a value a field cannot take, a point the scenario refuses.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Scenario(#[from] blastradius_scenario::ScenarioError),
}

/// What a sweep asks for, as given on its command line.
#[derive(Clone, Debug)]
pub struct SweepRequest<'a> {
    /// A scenario file or the name of a built-in.
    pub scenario: &'a str,
    /// `PATH=VALUES` settings, one per parameter.
    pub sets: &'a [String],
    pub design: Design,
    /// The sweep's seed; the scenario's own when `None`.
    pub seed: Option<u64>,
    pub replications: u64,
}

/// A sweep ready to run: its plan, the validated world of every point (seeded for the point),
/// and the scenario's own world.
#[derive(Clone, Debug)]
pub struct Planned {
    pub plan: SweepPlan,
    pub specs: Vec<std::sync::Arc<blastradius_model::spec::WorldSpec>>,
    pub base: blastradius_model::spec::WorldSpec,
}

/// Builds the plan and every point's validated world, so that a bad path or value fails before
/// anything runs. Each point's seed derives from the sweep's seed and the point's number, so a
/// slice of the sweep reproduces on its own.
pub fn plan(request: &SweepRequest<'_>) -> Result<Planned, PlanError> {
    use blastradius_scenario::{self as scenario, overrides};
    let parameters = request
        .sets
        .iter()
        .map(|s| design::parse_set(s).map_err(PlanError::Input))
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen = Vec::new();
    for p in &parameters {
        if seen.contains(&p.path) {
            return Err(PlanError::Input(format!("--set {}: the field is set twice", p.path)));
        }
        seen.push(p.path.clone());
    }
    let loaded = scenario::load(request.scenario)?;
    let base = loaded.resolved.clone();
    // Every path must name a field, and every value fit it, before anything runs.
    for p in &parameters {
        overrides::get(&base, &p.path)
            .map_err(|e| PlanError::Input(format!("--set {}: {e}", p.path)))?;
    }
    let base_spec = loaded.validate()?;
    let seed = request.seed.unwrap_or(base_spec.seed);
    let points = design::points(&parameters, request.design, seed).map_err(PlanError::Input)?;
    let mut specs = Vec::with_capacity(points.len());
    for point in &points {
        let mut s = base.clone();
        for (p, value) in parameters.iter().zip(&point.values) {
            s = overrides::set(&s, &p.path, value)
                .map_err(|e| PlanError::Input(format!("--set {}={value}: {e}", p.path)))?;
        }
        let point_loaded = scenario::Loaded { resolved: s, sources: loaded.sources.clone() };
        let mut spec = point_loaded.validate().map_err(|e| {
            let values: Vec<String> = parameters
                .iter()
                .zip(&point.values)
                .map(|(p, v)| format!("{}={v}", p.path))
                .collect();
            PlanError::Input(format!(
                "at sweep point {} ({}):\n{e}",
                point.index,
                values.join(", ")
            ))
        })?;
        spec.seed = design::point_seed(seed, point.index);
        specs.push(std::sync::Arc::new(spec));
    }
    let sectors: Vec<_> = base_spec.archetypes.iter().map(|a| a.sector).collect();
    let plan = SweepPlan {
        scenario: request.scenario.to_string(),
        name: base_spec.name.clone(),
        seed,
        design: request.design,
        parameters,
        replications: request.replications,
        points,
        figures: Figure::columns(&sectors),
    };
    Ok(Planned { plan, specs, base: base_spec })
}
