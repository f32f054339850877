//! A crew of worker threads that stays together for a whole run, meeting at a barrier between
//! windows, instead of forking and joining once per window.
//!
//! A window of a busy model lasts tens of microseconds. A fork-join per window leaves the idle
//! worker to fall asleep between windows and be woken (a system call and a context switch) at
//! the start of the next, which costs a sizeable share of such a window. Here the workers wait
//! at the barrier by spinning briefly, then yielding, and only after about a millisecond by napping,
//! so a worker that is not needed for long gives its core back.
//!
//! One worker, the leader, does the work between windows while the others wait. The barrier
//! has two halves for that: [`Barrier::gather`] (the leader waits for everyone) and
//! [`Barrier::release`]; the others call [`Barrier::arrive_and_wait`].

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// Worker threads shared by a simulation and its clones.
pub(super) struct Crew {
    pool: rayon::ThreadPool,
    /// Held for a run: two runs on one crew at once would each hold some of its threads at
    /// their barrier, waiting for threads the other holds.
    running: Mutex<()>,
}

impl Crew {
    pub(super) fn new(threads: usize) -> Result<Crew, rayon::ThreadPoolBuildError> {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
        Ok(Crew { pool, running: Mutex::new(()) })
    }

    pub(super) fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// The pool, for ordinary fork-join work between runs.
    pub(super) fn pool(&self) -> &rayon::ThreadPool {
        &self.pool
    }

    /// Runs `work(index)` on every worker at once and returns when all have returned. A panic
    /// in one worker poisons `barrier`, so the others leave their waits, and is then raised
    /// here.
    pub(super) fn run<F>(&self, barrier: &Barrier, work: F)
    where
        F: Fn(usize) + Sync,
    {
        let _running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        self.pool.broadcast(|ctx| {
            let _poison = PoisonOnPanic(barrier);
            work(ctx.index());
        });
    }
}

/// Sets the barrier's poison flag if the worker unwinds.
struct PoisonOnPanic<'a>(&'a Barrier);

impl Drop for PoisonOnPanic<'_> {
    fn drop(&mut self) {
        if thread::panicking() {
            self.0.poisoned.store(true, Ordering::Release);
        }
    }
}

/// A reusable barrier for one leader and `others` followers.
pub(super) struct Barrier {
    others: usize,
    arrived: AtomicUsize,
    generation: AtomicU64,
    poisoned: AtomicBool,
}

impl Barrier {
    pub(super) fn new(workers: usize) -> Barrier {
        Barrier {
            others: workers.saturating_sub(1),
            arrived: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
            poisoned: AtomicBool::new(false),
        }
    }

    /// A follower: arrives and waits for the leader's release. Everything the follower did
    /// before is visible to the leader after its `gather`, and everything the leader did
    /// before `release` is visible here after. False if a worker panicked.
    pub(super) fn arrive_and_wait(&self) -> bool {
        let generation = self.generation.load(Ordering::Acquire);
        self.arrived.fetch_add(1, Ordering::AcqRel);
        self.wait(|| self.generation.load(Ordering::Acquire) != generation)
    }

    /// The leader: waits until every follower has arrived. False if a worker panicked.
    pub(super) fn gather(&self) -> bool {
        if !self.wait(|| self.arrived.load(Ordering::Acquire) == self.others) {
            return false;
        }
        self.arrived.store(0, Ordering::Relaxed);
        true
    }

    /// The leader: lets the followers go on.
    pub(super) fn release(&self) {
        self.generation.fetch_add(1, Ordering::Release);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    /// Each round every worker adds its index to a total; the leader checks and records the
    /// total between rounds, so a worker running ahead or lagging would be caught.
    #[test]
    fn workers_meet_every_round_and_the_leader_sees_all_their_work() {
        for threads in [1, 2, 3, 4] {
            let crew = Crew::new(threads).unwrap();
            let barrier = Barrier::new(threads);
            let total = AtomicU64::new(0);
            let seen = Mutex::new(Vec::new());
            let rounds = 2_000u64;
            crew.run(&barrier, |w| {
                for round in 0..rounds {
                    total.fetch_add(w as u64 + 1, Ordering::Relaxed);
                    if w == 0 {
                        assert!(barrier.gather());
                        seen.lock().unwrap().push(total.load(Ordering::Relaxed));
                        assert_eq!(total.load(Ordering::Relaxed), (round + 1) * sum(threads));
                        barrier.release();
                    } else {
                        assert!(barrier.arrive_and_wait());
                    }
                }
            });
            let seen = seen.into_inner().unwrap();
            assert_eq!(seen.len() as u64, rounds);
            assert_eq!(seen.last(), Some(&(rounds * sum(threads))));
        }
    }

    fn sum(threads: usize) -> u64 {
        (1..=threads as u64).sum()
    }

    #[test]
    fn a_panicking_worker_frees_the_others_and_the_panic_reaches_the_caller() {
        let crew = Crew::new(2).unwrap();
        let barrier = Barrier::new(2);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            crew.run(&barrier, |w| {
                if w == 1 {
                    panic!("worker 1 fails");
                }
                // Would wait for ever without the poison flag.
                assert!(!barrier.gather());
            })
        }));
        assert!(outcome.is_err());
    }
}
