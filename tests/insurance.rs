//! Known answers for the insurance view: a constant loss rate over an outage of known length
//! under a time deductible and a qualifying period, retention, sublimit and coinsurance; a
//! supplier's outage under contingent cover; an aggregate limit over two occurrences of a
//! year; a one-event catalogue's OEP and average annual loss; and the policy's view changing
//! nothing the run simulates.

use std::sync::Arc;

use blastradius::model::spec::WorldSpec;
use blastradius::model::{Metric, RunConfig, RunResult, run_replication};
use blastradius::scenario;
use blastradius::study::catalogue::{
    Book, Event, OccurrenceLoss, PeriodLosses, Perspective, Plan, SummarySet, period,
};
use blastradius::study::design::Shard;
use blastradius::study::ep;

fn known(name: &str) -> String {
    format!("{}/tests/known/{name}.ron", env!("CARGO_MANIFEST_DIR"))
}

/// The known world `name` with these insurance terms for its archetype `archetype`.
fn world(name: &str, archetype: &str, terms: &str) -> Arc<WorldSpec> {
    let text =
        format!("(extends: {:?}, fleet: {{ {archetype:?}: (insurance: {terms}) }})", known(name));
    let loaded = scenario::load_text("insured.ron", &text).unwrap_or_else(|e| panic!("{e}"));
    Arc::new(loaded.validate().unwrap_or_else(|e| panic!("{e}")))
}

fn run(spec: &Arc<WorldSpec>) -> RunResult {
    run_replication(Arc::clone(spec), RunConfig { replication: 0, threads: 1 }).unwrap()
}

fn figure(r: &RunResult, metric: Metric) -> f64 {
    r.figure(metric).unwrap_or_else(|| panic!("{metric:?} is absent"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

/// $1,000 an hour for 6 hours.
const RATE: f64 = 1_000.0;
const D: f64 = 6.0;

#[test]
fn a_time_deductible_pays_min_limit_of_r_d_minus_w_less_retention_times_one_less_coinsurance() {
    for (w, retention, limit, coinsurance) in [
        (4.0, 0.0, None, 0.0),
        (4.0, 500.0, None, 0.2),
        (4.0, 500.0, Some(1_200.0), 0.2),
        (2.5, 1_000.0, Some(10_000.0), 0.1),
        (8.0, 0.0, None, 0.0),
        (5.9, 1_000.0, None, 0.0),
    ] {
        let sublimit = format!("{:.1}", limit.unwrap_or(0.0));
        let terms = format!(
            "(business_interruption: (waiting: TimeDeductible(\"{}m\"), retention_usd: \
             {retention:.1}, sublimit_usd: {sublimit}, coinsurance: {coinsurance}))",
            (w * 60.0) as u64
        );
        let r = run(&world("insurance", "org", &terms));
        assert!(close(figure(&r, Metric::LossUsd), RATE * D), "ground-up");
        let gross = (RATE * (D - w) - retention).max(0.0);
        let expected = gross.min(limit.unwrap_or(f64::INFINITY)) * (1.0 - coinsurance);
        let got = figure(&r, Metric::InsuredUsd);
        assert!(close(got, expected), "W {w}: {got} vs {expected}");
        assert_eq!(figure(&r, Metric::InsuredUsdBi), got);
        assert_eq!(figure(&r, Metric::OrganisationsClaiming), f64::from(u8::from(expected > 0.0)));
    }
}

#[test]
fn a_qualifying_period_pays_r_times_d_when_d_exceeds_w_and_nothing_otherwise() {
    for (w, expected) in [(4.0, RATE * D), (5.5, RATE * D), (6.5, 0.0), (8.0, 0.0)] {
        let terms = format!(
            "(business_interruption: (waiting: QualifyingPeriod(\"{}m\")))",
            (w * 60.0) as u64
        );
        let r = run(&world("insurance", "org", &terms));
        let got = figure(&r, Metric::InsuredUsd);
        assert!(close(got, expected), "W {w}: {got} vs {expected}");
    }
}

#[test]
fn nothing_is_paid_without_the_peril_the_cover_or_the_policy() {
    for terms in [
        "(system_failure_covered: false)",
        "(business_interruption: (enabled: false))",
        "(take_up: 0.0)",
    ] {
        let r = run(&world("insurance", "org", terms));
        assert_eq!(figure(&r, Metric::InsuredUsd), 0.0, "{terms}");
    }
    let r = run(&world("insurance", "org", "(take_up: 0.0)"));
    assert_eq!(figure(&r, Metric::OrganisationsInsured), 0.0);
}

#[test]
fn contingent_cover_pays_for_a_suppliers_outage_after_its_own_waiting_period() {
    // The practices lose capacity 1 - k/10 over [90 + 600k, 90 + 600(k + 1)) s, k = 0..9
    // (tests/known/supplier.ron), at $360 an hour: $330 each, all caused by the supplier, over
    // an outage of 6,000 s. A one-hour time deductible pays what accrues after 3,690 s: the
    // steps k = 6..9, 600 s at a shortfall of 1.0 in all: $60.
    let text = format!(
        "(extends: {:?}, fleet: {{ \"practice\": (economics: (revenue_per_endpoint_hour_usd: \
         36.0, recapture_share: 0.0, demand_weekday: [{ones}], demand_weekend: [{ones}]), \
         insurance: (contingent: (waiting: TimeDeductible(\"1h\")))) }})",
        known("supplier"),
        ones = ["1.0"; 24].join(", ")
    );
    let spec = Arc::new(scenario::load_text("cbi.ron", &text).unwrap().validate().unwrap());
    let mut config = (*spec).clone();
    config.outputs.organisation_losses = true;
    let r = run(&Arc::new(config));
    let practices: Vec<_> =
        r.organisations.iter().filter(|o| o.sector.name() == "health").collect();
    assert_eq!(practices.len(), 5);
    for p in &practices {
        assert!(close(p.ground_up_usd, 330.0), "{}", p.ground_up_usd);
        assert_eq!(p.insured_bi_usd, 0.0);
        assert!(close(p.insured_contingent_usd, 60.0), "{}", p.insured_contingent_usd);
        assert!(close(p.supplier_outage_hours, 6_000.0 / 3_600.0), "{}", p.supplier_outage_hours);
        assert_eq!(p.own_outage_hours, 0.0);
    }
    assert!(close(figure(&r, Metric::InsuredUsdContingent), 300.0));
    // A qualifying period of an hour pays all of it; of two hours, nothing.
    for (waiting, each) in [("QualifyingPeriod(\"1h\")", 330.0), ("QualifyingPeriod(\"2h\")", 0.0)]
    {
        let spec = scenario::load_text("cbi.ron", &text.replace("TimeDeductible(\"1h\")", waiting))
            .unwrap()
            .validate()
            .unwrap();
        let r = run(&Arc::new(spec));
        assert!(close(figure(&r, Metric::InsuredUsdContingent), 5.0 * each), "{waiting}");
    }
}

#[test]
fn following_the_policy_changes_nothing_the_run_simulates() {
    // The same world with every organisation insured and with none: every figure but the
    // insurance ones is the same, bit for bit.
    let base = scenario::read("hospital-tabletop").unwrap().0;
    let with = |take_up: &str| {
        let s = scenario::overrides::set(
            &base.resolved,
            "fleet.harbour_health.insurance.take_up",
            take_up,
        )
        .unwrap();
        let loaded = scenario::Loaded { resolved: s, sources: base.sources.clone() };
        Arc::new(loaded.validate().unwrap())
    };
    let insurance = [
        Metric::InsuredUsd,
        Metric::InsuredUsdBi,
        Metric::InsuredUsdContingent,
        Metric::InsuredShare,
        Metric::OrganisationsInsured,
        Metric::OrganisationsClaiming,
    ];
    for replication in 0..2 {
        let config = RunConfig { replication, threads: 1 };
        let a = run_replication(with("1.0"), config).unwrap();
        let b = run_replication(with("0.0"), config).unwrap();
        assert!(figure(&a, Metric::InsuredUsd) > 0.0);
        assert!(figure(&a, Metric::InsuredUsd) <= figure(&a, Metric::LossUsd));
        for (f, v) in &a.figures {
            if insurance.contains(&f.metric) {
                continue;
            }
            assert_eq!(b.figures.get(f), Some(v), "{f}");
        }
        assert_eq!(a.series, b.series);
        assert_eq!(a.counters, b.counters);
    }
}

/// A catalogue of the known world alone, at `rate` a year, with these terms.
fn known_plan(rate: f64, years: u64, terms: &str) -> Plan {
    let spec = world("insurance", "org", terms);
    let book = Book::of(&[&*spec]);
    Plan {
        name: "known".into(),
        seed: 5,
        years,
        events: vec![Event { name: "constant".into(), rate, spec }],
        book,
    }
}

/// Every occurrence of the plan, each year through its aggregate limits, and the period
/// losses.
fn simulate(plan: &Plan) -> (Vec<OccurrenceLoss>, PeriodLosses) {
    let mut losses = PeriodLosses::default();
    let mut all = Vec::new();
    for year in 1..=plan.years {
        let occurrences: Vec<OccurrenceLoss> = plan
            .occurrences(year)
            .iter()
            .map(|o| OccurrenceLoss {
                id: o.id,
                start_unix_s: o.start_unix_s,
                sample: plan.run(o).unwrap(),
            })
            .collect();
        let year = period(&plan.book, occurrences);
        losses.add(&plan.book, &year);
        all.extend(year);
    }
    (all, losses)
}

#[test]
fn an_aggregate_limit_caps_the_sum_of_two_occurrences_in_a_year() {
    // Each occurrence pays 6,000 - 1,000 = 5,000 (one-hour time deductible); the aggregate
    // limit is 8,000: a year with two pays 8,000, with three still 8,000.
    let plan = known_plan(
        1.2,
        60,
        "(business_interruption: (waiting: TimeDeductible(\"1h\")), aggregate_limit_usd: 8000.0)",
    );
    let (occurrences, losses) = simulate(&plan);
    let key = (Perspective::Insured, SummarySet::Portfolio, 1);
    let by_year = losses.by_summary.get(&key).unwrap();
    let mut twos = 0;
    for year in 1..=plan.years {
        let k = occurrences.iter().filter(|o| o.id.year == year).count();
        let expected = (5_000.0 * k as f64).min(8_000.0);
        let got = by_year.get(&year).map_or(0.0, |v| v.0);
        assert!(close(got, expected), "year {year}: {k} occurrences, {got}");
        twos += usize::from(k >= 2);
        // The first occurrence in time pays in full, the second what is left.
        let mut year_occ: Vec<_> = occurrences.iter().filter(|o| o.id.year == year).collect();
        year_occ.sort_by_key(|o| o.start_unix_s);
        if k >= 2 {
            assert!(close(year_occ[0].sample.orgs[0].insured_usd, 5_000.0));
            assert!(close(year_occ[1].sample.orgs[0].insured_usd, 3_000.0));
        }
    }
    assert!(twos >= 5, "only {twos} years with two occurrences");
    for o in &occurrences {
        assert!(close(o.sample.orgs[0].ground_up_usd, 6_000.0), "ground-up is deterministic");
    }
}

#[test]
fn one_event_of_rate_lambda_and_loss_l_has_oep_l_up_to_its_return_period_and_aal_lambda_l() {
    // λ = 0.3: a year has a loss with probability 1 - e^-0.3 = 0.259, so OEP(T) = L for
    // T >= 3.86 years and 0 below (of the standard return periods, 2 years).
    let (lambda, years) = (0.3, 10_000);
    let plan =
        known_plan(lambda, years, "(business_interruption: (waiting: QualifyingPeriod(\"1h\")))");
    let (_, losses) = simulate(&plan);
    let l = 6_000.0;
    for perspective in Perspective::ALL {
        let key = (perspective, SummarySet::Portfolio, 1);
        let oep = ep::curve(&losses.occurrence(&key), years, &ep::RETURN_PERIODS);
        assert_eq!(oep.len(), ep::RETURN_PERIODS.len());
        for p in &oep {
            let expected = if 1.0 - (-lambda).exp() >= 1.0 / p.return_period { l } else { 0.0 };
            assert!(
                close(p.loss_usd, expected),
                "{perspective:?} OEP({}) = {}",
                p.return_period,
                p.loss_usd
            );
        }
        let aal = ep::annual(&losses.aggregate(&key), years);
        let gap = (aal.mean_usd - lambda * l).abs();
        // Within its standard error (of the Poisson compound: sqrt(λ L² / N) = 32.9).
        assert!(
            gap <= 3.0 * aal.standard_error_usd,
            "{perspective:?}: AAL {} vs {}",
            aal.mean_usd,
            lambda * l
        );
        assert!((aal.standard_error_usd - (lambda * l * l / years as f64).sqrt()).abs() < 3.0);
        println!(
            "{perspective:?}: AAL {:.2} (λL {:.2}), standard error {:.2}, {:.2} standard errors away",
            aal.mean_usd,
            lambda * l,
            aal.standard_error_usd,
            gap / aal.standard_error_usd
        );
    }
}

#[test]
fn a_catalogues_occurrences_depend_on_neither_shard_nor_order() {
    let plan = known_plan(0.7, 90, "()");
    let whole = plan.shard_occurrences(Shard::ALL);
    let mut parts: Vec<_> =
        (0..3).flat_map(|i| plan.shard_occurrences(Shard { index: i, count: 3 })).collect();
    parts.sort_by_key(|o| o.id);
    assert_eq!(parts, whole);
    // Starts fall within the 2024 calendar year, on many weekdays and hours.
    let (jan1, length) =
        blastradius::study::catalogue::calendar_year(plan.events[0].spec.start_unix_s);
    assert!(whole.iter().all(|o| o.start_unix_s >= jan1 && o.start_unix_s < jan1 + length));
    let weekdays: std::collections::BTreeSet<i64> =
        whole.iter().map(|o| (o.start_unix_s / 86_400 + 4) % 7).collect();
    assert_eq!(weekdays.len(), 7);
}
