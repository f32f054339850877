//! `Workers`: the worker threads of a multi-threaded run, which stay together for a whole run
//! of windows instead of forking and joining once per window.
//!
//! A window of a busy model holds about a hundred microseconds of work. A fork-join per window
//! lets the idle worker fall asleep and be woken (a system call and a context switch) at the
//! start of the next, a sizeable share of such a window. Here the workers wait for the next
//! window by spinning briefly, then yielding, and only after about a millisecond by napping,
//! so a worker that is not needed for long gives its core back.
//!
//! The work of a window is a set of numbered parts (the scheduler's partitions), each owned by
//! one worker. A worker takes its own parts from the front and, when it has none left, takes
//! other workers' unstarted parts from the back. A window ends when every part is done, not
//! when every worker has turned up: a worker that the operating system has set aside (more
//! threads than cores) holds up only the part it had started, and the others share out the
//! rest. One worker, the leader, closes each window and opens the next while no part is
//! being worked on.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// The most worker threads a run may have: each has its parts numbered in 16 bits.
pub(super) const MAX_WORKERS: usize = 4_096;

/// Worker threads shared by a simulation and its clones.
pub(super) struct Workers {
    pool: rayon::ThreadPool,
    /// Held for a run: two runs on the same threads at once would each wait for the other's.
    running: Mutex<()>,
}

impl Workers {
    pub(super) fn new(threads: usize) -> Result<Workers, String> {
        if threads > MAX_WORKERS {
            return Err(format!("{threads} threads is more than {MAX_WORKERS}"));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| format!("thread pool: {e}"))?;
        Ok(Workers { pool, running: Mutex::new(()) })
    }

    /// Runs `op` on these threads (for rayon work between windows).
    pub(super) fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        self.pool.install(op)
    }

    pub(super) fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Runs windows until `close` returns `None`. Worker `w` owns parts
    /// `owned[w]..owned[w + 1]`. In each window every part is stepped exactly once, by
    /// `step(part, end)`, with the window's `end` (the first is `first_end`); then the leader
    /// calls `close` with the smallest pair any step returned, at a moment when no part is
    /// being stepped, and it returns the next window's end. A panic in a step or in `close`
    /// frees the other workers and is raised here.
    pub(super) fn run_windows<S, C>(&self, owned: &[usize], first_end: u64, step: S, close: C)
    where
        S: Fn(usize, u64) -> (u64, u64) + Sync,
        C: FnMut((u64, u64)) -> Option<u64> + Send,
    {
        let _running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let workers = self.threads();
        assert_eq!(owned.len(), workers + 1, "parts must be shared among {workers} workers");
        assert!(owned[workers] <= 0xFFFF, "parts are numbered in 16 bits");
        let board = Board::new(owned, first_end);
        let close = Mutex::new(close);
        self.pool.broadcast(|ctx| {
            let _poison = PoisonOnPanic(&board.poisoned);
            let w = ctx.index();
            let mut window = 0;
            loop {
                board.work(w, window, &step);
                if w == 0 {
                    if !board.wait(|| board.done.load(Ordering::Acquire) == board.parts) {
                        return;
                    }
                    let found = board.take_found();
                    let mut close = close.lock().unwrap_or_else(|e| e.into_inner());
                    match (*close)(found) {
                        Some(end) => board.open(window + 1, end),
                        None => {
                            board.finished.store(true, Ordering::Release);
                            return;
                        }
                    }
                    window += 1;
                } else {
                    let moved_on = || {
                        board.finished.load(Ordering::Acquire)
                            || board.window.load(Ordering::Acquire) != window
                    };
                    if !board.wait(moved_on) || board.finished.load(Ordering::Acquire) {
                        return;
                    }
                    // Straight to the open window, however many this worker slept through.
                    window = board.window.load(Ordering::Acquire);
                }
            }
        });
    }
}

/// What the workers share during a run of windows.
struct Board<'a> {
    owned: &'a [usize],
    parts: usize,
    /// The open window's number.
    window: AtomicU64,
    /// The end of window n is `ends[n % 2]`: a worker still reading the last window's end
    /// never sees it overwritten by the next's.
    ends: [AtomicU64; 2],
    /// For each worker, its parts not yet taken in the open window: the window's number (low
    /// 32 bits) << 32 | front << 16 | back.
    claims: Vec<AtomicU64>,
    /// Parts done in the open window.
    done: AtomicUsize,
    found: (AtomicU64, AtomicU64),
    finished: AtomicBool,
    poisoned: AtomicBool,
}

impl Board<'_> {
    fn new(owned: &[usize], first_end: u64) -> Board<'_> {
        let workers = owned.len() - 1;
        let board = Board {
            owned,
            parts: owned[workers],
            window: AtomicU64::new(0),
            ends: [AtomicU64::new(first_end), AtomicU64::new(0)],
            claims: (0..workers).map(|_| AtomicU64::new(0)).collect(),
            done: AtomicUsize::new(0),
            found: (AtomicU64::new(u64::MAX), AtomicU64::new(u64::MAX)),
            finished: AtomicBool::new(false),
            poisoned: AtomicBool::new(false),
        };
        board.reset_claims(0);
        board
    }

    fn reset_claims(&self, window: u64) {
        for (w, claim) in self.claims.iter().enumerate() {
            claim.store(pack(window, self.owned[w], self.owned[w + 1]), Ordering::Release);
        }
    }

    /// The leader, with every part of the last window done: opens window `window`.
    fn open(&self, window: u64, end: u64) {
        self.done.store(0, Ordering::Relaxed);
        self.ends[(window % 2) as usize].store(end, Ordering::Relaxed);
        self.reset_claims(window);
        self.window.store(window, Ordering::Release);
    }

    /// The leader, with every part done: the smallest pair the steps returned, reset for the
    /// next window.
    fn take_found(&self) -> (u64, u64) {
        (
            self.found.0.swap(u64::MAX, Ordering::Relaxed),
            self.found.1.swap(u64::MAX, Ordering::Relaxed),
        )
    }

    /// Worker `w` steps what it can take of window `window`: its own parts, then others'.
    fn work<S: Fn(usize, u64) -> (u64, u64)>(&self, w: usize, window: u64, step: &S) {
        let workers = self.claims.len();
        for owner in (w..workers).chain(0..w) {
            while let Some(part) = claim(&self.claims[owner], window, owner == w) {
                // The claim succeeded, so the window is open and its end is in place.
                let end = self.ends[(window % 2) as usize].load(Ordering::Relaxed);
                let (next, reach) = step(part, end);
                self.found.0.fetch_min(next, Ordering::Relaxed);
                self.found.1.fetch_min(reach, Ordering::Relaxed);
                self.done.fetch_add(1, Ordering::Release);
            }
        }
    }

    /// Waits until `ready`: spins, then yields (on an idle core a yield returns at once, so
    /// this is about a millisecond), then naps. False if a worker panicked.
    fn wait(&self, ready: impl Fn() -> bool) -> bool {
        const SPINS: u32 = 256;
        const YIELDS: u32 = 4_096;
        const NAP: Duration = Duration::from_micros(50);
        let mut round = 0u32;
        while !ready() {
            if self.poisoned.load(Ordering::Acquire) {
                return false;
            }
            if round < SPINS {
                std::hint::spin_loop();
            } else if round < SPINS + YIELDS {
                thread::yield_now();
            } else {
                thread::sleep(NAP);
            }
            round = round.saturating_add(1);
        }
        true
    }
}

fn pack(window: u64, front: usize, back: usize) -> u64 {
    (window & u64::from(u32::MAX)) << 32 | (front as u64) << 16 | back as u64
}

/// Takes the next part of a worker's range in window `window`, if that window is still open
/// and the range not empty: its owner takes from the front, others from the back.
fn claim(range: &AtomicU64, window: u64, own: bool) -> Option<usize> {
    let window = window & u64::from(u32::MAX);
    let unpack = |r: u64| (r >> 32, (r >> 16) & 0xFFFF, r & 0xFFFF);
    let taken = range.fetch_update(Ordering::AcqRel, Ordering::Acquire, |r| {
        let (w, front, back) = unpack(r);
        match (w == window && front < back, own) {
            (false, _) => None,
            (true, true) => Some(pack(w, front as usize + 1, back as usize)),
            (true, false) => Some(pack(w, front as usize, back as usize - 1)),
        }
    });
    let (_, front, back) = unpack(taken.ok()?);
    Some(if own { front } else { back - 1 } as usize)
}

/// Sets the poison flag if the worker unwinds, so that the others stop waiting.
struct PoisonOnPanic<'a>(&'a AtomicBool);

impl Drop for PoisonOnPanic<'_> {
    fn drop(&mut self) {
        if thread::panicking() {
            self.0.store(true, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    /// Every part is stepped exactly once per window, with that window's end, and never while
    /// the leader closes a window; `close` sees the minimum over every part's result.
    #[test]
    fn every_part_is_stepped_once_a_window_on_any_number_of_workers() {
        for workers in [1, 2, 3, 4, 8] {
            let threads = Workers::new(workers).unwrap();
            // Uneven shares, and a worker with none.
            let mut owned = vec![0];
            for w in 0..workers {
                owned.push(owned[w] + if w == 1 { 0 } else { w + 2 });
            }
            let parts = owned[workers];
            let stepped: Vec<Mutex<Vec<u64>>> =
                (0..parts).map(|_| Mutex::new(Vec::new())).collect();
            let closing = AtomicBool::new(false);
            let windows = 3_000u64;
            let mut closes = Vec::new();
            threads.run_windows(
                &owned,
                1_000,
                |part, end| {
                    assert!(!closing.load(Ordering::SeqCst), "part {part} stepped while closing");
                    stepped[part].lock().unwrap().push(end);
                    (end + part as u64, end * 2 + part as u64)
                },
                |found| {
                    closing.store(true, Ordering::SeqCst);
                    let end = 1_000 + closes.len() as u64;
                    assert_eq!(found, (end, end * 2), "{workers} workers");
                    closes.push(found);
                    closing.store(false, Ordering::SeqCst);
                    (closes.len() < windows as usize).then_some(end + 1)
                },
            );
            assert_eq!(closes.len() as u64, windows);
            for part in &stepped {
                let ends = part.lock().unwrap();
                assert_eq!(
                    *ends,
                    (1_000..1_000 + windows).collect::<Vec<_>>(),
                    "{workers} workers"
                );
            }
        }
    }

    #[test]
    fn claims_come_from_the_front_for_the_owner_and_the_back_for_others() {
        let range = AtomicU64::new(pack(7, 2, 6));
        assert_eq!(claim(&range, 7, true), Some(2));
        assert_eq!(claim(&range, 7, false), Some(5));
        assert_eq!(claim(&range, 6, true), None, "a stale window takes nothing");
        assert_eq!(claim(&range, 7, false), Some(4));
        assert_eq!(claim(&range, 7, true), Some(3));
        assert_eq!(claim(&range, 7, true), None);
        assert_eq!(claim(&range, 7, false), None);
    }

    #[test]
    fn a_panicking_step_frees_the_others_and_the_panic_reaches_the_caller() {
        let threads = Workers::new(2).unwrap();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            threads.run_windows(
                &[0, 1, 2],
                0,
                |part, _| if part == 1 { panic!("part 1 fails") } else { (0, 0) },
                |_| Some(1),
            )
        }));
        assert!(outcome.is_err());
    }
}
