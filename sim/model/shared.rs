//! What every logical process of one run reads and nobody writes: the validated world, the
//! replication's seed, the LP layout and tables precomputed from the spec.

use std::sync::Arc;

use blastradius_engine::{LpId, SimDuration, SimTime};

use super::calendar::DemandCurve;
use super::spec::{ArchetypeSpec, Class, Os, WorldSpec};

/// Purposes of keyed draws, so that two draws about the same endpoint never share dice.
pub mod purpose {
    pub const RING: u64 = 1;
    pub const CHECK_IN: u64 = 2;
    pub const CRASH: u64 = 3;
    pub const STOPS_AT_SCREEN: u64 = 4;
    pub const HEAL: u64 = 5;
    pub const REPAIR: u64 = 6;
    pub const TOOL: u64 = 7;
    pub const TOOL_TIME: u64 = 8;
    pub const REPORT: u64 = 9;
    pub const LAG: u64 = 10;
    pub const CLOUD: u64 = 11;
    pub const REMOTE: u64 = 12;
    pub const REMOTE_DELAY: u64 = 13;
    pub const REMOTE_SHIP: u64 = 14;
    pub const ACCESS: u64 = 15;
    pub const KEY: u64 = 16;
    pub const REIMAGE: u64 = 17;
    pub const REIMAGE_TIME: u64 = 18;
    pub const LOST_KEY: u64 = 19;
    pub const AFFECTED: u64 = 20;
    pub const AFFECTED_SHARE: u64 = 21;
    pub const OWNER: u64 = 22;
    pub const OWNER_DELAY: u64 = 23;
}

/// Service dependencies of an archetype, precomputed as endpoint groups.
#[derive(Clone, Debug)]
pub struct ServiceTable {
    /// For each service, for each dependency: the groups it covers and its required share.
    pub deps: Vec<Vec<(Vec<usize>, f64)>>,
    /// For each group, a bit per service that depends on it.
    pub services_of_group: Vec<u32>,
    /// The dependencies numbered one after another, service by service: where each
    /// service's first is (one more entry at the end), and for each group the dependencies
    /// that cover it. An organisation keeps its endpoint counts by dependency, so a
    /// capacity is read without summing groups.
    pub dep_start: Vec<usize>,
    pub deps_of_group: Vec<Vec<usize>>,
    /// Whether any service keeps a backlog (most archetypes' do not, and their accruals skip
    /// it).
    pub has_backlog: bool,
    /// Whether any service needs a supplier organisation's.
    pub has_supplier: bool,
    /// Static value of restoring one endpoint of each class (by group), for service-aware
    /// repair order: higher first.
    pub group_rank: Vec<u32>,
}

/// Per-archetype tables.
#[derive(Clone, Debug)]
pub struct ArchetypeTables {
    pub demand: DemandCurve,
    pub services: ServiceTable,
    /// Groups are (class, site kind, critical) triples: `(class * site_kinds + kind) * 2 +
    /// critical`.
    pub site_kinds: usize,
}

impl ArchetypeTables {
    pub fn group(&self, class: Class, site_kind: usize, critical: bool) -> usize {
        group_of(self.site_kinds, class.index(), site_kind, critical)
    }
    pub fn groups(&self) -> usize {
        Class::COUNT * self.site_kinds * 2
    }
}

fn group_of(kinds: usize, class: usize, kind: usize, critical: bool) -> usize {
    (class * kinds + kind) * 2 + usize::from(critical)
}

/// A customer that needs one of a supplier organisation's services.
#[derive(Clone, Copy, Debug)]
pub struct CustomerLink {
    /// The supplier's service the customer needs.
    pub supplier_service: u8,
    pub customer: LpId,
    /// The customer's service that needs it.
    pub service: u8,
    /// How long the customer takes to notice a change.
    pub notice: SimDuration,
    /// The supplier's capacity at or above which the customer's service is not held back.
    pub required_capacity: f64,
}

impl CustomerLink {
    /// The share of its service a customer gets from a supplier at `milli` thousandths of
    /// capacity: the supplier's capacity over the share it needs, capped at 1. A change the
    /// customer would not see (both capacities at or above what it needs) is not sent.
    pub fn supplied(&self, milli: u16) -> f64 {
        supplied_share(milli, self.required_capacity)
    }
}

/// [`CustomerLink::supplied`] for a customer needing `required` of its supplier's capacity.
pub fn supplied_share(milli: u16, required: f64) -> f64 {
    let capacity = f64::from(milli) / 1_000.0;
    if required <= 0.0 { 1.0 } else { (capacity / required).min(1.0) }
}

/// The read-only context of a run.
#[derive(Debug)]
pub struct Shared {
    pub spec: Arc<WorldSpec>,
    pub replication: u64,
    /// Seed of this replication: every keyed draw starts with it.
    pub seed: u64,
    pub vendor: LpId,
    /// LP of each contractor pool, in spec order.
    pub pools: Vec<LpId>,
    pub first_org: LpId,
    pub orgs: u32,
    pub lookahead: SimDuration,
    pub horizon: SimTime,
    /// Whether any health gate listens, so organisations must report telemetry.
    pub telemetry_needed: bool,
    pub archetypes: Vec<ArchetypeTables>,
    /// For each content version, whether each OS runs it (any class crashes on that OS).
    pub targets_os: Vec<[bool; Os::COUNT]>,
    /// Cumulative ring shares, for assigning endpoints to rings.
    pub ring_cumulative: Vec<f64>,
    /// First publication of bad content.
    pub first_publication: SimTime,
    /// For each organisation (by index) that supplies others, its customers.
    pub customers: Vec<Vec<CustomerLink>>,
}

impl Shared {
    pub fn archetype(&self, index: usize) -> &ArchetypeSpec {
        &self.spec.archetypes[index]
    }

    /// The customers of organisation `index` (empty for most).
    pub fn customers_of(&self, index: u32) -> &[CustomerLink] {
        self.customers.get(index as usize).map_or(&[], Vec::as_slice)
    }
}

/// Builds the service tables of an archetype: groups per dependency and the service-aware
/// ranking of groups by capacity restored per repair-hour.
pub fn service_table(spec: &ArchetypeSpec) -> ServiceTable {
    let kinds = spec.sites.len();
    let groups = Class::COUNT * kinds * 2;
    // The expected share of an organisation's endpoints in a group.
    let group_share = |g: usize| {
        let (ck, critical) = (g / 2, g % 2 == 1);
        let (class, kind) = (ck / kinds, ck % kinds);
        let crit =
            if class == Class::Workstation.index() { spec.critical_share.get() } else { 0.0 };
        let of_class = if critical { crit } else { 1.0 - crit };
        spec.class_mix[class] * spec.sites[kind].endpoint_share * of_class
    };
    let mut deps = Vec::new();
    let mut services_of_group = vec![0u32; groups];
    // Capacity restored per endpoint of a group, before dividing by repair time: each
    // dependency needs `required_share` of its endpoints; an endpoint is worth the service
    // weight spread over that many endpoints (the expected endpoint count is proportional to
    // the class and site shares).
    let mut value = vec![0.0f64; groups];
    for (s, service) in spec.services.iter().enumerate() {
        let mut service_deps = Vec::new();
        for dep in &service.depends_on {
            let covered: Vec<usize> = (0..kinds)
                .filter(|&k| dep.site_kind.is_none_or(|d| d == k))
                .flat_map(|k| {
                    let c = dep.class.index();
                    let plain = (!dep.critical_only).then(|| group_of(kinds, c, k, false));
                    plain.into_iter().chain([group_of(kinds, c, k, true)])
                })
                .collect();
            let share: f64 = covered.iter().map(|&g| group_share(g)).sum();
            for &g in &covered {
                services_of_group[g] |= 1 << s;
                if share > 0.0 {
                    value[g] += service.weight / (dep.required_share.max(0.01) * share);
                }
            }
            service_deps.push((covered, dep.required_share));
        }
        deps.push(service_deps);
    }
    let mut order: Vec<usize> = (0..groups).collect();
    let per_hour = |g: usize| {
        let hours = spec.repair.time[g / 2 / kinds].mean().as_hours_f64().max(1e-6);
        value[g] / hours
    };
    order.sort_by(|&a, &b| per_hour(b).total_cmp(&per_hour(a)).then(a.cmp(&b)));
    let mut group_rank = vec![0u32; groups];
    for (rank, g) in order.into_iter().enumerate() {
        group_rank[g] = rank as u32;
    }
    let mut dep_start = vec![0];
    let mut deps_of_group = vec![Vec::new(); groups];
    for (d, (covered, _)) in deps.iter().flatten().enumerate() {
        for &g in covered {
            deps_of_group[g].push(d);
        }
    }
    for service_deps in &deps {
        dep_start.push(dep_start[dep_start.len() - 1] + service_deps.len());
    }
    let has_backlog = spec.services.iter().any(|s| s.backlog.is_some());
    let has_supplier = spec.services.iter().any(|s| s.supplier.is_some());
    ServiceTable {
        deps,
        services_of_group,
        group_rank,
        dep_start,
        deps_of_group,
        has_backlog,
        has_supplier,
    }
}
