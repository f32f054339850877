//! The insurance view of one insured organisation: when its outages began and ended, and its
//! cumulative loss at the instants its policy's terms need, split between its own outage and
//! the part of the shortfall its suppliers caused. Exact, like the ledger it follows: between
//! changes capacities are constant and loss is an integral the ledger can evaluate at any
//! instant, so the loss at "start + waiting period" is read off the interval that contains it,
//! not stepped to.
//!
//! ```text
//!  capacity  1 ──┐                    ┌──────────  threshold ─ ─ ─ ─ ─ ─ ─
//!                └──┐           ┌─────┘
//!                   └───────────┘
//!            start ^    ^ start + waiting   ^ back at or above the threshold (end)
//!                                            ^ + extended period: the window's end
//! ```
//!
//! Two causes, each with its own outage: the organisation's own (capacity with every supplier
//! at full capacity: what its own systems allow) and its suppliers' (1 less the part of the
//! shortfall they cause). Loss splits the same way: the supplier's part of the shortfall
//! carries its share of the shortfall-driven money (revenue, penalties, backlog); idle staff
//! and recovery labour are the organisation's own.
//!
//! Recovery labour is booked at the start of a job, between the ledger's bookings: the
//! instants still to be captured before it are captured first, and it joins the loss at the
//! next booking, so the accrual stream is never cut anywhere the ledger does not cut it.
//!
//! Memory is constant per insured organisation (two small records and a clock); uninsured
//! organisations have none. It knows nothing of policy money terms: `insurance.rs` applies
//! them to the [`Outage`]s this produces.

use blastradius_engine::{SimDuration, SimTime};

use crate::insurance::Outage;
use crate::spec::InsuranceSpec;

/// Own outage and supplier-caused outage.
pub const OWN: usize = 0;
pub const SUPPLIER: usize = 1;

/// One cause's outage as it unfolds.
#[derive(Clone, Copy, Debug, Default)]
struct Track {
    /// The first loss of capacity, and the cumulative loss then.
    start: Option<SimTime>,
    start_usd: f64,
    /// Capacity is below the threshold now.
    below: bool,
    ever_below: bool,
    /// When capacity came back at or above the threshold, while it stays there.
    back: Option<SimTime>,
    /// The cumulative loss at start + waiting period, once that instant has passed.
    waiting_end_usd: Option<f64>,
    /// The cumulative loss at back + extended period, once that has passed (cleared if
    /// capacity falls below the threshold again).
    window_end_usd: Option<f64>,
}

/// The outages and split loss of one insured organisation.
#[derive(Clone, Debug)]
pub struct Cover {
    waiting: [SimDuration; 2],
    extended: [SimDuration; 2],
    threshold: f64,
    tracks: [Track; 2],
    /// Cumulative loss by cause up to `at`.
    usd: [f64; 2],
    at: SimTime,
    /// Recovery labour booked since `at` (the organisation's own), at times not before any
    /// instant still to be captured.
    labour_usd: f64,
}

impl Cover {
    pub fn new(policy: &InsuranceSpec) -> Cover {
        let (bi, cbi) = (&policy.business_interruption, &policy.contingent);
        Cover {
            waiting: [bi.waiting.period(), cbi.waiting.period()],
            extended: [bi.extended_period, cbi.extended_period],
            threshold: policy.outage_threshold,
            tracks: [Track::default(); 2],
            usd: [0.0; 2],
            at: SimTime::ZERO,
            labour_usd: 0.0,
        }
    }

    /// The view for organisation `number` of an archetype, if it holds a policy that can pay
    /// for a system failure.
    pub fn insuring(policy: &InsuranceSpec, archetype: &str, number: u32) -> Option<Cover> {
        let pays = policy.system_failure_covered
            && (policy.business_interruption.enabled || policy.contingent.enabled);
        (pays && crate::insurance::holds_policy(policy, archetype, number))
            .then(|| Cover::new(policy))
    }

    /// How far it has followed the organisation.
    pub fn at(&self) -> SimTime {
        self.at
    }

    /// Follows the organisation over `[at, to)`, during which capacities are constant:
    /// `measure` is each cause's capacity then, and `parts(t)` what accrues by cause from `at`
    /// to `t` (for `t` in `(at, to]`).
    pub fn advance(&mut self, to: SimTime, measure: [f64; 2], parts: impl Fn(SimTime) -> [f64; 2]) {
        if to <= self.at {
            return;
        }
        self.capture(to, measure, &parts);
        let p = parts(to);
        self.usd[OWN] += p[OWN] + self.labour_usd;
        self.usd[SUPPLIER] += p[SUPPLIER];
        self.labour_usd = 0.0;
        self.at = to;
    }

    /// Recovery labour booked at `now` (the organisation's own loss), capacities constant since
    /// `at` as in [`Cover::advance`]: the instants before `now` still to be captured are
    /// captured first, so the labour counts only in the windows it falls in. The accrual
    /// stream is not cut: the next [`Cover::advance`] books the whole interval, as the ledger
    /// does.
    pub fn book_labour(
        &mut self,
        now: SimTime,
        measure: [f64; 2],
        parts: impl Fn(SimTime) -> [f64; 2],
        usd: f64,
    ) {
        self.capture(now, measure, &parts);
        self.labour_usd += usd;
    }

    /// Takes in the capacities since `at` and captures the cumulative loss at each instant the
    /// terms need that falls in `(at, to]`.
    fn capture(&mut self, to: SimTime, measure: [f64; 2], parts: &impl Fn(SimTime) -> [f64; 2]) {
        let from = self.at;
        // Entering the same capacities at the same instant again changes nothing.
        for (x, &capacity) in measure.iter().enumerate() {
            self.enter(x, from, capacity);
        }
        let labour = [self.labour_usd, 0.0];
        for x in [OWN, SUPPLIER] {
            let t = self.tracks[x];
            if let Some(s) = t.start
                && t.waiting_end_usd.is_none()
            {
                let m = s + self.waiting[x];
                if m > from && m <= to {
                    self.tracks[x].waiting_end_usd = Some(self.usd[x] + labour[x] + parts(m)[x]);
                }
            }
            if let Some(e) = t.back
                && !t.below
                && t.window_end_usd.is_none()
            {
                let m = e + self.extended[x];
                if m > from && m <= to {
                    self.tracks[x].window_end_usd = Some(self.usd[x] + labour[x] + parts(m)[x]);
                }
            }
        }
    }

    /// A cause's capacity from `from` on.
    fn enter(&mut self, x: usize, from: SimTime, capacity: f64) {
        let usd = self.usd[x];
        let (waiting, extended) = (self.waiting[x], self.extended[x]);
        let t = &mut self.tracks[x];
        if capacity < 1.0 && t.start.is_none() {
            t.start = Some(from);
            t.start_usd = usd;
            if waiting == SimDuration::ZERO {
                t.waiting_end_usd = Some(usd);
            }
        }
        if capacity < self.threshold {
            t.below = true;
            t.ever_below = true;
            t.back = None;
            t.window_end_usd = None;
        } else if t.below {
            t.below = false;
            t.back = Some(from);
            if extended == SimDuration::ZERO {
                t.window_end_usd = Some(usd);
            }
        }
    }

    /// Each cause's outage as of `at` (normally the end of the run).
    pub fn outages(&self) -> [Outage; 2] {
        [self.outage(OWN), self.outage(SUPPLIER)]
    }

    fn outage(&self, x: usize) -> Outage {
        let t = &self.tracks[x];
        let Some(start) = t.start.filter(|_| t.ever_below) else { return Outage::default() };
        let usd_now = self.usd[x];
        let (end, window_end) = if t.below {
            (self.at, usd_now)
        } else {
            let back = t.back.unwrap_or(self.at);
            (back, t.window_end_usd.unwrap_or(usd_now))
        };
        Outage {
            duration: end.since(start),
            loss_at_start_usd: t.start_usd,
            loss_at_waiting_end_usd: t.waiting_end_usd.unwrap_or(usd_now),
            loss_at_window_end_usd: window_end,
        }
    }

    /// Each cause's cumulative loss as of `at`.
    #[cfg(test)]
    pub fn loss_usd(&self) -> [f64; 2] {
        self.usd
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{CoverSpec, Share, Waiting};

    const H: u64 = 3_600_000;

    fn policy(waiting_h: u64, extended_h: u64) -> InsuranceSpec {
        let cover = CoverSpec {
            enabled: true,
            waiting: Waiting::TimeDeductible(SimDuration(waiting_h * H)),
            retention_usd: 0.0,
            sublimit_usd: None,
            coinsurance: Share::ZERO,
            extended_period: SimDuration(extended_h * H),
        };
        InsuranceSpec {
            take_up: Share::ONE,
            system_failure_covered: true,
            outage_threshold: 0.9,
            business_interruption: cover.clone(),
            contingent: cover,
            aggregate_limit_usd: None,
        }
    }

    /// A loss of `rate` an hour while capacity is short, own cause only.
    fn step(c: &mut Cover, to_h: u64, capacity: f64, rate: f64) {
        let from = c.at();
        let shortfall = 1.0 - capacity;
        c.advance(SimTime(to_h * H), [capacity, 1.0], |t| {
            [rate * shortfall * t.since(from).as_hours_f64(), 0.0]
        });
    }

    #[test]
    fn an_outage_runs_from_the_first_loss_of_capacity_until_back_above_the_threshold() {
        let mut c = Cover::new(&policy(4, 0));
        step(&mut c, 2, 1.0, 100.0);
        step(&mut c, 5, 0.0, 100.0); // down from 2 h to 5 h
        step(&mut c, 8, 0.5, 100.0); // half from 5 h to 8 h
        step(&mut c, 9, 0.95, 100.0); // above the threshold from 8 h: over
        step(&mut c, 24, 1.0, 100.0);
        let [own, supplier] = c.outages();
        assert_eq!(own.duration, SimDuration(6 * H));
        assert_eq!(own.loss_at_start_usd, 0.0);
        // At 2 h + 4 h = 6 h: 300 while down, then 50 in the first hour at half.
        assert_eq!(own.loss_at_waiting_end_usd, 350.0);
        // The window ends when capacity is back (no extended period): 300 + 150.
        assert_eq!(own.loss_at_window_end_usd, 450.0);
        assert_eq!(c.loss_usd()[OWN], 455.0);
        assert_eq!(supplier, Outage::default());
    }

    #[test]
    fn an_extended_period_keeps_the_window_open_after_the_outage() {
        let mut c = Cover::new(&policy(1, 3));
        step(&mut c, 1, 0.0, 10.0);
        step(&mut c, 2, 0.92, 10.0); // back above 0.9 at 1 h; window to 4 h
        step(&mut c, 10, 0.92, 10.0);
        let [own, _] = c.outages();
        assert_eq!(own.duration, SimDuration(H));
        assert!((own.loss_at_window_end_usd - (10.0 + 0.8 * 3.0)).abs() < 1e-9, "{own:?}");
    }

    #[test]
    fn falling_below_the_threshold_again_extends_the_same_outage() {
        let mut c = Cover::new(&policy(0, 0));
        step(&mut c, 1, 0.0, 10.0);
        step(&mut c, 2, 1.0, 10.0);
        step(&mut c, 3, 0.0, 10.0);
        step(&mut c, 5, 1.0, 10.0);
        let [own, _] = c.outages();
        assert_eq!(own.duration, SimDuration(3 * H));
        assert_eq!(own.loss_at_window_end_usd, 20.0);
    }

    #[test]
    fn labour_counts_in_the_window_it_falls_in() {
        // Down from the start, waiting 2 h; $10 an hour accrues, labour of 100 is booked at
        // 1 h (before the waiting period ends) and of 50 at 3 h (after).
        let mut c = Cover::new(&policy(2, 0));
        let parts = |t: SimTime| [10.0 * t.since(SimTime::ZERO).as_hours_f64(), 0.0];
        c.book_labour(SimTime(H), [0.0, 1.0], parts, 100.0);
        c.book_labour(SimTime(3 * H), [0.0, 1.0], parts, 50.0);
        c.advance(SimTime(4 * H), [0.0, 1.0], parts);
        let [own, _] = c.outages();
        assert_eq!(own.loss_at_start_usd, 0.0);
        assert_eq!(own.loss_at_waiting_end_usd, 120.0);
        assert_eq!(own.loss_at_window_end_usd, 190.0);
        assert_eq!(own.duration, SimDuration(4 * H));
    }

    #[test]
    fn an_outage_still_on_at_the_end_runs_to_the_end() {
        let mut c = Cover::new(&policy(2, 0));
        step(&mut c, 3, 0.0, 10.0);
        let [own, _] = c.outages();
        assert_eq!(own.duration, SimDuration(3 * H));
        assert_eq!(own.loss_at_waiting_end_usd, 20.0);
        assert_eq!(own.loss_at_window_end_usd, 30.0);
    }
}
