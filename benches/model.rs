//! Model benchmarks: one replication of the shipped worlds at full scale (fleet generation
//! included), one of `os-update-global` with a hundredth of its organisations (14 million
//! endpoints, lazy fleets), and sweep throughput in runs per second on `hospital-tabletop` with 1 and 2
//! threads. Figures and commands are in `benches/README.md`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use blastradius::engine::replicate::run_indexed;
use blastradius::model::spec::WorldSpec;
use blastradius::model::{RunConfig, run_replication};
use blastradius::scenario;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn spec(name: &str) -> Arc<WorldSpec> {
    Arc::new(scenario::read(name).expect("a shipped scenario").1)
}

fn replication(c: &mut Criterion) {
    let mut group = c.benchmark_group("replication");
    group.sample_size(10).measurement_time(Duration::from_secs(120));
    let world = spec("crowdstrike-2024");
    let events = run_replication(Arc::clone(&world), RunConfig { replication: 0, threads: 2 })
        .expect("runs")
        .counters
        .events;
    group.throughput(Throughput::Elements(events));
    for threads in [1, 2] {
        group.bench_function(BenchmarkId::new("crowdstrike_2024_threads", threads), |b| {
            b.iter(|| {
                let config = RunConfig { replication: 0, threads };
                black_box(
                    run_replication(Arc::clone(&world), config).expect("runs").counters.events,
                )
            })
        });
    }
    group.finish();
}

/// `os-update-global` with a hundredth of its organisations in every archetype: 13.9 million
/// endpoints in 620 organisations, 4 million crashes.
fn os_update_reduced(c: &mut Criterion) {
    let mut group = c.benchmark_group("replication");
    group.sample_size(10).measurement_time(Duration::from_secs(60));
    let mut reduced = (*spec("os-update-global")).clone();
    for a in &mut reduced.archetypes {
        a.organisations = a.organisations.div_ceil(100);
    }
    let world = Arc::new(reduced);
    let events = run_replication(Arc::clone(&world), RunConfig { replication: 0, threads: 2 })
        .expect("runs")
        .counters
        .events;
    group.throughput(Throughput::Elements(events));
    group.bench_function("os_update_global_hundredth_threads_2", |b| {
        b.iter(|| {
            let config = RunConfig { replication: 0, threads: 2 };
            black_box(run_replication(Arc::clone(&world), config).expect("runs").counters.events)
        })
    });
    group.finish();
}

fn sweep_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("sweep_hospital_tabletop");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    let world = spec("hospital-tabletop");
    const RUNS: u64 = 40;
    let indices: Vec<u64> = (0..RUNS).collect();
    group.throughput(Throughput::Elements(RUNS));
    for threads in [1, 2] {
        group.bench_function(BenchmarkId::new("runs_threads", threads), |b| {
            b.iter(|| {
                let out = run_indexed(
                    &indices,
                    threads,
                    |replication| {
                        run_replication(Arc::clone(&world), RunConfig { replication, threads: 1 })
                    },
                    |_| {},
                )
                .expect("runs");
                black_box(out.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, sweep_throughput, replication, os_update_reduced);
criterion_main!(benches);
