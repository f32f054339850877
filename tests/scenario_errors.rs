//! Bad scenario files, one mistake each, through the real binary: `blastradius validate FILE`
//! must exit with 2, print nothing on stdout, and say on stderr where the mistake is (file,
//! line, column), which field it is in, what is wrong and how to fix it (`hint:`).
//!
//! The files are in `tests/scenarios/bad/`. Each row gives the exact line and column of the
//! mistake and the text that starts there, so a position that drifts fails loudly.

use std::path::Path;
use std::process::{Command, Output};

use blastradius::scenario;

const DIR: &str = "tests/scenarios/bad";

/// One bad file and what its message must say.
struct Case {
    file: &'static str,
    /// Where the mistake is: the file it is in (if not `file` itself; `builtin:NAME` for a
    /// built-in), the line and column, and the text that starts there. None when the value
    /// comes from a default, so no file has a position for it.
    at: Option<(Option<&'static str>, usize, usize, &'static str)>,
    /// The field path, as the message prints it between backquotes.
    field: &'static str,
    /// Further words the message must contain.
    says: &'static [&'static str],
}

const fn case(
    file: &'static str,
    line: usize,
    col: usize,
    text: &'static str,
    field: &'static str,
    says: &'static [&'static str],
) -> Case {
    Case { file, at: Some((None, line, col, text)), field, says }
}

/// A mistake reported in another file than the one given on the command line.
const fn case_in(
    file: &'static str,
    in_file: &'static str,
    line: usize,
    col: usize,
    text: &'static str,
    field: &'static str,
    says: &'static [&'static str],
) -> Case {
    Case { file, at: Some((Some(in_file), line, col, text)), field, says }
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Syntax.
    case("syntax-missing-comma.ron", 4, 5, "horizon", "horizon", &["a comma is missing", "end of line 3"]),
    case("syntax-missing-paren.ron", 6, 5, "horizon", "vendor.horizon", &["unknown field `horizon` in Vendor", "a closing bracket is missing before it"]),
    case("syntax-stray-comma.ron", 6, 5, ",", "vendor", &["expected a field name"]),
    case("syntax-unclosed-list.ron", 4, 14, "[", "injects", &["the file ends before this `[` is closed", "add the missing `]`"]),
    // Unknown fields and values.
    case("unknown-field.ron", 4, 5, "horizn", "horizn", &["unknown field `horizn`", "did you mean `horizon`?"]),
    case("unknown-nested-field.ron", 6, 21, "technicans_per_1000", "fleet.community_hospital.staff.technicans_per_1000", &["in Staff", "did you mean `technicians_per_1000`?"]),
    case("unknown-sector.ron", 5, 28, "Hospitl", "fleet.clinic.sector", &["unknown value `Hospitl` for Sector", "did you mean `Hospital`?"]),
    case("inject-missing-field.ron", 4, 56, ")", "injects[0].action", &["the field `count` of AddTechnicians is missing", "add `count: ...`"]),
    // Types and units.
    case("wrong-type.ron", 4, 11, "\"twenty\"", "seed", &["expected a whole number, found `\"twenty\"`"]),
    case("negative-count.ron", 5, 37, "-3", "fleet.retailer.organisations", &["`-3` is out of range", "cannot be negative"]),
    case("duration-bad-unit.ron", 4, 25, "\"78x\"", "vendor.revert", &["unknown unit \"x\"", "ms, s, m, h, d or w"]),
    case("duration-bare-number.ron", 4, 14, "14", "horizon", &["the bare number 14 has no unit", "\"14d\""]),
    case("duration-negative.ron", 5, 35, "\"-5m\"", "vendor.rollout.reaction_delay", &["\"-5m\" is negative"]),
    // Values out of range.
    case("crash-probability-above-one.ron", 8, 74, "1.5", "vendor.contents[0].crashes[0].probability", &["1.5 is not a share or probability in [0, 1]"]),
    case("negative-staff.ron", 5, 62, "-5.0", "fleet.community_hospital.staff.technicians_per_1000", &["-5 is negative"]),
    case("policy-negative-staff.ron", 4, 42, "-2.0", "policies.technicians_per_1000", &["-2 is negative"]),
    case("bad-utc-offset.ron", 8, 59, "15.0", "fleet.clinic.regions[0].utc_offset_hours", &["UTC offset 15", "[-12, 14]"]),
    case("horizon-too-long.ron", 4, 14, "\"50d\"", "horizon", &["\"50d\" is longer than the 49d"]),
    case("start-not-rfc3339.ron", 4, 12, "\"19/07/2024\"", "start", &["not an RFC 3339 date-time", "2024-07-19T04:09:00Z"]),
    case("shift-hours-out-of-order.ron", 6, 30, "(days: Weekdays", "fleet.business.staff.shifts[0]", &["hours 17 to 9"]),
    // Shares that must add up to 1.
    case("ring-shares-above-one.ron", 7, 20, "[(name: \"canary\"", "vendor.rollout.rings", &["add up to 1.2, not 1"]),
    case("ring-shares-below-one.ron", 7, 20, "[\n", "vendor.rollout.rings", &["add up to 0.6, not 1"]),
    case("class-mix-sum.ron", 6, 24, "{ Workstation", "fleet.retailer.class_mix", &["add up to 0.9, not 1"]),
    case("base-with-bad-mix.ron", 8, 24, "{ Workstation: 0.8", "fleet.office.class_mix", &["add up to 1.1, not 1"]),
    // A value left to its default, in a list element the file sets.
    case("ring-share-default.ron", 9, 17, "(name: \"rest\")", "vendor.rollout.rings[1].share", &["share 0 holds no one", "`share` is not set here, so it has its default"]),
    // Rollout policy and rings.
    case("rings-policy-without-rings.ron", 5, 41, "[]", "vendor.rollout.rings", &["policy Rings needs at least one ring"]),
    case("rings-with-all-at-once.ron", 7, 20, "[(name: \"canary\"", "vendor.rollout.rings", &["rings are listed but the policy is AllAtOnce", "set policy: Rings"]),
    // Crash rules.
    case("duplicate-crash-rule.ron", 9, 21, "(class: Workstation, os: Windows, probability: 0.5)", "vendor.contents[0].crashes[1]", &["Workstation on Windows already has a crash rule (crashes[0])"]),
    // extends.
    case_in("extends-cycle-a.ron", "extends-cycle-b.ron", 4, 14, "\"extends-cycle-a.ron\"", "extends", &[
        "goes round in a cycle: tests/scenarios/bad/extends-cycle-a.ron -> tests/scenarios/bad/extends-cycle-b.ron -> tests/scenarios/bad/extends-cycle-a.ron",
    ]),
    case_in("extends-cycle-b.ron", "extends-cycle-a.ron", 3, 14, "\"extends-cycle-b.ron\"", "extends", &["goes round in a cycle"]),
    case("extends-self.ron", 3, 14, "\"extends-self.ron\"", "extends", &[
        "goes round in a cycle: tests/scenarios/bad/extends-self.ron -> tests/scenarios/bad/extends-self.ron",
    ]),
    case("extends-missing-base.ron", 4, 14, "\"no-such-base.ron\"", "extends", &[
        "no scenario file or built-in named \"no-such-base.ron\" (looked for tests/scenarios/bad/no-such-base.ron)",
        "crowdstrike-2024",
    ]),
    case_in("extends-bad-base.ron", "base-with-bad-mix.ron", 8, 24, "{ Workstation: 0.8", "fleet.office.class_mix", &["add up to 1.1, not 1"]),
    // The fleet and what refers to it.
    case("empty-fleet.ron", 5, 12, "{}", "fleet", &["the fleet is empty"]),
    case("dependency-unknown-site.ron", 7, 68, "\"warehouse\"", "fleet.retailer.services[0].depends_on[0].site", &["no site kind named \"warehouse\"", "one of: hq, store"]),
    case("template-site-missing.ron", 6, 21, "Hospital", "fleet.clinic.services[0].depends_on[0].site", &[
        "no site kind named \"main-campus\" (from the Hospital sector template)",
        "set `services` in `fleet.clinic`",
    ]),
    case("surge-unknown-pool.ron", 6, 50, "\"big-four\"", "fleet.global_bank.staff.surge.pool", &["no contractor pool named \"big-four\"", "contractor_pools"]),
    case("inject-unknown-archetype.ron", 5, 57, "\"hospitals\")", "injects[0].action.to", &["no archetype named \"hospitals\"", "community_hospital"]),
    case("inject-after-horizon.ron", 6, 14, "\"8d\"", "injects[0].at", &["\"8d\" is at or after the horizon"]),
    // Issue 15: what a hostile user found passing or placed nowhere.
    case("duplicate-archetype.ron", 6, 9, "\"harbour_health\": (organisations: 3)", "fleet.harbour_health", &["`harbour_health` is set twice here (first at line 5, column 9)", "only the last would be used"]),
    case("duplicate-pool.ron", 6, 9, "\"surge\"", "contractor_pools.surge", &["`surge` is set twice here", "rename one"]),
    case("duplicate-mix-class.ron", 4, 77, "Workstation: 0.3", "fleet.harbour_health.class_mix.Workstation", &["set twice here (first at line 4, column 46)"]),
    case("duplicate-service.ron", 7, 20, "\"ehr\", depends_on: [(class: Workstation)]", "fleet.harbour_health.services[1].name", &["two services are named \"ehr\"", "its own name"]),
    case("money-overflow-wage.ron", 4, 56, "1e308", "fleet.harbour_health.staff.wage_hour_usd", &["1e308 USD is more than the 1,000,000,000 USD", "US dollars per hour"]),
    case("money-overflow-revenue.ron", 4, 76, "1e308", "fleet.harbour_health.economics.revenue_per_endpoint_hour_usd", &["1e308 USD is more than"]),
    case("huge-factor.ron", 4, 68, "1e300", "fleet.harbour_health.economics.users_per_workstation", &["1e300 is too large: at most 1e12"]),
    case("inject-count-wraps.ron", 4, 65, "4294967295", "injects[0].action.count", &["4294967295 technicians is more than the 1,000,000 one decision may add"]),
    case("empty-archetype-key.ron", 4, 18, "(organisations: 2)", "fleet.\"\"", &["archetype name \"\" must be letters, digits"]),
    // The exercise script (a tabletop lesson).
    case("exercise-cue-after-horizon.ron", 5, 14, "\"8d\"", "exercise.script[0].at", &["\"8d\" is at or after the horizon, so it would never be shown"]),
    case("exercise-suggest-unknown-target.ron", 6, 48, "\"clinics\")", "exercise.script[0].suggest.to", &["no archetype named \"clinics\"", "harbour_health"]),
    case("exercise-question-without-text.ron", 5, 9, "(at:", "exercise.script[0].text", &["the question has no text", "write what the room hears"]),
    case("exercise-unknown-kind.ron", 5, 26, "Quiz", "exercise.script[0].kind", &["unknown value `Quiz`", "Inject, Question"]),
    case("lazy-two-contents.ron", 4, 33, "true", "fleet.business.lazy", &["a lazy fleet takes a single content version", "keep one content version"]),
    // A value from a built-in that the file's change makes wrong.
    case_in("default-output-interval.ron", "builtin:crowdstrike-2024", 35, 22, "\"15m\"", "output_interval", &["\"15m\" is longer than the horizon \"1m\""]),
    // A default value: no position, but the file and the field.
    Case {
        file: "default-value-standalone.ron",
        at: None,
        field: "output_interval",
        says: &["is longer than the horizon \"1m\"", "not set in the file, so it has its default"],
    },
];

fn validate(arg: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blastradius"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["validate", arg])
        .output()
        .expect("the binary runs")
}

/// The text of a file in the bad-scenario folder, or of a built-in.
fn text_of(file: &str) -> String {
    match file.strip_prefix("builtin:") {
        Some(name) => scenario::builtin::get(name).expect("a built-in").to_string(),
        None => {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR).join(file);
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        }
    }
}

/// The text from 1-based `line` and `col` (in chars) to the end of the file.
fn text_at(text: &str, line: usize, col: usize) -> String {
    let start: usize = text.split_inclusive('\n').take(line - 1).map(str::len).sum();
    text[start..].chars().skip(col - 1).collect()
}

/// Checks the exit code, the silence on stdout and the shape of stderr common to every bad
/// input; returns stderr.
fn assert_rejected(arg: &str, output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{arg}: exit code; stderr:\n{stderr}");
    assert!(output.stdout.is_empty(), "{arg}: stdout should be empty, got:\n{}", {
        String::from_utf8_lossy(&output.stdout)
    });
    assert!(stderr.starts_with("error: "), "{arg}: stderr should start with `error: `:\n{stderr}");
    assert!(stderr.contains("\n  hint: "), "{arg}: no hint in:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{arg}: panicked:\n{stderr}");
    stderr
}

#[test]
fn the_table_covers_enough_mistakes() {
    assert!(CASES.len() >= 20, "{} cases", CASES.len());
    // Every file in the folder is in the table, and every row has its file.
    let mut on_disk: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".ron"))
            .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CASES.iter().map(|c| c.file.to_string()).collect();
    listed.sort();
    listed.dedup();
    assert_eq!(listed, on_disk);
}

#[test]
fn each_bad_file_is_rejected_at_its_line_and_column_naming_its_field() {
    let mut failures = Vec::new();
    for c in CASES {
        let arg = format!("{DIR}/{}", c.file);
        let output = validate(&arg);
        let stderr = assert_rejected(&arg, &output);
        let mut expect = Vec::new();
        match c.at {
            Some((in_file, line, col, there)) => {
                let where_ = in_file.unwrap_or(c.file);
                let shown = if where_.starts_with("builtin:") {
                    where_.to_string()
                } else {
                    format!("{DIR}/{where_}")
                };
                expect.push(format!("{shown}:{line}:{col}: `{}`: ", c.field));
                // The position really is where the mistake is.
                let found = text_at(&text_of(where_), line, col);
                assert!(
                    found.starts_with(there),
                    "{}: {line}:{col} in {where_} starts with {:?}, not {there:?}",
                    c.file,
                    found.chars().take(30).collect::<String>()
                );
            }
            None => expect.push(format!("error: {DIR}/{}: `{}`: ", c.file, c.field)),
        }
        expect.extend(c.says.iter().map(|s| s.to_string()));
        for e in &expect {
            if !stderr.contains(e.as_str()) {
                failures.push(format!("{}: expected {e:?} in:\n{stderr}", c.file));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The library gives every problem a field path and a hint, and every problem in a file a
/// position, not just the first.
#[test]
fn every_problem_has_a_field_and_a_hint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR);
    for c in CASES {
        let path = root.join(c.file);
        // A tabletop lesson is checked when a tabletop (or `validate`) asks for it.
        let err = match scenario::read(&path.display().to_string()) {
            Ok((loaded, spec)) => match loaded.exercise(&spec) {
                Ok(_) => panic!("{} validated", c.file),
                Err(e) => e,
            },
            Err(e) => e,
        };
        assert!(!err.problems.is_empty(), "{}", c.file);
        for p in &err.problems {
            assert!(p.path.is_some(), "{}: no field in {p}", c.file);
            assert!(p.hint.as_deref().is_some_and(|h| !h.is_empty()), "{}: no hint in {p}", c.file);
            assert!(p.file.is_some(), "{}: no file in {p}", c.file);
            assert_eq!(p.position.is_some(), c.at.is_some(), "{}: position of {p}", c.file);
        }
    }
}

#[test]
fn a_missing_scenario_file_is_bad_input() {
    let arg = format!("{DIR}/does-not-exist.ron");
    let stderr = assert_rejected(&arg, &validate(&arg));
    assert!(stderr.contains(&format!("error: {arg}: ")), "{stderr}");
    assert!(stderr.contains("no such file, and no built-in scenario has this name"), "{stderr}");
    assert!(stderr.contains("crowdstrike-2024"), "the hint lists the built-ins: {stderr}");
}

#[test]
fn a_directory_is_not_a_scenario() {
    let stderr = assert_rejected(DIR, &validate(DIR));
    assert!(stderr.contains(&format!("\"{DIR}\" is a directory, not a scenario file")), "{stderr}");
    assert!(stderr.contains("hint: give the path of a .ron file in it"), "{stderr}");
}

#[test]
fn an_unknown_builtin_is_bad_input() {
    let stderr = assert_rejected("crowdstrike-2042", &validate("crowdstrike-2042"));
    assert!(stderr.contains("error: crowdstrike-2042: no such file, and no built-in"), "{stderr}");
}

/// Files made in the test: empty, binary, other encodings, and the hostile sizes of issue 15
/// (a file far over the limit, parsing that amplifies memory). Each row: the name, the bytes,
/// and what the message must say, position included.
#[test]
fn empty_binary_oversize_and_mis_encoded_files_are_bad_input() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scenario_errors");
    std::fs::create_dir_all(&dir).unwrap();
    let lists =
        |n: usize| format!("(name: \"x\", description: [{}])", "[],".repeat(n)).into_bytes();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend("(name: \"x\")".encode_utf16().flat_map(u16::to_le_bytes));
    let mut long_string = b"(name: \"x\",\n description: \"".to_vec();
    long_string.resize(2 << 20, b'a');
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.ron", b"".to_vec(), ":1:1: the file has no scenario in it"),
        (
            "comments.ron",
            b"// just a comment\n/* and another */\n".to_vec(),
            ":1:1: the file has no scenario in it",
        ),
        (
            "latin1.ron",
            b"(name: \"caf\xe9\")".to_vec(),
            ":1:12: \"PATH\" is not UTF-8 text: the byte 0xE9 at byte offset 11",
        ),
        (
            "bad-byte.ron",
            b"(name: \"ok\",\n description: \"bad \xff byte\")".to_vec(),
            ":2:20: \"PATH\" is not UTF-8 text: the byte 0xFF at byte offset 32",
        ),
        ("utf16.ron", utf16, ":1:1: \"PATH\" is not UTF-8 text: it is UTF-16"),
        // A byte-order mark is dropped: positions are an editor's, and the file reads.
        (
            "bom.ron",
            b"\xef\xbb\xbf(name: \"x\", horizn: \"1d\")".to_vec(),
            ":1:13: `horizn`: unknown field `horizn`",
        ),
        // 48 MiB of nested lists: the type error at its place, not 20 s and an abort.
        ("amplify-48mib.ron", lists(16 << 20), ":1:26: `description`: expected a string"),
        ("amplify-3mib.ron", lists(1 << 20), ":1:26: `description`: expected a string"),
        // Values that parse: refused where the limit is reached.
        (
            "many-tools.ron",
            format!("(name: \"x\", remediation: [{}])", "(),".repeat(200_000)).into_bytes(),
            ":1:100019: the scenario holds more than 100,000 values",
        ),
        ("long-string.ron", long_string, ":2:15: the file is larger than 1 MiB"),
    ];
    for (name, bytes, says) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let arg = path.display().to_string();
        let stderr = assert_rejected(&arg, &validate(&arg));
        let says = says.replace("PATH", &arg);
        assert!(stderr.contains(&format!("error: {arg}")), "{stderr}");
        assert!(stderr.contains(&says), "{name}: expected {says:?} in:\n{stderr}");
        std::fs::remove_file(&path).unwrap();
    }
}
