//! The ledger: what happened to an organisation and what it cost. Endpoint counts by lifecycle
//! state, when each crashed endpoint came back, the notes a person would want to hear, and
//! the accounts. Money accrues exactly between changes: capacities, down workstations and
//! the airline's operating share are constant between events, and demand is integrated over
//! local time, so lost revenue over any interval is exact without stepping hour by hour.
//!
//! It owns the numbers; the other parts tell it what happened. It knows nothing of queues,
//! crews or messages. An insured organisation's ledger also follows its outages for the
//! policy (`cover.rs`), at every booking.

use blastradius_engine::SimTime;

use super::cover::{Cover, OWN, SUPPLIER};
use super::services::MAX_SERVICES;
use super::{Note, Org};
use crate::calendar::{Clock, MS_PER_DAY};
use crate::insurance::Outage;
use crate::shared::Shared;
use crate::spec::Class;

/// How many endpoints are where in their lifecycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub exposed: u64,
    pub crashed: u64,
    pub self_healed: u64,
    pub repaired_remote: u64,
    pub repaired_onsite: u64,
    pub repaired_by_owner: u64,
    /// Down now: crashed or in repair.
    pub down: u64,
    pub in_repair: u64,
    /// Hands-on fixes that failed, or lost keys: machines re-imaged (or waiting for it).
    pub reimaged: u64,
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
    /// Idle hours of the users of down workstations at their loaded wage.
    pub productivity_usd: f64,
    pub flights_cancelled: f64,
    /// Flights that operated late.
    pub flights_delayed: f64,
    /// Capacity shortfall integrated over time, summed over services.
    pub service_hours_lost: f64,
    /// Flights cancelled on each local day, 0 being the day simulated time zero falls on.
    pub flights_cancelled_by_day: Vec<f64>,
}

impl Accounts {
    pub fn total_usd(&self) -> f64 {
        self.revenue_usd
            + self.labour_usd
            + self.penalties_usd
            + self.backlog_usd
            + self.productivity_usd
    }
}

/// What accrues over an interval at constant capacities.
#[derive(Clone, Copy, Debug, Default)]
pub struct Accrual {
    pub revenue_usd: f64,
    pub penalties_usd: f64,
    pub backlog_usd: f64,
    pub productivity_usd: f64,
    pub flights_cancelled: f64,
    pub flights_delayed: f64,
    pub service_hours_lost: f64,
    pub backlog_hours: [f64; MAX_SERVICES],
}

impl Accrual {
    pub fn total_usd(&self) -> f64 {
        self.revenue_usd + self.penalties_usd + self.backlog_usd + self.productivity_usd
    }
}

/// What an organisation's accrual depends on besides the interval: constant between its
/// events. Read once and kept, it makes the loss at another instant cheap.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rates {
    revenue_rate: f64,
    shortfall_sum: f64,
    /// Operating capacity.
    ops: f64,
    /// An airline's share of flights that operate late.
    delayed_share: f64,
    down_workstations: f64,
}

/// The constant factors of the shortfall- and idleness-driven money in an accrual: with the
/// interval's demand and hours, they give it in a few products, always in the same order.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Terms {
    revenue_rate: f64,
    shortfall: f64,
    /// The share of lost revenue not recaptured later.
    kept_share: f64,
    flights_per_demand_hour: f64,
    penalty_per_flight: f64,
    /// An airline's share of flights late, minutes late and cost per minute.
    delays: Option<(f64, f64, f64)>,
    /// The SLA penalty per hour, while capacity is below the SLA's threshold.
    sla_per_hour: Option<f64>,
    /// Down workstations times their users' idle cost per demand-hour.
    idle_per_demand: f64,
}

impl Terms {
    fn add_to(&self, a: &mut Accrual, demand: f64, hours: f64) {
        a.revenue_usd = self.revenue_rate * demand * self.shortfall * self.kept_share;
        a.flights_cancelled = self.flights_per_demand_hour * demand * self.shortfall;
        a.penalties_usd = a.flights_cancelled * self.penalty_per_flight;
        if let Some((share, minutes, per_minute)) = self.delays {
            a.flights_delayed = self.flights_per_demand_hour * demand * share;
            a.penalties_usd += a.flights_delayed * minutes * per_minute;
        }
        if let Some(per_hour) = self.sla_per_hour {
            a.penalties_usd += per_hour * hours;
        }
        a.productivity_usd = self.idle_per_demand * demand;
    }
}

/// An organisation's loss as it stands after an event, for reading it at later instants
/// until the next (see [`Org::frozen`]): what it had booked, since when, and at what terms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frozen {
    booked_usd: f64,
    last: SimTime,
    clock: Clock,
    archetype: usize,
    terms: Terms,
}

impl Frozen {
    /// The loss at `t` (not before the last booking), exactly as [`Org::loss_at`] gives it.
    pub fn loss_at(&self, shared: &Shared, t: SimTime) -> f64 {
        let mut a = Accrual::default();
        if t > self.last {
            let hours = t.since(self.last).as_hours_f64();
            let demand = shared.archetypes[self.archetype]
                .demand
                .integral(self.clock.local_ms(self.last), self.clock.local_ms(t));
            self.terms.add_to(&mut a, demand, hours);
        }
        self.booked_usd + a.total_usd()
    }
}

/// The organisation's record.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub counts: Counts,
    downtime_ms: u64,
    /// When each recovered endpoint came back, in simulated milliseconds.
    recovery_times: Vec<u32>,
    first_crash: Option<SimTime>,
    notes: Vec<(SimTime, Note)>,
    pub accounts: Accounts,
    /// The policy's view of the loss, for an organisation that holds one.
    cover: Option<Box<Cover>>,
}

impl Ledger {
    pub fn note(&mut self, now: SimTime, note: Note) {
        self.notes.push((now, note));
    }

    pub fn notes(&self) -> &[(SimTime, Note)] {
        &self.notes
    }

    /// Records a crash; true if it is the organisation's first.
    pub fn crashed(&mut self, now: SimTime) -> bool {
        self.counts.crashed += 1;
        self.counts.down += 1;
        let first = self.first_crash.is_none();
        if first {
            self.first_crash = Some(now);
        }
        first
    }

    /// Records an endpoint coming back up at `now` after being down since `since_ms`.
    pub fn recovered(&mut self, now: SimTime, since_ms: u32) {
        self.counts.down -= 1;
        self.downtime_ms += now.0.saturating_sub(u64::from(since_ms));
        self.recovery_times.push(now.0.min(u64::from(u32::MAX)) as u32);
    }

    pub fn first_crash(&self) -> Option<SimTime> {
        self.first_crash
    }

    pub fn recovery_times(&self) -> &[u32] {
        &self.recovery_times
    }

    /// Downtime of the endpoints already back up, in milliseconds.
    pub fn closed_downtime_ms(&self) -> u64 {
        self.downtime_ms
    }

    pub fn book_labour(&mut self, usd: f64) {
        self.accounts.labour_usd += usd;
    }

    /// A ledger that follows the outages for a policy (or not, with `None`).
    pub fn with_cover(cover: Option<Cover>) -> Ledger {
        Ledger { cover: cover.map(Box::new), ..Ledger::default() }
    }
}

impl Org {
    /// Whether money accrues now: a service is short or has a backlog, a workstation is down
    /// (its user idles), or an airline's flights do not all operate.
    pub fn accruing(&self) -> bool {
        self.services.disturbed() || self.down_workstations() > 0 || self.airline_disturbed()
    }

    /// Workstations down now.
    pub(super) fn down_workstations(&self) -> u64 {
        self.services.down_of_class(Class::Workstation)
    }

    /// What accrues from `from` to `to` at today's capacities; pure, so a report can ask for
    /// the loss at any instant without disturbing the run.
    pub fn accrual(&self, from: SimTime, to: SimTime) -> Accrual {
        self.accrual_at(&self.rates(), from, to)
    }

    /// The factors of [`Org::accrual`] that only change with the organisation's state.
    pub fn rates(&self) -> Rates {
        let econ = &self.spec().economics;
        let endpoints = f64::from(self.size);
        // Capacities are constant over an interval: read once.
        let ops = self.ops_capacity();
        Rates {
            revenue_rate: econ.revenue_per_endpoint_hour_usd * endpoints,
            shortfall_sum: self.services.shortfall_sum(),
            ops,
            delayed_share: if self.spec().airline.is_some() {
                self.airline_delayed_share()
            } else {
                0.0
            },
            down_workstations: self.down_workstations() as f64,
        }
    }

    /// The constant factors of an accrual at today's rates.
    fn terms(&self, rates: &Rates) -> Terms {
        let spec = self.spec();
        let econ = &spec.economics;
        let endpoints = f64::from(self.size);
        // Each down workstation idles its users through their working hours, which the demand
        // curve spreads over the week (it averages 1, so a whole week carries them all).
        let idle_rate = econ.productivity_wage_hour_usd
            * econ.users_per_workstation
            * econ.working_hours_per_week
            / 168.0;
        Terms {
            revenue_rate: rates.revenue_rate,
            shortfall: 1.0 - rates.ops,
            kept_share: 1.0 - econ.recapture_share.get(),
            flights_per_demand_hour: econ.flights_per_1000_endpoints_day * endpoints
                / 1_000.0
                / 24.0,
            penalty_per_flight: econ.penalty_per_cancelled_flight_usd,
            delays: spec
                .airline
                .as_ref()
                .map(|ops| (rates.delayed_share, ops.delay_minutes, ops.delay_cost_per_minute_usd)),
            sla_per_hour: (rates.ops < econ.sla_capacity_threshold.get())
                .then_some(econ.sla_penalty_per_hour_usd),
            idle_per_demand: rates.down_workstations * idle_rate,
        }
    }

    /// [`Org::accrual`] with the rates read before.
    pub fn accrual_at(&self, rates: &Rates, from: SimTime, to: SimTime) -> Accrual {
        let mut a = Accrual::default();
        self.services.backlog_hours_into(&mut a.backlog_hours);
        if to <= from {
            return a;
        }
        let spec = self.spec();
        let hours = to.since(from).as_hours_f64();
        let tables = &self.shared.archetypes[self.archetype];
        let demand = tables.demand.integral(self.clock.local_ms(from), self.clock.local_ms(to));
        a.service_hours_lost = rates.shortfall_sum * hours;
        if tables.services.has_backlog {
            let effective = |i: usize| self.services.effective_capacity(spec, i);
            let (backlog_usd, backlog_hours) =
                self.services.backlog_accrual(spec, demand, hours, rates.revenue_rate, effective);
            a.backlog_usd = backlog_usd;
            a.backlog_hours = backlog_hours;
        }
        self.terms(rates).add_to(&mut a, demand, hours);
        a
    }

    /// What an observer needs to read this organisation's loss at later instants until its
    /// next event without reading the organisation again; `None` while a backlog is kept
    /// (its accrual is not a product of constants).
    pub fn frozen(&self, rates: &Rates) -> Option<Frozen> {
        if self.shared.archetypes[self.archetype].services.has_backlog {
            return None;
        }
        Some(Frozen {
            booked_usd: self.ledger.accounts.total_usd(),
            last: self.ledger.accounts.last,
            clock: self.clock,
            archetype: self.archetype,
            terms: self.terms(rates),
        })
    }

    /// Books what accrued since the last call.
    pub(super) fn accrue(&mut self, now: SimTime) {
        let from = self.ledger.accounts.last;
        if now <= from {
            return;
        }
        let rates = self.rates();
        let a = self.accrual_at(&rates, from, now);
        self.follow_cover(now, &rates, Some((from, &a)));
        if a.flights_cancelled > 0.0 {
            let shortfall = 1.0 - rates.ops;
            let by_day = self.flights_scheduled_by_day(from, now);
            let booked = &mut self.ledger.accounts.flights_cancelled_by_day;
            for (day, scheduled) in by_day {
                if booked.len() <= day {
                    booked.resize(day + 1, 0.0);
                }
                booked[day] += scheduled * shortfall;
            }
        }
        let acc = &mut self.ledger.accounts;
        acc.last = now;
        acc.revenue_usd += a.revenue_usd;
        acc.penalties_usd += a.penalties_usd;
        acc.backlog_usd += a.backlog_usd;
        acc.productivity_usd += a.productivity_usd;
        acc.flights_cancelled += a.flights_cancelled;
        acc.flights_delayed += a.flights_delayed;
        acc.service_hours_lost += a.service_hours_lost;
        // Without a backlog the hours are the services' own, all nought: nothing to set.
        if self.shared.archetypes[self.archetype].services.has_backlog {
            for service in self.services.set_backlogs(&a.backlog_hours) {
                self.ledger.note(now, Note::BacklogCleared { service });
            }
        }
    }

    /// Loss in USD up to `t`, including what accrued since the last booking.
    pub fn loss_at(&self, t: SimTime) -> f64 {
        if !self.accruing() {
            return self.ledger.accounts.total_usd();
        }
        self.loss_at_rates(&self.rates(), t)
    }

    /// [`Org::loss_at`] for an accruing organisation whose rates were read since its last
    /// event: what an observer sampling it again and again needs, at a fraction of the cost.
    pub fn loss_at_rates(&self, rates: &Rates, t: SimTime) -> f64 {
        self.ledger.accounts.total_usd()
            + self.accrual_at(rates, self.ledger.accounts.last, t).total_usd()
    }

    /// Flights scheduled from `from` to `to`, split by local day: (day, flights), day 0 being
    /// the local day simulated time zero falls on.
    pub fn flights_scheduled_by_day(&self, from: SimTime, to: SimTime) -> Vec<(usize, f64)> {
        let econ = &self.spec().economics;
        let per_demand_hour =
            econ.flights_per_1000_endpoints_day * f64::from(self.size) / 1_000.0 / 24.0;
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
        let mut by_day = self.ledger.accounts.flights_cancelled_by_day.clone();
        let last = self.ledger.accounts.last;
        if self.accruing() && t > last {
            let shortfall = 1.0 - self.ops_capacity();
            for (day, scheduled) in self.flights_scheduled_by_day(last, t) {
                if by_day.len() <= day {
                    by_day.resize(day + 1, 0.0);
                }
                by_day[day] += scheduled * shortfall;
            }
        }
        by_day
    }
}

impl Org {
    /// Books recovery labour at `now`; the policy's view captures what it needs before it
    /// first, so labour counts only in the windows it falls in.
    pub(super) fn book_labour(&mut self, now: SimTime, usd: f64) {
        if let Some(mut cover) = self.ledger.cover.take() {
            let rates = self.rates();
            let (measure, share) = self.cover_capacities(rates.ops);
            let from = cover.at();
            cover.book_labour(
                now,
                measure,
                |t| Org::cover_split(&self.accrual_at(&rates, from, t), share),
                usd,
            );
            self.ledger.cover = Some(cover);
        }
        self.ledger.book_labour(usd);
    }

    /// Each cause's capacity now for the policy (own systems; 1 less the part of the shortfall
    /// suppliers cause), and the supplier's share of the shortfall.
    /// `actual` is the operating capacity now.
    fn cover_capacities(&self, actual: f64) -> ([f64; 2], f64) {
        let has_supplier = self.shared.archetypes[self.archetype].services.has_supplier;
        let own = if has_supplier { self.own_ops_capacity().max(actual) } else { actual };
        let caused = own - actual;
        let share = if actual < 1.0 { (caused / (1.0 - actual)).clamp(0.0, 1.0) } else { 0.0 };
        ([own, 1.0 - caused], share)
    }

    /// What an accrual adds by cause: the supplier's share of the shortfall-driven money.
    fn cover_split(a: &Accrual, supplier_share: f64) -> [f64; 2] {
        let mut parts = [0.0; 2];
        parts[SUPPLIER] = supplier_share * (a.revenue_usd + a.penalties_usd + a.backlog_usd);
        parts[OWN] = a.total_usd() - parts[SUPPLIER];
        parts
    }

    /// Brings the policy's view up to `to` at today's capacities, whose accrual rates are
    /// `rates`; `known` is the ledger's own accrual over `(from, to)` when it has just
    /// computed it.
    fn follow_cover(&mut self, to: SimTime, rates: &Rates, known: Option<(SimTime, &Accrual)>) {
        let Some(mut cover) = self.ledger.cover.take() else { return };
        self.advance_cover(&mut cover, to, rates, known);
        self.ledger.cover = Some(cover);
    }

    fn advance_cover(
        &self,
        cover: &mut Cover,
        to: SimTime,
        rates: &Rates,
        known: Option<(SimTime, &Accrual)>,
    ) {
        let from = cover.at();
        if to <= from {
            return;
        }
        let (measure, share) = self.cover_capacities(rates.ops);
        cover.advance(to, measure, |t| match known {
            Some((f, a)) if f == from && t == to => Org::cover_split(a, share),
            _ => Org::cover_split(&self.accrual_at(rates, from, t), share),
        });
    }

    /// The organisation's outages for its policy, own and supplier-caused, up to `t` (normally
    /// the end of the run); `None` for an organisation that holds no policy.
    pub fn cover_outages(&self, t: SimTime) -> Option<[Outage; 2]> {
        let mut cover = (**self.ledger.cover.as_ref()?).clone();
        self.advance_cover(&mut cover, t, &self.rates(), None);
        Some(cover.outages())
    }
}
