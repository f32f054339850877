//! blastradius: a parallel, deterministic discrete-event simulator of mass endpoint outages.
//! See ARCHITECTURE.md for the map of modules and their invariants.

pub mod cli;
pub mod engine;
pub mod model;
pub mod report;
pub mod scenario;
pub mod study;
pub mod tabletop;
