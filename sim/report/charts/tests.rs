//! Tests of the charts as files: determinism, titles, PNG structure, no external references;
//! and an ignored preview that writes sample charts to /tmp/report_preview/ for a human to
//! look at (`cargo test --release --lib preview -- --ignored`).

use super::*;
use crate::testing::{sample_set, set_of, synthetic_runs};

fn check(chart: &Chart) {
    assert!(chart.png.starts_with(&PNG_SIGNATURE), "{}: not a PNG", chart.name);
    // The PNG decodes to a whole 8-bit RGB image (`::png` is the crate, `png` our module).
    let mut reader = ::png::Decoder::new(&chart.png[..]).read_info().expect("a PNG header");
    let mut pixels = vec![0u8; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).expect("one frame");
    assert_eq!(
        (frame.color_type, frame.bit_depth),
        (::png::ColorType::Rgb, ::png::BitDepth::Eight)
    );
    assert!(
        frame.width >= 100 && frame.height >= 100,
        "{}: {}x{}",
        chart.name,
        frame.width,
        frame.height
    );
    assert!(chart.svg.starts_with("<svg"), "{}", chart.name);
    assert!(chart.svg.trim_end().ends_with("</svg>"), "{}", chart.name);
    assert!(chart.svg.contains(&format!(">{}<", chart.title)) || chart.svg.contains(&chart.title));
    // The only URL in a plotters SVG is its namespace, which is an identifier, not a request.
    let without_ns = chart.svg.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_ns.contains("http"), "{}: external reference", chart.name);
    assert!(!chart.svg.contains("@font-face") && !chart.svg.contains("url("), "{}", chart.name);
}

#[test]
fn run_charts_have_titles_pngs_and_fixed_names() {
    let charts = run_charts(&sample_set(4, 3)).unwrap();
    let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["endpoints_down", "capacity", "loss", "loss_distribution", "timeline"]);
    for c in &charts {
        check(c);
    }
    let one = run_charts(&sample_set(1, 3)).unwrap();
    let names: Vec<&str> = one.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["endpoints_down", "capacity", "loss", "timeline"]);
}

/// A run set with observations the `recovered` chart shows (a share at a moment, a level
/// reached not before a time, one by a time) and two it does not (another figure, not
/// applicable).
fn observed_set(reps: u64) -> crate::RunSet {
    use blastradius_model::figures::{Figure, Metric, Observation, Observed};
    let mut set = sample_set(reps, 6);
    let o = |name: &str, figure: Figure, low: Option<f64>, high: Option<f64>| {
        Observed::Applies(Observation { name: name.into(), figure, low, high, source: "s".into() })
    };
    set.observed = vec![
        o("share_at_2d", Figure::at(Metric::RecoveredShare, 2 * 1_440), Some(0.8), Some(0.95)),
        o("share_at_1d", Figure::at(Metric::RecoveredShare, 1_440), None, Some(0.7)),
        o("p99_not_before_3d", Metric::Recovered99pctAt.into(), Some(3.0 * 86_400.0), None),
        o("p90_by_2d", Metric::Recovered90pctAt.into(), None, Some(2.0 * 86_400.0)),
        o("crashed", Metric::EndpointsCrashed.into(), Some(1.0), None),
        Observed::NotApplicable { name: "na".into(), source: "s".into(), reason: "r".into() },
    ];
    set
}

#[test]
fn observations_add_the_recovered_chart_with_their_bars() {
    let set = observed_set(3);
    let charts = run_charts(&set).unwrap();
    let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["endpoints_down", "recovered", "capacity", "loss", "loss_distribution", "timeline"]
    );
    let c = &charts[1];
    check(c);
    assert_eq!(c.title, "Crashed endpoints back over time");
    for label in ["share_at_2d", "share_at_1d", "p99_not_before_3d", "p90_by_2d", "observed"] {
        assert!(c.svg.contains(label), "{label}");
    }
    assert!(!c.svg.contains(">crashed<") && !c.svg.contains(">na<"));
    // The other charts are those of the same runs without observations.
    let mut plain = set.clone();
    plain.observed.clear();
    let without = run_charts(&plain).unwrap();
    let others: Vec<&Chart> = charts.iter().filter(|c| c.name != "recovered").collect();
    assert_eq!(others, without.iter().collect::<Vec<_>>());
    // Observations the chart cannot show add no chart.
    plain.observed = set.observed[4..].to_vec();
    assert_eq!(run_charts(&plain).unwrap(), without);
}

#[test]
fn charts_are_byte_identical_when_drawn_twice() {
    let set = sample_set(3, 2);
    assert_eq!(run_charts(&set).unwrap(), run_charts(&set).unwrap());
    let compared = [Compared { name: "a", set: &set }, Compared { name: "b", set: &set }];
    assert_eq!(compare_charts(&compared).unwrap(), compare_charts(&compared).unwrap());
    let spec = generic_spec("g");
    let points = [(0.0, 1.0, 0.5, 1.5), (1.0, 2.0, 1.5, 2.5)];
    assert_eq!(line_with_band(&spec, &points).unwrap(), line_with_band(&spec, &points).unwrap());
}

#[test]
fn the_time_axis_names_the_utc_start_and_days() {
    let c = endpoints_down(&sample_set(2, 3)).unwrap();
    assert!(c.svg.contains("hours since Fri 19 Jul 2024 04:09 UTC"));
    assert!(c.svg.contains("Sat 20 Jul") && c.svg.contains("Sun 21 Jul"));
    for sector in ["airline", "hospital", "bank"] {
        assert!(c.svg.contains(&format!(">{sector}<")) || c.svg.contains(sector), "{sector}");
    }
}

#[test]
fn loss_axis_reads_in_money_units() {
    let c = loss(&sample_set(2, 3)).unwrap();
    assert!(c.svg.contains("cumulative loss (USD)"));
    // plotters writes each text element's content on a line of its own.
    let money_ticks = c.svg.lines().filter(|l| l.starts_with('$') && l.ends_with('M')).count();
    assert!(money_ticks >= 3, "money ticks");
}

#[test]
fn compare_overlays_one_line_per_scenario() {
    let a = sample_set(2, 2);
    let mut b = sample_set(2, 2);
    for r in &mut b.runs {
        for row in &mut r.series.down {
            for d in row {
                *d /= 2;
            }
        }
    }
    let charts = compare_charts(&[
        Compared { name: "today", set: &a },
        Compared { name: "with-canaries", set: &b },
    ])
    .unwrap();
    let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["compare_endpoints_down", "compare_capacity", "compare_loss"]);
    for c in &charts {
        check(c);
        assert!(c.svg.contains("today") && c.svg.contains("with-canaries"));
    }
}

#[test]
fn timeline_labels_every_event() {
    let set = sample_set(1, 6);
    let c = timeline(&set).unwrap();
    check(&c);
    for e in &set.runs[0].key_events {
        assert!(c.svg.contains(&e.label), "{}", e.label);
    }
    let empty = timeline(&set_of(Vec::new(), 1)).unwrap();
    assert!(empty.svg.contains("no key events"));
}

fn generic_spec(name: &str) -> ChartSpec {
    ChartSpec {
        name: name.to_string(),
        title: format!("Title of {name}"),
        subtitle: "mean and 95% CI over 10 replications".into(),
        x_label: "canary ring share".into(),
        y_label: "total loss (USD)".into(),
        x_unit: Unit::Share,
        y_unit: Unit::Usd,
    }
}

#[test]
fn generic_charts() {
    let band = line_with_band(
        &generic_spec("loss_vs_ring"),
        &[(0.05, 2e9, 1.8e9, 2.2e9), (0.01, 1e9, 0.9e9, 1.1e9), (0.2, 4e9, 3.5e9, 4.4e9)],
    )
    .unwrap();
    check(&band);
    assert_eq!(band.name, "loss_vs_ring");
    let xs = [0.01, 0.05, 0.1];
    let ys = [10.0, 20.0];
    let values = vec![vec![1e9, 2e9, f64::NAN], vec![1.5e9, 2.5e9, 3e9]];
    let heat = heatmap(&generic_spec("grid"), &xs, &ys, &values, "total loss", Unit::Usd).unwrap();
    check(&heat);
    assert!(heat.svg.contains("total loss") && heat.svg.contains("no data"));
    let bars = [
        TornadoBar { label: "technicians".into(), low_effect: 3e8, high_effect: -2e8 },
        TornadoBar { label: "ring share".into(), low_effect: -9e8, high_effect: 1.2e9 },
    ];
    let t = tornado(&generic_spec("tornado"), &bars).unwrap();
    check(&t);
    // The larger swing (ring share) is listed first.
    assert!(t.svg.find("ring share").unwrap() < t.svg.find("technicians").unwrap());
}

/// Writes sample charts to /tmp/report_preview/ to be looked at. Not a test of behaviour; it
/// touches the disk, which the exporters themselves never do.
#[test]
#[ignore]
fn preview() {
    let dir = std::path::Path::new("/tmp/report_preview");
    std::fs::create_dir_all(dir).unwrap();
    let write = |c: &Chart| {
        std::fs::write(dir.join(format!("{}.png", c.name)), &c.png).unwrap();
        std::fs::write(dir.join(format!("{}.svg", c.name)), &c.svg).unwrap();
    };
    write(&recovered(&observed_set(20)).unwrap().unwrap());
    let set = set_of(synthetic_runs(20, 8, 14, 900.0), 14);
    let started = std::time::Instant::now();
    let charts = run_charts(&set).unwrap();
    eprintln!("run charts (14 d, 8 sectors, 20 reps): {:?}", started.elapsed());
    for c in &charts {
        let started = std::time::Instant::now();
        let again = match c.name.as_str() {
            "endpoints_down" => endpoints_down(&set).unwrap(),
            "capacity" => capacity(&set).unwrap(),
            "loss" => loss(&set).unwrap(),
            "loss_distribution" => loss_distribution(&set).unwrap().unwrap(),
            _ => timeline(&set).unwrap(),
        };
        eprintln!(
            "{}: {:?}, svg {} B, png {} B",
            c.name,
            started.elapsed(),
            c.svg.len(),
            c.png.len()
        );
        assert_eq!(&again, c);
        write(c);
    }
    let small = set_of(synthetic_runs(1, 3, 3, 900.0), 3);
    for c in run_charts(&small).unwrap() {
        let c = Chart { name: format!("one_rep_{}", c.name), ..c };
        write(&c);
    }
    let other = set_of(
        synthetic_runs(20, 8, 14, 900.0)
            .into_iter()
            .map(|mut r| {
                for row in &mut r.series.down {
                    for d in row.iter_mut() {
                        *d = *d * 2 / 3;
                    }
                }
                for row in &mut r.series.loss_usd {
                    for l in row.iter_mut() {
                        *l *= 0.6;
                    }
                }
                r
            })
            .collect(),
        14,
    );
    for c in compare_charts(&[
        Compared { name: "crowdstrike-2024", set: &set },
        Compared { name: "canary-rings", set: &other },
    ])
    .unwrap()
    {
        write(&c);
    }
    let points: Vec<(f64, f64, f64, f64)> = (0..8)
        .map(|i| {
            let x = 0.01 * f64::from(1 << i) / 2.0;
            let y = 4e9 * (1.0 - (-x * 8.0).exp()) + 2e8;
            (x, y, y * 0.85, y * 1.15)
        })
        .collect();
    write(
        &line_with_band(&ChartSpec { name: "sweep_line".into(), ..generic_spec("x") }, &points)
            .unwrap(),
    );
    let xs: Vec<f64> = (0..6).map(|i| 0.01 * f64::from(1 << i)).collect();
    let ys: Vec<f64> = (1..=5).map(|i| f64::from(i) * 100.0).collect();
    let values: Vec<Vec<f64>> = ys
        .iter()
        .map(|&y| xs.iter().map(|&x| 1e9 * (1.0 + 20.0 * x) * (600.0 / (y + 100.0))).collect())
        .collect();
    let spec = ChartSpec {
        name: "sweep_heatmap".into(),
        title: "Total loss by ring share and technicians".into(),
        subtitle: "mean over 10 replications per cell".into(),
        x_label: "first ring share".into(),
        y_label: "technicians per 10,000 endpoints".into(),
        x_unit: Unit::Share,
        y_unit: Unit::Number,
    };
    write(&heatmap(&spec, &xs, &ys, &values, "total loss", Unit::Usd).unwrap());
    let bars = vec![
        TornadoBar { label: "technicians per site".into(), low_effect: 4e8, high_effect: -2.5e8 },
        TornadoBar { label: "first ring share".into(), low_effect: -1.1e9, high_effect: 1.6e9 },
        TornadoBar { label: "BitLocker keys offline".into(), low_effect: -1e8, high_effect: 6e8 },
        TornadoBar { label: "revert after".into(), low_effect: -5e8, high_effect: 9e8 },
    ];
    let spec = ChartSpec {
        name: "sweep_tornado".into(),
        title: "Sensitivity of total loss".into(),
        subtitle: "change from the baseline $2.1B".into(),
        x_label: "change in total loss (USD)".into(),
        y_label: String::new(),
        x_unit: Unit::Usd,
        y_unit: Unit::Number,
    };
    write(&tornado(&spec, &bars).unwrap());
}
