//! Pending-event queues: the hot path of the engine.
//!
//! Every event carries a [`Key`]: its time, then a priority class, then how it arrived (see
//! [`Key`]), packed into two integers compared in order. Lower keys run first. That packing
//! *is* the tie-break rule (see the crate's documentation).
//!
//! The candidates share the [`PendingQueue`] trait so they can be measured against each other
//! on the same workload (`benches/engine.rs`, group `queue_hold`): `std`'s binary heap with a
//! reversed order; [`BinaryQueue`], a binary heap whose front can be taken and refilled with
//! one sift (the event loop's "handle one, schedule one"); an implicit 4-ary min-heap with keys
//! apart from events; and the adaptive queue that uses `BinaryQueue` while small and the 4-ary
//! heap once large, which is what the measurements favoured. The engine uses [`EventQueue`];
//! `benches/README.md` records the figures behind the choice.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::SimTime;

/// Ordering key of a pending event: time, then priority class, then how it arrived. An LP's
/// own events come before messages at the same time and priority, in the order they were
/// scheduled; messages follow in the order of their arrival numbers, which the scheduler
/// hands out at each barrier in (send time, sender, sender's send order) order (see
/// `scheduler`). None of this depends on when a message was delivered, so neither does the
/// order of events: not the number of threads, not where windows or `run_until` stop.
///
/// Two words, so that queue entries stay small: a logical process's queue is touched at
/// every window, and the queues of a thousand LPs must stay in cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    time: u64,
    /// `priority << 56 | is_message << 55 | (scheduling sequence, or arrival number)`.
    tie: u64,
}

/// The largest scheduling sequence (and arrival) number a key can hold: 55 bits.
pub const MAX_SEQUENCE: u64 = (1 << 55) - 1;
const MESSAGE: u64 = 1 << 55;

impl Key {
    /// The key of an LP's own event, the `sequence`-th it scheduled.
    #[inline]
    pub fn new(time: SimTime, priority: u8, sequence: u64) -> Key {
        debug_assert!(sequence <= MAX_SEQUENCE);
        Key { time: time.0, tie: (u64::from(priority) << 56) | sequence }
    }

    /// The key of the `arrival`-th message an LP received.
    #[inline]
    pub fn message(time: SimTime, priority: u8, arrival: u64) -> Key {
        debug_assert!(arrival <= MAX_SEQUENCE);
        Key { time: time.0, tie: (u64::from(priority) << 56) | MESSAGE | arrival }
    }
    /// A key at `time` with another key's tie-break word.
    #[inline]
    pub fn with_tie(time: SimTime, tie: u64) -> Key {
        Key { time: time.0, tie }
    }
    /// The tie-break word: priority, message flag, sequence or arrival number.
    #[inline]
    pub fn tie(self) -> u64 {
        self.tie
    }
    #[inline]
    pub fn time(self) -> SimTime {
        SimTime(self.time)
    }
    #[inline]
    pub fn priority(self) -> u8 {
        (self.tie >> 56) as u8
    }
    /// Whether the event is a message from another LP.
    #[inline]
    pub fn is_message(self) -> bool {
        self.tie & MESSAGE != 0
    }
    /// The scheduling sequence of an LP's own event (the arrival number of a message).
    #[inline]
    pub fn sequence(self) -> u64 {
        self.tie & MAX_SEQUENCE
    }
}

/// Asks the processor to start loading the cache line at `p`; a no-op off x86-64.
#[inline(always)]
pub fn prefetch_read<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: SSE is part of the x86-64 baseline, and a prefetch never faults or reads
        // memory architecturally, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// What the scheduler needs from a queue of pending events.
pub trait PendingQueue<E>: Default {
    fn push(&mut self, key: Key, event: E);
    /// Removes and returns the entry with the smallest key.
    fn pop(&mut self) -> Option<(Key, E)>;
    fn peek_key(&self) -> Option<Key>;
    fn len(&self) -> usize;
    /// Removes the entry with the smallest key, like [`pop`](Self::pop), but may leave its
    /// place open for the next [`push`](Self::push) to fill: an event loop that schedules one
    /// event for each it handles then sifts once instead of twice. Call
    /// [`settle`](Self::settle) before the next `peek_key`.
    #[inline]
    fn take_front(&mut self) -> Option<(Key, E)> {
        self.pop()
    }
    /// Closes the place a [`take_front`](Self::take_front) left open, if no push filled it.
    #[inline]
    fn settle(&mut self) {}
    /// Hints the processor to fetch the front of the queue into cache soon.
    fn prefetch(&self) {}
    /// The event that will be at the front once the one just taken (by
    /// [`take_front`](Self::take_front)) is settled, if nothing earlier is pushed meanwhile:
    /// for prefetching what it will need. `None` when the queue cannot say cheaply.
    fn peek_next(&self) -> Option<&E> {
        None
    }
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The queue the engine uses, chosen by measurement (see the module comment).
pub type EventQueue<E> = AdaptiveQueue<E>;

/// Queue length above which [`AdaptiveQueue`] moves from the binary to the 4-ary heap.
pub const ADAPTIVE_THRESHOLD: usize = 16_384;

/// A binary heap while small (fewer comparisons, all in cache) that becomes a 4-ary heap with
/// separate keys once it holds more than [`ADAPTIVE_THRESHOLD`] events (fewer cache misses per
/// level). Measured on the hold workload, each wins in its own range; a logical process's queue
/// can be 16 events (PHOLD) or a hundred thousand (a large organisation's pending repairs).
#[derive(Clone)]
pub enum AdaptiveQueue<E> {
    Small(BinaryQueue<E>),
    /// Boxed, so that the common small case keeps the enum (and every LP) compact.
    Large(Box<QuaternaryHeap<E>>),
}

impl<E> Default for AdaptiveQueue<E> {
    fn default() -> Self {
        AdaptiveQueue::Small(BinaryQueue::default())
    }
}

impl<E> AdaptiveQueue<E> {
    /// Moves a binary heap that outgrew [`ADAPTIVE_THRESHOLD`] into a 4-ary heap. Rare, so kept
    /// out of line.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        if let AdaptiveQueue::Small(q) = self {
            let mut large = QuaternaryHeap::default();
            for (key, event) in q.take_all() {
                large.push(key, event);
            }
            *self = AdaptiveQueue::Large(Box::new(large));
        }
    }
}

impl<E> PendingQueue<E> for AdaptiveQueue<E> {
    #[inline]
    fn push(&mut self, key: Key, event: E) {
        match self {
            AdaptiveQueue::Small(q) => {
                q.push(key, event);
                if q.len() > ADAPTIVE_THRESHOLD {
                    self.grow();
                }
            }
            AdaptiveQueue::Large(q) => q.push(key, event),
        }
    }
    #[inline]
    fn pop(&mut self) -> Option<(Key, E)> {
        match self {
            AdaptiveQueue::Small(q) => q.pop(),
            AdaptiveQueue::Large(q) => q.pop(),
        }
    }
    #[inline]
    fn peek_key(&self) -> Option<Key> {
        match self {
            AdaptiveQueue::Small(q) => q.peek_key(),
            AdaptiveQueue::Large(q) => q.peek_key(),
        }
    }
    fn len(&self) -> usize {
        match self {
            AdaptiveQueue::Small(q) => q.len(),
            AdaptiveQueue::Large(q) => q.len(),
        }
    }
    #[inline]
    fn take_front(&mut self) -> Option<(Key, E)> {
        match self {
            AdaptiveQueue::Small(q) => q.take_front(),
            AdaptiveQueue::Large(q) => q.pop(),
        }
    }
    #[inline]
    fn settle(&mut self) {
        if let AdaptiveQueue::Small(q) = self {
            q.settle();
        }
    }
    #[inline]
    fn prefetch(&self) {
        if let AdaptiveQueue::Small(q) = self {
            prefetch_read(q.slots.as_ptr());
        }
    }
    #[inline]
    fn peek_next(&self) -> Option<&E> {
        match self {
            AdaptiveQueue::Small(q) => q.peek_next(),
            AdaptiveQueue::Large(q) => q.peek_next(),
        }
    }
}

/// A binary min-heap that can leave its front open: [`take_front`](PendingQueue::take_front)
/// moves the front event out and leaves its slot empty; the next push drops its entry into
/// that slot and sifts it down once (where a pop and a push would sift twice), and
/// [`settle`](PendingQueue::settle) closes the slot when no push came.
#[derive(Clone)]
pub struct BinaryQueue<E> {
    slots: Vec<Slot<E>>,
    /// Slot 0 is empty: its event was taken.
    open: bool,
}

#[derive(Clone)]
struct Slot<E> {
    key: Key,
    /// `None` only in an open front slot.
    event: Option<E>,
}

impl<E> Default for BinaryQueue<E> {
    fn default() -> Self {
        BinaryQueue { slots: Vec::new(), open: false }
    }
}

impl<E> BinaryQueue<E> {
    // Both sifts carry the moving entry along a hole: each level copies one key and moves one
    // event (`Option::take`), instead of swapping whole entries.

    #[inline(always)]
    fn sift_up(&mut self, mut i: usize) {
        let key = self.slots[i].key;
        let event = self.slots[i].event.take();
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.slots[parent].key <= key {
                break;
            }
            self.slots[i].key = self.slots[parent].key;
            self.slots[i].event = self.slots[parent].event.take();
            i = parent;
        }
        self.slots[i] = Slot { key, event };
    }

    /// Sifts slot `i` down to where its key belongs.
    #[inline(always)]
    fn sift_down(&mut self, mut i: usize) {
        let n = self.slots.len();
        let key = self.slots[i].key;
        let event = self.slots[i].event.take();
        loop {
            let left = 2 * i + 1;
            if left >= n {
                break;
            }
            let right = left + 1;
            let child = if right < n && self.slots[right].key < self.slots[left].key {
                right
            } else {
                left
            };
            if key <= self.slots[child].key {
                break;
            }
            self.slots[i].key = self.slots[child].key;
            self.slots[i].event = self.slots[child].event.take();
            i = child;
        }
        self.slots[i] = Slot { key, event };
    }

    /// Moves slot 0's entry down the path of smaller children to a leaf, then up to where it
    /// belongs ("bottom-up" deletion): for the last entry, which belongs near the bottom, one
    /// comparison per level instead of two.
    #[inline(always)]
    fn sift_down_to_bottom_then_up(&mut self) {
        let n = self.slots.len();
        let key = self.slots[0].key;
        let event = self.slots[0].event.take();
        let mut i = 0;
        loop {
            let left = 2 * i + 1;
            if left >= n {
                break;
            }
            let right = left + 1;
            let child = if right < n && self.slots[right].key < self.slots[left].key {
                right
            } else {
                left
            };
            self.slots[i].key = self.slots[child].key;
            self.slots[i].event = self.slots[child].event.take();
            i = child;
        }
        self.slots[i] = Slot { key, event };
        self.sift_up(i);
    }

    /// Every entry, in no particular order.
    fn take_all(&mut self) -> impl Iterator<Item = (Key, E)> {
        self.open = false;
        std::mem::take(&mut self.slots).into_iter().filter_map(|s| Some((s.key, s.event?)))
    }
}

impl<E> PendingQueue<E> for BinaryQueue<E> {
    #[inline(always)]
    fn push(&mut self, key: Key, event: E) {
        let slot = Slot { key, event: Some(event) };
        if self.open {
            self.open = false;
            self.slots[0] = slot;
            self.sift_down(0);
        } else {
            self.slots.push(slot);
            self.sift_up(self.slots.len() - 1);
        }
    }
    #[inline]
    fn pop(&mut self) -> Option<(Key, E)> {
        let front = self.take_front();
        self.settle();
        front
    }
    #[inline(always)]
    fn peek_key(&self) -> Option<Key> {
        debug_assert!(!self.open, "peek_key on an unsettled queue");
        self.slots.first().map(|s| s.key)
    }
    fn len(&self) -> usize {
        self.slots.len() - usize::from(self.open)
    }
    #[inline(always)]
    fn take_front(&mut self) -> Option<(Key, E)> {
        self.settle();
        let front = self.slots.first_mut()?;
        let event = front.event.take()?;
        self.open = true;
        Some((front.key, event))
    }
    #[inline(always)]
    fn settle(&mut self) {
        if !self.open {
            return;
        }
        self.open = false;
        // The last entry fills the open front (or, when it is the front, just goes).
        let last = self.slots.pop().expect("an open queue has its front slot");
        if !self.slots.is_empty() {
            self.slots[0] = last;
            self.sift_down_to_bottom_then_up();
        }
    }
    /// With the front open, the smaller of its children (each subtree is a heap, so the
    /// smallest remaining entry is one of them); else the front.
    #[inline(always)]
    fn peek_next(&self) -> Option<&E> {
        if !self.open {
            return self.slots.first().and_then(|s| s.event.as_ref());
        }
        let child = match (self.slots.get(1), self.slots.get(2)) {
            (Some(l), Some(r)) => Some(if r.key < l.key { r } else { l }),
            (l, _) => l,
        };
        child.and_then(|s| s.event.as_ref())
    }
}

/// `std::collections::BinaryHeap` with the order reversed into a min-heap.
#[derive(Clone)]
pub struct StdBinaryHeap<E> {
    heap: BinaryHeap<MinEntry<E>>,
}

#[derive(Clone)]
struct MinEntry<E> {
    key: Key,
    event: E,
}

impl<E> PartialEq for MinEntry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for MinEntry<E> {}
impl<E> PartialOrd for MinEntry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for MinEntry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

impl<E> Default for StdBinaryHeap<E> {
    fn default() -> Self {
        StdBinaryHeap { heap: BinaryHeap::new() }
    }
}

impl<E> PendingQueue<E> for StdBinaryHeap<E> {
    #[inline]
    fn push(&mut self, key: Key, event: E) {
        self.heap.push(MinEntry { key, event });
    }
    #[inline]
    fn pop(&mut self) -> Option<(Key, E)> {
        self.heap.pop().map(|e| (e.key, e.event))
    }
    #[inline]
    fn peek_key(&self) -> Option<Key> {
        self.heap.peek().map(|e| e.key)
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
}

/// An implicit 4-ary min-heap with keys stored apart from events, so that sifting compares
/// densely packed keys (four children share a cache line) and moves events only along the
/// path that changes.
#[derive(Clone)]
pub struct QuaternaryHeap<E> {
    keys: Vec<Key>,
    events: Vec<E>,
}

impl<E> Default for QuaternaryHeap<E> {
    fn default() -> Self {
        QuaternaryHeap { keys: Vec::new(), events: Vec::new() }
    }
}

impl<E> QuaternaryHeap<E> {
    #[inline]
    fn sift_up(&mut self, mut i: usize) {
        let key = self.keys[i];
        while i > 0 {
            let parent = (i - 1) / 4;
            if self.keys[parent] <= key {
                break;
            }
            self.keys[i] = self.keys[parent];
            self.events.swap(i, parent);
            i = parent;
        }
        self.keys[i] = key;
    }

    /// Moves the hole at the root down to a leaf along the path of smallest children, then
    /// sifts the displaced last key up from there ("bottom-up" deletion): one comparison less
    /// per level than a classic sift-down, since the last key usually belongs near the bottom.
    #[inline]
    fn sift_down_to_bottom_then_up(&mut self) {
        let n = self.keys.len();
        let mut i = 0;
        let key = self.keys[0];
        loop {
            let first = 4 * i + 1;
            if first >= n {
                break;
            }
            let last = (first + 4).min(n);
            let mut best = first;
            let mut best_key = self.keys[first];
            for c in first + 1..last {
                let k = self.keys[c];
                if k < best_key {
                    best = c;
                    best_key = k;
                }
            }
            self.keys[i] = best_key;
            self.events.swap(i, best);
            i = best;
        }
        self.keys[i] = key;
        self.sift_up(i);
    }
}

impl<E> PendingQueue<E> for QuaternaryHeap<E> {
    #[inline]
    fn push(&mut self, key: Key, event: E) {
        self.keys.push(key);
        self.events.push(event);
        let last = self.keys.len() - 1;
        self.sift_up(last);
    }

    #[inline]
    fn pop(&mut self) -> Option<(Key, E)> {
        let n = self.keys.len();
        if n == 0 {
            return None;
        }
        let key = self.keys.swap_remove(0);
        let event = self.events.swap_remove(0);
        if n > 1 {
            self.sift_down_to_bottom_then_up();
        }
        Some((key, event))
    }

    #[inline]
    fn peek_key(&self) -> Option<Key> {
        self.keys.first().copied()
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    /// A pop leaves nothing open: the next event is the front.
    #[inline]
    fn peek_next(&self) -> Option<&E> {
        self.events.first()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::keyed;
    use proptest::prelude::*;

    fn drain<Q: PendingQueue<u32>>(mut q: Q) -> Vec<Key> {
        let mut out = Vec::new();
        while let Some((k, _)) = q.pop() {
            out.push(k);
        }
        out
    }

    #[test]
    fn messages_follow_own_events_in_arrival_order() {
        let t = SimTime(100);
        let own = Key::new(t, 1, 999);
        let first = Key::message(t, 1, 0);
        let second = Key::message(t, 1, 1);
        assert!(own < first && first < second);
        assert!(Key::message(t, 0, 99) < own, "priority still comes first");
        assert!(Key::message(SimTime(99), 1, 5) < own, "and time before that");
        assert!(first.is_message() && !own.is_message());
        assert_eq!(std::mem::size_of::<Key>(), 16);
    }

    #[test]
    fn key_packs_time_then_priority_then_sequence() {
        let k = Key::new(SimTime(7), 3, 99);
        assert_eq!((k.time(), k.priority(), k.sequence()), (SimTime(7), 3, 99));
        assert!(Key::new(SimTime(1), 9, 9) < Key::new(SimTime(2), 0, 0));
        assert!(Key::new(SimTime(1), 0, 9) < Key::new(SimTime(1), 1, 0));
        assert!(Key::new(SimTime(1), 1, 0) < Key::new(SimTime(1), 1, 1));
    }

    proptest! {
        #[test]
        fn both_queues_pop_in_key_order(times in proptest::collection::vec(0u64..50, 0..300)) {
            let mut a = StdBinaryHeap::default();
            let mut b = QuaternaryHeap::default();
            let mut c = AdaptiveQueue::default();
            let mut d = BinaryQueue::default();
            for (i, t) in times.iter().enumerate() {
                let key = Key::new(SimTime(*t), (t % 3) as u8, i as u64);
                a.push(key, i as u32);
                b.push(key, i as u32);
                c.push(key, i as u32);
                d.push(key, i as u32);
            }
            let (a, b, c, d) = (drain(a), drain(b), drain(c), drain(d));
            let mut sorted = a.clone();
            sorted.sort();
            prop_assert_eq!(&a, &sorted);
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(&a, &c);
            prop_assert_eq!(&a, &d);
        }

        /// An event loop's pattern: take the front, push zero, one or more later events into
        /// the open slot, settle. The fronts come out in the order a sorted list gives.
        #[test]
        fn take_front_then_pushes_keep_key_order(
            steps in proptest::collection::vec((0u64..40, 0usize..3), 1..400)
        ) {
            let mut q = BinaryQueue::default();
            let mut reference: Vec<Key> = Vec::new();
            let mut seq = 0u64;
            let mut now = 0u64;
            for (i, _) in steps.iter().enumerate().take(8) {
                let key = Key::new(SimTime(i as u64 * 3), 0, seq);
                seq += 1;
                q.push(key, seq as u32);
                reference.push(key);
            }
            for (delay, pushes) in steps {
                reference.sort();
                let Some((key, event)) = q.take_front() else { break };
                prop_assert_eq!(key, reference.remove(0));
                prop_assert_eq!(q.len(), reference.len());
                prop_assert!(key.time().0 >= now);
                prop_assert!(event > 0);
                now = key.time().0;
                for p in 0..pushes as u64 {
                    let key = Key::new(SimTime(now + delay + p), 0, seq);
                    seq += 1;
                    q.push(key, seq as u32);
                    reference.push(key);
                }
                q.settle();
                reference.sort();
                prop_assert_eq!(q.peek_key(), reference.first().copied());
            }
        }
    }

    proptest! {
        /// Right after a take, `peek_next` names the event that comes out next when nothing
        /// is pushed in between, in both heaps (the adaptive queue is one or the other).
        #[test]
        fn peek_next_names_the_next_event_after_a_take(
            times in proptest::collection::vec(0u64..1_000, 1..300)
        ) {
            fn check<Q: PendingQueue<u32>>(mut q: Q, times: &[u64]) -> Result<(), TestCaseError> {
                for (i, &t) in times.iter().enumerate() {
                    q.push(Key::new(SimTime(t), 0, i as u64), i as u32);
                }
                while let Some((_, _)) = q.take_front() {
                    let named = q.peek_next().copied();
                    q.settle();
                    let next = q.take_front().map(|(_, e)| e);
                    prop_assert_eq!(named, next);
                    q.settle();
                }
                Ok(())
            }
            check(BinaryQueue::default(), &times)?;
            check(QuaternaryHeap::default(), &times)?;
        }
    }

    #[test]
    fn the_adaptive_queue_keeps_order_across_its_switch() {
        let mut q = AdaptiveQueue::default();
        let n = ADAPTIVE_THRESHOLD as u64 * 2;
        for i in 0..n {
            q.push(Key::new(SimTime((i * 7_919) % n), 0, i), i as u32);
        }
        assert!(matches!(q, AdaptiveQueue::Large(_)));
        let keys = drain(q);
        assert_eq!(keys.len() as u64, n);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn events_travel_with_their_keys_under_interleaved_pushes_and_pops() {
        let mut q = QuaternaryHeap::default();
        let mut now = 0u64;
        for round in 0..10_000u64 {
            let t = now + (keyed::unit(&[round]) * 100.0) as u64;
            q.push(Key::new(SimTime(t), 0, round), t);
            if round % 3 != 0 {
                let (k, e) = q.pop().unwrap();
                assert_eq!(k.time().0, e);
                assert!(e >= now);
                now = e;
            }
        }
    }
}
