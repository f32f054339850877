//! The bodies of the fuzz targets, shared by the fuzzer (`fuzz_targets/`) and by the stable
//! test that replays the corpus and the crashes found (`tests/fuzz_corpus.rs`), so CI checks
//! every input the fuzzer kept without building with nightly. An includer names the crates
//! `model`, `scenario` and `tabletop` at its root.
//!
//! A target never asserts anything beyond "no panic": each error is the front end's answer,
//! and the data-driven error tests check what the answers say.

use super::{model, scenario, tabletop};

/// Inputs naming the machine's devices and pseudo-files are skipped: a scenario file may
/// `extends` any path (`/dev/stdin` would wait for input), and what reading a device does is
/// not the front end's to test.
fn names_a_device(data: &[u8]) -> bool {
    [b"/dev".as_slice(), b"/proc", b"/sys"].iter().any(|p| data.windows(p.len()).any(|w| w == *p))
}

/// The scenario front end: bytes read as a file is (encodings, byte-order mark, size limit),
/// parsed with positions, `extends` followed (built-ins and files), layers merged, sector
/// templates applied, defaults filled, validated; then the warnings, the exercise, the
/// resolved RON and the memory estimate of a valid one. (Reading the resolved RON back is
/// `scenario_roundtrip.rs`'s property test; here it would halve the executions.)
pub fn scenario_front_end(data: &[u8]) {
    if names_a_device(data) {
        return;
    }
    let loaded = match scenario::load_bytes("fuzz.ron", data) {
        Ok(loaded) => loaded,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let spec = match loaded.validate() {
        Ok(spec) => spec,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let _ = scenario::warnings(&spec);
    let _ = loaded.exercise(&spec).map_err(|e| e.to_string());
    let _ = model::footprint::footprint(&spec);
    let _ = loaded.to_ron();
}

/// A world to parse commands against: the classroom hospital, and a world with every sector,
/// contractor pools and services.
fn worlds() -> &'static [model::spec::WorldSpec] {
    static WORLDS: std::sync::OnceLock<Vec<model::spec::WorldSpec>> = std::sync::OnceLock::new();
    WORLDS.get_or_init(|| {
        ["hospital-tabletop", "bank-branches", "airline-crew-backlog"]
            .iter()
            .filter_map(|name| scenario::read(name).ok().map(|(_, spec)| spec))
            .collect()
    })
}

/// The tabletop's command parser: a line as the session keeps it (control characters
/// escaped, the length limit), parsed against each world, and a decision validated as the
/// session would before applying it; also the `propose` form and the help text.
pub fn tabletop_command(data: &[u8]) {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let shown = tabletop::visible(line);
    if shown.chars().count() > tabletop::MAX_LINE_CHARS {
        return;
    }
    for spec in worlds() {
        match tabletop::commands::parse(&shown, spec) {
            Ok(Some(tabletop::Command::Inject(action))) => {
                let _ = scenario::validate::action_spec(&action, &spec.archetypes)
                    .map_err(|e| e.message);
            }
            Ok(_) => {}
            Err(message) => {
                let _ = tabletop::commands::tidy(&message);
            }
        }
        if let Some(rest) = shown.trim().strip_prefix("propose ") {
            let _ = tabletop::commands::parse_propose(rest, spec);
        }
    }
    let _ = tabletop::commands::help_for(shown.trim());
}
