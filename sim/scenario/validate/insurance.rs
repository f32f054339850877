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

/// A money limit: 0 for none (OasisLMF's exposure data write "no limit" so too), else an
/// amount above 0.
fn limit(c: &mut Checker, path: &str, x: f64) -> Option<f64> {
    let x = c.non_negative(path, x);
    (x > 0.0).then_some(x)
}

#[cfg(test)]
mod tests {
    use crate::{load_text, overrides};

    const TERMS: &str = "(extends: \"hospital-tabletop\", fleet: { \"harbour_health\": \
                         (insurance: (business_interruption: (sublimit_usd: 5000000.0))) })";

    #[test]
    fn a_limit_of_zero_is_no_limit() {
        let loaded = load_text("t.ron", TERMS).unwrap();
        let ron = loaded.to_ron();
        assert!(
            ron.contains("sublimit_usd: 5000000.0") && ron.contains("aggregate_limit_usd: 0.0")
        );
        let spec = loaded.validate().unwrap();
        let policy = &spec.archetypes[0].insurance;
        assert_eq!(policy.business_interruption.sublimit_usd, Some(5e6));
        assert_eq!(policy.contingent.sublimit_usd, None);
        assert_eq!(policy.aggregate_limit_usd, None);
        let path = "fleet.harbour_health.insurance.aggregate_limit_usd";
        let set = overrides::set(&loaded.resolved, path, "2500000").unwrap();
        assert_eq!(overrides::get(&set, path).unwrap(), "2500000.0");
    }

    #[test]
    fn terms_out_of_range_are_refused_at_their_field() {
        for (terms, field) in [
            ("(take_up: 1.2)", "take_up"),
            ("(outage_threshold: 0.0)", "outage_threshold"),
            ("(business_interruption: (coinsurance: -0.1))", "coinsurance"),
            ("(contingent: (retention_usd: -1.0))", "retention_usd"),
            ("(contingent: (sublimit_usd: -1.0))", "sublimit_usd"),
            ("(aggregate_limit_usd: -5.0)", "aggregate_limit_usd"),
        ] {
            let text = format!(
                "(extends: \"hospital-tabletop\", fleet: {{ \"harbour_health\": (insurance: {terms}) }})"
            );
            let e = load_text("t.ron", &text).unwrap().validate().unwrap_err();
            let p = &e.problems[0];
            assert!(p.path.as_deref().unwrap_or("").ends_with(field), "{terms}: {p}");
            assert!(p.position.is_some(), "{terms}: {p}");
        }
    }
}
