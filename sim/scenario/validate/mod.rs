//! The second stage of reading a scenario: a resolved file record in, the model's validated
//! types out, or every problem found, each with the path of the offending field (which
//! `lib.rs` turns into a file, line and column) and a hint.
//!
//! One file per part of the format, each turning that part's raw record into its spec and
//! reporting what is wrong with it; this file does the scenario's own settings (name, start,
//! horizon, sampling, budget), the boot loop, the tools and the contractor pools.
//!
//! ```text
//! validate ─┬─ vendor     contents, rollout rings and gates, telemetry, revert
//!           ├─ archetype  name, size, organisations, class and OS mixes, online hours
//!           │    ├─ sites      regions and site kinds
//!           │    ├─ staff      technicians, shifts, surge, call-in, cloud admins
//!           │    ├─ repair     repair times, key escrow, remote workers
//!           │    ├─ services   dependencies, fallbacks, backlog
//!           │    ├─ economics  revenue, demand curves, penalties
//!           │    └─ insurance  take-up, peril, waiting periods, retentions, limits
//!           ├─ actions    injects, and decisions taken at the tabletop
//!           └─ exercise   the tabletop lesson: briefing, injects and questions on a timeline
//! ```
//!
//! Problems are reported in the order the checks run, which follows the file's order of
//! fields; it knows nothing of files, lines or RON.

mod actions;
mod archetype;
mod check;
mod economics;
pub mod exercise;
mod insurance;
mod repair;
mod services;
mod sites;
mod staff;
mod vendor;

use blastradius_engine::SimDuration;
use blastradius_model::spec as m;

use crate::raw;
use crate::units::Duration;

pub use actions::{ActionError, action_spec, target};
use check::{Checker, tool_mode};

/// One problem with a scenario, at a field path such as `vendor.rollout.rings[1].share`.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub path: String,
    pub message: String,
    pub hint: Option<String>,
}

/// The longest horizon: endpoint records keep times as 32-bit milliseconds.
pub const MAX_HORIZON: SimDuration = SimDuration::from_days(49);
/// Most services per archetype.
pub const MAX_SERVICES: usize = blastradius_model::org::MAX_SERVICES;
/// Largest organisation: endpoint indices and fetch records are 32-bit.
pub const MAX_ORG_SIZE: u32 = 20_000_000;
/// Most output samples per run.
const MAX_SAMPLES: u64 = 200_000;

/// Validates a resolved scenario into a world spec.
pub fn validate(s: &raw::Scenario) -> Result<m::WorldSpec, Vec<Diagnostic>> {
    let mut c = Checker { problems: Vec::new() };
    let name = name(&mut c, s);
    let start_unix_s = start_unix_s(&mut c, s);
    let horizon = horizon(&mut c, s);
    let output_interval = output_interval(&mut c, s, horizon);
    let event_budget = event_budget(&mut c, s);
    let pool_names: Vec<String> = s.contractor_pools().keys().cloned().collect();
    let pools = pools(&mut c, s);
    let vendor = vendor::vendor(&mut c, &s.vendor(), horizon);
    let boot_loop = boot_loop(&mut c, &s.endpoints().boot_loop());
    let tools = tools(&mut c, s);
    let archetypes = archetype::fleet(&mut c, s, &pool_names);
    lazy_fleets(&mut c, &vendor, &archetypes);
    let injects = actions::injects(&mut c, s, horizon, &archetypes);
    let outputs = outputs(&mut c, s, start_unix_s, horizon);
    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    Ok(m::WorldSpec {
        name,
        description: s.description(),
        start_unix_s,
        horizon,
        seed: s.seed(),
        output_interval,
        event_budget,
        vendor,
        boot_loop,
        tools,
        archetypes,
        pools,
        injects,
        outputs,
    })
}

/// The exercise script of a scenario that `validate` accepted into `spec`. The lesson is the
/// tabletop's, not the world's, so `validate` leaves it alone: a run or a sweep that shortens
/// the horizon or removes an archetype is not refused because a cue no longer fits; the
/// tabletop and `blastradius validate` check it.
pub fn exercise_of(
    s: &raw::Scenario,
    spec: &m::WorldSpec,
) -> Result<exercise::Exercise, Vec<Diagnostic>> {
    let mut c = Checker { problems: Vec::new() };
    let lesson = exercise::exercise(&mut c, s, spec.horizon, &spec.archetypes);
    if c.problems.is_empty() { Ok(lesson) } else { Err(c.problems) }
}

/// A lazy archetype keeps no record of an endpoint that did not crash, so it cannot tell a
/// second fetch of bad content from a first: it needs a single content version.
fn lazy_fleets(c: &mut Checker, vendor: &m::VendorSpec, archetypes: &[m::ArchetypeSpec]) {
    if vendor.contents.len() <= 1 {
        return;
    }
    if let Some(a) = archetypes.iter().find(|a| a.lazy) {
        c.fail(
            format!("fleet.{}.lazy", crate::locate::key_segment(&a.name)),
            format!(
                "a lazy fleet takes a single content version; the vendor has {}",
                vendor.contents.len()
            ),
            "set lazy: false, or keep one content version in vendor.contents",
        );
    }
}

fn name(c: &mut Checker, s: &raw::Scenario) -> String {
    let name = s.name();
    if name.trim().is_empty() {
        c.fail(
            "name",
            "the scenario has no name",
            "give it a short name, e.g. name: \"our-fleet-2025\"",
        );
    }
    name
}

fn start_unix_s(c: &mut Checker, s: &raw::Scenario) -> i64 {
    let start = s.start();
    match chrono::DateTime::parse_from_rfc3339(&start) {
        Ok(t) => t.timestamp(),
        Err(e) => {
            c.fail(
                "start",
                format!("\"{start}\" is not an RFC 3339 date-time: {e}"),
                "write it like \"2024-07-19T04:09:00Z\"",
            );
            0
        }
    }
}

fn horizon(c: &mut Checker, s: &raw::Scenario) -> SimDuration {
    let horizon = c.min_duration(
        "horizon",
        s.horizon(),
        SimDuration::from_secs(1),
        "the run must last at least a second",
    );
    if horizon > MAX_HORIZON {
        c.fail(
            "horizon",
            format!(
                "\"{}\" is longer than the {} the simulator supports",
                Duration(horizon),
                Duration(MAX_HORIZON)
            ),
            "shorten the horizon; outages of 2024 were largely repaired within two weeks",
        );
    }
    horizon
}

fn output_interval(c: &mut Checker, s: &raw::Scenario, horizon: SimDuration) -> SimDuration {
    let interval = c.min_duration(
        "output_interval",
        s.output_interval(),
        SimDuration::from_secs(1),
        "sample at most once a second",
    );
    if interval.0 > 0 && horizon.0 / interval.0 > MAX_SAMPLES {
        c.fail(
            "output_interval",
            format!(
                "\"{}\" gives more than {MAX_SAMPLES} samples over the horizon",
                Duration(interval)
            ),
            "use a longer interval, e.g. \"15m\"",
        );
    }
    if interval > horizon {
        c.fail(
            "output_interval",
            format!(
                "the output interval \"{}\" is longer than the horizon \"{}\"",
                Duration(interval),
                Duration(horizon)
            ),
            "use an interval shorter than the horizon",
        );
    }
    interval
}

fn event_budget(c: &mut Checker, s: &raw::Scenario) -> u64 {
    let budget = s.event_budget();
    if budget == 0 {
        c.fail(
            "event_budget",
            "the event budget is 0",
            "leave it out for the default of two billion",
        );
    }
    budget
}

fn pools(c: &mut Checker, s: &raw::Scenario) -> Vec<m::PoolSpec> {
    s.contractor_pools()
        .iter()
        .map(|(name, p)| m::PoolSpec {
            name: name.clone(),
            contractors: p.contractors(),
            dispatch_delay: c.min_duration(
                &format!("contractor_pools.{}.dispatch_delay", crate::locate::key_segment(name)),
                p.dispatch_delay(),
                SimDuration::from_secs(1),
                "contractors take time to arrive",
            ),
            per_client_max: p.per_client_max(),
            request_delay: c.min_duration(
                &format!("contractor_pools.{name}.request_delay"),
                p.request_delay(),
                SimDuration::from_secs(1),
                "a request takes time to reach the pool",
            ),
        })
        .collect()
}

fn boot_loop(c: &mut Checker, boot: &raw::BootLoop) -> m::BootLoopSpec {
    m::BootLoopSpec {
        reboot_interval: c.min_duration(
            "endpoints.boot_loop.reboot_interval",
            boot.reboot_interval(),
            SimDuration::from_secs(1),
            "a reboot takes time",
        ),
        self_heal_chance_per_reboot: c.share(
            "endpoints.boot_loop.self_heal_chance_per_reboot",
            boot.self_heal_chance_per_reboot(),
        ),
        recovery_screen_share: c
            .share("endpoints.boot_loop.recovery_screen_share", boot.recovery_screen_share()),
        reboots_before_recovery_screen: boot.reboots_before_recovery_screen(),
    }
}

fn tools(c: &mut Checker, s: &raw::Scenario) -> Vec<m::ToolSpec> {
    s.remediation()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let p = format!("remediation[{i}]");
            m::ToolSpec {
                name: t.name(),
                available_after: t.available_after().0,
                share: c.share(&format!("{p}.share"), t.share()),
                mode: tool_mode(t.mode()),
                repair_time: c.dist(&format!("{p}.repair_time"), &t.repair_time()),
                needs_key: t.needs_key(),
            }
        })
        .collect()
}

fn outputs(
    c: &mut Checker,
    s: &raw::Scenario,
    start_unix_s: i64,
    horizon: SimDuration,
) -> m::OutputSpec {
    let o = s.outputs();
    let fleet = s.fleet();
    let mut named = Vec::new();
    for (i, a) in o.archetypes().iter().enumerate() {
        let path = format!("outputs.archetypes[{i}]");
        // Archetypes are validated in name order, so a name's place among the keys is its
        // index.
        match fleet.keys().position(|x| x == a) {
            None => c.fail(
                path,
                format!("no archetype is named \"{a}\""),
                "name an archetype of `fleet`",
            ),
            Some(_) if blastradius_model::figures::Name::new(a).is_none() => c.fail(
                path,
                format!(
                    "\"{a}\" is longer than {} bytes, too long to name figures after",
                    blastradius_model::figures::Name::MAX
                ),
                "give the archetype a shorter name",
            ),
            Some(k) => named.push(k),
        }
    }
    named.sort_unstable();
    named.dedup();
    let mut times = Vec::new();
    for (i, t) in o.recovered_share_at().iter().enumerate() {
        let path = format!("outputs.recovered_share_at[{i}]");
        match chrono::DateTime::parse_from_rfc3339(t) {
            Err(e) => c.fail(
                path,
                format!("\"{t}\" is not an RFC 3339 date-time: {e}"),
                "write it like \"2024-07-26T00:00:00Z\"",
            ),
            Ok(at) => {
                let after_s = at.timestamp() - start_unix_s;
                if after_s < 0 || after_s as u64 * 1_000 > horizon.as_millis() {
                    c.fail(
                        path,
                        format!("\"{t}\" is outside the run (from `start` to the horizon)"),
                        "pick a time between the start and the end of the run",
                    );
                } else {
                    times.push((after_s / 60) as u32);
                }
            }
        }
    }
    times.sort_unstable();
    times.dedup();
    m::OutputSpec {
        charts: o.charts(),
        png: o.png(),
        html: o.html(),
        timeseries: o.timeseries(),
        top_orgs: o.top_orgs(),
        archetypes: named,
        recovered_share_at_min: times,
        organisation_losses: false,
    }
}
