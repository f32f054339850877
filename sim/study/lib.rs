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

pub mod budget;
pub mod calibrate;
pub mod catalogue;
pub mod design;
pub mod ep;
pub mod sensitivity;

use std::sync::Arc;

use blastradius_model::Figure;
use blastradius_model::footprint::{Footprint, footprint};
use blastradius_model::spec::WorldSpec;
use design::{Design, Parameter, Point, Points, RunId};

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
    /// The design's points, made one at a time (see [`SweepPlan::point`]).
    pub points: Points,
    /// The summary figures every row reports, in column order.
    pub figures: Vec<Figure>,
}

impl SweepPlan {
    pub fn points_total(&self) -> u64 {
        self.points.len()
    }

    /// The point with this index, made now; `None` past the last.
    pub fn point(&self, index: u64) -> Option<Point> {
        self.points.get(&self.parameters, index)
    }

    /// Every point in index order, each made as it is reached.
    pub fn all_points(&self) -> impl Iterator<Item = Point> + '_ {
        self.points.iter(&self.parameters)
    }

    pub fn runs_total(&self) -> u64 {
        self.points.len().saturating_mul(self.replications)
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

/// A sweep ready to check and run: its plan, the scenario it varies and its own world. A
/// point's world is made when it is needed ([`Planned::spec`]), so a sweep of a million points
/// holds one world per running thread, not a million.
#[derive(Clone, Debug)]
pub struct Planned {
    pub plan: SweepPlan,
    pub base: WorldSpec,
    loaded: blastradius_scenario::Loaded,
    /// Observations every point's world computes the figures of (a calibration's wave; none
    /// for a sweep): report settings, which change no other figure.
    pub observed: Vec<blastradius_model::figures::Observed>,
}

/// What checking every point of a sweep found out about the largest of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Largest {
    /// The footprint of the point whose world takes the most memory.
    pub footprint: Footprint,
    /// The most expected endpoints of any point (see [`mean_endpoints`]).
    pub endpoints: f64,
}

/// The expected number of endpoints of a world by its mean sizes: each archetype's
/// organisations times their mean size clamped to the size range (what
/// `scripts/slurm-sweep.sbatch` sizes its tasks from).
pub fn mean_endpoints(spec: &WorldSpec) -> f64 {
    spec.archetypes
        .iter()
        .map(|a| {
            let size =
                a.size.mean.clamp(f64::from(a.size.min), f64::from(a.size.max.max(a.size.min)));
            f64::from(a.organisations) * size
        })
        .sum()
}

/// Points checked at once: their worlds are held until the batch is done.
const CHECK_BATCH: usize = 4_096;

/// A sweep of at most this many points has every point checked before anything runs (a few
/// seconds); a larger one has this many, chosen to cover every parameter's values and the
/// grid's corners, and the rest as they come to run.
pub const CHECK_ALL_MAX: u64 = 10_000;

/// What checking the points found: what the largest point needs, and whether every point was
/// checked or a sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    pub largest: Largest,
    pub points_checked: u64,
    pub all: bool,
}

/// The points checked before a sweep of many points runs: for a grid, its corners (each
/// parameter at its first or last value, up to 1,024 of them) and each value of each parameter
/// with the others at their first; then as many points, evenly spaced, as make
/// [`CHECK_ALL_MAX`] in all. A Latin hypercube's points are evenly spaced ones. Sorted, without
/// repeats.
pub fn sample_points(plan: &SweepPlan) -> Vec<u64> {
    let total = plan.points_total();
    if total <= CHECK_ALL_MAX {
        return (0..total).collect();
    }
    let mut chosen: Vec<u64> = Vec::new();
    if plan.design == Design::Grid {
        let counts: Vec<u64> = plan.parameters.iter().map(|p| p.len() as u64).collect();
        // The index of the point at these value indices (the last parameter fastest).
        let index = |idx: &[u64]| idx.iter().zip(&counts).fold(0u64, |acc, (&i, &n)| acc * n + i);
        let k = counts.len().min(10);
        for corner in 0..(1u64 << k) {
            let idx: Vec<u64> = counts
                .iter()
                .enumerate()
                .map(|(p, &n)| if p < k && corner >> p & 1 == 1 { n - 1 } else { 0 })
                .collect();
            chosen.push(index(&idx));
        }
        let budget = (CHECK_ALL_MAX / 2) / counts.len().max(1) as u64;
        for (p, &n) in counts.iter().enumerate() {
            let step = n.div_ceil(budget.max(1)).max(1);
            for j in (0..n).step_by(step as usize).chain([n - 1]) {
                let mut idx = vec![0; counts.len()];
                idx[p] = j;
                chosen.push(index(&idx));
            }
        }
    }
    let room = CHECK_ALL_MAX.saturating_sub(chosen.len() as u64).max(2);
    let step = total.div_ceil(room).max(1);
    chosen.extend((0..total).step_by(step as usize));
    chosen.push(total - 1);
    chosen.sort_unstable();
    chosen.dedup();
    chosen
}

impl Planned {
    /// The validated world of a point, seeded for it. A point's world depends on the point
    /// alone, so making it twice gives the same world.
    pub fn spec(&self, point: &Point) -> Result<WorldSpec, PlanError> {
        use blastradius_scenario::{self as scenario, overrides};
        let parameters = &self.plan.parameters;
        let mut s = self.loaded.resolved.clone();
        for (p, value) in parameters.iter().zip(&point.values) {
            s = overrides::set(&s, &p.path, value)
                .map_err(|e| PlanError::Input(format!("--set {}={value}: {e}", p.path)))?;
        }
        let point_loaded = scenario::Loaded { resolved: s, sources: self.loaded.sources.clone() };
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
        spec.seed = design::point_seed(self.plan.seed, point.index);
        blastradius_scenario::observations::add_outputs(&mut spec, &self.observed);
        Ok(spec)
    }

    /// The worlds of these points, made on `threads` threads, in the order given.
    pub fn specs(&self, points: &[u64], threads: usize) -> Result<Vec<Arc<WorldSpec>>, PlanError> {
        blastradius_engine::replicate::run_indexed(
            points,
            threads,
            |i| {
                let point = self.plan.point(i).ok_or_else(|| {
                    PlanError::Input(format!("point {i} is not in the sweep's plan"))
                })?;
                self.spec(&point).map(Arc::new)
            },
            |_| {},
        )
    }

    /// Validates the points of [`sample_points`] (every point of a sweep of up to
    /// [`CHECK_ALL_MAX`]), a batch at a time on `threads` threads, so that a bad value fails
    /// before anything runs while memory holds no more than a batch of worlds; the first bad
    /// point in index order is the error. `checked` is told how many points are done. The
    /// points left out are checked as they come to run ([`Planned::specs`]).
    pub fn check_points(
        &self,
        threads: usize,
        checked: impl Fn(u64) + Sync,
    ) -> Result<Checked, PlanError> {
        let sample = sample_points(&self.plan);
        let mut largest: Option<Largest> = None;
        let done = std::sync::atomic::AtomicU64::new(0);
        for batch in sample.chunks(CHECK_BATCH) {
            let found = blastradius_engine::replicate::run_indexed(
                batch,
                threads,
                |i| {
                    let point = self.plan.point(i).ok_or_else(|| {
                        PlanError::Input(format!("point {i} is not in the sweep's plan"))
                    })?;
                    let spec = self.spec(&point)?;
                    Ok::<_, PlanError>((footprint(&spec), mean_endpoints(&spec)))
                },
                |_| checked(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1),
            )?;
            for (f, endpoints) in found {
                let l = largest.get_or_insert_with(|| Largest { footprint: f.clone(), endpoints });
                if f.world_bytes > l.footprint.world_bytes {
                    l.footprint = f;
                }
                l.endpoints = l.endpoints.max(endpoints);
            }
        }
        let largest =
            largest.unwrap_or_else(|| Largest { footprint: footprint(&self.base), endpoints: 0.0 });
        Ok(Checked {
            largest,
            points_checked: sample.len() as u64,
            all: sample.len() as u64 == self.plan.points_total(),
        })
    }
}

/// Builds the plan: parses the `--set` words, reads and validates the scenario, checks that
/// every path names a field and counts the points, refusing a design past
/// [`design::MAX_POINTS`] before any point is made. The points themselves are checked by
/// [`Planned::check_points`]. Each point's seed derives from the sweep's seed and the point's
/// number, so a slice of the sweep reproduces on its own.
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
    // Every path must name a field before anything runs; the values are checked point by
    // point.
    for p in &parameters {
        overrides::get(&loaded.resolved, &p.path)
            .map_err(|e| PlanError::Input(format!("--set {}: {e}", p.path)))?;
    }
    let base_spec = loaded.validate()?;
    let seed = request.seed.unwrap_or(base_spec.seed);
    let points = design::points(&parameters, request.design, seed).map_err(PlanError::Input)?;
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
    Ok(Planned { plan, base: base_spec, loaded, observed: Vec::new() })
}
