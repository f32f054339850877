//! Exceedance probabilities and average annual loss from a period loss table, the way the Open
//! Results Data standard of OasisLMF defines them (ORD v1, `ORD_Definitions.md` of
//! OasisLMF/ODS_OpenResultsData, and the reference implementation in `oasislmf.pytools.lec`):
//!
//! - Periods (years) are ranked by loss, largest first; the period of rank `i` of `N` has
//!   return period `N / i`. A period's occurrence loss (OEP) is its largest event loss, its
//!   aggregate loss (AEP) the sum of its event losses.
//! - The loss at a return period `T` is interpolated linearly in return period between the
//!   ranks on either side of `T`, and is 0 once the rank at or below `T` has no loss (so a loss
//!   that happens in a share `p` of the years has loss 0 beyond return period `1 / p`); return
//!   periods longer than `N` are not estimated.
//! - TVaR at `T` is the mean of the largest `N / T` period losses (the loss of the last,
//!   partial rank weighted by its fraction): the expected loss in the years at or beyond `T`.
//! - The average annual loss is the mean of the period losses over all `N` periods (periods
//!   without a loss count as 0), with their standard deviation and the standard error of the
//!   mean.
//!
//! Pure arithmetic on numbers; it knows nothing of events, files or ORD's CSV columns.

/// The standard return periods, in years, longest first (those above the number of periods
/// simulated are left out of a table).
pub const RETURN_PERIODS: [f64; 13] =
    [10_000.0, 5_000.0, 1_000.0, 500.0, 250.0, 200.0, 100.0, 50.0, 25.0, 20.0, 10.0, 5.0, 2.0];

/// The loss and its TVaR at one return period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpPoint {
    pub return_period: f64,
    pub loss_usd: f64,
    pub tvar_usd: f64,
}

/// A curve at the return periods asked for that `periods` can estimate (at most `periods`
/// years). `losses` are the period losses that are not zero, in any order; the other periods
/// lost nothing.
pub fn curve(losses: &[f64], periods: u64, return_periods: &[f64]) -> Vec<EpPoint> {
    let mut ranked: Vec<f64> = losses.iter().copied().filter(|l| *l > 0.0).collect();
    ranked.sort_by(|a, b| b.total_cmp(a));
    let n = periods as f64;
    // The loss of rank i (1-based); 0 past the periods with a loss.
    let at = |i: usize| if i >= 1 && i <= ranked.len() { ranked[i - 1] } else { 0.0 };
    let mut prefix = vec![0.0];
    for l in &ranked {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + l);
    }
    let top = |k: usize| prefix[k.min(ranked.len())];
    return_periods
        .iter()
        .copied()
        .filter(|&t| t.is_finite() && t >= 1.0 && t <= n && periods > 0)
        .map(|t| {
            // The first rank whose return period is at or below t.
            let m = n / t;
            let i = m.ceil().max(1.0) as usize;
            let rp = |i: usize| n / i as f64;
            let loss = if at(i) == 0.0 {
                0.0
            } else if (rp(i) - t).abs() <= 1e-9 * t || i == 1 {
                at(i)
            } else {
                // Between rank i - 1 (return period above t) and rank i (at or below it).
                let (rp_hi, rp_lo) = (rp(i - 1), rp(i));
                at(i) + (t - rp_lo) * (at(i - 1) - at(i)) / (rp_hi - rp_lo)
            };
            // The mean of the largest m losses, the last one weighted by m's fraction.
            let whole = m.floor() as usize;
            let tvar = (top(whole) + (m - whole as f64) * at(whole + 1)) / m;
            EpPoint { return_period: t, loss_usd: loss, tvar_usd: tvar.max(loss) }
        })
        .collect()
}

/// The average annual loss over `periods` periods, with its spread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnnualLoss {
    pub mean_usd: f64,
    /// The sample standard deviation of the period losses (0 with one period).
    pub sd_usd: f64,
    /// The standard error of the mean: `sd / sqrt(periods)`.
    pub standard_error_usd: f64,
}

/// The average annual loss of `periods` periods whose losses that are not zero are `losses`.
pub fn annual(losses: &[f64], periods: u64) -> AnnualLoss {
    if periods == 0 {
        return AnnualLoss { mean_usd: 0.0, sd_usd: 0.0, standard_error_usd: 0.0 };
    }
    let n = periods as f64;
    let mean = losses.iter().sum::<f64>() / n;
    // Deviations of the periods with a loss, and of the ones without (each at 0).
    let without = n - losses.len() as f64;
    let ss = losses.iter().map(|l| (l - mean) * (l - mean)).sum::<f64>() + without * mean * mean;
    let sd = if periods > 1 { (ss / (n - 1.0)).sqrt() } else { 0.0 };
    AnnualLoss { mean_usd: mean, sd_usd: sd, standard_error_usd: sd / n.sqrt() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_loss_in_a_share_of_the_years_holds_up_to_the_reciprocal_of_that_share() {
        // 10,000 years, 2,600 of them with a loss of 5: 1/p = 3.85 years.
        let losses = vec![5.0; 2_600];
        let c = curve(&losses, 10_000, &RETURN_PERIODS);
        let at = |t: f64| c.iter().find(|p| p.return_period == t).unwrap();
        for t in [10_000.0, 100.0, 5.0] {
            assert_eq!(at(t).loss_usd, 5.0, "{t}");
            assert_eq!(at(t).tvar_usd, 5.0, "{t}");
        }
        assert_eq!(at(2.0).loss_usd, 0.0);
        // TVaR at 2 years: the largest 5,000 years, 2,600 of them with 5.
        assert!((at(2.0).tvar_usd - 5.0 * 2_600.0 / 5_000.0).abs() < 1e-12);
    }

    #[test]
    fn losses_between_ranks_are_interpolated_in_return_period() {
        // Four years: 40, 30, 20, 10 at return periods 4, 2, 4/3, 1.
        let c = curve(&[10.0, 40.0, 20.0, 30.0], 4, &[4.0, 3.0, 2.0]);
        assert_eq!(c[0].loss_usd, 40.0);
        // Between (4, 40) and (2, 30): 35.
        assert!((c[1].loss_usd - 35.0).abs() < 1e-12);
        assert_eq!(c[2].loss_usd, 30.0);
        // TVaR at 3 years: 4/3 largest years, (40 + 30/3) / (4/3) = 37.5.
        assert!((c[1].tvar_usd - 37.5).abs() < 1e-12);
        assert_eq!(c[2].tvar_usd, 35.0);
        // Return periods beyond the years simulated are not estimated.
        assert_eq!(curve(&[1.0], 4, &RETURN_PERIODS).len(), 1);
    }

    #[test]
    fn the_average_annual_loss_counts_years_without_loss() {
        let a = annual(&[10.0, 30.0], 4);
        assert_eq!(a.mean_usd, 10.0);
        // Deviations 0, 20, -10, -10: 600 / 3.
        assert!((a.sd_usd - 200f64.sqrt()).abs() < 1e-12);
        assert!((a.standard_error_usd - 200f64.sqrt() / 2.0).abs() < 1e-12);
        assert_eq!(annual(&[], 0).mean_usd, 0.0);
    }
}
