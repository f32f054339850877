//! Runs many independent simulations (replications, sweep points) on a pool of threads.
//!
//! Each job runs single-threaded, so the pool's threads are all the machine gets: nested
//! parallelism never oversubscribes it. Results come back in job order whatever order the jobs
//! finish in, so outputs do not depend on the number of threads.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use rayon::prelude::*;

/// Runs `job` for every index on `threads` threads and returns the results in index order; the
/// first error in index order wins, whichever job failed first in time. `finished` is told how
/// many jobs have finished, after each one, from whichever thread ran it.
///
/// Once a job fails, jobs after it in `indices` that have not started are skipped (their
/// results could only be thrown away); jobs before it still run, since one of them may fail
/// too, and would then be the error returned.
pub fn run_indexed<T, E, J, P>(
    indices: &[u64],
    threads: usize,
    job: J,
    finished: P,
) -> Result<Vec<T>, E>
where
    T: Send,
    E: Send,
    J: Fn(u64) -> Result<T, E> + Sync,
    P: Fn(u64) + Sync,
{
    let done = AtomicU64::new(0);
    if threads <= 1 || indices.len() <= 1 {
        return indices
            .iter()
            .map(|&i| {
                let result = job(i);
                finished(done.fetch_add(1, Ordering::Relaxed) + 1);
                result
            })
            .collect();
    }
    // The position in `indices` of the first job known to have failed.
    let first_failed = AtomicUsize::new(usize::MAX);
    let run_one = |(k, &i): (usize, &u64)| -> Option<Result<T, E>> {
        if k > first_failed.load(Ordering::Relaxed) {
            return None;
        }
        let result = job(i);
        if result.is_err() {
            first_failed.fetch_min(k, Ordering::Relaxed);
        }
        finished(done.fetch_add(1, Ordering::Relaxed) + 1);
        Some(result)
    };
    let outcomes: Vec<Option<Result<T, E>>> =
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            // One job per task: replications differ in length several times over (a canary
            // that halts early against a full outage), and rayon's default split hands each
            // thread long runs of jobs to work through alone, leaving a core idle at the end.
            Ok(pool) => pool
                .install(|| indices.par_iter().with_max_len(1).enumerate().map(run_one).collect()),
            // Without a pool the jobs still run, one after another.
            Err(_) => indices.iter().enumerate().map(run_one).collect(),
        };
    // A skipped job comes after a failed one, so the loop returns before it meets one.
    let mut results = Vec::with_capacity(outcomes.len());
    for outcome in outcomes.into_iter().flatten() {
        results.push(outcome?);
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    #[test]
    fn results_come_back_in_index_order_on_any_number_of_threads() {
        let indices: Vec<u64> = (0..50).collect();
        for threads in [1, 2, 4] {
            let seen = Mutex::new(Vec::new());
            let out: Result<Vec<u64>, ()> =
                run_indexed(&indices, threads, |i| Ok(i * i), |n| seen.lock().unwrap().push(n));
            assert_eq!(out.unwrap(), indices.iter().map(|i| i * i).collect::<Vec<_>>());
            let mut seen = seen.into_inner().unwrap();
            seen.sort_unstable();
            assert_eq!(seen, (1..=50).collect::<Vec<u64>>());
        }
    }

    #[test]
    fn the_first_error_in_index_order_wins() {
        let indices: Vec<u64> = (0..20).collect();
        for threads in [1, 2, 4] {
            let out: Result<Vec<u64>, u64> =
                run_indexed(&indices, threads, |i| if i % 7 == 3 { Err(i) } else { Ok(i) }, |_| {});
            assert_eq!(out, Err(3), "{threads} threads");
        }
    }

    /// rayon's `collect` into a `Result` returns whichever error it meets first in time; here
    /// a late index fails at once and an early one only after a while, on every thread count.
    #[test]
    fn the_first_error_in_index_order_wins_when_a_later_one_fails_sooner() {
        let indices: Vec<u64> = (0..64).collect();
        for threads in [2, 3, 4] {
            let out: Result<Vec<u64>, u64> = run_indexed(
                &indices,
                threads,
                |i| match i {
                    1 => {
                        std::thread::sleep(Duration::from_millis(100));
                        Err(1)
                    }
                    63 | 40 => Err(i),
                    _ => Ok(i),
                },
                |_| {},
            );
            assert_eq!(out, Err(1), "{threads} threads");
        }
    }

    #[test]
    fn jobs_after_a_failure_are_skipped_but_earlier_ones_run() {
        let indices: Vec<u64> = (0..1_000).collect();
        let ran = Mutex::new(Vec::new());
        let out: Result<Vec<u64>, u64> = run_indexed(
            &indices,
            2,
            |i| {
                ran.lock().unwrap().push(i);
                std::thread::sleep(Duration::from_millis(2));
                if i == 10 { Err(i) } else { Ok(i) }
            },
            |_| {},
        );
        assert_eq!(out, Err(10));
        let ran = ran.into_inner().unwrap();
        assert!((0..=10).all(|i| ran.contains(&i)), "every job before the failure ran");
        assert!(ran.len() < 1_000, "the jobs after it were skipped");
    }
}
