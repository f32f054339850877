//! The fleet and each archetype in it: the archetype's name, organisation size and count, its
//! class, OS and BitLocker mixes, when its workstations are online and how it lags content,
//! with the parts that have files of their own (sites, staff, repair, services, economics)
//! called in the file's order. It knows nothing of the vendor.

use blastradius_model::spec::{self as m, Share};

use super::check::{CLASSES, Checker, class, os, sector, setting, setting_path};
use super::{MAX_ORG_SIZE, economics, insurance, repair, services, sites, staff};
use crate::raw;

/// Every archetype of the fleet, which must have at least one organisation.
pub fn fleet(c: &mut Checker, s: &raw::Scenario, pool_names: &[String]) -> Vec<m::ArchetypeSpec> {
    let fleet = s.fleet();
    if fleet.is_empty() || fleet.values().all(|a| a.organisations() == 0) {
        c.fail(
            "fleet",
            "the fleet is empty: no archetype has any organisations",
            "add an archetype, e.g. fleet: { \"hospital\": (sector: Hospital, organisations: 10) }",
        );
    }
    let policies = s.policies();
    let mut archetypes: Vec<m::ArchetypeSpec> =
        fleet.iter().map(|(name, a)| archetype(c, name, a, &policies, pool_names)).collect();
    // Suppliers name other archetypes and their services, known only now.
    let names: Vec<&String> = fleet.keys().collect();
    let service_names: Vec<Vec<String>> =
        archetypes.iter().map(|a| a.services.iter().map(|s| s.name.clone()).collect()).collect();
    for (a, (name, raw)) in fleet.iter().enumerate() {
        let p = format!("fleet.{}", crate::locate::key_segment(name));
        for (i, service) in raw.services().iter().enumerate() {
            let found = services::supplier(
                c,
                &format!("{p}.services[{i}]"),
                &service.supplier(),
                &names,
                &service_names,
            );
            if let Some(s) = archetypes[a].services.get_mut(i) {
                s.supplier = found;
            }
        }
    }
    archetypes
}

fn archetype(
    c: &mut Checker,
    name: &str,
    a: &raw::Archetype,
    policies: &raw::Policies,
    pool_names: &[String],
) -> m::ArchetypeSpec {
    let p = format!("fleet.{}", crate::locate::key_segment(name));
    check_name(c, &p, name);
    let size = size(c, &p, &a.size());
    if a.organisations() > 10_000_000 {
        c.fail(
            format!("{p}.organisations"),
            "more than ten million organisations",
            "model fewer, larger organisations",
        );
    }
    let class_mix = class_mix(c, &p, &a.class_mix());
    let os_mix = os_mix(c, &p, &a.os_mix(), &class_mix);
    let bitlocker_share = bitlocker_share(c, &p, &a.bitlocker_share());
    let regions = sites::regions(c, &p, &a.regions());
    let sites = sites::sites(c, &p, &a.sites());
    let online = online(c, &p, &a.online());
    let staff = staff::staff(c, &p, &a.staff(), policies, pool_names);
    let repair = repair::repair(c, &p, &a.repair(), policies);
    let services = services::services(c, &p, &a.services(), &sites, policies);
    let economics = economics::economics(c, &p, &a.economics());
    let airline = airline(c, &p, &a.airline(), &services);
    let exposure = exposure(c, &p, &a.exposure(), policies);
    let insurance = insurance::insurance(c, &p, &a.insurance());
    let u = a.update();
    // The shares in the literal below are checked after every part: problems are reported in
    // the order the checks run, and that order is part of what a user sees.
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
        exposure,
        airline,
        insurance,
        lazy: a.lazy(),
    }
}

fn exposure(
    c: &mut Checker,
    p: &str,
    e: &raw::Exposure,
    policies: &raw::Policies,
) -> m::ExposureSpec {
    let ep = format!("{p}.exposure");
    let share = c.share(
        &setting_path(
            &policies.affected_share(),
            "policies.affected_share",
            format!("{ep}.affected_share"),
        ),
        setting(&policies.affected_share(), e.affected_share()),
    );
    let sd = c.non_negative(
        &setting_path(
            &policies.affected_share_sd(),
            "policies.affected_share_sd",
            format!("{ep}.affected_share_sd"),
        ),
        setting(&policies.affected_share_sd(), e.affected_share_sd()),
    );
    let m = share.get();
    if sd > 0.0 && sd * sd >= m * (1.0 - m) {
        c.fail(
            format!("{ep}.affected_share_sd"),
            format!("a spread of {sd} is too wide for a mean share of {m}"),
            &format!(
                "a share's standard deviation must be below sqrt(mean x (1 - mean)) = {:.3}",
                (m * (1.0 - m)).sqrt()
            ),
        );
    }
    m::ExposureSpec { affected_share: share, affected_share_sd: sd }
}

/// An airline's operations, if enabled: the services it reads must exist.
fn airline(
    c: &mut Checker,
    p: &str,
    a: &raw::Airline,
    services: &[m::ServiceSpec],
) -> Option<m::AirlineSpec> {
    if !a.enabled() {
        return None;
    }
    let ap = format!("{p}.airline");
    let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    let mut find = |field: &str, name: &str, optional: bool| {
        let found = names.iter().position(|n| *n == name);
        if found.is_none() && !(optional && name.is_empty()) {
            c.fail(
                format!("{ap}.{field}"),
                format!("no service named \"{name}\""),
                &format!("use one of the archetype's services: {}", names.join(", ")),
            );
        }
        found
    };
    let flight_service = find("flight_service", &a.flight_service(), false);
    let boarding_service = find("boarding_service", &a.boarding_service(), true);
    let crew_service = find("crew_service", &a.crew_service(), false);
    let step = c.min_duration(
        &format!("{ap}.step"),
        a.step(),
        blastradius_engine::SimDuration::from_secs(60),
        "step the operations at least a minute at a time",
    );
    Some(m::AirlineSpec {
        flight_service: flight_service.unwrap_or(0),
        boarding_service,
        crew_service: crew_service.unwrap_or(0),
        crews_per_daily_flight: c
            .positive(&format!("{ap}.crews_per_daily_flight"), a.crews_per_daily_flight()),
        reassignments_per_hour_per_1000_flights: c.non_negative(
            &format!("{ap}.reassignments_per_hour_per_1000_flights"),
            a.reassignments_per_hour_per_1000_flights(),
        ),
        aircraft_per_daily_flight: c
            .positive(&format!("{ap}.aircraft_per_daily_flight"), a.aircraft_per_daily_flight()),
        repositions_per_hour_per_1000_flights: c.non_negative(
            &format!("{ap}.repositions_per_hour_per_1000_flights"),
            a.repositions_per_hour_per_1000_flights(),
        ),
        strand_per_cancellation: c
            .non_negative(&format!("{ap}.strand_per_cancellation"), a.strand_per_cancellation()),
        strand_per_delay: c.non_negative(&format!("{ap}.strand_per_delay"), a.strand_per_delay()),
        delay_minutes: c.non_negative(&format!("{ap}.delay_minutes"), a.delay_minutes()),
        delay_cost_per_minute_usd: c
            .money(&format!("{ap}.delay_cost_per_minute_usd"), a.delay_cost_per_minute_usd()),
        step,
    })
}

fn check_name(c: &mut Checker, p: &str, name: &str) {
    if name.is_empty()
        || !name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
    {
        c.fail(
            p,
            format!("archetype name \"{name}\" must be letters, digits, '_' or '-'"),
            "e.g. \"community_hospital\"",
        );
    }
}

fn size(c: &mut Checker, p: &str, raw: &raw::Size) -> m::SizeSpec {
    let size = m::SizeSpec {
        mean: c.positive(&format!("{p}.size.mean"), raw.mean()),
        cv: c.non_negative(&format!("{p}.size.cv"), raw.cv()),
        min: raw.min(),
        max: raw.max(),
        tail_share: c.share(&format!("{p}.size.tail_share"), raw.tail_share()),
        tail_mean: c.positive(&format!("{p}.size.tail_mean"), raw.tail_mean()),
        tail_cv: c.non_negative(&format!("{p}.size.tail_cv"), raw.tail_cv()),
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
    size
}

fn class_mix(c: &mut Checker, p: &str, raw: &raw::Mix<raw::Class>) -> [f64; m::Class::COUNT] {
    let mut mix = [0.0; m::Class::COUNT];
    for (k, v) in &raw.0 {
        mix[class(*k).index()] = c.non_negative(&format!("{p}.class_mix.{k:?}"), *v);
    }
    c.mix(&format!("{p}.class_mix"), &raw.0.values().copied().collect::<Vec<_>>());
    mix
}

/// The OS mix of each class; a class outside the class mix needs none (and gets the first OS).
fn os_mix(
    c: &mut Checker,
    p: &str,
    raw: &raw::PerClass<raw::Mix<raw::Os>>,
    class_mix: &[f64; m::Class::COUNT],
) -> [[f64; m::Os::COUNT]; m::Class::COUNT] {
    let mut out = [[0.0; m::Os::COUNT]; m::Class::COUNT];
    for cl in CLASSES {
        let ci = class(cl).index();
        match raw.get(&cl) {
            Some(mix) => {
                for (o, v) in &mix.0 {
                    out[ci][os(*o).index()] =
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
            None => out[ci][0] = 1.0,
        }
    }
    out
}

fn bitlocker_share(c: &mut Checker, p: &str, raw: &raw::PerClass<f64>) -> [Share; m::Class::COUNT] {
    let mut out = [Share::ZERO; m::Class::COUNT];
    for (k, v) in raw {
        out[class(*k).index()] = c.share(&format!("{p}.bitlocker_share.{k:?}"), *v);
    }
    out
}

fn online(c: &mut Checker, p: &str, o: &raw::Online) -> m::OnlineSpec {
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
    m::OnlineSpec {
        workday_start_hour: start.clamp(0.0, 23.99),
        workday_hours: hours.clamp(0.01, 24.0),
        start_spread_hours: c
            .non_negative(&format!("{op}.start_spread_hours"), o.start_spread_hours()),
        on_weekday: c.share(&format!("{op}.on_weekday"), o.on_weekday()),
        on_weekend: c.share(&format!("{op}.on_weekend"), o.on_weekend()),
        left_on_overnight: c.share(&format!("{op}.left_on_overnight"), o.left_on_overnight()),
    }
}
