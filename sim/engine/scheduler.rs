//! The conservative windowed scheduler.
//!
//! ```text
//!            T = smallest pending timestamp (idle stretches are skipped, not stepped)
//!            E = smallest (earliest pending event + lookahead) over LPs
//!   ┌────────▼─────────────────────────────────────────────────────────────┐
//!   │ window [T, min(E, stop))                                             │
//!   │   worker 0: its own partitions            ─┐ in parallel: deliver    │
//!   │   worker 1: its own partitions            ─┤ the inbox, then every   │
//!   │   idle: another's smallest unstarted one  ─┘ LP handles its events   │
//!   │   in the window in key order; messages to other LPs go to outboxes   │
//!   └────────┬─────────────────────────────────────────────────────────────┘
//!            │ every partition done; the leader: first error (lowest LP id)
//!            │ wins; budget check; outbox[p][q] becomes inbox[q][p];
//!            │ next T = min(heads, messages)
//!            └──► next window
//! ```
//!
//! With more than one thread, the worker threads (`Workers`) stay together for the whole of a
//! `run_until` and wait for each other by spinning (napping only after a millisecond): a
//! fork-join per window would let the idle worker fall asleep and cost a wake-up per window,
//! a sizeable share of a window of about a hundred microseconds of work (PHOLD config A).
//! Each worker owns a contiguous share of the LPs, cut into partitions (2/8, 2/8, 2/8, 1/8,
//! 1/8 of the share), and steps its own first; a worker that runs out takes the smallest
//! unstarted partition of another. A window ends when every partition is done, and the
//! leader closes it and opens the next. Partitions mostly stay on one core, and what is left
//! to share out at the end of a window is small. Who steps which partition does not affect
//! results (below).
//!
//! Why it is correct: a message carries a timestamp at least its sender's lookahead after the
//! sender's clock, and a sender's clock in the window is at least its earliest pending event,
//! so nothing sent in a window can land inside it; every LP can process its window without
//! hearing from the others. Each LP declares its own lookahead ([`Model::lookahead`], never
//! below the configured one): LPs that send rarely or never widen the windows, and idle LPs do
//! not count at all.
//!
//! Why it is deterministic: every event's key says how it arrived, not when it was delivered
//! (see `queue::Key`): an LP's own events in scheduling order, then messages by (send time,
//! sender, sender's send order). A message's key carries an arrival number instead of those
//! three, to keep keys at two words: at each barrier the receiving partition sorts what
//! arrived by (receiver, send time, sender, send order) and numbers each receiver's messages
//! on from its count so far. Everything delivered at a barrier was sent in the window before
//! it, and everything delivered later was sent later, so arrival numbers follow (send time,
//! sender, send order) exactly, however the windows fall. So the order of events depends
//! neither on the number of partitions or threads nor on where windows end or `run_until`
//! stops.

use crate::queue::prefetch_read;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::queue::{EventQueue, Key, MAX_SEQUENCE, PendingQueue};
use super::random::{LpRng, lp_stream};
use super::time::{SimDuration, SimTime};
use super::workers::Workers;
use rayon::prelude::*;

/// The most worker threads a simulation may have.
pub const MAX_THREADS: usize = super::workers::MAX_WORKERS;

/// Identifies a logical process: its index in the vector given to [`Simulation::new`].
pub type LpId = u32;

/// The behaviour of one logical process. The engine owns the state and calls `handle` for each
/// event addressed to it, in key order.
pub trait Model: Send {
    type Event: Send;

    /// Handles one event at `ctx.now()`.
    fn handle(&mut self, event: Self::Event, ctx: &mut Ctx<'_, Self::Event>);

    /// Priority class of an event, the second part of the tie-break (lower runs first).
    fn priority(_event: &Self::Event) -> u8 {
        0
    }

    /// Relative amount of work this LP is expected to do; partitions balance total weight.
    fn weight(&self) -> u64 {
        1
    }

    /// The shortest delay of any message this LP may send from now on; the engine uses the
    /// larger of this and the configured lookahead. An LP that will never send again returns
    /// `SimDuration::MAX` and then never holds other LPs back. It may grow as the LP's state
    /// changes, never shrink: the engine holds the LP to the value it declared at the start of
    /// each window.
    fn lookahead(&self) -> SimDuration {
        SimDuration::ZERO
    }

    /// Hints the processor to load what handling this LP's next event reads first (state held
    /// behind a pointer, say); called a little before the engine gets to the LP in a window.
    fn prefetch(&self) {}
    /// Hints the processor to load what handling `next`, the LP's next pending event, will
    /// read; called before the current event is handled, so the load overlaps its handling,
    /// and for the LP's first event of a window while the LP before it runs.
    fn prefetch_event(&self, _next: &Self::Event) {}
}

/// Why a run stopped early. Each variant says what happened and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error(
        "LP {from} sent a message to LP {to} for {at} at {now}, inside the lookahead of {lookahead}; \
         messages must be timestamped at least {lookahead} after the sender's clock"
    )]
    LookaheadViolation { from: LpId, to: LpId, now: SimTime, at: SimTime, lookahead: SimDuration },
    #[error("LP {lp} scheduled an event for {at}, before its clock {now}")]
    ScheduledInPast { lp: LpId, now: SimTime, at: SimTime },
    #[error("LP {from} sent a message to LP {to}, which does not exist (there are {lps} LPs)")]
    UnknownLp { from: LpId, to: LpId, lps: u32 },
    #[error(
        "the run handled {handled} events by {at}, over its budget of {budget}; \
         raise the event budget or shorten the horizon"
    )]
    EventBudgetExceeded { budget: u64, handled: u64, at: SimTime },
    #[error("LP {lp} ran out of event sequence numbers")]
    SequenceExhausted { lp: LpId },
    #[error("invalid engine configuration: {0}")]
    InvalidConfig(String),
    /// The model found itself in a state it must never be in (see [`Ctx::abort`]): a bug.
    #[error("LP {lp} stopped the run at {at}: {message}")]
    Model { lp: LpId, at: SimTime, message: String },
}

/// How a simulation is bounded and run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Minimum delay of every message between LPs; the width of a window.
    pub lookahead: SimDuration,
    /// No event at or after the horizon is handled.
    pub horizon: SimTime,
    /// The run fails once it has handled more events than this.
    pub event_budget: u64,
    /// Worker threads; 1 runs on the calling thread with no pool.
    pub threads: usize,
    /// Scenario seed and replication index, from which every LP's stream is derived.
    pub seed: u64,
    pub replication: u64,
}

impl Config {
    pub fn new(lookahead: SimDuration, horizon: SimTime) -> Config {
        Config { lookahead, horizon, event_budget: u64::MAX, threads: 1, seed: 0, replication: 0 }
    }
}

/// Work done so far, for benchmarks and progress.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub events: u64,
    pub messages: u64,
    pub windows: u64,
}

/// What a handler can do: read the clock, draw random numbers, schedule its own events and send
/// messages to other LPs.
pub struct Ctx<'a, E> {
    now: SimTime,
    /// The end of the window being run: no message from another LP arrives before it.
    end: SimTime,
    /// Instants the handler moved on to by [`Ctx::advance`], each counted as an event.
    advances: u64,
    /// The tie-break word of the event being handled (priority, and sequence or arrival).
    tie: u64,
    /// Whether [`Ctx::resume_in_place`] was called.
    resumed: bool,
    id: LpId,
    /// Messages this LP has sent, for their ordering keys.
    sent: &'a mut u64,
    lookahead: SimDuration,
    lps: u32,
    queue: &'a mut EventQueue<E>,
    sequence: &'a mut u64,
    rng: &'a mut LpRng,
    outbox: &'a mut Outbox<E>,
    bounds: &'a [LpId],
    error: &'a mut Option<EngineError>,
    priority: fn(&E) -> u8,
}

impl<E> Ctx<'_, E> {
    /// The time of the event being handled.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// The earliest instant anything else can happen to this LP: its next pending event, or
    /// the end of the window being run, before which no message from another LP can arrive.
    /// Until then the LP is alone with its own state, so a handler that would schedule an
    /// event to itself at an earlier instant, with nothing to carry, may instead
    /// [`advance`](Ctx::advance) there and go on.
    #[inline]
    pub fn quiet_until(&mut self) -> SimTime {
        self.queue.settle();
        self.queue.peek_key().map_or(self.end, |k| k.time().min(self.end))
    }

    /// Moves the handler on to `at`, strictly between now and [`quiet_until`](Ctx::quiet_until):
    /// what it does from here is what an event of its own at `at` would have done (it is
    /// counted as one), the same schedules and sends in the same order, stamped `at`. Returns
    /// false, and stays, for any other instant.
    #[inline]
    pub fn advance(&mut self, at: SimTime) -> bool {
        if at <= self.now || at >= self.quiet_until() {
            return false;
        }
        self.now = at;
        self.advances += 1;
        true
    }

    /// Whether an event pending now (one this handler scheduled at this instant, of an
    /// earlier priority class) would be handled before another event of this handler's at
    /// this instant, in the handled event's place: then a handler working through a list of
    /// its own should [`resume_in_place`](Ctx::resume_in_place) now and let it go first.
    #[inline]
    pub fn preempted(&mut self) -> bool {
        self.queue.settle();
        self.queue.peek_key().is_some_and(|k| k < Key::with_tie(self.now, self.tie))
    }

    /// Schedules `event` for this LP at `at` (not before now) in the handled event's place
    /// among equal-time events: with its tie-break word (priority class, and its scheduling
    /// sequence), not a new one. For an event that stands for a list of events scheduled
    /// together (one sequence number each, consecutive): before and after it, every other
    /// event keeps the order it had against each of them. Once per handling; a local event's
    /// place only (a message's is refused).
    pub fn resume_in_place(&mut self, at: SimTime, event: E) {
        let key = Key::with_tie(at, self.tie);
        if at < self.now {
            return self.fail(EngineError::ScheduledInPast { lp: self.id, now: self.now, at });
        }
        if self.resumed || key.is_message() || (self.priority)(&event) != key.priority() {
            let message = "resume_in_place: once per handling, for a local event of the same \
                           priority";
            let error = EngineError::Model { lp: self.id, at: self.now, message: message.into() };
            return self.fail(error);
        }
        self.resumed = true;
        self.queue.push(key, event);
    }

    /// This LP's id.
    #[inline]
    pub fn id(&self) -> LpId {
        self.id
    }
    /// This LP's random stream.
    #[inline]
    pub fn rng(&mut self) -> &mut LpRng {
        self.rng
    }
    /// The engine's lookahead: the minimum delay of a message.
    #[inline]
    pub fn lookahead(&self) -> SimDuration {
        self.lookahead
    }

    /// Schedules an event for this LP at `at` (not before now).
    #[inline]
    pub fn schedule(&mut self, at: SimTime, event: E) {
        if at < self.now {
            self.fail(EngineError::ScheduledInPast { lp: self.id, now: self.now, at });
            return;
        }
        let key = match next_key(at, (self.priority)(&event), self.sequence) {
            Some(key) => key,
            None => return self.fail(EngineError::SequenceExhausted { lp: self.id }),
        };
        self.queue.push(key, event);
    }

    /// Schedules an event for this LP after `delay`.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        self.schedule(self.now + delay, event);
    }

    /// Sends an event to LP `to`, to be handled at `at`, which must be at least the lookahead
    /// after now. A message to oneself is an ordinary local event.
    #[inline]
    pub fn send(&mut self, to: LpId, at: SimTime, event: E) {
        if to == self.id {
            return self.schedule(at, event);
        }
        if to >= self.lps {
            return self.fail(EngineError::UnknownLp { from: self.id, to, lps: self.lps });
        }
        if at < self.now + self.lookahead {
            return self.fail(EngineError::LookaheadViolation {
                from: self.id,
                to,
                now: self.now,
                at,
                lookahead: self.lookahead,
            });
        }
        let part = partition_of(self.bounds, to);
        let priority = (self.priority)(&event);
        self.outbox.min_time = self.outbox.min_time.min(at);
        self.outbox.count += 1;
        let message = Message {
            to,
            at,
            priority,
            sent_at: self.now,
            sender: self.id,
            order: *self.sent,
            event,
        };
        *self.sent += 1;
        self.outbox.by_partition[part].push(message);
    }

    /// Ends the run with [`EngineError::Model`], for a model that finds itself where it must
    /// never be (an event it cannot handle, a broken conservation law). Unlike a debug
    /// assertion this holds in release builds too, so a test or CI run sees it as an error.
    /// The handler returns as usual; the run stops at the end of the window.
    pub fn abort(&mut self, message: impl Into<String>) {
        let error = EngineError::Model { lp: self.id, at: self.now, message: message.into() };
        self.fail(error);
    }

    fn fail(&mut self, error: EngineError) {
        if self.error.is_none() {
            *self.error = Some(error);
        }
    }
}

#[inline]
fn next_key(at: SimTime, priority: u8, sequence: &mut u64) -> Option<Key> {
    take_number(sequence).map(|n| Key::new(at, priority, n))
}

/// The counter's value, counting it on, while it fits in a key.
#[inline]
fn take_number(counter: &mut u64) -> Option<u64> {
    if *counter > MAX_SEQUENCE {
        return None;
    }
    *counter += 1;
    Some(*counter - 1)
}

/// Index of the partition holding `lp`, given each partition's first LP.
#[inline]
fn partition_of(bounds: &[LpId], lp: LpId) -> usize {
    bounds.partition_point(|&first| first <= lp) - 1
}

#[derive(Clone)]
struct Message<E> {
    to: LpId,
    at: SimTime,
    priority: u8,
    sent_at: SimTime,
    sender: LpId,
    /// The sender's count of messages sent before this one.
    order: u64,
    event: E,
}

impl<E> Message<E> {
    /// The order in which a receiver numbers its messages.
    fn arrival_order(&self) -> (LpId, SimTime, LpId, u64) {
        (self.to, self.sent_at, self.sender, self.order)
    }
}

#[derive(Clone)]
struct Outbox<E> {
    by_partition: Vec<Vec<Message<E>>>,
    min_time: SimTime,
    count: u64,
}

struct Lp<M: Model> {
    model: M,
    queue: EventQueue<M::Event>,
    rng: LpRng,
    sequence: u64,
    sent: u64,
    /// Messages received so far: the next one's arrival number.
    received: u64,
}

/// LPs are scanned in blocks; a block whose earliest head is outside the window is skipped
/// whole, so sparse activity costs little while dense activity is a linear scan.
const BLOCK: usize = 64;

/// Aligned so that no two partitions share a cache line: each is written at every event, and
/// two of them may be stepped on two cores at once.
#[repr(align(128))]
struct Partition<M: Model> {
    first: LpId,
    lps: Vec<Lp<M>>,
    /// Events each LP has handled, apart from the LPs so that reading every count between
    /// windows (to find the models that changed) is a scan of one array.
    handled: Vec<u64>,
    /// Time of each LP's earliest pending event (`u64::MAX` when none).
    heads: Vec<u64>,
    /// Each LP's declared lookahead in milliseconds (at least the configured one).
    lookaheads: Vec<u64>,
    /// `heads + lookaheads`: the earliest time each LP could make a message arrive.
    reach: Vec<u64>,
    block_min: Vec<u64>,
    block_reach: Vec<u64>,
    outbox: Outbox<M::Event>,
    /// Messages received at the last barrier, by sending partition.
    inbox: Vec<Vec<Message<M::Event>>>,
    /// Scratch space to sort the inbox in, kept to save an allocation per barrier.
    arrivals: Vec<Message<M::Event>>,
    events: u64,
    error: Option<EngineError>,
}

impl<M: Model> Partition<M> {
    fn push_local(&mut self, local: usize, at: SimTime, priority: u8, event: M::Event) -> bool {
        let Some(key) = next_key(at, priority, &mut self.lps[local].sequence) else {
            return false;
        };
        self.push_keyed(local, key, event);
        true
    }

    fn push_keyed(&mut self, local: usize, key: Key, event: M::Event) {
        let at = key.time();
        self.lps[local].queue.push(key, event);
        if at.0 < self.heads[local] {
            self.heads[local] = at.0;
            self.reach[local] = at.0.saturating_add(self.lookaheads[local]);
            let b = local / BLOCK;
            self.block_min[b] = self.block_min[b].min(at.0);
            self.block_reach[b] = self.block_reach[b].min(self.reach[local]);
        }
    }

    /// Queues the messages of the last barrier, numbering each receiver's in (send time,
    /// sender, send order) order. Kept out of line, so that the event loop after it stays
    /// small enough for the queue operations to be inlined into it.
    #[inline(never)]
    fn deliver_inbox(&mut self) {
        let mut arrivals = std::mem::take(&mut self.arrivals);
        for from_part in &mut self.inbox {
            arrivals.append(from_part);
        }
        // Keys are unique (a sender's send order is), so an unstable sort is deterministic.
        arrivals.sort_unstable_by_key(Message::arrival_order);
        for msg in arrivals.drain(..) {
            let local = (msg.to - self.first) as usize;
            let Some(arrival) = take_number(&mut self.lps[local].received) else {
                self.error.get_or_insert(EngineError::SequenceExhausted { lp: msg.to });
                break;
            };
            self.push_keyed(local, Key::message(msg.at, msg.priority, arrival), msg.event);
        }
        arrivals.clear();
        self.arrivals = arrivals;
    }

    /// Handles every event before `end`; returns the earliest time still pending here and the
    /// earliest time any LP here could make a message arrive.
    fn step(
        &mut self,
        end: u64,
        global: SimDuration,
        bounds: &[LpId],
        lps_total: u32,
    ) -> (u64, u64) {
        self.deliver_inbox();
        self.outbox.min_time = SimTime::MAX;
        self.outbox.count = 0;
        if self.error.is_some() {
            return (u64::MAX, u64::MAX);
        }
        let n = self.lps.len();
        let (mut part_min, mut part_reach) = (u64::MAX, u64::MAX);
        for b in 0..self.block_min.len() {
            if self.block_min[b] >= end {
                part_min = part_min.min(self.block_min[b]);
                part_reach = part_reach.min(self.block_reach[b]);
                continue;
            }
            let (lo, hi) = (b * BLOCK, ((b + 1) * BLOCK).min(n));
            // The LPs with work in this window (running one changes no other's head). Their
            // records are loaded ahead of their turn in three steps: four ahead the LP's own
            // entry, whose address needs no load; two ahead, that entry now in cache, its queue
            // and its model; one ahead, those in cache, what its first event will read.
            let mut active = [0u8; BLOCK];
            let mut count = 0;
            for i in lo..hi {
                active[count] = (i - lo) as u8;
                count += usize::from(self.heads[i] < end);
            }
            for p in 0..count {
                if let Some(&far) = active[..count].get(p + 4) {
                    let entry = std::ptr::from_ref(&self.lps[lo + usize::from(far)]);
                    prefetch_read(entry);
                    prefetch_read(entry.cast::<u8>().wrapping_add(64));
                }
                if let Some(&near) = active[..count].get(p + 2) {
                    let next = &self.lps[lo + usize::from(near)];
                    next.queue.prefetch();
                    next.model.prefetch();
                }
                if let Some(&now) = active[..count].get(p + 1) {
                    let next = &self.lps[lo + usize::from(now)];
                    if let Some(event) = next.queue.peek_next() {
                        next.model.prefetch_event(event);
                    }
                }
                let i = lo + usize::from(active[p]);
                self.run_lp(i, end, bounds, lps_total);
                if self.error.is_some() {
                    return (u64::MAX, u64::MAX);
                }
                let lookahead = self.lps[i].model.lookahead().max(global).0;
                self.lookaheads[i] = lookahead;
                self.reach[i] = self.heads[i].saturating_add(lookahead);
            }
            let (mut block_min, mut block_reach) = (u64::MAX, u64::MAX);
            for i in lo..hi {
                block_min = block_min.min(self.heads[i]);
                block_reach = block_reach.min(self.reach[i]);
            }
            self.block_min[b] = block_min;
            self.block_reach[b] = block_reach;
            part_min = part_min.min(block_min);
            part_reach = part_reach.min(block_reach);
        }
        (part_min, part_reach)
    }

    #[inline]
    fn run_lp(&mut self, i: usize, end: u64, bounds: &[LpId], lps: u32) {
        let id = self.first + i as LpId;
        let lookahead = SimDuration(self.lookaheads[i]);
        let lp = &mut self.lps[i];
        while let Some(key) = lp.queue.peek_key() {
            if key.time().0 >= end {
                break;
            }
            // The front's slot stays open for the handler's first schedule to fill.
            let Some((key, event)) = lp.queue.take_front() else { break };
            if let Some(next) = lp.queue.peek_next() {
                lp.model.prefetch_event(next);
            }
            self.handled[i] += 1;
            self.events += 1;
            let mut ctx = Ctx {
                now: key.time(),
                end: SimTime(end),
                advances: 0,
                tie: key.tie(),
                resumed: false,
                id,
                sent: &mut lp.sent,
                lookahead,
                lps,
                queue: &mut lp.queue,
                sequence: &mut lp.sequence,
                rng: &mut lp.rng,
                outbox: &mut self.outbox,
                bounds,
                error: &mut self.error,
                priority: M::priority,
            };
            lp.model.handle(event, &mut ctx);
            let advances = ctx.advances;
            self.handled[i] += advances;
            self.events += advances;
            lp.queue.settle();
            if self.error.is_some() {
                break;
            }
        }
        self.heads[i] = lp.queue.peek_key().map_or(u64::MAX, |k| k.time().0);
    }
}

/// A set of LPs and the scheduler that runs them.
pub struct Simulation<M: Model> {
    parts: Vec<Partition<M>>,
    /// First LP id of each partition.
    bounds: Vec<LpId>,
    /// First partition of each worker, then the number of partitions.
    owned: Vec<usize>,
    lps: u32,
    lookahead: SimDuration,
    horizon: SimTime,
    event_budget: u64,
    /// Every event before this time has been handled.
    clock: SimTime,
    /// Earliest pending event or message.
    next: SimTime,
    /// Earliest time a message could arrive from any LP: the end of the next window.
    reach: SimTime,
    counters: Counters,
    /// Shared by clones: a clone runs on the same worker threads.
    workers: Option<Arc<Workers>>,
    failed: Option<EngineError>,
}

impl<M: Model + Clone> Clone for Lp<M>
where
    M::Event: Clone,
{
    fn clone(&self) -> Self {
        Lp {
            model: self.model.clone(),
            queue: self.queue.clone(),
            rng: self.rng.clone(),
            sequence: self.sequence,
            sent: self.sent,
            received: self.received,
        }
    }
}

impl<M: Model + Clone> Clone for Partition<M>
where
    M::Event: Clone,
{
    fn clone(&self) -> Self {
        Partition {
            first: self.first,
            lps: self.lps.clone(),
            handled: self.handled.clone(),
            heads: self.heads.clone(),
            lookaheads: self.lookaheads.clone(),
            reach: self.reach.clone(),
            block_min: self.block_min.clone(),
            block_reach: self.block_reach.clone(),
            outbox: self.outbox.clone(),
            inbox: self.inbox.clone(),
            arrivals: Vec::new(),
            events: self.events,
            error: self.error.clone(),
        }
    }
}

/// A clone is the whole simulation state, pending events and random streams included: running
/// the clone gives exactly what running the original would (a snapshot to return to).
impl<M: Model + Clone> Clone for Simulation<M>
where
    M::Event: Clone,
{
    fn clone(&self) -> Self {
        Simulation {
            parts: self.parts.clone(),
            bounds: self.bounds.clone(),
            owned: self.owned.clone(),
            lps: self.lps,
            lookahead: self.lookahead,
            horizon: self.horizon,
            event_budget: self.event_budget,
            clock: self.clock,
            next: self.next,
            reach: self.reach,
            counters: self.counters,
            workers: self.workers.clone(),
            failed: self.failed.clone(),
        }
    }
}

impl<M: Model> Simulation<M> {
    /// Builds a simulation over `models`; LP `i` is `models[i]`.
    pub fn new(models: Vec<M>, config: &Config) -> Result<Simulation<M>, EngineError> {
        if config.lookahead == SimDuration::ZERO {
            return Err(EngineError::InvalidConfig("the lookahead must be positive".into()));
        }
        if config.threads == 0 {
            return Err(EngineError::InvalidConfig("at least one thread is needed".into()));
        }
        let lps = u32::try_from(models.len()).map_err(|_| {
            EngineError::InvalidConfig(format!("{} LPs is more than 2^32", models.len()))
        })?;
        let workers = if config.threads > 1 {
            let workers = Workers::new(config.threads).map_err(EngineError::InvalidConfig)?;
            Some(Arc::new(workers))
        } else {
            None
        };
        let weights: Vec<u64> = models.iter().map(|m| m.weight().max(1)).collect();
        let Layout { bounds, owned } = match &workers {
            Some(workers) => layout(&weights, workers.threads(), &PIECES),
            None => layout(&weights, 1, &[1]),
        };
        let nparts = bounds.len();
        let mut models = models.into_iter();
        let mut parts = Vec::with_capacity(nparts);
        for (p, &first) in bounds.iter().enumerate() {
            let last = bounds.get(p + 1).copied().unwrap_or(lps);
            let n = (last - first) as usize;
            let lps_here: Vec<Lp<M>> = (first..last)
                .zip(models.by_ref().take(n))
                .map(|(id, model)| Lp {
                    model,
                    queue: EventQueue::default(),
                    rng: lp_stream(config.seed, config.replication, id),
                    sequence: 0,
                    sent: 0,
                    received: 0,
                })
                .collect();
            let lookaheads: Vec<u64> =
                lps_here.iter().map(|lp| lp.model.lookahead().max(config.lookahead).0).collect();
            parts.push(Partition {
                first,
                lps: lps_here,
                handled: vec![0; n],
                heads: vec![u64::MAX; n],
                lookaheads,
                reach: vec![u64::MAX; n],
                block_min: vec![u64::MAX; n.div_ceil(BLOCK)],
                block_reach: vec![u64::MAX; n.div_ceil(BLOCK)],
                outbox: Outbox {
                    by_partition: (0..nparts).map(|_| Vec::new()).collect(),
                    min_time: SimTime::MAX,
                    count: 0,
                },
                inbox: (0..nparts).map(|_| Vec::new()).collect(),
                arrivals: Vec::new(),
                events: 0,
                error: None,
            });
        }
        Ok(Simulation {
            parts,
            bounds,
            owned,
            lps,
            lookahead: config.lookahead,
            horizon: config.horizon,
            event_budget: config.event_budget,
            clock: SimTime::ZERO,
            next: SimTime::MAX,
            reach: SimTime::MAX,
            counters: Counters::default(),
            workers,
            failed: None,
        })
    }

    pub fn lp_count(&self) -> u32 {
        self.lps
    }
    pub fn horizon(&self) -> SimTime {
        self.horizon
    }
    pub fn lookahead(&self) -> SimDuration {
        self.lookahead
    }
    /// Every event before this time has been handled.
    pub fn clock(&self) -> SimTime {
        self.clock
    }
    /// The earliest pending event, `SimTime::MAX` when nothing is pending.
    pub fn next_event_time(&self) -> SimTime {
        self.next
    }
    pub fn counters(&self) -> Counters {
        self.counters
    }

    fn locate(&self, lp: LpId) -> (usize, usize) {
        let p = partition_of(&self.bounds, lp);
        (p, (lp - self.bounds[p]) as usize)
    }

    /// The model of LP `lp`.
    pub fn lp(&self, lp: LpId) -> &M {
        let (p, i) = self.locate(lp);
        &self.parts[p].lps[i].model
    }

    /// Mutable access to LP `lp`'s model between windows (for example to apply a decision).
    pub fn lp_mut(&mut self, lp: LpId) -> &mut M {
        let (p, i) = self.locate(lp);
        &mut self.parts[p].lps[i].model
    }

    /// All models in LP id order.
    pub fn models(&self) -> impl Iterator<Item = &M> + '_ {
        self.parts.iter().flat_map(|p| p.lps.iter().map(|lp| &lp.model))
    }

    /// All models in LP id order, mutably.
    pub fn models_mut(&mut self) -> impl Iterator<Item = &mut M> + '_ {
        self.parts.iter_mut().flat_map(|p| p.lps.iter_mut().map(|lp| &mut lp.model))
    }

    /// Consumes the simulation, returning the models in LP id order.
    pub fn into_models(self) -> Vec<M> {
        self.parts.into_iter().flat_map(|p| p.lps.into_iter().map(|lp| lp.model)).collect()
    }

    /// Every model in LP id order with the number of events it has handled: a model whose count
    /// has not moved since a previous call has not changed (only events change models).
    pub fn models_with_handled(&self) -> impl Iterator<Item = (u64, &M)> + '_ {
        self.parts
            .iter()
            .flat_map(|p| p.handled.iter().copied().zip(p.lps.iter().map(|lp| &lp.model)))
    }

    /// Calls `f` on every model with its handled count (as
    /// [`Simulation::models_with_handled`]) and the slot of `slots` at its LP id, on the run's
    /// worker threads (in turn with one thread): for reading every model between windows, as
    /// a model's observer does at each output time, into per-LP records kept from one time to
    /// the next. Each call sees one LP and writes one slot, so the outcome does not depend on
    /// the thread count.
    pub fn par_update_with_handled<T, F>(&self, slots: &mut [T], f: F)
    where
        M: Sync,
        M::Event: Sync,
        T: Send,
        F: Fn(u64, &M, &mut T) + Sync,
    {
        self.par_update_loading_ahead(slots, |_, _| false, |_, _| {}, f);
    }

    /// [`par_update_with_handled`](Self::par_update_with_handled) for a pass that reads few
    /// models: `wanted(handled, slot)` says, from the count and the slot alone, whether `f`
    /// will read the LP's model, and those are loaded ahead of their turn in stages, so
    /// that the loads overlap: four wanted LPs ahead the engine's entry for the LP (its
    /// address needs no load), two ahead `prefetch(model, 0)` (the entry now in cache: the
    /// model's own lines), one ahead `prefetch(model, 1)` (what those lines point to).
    pub fn par_update_loading_ahead<T, W, P, F>(
        &self,
        slots: &mut [T],
        wanted: W,
        prefetch: P,
        f: F,
    ) where
        M: Sync,
        M::Event: Sync,
        T: Send,
        W: Fn(u64, &T) -> bool + Sync,
        P: Fn(&M, u8) + Sync,
        F: Fn(u64, &M, &mut T) + Sync,
    {
        self.par_fold_loading_ahead(slots, wanted, prefetch, || (), |h, m, slot, ()| f(h, m, slot));
    }

    /// [`par_update_loading_ahead`](Self::par_update_loading_ahead) that also gathers what
    /// the calls find: each task of the pass (a run of LPs in id order) starts from `start()`
    /// and every call adds to it; the tasks' results come back in LP order, so however they
    /// are combined the outcome does not depend on the thread count. An observer keeping
    /// running totals adds each slot's change, and reads no unchanged slot twice.
    pub fn par_fold_loading_ahead<T, A, W, P, S, F>(
        &self,
        slots: &mut [T],
        wanted: W,
        prefetch: P,
        start: S,
        f: F,
    ) -> Vec<A>
    where
        M: Sync,
        M::Event: Sync,
        T: Send,
        A: Send,
        W: Fn(u64, &T) -> bool + Sync,
        P: Fn(&M, u8) + Sync,
        S: Fn() -> A + Sync,
        F: Fn(u64, &M, &mut T, &mut A) + Sync,
    {
        /// LPs read by one task: small enough to share out partitions of many small LPs.
        const CHUNK: usize = 256;
        assert_eq!(slots.len(), self.lps as usize, "one slot per LP");
        let mut tasks = Vec::new();
        let mut rest = slots;
        for p in &self.parts {
            for (lps, handled) in p.lps.chunks(CHUNK).zip(p.handled.chunks(CHUNK)) {
                let (head, tail) = rest.split_at_mut(lps.len());
                tasks.push((lps, handled, head));
                rest = tail;
            }
        }
        let run = |(lps, handled, out): (&[Lp<M>], &[u64], &mut [T])| {
            let mut found = start();
            let mut ahead = [0u16; CHUNK];
            let mut count = 0;
            for (k, (&h, slot)) in handled.iter().zip(out.iter()).enumerate() {
                ahead[count] = k as u16;
                count += usize::from(wanted(h, slot));
            }
            let ahead = &ahead[..count];
            let mut next = 0;
            for (k, ((lp, &handled), slot)) in lps.iter().zip(handled).zip(out).enumerate() {
                if ahead.get(next).is_some_and(|&w| usize::from(w) == k) {
                    if let Some(&far) = ahead.get(next + 4) {
                        let entry = std::ptr::from_ref(&lps[usize::from(far)]);
                        prefetch_read(entry);
                        prefetch_read(entry.cast::<u8>().wrapping_add(64));
                    }
                    if let Some(&near) = ahead.get(next + 2) {
                        prefetch(&lps[usize::from(near)].model, 0);
                    }
                    if let Some(&soon) = ahead.get(next + 1) {
                        prefetch(&lps[usize::from(soon)].model, 1);
                    }
                    next += 1;
                }
                f(handled, &lp.model, slot, &mut found);
            }
            found
        };
        match &self.workers {
            Some(workers) => workers.install(|| tasks.into_par_iter().map(run).collect()),
            None => tasks.into_iter().map(run).collect(),
        }
    }

    /// Events handled by LP `lp` so far.
    pub fn events_handled(&self, lp: LpId) -> u64 {
        let (p, i) = self.locate(lp);
        self.parts[p].handled[i]
    }

    /// Schedules an event from outside the simulation, at or after the clock. Events scheduled
    /// this way arrive in call order.
    pub fn schedule(&mut self, lp: LpId, at: SimTime, event: M::Event) -> Result<(), EngineError> {
        if lp >= self.lps {
            return Err(EngineError::UnknownLp { from: lp, to: lp, lps: self.lps });
        }
        if at < self.clock {
            return Err(EngineError::ScheduledInPast { lp, now: self.clock, at });
        }
        let (p, i) = self.locate(lp);
        let priority = M::priority(&event);
        if !self.parts[p].push_local(i, at, priority, event) {
            return Err(EngineError::SequenceExhausted { lp });
        }
        self.next = self.next.min(at);
        self.reach = self.reach.min(SimTime(self.parts[p].reach[i]));
        Ok(())
    }

    /// Runs to the horizon.
    pub fn run(&mut self) -> Result<Counters, EngineError> {
        self.run_until(self.horizon)
    }

    /// Handles every event before `stop` (capped at the horizon) and sets the clock there.
    pub fn run_until(&mut self, stop: SimTime) -> Result<Counters, EngineError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let stop = stop.min(self.horizon);
        let result = match self.workers.clone() {
            None => self.windows_in_turn(stop),
            Some(workers) => self.windows_with_workers(stop, &workers),
        };
        if let Err(e) = result {
            self.failed = Some(e.clone());
            return Err(e);
        }
        self.clock = self.clock.max(stop);
        Ok(self.counters)
    }

    /// The window loop on the calling thread alone.
    fn windows_in_turn(&mut self, stop: SimTime) -> Result<(), EngineError> {
        let Simulation {
            parts,
            bounds,
            lps,
            lookahead,
            event_budget,
            clock,
            next,
            reach,
            counters,
            ..
        } = self;
        let mut parts: Vec<&mut Partition<M>> = parts.iter_mut().collect();
        while *next < stop {
            let end = (*reach).min(stop);
            debug_assert!(end > *next);
            let found = parts
                .iter_mut()
                .map(|p| p.step(end.0, *lookahead, bounds, *lps))
                .fold(NOTHING, earliest);
            let window = close_window(&mut parts, found, end, *lookahead, *event_budget, counters)?;
            (*clock, *next, *reach) = (end, window.0, window.1);
        }
        Ok(())
    }

    /// The window loop on the worker threads: every worker steps partitions, its own first (so each
    /// partition tends to stay on one core), then those another worker has not started; between
    /// windows the leader closes the window and opens the next.
    fn windows_with_workers(
        &mut self,
        stop: SimTime,
        workers: &Workers,
    ) -> Result<(), EngineError> {
        if self.next >= stop {
            return Ok(());
        }
        let Simulation {
            parts,
            bounds,
            owned,
            lps,
            lookahead,
            event_budget,
            clock,
            next,
            reach,
            counters,
            ..
        } = self;
        let (bounds, lps, global, budget) = (&bounds[..], *lps, *lookahead, *event_budget);
        let parts: Vec<Mutex<&mut Partition<M>>> = parts.iter_mut().map(Mutex::new).collect();
        let mut failure = None;
        workers.run_windows(
            owned,
            (*reach).min(stop).0,
            |p, end| lock(&parts[p]).step(end, global, bounds, lps),
            |found| {
                // No partition is being stepped: lock them all, uncontended.
                let mut guards: Vec<_> = parts.iter().map(lock).collect();
                let mut all: Vec<&mut Partition<M>> =
                    guards.iter_mut().map(|g| &mut ***g).collect();
                let end = (*reach).min(stop);
                match close_window(&mut all, found, end, global, budget, counters) {
                    Ok(window) => {
                        (*clock, *next, *reach) = (end, window.0, window.1);
                        (*next < stop).then(|| (*reach).min(stop).0)
                    }
                    Err(e) => {
                        failure = Some(e);
                        None
                    }
                }
            },
        );
        failure.map_or(Ok(()), Err)
    }
}

/// (earliest pending time, earliest time a message could arrive) when nothing is pending.
const NOTHING: (u64, u64) = (u64::MAX, u64::MAX);

fn earliest(a: (u64, u64), b: (u64, u64)) -> (u64, u64) {
    (a.0.min(b.0), a.1.min(b.1))
}

/// Locks a mutex that is only ever held by one worker at a time; a worker that panicked
/// holding it has already doomed the run, which its panic will report.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The barrier after a window ending at `end`, in which the partitions found `found`: counts
/// the window, checks for errors and the budget, and moves every partition's outbox for
/// partition q into q's inbox, keeping sender order. Returns the next window's earliest
/// pending time and end.
fn close_window<M: Model>(
    parts: &mut [&mut Partition<M>],
    found: (u64, u64),
    end: SimTime,
    global: SimDuration,
    budget: u64,
    counters: &mut Counters,
) -> Result<(SimTime, SimTime), EngineError> {
    let (mut next, mut reach) = found;
    counters.windows += 1;
    for part in parts.iter_mut() {
        counters.events += std::mem::take(&mut part.events);
        counters.messages += part.outbox.count;
        let first_message = part.outbox.min_time.0;
        next = next.min(first_message);
        // A message in flight makes its receiver active from its arrival: bound what that
        // receiver could send by the configured lookahead.
        reach = reach.min(first_message.saturating_add(global.0));
    }
    if let Some(error) = parts.iter_mut().find_map(|p| p.error.take()) {
        return Err(error);
    }
    if counters.events > budget {
        return Err(EngineError::EventBudgetExceeded { budget, handled: counters.events, at: end });
    }
    let mut outboxes: Vec<Vec<Vec<Message<M::Event>>>> =
        parts.iter_mut().map(|p| std::mem::take(&mut p.outbox.by_partition)).collect();
    for (q, part) in parts.iter_mut().enumerate() {
        for (p, out) in outboxes.iter_mut().enumerate() {
            debug_assert!(part.inbox[p].is_empty());
            std::mem::swap(&mut out[q], &mut part.inbox[p]);
        }
    }
    for (part, out) in parts.iter_mut().zip(outboxes) {
        part.outbox.by_partition = out;
    }
    Ok((SimTime(next), SimTime(reach)))
}

/// How a worker's share of the LPs is cut into partitions, in eighths of the share, largest
/// first. The worker steps its own partitions largest first and an idle worker takes another's
/// from the smallest end, so partitions mostly stay on one core while the last piece of work
/// to share out is an eighth of a share. (Measured on PHOLD config A against halving pieces,
/// 8/16, 4/16, 2/16, 1/16, 1/16, and against a single partition per worker: within the
/// machine's noise, this was never worse, and 3 to 7% faster on medians of paired rounds.)
const PIECES: [u32; 5] = [2, 2, 2, 1, 1];

/// Which LPs each partition holds and which worker owns it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Layout {
    /// First LP of each partition.
    bounds: Vec<LpId>,
    /// First partition of each worker, then the number of partitions.
    owned: Vec<usize>,
}

/// Splits LPs into contiguous, non-empty partitions: `workers` shares of roughly equal total
/// weight, each cut into pieces of weight in the proportions `pieces`. A piece too light to
/// hold an LP of its own is merged into the piece before it.
fn layout(weights: &[u64], workers: usize, pieces: &[u32]) -> Layout {
    let workers = workers.max(1);
    let per_worker: u128 = pieces.iter().map(|&p| u128::from(p)).sum();
    // Piece j starts at starts[j] / scale of the total weight.
    let scale = per_worker * workers as u128;
    let mut starts = Vec::with_capacity(workers * pieces.len());
    for w in 0..workers as u128 {
        let mut at = w * per_worker;
        for &p in pieces {
            starts.push(at);
            at += u128::from(p);
        }
    }
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    let mut bounds = vec![0];
    let mut piece_of = vec![0];
    let mut acc: u128 = 0;
    for (i, &w) in weights.iter().enumerate() {
        // The last piece whose start the weight before LP i has reached.
        let reached = starts.partition_point(|&start| total * start <= acc * scale) - 1;
        if i > 0 && reached > *piece_of.last().unwrap_or(&0) {
            bounds.push(i as LpId);
            piece_of.push(reached);
        }
        acc += u128::from(w);
    }
    let owned =
        (0..=workers).map(|w| piece_of.partition_point(|&j| j < w * pieces.len())).collect();
    Layout { bounds, owned }
}

impl<M: Model> fmt::Debug for Simulation<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulation")
            .field("lps", &self.lps)
            .field("partitions", &self.parts.len())
            .field("clock", &self.clock)
            .field("next", &self.next)
            .field("counters", &self.counters)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_balance_weight_and_cover_every_lp() {
        // Equal weights: each worker's half cut into pieces of 4/8, 2/8, 1/8 and 1/8.
        assert_eq!(
            layout(&[1; 16], 2, &[4, 2, 1, 1]),
            Layout { bounds: vec![0, 4, 6, 7, 8, 12, 14, 15], owned: vec![0, 4, 8] }
        );
        assert_eq!(
            layout(&[1; 8], 4, &[1]),
            Layout { bounds: vec![0, 2, 4, 6], owned: vec![0, 1, 2, 3, 4] }
        );
        // Too few LPs for every piece: light pieces merge into the one before.
        assert_eq!(
            layout(&[1; 3], 2, &[2, 1, 1]),
            Layout { bounds: vec![0, 1, 2], owned: vec![0, 2, 3] }
        );
        assert_eq!(layout(&[1; 3], 8, &[1]).bounds, vec![0, 1, 2]);
        // A heavy LP fills its worker's share alone.
        assert_eq!(
            layout(&[100, 1, 1, 1, 1], 2, &[1]),
            Layout { bounds: vec![0, 1], owned: vec![0, 1, 2] }
        );
        assert_eq!(layout(&[], 4, &[2, 1]), Layout { bounds: vec![0], owned: vec![0, 1, 1, 1, 1] });
        assert_eq!(layout(&[1; 5], 1, &[1]), Layout { bounds: vec![0], owned: vec![0, 1] });
        assert_eq!(partition_of(&[0, 2, 4], 3), 1);
        assert_eq!(partition_of(&[0, 2, 4], 4), 2);
        assert_eq!(partition_of(&[0, 2, 4], 0), 0);
    }

    /// LP 0 ticks every 3 ms up to tick 40, each fourth tick poking LP 1, which pokes back
    /// 10 ms later; `advance` ticks by moving on within the handler where it can.
    struct Ticker {
        seen: Vec<(SimTime, u32)>,
        advance: bool,
        refused: u32,
    }

    const POKE: u32 = 1_000;

    impl Ticker {
        fn tick(&mut self, tick: u32, ctx: &mut Ctx<'_, u32>) {
            self.seen.push((ctx.now(), tick));
            if tick.is_multiple_of(4) {
                ctx.send(1, ctx.now() + SimDuration(10), POKE);
            }
        }
    }

    impl Model for Ticker {
        type Event = u32;
        fn handle(&mut self, event: u32, ctx: &mut Ctx<'_, u32>) {
            if event == POKE {
                self.seen.push((ctx.now(), POKE));
                if ctx.id() == 1 && ctx.now() < SimTime(100) {
                    ctx.send(0, ctx.now() + SimDuration(10), POKE);
                }
                return;
            }
            let mut tick = event;
            self.tick(tick, ctx);
            while tick < 40 {
                let next = ctx.now() + SimDuration(3);
                tick += 1;
                if self.advance && ctx.advance(next) {
                    self.tick(tick, ctx);
                } else {
                    self.refused += u32::from(self.advance);
                    ctx.schedule(next, tick);
                    return;
                }
            }
        }
    }

    fn ticker(advance: bool, threads: usize) -> (Vec<Vec<(SimTime, u32)>>, Counters, u32) {
        let models = (0..2).map(|_| Ticker { seen: vec![], advance, refused: 0 }).collect();
        let mut config = Config::new(SimDuration(10), SimTime(1_000));
        config.threads = threads;
        let mut sim = Simulation::new(models, &config).unwrap();
        sim.schedule(0, SimTime(0), 0).unwrap();
        let counters = sim.run().unwrap();
        let refused = sim.models().map(|m| m.refused).sum();
        (sim.models().map(|m| m.seen.clone()).collect(), counters, refused)
    }

    #[test]
    fn advancing_within_a_handler_does_what_events_of_its_own_would() {
        let (seen, counters, refused) = ticker(false, 1);
        // Ticks at 0, 3, ..., 120; pokes back and forth 10 ms apart.
        assert_eq!(seen[0].iter().filter(|&&(_, e)| e != POKE).count(), 41);
        assert_eq!(seen[0][1], (SimTime(3), 1));
        for threads in [1, 2] {
            let (advanced, advanced_counters, advanced_refused) = ticker(true, threads);
            assert_eq!(advanced, seen, "{threads} threads");
            assert_eq!(advanced_counters.events, counters.events);
            // The window's end (10 ms windows) and the pokes waiting in the queue stop it
            // time and again: each time it schedules the tick as an event instead.
            assert!(advanced_refused >= 10, "{advanced_refused}");
            assert_eq!(refused, 0);
        }
    }

    /// An LP with one event pending at 5 ms, handling one at 1 ms in a window ending at 10.
    struct Probe(Vec<bool>);

    impl Model for Probe {
        type Event = u32;
        fn handle(&mut self, event: u32, ctx: &mut Ctx<'_, u32>) {
            if event == 0 {
                assert_eq!(ctx.quiet_until(), SimTime(5));
                self.0 = [SimTime(1), SimTime(0), SimTime(5), SimTime(6)]
                    .into_iter()
                    .map(|t| ctx.advance(t))
                    .collect();
                self.0.push(ctx.advance(SimTime(4)));
                assert_eq!(ctx.now(), SimTime(4));
            }
        }
    }

    #[test]
    fn advancing_stops_short_of_the_next_event_and_never_goes_back() {
        let mut config = Config::new(SimDuration(10), SimTime(100));
        config.threads = 1;
        let mut sim = Simulation::new(vec![Probe(vec![])], &config).unwrap();
        sim.schedule(0, SimTime(1), 0).unwrap();
        sim.schedule(0, SimTime(5), 1).unwrap();
        sim.run().unwrap();
        // Not to now, not back, not to the next event or past it; to 4 ms, yes.
        assert_eq!(sim.models().next().unwrap().0, vec![false, false, false, false, true]);
    }

    /// Items due at 5, 5, 5, 7, 9, 9 and 30 ms, scheduled together at 1 ms either as an event
    /// each or as one list behind one event; an event at 5 ms scheduled before them and one
    /// at 7 ms after; the second item schedules an urgent event (an earlier priority class)
    /// for its own instant.
    #[derive(Default)]
    struct Lister {
        list: bool,
        due: Vec<u64>,
        next: usize,
        seen: Vec<(u64, u32)>,
    }

    const START: u32 = 100;
    const LIST: u32 = 101;
    const BEFORE: u32 = 102;
    const AFTER: u32 = 103;
    const URGENT: u32 = 104;
    const ITEMS: [u64; 7] = [5, 5, 5, 7, 9, 9, 30];

    impl Lister {
        fn item(&mut self, k: u32, ctx: &mut Ctx<'_, u32>) {
            self.seen.push((ctx.now().0, k));
            if k == 1 {
                ctx.schedule(ctx.now(), URGENT);
            }
        }
    }

    impl Model for Lister {
        type Event = u32;
        fn priority(event: &u32) -> u8 {
            if *event == URGENT { 10 } else { 20 }
        }
        fn handle(&mut self, event: u32, ctx: &mut Ctx<'_, u32>) {
            match event {
                START => {
                    ctx.schedule(SimTime(5), BEFORE);
                    if self.list {
                        self.due = ITEMS.to_vec();
                        ctx.schedule(SimTime(ITEMS[0]), LIST);
                    } else {
                        for (k, &t) in ITEMS.iter().enumerate() {
                            ctx.schedule(SimTime(t), k as u32);
                        }
                    }
                    ctx.schedule(SimTime(7), AFTER);
                }
                LIST => loop {
                    while self.due.get(self.next).is_some_and(|&t| t <= ctx.now().0) {
                        if ctx.preempted() {
                            return ctx.resume_in_place(ctx.now(), LIST);
                        }
                        self.next += 1;
                        self.item(self.next as u32 - 1, ctx);
                    }
                    let Some(&t) = self.due.get(self.next) else { return };
                    if !ctx.advance(SimTime(t)) {
                        return ctx.resume_in_place(SimTime(t), LIST);
                    }
                },
                k if (k as usize) < ITEMS.len() => self.item(k, ctx),
                other => self.seen.push((ctx.now().0, other)),
            }
        }
    }

    fn lister(list: bool, threads: usize) -> Vec<(u64, u32)> {
        let mut config = Config::new(SimDuration(10), SimTime(100));
        config.threads = threads;
        let models = vec![Lister { list, ..Lister::default() }, Lister::default()];
        let mut sim = Simulation::new(models, &config).unwrap();
        sim.schedule(0, SimTime(1), START).unwrap();
        sim.run().unwrap();
        sim.models().next().unwrap().seen.clone()
    }

    #[test]
    fn a_list_behind_one_event_resumed_in_place_keeps_every_order_of_events_each() {
        let each = lister(false, 1);
        // By hand: at 5 the earlier-scheduled event, items 0 and 1, the urgent event item 1
        // scheduled (an earlier class), item 2; at 7 item 3, then the later-scheduled event;
        // at 9 items 4 and 5; at 30 item 6.
        let expected = vec![
            (5, BEFORE),
            (5, 0),
            (5, 1),
            (5, URGENT),
            (5, 2),
            (7, 3),
            (7, AFTER),
            (9, 4),
            (9, 5),
            (30, 6),
        ];
        assert_eq!(each, expected);
        for threads in [1, 2] {
            assert_eq!(lister(true, threads), expected, "{threads} threads");
        }
    }

    /// Resumes in place twice in one handling.
    struct Twice;

    impl Model for Twice {
        type Event = u32;
        fn handle(&mut self, event: u32, ctx: &mut Ctx<'_, u32>) {
            if event == 0 {
                ctx.resume_in_place(SimTime(5), 1);
                ctx.resume_in_place(SimTime(6), 1);
            }
        }
    }

    #[test]
    fn resuming_in_place_twice_in_one_handling_is_an_error() {
        let mut sim =
            Simulation::new(vec![Twice], &Config::new(SimDuration(10), SimTime(100))).unwrap();
        sim.schedule(0, SimTime(1), 0).unwrap();
        let err = sim.run().unwrap_err();
        assert!(err.to_string().contains("once per handling"), "{err}");
    }

    /// Counts down: each event at t sends one to the next LP at t + d, until the count is 0.
    struct Relay {
        seen: Vec<(SimTime, u32)>,
        delay: SimDuration,
    }

    impl Model for Relay {
        type Event = u32;
        fn handle(&mut self, left: u32, ctx: &mut Ctx<'_, u32>) {
            self.seen.push((ctx.now(), left));
            if left > 0 {
                let to = (ctx.id() + 1) % 3;
                ctx.send(to, ctx.now() + self.delay, left - 1);
            }
        }
    }

    fn relay(delay: u64, threads: usize) -> Simulation<Relay> {
        let models = (0..3).map(|_| Relay { seen: vec![], delay: SimDuration(delay) }).collect();
        let mut config = Config::new(SimDuration(10), SimTime(1_000));
        config.threads = threads;
        Simulation::new(models, &config).unwrap()
    }

    #[test]
    fn a_message_inside_the_lookahead_is_rejected_naming_lps_and_times() {
        let mut sim = relay(4, 1);
        sim.schedule(0, SimTime(7), 3).unwrap();
        let err = sim.run().unwrap_err();
        assert_eq!(
            err,
            EngineError::LookaheadViolation {
                from: 0,
                to: 1,
                now: SimTime(7),
                at: SimTime(11),
                lookahead: SimDuration(10)
            }
        );
        let text = err.to_string();
        assert!(text.contains("LP 0") && text.contains("LP 1") && text.contains("t+7ms"), "{text}");
        // A failed simulation stays failed rather than continuing from a broken state.
        assert!(sim.run().is_err());
    }

    /// A thousand relays, every seventh given one event, run to the end: 143 events handled.
    fn thousand_relays_run(threads: usize) -> Simulation<Relay> {
        let models = (0..1_000).map(|_| Relay { seen: vec![], delay: SimDuration(10) }).collect();
        let mut config = Config::new(SimDuration(10), SimTime(1_000));
        config.threads = threads;
        let mut sim = Simulation::new(models, &config).unwrap();
        for lp in (0..1_000).step_by(7) {
            sim.schedule(lp, SimTime(u64::from(lp)), 0).unwrap();
        }
        sim.run().unwrap();
        sim
    }

    /// A parallel read of every model gives what a sequential one does, each model into its
    /// own slot, on any number of threads (more LPs than a task reads, so several tasks per
    /// partition).
    #[test]
    fn a_parallel_update_reads_every_model_into_its_own_slot() {
        for threads in [1, 2, 4] {
            let sim = thousand_relays_run(threads);
            let mut got = vec![(0, 0); 1_000];
            sim.par_update_with_handled(&mut got, |handled, m, slot| {
                *slot = (handled, m.seen.len());
            });
            let want: Vec<(u64, usize)> =
                sim.models_with_handled().map(|(h, m)| (h, m.seen.len())).collect();
            assert_eq!(got, want, "{threads} threads");
            assert_eq!(got.iter().map(|g| g.0).sum::<u64>(), 143, "{threads} threads");
        }
    }

    #[test]
    fn a_pass_loading_ahead_reads_the_same_and_loads_only_wanted_models() {
        for threads in [1, 2] {
            let sim = thousand_relays_run(threads);
            let loaded = Mutex::new(Vec::new());
            let mut got = vec![(0, 0); 1_000];
            // Only LPs that handled an event are wanted; the prefetch notes what it was shown.
            sim.par_update_loading_ahead(
                &mut got,
                |handled, _| handled > 0,
                |m: &Relay, stage| loaded.lock().unwrap().push((m.seen.len(), stage)),
                |handled, m, slot| *slot = (handled, m.seen.len()),
            );
            let want: Vec<(u64, usize)> =
                sim.models_with_handled().map(|(h, m)| (h, m.seen.len())).collect();
            assert_eq!(got, want, "{threads} threads");
            let loaded = loaded.into_inner().unwrap();
            // 143 wanted, each LP with one event: stage 0 for all but the first two of each
            // task (a few hundred LPs each), stage 1 for all but the first; never an idle LP.
            assert!(loaded.iter().all(|&(seen, _)| seen == 1), "{threads} threads");
            let stage = |k| loaded.iter().filter(|l| l.1 == k).count();
            let tasks = 143 - stage(1);
            assert!((1..=20).contains(&tasks), "{tasks} tasks");
            assert_eq!(stage(0), 143 - 2 * tasks, "{threads} threads");
        }
    }

    /// A fold's tasks come back in LP order, each with what its calls added: concatenated,
    /// they are the sequential pass, on any number of threads.
    #[test]
    fn a_fold_returns_each_task_s_findings_in_lp_order() {
        for threads in [1, 2, 4] {
            let sim = thousand_relays_run(threads);
            let mut slots = vec![0u64; 1_000];
            let found = sim.par_fold_loading_ahead(
                &mut slots,
                |_, _| false,
                |_, _| {},
                Vec::new,
                |handled, m: &Relay, slot, seen: &mut Vec<(u64, usize)>| {
                    *slot = handled;
                    seen.push((handled, m.seen.len()));
                },
            );
            // Tasks hold at most 256 LPs and never span partitions.
            assert!(found.len() >= 4 && found.iter().all(|t| !t.is_empty() && t.len() <= 256));
            let got: Vec<(u64, usize)> = found.into_iter().flatten().collect();
            let want: Vec<(u64, usize)> =
                sim.models_with_handled().map(|(h, m)| (h, m.seen.len())).collect();
            assert_eq!(got, want, "{threads} threads");
            assert_eq!(slots.iter().sum::<u64>(), 143, "{threads} threads");
        }
    }

    #[test]
    fn idle_time_is_skipped_and_messages_arrive_on_time() {
        for threads in [1, 2] {
            let mut sim = relay(100, threads);
            sim.schedule(0, SimTime(5), 4).unwrap();
            let counters = sim.run().unwrap();
            assert_eq!(counters.events, 5);
            assert_eq!(counters.messages, 4);
            // One window per event: the gaps between them are skipped.
            assert_eq!(counters.windows, 5);
            assert_eq!(sim.lp(0).seen, vec![(SimTime(5), 4), (SimTime(305), 1)]);
            assert_eq!(sim.lp(1).seen, vec![(SimTime(105), 3), (SimTime(405), 0)]);
            assert_eq!(sim.lp(2).seen, vec![(SimTime(205), 2)]);
            assert_eq!(sim.clock(), SimTime(1_000));
        }
    }

    #[test]
    fn the_event_budget_stops_the_run_with_an_error() {
        let models = (0..3).map(|_| Relay { seen: vec![], delay: SimDuration(10) }).collect();
        let mut config = Config::new(SimDuration(10), SimTime(1_000_000));
        config.event_budget = 50;
        let mut sim = Simulation::new(models, &config).unwrap();
        sim.schedule(0, SimTime(0), 1_000).unwrap();
        match sim.run() {
            Err(EngineError::EventBudgetExceeded { budget: 50, handled, .. }) => {
                assert!(handled > 50)
            }
            other => panic!("expected a budget error, got {other:?}"),
        }
    }

    /// Handles counts; refuses the count 7, as a model refuses an event it cannot handle.
    struct Picky;

    impl Model for Picky {
        type Event = u32;
        fn handle(&mut self, n: u32, ctx: &mut Ctx<'_, u32>) {
            if n == 7 {
                ctx.abort(format!("got {n}"));
            } else if n < 10 {
                ctx.schedule_in(SimDuration(5), n + 1);
            }
        }
    }

    #[test]
    fn a_model_that_aborts_stops_the_run_with_its_message_on_any_number_of_threads() {
        for threads in [1, 2] {
            let mut config = Config::new(SimDuration(10), SimTime(1_000));
            config.threads = threads;
            let mut sim = Simulation::new(vec![Picky, Picky], &config).unwrap();
            sim.schedule(1, SimTime(0), 0).unwrap();
            let err = sim.run().unwrap_err();
            assert_eq!(
                err,
                EngineError::Model { lp: 1, at: SimTime(35), message: "got 7".into() },
                "{threads} threads"
            );
            assert_eq!(err.to_string(), "LP 1 stopped the run at t+35ms: got 7");
        }
    }

    #[test]
    fn run_until_stops_before_the_given_time_and_resumes() {
        let mut sim = relay(100, 1);
        sim.schedule(0, SimTime(5), 4).unwrap();
        sim.run_until(SimTime(205)).unwrap();
        assert_eq!(sim.counters().events, 2);
        assert_eq!(sim.clock(), SimTime(205));
        assert!(sim.schedule(0, SimTime(100), 0).is_err());
        sim.run().unwrap();
        assert_eq!(sim.counters().events, 5);
    }

    struct Ties {
        order: Vec<(u8, u32)>,
    }
    impl Model for Ties {
        type Event = (u8, u32);
        fn handle(&mut self, e: (u8, u32), _ctx: &mut Ctx<'_, (u8, u32)>) {
            self.order.push(e);
        }
        fn priority(e: &(u8, u32)) -> u8 {
            e.0
        }
    }

    /// LP 0 records what it handles; the others, at each of their own events, send it `n`
    /// messages that all arrive at time 1,000.
    struct Fan {
        seen: Vec<(u32, u32)>,
    }
    impl Model for Fan {
        type Event = (u32, u32);
        fn handle(&mut self, (from, n): (u32, u32), ctx: &mut Ctx<'_, (u32, u32)>) {
            if ctx.id() == 0 {
                self.seen.push((from, n));
                return;
            }
            for k in 0..n {
                ctx.send(0, SimTime(1_000), (ctx.id(), ctx.now().0 as u32 * 10 + k));
            }
        }
    }

    #[test]
    fn equal_time_messages_go_by_send_time_then_sender_then_send_order_however_run() {
        // (sender, time of its event, messages it sends then).
        let plan = [(3, 500, 2), (1, 10, 1), (2, 5, 1), (1, 500, 1), (2, 500, 1)];
        let expected = vec![
            (0, 0), // LP 0's own event at 1,000 comes before every message
            (2, 50),
            (1, 100),
            (1, 5_000),
            (2, 5_000),
            (3, 5_000),
            (3, 5_001),
        ];
        for threads in [1, 2, 4] {
            for stops in [vec![], vec![7], vec![300, 501], vec![5, 6, 10, 11, 499, 500, 501, 999]] {
                let mut config = Config::new(SimDuration(10), SimTime(2_000));
                config.threads = threads;
                let models = (0..4).map(|_| Fan { seen: vec![] }).collect();
                let mut sim = Simulation::new(models, &config).unwrap();
                sim.schedule(0, SimTime(1_000), (0, 0)).unwrap();
                for &(lp, at, n) in &plan {
                    sim.schedule(lp, SimTime(at), (lp, n)).unwrap();
                }
                for stop in &stops {
                    sim.run_until(SimTime(*stop)).unwrap();
                }
                sim.run().unwrap();
                assert_eq!(sim.lp(0).seen, expected, "threads {threads}, stops {stops:?}");
            }
        }
    }

    #[test]
    fn equal_times_break_by_priority_then_arrival() {
        let config = Config::new(SimDuration(10), SimTime(100));
        let mut sim = Simulation::new(vec![Ties { order: vec![] }], &config).unwrap();
        for e in [(2, 0), (1, 1), (2, 2), (0, 3), (1, 4)] {
            sim.schedule(0, SimTime(50), e).unwrap();
        }
        sim.run().unwrap();
        assert_eq!(sim.lp(0).order, vec![(0, 3), (1, 1), (1, 4), (2, 0), (2, 2)]);
    }
}
