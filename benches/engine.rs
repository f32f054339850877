//! Engine benchmarks: PHOLD configs A and B on the engine against a plain sequential
//! `BinaryHeap` loop, and the pending-event queue candidates on the classic hold workload.
//! Figures and the commands behind them are in `benches/README.md`.

use std::hint::black_box;
use std::time::Duration;

use blastradius::engine::SimTime;
use blastradius::engine::phold::{self, PholdConfig};
use blastradius::engine::queue::{
    AdaptiveQueue, BinaryQueue, Key, PendingQueue, QuaternaryHeap, StdBinaryHeap,
};
use blastradius::engine::random::keyed;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn events_of(config: &PholdConfig) -> u64 {
    phold::run(config, false).expect("valid config").events
}

fn phold_a(c: &mut Criterion) {
    let mut group = c.benchmark_group("phold_a");
    group.sample_size(10).measurement_time(Duration::from_secs(15));
    let a = PholdConfig::a();
    group.throughput(Throughput::Elements(events_of(&a)));
    group.bench_function("baseline_binaryheap", |b| {
        b.iter(|| black_box(phold::run_sequential_baseline(&a).unwrap().checksum))
    });
    for threads in [1, 2] {
        let config = PholdConfig { threads, ..PholdConfig::a() };
        group.bench_function(BenchmarkId::new("engine_threads", threads), |b| {
            b.iter(|| black_box(phold::run(&config, false).unwrap().checksum))
        });
    }
    group.finish();
}

fn phold_b(c: &mut Criterion) {
    let mut group = c.benchmark_group("phold_b");
    group.sample_size(10).measurement_time(Duration::from_secs(60));
    let b_config = PholdConfig { threads: 2, ..PholdConfig::b() };
    group.throughput(Throughput::Elements(events_of(&b_config)));
    group.bench_function("engine_threads_2", |b| {
        b.iter(|| black_box(phold::run(&b_config, false).unwrap().checksum))
    });
    group.finish();
}

/// The hold model: a queue of `size` events; each step takes the earliest and pushes it back
/// an exponential time later, as the engine's event loop does (`take_front`, `push`,
/// `settle`: a pop and a push for the queues that cannot leave their front open).
fn hold<Q: PendingQueue<u32>>(size: u64, steps: u64, increments: &[u64]) -> u64 {
    let mut q = Q::default();
    let mut seq = 0;
    for i in 0..size {
        let t = (keyed::exponential(&[1, i], 1_000.0)) as u64;
        q.push(Key::new(SimTime(t), 0, seq), i as u32);
        seq += 1;
    }
    let mut checksum = 0u64;
    for s in 0..steps {
        let (key, event) = q.take_front().expect("hold keeps the size");
        checksum = checksum.wrapping_add(key.time().0);
        let t = key.time().0 + increments[s as usize % increments.len()];
        q.push(Key::new(SimTime(t), 0, seq), event);
        q.settle();
        seq += 1;
    }
    checksum
}

fn queues(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue_hold");
    group.sample_size(20);
    const STEPS: u64 = 200_000;
    group.throughput(Throughput::Elements(STEPS));
    // Increments are drawn up front so the figures measure the queues, not the generator.
    let increments: Vec<u64> =
        (0..4_096).map(|i| keyed::exponential(&[2, i], 1_000.0) as u64).collect();
    let incs = &increments[..];
    for size in [16u64, 1_024, 8_192, 65_536] {
        group.bench_with_input(BenchmarkId::new("std_binary_heap", size), &size, |b, &n| {
            b.iter(|| black_box(hold::<StdBinaryHeap<u32>>(n, STEPS, incs)))
        });
        group.bench_with_input(BenchmarkId::new("binary_queue", size), &size, |b, &n| {
            b.iter(|| black_box(hold::<BinaryQueue<u32>>(n, STEPS, incs)))
        });
        group.bench_with_input(BenchmarkId::new("quaternary_heap", size), &size, |b, &n| {
            b.iter(|| black_box(hold::<QuaternaryHeap<u32>>(n, STEPS, incs)))
        });
        group.bench_with_input(BenchmarkId::new("adaptive", size), &size, |b, &n| {
            b.iter(|| black_box(hold::<AdaptiveQueue<u32>>(n, STEPS, incs)))
        });
    }
    group.finish();
}

criterion_group!(benches, phold_a, phold_b, queues);
criterion_main!(benches);
