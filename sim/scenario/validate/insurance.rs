//! An archetype's cyber policy: take-up, the covered peril, what ends an outage, and each
//! cover's waiting period, retention, sublimit, coinsurance and extended period, with the
//! aggregate limit. It knows nothing of how the model measures outages, only of the values
//! the terms may take.

use blastradius_model::spec as m;

use super::check::Checker;
use crate::raw;

pub fn insurance(c: &mut Checker, p: &str, i: &raw::Insurance) -> m::InsuranceSpec {
    let ip = format!("{p}.insurance");
    let take_up = c.share(&format!("{ip}.take_up"), i.take_up());
    let threshold = i.outage_threshold();
    if !(threshold.is_finite() && threshold > 0.0 && threshold <= 1.0) {
        c.fail(
            format!("{ip}.outage_threshold"),
            format!("{threshold} is not an operating capacity above 0 and at most 1"),
            "an outage ends when capacity is back at or above this: e.g. 0.95",
        );
    }
    m::InsuranceSpec {
        take_up,
        system_failure_covered: i.system_failure_covered(),
        outage_threshold: threshold.clamp(f64::MIN_POSITIVE, 1.0),
        business_interruption: cover(
            c,
            &format!("{ip}.business_interruption"),
            &i.business_interruption(),
        ),
        contingent: cover(c, &format!("{ip}.contingent"), &i.contingent()),
        aggregate_limit_usd: limit(
            c,
            &format!("{ip}.aggregate_limit_usd"),
            i.aggregate_limit_usd(),
        ),
    }
}

fn cover(c: &mut Checker, p: &str, v: &raw::Cover) -> m::CoverSpec {
    let waiting = match v.waiting() {
        raw::Waiting::TimeDeductible(d) => m::Waiting::TimeDeductible(d.0),
        raw::Waiting::QualifyingPeriod(d) => m::Waiting::QualifyingPeriod(d.0),
    };
    m::CoverSpec {
        enabled: v.enabled(),
        waiting,
        retention_usd: c.non_negative(&format!("{p}.retention_usd"), v.retention_usd()),
        sublimit_usd: limit(c, &format!("{p}.sublimit_usd"), v.sublimit_usd()),
        coinsurance: c.share(&format!("{p}.coinsurance"), v.coinsurance()),
        extended_period: v.extended_period().0,
    }
}

/// A money limit: above 0 when there is one.
fn limit(c: &mut Checker, path: &str, v: Option<f64>) -> Option<f64> {
    let x = v?;
    if !(x.is_finite() && x > 0.0) {
        c.fail(
            path,
            format!("a limit of {x} pays nothing: it must be a finite amount above 0"),
            "write the most it pays in USD, e.g. 5000000.0, or None for no limit",
        );
        return None;
    }
    Some(x)
}
