//! Summary statistics over replications: mean, a 95% confidence interval for the mean,
//! percentiles, paired differences for comparisons, and the mean loss by sector.
//!
//! Plain arithmetic on numbers that the model produced; it knows nothing of formats, charts or
//! the terminal. Values are visited in replication order and figures in `BTreeMap` order, so
//! the same results always give bit-identical statistics.

use std::collections::BTreeMap;

use blastradius_model::Figure;
use blastradius_model::results::{RunResult, SectorLoss};
use blastradius_model::spec::Sector;

/// A summary of one figure over the replications in which it is present.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stat {
    /// How many values were summarised: for a figure, the replications in which it happened.
    pub n: usize,
    pub mean: f64,
    /// `mean - t(0.975, n-1) · sd / √n`; equal to the mean when n = 1.
    pub ci95_low: f64,
    /// `mean + t(0.975, n-1) · sd / √n`; equal to the mean when n = 1.
    pub ci95_high: f64,
    /// 5th percentile (see [`percentile`] for the definition).
    pub p05: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl Stat {
    /// Summarises `values`; `None` when there are none. The sample standard deviation uses the
    /// n - 1 denominator, so the interval is the usual Student t interval for a mean.
    pub fn of(values: &[f64]) -> Option<Stat> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let half_width = if n > 1 {
            let ss = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>();
            let sd = (ss / (n - 1) as f64).sqrt();
            t975(n - 1) * sd / (n as f64).sqrt()
        } else {
            0.0
        };
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(Stat {
            n,
            mean,
            ci95_low: mean - half_width,
            ci95_high: mean + half_width,
            p05: percentile(&sorted, 0.05),
            p50: percentile(&sorted, 0.50),
            p95: percentile(&sorted, 0.95),
        })
    }

    /// Whether the confidence interval has width, i.e. there was more than one value.
    pub fn has_interval(&self) -> bool {
        self.n > 1
    }
}

/// Two-sided 95% quantiles of Student's t, `t(0.975, df)`, for df = 1..=30.
const T975_SMALL: [f64; 30] = [
    12.706_204_736,
    4.302_652_730,
    3.182_446_305,
    2.776_445_105,
    2.570_581_836,
    2.446_911_851,
    2.364_624_252,
    2.306_004_135,
    2.262_157_163,
    2.228_138_852,
    2.200_985_160,
    2.178_812_830,
    2.160_368_656,
    2.144_786_688,
    2.131_449_546,
    2.119_905_299,
    2.109_815_578,
    2.100_922_040,
    2.093_024_054,
    2.085_963_447,
    2.079_613_845,
    2.073_873_068,
    2.068_657_610,
    2.063_898_562,
    2.059_538_553,
    2.055_529_439,
    2.051_830_516,
    2.048_407_142,
    2.045_229_642,
    2.042_272_456,
];

/// `t(0.975, df)` beyond the small table, and the normal quantile as df → ∞.
const T975_LARGE: [(f64, f64); 4] =
    [(30.0, 2.042_272_456), (40.0, 2.021_075_390), (60.0, 2.000_297_822), (120.0, 1.979_930_405)];

/// The normal 0.975 quantile, the limit of t as the degrees of freedom grow.
const Z975: f64 = 1.959_963_985;

/// Student's t quantile `t(0.975, df)`, exact to nine digits for df ≤ 30, 40, 60 and 120.
/// Between those it interpolates linearly in 1/df (the classical table method, accurate to
/// about 1e-4 here), and beyond 120 it interpolates towards the normal quantile 1.96.
/// `df = 0` has no interval and gives infinity.
pub fn t975(df: usize) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    if df <= T975_SMALL.len() {
        return T975_SMALL[df - 1];
    }
    let inv = 1.0 / df as f64;
    for pair in T975_LARGE.windows(2) {
        let ((d0, t0), (d1, t1)) = (pair[0], pair[1]);
        if (df as f64) <= d1 {
            let w = (1.0 / d0 - inv) / (1.0 / d0 - 1.0 / d1);
            return t0 + w * (t1 - t0);
        }
    }
    let (d0, t0) = T975_LARGE[T975_LARGE.len() - 1];
    let w = (1.0 / d0 - inv) / (1.0 / d0);
    t0 + w * (Z975 - t0)
}

/// The `p` quantile (0 ≤ p ≤ 1) of ascending `sorted` values, by linear interpolation between
/// order statistics: with n values x₀ ≤ … ≤ xₙ₋₁, h = (n - 1)·p and the result is
/// x⌊h⌋ + (h - ⌊h⌋)·(x⌊h⌋₊₁ - x⌊h⌋). This is Hyndman and Fan's type 7, the default of R's
/// `quantile` and numpy's `percentile`. NaN for an empty slice.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            let frac = h - lo as f64;
            // Written so that equal neighbours give exactly that value, without rounding.
            if frac == 0.0 { sorted[lo] } else { sorted[lo] + frac * (sorted[hi] - sorted[lo]) }
        }
    }
}

/// Each figure's summary over replications.
pub type Stats = BTreeMap<Figure, Stat>;

/// Summaries of every figure over the union of the figures in `runs`. A figure's `n` counts
/// the replications in which it is present (`Some`); a figure absent from every replication
/// (e.g. "rollout halted" when nothing ever halts) is left out.
pub fn summarize(runs: &[RunResult]) -> Stats {
    let mut values: BTreeMap<Figure, Vec<f64>> = BTreeMap::new();
    for run in runs {
        for (&figure, value) in &run.figures {
            let entry = values.entry(figure).or_default();
            if let Some(v) = value {
                entry.push(*v);
            }
        }
    }
    values.into_iter().filter_map(|(f, v)| Stat::of(&v).map(|s| (f, s))).collect()
}

/// The paired difference `b[i] - a[i]` over the first `min(a.len(), b.len())` pairs, summarised
/// as a [`Stat`]. With common random numbers (replication i of both scenarios uses the same
/// random streams) most of the replication-to-replication noise cancels in the difference, so
/// its interval is much narrower than the difference of two independent intervals. `None` when
/// there is no pair.
pub fn diff_ci(a: &[f64], b: &[f64]) -> Option<Stat> {
    let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
    Stat::of(&diffs)
}

/// The paired difference of one figure between two sets of replications, B minus A. Pairs are
/// matched by replication number and kept only where the figure is present in both, which is
/// what common random numbers pair. `None` when no replication has it in both.
pub fn paired_figure_diff(a: &[RunResult], b: &[RunResult], figure: Figure) -> Option<Stat> {
    let by_rep: BTreeMap<u64, f64> =
        a.iter().filter_map(|r| r.figure(figure).map(|v| (r.replication, v))).collect();
    let (xs, ys): (Vec<f64>, Vec<f64>) =
        b.iter().filter_map(|r| Some((*by_rep.get(&r.replication)?, r.figure(figure)?))).unzip();
    diff_ci(&xs, &ys)
}

/// One sector's loss by component, averaged over replications.
#[derive(Clone, Debug, PartialEq)]
pub struct SectorMean {
    pub sector: Sector,
    pub organisations: f64,
    pub endpoints: f64,
    pub crashed: f64,
    pub revenue_usd: f64,
    pub labour_usd: f64,
    pub penalties_usd: f64,
    pub backlog_usd: f64,
    pub productivity_usd: f64,
}

impl SectorMean {
    /// The sum of the component means, which equals the mean of the totals.
    pub fn total_usd(&self) -> f64 {
        self.revenue_usd
            + self.labour_usd
            + self.penalties_usd
            + self.backlog_usd
            + self.productivity_usd
    }
}

/// The mean over replications of each sector's loss components, in sector order. A sector
/// missing from a replication counts as zero there (it had no organisations), so the means add
/// up to the mean total. A loss row without a sector is counted as `Sector::Other`, as the
/// model's own per-sector figures do.
pub fn sector_means(runs: &[RunResult]) -> Vec<SectorMean> {
    let mut sums: BTreeMap<Sector, SectorMean> = BTreeMap::new();
    for run in runs {
        for s in &run.sectors {
            let sector = s.sector.unwrap_or(Sector::Other);
            let m = sums.entry(sector).or_insert_with(|| SectorMean::zero(sector));
            m.add(s);
        }
    }
    let n = runs.len().max(1) as f64;
    sums.into_values()
        .map(|m| SectorMean {
            organisations: m.organisations / n,
            endpoints: m.endpoints / n,
            crashed: m.crashed / n,
            revenue_usd: m.revenue_usd / n,
            labour_usd: m.labour_usd / n,
            penalties_usd: m.penalties_usd / n,
            backlog_usd: m.backlog_usd / n,
            productivity_usd: m.productivity_usd / n,
            ..m
        })
        .collect()
}

impl SectorMean {
    fn zero(sector: Sector) -> SectorMean {
        SectorMean {
            sector,
            organisations: 0.0,
            endpoints: 0.0,
            crashed: 0.0,
            revenue_usd: 0.0,
            labour_usd: 0.0,
            penalties_usd: 0.0,
            backlog_usd: 0.0,
            productivity_usd: 0.0,
        }
    }

    fn add(&mut self, s: &SectorLoss) {
        self.organisations += s.organisations as f64;
        self.endpoints += s.endpoints as f64;
        self.crashed += s.crashed as f64;
        self.revenue_usd += s.revenue_usd;
        self.labour_usd += s.labour_usd;
        self.penalties_usd += s.penalties_usd;
        self.backlog_usd += s.backlog_usd;
        self.productivity_usd += s.productivity_usd;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run_with_figures, sample_runs};
    use blastradius_model::Metric;
    use blastradius_model::figures::Scope;

    const X: Figure = Figure { metric: Metric::EndpointsCrashed, scope: Scope::Run };
    const A: Figure = Figure { metric: Metric::EndpointsTotal, scope: Scope::Run };
    const HALT: Figure = Figure { metric: Metric::RolloutHaltedAt, scope: Scope::Run };
    const NEVER: Figure = Figure { metric: Metric::RecoveredAllAt, scope: Scope::Run };

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn mean_sd_and_interval_of_a_small_set() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, sample sd √(32/7) = 2.138090,
        // t(0.975, 7) = 2.364624, half-width 2.364624 · 2.138090 / √8 = 1.787488.
        let s = Stat::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(s.n, 8);
        assert_eq!(s.mean, 5.0);
        assert!(close(s.ci95_low, 5.0 - 1.787_488, 1e-6), "{}", s.ci95_low);
        assert!(close(s.ci95_high, 5.0 + 1.787_488, 1e-6), "{}", s.ci95_high);
        // Type 7: h = 7·0.05 = 0.35 → 2 + 0.35·(4 - 2) = 2.7; median h = 3.5 → 4.5;
        // h = 7·0.95 = 6.65 → 7 + 0.65·(9 - 7) = 8.3.
        assert!(close(s.p05, 2.7, 1e-12));
        assert_eq!(s.p50, 4.5);
        assert!(close(s.p95, 8.3, 1e-12));
    }

    #[test]
    fn one_value_collapses_the_interval() {
        let s = Stat::of(&[42.0]).unwrap();
        assert_eq!(
            s,
            Stat {
                n: 1,
                mean: 42.0,
                ci95_low: 42.0,
                ci95_high: 42.0,
                p05: 42.0,
                p50: 42.0,
                p95: 42.0
            }
        );
        assert!(!s.has_interval());
        assert_eq!(Stat::of(&[]), None);
    }

    #[test]
    fn equal_values_have_no_width() {
        let s = Stat::of(&[3.5; 5]).unwrap();
        assert_eq!((s.ci95_low, s.ci95_high, s.p05, s.p95), (3.5, 3.5, 3.5, 3.5));
    }

    #[test]
    fn percentile_is_type_7() {
        let x = [10.0, 20.0, 30.0, 40.0];
        assert_eq!(percentile(&x, 0.0), 10.0);
        assert_eq!(percentile(&x, 1.0), 40.0);
        // h = 3 · 0.5 = 1.5 → 20 + 0.5 · 10.
        assert_eq!(percentile(&x, 0.5), 25.0);
        // h = 3 · 0.25 = 0.75 → 10 + 0.75 · 10.
        assert_eq!(percentile(&x, 0.25), 17.5);
        assert!(percentile(&[], 0.5).is_nan());
        assert_eq!(percentile(&[7.0], 0.95), 7.0);
    }

    #[test]
    fn t_quantiles_match_reference_values() {
        // Reference values computed from the t distribution's CDF to six digits.
        for (df, t) in [
            (1, 12.706_205),
            (2, 4.302_653),
            (7, 2.364_624),
            (19, 2.093_024),
            (30, 2.042_272),
            (35, 2.030_108),
            (50, 2.008_559),
            (80, 1.990_063),
            (100, 1.983_972),
            (120, 1.979_930),
            (200, 1.971_896),
            (1000, 1.962_339),
        ] {
            assert!(close(t975(df), t, 2e-4), "df {df}: {} vs {t}", t975(df));
        }
        assert!(close(t975(1_000_000), 1.96, 1e-4));
        assert_eq!(t975(0), f64::INFINITY);
        // Monotone decreasing, as the t quantile is.
        for df in 1..500 {
            assert!(t975(df + 1) < t975(df), "df {df}");
        }
    }

    #[test]
    fn paired_difference() {
        // Differences 1, 2, 3: mean 2, sd 1, half-width t(0.975, 2)/√3 = 2.484138.
        let d = diff_ci(&[10.0, 20.0, 30.0, 99.0], &[11.0, 22.0, 33.0]).unwrap();
        assert_eq!(d.n, 3);
        assert_eq!(d.mean, 2.0);
        assert!(close(d.ci95_high - d.mean, 2.484_138, 1e-6));
        assert_eq!(diff_ci(&[], &[1.0]), None);
    }

    #[test]
    fn paired_figure_diff_pairs_by_replication_where_present() {
        let a = vec![
            run_with_figures(0, &[(X, Some(1.0))]),
            run_with_figures(1, &[(X, None)]),
            run_with_figures(2, &[(X, Some(5.0))]),
        ];
        let b = vec![
            run_with_figures(2, &[(X, Some(9.0))]),
            run_with_figures(0, &[(X, Some(4.0))]),
            run_with_figures(1, &[(X, Some(7.0))]),
        ];
        let d = paired_figure_diff(&a, &b, X).unwrap();
        // Pairs (rep 2: 9 - 5) and (rep 0: 4 - 1), in B's order.
        assert_eq!(d.n, 2);
        assert_eq!(d.mean, 3.5);
        assert_eq!(paired_figure_diff(&a, &b, Metric::FlightsCancelled.into()), None);
    }

    #[test]
    fn summarize_counts_presence_and_omits_absent_figures() {
        let runs = vec![
            run_with_figures(0, &[(A, Some(1.0)), (HALT, None), (NEVER, None)]),
            run_with_figures(1, &[(A, Some(3.0)), (HALT, Some(60.0)), (NEVER, None)]),
        ];
        let s = summarize(&runs);
        assert_eq!(s.keys().copied().collect::<Vec<_>>(), [A, HALT]);
        assert_eq!(s[&A].n, 2);
        assert_eq!(s[&A].mean, 2.0);
        assert_eq!(s[&HALT].n, 1);
        assert_eq!(s[&HALT].mean, 60.0);
    }

    #[test]
    fn sector_means_average_over_replications() {
        let runs = sample_runs(2, 4);
        let means = sector_means(&runs);
        let sectors: Vec<Sector> = means.iter().map(|m| m.sector).collect();
        assert_eq!(sectors, [Sector::Airline, Sector::Hospital, Sector::Bank]);
        let expected: f64 = runs
            .iter()
            .flat_map(|r| r.sectors.iter().filter(|s| s.sector == Some(Sector::Airline)))
            .map(|s| s.revenue_usd)
            .sum::<f64>()
            / 2.0;
        assert_eq!(means[0].revenue_usd, expected);
        let total: f64 = means.iter().map(SectorMean::total_usd).sum();
        let mean_total = runs.iter().filter_map(|r| r.figure(Metric::LossUsd)).sum::<f64>() / 2.0;
        assert!(close(total, mean_total, 1e-3 * mean_total.abs().max(1.0)));
    }
}
