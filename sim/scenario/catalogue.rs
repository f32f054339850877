//! Catalogue files: a set of events, each a scenario (a built-in or a file) with fields set on
//! it and an annual rate, for `blastradius catalogue` to simulate over many years. RON in,
//! validated worlds out.
//!
//! ```text
//! file ─► parse (raw::Catalogue) ─► check names and rates
//!      ─► each event: open its scenario (built-in, or a file beside the catalogue) ─► load
//!         ─► set its `set` fields ─► validate ─► WorldSpec
//!      ─► the worlds agree on every organisation they share (sector, policy)
//! ```
//!
//! Every problem is reported at the file, line and column of its field with a hint: a bad
//! name or rate, a missing scenario, a bad `set` entry at the catalogue's line; a problem inside
//! an event's scenario file at that file's line (a value a `set` entry gave at the entry).
//! It knows nothing of how a catalogue is run.

use std::path::{Path, PathBuf};

use blastradius_model::spec::WorldSpec;

use crate::locate::{self, Document};
use crate::validate::Diagnostic;
use crate::{Kind, Problem, ScenarioError, Source, builtin, overrides, raw};

/// The words of syntax errors in catalogue files.
const KIND: Kind = Kind {
    noun: "catalogue",
    one_record: "a catalogue is one record `( ... )`",
    opening: "the opening `(` of the catalogue",
    file_is_one_record: "a catalogue file is one record `( ... )`",
    generic_hint: "a catalogue reads (name: \"...\", seed: 1, events: [(name: \"...\", scenario: \
                   \"hospital-tabletop\", rate: 0.1, set: [\"vendor.revert=6h\"]), ...]); the \
                   built-in `vendor-failures` (scenarios/catalogues/vendor-failures.ron) is one",
    string_hint: "e.g. \"hospital-tabletop\"; `set` entries are strings too, e.g. \
                  \"vendor.revert=6h\"",
    start_hint: "a catalogue is one record (name: \"...\", events: [...]); the built-in \
                 `vendor-failures` (scenarios/catalogues/vendor-failures.ron) is one to start from",
};

/// Longest event name: names label the events in tables.
pub const MAX_NAME_CHARS: usize = 40;
/// The largest annual rate: more than this many occurrences a year is not a catalogue of rare
/// events, and would take as many runs a year.
pub const MAX_RATE: f64 = 1_000.0;

/// A catalogue, read and validated.
#[derive(Clone, Debug)]
pub struct Catalogue {
    pub name: String,
    pub description: String,
    /// The file's seed, if it gives one.
    pub seed: Option<u64>,
    /// Where it came from, as shown in messages: a path, or `builtin:<name>`.
    pub source: String,
    pub events: Vec<Event>,
}

/// One event, its world validated.
#[derive(Clone, Debug)]
pub struct Event {
    pub name: String,
    pub rate: f64,
    /// The scenario as the file names it.
    pub scenario: String,
    pub set: Vec<String>,
    pub spec: WorldSpec,
    /// The event's world as fully resolved RON (with its `set` fields).
    pub resolved_ron: String,
}

/// Reads a catalogue by built-in name or path, and validates every event's world.
pub fn load(reference: &str) -> Result<Catalogue, ScenarioError> {
    let source = open(reference)?;
    from_source(source)
}

/// Like [`load`], from text already in hand (named for messages; relative scenario files are
/// looked for beside `name`).
pub fn load_text(name: &str, text: &str) -> Result<Catalogue, ScenarioError> {
    let dir = Path::new(name).parent().map(Path::to_path_buf);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).to_string();
    from_source(Source { name: name.to_string(), text, dir, cut: None })
}

fn open(reference: &str) -> Result<Source, ScenarioError> {
    if let Some(text) = builtin::catalogue(reference) {
        return Ok(Source {
            name: format!("builtin:{reference}"),
            text: text.to_string(),
            dir: None,
            cut: None,
        });
    }
    let path = Path::new(reference);
    match crate::read_scenario_file(path) {
        Ok((text, cut)) => Ok(Source {
            name: reference.to_string(),
            text,
            dir: Some(path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)),
            cut,
        }),
        Err(crate::ReadError::NotUtf8(bad)) => {
            let mut err = ScenarioError::one(
                Some(reference.to_string()),
                bad.message(path),
                "save the catalogue as UTF-8 text",
            );
            err.problems[0].position = Some(bad.position);
            Err(err)
        }
        Err(crate::ReadError::Io(e)) => {
            use std::io::ErrorKind;
            let builtins = builtin::catalogue_names().join(", ");
            let message = match e.kind() {
                ErrorKind::NotFound => {
                    "no such file, and no built-in catalogue has this name".into()
                }
                _ if path.is_dir() => format!("\"{reference}\" is a directory"),
                _ => format!("cannot read \"{reference}\": {e}"),
            };
            Err(ScenarioError::one(
                Some(reference.to_string()),
                message,
                format!("give the path of a catalogue .ron file, or a built-in: {builtins}"),
            ))
        }
    }
}

/// A problem at a field of the catalogue file.
fn at(source: &Source, doc: &Document, path: String, message: String, hint: &str) -> Problem {
    let segments = locate::parse_path(&path).unwrap_or_default();
    let position = (1..=segments.len()).rev().find_map(|n| {
        let s = &segments[..n];
        doc.locate_segments(s).or_else(|| doc.locate_key_segments(s))
    });
    Problem {
        file: Some(source.name.clone()),
        position: position.map(|s| s.start),
        path: Some(path),
        message,
        hint: Some(hint.to_string()),
    }
}

fn from_source(source: Source) -> Result<Catalogue, ScenarioError> {
    let mut budget = crate::MAX_TOKENS;
    let file: raw::Catalogue = crate::parse_ron(&source, &KIND, &mut budget)?;
    let doc = Document::parse(&source.text);
    let mut problems = Vec::new();
    if file.name.trim().is_empty() {
        problems.push(at(
            &source,
            &doc,
            "name".into(),
            "the catalogue has no name".into(),
            "give it a short name, e.g. name: \"vendor-failures\"",
        ));
    }
    if file.events.is_empty() {
        problems.push(at(
            &source,
            &doc,
            "events".into(),
            "the catalogue has no events".into(),
            "add one, e.g. (name: \"content-crash\", scenario: \"hospital-tabletop\", rate: 0.1)",
        ));
    }
    let mut events = Vec::new();
    for (i, e) in file.events.iter().enumerate() {
        let p = |field: &str| format!("events[{i}].{field}");
        let name = e.name.trim();
        if name.is_empty() {
            problems.push(at(
                &source,
                &doc,
                p("name"),
                "the event has no name".into(),
                "e.g. name: \"content-crash\"",
            ));
        } else if name.chars().count() > MAX_NAME_CHARS {
            problems.push(at(
                &source,
                &doc,
                p("name"),
                format!("the name is longer than {MAX_NAME_CHARS} characters"),
                "use a short name; say more in a comment",
            ));
        } else if let Some(j) = file.events[..i].iter().position(|o| o.name.trim() == name) {
            problems.push(at(
                &source,
                &doc,
                p("name"),
                format!("\"{name}\" is also the name of event {j}"),
                "give every event its own name",
            ));
        }
        if !(e.rate.is_finite() && (0.0..=MAX_RATE).contains(&e.rate)) {
            let why =
                if e.rate < 0.0 { "is below zero" } else { "is not a rate this can simulate" };
            problems.push(at(
                &source,
                &doc,
                p("rate"),
                format!("the rate {} {why}", e.rate),
                &format!(
                    "an annual rate is the expected number of occurrences a year, from 0 to \
                     {MAX_RATE}: e.g. 0.05 for once in twenty years"
                ),
            ));
        }
        match event_world(&source, &doc, i, e) {
            Ok(event) => events.push(event),
            Err(mut found) => problems.append(&mut found),
        }
    }
    if problems.is_empty() {
        problems.extend(disagreements(&source, &doc, &events));
    }
    if !problems.is_empty() {
        return Err(ScenarioError { problems });
    }
    Ok(Catalogue {
        name: file.name.trim().to_string(),
        description: file.description,
        seed: file.seed,
        source: source.name,
        events,
    })
}

/// The event's scenario: a built-in, a file beside a built-in catalogue, or a file relative
/// to the catalogue file.
fn event_source(catalogue: &Source, reference: &str) -> Result<Source, crate::ReadError> {
    if let Some(text) = builtin::get(reference) {
        return Ok(Source {
            name: format!("builtin:{reference}"),
            text: text.into(),
            dir: None,
            cut: None,
        });
    }
    let Some(dir) = &catalogue.dir else {
        return builtin::catalogue_file(reference)
            .map(|text| Source {
                name: format!("builtin:catalogues/{reference}"),
                text: text.into(),
                dir: None,
                cut: None,
            })
            .ok_or_else(|| {
                crate::ReadError::Io(std::io::Error::new(std::io::ErrorKind::NotFound, "not found"))
            });
    };
    let path =
        if Path::new(reference).is_relative() { dir.join(reference) } else { reference.into() };
    let (text, cut) = crate::read_scenario_file(&path)?;
    Ok(Source {
        name: path.display().to_string(),
        text,
        dir: Some(path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)),
        cut,
    })
}

/// Loads, sets and validates one event's world.
fn event_world(
    source: &Source,
    doc: &Document,
    i: usize,
    e: &raw::CatalogueEvent,
) -> Result<Event, Vec<Problem>> {
    let p = |field: &str| format!("events[{i}].{field}");
    let scenario = event_source(source, e.scenario.trim()).map_err(|err| {
        let builtins = builtin::names().join(", ");
        let message = match err {
            crate::ReadError::Io(err) if err.kind() == std::io::ErrorKind::NotFound => {
                format!("no scenario file or built-in scenario named \"{}\"", e.scenario.trim())
            }
            crate::ReadError::Io(err) => {
                format!("cannot read the scenario \"{}\": {err}", e.scenario.trim())
            }
            crate::ReadError::NotUtf8(bad) => bad.message(Path::new(e.scenario.trim())),
        };
        vec![at(
            source,
            doc,
            p("scenario"),
            message,
            &format!(
                "give a built-in scenario ({builtins}) or the path of a .ron file relative to \
                 the catalogue file"
            ),
        )]
    })?;
    let mut loaded = crate::load_source(scenario).map_err(|err| err.problems)?;
    let mut sets: Vec<(String, usize)> = Vec::new();
    for (j, entry) in e.set.iter().enumerate() {
        let here = p(&format!("set[{j}]"));
        let Some((path, value)) = entry.split_once('=') else {
            return Err(vec![at(
                source,
                doc,
                here,
                format!("\"{entry}\" is not PATH=VALUE"),
                "write e.g. \"vendor.revert=6h\"",
            )]);
        };
        let path = path.trim();
        loaded.resolved = overrides::set(&loaded.resolved, path, value)
            .map_err(|err| vec![at(source, doc, here.clone(), err.message.clone(), &err.hint)])?;
        sets.push((path.to_string(), j));
    }
    let spec = loaded.validate().map_err(|err| {
        err.problems
            .into_iter()
            .map(|problem| {
                // A value that a `set` entry gave is reported at the entry.
                let by = problem.path.as_deref().and_then(|path| {
                    sets.iter().rev().find(|(set, _)| {
                        path == set
                            || path
                                .strip_prefix(set.as_str())
                                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
                    })
                });
                match by {
                    Some((_, j)) => {
                        let d = Diagnostic {
                            path: p(&format!("set[{j}]")),
                            message: format!(
                                "`{}`: {}",
                                problem.path.clone().unwrap_or_default(),
                                problem.message
                            ),
                            hint: problem.hint,
                        };
                        at(source, doc, d.path, d.message, d.hint.as_deref().unwrap_or(""))
                    }
                    None => problem,
                }
            })
            .collect::<Vec<Problem>>()
    })?;
    Ok(Event {
        name: e.name.trim().to_string(),
        rate: e.rate,
        scenario: e.scenario.trim().to_string(),
        set: e.set.clone(),
        resolved_ron: loaded.to_ron(),
        spec,
    })
}

/// Organisations that two events' worlds share must be the same organisations: the same
/// sector and the same policy, or a year's aggregate limit would mean two things.
fn disagreements(source: &Source, doc: &Document, events: &[Event]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (i, e) in events.iter().enumerate() {
        for a in &e.spec.archetypes {
            let earlier = events[..i].iter().enumerate().find_map(|(j, o)| {
                o.spec.archetypes.iter().find(|b| b.name == a.name).map(|b| (j, b))
            });
            let Some((j, b)) = earlier else { continue };
            let what = if a.sector != b.sector {
                Some("sector")
            } else if a.insurance != b.insurance {
                Some("policy terms (`insurance`)")
            } else {
                None
            };
            if let Some(what) = what {
                problems.push(at(
                    source,
                    doc,
                    format!("events[{i}].scenario"),
                    format!(
                        "the archetype `{}` has another {what} here than in event `{}`",
                        a.name, events[j].name
                    ),
                    "a catalogue's events share one book: give an archetype the same sector and \
                     policy in every event, or another name",
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<Problem> {
        match load_text("cat.ron", text) {
            Ok(_) => vec![],
            Err(e) => e.problems,
        }
    }

    fn one(text: &str) -> Problem {
        let found = problems(text);
        assert_eq!(found.len(), 1, "{found:?}");
        found.into_iter().next().unwrap()
    }

    #[test]
    fn the_built_in_catalogue_loads() {
        let c = load("vendor-failures").unwrap();
        assert!(c.events.len() >= 3);
        assert!(c.events.iter().all(|e| e.rate > 0.0));
    }

    #[test]
    fn a_negative_rate_is_reported_at_its_line_and_column() {
        let p = one(
            "(name: \"c\", events: [\n  (name: \"a\", scenario: \"hospital-tabletop\", rate: -0.5),\n])",
        );
        assert_eq!(p.file.as_deref(), Some("cat.ron"));
        let pos = p.position.unwrap();
        assert_eq!((pos.line, pos.col), (2, 52), "{p}");
        assert!(p.message.contains("below zero"), "{p}");
    }

    #[test]
    fn a_missing_event_file_is_reported_at_the_scenario_field() {
        let p = one("(name: \"c\", events: [(name: \"a\", scenario: \"nowhere.ron\", rate: 0.5)])");
        let pos = p.position.unwrap();
        assert_eq!((pos.line, pos.col), (1, 44), "{p}");
        assert!(p.message.contains("nowhere.ron"), "{p}");
    }

    #[test]
    fn a_bad_set_value_is_reported_at_the_entry() {
        let text = "(name: \"c\", events: [(name: \"a\", scenario: \"hospital-tabletop\", rate: \
                    0.5,\n  set: [\"fleet.harbour_health.insurance.take_up=1.5\"])])";
        let p = one(text);
        let pos = p.position.unwrap();
        assert_eq!((pos.line, pos.col), (2, 9), "{p}");
        assert!(p.message.contains("take_up") && p.message.contains("[0, 1]"), "{p}");
        let p = one(&text.replace("take_up=1.5", "take_upp=1"));
        assert!(p.message.contains("take_upp"), "{p}");
    }

    #[test]
    fn names_must_be_given_and_unique() {
        let found = problems(
            "(name: \" \", events: [(name: \"a\", scenario: \"hospital-tabletop\", rate: 0.5), \
             (name: \"a\", scenario: \"hospital-tabletop\", rate: 0.5)])",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[1].message.contains("also the name"));
        assert!(one("(name: \"c\", events: [])").message.contains("no events"));
    }

    /// Bad input never panics: the shipped catalogue cut short at every few bytes, and with
    /// characters replaced, is read or refused with problems, never a panic.
    #[test]
    fn a_damaged_catalogue_is_refused_never_a_panic() {
        let text = builtin::catalogue("vendor-failures")
            .unwrap()
            .replace("mid-market-book.ron", "hospital-tabletop");
        let cuts = (0..text.len()).step_by(37).filter(|&i| text.is_char_boundary(i));
        for i in cuts {
            let _ = load_text("cut.ron", &text[..i]);
        }
        let bytes: Vec<char> = text.chars().collect();
        for (k, replacement) in ['(', ')', '"', ',', '-', '9', ':', 'x'].iter().enumerate() {
            for at in (k * 13..bytes.len()).step_by(211) {
                let mut damaged = bytes.clone();
                damaged[at] = *replacement;
                let damaged: String = damaged.into_iter().collect();
                if let Err(e) = load_text("damaged.ron", &damaged) {
                    assert!(!e.problems.is_empty());
                }
            }
        }
    }

    #[test]
    fn events_sharing_an_archetype_must_give_it_the_same_policy() {
        let p = one(
            "(name: \"c\", events: [(name: \"a\", scenario: \"hospital-tabletop\", rate: 0.5), \
             (name: \"b\", scenario: \"hospital-tabletop\", rate: 0.5, set: \
             [\"fleet.harbour_health.insurance.take_up=0.5\"])])",
        );
        assert!(p.message.contains("harbour_health") && p.message.contains("policy"), "{p}");
    }
}
