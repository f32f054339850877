//! The conservation laws (every endpoint in exactly one state, counters that agree with the
//! records, busy staff within staff present, loss finite and never falling) over the
//! known-answer worlds and the mid-size shipped ones, on one and two threads.
//!
//! Every output time is checked here; with the `invariants` feature (`cargo test --release
//! --features invariants --test invariants`, run by `.ci/run`), or in a debug build, every
//! organisation of up to 5,000 endpoints also checks itself after every event and ends the
//! run with an error the moment a law breaks.

use std::sync::Arc;

use blastradius::engine::SimTime;
use blastradius::model::org::CHECKS_EVERY_EVENT;
use blastradius::model::{RunConfig, World};
use blastradius::scenario;

#[test]
fn the_feature_turns_the_per_event_checks_on() {
    assert_eq!(CHECKS_EVERY_EVENT, cfg!(any(debug_assertions, feature = "invariants")));
}

#[test]
fn the_conservation_laws_hold_over_the_known_answer_and_mid_size_worlds() {
    let known = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/known");
    let mut names: Vec<String> = std::fs::read_dir(&known)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .map(|p| p.display().to_string())
        .collect();
    names.sort();
    assert!(names.len() >= 8, "{names:?}");
    names.extend(["hospital-tabletop", "bank-branches", "airline-crew-backlog"].map(String::from));
    for name in &names {
        let (_, spec) = scenario::read(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let spec = Arc::new(spec);
        for threads in [1, 2] {
            let config = RunConfig { replication: 0, threads };
            let mut world = World::build(Arc::clone(&spec), config).unwrap();
            let step = world.spec.output_interval;
            let mut t = SimTime::ZERO;
            while t < world.horizon() {
                t = (t + step).min(world.horizon());
                world.run_until(t).unwrap_or_else(|e| panic!("{name}, {threads} threads: {e}"));
                world.check_invariants().unwrap_or_else(|e| panic!("{name} at {t}: {e}"));
            }
        }
    }
}
