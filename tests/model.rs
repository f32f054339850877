//! Known answers for the outage model: small worlds in `tests/known/` whose outcomes can be
//! derived by hand, and the conservation laws checked at every output time.

use std::sync::Arc;

use blastradius::engine::SimTime;
use blastradius::model::fleet::State;
use blastradius::model::spec::{Class, WorldSpec};
use blastradius::model::{Metric, RunConfig, RunResult, World};
use blastradius::scenario;

fn spec(name: &str) -> Arc<WorldSpec> {
    let path = format!("{}/tests/known/{name}.ron", env!("CARGO_MANIFEST_DIR"));
    let (_, spec) = scenario::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Arc::new(spec)
}

/// Runs to the horizon, checking the conservation laws at every output time and that
/// cumulative loss never decreases.
fn run_checked(spec: Arc<WorldSpec>, threads: usize) -> (World, RunResult) {
    let mut world = World::build(spec, RunConfig { replication: 0, threads }).unwrap();
    let step = world.spec.output_interval;
    let mut t = SimTime::ZERO;
    while t < world.horizon() {
        t += step;
        world.run_until(t).unwrap();
        world.check_invariants().unwrap_or_else(|e| panic!("at {t}: {e}"));
    }
    let result = world.results();
    for w in result.series.loss_usd.windows(2) {
        for (before, after) in w[0].iter().zip(&w[1]) {
            assert!(after >= before, "cumulative loss fell from {before} to {after}");
        }
    }
    (world, result)
}

fn figure(r: &RunResult, metric: Metric) -> f64 {
    r.figure(metric).unwrap_or_else(|| panic!("{metric:?} is absent"))
}

#[test]
fn n_endpoints_s_technicians_fixed_repair_time_end_at_ceil_n_over_s_repair_times() {
    // 100 servers crash at 30 s; 7 technicians take 10 minutes each: 15 waves.
    let (_, r) = run_checked(spec("base"), 1);
    let (n, s, d) = (100.0, 7.0, 600.0);
    assert_eq!(figure(&r, Metric::EndpointsCrashed), n);
    assert_eq!(figure(&r, Metric::EndpointsRepairedOnsite), n);
    let waves = (n / s).ceil();
    assert_eq!(figure(&r, Metric::RecoveredAllAt), 30.0 + waves * d);
    // Wave k finishes at 30 s + k·d; 14 full waves of 7 and one of 2.
    let (q, rest) = ((n / s).floor(), n - (n / s).floor() * s);
    let total_wait = d * (s * q * (q + 1.0) / 2.0 + rest * (q + 1.0));
    let mean_downtime_s = total_wait / n;
    assert_eq!(mean_downtime_s, 4_590.0);
    let hours = figure(&r, Metric::EndpointDowntimeHours);
    assert!((hours - n * mean_downtime_s / 3_600.0).abs() < 1e-9, "{hours}");
    // Half the endpoints are back when the 50th is: in wave ceil(50/7) = 8.
    assert_eq!(figure(&r, Metric::Recovered50pctAt), 30.0 + 8.0 * d);
}

#[test]
fn a_canary_ring_whose_gate_trips_at_the_first_crash_report_crashes_exactly_that_ring() {
    let (world, r) = run_checked(spec("canary"), 1);
    let orgs = world.organisations();
    let org = orgs[0];
    let in_canary = (0..org.size()).filter(|&e| org.ring_of_endpoint(e) == 0).count() as f64;
    assert!(in_canary > 50.0 && in_canary < 150.0, "canary of {in_canary}");
    assert_eq!(figure(&r, Metric::EndpointsCrashed), in_canary);
    // Every crashed endpoint is in the canary ring.
    for (i, e) in org.records().iter().enumerate() {
        if e.exposed() {
            assert_eq!(org.ring_of_endpoint(i as u32), 0);
        }
    }
    let vendor = world.vendor();
    assert_eq!(vendor.trips.len(), 1);
    // The first batch of reports carries the 20 technicians' first repairs, all at once.
    assert_eq!(org.crews().iter().map(|c| c.home).sum::<u32>(), 20);
    assert_eq!(vendor.trips[0].count, 20);
    // The first report: a repair done at 30 s + 10 min, reported at the next one-minute
    // deadline (11 min), seen a minute later; halted 10 minutes after, reverted 5 after that.
    assert_eq!(vendor.trips[0].at, SimTime::from_secs(12 * 60));
    assert_eq!(figure(&r, Metric::RolloutHaltedAt), 22.0 * 60.0);
    assert_eq!(figure(&r, Metric::RevertPublishedAt), 27.0 * 60.0);
}

#[test]
fn endpoints_offline_for_the_whole_window_never_crash() {
    let (world, r) = run_checked(spec("offline"), 1);
    let org = world.organisations()[0];
    let servers = org.records().iter().filter(|e| e.class() == Class::Server).count() as f64;
    let workstations = f64::from(org.size()) - servers;
    assert!(workstations > 600.0);
    assert_eq!(figure(&r, Metric::EndpointsCrashed), servers);
    assert!(org.records().iter().all(|e| e.class() == Class::Server || !e.exposed()));
}

#[test]
fn exposure_under_a_revert_matches_the_check_in_distribution_within_three_standard_errors() {
    let (_, r) = run_checked(spec("exposure"), 1);
    // Exposed iff the check-in delay is below the 30 minutes before the revert arrives.
    let n = 20_000.0;
    let p = 1.0 - (-30.0f64 / 60.0).exp();
    let (mean, sd) = (n * p, (n * p * (1.0 - p)).sqrt());
    let exposed = figure(&r, Metric::EndpointsExposed);
    assert!((exposed - mean).abs() < 3.0 * sd, "exposed {exposed}, expected {mean} ± {sd}");
    assert_eq!(figure(&r, Metric::EndpointsCrashed), exposed);
}

#[test]
fn a_crashed_key_escrow_server_delays_every_encrypted_repair_until_it_is_fixed() {
    let (world, r) = run_checked(spec("escrow"), 1);
    let org = world.organisations()[0];
    assert_eq!(org.key_servers().len(), 1);
    assert_eq!(figure(&r, Metric::EndpointsCrashed), 21.0);
    let mut times: Vec<u32> = org.recovery_times().to_vec();
    times.sort_unstable();
    // The server first (30 s + 30 min); both technicians then start workstations, each taking
    // 10 minutes plus 5 of key retrieval: nothing encrypted is back before 30m30s + 15m.
    assert_eq!(times[0], 1_830_000);
    assert!(times[1..].iter().all(|&t| t >= 1_830_000 + 900_000), "{times:?}");
    // Twenty workstations, two at a time: ten waves of 15 minutes.
    assert_eq!(*times.last().unwrap(), 1_830_000 + 10 * 900_000);
}

#[test]
fn keys_kept_offline_let_encrypted_repairs_start_at_once() {
    let mut spec = (*spec("escrow")).clone();
    spec.archetypes[0].repair.offline_key_escrow = true;
    let (world, _) = run_checked(Arc::new(spec), 1);
    let mut times = world.organisations()[0].recovery_times().to_vec();
    times.sort_unstable();
    // One technician takes the server (30 min); the other starts on workstations at once,
    // 10 minutes plus 10 of offline key retrieval each.
    assert_eq!(times[0], 30_000 + 1_200_000);
}

#[test]
fn customer_lag_longer_than_the_time_to_revert_protects_the_organisation() {
    let (world, r) = run_checked(spec("lag"), 1);
    for org in world.organisations() {
        let lagging = org.spec().name == "lagging";
        assert_eq!(org.counts().exposed == 0, lagging, "{}", org.name());
        if !lagging {
            assert_eq!(org.counts().crashed, 500);
        }
    }
    assert_eq!(figure(&r, Metric::EndpointsCrashed), 500.0);
}

#[test]
fn a_manual_fallback_raises_capacity_to_its_level_after_its_activation_delay() {
    let (_, r) = run_checked(spec("fallback"), 1);
    let capacity: Vec<f64> = r.series.capacity.iter().map(|c| c[0]).collect();
    let at = |s: f64| r.series.times_s.iter().position(|&t| t == s).unwrap();
    assert_eq!(capacity[at(0.0)], 1.0);
    // Down at 30 s; the fallback works from 1h 30s.
    assert_eq!(capacity[at(900.0)], 0.0);
    assert_eq!(capacity[at(3_600.0)], 0.0);
    assert!((capacity[at(4_500.0)] - 0.4).abs() < 1e-9);
    assert!((capacity[at(21_600.0)] - 0.4).abs() < 1e-9);
    // Capacity shortfall integrated: all of it for an hour, then 60% until the 6 h horizon.
    let expected = 3_600.0 / 3_600.0 + 0.6 * (21_600.0 - 3_630.0) / 3_600.0;
    let lost = figure(&r, Metric::ServiceHoursLost);
    assert!((lost - expected).abs() < 1e-9, "{lost} vs {expected}");
}

#[test]
fn endpoint_states_add_up_and_nothing_is_left_in_repair() {
    let (world, r) = run_checked(spec("base"), 2);
    let org = world.organisations()[0];
    assert!(org.records().iter().all(|e| e.state() == State::RepairedOnsite));
    assert_eq!(figure(&r, Metric::EndpointsDownAtEnd), 0.0);
}

#[test]
fn where_a_run_stops_changes_nothing() {
    // A tabletop session stops wherever the room likes; the outcome must not depend on it.
    for name in ["hospital-tabletop", "bank-branches"] {
        let (_, spec) = scenario::read(name).unwrap();
        let spec = Arc::new(spec);
        let straight = blastradius::model::run_replication(
            Arc::clone(&spec),
            RunConfig { replication: 0, threads: 1 },
        )
        .unwrap();
        let mut world =
            World::build(Arc::clone(&spec), RunConfig { replication: 0, threads: 2 }).unwrap();
        let mut t = SimTime::ZERO;
        let steps = [7u64, 53, 1, 240, 31];
        let mut i = 0;
        while t < world.horizon() {
            t += blastradius::engine::SimDuration::from_mins(steps[i % steps.len()]);
            i += 1;
            world.run_until(t).unwrap();
        }
        let stepped = world.results();
        assert_eq!(stepped.figures, straight.figures, "{name}");
        assert_eq!(stepped.series, straight.series, "{name}");
    }
}

#[test]
fn remote_workers_laptops_wait_out_of_reach_then_take_longer() {
    // 100 laptops crash at 30 s (Friday 04:09:30 UTC). Their users can bring them in six hours
    // later, and do so at the start of their next working day: Monday 08:00 UTC, 75 h 51 min
    // after the start. Each takes twice the 10-minute repair with 7 technicians: 15 waves of
    // 20 minutes.
    let (_, r) = run_checked(spec("remote"), 1);
    assert_eq!(figure(&r, Metric::EndpointsCrashed), 100.0);
    let monday = (75.0 * 60.0 + 51.0) * 60.0;
    let first_wave = monday + 1_200.0;
    let all = figure(&r, Metric::RecoveredAllAt);
    assert_eq!(all, monday + 15.0 * 1_200.0);
    assert!(figure(&r, Metric::Recovered50pctAt) >= first_wave);
}

#[test]
fn staffing_returns_to_normal_when_services_are_back() {
    let spec = spec("standdown");
    let mut world =
        World::build(Arc::clone(&spec), RunConfig { replication: 0, threads: 1 }).unwrap();
    let present = |w: &World| w.organisations()[0].staff_present();
    world.run_until(SimTime(3_029_000)).unwrap();
    assert_eq!(present(&world), 10, "the whole crew is called in");
    assert!(!world.organisations()[0].stood_down());
    world.run_until(SimTime(3_031_000)).unwrap();
    assert!(world.organisations()[0].stood_down(), "services back at the 50th server");
    assert_eq!(present(&world), 9, "the nine on a sixth wave leave when it ends");
    world.run_until(SimTime(3_631_000)).unwrap();
    assert_eq!(present(&world), 1, "normal staffing: one technician");
    world.run().unwrap();
    world.check_invariants().unwrap();
    let r = world.results();
    assert_eq!(figure(&r, Metric::Recovered50pctAt), 3_030.0);
    assert_eq!(figure(&r, Metric::RecoveredAllAt), 3_630.0 + 41.0 * 600.0);
}

#[test]
fn after_standing_down_only_the_staff_share_stays_on_what_is_still_broken() {
    let spec = spec("standdown-share");
    let mut world =
        World::build(Arc::clone(&spec), RunConfig { replication: 0, threads: 1 }).unwrap();
    let present = |w: &World| w.organisations()[0].staff_present();
    world.run_until(SimTime(3_029_000)).unwrap();
    assert_eq!(present(&world), 10);
    world.run_until(SimTime(3_631_000)).unwrap();
    assert!(world.organisations()[0].stood_down());
    assert_eq!(present(&world), 2, "half of the four on shift, rounded up");
    world.run().unwrap();
    world.check_invariants().unwrap();
    let r = world.results();
    assert_eq!(figure(&r, Metric::RecoveredAllAt), 3_630.0 + 21.0 * 600.0);
}

#[test]
fn failed_fixes_are_re_imaged_last_and_cost_their_extra_time() {
    let (world, r) = run_checked(spec("reimage"), 1);
    let k = figure(&r, Metric::EndpointsReimaged);
    // About a quarter of 200: the binomial's standard deviation is about 6.1.
    assert!((k - 50.0).abs() <= 3.0 * (200.0f64 * 0.25 * 0.75).sqrt(), "{k} re-imaged");
    assert_eq!(figure(&r, Metric::EndpointsRepairedOnsite), 200.0);
    // One technician, never idle: every fix and every re-image, end to end.
    assert_eq!(figure(&r, Metric::RecoveredAllAt), 30.0 + 200.0 * 600.0 + k * 1_800.0);
    // The re-images come last: the first 200 - k back are the ones whose fix worked.
    let org = world.organisations()[0];
    let mut times = org.recovery_times().to_vec();
    times.sort_unstable();
    let last_fix = u64::from(times[200 - k as usize - 1]);
    assert_eq!(last_fix, (30 + 200 * 600) * 1_000);
    assert_eq!(org.records().iter().filter(|e| e.reimage()).count() as f64, k);
}

#[test]
fn machines_whose_keys_were_never_escrowed_are_re_imaged_straight_away() {
    let (_, r) = run_checked(spec("lostkeys"), 1);
    assert_eq!(figure(&r, Metric::EndpointsReimaged), 50.0);
    assert_eq!(figure(&r, Metric::RecoveredAllAt), 30.0 + 50.0 * 1_800.0);
}

#[test]
fn the_key_desk_reads_one_key_at_a_time() {
    let (_, r) = run_checked(spec("keydesk"), 1);
    assert_eq!(figure(&r, Metric::EndpointsRepairedOnsite), 20.0);
    assert_eq!(figure(&r, Metric::RecoveredAllAt), 30.0 + 20.0 * 300.0 + 600.0);
    // The first machine waits only for its own key: back at 30 + 300 + 600 s.
    assert_eq!(figure(&r, Metric::FirstCrashAt), 30.0);
}

#[test]
fn a_managed_service_provider_serves_its_clients_one_after_another_at_its_capacity() {
    let (world, r) = run_checked(spec("msp"), 1);
    assert_eq!(figure(&r, Metric::EndpointsCrashed), 24.0);
    let done: Vec<f64> = world
        .organisations()
        .iter()
        .map(|o| f64::from(*o.recovery_times().iter().max().unwrap()) / 1_000.0)
        .collect();
    let cycle = 300.0 + 3_600.0 + 1_200.0;
    for (k, t) in done.iter().enumerate() {
        assert_eq!(*t, 30.0 + cycle + k as f64 * cycle, "client {k}");
    }
    assert_eq!(figure(&r, Metric::RecoveredAllAt), 15_330.0);
}

#[test]
fn a_customer_with_nothing_crashed_loses_capacity_exactly_while_its_supplier_is_down() {
    let spec = spec("supplier");
    let mut world =
        World::build(Arc::clone(&spec), RunConfig { replication: 0, threads: 2 }).unwrap();
    let customers = |w: &World| -> Vec<f64> {
        w.organisations()
            .iter()
            .filter(|o| o.spec().name == "practice")
            .map(|o| o.ops_capacity())
            .collect()
    };
    // Before the supplier's crash reaches them, and a minute after it.
    world.run_until(SimTime(89_000)).unwrap();
    assert!(customers(&world).iter().all(|&c| c == 1.0));
    world.run_until(SimTime(91_000)).unwrap();
    assert!(customers(&world).iter().all(|&c| c == 0.0), "{:?}", customers(&world));
    // Four servers back at 2,430 s: 40% a minute later.
    world.run_until(SimTime(2_491_000)).unwrap();
    assert!(customers(&world).iter().all(|&c| (c - 0.4).abs() < 1e-12), "{:?}", customers(&world));
    // All back at 6,030 s: full capacity at 6,090 s, not before.
    world.run_until(SimTime(6_089_000)).unwrap();
    assert!(customers(&world).iter().all(|&c| (c - 0.9).abs() < 1e-12));
    world.run_until(SimTime(6_091_000)).unwrap();
    assert!(customers(&world).iter().all(|&c| c == 1.0));
    world.run().unwrap();
    let r = world.results();
    let practices = world.organisations().into_iter().filter(|o| o.spec().name == "practice");
    for o in practices {
        assert_eq!(o.counts().crashed, 0);
        let lost = o.accounts().service_hours_lost;
        assert!((lost - 3_300.0 / 3_600.0).abs() < 1e-9, "{lost}");
    }
    assert_eq!(figure(&r, Metric::EndpointsCrashed), 10.0);
}

/// A customer hears only of the changes it sees: needing half its supplier's capacity, it is
/// not told of the supplier at 90%..50% (its share stays 1). Capacity 0.9, 0.8, .. 0 as the ten
/// servers crash at 30 s and 0.1, .. 1 as they come back: needing all of it, each practice
/// hears 20 changes; needing half, 10 (0.4, .., 0 down; 0.1, .., 0.5 up), so five practices
/// handle 50 events fewer, and each loses sum over k < 5 of (1 - k/5) x 600 s = 1,800 s.
#[test]
fn a_customer_needing_half_its_suppliers_capacity_hears_only_the_changes_below_half() {
    let events = |required: f64| {
        let mut spec = (*spec("supplier")).clone();
        for a in spec.archetypes.iter_mut().filter(|a| a.name == "practice") {
            a.services[0].supplier.as_mut().unwrap().required_capacity = required;
        }
        let (world, _) = run_checked(Arc::new(spec), 2);
        let lost: Vec<f64> = world
            .organisations()
            .iter()
            .filter(|o| o.spec().name == "practice")
            .map(|o| o.accounts().service_hours_lost)
            .collect();
        (world.counters().events, lost)
    };
    let (all, lost_all) = events(1.0);
    let (half, lost_half) = events(0.5);
    assert_eq!(all - half, 50);
    assert!(lost_all.iter().all(|l| (l - 3_300.0 / 3_600.0).abs() < 1e-9), "{lost_all:?}");
    assert!(lost_half.iter().all(|l| (l - 0.5).abs() < 1e-9), "{lost_half:?}");
}

#[test]
fn a_down_workstation_idles_its_users_at_their_loaded_wage() {
    let (_, r) = run_checked(spec("productivity"), 1);
    let hours = 6.0 - 30.0 / 3_600.0;
    let expected = 20.0 * 1.5 * 50.0 * 40.0 / 168.0 * hours;
    let got = figure(&r, Metric::LossUsdProductivity);
    assert!((got - expected).abs() < 1e-6 * expected, "{got} vs {expected}");
    assert!((figure(&r, Metric::LossUsd) - expected).abs() < 1e-6 * expected);
}

/// Issue 15, item 5: a decision of 4294967295 technicians wrapped the crew's count (40 present
/// became 39), so the run went worse than with no decision. The scenario front end now refuses
/// more than 1,000,000 at once; the model saturates whatever it is given, so a spec built
/// without the front end cannot wrap either: more technicians never make recovery slower.
#[test]
fn a_count_that_would_wrap_saturates_instead() {
    use blastradius::engine::SimDuration;
    use blastradius::model::run_replication;
    use blastradius::model::spec::{ActionSpec, InjectSpec, TargetSpec};
    let (_, base) = scenario::read("hospital-tabletop").unwrap();
    let downtime = |count: Option<u32>| {
        let mut spec = base.clone();
        if let Some(count) = count {
            let action = ActionSpec::AddTechnicians { to: TargetSpec::All, count };
            spec.injects.push(InjectSpec { at: SimDuration::from_mins(30), action });
        }
        let run = run_replication(Arc::new(spec), RunConfig { replication: 0, threads: 1 });
        figure(&run.unwrap(), Metric::EndpointDowntimeHours)
    };
    let (none, some, most) = (downtime(None), downtime(Some(1_000)), downtime(Some(u32::MAX)));
    assert!(some < none, "1,000 more technicians: {some} endpoint-hours, {none} without");
    assert!(most <= some, "u32::MAX more technicians: {most} endpoint-hours, {some} with 1,000");
}

/// An output sample reads an organisation that handled no event since the last one from the
/// record it kept then (`Org::frozen`): that record gives the loss at any later instant to the
/// bit, as the organisation itself does, for airlines (late flights), offices (idle staff),
/// insured organisations, at capacity shortfalls and at full capacity.
#[test]
fn a_frozen_loss_reads_the_same_to_the_bit_as_the_organisation() {
    let worlds = [
        ("frozen", (*spec("frozen")).clone()),
        ("productivity", (*spec("productivity")).clone()),
        ("insurance", (*spec("insurance")).clone()),
    ];
    for (name, spec) in worlds {
        let mut world = World::build(Arc::new(spec), RunConfig { replication: 0, threads: 1 })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (mut checked, mut airlines) = (0, 0);
        for hours in [1, 3, 8, 30, 80] {
            let now = SimTime(hours * 3_600_000);
            world.run_until(now).unwrap();
            for org in world.organisations().into_iter().filter(|o| o.accruing()) {
                let Some(frozen) = org.frozen(&org.rates()) else { continue };
                airlines += usize::from(org.airline().is_some());
                for later_ms in [0, 1, 59_999, 3_600_000, 7 * 3_600_000 + 17, 86_400_000 * 3] {
                    let t = SimTime(now.0 + later_ms);
                    let (want, got) = (org.loss_at(t), frozen.loss_at(&org.shared, t));
                    assert_eq!(got.to_bits(), want.to_bits(), "{name} at {t}: {got} vs {want}");
                    checked += 1;
                }
            }
        }
        assert!(checked >= 12, "{name}: only {checked} readings compared");
        assert!(name != "frozen" || airlines > 0, "no airline was read");
    }
}

/// The same world with `lazy: true` in every archetype.
fn lazy(spec: Arc<WorldSpec>) -> Arc<WorldSpec> {
    let mut spec = (*spec).clone();
    for a in &mut spec.archetypes {
        a.lazy = true;
    }
    Arc::new(spec)
}

#[test]
fn owners_fix_their_machines_a_fixed_delay_after_the_fix_is_known() {
    for world in [spec("owner"), lazy(spec("owner"))] {
        owners_fix_at_a_known_time(world);
    }
}

fn owners_fix_at_a_known_time(spec: Arc<WorldSpec>) {
    let (world, r) = run_checked(spec, 1);
    assert_eq!(figure(&r, Metric::EndpointsCrashed), 100.0);
    assert_eq!(figure(&r, Metric::EndpointsRepairedByOwner), 100.0);
    assert_eq!(figure(&r, Metric::EndpointsRepairedOnsite), 0.0);
    // Known at 30 s + 2 h, each owner 6 h after that: all at once.
    let at = 30.0 + 2.0 * 3_600.0 + 6.0 * 3_600.0;
    assert_eq!(figure(&r, Metric::Recovered50pctAt), at);
    assert_eq!(figure(&r, Metric::RecoveredAllAt), at);
    let org = world.organisations()[0];
    assert!(org.records().iter().all(|e| e.state() == State::RepairedByOwner));
}

#[test]
fn an_owner_share_splits_the_crashed_between_owners_and_technicians() {
    let (_, r) = run_checked(spec("owner-share"), 1);
    let n = 2_000.0;
    let owners = figure(&r, Metric::EndpointsRepairedByOwner);
    let onsite = figure(&r, Metric::EndpointsRepairedOnsite);
    assert_eq!(owners + onsite, n, "every crashed machine is fixed one way");
    let (mean, sd) = (n * 0.3, (n * 0.3 * 0.7f64).sqrt());
    assert!((owners - mean).abs() < 4.0 * sd, "owners {owners}, expected {mean} ± {sd}");
    // Each owner's fix is 3 h after its crash at 30 s; the technicians' are earlier.
    assert_eq!(figure(&r, Metric::RecoveredAllAt), 30.0 + 3.0 * 3_600.0);
}

#[test]
fn a_lazy_fleet_keeps_records_only_of_its_crashed_endpoints_and_keeps_the_laws() {
    let (world, r) = run_checked(spec("lazy"), 1);
    let n = 20_000.0;
    let crashed = figure(&r, Metric::EndpointsCrashed);
    let (mean, sd) = (n * 0.9, (n * 0.9 * 0.1f64).sqrt());
    assert!((crashed - mean).abs() < 4.0 * sd, "crashed {crashed}, expected {mean} ± {sd}");
    assert_eq!(figure(&r, Metric::EndpointsTotal), n);
    assert_eq!(figure(&r, Metric::EndpointsExposed), crashed, "every exposed one crashes");
    assert_eq!(figure(&r, Metric::EndpointsRepairedOnsite), crashed);
    assert_eq!(figure(&r, Metric::EndpointsDownAtEnd), 0.0);
    let org = world.organisations()[0];
    // The two key servers (Windows, so crashed too) and the crashed: nothing else.
    assert_eq!(org.records().len() as f64, crashed);
    assert!(org.records()[..2].iter().all(|e| e.key_server() && e.class() == Class::Server));
    // Each record is as the fleet draws it, and the fleet's shares hold: half servers, a
    // fifth of them Linux (never crashed, never recorded).
    let fleet: Vec<_> = (0..org.size()).filter_map(|i| org.endpoint_in_fleet(i)).collect();
    let servers = fleet.iter().filter(|e| e.class() == Class::Server).count() as f64;
    let sd_half = (n * 0.25f64).sqrt();
    assert!((servers - n / 2.0).abs() < 4.0 * sd_half, "{servers} servers");
    let down_or_back = fleet.iter().filter(|e| e.state() == State::RepairedOnsite).count();
    assert_eq!(down_or_back as f64, crashed);
    // The same world with a record for every endpoint: the same law.
    let mut dense = (*spec("lazy")).clone();
    dense.archetypes[0].lazy = false;
    let (world, r) = run_checked(Arc::new(dense), 1);
    let dense_crashed = figure(&r, Metric::EndpointsCrashed);
    assert!((dense_crashed - mean).abs() < 4.0 * sd, "dense crashed {dense_crashed}");
    assert_eq!(world.organisations()[0].records().len() as f64, n);
}

#[test]
fn a_lazy_fleets_remote_laptops_wait_on_timers_to_the_same_known_answer() {
    // `remote.ron`'s answer does not depend on any draw: every laptop is reachable on Monday
    // at 08:00 UTC and takes twice the 10-minute repair, 7 at a time.
    let (world, r) = run_checked(lazy(spec("remote")), 1);
    assert_eq!(figure(&r, Metric::EndpointsCrashed), 100.0);
    let monday = (75.0 * 60.0 + 51.0) * 60.0;
    assert_eq!(figure(&r, Metric::RecoveredAllAt), monday + 15.0 * 1_200.0);
    assert_eq!(world.organisations()[0].records().len(), 100);
}

#[test]
fn a_lazy_fleet_is_the_same_on_one_and_two_threads() {
    let one = run_checked(spec("lazy"), 1).1;
    let two = run_checked(spec("lazy"), 2).1;
    for m in [Metric::EndpointsCrashed, Metric::RecoveredAllAt, Metric::EndpointDowntimeHours] {
        assert_eq!(figure(&one, m).to_bits(), figure(&two, m).to_bits(), "{m:?}");
    }
}
