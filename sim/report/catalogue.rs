//! A catalogue's outputs: its journal of simulated occurrences (`occurrences.csv`, one line per
//! occurrence, appended as each finishes, which a rerun resumes from and `merge` joins), its
//! manifest (`catalogue.json`), `summary.json` (schema `blastradius.catalogue/1`), the terminal
//! summary, the exceedance-probability chart and `report.html`. The ORD tables are `ord.rs`'s.
//!
//! Pure functions of finished results returning text or bytes; it knows nothing of files, the
//! terminal or how the occurrences were simulated.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use blastradius_study::catalogue::{
    Book, OccurrenceId, OccurrenceLoss, PeriodLosses, Perspective, Sample, SampleOrg, SummarySet,
};
use blastradius_study::ep::{self, RETURN_PERIODS};

use crate::charts::{Chart, ChartError, EpLine, ep_curve};
use crate::fmt;
use crate::html::{CSS, escape, inline_svg};

/// The summary's schema identifier.
pub const SCHEMA: &str = "blastradius.catalogue/1";
/// The manifest's schema identifier.
pub const MANIFEST_SCHEMA: &str = "blastradius.catalogue-run/1";

/// The journal's header line.
pub const JOURNAL_HEADER: &str = "year,event,occurrence,start_unix_s,losses\n";

/// One journal line: the occurrence, when it started, and `org:ground_up:insured:exposure` for
/// every organisation with a loss, `;`-separated (numbers as Rust writes them, which read back
/// exactly).
pub fn journal_line(o: &OccurrenceLoss) -> String {
    let mut line = format!("{},{},{},{},", o.id.year, o.id.event, o.id.number, o.start_unix_s);
    for (i, s) in o.sample.orgs.iter().enumerate() {
        if i > 0 {
            line.push(';');
        }
        let _ = write!(line, "{}:{}:{}:{}", s.org, s.ground_up_usd, s.insured_usd, s.exposure_usd);
    }
    line.push('\n');
    line
}

/// The occurrences of a journal's complete lines (a partial last line is the caller's to drop).
pub fn parse_journal(text: &str) -> Result<Vec<OccurrenceLoss>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if n == 0 {
            if format!("{line}\n") != JOURNAL_HEADER {
                return Err("the first line is not the journal's header".into());
            }
            continue;
        }
        let bad = |what: &str| format!("line {}: {what}", n + 1);
        let fields: Vec<&str> = line.splitn(5, ',').collect();
        if fields.len() != 5 {
            return Err(bad("expected 5 fields"));
        }
        let number = |s: &str, what: &str| s.parse::<u64>().map_err(|_| bad(what));
        let id = OccurrenceId {
            year: number(fields[0], "bad year")?,
            event: u32::try_from(number(fields[1], "bad event")?).map_err(|_| bad("bad event"))?,
            number: u32::try_from(number(fields[2], "bad occurrence")?)
                .map_err(|_| bad("bad occurrence"))?,
        };
        let start_unix_s: i64 = fields[3].parse().map_err(|_| bad("bad start"))?;
        let mut orgs = Vec::new();
        for entry in fields[4].split(';').filter(|e| !e.is_empty()) {
            let parts: Vec<&str> = entry.split(':').collect();
            let value = |i: usize| -> Result<f64, String> {
                parts
                    .get(i)
                    .and_then(|v| v.parse::<f64>().ok())
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| bad("bad loss"))
            };
            if parts.len() != 4 {
                return Err(bad("bad loss entry"));
            }
            orgs.push(SampleOrg {
                org: parts[0].parse().map_err(|_| bad("bad organisation"))?,
                ground_up_usd: value(1)?,
                insured_usd: value(2)?,
                exposure_usd: value(3)?,
            });
        }
        out.push(OccurrenceLoss { id, start_unix_s, sample: Sample { orgs } });
    }
    Ok(out)
}

/// What defines a catalogue's runs: two folders hold parts of the same catalogue exactly when
/// their plans are equal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRecord {
    pub name: String,
    /// The catalogue as given on the command line (a path or a built-in name).
    pub source: String,
    pub seed: u64,
    pub years: u64,
    pub events: Vec<EventRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    pub name: String,
    pub rate: f64,
    pub scenario: String,
    pub set: Vec<String>,
    /// A fingerprint of the event's resolved world: a changed world is another catalogue.
    pub world: String,
}

/// `catalogue.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub plan: PlanRecord,
    /// `I/N`, or `0/1` for the whole catalogue.
    pub shard: String,
    /// The command that made (or resumes) this folder.
    pub command: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestDoc {
    schema: String,
    #[serde(flatten)]
    manifest: Manifest,
}

/// A fingerprint of a text (a resolved world), in hex.
pub fn fingerprint(text: &str) -> String {
    let words: Vec<u64> = text
        .as_bytes()
        .chunks(8)
        .map(|c| {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            u64::from_le_bytes(w)
        })
        .chain([text.len() as u64])
        .collect();
    format!("{:016x}", blastradius_engine::random::hash_words(&words))
}

pub fn manifest_json(m: &Manifest) -> String {
    let doc = ManifestDoc { schema: MANIFEST_SCHEMA.to_string(), manifest: m.clone() };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

pub fn parse_manifest(text: &str) -> Result<Manifest, String> {
    let doc: ManifestDoc =
        serde_json::from_str(text).map_err(|e| format!("not a catalogue manifest: {e}"))?;
    if doc.schema != MANIFEST_SCHEMA {
        return Err(format!("not a {MANIFEST_SCHEMA} manifest"));
    }
    Ok(doc.manifest)
}

/// An event as the outputs describe it.
#[derive(Clone, Debug, PartialEq)]
pub struct EventInfo {
    pub name: String,
    pub rate: f64,
    pub scenario: String,
    pub set: Vec<String>,
    /// Occurrences simulated.
    pub occurrences: u64,
    /// Its world as fully resolved RON.
    pub resolved_ron: String,
}

/// Everything a finished catalogue's outputs are made of.
#[derive(Clone, Debug)]
pub struct CatalogueResult<'a> {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub years: u64,
    /// The command that reproduces the outputs, and the program that made them.
    pub command: String,
    pub program: String,
    pub events: Vec<EventInfo>,
    pub book: &'a Book,
    /// Every year's occurrences after the aggregate limits, in year and time order.
    pub occurrences: &'a [OccurrenceLoss],
    pub losses: &'a PeriodLosses,
}

/// A number on its way to JSON: `null` unless finite.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Num(f64);

impl Serialize for Num {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_finite() { s.serialize_f64(self.0) } else { s.serialize_none() }
    }
}

#[derive(Serialize)]
struct SummaryDoc<'a> {
    schema: &'static str,
    catalogue: &'a str,
    description: &'a str,
    seed: u64,
    years: u64,
    command: &'a str,
    program: &'a str,
    /// Occurrences simulated over all the years.
    occurrences: u64,
    events: Vec<EventEntry<'a>>,
    /// The whole book, ground-up and insured.
    portfolio: Portfolio,
    /// Each sector's average annual loss, ground-up and insured, in sector order.
    sectors: Vec<SectorEntry>,
}

#[derive(Serialize)]
struct EventEntry<'a> {
    event_id: u32,
    name: &'a str,
    rate: Num,
    scenario: &'a str,
    set: &'a [String],
    occurrences: u64,
    resolved_scenario: &'a str,
}

#[derive(Serialize)]
struct Portfolio {
    ground_up: Perspect,
    insured: Perspect,
}

#[derive(Serialize)]
struct Perspect {
    /// The average annual loss, its standard deviation over the years and its standard error.
    aal_usd: Num,
    aal_sd_usd: Num,
    aal_standard_error_usd: Num,
    /// At each standard return period up to the years simulated, longest first.
    return_periods: Vec<EpEntry>,
}

#[derive(Serialize)]
struct EpEntry {
    return_period: Num,
    oep_usd: Num,
    oep_tvar_usd: Num,
    aep_usd: Num,
    aep_tvar_usd: Num,
}

#[derive(Serialize)]
struct SectorEntry {
    sector: &'static str,
    ground_up_aal_usd: Num,
    insured_aal_usd: Num,
}

/// The portfolio's average annual loss and curves in one perspective.
pub struct PortfolioCurves {
    pub annual: ep::AnnualLoss,
    pub oep: Vec<ep::EpPoint>,
    pub aep: Vec<ep::EpPoint>,
}

/// The whole book's curves at these return periods.
pub fn portfolio(r: &CatalogueResult<'_>, p: Perspective, rps: &[f64]) -> PortfolioCurves {
    let key = (p, SummarySet::Portfolio, 1);
    let aggregate = r.losses.aggregate(&key);
    PortfolioCurves {
        annual: ep::annual(&aggregate, r.years),
        oep: ep::curve(&r.losses.occurrence(&key), r.years, rps),
        aep: ep::curve(&aggregate, r.years, rps),
    }
}

fn perspect(r: &CatalogueResult<'_>, p: Perspective) -> Perspect {
    let c = portfolio(r, p, &RETURN_PERIODS);
    Perspect {
        aal_usd: Num(c.annual.mean_usd),
        aal_sd_usd: Num(c.annual.sd_usd),
        aal_standard_error_usd: Num(c.annual.standard_error_usd),
        return_periods: c
            .oep
            .iter()
            .zip(&c.aep)
            .map(|(o, a)| EpEntry {
                return_period: Num(o.return_period),
                oep_usd: Num(o.loss_usd),
                oep_tvar_usd: Num(o.tvar_usd),
                aep_usd: Num(a.loss_usd),
                aep_tvar_usd: Num(a.tvar_usd),
            })
            .collect(),
    }
}

/// `summary.json` of a catalogue: pretty-printed, keys in the order of the fields above.
pub fn summary_json(r: &CatalogueResult<'_>) -> String {
    let sector_aal = |p: Perspective, id: u32| {
        ep::annual(&r.losses.aggregate(&(p, SummarySet::Sector, id)), r.years).mean_usd
    };
    let doc = SummaryDoc {
        schema: SCHEMA,
        catalogue: &r.name,
        description: &r.description,
        seed: r.seed,
        years: r.years,
        command: &r.command,
        program: &r.program,
        occurrences: r.occurrences.len() as u64,
        events: r
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| EventEntry {
                event_id: i as u32 + 1,
                name: &e.name,
                rate: Num(e.rate),
                scenario: &e.scenario,
                set: &e.set,
                occurrences: e.occurrences,
                resolved_scenario: &e.resolved_ron,
            })
            .collect(),
        portfolio: Portfolio {
            ground_up: perspect(r, Perspective::GroundUp),
            insured: perspect(r, Perspective::Insured),
        },
        sectors: r
            .book
            .sectors()
            .iter()
            .enumerate()
            .map(|(i, s)| SectorEntry {
                sector: s.name(),
                ground_up_aal_usd: Num(sector_aal(Perspective::GroundUp, i as u32 + 1)),
                insured_aal_usd: Num(sector_aal(Perspective::Insured, i as u32 + 1)),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// The terminal summary: the years and occurrences, the average annual loss with its standard
/// error, and the curves at the standard return periods, ground-up and insured.
pub fn summary_table(r: &CatalogueResult<'_>) -> String {
    let (g, i) = (
        portfolio(r, Perspective::GroundUp, &RETURN_PERIODS),
        portfolio(r, Perspective::Insured, &RETURN_PERIODS),
    );
    let mut out = format!(
        "{}: seed {}, {} years, {} occurrences of {} events\n\n",
        r.name,
        r.seed,
        fmt::thousands(r.years as f64),
        fmt::thousands(r.occurrences.len() as f64),
        r.events.len()
    );
    let _ = writeln!(
        out,
        "average annual loss   ground-up {} ± {}   insured {} ± {}   (± one standard error)\n",
        fmt::money(g.annual.mean_usd),
        fmt::money(g.annual.standard_error_usd),
        fmt::money(i.annual.mean_usd),
        fmt::money(i.annual.standard_error_usd)
    );
    let header = ["return period", "OEP ground-up", "AEP ground-up", "OEP insured", "AEP insured"];
    let mut rows = vec![header.map(str::to_string).to_vec()];
    for k in 0..g.oep.len() {
        rows.push(vec![
            format!("{} years", fmt::thousands(g.oep[k].return_period)),
            fmt::money(g.oep[k].loss_usd),
            fmt::money(g.aep[k].loss_usd),
            fmt::money(i.oep[k].loss_usd),
            fmt::money(i.aep[k].loss_usd),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let mut line = format!("{:<w$}", row[0], w = widths[0]);
        for (c, cell) in row.iter().enumerate().skip(1) {
            let _ = write!(line, "  {cell:>w$}", w = widths[c]);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str("\nby event (occurrences simulated, annual rate)\n");
    for e in &r.events {
        let _ = writeln!(out, "  {}  {}  {}", e.name, fmt::thousands(e.occurrences as f64), e.rate);
    }
    out
}

/// Return periods for the curve chart: a logarithmic grid from 1 year to the years simulated.
fn chart_return_periods(years: u64) -> Vec<f64> {
    let top = (years as f64).log10();
    let steps = (top * 12.0).ceil().max(1.0) as usize;
    let mut rps: Vec<f64> =
        (0..=steps).map(|k| 10f64.powf(top * k as f64 / steps as f64)).collect();
    rps.extend(RETURN_PERIODS.iter().filter(|&&t| t <= years as f64));
    rps.sort_by(|a, b| b.total_cmp(a));
    rps.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    rps
}

/// The exceedance-probability chart (`ep_curve`): the whole book's OEP and AEP, ground-up and
/// insured, against return period.
pub fn ep_chart(r: &CatalogueResult<'_>) -> Result<Chart, ChartError> {
    let rps = chart_return_periods(r.years);
    let mut lines = Vec::new();
    for (p, colour, label) in
        [(Perspective::GroundUp, 0, "ground-up"), (Perspective::Insured, 1, "insured")]
    {
        let c = portfolio(r, p, &rps);
        for (curve, dashed, kind) in [(&c.oep, false, "OEP"), (&c.aep, true, "AEP")] {
            lines.push(EpLine {
                label: format!("{kind} {label}"),
                colour,
                dashed,
                points: curve.iter().map(|p| (p.return_period, p.loss_usd)).collect(),
            });
        }
    }
    let g = portfolio(r, Perspective::GroundUp, &[]);
    let i = portfolio(r, Perspective::Insured, &[]);
    ep_curve(
        "ep_curve",
        "Exceedance probability: loss against return period",
        &format!(
            "{}: {} years, {} occurrences; average annual loss {} ground-up, {} insured",
            r.name,
            fmt::thousands(r.years as f64),
            fmt::thousands(r.occurrences.len() as f64),
            fmt::money(g.annual.mean_usd),
            fmt::money(i.annual.mean_usd)
        ),
        &lines,
    )
}

/// `report.html` of a catalogue: how to reproduce it, the average annual loss, the curves
/// (chart and table), the events and the ORD tables written beside it.
pub fn report_html(r: &CatalogueResult<'_>, charts: &[Chart]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} - blastradius catalogue</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        escape(&r.name)
    );
    let _ = write!(
        h,
        "<header>\n<p class=\"kicker\">blastradius catalogue</p>\n<h1>{}</h1>\n<p class=\"lead\">{}</p>\n\
         <dl class=\"meta\">\n<dt>Seed</dt><dd>{}</dd>\n<dt>Years</dt><dd>{}</dd>\n\
         <dt>Occurrences</dt><dd>{}</dd>\n<dt>Program</dt><dd>{}</dd>\n</dl>\n\
         <p>Reproduce these results exactly:</p>\n<pre class=\"command\"><code>{}</code></pre>\n</header>\n",
        escape(&r.name),
        escape(&r.description),
        r.seed,
        fmt::thousands(r.years as f64),
        fmt::thousands(r.occurrences.len() as f64),
        escape(&r.program),
        escape(&r.command)
    );
    let (g, i) = (
        portfolio(r, Perspective::GroundUp, &RETURN_PERIODS),
        portfolio(r, Perspective::Insured, &RETURN_PERIODS),
    );
    h.push_str("<section id=\"aal\">\n<h2>Average annual loss</h2>\n<table>\n");
    h.push_str(
        "<thead><tr><th></th><th class=\"num\">Average annual loss</th><th class=\"num\">Standard \
         error</th><th class=\"num\">Standard deviation</th></tr></thead>\n<tbody>\n",
    );
    for (label, c) in [("ground-up", &g), ("insured", &i)] {
        let _ = writeln!(
            h,
            "<tr><td>{label}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            fmt::money(c.annual.mean_usd),
            fmt::money(c.annual.standard_error_usd),
            fmt::money(c.annual.sd_usd)
        );
    }
    h.push_str("</tbody>\n<caption>The whole book, over every simulated year (years without a loss count as 0).</caption>\n</table>\n</section>\n");
    for chart in charts {
        let _ = write!(
            h,
            "<figure id=\"chart-{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            escape(&chart.name),
            inline_svg(&chart.svg, &chart.title),
            escape(&chart.title)
        );
    }
    h.push_str("<section id=\"ep\">\n<h2>Loss at the standard return periods</h2>\n<table>\n");
    h.push_str(
        "<thead><tr><th>Return period</th><th class=\"num\">OEP ground-up</th><th class=\"num\">AEP \
         ground-up</th><th class=\"num\">OEP insured</th><th class=\"num\">AEP insured</th>\
         <th class=\"num\">TVaR (AEP) insured</th></tr></thead>\n<tbody>\n",
    );
    for k in 0..g.oep.len() {
        let _ = writeln!(
            h,
            "<tr><td>{} years</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            fmt::thousands(g.oep[k].return_period),
            fmt::money(g.oep[k].loss_usd),
            fmt::money(g.aep[k].loss_usd),
            fmt::money(i.oep[k].loss_usd),
            fmt::money(i.aep[k].loss_usd),
            fmt::money(i.aep[k].tvar_usd)
        );
    }
    h.push_str(
        "</tbody>\n<caption>OEP: the largest occurrence of a year; AEP: a year's occurrences \
         summed; both exceeded once in the return period on average. The ORD tables in \
         <code>ord/</code> hold these by sector (S1), organisation (S2) and for the book (S3).</caption>\n</table>\n</section>\n",
    );
    h.push_str(
        "<section id=\"events\">\n<h2>Events</h2>\n<table>\n<thead><tr><th>#</th><th>Event</th>\
                <th>Scenario</th><th>Fields set</th><th class=\"num\">Annual rate</th>\
                <th class=\"num\">Occurrences</th></tr></thead>\n<tbody>\n",
    );
    for (k, e) in r.events.iter().enumerate() {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            k + 1,
            escape(&e.name),
            escape(&e.scenario),
            escape(&e.set.join(", ")),
            e.rate,
            fmt::thousands(e.occurrences as f64)
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
    let _ = write!(
        h,
        "<footer>Made by {}. The same catalogue, seed and years give the same tables, byte for \
         byte, on any number of threads and shards.</footer>\n</main>\n</body>\n</html>\n",
        escape(&r.program)
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_lines_read_back_exactly() {
        let o = OccurrenceLoss {
            id: OccurrenceId { year: 12, event: 1, number: 0 },
            start_unix_s: 1_704_067_200,
            sample: Sample {
                orgs: vec![
                    SampleOrg {
                        org: 3,
                        ground_up_usd: 0.1 + 0.2,
                        insured_usd: 1e-7,
                        exposure_usd: 5e9,
                    },
                    SampleOrg { org: 7, ground_up_usd: 12.5, insured_usd: 0.0, exposure_usd: 1.0 },
                ],
            },
        };
        let empty = OccurrenceLoss { sample: Sample::default(), ..o.clone() };
        let text = format!("{JOURNAL_HEADER}{}{}", journal_line(&o), journal_line(&empty));
        assert_eq!(parse_journal(&text).unwrap(), vec![o, empty]);
        assert!(parse_journal("nonsense\n").is_err());
        assert!(parse_journal(&format!("{JOURNAL_HEADER}1,2,3\n")).is_err());
    }

    #[test]
    fn manifests_round_trip() {
        let m = Manifest {
            plan: PlanRecord {
                name: "c".into(),
                source: "c.ron".into(),
                seed: 1,
                years: 10,
                events: vec![EventRecord {
                    name: "e".into(),
                    rate: 0.5,
                    scenario: "hospital-tabletop".into(),
                    set: vec![],
                    world: fingerprint("x"),
                }],
            },
            shard: "0/1".into(),
            command: "blastradius catalogue c.ron --years 10".into(),
        };
        assert_eq!(parse_manifest(&manifest_json(&m)).unwrap(), m);
        assert_ne!(fingerprint("ab"), fingerprint("ba"));
    }
}
