//! PHOLD, the standard benchmark of parallel discrete-event simulation, on this engine, and the
//! plain sequential event loop it is measured against.
//!
//! N LPs start with E events each at Exp(1) offsets. Handling an event schedules exactly one new
//! event at `now + lookahead + Exp(mean)`, sent with probability `remote` to a uniformly random
//! *other* LP and otherwise to the handler itself. Events at or after `end` are not handled.
//!
//! Time resolution: PHOLD's times are real numbers in abstract units; one unit is
//! [`TICKS_PER_UNIT`] engine ticks (one tick is one `SimTime` millisecond). A sampled delay is
//! converted by truncating `x * TICKS_PER_UNIT` to an integer, so the delay of a new event is
//! `round(lookahead * TICKS_PER_UNIT) + floor(Exp(mean) * TICKS_PER_UNIT)` ticks and never
//! less than the lookahead. With a million ticks per unit, ties are rare but possible, and the
//! engine's tie-break decides them.
//!
//! Each LP draws from its own stream in the order it handles events, so the sequential
//! baseline, which uses the same streams, reproduces the engine's results exactly: equal events
//! at equal times are interchangeable, whichever order the two loops pick for them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use rand::RngExt;
use rand_distr::{Distribution, Exp};

use super::random::{LpRng, hash_words, lp_stream, mix64};
use super::scheduler::{Config, Counters, Ctx, EngineError, LpId, Model, Simulation};
use super::time::{SimDuration, SimTime};

/// Engine ticks per PHOLD time unit.
pub const TICKS_PER_UNIT: f64 = 1_000_000.0;

/// The parameters of a PHOLD run.
#[derive(Clone, Debug, PartialEq)]
pub struct PholdConfig {
    pub lps: u32,
    pub events_per_lp: u32,
    /// Probability that a new event goes to another LP.
    pub remote: f64,
    /// Minimum delay, in PHOLD units; also the engine's lookahead.
    pub lookahead: f64,
    /// Mean of the exponential part of the delay, in units; zero makes the delay fixed.
    pub mean: f64,
    /// End time, in units.
    pub end: f64,
    /// Mean of the initial events' offsets (Exp(1) in the standard benchmark); zero puts every
    /// initial event at time zero.
    pub initial_mean: f64,
    pub seed: u64,
    pub threads: usize,
}

impl PholdConfig {
    /// Config A of the benchmark suite: small, many events per LP.
    pub fn a() -> PholdConfig {
        PholdConfig {
            lps: 1_024,
            events_per_lp: 16,
            remote: 0.1,
            lookahead: 0.1,
            mean: 1.0,
            end: 1_000.0,
            initial_mean: 1.0,
            seed: 1,
            threads: 1,
        }
    }

    /// Config B: a million LPs, one event each, half of them remote.
    pub fn b() -> PholdConfig {
        PholdConfig {
            lps: 1_000_000,
            events_per_lp: 1,
            remote: 0.5,
            lookahead: 0.1,
            mean: 1.0,
            end: 22.0,
            initial_mean: 1.0,
            seed: 1,
            threads: 1,
        }
    }

    /// Checks the parameters, saying which one is wrong and why.
    pub fn validate(&self) -> Result<(), String> {
        if self.lps < 2 && self.remote > 0.0 {
            return Err("--lps must be at least 2 when --remote is above 0".into());
        }
        if self.lps == 0 {
            return Err("--lps must be at least 1".into());
        }
        if !(0.0..=1.0).contains(&self.remote) {
            return Err(format!("--remote {} is not a probability in [0, 1]", self.remote));
        }
        if !(self.lookahead.is_finite() && self.lookahead * TICKS_PER_UNIT >= 1.0) {
            return Err(format!(
                "--lookahead {} must be at least {} (one tick)",
                self.lookahead,
                1.0 / TICKS_PER_UNIT
            ));
        }
        if !(self.mean.is_finite() && self.mean >= 0.0) {
            return Err(format!("--mean {} must be finite and not negative", self.mean));
        }
        if !(self.initial_mean.is_finite() && self.initial_mean >= 0.0) {
            return Err(format!(
                "initial mean {} must be finite and not negative",
                self.initial_mean
            ));
        }
        if !(self.end.is_finite() && self.end > 0.0 && self.end * TICKS_PER_UNIT < 1.8e19) {
            return Err(format!("--end {} must be positive and below 1.8e13", self.end));
        }
        if !(1..=super::MAX_THREADS).contains(&self.threads) {
            return Err(format!("--threads must be from 1 to {}", super::MAX_THREADS));
        }
        Ok(())
    }

    /// The memory a run of this configuration holds, estimated before anything is allocated
    /// (measured on release builds: about 45 bytes per pending event, whose number stays
    /// `lps * events_per_lp` throughout, and 75 per LP; rounded up). In `f64`, so the
    /// product of two `u32`s cannot wrap.
    pub fn memory_bytes(&self) -> f64 {
        const PER_EVENT: f64 = 48.0;
        const PER_LP: f64 = 96.0;
        let lps = f64::from(self.lps);
        lps * PER_LP + lps * f64::from(self.events_per_lp) * PER_EVENT
    }

    fn lookahead_ticks(&self) -> u64 {
        (self.lookahead * TICKS_PER_UNIT).round() as u64
    }
    fn end_ticks(&self) -> SimTime {
        SimTime((self.end * TICKS_PER_UNIT).round() as u64)
    }
}

/// Draws PHOLD delays in ticks.
#[derive(Clone, Copy)]
struct Delays {
    lookahead_ticks: u64,
    exp: Option<Exp<f64>>,
    initial: Option<Exp<f64>>,
}

impl Delays {
    fn new(c: &PholdConfig) -> Delays {
        let exp_of = |mean: f64| if mean > 0.0 { Exp::new(1.0 / mean).ok() } else { None };
        Delays {
            lookahead_ticks: c.lookahead_ticks(),
            exp: exp_of(c.mean),
            initial: exp_of(c.initial_mean),
        }
    }
    #[inline]
    fn next(&self, rng: &mut LpRng) -> u64 {
        let extra = self.exp.map_or(0, |e| (e.sample(rng) * TICKS_PER_UNIT) as u64);
        self.lookahead_ticks + extra
    }
    #[inline]
    fn initial(&self, rng: &mut LpRng) -> u64 {
        self.initial.map_or(0, |e| (e.sample(rng) * TICKS_PER_UNIT) as u64)
    }
}

/// Picks the destination of a new event: a uniformly random other LP with probability
/// `remote`, else `me`.
#[inline]
fn destination(rng: &mut LpRng, me: LpId, lps: u32, remote: f64) -> LpId {
    if remote > 0.0 && rng.random::<f64>() < remote {
        let other = rng.random_range(0..lps - 1);
        if other >= me { other + 1 } else { other }
    } else {
        me
    }
}

/// The (time, sender) pairs an LP handled, in order.
pub type Trace = Vec<(SimTime, LpId)>;

/// Parameters shared by every LP of a run.
struct Shared {
    lps: u32,
    remote: f64,
    delays: Delays,
}

/// One PHOLD LP: it counts what it handles and folds the handled times into a running hash.
/// It is kept small (parameters shared, trace boxed) because a window touches every busy LP.
#[derive(Clone)]
pub struct PholdLp {
    handled: u64,
    last: SimTime,
    time_hash: u64,
    shared: Arc<Shared>,
    /// When set, every handled (time, sender) pair is recorded, for order tests.
    trace: Option<Box<Trace>>,
}

/// A PHOLD event remembers which LP scheduled it, so that traces can show delivery order.
pub type PholdEvent = LpId;

impl Model for PholdLp {
    type Event = PholdEvent;

    #[inline]
    fn handle(&mut self, from: PholdEvent, ctx: &mut Ctx<'_, PholdEvent>) {
        let now = ctx.now();
        self.handled += 1;
        self.last = now;
        self.time_hash = mix64(self.time_hash ^ now.0);
        if let Some(trace) = &mut self.trace {
            trace.push((now, from));
        }
        let me = ctx.id();
        let shared = &*self.shared;
        let delay = shared.delays.next(ctx.rng());
        let to = destination(ctx.rng(), me, shared.lps, shared.remote);
        ctx.send(to, now + SimDuration(delay), me);
    }
}

/// What a PHOLD run produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PholdOutcome {
    pub events: u64,
    pub counters: Counters,
    /// Hash of every LP's handled count, last handled time and order of handled times.
    pub checksum: u64,
    /// Per-LP (time, sender) traces, when tracing was asked for.
    pub traces: Option<Vec<Vec<(SimTime, LpId)>>>,
}

fn checksum(per_lp: impl Iterator<Item = (u64, SimTime, u64)>) -> u64 {
    let mut h = 0xC0FF_EE00_D15E_A5E5u64;
    for (handled, last, time_hash) in per_lp {
        h = hash_words(&[h, handled, last.0, time_hash]);
    }
    h
}

/// Builds the PHOLD simulation with its initial events in place.
pub fn build(config: &PholdConfig, trace: bool) -> Result<Simulation<PholdLp>, EngineError> {
    config.validate().map_err(EngineError::InvalidConfig)?;
    let delays = Delays::new(config);
    let shared = Arc::new(Shared { lps: config.lps, remote: config.remote, delays });
    let models = (0..config.lps)
        .map(|_| PholdLp {
            handled: 0,
            last: SimTime::ZERO,
            time_hash: 0,
            shared: Arc::clone(&shared),
            trace: trace.then(Box::default),
        })
        .collect();
    let mut engine = Config::new(SimDuration(config.lookahead_ticks()), config.end_ticks());
    engine.threads = config.threads;
    engine.seed = config.seed;
    let mut sim = Simulation::new(models, &engine)?;
    // Initial events are drawn from a stream of their own per LP, so the LP's main stream is
    // consumed only by handling, exactly as in the sequential baseline.
    for lp in 0..config.lps {
        let mut rng = initial_stream(config.seed, lp);
        for _ in 0..config.events_per_lp {
            sim.schedule(lp, SimTime(delays.initial(&mut rng)), lp)?;
        }
    }
    Ok(sim)
}

fn initial_stream(seed: u64, lp: LpId) -> LpRng {
    lp_stream(seed, u64::MAX, lp)
}

/// Runs PHOLD on the engine.
pub fn run(config: &PholdConfig, trace: bool) -> Result<PholdOutcome, EngineError> {
    let mut sim = build(config, trace)?;
    sim.run()?;
    Ok(outcome(sim, trace))
}

/// What a finished PHOLD simulation produced.
pub fn outcome(sim: Simulation<PholdLp>, trace: bool) -> PholdOutcome {
    let counters = sim.counters();
    let models = sim.into_models();
    let sum = checksum(models.iter().map(|m| (m.handled, m.last, m.time_hash)));
    let traces = trace
        .then(|| models.into_iter().map(|m| m.trace.map(|t| *t).unwrap_or_default()).collect());
    PholdOutcome { events: counters.events, counters, checksum: sum, traces }
}

/// The same PHOLD as a plain sequential loop over one `std::collections::BinaryHeap` of
/// (time, arrival, LP): the baseline the engine's speed is compared with. It uses the same
/// per-LP streams, so it returns the same event count and checksum as [`run`].
pub fn run_sequential_baseline(config: &PholdConfig) -> Result<PholdOutcome, String> {
    config.validate()?;
    let n = config.lps as usize;
    let delays = Delays::new(config);
    let end = config.end_ticks().0;
    let mut rngs: Vec<LpRng> = (0..config.lps).map(|lp| lp_stream(config.seed, 0, lp)).collect();
    let mut handled = vec![0u64; n];
    let mut last = vec![0u64; n];
    let mut hashes = vec![0u64; n];
    let mut heap: BinaryHeap<Reverse<(u64, u64, u32)>> = BinaryHeap::new();
    let mut arrival = 0u64;
    for lp in 0..config.lps {
        let mut rng = initial_stream(config.seed, lp);
        for _ in 0..config.events_per_lp {
            heap.push(Reverse((delays.initial(&mut rng), arrival, lp)));
            arrival += 1;
        }
    }
    let mut events = 0u64;
    while let Some(Reverse((t, _, lp))) = heap.pop() {
        if t >= end {
            break;
        }
        let i = lp as usize;
        events += 1;
        handled[i] += 1;
        last[i] = t;
        hashes[i] = mix64(hashes[i] ^ t);
        let delay = delays.next(&mut rngs[i]);
        let to = destination(&mut rngs[i], lp, config.lps, config.remote);
        heap.push(Reverse((t + delay, arrival, to)));
        arrival += 1;
    }
    let sum = checksum((0..n).map(|i| (handled[i], SimTime(last[i]), hashes[i])));
    let counters = Counters { events, messages: 0, windows: 0 };
    Ok(PholdOutcome { events, counters, checksum: sum, traces: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> PholdConfig {
        PholdConfig {
            lps: 64,
            events_per_lp: 4,
            remote: 0.3,
            lookahead: 0.1,
            mean: 1.0,
            end: 50.0,
            initial_mean: 1.0,
            seed: 7,
            threads: 1,
        }
    }

    #[test]
    fn engine_and_sequential_baseline_agree_exactly() {
        for config in [
            small(),
            PholdConfig { remote: 0.0, ..small() },
            PholdConfig { remote: 1.0, ..small() },
        ] {
            let engine = run(&config, false).unwrap();
            let baseline = run_sequential_baseline(&config).unwrap();
            assert_eq!(engine.events, baseline.events);
            assert_eq!(engine.checksum, baseline.checksum);
        }
    }

    #[test]
    fn bad_parameters_are_refused_with_the_flag_named() {
        let bad = PholdConfig { remote: 1.5, ..small() };
        assert!(bad.validate().unwrap_err().contains("--remote"));
        let bad = PholdConfig { lookahead: 0.0, ..small() };
        assert!(bad.validate().unwrap_err().contains("--lookahead"));
        assert!(matches!(run(&bad, false), Err(EngineError::InvalidConfig(_))));
    }
}
