//! Synthetic results for the exporters' tests: `RunResult`s built directly, shaped like an
//! outage (a crash wave in the first hour and a half, recovery over days, loss that accrues
//! while capacity is short), with small deterministic differences between replications.
//!
//! Test-only. It knows nothing of the model's internals; it only fills the result types.

use std::collections::BTreeMap;

use crate::{RunMeta, RunSet};
use blastradius_engine::SimTime;
use blastradius_model::figures::{Figure, Metric};
use blastradius_model::results::{KeyEvent, OrgLoss, RunResult, SectorLoss, Series};
use blastradius_model::spec::Sector;

/// 2024-07-19T04:09:00Z.
pub const START_UNIX_S: i64 = 1_721_362_140;

/// A deterministic pseudo-random number in [0, 1) from a key (SplitMix64 finaliser), so
/// replications differ without any generator state.
pub fn noise(key: u64) -> f64 {
    let mut z = key.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// A run with only the given figures and an empty series.
pub fn run_with_figures(replication: u64, figures: &[(Figure, Option<f64>)]) -> RunResult {
    RunResult {
        replication,
        figures: figures.iter().copied().collect(),
        series: Series::default(),
        key_events: Vec::new(),
        sectors: Vec::new(),
        top_orgs: Vec::new(),
        organisations: Vec::new(),
        counters: Default::default(),
        end: SimTime(0),
    }
}

/// Per-sector parameters of the synthetic outage.
struct Shape {
    sector: Sector,
    endpoints: f64,
    crash_share: f64,
    /// Hours for the number down to fall by e.
    recovery_hours: f64,
    revenue_usd_per_hour: f64,
    organisations: u64,
}

const SHAPES: [Shape; 8] = [
    shape(Sector::Airline, 420_000.0, 0.55, 20.0, 9.0e6, 180),
    shape(Sector::Hospital, 1_350_000.0, 0.60, 30.0, 6.0e6, 2_400),
    shape(Sector::Bank, 2_100_000.0, 0.45, 14.0, 11.0e6, 1_100),
    shape(Sector::Retail, 3_000_000.0, 0.40, 24.0, 7.0e6, 5_200),
    shape(Sector::Government, 1_800_000.0, 0.50, 40.0, 2.0e6, 3_000),
    shape(Sector::Media, 300_000.0, 0.50, 10.0, 1.5e6, 400),
    shape(Sector::Logistics, 900_000.0, 0.50, 26.0, 4.0e6, 900),
    shape(Sector::Other, 5_000_000.0, 0.45, 22.0, 8.0e6, 16_000),
];

const fn shape(
    sector: Sector,
    endpoints: f64,
    crash_share: f64,
    recovery_hours: f64,
    revenue_usd_per_hour: f64,
    organisations: u64,
) -> Shape {
    Shape { sector, endpoints, crash_share, recovery_hours, revenue_usd_per_hour, organisations }
}

/// `reps` replications over `days` days at 15-minute samples, for airlines, hospitals and
/// banks.
pub fn sample_runs(reps: u64, days: u32) -> Vec<RunResult> {
    synthetic_runs(reps, 3, days, 900.0)
}

/// `reps` replications of an outage across the first `sectors` sectors (1 to 8), sampled
/// every `interval_s` seconds for `days` days.
pub fn synthetic_runs(reps: u64, sectors: usize, days: u32, interval_s: f64) -> Vec<RunResult> {
    (0..reps).map(|r| synthetic_run(r, &SHAPES[..sectors.clamp(1, 8)], days, interval_s)).collect()
}

fn synthetic_run(rep: u64, shapes: &[Shape], days: u32, interval_s: f64) -> RunResult {
    let samples = (f64::from(days) * 86_400.0 / interval_s).round() as usize + 1;
    let times_s: Vec<f64> = (0..samples).map(|k| k as f64 * interval_s).collect();
    // The crash wave lasts until the revert (78 minutes); recovery starts an hour later and is
    // faster or slower per replication.
    let revert_s = 4_680.0;
    let speed: Vec<f64> =
        (0..shapes.len()).map(|i| 0.8 + 0.4 * noise(rep * 1_000 + i as u64)).collect();
    let mut down = Vec::with_capacity(samples);
    let mut capacity = Vec::with_capacity(samples);
    let mut loss_usd = Vec::with_capacity(samples);
    let mut cumulative = vec![0.0; shapes.len()];
    for (k, &t) in times_s.iter().enumerate() {
        let mut d_row = Vec::new();
        let mut c_row = Vec::new();
        for (i, s) in shapes.iter().enumerate() {
            let crashed = s.endpoints * s.crash_share;
            let wave = (t / revert_s).min(1.0);
            let recovering = ((t - revert_s - 3_600.0).max(0.0)) / 3_600.0;
            let remaining = (-recovering * speed[i] / s.recovery_hours).exp();
            let down_now = (crashed * wave * remaining).round();
            let share_down = down_now / s.endpoints;
            // Manual fallbacks keep a floor under capacity.
            let cap = (1.0 - 1.6 * share_down).max(0.25 + 0.05 * i as f64).min(1.0);
            if k > 0 {
                let dt_h = (t - times_s[k - 1]) / 3_600.0;
                cumulative[i] += (1.0 - cap) * s.revenue_usd_per_hour * dt_h;
            }
            d_row.push(down_now as u64);
            c_row.push(cap);
        }
        down.push(d_row);
        capacity.push(c_row);
        loss_usd.push(cumulative.clone());
    }
    let sectors: Vec<SectorLoss> = shapes
        .iter()
        .enumerate()
        .map(|(i, s)| SectorLoss {
            sector: Some(s.sector),
            organisations: s.organisations,
            endpoints: s.endpoints as u64,
            crashed: (s.endpoints * s.crash_share) as u64,
            revenue_usd: cumulative[i] * 0.7,
            labour_usd: cumulative[i] * 0.1,
            penalties_usd: cumulative[i] * 0.15,
            backlog_usd: cumulative[i] * 0.05,
            productivity_usd: 0.0,
            insured_usd: cumulative[i] * 0.3,
        })
        .collect();
    let total_endpoints: f64 = shapes.iter().map(|s| s.endpoints).sum();
    let crashed: f64 = sectors.iter().map(|s| s.crashed as f64).sum();
    let down_end: f64 = down.last().map_or(0.0, |r| r.iter().sum::<u64>() as f64);
    let recovered_at = |share: f64| -> Option<f64> {
        // The first sample at which `share` of the crashed endpoints are back.
        times_s.iter().zip(&down).find_map(|(&t, row)| {
            let d: f64 = row.iter().sum::<u64>() as f64;
            (t > revert_s && crashed - d >= share * crashed).then_some(t)
        })
    };
    let mut figures: BTreeMap<Figure, Option<f64>> =
        Figure::run_wide().map(|f| (f, None)).collect();
    let mut set = |metric: Metric, v: Option<f64>| {
        figures.insert(metric.into(), v);
    };
    let healed = (crashed * 0.08).round();
    set(Metric::EndpointsTotal, Some(total_endpoints));
    set(Metric::EndpointsExposed, Some((total_endpoints * 0.9).round()));
    set(Metric::EndpointsCrashed, Some(crashed));
    set(Metric::EndpointsSelfHealed, Some(healed));
    set(Metric::EndpointsRepairedRemote, Some(((crashed - healed - down_end) * 0.3).round()));
    set(Metric::EndpointsRepairedOnsite, Some(((crashed - healed - down_end) * 0.7).round()));
    set(Metric::EndpointsRepairedByOwner, Some(0.0));
    set(Metric::EndpointsDownAtEnd, Some(down_end));
    set(Metric::EndpointsReimaged, Some((crashed * 0.02).round()));
    // Only odd replications halt the rollout, so "halted" is present in some replications.
    set(Metric::RolloutHaltedAt, (rep % 2 == 1).then_some(4_500.0 + 60.0 * rep as f64));
    set(Metric::RevertPublishedAt, Some(revert_s));
    set(Metric::FirstCrashAt, Some(75.0));
    set(Metric::Recovered50pctAt, recovered_at(0.5));
    set(Metric::Recovered90pctAt, recovered_at(0.9));
    set(Metric::Recovered99pctAt, recovered_at(0.99));
    set(Metric::RecoveredAllAt, None);
    let downtime: f64 = down.iter().map(|r| r.iter().sum::<u64>() as f64 * interval_s).sum();
    set(Metric::EndpointDowntimeHours, Some(downtime / 3_600.0));
    let component = |f: fn(&SectorLoss) -> f64| Some(sectors.iter().map(f).sum::<f64>());
    set(Metric::LossUsd, component(SectorLoss::total_usd));
    set(Metric::LossUsdRevenue, component(|s| s.revenue_usd));
    set(Metric::LossUsdLabour, component(|s| s.labour_usd));
    set(Metric::LossUsdPenalties, component(|s| s.penalties_usd));
    set(Metric::LossUsdBacklog, component(|s| s.backlog_usd));
    set(Metric::LossUsdProductivity, component(|s| s.productivity_usd));
    let airline = shapes.iter().any(|s| s.sector == Sector::Airline);
    set(Metric::FlightsCancelled, Some(if airline { 5_000.0 + 100.0 * rep as f64 } else { 0.0 }));
    set(Metric::OrganisationsAffected, Some(shapes.iter().map(|s| s.organisations as f64).sum()));
    set(Metric::ServiceHoursLost, Some(downtime / 3_600.0 / 1_000.0));
    let insured = component(|s| s.insured_usd);
    set(Metric::InsuredUsd, insured);
    set(Metric::InsuredUsdBi, insured.map(|i| i * 0.9));
    set(Metric::InsuredUsdContingent, insured.map(|i| i * 0.1));
    set(Metric::InsuredShare, Some(0.3));
    set(Metric::OrganisationsInsured, Some(shapes.iter().map(|s| s.organisations as f64).sum()));
    set(Metric::OrganisationsClaiming, Some(shapes.iter().map(|s| s.organisations as f64).sum()));
    for (i, s) in shapes.iter().enumerate() {
        figures.insert(Figure::sector(Metric::LossUsd, s.sector), Some(sectors[i].total_usd()));
        figures.insert(Figure::sector(Metric::InsuredUsd, s.sector), Some(sectors[i].insured_usd));
        figures.insert(
            Figure::sector(Metric::ServiceHoursLost, s.sector),
            Some(100.0 * (i + 1) as f64),
        );
    }
    let mut key_events = vec![
        KeyEvent { at_s: 75.0, label: "first crash".into() },
        KeyEvent { at_s: 1_800.0, label: "gate trips on crash reports (120)".into() },
        KeyEvent { at_s: revert_s, label: "revert published".into() },
        KeyEvent { at_s: 2.0 * 86_400.0, label: "recovery tool available".into() },
    ];
    for (share, label) in [(0.5, "50% recovered"), (0.9, "90% recovered"), (0.99, "99% recovered")]
    {
        if let Some(at_s) = recovered_at(share) {
            key_events.push(KeyEvent { at_s, label: label.into() });
        }
    }
    key_events.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    let top_orgs = shapes
        .iter()
        .enumerate()
        .map(|(i, s)| OrgLoss {
            name: format!("{}-{}", s.sector.name(), i + 1),
            sector: s.sector,
            endpoints: 20_000 + 1_000 * i as u64,
            crashed: 9_000 + 500 * i as u64,
            downtime_hours: 40_000.0 / (i + 1) as f64,
            loss_usd: cumulative[i] * 0.05,
            insured: i % 2 == 0,
            insured_usd: if i % 2 == 0 { cumulative[i] * 0.02 } else { 0.0 },
        })
        .collect();
    RunResult {
        replication: rep,
        figures,
        series: Series {
            times_s,
            sectors: shapes.iter().map(|s| s.sector).collect(),
            down,
            capacity,
            loss_usd,
        },
        key_events,
        sectors,
        top_orgs,
        organisations: Vec::new(),
        counters: Default::default(),
        end: SimTime(u64::from(days) * 86_400_000),
    }
}

/// A run set around [`sample_runs`] with plausible metadata.
pub fn sample_set(reps: u64, days: u32) -> RunSet {
    set_of(sample_runs(reps, days), days)
}

/// Wraps runs in a `RunSet` with plausible metadata for a `days`-day horizon.
pub fn set_of(runs: Vec<RunResult>, days: u32) -> RunSet {
    let reps = runs.len() as u64;
    RunSet {
        meta: RunMeta {
            scenario: "synthetic-outage".into(),
            description: "A synthetic outage for tests: airlines, hospitals & banks <crash>."
                .into(),
            seed: 20_240_719,
            replications: reps,
            command: format!(
                "blastradius run synthetic-outage --reps {reps} --seed 20240719 --out \"r&d\""
            ),
            program: "blastradius 0.1.0".into(),
            resolved_ron:
                "(\n    name: \"synthetic-outage\",\n    start: \"2024-07-19T04:09:00Z\",\n)\n"
                    .into(),
            start_unix_s: START_UNIX_S,
            horizon_s: f64::from(days) * 86_400.0,
            publication_s: 0.0,
        },
        runs,
        observed: Vec::new(),
    }
}
