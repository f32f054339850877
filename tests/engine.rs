//! The engine's contract, tested on PHOLD: the same results for any thread count, known event
//! counts, time order per LP, and agreement with a plain sequential event loop.

use blastradius::engine::SimTime;
use blastradius::engine::phold::{self, PholdConfig, TICKS_PER_UNIT};
use proptest::prelude::*;

fn config(lps: u32, events_per_lp: u32, remote: f64, end: f64) -> PholdConfig {
    PholdConfig {
        lps,
        events_per_lp,
        remote,
        lookahead: 0.1,
        mean: 1.0,
        end,
        initial_mean: 1.0,
        seed: 42,
        threads: 1,
    }
}

#[test]
fn phold_gives_identical_checksums_and_per_lp_event_order_on_1_2_and_4_threads() {
    let base = config(300, 8, 0.5, 40.0);
    let one = phold::run(&base, true).unwrap();
    assert!(one.events > 50_000, "the run should be substantial, got {}", one.events);
    for threads in [2, 4] {
        let other = phold::run(&PholdConfig { threads, ..base.clone() }, true).unwrap();
        assert_eq!(other.events, one.events, "{threads} threads");
        assert_eq!(other.checksum, one.checksum, "{threads} threads");
        // Not only the same totals: every LP saw the same (time, sender) sequence.
        assert_eq!(other.traces, one.traces, "{threads} threads");
    }
}

#[test]
fn phold_with_a_fixed_delay_handles_the_closed_form_count() {
    // Every initial event sits at time 0 and each event begets exactly one more d later, so
    // each initial event contributes ceil(end / d) events, wherever the new events are sent.
    let (lps, per_lp, end, lookahead) = (50u32, 3u32, 10.0, 0.1);
    let d_ticks = (lookahead * TICKS_PER_UNIT) as u64;
    let end_ticks = (end * TICKS_PER_UNIT) as u64;
    let expected = u64::from(lps) * u64::from(per_lp) * end_ticks.div_ceil(d_ticks);
    assert_eq!(expected, 15_000);
    for remote in [0.0, 0.5] {
        for threads in [1, 2] {
            let c = PholdConfig {
                lps,
                events_per_lp: per_lp,
                remote,
                lookahead,
                mean: 0.0,
                end,
                initial_mean: 0.0,
                seed: 3,
                threads,
            };
            assert_eq!(phold::run(&c, false).unwrap().events, expected, "remote {remote}");
        }
    }
}

#[test]
fn the_parallel_engine_matches_a_sequential_binary_heap_loop() {
    for threads in [1, 2] {
        let c = PholdConfig { threads, ..config(500, 4, 0.3, 30.0) };
        let engine = phold::run(&c, false).unwrap();
        let baseline = phold::run_sequential_baseline(&c).unwrap();
        assert_eq!((engine.events, engine.checksum), (baseline.events, baseline.checksum));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn each_lp_handles_its_events_in_nondecreasing_time(
        lps in 2u32..40,
        per_lp in 1u32..6,
        remote in 0.0f64..=1.0,
        lookahead in 0.01f64..1.0,
        mean in 0.0f64..2.0,
        seed in any::<u64>(),
        threads in 1usize..4,
    ) {
        let c = PholdConfig {
            lps, events_per_lp: per_lp, remote, lookahead, mean, end: 15.0,
            initial_mean: 1.0, seed, threads,
        };
        let out = phold::run(&c, true).unwrap();
        let traces = out.traces.unwrap();
        let end = SimTime((15.0 * TICKS_PER_UNIT) as u64);
        let mut total = 0u64;
        for trace in &traces {
            prop_assert!(trace.windows(2).all(|w| w[0].0 <= w[1].0));
            prop_assert!(trace.iter().all(|(t, _)| *t < end));
            total += trace.len() as u64;
        }
        prop_assert_eq!(total, out.events);
        let baseline = phold::run_sequential_baseline(&c).unwrap();
        prop_assert_eq!(out.checksum, baseline.checksum);
    }
}

#[test]
fn where_runs_stop_changes_nothing() {
    // Stopping at arbitrary times (as a tabletop session or a sampler does) must not change
    // the order of events: keys record how events arrived, not when they were delivered.
    let c = PholdConfig { lookahead: 0.25, mean: 0.5, ..config(200, 6, 0.6, 30.0) };
    let straight = phold::run(&c, true).unwrap();
    for threads in [1, 2] {
        let mut sim = phold::build(&PholdConfig { threads, ..c.clone() }, true).unwrap();
        let mut t = 0u64;
        let mut i = 0u64;
        while t < (30.0 * TICKS_PER_UNIT) as u64 {
            // Uneven steps, some shorter than the lookahead, some much longer.
            t += [13_337, 250_000, 1_000, 3_100_000, 77_777][(i % 5) as usize];
            i += 1;
            sim.run_until(SimTime(t)).unwrap();
        }
        sim.run().unwrap();
        let stepped = phold::outcome(sim, true);
        assert_eq!(stepped.checksum, straight.checksum, "{threads} threads");
        assert_eq!(stepped.traces, straight.traces, "{threads} threads");
    }
}

#[test]
fn a_cloned_simulation_continues_exactly_as_the_original() {
    // A clone is a snapshot (tabletop undo restores one): running it on must give what the
    // original gives, pending events, messages in flight and random streams included.
    let c = PholdConfig { lookahead: 0.25, mean: 0.5, threads: 2, ..config(200, 6, 0.6, 30.0) };
    let straight = phold::run(&c, true).unwrap();
    let mut sim = phold::build(&c, true).unwrap();
    sim.run_until(SimTime((11.3 * TICKS_PER_UNIT) as u64)).unwrap();
    let mut copy = sim.clone();
    sim.run().unwrap();
    copy.run().unwrap();
    for outcome in [phold::outcome(sim, true), phold::outcome(copy, true)] {
        assert_eq!(outcome.checksum, straight.checksum);
        assert_eq!(outcome.traces, straight.traces);
    }
}
