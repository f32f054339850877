//! blastradius: a parallel, deterministic discrete-event simulator of mass endpoint outages.
//!
//! This root crate only gathers the workspace's crates under one name for the top-level
//! integration tests and benchmarks; each lives under `sim/` (see ARCHITECTURE.md for the map
//! of crates and the rules between them).

pub use blastradius_cli as cli;
pub use blastradius_engine as engine;
pub use blastradius_model as model;
pub use blastradius_report as report;
pub use blastradius_scenario as scenario;
pub use blastradius_study as study;
pub use blastradius_tabletop as tabletop;
