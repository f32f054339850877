//! Issue 15, item 6: every interrupted `run` and `compare` (61 of 61) left its folder empty,
//! half-written or mixed with the previous run's. Here `run`, `compare`, `sweep` and
//! `catalogue` are
//! killed at random points (INT, TERM and KILL in turn) 50 times each, over a previous report:
//! the named folder is always either the previous report or the new one, whole and byte for
//! byte; INT and TERM leave nothing beside it; what a KILL leaves the next command clears;
//! and a sweep killed 50 times, resumed each time, ends with every run exactly once and the
//! same files as a sweep never interrupted; so does a catalogue, with every occurrence once.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_blastradius")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("blastradius-kill-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every file of a folder, by name, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), fs::read(e.path()).unwrap())
        })
        .collect();
    v.sort();
    v
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn ok(dir: &Path, args: &[String]) {
    let o = Command::new(bin()).args(args).current_dir(dir).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// A small deterministic generator for the kill times.
struct Dice(u64);

impl Dice {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

const SIGNALS: [(i32, &str); 3] =
    [(libc::SIGINT, "INT"), (libc::SIGTERM, "TERM"), (libc::SIGKILL, "KILL")];

/// Starts the command, sends `signal` after `after`, and waits: how it ended, and the
/// process id it had.
fn kill_after(
    dir: &Path,
    args: &[String],
    after: Duration,
    signal: i32,
) -> (std::process::ExitStatus, u32) {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    // SAFETY: `kill` on the child's own id, which has not been waited for, so it is not reused.
    unsafe {
        libc::kill(child.id() as i32, signal);
    }
    (child.wait().unwrap(), child.id())
}

/// What a process left beside the folder: its staging or moved-aside folders (named with its
/// id). An INT or a TERM must leave none; a KILL may, and the next command clears them.
fn left_by(dir: &Path, pid: u32) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| n.starts_with('.') && n.ends_with(&format!("-{pid}")))
        .collect()
}

fn duration_of(dir: &Path, args: &[String]) -> Duration {
    let started = Instant::now();
    ok(dir, args);
    started.elapsed()
}

fn words(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// Kills a report command 50 times over a previous report and checks the folder each time.
fn kill_a_report_command(name: &str, base: &[&str], dice: &mut Dice) {
    let dir = scratch(name);
    let with = |out: &str, seed: &str| {
        let mut args = words(base);
        args.extend(words(&["--seed", seed, "--threads", "2", "--quiet", "--out", out]));
        args
    };
    // The two reports the folder may hold: the previous one and the new one.
    ok(&dir, &with("old", "1"));
    let took = duration_of(&dir, &with("new", "2"));
    let (old, new) = (files(&dir.join("old")), files(&dir.join("new")));
    assert_ne!(old, new);
    fs::remove_dir_all(dir.join("new")).unwrap();
    fs::rename(dir.join("old"), dir.join("out")).unwrap();
    let mut outcomes = [0usize; 2];
    for round in 0..50 {
        let (signal, signal_name) = SIGNALS[round % 3];
        let after = took.mul_f64(1.1 * dice.unit());
        let (status, pid) = kill_after(&dir, &with("out", "2"), after, signal);
        let now = files(&dir.join("out"));
        let which = if now == old {
            0
        } else if now == new {
            1
        } else {
            panic!(
                "{name}, round {round}, {signal_name} after {after:?}: a partial or mixed folder: {:?}",
                names(&dir.join("out"))
            )
        };
        outcomes[which] += 1;
        let beside = names(&dir);
        if signal == libc::SIGKILL {
            // A KILL may leave the staging folder; the next command clears it.
            assert!(
                beside.iter().all(|n| n == "out"
                    || n.starts_with(".out.partial-")
                    || n.starts_with(".out.old-")),
                "{beside:?}"
            );
        } else {
            assert!(
                left_by(&dir, pid).is_empty(),
                "{name}, round {round}, {signal_name}: {beside:?}"
            );
            if let Some(code) = status.code() {
                assert!(code == 0 || code == 128 + signal, "{name}: exit {code} on {signal_name}");
            }
        }
        // Back to the previous report for the next round.
        if which == 1 {
            fs::remove_dir_all(dir.join("out")).unwrap();
            ok(&dir, &with("out", "1"));
        }
    }
    // Both outcomes were met: killed in time and finished.
    assert!(outcomes[0] > 5 && outcomes[1] > 0, "{name}: {outcomes:?}");
    ok(&dir, &with("out", "2"));
    assert_eq!(files(&dir.join("out")), new);
    assert_eq!(names(&dir), ["out"], "what KILLs left is cleared");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_killed_run_leaves_the_previous_report_or_the_new_one_whole() {
    kill_a_report_command(
        "run",
        &["run", "hospital-tabletop", "--reps", "24"],
        &mut Dice(0x9E37_79B9_7F4A_7C15),
    );
}

#[test]
fn a_killed_compare_leaves_the_previous_report_or_the_new_one_whole() {
    kill_a_report_command(
        "compare",
        &["compare", "hospital-tabletop", "hospital-tabletop", "--reps", "12"],
        &mut Dice(0xD1B5_4A32_D192_ED03),
    );
}

/// How many rows a sweep's `runs.csv` holds (complete lines), checking that no run is there
/// twice.
fn unique_rows(runs: &Path) -> usize {
    let text = fs::read_to_string(runs).unwrap();
    let complete = text.rfind('\n').map_or("", |i| &text[..=i]);
    let mut ids: Vec<String> = complete
        .lines()
        .skip(1)
        .map(|l| l.splitn(3, ',').take(2).collect::<Vec<_>>().join(","))
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "a run twice in {}", runs.display());
    n
}

#[test]
fn a_sweep_killed_50_times_resumes_to_every_run_exactly_once() {
    let dir = scratch("sweep");
    let mut dice = Dice(0x2545_F491_4F6C_DD1D);
    let args = |out: &str| {
        words(&[
            "sweep",
            "hospital-tabletop",
            "--set",
            "vendor.revert=30m..6h:12",
            "--reps",
            "12",
            "--threads",
            "2",
            "--quiet",
            "--out",
            out,
        ])
    };
    let took = duration_of(&dir, &args("reference"));
    let reference = files(&dir.join("reference"));
    let mut finished_early = 0;
    for round in 0..50 {
        let (signal, signal_name) = SIGNALS[round % 3];
        // Most kills land in the first part of the run, where there is work left.
        let after = took.mul_f64(0.35 * dice.unit());
        let (status, pid) = kill_after(&dir, &args("out"), after, signal);
        let out = dir.join("out");
        if status.success() {
            finished_early += 1;
        }
        if out.exists() {
            let present = names(&out);
            assert!(
                present.contains(&"sweep.json".to_string()),
                "round {round}, {signal_name}: {present:?}"
            );
            unique_rows(&out.join("runs.csv"));
        }
        if signal != libc::SIGKILL {
            let left = left_by(&dir, pid);
            assert!(left.is_empty(), "round {round}, {signal_name}: {left:?}");
            if let Some(code) = status.code() {
                assert!(code == 0 || code == 128 + signal, "exit {code} on {signal_name}");
            }
        }
    }
    ok(&dir, &args("out"));
    assert_eq!(unique_rows(&dir.join("out/runs.csv")), 12 * 12);
    assert_eq!(
        files(&dir.join("out")),
        reference,
        "the resumed sweep differs from the uninterrupted one"
    );
    assert_eq!(names(&dir), ["out", "reference"]);
    assert!(finished_early < 50);
    fs::remove_dir_all(&dir).unwrap();
}

/// Every file under a folder (its subfolders' too), by path, with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                v.push((name, fs::read(&path).unwrap()));
            }
        }
    }
    v.sort();
    v
}

#[test]
fn a_catalogue_killed_50_times_resumes_to_every_occurrence_exactly_once() {
    let dir = scratch("catalogue");
    let mut dice = Dice(0x6A09_E667_F3BC_C908);
    let catalogue = format!("{}/tests/catalogues/hospital.ron", env!("CARGO_MANIFEST_DIR"));
    let args = |out: &str| {
        words(&[
            "catalogue",
            &catalogue,
            "--years",
            "300",
            "--threads",
            "2",
            "--quiet",
            "--out",
            out,
        ])
    };
    let took = duration_of(&dir, &args("reference"));
    let reference = tree(&dir.join("reference"));
    let occurrences = |out: &Path| {
        let text = fs::read_to_string(out.join("occurrences.csv")).unwrap();
        let complete = text.rfind('\n').map_or("", |i| &text[..=i]);
        let mut ids: Vec<String> = complete
            .lines()
            .skip(1)
            .map(|l| l.splitn(4, ',').take(3).collect::<Vec<_>>().join(","))
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "an occurrence twice in {}", out.display());
        n
    };
    let total = occurrences(&dir.join("reference"));
    assert!(total > 50, "{total} occurrences");
    let mut finished_early = 0;
    for round in 0..50 {
        let (signal, signal_name) = SIGNALS[round % 3];
        let after = took.mul_f64(0.35 * dice.unit());
        let (status, pid) = kill_after(&dir, &args("out"), after, signal);
        let out = dir.join("out");
        if status.success() {
            finished_early += 1;
        }
        if out.exists() {
            let present = names(&out);
            assert!(
                present.contains(&"catalogue.json".to_string()),
                "round {round}, {signal_name}: {present:?}"
            );
            occurrences(&out);
        }
        if signal != libc::SIGKILL {
            let left = left_by(&dir, pid);
            assert!(left.is_empty(), "round {round}, {signal_name}: {left:?}");
            if let Some(code) = status.code() {
                assert!(code == 0 || code == 128 + signal, "exit {code} on {signal_name}");
            }
        }
    }
    ok(&dir, &args("out"));
    assert_eq!(occurrences(&dir.join("out")), total);
    assert_eq!(
        tree(&dir.join("out")),
        reference,
        "the resumed catalogue differs from the uninterrupted one"
    );
    assert_eq!(names(&dir), ["out", "reference"]);
    assert!(finished_early < 50);
    fs::remove_dir_all(&dir).unwrap();
}
