//! The services an archetype runs: their weights in its capacity, the endpoints each depends
//! on (by class and site kind), their manual fallbacks and standbys, and their backlogs; and
//! the one service an archetype that lists none is given. It knows the archetype's site kinds
//! and nothing else of it.

use blastradius_engine::SimDuration;
use blastradius_model::spec as m;

use super::MAX_SERVICES;
use super::check::{Checker, class, setting};
use crate::raw::{self, Setting};

pub fn services(
    c: &mut Checker,
    p: &str,
    raw: &[raw::Service],
    sites: &[m::SiteKindSpec],
    policies: &raw::Policies,
) -> Vec<m::ServiceSpec> {
    if raw.len() > MAX_SERVICES {
        c.fail(
            format!("{p}.services"),
            format!("{} services is more than {MAX_SERVICES}", raw.len()),
            "merge some services",
        );
    }
    let site_names: Vec<&str> = sites.iter().map(|s| s.name.as_str()).collect();
    let weight_sum: f64 =
        raw.iter().map(|s| s.weight()).filter(|w| w.is_finite() && *w > 0.0).sum();
    let mut services: Vec<m::ServiceSpec> = raw
        .iter()
        .take(MAX_SERVICES)
        .enumerate()
        .map(|(i, sv)| {
            let sp = format!("{p}.services[{i}]");
            service(c, &sp, sv, weight_sum, &site_names, policies)
        })
        .collect();
    for (i, sv) in raw.iter().enumerate().take(MAX_SERVICES) {
        let name = sv.name();
        if raw[..i].iter().any(|earlier| earlier.name() == name) {
            c.fail(
                format!("{p}.services[{i}].name"),
                format!("two services are named \"{name}\""),
                "give each service its own name: dependencies, fallbacks and decisions name them",
            );
        }
    }
    if !raw.is_empty() && weight_sum <= 0.0 {
        c.fail(
            format!("{p}.services"),
            "every service has weight 0",
            "give services weights above 0",
        );
    }
    if services.is_empty() {
        services.push(operations());
    }
    services
}

fn service(
    c: &mut Checker,
    sp: &str,
    sv: &raw::Service,
    weight_sum: f64,
    site_names: &[&str],
    policies: &raw::Policies,
) -> m::ServiceSpec {
    let weight = c.non_negative(&format!("{sp}.weight"), sv.weight());
    let depends_on = sv
        .depends_on()
        .iter()
        .enumerate()
        .map(|(j, d)| dependency(c, &format!("{sp}.depends_on[{j}]"), d, site_names))
        .collect();
    let manual_fallback = fallback(
        c,
        &format!("{sp}.manual_fallback"),
        &sv.manual_fallback(),
        &policies.manual_fallback(),
    );
    let standby = fallback(c, &format!("{sp}.standby"), &sv.standby(), &policies.standby());
    let b = sv.backlog();
    let backlog = b.enabled().then(|| m::BacklogSpec {
        carryover_share: c
            .share(&format!("{sp}.backlog.carryover_share"), b.carryover_share())
            .get(),
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
        // Resolved once every archetype's services are known (`supplier`).
        supplier: None,
    }
}

/// A service's supplier, if it names one: an archetype of the fleet and one of its services.
pub fn supplier(
    c: &mut Checker,
    sp: &str,
    s: &raw::Supplier,
    archetypes: &[&String],
    services: &[Vec<String>],
) -> Option<m::SupplierSpec> {
    let name = s.archetype();
    if name.is_empty() {
        return None;
    }
    let Some(a) = archetypes.iter().position(|n| **n == name) else {
        let names: Vec<&str> = archetypes.iter().map(|n| n.as_str()).collect();
        c.fail(
            format!("{sp}.supplier.archetype"),
            format!("no archetype named \"{name}\""),
            &format!("name one of the fleet's archetypes: {}", names.join(", ")),
        );
        return None;
    };
    let service = s.service();
    let Some(k) = services[a].iter().position(|n| *n == service) else {
        c.fail(
            format!("{sp}.supplier.service"),
            format!("\"{name}\" has no service named \"{service}\""),
            &format!("use one of: {}", services[a].join(", ")),
        );
        return None;
    };
    let required = s.required_capacity();
    if !(required > 0.0 && required <= 1.0) {
        c.fail(
            format!("{sp}.supplier.required_capacity"),
            format!("{required} is not a share in (0, 1]"),
            "the share of the supplier's capacity this service needs to run fully, e.g. 0.5",
        );
    }
    Some(m::SupplierSpec {
        archetype: a,
        service: k,
        required_capacity: required.clamp(0.01, 1.0),
        notice: c.min_duration(
            &format!("{sp}.supplier.notice"),
            s.notice(),
            SimDuration::from_secs(1),
            "customers notice a change after some time",
        ),
    })
}

fn dependency(
    c: &mut Checker,
    dp: &str,
    d: &raw::Dependency,
    site_names: &[&str],
) -> m::DependencySpec {
    let site = d.site();
    let site_kind = if site == "*" {
        None
    } else {
        let k = site_names.iter().position(|n| *n == site);
        if k.is_none() {
            c.fail(
                format!("{dp}.site"),
                format!("no site kind named \"{site}\""),
                &format!("use \"*\" for every site, or one of: {}", site_names.join(", ")),
            );
        }
        k
    };
    let required = d.required_share();
    if !(required > 0.0 && required <= 1.0) {
        c.fail(
            format!("{dp}.required_share"),
            format!("{required} is not a share in (0, 1]"),
            "the share of these endpoints the service needs for full capacity, e.g. 0.8",
        );
    }
    m::DependencySpec {
        class: class(d.class()),
        site_kind,
        required_share: required.clamp(0.01, 1.0),
        critical_only: d.critical_only(),
    }
}

/// A manual fallback or a standby, which a fleet-wide policy may switch on or off.
fn fallback(
    c: &mut Checker,
    fp: &str,
    f: &raw::Fallback,
    policy: &Setting<bool>,
) -> m::FallbackSpec {
    m::FallbackSpec {
        enabled: setting(policy, f.enabled()),
        capacity: c.share(&format!("{fp}.capacity"), f.capacity()).get(),
        activation: f.activation().0,
    }
}

/// The service of an archetype that lists none. Every organisation runs on something: without
/// services, operations need most of their workstations and servers.
fn operations() -> m::ServiceSpec {
    let dep = |class| m::DependencySpec {
        class,
        site_kind: None,
        required_share: 0.8,
        critical_only: false,
    };
    m::ServiceSpec {
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
        supplier: None,
    }
}
