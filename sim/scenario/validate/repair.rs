//! How an archetype repairs a crashed machine: the order of the queue, repair times per class,
//! BitLocker keys and their escrow servers, and remote workers. It knows nothing of who
//! repairs (staff) or what a repair restores (services).

use blastradius_engine::SimDuration;
use blastradius_model::spec as m;

use super::check::{CLASSES, Checker, class, order, setting};
use crate::raw;

pub fn repair(
    c: &mut Checker,
    p: &str,
    r: &raw::Repair,
    policies: &raw::Policies,
) -> m::RepairSpec {
    let rp = format!("{p}.repair");
    let time = times(c, &rp, &r.time());
    let access_time = access_times(c, &rp, &r.access_time());
    if r.key_escrow_servers() > 100 {
        c.fail(
            format!("{rp}.key_escrow_servers"),
            "more than 100 key-escrow servers",
            "use 100 or fewer; 2 is typical",
        );
    }
    m::RepairSpec {
        order: order(setting(&policies.repair_order(), r.order())),
        key_servers_first: r.key_servers_first(),
        time,
        access_time,
        key_retrieval: m::DistSpec::new(
            r.key_retrieval().0,
            cv(c, &format!("{rp}.key_retrieval_cv"), r.key_retrieval_cv()),
        ),
        key_desk_agents_per_1000: c
            .non_negative(&format!("{rp}.key_desk_agents_per_1000"), r.key_desk_agents_per_1000()),
        key_desk_agents_min: r.key_desk_agents_min(),
        key_escrow_servers: r.key_escrow_servers(),
        offline_key_escrow: setting(&policies.offline_key_escrow(), r.offline_key_escrow()),
        offline_key_retrieval: r.offline_key_retrieval().0,
        reimage_share: c.share(&format!("{rp}.reimage_share"), r.reimage_share()),
        lost_key_share: c.share(&format!("{rp}.lost_key_share"), r.lost_key_share()),
        reimage_time: c.dist(&format!("{rp}.reimage_time"), &r.reimage_time()),
        remote_worker_share: c.share(&format!("{rp}.remote_worker_share"), r.remote_worker_share()),
        remote_worker_delay: c.dist(&format!("{rp}.remote_worker_delay"), &r.remote_worker_delay()),
        remote_worker_ship_share: c
            .share(&format!("{rp}.remote_worker_ship_share"), r.remote_worker_ship_share()),
        remote_worker_ship_delay: c
            .dist(&format!("{rp}.remote_worker_ship_delay"), &r.remote_worker_ship_delay()),
        remote_worker_time_factor: remote_worker_time_factor(c, &rp, r),
        owner_share: c.share(&format!("{rp}.owner_share"), r.owner_share()),
        owner_delay: c.dist(&format!("{rp}.owner_delay"), &r.owner_delay()),
    }
}

/// A repair time for every class; a missing one is a problem and gets a placeholder.
fn times(
    c: &mut Checker,
    rp: &str,
    raw: &raw::PerClass<raw::Dist>,
) -> [m::DistSpec; m::Class::COUNT] {
    let mut time = [m::DistSpec::new(SimDuration::from_mins(15), 0.5); m::Class::COUNT];
    for cl in CLASSES {
        match raw.get(&cl) {
            Some(d) => time[class(cl).index()] = c.dist(&format!("{rp}.time.{cl:?}"), d),
            None => c.fail(
                format!("{rp}.time"),
                format!("no repair time for {cl:?}"),
                "give every class a time, e.g. Kiosk: (mean: \"15m\", cv: 0.5)",
            ),
        }
    }
    time
}

/// Access times by class: like repair times, but a class may take none ("0s").
fn access_times(
    c: &mut Checker,
    rp: &str,
    raw: &raw::PerClass<raw::Dist>,
) -> [m::DistSpec; m::Class::COUNT] {
    let mut out = [m::DistSpec::new(SimDuration::ZERO, 0.0); m::Class::COUNT];
    for (cl, d) in raw {
        let path = format!("{rp}.access_time.{cl:?}");
        out[class(*cl).index()] =
            m::DistSpec::new(d.mean().0, cv(c, &format!("{path}.cv"), d.cv()));
    }
    out
}

/// A coefficient of variation in [0, 10].
fn cv(c: &mut Checker, path: &str, cv: f64) -> f64 {
    if !(cv.is_finite() && (0.0..=10.0).contains(&cv)) {
        c.fail(
            path,
            format!("coefficient of variation {cv} is outside [0, 10]"),
            "0 makes the time fixed; 0.5 is typical",
        );
    }
    cv.clamp(0.0, 10.0)
}

fn remote_worker_time_factor(c: &mut Checker, rp: &str, r: &raw::Repair) -> f64 {
    let f = r.remote_worker_time_factor();
    if !(f.is_finite() && f >= 1.0) {
        c.fail(
            format!("{rp}.remote_worker_time_factor"),
            format!("{f} is below 1"),
            "a remote repair takes at least as long as one at the desk: use 1.0 or more",
        );
    }
    f.max(1.0)
}
