//! The scenario front end: parse, extends, merge, validate (see `targets.rs`).
#![no_main]

use blastradius_model as model;
use blastradius_scenario as scenario;
use blastradius_tabletop as tabletop;

// Each target uses its own part of the shared bodies.
#[allow(dead_code)]
#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::scenario_front_end(data));
