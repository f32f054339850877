//! Services, backups and backlog.
//!
//! A service's IT capacity is its weakest dependency's share of endpoints up, relative to the
//! share it needs, capped at 1; a dependency on critical workstations with `required_share` 1
//! is proportional (each clinician's machine counts). A service may also need a supplier's
//! service (a hosted record system): capacity from it is the supplier's capacity over the share
//! it needs, as last heard from the supplier. A manual fallback or a standby lifts capacity to
//! its level after its activation delay. A backlog of work grows while capacity is short, is
//! worked off once IT is fully back, and keeps a share of operations impaired while any is
//! left; the instant it clears is worked out and scheduled, so it does not wait for a sample.
//!
//! This part owns the endpoint counters (by group, and by dependency, kept as groups change so
//! that a capacity is read without summing groups) and every service's state; money is the
//! ledger's.

use blastradius_engine::queue::prefetch_read;
use blastradius_engine::{Ctx, SimDuration, SimTime};

use super::{Note, Org};
use crate::calendar::MS_PER_HOUR;
use crate::event::Event;
use crate::shared::ArchetypeTables;
use crate::spec::{ArchetypeSpec, Class};

/// Most services an archetype may define (a bit per service in the group table).
pub const MAX_SERVICES: usize = 16;

/// IT capacity at or above which a backlog is worked off.
const IT_BACK: f64 = 0.999;

#[derive(Clone, Debug)]
pub struct ServiceState {
    /// Capacity from endpoints and suppliers alone.
    pub it: f64,
    /// Operational capacity: IT lifted by backups, reduced by backlog.
    pub ops: f64,
    fallback_active: bool,
    fallback_pending: bool,
    /// Switched to the manual fallback by a decision.
    pub fallback_forced: bool,
    standby_active: bool,
    standby_pending: bool,
    /// Hours of normal work waiting.
    pub backlog_hours: f64,
    /// Bumped whenever the backlog's clearing time is worked out again, so that an earlier
    /// `BacklogDue` is recognised as stale.
    backlog_generation: u32,
    /// Capacity from the supplier, as last heard (1 without one).
    supplier: f64,
    /// Capacity last announced to customers, in thousandths.
    announced_milli: u16,
}

impl Default for ServiceState {
    fn default() -> ServiceState {
        ServiceState {
            it: 1.0,
            ops: 1.0,
            fallback_active: false,
            fallback_pending: false,
            fallback_forced: false,
            standby_active: false,
            standby_pending: false,
            backlog_hours: 0.0,
            backlog_generation: 0,
            supplier: 1.0,
            announced_milli: 1_000,
        }
    }
}

/// Endpoint groups and service states of one organisation.
#[derive(Clone, Debug, Default)]
pub struct Services {
    groups_total: Vec<u32>,
    groups_down: Vec<u32>,
    /// Endpoints, and endpoints down, of each dependency (numbered as in the archetype's
    /// `ServiceTable::dep_start`): the sums of its groups', kept as groups change.
    deps_total: Vec<u64>,
    deps_down: Vec<u64>,
    class_down: [u64; Class::COUNT],
    states: Vec<ServiceState>,
}

impl Services {
    pub fn new(tables: &ArchetypeTables, services: usize) -> Services {
        let groups = tables.groups();
        let deps = tables.services.dep_start.last().copied().unwrap_or(0);
        Services {
            groups_total: vec![0; groups],
            groups_down: vec![0; groups],
            deps_total: vec![0; deps],
            deps_down: vec![0; deps],
            class_down: [0; Class::COUNT],
            states: vec![ServiceState::default(); services],
        }
    }

    pub fn count_endpoint(&mut self, tables: &ArchetypeTables, group: usize) {
        self.groups_total[group] += 1;
        for &d in &tables.services.deps_of_group[group] {
            self.deps_total[d] += 1;
        }
    }

    /// Marks one endpoint of a group down or up.
    pub fn set_down(&mut self, tables: &ArchetypeTables, group: usize, class: Class, down: bool) {
        let deps = &tables.services.deps_of_group[group];
        if down {
            self.groups_down[group] += 1;
            self.class_down[class.index()] += 1;
            for &d in deps {
                self.deps_down[d] += 1;
            }
        } else {
            self.groups_down[group] -= 1;
            self.class_down[class.index()] -= 1;
            for &d in deps {
                self.deps_down[d] -= 1;
            }
        }
    }

    pub fn states(&self) -> &[ServiceState] {
        &self.states
    }

    /// Starts loading the fields a sample reads (the states' list and the class counts).
    pub(super) fn prefetch_fields(&self) {
        prefetch_read(&self.states);
        prefetch_read(&self.class_down);
    }

    pub fn state_mut(&mut self, service: usize) -> &mut ServiceState {
        &mut self.states[service]
    }

    pub fn down_of_class(&self, class: Class) -> u64 {
        self.class_down[class.index()]
    }

    /// Checks the per-dependency counts against the sums of their groups'.
    pub fn check_deps(&self, tables: &ArchetypeTables) -> Result<(), String> {
        for (d, (groups, _)) in tables.services.deps.iter().flatten().enumerate() {
            let sum = |counts: &[u32]| groups.iter().map(|&g| u64::from(counts[g])).sum::<u64>();
            let (total, down) = (sum(&self.groups_total), sum(&self.groups_down));
            if (total, down) != (self.deps_total[d], self.deps_down[d]) {
                return Err(format!(
                    "dependency {d} counts {} endpoints, {} down; its groups {total}, {down}",
                    self.deps_total[d], self.deps_down[d]
                ));
            }
        }
        Ok(())
    }

    pub fn down_total(&self) -> u64 {
        self.groups_down.iter().map(|&d| u64::from(d)).sum()
    }

    /// Whether any service is short or carries a backlog.
    pub fn disturbed(&self) -> bool {
        self.states.iter().any(|s| s.ops < 1.0 || s.backlog_hours > 0.0)
    }

    /// The sum over services of the capacity shortfall.
    pub fn shortfall_sum(&self) -> f64 {
        self.states.iter().map(|s| 1.0 - s.ops).sum()
    }

    pub fn backlog_hours_into(&self, out: &mut [f64; MAX_SERVICES]) {
        for (o, s) in out.iter_mut().zip(&self.states) {
            *o = s.backlog_hours;
        }
    }

    /// Capacity with backups (manual fallback, standby) where they are active.
    pub fn effective_capacity(&self, spec: &ArchetypeSpec, service: usize) -> f64 {
        let s = &spec.services[service];
        let st = &self.states[service];
        let mut c = st.it;
        if st.fallback_active || st.fallback_forced {
            c = c.max(s.manual_fallback.capacity);
        }
        if st.standby_active {
            c = c.max(s.standby.capacity);
        }
        c
    }

    /// The money and hours of backlog over an interval of `demand` demand-hours and `hours`
    /// hours at constant capacities: work not done carries over; once IT is back it is worked
    /// off at the drain rate, and working it off costs a share of its revenue value.
    pub fn backlog_accrual(
        &self,
        spec: &ArchetypeSpec,
        demand: f64,
        hours: f64,
        revenue_rate: f64,
        effective: impl Fn(usize) -> f64,
    ) -> (f64, [f64; MAX_SERVICES]) {
        let mut usd = 0.0;
        let mut after = [0.0; MAX_SERVICES];
        for (i, (service, st)) in spec.services.iter().zip(&self.states).enumerate() {
            after[i] = st.backlog_hours;
            let Some(b) = &service.backlog else { continue };
            let inflow = demand * (1.0 - effective(i)) * b.carryover_share;
            let drained = if st.it >= IT_BACK {
                (st.backlog_hours + inflow).min(b.drain_per_hour * hours)
            } else {
                0.0
            };
            after[i] = st.backlog_hours + inflow - drained;
            usd += drained * revenue_rate * service.weight * spec.economics.backlog_cost_share;
        }
        (usd, after)
    }

    /// Sets the backlogs after an accrual; returns the services whose backlog just cleared.
    pub fn set_backlogs(&mut self, hours: &[f64; MAX_SERVICES]) -> Vec<u8> {
        let mut cleared = Vec::new();
        for (i, st) in self.states.iter_mut().enumerate() {
            let after = if hours[i] < 1e-9 { 0.0 } else { hours[i] };
            if st.backlog_hours > 0.0 && after == 0.0 {
                cleared.push(i as u8);
            }
            st.backlog_hours = after;
        }
        cleared
    }

    /// IT capacity of a service from the endpoint groups and the supplier.
    fn it_capacity(&self, tables: &ArchetypeTables, service: usize) -> f64 {
        self.states[service].supplier.min(self.own_it_capacity(tables, service))
    }

    /// IT capacity of a service from the endpoint groups alone, as if its supplier were fully
    /// up: what the organisation's own systems allow.
    fn own_it_capacity(&self, tables: &ArchetypeTables, service: usize) -> f64 {
        let mut capacity: f64 = 1.0;
        let first = tables.services.dep_start[service];
        for (d, (_, required)) in tables.services.deps[service].iter().enumerate() {
            let (total, down) = (self.deps_total[first + d], self.deps_down[first + d]);
            if total == 0 {
                continue;
            }
            let up = (total - down) as f64 / total as f64;
            let dep = if *required <= 0.0 { 1.0 } else { (up / required).min(1.0) };
            capacity = capacity.min(dep);
        }
        capacity
    }

    /// A service's operating capacity as its own systems allow it: `ops` with the supplier
    /// fully up (backups and backlog as they are).
    pub fn own_ops(&self, spec: &ArchetypeSpec, tables: &ArchetypeTables, service: usize) -> f64 {
        let s = &spec.services[service];
        let st = &self.states[service];
        if s.supplier.is_none() {
            return st.ops;
        }
        let mut c = self.own_it_capacity(tables, service);
        if st.fallback_active || st.fallback_forced {
            c = c.max(s.manual_fallback.capacity);
        }
        if st.standby_active {
            c = c.max(s.standby.capacity);
        }
        let impairment = s.backlog.map_or(0.0, |b| b.impairment);
        if st.backlog_hours > 0.0 { c * (1.0 - impairment) } else { c }
    }

    /// Whether any service in the bit mask would change IT capacity now.
    pub fn capacity_changes(&self, tables: &ArchetypeTables, services: u32) -> bool {
        (0..self.states.len())
            .filter(|s| services & (1 << s) != 0)
            .any(|s| self.it_capacity(tables, s) != self.states[s].it)
    }

    /// Sets capacities at start, with everything up.
    pub fn init(&mut self, tables: &ArchetypeTables) {
        for s in 0..self.states.len() {
            let it = self.it_capacity(tables, s);
            self.states[s].it = it;
            self.states[s].ops = it;
        }
    }

    /// The revenue-weighted IT capacity over services (1 without services): what says whether
    /// "services are back" for standing down.
    pub fn weighted_it(&self, spec: &ArchetypeSpec) -> f64 {
        if spec.services.is_empty() {
            return 1.0;
        }
        spec.services.iter().zip(&self.states).map(|(s, st)| s.weight * st.it).sum()
    }
}

impl Org {
    /// Operational capacity of the whole organisation: for an airline, the share of its
    /// flights that operate; otherwise services weighted by their share.
    pub fn ops_capacity(&self) -> f64 {
        let spec = self.spec();
        if let (Some(ops), Some(airline)) = (&spec.airline, &self.airline) {
            return airline.operating_share(self.services.states()[ops.flight_service].ops);
        }
        if spec.services.is_empty() {
            return 1.0;
        }
        spec.services.iter().zip(self.services.states()).map(|(s, st)| s.weight * st.ops).sum()
    }

    /// [`Org::ops_capacity`] as the organisation's own systems allow it, with every supplier
    /// fully up: what its own outage is measured on, for its policy.
    pub(super) fn own_ops_capacity(&self) -> f64 {
        let spec = self.spec();
        let tables = &self.shared.archetypes[self.archetype];
        let own = |i: usize| self.services.own_ops(spec, tables, i);
        if let (Some(ops), Some(airline)) = (&spec.airline, &self.airline) {
            return airline.operating_share(own(ops.flight_service));
        }
        if spec.services.is_empty() {
            return 1.0;
        }
        spec.services.iter().enumerate().map(|(i, s)| s.weight * own(i)).sum()
    }

    /// The services' states, for status displays.
    pub fn service_states(&self) -> &[ServiceState] {
        self.services.states()
    }

    /// Marks an endpoint down or up in its service group, and refreshes the services if a
    /// capacity changes.
    pub(super) fn set_group_down(
        &mut self,
        endpoint: u32,
        down: bool,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        let e = self.endpoints[endpoint as usize];
        if e.class() == Class::Workstation && self.spec().economics.productivity_wage_hour_usd > 0.0
        {
            // A down workstation costs its users' time: book the interval before the change.
            self.accrue(now);
        }
        let kind = self.repair.site_kind(usize::from(e.site));
        let tables = &self.shared.archetypes[self.archetype];
        let g = tables.group(e.class(), kind, e.critical());
        self.services.set_down(tables, g, e.class(), down);
        let affected = tables.services.services_of_group[g];
        if affected != 0 && self.services.capacity_changes(tables, affected) {
            self.refresh_services(now, ctx);
        }
    }

    /// Books money up to now, then recomputes every service's capacity, arming fallback and
    /// standby timers where capacity fell below their level, scheduling the instant each
    /// backlog clears, telling customers of a changed supplied service, and standing the extra
    /// effort down once services are back.
    pub(super) fn refresh_services(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        self.accrue(now);
        for s in 0..self.services.states().len() {
            // The field is borrowed again each turn, not the `Arc` cloned: a clone would write
            // its count, a cache line every worker thread shares.
            let tables = &self.shared.archetypes[self.archetype];
            let spec = self.shared.archetype(self.archetype);
            let it = self.services.it_capacity(tables, s);
            let service = &spec.services[s];
            let impairment = service.backlog.map_or(0.0, |b| b.impairment);
            let st = self.services.state_mut(s);
            st.it = it;
            for (backup, kind) in [(service.manual_fallback, 0u8), (service.standby, 1u8)] {
                let (active, pending) = if kind == 0 {
                    (&mut st.fallback_active, &mut st.fallback_pending)
                } else {
                    (&mut st.standby_active, &mut st.standby_pending)
                };
                if !backup.enabled {
                    continue;
                }
                if it >= backup.capacity {
                    *active = false;
                } else if !*active && !*pending {
                    *pending = true;
                    ctx.schedule(
                        now + backup.activation,
                        Event::ServiceTimer { service: s as u8, kind },
                    );
                }
            }
            let effective = self.services.effective_capacity(spec, s);
            let st = self.services.state_mut(s);
            st.ops =
                if st.backlog_hours > 0.0 { effective * (1.0 - impairment) } else { effective };
            self.schedule_backlog_due(s, now, ctx);
        }
        self.announce_to_customers(now, ctx);
        self.check_stand_down(now, ctx);
        self.ensure_ops_step(now, ctx);
    }

    /// Works out when a service's backlog clears at today's capacities and schedules a
    /// `BacklogDue` then; an earlier one becomes stale.
    fn schedule_backlog_due(&mut self, s: usize, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        let spec = self.shared.archetype(self.archetype);
        let Some(b) = spec.services[s].backlog else { return };
        let effective = self.services.effective_capacity(spec, s);
        let st = self.services.state_mut(s);
        if st.backlog_hours <= 0.0 || st.it < IT_BACK {
            return;
        }
        st.backlog_generation = st.backlog_generation.wrapping_add(1);
        let generation = st.backlog_generation;
        let mut left = st.backlog_hours;
        // Inflow follows local demand hour by hour; the drain is constant. Walk the hours until
        // the backlog reaches zero.
        let inflow_per_demand = (1.0 - effective) * b.carryover_share;
        let demand = &self.shared.archetypes[self.archetype].demand;
        let mut t = self.clock.local_ms(now);
        let end = self.clock.local_ms(self.shared.horizon);
        while t < end {
            let next = ((t.div_euclid(MS_PER_HOUR)) + 1) * MS_PER_HOUR;
            let span_h = (next.min(end) - t) as f64 / MS_PER_HOUR as f64;
            let net = demand.at(t) * inflow_per_demand - b.drain_per_hour;
            if net < 0.0 && left + net * span_h <= 0.0 {
                let ms = (left / -net * MS_PER_HOUR as f64).ceil() as i64;
                let at = self.clock.sim_time(t + ms.max(1));
                ctx.schedule(at, Event::BacklogDue { service: s as u8, generation });
                return;
            }
            left += net * span_h;
            t = next;
        }
    }

    pub(super) fn backlog_due(
        &mut self,
        service: u8,
        generation: u32,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        if self.services.states()[usize::from(service)].backlog_generation == generation {
            self.refresh_services(now, ctx);
        }
    }

    /// Tells this organisation's customers about each supplied service whose capacity
    /// changed (to the thousandth), `notice` from now: each customer only of a change it sees
    /// (its share from the supplier changes), so that a customer's view is always that of
    /// the last capacity announced.
    fn announce_to_customers(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        let links = self.shared.customers_of(self.index);
        if links.is_empty() {
            return;
        }
        for s in 0..self.services.states().len() {
            let milli = (self.services.states()[s].it * 1_000.0).round() as u16;
            let before = self.services.states()[s].announced_milli;
            if milli == before {
                continue;
            }
            self.services.state_mut(s).announced_milli = milli;
            for link in links.iter().filter(|l| usize::from(l.supplier_service) == s) {
                if link.supplied(milli) == link.supplied(before) {
                    continue;
                }
                ctx.send(
                    link.customer,
                    now + link.notice,
                    Event::SupplierCapacity { service: link.service, milli },
                );
            }
        }
    }

    /// A supplier's service changed: this organisation's service `service` hears of it now.
    pub(super) fn supplier_capacity(
        &mut self,
        service: u8,
        milli: u16,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        let spec = self.shared.archetype(self.archetype);
        let s = usize::from(service);
        let required = spec.services[s].supplier.map_or(1.0, |d| d.required_capacity);
        let from_supplier = crate::shared::supplied_share(milli, required);
        self.accrue(now);
        self.services.state_mut(s).supplier = from_supplier;
        self.refresh_services(now, ctx);
    }

    pub(super) fn service_timer(
        &mut self,
        service: u8,
        kind: u8,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        self.accrue(now);
        let s = usize::from(service);
        let spec = &self.spec().services[s];
        let level = if kind == 0 { spec.manual_fallback.capacity } else { spec.standby.capacity };
        let st = self.services.state_mut(s);
        let fire = st.it < level;
        if kind == 0 {
            st.fallback_pending = false;
            st.fallback_active |= fire;
        } else {
            st.standby_pending = false;
            st.standby_active |= fire;
        }
        if fire {
            let note = if kind == 0 {
                Note::FallbackActivated { service }
            } else {
                Note::StandbyActivated { service }
            };
            self.ledger.note(now, note);
        }
        self.refresh_services(now, ctx);
    }

    /// Switches services to their manual fallback by decision (`None`: all of them).
    pub(super) fn force_fallback(&mut self, service: Option<&str>) {
        let names: Vec<String> = self.spec().services.iter().map(|s| s.name.clone()).collect();
        for (s, name) in names.iter().enumerate() {
            if service.is_none_or(|n| n == name) {
                self.services.state_mut(s).fallback_forced = true;
            }
        }
    }
}

/// The shortest notice among a supplier's links, for its lookahead.
pub fn shortest_notice(links: &[crate::shared::CustomerLink]) -> Option<SimDuration> {
    links.iter().map(|l| l.notice).min()
}
