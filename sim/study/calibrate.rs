//! Calibration by history matching: the points of a sweep scored against what was observed,
//! keeping those the observations cannot rule out.
//!
//! ```text
//! observations ─► targets (value, sd, one- or two-sided)          ┐
//! sweep plan + runs.csv rows ─► per point and target: mean, var ──┴─► implausibility
//!      ▲                                                                   │ max over targets
//!      └──── next wave: a Latin hypercube in the box of the non-implausible points ◄┘
//! ```
//!
//! For a point x and an observation z with standard deviation σ, the simulated figure's mean
//! over the point's replications m(x) and the variance of that mean v(x) = s²/R give the
//! implausibility I(x) = |m(x) − z| / √(σ² + v(x)). A one-sided observation ("at most h", "at
//! least l", with a stated σ) counts only the distance past its end. A point is
//! non-implausible when its largest implausibility over the observations is under the
//! threshold (3 by default: the three-sigma rule, which holds for any unimodal distribution
//! at about 95%).
//!
//! Where σ comes from is the observations file's: a stated `sd`, or else a band with both ends
//! read as a 95% interval (±1.96σ about its middle). A band with one end and no `sd` carries no
//! spread and is not scored. A time figure that a replication never reached (99% never back
//! within the run) counts as the end of the run, the earliest it could have happened.
//!
//! Plain data and arithmetic: no I/O, no formats (`report` writes the tables and charts, `cli`
//! runs the waves).

use blastradius_engine::random::hash_words;
use blastradius_model::figures::{Figure, Observed, Unit};
use blastradius_model::spec::WorldSpec;
use blastradius_scenario::observations::{self, Observations};

use crate::design::{self, Design, Kind, Parameter, Point};
use crate::{PlanError, Planned, RunRow, SweepPlan, SweepRequest};

/// How a band with both ends and no stated `sd` is read: as a 95% interval, ±1.96σ.
pub const BAND_SDS: f64 = 2.0 * 1.959_963_984_540_054;

/// The default threshold on the largest implausibility.
pub const DEFAULT_THRESHOLD: f64 = 3.0;

/// Most waves a calibration may run.
pub const MAX_WAVES: u32 = 10;

/// Which side of the observed value a simulated figure may fall on without penalty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Any distance from the value counts.
    Both,
    /// Only a figure above the value counts ("at most").
    AtMost,
    /// Only a figure below the value counts ("at least").
    AtLeast,
}

/// Where an observation's standard deviation came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SdFrom {
    /// The file's `sd`.
    Stated,
    /// The band, read as a 95% interval.
    Band,
}

/// One observation as calibration scores it.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub name: String,
    pub source: String,
    pub figure: Figure,
    /// The observed band, as the file gives it (in the figure's unit).
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// The observed value: the band's middle, or its one end.
    pub value: f64,
    pub sd: f64,
    pub sd_from: SdFrom,
    pub side: Side,
}

/// An observation that is not scored, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unscored {
    pub name: String,
    pub reason: String,
}

/// The observations as calibration scores them: those it can, and the others with reasons.
/// `only`, when not empty, names the observations to use; every name must be in the file and
/// scorable.
pub fn targets(
    observations: &Observations,
    observed: &[Observed],
    only: &[String],
) -> Result<(Vec<Target>, Vec<Unscored>), String> {
    let names = observations.names();
    for name in only {
        if !names.contains(&name.as_str()) {
            let close = blastradius_scenario::suggest(name, &names)
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            return Err(format!(
                "--observation {name}: {} has no observation of that name\n  hint: {close}its observations are: {}",
                observations.name,
                names.join(", ")
            ));
        }
    }
    let mut scored = Vec::new();
    let mut unscored = Vec::new();
    for o in observed {
        let (name, reason) = match o {
            Observed::NotApplicable { name, reason, .. } => {
                (name, format!("not applicable: {reason}"))
            }
            Observed::Applies(o) => {
                let stated = observations.stated_sd(&o.name);
                let target = |value, sd, sd_from, side| Target {
                    name: o.name.clone(),
                    source: o.source.clone(),
                    figure: o.figure,
                    low: o.low,
                    high: o.high,
                    value,
                    sd,
                    sd_from,
                    side,
                };
                let made = match (o.low, o.high, stated) {
                    (Some(l), Some(h), Some(sd)) => {
                        Ok(target((l + h) / 2.0, sd, SdFrom::Stated, Side::Both))
                    }
                    (Some(l), Some(h), None) if h > l => {
                        Ok(target((l + h) / 2.0, (h - l) / BAND_SDS, SdFrom::Band, Side::Both))
                    }
                    (Some(_), Some(_), None) => {
                        Err("its band has no width, so no spread: give it an `sd` to score it"
                            .to_string())
                    }
                    (None, Some(h), Some(sd)) => Ok(target(h, sd, SdFrom::Stated, Side::AtMost)),
                    (Some(l), None, Some(sd)) => Ok(target(l, sd, SdFrom::Stated, Side::AtLeast)),
                    (None, None, _) => Err("its band has neither end".to_string()),
                    (_, _, None) => Err(
                        "its band has one end and the file states no `sd`: give it one to score it"
                            .to_string(),
                    ),
                };
                match made {
                    Ok(t) => {
                        scored.push(t);
                        continue;
                    }
                    Err(reason) => (&o.name, reason),
                }
            }
        };
        if only.contains(name) {
            return Err(format!(
                "--observation {name}: it cannot be scored: {reason}\n  hint: leave it out, or give it what it lacks in {}",
                observations.name
            ));
        }
        unscored.push(Unscored { name: name.clone(), reason });
    }
    if !only.is_empty() {
        scored.retain(|t| only.contains(&t.name));
        unscored.retain(|u| only.contains(&u.name));
    }
    if scored.is_empty() {
        let why: Vec<String> =
            unscored.iter().map(|u| format!("{}: {}", u.name, u.reason)).collect();
        return Err(format!(
            "--observed {}: no observation can be scored against this scenario\n  {}\n  hint: \
             give observations of this scenario's figures, with both ends of a band or an `sd`",
            observations.name,
            why.join("\n  ")
        ));
    }
    Ok((scored, unscored))
}

/// One wave of a calibration, ready to run: the sweep (its plan and every point's world, with
/// the figures the observations need turned on), the observations as they stand against it,
/// and the time that counts for a figure never reached, per point.
#[derive(Clone, Debug)]
pub struct PlannedWave {
    pub planned: Planned,
    pub observed: Vec<Observed>,
    /// Seconds from the first publication to the end of the run, per point.
    pub censor_s: Vec<f64>,
}

/// Plans a wave: the sweep of `request`, with every point's figures that the observations
/// need. Every point must read every observation the same way as the scenario itself does; a
/// swept field that moves one (the start, the horizon, the archetypes) is refused.
pub fn plan_wave(
    request: &SweepRequest<'_>,
    observations: &Observations,
) -> Result<PlannedWave, PlanError> {
    let mut planned = crate::plan(request)?;
    let loaded = blastradius_scenario::load(request.scenario)?;
    let observed = observations.against(&loaded, &planned.base)?;
    planned.observed = observed.clone();
    let mut censor_s = Vec::with_capacity(planned.plan.points_total() as usize);
    // Every point is made once here (a calibration's waves have at most a few thousand), to
    // check it reads the observations as the scenario does.
    for point in planned.plan.all_points() {
        let spec = planned.spec(&point)?;
        let here = observations.against(&loaded, &spec)?;
        if let Some((o, _)) = observed.iter().zip(&here).find(|(a, b)| a != b) {
            let name = match o {
                Observed::Applies(o) => &o.name,
                Observed::NotApplicable { name, .. } => name,
            };
            return Err(PlanError::Input(format!(
                "observation {name} reads differently at point {} ({}) than in {}\n  hint: \
                 calibrate cannot sweep a field that moves an observation (the start, the \
                 horizon, the faulty content's publication, the archetypes); sweep other fields",
                point.index,
                describe(&planned.plan.parameters, &point),
                planned.base.name
            )));
        }
        censor_s.push(censor_of(&spec));
    }
    for o in &observed {
        if let Observed::Applies(o) = o
            && !planned.plan.figures.contains(&o.figure)
        {
            planned.plan.figures.push(o.figure);
        }
    }
    Ok(PlannedWave { planned, observed, censor_s })
}

/// Seconds from the first publication to the end of the run.
fn censor_of(spec: &WorldSpec) -> f64 {
    spec.horizon.as_secs_f64() - observations::first_publication_s(spec) as f64
}

/// `path=value, ...` for a point.
pub fn describe(parameters: &[Parameter], point: &Point) -> String {
    parameters
        .iter()
        .zip(&point.values)
        .map(|(p, v)| format!("{}={v}", p.path))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A point's figure for one target over its replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    /// The mean over the replications in which the figure exists (times never reached count
    /// as the end of the run); `None` when it exists in none.
    pub mean: Option<f64>,
    /// The variance of that mean: the sample variance over n, 0 with one replication.
    pub var_of_mean: f64,
    /// Replications that gave a value, and how many of those were a time never reached.
    pub n: usize,
    pub censored: usize,
    /// Infinite when there is no mean.
    pub implausibility: f64,
}

/// One point of a wave, scored.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    pub point: u64,
    pub values: Vec<String>,
    pub numbers: Vec<f64>,
    /// In target order.
    pub scores: Vec<Score>,
    /// The largest implausibility over the targets.
    pub max: f64,
    pub non_implausible: bool,
}

/// The implausibility of a mean with this variance against a target.
pub fn implausibility(target: &Target, mean: f64, var_of_mean: f64) -> f64 {
    let distance = match target.side {
        Side::Both => (mean - target.value).abs(),
        Side::AtMost => (mean - target.value).max(0.0),
        Side::AtLeast => (target.value - mean).max(0.0),
    };
    let scale = (target.sd * target.sd + var_of_mean.max(0.0)).sqrt();
    if distance == 0.0 { 0.0 } else { distance / scale }
}

/// Scores every point of a finished wave (`rows` holds every run of `plan`).
pub fn score(
    plan: &SweepPlan,
    rows: &[RunRow],
    targets: &[Target],
    censor_s: &[f64],
    threshold: f64,
) -> Vec<Scored> {
    let columns: Vec<Option<usize>> =
        targets.iter().map(|t| plan.figures.iter().position(|&f| f == t.figure)).collect();
    let points = plan.points_total() as usize;
    let mut values: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); targets.len()]; points];
    let mut censored: Vec<Vec<usize>> = vec![vec![0; targets.len()]; points];
    for row in rows {
        let p = row.id.point as usize;
        for (t, (target, column)) in targets.iter().zip(&columns).enumerate() {
            let value = column.and_then(|c| row.figures.get(c).copied().flatten());
            match value {
                Some(v) => values[p][t].push(v),
                None if target.figure.unit() == Unit::SecondsAfterPublication => {
                    values[p][t].push(censor_s.get(p).copied().unwrap_or(f64::INFINITY));
                    censored[p][t] += 1;
                }
                None => {}
            }
        }
    }
    plan.all_points()
        .map(|point| {
            let p = point.index as usize;
            let scores: Vec<Score> = targets
                .iter()
                .enumerate()
                .map(|(t, target)| {
                    let v = &values[p][t];
                    let n = v.len();
                    let (mean, var_of_mean) = mean_and_variance(v);
                    let implausibility = match mean {
                        Some(m) if m.is_finite() => implausibility(target, m, var_of_mean),
                        _ => f64::INFINITY,
                    };
                    Score { mean, var_of_mean, n, censored: censored[p][t], implausibility }
                })
                .collect();
            let max = scores.iter().map(|s| s.implausibility).fold(0.0, f64::max);
            Scored {
                point: point.index,
                values: point.values,
                numbers: point.numbers,
                scores,
                max,
                non_implausible: max < threshold,
            }
        })
        .collect()
}

/// The mean of `v` and the variance of that mean (the n − 1 sample variance over n).
fn mean_and_variance(v: &[f64]) -> (Option<f64>, f64) {
    let n = v.len();
    if n == 0 {
        return (None, 0.0);
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return (Some(mean), 0.0);
    }
    let ss = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>();
    (Some(mean), ss / (n - 1) as f64 / n as f64)
}

/// The seed of wave `wave` (from 2; the first wave uses the calibration's own seed, so that it
/// is the same sweep as `blastradius sweep` with the same flags).
pub fn wave_seed(seed: u64, wave: u32) -> u64 {
    hash_words(&[seed, u64::from(wave), 0x5741_5645])
}

/// One parameter's part of the box a next wave samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Bounds {
    pub path: String,
    /// The `VALUES` of its `--set`: a range `low..high[:1:log]`, or the values kept.
    pub values: String,
}

/// The box around a wave's non-implausible points that the next wave samples: for a range,
/// from the smallest to the largest value among them, widened by one stratum of this wave's
/// design on each side (the gap to the neighbouring points that were not sampled) and kept
/// within this wave's range; for a list, the values they have. `None` when no point is
/// non-implausible.
pub fn next_box(plan: &SweepPlan, scored: &[Scored]) -> Option<Vec<Bounds>> {
    let kept: Vec<&Scored> = scored.iter().filter(|s| s.non_implausible).collect();
    if kept.is_empty() {
        return None;
    }
    let n = plan.points_total().max(1) as f64;
    let bounds = plan
        .parameters
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let xs = kept.iter().map(|s| s.numbers[i]);
            let values = match p.range {
                Some(r) => {
                    let (lo, hi) = xs
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
                    let (lo, hi) = if r.log {
                        let step = (r.high.ln() - r.low.ln()) / n;
                        ((lo.ln() - step).exp().max(r.low), (hi.ln() + step).exp().min(r.high))
                    } else {
                        let step = (r.high - r.low) / n;
                        ((lo - step).max(r.low), (hi + step).min(r.high))
                    };
                    let (low, high) =
                        (design::value_text(p.kind, lo), design::value_text(p.kind, hi));
                    // Durations print to the millisecond: a box narrower than that, or one that
                    // prints both ends alike, is widened to a range that still parses.
                    let (low, high) = if low == high { widen(p.kind, lo, hi) } else { (low, high) };
                    if r.log { format!("{low}..{high}:2:log") } else { format!("{low}..{high}") }
                }
                None => {
                    let present: Vec<String> = (0..p.len())
                        .filter(|&j| kept.iter().any(|s| s.numbers[i] == p.numbers[j]))
                        .map(|j| p.value(j))
                        .collect();
                    present.join(",")
                }
            };
            Bounds { path: p.path.clone(), values }
        })
        .collect();
    Some(bounds)
}

/// Ends a little apart around an interval too narrow to print.
fn widen(kind: Kind, lo: f64, hi: f64) -> (String, String) {
    let unit = match kind {
        Kind::Duration => 1.0 / 3_600_000.0,
        Kind::Number => (lo.abs().max(hi.abs()) * 1e-9).max(1e-12),
    };
    (design::value_text(kind, lo), design::value_text(kind, hi + unit))
}

/// The `--set` words of the next wave from its box.
pub fn next_sets(bounds: &[Bounds]) -> Vec<String> {
    bounds.iter().map(|b| format!("{}={}", b.path, b.values)).collect()
}

/// The design of a wave after the first: a Latin hypercube with as many points as the first.
pub fn next_design(first: &SweepPlan) -> Design {
    Design::Lhs(first.points_total())
}

/// A scored wave.
#[derive(Clone, Debug, PartialEq)]
pub struct Wave {
    /// From 1.
    pub number: u32,
    pub plan: SweepPlan,
    pub points: Vec<Scored>,
    /// The box the next wave samples (`None` without non-implausible points, or for the last
    /// wave when it is not needed).
    pub next: Option<Vec<Bounds>>,
}

/// A whole calibration: what was scored, against what, and every wave.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// The scenario as given and its name.
    pub scenario: String,
    pub name: String,
    /// The observations file's name.
    pub observations: String,
    pub threshold: f64,
    pub targets: Vec<Target>,
    pub unscored: Vec<Unscored>,
    pub waves: Vec<Wave>,
}

/// A point of a calibration: its wave (index into `waves`) and its place in the wave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    pub wave: usize,
    pub point: usize,
}

impl Calibration {
    /// Every point of every wave, in wave then point order.
    pub fn all(&self) -> impl Iterator<Item = (At, &Scored)> {
        self.waves.iter().enumerate().flat_map(|(w, wave)| {
            wave.points.iter().enumerate().map(move |(p, s)| (At { wave: w, point: p }, s))
        })
    }

    /// The points whose largest implausibility is under the threshold.
    pub fn non_implausible(&self) -> impl Iterator<Item = (At, &Scored)> {
        self.all().filter(|(_, s)| s.non_implausible)
    }

    /// The point with the smallest largest implausibility (the earliest on ties); `None` only
    /// when no point has a finite one.
    pub fn best(&self) -> Option<(At, &Scored)> {
        self.all()
            .filter(|(_, s)| s.max.is_finite())
            .min_by(|a, b| a.1.max.total_cmp(&b.1.max).then(a.0.wave.cmp(&b.0.wave)))
    }

    /// The parameters (of the first wave: every wave sweeps the same fields).
    pub fn parameters(&self) -> &[Parameter] {
        self.waves.first().map_or(&[], |w| &w.plan.parameters)
    }

    /// The `(path, value)` settings of a point.
    pub fn settings(&self, at: At) -> Vec<(String, String)> {
        let wave = &self.waves[at.wave];
        wave.plan
            .parameters
            .iter()
            .zip(&wave.points[at.point].values)
            .map(|(p, v)| (p.path.clone(), v.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::{RunId, Shard, parse_set};
    use blastradius_model::figures::{Metric, Observation};

    fn target(side: Side, value: f64, sd: f64) -> Target {
        Target {
            name: "t".into(),
            source: "s".into(),
            figure: Figure::at(Metric::RecoveredShare, 60),
            low: None,
            high: None,
            value,
            sd,
            sd_from: SdFrom::Stated,
            side,
        }
    }

    #[test]
    fn implausibility_is_the_distance_in_standard_deviations() {
        let both = target(Side::Both, 0.5, 0.03);
        assert!((implausibility(&both, 0.59, 0.0) - 3.0).abs() < 1e-12);
        assert!((implausibility(&both, 0.41, 0.0) - 3.0).abs() < 1e-12);
        // The simulation's variance of the mean widens the scale: √(0.03² + 0.04²) = 0.05.
        assert!((implausibility(&both, 0.6, 0.04 * 0.04) - 2.0).abs() < 1e-12);
        assert_eq!(implausibility(&both, 0.5, 0.0), 0.0);
        let at_most = target(Side::AtMost, 10.0, 2.0);
        assert_eq!(implausibility(&at_most, 4.0, 0.0), 0.0);
        assert!((implausibility(&at_most, 16.0, 0.0) - 3.0).abs() < 1e-12);
        let at_least = target(Side::AtLeast, 10.0, 2.0);
        assert_eq!(implausibility(&at_least, 16.0, 0.0), 0.0);
        assert!((implausibility(&at_least, 7.0, 0.0) - 1.5).abs() < 1e-12);
    }

    fn plan_of(
        sets: &[&str],
        design: Design,
        replications: u64,
        figures: Vec<Figure>,
    ) -> SweepPlan {
        let parameters: Vec<Parameter> = sets.iter().map(|s| parse_set(s).unwrap()).collect();
        let points = design::points(&parameters, design, 5).unwrap();
        SweepPlan {
            scenario: "x".into(),
            name: "x".into(),
            seed: 5,
            design,
            parameters,
            replications,
            points,
            figures,
        }
    }

    const SHARE: Figure =
        Figure { metric: Metric::RecoveredShare, scope: blastradius_model::figures::Scope::At(60) };
    const ALL: Figure =
        Figure { metric: Metric::RecoveredAllAt, scope: blastradius_model::figures::Scope::Run };

    #[test]
    fn points_are_scored_by_their_mean_and_its_variance_and_times_never_reached_count_as_the_end() {
        let plan = plan_of(&["a=1,2,3"], Design::Grid, 2, vec![SHARE, ALL]);
        // Share: point a gives a/10 and a/10 + 0.02; all back: point 3 never in replication 1.
        let rows: Vec<RunRow> = design::runs(3, 2, Shard::ALL)
            .map(|id: RunId| {
                let a = (id.point + 1) as f64;
                let share = a / 10.0 + 0.02 * id.replication as f64;
                let all = (id.point < 2 || id.replication == 0).then_some(1_000.0 * a);
                RunRow { id, figures: vec![Some(share), all] }
            })
            .collect();
        let targets = vec![
            Target { figure: SHARE, ..target(Side::Both, 0.21, 0.01) },
            Target { figure: ALL, name: "all".into(), ..target(Side::AtMost, 2_500.0, 100.0) },
        ];
        let scored = score(&plan, &rows, &targets, &[9_000.0; 3], 3.0);
        // Point 1 (a = 2): mean 0.21, values 0.20 and 0.22: var of the mean 0.0002/2 = 0.0001.
        let s = &scored[1].scores[0];
        assert!((s.mean.unwrap() - 0.21).abs() < 1e-12);
        assert!((s.var_of_mean - 0.0001).abs() < 1e-12);
        assert!(s.implausibility < 1e-9, "{s:?}");
        assert_eq!(scored[1].scores[1].implausibility, 0.0);
        assert!(scored[1].non_implausible);
        // Point 0: share mean 0.11, 0.1 away: 0.1 / √(0.0001 + 0.0001).
        let i0 = scored[0].scores[0].implausibility;
        assert!((i0 - 0.1 / 0.0002f64.sqrt()).abs() < 1e-9, "{i0}");
        assert!(!scored[0].non_implausible);
        // Point 2: all back at 3,000 s and never (the end, 9,000 s): mean 6,000, var of the
        // mean 18e6 / 2.
        let all = &scored[2].scores[1];
        assert_eq!((all.n, all.censored, all.mean), (2, 1, Some(6_000.0)));
        assert!((all.var_of_mean - 9e6).abs() < 1e-6);
        let expected = 3_500.0 / (100.0f64 * 100.0 + 9e6).sqrt();
        assert!((all.implausibility - expected).abs() < 1e-9);
        assert_eq!(
            scored[2].max,
            scored[2].scores.iter().map(|s| s.implausibility).fold(0.0, f64::max)
        );
    }

    #[test]
    fn a_figure_missing_everywhere_is_implausible() {
        let plan = plan_of(&["a=1"], Design::Grid, 1, vec![SHARE]);
        let rows = vec![RunRow { id: RunId { point: 0, replication: 0 }, figures: vec![None] }];
        let scored = score(&plan, &rows, &[target(Side::Both, 0.5, 0.1)], &[1.0], 3.0);
        assert_eq!(scored[0].scores[0].mean, None);
        assert!(scored[0].max.is_infinite() && !scored[0].non_implausible);
    }

    #[test]
    fn the_next_box_holds_the_non_implausible_points_and_a_stratum_around_them() {
        let plan = plan_of(&["a=0..100", "b=30m..5h", "c=10,20,30"], Design::Lhs(10), 1, vec![]);
        let mut scored: Vec<Scored> = plan
            .all_points()
            .map(|p| Scored {
                point: p.index,
                values: p.values.clone(),
                numbers: p.numbers.clone(),
                scores: vec![],
                max: 0.0,
                non_implausible: p.numbers[0] > 30.0 && p.numbers[0] < 70.0,
            })
            .collect();
        let kept: Vec<&Scored> = scored.iter().filter(|s| s.non_implausible).collect();
        assert!(kept.len() >= 2);
        let lo = kept.iter().map(|s| s.numbers[0]).fold(f64::INFINITY, f64::min);
        let hi = kept.iter().map(|s| s.numbers[0]).fold(f64::NEG_INFINITY, f64::max);
        let b = next_box(&plan, &scored).unwrap();
        let a = parse_set(&format!("a={}", b[0].values)).unwrap().range.unwrap();
        assert!((a.low - (lo - 10.0)).abs() < 1e-6 && (a.high - (hi + 10.0)).abs() < 1e-6, "{b:?}");
        let d = parse_set(&format!("b={}", b[1].values)).unwrap();
        assert_eq!(d.kind, Kind::Duration);
        let r = d.range.unwrap();
        assert!(r.low >= 0.5 && r.high <= 5.0 && r.low < r.high, "{b:?}");
        let letters: Vec<&str> = b[2].values.split(',').collect();
        assert!(!letters.is_empty() && letters.iter().all(|l| ["10", "20", "30"].contains(l)));
        // The box parses as a design of the next wave, and every wave-2 point lies inside it.
        let sets = next_sets(&b);
        let params: Vec<Parameter> = sets.iter().map(|s| parse_set(s).unwrap()).collect();
        let next = design::points(&params, next_design(&plan), wave_seed(5, 2)).unwrap();
        assert_eq!(next.len(), 10);
        assert!(next.iter(&params).all(|p| p.numbers[0] >= a.low && p.numbers[0] <= a.high));
        // Nothing non-implausible: no next wave.
        scored.iter_mut().for_each(|s| s.non_implausible = false);
        assert_eq!(next_box(&plan, &scored), None);
    }

    #[test]
    fn a_wave_computes_the_figures_its_observations_need() {
        let observations = observations::load("2024").unwrap();
        let sets = ["fleet.salem_health.staff.technicians_per_1000=3..20".to_string()];
        let request = SweepRequest {
            scenario: "salem-health",
            sets: &sets,
            design: Design::Lhs(3),
            seed: None,
            replications: 1,
        };
        let wave = plan_wave(&request, &observations).unwrap();
        let names: Vec<String> =
            wave.planned.plan.figures.iter().map(|f| f.name().into_owned()).collect();
        // 16:00 PDT on Saturday and Sunday, 42h51m and 66h51m after the start (the scenario
        // itself asks for the end of Monday too).
        for name in
            ["recovered_share_at_1d18h51m", "recovered_share_at_2d18h51m", "recovered_all_at_s"]
        {
            assert!(names.contains(&name.to_string()), "{name} not in {names:?}");
        }
        for spec in wave.planned.specs(&[0, 1, 2], 1).unwrap() {
            assert_eq!(spec.outputs.recovered_share_at_min, vec![2_571, 4_011, 5_931]);
        }
        // Seven days from the publication (at time zero here).
        assert_eq!(wave.censor_s, vec![7.0 * 86_400.0; 3]);
        // A swept horizon that leaves an observation outside some points is refused.
        let sets = ["horizon=2d,7d".to_string()];
        let request = SweepRequest { sets: &sets, design: Design::Grid, ..request };
        assert!(plan_wave(&request, &observations).is_err());
    }

    #[test]
    fn wave_seeds_differ_by_wave_and_repeat() {
        assert_eq!(wave_seed(1, 2), wave_seed(1, 2));
        assert_ne!(wave_seed(1, 2), wave_seed(1, 3));
        assert_ne!(wave_seed(1, 2), wave_seed(2, 2));
        assert_ne!(wave_seed(1, 2), 1);
    }

    #[test]
    fn the_best_point_has_the_smallest_largest_implausibility() {
        let plan = plan_of(&["a=1,2,3"], Design::Grid, 1, vec![]);
        let point = |i: usize, max: f64| Scored {
            point: i as u64,
            values: plan.point(i as u64).unwrap().values,
            numbers: plan.point(i as u64).unwrap().numbers,
            scores: vec![],
            max,
            non_implausible: max < 3.0,
        };
        let wave = |number, maxes: &[f64]| Wave {
            number,
            plan: plan.clone(),
            points: maxes.iter().enumerate().map(|(i, &m)| point(i, m)).collect(),
            next: None,
        };
        let cal = Calibration {
            scenario: "x".into(),
            name: "x".into(),
            observations: "o".into(),
            threshold: 3.0,
            targets: vec![],
            unscored: vec![],
            waves: vec![wave(1, &[5.0, 1.5, f64::INFINITY]), wave(2, &[1.5, 2.9, 0.7])],
        };
        let (at, best) = cal.best().unwrap();
        assert_eq!((at, best.max), (At { wave: 1, point: 2 }, 0.7));
        assert_eq!(cal.non_implausible().count(), 4);
        assert_eq!(cal.settings(at), vec![("a".to_string(), "3".to_string())]);
    }

    #[test]
    fn bands_become_targets_as_the_file_says() {
        let text = r#"(name: "o", observations: [
            (name: "band", figure: "recovered_share", at: "2024-07-20T00:00:00Z", observed: (low: 0.5, high: 0.7), source: "s"),
            (name: "stated", figure: "recovered_share", at: "2024-07-20T00:00:00Z", observed: (low: 0.5, high: 0.7), sd: 0.01, source: "s"),
            (name: "by", figure: "recovered_all_at_s", observed: (high: 7200), sd: "30m", source: "s"),
            (name: "one_end", figure: "endpoints_crashed", observed: (low: 10), source: "s"),
        ])"#;
        let file = observations::load_text("o.ron", text).unwrap();
        let applies = |name: &str, figure: Figure, low, high| {
            Observed::Applies(Observation {
                name: name.into(),
                figure,
                low,
                high,
                source: "s".into(),
            })
        };
        let observed = vec![
            applies("band", SHARE, Some(0.5), Some(0.7)),
            applies("stated", SHARE, Some(0.5), Some(0.7)),
            applies("by", ALL, None, Some(7_200.0)),
            applies("one_end", Metric::EndpointsCrashed.into(), Some(10.0), None),
            Observed::NotApplicable {
                name: "other".into(),
                source: "s".into(),
                reason: "for y".into(),
            },
        ];
        let (t, u) = targets(&file, &observed, &[]).unwrap();
        assert_eq!(t.len(), 3);
        assert!(
            (t[0].value - 0.6).abs() < 1e-12
                && (t[0].sd - 0.2 / 3.919_927_969_080_108).abs() < 1e-12
        );
        assert_eq!((t[0].sd_from, t[0].side), (SdFrom::Band, Side::Both));
        assert_eq!((t[1].sd, t[1].sd_from), (0.01, SdFrom::Stated));
        assert_eq!((t[2].value, t[2].sd, t[2].side), (7_200.0, 1_800.0, Side::AtMost));
        assert_eq!(u.len(), 2);
        assert!(u[0].reason.contains("one end and the file states no `sd`"), "{u:?}");
        assert_eq!(u[1].reason, "not applicable: for y");
        // Chosen by name.
        let (t, u) = targets(&file, &observed, &["by".to_string()]).unwrap();
        assert_eq!((t.len(), t[0].name.as_str(), u.len()), (1, "by", 0));
        let e = targets(&file, &observed, &["bnad".to_string()]).unwrap_err();
        assert!(e.contains("--observation bnad: o has no observation of that name"), "{e}");
        assert!(e.contains("did you mean `band`?"), "{e}");
        let e = targets(&file, &observed, &["one_end".to_string()]).unwrap_err();
        assert!(e.contains("--observation one_end: it cannot be scored"), "{e}");
        let e = targets(&file, &observed[3..], &[]).unwrap_err();
        assert!(e.contains("no observation can be scored"), "{e}");
    }
}
