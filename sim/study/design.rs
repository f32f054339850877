//! Sweep designs: which parameter values to run, in which runs, seeded how.
//!
//! A parameter is a scenario field path and its values: a list (`0.01,0.05,0.1`, `30m,1h,2h`)
//! or a range with a count (`0.001..0.1:10`, `0.001..0.1:10:log`, `30m..4h:8`); a Latin
//! hypercube also takes a range without one (`5..25`, `5m..30m`). A grid takes
//! every combination; a Latin hypercube takes K points, each parameter's range cut into K equal
//! strata with one point in each. Every (point, replication) run is seeded from (seed, point,
//! replication) alone, so results do not depend on which machine or in which order it ran, and
//! shards are fixed slices of the run numbers.

use blastradius_engine::random::{hash_words, keyed};
use blastradius_scenario::units::Duration;

/// What kind of values a parameter takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Number,
    /// Written with units; numerically in hours.
    Duration,
}

/// A range a parameter's values come from, for Latin hypercube sampling.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub low: f64,
    pub high: f64,
    pub log: bool,
}

/// One swept field.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub path: String,
    /// The values as written after `=`, to record and re-read the sweep.
    pub source: String,
    pub kind: Kind,
    /// The values as numbers (durations in hours), for charts and regression.
    pub numbers: Vec<f64>,
    /// The values of a list as written; a range's are made from its numbers when asked
    /// ([`Parameter::value`]), so a range of a million values holds only the numbers.
    texts: Option<Vec<String>>,
    /// Set when the values came from a range.
    pub range: Option<Range>,
}

impl Parameter {
    /// How many values the parameter takes.
    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }

    /// The `i`-th value as text, ready to set into the scenario.
    pub fn value(&self, i: usize) -> String {
        match &self.texts {
            Some(texts) => texts[i].clone(),
            None => text_of(self.kind, self.numbers[i]),
        }
    }

    /// Every value as text.
    pub fn values(&self) -> Vec<String> {
        (0..self.len()).map(|i| self.value(i)).collect()
    }
}

/// Rounds to ten significant digits so that generated values print cleanly (0.023, not
/// 0.023000000000000003).
fn clean(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.9e}").parse().unwrap_or(x)
}

fn number_text(x: f64) -> String {
    let x = clean(x);
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{x:.1}") } else { format!("{x}") }
}

fn duration_text(hours: f64) -> String {
    let ms = (hours * 3_600_000.0).round().max(0.0) as u64;
    Duration::millis(ms).to_string()
}

fn parse_value(text: &str) -> Result<(Kind, f64), String> {
    let t = text.trim();
    if let Ok(x) = t.parse::<f64>() {
        return if x.is_finite() {
            Ok((Kind::Number, x))
        } else {
            Err(format!("\"{t}\" is not a finite number"))
        };
    }
    match t.parse::<Duration>() {
        Ok(d) => Ok((Kind::Duration, d.sim().as_hours_f64())),
        Err(_) => Err(format!("\"{t}\" is neither a number nor a duration like 30m")),
    }
}

/// Parses `PATH=VALUES`.
pub fn parse_set(arg: &str) -> Result<Parameter, String> {
    let (path, values) = arg.split_once('=').ok_or_else(|| {
        format!("--set {arg}: expected PATH=VALUES, e.g. vendor.rollout.rings[0].share=0.01,0.05")
    })?;
    let (path, values) = (path.trim(), values.trim());
    if path.is_empty() {
        return Err(format!("--set {arg}: the field path is empty"));
    }
    if values.is_empty() {
        return Err(format!(
            "--set {arg}: no values; give a list (0.1,0.2) or a range (0.1..0.5:5)"
        ));
    }
    let values_text = values;
    // A range without a count, for Latin hypercubes, which only need its ends.
    if values.contains("..") && !values.contains(':') {
        let (low, high) = values.split_once("..").unwrap_or((values, ""));
        let (low_kind, low) = parse_value(low).map_err(|e| format!("--set {arg}: {e}"))?;
        let (high_kind, high) = parse_value(high).map_err(|e| format!("--set {arg}: {e}"))?;
        if low_kind != high_kind {
            return Err(format!(
                "--set {arg}: both ends of a range must be numbers, or both durations"
            ));
        }
        if high.partial_cmp(&low) != Some(std::cmp::Ordering::Greater) {
            return Err(format!(
                "--set {arg}: the range is empty: its end must be above its start"
            ));
        }
        return Ok(Parameter {
            path: path.to_string(),
            source: values_text.to_string(),
            kind: low_kind,
            numbers: Vec::new(),
            texts: None,
            range: Some(Range { low, high, log: false }),
        });
    }
    if let Some((range, rest)) = values.split_once(':').filter(|(r, _)| r.contains("..")) {
        let (low, high) = range.split_once("..").unwrap_or((range, ""));
        let (low_kind, low) = parse_value(low).map_err(|e| format!("--set {arg}: {e}"))?;
        let (high_kind, high) = parse_value(high).map_err(|e| format!("--set {arg}: {e}"))?;
        if low_kind != high_kind {
            return Err(format!(
                "--set {arg}: both ends of a range must be numbers, or both durations"
            ));
        }
        let mut parts = rest.split(':');
        let count: u64 =
            parts.next().and_then(|c| c.trim().parse().ok()).filter(|&c| c > 0).ok_or_else(
                || format!("--set {arg}: the range needs a count of values above 0 after ':'"),
            )?;
        // Refused before a value is made: 4,000,000,000 values once took 32 GB to refuse.
        if count > MAX_POINTS {
            return Err(format!(
                "--set {arg}: {count} values is more than the {MAX_POINTS} points a sweep may have"
            ));
        }
        let count = count as usize;
        let log = match parts.next().map(str::trim) {
            None => false,
            Some("log") => true,
            Some(other) => {
                return Err(format!(
                    "--set {arg}: unknown range option \"{other}\"; only \"log\" is known"
                ));
            }
        };
        if let Some(extra) = parts.next() {
            return Err(format!(
                "--set {arg}: unexpected \":{extra}\" after the range; write low..high:count or \
                 low..high:count:log"
            ));
        }
        if high.partial_cmp(&low) != Some(std::cmp::Ordering::Greater) {
            return Err(format!(
                "--set {arg}: the range is empty: its end must be above its start"
            ));
        }
        if log && low <= 0.0 {
            return Err(format!("--set {arg}: a log range must start above 0"));
        }
        let range = Range { low, high, log };
        let numbers: Vec<f64> = (0..count)
            .map(|i| {
                let f = if count == 1 { 0.5 } else { i as f64 / (count - 1) as f64 };
                clean(interpolate(range, f))
            })
            .collect();
        return Ok(Parameter {
            path: path.to_string(),
            source: values_text.to_string(),
            kind: low_kind,
            numbers,
            texts: None,
            range: Some(range),
        });
    }
    let mut kind = None;
    let mut numbers = Vec::new();
    let mut texts = Vec::new();
    for item in values.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!("--set {arg}: an empty value in the list"));
        }
        if texts.len() as u64 >= MAX_POINTS {
            return Err(format!("--set {arg}: more than the {MAX_POINTS} values a sweep may have"));
        }
        let (k, x) = parse_value(item).map_err(|e| format!("--set {arg}: {e}"))?;
        if *kind.get_or_insert(k) != k {
            return Err(format!("--set {arg}: mixes numbers and durations"));
        }
        numbers.push(x);
        texts.push(item.to_string());
    }
    Ok(Parameter {
        path: path.to_string(),
        source: values.to_string(),
        kind: kind.unwrap_or(Kind::Number),
        numbers,
        texts: Some(texts),
        range: None,
    })
}

fn interpolate(r: Range, f: f64) -> f64 {
    if r.log {
        (r.low.ln() + f * (r.high.ln() - r.low.ln())).exp()
    } else {
        r.low + f * (r.high - r.low)
    }
}

/// A value of a parameter of this kind as a `--set` writes it: `12.5`, `1h30m`.
pub fn value_text(kind: Kind, x: f64) -> String {
    text_of(kind, x)
}

fn text_of(kind: Kind, x: f64) -> String {
    match kind {
        Kind::Number => number_text(x),
        Kind::Duration => duration_text(x),
    }
}

/// How points are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Design {
    Grid,
    /// Latin hypercube with this many points.
    Lhs(u64),
}

/// One combination of parameter values.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub index: u64,
    pub values: Vec<String>,
    pub numbers: Vec<f64>,
}

/// Most points a design may have.
pub const MAX_POINTS: u64 = 1_000_000;

/// How many points a design has, counted without making them: the product of the parameters'
/// value counts for a grid (refused past [`MAX_POINTS`] as soon as the product passes it, so a
/// grid of a billion points is refused at once), the sample count for a Latin hypercube.
pub fn count_points(params: &[Parameter], design: Design) -> Result<u64, String> {
    if params.is_empty() {
        return Err("a sweep needs at least one --set".into());
    }
    match design {
        Design::Grid if params.iter().any(Parameter::is_empty) => {
            let p = params.iter().find(|p| p.is_empty()).expect("checked just above");
            Err(format!(
                "--set {}={}: a grid needs a count of values, e.g. {}:5; or use --design lhs",
                p.path, p.source, p.source
            ))
        }
        Design::Grid => params
            .iter()
            .try_fold(1u64, |acc, p| acc.checked_mul(p.len() as u64))
            .filter(|&t| t <= MAX_POINTS)
            .ok_or_else(|| {
                format!(
                    "the grid has more than {MAX_POINTS} points ({}); use fewer values or \
                     --design lhs",
                    params.iter().map(|p| p.len().to_string()).collect::<Vec<_>>().join(" x ")
                )
            }),
        Design::Lhs(k) if k == 0 || k > MAX_POINTS => {
            Err(format!("--samples must be between 1 and {MAX_POINTS}"))
        }
        Design::Lhs(k) => Ok(k),
    }
}

/// The points of a design, made one at a time from their index, so that a sweep of a million
/// points holds none of them: a grid's point from the digits of its index (the last parameter
/// varies fastest), a Latin hypercube's from its strata (one `u32` per parameter and point) and
/// keyed draws. The parameters themselves are not kept here; each call is given them.
#[derive(Clone, Debug, PartialEq)]
pub struct Points {
    design: Design,
    seed: u64,
    count: u64,
    /// Latin hypercube only: `strata[p][index]`, the stratum of parameter `p` at the point.
    strata: Vec<Vec<u32>>,
}

impl Points {
    /// How many points there are.
    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The point with this index, over the parameters the design was made for; `None` past
    /// the last point.
    pub fn get(&self, params: &[Parameter], index: u64) -> Option<Point> {
        if index >= self.count {
            return None;
        }
        Some(match self.design {
            Design::Grid => {
                // The last parameter varies fastest.
                let mut rest = index;
                let mut idx = vec![0; params.len()];
                for (p, param) in params.iter().enumerate().rev() {
                    let n = param.len() as u64;
                    idx[p] = (rest % n) as usize;
                    rest /= n;
                }
                Point {
                    index,
                    values: params.iter().zip(&idx).map(|(p, &i)| p.value(i)).collect(),
                    numbers: params.iter().zip(&idx).map(|(p, &i)| p.numbers[i]).collect(),
                }
            }
            Design::Lhs(k) => {
                let seed = self.seed;
                let mut values = Vec::new();
                let mut numbers = Vec::new();
                for (p, param) in params.iter().enumerate() {
                    let u = (f64::from(self.strata[p][index as usize])
                        + keyed::unit(&[seed, p as u64, index, 0x4C55]))
                        / k as f64;
                    match param.range {
                        Some(range) => {
                            let x = clean(interpolate(range, u));
                            values.push(text_of(param.kind, x));
                            numbers.push(x);
                        }
                        None => {
                            let i = ((u * param.len() as f64) as usize).min(param.len() - 1);
                            values.push(param.value(i));
                            numbers.push(param.numbers[i]);
                        }
                    }
                }
                Point { index, values, numbers }
            }
        })
    }

    /// Every point in index order, made as the iterator reaches it.
    pub fn iter<'a>(&'a self, params: &'a [Parameter]) -> impl Iterator<Item = Point> + 'a {
        (0..self.count).filter_map(move |i| self.get(params, i))
    }
}

/// The points of a design over the parameters (refused past [`MAX_POINTS`]).
pub fn points(params: &[Parameter], design: Design, seed: u64) -> Result<Points, String> {
    let count = count_points(params, design)?;
    let strata = match design {
        Design::Grid => Vec::new(),
        Design::Lhs(k) => (0..params.len())
            .map(|p| permutation(k, hash_words(&[seed, p as u64, 0x4C48])))
            .collect(),
    };
    Ok(Points { design, seed, count, strata })
}

/// A random permutation of 0..n (Fisher–Yates on keyed draws); n is at most [`MAX_POINTS`].
fn permutation(n: u64, key: u64) -> Vec<u32> {
    let mut v: Vec<u32> = (0..n as u32).collect();
    for i in (1..n as usize).rev() {
        let j = keyed::below(&[key, i as u64], i as u64 + 1) as usize;
        v.swap(i, j);
    }
    v
}

/// The I-th of N disjoint slices of a sweep's runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N` with 0 <= I < N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (i, n) = text.split_once('/').ok_or_else(|| {
            format!("--shard {text}: expected I/N, e.g. 0/4 for the first of four")
        })?;
        let (i, n): (u64, u64) = match (i.trim().parse(), n.trim().parse()) {
            (Ok(i), Ok(n)) => (i, n),
            _ => return Err(format!("--shard {text}: I and N must be whole numbers")),
        };
        if n == 0 || i >= n {
            return Err(format!(
                "--shard {text}: I must be between 0 and N-1 (shards are numbered from 0), e.g. 0/{n} to {}/{n}",
                n.max(1) - 1
            ));
        }
        Ok(Shard { index: i, count: n })
    }

    pub fn includes(self, run: u64) -> bool {
        run % self.count == self.index
    }
}

/// A run of a sweep: a point and a replication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunId {
    pub point: u64,
    pub replication: u64,
}

impl RunId {
    /// The run's number: points in order, replications within a point.
    pub fn number(self, replications: u64) -> u64 {
        self.point * replications + self.replication
    }
}

/// The runs a shard does, in run order, made as the iterator reaches them (a sweep may have
/// a hundred billion runs, most of them in other shards).
pub fn runs(points: u64, replications: u64, shard: Shard) -> impl Iterator<Item = RunId> {
    // Run numbers are point * replications + replication; the shard's are index, index +
    // count, ... below the total.
    let total = points.saturating_mul(replications);
    let reps = replications.max(1);
    (shard.index..total)
        .step_by(shard.count.max(1) as usize)
        .map(move |n| RunId { point: n / reps, replication: n % reps })
}

/// How many runs a shard does, counted without making them.
pub fn shard_runs(points: u64, replications: u64, shard: Shard) -> u64 {
    let total = points.saturating_mul(replications);
    if shard.index >= total { 0 } else { (total - shard.index).div_ceil(shard.count.max(1)) }
}

/// The scenario seed of a sweep point: the replication index then seeds the run as usual, so a
/// run's dice depend on (seed, point, replication) alone.
pub fn point_seed(seed: u64, point: u64) -> u64 {
    hash_words(&[seed, point, 0x0053_5745_4550])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_ranges_parse_into_values() {
        let p = parse_set("vendor.rollout.rings[0].share=0.01,0.05,0.1").unwrap();
        assert_eq!(p.path, "vendor.rollout.rings[0].share");
        assert_eq!(p.values(), vec!["0.01", "0.05", "0.1"]);
        assert_eq!(p.numbers, vec![0.01, 0.05, 0.1]);
        let p = parse_set("x=0.001..0.1:3:log").unwrap();
        assert_eq!(p.numbers, vec![0.001, 0.01, 0.1]);
        let p = parse_set("x=0..1:5").unwrap();
        assert_eq!(p.values(), vec!["0.0", "0.25", "0.5", "0.75", "1.0"]);
        let p = parse_set("x=30m,1h,2h").unwrap();
        assert_eq!((p.kind, p.numbers.clone()), (Kind::Duration, vec![0.5, 1.0, 2.0]));
        let p = parse_set("x=1h..3h:3").unwrap();
        assert_eq!(p.values(), vec!["1h", "2h", "3h"]);
        // Without a count: only the ends, for a Latin hypercube.
        let p = parse_set("x=5..25").unwrap();
        assert_eq!((p.len(), p.range), (0, Some(Range { low: 5.0, high: 25.0, log: false })));
        let p = parse_set("x=5m..30m").unwrap();
        assert_eq!((p.kind, p.range.map(|r| r.high)), (Kind::Duration, Some(0.5)));
        let params = [p];
        let pts = points(&params, Design::Lhs(4), 1).unwrap();
        assert!(
            pts.iter(&params).all(|q| q.numbers[0] >= 5.0 / 60.0 && q.numbers[0] <= 0.5),
            "{pts:?}"
        );
        let e = points(&[parse_set("x=5..25").unwrap()], Design::Grid, 1).unwrap_err();
        assert!(e.contains("a grid needs a count of values, e.g. 5..25:5"), "{e}");
        assert_eq!(value_text(Kind::Duration, 1.5), "1h30m");
        assert_eq!(value_text(Kind::Number, 12.0), "12.0");
    }

    #[test]
    fn bad_values_are_refused_with_a_reason() {
        for (arg, says) in [
            ("x", "PATH=VALUES"),
            ("=1", "path is empty"),
            ("x=", "no values"),
            ("x=1,,2", "empty value"),
            ("x=1,banana", "neither a number"),
            ("x=1,2h", "mixes"),
            ("x=5..1:3", "range is empty"),
            ("x=1..5:0", "count"),
            ("x=0..5:3:log", "log range"),
            ("x=1..5:3:cubic", "unknown range option"),
            ("x=1..2h:3", "both ends"),
            ("x=1..2h", "both ends"),
            ("x=5..1", "range is empty"),
            ("x=1..banana", "neither a number"),
            ("x=1..2:4000000000", "more than the 1000000 points"),
            ("x=1..2:3:log:x", "unexpected \":x\""),
            ("x=1..2:3:lin", "unknown range option"),
        ] {
            let e = parse_set(arg).unwrap_err();
            assert!(e.contains(says), "{arg}: {e}");
        }
    }

    #[test]
    fn a_grid_takes_every_combination_last_parameter_fastest() {
        let a = parse_set("a=1,2").unwrap();
        let b = parse_set("b=10,20,30").unwrap();
        let params = [a, b];
        let pts = points(&params, Design::Grid, 1).unwrap();
        let v: Vec<Vec<f64>> = pts.iter(&params).map(|p| p.numbers.clone()).collect();
        assert_eq!(v.len(), 6);
        assert_eq!(v[0], vec![1.0, 10.0]);
        assert_eq!(v[1], vec![1.0, 20.0]);
        assert_eq!(v[5], vec![2.0, 30.0]);
    }

    #[test]
    fn a_latin_hypercube_puts_one_point_in_every_stratum_of_every_parameter() {
        let a = parse_set("a=0..1:2").unwrap();
        let b = parse_set("b=1..100:2:log").unwrap();
        let k = 20;
        let params = [a, b];
        let pts = points(&params, Design::Lhs(k), 7).unwrap();
        assert_eq!(pts.len(), 20);
        let pts: Vec<Point> = pts.iter(&params).collect();
        let mut strata_a: Vec<u64> = pts.iter().map(|p| (p.numbers[0] * k as f64) as u64).collect();
        strata_a.sort_unstable();
        assert_eq!(strata_a, (0..k).collect::<Vec<_>>());
        let mut strata_b: Vec<u64> =
            pts.iter().map(|p| (p.numbers[1].log10() / 2.0 * k as f64) as u64).collect();
        strata_b.sort_unstable();
        assert_eq!(strata_b, (0..k).collect::<Vec<_>>());
        assert_eq!(points(&[parse_set("a=0..1:2").unwrap()], Design::Lhs(5), 7).unwrap().len(), 5);
    }

    #[test]
    fn shards_split_runs_disjointly_and_completely() {
        let all: Vec<RunId> = runs(7, 3, Shard::ALL).collect();
        assert_eq!(all.len(), 21);
        assert_eq!(all[4], RunId { point: 1, replication: 1 });
        let mut union: Vec<RunId> =
            (0..3).flat_map(|i| runs(7, 3, Shard { index: i, count: 3 })).collect();
        union.sort();
        assert_eq!(union, all);
        for count in 1..5 {
            for index in 0..count {
                let shard = Shard { index, count };
                assert_eq!(shard_runs(7, 3, shard), runs(7, 3, shard).count() as u64);
                assert!(runs(7, 3, shard).all(|r| shard.includes(r.number(3))));
            }
        }
        assert_eq!(shard_runs(2, 1, Shard { index: 4, count: 5 }), 0);
        assert!(Shard::parse("3/3").unwrap_err().contains("between 0 and N-1"));
        assert!(Shard::parse("1/0").is_err());
        assert!(Shard::parse("a/b").is_err());
        assert_eq!(Shard::parse("2/3").unwrap(), Shard { index: 2, count: 3 });
    }

    #[test]
    fn point_seeds_differ_by_point_and_repeat() {
        assert_eq!(point_seed(1, 5), point_seed(1, 5));
        assert_ne!(point_seed(1, 5), point_seed(1, 6));
        assert_ne!(point_seed(1, 5), point_seed(2, 5));
    }
}
