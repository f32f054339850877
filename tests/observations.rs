//! Observations through the binary: `run --observed` and `compare --observed` add the fit to
//! every output and change nothing else; bad observations stop before anything is simulated.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SMALL: &str = "tests/observations/hospital.ron";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_blastradius")
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("blastradius-observed-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn observations_add_the_fit_and_change_no_other_figure_or_file() {
    let dir = scratch("run");
    let (plain, observed) = (dir.join("plain"), dir.join("observed"));
    let without = ok(&["run", "hospital-tabletop", "--reps", "3", "--out", s(&plain)]);
    let with = ok(&[
        "run",
        "hospital-tabletop",
        "--reps",
        "3",
        "--observed",
        SMALL,
        "--out",
        s(&observed),
    ]);

    // The terminal: the same summary, then the fit.
    let (before, fit) = with.split_at(with.find("\nFit to observations").expect(&with));
    assert_eq!(before, without.split("\nreport: ").next().unwrap());
    for name in ["back_by_sat", "harbour_back_by_sat", "harbour_crashed", "p90_not_before"] {
        let line = fit.lines().find(|l| l.trim_start().starts_with(name)).expect(name);
        assert!(line.ends_with("holds") || line.ends_with("off"), "{line}");
    }
    let line = fit.lines().find(|l| l.trim_start().starts_with("elsewhere")).unwrap();
    assert!(line.ends_with("not applicable: for salem-health, not hospital-tabletop"), "{line}");

    // summary.json: every figure of the plain run, unchanged; the observed ones added; the
    // fit; the command that reproduces it.
    let (a, b) = (json(&plain.join("summary.json")), json(&observed.join("summary.json")));
    let (ma, mb) = (a["metrics"].as_object().unwrap(), b["metrics"].as_object().unwrap());
    for (name, stat) in ma {
        assert_eq!(Some(stat), mb.get(name), "{name} changed");
    }
    let added: Vec<&str> = mb.keys().filter(|k| !ma.contains_key(*k)).map(String::as_str).collect();
    assert!(
        added.contains(&"recovered_share_at_1d")
            && added.contains(&"endpoints_crashed_of_harbour_health"),
        "{added:?}"
    );
    assert!(added.contains(&"recovered_share_at_1d_of_harbour_health"), "{added:?}");
    for key in ["key_events", "sectors", "resolved_scenario", "seed", "replications"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    assert!(a.get("fit").is_none());
    assert_eq!(
        b["command"],
        format!("blastradius run hospital-tabletop --reps 3 --seed 20240719 --observed {SMALL}")
    );
    let fit = b["fit"].as_array().unwrap();
    let names: Vec<&str> = fit.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["back_by_sat", "harbour_back_by_sat", "harbour_crashed", "p90_not_before", "elsewhere"]
    );
    // The fit reads the figures it names: the simulated mean is the metric's mean, and the
    // verdict follows from the band.
    for f in &fit[..4] {
        let metric = &mb[f["figure"].as_str().unwrap()];
        assert_eq!(f["simulated"]["mean"], metric["mean"], "{f}");
        let mean = metric["mean"].as_f64().unwrap();
        let (low, high) = (f["observed"]["low"].as_f64(), f["observed"]["high"].as_f64());
        let inside = low.is_none_or(|l| mean >= l) && high.is_none_or(|h| mean <= h);
        assert_eq!(f["inside"], inside, "{f}");
    }
    // 2024-07-19T06:00Z is 1h 51m after the publication at 04:09.
    assert_eq!(fit[3]["observed"]["low"], 6_660.0);
    assert_eq!(fit[4]["not_applicable"], "for salem-health, not hospital-tabletop");

    // Every other file is byte for byte the same; the recovered chart is added.
    for entry in fs::read_dir(&plain).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name == "summary.json" || name == "report.html" {
            continue;
        }
        assert!(
            fs::read(plain.join(&name)).unwrap() == fs::read(observed.join(&name)).unwrap(),
            "{name} differs"
        );
    }
    for file in ["recovered.svg", "recovered.png"] {
        assert!(observed.join(file).is_file() && !plain.join(file).exists(), "{file}");
    }
    let html = fs::read_to_string(observed.join("report.html")).unwrap();
    assert!(html.contains("<section id=\"fit\">") && html.contains("<td>harbour_crashed</td>"));
    assert!(html.contains("Crashed endpoints back over time"));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_built_in_2024_observations_work_from_any_folder() {
    let dir = scratch("builtin");
    let out = dir.join("r");
    let o = Command::new(bin())
        .current_dir(&dir)
        .args(["run", "hospital-tabletop", "--observed", "2024", "--quiet", "--out", s(&out)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = json(&out.join("summary.json"));
    let fit = summary["fit"].as_array().unwrap();
    assert_eq!(fit.len(), 9);
    let by_name = |n: &str| fit.iter().find(|f| f["name"] == n).unwrap();
    // hospital-tabletop extends crowdstrike-2024, so the fleet's observations apply, except
    // one past its seven days.
    assert_eq!(by_name("fleet_back_26_jul")["figure"], "recovered_share_at_6d19h51m");
    assert!(
        by_name("fleet_back_30_jul")["not_applicable"]
            .as_str()
            .unwrap()
            .contains("outside the run")
    );
    assert_eq!(
        by_name("salem_back_sat_16h")["not_applicable"],
        "for salem-health, not hospital-tabletop"
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn compare_shows_the_fit_of_every_scenario() {
    let dir = scratch("compare");
    let more = dir.join("more-techs.ron");
    fs::write(
        &more,
        "(extends: \"hospital-tabletop\", name: \"more-techs\",\n fleet: { \"harbour_health\": (staff: (technicians_per_1000: 20.0)) })\n",
    )
    .unwrap();
    let out = dir.join("cmp");
    let stdout = ok(&[
        "compare",
        "hospital-tabletop",
        s(&more),
        "--reps",
        "2",
        "--observed",
        SMALL,
        "--out",
        s(&out),
    ]);
    assert!(stdout.contains("Fit to observations"), "{stdout}");
    let summary = json(&out.join("summary.json"));
    assert!(summary["command"].as_str().unwrap().ends_with(&format!("--observed {SMALL}")));
    // back_by_sat names hospital-tabletop, which more-techs extends: it applies to both.
    for scenario in summary["scenarios"].as_array().unwrap() {
        let fit = scenario["fit"].as_array().unwrap();
        assert_eq!(fit.len(), 5);
        assert_eq!(fit[0]["figure"], "recovered_share_at_1d", "{}", scenario["name"]);
        assert!(fit[0]["inside"].is_boolean());
    }
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2>Fit to observations</h2>"));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_observations_exit_2_before_simulating() {
    let dir = scratch("bad");
    let out = dir.join("never");
    let bad = dir.join("bad.ron");
    fs::write(
        &bad,
        "(name: \"b\", observations: [\n    (name: \"a\", figure: \"recovered_share\", at: \"2024-08-20T00:00:00Z\", observed: (low: 0.5), source: \"s\"),\n])\n",
    )
    .unwrap();
    let typo = dir.join("typo.ron");
    fs::write(&typo, "(name: \"b\", observations: [(name: \"a\", figur: \"x\")])\n").unwrap();
    let at = format!(
        "{}:2:48: `observations[0].at`: 2024-08-20T00:00:00Z is outside the run of hospital-tabletop",
        s(&bad)
    );
    let field = format!("{}:1:40: `observations[0].figur`: unknown field `figur`", s(&typo));
    for (args, says) in [
        (
            vec!["run", "hospital-tabletop", "--observed", "nosuch", "--out", s(&out)],
            vec![
                "--observed nosuch: no such file, and no built-in observations have this name",
                "a built-in: 2024",
            ],
        ),
        (
            vec!["run", "hospital-tabletop", "--observed", s(&bad), "--out", s(&out)],
            vec![at.as_str()],
        ),
        (
            vec!["run", "hospital-tabletop", "--observed", s(&typo), "--out", s(&out)],
            vec![field.as_str(), "did you mean `figure`?"],
        ),
        (
            vec![
                "compare",
                "hospital-tabletop",
                "bank-branches",
                "--observed",
                s(&bad),
                "--out",
                s(&out),
            ],
            vec![at.as_str()],
        ),
    ] {
        let o = run(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        for said in says {
            assert!(stderr.contains(said), "{args:?}: {stderr}");
        }
        assert!(stderr.contains("hint:"), "{stderr}");
        assert!(o.stdout.is_empty());
        assert!(!out.exists(), "{args:?} left {out:?} behind");
    }
    fs::remove_dir_all(&dir).unwrap();
}
