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

/// A reporting setting never changes a simulated figure: every shipped scenario gives the same
/// figures, sector losses, largest losses and key events with outputs every 5 minutes, 15
/// minutes or hour. The four full-scale worlds run their first twelve hours only, which is where
/// the most happens between samples (the outage, the revert, the first repairs and shifts);
/// `os-update-global` (1.4 billion endpoints) runs with a thousandth of its organisations, to
/// its horizon.
#[test]
fn the_output_interval_changes_no_figure_of_any_shipped_scenario() {
    use blastradius::engine::SimDuration;
    let full_scale = ["crowdstrike-2024", "canary-rings", "customer-lag", "global-windows"];
    for name in scenario::builtin::names() {
        let (_, spec) = scenario::read(name).unwrap();
        let outcomes: Vec<RunResult> = [5, 15, 60]
            .into_iter()
            .map(|minutes| {
                let mut spec = spec.clone();
                spec.output_interval = SimDuration::from_secs(minutes * 60);
                if full_scale.contains(&name) {
                    spec.horizon = spec.horizon.min(SimDuration::from_secs(12 * 3_600));
                }
                if name == "os-update-global" {
                    for a in &mut spec.archetypes {
                        a.organisations = a.organisations.div_ceil(1_000);
                    }
                }
                run_replication(Arc::new(spec), RunConfig { replication: 0, threads: 2 }).unwrap()
            })
            .collect();
        let first = &outcomes[0];
        for (other, minutes) in outcomes[1..].iter().zip([15, 60]) {
            assert_eq!(other.figures, first.figures, "{name}: figures at {minutes} min");
            assert_eq!(other.sectors, first.sectors, "{name}: sectors at {minutes} min");
            assert_eq!(other.top_orgs, first.top_orgs, "{name}: largest losses at {minutes} min");
            assert_eq!(other.key_events, first.key_events, "{name}: events at {minutes} min");
        }
    }
}
