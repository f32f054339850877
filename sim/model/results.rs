//! What a run produced: the summary figures (see `figures.rs`), the per-sector time series, the
//! key events and the breakdown of loss. Plain data, for `report` to export.

use std::collections::BTreeMap;

use blastradius_engine::{Counters, SimTime};

use super::figures::Figure;
use super::spec::Sector;

/// Summary figures; `None` when it never happened (e.g. no halt).
pub type Figures = BTreeMap<Figure, Option<f64>>;

/// Per-sector values sampled at each output time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// Seconds since simulated time zero of each sample.
    pub times_s: Vec<f64>,
    pub sectors: Vec<Sector>,
    /// `[sample][sector]`: endpoints down.
    pub down: Vec<Vec<u64>>,
    /// `[sample][sector]`: operational capacity, revenue-weighted over organisations.
    pub capacity: Vec<Vec<f64>>,
    /// `[sample][sector]`: cumulative loss in USD.
    pub loss_usd: Vec<Vec<f64>>,
}

/// A moment worth marking on a timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyEvent {
    /// Seconds since simulated time zero.
    pub at_s: f64,
    pub label: String,
}

/// Loss of one sector by component.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SectorLoss {
    pub sector: Option<Sector>,
    pub organisations: u64,
    pub endpoints: u64,
    pub crashed: u64,
    pub revenue_usd: f64,
    pub labour_usd: f64,
    pub penalties_usd: f64,
    pub backlog_usd: f64,
    pub productivity_usd: f64,
    /// What the organisations' policies pay (not part of the economic total).
    pub insured_usd: f64,
}

impl SectorLoss {
    pub fn total_usd(&self) -> f64 {
        self.revenue_usd
            + self.labour_usd
            + self.penalties_usd
            + self.backlog_usd
            + self.productivity_usd
    }
}

/// One organisation's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct OrgLoss {
    pub name: String,
    pub sector: Sector,
    pub endpoints: u64,
    pub crashed: u64,
    pub downtime_hours: f64,
    pub loss_usd: f64,
    /// Whether it holds a policy, and what the policy pays.
    pub insured: bool,
    pub insured_usd: f64,
}

/// One organisation's loss and what its policy pays, for tables by organisation (the ORD
/// tables' summary by organisation, a catalogue's aggregate limits). Kept for every
/// organisation with a loss when `outputs.organisation_losses` asks for them.
#[derive(Clone, Debug, PartialEq)]
pub struct OrgOutcome {
    /// Its archetype (index into the spec's archetypes) and number within it: its name is
    /// `spec::org_name(archetype name, number)`.
    pub archetype: u32,
    pub number: u32,
    pub sector: Sector,
    /// A year's revenue at full capacity: the value exposed, the ORD tables' TIV.
    pub exposure_usd: f64,
    /// The economic loss.
    pub ground_up_usd: f64,
    /// Whether it holds a policy.
    pub insured: bool,
    /// What the business-interruption and contingent covers pay (within the aggregate limit).
    pub insured_bi_usd: f64,
    pub insured_contingent_usd: f64,
    /// Its own outage and the outage its suppliers caused, as its policy measures them.
    pub own_outage_hours: f64,
    pub supplier_outage_hours: f64,
}

impl OrgOutcome {
    pub fn insured_usd(&self) -> f64 {
        self.insured_bi_usd + self.insured_contingent_usd
    }
}

/// Everything one replication produced.
#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    pub replication: u64,
    pub figures: Figures,
    pub series: Series,
    pub key_events: Vec<KeyEvent>,
    pub sectors: Vec<SectorLoss>,
    /// The organisations with the largest loss, largest first.
    pub top_orgs: Vec<OrgLoss>,
    /// Every organisation with a loss, in organisation order, when the outputs ask for them
    /// (`outputs.organisation_losses`); empty otherwise.
    pub organisations: Vec<OrgOutcome>,
    pub counters: Counters,
    pub end: SimTime,
}

impl RunResult {
    pub fn figure(&self, figure: impl Into<Figure>) -> Option<f64> {
        self.figures.get(&figure.into()).copied().flatten()
    }
}

/// The time at which `share` of `total` events had happened, given their times; `None` when
/// fewer happened. Reorders `times`.
pub fn time_of_share(times: &mut [u32], total: u64, share: f64) -> Option<u32> {
    if total == 0 {
        return None;
    }
    let need = ((share * total as f64).ceil() as u64).max(1);
    if (times.len() as u64) < need {
        return None;
    }
    let k = (need - 1) as usize;
    let (_, nth, _) = times.select_nth_unstable(k);
    Some(*nth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_of_share_picks_the_ceil_th_smallest() {
        let mut t = vec![50, 10, 40, 20, 30];
        assert_eq!(time_of_share(&mut t, 5, 0.5), Some(30));
        assert_eq!(time_of_share(&mut t, 5, 0.9), Some(50));
        assert_eq!(time_of_share(&mut t, 5, 0.2), Some(10));
        // Ten crashed but five recovered: 90% never happened.
        assert_eq!(time_of_share(&mut t, 10, 0.9), None);
        assert_eq!(time_of_share(&mut t, 10, 0.5), Some(50));
        assert_eq!(time_of_share(&mut [], 0, 0.5), None);
    }
}
