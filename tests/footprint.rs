//! The memory estimate of a world from its spec (`model::footprint`), against the worlds the
//! shipped scenarios build: its endpoint and organisation counts are what generation makes,
//! and its bytes grow with what a run holds.

use std::sync::Arc;

use blastradius::model::footprint::footprint;
use blastradius::model::{RunConfig, World};
use blastradius::scenario;

#[test]
fn the_estimate_counts_the_endpoints_and_organisations_generation_makes() {
    for name in ["hospital-tabletop", "bank-branches", "airline-crew-backlog", "crowdstrike-2024"] {
        let (_, spec) = scenario::read(name).unwrap();
        let estimate = footprint(&spec);
        // Small worlds vary from one replication to the next: average the fleets of a few.
        let reps = if name == "crowdstrike-2024" { 1 } else { 20 };
        let spec = Arc::new(spec);
        let mut endpoints = 0;
        for replication in 0..reps {
            let config = RunConfig { replication, threads: 2 };
            let world = World::build(Arc::clone(&spec), config).unwrap();
            let orgs = world.organisations();
            endpoints += orgs.iter().map(|o| o.size() as usize).sum::<usize>();
            assert_eq!(estimate.organisations, orgs.len() as u64, "{name}");
        }
        let endpoints = endpoints / reps as usize;
        let ratio = estimate.endpoints / endpoints as f64;
        assert!(
            (0.9..1.1).contains(&ratio),
            "{name}: {} estimated, {endpoints} built",
            estimate.endpoints
        );
        // A run holds at least its endpoint records and at most a few times the measured rate.
        assert!(estimate.world_bytes > 8.0 * endpoints as f64, "{name}");
        assert!(estimate.world_bytes < 200.0 * endpoints as f64 + 64e6, "{name}");
    }
}

#[test]
fn the_estimate_grows_with_what_the_user_sets_and_never_wraps() {
    let text = |orgs: u64, size: u64, interval: &str| {
        format!(
            "(name: \"x\", horizon: \"14d\", output_interval: \"{interval}\", fleet: {{ \"a\": \
             (sector: Bank, organisations: {orgs}, size: (mean: {size}.0, cv: 0.5, min: 20, max: 20000000)) }})"
        )
    };
    let estimate =
        |t: String| footprint(&scenario::load_text("x.ron", &t).unwrap().validate().unwrap());
    let small = estimate(text(10, 1_000, "15m"));
    assert_eq!(small.endpoints, 10_000.0);
    assert_eq!(small.samples, 14 * 96 + 1);
    assert_eq!(small.sectors, 1);
    // A billion-endpoint world of the issue: 1,000,000 organisations of 4,000 endpoints.
    let huge = estimate(text(1_000_000, 4_000, "15m"));
    assert_eq!(huge.endpoints, 4e9);
    assert!(huge.world_bytes > 1.6e11, "{}", huge.world_bytes);
    // The most organisations and the largest size a file may give: finite, no wrap-around.
    let most = estimate(text(10_000_000, 20_000_000, "15m"));
    assert!(most.world_bytes.is_finite() && most.world_bytes > 1e15);
    let dense = estimate(text(10, 1_000, "10s"));
    assert_eq!(dense.samples, 14 * 8_640 + 1);
    assert!(dense.result_bytes > 100.0 * dense.samples as f64);
}

#[test]
fn a_lazy_archetype_is_estimated_at_its_own_rate_and_os_update_global_fits_in_20_gib() {
    use blastradius::model::footprint::{BYTES_PER_ENDPOINT, BYTES_PER_LAZY_ENDPOINT};
    let (_, mut spec) = scenario::read("bank-branches").unwrap();
    let dense = footprint(&spec);
    for a in &mut spec.archetypes {
        a.lazy = true;
    }
    let lazy = footprint(&spec);
    assert_eq!(lazy.endpoints, dense.endpoints);
    let saved = dense.world_bytes - lazy.world_bytes;
    let expected = dense.endpoints * (BYTES_PER_ENDPOINT - BYTES_PER_LAZY_ENDPOINT);
    assert!((saved - expected).abs() < 1e-6 * expected, "{saved} saved, {expected} expected");
    // The 1.4-billion-endpoint world is estimated under the 20 GiB it is measured within
    // (17.0 GiB, benches/README.md), so a machine with that much runs it.
    let (_, spec) = scenario::read("os-update-global").unwrap();
    let f = footprint(&spec);
    assert!(f.endpoints > 1.3e9 && f.endpoints < 1.5e9, "{}", f.endpoints);
    assert!(f.world_bytes < 20.0 * (1u64 << 30) as f64, "{}", f.world_bytes);
}
