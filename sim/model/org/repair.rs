//! Technicians, cloud admins and recovery tools.
//!
//! Each site has a crew stationed there, on duty by local shift; contractors form one more crew
//! based at the first site. Hands-on repairs start once the incident is declared and the fix is
//! known. A free technician takes the best job at the site where it is; with none there, it
//! goes home, or travels to the site whose best job is best (paying both sites' travel time).
//! Encrypted disks need a BitLocker key: while the key-escrow servers are all down (and no
//! offline copy exists), those jobs wait, and the escrow servers themselves go first in every
//! repair order unless the scenario says otherwise.

use std::collections::VecDeque;

use crate::calendar::{Clock, MS_PER_HOUR};
use crate::event::Event;
use crate::fleet::{SiteInfo, State};
use crate::shared::purpose;
use crate::spec::{ArchetypeSpec, Class, RepairOrder, ToolMode, ToolSpec};
use blastradius_engine::keyed;
use blastradius_engine::{Ctx, SimDuration, SimTime};

use super::Org;

/// The technicians of one site (or the contractors).
#[derive(Clone, Debug, Default)]
pub struct Crew {
    /// Stationed here.
    pub home: u32,
    /// Added by decisions, on duty around the clock.
    pub extra: u32,
    /// How many should be present now.
    pub target: u32,
    /// Present now: busy, or free to take a job.
    pub present: u32,
    pub busy: u32,
    /// The local hour (hours since the epoch, local time) the shift figures below are for.
    shift_hour: Option<i64>,
    /// Scheduled (shift) and call-in presence for that hour.
    shift_scheduled: u32,
    call_in_scheduled: u32,
}

impl Crew {
    pub fn new(home: u32) -> Crew {
        Crew { home, ..Crew::default() }
    }
    pub fn free(&self) -> u32 {
        self.present - self.busy
    }
    /// Moves presence towards the target: newcomers arrive at once; leavers go when free.
    fn settle(&mut self) {
        if self.target >= self.present {
            self.present = self.target;
        } else {
            self.present = self.target.max(self.busy);
        }
    }
}

/// Jobs by priority tier, first come first served within a tier. Endpoints crash in time
/// order, so appending keeps each tier sorted by crash time: a bucket queue does what a heap
/// would at O(1) a job. Entries are (crash time in ms, endpoint); an entry whose endpoint has
/// left the crashed state meanwhile is stale and dropped when it reaches the front.
#[derive(Clone, Debug, Default)]
struct JobQueue {
    tiers: Vec<VecDeque<(u32, u32)>>,
    /// A bit per non-empty tier.
    nonempty: u64,
}

/// Tiers a queue can hold: key servers, then up to 63 more.
const MAX_TIERS: usize = 64;

impl JobQueue {
    fn push(&mut self, tier: usize, down_since: u32, endpoint: u32) {
        let tier = tier.min(MAX_TIERS - 1);
        if self.tiers.len() <= tier {
            self.tiers.resize_with(tier + 1, VecDeque::new);
        }
        self.tiers[tier].push_back((down_since, endpoint));
        self.nonempty |= 1 << tier;
    }

    /// The front entry of the best non-empty tier, as (key, endpoint).
    fn front(&self) -> Option<(u64, u32)> {
        if self.nonempty == 0 {
            return None;
        }
        let tier = self.nonempty.trailing_zeros() as usize;
        self.tiers[tier].front().map(|&(t, e)| (((tier as u64) << 40) | u64::from(t), e))
    }

    fn pop(&mut self) -> Option<u32> {
        if self.nonempty == 0 {
            return None;
        }
        let tier = self.nonempty.trailing_zeros() as usize;
        let (_, e) = self.tiers[tier].pop_front()?;
        if self.tiers[tier].is_empty() {
            self.nonempty &= !(1 << tier);
        }
        Some(e)
    }

    fn drain(&mut self) -> Vec<u32> {
        self.nonempty = 0;
        let mut all: Vec<(u32, u32)> = self.tiers.iter_mut().flat_map(|t| t.drain(..)).collect();
        all.sort_unstable();
        all.into_iter().map(|(_, e)| e).collect()
    }
}

/// A site's queues of crashed endpoints waiting for hands-on repair.
#[derive(Clone, Debug)]
pub struct SiteState {
    pub kind: usize,
    pub clock: Clock,
    pub travel: SimDuration,
    /// Jobs that need no key.
    ready: JobQueue,
    /// Jobs on encrypted disks.
    locked: JobQueue,
    /// Endpoints still waiting in each heap (the heaps also hold stale entries, dropped
    /// lazily, for endpoints that healed or were taken by a tool).
    waiting_ready: u32,
    waiting_locked: u32,
}

impl SiteState {
    pub fn new(info: &SiteInfo, spec: &ArchetypeSpec, start_unix_s: i64) -> SiteState {
        SiteState {
            kind: info.kind,
            clock: Clock::new(start_unix_s, info.utc_offset_min),
            travel: spec.sites[info.kind].travel,
            ready: JobQueue::default(),
            locked: JobQueue::default(),
            waiting_ready: 0,
            waiting_locked: 0,
        }
    }

    /// Endpoints waiting here for a technician.
    pub fn waiting(&self) -> u32 {
        self.waiting_ready + self.waiting_locked
    }

    fn has_work(&self, escrow: bool) -> bool {
        self.waiting_ready > 0 || (escrow && self.waiting_locked > 0)
    }
}

/// Cloud administrators restoring VMs, several at a time each.
#[derive(Clone, Debug, Default)]
pub struct CloudAdmins {
    admins: u32,
    parallel: u32,
    busy: u32,
    pub queue: VecDeque<u32>,
}

impl CloudAdmins {
    pub fn new(spec: &ArchetypeSpec, vms: u64) -> CloudAdmins {
        let staff = &spec.staff;
        let admins = if vms == 0 {
            0
        } else {
            ((staff.cloud_admins_per_1000_vms * vms as f64 / 1_000.0).round() as u32)
                .max(staff.cloud_admins_min)
        };
        CloudAdmins {
            admins,
            parallel: staff.vms_in_parallel_per_admin.max(1),
            ..Default::default()
        }
    }
    fn slots(&self) -> u32 {
        self.admins * self.parallel
    }
    pub fn busy_admins(&self) -> u32 {
        self.busy.div_ceil(self.parallel)
    }
}

/// Tiers for criticality-first order (lower first).
fn criticality_tier(class: Class, critical: bool) -> usize {
    match (class, critical) {
        (Class::Server, _) => 1,
        (Class::Workstation, true) => 2,
        (Class::Kiosk, _) => 3,
        _ => 4,
    }
}

/// A stable small hash of a tool's name, to key its dice.
fn tool_key(tool: &ToolSpec) -> u64 {
    blastradius_engine::random::hash_words(&tool.name.bytes().map(u64::from).collect::<Vec<_>>())
}

impl Org {
    /// Whether BitLocker keys can be had now.
    pub fn escrow_ok(&self) -> bool {
        self.spec().repair.offline_key_escrow
            || self.escrow_restored
            || self.key_servers.is_empty()
            || (self.key_servers_down as usize) < self.key_servers.len()
    }

    fn repairs_enabled(&self) -> bool {
        self.incident_declared && self.workaround_known
    }

    /// The repair-order tier of a job: lower goes first; within a tier, first crashed first.
    fn job_tier(&self, endpoint: u32) -> usize {
        let e = self.endpoints[endpoint as usize];
        if self.spec().repair.key_servers_first && self.key_servers.contains(&endpoint) {
            return 0;
        }
        match self.order {
            RepairOrder::Fifo => 1,
            RepairOrder::CriticalityFirst => criticality_tier(e.class(), e.critical()),
            RepairOrder::ServiceAware => {
                let tables = &self.shared.archetypes[self.archetype];
                let g = tables.group(e.class(), self.sites[usize::from(e.site)].kind);
                1 + tables.services.group_rank[g] as usize
            }
        }
    }

    pub(super) fn enqueue_for_technician(&mut self, endpoint: u32) {
        self.endpoints[endpoint as usize].set_queued(true);
        let e = self.endpoints[endpoint as usize];
        self.push_job(endpoint);
        let site = &mut self.sites[usize::from(e.site)];
        if e.bitlocker() {
            site.waiting_locked += 1;
            self.waiting_locked += 1;
        } else {
            site.waiting_ready += 1;
            self.waiting_ready += 1;
        }
    }

    fn push_job(&mut self, endpoint: u32) {
        let tier = self.job_tier(endpoint);
        let e = self.endpoints[endpoint as usize];
        let site = &mut self.sites[usize::from(e.site)];
        let queue = if e.bitlocker() { &mut site.locked } else { &mut site.ready };
        queue.push(tier, e.down_since_ms, endpoint);
    }

    /// Bookkeeping for an endpoint leaving the crashed state: if it waited for a technician,
    /// it no longer does.
    pub(super) fn left_crashed(&mut self, endpoint: u32) {
        let e = self.endpoints[endpoint as usize];
        if !e.queued() {
            return;
        }
        self.endpoints[endpoint as usize].set_queued(false);
        let site = &mut self.sites[usize::from(e.site)];
        if e.bitlocker() {
            site.waiting_locked -= 1;
            self.waiting_locked -= 1;
        } else {
            site.waiting_ready -= 1;
            self.waiting_ready -= 1;
        }
    }

    /// Whether a workstation is a remote worker's laptop (its own dice decide; a key-escrow
    /// server never is).
    pub fn is_remote_worker(&self, endpoint: u32) -> bool {
        let e = self.endpoints[endpoint as usize];
        let share = self.spec().repair.remote_worker_share.get();
        e.class() == Class::Workstation
            && share > 0.0
            && !self.key_servers.contains(&endpoint)
            && keyed::chance(&[self.endpoint_key(endpoint), purpose::REMOTE], share)
    }

    /// How long a crashed remote laptop stays out of reach, if it is one.
    pub(super) fn remote_worker_delay(&self, endpoint: u32) -> Option<SimDuration> {
        if !self.is_remote_worker(endpoint) {
            return None;
        }
        let d = self.spec().repair.remote_worker_delay;
        let key = self.endpoint_key(endpoint);
        let ms = keyed::lognormal_mean_cv(&[key, purpose::REMOTE_DELAY], d.mean.0 as f64, d.cv);
        Some(SimDuration(ms.round() as u64))
    }

    /// A remote laptop came within reach: it joins its site's queue if still crashed.
    pub(super) fn reachable(&mut self, endpoint: u32, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if self.endpoints[endpoint as usize].state() == State::Crashed {
            self.enqueue_for_technician(endpoint);
            self.dispatch(now, ctx);
            if self.needs_tick() {
                self.start_tick(now, ctx);
            }
        }
    }

    /// Whether a job waits for a technician or a cloud slot.
    pub(super) fn jobs_waiting(&self) -> bool {
        self.waiting_ready > 0 || self.waiting_locked > 0 || !self.cloud.queue.is_empty()
    }

    /// Whether any technician job can start anywhere now.
    fn work_anywhere(&self) -> bool {
        self.waiting_ready > 0 || (self.escrow_ok() && self.waiting_locked > 0)
    }

    pub(super) fn set_order(&mut self, order: RepairOrder) {
        self.order = order;
        for s in 0..self.sites.len() {
            let site = &mut self.sites[s];
            let mut jobs = site.ready.drain();
            jobs.extend(site.locked.drain());
            for endpoint in jobs {
                if self.endpoints[endpoint as usize].state() == State::Crashed {
                    self.push_job(endpoint);
                }
            }
        }
    }

    /// The key of the best job a technician could start at a site now, dropping stale entries
    /// (endpoints that healed or were taken by a tool meanwhile) from the fronts.
    fn best_job(&mut self, site: usize) -> Option<u64> {
        let escrow = self.escrow_ok();
        if !self.sites[site].has_work(escrow) {
            return None;
        }
        let endpoints = &self.endpoints;
        let s = &mut self.sites[site];
        let fresh = |queue: &mut JobQueue| {
            while let Some((key, e)) = queue.front() {
                if endpoints[e as usize].state() == State::Crashed {
                    return Some(key);
                }
                queue.pop();
            }
            None
        };
        let ready = fresh(&mut s.ready);
        let locked = if escrow { fresh(&mut s.locked) } else { None };
        match (ready, locked) {
            (Some(r), Some(l)) => Some(r.min(l)),
            (r, l) => r.or(l),
        }
    }

    /// The key at the front of a site's queues, without checking for stale entries: cheap, for
    /// choosing where to travel.
    fn front_key(&self, site: usize, escrow: bool) -> Option<u64> {
        let s = &self.sites[site];
        if !s.has_work(escrow) {
            return None;
        }
        let ready = s.ready.front().map(|(k, _)| k).filter(|_| s.waiting_ready > 0);
        let locked = s.locked.front().map(|(k, _)| k).filter(|_| escrow && s.waiting_locked > 0);
        match (ready, locked) {
            (Some(r), Some(l)) => Some(r.min(l)),
            (r, l) => r.or(l),
        }
    }

    /// Takes the best job at a site, if any can start.
    fn take_job(&mut self, site: usize) -> Option<u32> {
        let best = self.best_job(site)?;
        let s = &mut self.sites[site];
        let queue = if s.ready.front().is_some_and(|(k, _)| k == best) {
            &mut s.ready
        } else {
            &mut s.locked
        };
        let endpoint = queue.pop()?;
        self.left_crashed(endpoint);
        Some(endpoint)
    }

    /// The crews' home sites: a site crew is at its own site, the contractors at the first.
    fn home_of(&self, crew: usize) -> usize {
        if crew < self.sites.len() { crew } else { 0 }
    }

    /// Gives work to every free technician that can have some.
    pub(super) fn dispatch(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        self.dispatch_cloud(now, ctx);
        if !self.repairs_enabled() || !self.work_anywhere() {
            return;
        }
        if !self.ticking {
            // Without the tick, presence was last settled at the last event: settle it now.
            self.refresh_staffing(now);
        }
        // Local work first: nobody travels while there is work at home.
        for crew in 0..self.crews.len() {
            let home = self.home_of(crew);
            while self.crews[crew].free() > 0 {
                let Some(job) = self.take_job(home) else { break };
                self.start_job(crew, home, job, SimDuration::ZERO, now, ctx);
            }
        }
        // Then free technicians travel to the site with the best job, nearest crews first.
        if !self.work_anywhere() {
            return;
        }
        let mut crews: Vec<usize> =
            (0..self.crews.len()).filter(|&c| self.crews[c].free() > 0).collect();
        crews.sort_by_key(|&c| (self.sites[self.home_of(c)].travel, c));
        for crew in crews {
            while self.crews[crew].free() > 0 {
                let escrow = self.escrow_ok();
                let best = (0..self.sites.len())
                    .filter_map(|s| self.front_key(s, escrow).map(|k| (k, s)))
                    .min();
                let Some((_, site)) = best else { return };
                let home = self.home_of(crew);
                let travel = if site == home {
                    SimDuration::ZERO
                } else {
                    self.sites[home].travel + self.sites[site].travel
                };
                let Some(job) = self.take_job(site) else { return };
                self.start_job(crew, site, job, travel, now, ctx);
            }
        }
    }

    /// Hands-on repair time of an endpoint, key retrieval included.
    fn repair_time(&self, endpoint: u32) -> SimDuration {
        let e = self.endpoints[endpoint as usize];
        let key = self.endpoint_key(endpoint);
        let repair = &self.spec().repair;
        let tool = self
            .hands_on_tools
            .iter()
            .find(|t| keyed::chance(&[key, purpose::TOOL, tool_key(t)], t.share.get()));
        let (dist, needs_key) = match tool {
            Some(t) => (t.repair_time, t.needs_key),
            None => (repair.time[e.class().index()], true),
        };
        let mut ms = keyed::lognormal_mean_cv(&[key, purpose::REPAIR], dist.mean.0 as f64, dist.cv);
        if self.is_remote_worker(endpoint) {
            ms *= repair.remote_worker_time_factor;
        }
        let mut time = SimDuration(ms.round() as u64);
        if e.bitlocker() && needs_key {
            time += if repair.offline_key_escrow {
                repair.offline_key_retrieval
            } else {
                repair.key_retrieval
            };
        }
        time
    }

    fn start_job(
        &mut self,
        crew: usize,
        site: usize,
        endpoint: u32,
        travel: SimDuration,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        self.endpoints[endpoint as usize].set_state(State::InRepair);
        self.counts.in_repair += 1;
        let time = self.repair_time(endpoint) + travel;
        self.crews[crew].busy += 1;
        let staff = &self.spec().staff;
        let wage = if crew == self.sites.len() {
            staff.surge.as_ref().map_or(staff.wage_hour_usd, |s| s.wage_hour_usd)
        } else {
            let local = self.sites[crew].clock.local(now);
            let on_shift = staff.duty_share(local.weekday, local.hour) >= 0.5;
            staff.wage_hour_usd * if on_shift { 1.0 } else { staff.overtime_multiplier }
        };
        self.accounts.labour_usd += time.as_hours_f64() * wage;
        ctx.schedule(
            now + time,
            Event::RepairDone { endpoint, crew: crew as u16, site: site as u16 },
        );
    }

    pub(super) fn repair_done(
        &mut self,
        endpoint: u32,
        crew: usize,
        site: usize,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        if self.endpoints[endpoint as usize].state() == State::InRepair {
            self.come_up(endpoint, State::RepairedOnsite, now, ctx);
        }
        self.crews[crew].busy -= 1;
        self.refresh_crew(crew, now);
        if self.crews[crew].free() == 0 {
            return;
        }
        // Stay where the work is.
        if let Some(job) = self.take_job(site) {
            self.start_job(crew, site, job, SimDuration::ZERO, now, ctx);
        } else {
            self.dispatch(now, ctx);
        }
    }

    /// Sets one crew's target from its shift, call-in and additions, and settles presence.
    fn refresh_crew(&mut self, crew: usize, now: SimTime) {
        let mut shift = (0, 0);
        if crew < self.sites.len() {
            // Shifts and the call-in window change on the local hour: work them out once an hour.
            let hour = self.sites[crew].clock.local_ms(now).div_euclid(MS_PER_HOUR);
            if self.crews[crew].shift_hour != Some(hour) {
                let (scheduled, call_in) = self.shift_figures(crew, now);
                let c = &mut self.crews[crew];
                (c.shift_hour, c.shift_scheduled, c.call_in_scheduled) =
                    (Some(hour), scheduled, call_in);
            }
            shift = (self.crews[crew].shift_scheduled, self.crews[crew].call_in_scheduled);
        }
        let target = self.crew_target(crew, shift);
        let c = &mut self.crews[crew];
        c.target = target;
        c.settle();
    }

    /// How many of a crew should be present, given its shift figures (from
    /// [`Org::shift_figures`]; ignored for the contractors' crew).
    fn crew_target(&self, crew: usize, (scheduled, call_in): (u32, u32)) -> u32 {
        if crew == self.sites.len() {
            self.private_contractors + self.pool_contractors
        } else {
            (if self.call_in_active { call_in } else { scheduled }) + self.crews[crew].extra
        }
    }

    /// A site crew's presence by its shifts at `now`, and by the call-in too: (scheduled,
    /// called in).
    fn shift_figures(&self, crew: usize, now: SimTime) -> (u32, u32) {
        let staff = &self.spec().staff;
        let local = self.sites[crew].clock.local(now);
        let home = f64::from(self.crews[crew].home);
        let scheduled = (home * staff.duty_share(local.weekday, local.hour)).round() as u32;
        let waking = (u32::from(staff.call_in_from_hour)..u32::from(staff.call_in_to_hour))
            .contains(&local.hour);
        let call_in = if waking {
            scheduled.max((home * staff.call_in_share.get()).round() as u32)
        } else {
            scheduled
        };
        (scheduled, call_in)
    }

    /// Technicians present at `now` (busy, or free to take a job), over all crews, as the
    /// shifts have it then, whether or not an event has settled presence since; plus the cloud
    /// admins, who work around the clock.
    pub fn staff_present_at(&self, now: SimTime) -> u32 {
        let sites = self.sites.len();
        let crews: u32 = (0..self.crews.len())
            .map(|crew| {
                let shift = if crew < sites { self.shift_figures(crew, now) } else { (0, 0) };
                // Settling keeps whoever is busy: presence is the target, or the busy if more.
                self.crew_target(crew, shift).max(self.crews[crew].busy)
            })
            .sum();
        crews + self.cloud.admins
    }

    pub(super) fn refresh_staffing(&mut self, now: SimTime) {
        for crew in 0..self.crews.len() {
            self.refresh_crew(crew, now);
        }
    }

    pub(super) fn dispatch_cloud(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if !self.repairs_enabled() {
            return;
        }
        while self.cloud.busy < self.cloud.slots() {
            let Some(endpoint) = self.cloud.queue.pop_front() else { return };
            if self.endpoints[endpoint as usize].state() != State::Crashed {
                continue;
            }
            self.left_crashed(endpoint);
            self.endpoints[endpoint as usize].set_state(State::InRepair);
            self.counts.in_repair += 1;
            self.cloud.busy += 1;
            let dist = self.spec().repair.time[Class::CloudVm.index()];
            let key = self.endpoint_key(endpoint);
            let ms = keyed::lognormal_mean_cv(&[key, purpose::CLOUD], dist.mean.0 as f64, dist.cv);
            let time = SimDuration(ms.round() as u64);
            let wage = self.spec().staff.wage_hour_usd;
            self.accounts.labour_usd += time.as_hours_f64() * wage / f64::from(self.cloud.parallel);
            ctx.schedule(now + time, Event::CloudRepairDone { endpoint });
        }
    }

    pub(super) fn cloud_repair_done(
        &mut self,
        endpoint: u32,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        if self.endpoints[endpoint as usize].state() == State::InRepair {
            self.come_up(endpoint, State::RepairedRemote, now, ctx);
        }
        self.cloud.busy -= 1;
        self.dispatch_cloud(now, ctx);
    }

    fn tool_reaches(&self, endpoint: u32, tool: &ToolSpec) -> bool {
        let e = self.endpoints[endpoint as usize];
        let key = self.endpoint_key(endpoint);
        keyed::chance(&[key, purpose::TOOL, tool_key(tool)], tool.share.get())
            && !(tool.needs_key && e.bitlocker() && !self.escrow_ok())
    }

    fn start_tool_repair(
        &mut self,
        endpoint: u32,
        tool_index: usize,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        let tool = &self.remote_tools[tool_index];
        let key = self.endpoint_key(endpoint);
        let ms = keyed::lognormal_mean_cv(
            &[key, purpose::TOOL_TIME, tool_key(tool)],
            tool.repair_time.mean.0 as f64,
            tool.repair_time.cv,
        );
        self.left_crashed(endpoint);
        self.endpoints[endpoint as usize].set_state(State::InRepair);
        self.counts.in_repair += 1;
        ctx.schedule(now + SimDuration(ms.round() as u64), Event::ToolRepairDone { endpoint });
    }

    /// Tries the remote tools on a freshly crashed endpoint.
    pub(super) fn try_remote_tools(
        &mut self,
        endpoint: u32,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) -> bool {
        let reaching = (0..self.remote_tools.len())
            .find(|&t| self.tool_reaches(endpoint, &self.remote_tools[t]));
        match reaching {
            Some(t) => {
                self.start_tool_repair(endpoint, t, now, ctx);
                true
            }
            None => false,
        }
    }

    pub(super) fn tool_available(
        &mut self,
        tool: ToolSpec,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        match tool.mode {
            ToolMode::HandsOn => self.hands_on_tools.push(tool),
            ToolMode::Remote => {
                self.remote_tools.push(tool);
                let t = self.remote_tools.len() - 1;
                for endpoint in 0..self.endpoints.len() as u32 {
                    if self.endpoints[endpoint as usize].state() == State::Crashed
                        && self.tool_reaches(endpoint, &self.remote_tools[t])
                    {
                        self.start_tool_repair(endpoint, t, now, ctx);
                    }
                }
            }
        }
    }
}
