//! Observations files: parsing, every error at its line and column, and resolution against
//! runs. Cases are data: one file (or one observation in a small file) per row.

// Compiled only for tests, as its declaration in `observations.rs` says too.
#![cfg(test)]

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
type FileCase =
    (&'static [&'static str], usize, usize, &'static str, &'static str, &'static [&'static str]);

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
        applies(&[NAME, FIGURE, AT, &format!("scenarios: [\"other\", \"{name}\"],"), BAND, SOURCE]);
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
