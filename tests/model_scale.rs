//! The shipped worlds at full scale: calibration to 2024, the effect of rollout policies, and
//! identical results on 1, 2 and 4 threads.

use std::sync::Arc;

use blastradius::model::spec::Sector;
use blastradius::model::{Figure, Metric, RunConfig, RunResult, run_replication};
use blastradius::scenario;

fn run(name: &str, threads: usize) -> RunResult {
    let (_, spec) = scenario::read(name).unwrap();
    run_replication(Arc::new(spec), RunConfig { replication: 0, threads }).unwrap()
}

fn crashed(r: &RunResult) -> f64 {
    r.figure(Metric::EndpointsCrashed).unwrap()
}

/// One test, so the expensive 2024 run is shared by the checks that need it.
#[test]
fn crowdstrike_2024_is_calibrated_deterministic_and_beaten_by_rings_and_lag() {
    let one = run("crowdstrike-2024", 1);
    let c = crashed(&one);
    assert!((7.5e6..=9.5e6).contains(&c), "crashed {c}");
    assert_eq!(one.figure(Metric::RevertPublishedAt), Some(78.0 * 60.0));
    for sector in [Sector::Airline, Sector::Hospital, Sector::Bank] {
        let loss = one.figure(Figure::sector(Metric::LossUsd, sector)).unwrap_or(0.0);
        assert!(loss > 0.0, "no loss for {sector:?}");
    }
    // Byte-for-byte the same outcome on more threads: figures, series, events, breakdowns.
    for threads in [2, 4] {
        let other = run("crowdstrike-2024", threads);
        assert_eq!(other, one, "{threads} threads differ from 1");
    }

    let rings = run("canary-rings", 2);
    assert!(crashed(&rings) * 100.0 <= c, "canary-rings crashed {}", crashed(&rings));
    assert!(rings.figure(Metric::RolloutHaltedAt).is_some());

    let lag = run("customer-lag", 2);
    assert!(crashed(&lag) < c, "customer-lag crashed {}", crashed(&lag));
    assert!(lag.figure(Metric::LossUsd) < one.figure(Metric::LossUsd));
}

#[test]
fn the_smaller_shipped_worlds_give_identical_results_on_1_2_and_4_threads() {
    for name in ["hospital-tabletop", "airline-crew-backlog", "bank-branches"] {
        let one = run(name, 1);
        assert!(crashed(&one) > 0.0, "{name}");
        for threads in [2, 4] {
            assert_eq!(run(name, threads), one, "{name} on {threads} threads");
        }
    }
}

#[test]
fn slow_crew_carriers_stay_disrupted_for_days_after_their_it_is_back() {
    use blastradius::model::World;
    use blastradius::model::org::Note;
    let (_, spec) = scenario::read("airline-crew-backlog").unwrap();
    let mut world = World::build(Arc::new(spec), RunConfig { replication: 0, threads: 2 }).unwrap();
    world.run().unwrap();
    let hours = |t: blastradius::engine::SimTime| t.0 as f64 / 3.6e6;
    for org in world.organisations() {
        let spec = org.spec();
        let crew = spec.services.iter().position(|s| s.name == "crew-scheduling").unwrap() as u8;
        let cleared: Vec<f64> = org
            .notes()
            .iter()
            .filter(|(_, n)| *n == Note::BacklogCleared { service: crew })
            .map(|(t, _)| hours(*t))
            .collect();
        let last = *cleared.last().unwrap_or_else(|| panic!("{} never cleared", spec.name));
        match spec.name.as_str() {
            // 0.02 demand-hours an hour: cleared about three days after the crash.
            "slow_crew_carrier" => assert!((48.0..120.0).contains(&last), "slow: {last} h"),
            // 2 an hour: cleared within the first day.
            "fast_crew_carrier" => assert!(last < 24.0, "fast: {last} h"),
            other => panic!("unexpected archetype {other}"),
        }
        // Either way, the crew system is clear of its backlog once IT is back at the end.
        assert_eq!(org.service_states()[usize::from(crew)].backlog_hours, 0.0);
    }
}
