//! The second stage of reading a scenario: a resolved file record in, the model's validated
//! types out, or every problem found, each with the path of the offending field (which
//! `mod.rs` turns into a file, line and column) and a hint.

use std::collections::BTreeMap;

use blastradius_engine::SimDuration;
use blastradius_model::spec::{self as m, Share};

use super::raw::{self, Setting};
use super::units::Duration;

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
const SUM_TOLERANCE: f64 = 1e-6;
const GENERIC_HINT: &str =
    "compare with a built-in scenario (`blastradius scenarios --show crowdstrike-2024`)";

struct Checker {
    problems: Vec<Diagnostic>,
}

impl Checker {
    fn fail(&mut self, path: impl Into<String>, message: impl Into<String>, hint: &str) {
        // Every problem says how to fix it; a check written without a hint still points to an
        // example.
        let hint = if hint.is_empty() { GENERIC_HINT } else { hint };
        let problem =
            Diagnostic { path: path.into(), message: message.into(), hint: Some(hint.to_string()) };
        // A fleet-wide policy is checked once per archetype; say it once.
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    fn share(&mut self, path: &str, v: f64) -> Share {
        match Share::new(v) {
            Some(s) => s,
            None => {
                self.fail(
                    path,
                    format!("{v} is not a share or probability in [0, 1]"),
                    "write a fraction: 0.25 for a quarter",
                );
                Share::ZERO
            }
        }
    }

    fn non_negative(&mut self, path: &str, v: f64) -> f64 {
        if !(v.is_finite() && v >= 0.0) {
            let what = if v.is_finite() { "is negative" } else { "is not a finite number" };
            self.fail(
                path,
                format!("{v} {what}: it must be 0 or more"),
                "write a number of 0 or more, e.g. 0.0 or 8.0",
            );
            return 0.0;
        }
        v
    }

    fn positive(&mut self, path: &str, v: f64) -> f64 {
        if !(v.is_finite() && v > 0.0) {
            self.fail(
                path,
                format!("{v} must be a finite number above 0"),
                "write a positive number, e.g. 0.25 or 1000.0",
            );
            return 1.0;
        }
        v
    }

    fn min_duration(
        &mut self,
        path: &str,
        d: Duration,
        min: SimDuration,
        why: &str,
    ) -> SimDuration {
        if d.0 < min {
            self.fail(path, format!("\"{d}\" is shorter than the minimum of \"{min}\""), why);
            return min;
        }
        d.0
    }

    /// Checks that shares add up to 1.
    fn mix(&mut self, path: &str, values: &[f64]) {
        let sum: f64 = values.iter().sum();
        if values.is_empty() || (sum - 1.0).abs() > SUM_TOLERANCE {
            self.fail(
                path,
                format!("the shares add up to {sum}, not 1"),
                "make the shares add up to exactly 1 (e.g. 0.7, 0.2, 0.1)",
            );
        }
    }

    fn dist(&mut self, path: &str, d: &raw::Dist) -> m::DistSpec {
        let mean = self.min_duration(
            &format!("{path}.mean"),
            d.mean(),
            SimDuration(1),
            "a time must be positive",
        );
        let cv = d.cv();
        if !(cv.is_finite() && (0.0..=10.0).contains(&cv)) {
            self.fail(
                format!("{path}.cv"),
                format!("coefficient of variation {cv} is outside [0, 10]"),
                "0 makes the time fixed; 0.5 is typical",
            );
        }
        m::DistSpec { mean, cv: cv.clamp(0.0, 10.0) }
    }
}

fn sector(s: raw::Sector) -> m::Sector {
    match s {
        raw::Sector::Airline => m::Sector::Airline,
        raw::Sector::Hospital => m::Sector::Hospital,
        raw::Sector::Bank => m::Sector::Bank,
        raw::Sector::Retail => m::Sector::Retail,
        raw::Sector::Government => m::Sector::Government,
        raw::Sector::Media => m::Sector::Media,
        raw::Sector::Logistics => m::Sector::Logistics,
        raw::Sector::Other => m::Sector::Other,
    }
}

fn class(c: raw::Class) -> m::Class {
    match c {
        raw::Class::Workstation => m::Class::Workstation,
        raw::Class::Server => m::Class::Server,
        raw::Class::Kiosk => m::Class::Kiosk,
        raw::Class::CloudVm => m::Class::CloudVm,
    }
}

fn os(o: raw::Os) -> m::Os {
    match o {
        raw::Os::Windows => m::Os::Windows,
        raw::Os::MacOs => m::Os::MacOs,
        raw::Os::Linux => m::Os::Linux,
    }
}

fn order(o: raw::RepairOrder) -> m::RepairOrder {
    match o {
        raw::RepairOrder::Fifo => m::RepairOrder::Fifo,
        raw::RepairOrder::CriticalityFirst => m::RepairOrder::CriticalityFirst,
        raw::RepairOrder::ServiceAware => m::RepairOrder::ServiceAware,
    }
}

fn tool_mode(t: raw::ToolMode) -> m::ToolMode {
    match t {
        raw::ToolMode::Remote => m::ToolMode::Remote,
        raw::ToolMode::HandsOn => m::ToolMode::HandsOn,
    }
}

fn utc_offset_min(c: &mut Checker, path: &str, hours: f64) -> i32 {
    let minutes = hours * 60.0;
    if !(hours.is_finite() && (-12.0..=14.0).contains(&hours))
        || (minutes - minutes.round()).abs() > 1e-6
    {
        c.fail(
            path,
            format!("UTC offset {hours} is not a whole number of minutes in [-12, 14] hours"),
            "e.g. 1.0 for Paris in winter, 5.5 for India, -5.0 for New York in winter",
        );
        return 0;
    }
    minutes.round() as i32
}

/// Validates a resolved scenario into a world spec.
pub fn validate(s: &raw::Scenario) -> Result<m::WorldSpec, Vec<Diagnostic>> {
    let mut c = Checker { problems: Vec::new() };
    let name = s.name();
    if name.trim().is_empty() {
        c.fail(
            "name",
            "the scenario has no name",
            "give it a short name, e.g. name: \"our-fleet-2025\"",
        );
    }
    let start = s.start();
    let start_unix_s = match chrono::DateTime::parse_from_rfc3339(&start) {
        Ok(t) => t.timestamp(),
        Err(e) => {
            c.fail(
                "start",
                format!("\"{start}\" is not an RFC 3339 date-time: {e}"),
                "write it like \"2024-07-19T04:09:00Z\"",
            );
            0
        }
    };
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
    let output_interval = c.min_duration(
        "output_interval",
        s.output_interval(),
        SimDuration::from_secs(1),
        "sample at most once a second",
    );
    if output_interval.0 > 0 && horizon.0 / output_interval.0 > MAX_SAMPLES {
        c.fail(
            "output_interval",
            format!(
                "\"{}\" gives more than {MAX_SAMPLES} samples over the horizon",
                Duration(output_interval)
            ),
            "use a longer interval, e.g. \"15m\"",
        );
    }
    if output_interval > horizon {
        c.fail(
            "output_interval",
            format!(
                "the output interval \"{}\" is longer than the horizon \"{}\"",
                Duration(output_interval),
                Duration(horizon)
            ),
            "use an interval shorter than the horizon",
        );
    }
    let event_budget = s.event_budget();
    if event_budget == 0 {
        c.fail(
            "event_budget",
            "the event budget is 0",
            "leave it out for the default of two billion",
        );
    }

    let pool_names: Vec<String> = s.contractor_pools().keys().cloned().collect();
    let pools: Vec<m::PoolSpec> = s
        .contractor_pools()
        .iter()
        .map(|(name, p)| m::PoolSpec {
            name: name.clone(),
            contractors: p.contractors(),
            dispatch_delay: c.min_duration(
                &format!("contractor_pools.{name}.dispatch_delay"),
                p.dispatch_delay(),
                SimDuration::from_secs(1),
                "contractors take time to arrive",
            ),
        })
        .collect();

    let vendor = vendor(&mut c, &s.vendor(), horizon);
    let boot = s.endpoints().boot_loop();
    let boot_loop = m::BootLoopSpec {
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
    };
    let tools = s
        .remediation()
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
        .collect();

    let fleet = s.fleet();
    if fleet.is_empty() || fleet.values().all(|a| a.organisations() == 0) {
        c.fail(
            "fleet",
            "the fleet is empty: no archetype has any organisations",
            "add an archetype, e.g. fleet: { \"hospital\": (sector: Hospital, organisations: 10) }",
        );
    }
    let policies = s.policies();
    let archetypes: Vec<m::ArchetypeSpec> =
        fleet.iter().map(|(name, a)| archetype(&mut c, name, a, &policies, &pool_names)).collect();
    let injects = s
        .injects()
        .iter()
        .enumerate()
        .filter_map(|(i, inject)| {
            let path = format!("injects[{i}]");
            let at = inject.at().0;
            if at >= horizon {
                c.fail(
                    format!("{path}.at"),
                    format!(
                        "\"{}\" is at or after the horizon, so it would never happen",
                        inject.at()
                    ),
                    "move it before the horizon",
                );
            }
            let action = action(&mut c, &format!("{path}.action"), &inject.action(), &archetypes)?;
            Some(m::InjectSpec { at, action })
        })
        .collect();
    let o = s.outputs();
    let mut named = Vec::new();
    for (i, a) in o.archetypes().iter().enumerate() {
        let path = format!("outputs.archetypes[{i}]");
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
    let outputs = m::OutputSpec {
        charts: o.charts(),
        png: o.png(),
        html: o.html(),
        timeseries: o.timeseries(),
        top_orgs: o.top_orgs(),
        archetypes: named,
        recovered_share_at_min: times,
    };

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

fn vendor(c: &mut Checker, v: &raw::Vendor, horizon: SimDuration) -> m::VendorSpec {
    let contents_raw = v.contents();
    if contents_raw.is_empty() {
        c.fail(
            "vendor.contents",
            "the vendor publishes no content",
            "list at least one content version",
        );
    }
    if contents_raw.len() > 200 {
        c.fail("vendor.contents", "more than 200 content versions", "model fewer versions");
    }
    let contents = contents_raw
        .iter()
        .enumerate()
        .map(|(i, content)| {
            let p = format!("vendor.contents[{i}]");
            let mut crash = [[Share::ZERO; m::Os::COUNT]; m::Class::COUNT];
            let mut seen = BTreeMap::new();
            for (r, rule) in content.crashes().iter().enumerate() {
                let rp = format!("{p}.crashes[{r}]");
                let (cl, o) = (class(rule.class()), os(rule.os()));
                if let Some(first) = seen.insert((cl, o), r) {
                    c.fail(
                        &rp,
                        format!("{cl:?} on {o:?} already has a crash rule (crashes[{first}])"),
                        "keep one rule per class and OS",
                    );
                }
                crash[cl.index()][o.index()] =
                    c.share(&format!("{rp}.probability"), rule.probability());
            }
            let published_after = content.published_after().0;
            if published_after >= horizon {
                c.fail(
                    format!("{p}.published_after"),
                    "the content is published at or after the horizon",
                    "publish it before the horizon ends",
                );
            }
            m::ContentSpec {
                name: content.name(),
                published_after,
                crash,
                crash_delay: content.crash_delay().0,
            }
        })
        .collect();
    let d = v.distribution();
    let propagation = c.min_duration(
        "vendor.distribution.propagation",
        d.propagation(),
        SimDuration::from_secs(1),
        "news takes at least a second to travel (it is also the engine's lookahead)",
    );
    let rollout = v.rollout();
    let rings_raw = rollout.rings();
    let rings = match rollout.policy() {
        raw::RolloutPolicy::AllAtOnce => {
            if !rings_raw.is_empty() {
                c.fail(
                    "vendor.rollout.rings",
                    "rings are listed but the policy is AllAtOnce",
                    "set policy: Rings, or remove the rings",
                );
            }
            vec![m::RingSpec { name: "all".into(), share: Share::ONE, bake: SimDuration::ZERO }]
        }
        raw::RolloutPolicy::Rings => {
            if rings_raw.is_empty() {
                c.fail("vendor.rollout.rings", "policy Rings needs at least one ring", "list rings, e.g. rings: [(name: \"canary\", share: 0.01, bake: \"4h\"), (name: \"rest\", share: 0.99)]");
            }
            if rings_raw.len() > 250 {
                c.fail("vendor.rollout.rings", "more than 250 rings", "use fewer rings");
            }
            let shares: Vec<f64> = rings_raw.iter().map(|r| r.share()).collect();
            if !rings_raw.is_empty() {
                c.mix("vendor.rollout.rings", &shares);
            }
            rings_raw
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let share = c.share(&format!("vendor.rollout.rings[{i}].share"), r.share());
                    if share.get() == 0.0 {
                        c.fail(
                            format!("vendor.rollout.rings[{i}].share"),
                            "a ring with share 0 holds no one",
                            "give it a share above 0 or remove it",
                        );
                    }
                    m::RingSpec { name: r.name(), share, bake: r.bake().0 }
                })
                .collect()
        }
    };
    let gates = rollout
        .gates()
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let p = format!("vendor.rollout.gates[{i}]");
            let rate = g.threshold_rate();
            if !(rate.is_finite() && (0.0..=1.0).contains(&rate)) {
                c.fail(format!("{p}.threshold_rate"), format!("{rate} is not a rate in [0, 1]"), "e.g. 0.001 for one in a thousand");
            }
            if g.threshold_count() == 0 && rate <= 0.0 {
                c.fail(&p, "the gate has neither a threshold_count nor a threshold_rate, so it never trips", "set threshold_count: 50 or threshold_rate: 0.01");
            }
            m::GateSpec {
                signal: match g.signal() {
                    raw::Signal::CrashReports => m::Signal::CrashReports,
                    raw::Signal::LostHeartbeats => m::Signal::LostHeartbeats,
                },
                threshold_count: (g.threshold_count() > 0).then_some(g.threshold_count()),
                threshold_rate: (rate > 0.0).then_some(rate),
                min_sample: g.min_sample(),
            }
        })
        .collect();
    let t = v.telemetry();
    let telemetry = m::TelemetrySpec {
        latency: c.min_duration(
            "vendor.telemetry.latency",
            t.latency(),
            SimDuration::from_secs(1),
            "telemetry takes at least a second (it is also the engine's lookahead)",
        ),
        heartbeat_interval: c.min_duration(
            "vendor.telemetry.heartbeat_interval",
            t.heartbeat_interval(),
            SimDuration::from_secs(1),
            "sensors heartbeat at most once a second",
        ),
        crash_report_share: c.share("vendor.telemetry.crash_report_share", t.crash_report_share()),
    };
    let revert = match v.revert() {
        raw::Revert::At(d) => m::RevertSpec::At(d.0),
        raw::Revert::AfterHalt(d) => m::RevertSpec::AfterHalt(d.0),
        raw::Revert::Never => m::RevertSpec::Never,
    };
    let w = v.workaround();
    m::VendorSpec {
        name: v.name(),
        contents,
        check_in_mean: d.check_in_mean().0,
        propagation,
        rings,
        gates,
        reaction_delay: rollout.reaction_delay().0,
        telemetry,
        revert,
        workaround_after_revert: w.after_revert().0,
        self_discovery: w.self_discovery().0,
    }
}

fn setting<T: Clone>(s: &Setting<T>, own: T) -> T {
    match s {
        Setting::Archetype => own,
        Setting::All(v) => v.clone(),
    }
}

/// Where a value that a fleet-wide policy may set comes from: the policy, or the archetype.
fn setting_path<T>(s: &Setting<T>, policy: &str, own: String) -> String {
    match s {
        Setting::Archetype => own,
        Setting::All(_) => policy.to_string(),
    }
}

fn archetype(
    c: &mut Checker,
    name: &str,
    a: &raw::Archetype,
    policies: &raw::Policies,
    pool_names: &[String],
) -> m::ArchetypeSpec {
    let p = format!("fleet.{name}");
    if name.is_empty()
        || !name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
    {
        c.fail(
            &p,
            format!("archetype name \"{name}\" must be letters, digits, '_' or '-'"),
            "e.g. \"community_hospital\"",
        );
    }
    let size_raw = a.size();
    let size = m::SizeSpec {
        mean: c.positive(&format!("{p}.size.mean"), size_raw.mean()),
        cv: c.non_negative(&format!("{p}.size.cv"), size_raw.cv()),
        min: size_raw.min(),
        max: size_raw.max(),
    };
    if size.min == 0 {
        c.fail(
            format!("{p}.size.min"),
            "an organisation needs at least one endpoint",
            "set min: 1 or more",
        );
    }
    if size.max < size.min {
        c.fail(
            format!("{p}.size.max"),
            format!("max {} is below min {}", size.max, size.min),
            "make max at least min",
        );
    }
    if size.max > MAX_ORG_SIZE {
        c.fail(
            format!("{p}.size.max"),
            format!(
                "{} endpoints is more than the {MAX_ORG_SIZE} one organisation may have",
                size.max
            ),
            "split it into several organisations",
        );
    }
    if a.organisations() > 10_000_000 {
        c.fail(
            format!("{p}.organisations"),
            "more than ten million organisations",
            "model fewer, larger organisations",
        );
    }

    let mix_raw = a.class_mix().0;
    let mut class_mix = [0.0; m::Class::COUNT];
    for (k, v) in &mix_raw {
        class_mix[class(*k).index()] = c.non_negative(&format!("{p}.class_mix.{k:?}"), *v);
    }
    c.mix(&format!("{p}.class_mix"), &mix_raw.values().copied().collect::<Vec<_>>());
    let os_raw = a.os_mix();
    let mut os_mix = [[0.0; m::Os::COUNT]; m::Class::COUNT];
    for cl in [raw::Class::Workstation, raw::Class::Server, raw::Class::Kiosk, raw::Class::CloudVm]
    {
        let ci = class(cl).index();
        match os_raw.get(&cl) {
            Some(mix) => {
                for (o, v) in &mix.0 {
                    os_mix[ci][os(*o).index()] =
                        c.non_negative(&format!("{p}.os_mix.{cl:?}.{o:?}"), *v);
                }
                c.mix(&format!("{p}.os_mix.{cl:?}"), &mix.0.values().copied().collect::<Vec<_>>());
            }
            None if class_mix[ci] > 0.0 => {
                c.fail(
                    format!("{p}.os_mix"),
                    format!("no OS mix for {cl:?}, which is in the class mix"),
                    "add e.g. CloudVm: { Windows: 0.5, Linux: 0.5 }",
                );
            }
            None => os_mix[ci][0] = 1.0,
        }
    }
    let bl = a.bitlocker_share();
    let mut bitlocker_share = [Share::ZERO; m::Class::COUNT];
    for (k, v) in &bl {
        bitlocker_share[class(*k).index()] = c.share(&format!("{p}.bitlocker_share.{k:?}"), *v);
    }

    let regions_raw = a.regions();
    if regions_raw.is_empty() {
        c.fail(
            format!("{p}.regions"),
            "no regions",
            "add one, e.g. regions: [(name: \"europe\", utc_offset_hours: 1.0, share: 1.0)]",
        );
    } else {
        c.mix(&format!("{p}.regions"), &regions_raw.iter().map(|r| r.share()).collect::<Vec<_>>());
    }
    let regions = regions_raw
        .iter()
        .enumerate()
        .map(|(i, r)| m::RegionSpec {
            name: r.name(),
            utc_offset_min: utc_offset_min(
                c,
                &format!("{p}.regions[{i}].utc_offset_hours"),
                r.utc_offset_hours(),
            ),
            share: c.non_negative(&format!("{p}.regions[{i}].share"), r.share()),
        })
        .collect();

    let sites_raw = a.sites();
    if sites_raw.is_empty() {
        c.fail(format!("{p}.sites"), "no sites", "add one, e.g. sites: [(name: \"hq\")]");
    } else {
        c.mix(
            &format!("{p}.sites"),
            &sites_raw.iter().map(|s| s.endpoint_share()).collect::<Vec<_>>(),
        );
        let techs: Vec<f64> = sites_raw.iter().map(|s| s.technician_share()).collect();
        let sum: f64 = techs.iter().sum();
        if (sum - 1.0).abs() > SUM_TOLERANCE {
            c.fail(
                format!("{p}.sites"),
                format!("the technician shares of the sites add up to {sum}, not 1"),
                "share the technicians out: their technician_share values must add up to 1",
            );
        }
    }
    let instances: u64 = sites_raw.iter().map(|s| u64::from(s.count())).sum();
    if instances > 60_000 {
        c.fail(
            format!("{p}.sites"),
            format!("{instances} sites per organisation is more than 60,000"),
            "group sites into fewer kinds or smaller counts",
        );
    }
    let mut site_names = Vec::new();
    let sites: Vec<m::SiteKindSpec> = sites_raw
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let sp = format!("{p}.sites[{i}]");
            let name = s.name();
            if site_names.contains(&name) {
                c.fail(
                    format!("{sp}.name"),
                    format!("two site kinds are named \"{name}\""),
                    "give each kind its own name",
                );
            }
            site_names.push(name.clone());
            if s.count() == 0 {
                c.fail(
                    format!("{sp}.count"),
                    "a site kind with no sites",
                    "set count: 1 or more, or remove it",
                );
            }
            m::SiteKindSpec {
                name,
                count: s.count(),
                endpoint_share: c.non_negative(&format!("{sp}.endpoint_share"), s.endpoint_share()),
                technician_share: c
                    .non_negative(&format!("{sp}.technician_share"), s.technician_share()),
                travel: s.travel().0,
                utc_offset_min: match s.utc_offset() {
                    raw::Offset::Region => None,
                    raw::Offset::Hours(h) => {
                        Some(utc_offset_min(c, &format!("{sp}.utc_offset"), h))
                    }
                },
                hosts_key_escrow: s.hosts_key_escrow(),
            }
        })
        .collect();

    let o = a.online();
    let op = format!("{p}.online");
    let start = o.workday_start_hour();
    if !(0.0..24.0).contains(&start) {
        c.fail(
            format!("{op}.workday_start_hour"),
            format!("{start} is not an hour of the day"),
            "use 0 to 23.99, e.g. 8.5 for half past eight",
        );
    }
    let hours = o.workday_hours();
    if !(hours > 0.0 && hours <= 24.0) {
        c.fail(
            format!("{op}.workday_hours"),
            format!("{hours} is not a working day's length in hours"),
            "use a number in (0, 24], e.g. 9",
        );
    }
    let online = m::OnlineSpec {
        workday_start_hour: start.clamp(0.0, 23.99),
        workday_hours: hours.clamp(0.01, 24.0),
        start_spread_hours: c
            .non_negative(&format!("{op}.start_spread_hours"), o.start_spread_hours()),
        on_weekday: c.share(&format!("{op}.on_weekday"), o.on_weekday()),
        on_weekend: c.share(&format!("{op}.on_weekend"), o.on_weekend()),
        left_on_overnight: c.share(&format!("{op}.left_on_overnight"), o.left_on_overnight()),
    };

    let st = a.staff();
    let stp = format!("{p}.staff");
    let shifts = st
        .shifts()
        .iter()
        .enumerate()
        .map(|(i, sh)| {
            let shp = format!("{stp}.shifts[{i}]");
            let (from, to) = (sh.from_hour(), sh.to_hour());
            if from >= to || to > 24 {
                c.fail(
                    &shp,
                    format!("hours {from} to {to} are not a shift within a day"),
                    "from_hour must be below to_hour, and to_hour at most 24; split a night shift \
                     in two, e.g. 20 to 24 and 0 to 8",
                );
            }
            m::ShiftSpec {
                days: match sh.days() {
                    raw::Days::All => m::Days::All,
                    raw::Days::Weekdays => m::Days::Weekdays,
                    raw::Days::Weekends => m::Days::Weekends,
                },
                from_hour: from,
                to_hour: to,
                share: c.share(&format!("{shp}.share"), sh.share()),
            }
        })
        .collect();
    let surge_raw = st.surge();
    let surge_on = setting(&policies.surge(), surge_raw.enabled());
    let surge = surge_on.then(|| {
        let pool_name = surge_raw.pool();
        let pool = if pool_name.is_empty() {
            None
        } else {
            let index = pool_names.iter().position(|n| *n == pool_name);
            if index.is_none() {
                c.fail(
                    format!("{stp}.surge.pool"),
                    format!("no contractor pool named \"{pool_name}\""),
                    &if pool_names.is_empty() {
                        format!(
                            "no pools are defined: add one, e.g. contractor_pools: \
                             {{ \"{pool_name}\": (contractors: 100, dispatch_delay: \"6h\") }}, \
                             or set pool: \"\" for a private contract"
                        )
                    } else {
                        format!(
                            "use one of: {}; or define it under contractor_pools",
                            pool_names.join(", ")
                        )
                    },
                );
            }
            index
        };
        m::SurgeSpec {
            technicians_per_1000: c.non_negative(
                &format!("{stp}.surge.technicians_per_1000"),
                surge_raw.technicians_per_1000(),
            ),
            delay: c.min_duration(
                &format!("{stp}.surge.delay"),
                surge_raw.delay(),
                SimDuration::from_secs(1),
                "contractors take time to arrive",
            ),
            pool,
            wage_hour_usd: c
                .non_negative(&format!("{stp}.surge.wage_hour_usd"), surge_raw.wage_hour_usd()),
        }
    });
    if st.call_in_from_hour() >= st.call_in_to_hour() || st.call_in_to_hour() > 24 {
        c.fail(
            format!("{stp}.call_in_from_hour"),
            format!(
                "hours {} to {} are not a working window within a day",
                st.call_in_from_hour(),
                st.call_in_to_hour()
            ),
            "call_in_from_hour must be below call_in_to_hour, and call_in_to_hour at most 24",
        );
    }
    let overtime = st.overtime_multiplier();
    if !(overtime.is_finite() && overtime >= 1.0) {
        c.fail(
            format!("{stp}.overtime_multiplier"),
            format!("{overtime} is below 1"),
            "overtime pays at least the normal wage: use 1.0 or more",
        );
    }
    if st.vms_in_parallel_per_admin() == 0 {
        c.fail(
            format!("{stp}.vms_in_parallel_per_admin"),
            "an admin must restore at least one VM at a time",
            "use 1 or more",
        );
    }
    let staff = m::StaffSpec {
        technicians_per_1000: c.non_negative(
            &setting_path(
                &policies.technicians_per_1000(),
                "policies.technicians_per_1000",
                format!("{stp}.technicians_per_1000"),
            ),
            setting(&policies.technicians_per_1000(), st.technicians_per_1000()),
        ),
        technicians_min: st.technicians_min(),
        shifts,
        incident_detection: st.incident_detection().0,
        call_in_share: c.share(&format!("{stp}.call_in_share"), st.call_in_share()),
        call_in_delay: st.call_in_delay().0,
        call_in_from_hour: st.call_in_from_hour(),
        call_in_to_hour: st.call_in_to_hour(),
        wage_hour_usd: c.non_negative(&format!("{stp}.wage_hour_usd"), st.wage_hour_usd()),
        overtime_multiplier: overtime.max(1.0),
        cloud_admins_per_1000_vms: c.non_negative(
            &format!("{stp}.cloud_admins_per_1000_vms"),
            st.cloud_admins_per_1000_vms(),
        ),
        cloud_admins_min: st.cloud_admins_min(),
        vms_in_parallel_per_admin: st.vms_in_parallel_per_admin().max(1),
        surge,
    };

    let r = a.repair();
    let rp = format!("{p}.repair");
    let times = r.time();
    let mut time = [m::DistSpec { mean: SimDuration::from_mins(15), cv: 0.5 }; m::Class::COUNT];
    for cl in [raw::Class::Workstation, raw::Class::Server, raw::Class::Kiosk, raw::Class::CloudVm]
    {
        match times.get(&cl) {
            Some(d) => time[class(cl).index()] = c.dist(&format!("{rp}.time.{cl:?}"), d),
            None => c.fail(
                format!("{rp}.time"),
                format!("no repair time for {cl:?}"),
                "give every class a time, e.g. Kiosk: (mean: \"15m\", cv: 0.5)",
            ),
        }
    }
    if r.key_escrow_servers() > 100 {
        c.fail(
            format!("{rp}.key_escrow_servers"),
            "more than 100 key-escrow servers",
            "use 100 or fewer; 2 is typical",
        );
    }
    let repair = m::RepairSpec {
        order: order(setting(&policies.repair_order(), r.order())),
        key_servers_first: r.key_servers_first(),
        time,
        key_retrieval: r.key_retrieval().0,
        key_escrow_servers: r.key_escrow_servers(),
        offline_key_escrow: setting(&policies.offline_key_escrow(), r.offline_key_escrow()),
        offline_key_retrieval: r.offline_key_retrieval().0,
        remote_worker_share: c.share(&format!("{rp}.remote_worker_share"), r.remote_worker_share()),
        remote_worker_delay: c.dist(&format!("{rp}.remote_worker_delay"), &r.remote_worker_delay()),
        remote_worker_time_factor: {
            let f = r.remote_worker_time_factor();
            if !(f.is_finite() && f >= 1.0) {
                c.fail(
                    format!("{rp}.remote_worker_time_factor"),
                    format!("{f} is below 1"),
                    "a remote repair takes at least as long as one at the desk: use 1.0 or more",
                );
            }
            f.max(1.0)
        },
    };

    let services_raw = a.services();
    if services_raw.len() > MAX_SERVICES {
        c.fail(
            format!("{p}.services"),
            format!("{} services is more than {MAX_SERVICES}", services_raw.len()),
            "merge some services",
        );
    }
    let weight_sum: f64 =
        services_raw.iter().map(|s| s.weight()).filter(|w| w.is_finite() && *w > 0.0).sum();
    let mut services: Vec<m::ServiceSpec> = services_raw
        .iter()
        .take(MAX_SERVICES)
        .enumerate()
        .map(|(i, sv)| {
            let sp = format!("{p}.services[{i}]");
            let weight = c.non_negative(&format!("{sp}.weight"), sv.weight());
            let depends_on = sv
                .depends_on()
                .iter()
                .enumerate()
                .map(|(j, d)| {
                    let dp = format!("{sp}.depends_on[{j}]");
                    let site = d.site();
                    let site_kind = if site == "*" {
                        None
                    } else {
                        let k = site_names.iter().position(|n| *n == site);
                        if k.is_none() {
                            c.fail(format!("{dp}.site"), format!("no site kind named \"{site}\""), &format!("use \"*\" for every site, or one of: {}", site_names.join(", ")));
                        }
                        k
                    };
                    let required = d.required_share();
                    if !(required > 0.0 && required <= 1.0) {
                        c.fail(format!("{dp}.required_share"), format!("{required} is not a share in (0, 1]"), "the share of these endpoints the service needs for full capacity, e.g. 0.8");
                    }
                    m::DependencySpec { class: class(d.class()), site_kind, required_share: required.clamp(0.01, 1.0) }
                })
                .collect();
            let fallback = |c: &mut Checker, f: raw::Fallback, field: &str, policy: &Setting<bool>| m::FallbackSpec {
                enabled: setting(policy, f.enabled()),
                capacity: c.share(&format!("{sp}.{field}.capacity"), f.capacity()).get(),
                activation: f.activation().0,
            };
            let manual_fallback = fallback(c, sv.manual_fallback(), "manual_fallback", &policies.manual_fallback());
            let standby = fallback(c, sv.standby(), "standby", &policies.standby());
            let b = sv.backlog();
            let backlog = b.enabled().then(|| m::BacklogSpec {
                carryover_share: c.share(&format!("{sp}.backlog.carryover_share"), b.carryover_share()).get(),
                drain_per_hour: c.positive(&format!("{sp}.backlog.drain_per_hour"), b.drain_per_hour()),
                impairment: c.share(&format!("{sp}.backlog.impairment"), b.impairment()).get(),
            });
            m::ServiceSpec {
                name: sv.name(),
                weight: if weight_sum > 0.0 { weight / weight_sum } else { 0.0 },
                depends_on,
                manual_fallback,
                standby,
                backlog,
            }
        })
        .collect();
    if !services_raw.is_empty() && weight_sum <= 0.0 {
        c.fail(
            format!("{p}.services"),
            "every service has weight 0",
            "give services weights above 0",
        );
    }
    if services.is_empty() {
        // Every organisation runs on something: without services, operations need most of
        // their workstations and servers.
        let dep = |class| m::DependencySpec { class, site_kind: None, required_share: 0.8 };
        services.push(m::ServiceSpec {
            name: "operations".into(),
            weight: 1.0,
            depends_on: vec![dep(m::Class::Workstation), dep(m::Class::Server)],
            manual_fallback: m::FallbackSpec {
                enabled: false,
                capacity: 0.3,
                activation: SimDuration::from_hours(2),
            },
            standby: m::FallbackSpec {
                enabled: false,
                capacity: 0.8,
                activation: SimDuration::from_mins(15),
            },
            backlog: None,
        });
    }

    let e = a.economics();
    let ep = format!("{p}.economics");
    let day = |c: &mut Checker, field: &str, v: Vec<f64>| -> [f64; 24] {
        let mut out = [1.0; 24];
        if v.len() != 24 {
            c.fail(
                format!("{ep}.{field}"),
                format!("{} values, not 24 (one per hour)", v.len()),
                "list 24 numbers, midnight first",
            );
            return out;
        }
        for (h, x) in v.iter().enumerate() {
            out[h] = c.non_negative(&format!("{ep}.{field}[{h}]"), *x);
        }
        out
    };
    let economics = m::EconomicsSpec {
        revenue_per_endpoint_hour_usd: c.non_negative(
            &format!("{ep}.revenue_per_endpoint_hour_usd"),
            e.revenue_per_endpoint_hour_usd(),
        ),
        demand_weekday: day(c, "demand_weekday", e.demand_weekday()),
        demand_weekend: day(c, "demand_weekend", e.demand_weekend()),
        recapture_share: c.share(&format!("{ep}.recapture_share"), e.recapture_share()),
        flights_per_1000_endpoints_day: c.non_negative(
            &format!("{ep}.flights_per_1000_endpoints_day"),
            e.flights_per_1000_endpoints_day(),
        ),
        penalty_per_cancelled_flight_usd: c.non_negative(
            &format!("{ep}.penalty_per_cancelled_flight_usd"),
            e.penalty_per_cancelled_flight_usd(),
        ),
        sla_capacity_threshold: c
            .share(&format!("{ep}.sla_capacity_threshold"), e.sla_capacity_threshold()),
        sla_penalty_per_hour_usd: c
            .non_negative(&format!("{ep}.sla_penalty_per_hour_usd"), e.sla_penalty_per_hour_usd()),
        backlog_cost_share: c
            .non_negative(&format!("{ep}.backlog_cost_share"), e.backlog_cost_share()),
        normal_cancellation_share: c
            .share(&format!("{ep}.normal_cancellation_share"), e.normal_cancellation_share()),
    };
    let u = a.update();
    m::ArchetypeSpec {
        name: name.to_string(),
        sector: sector(a.sector()),
        organisations: a.organisations(),
        size,
        class_mix,
        os_mix,
        agent_share: c.share(&format!("{p}.agent_share"), a.agent_share()),
        bitlocker_share,
        wired_share: c.share(&format!("{p}.wired_share"), a.wired_share()),
        critical_share: c.share(&format!("{p}.critical_share"), a.critical_share()),
        regions,
        sites,
        online,
        staff,
        repair,
        services,
        economics,
        lag_share: c.share(
            &setting_path(
                &policies.content_lag_share(),
                "policies.content_lag_share",
                format!("{p}.update.lag_share"),
            ),
            setting(&policies.content_lag_share(), u.lag_share()),
        ),
        lag: u.lag().0,
    }
}

/// Resolves an action's target against the archetypes.
pub fn target(
    t: &raw::Target,
    archetypes: &[m::ArchetypeSpec],
) -> Result<m::TargetSpec, (String, String)> {
    let names = || archetypes.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ");
    match t {
        raw::Target::All => Ok(m::TargetSpec::All),
        raw::Target::Sector(s) => {
            let s = sector(*s);
            if archetypes.iter().any(|a| a.sector == s) {
                Ok(m::TargetSpec::Sector(s))
            } else {
                Err((
                    format!("no archetype is in the {} sector", s.name()),
                    "target a sector the fleet has".into(),
                ))
            }
        }
        raw::Target::Archetype(name) => archetypes
            .iter()
            .position(|a| a.name == *name)
            .map(m::TargetSpec::Archetype)
            .ok_or_else(|| {
                (format!("no archetype named \"{name}\""), format!("use one of: {}", names()))
            }),
        raw::Target::Org(name) => {
            let parsed = name.rsplit_once('-').and_then(|(a, n)| Some((a, n.parse::<u32>().ok()?)));
            let found = parsed.and_then(|(a, n)| {
                let index = archetypes.iter().position(|x| x.name == a)?;
                (n < archetypes[index].organisations).then_some(m::TargetSpec::Org(index, n))
            });
            found.ok_or_else(|| {
                (format!("no organisation named \"{name}\""), format!("organisations are named <archetype>-<number>, numbered from 0000; archetypes: {}", names()))
            })
        }
    }
}

/// Validates an action (from a file or the tabletop prompt).
pub fn action_spec(
    a: &raw::Action,
    archetypes: &[m::ArchetypeSpec],
) -> Result<m::ActionSpec, (String, String, String)> {
    let t = |to: &raw::Target| target(to, archetypes).map_err(|(m, h)| ("to".to_string(), m, h));
    Ok(match a {
        raw::Action::HaltRollout => m::ActionSpec::HaltRollout,
        raw::Action::PublishRevert => m::ActionSpec::PublishRevert,
        raw::Action::AddTechnicians { to, count } => {
            if *count == 0 {
                return Err((
                    "count".into(),
                    "adding 0 technicians does nothing".into(),
                    "use a count above 0".into(),
                ));
            }
            m::ActionSpec::AddTechnicians { to: t(to)?, count: *count }
        }
        raw::Action::AddContractors { to, count, arrive_in } => {
            if *count == 0 {
                return Err((
                    "count".into(),
                    "adding 0 contractors does nothing".into(),
                    "use a count above 0".into(),
                ));
            }
            m::ActionSpec::AddContractors { to: t(to)?, count: *count, arrive_in: arrive_in.0 }
        }
        raw::Action::ActivateFallback { to, service } => {
            let to_spec = t(to)?;
            if let Some(name) = service {
                let known = archetypes.iter().any(|a| a.services.iter().any(|s| s.name == *name));
                if !known {
                    let all: std::collections::BTreeSet<&str> = archetypes
                        .iter()
                        .flat_map(|a| a.services.iter().map(|s| s.name.as_str()))
                        .collect();
                    return Err((
                        "service".into(),
                        format!("no service named \"{name}\""),
                        format!("use one of: {}", all.into_iter().collect::<Vec<_>>().join(", ")),
                    ));
                }
            }
            m::ActionSpec::ActivateFallback { to: to_spec, service: service.clone() }
        }
        raw::Action::ReleaseTool { name, share, mode, repair_time } => {
            let Some(share) = Share::new(*share) else {
                return Err((
                    "share".into(),
                    format!("{share} is not a share in [0, 1]"),
                    "e.g. 0.5 for half the endpoints".into(),
                ));
            };
            if repair_time.0 == SimDuration::ZERO {
                return Err((
                    "repair_time".into(),
                    "the repair time is zero".into(),
                    "e.g. \"30m\"".into(),
                ));
            }
            m::ActionSpec::ReleaseTool {
                name: name.clone(),
                share,
                mode: tool_mode(*mode),
                repair_time: repair_time.0,
            }
        }
        raw::Action::SetRepairOrder { to, order: o } => {
            m::ActionSpec::SetRepairOrder { to: t(to)?, order: order(*o) }
        }
        raw::Action::RestoreKeyEscrow { to } => m::ActionSpec::RestoreKeyEscrow { to: t(to)? },
    })
}

fn action(
    c: &mut Checker,
    path: &str,
    a: &raw::Action,
    archetypes: &[m::ArchetypeSpec],
) -> Option<m::ActionSpec> {
    match action_spec(a, archetypes) {
        Ok(spec) => Some(spec),
        Err((field, message, hint)) => {
            c.fail(format!("{path}.{field}"), message, &hint);
            None
        }
    }
}
