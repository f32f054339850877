//! The fuzz targets' bodies (`fuzz/targets.rs`) over every input the fuzzer kept
//! (`fuzz/corpus/TARGET`, minimised) and every crash it found (`fuzz/regressions/TARGET`):
//! CI replays them on the stable toolchain in a few seconds, without building for libFuzzer.
//! `scripts/fuzz.sh` runs the fuzzer itself.

use blastradius_model as model;
use blastradius_scenario as scenario;
use blastradius_tabletop as tabletop;

#[path = "../fuzz/targets.rs"]
mod targets;

fn inputs(folder: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| (e.path().display().to_string(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

/// A fuzz target: its name (its corpus folder) and its body.
type Target = (&'static str, fn(&[u8]));

#[test]
fn the_fuzz_corpus_and_the_crashes_found_replay_without_a_panic() {
    let targets: [Target; 2] = [
        ("scenario", targets::scenario_front_end),
        ("tabletop_command", targets::tabletop_command),
    ];
    for (target, body) in targets {
        let corpus = inputs(&format!("fuzz/corpus/{target}"));
        assert!(corpus.len() >= 20, "{target}: the corpus has only {} inputs", corpus.len());
        for (name, bytes) in corpus.iter().chain(&inputs(&format!("fuzz/regressions/{target}"))) {
            let outcome = std::panic::catch_unwind(|| body(bytes));
            assert!(outcome.is_ok(), "{target}: {name} panics");
        }
    }
}
