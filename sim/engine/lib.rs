//! A generic, deterministic, conservative parallel discrete-event engine.
//!
//! A simulation is a set of *logical processes* (LPs), each a value of a type that implements
//! [`Model`], with private state, its own queue of pending events and its own random stream.
//! The engine hands each LP its events one at a time ([`Model::handle`]); through [`Ctx`] the
//! handler reads the clock, draws random numbers ([`Ctx::rng`]), schedules events for itself
//! ([`Ctx::schedule`]) and sends messages to other LPs ([`Ctx::send`]). A [`Simulation`] runs
//! the LPs up to a horizon, on one thread or several, as its [`Config`] says. Time is whole
//! milliseconds ([`SimTime`], [`SimDuration`]), so no result depends on how floating-point
//! additions were grouped.
//!
//! It knows nothing of what it simulates (in blastradius, outages): it never imports `model`,
//! `scenario`, `report` or `cli`, does no I/O and never reads the wall clock.
//!
//! # How a run proceeds
//!
//! The scheduler is conservative: it never handles an event before every message that could
//! precede it has been sent. It runs in windows `[T, E)`, where `T` is the earliest pending
//! event and `E` the earliest time any LP could make a message arrive (its earliest pending
//! event plus its lookahead). Nothing sent inside a window can land inside it, so the LPs
//! handle their events of the window without hearing from each other, in parallel; messages
//! change hands at the barrier between windows, and stretches of time with no events are
//! skipped, not stepped through. The [`scheduler`] module draws the window loop and gives the
//! argument in full.
//!
//! # Guarantees
//! - **Ordering.** Each LP handles its events in nondecreasing time. Events at equal times run
//!   in this order (the tie-break): lower priority class first ([`Model::priority`]); then the
//!   LP's own events, in the order they were scheduled; then messages, by send time, then
//!   sender LP id, then the sender's send order ([`Key`] packs exactly this).
//! - **Determinism.** Given the same models, initial events, seed and replication, every LP
//!   handles the same events in the same order and draws the same random numbers, for any
//!   number of threads and wherever `run_until` stops. A clone of a [`Simulation`] carries its
//!   pending events and random streams, so running the clone gives what running the original
//!   would.
//! - **Lookahead.** Every message between LPs is timestamped at least [`Config::lookahead`]
//!   after its sender's clock; one sent sooner ends the run with
//!   [`EngineError::LookaheadViolation`]. An LP may promise more through [`Model::lookahead`]
//!   (`SimDuration::MAX` once it will never send again), which widens the windows: an LP that
//!   never messages anyone does not hold the others back. A message to oneself is an ordinary
//!   event and needs no lookahead.
//! - **Event budget.** [`Config::event_budget`] bounds the events a run may handle, so that a
//!   model that never stops scheduling fails instead of running for ever. The count is checked
//!   at each barrier: a run over budget ends at the end of that window (having handled at most
//!   one window's events too many) with [`EngineError::EventBudgetExceeded`].
//! - **Bounds.** Nothing at or after the horizon is handled. An event scheduled in the past, a
//!   message to an LP that does not exist or a broken lookahead ends the run with an
//!   [`EngineError`], never a panic, and every later `run_until` returns the same error.
//!
//! # Example
//!
//! A ring of eight stations passes tokens round: each token a station receives, it passes to
//! the next one to three seconds later (a random delay from the station's own stream). The
//! same seed gives the same stations on one thread and on three, paused or not.
//!
//! ```
//! use blastradius_engine::{
//!     Config, Ctx, EngineError, LpId, Model, SimDuration, SimTime, Simulation,
//! };
//! use rand::RngExt;
//!
//! #[derive(Clone, Debug, PartialEq)]
//! struct Station {
//!     next: LpId,
//!     handled: u32,
//!     last: SimTime,
//! }
//!
//! impl Model for Station {
//!     /// A token.
//!     type Event = ();
//!
//!     fn handle(&mut self, token: (), ctx: &mut Ctx<'_, ()>) {
//!         self.handled += 1;
//!         self.last = ctx.now();
//!         let delay = SimDuration::from_secs(ctx.rng().random_range(1..=3));
//!         ctx.send(self.next, ctx.now() + delay, token);
//!     }
//!
//!     /// No message leaves a station less than a second ahead.
//!     fn lookahead(&self) -> SimDuration {
//!         SimDuration::from_secs(1)
//!     }
//! }
//!
//! /// Eight stations with a token each, at time zero.
//! fn ring(config: &Config) -> Result<Simulation<Station>, EngineError> {
//!     let stations = (0..8)
//!         .map(|i| Station { next: (i + 1) % 8, handled: 0, last: SimTime::ZERO })
//!         .collect();
//!     let mut sim = Simulation::new(stations, config)?;
//!     for lp in 0..8 {
//!         sim.schedule(lp, SimTime::ZERO, ())?;
//!     }
//!     Ok(sim)
//! }
//!
//! // Ten minutes, one thread.
//! let mut config = Config::new(SimDuration::from_secs(1), SimTime::from_secs(600));
//! config.seed = 42;
//! let mut sim = ring(&config)?;
//! let counters = sim.run()?;
//! let alone = sim.into_models();
//! // A token hops every two seconds on average: about 300 hops each in ten minutes.
//! let hops: u32 = alone.iter().map(|s| s.handled).sum();
//! assert_eq!(u64::from(hops), counters.events);
//! assert!((8 * 250..8 * 350).contains(&hops), "{hops} hops");
//! assert!(alone.iter().all(|s| s.last < SimTime::from_secs(600)));
//!
//! // Three threads, stopping every seven seconds: the same stations, to the millisecond.
//! config.threads = 3;
//! let mut sim = ring(&config)?;
//! for t in (7..600).step_by(7) {
//!     sim.run_until(SimTime::from_secs(t))?;
//! }
//! sim.run()?;
//! assert_eq!(sim.into_models(), alone);
//!
//! // With a budget of 100 events, the run fails, and says why.
//! config.event_budget = 100;
//! let mut sim = ring(&config)?;
//! assert!(matches!(sim.run(), Err(EngineError::EventBudgetExceeded { budget: 100, .. })));
//! # Ok::<(), EngineError>(())
//! ```
//!
//! # PHOLD
//!
//! [`phold`] is PHOLD, the standard benchmark of parallel discrete-event simulation, on this
//! engine, with the plain sequential loop over one `BinaryHeap` it is measured against. Both
//! draw from the same per-LP streams, so they handle the same events, and the checksum of
//! every LP's handled times shows it:
//!
//! ```
//! use blastradius_engine::phold::{self, PholdConfig};
//!
//! let config = PholdConfig { lps: 64, end: 20.0, threads: 2, ..PholdConfig::a() };
//! let engine = phold::run(&config, false).unwrap();
//! let baseline = phold::run_sequential_baseline(&config).unwrap();
//! assert_eq!((engine.events, engine.checksum), (baseline.events, baseline.checksum));
//! ```
//!
//! `blastradius bench phold` and `cargo bench --bench engine -- phold` time the two; the
//! figures are in `benches/README.md` (on two cores, config A on one thread handles about 1.7
//! times the baseline's events per second, and two threads about 1.7 to 1.9 times one).

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
