//! Runs many independent simulations (replications, sweep points) on a pool of threads.
//!
//! Each job runs single-threaded, so the pool's threads are all the machine gets: nested
//! parallelism never oversubscribes it. Results come back in job order whatever order the jobs
//! finish in, so outputs do not depend on the number of threads.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

/// Runs `job` for every index on `threads` threads and returns the results in index order; the
/// first error (in index order) wins. `finished` is told how many jobs have finished, after
/// each one, from whichever thread ran it.
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
    let run_one = |&i: &u64| {
        let result = job(i);
        finished(done.fetch_add(1, Ordering::Relaxed) + 1);
        result
    };
    if threads <= 1 || indices.len() <= 1 {
        return indices.iter().map(run_one).collect();
    }
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(|| indices.par_iter().map(run_one).collect()),
        // Without a pool the jobs still run, one after another.
        Err(_) => indices.iter().map(run_one).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

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
        let out: Result<Vec<u64>, u64> =
            run_indexed(&indices, 2, |i| if i % 7 == 3 { Err(i) } else { Ok(i) }, |_| {});
        assert_eq!(out, Err(3));
    }
}
