//! How much memory a command will need, estimated from what it was asked before anything is
//! allocated: worlds running at once, results held until the report is written, tidy tables
//! as text, a sweep's rows. `cli` compares the total with the memory the machine has and
//! refuses a command that cannot fit, with this breakdown, instead of failing to allocate
//! halfway through (4 billion endpoints once built for 40 s and aborted).
//!
//! Pure arithmetic in `f64` on the model's per-world estimate (`model::footprint`): every
//! count is a product of numbers the user sets, so nothing here can wrap. The constants were
//! measured on release builds (`/usr/bin/time -f %M`); each errs on the high side.

use blastradius_model::footprint::Footprint;

/// What the program holds whatever it runs: code, thread stacks, the scenario, buffers.
pub const BASE_BYTES: f64 = 24.0 * MIB;
/// A row of `timeseries.csv` as text (about 40 bytes, in a string grown by doubling).
pub const CSV_ROW_BYTES: f64 = 80.0;
/// A row of `timeseries.parquet` while its columns are built and encoded.
pub const PARQUET_ROW_BYTES: f64 = 200.0;
/// A run's time series as the charts draw it: a few lines of (time, value) points.
pub const CHART_ROW_BYTES: f64 = 64.0;
/// A sweep row in memory, beyond its figures: its run id and the vector's header.
pub const SWEEP_ROW_BYTES: f64 = 48.0;
/// A figure of a sweep row in memory (`Option<f64>`), as text in `runs.csv`, and in
/// `runs.parquet` while it is built.
pub const SWEEP_FIGURE_BYTES: f64 = 16.0 + 24.0;
pub const SWEEP_FIGURE_PARQUET_BYTES: f64 = 24.0;
/// A (point, figure) of a finished sweep: its statistics and its `points.csv` line.
pub const SWEEP_POINT_FIGURE_BYTES: f64 = 160.0;

const MIB: f64 = 1024.0 * 1024.0;

/// One part of an estimate, said in words.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    pub what: String,
    pub bytes: f64,
}

/// The parts of what a command needs, and their total.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    parts: Vec<Part>,
}

impl Default for Estimate {
    fn default() -> Self {
        Estimate::new()
    }
}

impl Estimate {
    /// An estimate holding the program itself.
    pub fn new() -> Estimate {
        Estimate { parts: vec![Part { what: "the program itself".into(), bytes: BASE_BYTES }] }
    }

    pub fn add(&mut self, what: impl Into<String>, bytes: f64) {
        if bytes > 0.0 {
            self.parts.push(Part { what: what.into(), bytes });
        }
    }

    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The total in bytes (infinite if a part is).
    pub fn total(&self) -> f64 {
        self.parts.iter().map(|p| p.bytes).sum()
    }

    /// The parts from the largest down.
    pub fn largest_first(&self) -> Vec<&Part> {
        let mut parts: Vec<&Part> = self.parts.iter().collect();
        parts.sort_by(|a, b| b.bytes.total_cmp(&a.bytes));
        parts
    }
}

/// Which tidy tables a run writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tables {
    pub timeseries_csv: bool,
    pub timeseries_parquet: bool,
    pub charts: bool,
}

fn count(n: f64) -> String {
    let n = n.round();
    if n < 1e15 {
        let digits = format!("{n:.0}");
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else {
        format!("{n:.2e}")
    }
}

/// A world in words: "4,000,000,000 endpoints in 1,000,000 organisations, 673 samples".
pub fn describe(world: &Footprint) -> String {
    format!(
        "{} endpoints in {} organisations, {} time-series samples",
        count(world.endpoints),
        count(world.organisations as f64),
        count(world.samples as f64)
    )
}

/// `run`: `reps` replications of one world, as many at once as there are threads (one with
/// all threads when there is one replication), every result held until the report is
/// written.
pub fn replications(world: &Footprint, reps: u64, threads: usize, tables: Tables) -> Estimate {
    let mut e = Estimate::new();
    let at_once = if reps <= 1 { 1 } else { reps.min(threads.max(1) as u64) };
    e.add(
        format!("{at_once} world(s) running at once ({})", describe(world)),
        at_once as f64 * world.world_bytes,
    );
    add_results(&mut e, world, reps, tables);
    e
}

fn add_results(e: &mut Estimate, world: &Footprint, reps: u64, tables: Tables) {
    let reps_f = reps as f64;
    e.add(
        format!("the results of {} replication(s), kept for the report", count(reps_f)),
        reps_f * world.result_bytes,
    );
    let rows = reps_f * world.rows() as f64;
    if tables.timeseries_csv {
        e.add(format!("timeseries.csv ({} rows)", count(rows)), rows * CSV_ROW_BYTES);
    }
    if tables.timeseries_parquet {
        e.add(format!("timeseries.parquet ({} rows)", count(rows)), rows * PARQUET_ROW_BYTES);
    }
    if tables.charts {
        e.add("the charts' lines", rows * CHART_ROW_BYTES);
    }
}

/// `compare`: `reps` replications of each world, as many runs at once as there are threads,
/// every result held; no time-series table.
pub fn comparison(worlds: &[Footprint], reps: u64, threads: usize) -> Estimate {
    let mut e = Estimate::new();
    let jobs = (worlds.len() as u64).saturating_mul(reps);
    let at_once = jobs.min(threads.max(1) as u64) as usize;
    // The largest worlds may run together.
    let mut sizes: Vec<f64> = worlds.iter().map(|w| w.world_bytes).collect();
    sizes.sort_by(|a, b| b.total_cmp(a));
    let running: f64 = sizes.iter().take(at_once).sum();
    e.add(format!("{at_once} world(s) running at once (the largest)"), running);
    let tables = Tables { timeseries_csv: false, timeseries_parquet: false, charts: true };
    for w in worlds {
        add_results(&mut e, w, reps, tables);
    }
    e
}

/// What a sweep holds, besides its worlds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepShape {
    /// Runs whose rows this folder holds: the shard's (or the merge's) runs.
    pub rows: u64,
    pub points: u64,
    pub figures: usize,
    pub parameters: usize,
    /// Every value of every parameter (their texts and numbers are held).
    pub values: u64,
    /// The folder ends with the aggregates (`points.csv`, charts): a whole sweep or a merge.
    pub aggregates: bool,
    pub parquet: bool,
}

/// `sweep` and `merge`: the largest point's world on every thread at once (`threads` 0 for
/// a merge, which runs nothing), every row of the folder, the plan's values and strata, and
/// the aggregates at the end.
pub fn sweep(largest: Option<&Footprint>, shape: SweepShape, threads: usize) -> Estimate {
    let mut e = Estimate::new();
    if let Some(largest) = largest.filter(|_| threads > 0) {
        e.add(
            format!(
                "{threads} world(s) running at once (the largest point: {})",
                describe(largest)
            ),
            threads as f64 * (largest.world_bytes + largest.result_bytes),
        );
    }
    let rows = shape.rows as f64;
    let figures = shape.figures as f64;
    let per_row = SWEEP_ROW_BYTES
        + figures * SWEEP_FIGURE_BYTES
        + if shape.parquet { figures * SWEEP_FIGURE_PARQUET_BYTES } else { 0.0 };
    e.add(format!("{} rows of runs.csv, in memory and as text", count(rows)), rows * per_row);
    let points = shape.points as f64;
    e.add(
        format!(
            "the plan ({} points, {} parameter values)",
            count(points),
            count(shape.values as f64)
        ),
        points * shape.parameters as f64 * 4.0 + shape.values as f64 * 40.0,
    );
    if shape.aggregates {
        e.add(
            format!("points.csv and the charts ({} points)", count(points)),
            points * figures * SWEEP_POINT_FIGURE_BYTES,
        );
    }
    e
}

/// `tabletop`: the live world, the snapshots undo keeps, and at the end the baseline and the
/// two worlds carried on to the horizon for the debrief.
pub fn tabletop(world: &Footprint, snapshots: u64) -> Estimate {
    let mut e = Estimate::new();
    e.add(format!("the session's world ({})", describe(world)), world.world_bytes);
    e.add(format!("{snapshots} snapshot(s) kept for undo"), snapshots as f64 * world.world_bytes);
    e.add("the debrief's baseline and both worlds run on to the horizon", 3.0 * world.world_bytes);
    e.add("the results of both runs", 2.0 * world.result_bytes);
    e
}

/// `bench model`: one world.
pub fn world(world: &Footprint) -> Estimate {
    let mut e = Estimate::new();
    e.add(format!("the world ({})", describe(world)), world.world_bytes + world.result_bytes);
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(endpoints: f64, samples: u64) -> Footprint {
        Footprint {
            endpoints,
            organisations: 10,
            sites: 10.0,
            samples,
            sectors: 2,
            world_bytes: endpoints * 40.0,
            result_bytes: samples as f64 * 228.0,
            largest: None,
        }
    }

    const ALL: Tables = Tables { timeseries_csv: true, timeseries_parquet: true, charts: true };

    #[test]
    fn replications_run_as_many_at_once_as_there_are_threads() {
        let w = world(1e6, 100);
        let one = replications(&w, 1, 8, ALL);
        let many = replications(&w, 300, 2, ALL);
        assert!(one.total() > 4e7 && one.total() < 4e7 + BASE_BYTES + 1e6, "{}", one.total());
        let worlds = many.parts().iter().find(|p| p.what.starts_with("2 world")).unwrap();
        assert_eq!(worlds.bytes, 8e7);
        assert!(many.parts().iter().any(|p| p.what.contains("300 replication")));
    }

    #[test]
    fn a_dense_series_over_many_replications_is_counted_per_row() {
        // One-second samples over a week, 300 replications: tens of gigabytes.
        let w = world(4_000.0, 7 * 86_400 + 1);
        let e = replications(&w, 300, 2, ALL);
        assert!(e.total() > 5e10, "{}", e.total());
        assert_eq!(e.largest_first()[0].what, "timeseries.parquet (362,880,600 rows)");
    }

    #[test]
    fn huge_counts_stay_finite_and_print_in_words() {
        let w = world(4e9, 673);
        assert!(describe(&w).starts_with("4,000,000,000 endpoints in 10 organisations"));
        let shape = SweepShape {
            rows: u64::MAX,
            points: 1_000_000,
            figures: 40,
            parameters: 3,
            values: 1_000_002,
            aggregates: true,
            parquet: true,
        };
        let e = sweep(Some(&w), shape, 2);
        assert!(e.total().is_finite() && e.total() > 1e20);
    }
}
