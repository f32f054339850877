//! An organisation: one logical process owning its endpoints, people, services and accounts.
//!
//! The endpoint lifecycle (DESIGN §3.4):
//!
//! ```text
//!  healthy --fetch bad--> crashed (boot loop) --revert fetched on reboot--> self-healed
//!                           |                 \--remote tool / cloud admin--> repaired remote
//!                           \--queued for a technician--> in repair --> repaired on site
//!                                                   ^          |
//!                                                   +- fix failed: re-image
//! ```
//!
//! The organisation is made of parts, each owning its state and keeping its own invariants:
//! `exposure.rs` (who fetches bad content and when), `workforce.rs` (crews, shifts, call-in,
//! contractors, volunteers, stand-down), `repair.rs` (queues, access, the key desk, key
//! escrow, re-imaging, cloud admins, tools), `services.rs` (capacity, backups, backlog,
//! suppliers), `airline.rs` (crews in position and the crew-scheduling system), `ledger.rs`
//! (counts, notes, money). This file holds the parts together: it takes endpoints down and
//! up, routes events and keeps the telemetry for the vendor.
//!
//! Nothing here waits for an output sample: every time-driven change (a shift, a backlog
//! clearing, an operations step) is an event at its own time, and money accrues exactly
//! between events, so the output interval only samples.

mod airline;
mod cover;
mod exposure;
mod ledger;
mod repair;
mod services;
mod workforce;

use std::sync::Arc;

use blastradius_engine::queue::prefetch_read;
use blastradius_engine::{Ctx, SimDuration, SimTime};

use crate::calendar::{Clock, ceil_to};
use crate::event::Event;
use crate::fleet::{Endpoint, LazyFleet, OrgFleet, State};
use crate::shared::Shared;
use crate::spec::{ActionSpec, Class, RepairOrder, Sector};

pub use airline::Airline;
pub use exposure::Cursor;
pub use ledger::{Accounts, Accrual, Counts, Frozen, Rates};
pub use repair::{SiteState, next_working_day_start};
pub use services::{MAX_SERVICES, ServiceState};

/// Whether organisations of up to [`CHECKED_ORG_MAX`] endpoints check their conservation laws
/// after every event: in debug builds, and in release builds with the `invariants` feature.
pub const CHECKS_EVERY_EVENT: bool = cfg!(any(debug_assertions, feature = "invariants"));
/// The largest organisation checked after every event (the check is linear in its size).
pub const CHECKED_ORG_MAX: usize = 5_000;
pub use workforce::Crew;

use exposure::Exposure;
use ledger::Ledger;
use repair::Repair;
use services::Services;
use workforce::Workforce;

/// Something worth telling a person about, with its time.
#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    FirstCrash,
    IncidentDeclared,
    WorkaroundKnown,
    CallInArrived {
        technicians: u32,
    },
    ContractorsArrived {
        count: u32,
    },
    VolunteersArrived {
        count: u32,
    },
    FallbackActivated {
        service: u8,
    },
    StandbyActivated {
        service: u8,
    },
    KeyEscrowDown,
    KeyEscrowUp,
    /// Services are back: the extra effort stood down while endpoints were still down.
    StoodDown,
    AllRecovered,
    BacklogCleared {
        service: u8,
    },
}

/// Where the organisation's response stands.
#[derive(Clone, Copy, Debug, Default)]
struct Incident {
    declared: bool,
    workaround_known: bool,
}

/// Telemetry batched for the vendor until the next heartbeat deadline.
#[derive(Clone, Copy, Debug, Default)]
struct Telemetry {
    heartbeats: u32,
    reports: u32,
    flush_scheduled: bool,
}

impl Telemetry {
    fn clear(&mut self) {
        self.heartbeats = 0;
        self.reports = 0;
    }
}

#[derive(Clone)]
pub struct Org {
    pub shared: Arc<Shared>,
    pub archetype: usize,
    pub number: u32,
    /// Index among all organisations of the run.
    pub index: u32,
    pub key: u64,
    pub sector: Sector,
    pub region: usize,
    pub clock: Clock,
    /// The endpoint records, indexed by the endpoint numbers events carry. A generated fleet
    /// has one per endpoint; a lazy one only its key-escrow servers' and its crashed
    /// endpoints', with their indices in the fleet in `origin`.
    endpoints: Vec<Endpoint>,
    origin: Vec<u32>,
    lazy: Option<Box<LazyFleet>>,
    size: u32,
    /// Endpoints running the agent on an OS some content targets.
    sensors: u64,
    exposure: Exposure,
    workforce: Workforce,
    repair: Repair,
    services: Services,
    airline: Option<Airline>,
    ledger: Ledger,
    incident: Incident,
    telemetry: Telemetry,
}

impl Org {
    pub fn new(shared: Arc<Shared>, fleet: OrgFleet, index: u32) -> Org {
        let spec = shared.archetype(fleet.archetype);
        let tables = &shared.archetypes[fleet.archetype];
        let sector = spec.sector;
        let start = shared.spec.start_unix_s;
        let clock = Clock::new(start, fleet.utc_offset_min);
        let mut services = Services::new(tables, spec.services.len());
        let size = fleet.size();
        let (mut vms, mut sensors) = (0, 0);
        let targeted = |os: usize| shared.targets_os.iter().any(|t| t[os]);
        let mut count = |e: Endpoint| {
            let kind = fleet.sites[usize::from(e.site)].kind;
            services.count_endpoint(tables, tables.group(e.class(), kind, e.critical()));
            vms += u64::from(e.class() == Class::CloudVm);
            sensors += u64::from(e.agent() && targeted(e.os().index()));
        };
        match &fleet.lazy {
            None => fleet.endpoints.iter().for_each(|&e| count(e)),
            Some(_) => (0..size).for_each(|i| count(fleet.endpoint(i))),
        }
        services.init(tables);
        let sites: Vec<SiteState> =
            fleet.sites.iter().map(|s| SiteState::new(s, spec, start)).collect();
        let crews: Vec<(u32, Clock)> =
            fleet.sites.iter().zip(&sites).map(|(s, st)| (s.technicians, st.clock)).collect();
        let mut endpoints = fleet.endpoints;
        let lazy = fleet.lazy.map(Box::new);
        let origin = if lazy.is_some() { (0..endpoints.len() as u32).collect() } else { vec![] };
        for &e in &fleet.key_servers {
            endpoints[e as usize].mark_key_server();
        }
        let mut repair = Repair::new(spec, sites, fleet.key_servers, vms, size);
        let workforce = Workforce::new(&crews);
        repair.set_travel_order(workforce.crews().len(), |c| workforce.home_of(c));
        let lagged = blastradius_engine::keyed::chance(
            &[shared.seed, fleet.key, crate::shared::purpose::LAG],
            spec.lag_share.get(),
        );
        let lag = if lagged { spec.lag } else { SimDuration::ZERO };
        let flights_per_day =
            spec.economics.flights_per_1000_endpoints_day * f64::from(size) / 1_000.0;
        let airline = spec.airline.as_ref().map(|a| Airline::new(a, flights_per_day));
        let cover = cover::Cover::insuring(&spec.insurance, &spec.name, fleet.number);
        Org {
            archetype: fleet.archetype,
            number: fleet.number,
            index,
            key: fleet.key,
            sector,
            region: fleet.region,
            clock,
            endpoints,
            origin,
            lazy,
            size,
            sensors,
            exposure: Exposure::new(lag, fleet.affected_share),
            workforce,
            repair,
            services,
            airline,
            ledger: Ledger::with_cover(cover),
            incident: Incident::default(),
            telemetry: Telemetry::default(),
            shared,
        }
    }

    pub fn spec(&self) -> &crate::spec::ArchetypeSpec {
        self.shared.archetype(self.archetype)
    }

    /// Endpoints in the organisation, with a record or not.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Its weight in a sector's capacity: its revenue in an average hour, or, for an
    /// archetype that earns none (consumers' devices), its endpoints.
    pub fn capacity_weight(&self) -> f64 {
        let revenue = self.spec().economics.revenue_per_endpoint_hour_usd;
        f64::from(self.size) * if revenue > 0.0 { revenue } else { 1.0 }
    }

    /// Endpoints running the agent on an OS some content targets.
    pub fn sensors(&self) -> u64 {
        self.sensors
    }

    /// The endpoint records: every endpoint's in a generated fleet, in a lazy one only those
    /// of its key-escrow servers and of the endpoints that crashed.
    pub fn records(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// Endpoint `index` of the fleet as it is now (lazy or not). For tests and tools: in a lazy
    /// fleet it searches the records.
    pub fn endpoint_in_fleet(&self, index: u32) -> Option<Endpoint> {
        if index >= self.size {
            return None;
        }
        // A crashed endpoint's record holds its state; the rest are as generated.
        let slot = match &self.lazy {
            Some(l) if index >= l.servers => self.origin.iter().position(|&o| o == index),
            _ => Some(index as usize),
        };
        Some(slot.map_or_else(|| self.generated(index), |s| self.endpoints[s]))
    }

    /// Endpoint `index` of the fleet as generated: its record in a generated fleet (and for a
    /// lazy fleet's key-escrow servers, whose records are their indices), else as drawn.
    #[inline]
    fn generated(&self, index: u32) -> Endpoint {
        match self.lazy.as_deref() {
            Some(l) if index >= l.servers => l.endpoint(index),
            _ => self.endpoints[index as usize],
        }
    }

    pub fn name(&self) -> String {
        crate::spec::org_name(&self.spec().name, self.number)
    }

    pub fn counts(&self) -> &Counts {
        &self.ledger.counts
    }

    pub fn accounts(&self) -> &Accounts {
        &self.ledger.accounts
    }

    pub fn notes(&self) -> &[(SimTime, Note)] {
        self.ledger.notes()
    }

    pub fn first_crash(&self) -> Option<SimTime> {
        self.ledger.first_crash()
    }

    /// When each recovered endpoint came back, in simulated milliseconds.
    pub fn recovery_times(&self) -> &[u32] {
        self.ledger.recovery_times()
    }

    /// Endpoint downtime up to `now`, counting endpoints still down, in milliseconds.
    pub fn downtime_ms(&self, now: SimTime) -> u128 {
        let mut ms = u128::from(self.ledger.closed_downtime_ms());
        if self.ledger.counts.down > 0 {
            ms += self
                .endpoints
                .iter()
                .filter(|e| e.state().is_down())
                .map(|e| u128::from(now.0.saturating_sub(u64::from(e.down_since_ms))))
                .sum::<u128>();
        }
        ms
    }

    pub fn sites(&self) -> &[SiteState] {
        self.repair.sites()
    }

    pub fn key_servers(&self) -> &[u32] {
        self.repair.key_servers()
    }

    pub fn repair_order(&self) -> RepairOrder {
        self.repair.order
    }

    pub fn incident_declared(&self) -> bool {
        self.incident.declared
    }

    pub fn workaround_known(&self) -> bool {
        self.incident.workaround_known
    }

    pub fn revert_at(&self) -> Option<SimTime> {
        self.exposure.revert_at()
    }

    pub fn stood_down(&self) -> bool {
        self.workforce.stood_down()
    }

    /// This organisation's share of agents on the affected sensor versions and channel.
    pub fn affected_share(&self) -> f64 {
        self.exposure.affected_share()
    }

    pub fn airline(&self) -> Option<&Airline> {
        self.airline.as_ref()
    }

    /// The endpoint's stable dice key within this replication.
    #[inline]
    fn endpoint_key(&self, endpoint: u32) -> u64 {
        let index = if self.lazy.is_some() { self.origin[endpoint as usize] } else { endpoint };
        self.index_key(index)
    }

    /// The dice key of endpoint `index` of the fleet (its record's number in a generated one).
    #[inline]
    fn index_key(&self, index: u32) -> u64 {
        blastradius_engine::random::hash_words(&[self.shared.seed, self.key, u64::from(index)])
    }

    /// Takes an endpoint down now.
    fn go_down(&mut self, endpoint: u32, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        let e = &mut self.endpoints[endpoint as usize];
        e.set_state(State::Crashed);
        e.clear_reimage();
        e.down_since_ms = now.0.min(u64::from(u32::MAX)) as u32;
        if self.ledger.crashed(now) {
            self.ledger.note(now, Note::FirstCrash);
            ctx.schedule(now + self.spec().staff.incident_detection, Event::IncidentDeclared);
            ctx.schedule(now + self.shared.spec.vendor.self_discovery, Event::WorkaroundFound);
        }
        if self.endpoints[endpoint as usize].key_server() {
            let (was_ok, ok) = self.key_server_changed(true);
            if was_ok && !ok {
                self.ledger.note(now, Note::KeyEscrowDown);
            }
        }
        self.set_group_down(endpoint, true, now, ctx);
        self.report_heartbeat_loss(now, ctx);
    }

    /// Brings an endpoint back up now; `how` is the recovered state.
    fn come_up(&mut self, endpoint: u32, how: State, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        let e = self.endpoints[endpoint as usize];
        debug_assert!(e.state().is_down());
        match e.state() {
            State::InRepair => self.ledger.counts.in_repair -= 1,
            _ => self.left_crashed(endpoint),
        }
        self.endpoints[endpoint as usize].set_state(how);
        let counts = &mut self.ledger.counts;
        match how {
            State::SelfHealed => counts.self_healed += 1,
            State::RepairedRemote => counts.repaired_remote += 1,
            State::RepairedOnsite => counts.repaired_onsite += 1,
            State::RepairedByOwner => counts.repaired_by_owner += 1,
            _ => {}
        }
        self.ledger.recovered(now, e.down_since_ms);
        self.set_group_down(endpoint, false, now, ctx);
        if self.endpoints[endpoint as usize].key_server() {
            let (was_ok, ok) = self.key_server_changed(false);
            if !was_ok && ok {
                self.ledger.note(now, Note::KeyEscrowUp);
                self.dispatch(now, ctx);
            }
        }
        self.report_crash(endpoint, now, ctx);
        if self.ledger.counts.down == 0 {
            self.incident_over(now, ctx);
        }
    }

    /// The shortest delay of any message this organisation may still send: telemetry to the
    /// vendor until the revert arrives, if a gate listens; requests and releases to a contractor
    /// pool until it has stood down and handed its contractors back; capacity notices to
    /// customers while it may still change (an endpoint is down, or the revert has not yet
    /// arrived, after which it can no longer crash). An organisation with none never holds the
    /// others back.
    pub fn lookahead(&self) -> SimDuration {
        let mut l = SimDuration::MAX;
        if self.telemetry_wanted() {
            l = l.min(self.shared.spec.vendor.telemetry.latency);
        }
        if let Some(pool) = self.spec().staff.surge.as_ref().and_then(|s| s.pool)
            && self.workforce.may_call_pool()
        {
            l = l.min(self.shared.spec.pools[pool].request_delay);
        }
        // Capacity changes with endpoints (none crash after the revert) or with a supplier
        // of its own.
        let may_change = self.ledger.counts.down > 0
            || self.exposure.revert_at().is_none()
            || self.shared.archetypes[self.archetype].services.has_supplier;
        if let Some(notice) = services::shortest_notice(self.shared.customers_of(self.index))
            && may_change
        {
            l = l.min(notice);
        }
        l
    }

    fn telemetry_wanted(&self) -> bool {
        self.shared.telemetry_needed && self.exposure.revert_at().is_none()
    }

    fn report_heartbeat_loss(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if self.telemetry_wanted() {
            self.telemetry.heartbeats += 1;
            self.schedule_flush(now, ctx);
        }
    }

    /// A machine that boots again uploads its crash report, if it is one that reports and
    /// anyone still listens (the dice are not cast once nobody does).
    fn report_crash(&mut self, endpoint: u32, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if !self.telemetry_wanted() {
            return;
        }
        let key = self.endpoint_key(endpoint);
        let share = self.shared.spec.vendor.telemetry.crash_report_share.get();
        if blastradius_engine::keyed::chance(&[key, crate::shared::purpose::REPORT], share) {
            self.telemetry.reports += 1;
            self.schedule_flush(now, ctx);
        }
    }

    /// Telemetry leaves at the next heartbeat deadline: that is when the vendor's cloud
    /// notices a sensor missing.
    fn schedule_flush(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if !self.telemetry.flush_scheduled {
            self.telemetry.flush_scheduled = true;
            let interval = self.shared.spec.vendor.telemetry.heartbeat_interval;
            ctx.schedule(ceil_to(now, interval), Event::TelemetryFlush);
        }
    }

    fn flush_telemetry(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        self.telemetry.flush_scheduled = false;
        let t = &mut self.telemetry;
        if t.heartbeats + t.reports == 0 || !self.telemetry_wanted() {
            self.telemetry.clear();
            return;
        }
        let latency = self.shared.spec.vendor.telemetry.latency;
        let event = Event::Telemetry {
            heartbeats_lost: std::mem::take(&mut self.telemetry.heartbeats),
            crash_reports: std::mem::take(&mut self.telemetry.reports),
        };
        ctx.send(self.shared.vendor, now + latency, event);
    }

    fn incident_over(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if !self.incident.declared {
            return;
        }
        self.ledger.note(now, Note::AllRecovered);
        self.stand_down(now, ctx);
    }

    fn declare_incident(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if self.incident.declared {
            return;
        }
        self.incident.declared = true;
        self.ledger.note(now, Note::IncidentDeclared);
        ctx.schedule(now + self.spec().staff.call_in_delay, Event::CallInArrives);
        self.request_surge(now, ctx);
        self.refresh_staffing(now);
        self.dispatch(now, ctx);
        self.schedule_staffing(now, ctx);
        self.check_stand_down(now, ctx);
    }

    fn apply(&mut self, action: ActionSpec, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        match action {
            ActionSpec::AddTechnicians { count, .. } => self.add_technicians(count, now),
            ActionSpec::AddContractors { count, arrive_in, .. } => {
                ctx.schedule(now + arrive_in, Event::ContractorsArrive { count });
            }
            ActionSpec::ActivateFallback { service, .. } => {
                self.accrue(now);
                self.force_fallback(service.as_deref());
                self.refresh_services(now, ctx);
            }
            ActionSpec::SetRepairOrder { order, .. } => self.set_order(order),
            ActionSpec::RestoreKeyEscrow { .. } => {
                if self.restore_key_escrow() {
                    self.ledger.note(now, Note::KeyEscrowUp);
                }
            }
            // Vendor actions and tools arrive as their own events.
            ActionSpec::HaltRollout
            | ActionSpec::PublishRevert
            | ActionSpec::ReleaseTool { .. } => {}
        }
        self.dispatch(now, ctx);
    }

    /// Checks the conservation laws (debug builds and tests): every endpoint is in exactly
    /// one state and the counters agree with the records; no crew has more busy than present;
    /// the queues and service groups agree with the endpoints; loss is finite and not negative.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut by_state = [0u64; State::COUNT];
        let mut exposed = 0;
        for e in &self.endpoints {
            by_state[e.state() as usize] += 1;
            exposed += u64::from(e.exposed());
        }
        let c = &self.ledger.counts;
        let down = by_state[State::Crashed as usize] + by_state[State::InRepair as usize];
        let checks = [
            ("down", down, c.down),
            ("in repair", by_state[State::InRepair as usize], c.in_repair),
            ("self-healed", by_state[State::SelfHealed as usize], c.self_healed),
            ("repaired remote", by_state[State::RepairedRemote as usize], c.repaired_remote),
            ("repaired on site", by_state[State::RepairedOnsite as usize], c.repaired_onsite),
            ("repaired by owner", by_state[State::RepairedByOwner as usize], c.repaired_by_owner),
            (
                "crashed",
                c.down
                    + c.self_healed
                    + c.repaired_remote
                    + c.repaired_onsite
                    + c.repaired_by_owner,
                c.crashed,
            ),
            // A lazy fleet keeps no record of an endpoint that fetched bad content and did
            // not crash: only its crashed ones' records say they were exposed.
            (
                "exposed",
                if self.lazy.is_some() { exposed.max(c.exposed) } else { exposed },
                c.exposed,
            ),
            ("group counters", self.services.down_total(), c.down),
        ];
        for (what, actual, counted) in checks {
            if actual != counted {
                return Err(format!(
                    "{}: {what} counted {counted}, records say {actual}",
                    self.name()
                ));
            }
        }
        if by_state.iter().sum::<u64>() != self.endpoints.len() as u64 {
            return Err(format!("{}: endpoint states do not add up", self.name()));
        }
        if let Some(lazy) = &self.lazy {
            // Every record stands for one endpoint of the fleet, the servers first.
            let mut seen = self.origin.clone();
            seen.sort_unstable();
            seen.dedup();
            let servers_first =
                self.origin.iter().take(lazy.servers as usize).copied().eq(0..lazy.servers);
            if self.origin.len() != self.endpoints.len()
                || seen.len() != self.origin.len()
                || seen.last().is_some_and(|&l| l >= self.size)
                || !servers_first
            {
                return Err(format!(
                    "{}: lazy records do not stand for distinct endpoints",
                    self.name()
                ));
            }
        }
        for (i, crew) in self.workforce.crews().iter().enumerate() {
            if crew.busy > crew.present {
                return Err(format!(
                    "{}: crew {i} has {} busy but {} present",
                    self.name(),
                    crew.busy,
                    crew.present
                ));
            }
        }
        self.check_queues()?;
        let tables = &self.shared.archetypes[self.archetype];
        self.services.check_deps(tables).map_err(|e| format!("{}: {e}", self.name()))?;
        let total = self.ledger.accounts.total_usd();
        if !total.is_finite() || total < 0.0 {
            return Err(format!("{}: loss is {total}", self.name()));
        }
        Ok(())
    }

    /// Starts loading the record of the endpoint `next` is about (in a large fleet it is far
    /// from anything handled just before), without itself reading anything that may wait on
    /// memory.
    pub fn prefetch_event(&self, next: &Event) {
        if let Event::RepairDone { crew, site, .. } = *next {
            self.repair.prefetch_site(usize::from(site));
            prefetch_read(self.workforce.crews().as_ptr().wrapping_add(usize::from(crew)));
        }
        let endpoint = match *next {
            Event::SelfHeal { endpoint }
            | Event::Reachable { endpoint }
            | Event::CloudRepairDone { endpoint }
            | Event::ToolRepairDone { endpoint }
            | Event::RepairDone { endpoint, .. } => endpoint,
            _ => return,
        };
        prefetch_read(self.endpoints.as_ptr().wrapping_add(endpoint as usize));
    }

    /// Starts loading what a sample of this organisation reads: at `stage` 0 its own fields
    /// (the record's first line, the services' lists, the counts and accounts), at stage 1
    /// (those in cache by then) the services' states they point to.
    pub fn prefetch_sample(&self, stage: u8) {
        if stage == 0 {
            prefetch_read(self);
            self.services.prefetch_fields();
            prefetch_read(&self.ledger.counts);
            prefetch_read(&self.ledger.accounts);
        } else {
            prefetch_read(self.services.states().as_ptr());
        }
    }

    pub fn handle(&mut self, event: Event, ctx: &mut Ctx<'_, Event>) {
        let now = ctx.now();
        match event {
            Event::Released { content, ring } => {
                ctx.schedule(now + self.exposure.lag(), Event::Available { content, ring });
            }
            Event::Available { content, ring } => self.content_available(content, ring, now, ctx),
            Event::RevertArrived => self.revert_arrived(now, ctx),
            Event::WorkaroundArrived | Event::WorkaroundFound => {
                if !self.incident.workaround_known {
                    self.incident.workaround_known = true;
                    if self.ledger.first_crash().is_some() {
                        self.ledger.note(now, Note::WorkaroundKnown);
                    }
                    self.owners_learn_fix(now, ctx);
                    self.dispatch(now, ctx);
                }
            }
            Event::FetchNext { cursor } => self.fetch_next(usize::from(cursor), now, ctx),
            Event::TimerDue => self.timers_due(now, ctx),
            Event::SelfHeal { endpoint } => {
                if self.endpoints[endpoint as usize].state() == State::Crashed {
                    self.come_up(endpoint, State::SelfHealed, now, ctx);
                }
            }
            Event::SelfHeals => self.self_heals(now, ctx),
            Event::Reachable { endpoint } => self.reachable(endpoint, now, ctx),
            Event::Withdrawn => self.withdrawn(now),
            Event::RepairDone { endpoint, crew, site } => {
                self.repair_done(endpoint, usize::from(crew), usize::from(site), now, ctx)
            }
            Event::CloudRepairDone { endpoint } => self.cloud_repair_done(endpoint, now, ctx),
            Event::ToolRepairDone { endpoint } => {
                if self.endpoints[endpoint as usize].state() == State::InRepair {
                    self.come_up(endpoint, State::RepairedRemote, now, ctx);
                }
            }
            Event::ToolAvailable { tool } => {
                let spec = self.shared.spec.tools[usize::from(tool)].clone();
                self.tool_available(spec, now, ctx);
            }
            Event::ToolReleased(spec) => self.tool_available(*spec, now, ctx),
            Event::IncidentDeclared => self.declare_incident(now, ctx),
            Event::CallInArrives => self.call_in_arrives(now, ctx),
            Event::ContractorsArrive { count } => self.contractors_arrive(count, now, ctx),
            Event::PoolContractorsArrive { count } => self.pool_contractors_arrive(count, now, ctx),
            Event::VolunteersArrive => self.volunteers_arrive(now, ctx),
            Event::Staffing => self.staffing(now, ctx),
            Event::StandDown => self.stand_down(now, ctx),
            Event::PoolQuiet => self.pool_quiet(),
            Event::ServiceTimer { service, kind } => self.service_timer(service, kind, now, ctx),
            Event::BacklogDue { service, generation } => {
                self.backlog_due(service, generation, now, ctx)
            }
            Event::SupplierCapacity { service, milli } => {
                self.supplier_capacity(service, milli, now, ctx)
            }
            Event::OpsStep => self.ops_step(now, ctx),
            Event::TelemetryFlush => self.flush_telemetry(now, ctx),
            Event::Inject(action) => self.apply(*action, now, ctx),
            Event::Publish { .. }
            | Event::ReleaseRing { .. }
            | Event::Telemetry { .. }
            | Event::Halt
            | Event::Revert
            | Event::ContractorRequest { .. }
            | Event::ContractorRelease { .. } => {
                ctx.abort(format!("organisation got a vendor or pool event: {event:?}"));
            }
        }
        // Checking is linear in the organisation's size, so debug builds (and release builds
        // with the `invariants` feature) check small ones after every event; tests check every
        // organisation at every output time.
        #[cfg(any(debug_assertions, feature = "invariants"))]
        if self.endpoints.len() <= CHECKED_ORG_MAX
            && let Err(e) = self.check_invariants()
        {
            ctx.abort(format!("conservation law broken: {e}"));
        }
    }
}
