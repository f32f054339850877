//! How much memory a world takes, estimated from its spec alone, before anything is built: so
//! that a world too large for the machine is refused with a message instead of failing to
//! allocate halfway through building it. Pure arithmetic on the spec; it allocates nothing
//! that grows with the world.
//!
//! The constants are measured on release builds (`/usr/bin/time -v`; the README's
//! "Performance"): a running world takes about 38 bytes per endpoint (`global-windows`: 109
//! million endpoints, 3.87 GiB), an organisation about 4 KiB beyond its endpoints (LP, queues,
//! crews, services, clocks), a site instance a few hundred bytes (its crew and clock), and a
//! time-series sample about 350 bytes while the run grows its series and 180 once it is done,
//! plus 24 per sector.

use crate::spec::{ArchetypeSpec, WorldSpec};

/// A running world's bytes per endpoint: the 8-byte record, fetch and repair state, events.
pub const BYTES_PER_ENDPOINT: f64 = 40.0;
/// A running lazy archetype's bytes per endpoint (`lazy: true`: no record until it crashes),
/// measured on `os-update-global` (12.7 bytes, 1.4 billion endpoints, 17.4 GB), where about a
/// quarter of the endpoints crash: 4 bytes per pending fetch, and about 40 per crashed endpoint
/// (its record and fleet index, its recovery time, its timer). A lazy world in which most
/// endpoints crash takes more.
pub const BYTES_PER_LAZY_ENDPOINT: f64 = 14.0;
/// A running world's bytes per organisation, beyond its endpoints and sites.
pub const BYTES_PER_ORGANISATION: f64 = 4_096.0;
/// A running world's bytes per site instance (`sites[k].count` of them per organisation).
pub const BYTES_PER_SITE: f64 = 400.0;
/// Bytes per time-series sample while a run grows its series (vectors grow by doubling).
pub const BYTES_PER_SAMPLE_RUNNING: f64 = 400.0;
/// Bytes per time-series sample of a finished run's results.
pub const BYTES_PER_SAMPLE_DONE: f64 = 180.0;
/// Bytes per (sample, sector) on top of the sample's own, running or done.
pub const BYTES_PER_SAMPLE_SECTOR: f64 = 24.0;
/// A finished run's results beyond its time series: figures, key events, losses by sector
/// and organisation.
pub const BYTES_PER_RESULT: f64 = 64.0 * 1024.0;

/// What one world of a spec holds, estimated.
#[derive(Clone, Debug, PartialEq)]
pub struct Footprint {
    /// Expected endpoints: each archetype's organisations times their expected size.
    pub endpoints: f64,
    pub organisations: u64,
    /// Site instances over every organisation.
    pub sites: f64,
    /// Time-series samples of a run (every output interval, time zero included).
    pub samples: u64,
    /// Sectors the time series has a column of.
    pub sectors: u64,
    /// One world while it runs, fleet and time series included.
    pub world_bytes: f64,
    /// One finished run's results, kept until the report is written.
    pub result_bytes: f64,
    /// The archetype with the most expected endpoints, and how many.
    pub largest: Option<(usize, f64)>,
}

impl Footprint {
    /// Rows of the tidy time series of one run: samples times sectors.
    pub fn rows(&self) -> u64 {
        self.samples.saturating_mul(self.sectors)
    }
}

/// An archetype's expected endpoints per organisation: the expectation of each lognormal (the
/// body's and the tail's) clamped to the size range, weighted by the tail's share.
pub fn expected_size(a: &ArchetypeSpec) -> f64 {
    let s = &a.size;
    let (low, high) = (f64::from(s.min), f64::from(s.max.max(s.min)));
    let t = s.tail_share.get();
    (1.0 - t) * clamped_lognormal_mean(s.mean, s.cv, low, high)
        + t * clamped_lognormal_mean(s.tail_mean, s.tail_cv, low, high)
}

/// E[clamp(X, low, high)] for X lognormal with this mean and coefficient of variation:
/// `low·P(X < low) + E[X; low ≤ X ≤ high] + high·P(X > high)`.
pub fn clamped_lognormal_mean(mean: f64, cv: f64, low: f64, high: f64) -> f64 {
    if !(mean > 0.0 && cv > 0.0 && mean.is_finite() && cv.is_finite()) || low >= high {
        return mean.clamp(low, high.max(low));
    }
    let sigma2 = (1.0 + cv * cv).ln();
    let sigma = sigma2.sqrt();
    let mu = mean.ln() - sigma2 / 2.0;
    let z = |x: f64| if x > 0.0 { (x.ln() - mu) / sigma } else { f64::NEG_INFINITY };
    let (za, zb) = (z(low), z(high));
    let below = normal_cdf(za);
    let above = 1.0 - normal_cdf(zb);
    let inside = mean * (normal_cdf(zb - sigma) - normal_cdf(za - sigma));
    low * below + inside + high * above
}

/// The standard normal distribution function, from the complementary error function
/// (Numerical Recipes' `erfcc`, relative error below 1.2e-7).
fn normal_cdf(z: f64) -> f64 {
    if z == f64::NEG_INFINITY {
        return 0.0;
    }
    if z == f64::INFINITY {
        return 1.0;
    }
    let x = -z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = -x * x - 1.26551223
        + t * (1.00002368
            + t * (0.37409196
                + t * (0.09678418
                    + t * (-0.18628806
                        + t * (0.27886807
                            + t * (-1.13520398
                                + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    let erfc = t * poly.exp();
    let erfc = if x >= 0.0 { erfc } else { 2.0 - erfc };
    0.5 * erfc
}

/// Estimates what a world of `spec` holds. Every count is a product of numbers the user sets,
/// so the arithmetic is in `f64` (it cannot wrap) and the counts saturate.
pub fn footprint(spec: &WorldSpec) -> Footprint {
    let mut endpoints = 0.0;
    let mut endpoint_bytes = 0.0;
    let mut organisations: u64 = 0;
    let mut sites = 0.0;
    let mut largest: Option<(usize, f64)> = None;
    let mut sectors = Vec::new();
    for (i, a) in spec.archetypes.iter().enumerate() {
        let orgs = f64::from(a.organisations);
        let mine = orgs * expected_size(a);
        endpoints += mine;
        endpoint_bytes += mine * if a.lazy { BYTES_PER_LAZY_ENDPOINT } else { BYTES_PER_ENDPOINT };
        organisations = organisations.saturating_add(u64::from(a.organisations));
        sites += orgs * a.sites.iter().map(|k| f64::from(k.count)).sum::<f64>();
        if largest.is_none_or(|(_, e)| mine > e) {
            largest = Some((i, mine));
        }
        if a.organisations > 0 && !sectors.contains(&a.sector) {
            sectors.push(a.sector);
        }
    }
    let interval = spec.output_interval.as_millis().max(1);
    let samples = (spec.horizon.as_millis() / interval).saturating_add(1);
    let sectors = sectors.len() as u64;
    let per_sample = |own: f64| samples as f64 * (own + BYTES_PER_SAMPLE_SECTOR * sectors as f64);
    let world_bytes = endpoint_bytes
        + organisations as f64 * BYTES_PER_ORGANISATION
        + sites * BYTES_PER_SITE
        + per_sample(BYTES_PER_SAMPLE_RUNNING);
    let result_bytes = per_sample(BYTES_PER_SAMPLE_DONE) + BYTES_PER_RESULT;
    Footprint {
        endpoints,
        organisations,
        sites,
        samples,
        sectors,
        world_bytes,
        result_bytes,
        largest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_distribution_function_has_its_known_values() {
        for (z, p) in
            [(0.0, 0.5), (1.0, 0.841_344_746), (-1.96, 0.024_997_895), (3.0, 0.998_650_102)]
        {
            assert!((normal_cdf(z) - p).abs() < 1e-6, "{z}: {}", normal_cdf(z));
        }
    }

    #[test]
    fn a_clamped_lognormal_mean_lies_between_the_bounds_and_is_the_mean_unclamped() {
        assert!((clamped_lognormal_mean(1_000.0, 0.5, 0.0, 1e12) - 1_000.0).abs() < 1e-3);
        assert_eq!(clamped_lognormal_mean(1_000.0, 0.0, 20.0, 500.0), 500.0);
        let m = clamped_lognormal_mean(1_000.0, 2.0, 20.0, 2_000.0);
        assert!(m > 20.0 && m < 1_000.0, "{m}");
    }
}
