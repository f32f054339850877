//! The catalogue of figures: every number a run reports, with its stable name (the key in
//! `summary.json`, the column of `runs.csv`), its unit, its label, where the summary table shows
//! it, how it aggregates over replications, and whether it also comes per sector.
//!
//! The rest of the program holds figures as [`Figure`] values; names are strings only where a
//! JSON or CSV file is written or read ([`Figure::name`], [`Figure::parse`]). Adding a figure is
//! one entry in [`CATALOGUE`] (and the code in `world.rs` that measures it); the terminal table,
//! the JSON documentation, the CSV and sweep columns and the chart labels follow.

use std::borrow::Cow;
use std::fmt;

use super::spec::Sector;

/// What a figure's numbers are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Endpoints, organisations, flights: "8,788,155".
    Count,
    /// Seconds after the first publication of the faulty content, shown as a duration: "8h 18m".
    SecondsAfterPublication,
    /// Endpoint-hours of downtime.
    EndpointHours,
    /// Hours of service capacity lost, summed over services.
    ServiceHours,
    /// US dollars: "$1.74B".
    Usd,
    /// A fraction in [0, 1]: "97.3%".
    Share,
    /// A local day of the run, 1 being the day simulated time zero falls on.
    Day,
}

impl Unit {
    /// How the unit reads in documentation.
    pub fn description(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::SecondsAfterPublication => "seconds after the first publication",
            Unit::EndpointHours => "endpoint-hours",
            Unit::ServiceHours => "service-hours",
            Unit::Usd => "US dollars",
            Unit::Share => "share (0 to 1)",
            Unit::Day => "local day (1: the day of the start)",
        }
    }
}

/// The sections of the summary table, in the order it shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Exposure,
    Timing,
    Downtime,
    Loss,
    Operations,
    Insurance,
}

impl Section {
    pub const ALL: [Section; 6] = [
        Section::Exposure,
        Section::Timing,
        Section::Downtime,
        Section::Loss,
        Section::Operations,
        Section::Insurance,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Exposure => "Exposure",
            Section::Timing => "Timing (after the first publication)",
            Section::Downtime => "Downtime",
            Section::Loss => "Loss",
            Section::Operations => "Operations",
            Section::Insurance => "Insurance (what the policies pay)",
        }
    }
}

/// Where the summary table shows a figure: its section, its place there (rows sort by it) and,
/// when it stands under a sub-heading of the section, that heading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableRow {
    pub section: Section,
    pub rank: u8,
    pub label: &'static str,
    pub heading: Option<&'static str>,
}

/// How a figure summarises over replications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregation {
    /// Every replication has a value: mean, 95% interval and percentiles of all of them.
    Mean,
    /// The time of something that may not happen (a halt, 99% recovered): summarised over the
    /// replications in which it happened, which the table counts ("in 3 of 5 runs"); a figure
    /// that never happened reads "never".
    WhenItHappened,
}

/// What a figure measures; with a [`Scope`] it makes a [`Figure`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    EndpointsTotal,
    EndpointsExposed,
    EndpointsCrashed,
    EndpointsSelfHealed,
    EndpointsRepairedRemote,
    EndpointsRepairedOnsite,
    EndpointsRepairedByOwner,
    EndpointsDownAtEnd,
    EndpointsReimaged,
    RolloutHaltedAt,
    RevertPublishedAt,
    FirstCrashAt,
    Recovered50pctAt,
    Recovered90pctAt,
    Recovered99pctAt,
    RecoveredAllAt,
    EndpointDowntimeHours,
    LossUsd,
    LossUsdRevenue,
    LossUsdLabour,
    LossUsdPenalties,
    LossUsdBacklog,
    LossUsdProductivity,
    FlightsCancelled,
    OrganisationsAffected,
    ServiceHoursLost,
    RecoveredShare,
    FlightsCancelledShare,
    ScheduleNormalDay,
    InsuredUsd,
    InsuredUsdBi,
    InsuredUsdContingent,
    InsuredShare,
    OrganisationsInsured,
    OrganisationsClaiming,
}

/// Whose figure it is: the whole run, one sector's part of it, a moment of the run, or one
/// archetype the scenario names in `outputs.archetypes` (a named carrier, a hospital system).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Run,
    Sector(Sector),
    /// The run at a moment, in whole minutes after simulated time zero.
    At(u32),
    /// A named archetype's organisations together.
    Archetype(Name),
    /// A named archetype on one local day: 1 is the day simulated time zero falls on.
    ArchetypeDay(Name, u16),
    /// A named archetype at a moment, in whole minutes after simulated time zero.
    ArchetypeAt(Name, u32),
}

/// A short name kept inline, so that a [`Figure`] stays `Copy`: an archetype named in a
/// scenario's outputs (at most [`Name::MAX`] bytes, which validation checks).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name {
    len: u8,
    bytes: [u8; Name::MAX],
}

impl Name {
    pub const MAX: usize = 31;

    /// `None` when the name is longer than [`Name::MAX`] bytes.
    pub fn new(name: &str) -> Option<Name> {
        let src = name.as_bytes();
        if src.len() > Name::MAX {
            return None;
        }
        let mut bytes = [0; Name::MAX];
        bytes[..src.len()].copy_from_slice(src);
        Some(Name { len: src.len() as u8, bytes })
    }

    pub fn as_str(&self) -> &str {
        // Built from a `&str` by whole bytes, so always valid UTF-8.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// The scopes a metric comes in, as bits of [`Scopes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    pub const RUN: Scopes = Scopes(1);
    pub const SECTOR: Scopes = Scopes(2);
    pub const AT: Scopes = Scopes(4);
    pub const ARCHETYPE: Scopes = Scopes(8);
    pub const ARCHETYPE_DAY: Scopes = Scopes(16);
    pub const ARCHETYPE_AT: Scopes = Scopes(32);

    pub const fn and(self, other: Scopes) -> Scopes {
        Scopes(self.0 | other.0)
    }
    pub const fn has(self, other: Scopes) -> bool {
        self.0 & other.0 == other.0
    }
}

/// One catalogue entry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Entry {
    pub metric: Metric,
    /// The stable name of the run-wide figure (or, for a metric without one, its stem).
    pub name: &'static str,
    /// For a metric that also comes per sector, the stem of the per-sector names:
    /// `<stem>_<sector>`, e.g. `loss_usd_hospital`; also the stem of the other scoped names
    /// (see [`Figure::name`]). `None`: the stem is the name.
    pub per_sector: Option<&'static str>,
    /// The scopes it comes in.
    pub scopes: Scopes,
    pub unit: Unit,
    /// A label that reads on its own: on chart axes, in comparisons, in the debrief.
    pub label: &'static str,
    /// What it means, for the documentation of `summary.json`.
    pub meaning: &'static str,
    pub table: Option<TableRow>,
    pub aggregation: Aggregation,
}

const fn row(section: Section, rank: u8, label: &'static str) -> Option<TableRow> {
    Some(TableRow { section, rank, label, heading: None })
}

const fn under(
    section: Section,
    rank: u8,
    heading: &'static str,
    label: &'static str,
) -> Option<TableRow> {
    Some(TableRow { section, rank, label, heading: Some(heading) })
}

/// Every metric, in the order of the columns of `runs.csv` and of comparisons.
pub static CATALOGUE: [Entry; 35] = {
    use Aggregation::{Mean, WhenItHappened};
    use Section::{Downtime, Exposure, Insurance, Loss, Operations, Timing};
    use Unit::{
        Count, Day, EndpointHours, SecondsAfterPublication as After, ServiceHours, Share, Usd,
    };
    const fn e(
        metric: Metric,
        name: &'static str,
        unit: Unit,
        label: &'static str,
        meaning: &'static str,
        table: Option<TableRow>,
        aggregation: Aggregation,
    ) -> Entry {
        let scopes = Scopes::RUN;
        Entry { metric, name, per_sector: None, scopes, unit, label, meaning, table, aggregation }
    }
    const fn sectors(mut entry: Entry, stem: &'static str) -> Entry {
        entry.per_sector = Some(stem);
        entry.scopes = entry.scopes.and(Scopes::SECTOR);
        entry
    }
    /// Also for each archetype named in the scenario's outputs.
    const fn named(mut entry: Entry) -> Entry {
        entry.scopes = entry.scopes.and(Scopes::ARCHETYPE);
        entry
    }
    const fn scoped(mut entry: Entry, scopes: Scopes) -> Entry {
        entry.scopes = scopes;
        entry
    }
    [
        named(e(
            Metric::EndpointsTotal,
            "endpoints_total",
            Count,
            "endpoints",
            "endpoints in the fleet",
            row(Exposure, 0, "endpoints total"),
            Mean,
        )),
        e(
            Metric::EndpointsExposed,
            "endpoints_exposed",
            Count,
            "endpoints exposed",
            "endpoints that fetched the faulty content",
            row(Exposure, 1, "endpoints exposed"),
            Mean,
        ),
        named(e(
            Metric::EndpointsCrashed,
            "endpoints_crashed",
            Count,
            "endpoints crashed",
            "endpoints that crashed",
            row(Exposure, 2, "endpoints crashed"),
            Mean,
        )),
        e(
            Metric::EndpointsSelfHealed,
            "endpoints_self_healed",
            Count,
            "endpoints self-healed",
            "crashed endpoints that fetched the revert in their boot loop",
            row(Exposure, 3, "self-healed"),
            Mean,
        ),
        e(
            Metric::EndpointsRepairedRemote,
            "endpoints_repaired_remote",
            Count,
            "endpoints repaired remotely",
            "crashed endpoints repaired by cloud admins or a remote tool",
            row(Exposure, 4, "repaired remotely"),
            Mean,
        ),
        e(
            Metric::EndpointsRepairedOnsite,
            "endpoints_repaired_onsite",
            Count,
            "endpoints repaired on site",
            "crashed endpoints repaired by a technician at the machine",
            row(Exposure, 5, "repaired on site"),
            Mean,
        ),
        e(
            Metric::EndpointsRepairedByOwner,
            "endpoints_repaired_by_owner",
            Count,
            "endpoints repaired by their owners",
            "crashed endpoints their owners fixed themselves, without a technician",
            row(Exposure, 6, "repaired by owners"),
            Mean,
        ),
        named(e(
            Metric::EndpointsDownAtEnd,
            "endpoints_down_at_end",
            Count,
            "endpoints still down",
            "endpoints still down at the horizon",
            row(Exposure, 7, "still down at the end"),
            Mean,
        )),
        e(
            Metric::EndpointsReimaged,
            "endpoints_reimaged",
            Count,
            "endpoints re-imaged",
            "crashed endpoints whose fix failed or whose key was lost, re-imaged or waiting to be",
            row(Exposure, 9, "re-imaged"),
            Mean,
        ),
        e(
            Metric::RolloutHaltedAt,
            "rollout_halted_at_s",
            After,
            "rollout halted",
            "when a health gate halted the rollout",
            row(Timing, 1, "rollout halted"),
            WhenItHappened,
        ),
        e(
            Metric::RevertPublishedAt,
            "revert_published_at_s",
            After,
            "revert published",
            "when the vendor published the revert",
            row(Timing, 2, "revert published"),
            WhenItHappened,
        ),
        e(
            Metric::FirstCrashAt,
            "first_crash_at_s",
            After,
            "first crash",
            "when the first endpoint crashed",
            row(Timing, 0, "first crash"),
            WhenItHappened,
        ),
        named(e(
            Metric::Recovered50pctAt,
            "recovered_50pct_at_s",
            After,
            "time to 50% recovered",
            "when half of the crashed endpoints were back up",
            row(Timing, 3, "50% recovered"),
            WhenItHappened,
        )),
        named(e(
            Metric::Recovered90pctAt,
            "recovered_90pct_at_s",
            After,
            "time to 90% recovered",
            "when 90% of the crashed endpoints were back up",
            row(Timing, 4, "90% recovered"),
            WhenItHappened,
        )),
        named(e(
            Metric::Recovered99pctAt,
            "recovered_99pct_at_s",
            After,
            "time to 99% recovered",
            "when 99% of the crashed endpoints were back up",
            row(Timing, 5, "99% recovered"),
            WhenItHappened,
        )),
        named(e(
            Metric::RecoveredAllAt,
            "recovered_all_at_s",
            After,
            "time to all recovered",
            "when the last crashed endpoint was back up",
            row(Timing, 6, "all recovered"),
            WhenItHappened,
        )),
        named(sectors(
            e(
                Metric::EndpointDowntimeHours,
                "endpoint_downtime_hours",
                EndpointHours,
                "endpoint downtime",
                "hours each crashed endpoint was down, summed",
                row(Downtime, 0, "endpoint-hours"),
                Mean,
            ),
            "endpoint_downtime_hours",
        )),
        named(sectors(
            e(
                Metric::LossUsd,
                "loss_usd_total",
                Usd,
                "total loss",
                "economic loss: the four components summed",
                row(Loss, 0, "total"),
                Mean,
            ),
            "loss_usd",
        )),
        e(
            Metric::LossUsdRevenue,
            "loss_usd_revenue",
            Usd,
            "lost revenue",
            "revenue lost while capacity was short, net of what was recaptured",
            under(Loss, 2, "by component", "lost revenue"),
            Mean,
        ),
        e(
            Metric::LossUsdLabour,
            "loss_usd_labour",
            Usd,
            "recovery labour",
            "technicians' and admins' hours at their wages and overtime",
            under(Loss, 3, "by component", "recovery labour"),
            Mean,
        ),
        e(
            Metric::LossUsdPenalties,
            "loss_usd_penalties",
            Usd,
            "penalties and compensation",
            "compensation for cancelled flights and penalties for hours below service levels",
            under(Loss, 4, "by component", "penalties and compensation"),
            Mean,
        ),
        e(
            Metric::LossUsdBacklog,
            "loss_usd_backlog",
            Usd,
            "operational backlog",
            "the cost of working off the operational backlog",
            under(Loss, 5, "by component", "operational backlog"),
            Mean,
        ),
        e(
            Metric::LossUsdProductivity,
            "loss_usd_productivity",
            Usd,
            "idle staff",
            "the users of down workstations idle through their working hours at their loaded wage",
            under(Loss, 6, "by component", "idle staff"),
            Mean,
        ),
        named(e(
            Metric::FlightsCancelled,
            "flights_cancelled",
            Count,
            "flights cancelled",
            "flights cancelled by airlines",
            row(Operations, 0, "flights cancelled"),
            Mean,
        )),
        e(
            Metric::OrganisationsAffected,
            "organisations_affected",
            Count,
            "organisations affected",
            "organisations with at least one crashed endpoint",
            row(Exposure, 8, "organisations affected"),
            Mean,
        ),
        sectors(
            e(
                Metric::ServiceHoursLost,
                "service_hours_lost_total",
                ServiceHours,
                "service-hours lost",
                "capacity shortfall integrated over time, summed over services",
                row(Downtime, 1, "service-hours lost"),
                Mean,
            ),
            "service_hours_lost",
        ),
        scoped(
            e(
                Metric::RecoveredShare,
                "recovered_share",
                Share,
                "crashed endpoints back",
                "share of the endpoints that crashed by then that are back up",
                None,
                Mean,
            ),
            Scopes::AT.and(Scopes::ARCHETYPE_AT),
        ),
        scoped(
            e(
                Metric::FlightsCancelledShare,
                "flights_cancelled_share",
                Share,
                "flights cancelled",
                "share of an airline's scheduled flights it cancelled",
                None,
                Mean,
            ),
            Scopes::ARCHETYPE.and(Scopes::ARCHETYPE_DAY),
        ),
        scoped(
            e(
                Metric::ScheduleNormalDay,
                "schedule_normal_day",
                Day,
                "schedule back to normal",
                "first local day from which an airline cancels less than its normal share every day",
                None,
                WhenItHappened,
            ),
            Scopes::ARCHETYPE,
        ),
        sectors(
            e(
                Metric::InsuredUsd,
                "insured_usd_total",
                Usd,
                "insured loss",
                "what the organisations' policies pay: business interruption and contingent \
                 business interruption after waiting periods, retentions, sublimits, \
                 coinsurance and aggregate limits",
                row(Insurance, 0, "insured loss"),
                Mean,
            ),
            "insured_usd",
        ),
        e(
            Metric::InsuredUsdBi,
            "insured_usd_bi",
            Usd,
            "insured business interruption",
            "what the business-interruption covers pay for the organisations' own outages",
            under(Insurance, 2, "by cover", "business interruption"),
            Mean,
        ),
        e(
            Metric::InsuredUsdContingent,
            "insured_usd_contingent",
            Usd,
            "insured contingent business interruption",
            "what the contingent covers pay for loss caused by suppliers' outages",
            under(Insurance, 3, "by cover", "contingent (suppliers)"),
            Mean,
        ),
        e(
            Metric::InsuredShare,
            "insured_share",
            Share,
            "insured share of the loss",
            "insured loss over the economic (ground-up) loss",
            row(Insurance, 4, "share of the loss insured"),
            Mean,
        ),
        e(
            Metric::OrganisationsInsured,
            "organisations_insured",
            Count,
            "organisations insured",
            "organisations holding a policy",
            row(Insurance, 5, "organisations insured"),
            Mean,
        ),
        e(
            Metric::OrganisationsClaiming,
            "organisations_claiming",
            Count,
            "organisations paid",
            "insured organisations whose policy pays something",
            row(Insurance, 6, "organisations paid"),
            Mean,
        ),
    ]
};

/// Where per-sector figures stand in the summary table: under a "by sector" heading, after the
/// run-wide figure of the same metric (only loss is shown by sector there).
const SECTOR_ROW_HEADING: &str = "by sector";

/// The metrics that come per sector, in the order their columns follow the run-wide ones in
/// `runs.csv`.
pub const PER_SECTOR: [Metric; 4] =
    [Metric::LossUsd, Metric::ServiceHoursLost, Metric::EndpointDowntimeHours, Metric::InsuredUsd];

impl Metric {
    /// Its catalogue entry.
    pub fn entry(self) -> &'static Entry {
        let entry = &CATALOGUE[self as usize];
        debug_assert_eq!(entry.metric, self);
        entry
    }
}

/// A figure: a metric of the whole run or of one sector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Figure {
    pub metric: Metric,
    pub scope: Scope,
}

impl From<Metric> for Figure {
    fn from(metric: Metric) -> Figure {
        Figure { metric, scope: Scope::Run }
    }
}

impl Figure {
    /// A metric of one sector. The metric must be one of [`PER_SECTOR`].
    pub fn sector(metric: Metric, sector: Sector) -> Figure {
        debug_assert!(metric.entry().per_sector.is_some(), "{metric:?} is not per sector");
        Figure { metric, scope: Scope::Sector(sector) }
    }

    /// A metric of the run at a moment, `minutes` after simulated time zero.
    pub fn at(metric: Metric, minutes: u32) -> Figure {
        Figure { metric, scope: Scope::At(minutes) }
    }

    pub fn entry(self) -> &'static Entry {
        self.metric.entry()
    }

    pub fn unit(self) -> Unit {
        self.entry().unit
    }

    pub fn aggregation(self) -> Aggregation {
        self.entry().aggregation
    }

    /// The stem of the scoped names.
    fn stem(self) -> &'static str {
        let entry = self.entry();
        entry.per_sector.unwrap_or(entry.name)
    }

    /// The stable name, as in `summary.json` and CSV headers: the entry's name for the run;
    /// `<stem>_<sector>` (`loss_usd_hospital`); `<stem>_at_<time after start>`
    /// (`recovered_share_at_6d19h51m`); `<stem>_of_<archetype>` (`loss_usd_of_delta_like`);
    /// `<stem>_day<d>_of_<archetype>`; `<stem>_at_<time>_of_<archetype>`.
    pub fn name(self) -> Cow<'static, str> {
        let stem = self.stem();
        match self.scope {
            Scope::Run => Cow::Borrowed(self.entry().name),
            Scope::Sector(s) => Cow::Owned(format!("{stem}_{}", s.name())),
            Scope::At(m) => Cow::Owned(format!("{stem}_at_{}", minutes_text(m))),
            Scope::Archetype(a) => Cow::Owned(format!("{stem}_of_{}", a.as_str())),
            Scope::ArchetypeDay(a, d) => Cow::Owned(format!("{stem}_day{d}_of_{}", a.as_str())),
            Scope::ArchetypeAt(a, m) => {
                Cow::Owned(format!("{stem}_at_{}_of_{}", minutes_text(m), a.as_str()))
            }
        }
    }

    /// A label that reads on its own ("total loss", "hospital total loss").
    pub fn label(self) -> Cow<'static, str> {
        let label = self.entry().label;
        match self.scope {
            Scope::Run => Cow::Borrowed(label),
            Scope::Sector(s) => Cow::Owned(format!("{} {label}", s.name())),
            Scope::At(m) => Cow::Owned(format!("{label} at {}", minutes_text(m))),
            Scope::Archetype(a) => Cow::Owned(format!("{}: {label}", a.as_str())),
            Scope::ArchetypeDay(a, d) => Cow::Owned(format!("{}: {label} on day {d}", a.as_str())),
            Scope::ArchetypeAt(a, m) => {
                Cow::Owned(format!("{}: {label} at {}", a.as_str(), minutes_text(m)))
            }
        }
    }

    /// Where the summary table shows it, if it does: run-wide figures by their entry; per-sector
    /// loss, ground-up and insured, under "by sector", right after its total; other scoped
    /// figures not at all.
    pub fn table_row(self) -> Option<TableRow> {
        let row = self.entry().table?;
        match self.scope {
            Scope::Run => Some(row),
            Scope::Sector(s) if matches!(self.metric, Metric::LossUsd | Metric::InsuredUsd) => {
                Some(TableRow {
                    rank: row.rank + 1,
                    label: s.name(),
                    heading: Some(SECTOR_ROW_HEADING),
                    ..row
                })
            }
            _ => None,
        }
    }

    /// The figure a stable name stands for, for reading files back.
    pub fn parse(name: &str) -> Option<Figure> {
        CATALOGUE.iter().find_map(|entry| parse_scoped(entry, name))
    }

    /// Every run-wide figure, in catalogue order.
    pub fn run_wide() -> impl Iterator<Item = Figure> {
        CATALOGUE.iter().filter(|e| e.scopes.has(Scopes::RUN)).map(|e| e.metric.into())
    }

    /// The columns of a study's table for a fleet with these sectors: every run-wide figure in
    /// catalogue order, then each per-sector metric for each sector, in sector order.
    pub fn columns(sectors: &[Sector]) -> Vec<Figure> {
        let mut sectors = sectors.to_vec();
        sectors.sort();
        sectors.dedup();
        let mut columns: Vec<Figure> = Figure::run_wide().collect();
        for metric in PER_SECTOR {
            columns.extend(sectors.iter().map(|&s| Figure::sector(metric, s)));
        }
        columns
    }

    /// Figures in the order reports list them: run-wide ones in catalogue order, then the
    /// scoped ones by name.
    pub fn report_order(figures: impl IntoIterator<Item = Figure>) -> Vec<Figure> {
        let mut figures: Vec<Figure> = figures.into_iter().collect();
        figures.sort_by(|a, b| match (a.scope, b.scope) {
            (Scope::Run, Scope::Run) => a.metric.cmp(&b.metric),
            (Scope::Run, _) => std::cmp::Ordering::Less,
            (_, Scope::Run) => std::cmp::Ordering::Greater,
            _ => a.name().cmp(&b.name()),
        });
        figures.dedup();
        figures
    }
}

/// A time after simulated time zero in whole minutes, as in names: `6d19h51m`, `43h`, `0m`.
pub fn minutes_text(minutes: u32) -> String {
    let (d, h, m) = (minutes / 1_440, minutes / 60 % 24, minutes % 60);
    let mut out = String::new();
    if d > 0 {
        out.push_str(&format!("{d}d"));
    }
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 || out.is_empty() {
        out.push_str(&format!("{m}m"));
    }
    out
}

/// The minutes of a [`minutes_text`], if it is one (written in its canonical form).
fn parse_minutes(text: &str) -> Option<u32> {
    let mut total: u32 = 0;
    let mut number = String::new();
    for c in text.chars() {
        match c {
            '0'..='9' => number.push(c),
            'd' | 'h' | 'm' => {
                let n: u32 = number.parse().ok()?;
                number.clear();
                let unit = match c {
                    'd' => 1_440,
                    'h' => 60,
                    _ => 1,
                };
                total = total.checked_add(n.checked_mul(unit)?)?;
            }
            _ => return None,
        }
    }
    (number.is_empty() && minutes_text(total) == text).then_some(total)
}

/// `name` read as a figure of `entry`, in whichever of its scopes fits.
fn parse_scoped(entry: &Entry, name: &str) -> Option<Figure> {
    let metric = entry.metric;
    let stem = entry.per_sector.unwrap_or(entry.name);
    let has = |s: Scopes| entry.scopes.has(s);
    if has(Scopes::RUN) && entry.name == name {
        return Some(metric.into());
    }
    let rest = name.strip_prefix(stem)?;
    if has(Scopes::SECTOR)
        && let Some(sector) = rest.strip_prefix('_').and_then(Sector::from_name)
    {
        return Some(Figure { metric, scope: Scope::Sector(sector) });
    }
    let (head, archetype) = match rest.split_once("_of_") {
        Some((head, a)) => (head, Some(Name::new(a).filter(|_| !a.is_empty())?)),
        None => (rest, None),
    };
    let scope = match (head, archetype) {
        ("", Some(a)) if has(Scopes::ARCHETYPE) => Scope::Archetype(a),
        (h, Some(a)) if has(Scopes::ARCHETYPE_DAY) && h.starts_with("_day") => {
            let day: u16 = h["_day".len()..].parse().ok()?;
            (day.to_string() == h["_day".len()..]).then_some(Scope::ArchetypeDay(a, day))?
        }
        (h, Some(a)) if has(Scopes::ARCHETYPE_AT) => {
            Scope::ArchetypeAt(a, parse_minutes(h.strip_prefix("_at_")?)?)
        }
        (h, None) if has(Scopes::AT) => Scope::At(parse_minutes(h.strip_prefix("_at_")?)?),
        _ => return None,
    };
    Some(Figure { metric, scope })
}

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The documentation of every figure, as a Markdown table: name, unit, meaning, aggregation.
/// `sim/model/FIGURES.md` holds it (a test keeps the file equal to this).
pub fn documentation() -> String {
    let mut out = String::from(
        "# Figures\n\nEvery figure a run reports, under `metrics` in `summary.json` and as a \
         column of a sweep's `runs.csv`\n(generated from the catalogue in \
         `sim/model/figures.rs`; a test keeps this file up to date).\n\n\
         | name | unit | meaning | over replications |\n|---|---|---|---|\n",
    );
    for entry in &CATALOGUE {
        let over = match entry.aggregation {
            Aggregation::Mean => "every replication",
            Aggregation::WhenItHappened => "the replications in which it happened",
        };
        if entry.scopes.has(Scopes::RUN) {
            out.push_str(&format!(
                "| `{}` | {} | {} | {over} |\n",
                entry.name,
                entry.unit.description(),
                entry.meaning
            ));
        }
        let stem = entry.per_sector.unwrap_or(entry.name);
        let unit = entry.unit.description();
        let forms = [
            (
                Scopes::SECTOR,
                format!("{stem}_<sector>"),
                "for one sector (`airline`, `hospital`, ...)",
            ),
            (Scopes::AT, format!("{stem}_at_<time>"), "at a time after the start (`6d19h51m`)"),
            (
                Scopes::ARCHETYPE,
                format!("{stem}_of_<archetype>"),
                "for an archetype named in `outputs.archetypes`",
            ),
            (
                Scopes::ARCHETYPE_DAY,
                format!("{stem}_day<d>_of_<archetype>"),
                "for a named archetype on its local day d (1: the day of the start)",
            ),
            (
                Scopes::ARCHETYPE_AT,
                format!("{stem}_at_<time>_of_<archetype>"),
                "for a named archetype at a time",
            ),
        ];
        for (scope, name, what) in forms {
            if entry.scopes.has(scope) {
                let meaning = if entry.scopes.has(Scopes::RUN) {
                    format!("the same, {what}")
                } else {
                    format!("{}, {what}", entry.meaning)
                };
                out.push_str(&format!("| `{name}` | {unit} | {meaning} | {over} |\n"));
            }
        }
    }
    out
}

/// An outcome observed in the world, to set a run's figure against: the figure's mean over
/// replications should lie in the band from `low` to `high` (an end is open when `None`).
/// Observations files (`scenario`) make them; the fit (`report`) reads them.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// Short and unique among the observations of a file.
    pub name: String,
    pub figure: Figure,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Who stated it.
    pub source: String,
}

/// An observation as it stands against one run: it applies, or it does not (another scenario,
/// an archetype the fleet lacks), and then why not.
#[derive(Clone, Debug, PartialEq)]
pub enum Observed {
    Applies(Observation),
    NotApplicable { name: String, source: String, reason: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_indexed_by_metric() {
        for (i, entry) in CATALOGUE.iter().enumerate() {
            assert_eq!(entry.metric as usize, i, "{}", entry.name);
        }
    }

    #[test]
    fn names_are_unique_and_parse_back() {
        let mut all: Vec<Figure> = Figure::columns(&Sector::ALL);
        all.sort();
        let mut names: Vec<String> = all.iter().map(|f| f.name().into_owned()).collect();
        for f in &all {
            assert_eq!(Figure::parse(&f.name()), Some(*f), "{f}");
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len());
        assert_eq!(Figure::parse("loss_usd_nowhere"), None);
        assert_eq!(Figure::parse("loss_usd"), None);
        assert_eq!(Figure::parse("no_such_figure"), None);
        let a = Name::new("delta_like").unwrap();
        for f in [
            Figure::at(Metric::RecoveredShare, 9_831),
            Figure::at(Metric::RecoveredShare, 0),
            Figure { metric: Metric::RecoveredShare, scope: Scope::ArchetypeAt(a, 2_580) },
            Figure { metric: Metric::FlightsCancelledShare, scope: Scope::ArchetypeDay(a, 2) },
            Figure { metric: Metric::FlightsCancelledShare, scope: Scope::Archetype(a) },
            Figure { metric: Metric::ScheduleNormalDay, scope: Scope::Archetype(a) },
            Figure { metric: Metric::LossUsd, scope: Scope::Archetype(a) },
            Figure { metric: Metric::EndpointsCrashed, scope: Scope::Archetype(a) },
        ] {
            assert_eq!(Figure::parse(&f.name()), Some(f), "{f}");
        }
        assert_eq!(Figure::at(Metric::RecoveredShare, 9_831).name(), "recovered_share_at_6d19h51m");
        assert_eq!(
            Figure { metric: Metric::FlightsCancelledShare, scope: Scope::ArchetypeDay(a, 2) }
                .name(),
            "flights_cancelled_share_day2_of_delta_like"
        );
        assert_eq!(Figure::parse("recovered_share_at_0d5m"), None, "not canonical");
        assert_eq!(Figure::parse("recovered_share"), None, "needs a time");
        assert_eq!(Figure::parse("flights_cancelled_share_day02_of_x"), None);
    }

    #[test]
    fn per_sector_names_follow_the_stem() {
        let f = Figure::sector(Metric::EndpointDowntimeHours, Sector::Hospital);
        assert_eq!(f.name(), "endpoint_downtime_hours_hospital");
        assert_eq!(Figure::from(Metric::EndpointDowntimeHours).name(), "endpoint_downtime_hours");
        assert_eq!(Figure::from(Metric::LossUsd).name(), "loss_usd_total");
        assert_eq!(Figure::sector(Metric::LossUsd, Sector::Bank).name(), "loss_usd_bank");
        assert!(PER_SECTOR.iter().all(|m| m.entry().per_sector.is_some()));
        let per_sector = CATALOGUE.iter().filter(|e| e.per_sector.is_some()).count();
        assert_eq!(per_sector, PER_SECTOR.len());
    }

    #[test]
    fn table_rows_have_distinct_places() {
        let mut places: Vec<(Section, u8)> =
            CATALOGUE.iter().filter_map(|e| e.table.map(|r| (r.section, r.rank))).collect();
        let n = places.len();
        places.sort();
        places.dedup();
        assert_eq!(places.len(), n);
    }

    #[test]
    fn the_documentation_file_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/FIGURES.md");
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        if on_disk != documentation() {
            if std::env::var_os("BLASTRADIUS_UPDATE_DOCS").is_some() {
                std::fs::write(path, documentation()).unwrap();
            } else {
                panic!("{path} is out of date: rerun with BLASTRADIUS_UPDATE_DOCS=1 to rewrite it");
            }
        }
    }
}
