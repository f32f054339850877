//! Catalogue benchmark: `blastradius catalogue tests/catalogues/hospital.ron --years 10000`,
//! about 10,000 occurrences of `hospital-tabletop`-sized events (one hospital system of 4,000
//! endpoints, a week each), end to end as the command runs it: every occurrence simulated and
//! journaled, then the ORD tables, summary, EP chart and report written. Figures in
//! `benches/README.md`.

use std::hint::black_box;
use std::time::Duration;

use blastradius::cli::catalogue::{CatalogueArgs, catalogue};
use criterion::{Criterion, criterion_group, criterion_main};

fn catalogue_10000_years(c: &mut Criterion) {
    let mut group = c.benchmark_group("catalogue");
    group.sample_size(10).measurement_time(Duration::from_secs(480));
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/catalogues/hospital.ron");
    let out =
        std::env::temp_dir().join(format!("blastradius-bench-catalogue-{}", std::process::id()));
    // Two threads: the machine's cores, as the command uses them by default.
    let threads = 2;
    group.bench_function(format!("hospital_10000_years_threads_{threads}"), |b| {
        b.iter(|| {
            // A fresh folder each time, or the catalogue would resume with nothing to do.
            let _ = std::fs::remove_dir_all(&out);
            let args = CatalogueArgs {
                catalogue: file.to_string(),
                years: 10_000,
                shard: None,
                seed: None,
                threads: Some(threads),
                out: Some(out.clone()),
                force: false,
                memory_limit: None,
                quiet: true,
                dry_run: false,
            };
            catalogue(args).expect("the catalogue runs");
            black_box(std::fs::metadata(out.join("summary.json")).map(|m| m.len()).unwrap_or(0))
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&out);
}

criterion_group!(benches, catalogue_10000_years);
criterion_main!(benches);
