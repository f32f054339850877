//! Catalogues of events: which occurrences a simulated timeline of years holds, how each is
//! seeded and when in its year it starts, the book of organisations the losses are reported
//! on, and the period losses the ORD tables and EP curves are made of.
//!
//! ```text
//! events (world, annual rate) ─► year y: Poisson count per event, start within the year,
//!                                seed from (catalogue seed, year, event, k)
//!                     ─► one run per occurrence ─► Sample (loss by organisation)
//!                     ─► Period: the year's occurrences in time order, each organisation's
//!                        insured loss eroding its aggregate limit
//!                     ─► period losses by summary (sector, organisation, portfolio)
//! ```
//!
//! Everything an occurrence is depends on (seed, year, event, k) alone, so any shard of the
//! years, in any order, on any number of threads, gives the same occurrences and the same
//! losses. It does no I/O: `scenario` reads the catalogue file, `report` writes the tables,
//! `cli` drives the runs.

use std::collections::BTreeMap;
use std::sync::Arc;

use blastradius_engine::random::{hash_words, keyed};
use blastradius_model::insurance::Aggregate;
use blastradius_model::spec::{Sector, WorldSpec, org_name};
use blastradius_model::{ModelError, RunConfig, RunResult, run_replication};

use crate::design::Shard;

/// One organisation of the book: every organisation any event's world holds, by name.
#[derive(Clone, Debug, PartialEq)]
pub struct BookOrg {
    pub name: String,
    pub archetype: String,
    pub sector: Sector,
    /// Its expected exposure: a year of revenue at full capacity for its archetype's mean size
    /// (the summary tables' TIV; each run's own size gives the impacted exposure).
    pub exposure_usd: f64,
    /// Its policy's aggregate limit, if it holds one that has one.
    pub aggregate_limit_usd: Option<f64>,
}

/// The organisations losses are reported on, and the sectors they are in.
#[derive(Clone, Debug, PartialEq)]
pub struct Book {
    orgs: Vec<BookOrg>,
    sectors: Vec<Sector>,
    index: BTreeMap<String, u32>,
}

/// Hours in a year, as the model's exposure values count them.
const HOURS_PER_YEAR: f64 = 8_760.0;

impl Book {
    /// The organisations of these worlds, by name: the first world that names one decides its
    /// archetype, sector and policy (a catalogue's loader checks that the worlds agree).
    pub fn of(worlds: &[&WorldSpec]) -> Book {
        let mut orgs = Vec::new();
        let mut index = BTreeMap::new();
        for spec in worlds {
            for a in &spec.archetypes {
                let size = (1.0 - a.size.tail_share.get()) * a.size.mean
                    + a.size.tail_share.get() * a.size.tail_mean;
                let exposure = a.economics.revenue_per_endpoint_hour_usd * size * HOURS_PER_YEAR;
                for number in 0..a.organisations {
                    let name = org_name(&a.name, number);
                    if index.contains_key(&name) {
                        continue;
                    }
                    index.insert(name.clone(), orgs.len() as u32);
                    let holds =
                        blastradius_model::insurance::holds_policy(&a.insurance, &a.name, number);
                    orgs.push(BookOrg {
                        name,
                        archetype: a.name.clone(),
                        sector: a.sector,
                        exposure_usd: exposure,
                        aggregate_limit_usd: a.insurance.aggregate_limit_usd.filter(|_| holds),
                    });
                }
            }
        }
        let mut sectors: Vec<Sector> = orgs.iter().map(|o| o.sector).collect();
        sectors.sort();
        sectors.dedup();
        Book { orgs, sectors, index }
    }

    pub fn orgs(&self) -> &[BookOrg] {
        &self.orgs
    }

    /// The sectors of the book, in sector order.
    pub fn sectors(&self) -> &[Sector] {
        &self.sectors
    }

    /// The organisation's place in the book.
    pub fn id(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }
}

/// One organisation's loss in one realisation of an event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleOrg {
    /// Its place in the book.
    pub org: u32,
    pub ground_up_usd: f64,
    /// What its policy pays for this occurrence alone (within its aggregate limit).
    pub insured_usd: f64,
    /// Its exposure value in this realisation (a year of its revenue at full capacity).
    pub exposure_usd: f64,
}

/// One realisation of an event: the organisations with a loss, in book order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    pub orgs: Vec<SampleOrg>,
}

impl Sample {
    /// A run's losses by organisation (it must have kept them: `outputs.organisation_losses`).
    pub fn of(book: &Book, spec: &WorldSpec, run: &RunResult) -> Sample {
        let mut orgs: Vec<SampleOrg> = run
            .organisations
            .iter()
            .filter(|o| o.ground_up_usd > 0.0 || o.insured_usd() > 0.0)
            .filter_map(|o| {
                let archetype = &spec.archetypes.get(o.archetype as usize)?.name;
                Some(SampleOrg {
                    org: book.id(&org_name(archetype, o.number))?,
                    ground_up_usd: o.ground_up_usd,
                    insured_usd: o.insured_usd(),
                    exposure_usd: o.exposure_usd,
                })
            })
            .collect();
        orgs.sort_by_key(|o| o.org);
        Sample { orgs }
    }
}

/// Ground-up (economic) or insured loss: the perspectives of the ORD tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Perspective {
    GroundUp,
    Insured,
}

impl Perspective {
    pub const ALL: [Perspective; 2] = [Perspective::GroundUp, Perspective::Insured];

    /// The ORD file prefix: `gul`, `il`.
    pub fn code(self) -> &'static str {
        match self {
            Perspective::GroundUp => "gul",
            Perspective::Insured => "il",
        }
    }

    pub fn of(self, o: &SampleOrg) -> f64 {
        match self {
            Perspective::GroundUp => o.ground_up_usd,
            Perspective::Insured => o.insured_usd,
        }
    }
}

/// How losses are summed: the ORD summary sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SummarySet {
    /// S1: one summary per sector (SummaryId in sector order of the book's sectors).
    Sector,
    /// S2: one summary per organisation (SummaryId in book order).
    Organisation,
    /// S3: the whole book in one summary.
    Portfolio,
}

impl SummarySet {
    pub const ALL: [SummarySet; 3] =
        [SummarySet::Sector, SummarySet::Organisation, SummarySet::Portfolio];

    /// The set's number in ORD file names: `gul_S1_...`.
    pub fn number(self) -> u32 {
        match self {
            SummarySet::Sector => 1,
            SummarySet::Organisation => 2,
            SummarySet::Portfolio => 3,
        }
    }

    /// The SummaryId (from 1) an organisation's loss goes to.
    pub fn summary_id(self, book: &Book, org: u32) -> u32 {
        match self {
            SummarySet::Sector => {
                let sector = book.orgs[org as usize].sector;
                book.sectors.iter().position(|&s| s == sector).map_or(0, |i| i as u32 + 1)
            }
            SummarySet::Organisation => org + 1,
            SummarySet::Portfolio => 1,
        }
    }

    /// How many summaries the set has.
    pub fn count(self, book: &Book) -> u32 {
        match self {
            SummarySet::Sector => book.sectors.len() as u32,
            SummarySet::Organisation => book.orgs.len() as u32,
            SummarySet::Portfolio => 1,
        }
    }
}

/// One summary's loss in one realisation, with the exposure of the organisations it hit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SummaryLoss {
    pub summary_id: u32,
    pub loss_usd: f64,
    pub impacted_exposure_usd: f64,
}

/// A realisation's losses by summary, for the summaries with a loss, by SummaryId.
pub fn summarise(
    book: &Book,
    sample: &Sample,
    set: SummarySet,
    perspective: Perspective,
) -> Vec<SummaryLoss> {
    let mut by: BTreeMap<u32, SummaryLoss> = BTreeMap::new();
    for o in &sample.orgs {
        let loss = perspective.of(o);
        if loss <= 0.0 {
            continue;
        }
        let id = set.summary_id(book, o.org);
        let s = by.entry(id).or_insert(SummaryLoss {
            summary_id: id,
            loss_usd: 0.0,
            impacted_exposure_usd: 0.0,
        });
        s.loss_usd += loss;
        s.impacted_exposure_usd += o.exposure_usd;
    }
    by.into_values().collect()
}

/// An event of a catalogue: its world and how often a year it happens.
#[derive(Clone, Debug)]
pub struct Event {
    pub name: String,
    /// Expected occurrences a year.
    pub rate: f64,
    pub spec: Arc<WorldSpec>,
}

/// A catalogue's timeline: its events, the years simulated and the seed everything derives
/// from.
#[derive(Clone, Debug)]
pub struct Plan {
    pub name: String,
    pub seed: u64,
    pub years: u64,
    pub events: Vec<Event>,
    pub book: Book,
}

/// Which occurrence: the year (from 1), the event (its place in the catalogue, from 0) and
/// its number among that event's occurrences that year (from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OccurrenceId {
    pub year: u64,
    pub event: u32,
    pub number: u32,
}

/// One occurrence of an event: when in its year it starts and its world's seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub id: OccurrenceId,
    /// Simulated time zero, seconds since the Unix epoch (UTC).
    pub start_unix_s: i64,
    pub seed: u64,
}

/// Dice purposes.
const COUNT: u64 = 0x0043_4F55_4E54;
const START: u64 = 0x0053_5441_5254;
const SEED: u64 = 0x5345_4544;

/// Most occurrences of one event in one year (a Poisson count is cut off here).
pub const MAX_PER_YEAR: u32 = 10_000;

/// A Poisson count with mean `rate` from a uniform `u` in [0, 1), by the inverse of its
/// distribution function.
pub fn poisson(rate: f64, u: f64) -> u32 {
    if !(rate > 0.0 && rate.is_finite()) {
        return 0;
    }
    let mut k = 0u32;
    let mut p = (-rate).exp();
    let mut cumulative = p;
    while u >= cumulative && k < MAX_PER_YEAR {
        k += 1;
        p *= rate / f64::from(k);
        cumulative += p;
        if p == 0.0 && cumulative < u {
            // Past where the terms underflow (a very large rate): the rest is the mean.
            return (rate.round() as u32).min(MAX_PER_YEAR);
        }
    }
    k
}

/// Seconds since the Unix epoch of 1 January (UTC) of the year `unix_s` falls in, and that
/// year's length in seconds.
pub fn calendar_year(unix_s: i64) -> (i64, i64) {
    use chrono::{Datelike, TimeZone, Utc};
    let year = Utc.timestamp_opt(unix_s, 0).single().map_or(1970, |t| t.year());
    let jan1 =
        |y: i32| Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0).single().map_or(0, |t| t.timestamp());
    let start = jan1(year);
    (start, jan1(year + 1) - start)
}

impl Plan {
    /// The occurrences of a year, in (event, number) order.
    pub fn occurrences(&self, year: u64) -> Vec<Occurrence> {
        let mut out = Vec::new();
        for (e, event) in self.events.iter().enumerate() {
            let e64 = e as u64;
            let count = poisson(event.rate, keyed::unit(&[self.seed, year, e64, COUNT]));
            let (jan1, length) = calendar_year(event.spec.start_unix_s);
            for k in 0..count {
                let u = keyed::unit(&[self.seed, year, e64, u64::from(k), START]);
                out.push(Occurrence {
                    id: OccurrenceId { year, event: e as u32, number: k },
                    start_unix_s: jan1 + (u * length as f64).floor() as i64,
                    seed: hash_words(&[self.seed, year, e64, u64::from(k), SEED]),
                });
            }
        }
        out
    }

    /// The occurrences of the years a shard does (years counted from 1; a shard takes every
    /// N-th year), in year order.
    pub fn shard_occurrences(&self, shard: Shard) -> Vec<Occurrence> {
        (1..=self.years)
            .filter(|y| shard.includes(y - 1))
            .flat_map(|y| self.occurrences(y))
            .collect()
    }

    /// The world of an occurrence: the event's, starting when the occurrence does, with its
    /// seed, keeping every organisation's loss. Nothing of its time series is kept (one sample
    /// at the end): an output interval is a reporting setting that changes no figure.
    pub fn world(&self, occurrence: &Occurrence) -> Arc<WorldSpec> {
        let mut spec = (*self.events[occurrence.id.event as usize].spec).clone();
        spec.start_unix_s = occurrence.start_unix_s;
        spec.seed = occurrence.seed;
        spec.outputs.organisation_losses = true;
        spec.output_interval = spec.horizon;
        Arc::new(spec)
    }

    /// Simulates an occurrence (one replication, on one thread) and returns its losses.
    pub fn run(&self, occurrence: &Occurrence) -> Result<Sample, ModelError> {
        let spec = self.world(occurrence);
        let run = run_replication(Arc::clone(&spec), RunConfig { replication: 0, threads: 1 })?;
        Ok(Sample::of(&self.book, &spec, &run))
    }
}

/// A simulated occurrence and its losses.
#[derive(Clone, Debug, PartialEq)]
pub struct OccurrenceLoss {
    pub id: OccurrenceId,
    pub start_unix_s: i64,
    pub sample: Sample,
}

/// A year's occurrences in time order (then by id), each organisation's insured loss eroding
/// what is left of its policy's aggregate limit that year.
pub fn period(book: &Book, mut occurrences: Vec<OccurrenceLoss>) -> Vec<OccurrenceLoss> {
    occurrences.sort_by_key(|o| (o.start_unix_s, o.id));
    let mut left: BTreeMap<u32, Aggregate> = BTreeMap::new();
    for occurrence in &mut occurrences {
        for o in &mut occurrence.sample.orgs {
            let limit = book.orgs.get(o.org as usize).and_then(|b| b.aggregate_limit_usd);
            let aggregate = left.entry(o.org).or_insert_with(|| Aggregate::new(limit));
            o.insured_usd = aggregate.pay(o.insured_usd);
        }
    }
    occurrences
}

/// Which summary: a perspective, a summary set and a SummaryId in it.
pub type SummaryKey = (Perspective, SummarySet, u32);

/// A summary's years with a loss: year → (aggregate loss, largest occurrence loss).
pub type Years = BTreeMap<u64, (f64, f64)>;

/// Period (year) losses of every summary, by perspective and summary set: for each summary,
/// the years with a loss and their aggregate (sum) and occurrence (largest) loss.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PeriodLosses {
    pub by_summary: BTreeMap<SummaryKey, Years>,
}

impl PeriodLosses {
    /// Adds one year's occurrences (already through [`period`]).
    pub fn add(&mut self, book: &Book, occurrences: &[OccurrenceLoss]) {
        for occurrence in occurrences {
            for perspective in Perspective::ALL {
                for set in SummarySet::ALL {
                    for s in summarise(book, &occurrence.sample, set, perspective) {
                        let years = self.by_summary.entry((perspective, set, s.summary_id));
                        let year =
                            years.or_default().entry(occurrence.id.year).or_insert((0.0, 0.0));
                        year.0 += s.loss_usd;
                        year.1 = year.1.max(s.loss_usd);
                    }
                }
            }
        }
    }

    /// The aggregate (sum) losses of a summary's years with a loss, in year order.
    pub fn aggregate(&self, key: &SummaryKey) -> Vec<f64> {
        self.by_summary.get(key).map_or_else(Vec::new, |y| y.values().map(|v| v.0).collect())
    }

    /// The occurrence (largest event) losses of a summary's years with a loss, in year order.
    pub fn occurrence(&self, key: &SummaryKey) -> Vec<f64> {
        self.by_summary.get(key).map_or_else(Vec::new, |y| y.values().map(|v| v.1).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_counts_have_the_rate_as_mean_and_variance() {
        for rate in [0.05, 0.7, 3.0] {
            let n = 40_000u64;
            let counts: Vec<f64> =
                (0..n).map(|i| f64::from(poisson(rate, keyed::unit(&[9, i])))).collect();
            let mean = counts.iter().sum::<f64>() / n as f64;
            let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let se = (rate / n as f64).sqrt();
            assert!((mean - rate).abs() < 4.0 * se, "rate {rate}: mean {mean}");
            assert!((var - rate).abs() < 0.05 * rate + 4.0 * se, "rate {rate}: var {var}");
        }
        assert_eq!(poisson(0.0, 0.99), 0);
        assert_eq!(poisson(-1.0, 0.5), 0);
        assert_eq!(poisson(f64::NAN, 0.5), 0);
    }

    #[test]
    fn the_calendar_year_of_the_2024_start_is_a_leap_year() {
        let (jan1, length) = calendar_year(1_721_362_140);
        assert_eq!(jan1, 1_704_067_200);
        assert_eq!(length, 366 * 86_400);
    }
}
