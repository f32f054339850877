//! `blastradius sweep ... --dry-run`: the size of a checked sweep, for a person deciding how
//! to run it and for `scripts/slurm-sweep.sbatch`, which sizes each job-array task from it.

use std::sync::Arc;

use blastradius_model::spec::WorldSpec;
use blastradius_study::SweepPlan;
use blastradius_study::design::{self, Shard};

/// One line of `key=value` words: `points`, `replications`, `runs` (the whole sweep),
/// `shard` (`I/N`), `shard_runs` (this shard's), and `endpoints`, the expected endpoints of
/// one run at the largest point (organisations times their mean size, summed over
/// archetypes), which is what a run's memory grows with.
pub fn describe(plan: &SweepPlan, specs: &[Arc<WorldSpec>], shard: Shard) -> String {
    let shard_runs = design::runs(plan.points.len() as u64, plan.replications, shard).len();
    let endpoints = specs.iter().map(|s| endpoints_expected(s)).fold(0.0, f64::max);
    format!(
        "points={} replications={} runs={} shard={}/{} shard_runs={shard_runs} endpoints={:.0}\n",
        plan.points.len(),
        plan.replications,
        plan.runs_total(),
        shard.index,
        shard.count,
        endpoints.ceil(),
    )
}

/// The expected number of endpoints of a world: each archetype's organisations times their
/// mean size (clamped to the size range).
fn endpoints_expected(spec: &WorldSpec) -> f64 {
    spec.archetypes
        .iter()
        .map(|a| {
            let size =
                a.size.mean.clamp(f64::from(a.size.min), f64::from(a.size.max.max(a.size.min)));
            f64::from(a.organisations) * size
        })
        .sum()
}
