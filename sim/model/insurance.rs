//! Insurance arithmetic: how a policy's terms turn an organisation's loss into what the policy
//! pays. Pure functions of numbers and terms, so every rule is a one-line known answer.
//!
//! The ledger (`org/cover.rs`) measures each outage and the organisation's cumulative loss at
//! the instants the terms need; this module does the rest:
//!
//! ```text
//! outage (duration, loss at start, at start + waiting, at end + extended period)
//!   ─► covered_loss   waiting period: time deductible or qualifying period
//!   ─► cover_pays     min(sublimit, max(0, covered − retention)) × (1 − coinsurance)
//!   ─► occurrence     business interruption + contingent, if the peril is covered
//!   ─► Aggregate      what is left of the year's aggregate limit, occurrence by occurrence
//! ```
//!
//! It knows nothing of events, services or time beyond the durations it is given.

use blastradius_engine::SimDuration;
use blastradius_engine::random::{hash_words, keyed};

use crate::spec::{CoverSpec, InsuranceSpec, Waiting};

/// One outage as the ledger measured it for one cover: how long it lasted and the
/// organisation's cumulative loss from this cover's cause at the instants its terms need.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Outage {
    /// From the first loss of capacity until capacity was back at or above the threshold (or
    /// the end of the run, if it never was); zero when capacity never fell below the threshold.
    pub duration: SimDuration,
    /// Cumulative loss when the outage began.
    pub loss_at_start_usd: f64,
    /// Cumulative loss when the waiting period ended (its start plus the waiting period), if
    /// the outage lasted that long.
    pub loss_at_waiting_end_usd: f64,
    /// Cumulative loss at the end of the period of indemnity: the outage's end plus the
    /// extended period, or the end of the run if that comes first.
    pub loss_at_window_end_usd: f64,
}

/// The loss a waiting period lets through: nothing unless the outage lasts longer than the
/// period; then, for a time deductible, the loss after the period, for a qualifying period
/// the loss from the outage's start, each up to the end of the period of indemnity.
pub fn covered_loss(outage: &Outage, waiting: Waiting) -> f64 {
    if outage.duration <= waiting.period() {
        return 0.0;
    }
    let from = match waiting {
        Waiting::TimeDeductible(_) => outage.loss_at_waiting_end_usd,
        Waiting::QualifyingPeriod(_) => outage.loss_at_start_usd,
    };
    (outage.loss_at_window_end_usd - from).max(0.0)
}

/// What a cover pays of one occurrence's covered loss: the part above the retention, up to the
/// sublimit, less the coinsurance share. Nothing when the cover is not in force.
pub fn cover_pays(cover: &CoverSpec, covered_usd: f64) -> f64 {
    if !cover.enabled || !covered_usd.is_finite() {
        return 0.0;
    }
    let above = (covered_usd - cover.retention_usd).max(0.0);
    let limited = cover.sublimit_usd.map_or(above, |limit| above.min(limit));
    limited * (1.0 - cover.coinsurance.get())
}

/// What a policy pays for one occurrence, before its aggregate limit.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Payment {
    pub business_interruption_usd: f64,
    pub contingent_usd: f64,
}

impl Payment {
    pub fn total_usd(&self) -> f64 {
        self.business_interruption_usd + self.contingent_usd
    }

    /// The payment scaled to `paid` in total (what an eroded aggregate left), keeping the
    /// covers' proportions.
    pub fn scaled_to(&self, paid: f64) -> Payment {
        let total = self.total_usd();
        if total <= 0.0 {
            return Payment::default();
        }
        let f = (paid / total).clamp(0.0, 1.0);
        Payment {
            business_interruption_usd: self.business_interruption_usd * f,
            contingent_usd: self.contingent_usd * f,
        }
    }
}

/// One occurrence under a policy: the organisation's own outage under the business
/// interruption cover, the outage its suppliers caused under the contingent cover. Nothing if
/// a system failure is not a covered peril.
pub fn occurrence(policy: &InsuranceSpec, own: &Outage, supplier: &Outage) -> Payment {
    if !policy.system_failure_covered {
        return Payment::default();
    }
    let bi = &policy.business_interruption;
    let cbi = &policy.contingent;
    Payment {
        business_interruption_usd: cover_pays(bi, covered_loss(own, bi.waiting)),
        contingent_usd: cover_pays(cbi, covered_loss(supplier, cbi.waiting)),
    }
}

/// A policy's aggregate limit over a year, eroded occurrence by occurrence in time order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Aggregate {
    /// What is left (`None`: no aggregate limit).
    remaining_usd: Option<f64>,
}

impl Aggregate {
    pub fn new(limit_usd: Option<f64>) -> Aggregate {
        Aggregate { remaining_usd: limit_usd }
    }

    /// Pays what it can of `amount` and returns it.
    pub fn pay(&mut self, amount_usd: f64) -> f64 {
        let amount = amount_usd.max(0.0);
        match &mut self.remaining_usd {
            None => amount,
            Some(left) => {
                let paid = amount.min(*left);
                *left -= paid;
                paid
            }
        }
    }
}

/// A stable key of an organisation's name within a book: its archetype's name and its number.
/// It depends on neither the seed nor the replication, so the same organisations hold the
/// policy in every run and every occurrence of a catalogue.
pub fn organisation_key(archetype: &str, number: u32) -> u64 {
    let mut words: Vec<u64> = archetype
        .as_bytes()
        .chunks(8)
        .map(|c| {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            u64::from_le_bytes(w)
        })
        .collect();
    words.push(archetype.len() as u64);
    words.push(u64::from(number));
    hash_words(&words)
}

/// Dice purpose of the take-up draw.
const TAKE_UP: u64 = 0x5441_4B45_5550;

/// Whether organisation `number` of an archetype holds the policy.
pub fn holds_policy(policy: &InsuranceSpec, archetype: &str, number: u32) -> bool {
    keyed::chance(&[organisation_key(archetype, number), TAKE_UP], policy.take_up.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Share;

    const H: u64 = 3_600_000;

    fn cover(waiting: Waiting, retention: f64, sublimit: Option<f64>, coins: f64) -> CoverSpec {
        CoverSpec {
            enabled: true,
            waiting,
            retention_usd: retention,
            sublimit_usd: sublimit,
            coinsurance: Share::new(coins).unwrap(),
            extended_period: SimDuration::ZERO,
        }
    }

    /// A constant loss rate `r` an hour over an outage of `d` hours, with waiting period `w`.
    fn constant(r: f64, d: u64, w: u64) -> Outage {
        Outage {
            duration: SimDuration(d * H),
            loss_at_start_usd: 0.0,
            loss_at_waiting_end_usd: r * w.min(d) as f64,
            loss_at_window_end_usd: r * d as f64,
        }
    }

    fn td(hours: u64) -> Waiting {
        Waiting::TimeDeductible(SimDuration(hours * H))
    }

    fn qp(hours: u64) -> Waiting {
        Waiting::QualifyingPeriod(SimDuration(hours * H))
    }

    #[test]
    fn a_time_deductible_pays_min_limit_of_rate_times_d_minus_w_less_retention_less_coinsurance() {
        let r = 1_000.0;
        for (d, w, retention, limit, coins) in [
            (10, 4, 0.0, None, 0.0),
            (10, 4, 1_500.0, None, 0.2),
            (10, 4, 1_500.0, Some(3_000.0), 0.2),
            (30, 8, 0.0, Some(1e9), 0.5),
            (4, 8, 0.0, None, 0.0),
            (8, 8, 0.0, None, 0.0),
            (9, 8, 5_000.0, None, 0.0),
        ] {
            let c = cover(td(w), retention, limit, coins);
            let covered = covered_loss(&constant(r, d, w), c.waiting);
            let gross = (r * (d as f64 - w as f64)).max(0.0);
            let expected =
                (gross - retention).max(0.0).min(limit.unwrap_or(f64::INFINITY)) * (1.0 - coins);
            assert_eq!(cover_pays(&c, covered), expected, "d {d} w {w}");
        }
    }

    #[test]
    fn a_qualifying_period_pays_the_whole_outage_once_it_lasts_longer_than_the_period() {
        let r = 250.0;
        for (d, w, expected) in [(10, 4, 2_500.0), (4, 4, 0.0), (3, 4, 0.0), (5, 4, 1_250.0)] {
            let c = cover(qp(w), 0.0, None, 0.0);
            assert_eq!(cover_pays(&c, covered_loss(&constant(r, d, w), c.waiting)), expected);
        }
    }

    #[test]
    fn an_aggregate_limit_caps_the_sum_of_two_occurrences() {
        let mut agg = Aggregate::new(Some(10_000.0));
        assert_eq!(agg.pay(6_000.0), 6_000.0);
        assert_eq!(agg.pay(6_000.0), 4_000.0);
        assert_eq!(agg.pay(1.0), 0.0);
        let mut none = Aggregate::new(None);
        assert_eq!(none.pay(6_000.0) + none.pay(6_000.0), 12_000.0);
    }

    #[test]
    fn nothing_is_paid_when_the_peril_or_the_cover_is_not_in_force() {
        let policy = |covered: bool, enabled: bool| InsuranceSpec {
            take_up: Share::ONE,
            system_failure_covered: covered,
            outage_threshold: 0.95,
            business_interruption: CoverSpec { enabled, ..cover(td(1), 0.0, None, 0.0) },
            contingent: cover(td(1), 0.0, None, 0.0),
            aggregate_limit_usd: None,
        };
        let own = constant(100.0, 5, 1);
        let sup = constant(10.0, 5, 1);
        assert_eq!(occurrence(&policy(true, true), &own, &sup).total_usd(), 440.0);
        assert_eq!(occurrence(&policy(true, false), &own, &sup).total_usd(), 40.0);
        assert_eq!(occurrence(&policy(false, true), &own, &sup).total_usd(), 0.0);
    }

    #[test]
    fn take_up_is_the_same_book_whatever_the_seed_and_near_its_share() {
        let policy = InsuranceSpec {
            take_up: Share::new(0.3).unwrap(),
            system_failure_covered: true,
            outage_threshold: 0.95,
            business_interruption: cover(td(8), 0.0, None, 0.0),
            contingent: cover(td(8), 0.0, None, 0.0),
            aggregate_limit_usd: None,
        };
        let held = (0..10_000).filter(|&n| holds_policy(&policy, "business", n)).count();
        assert!((2_850..3_150).contains(&held), "{held}");
        assert_eq!(holds_policy(&policy, "business", 17), holds_policy(&policy, "business", 17));
        assert_ne!(organisation_key("business", 1), organisation_key("businesses", 1));
        assert_ne!(organisation_key("a", 1), organisation_key("a", 2));
    }
}
