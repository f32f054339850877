//! Observations files: what was observed after a real outage, written as bands on the model's
//! figures, to set runs against (the fit, in `report`). RON in, `model::figures::Observed` out.
//!
//! Reading happens in two stages, as for scenarios. [`load`] parses the file (`raw.rs` mirrors
//! it) and checks everything that does not depend on a run: names, figure stems and the forms
//! they come in, times and dates as written, the bands. [`Observations::against`] then takes
//! each observation to one validated run: it applies (a typed `Observation`), or it does not
//! (another scenario, an archetype the fleet lacks: `NotApplicable`, with the reason), or it
//! cannot be read against this run (a time outside it: an error). [`add_outputs`] turns on the
//! figures the applicable ones need, before the run; they are report settings and change no
//! other figure.
//!
//! ```text
//! file ─► parse (raw) ─► check on its own ─► Observations
//!                                               │  against (scenario chain, fleet, start,
//!                                               ▼  horizon, first publication)
//!                          Observed::Applies(figure, band) | Observed::NotApplicable(reason)
//! ```
//!
//! Every problem is reported at the file, line and column of its field, with a hint. It knows
//! nothing of how a fit is computed or shown.

use blastradius_engine::SimDuration;
use blastradius_model::figures::{
    CATALOGUE, Figure, Metric, Name, Observation, Observed, Scope, Scopes, Unit,
};
use blastradius_model::spec::{ArchetypeSpec, Sector, WorldSpec};
use chrono::{DateTime, NaiveDate, SecondsFormat};

use crate::locate::{self, Document, Segment};
use crate::validate::Diagnostic;
use crate::{Kind, Loaded, Problem, ScenarioError, Source, builtin, raw, suggest};

/// The words of syntax errors in observations files.
const KIND: Kind = Kind {
    noun: "observations",
    one_record: "an observations file is one record `( ... )`",
    opening: "the opening `(` of the observations",
    file_is_one_record: "an observations file is one record `( ... )`",
    generic_hint: "an observations file reads (name: \"...\", description: \"...\", \
                   observations: [(name: \"...\", figure: \"recovered_share\", at: \
                   \"2024-07-26T00:00:00Z\", observed: (low: 0.9, high: 0.985), source: \
                   \"...\"), ...]); the built-in `2024` (scenarios/observations/2024.ron) is one",
    string_hint: "e.g. \"recovered_share\"; times are strings too, e.g. \"2024-07-26T00:00:00Z\"",
    start_hint: "an observations file is one record (name: \"...\", observations: [...]); the \
                 built-in `2024` (scenarios/observations/2024.ron) is one to start from",
};

/// Longest observation name: names head the rows of the fit table.
pub const MAX_NAME_CHARS: usize = 40;

/// An observations file, read and checked on its own.
#[derive(Clone, Debug)]
pub struct Observations {
    pub name: String,
    pub description: String,
    source: Source,
    entries: Vec<Entry>,
}

/// One observation, checked as far as it can be without a run.
#[derive(Clone, Debug)]
struct Entry {
    /// Its place in the file's list, for field paths.
    index: usize,
    name: String,
    source: String,
    metric: Metric,
    /// Unix seconds.
    at: Option<i64>,
    archetype: Option<String>,
    day: Option<DayRef>,
    scenarios: Option<Vec<String>>,
    low: Option<End>,
    high: Option<End>,
    /// The stated standard deviation, in the figure's unit (seconds for times).
    sd: Option<f64>,
}

#[derive(Clone, Copy, Debug)]
enum DayRef {
    Number(u16),
    Date(NaiveDate),
}

/// An end of a band: a value in the figure's unit, or a date-time (unix seconds) for times.
#[derive(Clone, Copy, Debug)]
enum End {
    Value(f64),
    At(i64),
}

/// Reads an observations file by built-in name or path, and checks it on its own.
pub fn load(reference: &str) -> Result<Observations, ScenarioError> {
    from_source(open(reference)?)
}

/// Like [`load`], from text already in hand (named for messages).
pub fn load_text(name: &str, text: &str) -> Result<Observations, ScenarioError> {
    from_source(Source { name: name.to_string(), text: text.to_string(), dir: None, cut: None })
}

fn open(reference: &str) -> Result<Source, ScenarioError> {
    if let Some(text) = builtin::observations(reference) {
        return Ok(Source {
            name: format!("builtin:{reference}"),
            text: text.to_string(),
            dir: None,
            cut: None,
        });
    }
    let path = std::path::Path::new(reference);
    let builtins = builtin::observation_names().join(", ");
    match crate::read_scenario_file(path) {
        Ok((text, cut)) => Ok(Source { name: reference.to_string(), text, dir: None, cut }),
        Err(crate::ReadError::NotUtf8(bad)) => {
            let mut err = ScenarioError::one(
                Some(reference.to_string()),
                bad.message(path),
                "save the observations as UTF-8 text",
            );
            err.problems[0].position = Some(bad.position);
            Err(err)
        }
        Err(crate::ReadError::Io(e)) => {
            use std::io::ErrorKind;
            let message = match e.kind() {
                ErrorKind::NotFound => {
                    "no such file, and no built-in observations have this name".to_string()
                }
                _ if path.is_dir() => format!("\"{reference}\" is a directory"),
                _ => format!("cannot read \"{reference}\": {e}"),
            };
            Err(ScenarioError::one(
                Some(reference.to_string()),
                message,
                format!("give the path of an observations .ron file, or a built-in: {builtins}"),
            ))
        }
    }
}

fn from_source(source: Source) -> Result<Observations, ScenarioError> {
    let mut budget = crate::MAX_TOKENS;
    let file: raw::Observations = crate::parse_ron(&source, &KIND, &mut budget)?;
    let mut problems = Vec::new();
    let mut fail = |path: String, message: String, hint: &str| {
        problems.push(Diagnostic { path, message, hint: Some(hint.to_string()) });
    };
    if file.name.trim().is_empty() {
        fail(
            "name".into(),
            "the observations file has no name".into(),
            "give it a short name, e.g. name: \"2024\"",
        );
    }
    if file.observations.is_empty() {
        fail(
            "observations".into(),
            "the file has no observations".into(),
            "add one, e.g. (name: \"fleet_back_26_jul\", figure: \"recovered_share\", at: \
             \"2024-07-26T00:00:00Z\", observed: (low: 0.9, high: 0.985), source: \"...\")",
        );
    }
    let mut entries = Vec::new();
    for (i, o) in file.observations.iter().enumerate() {
        let earlier = file.observations[..i].iter().position(|e| e.name == o.name);
        if let Some(entry) = check(i, o, earlier, &mut fail) {
            entries.push(entry);
        }
    }
    if !problems.is_empty() {
        return Err(placed(&source, problems));
    }
    Ok(Observations { name: file.name, description: file.description, source, entries })
}

/// The metric whose run-wide name or scoped stem is `stem`.
fn metric_of(stem: &str) -> Option<Metric> {
    CATALOGUE.iter().find(|e| e.name == stem || e.per_sector == Some(stem)).map(|e| e.metric)
}

/// Every stem a file may name, in catalogue order.
fn stems() -> Vec<&'static str> {
    CATALOGUE.iter().map(|e| e.per_sector.unwrap_or(e.name)).collect()
}

/// The scope forms an observation can take, with how a file writes each.
const FORMS: [(Scopes, &str); 5] = [
    (Scopes::RUN, "for the whole run (no `at`, `archetype` or `day`)"),
    (Scopes::AT, "at a moment (`at`)"),
    (Scopes::ARCHETYPE, "for an archetype (`archetype`)"),
    (Scopes::ARCHETYPE_DAY, "for an archetype on a day (`archetype` and `day`)"),
    (Scopes::ARCHETYPE_AT, "for an archetype at a moment (`archetype` and `at`)"),
];

/// Checks one observation on its own; `None` when something is wrong (reported to `fail`).
fn check(
    i: usize,
    o: &raw::Observation,
    earlier: Option<usize>,
    fail: &mut impl FnMut(String, String, &str),
) -> Option<Entry> {
    let p = |field: &str| format!("observations[{i}].{field}");
    let before = std::cell::Cell::new(0usize);
    let mut bad = |path: String, message: String, hint: &str| {
        before.set(before.get() + 1);
        fail(path, message, hint);
    };
    let name = o.name.trim();
    if name.is_empty() {
        bad(p("name"), "the observation has no name".into(), "e.g. name: \"fleet_back_26_jul\"");
    } else if name.chars().count() > MAX_NAME_CHARS {
        bad(
            p("name"),
            format!("the name is longer than {MAX_NAME_CHARS} characters"),
            "names head the rows of the fit table: keep them short and say the rest in `source`",
        );
    } else if let Some(j) = earlier {
        bad(
            p("name"),
            format!("\"{name}\" is also the name of observations[{j}]"),
            "give each observation its own name",
        );
    }
    let metric = metric_of(&o.figure);
    if metric.is_none() {
        let (message, hint) = unknown_figure(o);
        bad(p("figure"), message, &hint);
    }
    let at = o.at.as_ref().and_then(|t| match DateTime::parse_from_rfc3339(t) {
        Ok(t) => Some(t.timestamp()),
        Err(e) => {
            bad(
                p("at"),
                format!("\"{t}\" is not an RFC 3339 date-time: {e}"),
                "write it like \"2024-07-26T00:00:00Z\"",
            );
            None
        }
    });
    if let Some(a) = &o.archetype {
        if a.is_empty() {
            bad(
                p("archetype"),
                "the archetype's name is empty".into(),
                "name an archetype of the fleet",
            );
        } else if Name::new(a).is_none() {
            bad(
                p("archetype"),
                format!(
                    "\"{a}\" is longer than {} bytes, too long to name figures after",
                    Name::MAX
                ),
                "name an archetype of the fleet",
            );
        }
    }
    let day = o.day.as_ref().and_then(|d| day_ref(d, &p("day"), &mut bad));
    if o.day.is_some() && o.archetype.is_none() {
        bad(
            p("day"),
            "`day` needs an `archetype`: daily figures are per named archetype".into(),
            "add `archetype: \"...\"`, or remove `day`",
        );
    } else if o.day.is_some() && o.at.is_some() {
        bad(p("day"), "`day` and `at` are both set".into(), "give one of them");
    } else if let Some(metric) = metric {
        let wanted = match (o.at.is_some(), o.archetype.is_some(), o.day.is_some()) {
            (false, false, _) => Scopes::RUN,
            (true, false, _) => Scopes::AT,
            (false, true, false) => Scopes::ARCHETYPE,
            (false, true, true) => Scopes::ARCHETYPE_DAY,
            (true, true, _) => Scopes::ARCHETYPE_AT,
        };
        let scopes = metric.entry().scopes;
        if !scopes.has(wanted) {
            let form = FORMS.iter().find(|(s, _)| *s == wanted).map_or("", |(_, f)| *f);
            let forms: Vec<&str> =
                FORMS.iter().filter(|(s, _)| scopes.has(*s)).map(|(_, f)| *f).collect();
            bad(
                p("figure"),
                format!("`{}` does not come {form}", o.figure),
                &format!("`{}` comes {}", o.figure, forms.join("; ")),
            );
        }
    }
    if let Some(list) = &o.scenarios {
        if list.is_empty() {
            bad(
                p("scenarios"),
                "an empty list applies to no run".into(),
                "leave `scenarios` out to apply the observation to every run",
            );
        }
        for (k, s) in list.iter().enumerate() {
            if s.trim().is_empty() {
                bad(
                    format!("observations[{i}].scenarios[{k}]"),
                    "the scenario's name is empty".into(),
                    "name a scenario, e.g. \"crowdstrike-2024\"",
                );
            }
        }
    }
    let unit = metric.map(|m| m.entry().unit);
    let (low, high) = band(&o.observed, unit, &p("observed"), &mut bad);
    let sd = o.sd.as_ref().and_then(|sd| spread(sd, unit, &p("sd"), &mut bad));
    if o.source.trim().is_empty() {
        bad(
            p("source"),
            "the observation does not say who stated it".into(),
            "e.g. source: \"CrowdStrike CEO, 25 Jul 2024\"",
        );
    }
    if before.get() > 0 {
        return None;
    }
    Some(Entry {
        index: i,
        name: name.to_string(),
        source: o.source.trim().to_string(),
        metric: metric?,
        at,
        archetype: o.archetype.clone(),
        day,
        scenarios: o.scenarios.clone(),
        low,
        high,
        sd,
    })
}

/// A stated standard deviation in the figure's unit (seconds for times, which are written as
/// durations), checked to be a positive finite amount.
fn spread(
    sd: &raw::Spread,
    unit: Option<Unit>,
    path: &str,
    bad: &mut impl FnMut(String, String, &str),
) -> Option<f64> {
    let is_time = unit == Some(Unit::SecondsAfterPublication);
    let value = match sd {
        raw::Spread::Number(v) if is_time => {
            bad(
                path.into(),
                format!("{v} is a number, and the figure is a time"),
                "write the standard deviation of a time as a duration, e.g. sd: \"6h\"",
            );
            return None;
        }
        raw::Spread::Number(v) => *v,
        raw::Spread::Duration(text) if !is_time && unit.is_some() => {
            bad(
                path.into(),
                format!("\"{text}\" is text, and the figure is not a time"),
                &format!("write a number in the figure's unit, {}", unit_text(unit)),
            );
            return None;
        }
        raw::Spread::Duration(text) => match text.parse::<crate::units::Duration>() {
            Ok(d) => d.sim().as_secs_f64(),
            Err(e) => {
                bad(path.into(), format!("\"{text}\" is not a duration: {e}"), "e.g. sd: \"6h\"");
                return None;
            }
        },
    };
    if !(value.is_finite() && value > 0.0) {
        bad(
            path.into(),
            format!("the standard deviation {value} is not above 0"),
            "give how far the observation may be off, e.g. sd: 0.03 for a share",
        );
        return None;
    }
    Some(value)
}

/// Why `figure` names no metric, and what to write instead.
fn unknown_figure(o: &raw::Observation) -> (String, String) {
    if let Some(f) = Figure::parse(&o.figure) {
        let stem = f.entry().per_sector.unwrap_or(f.entry().name);
        let how = match f.scope {
            Scope::Run => String::new(),
            Scope::Sector(_) => " (per-sector figures are not observed yet)".into(),
            Scope::At(_) => " and `at` the date-time".into(),
            Scope::Archetype(a) => format!(" and archetype: \"{}\"", a.as_str()),
            Scope::ArchetypeDay(a, d) => format!(" with archetype: \"{}\", day: {d}", a.as_str()),
            Scope::ArchetypeAt(a, _) => {
                format!(" with archetype: \"{}\" and `at` the date-time", a.as_str())
            }
        };
        return (
            format!("`{}` is a figure's full name; `figure` takes its stem", o.figure),
            format!("write figure: \"{stem}\"{how}"),
        );
    }
    let stems = stems();
    let mut hint = match suggest(&o.figure, &stems) {
        Some(s) => format!("did you mean `{s}`? "),
        None => String::new(),
    };
    hint.push_str(&format!("the figures (sim/model/FIGURES.md) are: {}", stems.join(", ")));
    (format!("no figure is called `{}`", o.figure), hint)
}

fn day_ref(d: &raw::Day, path: &str, bad: &mut impl FnMut(String, String, &str)) -> Option<DayRef> {
    match d {
        raw::Day::Number(0) => {
            bad(path.into(), "days count from 1".into(), "day 1 is the day of the start");
            None
        }
        raw::Day::Number(n) => match u16::try_from(*n) {
            Ok(n) => Some(DayRef::Number(n)),
            Err(_) => {
                bad(
                    path.into(),
                    format!("day {n} is far beyond any run"),
                    "runs last at most 49 days",
                );
                None
            }
        },
        raw::Day::Date(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(date) => Some(DayRef::Date(date)),
            Err(e) => {
                bad(
                    path.into(),
                    format!("\"{s}\" is not a date: {e}"),
                    "write a local date like \"2024-07-20\", or a day number like 2",
                );
                None
            }
        },
    }
}

/// The band's two ends, checked against the figure's unit (when known).
fn band(
    b: &raw::Band,
    unit: Option<Unit>,
    path: &str,
    bad: &mut impl FnMut(String, String, &str),
) -> (Option<End>, Option<End>) {
    let field = |f: &str| format!("{path}.{f}");
    let is_time = unit == Some(Unit::SecondsAfterPublication);
    let mut end = |value: Option<f64>, at: &Option<String>, name: &str| -> Option<End> {
        let at_name = format!("{name}_at");
        if value.is_some() && at.is_some() {
            bad(
                field(&at_name),
                format!("`{name}` and `{at_name}` are both set"),
                &format!("give the {name} end once"),
            );
            return None;
        }
        if let Some(t) = at {
            if unit.is_some() && !is_time {
                bad(
                    field(&at_name),
                    format!("`{at_name}` is for times (figures ending `_at_s`)"),
                    &format!("write `{name}: ...` in the figure's unit, {}", unit_text(unit)),
                );
                return None;
            }
            return match DateTime::parse_from_rfc3339(t) {
                Ok(t) => Some(End::At(t.timestamp())),
                Err(e) => {
                    bad(
                        field(&at_name),
                        format!("\"{t}\" is not an RFC 3339 date-time: {e}"),
                        "write it like \"2024-07-26T00:00:00Z\"",
                    );
                    None
                }
            };
        }
        let v = value?;
        let problem = if !v.is_finite() {
            Some(("is not a number".to_string(), "write a finite number".to_string()))
        } else {
            match unit {
                Some(Unit::Share) if !(0.0..=1.0).contains(&v) => Some((
                    "is not a share in [0, 1]".into(),
                    "shares are fractions: write 0.9 for 90%".into(),
                )),
                Some(Unit::Day) if v < 1.0 => Some((
                    "is not a day: days count from 1, the day of the start".into(),
                    "write a day number, e.g. 6".into(),
                )),
                Some(_) if v < 0.0 => Some((
                    "is negative".into(),
                    format!("write a value in the figure's unit, {}", unit_text(unit)),
                )),
                _ => None,
            }
        };
        if let Some((what, hint)) = problem {
            bad(field(name), format!("{v} {what}"), &hint);
            return None;
        }
        Some(End::Value(v))
    };
    let low = end(b.low, &b.low_at, "low");
    let high = end(b.high, &b.high_at, "high");
    let given = [b.low.is_some(), b.high.is_some(), b.low_at.is_some(), b.high_at.is_some()];
    if !given.contains(&true) {
        bad(
            path.into(),
            "the band has neither end".into(),
            "give `low`, `high` or both, e.g. observed: (low: 0.9, high: 0.985)",
        );
    }
    match (low, high) {
        (Some(End::Value(l)), Some(End::Value(h))) if l > h => {
            bad(path.into(), format!("the low end {l} is above the high end {h}"), "swap them");
        }
        (Some(End::At(l)), Some(End::At(h))) if l > h => {
            bad(
                path.into(),
                format!("the low end {} is after the high end {}", rfc3339(l), rfc3339(h)),
                "swap them",
            );
        }
        _ => {}
    }
    (low, high)
}

fn unit_text(unit: Option<Unit>) -> &'static str {
    unit.map_or("", Unit::description)
}

fn rfc3339(unix_s: i64) -> String {
    DateTime::from_timestamp(unix_s, 0)
        .map_or_else(|| unix_s.to_string(), |t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// The run an observations file is set against: the scenario's names along its `extends`
/// chain, and its validated world.
struct Run<'a> {
    names: Vec<String>,
    /// The nearest scenario along the chain (the run's own first) that some observation of
    /// the file names: observations naming only farther ones do not apply.
    nearest: Option<String>,
    spec: &'a WorldSpec,
    /// Seconds from simulated time zero to the first publication of faulty content.
    publication_s: i64,
}

impl Observations {
    /// Each observation as it stands against one run: it applies (with its figure and band
    /// resolved against the run's start, horizon, first publication and fleet), or it does
    /// not and why. A problem that only this run reveals (a time outside it) is an error.
    pub fn against(
        &self,
        loaded: &Loaded,
        spec: &WorldSpec,
    ) -> Result<Vec<Observed>, ScenarioError> {
        let names = chain_names(loaded, spec);
        let named: Vec<&String> =
            self.entries.iter().flat_map(|e| e.scenarios.iter().flatten()).collect();
        let nearest = names.iter().find(|n| named.contains(n)).cloned();
        let run = Run { names, nearest, spec, publication_s: first_publication_s(spec) };
        let mut problems = Vec::new();
        let mut out = Vec::new();
        for entry in &self.entries {
            match resolve(entry, &run) {
                Ok(observed) => out.push(observed),
                Err(d) => problems.push(d),
            }
        }
        if !problems.is_empty() {
            return Err(placed(&self.source, problems));
        }
        Ok(out)
    }

    /// The standard deviation the file states for an observation, in its figure's unit
    /// (seconds for times); `None` when it states none (or has no such observation). How a
    /// band is read without one is calibration's business (`study::calibrate`).
    pub fn stated_sd(&self, name: &str) -> Option<f64> {
        self.entries.iter().find(|e| e.name == name).and_then(|e| e.sd)
    }

    /// The names of the observations, in file order.
    pub fn names(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.name.as_str()).collect()
    }

    /// How many observations the file holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The scenario's name and the names of what it extends, directly or through a chain: the
/// built-ins by name, files by the `name` they set.
fn chain_names(loaded: &Loaded, spec: &WorldSpec) -> Vec<String> {
    let mut names = vec![spec.name.clone()];
    for source in &loaded.sources {
        match source.name.strip_prefix("builtin:") {
            Some(b) => names.push(b.to_string()),
            None => {
                if let Ok(layer) = crate::parse_layer(source, &mut { crate::MAX_TOKENS })
                    && let Some(name) = layer.name
                {
                    names.push(name);
                }
            }
        }
    }
    names.dedup();
    names
}

/// Seconds from simulated time zero to the first publication of faulty content, where the
/// times of figures count from, as the model counts it (`World::build`): the earliest
/// publication of a content that crashes anything, or time zero.
pub fn first_publication_s(spec: &WorldSpec) -> i64 {
    let first = spec.vendor.contents.iter().filter(|c| c.is_bad()).map(|c| c.published_after);
    (first.min().unwrap_or(SimDuration::ZERO).as_millis() / 1_000) as i64
}

/// One observation against one run.
fn resolve(e: &Entry, run: &Run<'_>) -> Result<Observed, Diagnostic> {
    let spec = run.spec;
    let not_applicable = |reason: String| {
        Ok(Observed::NotApplicable { name: e.name.clone(), source: e.source.clone(), reason })
    };
    let p = |field: &str| format!("observations[{}].{field}", e.index);
    let fail = |path: String, message: String, hint: &str| Diagnostic {
        path,
        message,
        hint: Some(hint.to_string()),
    };
    if let Some(list) = &e.scenarios
        && !list.iter().any(|s| run.names.contains(s))
    {
        return not_applicable(format!("for {}, not {}", list.join(", "), spec.name));
    }
    // A scenario the file describes more closely (its own observations, or those of a nearer
    // scenario it extends) is not measured against a farther one's: salem-health extends
    // crowdstrike-2024 but is not the 2024 fleet.
    if let (Some(list), Some(nearest)) = (&e.scenarios, &run.nearest)
        && !list.contains(nearest)
    {
        return not_applicable(format!(
            "for {}; {} is described by the observations for {nearest}",
            list.join(", "),
            spec.name
        ));
    }
    // A scenario that only extends one the observation names may have moved its start or
    // shortened its horizon: an observation that then falls outside it does not apply. For
    // the scenarios it names (or every run, when it names none) that is the file's mistake.
    let direct = e.scenarios.as_ref().is_none_or(|list| list.contains(&spec.name));
    let outside = |d: Diagnostic| if direct { Err(d) } else { not_applicable(d.message) };
    let archetype = match &e.archetype {
        None => None,
        Some(a) => match spec.archetypes.iter().find(|x| &x.name == a) {
            Some(x) => Some(x),
            None => {
                let names: Vec<&str> = spec.archetypes.iter().map(|x| x.name.as_str()).collect();
                let close = suggest(a, &names)
                    .map(|s| format!(" (did you mean \"{s}\"?)"))
                    .unwrap_or_default();
                return not_applicable(format!(
                    "no archetype \"{a}\" in the fleet of {}{close}",
                    spec.name
                ));
            }
        },
    };
    if let Some(a) = archetype
        && matches!(e.metric, Metric::FlightsCancelledShare | Metric::ScheduleNormalDay)
        && a.sector != Sector::Airline
    {
        return Err(fail(
            p("archetype"),
            format!(
                "`{}` is an airline's figure, and \"{}\" is a {} archetype",
                e.metric.entry().name,
                a.name,
                a.sector.name()
            ),
            "name an airline archetype, or observe another figure",
        ));
    }
    let minutes = match e.at {
        None => None,
        Some(t) => {
            let after_s = t - spec.start_unix_s;
            if after_s < 0 || after_s as u64 * 1_000 > spec.horizon.as_millis() {
                return outside(fail(
                    p("at"),
                    format!(
                        "{} is outside the run of {} (from {} to {})",
                        rfc3339(t),
                        spec.name,
                        rfc3339(spec.start_unix_s),
                        rfc3339(spec.start_unix_s + (spec.horizon.as_millis() / 1_000) as i64)
                    ),
                    "pick a time within the run, or leave the observation to other scenarios \
                     with `scenarios: [...]`",
                ));
            }
            Some((after_s / 60) as u32)
        }
    };
    let day = match (e.day, archetype) {
        (Some(d), Some(a)) => match day_number(d, a, spec) {
            Ok(n) => Some(n),
            Err(DayError::Ambiguous(m, h)) => return Err(fail(p("day"), m, &h)),
            Err(DayError::Outside(m, h)) => return outside(fail(p("day"), m, &h)),
        },
        _ => None,
    };
    let end = |end: Option<End>, name: &str| -> Result<Option<f64>, Diagnostic> {
        match end {
            None => Ok(None),
            Some(End::Value(v)) => Ok(Some(v)),
            Some(End::At(t)) => {
                let after = t - spec.start_unix_s - run.publication_s;
                if after < 0 {
                    return Err(fail(
                        p(&format!("observed.{name}_at")),
                        format!(
                            "{} is before the first publication of the faulty content in {} \
                             ({})",
                            rfc3339(t),
                            spec.name,
                            rfc3339(spec.start_unix_s + run.publication_s)
                        ),
                        "times count from the first publication: give a later time",
                    ));
                }
                Ok(Some(after as f64))
            }
        }
    };
    let low = match end(e.low, "low") {
        Ok(v) => v,
        Err(d) => return outside(d),
    };
    let high = match end(e.high, "high") {
        Ok(v) => v,
        Err(d) => return outside(d),
    };
    if let (Some(l), Some(h)) = (low, high)
        && l > h
    {
        return Err(fail(
            p("observed"),
            format!("in {}, the low end is above the high end", spec.name),
            "swap them",
        ));
    }
    let name = || e.archetype.as_deref().and_then(Name::new);
    let scope = match (minutes, name(), day) {
        (None, None, _) => Scope::Run,
        (Some(m), None, _) => Scope::At(m),
        (None, Some(a), None) => Scope::Archetype(a),
        (None, Some(a), Some(d)) => Scope::ArchetypeDay(a, d),
        (Some(m), Some(a), _) => Scope::ArchetypeAt(a, m),
    };
    Ok(Observed::Applies(Observation {
        name: e.name.clone(),
        figure: Figure { metric: e.metric, scope },
        low,
        high,
        source: e.source.clone(),
    }))
}

/// The day number of a day of an archetype: a number as given, a local date counted from the
/// local date of the start in the archetype's regions (which must agree), within the run.
/// Why a day cannot be read against a run: ambiguous in the archetype's regions, or outside
/// the run; each a message and a hint.
enum DayError {
    Ambiguous(String, String),
    Outside(String, String),
}

fn day_number(d: DayRef, a: &ArchetypeSpec, spec: &WorldSpec) -> Result<u16, DayError> {
    let local_date = |unix_s: i64, offset_min: i32| {
        DateTime::from_timestamp(unix_s + i64::from(offset_min) * 60, 0).map(|t| t.date_naive())
    };
    let end_s = spec.start_unix_s + (spec.horizon.as_millis() / 1_000) as i64;
    let mut days = 1;
    let mut numbers: Vec<i64> = Vec::new();
    for r in &a.regions {
        let (Some(first), Some(last)) =
            (local_date(spec.start_unix_s, r.utc_offset_min), local_date(end_s, r.utc_offset_min))
        else {
            continue;
        };
        days = days.max((last - first).num_days() + 1);
        if let DayRef::Date(date) = d {
            numbers.push((date - first).num_days() + 1);
        }
    }
    numbers.sort_unstable();
    numbers.dedup();
    let number = match d {
        DayRef::Number(n) => i64::from(n),
        DayRef::Date(date) => match numbers.as_slice() {
            [n] => *n,
            _ => {
                return Err(DayError::Ambiguous(
                    format!(
                        "{date} is not the same day of the run in every region of \"{}\": the \
                         start falls on different local dates there",
                        a.name
                    ),
                    "give the day as a number (1: the day the start falls on)".into(),
                ));
            }
        },
    };
    if number < 1 || number > days {
        return Err(DayError::Outside(
            format!(
                "day {number} is outside the run of {} (local days 1 to {days} for \"{}\")",
                spec.name, a.name
            ),
            "pick a day within the run, or leave the observation to other scenarios with \
             `scenarios: [...]`"
                .into(),
        ));
    }
    Ok(number as u16)
}

/// Turns on the figures the applicable observations need: the moments of `recovered_share`
/// figures and the archetypes observed. These are report settings: no other figure changes.
pub fn add_outputs(spec: &mut WorldSpec, observed: &[Observed]) {
    let outputs = &mut spec.outputs;
    for o in observed {
        let Observed::Applies(o) = o else { continue };
        let (minutes, archetype) = match o.figure.scope {
            Scope::At(m) => (Some(m), None),
            Scope::ArchetypeAt(a, m) => (Some(m), Some(a)),
            Scope::Archetype(a) | Scope::ArchetypeDay(a, _) => (None, Some(a)),
            Scope::Run | Scope::Sector(_) => (None, None),
        };
        outputs.recovered_share_at_min.extend(minutes);
        if let Some(a) = archetype
            && let Some(k) = spec.archetypes.iter().position(|x| x.name == a.as_str())
        {
            outputs.archetypes.push(k);
        }
    }
    outputs.recovered_share_at_min.sort_unstable();
    outputs.recovered_share_at_min.dedup();
    outputs.archetypes.sort_unstable();
    outputs.archetypes.dedup();
}

/// Places each problem at its field in the observations file, or at the nearest enclosing
/// field the file writes.
fn placed(source: &Source, problems: Vec<Diagnostic>) -> ScenarioError {
    let doc = Document::parse(&source.text);
    let problems = problems
        .into_iter()
        .map(|d| {
            let segments = locate::parse_path(&d.path).unwrap_or_default();
            let position = (1..=segments.len()).rev().find_map(|n| {
                let s: &[Segment] = &segments[..n];
                doc.locate_segments(s).or_else(|| doc.locate_key_segments(s))
            });
            Problem {
                file: Some(source.name.clone()),
                position: position.map(|s| s.start),
                path: Some(d.path),
                message: d.message,
                hint: d.hint,
            }
        })
        .collect();
    ScenarioError { problems }
}

#[cfg(test)]
mod tests {
    //! Observations files: parsing, every error at its line and column, and resolution against
    //! runs. Cases are data: one file (or one observation in a small file) per row.

    use super::*;
    use crate::locate::Position;

    /// A file of one observation whose fields are `fields`, one per line from line 4.
    fn one(fields: &[&str]) -> String {
        let mut text = String::from("(\n    name: \"t\",\n    observations: [(\n");
        for f in fields {
            text.push_str(&format!("        {f}\n"));
        }
        text.push_str("    )],\n)\n");
        text
    }

    const NAME: &str = "name: \"a\",";
    const FIGURE: &str = "figure: \"recovered_share\",";
    const AT: &str = "at: \"2024-07-26T00:00:00Z\",";
    const BAND: &str = "observed: (low: 0.9, high: 0.985),";
    const SOURCE: &str = "source: \"the vendor\",";

    /// A file's first problem: position, field path and the text (message and hint).
    fn first_problem(text: &str) -> (Option<Position>, Option<String>, String) {
        match load_text("t.ron", text) {
            Ok(_) => panic!("no problem found in\n{text}"),
            Err(e) => {
                let p = &e.problems[0];
                assert_eq!(p.file.as_deref(), Some("t.ron"));
                (p.position, p.path.clone(), p.to_string())
            }
        }
    }

    /// `text` fails at `line:col` (with the text there), at `path`, saying each of `says`; else
    /// what is wrong.
    fn problem_is(
        text: &str,
        line: usize,
        col: usize,
        starts: &str,
        path: &str,
        says: &[&str],
    ) -> Result<(), String> {
        let (position, found_path, message) = first_problem(text);
        let at_line = text.lines().nth(line - 1).unwrap_or("");
        let rest: String = at_line.chars().skip(col - 1).collect();
        let mut wrong = Vec::new();
        if position != Some(Position { line, col }) {
            wrong.push(format!("at {position:?}, not {line}:{col}"));
        }
        if !rest.starts_with(starts) {
            wrong.push(format!("{line}:{col} is {rest:?}, not {starts:?}"));
        }
        if found_path.as_deref() != Some(path) {
            wrong.push(format!("path {found_path:?}, not {path}"));
        }
        wrong.extend(says.iter().filter(|s| !message.contains(*s)).map(|s| format!("no {s:?}")));
        if !message.contains("\n  hint: ") {
            wrong.push("no hint".into());
        }
        if wrong.is_empty() { Ok(()) } else { Err(format!("{}\n  {message}", wrong.join("; "))) }
    }

    fn check(text: &str, line: usize, col: usize, starts: &str, path: &str, says: &[&str]) {
        if let Err(e) = problem_is(text, line, col, starts, path, says) {
            panic!("{e}\n{text}");
        }
    }

    /// The fields of one observation; where the problem is (line, column, the text there), its
    /// field path and what the message says.
    type FileCase = (
        &'static [&'static str],
        usize,
        usize,
        &'static str,
        &'static str,
        &'static [&'static str],
    );

    /// The same for problems found against a run, without the text.
    type RunCase = (&'static [&'static str], usize, usize, &'static str, &'static [&'static str]);

    #[test]
    fn a_good_file_reads() {
        let o = load_text("t.ron", &one(&[NAME, FIGURE, AT, BAND, SOURCE])).unwrap();
        assert_eq!(o.name, "t");
        assert_eq!(o.len(), 1);
    }

    #[rustfmt::skip]
#[test]
fn every_mistake_is_reported_at_its_field() {
    // The field that is wrong is line 4 + its place in the list.
    let cases: &[FileCase] = &[
        // Syntax and types, from the parser.
        (&[NAME, "figure: \"recovered_share\"", AT, BAND, SOURCE], 6, 9, "at", "observations[0].at", &["a comma is missing", "end of line 5"]),
        (&[NAME, FIGURE, AT, "observed: (low: 0.9, hgh: 0.985),", SOURCE], 7, 30, "hgh", "observations[0].observed.hgh", &["unknown field `hgh` in Band", "did you mean `high`?"]),
        (&[NAME, FIGURE, AT, BAND, SOURCE, "sorce: \"x\","], 9, 9, "sorce", "observations[0].sorce", &["unknown field `sorce` in Observation", "did you mean `source`?"]),
        (&[NAME, FIGURE, AT, BAND], 8, 5, ")", "observations[0]", &["the field `source` of Observation is missing"]),
        (&[NAME, FIGURE, AT, "observed: (low: \"0.9\"),", SOURCE], 7, 25, "\"0.9\"", "observations[0].observed.low", &["expected a number"]),
        (&[NAME, FIGURE, AT, BAND, SOURCE, "day: 2.5,"], 9, 14, "2.5", "observations[0].day", &["a day number such as 2 or a local date"]),
        // The figure and the forms it comes in.
        (&[NAME, "figure: \"recovered_shar\",", AT, BAND, SOURCE], 5, 17, "\"recovered_shar\"", "observations[0].figure", &["no figure is called `recovered_shar`", "did you mean `recovered_share`?"]),
        (&[NAME, "figure: \"recovered_share_at_6d19h51m\",", BAND, SOURCE], 5, 17, "\"recovered_share_at", "observations[0].figure", &["is a figure's full name", "write figure: \"recovered_share\" and `at` the date-time"]),
        (&[NAME, "figure: \"flights_cancelled_share_day2_of_delta_like\",", BAND, SOURCE], 5, 17, "\"flights", "observations[0].figure", &["write figure: \"flights_cancelled_share\" with archetype: \"delta_like\", day: 2"]),
        (&[NAME, FIGURE, BAND, SOURCE], 5, 17, "\"recovered_share\"", "observations[0].figure", &["`recovered_share` does not come for the whole run", "comes at a moment (`at`); for an archetype at a moment"]),
        (&[NAME, "figure: \"recovered_99pct_at_s\",", AT, "observed: (low: 1),", SOURCE], 5, 17, "\"recovered_99pct", "observations[0].figure", &["does not come at a moment", "comes for the whole run"]),
        (&[NAME, "figure: \"flights_cancelled_share\",", "day: 2,", BAND, SOURCE], 6, 14, "2", "observations[0].day", &["`day` needs an `archetype`"]),
        (&[NAME, "figure: \"flights_cancelled_share\",", "archetype: \"x\",", "day: 2,", AT, BAND, SOURCE], 7, 14, "2", "observations[0].day", &["`day` and `at` are both set"]),
        (&[NAME, "figure: \"flights_cancelled_share\",", "archetype: \"x\",", "day: 0,", BAND, SOURCE], 7, 14, "0", "observations[0].day", &["days count from 1"]),
        (&[NAME, "figure: \"flights_cancelled_share\",", "archetype: \"x\",", "day: \"20 Jul\",", BAND, SOURCE], 7, 14, "\"20 Jul\"", "observations[0].day", &["\"20 Jul\" is not a date", "\"2024-07-20\""]),
        (&[NAME, "figure: \"loss_usd\",", "archetype: \"an_archetype_name_far_too_long_for_figures\",", "observed: (high: 1.0),", SOURCE], 6, 20, "\"an_", "observations[0].archetype", &["longer than 31 bytes"]),
        // Times and the scenarios.
        (&[NAME, FIGURE, "at: \"26/07/2024\",", BAND, SOURCE], 6, 13, "\"26/07/2024\"", "observations[0].at", &["not an RFC 3339 date-time"]),
        (&[NAME, FIGURE, AT, "scenarios: [],", BAND, SOURCE], 7, 20, "[]", "observations[0].scenarios", &["an empty list applies to no run"]),
        // The band.
        (&[NAME, FIGURE, AT, "observed: (low: 0.99, high: 0.9),", SOURCE], 7, 19, "(low: 0.99", "observations[0].observed", &["the low end 0.99 is above the high end 0.9", "swap them"]),
        (&[NAME, FIGURE, AT, "observed: (low: 90, high: 98.5),", SOURCE], 7, 25, "90", "observations[0].observed.low", &["90 is not a share in [0, 1]", "write 0.9 for 90%"]),
        (&[NAME, FIGURE, AT, "observed: (),", SOURCE], 7, 19, "()", "observations[0].observed", &["the band has neither end"]),
        (&[NAME, FIGURE, AT, "observed: (low_at: \"2024-07-26T00:00:00Z\"),", SOURCE], 7, 28, "\"2024", "observations[0].observed.low_at", &["`low_at` is for times (figures ending `_at_s`)", "share (0 to 1)"]),
        (&[NAME, "figure: \"recovered_99pct_at_s\",", "observed: (low: 1, low_at: \"2024-07-26T00:00:00Z\"),", SOURCE], 6, 36, "\"2024", "observations[0].observed.low_at", &["`low` and `low_at` are both set"]),
        (&[NAME, "figure: \"recovered_99pct_at_s\",", "observed: (high_at: \"soon\"),", SOURCE], 6, 29, "\"soon\"", "observations[0].observed.high_at", &["\"soon\" is not an RFC 3339 date-time"]),
        (&[NAME, "figure: \"recovered_99pct_at_s\",", "observed: (low_at: \"2024-07-27T00:00:00Z\", high_at: \"2024-07-26T00:00:00Z\"),", SOURCE], 6, 19, "(low_at", "observations[0].observed", &["is after the high end", "swap them"]),
        (&[NAME, "figure: \"schedule_normal_day\",", "archetype: \"x\",", "observed: (low: 0),", SOURCE], 7, 25, "0", "observations[0].observed.low", &["is not a day"]),
        // The standard deviation.
        (&[NAME, FIGURE, AT, BAND, "sd: 0,", SOURCE], 8, 13, "0", "observations[0].sd", &["the standard deviation 0 is not above 0"]),
        (&[NAME, FIGURE, AT, BAND, "sd: -0.1,", SOURCE], 8, 13, "-0.1", "observations[0].sd", &["is not above 0"]),
        (&[NAME, FIGURE, AT, BAND, "sd: \"2h\",", SOURCE], 8, 13, "\"2h\"", "observations[0].sd", &["is text, and the figure is not a time", "share (0 to 1)"]),
        (&[NAME, "figure: \"recovered_all_at_s\",", "observed: (high_at: \"2024-07-23T07:00:00Z\"),", "sd: 3600,", SOURCE], 7, 13, "3600", "observations[0].sd", &["is a number, and the figure is a time", "sd: \"6h\""]),
        (&[NAME, "figure: \"recovered_all_at_s\",", "observed: (high_at: \"2024-07-23T07:00:00Z\"),", "sd: \"soon\",", SOURCE], 7, 13, "\"soon\"", "observations[0].sd", &["\"soon\" is not a duration"]),
        (&[NAME, FIGURE, AT, BAND, "sd: [0.1],", SOURCE], 8, 13, "[0.1]", "observations[0].sd", &["a number such as 0.03, or a duration"]),
        // Names and sources.
        (&["name: \"\",", FIGURE, AT, BAND, SOURCE], 4, 15, "\"\"", "observations[0].name", &["the observation has no name"]),
        (&["name: \"a name much longer than forty characters, really\",", FIGURE, AT, BAND, SOURCE], 4, 15, "\"a name", "observations[0].name", &["longer than 40 characters"]),
        (&[NAME, FIGURE, AT, BAND, "source: \" \","], 8, 17, "\" \"", "observations[0].source", &["does not say who stated it"]),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(fields, line, col, starts, path, says)| {
            problem_is(&one(fields), *line, *col, starts, path, says)
                .err()
                .map(|e| format!("{fields:?}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

    #[test]
    fn file_level_mistakes() {
        check(
            "(name: \"t\", observations: [])",
            1,
            27,
            "[]",
            "observations",
            &["the file has no observations"],
        );
        check(
            "(name: \"\", observations: [(name: \"a\", figure: \"endpoints_crashed\", observed: (low: 1), source: \"s\")])",
            1,
            8,
            "\"\"",
            "name",
            &["the observations file has no name"],
        );
        let two = "(name: \"t\", observations: [\n    (name: \"a\", figure: \"endpoints_crashed\", observed: (low: 1), source: \"s\"),\n    (name: \"a\", figure: \"loss_usd\", observed: (low: 1), source: \"s\"),\n])";
        check(
            two,
            3,
            12,
            "\"a\"",
            "observations[1].name",
            &["\"a\" is also the name of observations[0]"],
        );
        let (position, _, message) = first_problem("");
        assert_eq!(position, Some(Position { line: 1, col: 1 }));
        assert!(message.contains("the file has no observations in it"), "{message}");
        let (_, _, message) = first_problem("(name: \"t\", observations: []) x");
        assert!(message.contains("text after the end of the observations"), "{message}");
        assert!(message.contains("an observations file is one record"), "{message}");
    }

    #[test]
    fn a_stated_standard_deviation_is_kept_in_the_figures_unit() {
        let text = "(name: \"t\", observations: [\n    (name: \"share\", figure: \"recovered_share\", at: \"2024-07-26T00:00:00Z\", observed: (low: 0.9, high: 0.98), sd: 0.02, source: \"s\"),\n    (name: \"all\", figure: \"recovered_all_at_s\", observed: (high_at: \"2024-07-23T07:00:00Z\"), sd: \"6h\", source: \"s\"),\n    (name: \"none\", figure: \"recovered_share\", at: \"2024-07-26T00:00:00Z\", observed: (low: 0.9, high: 0.98), source: \"s\"),\n])";
        let o = load_text("t.ron", text).unwrap();
        assert_eq!(o.names(), ["share", "all", "none"]);
        assert_eq!(o.stated_sd("share"), Some(0.02));
        assert_eq!(o.stated_sd("all"), Some(6.0 * 3_600.0));
        assert_eq!(o.stated_sd("none"), None);
        assert_eq!(o.stated_sd("nobody"), None);
    }

    #[test]
    fn a_missing_file_names_the_built_ins() {
        let e = load("no/such/observations.ron").unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("no/such/observations.ron: no such file"), "{text}");
        assert!(text.contains("a built-in: 2024"), "{text}");
    }

    /// A small world for resolving against: hospital-tabletop (Sydney, from 2024-07-19T04:09Z for
    /// 7 days) with an airline of one organisation on EDT and one whose regions straddle a date.
    const WORLD: &str = r#"(
    extends: "hospital-tabletop",
    name: "small-world",
    fleet: {
        "carrier": (sector: Airline, organisations: 1, size: (mean: 200.0, cv: 0.0, min: 200, max: 200),
                    regions: [(name: "east", utc_offset_hours: -4.0, share: 1.0)]),
        "straddler": (sector: Airline, organisations: 1, size: (mean: 200.0, cv: 0.0, min: 200, max: 200),
                      regions: [(name: "east", utc_offset_hours: -4.0, share: 0.5), (name: "west", utc_offset_hours: -7.0, share: 0.5)]),
    },
)"#;

    fn world() -> (Loaded, WorldSpec) {
        let loaded = crate::load_text("world.ron", WORLD).unwrap();
        let spec = loaded.validate().unwrap();
        (loaded, spec)
    }

    fn against(fields: &[&str]) -> Result<Observed, ScenarioError> {
        let (loaded, spec) = world();
        let o = load_text("t.ron", &one(fields))?;
        Ok(o.against(&loaded, &spec)?.remove(0))
    }

    fn applies(fields: &[&str]) -> Observation {
        match against(fields) {
            Ok(Observed::Applies(o)) => o,
            other => panic!("{other:?}"),
        }
    }

    fn reason(fields: &[&str]) -> String {
        match against(fields) {
            Ok(Observed::NotApplicable { reason, .. }) => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn observations_resolve_to_figures_and_bands() {
        let harbour = Name::new("harbour_health").unwrap();
        let carrier = Name::new("carrier").unwrap();
        // 2024-07-26T00:00Z is 6d19h51m after the start.
        let o = applies(&[NAME, FIGURE, AT, BAND, SOURCE]);
        assert_eq!(o.figure, Figure::at(Metric::RecoveredShare, 9_831));
        assert_eq!((o.low, o.high), (Some(0.9), Some(0.985)));
        assert_eq!((o.name.as_str(), o.source.as_str()), ("a", "the vendor"));
        // The publication is at time zero here: low_at counts from the start.
        let o = applies(&[
            NAME,
            "figure: \"recovered_99pct_at_s\",",
            "observed: (low_at: \"2024-07-26T00:00:00Z\"),",
            SOURCE,
        ]);
        assert_eq!(o.figure, Metric::Recovered99pctAt.into());
        assert_eq!((o.low, o.high), (Some(589_860.0), None));
        let o = applies(&[
            NAME,
            "figure: \"loss_usd\",",
            "archetype: \"harbour_health\",",
            "observed: (high: 1e6),",
            SOURCE,
        ]);
        assert_eq!(o.figure, Figure { metric: Metric::LossUsd, scope: Scope::Archetype(harbour) });
        let o = applies(&[NAME, FIGURE, "archetype: \"harbour_health\",", AT, BAND, SOURCE]);
        assert_eq!(o.figure.scope, Scope::ArchetypeAt(harbour, 9_831));
        // A local date: day 1 on EDT is Fri 19 Jul (00:09 local at the start).
        for (day, number) in
            [("2", 2), ("\"2024-07-20\"", 2), ("\"2024-07-19\"", 1), ("\"2024-07-26\"", 8)]
        {
            let o = applies(&[
                NAME,
                "figure: \"flights_cancelled_share\",",
                "archetype: \"carrier\",",
                &format!("day: {day},"),
                "observed: (low: 0.2, high: 0.4),",
                SOURCE,
            ]);
            assert_eq!(o.figure.scope, Scope::ArchetypeDay(carrier, number), "{day}");
        }
        let o = applies(&[
            NAME,
            "figure: \"schedule_normal_day\",",
            "archetype: \"carrier\",",
            "observed: (low: 6, high: 7),",
            SOURCE,
        ]);
        assert_eq!((o.low, o.high), (Some(6.0), Some(7.0)));
        // Through the extends chain: small-world extends hospital-tabletop, which extends
        // crowdstrike-2024.
        for name in ["small-world", "hospital-tabletop", "crowdstrike-2024"] {
            applies(&[
                NAME,
                FIGURE,
                AT,
                &format!("scenarios: [\"other\", \"{name}\"],"),
                BAND,
                SOURCE,
            ]);
        }
    }

    #[test]
    fn observations_that_do_not_fit_the_run_are_not_applicable() {
        assert_eq!(
            reason(&[NAME, FIGURE, AT, "scenarios: [\"salem-health\", \"x\"],", BAND, SOURCE]),
            "for salem-health, x, not small-world"
        );
        assert_eq!(
            reason(&[
                NAME,
                "figure: \"loss_usd\",",
                "archetype: \"harbour_healt\",",
                "observed: (high: 1.0),",
                SOURCE
            ]),
            "no archetype \"harbour_healt\" in the fleet of small-world (did you mean \"harbour_health\"?)"
        );
        assert_eq!(
            reason(&[
                NAME,
                "figure: \"loss_usd\",",
                "archetype: \"delta_like\",",
                "observed: (high: 1.0),",
                SOURCE
            ]),
            "no archetype \"delta_like\" in the fleet of small-world"
        );
        // A scenario the run only extends may end sooner: a time past its end does not apply.
        let r = reason(&[
            NAME,
            FIGURE,
            "at: \"2024-07-30T00:00:00Z\",",
            "scenarios: [\"crowdstrike-2024\"],",
            BAND,
            SOURCE,
        ]);
        assert_eq!(
            r,
            "2024-07-30T00:00:00Z is outside the run of small-world (from 2024-07-19T04:09:00Z to 2024-07-26T04:09:00Z)"
        );
        let r = reason(&[
            NAME,
            "figure: \"flights_cancelled_share\",",
            "archetype: \"carrier\",",
            "day: 9,",
            "scenarios: [\"hospital-tabletop\"],",
            BAND,
            SOURCE,
        ]);
        assert!(r.starts_with("day 9 is outside the run of small-world (local days 1 to 8"), "{r}");
    }

    /// The file's mistakes for the runs it names, found only against a run.
#[rustfmt::skip]
#[test]
fn mistakes_only_a_run_reveals() {
    let cases: &[RunCase] = &[
        (&[NAME, FIGURE, "at: \"2024-07-30T00:00:00Z\",", BAND, SOURCE], 6, 13, "observations[0].at", &["2024-07-30T00:00:00Z is outside the run of small-world (from 2024-07-19T04:09:00Z to 2024-07-26T04:09:00Z)"]),
        (&[NAME, FIGURE, "at: \"2024-07-19T04:00:00Z\",", "scenarios: [\"small-world\"],", BAND, SOURCE], 6, 13, "observations[0].at", &["is outside the run"]),
        (&[NAME, "figure: \"flights_cancelled_share\",", "archetype: \"harbour_health\",", "day: 2,", BAND, SOURCE], 6, 20, "observations[0].archetype", &["`flights_cancelled_share` is an airline's figure, and \"harbour_health\" is a hospital archetype"]),
        (&[NAME, "figure: \"flights_cancelled_share\",", "archetype: \"straddler\",", "day: \"2024-07-20\",", BAND, SOURCE], 7, 14, "observations[0].day", &["not the same day of the run in every region of \"straddler\"", "give the day as a number"]),
        (&[NAME, "figure: \"flights_cancelled_share\",", "archetype: \"carrier\",", "day: 9,", BAND, SOURCE], 7, 14, "observations[0].day", &["day 9 is outside the run"]),
        (&[NAME, "figure: \"recovered_all_at_s\",", "observed: (high_at: \"2024-07-19T04:00:00Z\"),", SOURCE], 6, 29, "observations[0].observed.high_at", &["before the first publication of the faulty content in small-world (2024-07-19T04:09:00Z)"]),
        (&[NAME, "figure: \"recovered_all_at_s\",", "observed: (low: 700000, high_at: \"2024-07-20T00:00:00Z\"),", SOURCE], 6, 19, "observations[0].observed", &["in small-world, the low end is above the high end"]),
    ];
    let (loaded, spec) = world();
    for (fields, line, col, path, says) in cases {
        let text = one(fields);
        let o = load_text("t.ron", &text).unwrap();
        let e = o.against(&loaded, &spec).unwrap_err();
        let p = &e.problems[0];
        let message = p.to_string();
        assert_eq!(p.position, Some(Position { line: *line, col: *col }), "{message}");
        assert_eq!(p.path.as_deref(), Some(*path), "{message}");
        for s in *says {
            assert!(message.contains(s), "{message:?} does not say {s:?}");
        }
    }
}

    #[test]
    fn outputs_gain_what_the_observations_need_and_nothing_else() {
        let (loaded, mut spec) = world();
        let text = "(name: \"t\", observations: [
        (name: \"a\", figure: \"recovered_share\", at: \"2024-07-26T00:00:00Z\", observed: (low: 0.9), source: \"s\"),
        (name: \"b\", figure: \"recovered_share\", archetype: \"carrier\", at: \"2024-07-20T00:00:00Z\", observed: (low: 0.9), source: \"s\"),
        (name: \"c\", figure: \"flights_cancelled_share\", archetype: \"carrier\", day: 2, observed: (low: 0.2), source: \"s\"),
        (name: \"d\", figure: \"loss_usd\", archetype: \"straddler\", observed: (low: 1), source: \"s\"),
        (name: \"e\", figure: \"recovered_share\", at: \"2024-07-26T00:00:30Z\", observed: (low: 0.9), source: \"s\"),
        (name: \"f\", figure: \"loss_usd\", archetype: \"delta_like\", observed: (low: 1), source: \"s\"),
        (name: \"g\", figure: \"recovered_99pct_at_s\", observed: (low: 1), source: \"s\"),
    ])";
        let observed = load_text("t.ron", text).unwrap().against(&loaded, &spec).unwrap();
        assert!(matches!(&observed[5], Observed::NotApplicable { name, .. } if name == "f"));
        spec.outputs.recovered_share_at_min = vec![60];
        let before = spec.outputs.clone();
        add_outputs(&mut spec, &observed);
        // 2024-07-20T00:00Z is 19h51m after the start; 00:00:30 is the same whole minute as 00:00.
        assert_eq!(spec.outputs.recovered_share_at_min, [60, 1_191, 9_831]);
        let index = |name: &str| spec.archetypes.iter().position(|a| a.name == name).unwrap();
        let mut expected = vec![index("carrier"), index("straddler")];
        expected.sort_unstable();
        assert_eq!(spec.outputs.archetypes, expected);
        assert_eq!(
            (spec.outputs.charts, spec.outputs.png, spec.outputs.html, spec.outputs.top_orgs),
            (before.charts, before.png, before.html, before.top_orgs)
        );
    }

    #[test]
    fn the_built_in_observations_read_against_every_built_in_scenario() {
        let o = load("2024").unwrap();
        assert_eq!(o.name, "2024");
        assert_eq!(o.len(), 9);
        for name in builtin::names() {
            let (loaded, spec) = crate::read(name).unwrap();
            let observed = o.against(&loaded, &spec).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(observed.len(), 9);
            for ob in &observed {
                if let Observed::NotApplicable { name: n, reason, .. } = ob {
                    assert!(
                        reason.starts_with("for ")
                            || reason.starts_with("no archetype")
                            || reason.contains("outside the run"),
                        "{name}: {n}: {reason}"
                    );
                }
            }
        }
        // crowdstrike-2024: the fleet's three apply, Salem Health's do not.
        let (loaded, spec) = crate::read("crowdstrike-2024").unwrap();
        let observed = o.against(&loaded, &spec).unwrap();
        let applies =
            |n: &str| observed.iter().any(|ob| matches!(ob, Observed::Applies(x) if x.name == n));
        for n in ["fleet_back_26_jul", "fleet_back_30_jul", "fleet_99pct_not_before_26_jul"] {
            assert!(applies(n), "{n}");
        }
        assert!(!applies("salem_back_sat_16h"));
        let fleet = observed.iter().find_map(|ob| match ob {
            Observed::Applies(x) if x.name == "fleet_99pct_not_before_26_jul" => Some(x),
            _ => None,
        });
        // Not before 26 Jul 00:00 UTC: 6d19h51m after the publication at 04:09 on 19 Jul.
        assert_eq!(fleet.map(|x| (x.low, x.high)), Some((Some(589_860.0), None)));
    }
}
