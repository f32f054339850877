//! Property tests for reading scenarios: whatever the bytes, the parser, the validator and the
//! locator never panic, and every problem they report comes with a file and a hint.
//!
//! Three kinds of input: arbitrary bytes; the built-in scenarios (and the sector templates,
//! wrapped as archetypes) mutated a few times each (spans deleted or duplicated, characters
//! replaced by RON punctuation, truncation, fields inserted with odd values); and duration
//! strings. A mutated file that still validates must also round-trip through its resolved form.
//!
//! Case counts are tuned to keep this file under a minute in release mode; `PROPTEST_CASES`
//! overrides them.

use proptest::prelude::*;
use proptest::sample::Index;

use blastradius::scenario::{self, builtin, locate, raw, units::Duration};

/// Text that looks like a duration, often is one, and often is not.
const DURATION_LIKE: &str = "[ 0-9._e+-]{0,22}(ms|s|m|h|d|w|x|)[ 0-9.]{0,4}(ms|s|m|h|d|w|)";

/// `cases` in release builds, fewer in debug builds, or `PROPTEST_CASES` if set.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) { cases.div_ceil(8) } else { cases });
    ProptestConfig { cases, max_shrink_iters: 2_000, ..ProptestConfig::default() }
}

/// Field names of the file format, for insertions that look like real mistakes.
const FIELDS: &[&str] = &[
    "extends",
    "name",
    "description",
    "start",
    "horizon",
    "seed",
    "output_interval",
    "event_budget",
    "vendor",
    "endpoints",
    "remediation",
    "fleet",
    "contractor_pools",
    "policies",
    "injects",
    "outputs",
    "contents",
    "crashes",
    "class",
    "os",
    "probability",
    "rollout",
    "policy",
    "rings",
    "gates",
    "share",
    "bake",
    "signal",
    "threshold_count",
    "threshold_rate",
    "min_sample",
    "revert",
    "sector",
    "organisations",
    "size",
    "mean",
    "cv",
    "min",
    "max",
    "class_mix",
    "os_mix",
    "regions",
    "utc_offset_hours",
    "utc_offset",
    "sites",
    "count",
    "endpoint_share",
    "technician_share",
    "staff",
    "technicians_per_1000",
    "shifts",
    "from_hour",
    "to_hour",
    "days",
    "surge",
    "pool",
    "enabled",
    "services",
    "depends_on",
    "site",
    "required_share",
    "weight",
    "economics",
    "demand_weekday",
    "repair",
    "time",
    "at",
    "action",
    "to",
    "top_orgs",
    "horizn",
    "r#type",
];

/// Values of every kind, including ones no field accepts.
const VALUES: &[&str] = &[
    "0",
    "-1",
    "1.5",
    "-0.0",
    "1e400",
    "NaN",
    "inf",
    "-inf",
    "18446744073709551616",
    "4294967296",
    "\"x\"",
    "\"\"",
    "\"78m\"",
    "\"-5m\"",
    "\"99999999999999999999d\"",
    "\"0s\"",
    "[]",
    "{}",
    "()",
    "true",
    "Rings",
    "AllAtOnce",
    "All(2.0)",
    "All(-1.0)",
    "At(\"1ms\")",
    "Hours(15.0)",
    "Archetype(\"nobody\")",
    "Some(1)",
    "None",
    "'c'",
    "[(), ()]",
    "{ Workstation: 2.0 }",
    "(share: 0.5)",
    "[(name: \"a\", share: 1.0)]",
    "r#\"raw\"#",
];

/// Replacements of the same kind as the value they replace, so the file still parses and the
/// validator sees odd values.
const WHOLE_NUMBERS: &[&str] = &["0", "1", "2", "7", "24", "25", "255", "60001", "4294967295"];
const NUMBERS: &[&str] =
    &["0.0", "-0.0", "-1.0", "0.5", "1.0", "1.0000001", "1.5", "14.0", "-12.5", "1e9", "1e-9"];
const STRINGS: &[&str] = &[
    "\"\"",
    "\"0s\"",
    "\"1ms\"",
    "\"50d\"",
    "\"48d23h\"",
    "\"x\"",
    "\"*\"",
    "\"hq\"",
    "\"main-campus\"",
    "\"2024-02-30T00:00:00Z\"",
    "\"crowdstrike-2024\"",
    "\"1h30m\"",
];

const PUNCTUATION: &[char] = &[
    '(', ')', '{', '}', '[', ']', ',', ':', '"', '0', '-', '.', 'e', 'a', 'Z', '_', '/', '#', '\n',
    'é',
];

/// The texts mutations start from: every built-in scenario, and every sector template as the
/// only archetype of a small scenario.
fn seeds() -> Vec<(String, String)> {
    let mut seeds: Vec<(String, String)> = builtin::names()
        .into_iter()
        .map(|n| (format!("{n}.ron"), builtin::get(n).unwrap().to_string()))
        .collect();
    for sector in
        [raw::Sector::Airline, raw::Sector::Hospital, raw::Sector::Bank, raw::Sector::Retail]
    {
        let template = builtin::sector_template_text(sector);
        let wrapped = format!(
            "(\n    name: \"t\",\n    horizon: \"3d\",\n    fleet: {{ \"x\": {template} }},\n)\n"
        );
        seeds.push((format!("template-{sector:?}.ron"), wrapped));
    }
    seeds
}

/// A mutation; positions are taken modulo the length of the text they apply to.
#[derive(Clone, Debug)]
enum Mutation {
    Delete(usize, usize),
    Duplicate(usize, usize),
    Replace(usize, char),
    Truncate(usize),
    /// `name: value,` right after an opening bracket or a comma.
    InsertField(usize, &'static str, &'static str),
    /// `name: value,` anywhere.
    InsertAnywhere(usize, &'static str, &'static str),
    /// The value after a colon (a number, string or name) replaced: the syntax stays valid, so
    /// these reach validation.
    ReplaceValue(usize, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), 1..40usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        2 => (any::<usize>(), 1..60usize).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        4 => (any::<usize>(), prop::sample::select(PUNCTUATION))
            .prop_map(|(i, c)| Mutation::Replace(i, c)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        4 => (any::<usize>(), prop::sample::select(FIELDS), prop::sample::select(VALUES))
            .prop_map(|(i, f, v)| Mutation::InsertField(i, f, v)),
        1 => (any::<usize>(), prop::sample::select(FIELDS), prop::sample::select(VALUES))
            .prop_map(|(i, f, v)| Mutation::InsertAnywhere(i, f, v)),
        8 => (any::<usize>(), prop::sample::select(VALUES))
            .prop_map(|(i, v)| Mutation::ReplaceValue(i, v)),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for m in mutations {
        let len = chars.len();
        match m {
            Mutation::Delete(i, n) if len > 0 => {
                let at = i % len;
                chars.drain(at..(at + n).min(len));
            }
            Mutation::Duplicate(i, n) if len > 0 => {
                let at = i % len;
                let span: Vec<char> = chars[at..(at + n).min(len)].to_vec();
                chars.splice(at..at, span);
            }
            Mutation::Replace(i, c) if len > 0 => chars[i % len] = *c,
            Mutation::Truncate(i) if len > 0 => chars.truncate(i % len),
            Mutation::InsertField(i, f, v) => {
                let spots: Vec<usize> = chars
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| matches!(c, '(' | ','))
                    .map(|(k, _)| k + 1)
                    .collect();
                if !spots.is_empty() {
                    let at = spots[i % spots.len()];
                    chars.splice(at..at, format!(" {f}: {v},").chars());
                }
            }
            Mutation::InsertAnywhere(i, f, v) => {
                let at = i % (len + 1);
                chars.splice(at..at, format!("{f}: {v}").chars());
            }
            Mutation::ReplaceValue(i, v) => {
                let values: Vec<(usize, usize)> =
                    (0..len).filter_map(|k| scalar_after_colon(&chars, k)).collect();
                if !values.is_empty() {
                    let (from, to) = values[i % values.len()];
                    chars.splice(from..to, v.chars());
                }
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// Replaces the `i`-th number or string value (after a colon, or in a list) with one of the
/// same kind.
fn replace_typed(text: &str, i: usize, pick: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut values = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        // A value follows a colon, a comma or an opening bracket.
        let before = chars[..k].iter().rev().find(|c| **c != ' ');
        let starts_value = matches!(before, Some(':' | ',' | '['));
        if chars[k] == '"' {
            let end =
                chars[k + 1..].iter().position(|&c| c == '"').map_or(chars.len(), |p| k + 2 + p);
            if starts_value {
                values.push((k, end.min(chars.len()), STRINGS));
            }
            k = end;
            continue;
        }
        if chars[k] == '/' && chars.get(k + 1) == Some(&'/') {
            k += chars[k..].iter().position(|&c| c == '\n').unwrap_or(chars.len() - k);
            continue;
        }
        if starts_value && (chars[k].is_ascii_digit() || chars[k] == '-') {
            let len = chars[k..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
                .unwrap_or(chars.len() - k);
            let kind = if chars[k..k + len].contains(&'.') { NUMBERS } else { WHOLE_NUMBERS };
            values.push((k, k + len, kind));
            k += len;
            continue;
        }
        k += 1;
    }
    let Some(&(from, to, kind)) = values.get(i % values.len().max(1)) else {
        return text.to_string();
    };
    let mut out: Vec<char> = chars[..from].to_vec();
    out.extend(kind[pick % kind.len()].chars());
    out.extend(&chars[to..]);
    out.into_iter().collect()
}

/// If `chars[k]` is the colon of `key: value` and the value is a number, string or name, the
/// range of the value.
fn scalar_after_colon(chars: &[char], k: usize) -> Option<(usize, usize)> {
    if chars.get(k) != Some(&':') || chars.get(k + 1) != Some(&' ') {
        return None;
    }
    let from = k + 2;
    let first = *chars.get(from)?;
    let to = if first == '"' {
        from + 1 + chars[from + 1..].iter().position(|&c| c == '"')? + 1
    } else if first.is_alphanumeric() || first == '-' {
        from + chars[from..]
            .iter()
            .position(|&c| ",)]}\n(".contains(c))
            .unwrap_or(chars.len() - from)
    } else {
        return None;
    };
    // `At("78m")` and other enums with data are left alone.
    (chars.get(to) != Some(&'(')).then_some((from, to))
}

/// Loads and validates `text`, checking what must hold whatever the input.
fn check_reads(name: &str, text: &str) -> Result<(), TestCaseError> {
    let loaded = match scenario::load_text(name, text) {
        Ok(loaded) => loaded,
        Err(e) => return check_error(name, text, &e),
    };
    match loaded.validate() {
        Ok(_) => {
            // What validates round-trips through its resolved form.
            let printed = loaded.to_ron();
            let again = scenario::load_text("resolved.ron", &printed).map_err(|e| {
                TestCaseError::fail(format!("resolved form does not load: {e}\n{printed}"))
            })?;
            if let Err(e) = again.validate() {
                return Err(TestCaseError::fail(format!("resolved form does not validate: {e}")));
            }
            prop_assert_eq!(again.to_ron(), printed);
            Ok(())
        }
        Err(e) => check_error(name, text, &e),
    }
}

/// Every problem names a file and has a hint, and displays without panicking; a position in
/// the file read lies within it.
fn check_error(name: &str, text: &str, e: &scenario::ScenarioError) -> Result<(), TestCaseError> {
    prop_assert!(!e.problems.is_empty());
    for p in &e.problems {
        prop_assert!(p.file.is_some(), "no file: {}", p);
        if let (Some(file), Some(at)) = (&p.file, p.position)
            && file == name
        {
            let line = text.split('\n').nth(at.line.wrapping_sub(1));
            prop_assert!(line.is_some(), "line {} is past the end: {}", at.line, p);
            let width = line.unwrap_or("").chars().count();
            prop_assert!(
                (1..=width + 1).contains(&at.col),
                "column {} of {} chars: {}",
                at.col,
                width,
                p
            );
        }
        prop_assert!(p.hint.as_deref().is_some_and(|h| !h.is_empty()), "no hint: {}", p);
        prop_assert!(!p.message.is_empty(), "no message: {:?}", p);
    }
    let shown = e.to_string();
    prop_assert!(shown.contains("hint: "));
    Ok(())
}

/// Probes the locator at a few positions and with the paths of any problems.
fn probe_locate(text: &str, positions: &[(usize, usize)]) {
    for &(line, col) in positions {
        let pos = locate::Position { line, col };
        if let Some(path) = locate::path_at(text, pos) {
            let _ = locate::locate(text, &path);
            let _ = locate::locate_key(text, &path);
        }
        let _ = locate::token_at(text, pos);
        let _ = locate::token_before(text, pos);
    }
    let _ = locate::unclosed(text);
    if let Err(e) = scenario::load_text("probe.ron", text).and_then(|l| l.validate().map(|_| ())) {
        for p in e.problems {
            if let Some(path) = p.path {
                let _ = locate::locate(text, &path);
                let _ = locate::locate_key(text, &path);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        check_reads("fuzz.ron", &text)?;
        probe_locate(&text, &[(1, 1), (1, 5), (2, 3), (3, 1), (100, 100)]);
    }

    #[test]
    fn ron_like_text_never_panics(
        text in "[(){}\\[\\],: \n\"a-z0-9_.#!/*'-]{0,300}",
    ) {
        check_reads("fuzz.ron", &text)?;
        probe_locate(&text, &[(1, 1), (1, 7), (2, 2), (4, 9)]);
    }

    #[test]
    fn durations_parse_or_say_why(text in DURATION_LIKE) {
        match text.parse::<Duration>() {
            Ok(d) => prop_assert_eq!(d.to_string().parse::<Duration>(), Ok(d)),
            Err(e) => prop_assert!(e.contains(&text) || text.trim().is_empty(), "{}", e),
        }
    }
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn mutated_builtins_never_panic(
        seed in any::<Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
        positions in prop::collection::vec((1..400usize, 1..120usize), 4),
    ) {
        let seeds = seeds();
        let (name, text) = &seeds[seed.index(seeds.len())];
        let mutated = apply(text, &mutations);
        check_reads(name, &mutated)?;
        probe_locate(&mutated, &positions);
    }
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn odd_values_in_builtins_never_panic(
        seed in any::<Index>(),
        replacements in prop::collection::vec((any::<usize>(), any::<usize>()), 1..5),
    ) {
        let seeds = seeds();
        let (name, text) = &seeds[seed.index(seeds.len())];
        let mut mutated = text.clone();
        for (i, pick) in replacements {
            mutated = replace_typed(&mutated, i, pick);
        }
        check_reads(name, &mutated)?;
    }
}

/// The mutation helper does what it says, so the properties above test what they claim.
#[test]
fn mutations_apply() {
    let text = "(a: 1, b: 2)";
    assert_eq!(apply(text, &[Mutation::Delete(1, 3)]), "(1, b: 2)");
    assert_eq!(apply(text, &[Mutation::Delete(13, 3)]), "(1, b: 2)");
    assert_eq!(apply(text, &[Mutation::Duplicate(1, 2)]), "(a:a: 1, b: 2)");
    assert_eq!(apply(text, &[Mutation::Replace(4, '-')]), "(a: -, b: 2)");
    assert_eq!(apply(text, &[Mutation::Truncate(1)]), "(");
    assert_eq!(
        apply(text, &[Mutation::InsertField(1, "share", "1.5")]),
        "(a: 1, share: 1.5, b: 2)"
    );
    assert_eq!(apply(text, &[Mutation::InsertAnywhere(0, "x", "1")]), "x: 1(a: 1, b: 2)");
    assert_eq!(apply(text, &[Mutation::ReplaceValue(1, "\"x\"")]), "(a: 1, b: \"x\")");
    assert_eq!(
        apply("(a: \"q\", b: At(\"1h\"))", &[Mutation::ReplaceValue(0, "-1")]),
        "(a: -1, b: At(\"1h\"))"
    );
    assert_eq!(replace_typed("(a: 1, b: [2.5, \"x\"])", 0, 0), "(a: 0, b: [2.5, \"x\"])");
    assert_eq!(replace_typed("(a: 1, b: [2.5, \"x\"])", 1, 0), "(a: 1, b: [0.0, \"x\"])");
    assert_eq!(replace_typed("(a: 1, b: [2.5, \"x\"])", 2, 6), "(a: 1, b: [2.5, \"*\"])");
    assert_eq!(seeds().len(), builtin::names().len() + 4);
    for (name, text) in seeds() {
        let loaded = scenario::load_text(&name, &text).unwrap_or_else(|e| panic!("{name}: {e}"));
        loaded.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
