//! Issue 15's reproducers, each a case: what a hostile user found (oversize worlds, negative
//! flags, report folders that were half-written, mixed or someone else's, names that became
//! paths, spreadsheet formulas, resume files trusted as they were, terminal control
//! characters, an exceeded event budget). Every case exits 2 with the flag or the file named
//! and a hint, leaves nothing half-made and overwrites nothing of the user's.
//!
//! The scenario files' own errors (duplicate keys, money limits, encodings, huge files) are
//! cases of `scenario_errors.rs`; killed commands are `kill.rs`'s; the peak memory of
//! refused commands is `limits.rs`'s.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_blastradius")
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("blastradius-hardening-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin()).args(args).current_dir(dir).stdin(Stdio::null()).output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs a command that must be refused: exit 2, `says` and a hint on stderr, nothing on
/// stdout, and the folder `dir` as it was (no file added or changed).
fn refused(dir: &Path, args: &[&str], says: &str) -> String {
    let before = listing(dir);
    let o = run_in(dir, args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(says), "{args:?}: expected {says:?} in\n{stderr}");
    assert!(
        stderr.contains("hint:") || stderr.contains("For more information, try '--help'"),
        "{args:?}: no hint in\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(o.stdout.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&o.stdout));
    let after = listing(dir);
    if after != before {
        let paths = |l: &[(PathBuf, Vec<u8>)]| l.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
        panic!("{args:?} changed the folder: {:?} became {:?}", paths(&before), paths(&after));
    }
    stderr
}

/// Every file under `dir` with its bytes, for before-and-after comparisons.
fn listing(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.push((p.clone(), Vec::new()));
                stack.push(p);
            } else {
                out.push((p.clone(), fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

/// Issue 15, item 14: negative flag values got clap's `unexpected argument '-1' found`,
/// without the flag's name, and a wrong tip to use `-- -1`.
#[test]
fn negative_flag_values_name_their_flag() {
    let dir = scratch("negative");
    let h = "hospital-tabletop";
    let set = "--set=vendor.revert=1h,2h";
    for (args, flag) in [
        (vec!["run", h, "--reps", "-1"], "--reps"),
        (vec!["run", h, "--threads", "-1"], "--threads"),
        (vec!["run", h, "--seed", "-1"], "--seed"),
        (vec!["compare", h, h, "--reps", "-1"], "--reps"),
        (vec!["compare", h, h, "--threads", "-2"], "--threads"),
        (vec!["compare", h, h, "--seed", "-5"], "--seed"),
        (vec!["sweep", h, set, "--reps", "-1"], "--reps"),
        (vec!["sweep", h, set, "--threads", "-1"], "--threads"),
        (vec!["sweep", h, set, "--seed", "-1"], "--seed"),
        (vec!["sweep", h, set, "--design", "lhs", "--samples", "-3"], "--samples"),
        (vec!["sweep", h, set, "--shard", "-1/2"], "--shard -1/2"),
        (vec!["tabletop", h, "--step", "-1h"], "--step -1h"),
        (vec!["tabletop", h, "--seed", "-1"], "--seed"),
        (vec!["tabletop", h, "--threads", "-1"], "--threads"),
        (vec!["bench", "phold", "--lps", "-1"], "--lps"),
        (vec!["bench", "phold", "--events-per-lp", "-1"], "--events-per-lp"),
        (vec!["bench", "phold", "--remote", "-0.5"], "--remote -0.5"),
        (vec!["bench", "phold", "--lookahead", "-1"], "--lookahead -1"),
        (vec!["bench", "phold", "--mean", "-1"], "--mean -1"),
        (vec!["bench", "phold", "--end", "-1"], "--end -1"),
        (vec!["bench", "phold", "--threads", "-1"], "--threads"),
        (vec!["bench", "phold", "--seed", "-1"], "--seed"),
        (vec!["bench", "model", h, "--threads", "-1"], "--threads"),
        (vec!["bench", "model", h, "--replication", "-1"], "--replication"),
    ] {
        let stderr = refused(&dir, &args, flag);
        assert!(!stderr.contains("unexpected argument"), "{args:?}: {stderr}");
        assert!(!stderr.contains("-- -1"), "{args:?}: {stderr}");
    }
    fs::remove_dir_all(&dir).unwrap();
}

/// A small scenario file in `dir`.
fn scenario(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

/// Issue 15, items 1 and 2: a file within every limit described 4 billion endpoints and
/// aborted after 25-43 s building them; PHOLD and sweep grids the same. Each is refused at
/// once with the estimate, the limit and a hint, and nothing is written.
#[test]
fn what_cannot_fit_in_memory_is_refused_before_anything_is_built() {
    let dir = scratch("oversize");
    let billions = scenario(
        &dir,
        "billions.ron",
        "(extends: \"hospital-tabletop\", name: \"billions\", fleet: { \"harbour_health\": (organisations: 1000000) })",
    );
    let giants = scenario(
        &dir,
        "giants.ron",
        "(extends: \"hospital-tabletop\", name: \"giants\", fleet: { \"harbour_health\": (organisations: 10000, size: (mean: 20000000.0, cv: 0.1, min: 20000000, max: 20000000)) })",
    );
    let dense = scenario(
        &dir,
        "dense.ron",
        "(extends: \"hospital-tabletop\", name: \"dense\", horizon: \"2d\", output_interval: \"1s\")",
    );
    let h = "hospital-tabletop";
    for (args, says) in [
        (vec!["run", s(&billions)], "this run needs about"),
        (vec!["run", s(&billions)], "4,000,000,000 endpoints in 1,000,000 organisations"),
        (vec!["compare", h, s(&billions), "--reps", "1"], "this comparison needs about"),
        (vec!["tabletop", s(&billions)], "this session needs about"),
        (vec!["bench", "model", s(&billions)], "this world needs about"),
        (vec!["sweep", s(&billions), "--set", "vendor.revert=1h,2h"], "this sweep needs about"),
        (
            vec!["bench", "phold", "--lps", "100000000", "--events-per-lp", "100"],
            "this benchmark needs about 456.0 GiB",
        ),
        // A dense series over many replications: more than the flag allows.
        (
            vec!["run", h, "--reps", "300", "--memory-limit", "50MB"],
            "that --memory-limit 50MB allows",
        ),
        // A sweep plan with more rows than fit.
        (
            vec![
                "sweep",
                h,
                "--set",
                "vendor.revert=1h..2h:1000",
                "--reps",
                "100000",
                "--memory-limit",
                "1GiB",
            ],
            "100,000,000 rows of runs.csv",
        ),
        (
            vec!["sweep", h, "--set", "vendor.revert=1h..2h:4000000000"],
            "more than the 1000000 points a sweep may have",
        ),
        (
            vec![
                "sweep",
                h,
                "--set",
                "vendor.revert=1h..2h:1001",
                "--set",
                "vendor.telemetry.latency=1m..2m:1000",
            ],
            "the grid has more than 1000000 points (1001 x 1000)",
        ),
        (vec!["run", h, "--memory-limit", "lots"], "--memory-limit lots"),
        // The issue's dense world: one-second samples over two days, 300 replications
        // (17 GiB by the estimate, 10.7 GiB measured); the limit is given so that the case
        // does not depend on the machine's memory.
        (
            vec!["run", s(&dense), "--reps", "300", "--memory-limit", "8GiB"],
            "timeseries.csv (51,840,300 rows)",
        ),
    ] {
        let stderr = refused(&dir, &args, says);
        if says.contains("needs about") {
            assert!(stderr.contains(" bytes) of memory, more than the"), "{args:?}: {stderr}");
        }
    }
    // `giants.ron` is the second world of the issue: 10,000 organisations of 20 million.
    let stderr = refused(&dir, &["run", s(&giants)], "this run needs about");
    assert!(stderr.contains("200,000,000,000 endpoints"), "{stderr}");
    fs::remove_dir_all(&dir).unwrap();
}

fn ok_in(dir: &Path, args: &[&str]) -> String {
    let o = run_in(dir, args);
    assert!(o.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn seed_of(dir: &Path) -> u64 {
    let text = fs::read_to_string(dir.join("summary.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["seed"].as_u64().unwrap()
}

/// Issue 15, items 6 and 7: a user's own `summary.json` in `--out` was overwritten
/// silently, and an earlier run's charts survived into a new report. Now a folder that is not
/// a report is refused (unless `--force`), and a previous report is replaced whole.
#[test]
fn an_existing_out_folder_is_replaced_whole_or_refused() {
    let dir = scratch("existing");
    let out = dir.join("out");
    let h = "hospital-tabletop";
    // The user's own files.
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("summary.json"), "{\"my\": \"notes\"}").unwrap();
    let stderr =
        refused(&dir, &["run", h, "--out", s(&out), "--quiet"], "is not a blastradius report");
    assert!(stderr.contains("--force"), "{stderr}");
    for args in [
        vec!["compare", h, h, "--reps", "2", "--out", s(&out)],
        vec!["sweep", h, "--set", "vendor.revert=1h,2h", "--out", s(&out)],
        vec!["tabletop", h, "--out", s(&out)],
    ] {
        refused(&dir, &args, "is not a blastradius report");
    }
    // --force replaces anything.
    ok_in(&dir, &["run", h, "--reps", "3", "--out", s(&out), "--quiet", "--force"]);
    assert!(out.join("loss_distribution.svg").is_file());
    // A previous report is replaced whole: one replication has no loss distribution, and
    // the earlier one's does not survive beside it.
    ok_in(&dir, &["run", h, "--reps", "1", "--seed", "3", "--out", s(&out), "--quiet"]);
    assert!(!out.join("loss_distribution.svg").exists());
    assert_eq!(seed_of(&out), 3);
    assert_eq!(names(&dir), ["out"], "no staging folder is left beside it");
    // A file in the way.
    let file = dir.join("file");
    fs::write(&file, "mine").unwrap();
    refused(&dir, &["run", h, "--out", s(&file)], "is not a folder");
    assert_eq!(fs::read(&file).unwrap(), b"mine");
    fs::remove_dir_all(&dir).unwrap();
}

/// Runs a command whose files may not grow past `bytes` (`RLIMIT_FSIZE`, with `SIGXFSZ`
/// ignored, so a write that would pass it fails with `EFBIG` as one on a full disk fails).
fn with_full_disk(dir: &Path, args: &[&str], bytes: u64) -> Output {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(bin());
    command.args(args).current_dir(dir).stdin(Stdio::null());
    // SAFETY: between fork and exec only async-signal-safe calls, on plain data.
    unsafe {
        command.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.output().unwrap()
}

/// Issue 15, item 6: a full disk left partial folders. A write that fails while a report is
/// written for want of room refuses the command (exit 2, the file named, a hint) and leaves
/// the previous report as it was, with no staging folder beside it.
#[test]
fn a_full_disk_leaves_the_previous_report_whole() {
    let dir = scratch("full-disk");
    let h = "hospital-tabletop";
    for base in [vec!["run", h, "--reps", "3"], vec!["compare", h, h, "--reps", "3"]] {
        let with = |seed: &'static str| {
            let mut args = base.clone();
            args.extend(["--seed", seed, "--quiet", "--out", "out"]);
            args
        };
        let _ = fs::remove_dir_all(dir.join("out"));
        ok_in(&dir, &with("1"));
        let before = listing(&dir);
        // 20 KB: the first chart or table that is larger fails.
        let o = with_full_disk(&dir, &with("2"), 20_000);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{base:?}: {stderr}");
        assert!(stderr.contains("error: writing out/"), "{base:?}: {stderr}");
        assert!(stderr.contains("File too large"), "{base:?}: {stderr}");
        assert!(stderr.contains("hint: a file would pass the size limit"), "{base:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(listing(&dir) == before, "{base:?}: the folder changed: {:?}", names(&dir));
        assert_eq!(seed_of(&dir.join("out")), 1);
    }
    fs::remove_dir_all(&dir).unwrap();
}

/// Issue 15, item 2: a sweep of a million points validated every point before running
/// anything, with no folder yet, so nothing of that time could resume. The plan is streamed:
/// the folder and its first runs appear at once, and an interrupted sweep leaves them, whole,
/// to resume from.
#[test]
fn a_million_point_sweep_starts_at_once_and_leaves_what_it_ran() {
    let dir = scratch("streamed");
    let mut child = Command::new(bin())
        .args([
            "sweep",
            "hospital-tabletop",
            "--set",
            "vendor.revert=1h..2h:1000000",
            "--threads",
            "1",
            "--quiet",
            "--out",
            "big",
        ])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let runs = dir.join("big/runs.csv");
    let rows =
        || fs::read_to_string(&runs).map_or(0, |t| t.matches('\n').count().saturating_sub(1));
    let started = std::time::Instant::now();
    // Generous for a loaded machine; unloaded, the first runs are in within a second.
    while rows() < 3 && started.elapsed() < std::time::Duration::from_secs(60) {
        assert!(child.try_wait().unwrap().is_none(), "the sweep ended");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: `kill` on the child's own id, which has not been waited for.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = child.wait().unwrap();
    assert!(rows() >= 3, "no runs written in {:?}", started.elapsed());
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert!(dir.join("big/sweep.json").is_file());
    let text = fs::read_to_string(&runs).unwrap();
    assert!(text.ends_with('\n'), "a partial row");
    assert_eq!(names(&dir), ["big"], "no staging folder is left beside it");
    fs::remove_dir_all(&dir).unwrap();
}

/// Issue 15, item 8: `name: "/some/absolute/path"` wrote the report there; `"../escaped"`
/// failed with a misleading message; and `--out a/newdir/../o3` was refused.
#[test]
fn scenario_names_become_safe_folder_names_under_reports() {
    let dir = scratch("names");
    let absolute = dir.join("some-absolute-path-target");
    let named = |file: &str, name: &str| {
        scenario(&dir, file, &format!("(extends: \"hospital-tabletop\", name: {name:?})"))
    };
    let a = named("absolute.ron", &format!("{}", absolute.display()));
    let b = named("escaped.ron", "../escaped");
    ok_in(&dir, &["run", s(&a), "--quiet"]);
    assert!(!absolute.exists(), "the name was used as a path");
    let expected = dir
        .join("reports")
        .join(absolute.display().to_string().trim_start_matches('/').replace('/', "-"));
    assert!(expected.join("summary.json").is_file(), "{:?}", names(&dir.join("reports")));
    ok_in(&dir, &["run", s(&b), "--quiet"]);
    assert!(dir.join("reports/escaped/summary.json").is_file());
    assert!(!dir.join("escaped").exists());
    fs::create_dir_all(dir.join("a")).unwrap();
    ok_in(&dir, &["run", "hospital-tabletop", "--quiet", "--out", "a/newdir/../o3"]);
    assert!(dir.join("a/o3/summary.json").is_file());
    fs::remove_dir_all(&dir).unwrap();
}

/// Issue 15, item 9: a scenario named `=HYPERLINK(...)` or `+1+cmd|...` landed as the first
/// cell of `compare.csv`, which a spreadsheet evaluates.
#[test]
fn user_strings_reach_csv_files_as_text_not_formulas() {
    let dir = scratch("formula");
    let mut args = vec!["compare".to_string()];
    for (i, name) in
        ["=HYPERLINK(\"http://evil/\",\"click\")", "+1+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]
            .iter()
            .enumerate()
    {
        let path = scenario(
            &dir,
            &format!("s{i}.ron"),
            &format!("(extends: \"hospital-tabletop\", name: {name:?})"),
        );
        args.push(s(&path).to_string());
    }
    args.extend(["--reps", "2", "--quiet", "--out", "cmp"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok_in(&dir, &args);
    let csv = fs::read_to_string(dir.join("cmp/compare.csv")).unwrap();
    for line in csv.lines().skip(1) {
        let first = line.trim_start_matches('"');
        assert!(first.starts_with('\''), "a formula cell: {line}");
    }
    fs::remove_dir_all(&dir).unwrap();
}

/// A finished two-point, two-replication sweep in `out`.
fn small_sweep(dir: &Path, out: &str, extra: &[&str]) {
    let mut args = vec![
        "sweep",
        "hospital-tabletop",
        "--set",
        "vendor.revert=1h,2h",
        "--reps",
        "2",
        "--quiet",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    ok_in(dir, &args);
}

/// Issue 15, item 10: resume trusted `runs.csv`: a duplicated row was kept, rows of a
/// default-seed sweep were reused for `--seed 5` once `sweep.json` was gone, and a non-UTF-8
/// `runs.csv` or a folder in its place failed with no file named.
#[test]
fn a_resumed_sweep_trusts_nothing_it_did_not_just_write() {
    let dir = scratch("resume");
    let sweep = |extra: &[&str]| {
        let mut args = vec![
            "sweep",
            "hospital-tabletop",
            "--set",
            "vendor.revert=1h,2h",
            "--reps",
            "2",
            "--out",
            "sw",
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let case = |prepare: &dyn Fn(&Path), extra: &[&str], says: &str| {
        let _ = fs::remove_dir_all(dir.join("sw"));
        small_sweep(&dir, "sw", &[]);
        prepare(&dir.join("sw"));
        let args = sweep(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&dir, &args, says);
    };
    let runs = |p: &Path| p.join("runs.csv");
    case(
        &|p| {
            let text = fs::read_to_string(runs(p)).unwrap();
            let second = text.lines().nth(1).unwrap().to_string();
            fs::write(runs(p), format!("{text}{second}\n")).unwrap();
        },
        &[],
        "runs.csv: line 6: the run (point 0, replication 0) is already at line 2",
    );
    case(
        &|p| fs::remove_file(p.join("sweep.json")).unwrap(),
        &["--seed", "5"],
        "runs.csv: there is no sweep.json beside it",
    );
    case(
        &|p| {
            let mut bytes = fs::read(runs(p)).unwrap();
            let at = bytes.len() - 3;
            bytes[at] = 0xFF;
            fs::write(runs(p), bytes).unwrap();
        },
        &[],
        "runs.csv: line 5: not UTF-8 text",
    );
    case(
        &|p| {
            fs::remove_file(runs(p)).unwrap();
            fs::create_dir(runs(p)).unwrap();
        },
        &[],
        "runs.csv: a folder is where the sweep's runs.csv should be",
    );
    case(
        &|p| fs::write(p.join("sweep.json"), "not json").unwrap(),
        &[],
        "sweep.json: not a sweep manifest",
    );
    case(&|_| {}, &["--seed", "5"], "holds a different sweep");
    case(&|_| {}, &["--shard", "1/2"], "holds shard 0/1 of this sweep, not 1/2");
    // The same command resumes, and with every run in, changes nothing.
    let _ = fs::remove_dir_all(dir.join("sw"));
    small_sweep(&dir, "sw", &[]);
    let before = fs::read(dir.join("sw/runs.csv")).unwrap();
    small_sweep(&dir, "sw", &[]);
    assert_eq!(fs::read(dir.join("sw/runs.csv")).unwrap(), before);
    // A merge names the shard file at fault.
    small_sweep(&dir, "s0", &["--shard", "0/2"]);
    small_sweep(&dir, "s1", &["--shard", "1/2"]);
    let text = fs::read_to_string(dir.join("s1/runs.csv")).unwrap();
    fs::write(dir.join("s1/runs.csv"), text.replacen("\n0,1,", "\n0,0,", 1)).unwrap();
    let stderr = refused(&dir, &["merge", "s0", "s1", "--out", "m"], "s1/runs.csv: line 2:");
    assert!(stderr.contains("not one of shard 1/2's"), "{stderr}");
    fs::remove_dir_all(&dir).unwrap();
}

/// Issue 15, item 13: `--set contractor_pools.X.contractors=10..50:5` failed with `is a
/// whole number, not "10.0"`; `=1..2:3:log:x` was taken as a log range.
#[test]
fn ranges_over_whole_number_fields_and_strict_range_syntax() {
    let dir = scratch("ranges");
    let stdout = ok_in(
        &dir,
        &[
            "sweep",
            "bank-branches",
            "--set",
            "contractor_pools.us-bank-contractors.contractors=10..50:5",
            "--dry-run",
        ],
    );
    assert!(stdout.starts_with("points=5 "), "{stdout}");
    let stderr = refused(
        &dir,
        &[
            "sweep",
            "bank-branches",
            "--set",
            "contractor_pools.us-bank-contractors.contractors=10..50:4",
            "--dry-run",
        ],
        "is a whole number, not \"23.3",
    );
    assert!(stderr.contains("whole steps"), "{stderr}");
    refused(
        &dir,
        &["sweep", "hospital-tabletop", "--set", "vendor.revert=1h..2h:3:log:x"],
        "unexpected \":x\"",
    );
    fs::remove_dir_all(&dir).unwrap();
}

/// Issue 15, item 15: an exceeded event budget exited 1, as if the program had failed (`run`,
/// `compare`, `sweep`, and a `tabletop` session that meets it).
#[test]
fn an_exceeded_event_budget_is_the_scenarios_doing() {
    let dir = scratch("budget");
    let file = scenario(&dir, "tight.ron", "(extends: \"hospital-tabletop\", event_budget: 1000)");
    for args in [
        vec!["run", s(&file), "--out", "r"],
        vec!["run", s(&file), "--reps", "3", "--out", "r"],
        vec!["compare", "hospital-tabletop", s(&file), "--reps", "2", "--out", "r"],
        vec!["sweep", s(&file), "--set", "vendor.revert=1h,2h", "--out", "r"],
    ] {
        let stderr = refused(&dir, &args, "more than the scenario's event_budget of 1000");
        assert!(stderr.contains("raise `event_budget`"), "{stderr}");
    }
    // A tabletop meets the budget mid-session, after echoing what it was told: exit 2 too
    // (it was 1), and no debrief folder.
    fs::write(dir.join("script.txt"), "run 3d\nend\n").unwrap();
    let o = run_in(&dir, &["tabletop", s(&file), "--script", "script.txt", "--out", "t"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("more than the scenario's event_budget of 1000"), "{stderr}");
    assert!(stderr.contains("hint: raise `event_budget`"), "{stderr}");
    assert!(!dir.join("t").exists(), "a debrief folder was left");
    fs::remove_dir_all(&dir).unwrap();
}

fn tabletop(dir: &Path, script: &[u8], out: &str) -> Output {
    fs::write(dir.join("script.txt"), script).unwrap();
    run_in(dir, &["tabletop", "hospital-tabletop", "--script", "script.txt", "--out", out])
}

/// Issue 15, items 4, 5 and 16: `--script /dev/zero` grew to 4 GB; a count of 4294967295
/// technicians wrapped; terminal control characters were echoed raw to the terminal and into
/// `transcript.txt` and `commands.txt`.
#[test]
fn tabletop_input_is_bounded_checked_and_shown_harmlessly() {
    let dir = scratch("tabletop");
    refused(
        &dir,
        &["tabletop", "hospital-tabletop", "--script", "/dev/zero"],
        "--script /dev/zero: longer than 1 MiB",
    );
    let long = format!("next\n{}\n", "x".repeat(5_000));
    fs::write(dir.join("long.txt"), long).unwrap();
    refused(
        &dir,
        &["tabletop", "hospital-tabletop", "--script", "long.txt"],
        "--script long.txt:2: the line has 5000 characters",
    );
    fs::remove_file(dir.join("long.txt")).unwrap();
    let o = tabletop(
        &dir,
        b"\x1b]0;pwned\x07\nnext\n\x1b[2J\ninject technicians hospital 4294967295\nend\n",
        "t",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8(o.stdout).unwrap();
    for text in [
        stdout.clone(),
        fs::read_to_string(dir.join("t/transcript.txt")).unwrap(),
        fs::read_to_string(dir.join("t/commands.txt")).unwrap(),
    ] {
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "raw control characters");
        assert!(text.contains("\\u{1b}]0;pwned\\u{7}"), "{text}");
    }
    assert!(stdout.contains("more than the 1,000,000"), "{stdout}");
    // The commands replay to the same transcript.
    let commands = fs::read(dir.join("t/commands.txt")).unwrap();
    let again = tabletop(&dir, &commands, "t2");
    assert!(again.status.success());
    assert_eq!(
        fs::read(dir.join("t/transcript.txt")).unwrap(),
        fs::read(dir.join("t2/transcript.txt")).unwrap()
    );
    fs::remove_dir_all(&dir).unwrap();
}
