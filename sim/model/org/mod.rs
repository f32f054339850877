//! An organisation: one logical process owning its endpoints, staff, services and accounts.
//!
//! The endpoint lifecycle (DESIGN §3.4):
//!
//! ```text
//!  healthy --fetch bad--> crashed (boot loop) --revert fetched on reboot--> self-healed
//!                           |                 \--remote tool / cloud admin--> repaired remote
//!                           \--queued for a technician--> in repair --> repaired on site
//! ```
//!
//! `exposure.rs` decides who fetches bad content and when; `repair.rs` runs technicians, cloud
//! admins and tools; `services.rs` turns endpoints up and down into service capacity, backlog
//! and money. This file holds the state and routes events.

mod exposure;
mod repair;
mod services;

use std::sync::Arc;

use blastradius_engine::{Ctx, SimDuration, SimTime};

use super::calendar::{Clock, ceil_to};
use super::event::Event;
use super::fleet::{Endpoint, OrgFleet, State};
use super::shared::Shared;
use super::spec::{ActionSpec, Class, RepairOrder, Sector};

pub use exposure::Cursor;
pub use repair::{Crew, SiteState};
pub use services::{Accounts, MAX_SERVICES, ServiceState};

/// Something worth telling a person about, with its time.
#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    FirstCrash,
    IncidentDeclared,
    WorkaroundKnown,
    CallInArrived { technicians: u32 },
    ContractorsArrived { count: u32 },
    FallbackActivated { service: u8 },
    StandbyActivated { service: u8 },
    KeyEscrowDown,
    KeyEscrowUp,
    AllRecovered,
    BacklogCleared { service: u8 },
}

/// How many endpoints are where in their lifecycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub exposed: u64,
    pub crashed: u64,
    pub self_healed: u64,
    pub repaired_remote: u64,
    pub repaired_onsite: u64,
    /// Down now: crashed or in repair.
    pub down: u64,
    pub in_repair: u64,
}

#[derive(Clone)]
pub struct Org {
    pub shared: Arc<Shared>,
    pub archetype: usize,
    pub number: u32,
    pub key: u64,
    pub sector: Sector,
    pub region: usize,
    pub clock: Clock,
    pub endpoints: Vec<Endpoint>,
    pub sites: Vec<SiteState>,
    /// Site crews, then the contractors' crew (based at site 0).
    pub crews: Vec<Crew>,
    pub key_servers: Vec<u32>,
    key_servers_down: u32,
    escrow_restored: bool,
    /// Endpoints waiting for a technician, without and with a BitLocker key needed.
    waiting_ready: u64,
    waiting_locked: u64,

    // Exposure.
    cursors: Vec<Cursor>,
    /// When the revert reached this organisation.
    pub revert_at: Option<SimTime>,
    /// When the halted content stopped being served to this organisation.
    pub withdrawn_at: Option<SimTime>,
    crashed_before_revert: Vec<u32>,
    lag: SimDuration,

    // Response.
    pub incident_declared: bool,
    pub workaround_known: bool,
    call_in_active: bool,
    pub order: RepairOrder,
    pub(crate) cloud: repair::CloudAdmins,
    hands_on_tools: Vec<crate::spec::ToolSpec>,
    remote_tools: Vec<crate::spec::ToolSpec>,
    pool_contractors: u32,
    private_contractors: u32,
    pool_requested: bool,

    // Services and money.
    groups_total: Vec<u32>,
    groups_down: Vec<u32>,
    pub services: Vec<ServiceState>,
    pub accounts: Accounts,
    ticking: bool,

    // Outcomes.
    pub counts: Counts,
    pub downtime_ms: u64,
    /// When each recovered endpoint came back, in simulated milliseconds.
    pub recovery_times: Vec<u32>,
    pub first_crash: Option<SimTime>,
    pub notes: Vec<(SimTime, Note)>,

    // Telemetry batched for the vendor.
    pending_heartbeats: u32,
    pending_reports: u32,
    flush_scheduled: bool,
}

impl Org {
    pub fn new(shared: Arc<Shared>, fleet: OrgFleet) -> Org {
        let spec = shared.archetype(fleet.archetype);
        let tables = &shared.archetypes[fleet.archetype];
        let sector = spec.sector;
        let clock = Clock::new(shared.spec.start_unix_s, fleet.utc_offset_min);
        let mut groups_total = vec![0u32; Class::COUNT * tables.site_kinds];
        for e in &fleet.endpoints {
            groups_total[tables.group(e.class(), fleet.sites[usize::from(e.site)].kind)] += 1;
        }
        let sites: Vec<SiteState> =
            fleet.sites.iter().map(|s| SiteState::new(s, spec, shared.spec.start_unix_s)).collect();
        let mut crews: Vec<Crew> = fleet.sites.iter().map(|s| Crew::new(s.technicians)).collect();
        crews.push(Crew::new(0));
        let vms = fleet.endpoints.iter().filter(|e| e.class() == Class::CloudVm).count();
        let cloud = repair::CloudAdmins::new(spec, vms as u64);
        let lagged = blastradius_engine::keyed::chance(
            &[shared.seed, fleet.key, super::shared::purpose::LAG],
            spec.lag_share.get(),
        );
        let services = spec.services.iter().map(|_| ServiceState::default()).collect();
        let order = spec.repair.order;
        let mut org = Org {
            archetype: fleet.archetype,
            number: fleet.number,
            key: fleet.key,
            sector,
            region: fleet.region,
            clock,
            endpoints: fleet.endpoints,
            sites,
            crews,
            key_servers: fleet.key_servers,
            key_servers_down: 0,
            escrow_restored: false,
            waiting_ready: 0,
            waiting_locked: 0,
            cursors: Vec::new(),
            revert_at: None,
            withdrawn_at: None,
            crashed_before_revert: Vec::new(),
            lag: if lagged { spec.lag } else { SimDuration::ZERO },
            incident_declared: false,
            workaround_known: false,
            call_in_active: false,
            order,
            cloud,
            hands_on_tools: Vec::new(),
            remote_tools: Vec::new(),
            pool_contractors: 0,
            private_contractors: 0,
            pool_requested: false,
            groups_total,
            groups_down: vec![0; Class::COUNT * tables.site_kinds],
            services,
            accounts: Accounts::default(),
            ticking: false,
            counts: Counts::default(),
            downtime_ms: 0,
            recovery_times: Vec::new(),
            first_crash: None,
            notes: Vec::new(),
            pending_heartbeats: 0,
            pending_reports: 0,
            flush_scheduled: false,
            shared,
        };
        org.init_services();
        org
    }

    pub fn spec(&self) -> &crate::spec::ArchetypeSpec {
        self.shared.archetype(self.archetype)
    }

    pub fn name(&self) -> String {
        crate::spec::org_name(&self.spec().name, self.number)
    }

    /// Technicians busy now, over all crews and cloud admins.
    pub fn staff_busy(&self) -> u32 {
        self.crews.iter().map(|c| c.busy).sum::<u32>() + self.cloud.busy_admins()
    }

    /// Technicians present now (busy or free), over all crews.
    pub fn staff_present(&self) -> u32 {
        self.crews.iter().map(|c| c.present).sum()
    }

    fn note(&mut self, now: SimTime, note: Note) {
        self.notes.push((now, note));
    }

    /// The endpoint's stable dice key within this replication.
    #[inline]
    fn endpoint_key(&self, endpoint: u32) -> u64 {
        blastradius_engine::random::hash_words(&[self.shared.seed, self.key, u64::from(endpoint)])
    }

    /// Takes an endpoint down now.
    fn go_down(&mut self, endpoint: u32, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        let i = endpoint as usize;
        let e = &mut self.endpoints[i];
        e.set_state(State::Crashed);
        e.down_since_ms = now.0.min(u64::from(u32::MAX)) as u32;
        let (class, site) = (e.class(), e.site);
        self.counts.crashed += 1;
        self.counts.down += 1;
        self.set_group_down(class, site, true, now, ctx);
        if self.first_crash.is_none() {
            self.first_crash = Some(now);
            self.note(now, Note::FirstCrash);
            ctx.schedule(now + self.spec().staff.incident_detection, Event::IncidentDeclared);
            ctx.schedule(now + self.shared.spec.vendor.self_discovery, Event::WorkaroundFound);
        }
        if self.key_servers.contains(&endpoint) {
            let was_ok = self.escrow_ok();
            self.key_servers_down += 1;
            if was_ok && !self.escrow_ok() {
                self.note(now, Note::KeyEscrowDown);
            }
        }
        self.report_heartbeat_loss(now, ctx);
        self.start_tick(now, ctx);
    }

    /// Brings an endpoint back up now; `how` is the recovered state.
    fn come_up(&mut self, endpoint: u32, how: State, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        let i = endpoint as usize;
        let e = &mut self.endpoints[i];
        debug_assert!(e.state().is_down());
        match e.state() {
            State::InRepair => self.counts.in_repair -= 1,
            _ => self.left_crashed(endpoint),
        }
        let e = &mut self.endpoints[i];
        e.set_state(how);
        let (class, site, since) = (e.class(), e.site, e.down_since_ms);
        self.counts.down -= 1;
        match how {
            State::SelfHealed => self.counts.self_healed += 1,
            State::RepairedRemote => self.counts.repaired_remote += 1,
            State::RepairedOnsite => self.counts.repaired_onsite += 1,
            _ => {}
        }
        self.downtime_ms += now.0.saturating_sub(u64::from(since));
        self.recovery_times.push(now.0.min(u64::from(u32::MAX)) as u32);
        self.set_group_down(class, site, false, now, ctx);
        if self.key_servers.contains(&endpoint) {
            let was_ok = self.escrow_ok();
            self.key_servers_down -= 1;
            if !was_ok && self.escrow_ok() {
                self.note(now, Note::KeyEscrowUp);
                self.dispatch(now, ctx);
            }
        }
        // A machine that boots again uploads its crash report, if it is one that reports.
        let key = self.endpoint_key(endpoint);
        let share = self.shared.spec.vendor.telemetry.crash_report_share.get();
        if blastradius_engine::keyed::chance(&[key, super::shared::purpose::REPORT], share) {
            self.report_crash(now, ctx);
        }
        if self.counts.down == 0 {
            self.incident_over(now, ctx);
        }
    }

    fn set_group_down(
        &mut self,
        class: Class,
        site: u16,
        down: bool,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        let kind = self.sites[usize::from(site)].kind;
        let g = self.shared.archetypes[self.archetype].group(class, kind);
        if down {
            self.groups_down[g] += 1;
        } else {
            self.groups_down[g] -= 1;
        }
        let affected = self.shared.archetypes[self.archetype].services.services_of_group[g];
        if affected != 0 && self.capacity_changes(affected) {
            self.refresh_services(now, ctx);
        }
    }

    /// The shortest delay of any message this organisation may still send: telemetry to the
    /// vendor until the revert arrives, if a gate listens; requests and releases to a contractor
    /// pool, if it uses one. An organisation with neither never holds the others back.
    pub fn lookahead(&self) -> SimDuration {
        let mut l = SimDuration::MAX;
        if self.telemetry_wanted() {
            l = l.min(self.shared.spec.vendor.telemetry.latency);
        }
        if self.spec().staff.surge.as_ref().is_some_and(|s| s.pool.is_some()) {
            l = l.min(self.shared.lookahead);
        }
        l
    }

    fn telemetry_wanted(&self) -> bool {
        self.shared.telemetry_needed && self.revert_at.is_none()
    }

    fn report_heartbeat_loss(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if self.telemetry_wanted() {
            self.pending_heartbeats += 1;
            self.schedule_flush(now, ctx);
        }
    }

    fn report_crash(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if self.telemetry_wanted() {
            self.pending_reports += 1;
            self.schedule_flush(now, ctx);
        }
    }

    /// Telemetry leaves at the next heartbeat deadline: that is when the vendor's cloud
    /// notices a sensor missing.
    fn schedule_flush(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if !self.flush_scheduled {
            self.flush_scheduled = true;
            let interval = self.shared.spec.vendor.telemetry.heartbeat_interval;
            ctx.schedule(ceil_to(now, interval), Event::TelemetryFlush);
        }
    }

    fn flush_telemetry(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        self.flush_scheduled = false;
        if self.pending_heartbeats + self.pending_reports == 0 || !self.telemetry_wanted() {
            self.pending_heartbeats = 0;
            self.pending_reports = 0;
            return;
        }
        let latency = self.shared.spec.vendor.telemetry.latency;
        let event = Event::Telemetry {
            heartbeats_lost: std::mem::take(&mut self.pending_heartbeats),
            crash_reports: std::mem::take(&mut self.pending_reports),
        };
        ctx.send(self.shared.vendor, now + latency, event);
    }

    /// Starts the periodic accounting tick if it is not running.
    fn start_tick(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if !self.ticking {
            self.ticking = true;
            let next = ceil_to(now + SimDuration(1), self.shared.tick);
            if next < self.shared.horizon {
                ctx.schedule(next, Event::Tick);
            }
        }
    }

    fn tick(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        self.accrue(now);
        self.refresh_staffing(now);
        self.dispatch(now, ctx);
        self.refresh_services(now, ctx);
        if self.needs_tick() {
            let next = now + self.shared.tick;
            if next < self.shared.horizon {
                ctx.schedule(next, Event::Tick);
                return;
            }
        }
        self.ticking = false;
    }

    /// Whether anything still needs the periodic tick: a service short or with a backlog
    /// (money accrues), or a job waiting for a technician or a cloud slot (a shift starting may
    /// take it). An organisation whose only down endpoints are out of reach, in repair or
    /// healing by themselves does not tick: nothing accrues, and the events that bring work
    /// (an endpoint coming within reach, a crash) restart the tick.
    fn needs_tick(&self) -> bool {
        self.services.iter().any(|s| s.ops < 1.0 || s.backlog_hours > 0.0)
            || (self.counts.down > 0 && self.jobs_waiting())
    }

    fn incident_over(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if !self.incident_declared {
            return;
        }
        self.note(now, Note::AllRecovered);
        self.call_in_active = false;
        self.private_contractors = 0;
        if self.pool_contractors > 0 {
            self.release_pool_contractors(now, ctx);
        }
        self.refresh_staffing(now);
    }

    fn release_pool_contractors(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        let count = std::mem::take(&mut self.pool_contractors);
        if let Some(pool) = self.spec().staff.surge.as_ref().and_then(|s| s.pool) {
            let me = ctx.id();
            ctx.send(
                self.shared.pools[pool],
                now + self.shared.lookahead,
                Event::ContractorRelease { org: me, count },
            );
        }
    }

    fn declare_incident(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if self.incident_declared {
            return;
        }
        self.incident_declared = true;
        self.note(now, Note::IncidentDeclared);
        ctx.schedule(now + self.spec().staff.call_in_delay, Event::CallInArrives);
        if let Some(surge) = self.spec().staff.surge.clone() {
            let count =
                (surge.technicians_per_1000 * self.endpoints.len() as f64 / 1_000.0).round() as u32;
            match surge.pool {
                Some(pool) if !self.pool_requested => {
                    self.pool_requested = true;
                    let me = ctx.id();
                    ctx.send(
                        self.shared.pools[pool],
                        now + self.shared.lookahead,
                        Event::ContractorRequest { org: me, count: count.max(1) },
                    );
                }
                Some(_) => {}
                None => ctx.schedule(now + surge.delay, Event::ContractorsArrive { count }),
            }
        }
        self.dispatch(now, ctx);
    }

    fn apply(&mut self, action: ActionSpec, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        match action {
            ActionSpec::AddTechnicians { count, .. } => {
                self.crews[0].extra += count;
                self.refresh_staffing(now);
            }
            ActionSpec::AddContractors { count, arrive_in, .. } => {
                ctx.schedule(now + arrive_in, Event::ContractorsArrive { count });
            }
            ActionSpec::ActivateFallback { service, .. } => {
                let names: Vec<String> =
                    self.spec().services.iter().map(|s| s.name.clone()).collect();
                for (s, name) in names.iter().enumerate() {
                    if service.as_ref().is_none_or(|n| n == name) {
                        self.services[s].fallback_forced = true;
                    }
                }
                self.refresh_services(now, ctx);
                self.start_tick(now, ctx);
            }
            ActionSpec::SetRepairOrder { order, .. } => self.set_order(order),
            ActionSpec::RestoreKeyEscrow { .. } => {
                let was_ok = self.escrow_ok();
                self.escrow_restored = true;
                if !was_ok {
                    self.note(now, Note::KeyEscrowUp);
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
    /// one state and the counters agree with the records; no crew has more busy than present.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut by_state = [0u64; State::COUNT];
        let mut exposed = 0;
        for e in &self.endpoints {
            by_state[e.state() as usize] += 1;
            exposed += u64::from(e.exposed());
        }
        let c = &self.counts;
        let down = by_state[State::Crashed as usize] + by_state[State::InRepair as usize];
        let checks = [
            ("down", down, c.down),
            ("in repair", by_state[State::InRepair as usize], c.in_repair),
            ("self-healed", by_state[State::SelfHealed as usize], c.self_healed),
            ("repaired remote", by_state[State::RepairedRemote as usize], c.repaired_remote),
            ("repaired on site", by_state[State::RepairedOnsite as usize], c.repaired_onsite),
            ("crashed", c.down + c.self_healed + c.repaired_remote + c.repaired_onsite, c.crashed),
            ("exposed", exposed, c.exposed),
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
        for (i, crew) in self.crews.iter().enumerate() {
            if crew.busy > crew.present {
                return Err(format!(
                    "{}: crew {i} has {} busy but {} present",
                    self.name(),
                    crew.busy,
                    crew.present
                ));
            }
        }
        let waiting =
            self.endpoints.iter().filter(|e| e.state() == State::Crashed && e.queued()).count()
                as u64;
        let site_waiting: u64 = self.sites.iter().map(|s| u64::from(s.waiting())).sum();
        if waiting != site_waiting || waiting != self.waiting_ready + self.waiting_locked {
            return Err(format!(
                "{}: {waiting} wait for technicians, queues say {site_waiting}",
                self.name()
            ));
        }
        let down_groups: u64 = self.groups_down.iter().map(|&d| u64::from(d)).sum();
        if down_groups != c.down {
            return Err(format!(
                "{}: group counters say {down_groups} down, not {}",
                self.name(),
                c.down
            ));
        }
        if !self.accounts.total_usd().is_finite() || self.accounts.total_usd() < 0.0 {
            return Err(format!("{}: loss is {}", self.name(), self.accounts.total_usd()));
        }
        Ok(())
    }

    pub fn handle(&mut self, event: Event, ctx: &mut Ctx<'_, Event>) {
        let now = ctx.now();
        match event {
            Event::Released { content, ring } => {
                ctx.schedule(now + self.lag, Event::Available { content, ring });
            }
            Event::Available { content, ring } => self.content_available(content, ring, now, ctx),
            Event::RevertArrived => self.revert_arrived(now, ctx),
            Event::WorkaroundArrived | Event::WorkaroundFound => {
                if !self.workaround_known {
                    self.workaround_known = true;
                    if self.first_crash.is_some() {
                        self.note(now, Note::WorkaroundKnown);
                    }
                    self.dispatch(now, ctx);
                }
            }
            Event::FetchNext { cursor } => self.fetch_next(usize::from(cursor), now, ctx),
            Event::SelfHeal { endpoint } => {
                if self.endpoints[endpoint as usize].state() == State::Crashed {
                    self.come_up(endpoint, State::SelfHealed, now, ctx);
                }
            }
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
            Event::CallInArrives => {
                if self.counts.down > 0 {
                    self.call_in_active = true;
                    let before = self.staff_present();
                    self.refresh_staffing(now);
                    let added = self.staff_present().saturating_sub(before);
                    self.note(now, Note::CallInArrived { technicians: added });
                    self.dispatch(now, ctx);
                }
            }
            Event::ContractorsArrive { count } => {
                if self.counts.down > 0 && count > 0 {
                    self.private_contractors += count;
                    self.note(now, Note::ContractorsArrived { count });
                    self.refresh_staffing(now);
                    self.dispatch(now, ctx);
                }
            }
            Event::PoolContractorsArrive { count } => {
                self.pool_contractors += count;
                if self.counts.down > 0 {
                    self.note(now, Note::ContractorsArrived { count });
                    self.refresh_staffing(now);
                    self.dispatch(now, ctx);
                } else {
                    // Arrived after the work was done: hand them straight back.
                    self.release_pool_contractors(now, ctx);
                }
            }
            Event::Tick => self.tick(now, ctx),
            Event::ServiceTimer { service, kind } => self.service_timer(service, kind, now, ctx),
            Event::TelemetryFlush => self.flush_telemetry(now, ctx),
            Event::Inject(action) => {
                self.apply(*action, now, ctx);
                if self.needs_tick() {
                    self.start_tick(now, ctx);
                }
            }
            Event::Publish { .. }
            | Event::ReleaseRing { .. }
            | Event::Telemetry { .. }
            | Event::Halt
            | Event::Revert
            | Event::ContractorRequest { .. }
            | Event::ContractorRelease { .. } => {
                debug_assert!(false, "organisation got a vendor or pool event: {event:?}");
            }
        }
        // Checking is linear in the organisation's size, so debug builds check small ones after
        // every event; tests check every organisation at every output time.
        #[cfg(debug_assertions)]
        if self.endpoints.len() <= 5_000
            && let Err(e) = self.check_invariants()
        {
            panic!("conservation law broken at {now}: {e}");
        }
    }
}
