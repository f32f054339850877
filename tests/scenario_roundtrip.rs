//! Every built-in scenario validates, and its resolved form reads back to itself: through the
//! binary (`validate` of the printed file prints the same bytes) and through the library
//! (`load` -> `to_ron` -> `load_text` gives the same resolved scenario). A short file that
//! extends a built-in shows its override in the resolved form.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use blastradius::scenario;

fn blastradius(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blastradius"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs `blastradius validate ARG`, which must succeed; returns stdout.
fn validate_ok(arg: &str) -> String {
    let out = blastradius(&["validate", arg]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "validate {arg} failed ({:?}):\n{stderr}", out.status.code());
    assert!(stderr.is_empty(), "validate {arg} wrote to stderr:\n{stderr}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The built-ins as `blastradius scenarios` lists them: the first word of each line.
fn listed_builtins() -> Vec<String> {
    let out = blastradius(&["scenarios"]);
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn the_listed_builtins_are_the_library_builtins() {
    let library: Vec<String> = scenario::builtin::names().into_iter().map(str::to_string).collect();
    assert_eq!(listed_builtins(), library);
    assert!(library.len() >= 7, "{library:?}");
}

#[test]
fn every_builtin_validates_and_its_resolved_form_validates_to_the_same_bytes() {
    let dir = scratch_dir("scenario_roundtrip");
    for name in listed_builtins() {
        let first = validate_ok(&name);
        assert!(first.contains(&format!("name: \"{name}\"")), "{name}: resolved form names it");
        assert!(!first.contains("extends"), "{name}: the resolved form extends nothing");
        let path = dir.join(format!("{name}.resolved.ron"));
        std::fs::write(&path, &first).unwrap();
        let second = validate_ok(&path.display().to_string());
        assert!(first == second, "{name}: the resolved form does not read back to itself");
    }
}

#[test]
fn every_builtin_round_trips_through_the_library() {
    for name in scenario::builtin::names() {
        let loaded = scenario::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        loaded.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = loaded.to_ron();
        let again = scenario::load_text(&format!("{name}.resolved.ron"), &text)
            .unwrap_or_else(|e| panic!("{name} resolved: {e}"));
        assert!(again.resolved == loaded.resolved, "{name}: resolved scenarios differ");
        assert_eq!(again.sources.len(), 1, "{name}: the resolved form stands alone");
        again.validate().unwrap_or_else(|e| panic!("{name} resolved: {e}"));
        assert_eq!(again.to_ron(), text, "{name}: printed twice, differently");
    }
}

#[test]
fn a_ten_line_file_overrides_the_rollout_of_crowdstrike_2024() {
    let file = "tests/scenarios/canary-override.ron";
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    assert!(text.lines().count() <= 10, "{} lines", text.lines().count());
    assert!(text.contains("extends: \"crowdstrike-2024\""));

    let resolved = validate_ok(file);
    let base = validate_ok("crowdstrike-2024");
    assert!(base.contains("policy: AllAtOnce"), "the base releases at once");
    for expected in [
        "name: \"canary-override\"",
        "policy: Rings",
        "name: \"canary\"",
        "share: 0.01",
        "bake: \"6h\"",
        "name: \"everyone\"",
        "share: 0.99",
        "signal: LostHeartbeats",
        "threshold_count: 100",
    ] {
        assert!(resolved.contains(expected), "resolved form lacks {expected:?}:\n{resolved}");
    }
    assert!(!resolved.contains("policy: AllAtOnce"));
    // Everything the file does not say comes from the base: the fleet, the revert, the horizon.
    for kept in ["revert: At(\"1h18m\")", "horizon: \"14d\"", "\"community_hospital\": ("] {
        assert!(resolved.contains(kept), "resolved form lacks {kept:?}");
        assert!(base.contains(kept), "base lacks {kept:?}");
    }

    // The library agrees, down to the rings.
    let (loaded, spec) = scenario::read(file).unwrap_or_else(|e| panic!("{e}"));
    let rollout = loaded.resolved.vendor().rollout();
    assert_eq!(rollout.policy(), scenario::raw::RolloutPolicy::Rings);
    let rings: Vec<(String, f64)> = rollout.rings().iter().map(|r| (r.name(), r.share())).collect();
    assert_eq!(rings, [("canary".to_string(), 0.01), ("everyone".to_string(), 0.99)]);
    assert_eq!(spec.vendor.rings.len(), 2);
    assert_eq!(spec.vendor.gates.len(), 1);
    // And its resolved form round-trips like a built-in's.
    let dir = scratch_dir("scenario_roundtrip_override");
    let path = dir.join("canary-override.resolved.ron");
    std::fs::write(&path, &resolved).unwrap();
    assert!(validate_ok(&path.display().to_string()) == resolved);
}
