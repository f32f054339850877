//! Hands-on repair, cloud admins and recovery tools.
//!
//! Crashed endpoints wait in their site's queues, by repair order and crash time. Hands-on
//! repairs start once the incident is declared and the fix is known. A free person takes the
//! best job at the site where they are; with none there, they go home, or travel to the site
//! whose best job is best (paying both sites' travel time).
//!
//! A job is more than touch time. The repairer finds the machine and gets to it (the class's
//! access time: walking a campus, a ladder for a mounted display). An encrypted disk needs its
//! BitLocker key: with keys only in the escrow service, the key is asked of the key desk when
//! the job starts, and the desk's agents read keys out one at a time, first come first served;
//! while every escrow server is down (and no offline copy exists) such jobs cannot start at
//! all, and the escrow servers themselves go first in every repair order unless the scenario
//! says otherwise. Then the hands-on fix. Some fixes fail and some keys were never escrowed:
//! those machines go back to the queue, last, to be re-imaged.
//!
//! ```text
//!  job start ─ travel ─ access ─┬─ (key from the desk: wait for an agent, read it out) ─┬─ fix
//!                               └───────────────────── no key needed ───────────────────┘
//!  fix ─┬─ works ──────────► repaired on site
//!       └─ fails ─► back to the queue (last) ─► re-image job: travel, access, re-image
//! ```

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use blastradius_engine::keyed;
use blastradius_engine::queue::prefetch_read;
use blastradius_engine::{Ctx, SimDuration, SimTime};

use super::Org;
use crate::calendar::{Clock, MS_PER_DAY, MS_PER_HOUR};
use crate::event::Event;
use crate::fleet::{SiteInfo, State};
use crate::shared::purpose;
use crate::spec::{ArchetypeSpec, Class, DistSpec, RepairOrder, ToolMode, ToolSpec};

/// Jobs by priority tier, first come first served within a tier. Endpoints crash in time
/// order, so appending keeps each tier sorted by crash time: a bucket queue does what a heap
/// would at O(1) a job. Entries are (crash time in ms, endpoint); an entry whose endpoint has
/// left the crashed state meanwhile is stale and dropped when it reaches the front.
#[derive(Clone, Debug, Default)]
struct JobQueue {
    /// The best non-empty tier's entries, held here while it is the best (its place in
    /// `tiers` is left empty), so that taking a job reads no tier list: only the site's record
    /// and the entries.
    best: VecDeque<(u32, u32)>,
    best_tier: usize,
    /// The other tiers' entries.
    tiers: Vec<VecDeque<(u32, u32)>>,
    /// A bit per non-empty tier.
    nonempty: u64,
    /// The front entry of the best non-empty tier, as (key, endpoint), while any is: kept
    /// beside the tiers so that reading it (to choose a site, or to check the job at the
    /// front) waits on no tier's memory.
    head: (u64, u32),
}

/// Tiers a queue can hold: key servers, then up to 62 more, then re-imaging, last.
const MAX_TIERS: usize = 64;
const REIMAGE_TIER: usize = MAX_TIERS - 1;

impl JobQueue {
    fn key(tier: usize, down_since: u32) -> u64 {
        ((tier as u64) << 40) | u64::from(down_since)
    }

    fn push(&mut self, tier: usize, down_since: u32, endpoint: u32) {
        let tier = tier.min(MAX_TIERS - 1);
        if self.tiers.len() <= tier {
            self.tiers.resize_with(tier + 1, VecDeque::new);
        }
        if self.nonempty == 0 || tier < self.best_tier {
            // A new best tier: the old best's entries go back to their place (the new one's
            // place is empty, as no better tier held anything).
            if self.nonempty != 0 {
                std::mem::swap(&mut self.best, &mut self.tiers[self.best_tier]);
                std::mem::swap(&mut self.best, &mut self.tiers[tier]);
            }
            self.best_tier = tier;
            self.head = (Self::key(tier, down_since), endpoint);
        }
        if tier == self.best_tier {
            self.best.push_back((down_since, endpoint));
        } else {
            self.tiers[tier].push_back((down_since, endpoint));
        }
        self.nonempty |= 1 << tier;
    }

    /// Starts loading the front entry and the record of its endpoint, without reading
    /// anything that may wait on memory but the queue itself.
    #[inline]
    fn prefetch_front(&self, endpoints: &[crate::fleet::Endpoint]) {
        if self.nonempty != 0 {
            prefetch_read(endpoints.as_ptr().wrapping_add(self.head.1 as usize));
            prefetch_read(self.best.as_slices().0.as_ptr());
        }
    }

    /// The front entry of the best non-empty tier, as (key, endpoint).
    fn front(&self) -> Option<(u64, u32)> {
        (self.nonempty != 0).then_some(self.head)
    }

    fn pop(&mut self) -> Option<u32> {
        if self.nonempty == 0 {
            return None;
        }
        let (_, e) = self.best.pop_front()?;
        if self.best.is_empty() {
            self.nonempty &= !(1 << self.best_tier);
            if self.nonempty == 0 {
                return Some(e);
            }
            // The next best tier's entries come here; its place keeps the empty list.
            self.best_tier = self.nonempty.trailing_zeros() as usize;
            std::mem::swap(&mut self.best, &mut self.tiers[self.best_tier]);
        }
        if let Some(&(t, next)) = self.best.front() {
            self.head = (Self::key(self.best_tier, t), next);
        }
        Some(e)
    }

    fn drain(&mut self) -> Vec<u32> {
        self.nonempty = 0;
        let mut all: Vec<(u32, u32)> = self.best.drain(..).collect();
        all.extend(self.tiers.iter_mut().flat_map(|t| t.drain(..)));
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
    /// Endpoints still waiting in each queue (the queues also hold stale entries, dropped
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
    queue: VecDeque<u32>,
}

impl CloudAdmins {
    fn new(spec: &ArchetypeSpec, vms: u64) -> CloudAdmins {
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
    fn busy_admins(&self) -> u32 {
        self.busy.div_ceil(self.parallel)
    }
}

/// The key desk: agents reading BitLocker keys out of the escrow service, one at a time,
/// first come first served. Requests are made as jobs start, which is in time order, so each
/// request takes the agent free soonest: the queue is exact without events of its own.
#[derive(Clone, Debug, Default)]
struct KeyDesk {
    /// When each agent is next free, earliest first.
    free_at: BinaryHeap<Reverse<u64>>,
}

impl KeyDesk {
    fn new(agents: u32) -> KeyDesk {
        KeyDesk { free_at: (0..agents).map(|_| Reverse(0)).collect() }
    }

    /// When a key asked for at `now` is read out, taking `time`; `None` without agents.
    fn request(&mut self, now: SimTime, time: SimDuration) -> Option<SimTime> {
        let Reverse(free) = self.free_at.pop()?;
        let done = free.max(now.0) + time.0;
        self.free_at.push(Reverse(done));
        Some(SimTime(done))
    }
}

/// Everything about getting crashed endpoints repaired, but the people.
#[derive(Clone, Debug)]
pub struct Repair {
    sites: Vec<SiteState>,
    key_servers: Vec<u32>,
    key_servers_down: u32,
    escrow_restored: bool,
    key_desk: KeyDesk,
    /// Endpoints waiting for a technician, without and with a BitLocker key needed.
    waiting_ready: u64,
    waiting_locked: u64,
    pub order: RepairOrder,
    cloud: CloudAdmins,
    /// Tools released so far, each with the key of its dice.
    hands_on_tools: Vec<(ToolSpec, u64)>,
    remote_tools: Vec<(ToolSpec, u64)>,
    /// Every crew, nearest to travel first (by its home site's travel time, then number):
    /// the order free people set out in. Sites and crews are fixed, so it is worked out once.
    travel_order: Vec<usize>,
    /// Crashed machines whose owners will fix them once the fix is known.
    owners_waiting: Vec<u32>,
    /// Owners' fixes and (in a lazy fleet) laptops coming within reach, due later: 8 bytes
    /// each instead of an event in the queue, for fleets where hundreds of millions wait.
    timers: Timers,
}

/// What a timer does when it is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Timer {
    OwnerFixed,
    Reachable,
}

/// Timers due later, `(due ms) << 32 | kind << 31 | endpoint`, earliest first, with one
/// `TimerDue` event in the queue at the earliest (events made stale by an earlier timer find
/// nothing due and do nothing). Timers due at the same millisecond run owners' fixes first,
/// then by endpoint.
#[derive(Clone, Debug, Default)]
pub(super) struct Timers {
    heap: std::collections::BinaryHeap<std::cmp::Reverse<u64>>,
    /// The earliest `TimerDue` event scheduled and not yet run.
    next_event: Option<SimTime>,
}

const TIMER_KIND: u64 = 1 << 31;

impl Repair {
    pub fn new(
        spec: &ArchetypeSpec,
        sites: Vec<SiteState>,
        key_servers: Vec<u32>,
        vms: u64,
        size: u32,
    ) -> Repair {
        let r = &spec.repair;
        let agents = ((r.key_desk_agents_per_1000 * f64::from(size) / 1_000.0).round() as u32)
            .max(r.key_desk_agents_min);
        Repair {
            sites,
            key_servers,
            key_servers_down: 0,
            escrow_restored: false,
            key_desk: KeyDesk::new(agents),
            waiting_ready: 0,
            waiting_locked: 0,
            order: r.order,
            cloud: CloudAdmins::new(spec, vms),
            hands_on_tools: Vec::new(),
            remote_tools: Vec::new(),
            travel_order: Vec::new(),
            owners_waiting: Vec::new(),
            timers: Timers::default(),
        }
    }

    /// Orders the crews for travel, given each crew's home site.
    pub fn set_travel_order(&mut self, crews: usize, home_of: impl Fn(usize) -> usize) {
        let mut order: Vec<usize> = (0..crews).collect();
        order.sort_by_key(|&c| (self.sites[home_of(c)].travel, c));
        self.travel_order = order;
    }

    /// Starts loading a site's record (its queues' fronts), every cache line it spans,
    /// without reading anything.
    pub fn prefetch_site(&self, site: usize) {
        let base = self.sites.as_ptr().wrapping_add(site).cast::<u8>();
        for line in 0..=std::mem::size_of::<SiteState>() / 64 {
            prefetch_read(base.wrapping_add(line * 64));
        }
    }

    pub fn sites(&self) -> &[SiteState] {
        &self.sites
    }

    pub fn site_kind(&self, site: usize) -> usize {
        self.sites[site].kind
    }

    pub fn site_clock(&self, site: usize) -> Clock {
        self.sites[site].clock
    }

    pub fn key_servers(&self) -> &[u32] {
        &self.key_servers
    }

    pub fn cloud_admins(&self) -> u32 {
        self.cloud.admins
    }

    pub fn cloud_busy_admins(&self) -> u32 {
        self.cloud.busy_admins()
    }

    /// Endpoints waiting for a technician, over all sites.
    pub fn waiting(&self) -> u64 {
        self.waiting_ready + self.waiting_locked
    }
}

/// A stable small hash of a tool's name, to key its dice.
fn tool_key(tool: &ToolSpec) -> u64 {
    blastradius_engine::random::hash_words(&tool.name.bytes().map(u64::from).collect::<Vec<_>>())
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

/// How a job gets its BitLocker key.
#[derive(Clone, Copy, Debug)]
enum KeyNeed {
    None,
    /// From the offline copy, taking this long.
    Offline(SimDuration),
    /// From the key desk, its read-out taking this long.
    Desk(SimDuration),
}

/// A lognormal draw of a duration.
fn draw(key: &[u64], d: DistSpec) -> SimDuration {
    SimDuration(d.sample_ms(key).round() as u64)
}

impl Org {
    /// Whether BitLocker keys can be had now.
    pub fn escrow_ok(&self) -> bool {
        let r = &self.repair;
        self.spec().repair.offline_key_escrow
            || r.escrow_restored
            || r.key_servers.is_empty()
            || (r.key_servers_down as usize) < r.key_servers.len()
    }

    /// A key-escrow server went down or came back.
    pub(super) fn key_server_changed(&mut self, down: bool) -> (bool, bool) {
        let was_ok = self.escrow_ok();
        if down {
            self.repair.key_servers_down += 1;
        } else {
            self.repair.key_servers_down -= 1;
        }
        (was_ok, self.escrow_ok())
    }

    pub(super) fn restore_key_escrow(&mut self) -> bool {
        let was_ok = self.escrow_ok();
        self.repair.escrow_restored = true;
        !was_ok
    }

    fn repairs_enabled(&self) -> bool {
        self.incident.declared && self.incident.workaround_known
    }

    /// Marks an encrypted machine whose key was never escrowed for re-imaging, as it joins
    /// the queue (its own dice decide).
    fn mark_lost_key(&mut self, endpoint: u32) {
        let e = self.endpoints[endpoint as usize];
        let share = self.spec().repair.lost_key_share.get();
        if e.bitlocker()
            && !e.reimage()
            && keyed::chance(&[self.endpoint_key(endpoint), purpose::LOST_KEY], share)
        {
            self.endpoints[endpoint as usize].set_reimage();
            self.ledger.counts.reimaged += 1;
        }
    }

    /// The repair-order tier of a job: lower goes first; within a tier, first crashed first.
    fn job_tier(&self, endpoint: u32) -> usize {
        let e = self.endpoints[endpoint as usize];
        if self.spec().repair.key_servers_first && self.endpoints[endpoint as usize].key_server() {
            return 0;
        }
        if e.reimage() {
            return REIMAGE_TIER;
        }
        match self.repair.order {
            RepairOrder::Fifo => 1,
            RepairOrder::CriticalityFirst => criticality_tier(e.class(), e.critical()),
            RepairOrder::ServiceAware => {
                let tables = &self.shared.archetypes[self.archetype];
                let site = &self.repair.sites[usize::from(e.site)];
                let g = tables.group(e.class(), site.kind, e.critical());
                1 + tables.services.group_rank[g] as usize
            }
        }
    }

    /// Whether the job waits for a key (an encrypted disk that is fixed, not re-imaged).
    fn locked_job(&self, endpoint: u32) -> bool {
        let e = self.endpoints[endpoint as usize];
        e.bitlocker() && !e.reimage()
    }

    pub(super) fn enqueue_for_technician(&mut self, endpoint: u32) {
        self.mark_lost_key(endpoint);
        self.endpoints[endpoint as usize].set_queued(true);
        self.push_job(endpoint);
        let site = usize::from(self.endpoints[endpoint as usize].site);
        let locked = self.locked_job(endpoint);
        let r = &mut self.repair;
        if locked {
            r.sites[site].waiting_locked += 1;
            r.waiting_locked += 1;
        } else {
            r.sites[site].waiting_ready += 1;
            r.waiting_ready += 1;
        }
    }

    fn push_job(&mut self, endpoint: u32) {
        let tier = self.job_tier(endpoint);
        let locked = self.locked_job(endpoint);
        let e = self.endpoints[endpoint as usize];
        let site = &mut self.repair.sites[usize::from(e.site)];
        let queue = if locked { &mut site.locked } else { &mut site.ready };
        queue.push(tier, e.down_since_ms, endpoint);
    }

    /// Bookkeeping for an endpoint leaving the crashed state: if it waited for a technician,
    /// it no longer does.
    pub(super) fn left_crashed(&mut self, endpoint: u32) {
        let e = self.endpoints[endpoint as usize];
        if !e.queued() {
            return;
        }
        let locked = self.locked_job(endpoint);
        self.endpoints[endpoint as usize].set_queued(false);
        let r = &mut self.repair;
        let site = &mut r.sites[usize::from(e.site)];
        if locked {
            site.waiting_locked -= 1;
            r.waiting_locked -= 1;
        } else {
            site.waiting_ready -= 1;
            r.waiting_ready -= 1;
        }
    }

    /// Whether a workstation is a remote worker's laptop (its own dice decide; a key-escrow
    /// server never is).
    pub fn is_remote_worker(&self, endpoint: u32) -> bool {
        let e = self.endpoints[endpoint as usize];
        let share = self.spec().repair.remote_worker_share.get();
        e.class() == Class::Workstation
            && share > 0.0
            && !self.endpoints[endpoint as usize].key_server()
            && keyed::chance(&[self.endpoint_key(endpoint), purpose::REMOTE], share)
    }

    /// When a crashed remote laptop can first be reached, if it is one: its user brings it in
    /// (or is walked through the fix, or ships it back) at the start of their first working
    /// day after the delay.
    pub(super) fn remote_worker_reachable(&self, endpoint: u32, now: SimTime) -> Option<SimTime> {
        if !self.is_remote_worker(endpoint) {
            return None;
        }
        let repair = &self.spec().repair;
        let key = self.endpoint_key(endpoint);
        let shipped =
            keyed::chance(&[key, purpose::REMOTE_SHIP], repair.remote_worker_ship_share.get());
        let delay = if shipped {
            draw(&[key, purpose::REMOTE_DELAY, 1], repair.remote_worker_ship_delay)
        } else {
            draw(&[key, purpose::REMOTE_DELAY], repair.remote_worker_delay)
        };
        let clock = self.repair.sites[usize::from(self.endpoints[endpoint as usize].site)].clock;
        Some(next_working_day_start(clock, self.spec().online.workday_start_hour, now + delay))
    }

    /// Whether a crashed machine's owner fixes it (its dice say so): then its owner's fix is
    /// scheduled, or waits until the organisation knows the fix.
    pub(super) fn owner_fixes(
        &mut self,
        endpoint: u32,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) -> bool {
        let share = self.spec().repair.owner_share.get();
        if share <= 0.0 || !keyed::chance(&[self.endpoint_key(endpoint), purpose::OWNER], share) {
            return false;
        }
        if self.incident.workaround_known {
            self.schedule_owner_fix(endpoint, now, ctx);
        } else {
            self.repair.owners_waiting.push(endpoint);
        }
        true
    }

    /// The fix became known: owners waiting for it set to work.
    pub(super) fn owners_learn_fix(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        for endpoint in std::mem::take(&mut self.repair.owners_waiting) {
            if self.endpoints[endpoint as usize].state() == State::Crashed {
                self.schedule_owner_fix(endpoint, now, ctx);
            }
        }
    }

    fn schedule_owner_fix(&mut self, endpoint: u32, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        let key = self.endpoint_key(endpoint);
        let at = now + draw(&[key, purpose::OWNER_DELAY], self.spec().repair.owner_delay);
        self.set_timer(at, Timer::OwnerFixed, endpoint, ctx);
    }

    /// Sets a timer for an endpoint (none at or past the horizon, which is at most 49 days:
    /// its milliseconds fit in 32 bits).
    pub(super) fn set_timer(
        &mut self,
        at: SimTime,
        kind: Timer,
        endpoint: u32,
        ctx: &mut Ctx<'_, Event>,
    ) {
        if at >= self.shared.horizon || at.0 > u64::from(u32::MAX) {
            return;
        }
        debug_assert!(u64::from(endpoint) < TIMER_KIND);
        let kind_bit = if kind == Timer::Reachable { TIMER_KIND } else { 0 };
        let timers = &mut self.repair.timers;
        timers.heap.push(std::cmp::Reverse((at.0 << 32) | kind_bit | u64::from(endpoint)));
        if timers.next_event.is_none_or(|t| at < t) {
            timers.next_event = Some(at);
            ctx.schedule(at, Event::TimerDue);
        }
    }

    /// Runs every timer due now, then makes sure an event waits for the next.
    pub(super) fn timers_due(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if self.repair.timers.next_event == Some(now) {
            self.repair.timers.next_event = None;
        }
        while let Some(&std::cmp::Reverse(packed)) = self.repair.timers.heap.peek() {
            if packed >> 32 > now.0 {
                break;
            }
            self.repair.timers.heap.pop();
            let endpoint = (packed & (TIMER_KIND - 1)) as u32;
            if packed & TIMER_KIND == 0 {
                if self.endpoints[endpoint as usize].state() == State::Crashed {
                    self.come_up(endpoint, State::RepairedByOwner, now, ctx);
                }
            } else {
                self.reachable(endpoint, now, ctx);
            }
        }
        let timers = &mut self.repair.timers;
        if let Some(&std::cmp::Reverse(packed)) = timers.heap.peek() {
            let next = SimTime(packed >> 32);
            if timers.next_event.is_none_or(|t| next < t) {
                timers.next_event = Some(next);
                ctx.schedule(next, Event::TimerDue);
            }
        }
    }

    /// A remote laptop came within reach: it joins its site's queue if still crashed.
    pub(super) fn reachable(&mut self, endpoint: u32, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if self.endpoints[endpoint as usize].state() == State::Crashed {
            self.enqueue_for_technician(endpoint);
            self.dispatch(now, ctx);
        }
    }

    /// Whether any technician job can start anywhere now.
    fn work_anywhere(&self) -> bool {
        self.repair.waiting_ready > 0 || (self.escrow_ok() && self.repair.waiting_locked > 0)
    }

    pub(super) fn set_order(&mut self, order: RepairOrder) {
        self.repair.order = order;
        for s in 0..self.repair.sites.len() {
            let site = &mut self.repair.sites[s];
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
        if !self.repair.sites[site].has_work(escrow) {
            return None;
        }
        let endpoints = &self.endpoints;
        let s = &mut self.repair.sites[site];
        let fresh = |queue: &mut JobQueue| {
            while let Some((key, e)) = queue.front() {
                let e = endpoints[e as usize];
                if e.state() == State::Crashed && e.queued() {
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
        let s = &self.repair.sites[site];
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
        let s = &mut self.repair.sites[site];
        let queue = if s.ready.front().is_some_and(|(k, _)| k == best) {
            &mut s.ready
        } else {
            &mut s.locked
        };
        let endpoint = queue.pop()?;
        // The next job here is checked at the next repair done here: start loading its record.
        if let Some((_, next)) = queue.front() {
            prefetch_read(&self.endpoints[next as usize]);
        }
        self.left_crashed(endpoint);
        Some(endpoint)
    }

    /// Gives work to every free person who can have some.
    pub(super) fn dispatch(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        self.dispatch_cloud(now, ctx);
        if !self.repairs_enabled() || !self.work_anywhere() {
            return;
        }
        let crews = self.workforce.crews().len();
        // Local work first: nobody travels while there is work at home.
        for crew in 0..crews {
            let home = self.workforce.home_of(crew);
            while self.workforce.crews()[crew].free() > 0 {
                let Some(job) = self.take_job(home) else { break };
                self.start_job(crew, home, job, SimDuration::ZERO, now, ctx);
            }
        }
        // Then free people travel to the site with the best job, nearest crews first.
        if !self.work_anywhere() {
            return;
        }
        // Nobody becomes free while jobs start, so the crews free now are those free below.
        let order = std::mem::take(&mut self.repair.travel_order);
        'crews: for &crew in &order {
            while self.workforce.crews()[crew].free() > 0 {
                let escrow = self.escrow_ok();
                let best = (0..self.repair.sites.len())
                    .filter_map(|s| self.front_key(s, escrow).map(|k| (k, s)))
                    .min();
                let Some((_, site)) = best else { break 'crews };
                let home = self.workforce.home_of(crew);
                let travel = if site == home {
                    SimDuration::ZERO
                } else {
                    self.repair.sites[home].travel + self.repair.sites[site].travel
                };
                let Some(job) = self.take_job(site) else { break 'crews };
                self.start_job(crew, site, job, travel, now, ctx);
            }
        }
        self.repair.travel_order = order;
    }

    /// When a hands-on job started at `now` is done: travel, access, the key (from the desk,
    /// or offline), then the fix or the re-imaging, the hands-on parts scaled by the crew's
    /// pace.
    fn job_done_at(
        &mut self,
        endpoint: u32,
        crew: usize,
        travel: SimDuration,
        now: SimTime,
    ) -> SimTime {
        let (arrived, fix, key) = self.job_plan(endpoint, crew, travel, now);
        let start = match key {
            KeyNeed::None => arrived,
            KeyNeed::Offline(retrieval) => arrived + retrieval,
            KeyNeed::Desk(read) => match self.repair.key_desk.request(now, read) {
                Some(key_ready) => arrived.max(key_ready),
                None => arrived + read,
            },
        };
        start + fix
    }

    /// A job's parts, worked out without changing anything (the key desk is asked after):
    /// when the repairer is at the machine, the hands-on time after the key, and how the key
    /// is had. (Borrowing the shared tables, not cloning their `Arc`: a clone would write its
    /// count, a cache line every worker thread shares.)
    fn job_plan(
        &self,
        endpoint: u32,
        crew: usize,
        travel: SimDuration,
        now: SimTime,
    ) -> (SimTime, SimDuration, KeyNeed) {
        let e = self.endpoints[endpoint as usize];
        let key = self.endpoint_key(endpoint);
        let spec = self.spec();
        let repair = &spec.repair;
        let pace = self.workforce.time_factor(crew, &spec.staff)
            * if self.is_remote_worker(endpoint) { repair.remote_worker_time_factor } else { 1.0 };
        let access = draw(&[key, purpose::ACCESS], repair.access_time[e.class().index()]);
        let arrived = now + travel + access.mul_f64(pace);
        if e.reimage() {
            let reimage = draw(&[key, purpose::REIMAGE_TIME], repair.reimage_time).mul_f64(pace);
            return (arrived, reimage, KeyNeed::None);
        }
        let tool = self
            .repair
            .hands_on_tools
            .iter()
            .find(|(t, k)| keyed::chance(&[key, purpose::TOOL, *k], t.share.get()))
            .map(|(t, _)| t);
        let (dist, needs_key) = match tool {
            Some(t) => (t.repair_time, t.needs_key),
            None => (repair.time[e.class().index()], true),
        };
        let fix = draw(&[key, purpose::REPAIR], dist).mul_f64(pace);
        let need = if !(e.bitlocker() && needs_key) {
            KeyNeed::None
        } else if repair.offline_key_escrow {
            KeyNeed::Offline(repair.offline_key_retrieval)
        } else {
            KeyNeed::Desk(draw(&[key, purpose::KEY], repair.key_retrieval))
        };
        (arrived, fix, need)
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
        self.ledger.counts.in_repair += 1;
        let done = self.job_done_at(endpoint, crew, travel, now);
        self.workforce.crew_mut(crew).busy += 1;
        let wage = self.crew_wage(crew, now);
        self.book_labour(now, done.since(now).as_hours_f64() * wage);
        ctx.schedule(done, Event::RepairDone { endpoint, crew: crew as u16, site: site as u16 });
    }

    pub(super) fn repair_done(
        &mut self,
        endpoint: u32,
        crew: usize,
        site: usize,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        // The repairer looks for the next job here last: start loading the jobs at the fronts
        // of the site's queues (its record was loaded ahead, see `Org::prefetch_event`).
        if let Some(s) = self.repair.sites.get(site) {
            for queue in [&s.ready, &s.locked] {
                queue.prefetch_front(&self.endpoints);
            }
        }
        if self.endpoints[endpoint as usize].state() == State::InRepair {
            let key = self.endpoint_key(endpoint);
            let share = self.spec().repair.reimage_share.get();
            let reimaged = self.endpoints[endpoint as usize].reimage();
            let fix_failed = !reimaged && keyed::chance(&[key, purpose::REIMAGE], share);
            if !fix_failed {
                self.come_up(endpoint, State::RepairedOnsite, now, ctx);
            } else {
                // The fix did not take: the machine goes back to the queue to be re-imaged.
                let e = &mut self.endpoints[endpoint as usize];
                e.set_state(State::Crashed);
                e.set_reimage();
                self.ledger.counts.in_repair -= 1;
                self.ledger.counts.reimaged += 1;
                self.enqueue_for_technician(endpoint);
            }
        }
        self.workforce.crew_mut(crew).busy -= 1;
        self.refresh_crew(crew, now);
        if self.workforce.crews()[crew].free() == 0 {
            return;
        }
        // Stay where the work is.
        if let Some(job) = self.take_job(site) {
            self.start_job(crew, site, job, SimDuration::ZERO, now, ctx);
        } else {
            self.dispatch(now, ctx);
        }
    }

    pub(super) fn route_cloud(&mut self, endpoint: u32, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        self.repair.cloud.queue.push_back(endpoint);
        self.dispatch_cloud(now, ctx);
    }

    pub(super) fn dispatch_cloud(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if !self.repairs_enabled() {
            return;
        }
        while self.repair.cloud.busy < self.repair.cloud.slots() {
            let Some(endpoint) = self.repair.cloud.queue.pop_front() else { return };
            if self.endpoints[endpoint as usize].state() != State::Crashed {
                continue;
            }
            self.left_crashed(endpoint);
            self.endpoints[endpoint as usize].set_state(State::InRepair);
            self.ledger.counts.in_repair += 1;
            self.repair.cloud.busy += 1;
            let dist = self.spec().repair.time[Class::CloudVm.index()];
            let time = draw(&[self.endpoint_key(endpoint), purpose::CLOUD], dist);
            let wage = self.spec().staff.wage_hour_usd;
            let parallel = f64::from(self.repair.cloud.parallel);
            self.book_labour(now, time.as_hours_f64() * wage / parallel);
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
        self.repair.cloud.busy -= 1;
        self.dispatch_cloud(now, ctx);
    }

    /// Whether remote tool number `tool` reaches a crashed endpoint.
    fn tool_reaches(&self, endpoint: u32, tool: usize) -> bool {
        let (tool, tool_key) = &self.repair.remote_tools[tool];
        let e = self.endpoints[endpoint as usize];
        let key = self.endpoint_key(endpoint);
        keyed::chance(&[key, purpose::TOOL, *tool_key], tool.share.get())
            && !(tool.needs_key && e.bitlocker() && !self.escrow_ok())
    }

    fn start_tool_repair(
        &mut self,
        endpoint: u32,
        tool_index: usize,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        let (tool, tool_key) = &self.repair.remote_tools[tool_index];
        let key = self.endpoint_key(endpoint);
        let time = draw(&[key, purpose::TOOL_TIME, *tool_key], tool.repair_time);
        self.left_crashed(endpoint);
        self.endpoints[endpoint as usize].set_state(State::InRepair);
        self.ledger.counts.in_repair += 1;
        ctx.schedule(now + time, Event::ToolRepairDone { endpoint });
    }

    /// Tries the remote tools on a freshly crashed endpoint.
    pub(super) fn try_remote_tools(
        &mut self,
        endpoint: u32,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) -> bool {
        let reaching =
            (0..self.repair.remote_tools.len()).find(|&t| self.tool_reaches(endpoint, t));
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
            ToolMode::HandsOn => {
                let key = tool_key(&tool);
                self.repair.hands_on_tools.push((tool, key));
            }
            ToolMode::Remote => {
                let key = tool_key(&tool);
                self.repair.remote_tools.push((tool, key));
                let t = self.repair.remote_tools.len() - 1;
                for endpoint in 0..self.endpoints.len() as u32 {
                    if self.endpoints[endpoint as usize].state() == State::Crashed
                        && self.tool_reaches(endpoint, t)
                    {
                        self.start_tool_repair(endpoint, t, now, ctx);
                    }
                }
            }
        }
    }

    /// Checks the repair part's own counters against the endpoint records.
    pub(super) fn check_queues(&self) -> Result<(), String> {
        let waiting =
            self.endpoints.iter().filter(|e| e.state() == State::Crashed && e.queued()).count()
                as u64;
        let site_waiting: u64 = self.repair.sites.iter().map(|s| u64::from(s.waiting())).sum();
        if waiting != site_waiting || waiting != self.repair.waiting() {
            return Err(format!(
                "{}: {waiting} wait for technicians, queues say {site_waiting}",
                self.name()
            ));
        }
        Ok(())
    }
}

/// The start of the first working day (a weekday, at `start_hour` local) at or after `t`.
pub fn next_working_day_start(clock: Clock, start_hour: f64, t: SimTime) -> SimTime {
    let local = clock.local_ms(t);
    let offset = (start_hour.clamp(0.0, 23.99) * MS_PER_HOUR as f64) as i64;
    let mut day = local.div_euclid(MS_PER_DAY);
    loop {
        let start = day * MS_PER_DAY + offset;
        if start >= local && crate::calendar::weekday_of(day) < 5 {
            return clock.sim_time(start);
        }
        day += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The head kept beside the tiers is always what scanning them would give, through
        /// any mix of pushes (to any tier, crash times in any order) and pops, and pops come
        /// out best tier first, first in first out within a tier.
        #[test]
        fn the_kept_head_is_the_best_tiers_front(
            ops in proptest::collection::vec((0usize..70, 0u32..1_000, any::<bool>()), 0..200)
        ) {
            let mut q = JobQueue::default();
            let mut model: Vec<VecDeque<(u32, u32)>> = vec![VecDeque::new(); MAX_TIERS];
            for (n, &(tier, t, pop)) in ops.iter().enumerate() {
                if pop {
                    let best = model.iter().position(|d| !d.is_empty());
                    let expected = best.and_then(|b| model[b].pop_front()).map(|(_, e)| e);
                    prop_assert_eq!(q.pop(), expected);
                } else {
                    q.push(tier, t, n as u32);
                    model[tier.min(MAX_TIERS - 1)].push_back((t, n as u32));
                }
                let front = model.iter().enumerate().find_map(|(k, d)| {
                    d.front().map(|&(t, e)| (JobQueue::key(k, t), e))
                });
                prop_assert_eq!(q.front(), front);
            }
        }
    }
}
