//! Who fetches bad content, when, and what happens next.
//!
//! Not every agent is exposed: each organisation has its own share of hosts on the affected
//! sensor versions and content channel (drawn once per organisation), and an endpoint's own
//! dice say whether it is among them.
//!
//! When a ring of a content version becomes available to the organisation, every endpoint that
//! runs the agent on a targeted OS and belongs to that ring gets its fetch time: the first time
//! it is online from then on, plus its check-in delay. Endpoints that are never online in time
//! cost nothing more. Fetches within the next few hours are sorted at once; the rest are sorted
//! only if the content is still bad when the cursor reaches them, which for a revert after 78
//! minutes is never. One event per crash walks the sorted fetches; a fetch at or after the
//! revert reached the organisation is good, and it and every later one are dropped.

use crate::calendar::Workstation;
use crate::event::Event;
use crate::fleet::{Endpoint, State};
use crate::shared::purpose;
use crate::spec::Class;
use blastradius_engine::keyed;
use blastradius_engine::queue::prefetch_read;
use blastradius_engine::{Ctx, SimDuration, SimTime};

use super::Org;
use super::repair::Timer;

/// Fetches within this long of availability are sorted immediately.
const NEAR: SimDuration = SimDuration::from_hours(3);

/// How far ahead in a cursor's sorted fetches to start loading an endpoint's record.
const FETCH_AHEAD: usize = 4;

/// The pending fetches of one released (content, ring), in time order.
#[derive(Clone, Debug, Default)]
pub struct Cursor {
    content: u8,
    base: SimTime,
    /// Sorted `(offset from base in ms) << 32 | endpoint`.
    due: Vec<u64>,
    next: usize,
    /// Fetches after the near window, not sorted yet.
    later: Vec<u64>,
    /// In a lazy fleet, the fetches after the near window instead: endpoint indices by
    /// window of `NEAR` (bucket `k` from `k·NEAR`), 4 bytes each; a bucket's fetch times are
    /// worked out again when the cursor reaches it, and never if the content is good by then.
    buckets: Vec<Vec<u32>>,
    bucket_next: usize,
}

/// The exposure part of an organisation: its pending fetches, the revert and halt as they
/// reached it, and the machines that crashed before the revert (they start healing when it
/// arrives).
#[derive(Clone, Debug, Default)]
pub struct Exposure {
    cursors: Vec<Cursor>,
    revert_at: Option<SimTime>,
    withdrawn_at: Option<SimTime>,
    crashed_before_revert: Vec<u32>,
    /// The self-heals of those machines, `(due ms) << 32 | endpoint`, in time order and, at
    /// equal times, in the order they were worked out; `heals_next` is the next due.
    heals: Vec<u64>,
    heals_next: usize,
    lag: SimDuration,
    affected_share: f64,
}

impl Exposure {
    pub fn new(lag: SimDuration, affected_share: f64) -> Exposure {
        Exposure { lag, affected_share, ..Exposure::default() }
    }
    pub fn lag(&self) -> SimDuration {
        self.lag
    }
    pub fn revert_at(&self) -> Option<SimTime> {
        self.revert_at
    }
    /// This organisation's share of agents on the affected versions and channel.
    pub fn affected_share(&self) -> f64 {
        self.affected_share
    }
}

impl Cursor {
    fn peek(&self) -> Option<(SimTime, u32)> {
        self.due.get(self.next).map(|&p| (self.base + SimDuration(p >> 32), p as u32))
    }
    fn clear(&mut self) {
        self.due = Vec::new();
        self.later = Vec::new();
        self.buckets = Vec::new();
        self.next = 0;
    }
}

impl Org {
    /// The ring endpoint `index` of the fleet belongs to.
    pub fn ring_of_endpoint(&self, index: u32) -> usize {
        self.ring_of(self.index_key(index))
    }

    /// The ring of an endpoint, from its dice and the rings' shares.
    fn ring_of(&self, endpoint_key: u64) -> usize {
        let cumulative = &self.shared.ring_cumulative;
        if cumulative.len() <= 1 {
            return 0;
        }
        let u = keyed::unit(&[endpoint_key, purpose::RING]);
        cumulative.iter().position(|&c| u < c).unwrap_or(cumulative.len() - 1)
    }

    pub(super) fn content_available(
        &mut self,
        content: u8,
        ring: u8,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        if self.exposure.revert_at.is_some() || self.exposure.withdrawn_at.is_some() {
            // The revert (or the halt) got here first: the organisation never takes the bad
            // content.
            return;
        }
        let targets = self.shared.targets_os[usize::from(content)];
        let affected = self.exposure.affected_share;
        let mut due = Vec::new();
        let mut later = Vec::new();
        let mut buckets: Vec<Vec<u32>> = Vec::new();
        // The fetch lists hold fleet indices (a lazy fleet's are not its records' numbers).
        let lazy = self.lazy.is_some();
        let check_in_ms = self.shared.spec.vendor.check_in_mean.as_secs_f64() * 1_000.0;
        for (i, e) in (0..self.size).map(|i| self.generated(i)).enumerate() {
            if !e.agent() || !targets[e.os().index()] {
                continue;
            }
            let key = self.index_key(i as u32);
            if self.ring_of(key) != usize::from(ring)
                || (affected < 1.0 && keyed::unit(&[key, purpose::AFFECTED]) >= affected)
            {
                continue;
            }
            let Some(offset) = self.fetch_offset(key, e, content, now, check_in_ms) else {
                continue;
            };
            let packed = (offset << 32) | i as u64;
            if offset < NEAR.0 {
                due.push(packed);
            } else if lazy {
                let k = (offset / NEAR.0) as usize;
                if buckets.len() <= k {
                    buckets.resize_with(k + 1, Vec::new);
                }
                buckets[k].push(i as u32);
            } else {
                later.push(packed);
            }
        }
        // The keys are distinct (an endpoint fetches once a cursor), so any sort gives this
        // order; a radix sort of millions of them takes a fraction of a comparison sort's time.
        radsort::sort(&mut due);
        let cursor = Cursor { content, base: now, due, next: 0, later, buckets, bucket_next: 1 };
        let index = self.exposure.cursors.len();
        self.exposure.cursors.push(cursor);
        self.schedule_cursor(index, ctx);
    }

    /// When endpoint `key` (whose record is `e`) fetches content `content` made available
    /// at `base`: the first time it is online from then on, plus its check-in delay (mean
    /// `check_in_ms`), in milliseconds after `base`; none if never within the horizon.
    fn fetch_offset(
        &self,
        key: u64,
        e: Endpoint,
        content: u8,
        base: SimTime,
        check_in_ms: f64,
    ) -> Option<u64> {
        let online_at = if e.class().always_on() {
            Some(base)
        } else {
            let clock = self.repair.site_clock(usize::from(e.site));
            Workstation { key, online: &self.spec().online, clock }.online_from(base)
        };
        let delay = keyed::exponential(&[key, purpose::CHECK_IN, u64::from(content)], check_in_ms);
        let offset = online_at?.since(base).0 + delay as u64;
        let late =
            offset >= u64::from(u32::MAX) || base + SimDuration(offset) >= self.shared.horizon;
        (!late).then_some(offset)
    }

    /// Works out the fetch times of a lazy cursor's next non-empty bucket into its sorted
    /// fetches.
    fn open_bucket(&mut self, index: usize) {
        let cursor = &mut self.exposure.cursors[index];
        let Some(k) =
            (cursor.bucket_next..cursor.buckets.len()).find(|&k| !cursor.buckets[k].is_empty())
        else {
            cursor.buckets = Vec::new();
            return;
        };
        cursor.bucket_next = k + 1;
        // Every fetch of the bucket is at or after its start: none is bad if the revert or
        // the halt reached the organisation by then.
        let start = cursor.base + SimDuration(k as u64 * NEAR.0);
        let over = [self.exposure.revert_at, self.exposure.withdrawn_at];
        if over.iter().flatten().any(|&t| t <= start) {
            cursor.clear();
            return;
        }
        let bucket = std::mem::take(&mut cursor.buckets[k]);
        let (content, base) = (cursor.content, cursor.base);
        let check_in_ms = self.shared.spec.vendor.check_in_mean.as_secs_f64() * 1_000.0;
        let mut due = Vec::with_capacity(bucket.len());
        for i in bucket {
            let e = self.generated(i);
            if let Some(offset) =
                self.fetch_offset(self.index_key(i), e, content, base, check_in_ms)
            {
                due.push((offset << 32) | u64::from(i));
            }
        }
        radsort::sort(&mut due);
        let cursor = &mut self.exposure.cursors[index];
        cursor.due = due;
        cursor.next = 0;
    }

    /// Schedules the cursor's next crash instant, sorting its later fetches when the near ones
    /// run out; drops it when nothing is left.
    fn schedule_cursor(&mut self, index: usize, ctx: &mut Ctx<'_, Event>) {
        if let Some(at) = self.cursor_due(index) {
            ctx.schedule(at, Event::FetchNext { cursor: index as u16 });
        }
    }

    /// The instant of a cursor's next crash, refilling its sorted fetches from those further
    /// off as it runs out (and clearing it once none is left).
    fn cursor_due(&mut self, index: usize) -> Option<SimTime> {
        let delay = self.shared.spec.vendor.contents
            [usize::from(self.exposure.cursors[index].content)]
        .crash_delay;
        let cursor = &mut self.exposure.cursors[index];
        if cursor.peek().is_none() && !cursor.later.is_empty() {
            cursor.due = std::mem::take(&mut cursor.later);
            radsort::sort(&mut cursor.due);
            cursor.next = 0;
        }
        if self.exposure.cursors[index].peek().is_none() {
            // A bucket's fetch times are the first pass's again, so an opened one is never
            // empty.
            self.open_bucket(index);
        }
        let cursor = &mut self.exposure.cursors[index];
        match cursor.peek() {
            Some((fetch, endpoint)) => {
                // Its record is read when the crash comes, most often within this window:
                // start loading it now, behind the engine's own work.
                if self.lazy.is_none() {
                    prefetch_read(&self.endpoints[endpoint as usize]);
                }
                Some(fetch + delay)
            }
            None => {
                cursor.clear();
                None
            }
        }
    }

    /// Handles every fetch whose crash instant is now, then those of the following instants
    /// while nothing else can happen to the organisation in between (the engine's quiet
    /// interval: no pending event of its own, no message before the window's end), as their
    /// own `FetchNext` events would have, without a trip through the queue for each.
    pub(super) fn fetch_next(&mut self, index: usize, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        let content = usize::from(self.exposure.cursors[index].content);
        let delay = self.shared.spec.vendor.contents[content].crash_delay;
        let mut now = now;
        loop {
            while let Some((fetch, endpoint)) = self.exposure.cursors[index].peek() {
                if fetch + delay > now {
                    break;
                }
                if self.exposure.revert_at.is_some_and(|r| fetch >= r)
                    || self.exposure.withdrawn_at.is_some_and(|w| fetch >= w)
                {
                    // Good content (or none) from here on, for this fetch and every later one.
                    self.exposure.cursors[index].clear();
                    return;
                }
                let cursor = &mut self.exposure.cursors[index];
                cursor.next += 1;
                // Crashes at one instant come in bursts: load the records a few ahead.
                if let (None, Some(&ahead)) =
                    (self.lazy.as_deref(), cursor.due.get(cursor.next + FETCH_AHEAD))
                {
                    prefetch_read(self.endpoints.as_ptr().wrapping_add(ahead as u32 as usize));
                }
                self.fetched_bad(endpoint, content, now, ctx);
            }
            let Some(at) = self.cursor_due(index) else { return };
            if !ctx.advance(at) {
                ctx.schedule(at, Event::FetchNext { cursor: index as u16 });
                return;
            }
            now = at;
        }
    }

    /// Endpoint `index` of the fleet fetched bad content and, if its dice say so, crashes
    /// now.
    fn fetched_bad(&mut self, index: u32, content: usize, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        let crash = &self.shared.spec.vendor.contents[content].crash;
        let endpoint = match self.lazy.as_deref() {
            Some(lazy) if index >= lazy.servers => {
                // Without a record: a lazy fleet takes one content version, and an endpoint is
                // in one ring, so this is its only fetch. It gets a record if it crashes.
                let mut e = lazy.endpoint(index);
                self.ledger.counts.exposed += 1;
                let p = crash[e.class().index()][e.os().index()].get();
                let key = self.index_key(index);
                if !keyed::chance(&[key, purpose::CRASH, content as u64], p) {
                    return;
                }
                e.mark_exposed();
                self.endpoints.push(e);
                self.origin.push(index);
                self.endpoints.len() as u32 - 1
            }
            _ => {
                let e = &mut self.endpoints[index as usize];
                if e.state() != State::Healthy {
                    return;
                }
                if !e.exposed() {
                    e.mark_exposed();
                    self.ledger.counts.exposed += 1;
                }
                let p = crash[e.class().index()][e.os().index()].get();
                let key = self.endpoint_key(index);
                if !keyed::chance(&[key, purpose::CRASH, content as u64], p) {
                    return;
                }
                index
            }
        };
        let class = self.endpoints[endpoint as usize].class();
        self.go_down(endpoint, now, ctx);
        if self.exposure.revert_at.is_some() {
            self.schedule_self_heal(endpoint, ctx);
        } else {
            self.exposure.crashed_before_revert.push(endpoint);
        }
        self.route_crashed(endpoint, class, now, ctx);
    }

    /// The vendor stopped serving the halted content: endpoints that fetch from now on get
    /// nothing new. Machines already crashed stay crashed; only the revert heals them.
    pub(super) fn withdrawn(&mut self, now: SimTime) {
        self.exposure.withdrawn_at.get_or_insert(now);
    }

    pub(super) fn revert_arrived(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if self.exposure.revert_at.is_some() {
            return;
        }
        self.exposure.revert_at = Some(now);
        self.telemetry.clear();
        // The machines that crashed before now heal at their own reboots: kept in order here,
        // behind one event, instead of an event each in the queue. The event holds the place
        // among equal-time events the first of theirs would have had, and keeps it (the
        // engine's resume in place), so every other event keeps its order against each.
        let mut heals = Vec::new();
        for endpoint in std::mem::take(&mut self.exposure.crashed_before_revert) {
            if self.endpoints[endpoint as usize].state() == State::Crashed
                && let Some(at) = self.self_heal_at(endpoint)
            {
                heals.push((at.0 << 32) | u64::from(endpoint));
            }
        }
        radsort::sort_by_key(&mut heals, |&h| h >> 32);
        if let Some(&first) = heals.first() {
            ctx.schedule(SimTime(first >> 32), Event::SelfHeals);
        }
        self.exposure.heals = heals;
        self.exposure.heals_next = 0;
    }

    /// Heals the machines due now, then those of the following instants while nothing else
    /// can happen to the organisation in between, as their own events would have, in their
    /// order; then leaves this event in place at the next.
    pub(super) fn self_heals(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        /// How far ahead in the list to start loading a machine's record.
        const AHEAD: usize = 8;
        let mut now = now;
        loop {
            while let Some(&h) = self.exposure.heals.get(self.exposure.heals_next) {
                if h >> 32 > now.0 {
                    break;
                }
                if ctx.preempted() {
                    // Something scheduled at this instant goes before the next heal.
                    return ctx.resume_in_place(now, Event::SelfHeals);
                }
                self.exposure.heals_next += 1;
                if let Some(&ahead) = self.exposure.heals.get(self.exposure.heals_next + AHEAD) {
                    prefetch_read(self.endpoints.as_ptr().wrapping_add(ahead as u32 as usize));
                }
                let endpoint = h as u32;
                if self.endpoints[endpoint as usize].state() == State::Crashed {
                    self.come_up(endpoint, State::SelfHealed, now, ctx);
                }
            }
            let Some(&h) = self.exposure.heals.get(self.exposure.heals_next) else {
                self.exposure.heals = Vec::new();
                return;
            };
            let at = SimTime(h >> 32);
            if !ctx.advance(at) {
                return ctx.resume_in_place(at, Event::SelfHeals);
            }
            now = at;
        }
    }

    /// A crashed machine with good connectivity reboots every interval; each reboot after the
    /// revert reached the organisation fetches it with some chance. Machines that stop at the
    /// recovery screen only get the reboots before they stop. One event, at the reboot that
    /// succeeds, stands for the whole loop.
    fn schedule_self_heal(&mut self, endpoint: u32, ctx: &mut Ctx<'_, Event>) {
        if let Some(at) = self.self_heal_at(endpoint) {
            ctx.schedule(at, Event::SelfHeal { endpoint });
        }
    }

    /// When a crashed machine heals itself, if it does before the horizon (the revert has
    /// reached the organisation).
    fn self_heal_at(&self, endpoint: u32) -> Option<SimTime> {
        let e = self.endpoints[endpoint as usize];
        let (Some(revert), true) = (self.exposure.revert_at, e.wired()) else { return None };
        let boot = &self.shared.spec.boot_loop;
        let interval = boot.reboot_interval.0.max(1);
        let crash = u64::from(e.down_since_ms);
        let first_chance = revert.0.saturating_sub(crash).div_ceil(interval).max(1);
        let key = self.endpoint_key(endpoint);
        let stops =
            keyed::chance(&[key, purpose::STOPS_AT_SCREEN], boot.recovery_screen_share.get());
        let last_reboot =
            if stops { u64::from(boot.reboots_before_recovery_screen) } else { u64::MAX };
        let failures = keyed::geometric_failures(
            &[key, purpose::HEAL],
            boot.self_heal_chance_per_reboot.get(),
        );
        if failures == u32::MAX {
            return None;
        }
        let reboot = first_chance + u64::from(failures);
        if reboot > last_reboot {
            return None;
        }
        let at = SimTime(crash.saturating_add(reboot.saturating_mul(interval)));
        (at < self.shared.horizon).then_some(at)
    }

    /// Sends a crashed endpoint on its way to repair: a remote tool if one can reach it, the
    /// cloud admins for a cloud VM, otherwise the technicians of its site.
    fn route_crashed(
        &mut self,
        endpoint: u32,
        class: Class,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        if self.owner_fixes(endpoint, now, ctx) || self.try_remote_tools(endpoint, now, ctx) {
            return;
        }
        if class == Class::CloudVm {
            self.route_cloud(endpoint, now, ctx);
        } else if let Some(at) = self.remote_worker_reachable(endpoint, now) {
            if at < self.shared.horizon {
                if self.lazy.is_some() {
                    self.set_timer(at, Timer::Reachable, endpoint, ctx);
                } else {
                    ctx.schedule(at, Event::Reachable { endpoint });
                }
            }
        } else {
            self.enqueue_for_technician(endpoint);
            self.dispatch(now, ctx);
        }
    }
}
