//! The outage world: fleet, vendor and rollout, endpoint lifecycle, staff and repair, services
//! and backups, economics and insurance, metrics. It runs on the engine and is described by
//! `spec` types that the scenario layer validates.
//!
//! It does no I/O: time comes from the engine, randomness from the engine's streams and keyed
//! draws. It knows nothing of RON, files, charts or terminals.

pub mod calendar;
pub mod event;
pub mod figures;
pub mod fleet;
pub mod footprint;
pub mod insurance;
pub mod org;
pub mod pool;
pub mod results;
pub mod shared;
pub mod spec;
pub mod vendor;
pub mod world;

pub use figures::{Figure, Metric};
pub use results::RunResult;
pub use world::{ModelError, RunConfig, World, run_replication};
