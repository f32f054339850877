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
}

/// Service dependencies of an archetype, precomputed as endpoint groups.
#[derive(Clone, Debug)]
pub struct ServiceTable {
    /// For each service, for each dependency: the groups it covers and its required share.
    pub deps: Vec<Vec<(Vec<usize>, f64)>>,
    /// For each group, a bit per service that depends on it.
    pub services_of_group: Vec<u32>,
    /// Static value of restoring one endpoint of each class (by group), for service-aware
    /// repair order: higher first.
    pub group_rank: Vec<u32>,
}

/// Per-archetype tables.
#[derive(Clone, Debug)]
pub struct ArchetypeTables {
    pub demand: DemandCurve,
    pub services: ServiceTable,
    /// Groups are (class, site kind) pairs: `class * site_kinds + kind`.
    pub site_kinds: usize,
}

impl ArchetypeTables {
    pub fn group(&self, class: Class, site_kind: usize) -> usize {
        class.index() * self.site_kinds + site_kind
    }
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
    /// Interval of the organisations' accounting ticks (divides the output interval).
    pub tick: SimDuration,
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
}

impl Shared {
    pub fn archetype(&self, index: usize) -> &ArchetypeSpec {
        &self.spec.archetypes[index]
    }
}

/// Builds the service tables of an archetype: groups per dependency and the service-aware
/// ranking of groups by capacity restored per repair-hour.
pub fn service_table(spec: &ArchetypeSpec) -> ServiceTable {
    let kinds = spec.sites.len();
    let groups = Class::COUNT * kinds;
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
                .map(|k| dep.class.index() * kinds + k)
                .collect();
            let share: f64 = covered
                .iter()
                .map(|&g| spec.class_mix[g / kinds] * spec.sites[g % kinds].endpoint_share)
                .sum();
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
        let hours = spec.repair.time[g / kinds].mean.as_hours_f64().max(1e-6);
        value[g] / hours
    };
    order.sort_by(|&a, &b| per_hour(b).total_cmp(&per_hour(a)).then(a.cmp(&b)));
    let mut group_rank = vec![0u32; groups];
    for (rank, g) in order.into_iter().enumerate() {
        group_rank[g] = rank as u32;
    }
    ServiceTable { deps, services_of_group, group_rank }
}
