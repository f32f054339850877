//! Services, backups, operations and money.
//!
//! A service's IT capacity is its weakest dependency's share of endpoints up, relative to the
//! share it needs, capped at 1. A manual fallback or a standby lifts capacity to its level after
//! its activation delay. A backlog of work grows while capacity is short, is worked off once IT
//! is fully back, and keeps a share of operations impaired while any is left. Money accrues
//! exactly between changes: lost revenue (demand integrated over local time times the capacity
//! shortfall, minus what is won back), penalties (cancelled flights, hours below the SLA),
//! backlog cost; labour is booked when a repair starts.

use crate::calendar::MS_PER_DAY;
use crate::event::Event;
use blastradius_engine::{Ctx, SimTime};

use super::{Note, Org};

/// Most services an archetype may define (a bit per service in the group table).
pub const MAX_SERVICES: usize = 16;

#[derive(Clone, Debug, Default)]
pub struct ServiceState {
    /// Capacity from endpoints alone.
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
}

/// Money and operations lost by one organisation so far.
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    /// Accrued up to here.
    pub last: SimTime,
    pub revenue_usd: f64,
    pub labour_usd: f64,
    pub penalties_usd: f64,
    pub backlog_usd: f64,
    pub flights_cancelled: f64,
    /// Capacity shortfall integrated over time, summed over services.
    pub service_hours_lost: f64,
    /// Flights cancelled on each local day, 0 being the day simulated time zero falls on.
    pub flights_cancelled_by_day: Vec<f64>,
}

impl Accounts {
    pub fn total_usd(&self) -> f64 {
        self.revenue_usd + self.labour_usd + self.penalties_usd + self.backlog_usd
    }
}

/// What accrues over an interval at constant capacities.
#[derive(Clone, Copy, Debug, Default)]
pub struct Accrual {
    pub revenue_usd: f64,
    pub penalties_usd: f64,
    pub backlog_usd: f64,
    pub flights_cancelled: f64,
    pub service_hours_lost: f64,
    pub backlog_hours: [f64; MAX_SERVICES],
}

impl Org {
    /// Operational capacity of the whole organisation: services weighted by their share.
    pub fn ops_capacity(&self) -> f64 {
        let spec = self.spec();
        if spec.services.is_empty() {
            return 1.0;
        }
        spec.services.iter().zip(&self.services).map(|(s, st)| s.weight * st.ops).sum()
    }

    /// What accrues from `from` to `to` at today's capacities; pure, so a report can ask for
    /// the loss at any instant without disturbing the run.
    pub fn accrual(&self, from: SimTime, to: SimTime) -> Accrual {
        let mut a = Accrual::default();
        for (i, s) in self.services.iter().enumerate() {
            a.backlog_hours[i] = s.backlog_hours;
        }
        if to <= from {
            return a;
        }
        let spec = self.spec();
        let econ = &spec.economics;
        let hours = to.since(from).as_hours_f64();
        let demand = self.shared.archetypes[self.archetype]
            .demand
            .integral(self.clock.local_ms(from), self.clock.local_ms(to));
        let endpoints = self.endpoints.len() as f64;
        let revenue_rate = econ.revenue_per_endpoint_hour_usd * endpoints;
        let mut weighted_shortfall = 0.0;
        for (i, (service, st)) in spec.services.iter().zip(&self.services).enumerate() {
            let shortfall = 1.0 - st.ops;
            weighted_shortfall += service.weight * shortfall;
            a.service_hours_lost += shortfall * hours;
            if let Some(b) = &service.backlog {
                let effective = self.effective_capacity(i);
                let inflow = demand * (1.0 - effective) * b.carryover_share;
                let drained = if st.it >= 0.999 {
                    (st.backlog_hours + inflow).min(b.drain_per_hour * hours)
                } else {
                    0.0
                };
                a.backlog_hours[i] = st.backlog_hours + inflow - drained;
                a.backlog_usd += drained * revenue_rate * service.weight * econ.backlog_cost_share;
            }
        }
        a.revenue_usd =
            revenue_rate * demand * weighted_shortfall * (1.0 - econ.recapture_share.get());
        let flights_per_demand_hour =
            econ.flights_per_1000_endpoints_day * endpoints / 1_000.0 / 24.0;
        a.flights_cancelled = flights_per_demand_hour * demand * weighted_shortfall;
        a.penalties_usd = a.flights_cancelled * econ.penalty_per_cancelled_flight_usd;
        if self.ops_capacity() < econ.sla_capacity_threshold.get() {
            a.penalties_usd += econ.sla_penalty_per_hour_usd * hours;
        }
        a
    }

    /// Books what accrued since the last call.
    pub(super) fn accrue(&mut self, now: SimTime) {
        let from = self.accounts.last;
        if now <= from {
            return;
        }
        let a = self.accrual(from, now);
        let acc = &mut self.accounts;
        acc.last = now;
        acc.revenue_usd += a.revenue_usd;
        acc.penalties_usd += a.penalties_usd;
        acc.backlog_usd += a.backlog_usd;
        acc.flights_cancelled += a.flights_cancelled;
        acc.service_hours_lost += a.service_hours_lost;
        if a.flights_cancelled > 0.0 {
            let shortfall = self.weighted_shortfall();
            for (day, scheduled) in self.flights_scheduled_by_day(from, now) {
                let by_day = &mut self.accounts.flights_cancelled_by_day;
                if by_day.len() <= day {
                    by_day.resize(day + 1, 0.0);
                }
                by_day[day] += scheduled * shortfall;
            }
        }
        for i in 0..self.services.len() {
            let before = self.services[i].backlog_hours;
            let after = if a.backlog_hours[i] < 1e-9 { 0.0 } else { a.backlog_hours[i] };
            self.services[i].backlog_hours = after;
            if before > 0.0 && after == 0.0 {
                self.note(now, Note::BacklogCleared { service: i as u8 });
            }
        }
    }

    /// The revenue-weighted shortfall of operational capacity now, over services.
    fn weighted_shortfall(&self) -> f64 {
        let spec = self.spec();
        spec.services.iter().zip(&self.services).map(|(s, st)| s.weight * (1.0 - st.ops)).sum()
    }

    /// Flights scheduled from `from` to `to`, split by local day: (day, flights), day 0 being
    /// the local day simulated time zero falls on.
    pub fn flights_scheduled_by_day(&self, from: SimTime, to: SimTime) -> Vec<(usize, f64)> {
        let econ = &self.spec().economics;
        let per_demand_hour =
            econ.flights_per_1000_endpoints_day * self.endpoints.len() as f64 / 1_000.0 / 24.0;
        let mut out = Vec::new();
        if per_demand_hour <= 0.0 || to <= from {
            return out;
        }
        let demand = &self.shared.archetypes[self.archetype].demand;
        let (start, end) = (self.clock.local_ms(from), self.clock.local_ms(to));
        let first_day = self.clock.local_ms(SimTime::ZERO).div_euclid(MS_PER_DAY);
        let mut t = start;
        while t < end {
            let day = t.div_euclid(MS_PER_DAY);
            let next = ((day + 1) * MS_PER_DAY).min(end);
            out.push(((day - first_day) as usize, per_demand_hour * demand.integral(t, next)));
            t = next;
        }
        out
    }

    /// The local day of `t`, 0 being the day simulated time zero falls on.
    pub fn local_day(&self, t: SimTime) -> usize {
        let day = |t: SimTime| self.clock.local_ms(t).div_euclid(MS_PER_DAY);
        (day(t) - day(SimTime::ZERO)).max(0) as usize
    }

    /// Flights cancelled by local day up to `t`, including what accrued since the last booking.
    pub fn flights_cancelled_by_day_at(&self, t: SimTime) -> Vec<f64> {
        let mut by_day = self.accounts.flights_cancelled_by_day.clone();
        if self.ticking && t > self.accounts.last {
            let shortfall = self.weighted_shortfall();
            for (day, scheduled) in self.flights_scheduled_by_day(self.accounts.last, t) {
                if by_day.len() <= day {
                    by_day.resize(day + 1, 0.0);
                }
                by_day[day] += scheduled * shortfall;
            }
        }
        by_day
    }

    /// Loss in USD up to `t`, including what accrued since the last booking.
    pub fn loss_at(&self, t: SimTime) -> f64 {
        if !self.ticking {
            // Not ticking: every service at full capacity, no backlog, nothing accrues.
            return self.accounts.total_usd();
        }
        let a = self.accrual(self.accounts.last, t);
        self.accounts.total_usd() + a.revenue_usd + a.penalties_usd + a.backlog_usd
    }

    fn effective_capacity(&self, service: usize) -> f64 {
        let spec = &self.spec().services[service];
        let st = &self.services[service];
        let mut c = st.it;
        if st.fallback_active || st.fallback_forced {
            c = c.max(spec.manual_fallback.capacity);
        }
        if st.standby_active {
            c = c.max(spec.standby.capacity);
        }
        c
    }

    fn it_capacity(&self, service: usize) -> f64 {
        let deps = &self.shared.archetypes[self.archetype].services.deps[service];
        let mut capacity: f64 = 1.0;
        for (groups, required) in deps {
            let (mut total, mut down) = (0u64, 0u64);
            for &g in groups {
                total += u64::from(self.groups_total[g]);
                down += u64::from(self.groups_down[g]);
            }
            if total == 0 {
                continue;
            }
            let up = (total - down) as f64 / total as f64;
            let dep_capacity = if *required <= 0.0 { 1.0 } else { (up / required).min(1.0) };
            capacity = capacity.min(dep_capacity);
        }
        capacity
    }

    /// Whether any service in the bit mask would change IT capacity now.
    pub(super) fn capacity_changes(&self, services: u32) -> bool {
        (0..self.services.len())
            .filter(|s| services & (1 << s) != 0)
            .any(|s| self.it_capacity(s) != self.services[s].it)
    }

    /// Sets capacities at start, with everything up.
    pub(super) fn init_services(&mut self) {
        for s in 0..self.services.len() {
            let it = self.it_capacity(s);
            self.services[s].it = it;
            self.services[s].ops = it;
        }
    }

    /// Books money up to now, then recomputes every service's capacity, arming fallback and
    /// standby timers where capacity fell below their level.
    pub(super) fn refresh_services(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        self.accrue(now);
        for s in 0..self.services.len() {
            let it = self.it_capacity(s);
            let spec = &self.spec().services[s];
            let (fallback, standby) = (spec.manual_fallback, spec.standby);
            let impairment = spec.backlog.map_or(0.0, |b| b.impairment);
            let st = &mut self.services[s];
            st.it = it;
            for (backup, kind) in [(fallback, 0u8), (standby, 1u8)] {
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
            let effective = self.effective_capacity(s);
            let st = &mut self.services[s];
            st.ops =
                if st.backlog_hours > 0.0 { effective * (1.0 - impairment) } else { effective };
        }
        if self.needs_tick() {
            self.start_tick(now, ctx);
        }
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
        let st = &mut self.services[s];
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
            self.note(now, note);
        }
        self.refresh_services(now, ctx);
    }
}
