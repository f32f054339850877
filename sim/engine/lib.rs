//! The generic parallel discrete-event engine: integer time, logical processes with private
//! state and queues, a conservative windowed scheduler whose worker threads meet between
//! windows, and named random streams.
//!
//! It knows nothing of outages, scenarios, files or terminals: it never imports `model`,
//! `scenario`, `report` or `cli`, does no I/O and never reads the wall clock.
//!
//! # Guarantees
//! - **Ordering.** Each LP handles its events in nondecreasing time. Events at equal times run
//!   in this order (the tie-break): lower priority class first ([`Model::priority`]); then the
//!   LP's own events, in the order they were scheduled; then messages, by send time, then
//!   sender LP id, then the sender's send order.
//! - **Determinism.** Given the same models, initial events, seed and replication, every LP
//!   handles the same events in the same order and draws the same random numbers, for any
//!   number of threads and wherever `run_until` stops.
//! - **Bounds.** Nothing at or after the horizon is handled; a message inside the lookahead, an
//!   event scheduled in the past, or more events than the budget end the run with an
//!   [`EngineError`], never a panic.

pub mod phold;
pub mod queue;
pub mod random;
pub mod replicate;
pub mod scheduler;
pub mod time;
mod workers;

pub use queue::Key;
pub use random::{LpRng, keyed};
pub use scheduler::{Config, Counters, Ctx, EngineError, LpId, MAX_THREADS, Model, Simulation};
pub use time::{SimDuration, SimTime};
