//! `blastradius sweep ... --dry-run`: the size of a checked sweep, for a person deciding how
//! to run it and for `scripts/slurm-sweep.sbatch`, which sizes each job-array task from it.

use blastradius_study::design::{self, Shard};
use blastradius_study::{Largest, SweepPlan};

/// One line of `key=value` words: `points`, `replications`, `runs` (the whole sweep),
/// `shard` (`I/N`), `shard_runs` (this shard's), and `endpoints`, the expected endpoints of
/// one run at the largest point (organisations times their mean size, summed over
/// archetypes; `study::mean_endpoints`), which is what a run's memory grows with.
pub fn describe(plan: &SweepPlan, largest: &Largest, shard: Shard) -> String {
    let shard_runs = design::shard_runs(plan.points_total(), plan.replications, shard);
    format!(
        "points={} replications={} runs={} shard={}/{} shard_runs={shard_runs} endpoints={:.0}\n",
        plan.points_total(),
        plan.replications,
        plan.runs_total(),
        shard.index,
        shard.count,
        largest.endpoints.ceil(),
    )
}
