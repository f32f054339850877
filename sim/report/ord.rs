//! Open Results Data (ORD) tables: the event, period, average and exceedance-probability loss
//! tables of the OasisLMF catastrophe-modelling platform, ground-up (`gul_`) and insured
//! (`il_`), for every summary set, as CSV text.
//!
//! Column names and codes follow ORD v1 as OasisLMF specifies it (github.com/OasisLMF/
//! ODS_OpenResultsData: `ORD_Definitions.md`, `Schema/ORD_Table_Examples.csv`) and as its
//! reference implementation writes it (`oasislmf.pytools`: `elt`, `plt`, `aal` and `lec`):
//!
//! | table | file | columns |
//! |---|---|---|
//! | sample event loss (SELT) | `*_selt.csv` | EventId, SummaryId, SampleId, Loss, ImpactedExposure |
//! | moment event loss (MELT) | `*_melt.csv` | EventId, SummaryId, SampleType, EventRate, ChanceOfLoss, MeanLoss, SDLoss, MaxLoss, FootprintExposure, MeanImpactedExposure, MaxImpactedExposure |
//! | quantile event loss (QELT) | `*_qelt.csv` | EventId, SummaryId, Quantile, Loss |
//! | sample period loss (SPLT) | `*_plt.csv` | Period, PeriodWeight, EventId, Year, Month, Day, Hour, Minute, SummaryId, SampleId, Loss, ImpactedExposure |
//! | average loss (ALT) | `*_alt.csv` | SummaryId, SampleType, MeanLoss, SDLoss |
//! | exceedance probability (EPT) | `*_ept.csv` | SummaryId, EPCalc, EPType, ReturnPeriod, Loss |
//! | summary info | `*_summary-info.csv` | summary_id, the summary's fields, tiv |
//!
//! Codes: `SampleType` 2 (statistics of the samples; there is no analytical mean); `EPCalc` 2
//! (full uncertainty: every simulated year's own realisation); `EPType` 1 OEP, 2 OEP TVaR, 3
//! AEP, 4 AEP TVaR. Like OasisLMF, loss tables hold only rows with a loss. What the samples
//! are: in a run, its replications (SampleId = replication + 1); in a catalogue's event
//! tables, the event's occurrences in period order (SampleId from 1); in its period loss table
//! every occurrence is one realisation (SampleId 1). `EventRate` is empty in a run, which has
//! no rate. `Year` is the period; `Month`, `Day`, `Hour` and `Minute` are the occurrence's
//! start (UTC) within its year. The exposure (TIV) of an organisation is a year of its revenue
//! at full capacity: in summary-info for the archetype's mean size, in `ImpactedExposure` for
//! the organisations a summary's loss hit, at their size in that realisation.
//!
//! Summary sets: S1 by sector, S2 by organisation, S3 the whole book. Pure functions of
//! finished results returning text; it knows nothing of files or of how losses were made.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use blastradius_study::catalogue::{
    Book, OccurrenceLoss, PeriodLosses, Perspective, Sample, SummaryLoss, SummarySet, summarise,
};
use blastradius_study::ep::{self, RETURN_PERIODS};
use chrono::{Datelike, TimeZone, Timelike, Utc};

pub const SELT_HEADER: &str = "EventId,SummaryId,SampleId,Loss,ImpactedExposure";
pub const MELT_HEADER: &str = "EventId,SummaryId,SampleType,EventRate,ChanceOfLoss,MeanLoss,\
                               SDLoss,MaxLoss,FootprintExposure,MeanImpactedExposure,\
                               MaxImpactedExposure";
pub const QELT_HEADER: &str = "EventId,SummaryId,Quantile,Loss";
pub const PLT_HEADER: &str = "Period,PeriodWeight,EventId,Year,Month,Day,Hour,Minute,SummaryId,SampleId,Loss,\
     ImpactedExposure";
pub const ALT_HEADER: &str = "SummaryId,SampleType,MeanLoss,SDLoss";
pub const EPT_HEADER: &str = "SummaryId,EPCalc,EPType,ReturnPeriod,Loss";

/// `SampleType` of sample statistics.
const SAMPLE_STATISTICS: u32 = 2;
/// `EPCalc` of full uncertainty.
const FULL_UNCERTAINTY: u32 = 2;
/// `EPType` codes.
const OEP: u32 = 1;
const OEP_TVAR: u32 = 2;
const AEP: u32 = 3;
const AEP_TVAR: u32 = 4;

/// The quantiles of the quantile event loss table.
pub const QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// One event's realisations, for the event loss tables.
#[derive(Clone, Debug)]
pub struct EventSamples<'a> {
    /// From 1.
    pub event_id: u32,
    /// Expected occurrences a year, when the event has one.
    pub rate: Option<f64>,
    pub samples: Vec<&'a Sample>,
}

/// A file name in `ord/`: `gul_S1_selt.csv`.
fn file(perspective: Perspective, set: SummarySet, table: &str) -> String {
    format!("{}_S{}_{table}.csv", perspective.code(), set.number())
}

/// The exposure (TIV) of each summary of a set, by SummaryId.
fn footprint(book: &Book, set: SummarySet) -> BTreeMap<u32, f64> {
    let mut tiv = BTreeMap::new();
    for (i, o) in book.orgs().iter().enumerate() {
        *tiv.entry(set.summary_id(book, i as u32)).or_insert(0.0) += o.exposure_usd;
    }
    tiv
}

/// The summary-info files: what each SummaryId of each set stands for, with its exposure.
pub fn summary_info(book: &Book) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for set in SummarySet::ALL {
        let tiv = footprint(book, set);
        let mut text = String::new();
        match set {
            SummarySet::Sector => {
                text.push_str("summary_id,sector,tiv\n");
                for (i, s) in book.sectors().iter().enumerate() {
                    let id = i as u32 + 1;
                    let _ = writeln!(text, "{id},{},{:.2}", s.name(), tiv.get(&id).unwrap_or(&0.0));
                }
            }
            SummarySet::Organisation => {
                text.push_str("summary_id,organisation,archetype,sector,tiv\n");
                for (i, o) in book.orgs().iter().enumerate() {
                    let id = i as u32 + 1;
                    let _ = writeln!(
                        text,
                        "{id},{},{},{},{:.2}",
                        o.name,
                        o.archetype,
                        o.sector.name(),
                        tiv.get(&id).unwrap_or(&0.0)
                    );
                }
            }
            SummarySet::Portfolio => {
                text.push_str("summary_id,portfolio,tiv\n");
                let _ = writeln!(text, "1,all,{:.2}", tiv.get(&1).unwrap_or(&0.0));
            }
        }
        for perspective in Perspective::ALL {
            out.push((file(perspective, set, "summary-info"), text.clone()));
        }
    }
    out
}

/// A summary's losses over an event's samples: (SampleId, loss, impacted exposure) for the
/// samples with a loss.
type Realisations = Vec<(usize, f64, f64)>;

/// The quantile `q` of `n` values of which `nonzero` are given (the rest are 0), by linear
/// interpolation between order statistics (type 7), as OasisLMF's QELT computes it.
fn quantile(nonzero: &[f64], n: usize, q: f64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let mut values = vec![0.0; n - nonzero.len().min(n)];
    values.extend_from_slice(nonzero);
    values.sort_by(f64::total_cmp);
    let pos = (n - 1) as f64 * q;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    values[lo] + (pos - lo as f64) * (values[hi] - values[lo])
}

/// The sample, moment and quantile event loss tables of every perspective and summary set.
pub fn event_loss_tables(book: &Book, events: &[EventSamples<'_>]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for perspective in Perspective::ALL {
        for set in SummarySet::ALL {
            let tiv = footprint(book, set);
            let (mut selt, mut melt, mut qelt) = (
                format!("{SELT_HEADER}\n"),
                format!("{MELT_HEADER}\n"),
                format!("{QELT_HEADER}\n"),
            );
            for event in events {
                let n = event.samples.len();
                let mut by: BTreeMap<u32, Realisations> = BTreeMap::new();
                for (k, sample) in event.samples.iter().enumerate() {
                    for SummaryLoss { summary_id, loss_usd, impacted_exposure_usd } in
                        summarise(book, sample, set, perspective)
                    {
                        by.entry(summary_id).or_default().push((
                            k + 1,
                            loss_usd,
                            impacted_exposure_usd,
                        ));
                    }
                }
                // SELT rows come in sample order within each event, as OasisLMF writes them.
                let mut rows: Vec<(usize, u32, f64, f64)> = by
                    .iter()
                    .flat_map(|(&id, r)| r.iter().map(move |&(k, l, x)| (k, id, l, x)))
                    .collect();
                rows.sort_by_key(|r| (r.0, r.1));
                for (k, id, loss, exposure) in rows {
                    let _ = writeln!(selt, "{},{id},{k},{loss:.2},{exposure:.2}", event.event_id);
                }
                for (&id, r) in &by {
                    let losses: Vec<f64> = r.iter().map(|x| x.1).collect();
                    let nf = n as f64;
                    let mean = losses.iter().sum::<f64>() / nf;
                    let ss = losses.iter().map(|l| (l - mean).powi(2)).sum::<f64>()
                        + (n - losses.len()) as f64 * mean * mean;
                    let sd = if n > 1 { (ss / (nf - 1.0)).sqrt() } else { 0.0 };
                    let max = losses.iter().copied().fold(0.0, f64::max);
                    let impacted: Vec<f64> = r.iter().map(|x| x.2).collect();
                    let rate = event.rate.map_or(String::new(), |r| format!("{r:.6}"));
                    let _ = writeln!(
                        melt,
                        "{},{id},{SAMPLE_STATISTICS},{rate},{:.6},{mean:.2},{sd:.2},{max:.2},{:.2},{:.2},{:.2}",
                        event.event_id,
                        losses.len() as f64 / nf,
                        tiv.get(&id).unwrap_or(&0.0),
                        impacted.iter().sum::<f64>() / nf,
                        impacted.iter().copied().fold(0.0, f64::max),
                    );
                    for q in QUANTILES {
                        let _ = writeln!(
                            qelt,
                            "{},{id},{q:.6},{:.2}",
                            event.event_id,
                            quantile(&losses, n, q)
                        );
                    }
                }
            }
            out.push((file(perspective, set, "selt"), selt));
            out.push((file(perspective, set, "melt"), melt));
            out.push((file(perspective, set, "qelt"), qelt));
        }
    }
    out
}

/// The period loss tables of a catalogue's years: one row per occurrence and summary with a
/// loss, in period and time order. `occurrences` are every year's, each year through
/// `catalogue::period`, in year order.
pub fn period_loss_tables(
    book: &Book,
    years: u64,
    occurrences: &[OccurrenceLoss],
) -> Vec<(String, String)> {
    let weight = if years > 0 { 1.0 / years as f64 } else { 0.0 };
    let mut out = Vec::new();
    for perspective in Perspective::ALL {
        for set in SummarySet::ALL {
            let mut plt = format!("{PLT_HEADER}\n");
            for o in occurrences {
                let t = Utc.timestamp_opt(o.start_unix_s, 0).single();
                let (month, day, hour, minute) =
                    t.map_or((1, 1, 0, 0), |t| (t.month(), t.day(), t.hour(), t.minute()));
                for s in summarise(book, &o.sample, set, perspective) {
                    let _ = writeln!(
                        plt,
                        "{},{weight:.6},{},{},{month},{day},{hour},{minute},{},1,{:.2},{:.2}",
                        o.id.year,
                        o.id.event + 1,
                        o.id.year,
                        s.summary_id,
                        s.loss_usd,
                        s.impacted_exposure_usd
                    );
                }
            }
            out.push((file(perspective, set, "plt"), plt));
        }
    }
    out
}

/// The average loss and exceedance-probability tables of a catalogue's period losses.
pub fn average_and_ep_tables(
    book: &Book,
    years: u64,
    losses: &PeriodLosses,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for perspective in Perspective::ALL {
        for set in SummarySet::ALL {
            let (mut alt, mut ept) = (format!("{ALT_HEADER}\n"), format!("{EPT_HEADER}\n"));
            for id in 1..=set.count(book) {
                let key = (perspective, set, id);
                let aggregate = losses.aggregate(&key);
                if aggregate.is_empty() {
                    continue;
                }
                let a = ep::annual(&aggregate, years);
                let _ = writeln!(alt, "{id},{SAMPLE_STATISTICS},{:.6},{:.6}", a.mean_usd, a.sd_usd);
                let oep = ep::curve(&losses.occurrence(&key), years, &RETURN_PERIODS);
                let aep = ep::curve(&aggregate, years, &RETURN_PERIODS);
                for (curve, value, tvar) in [(&oep, OEP, OEP_TVAR), (&aep, AEP, AEP_TVAR)] {
                    for (code, tail) in [(value, false), (tvar, true)] {
                        for p in curve.iter() {
                            let loss = if tail { p.tvar_usd } else { p.loss_usd };
                            let _ = writeln!(
                                ept,
                                "{id},{FULL_UNCERTAINTY},{code},{:.6},{loss:.6}",
                                p.return_period
                            );
                        }
                    }
                }
            }
            out.push((file(perspective, set, "alt"), alt));
            out.push((file(perspective, set, "ept"), ept));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_order_statistics_with_the_zeros() {
        // Five samples, two with a loss: 0, 0, 0, 10, 20.
        assert_eq!(quantile(&[20.0, 10.0], 5, 0.5), 0.0);
        assert_eq!(quantile(&[20.0, 10.0], 5, 0.75), 10.0);
        assert!((quantile(&[20.0, 10.0], 5, 0.95) - 18.0).abs() < 1e-12);
        assert_eq!(quantile(&[], 0, 0.5), 0.0);
    }

    #[test]
    fn headers_are_ord_v1() {
        assert_eq!(
            MELT_HEADER,
            "EventId,SummaryId,SampleType,EventRate,ChanceOfLoss,MeanLoss,SDLoss,MaxLoss,\
             FootprintExposure,MeanImpactedExposure,MaxImpactedExposure"
        );
        assert_eq!(
            PLT_HEADER,
            "Period,PeriodWeight,EventId,Year,Month,Day,Hour,Minute,SummaryId,SampleId,Loss,\
             ImpactedExposure"
        );
    }
}
