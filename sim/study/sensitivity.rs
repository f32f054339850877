//! Which parameters matter: ranks a sweep's parameters by their effect on an outcome.
//!
//! On a grid, the one-way effect of a parameter is the outcome averaged over everything else at
//! its lowest and at its highest value; the two averages make a tornado bar. On a Latin
//! hypercube, standardized regression coefficients (the least-squares slopes of the
//! standardized outcome on the standardized parameters) rank parameters by how many standard
//! deviations of outcome one standard deviation of each moves.

/// One parameter's effect on the outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    pub parameter: String,
    /// Tornado: the mean outcome at the parameter's lowest and at its highest value.
    /// Regression: the outcome's change, in its units, for one standard deviation of the
    /// parameter below and above its mean (minus and plus coefficient × sd of the outcome).
    pub low: f64,
    pub high: f64,
}

impl Effect {
    pub fn size(&self) -> f64 {
        (self.high - self.low).abs()
    }
}

/// One-way effects from grid runs: `x[i][p]` is run i's value of parameter p, `y[i]` its
/// outcome. Returns effects sorted by size, largest first.
pub fn tornado(names: &[String], x: &[Vec<f64>], y: &[f64]) -> Vec<Effect> {
    let mut effects: Vec<Effect> = names
        .iter()
        .enumerate()
        .map(|(p, name)| {
            let mut levels: Vec<(f64, f64, u64)> = Vec::new();
            for (row, &out) in x.iter().zip(y) {
                let v = row[p];
                match levels.iter_mut().find(|(l, _, _)| *l == v) {
                    Some((_, sum, n)) => {
                        *sum += out;
                        *n += 1;
                    }
                    None => levels.push((v, out, 1)),
                }
            }
            let mean = |l: &(f64, f64, u64)| l.1 / l.2 as f64;
            let lowest = levels.iter().min_by(|a, b| a.0.total_cmp(&b.0));
            let highest = levels.iter().max_by(|a, b| a.0.total_cmp(&b.0));
            let (low, high) = match (lowest, highest) {
                (Some(l), Some(h)) => (mean(l), mean(h)),
                _ => (f64::NAN, f64::NAN),
            };
            Effect { parameter: name.clone(), low, high }
        })
        .collect();
    sort_by_size(&mut effects);
    effects
}

fn sort_by_size(effects: &mut [Effect]) {
    effects.sort_by(|a, b| b.size().total_cmp(&a.size()).then(a.parameter.cmp(&b.parameter)));
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

/// Solves `a · x = b` by Gaussian elimination with partial pivoting; `None` if singular.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (above, below) = a.split_at_mut(col + 1);
        let pivot_row = &above[col];
        for (offset, row) in below.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[col + 1 + offset] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// Standardized regression coefficients of `y` on the columns of `x`, with their effects
/// expressed as ± coefficient × sd(y). Parameters that do not vary get zero. `None` when there
/// are too few runs to fit, or the outcome does not vary.
pub fn regression(names: &[String], x: &[Vec<f64>], y: &[f64]) -> Option<Vec<(Effect, f64)>> {
    let p = names.len();
    if y.len() <= p + 1 {
        return None;
    }
    let (y_mean, y_sd) = mean_sd(y);
    if y_sd == 0.0 {
        return None;
    }
    let columns: Vec<(f64, f64)> =
        (0..p).map(|j| mean_sd(&x.iter().map(|r| r[j]).collect::<Vec<_>>())).collect();
    let varying: Vec<usize> = (0..p).filter(|&j| columns[j].1 > 0.0).collect();
    let z = |row: &Vec<f64>, j: usize| (row[j] - columns[j].0) / columns[j].1;
    let k = varying.len();
    let mut xtx = vec![vec![0.0; k]; k];
    let mut xty = vec![0.0; k];
    for (row, &out) in x.iter().zip(y) {
        let zy = (out - y_mean) / y_sd;
        for (a, &ja) in varying.iter().enumerate() {
            xty[a] += z(row, ja) * zy;
            for (b, &jb) in varying.iter().enumerate() {
                xtx[a][b] += z(row, ja) * z(row, jb);
            }
        }
    }
    let beta = solve(xtx, xty)?;
    let mut coefficients = vec![0.0; p];
    for (a, &j) in varying.iter().enumerate() {
        coefficients[j] = beta[a];
    }
    let mut out: Vec<(Effect, f64)> = names
        .iter()
        .zip(&coefficients)
        .map(|(name, &c)| (Effect { parameter: name.clone(), low: -c * y_sd, high: c * y_sd }, c))
        .collect();
    out.sort_by(|a, b| b.0.size().total_cmp(&a.0.size()).then(a.0.parameter.cmp(&b.0.parameter)));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use blastradius_engine::random::keyed;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn tornado_averages_over_the_other_parameters() {
        // y = 10a + b on the grid a in {0, 1}, b in {0, 1, 2}.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for a in [0.0, 1.0] {
            for b in [0.0, 1.0, 2.0] {
                x.push(vec![a, b]);
                y.push(10.0 * a + b);
            }
        }
        let e = tornado(&names(&["a", "b"]), &x, &y);
        assert_eq!(e[0], Effect { parameter: "a".into(), low: 1.0, high: 11.0 });
        assert_eq!(e[1], Effect { parameter: "b".into(), low: 5.0, high: 7.0 });
    }

    #[test]
    fn regression_recovers_known_standardized_coefficients() {
        // y = 3a - b exactly, a and b independent uniforms: the SRCs are 3 sd(a)/sd(y) and
        // -sd(b)/sd(y); with equal spreads, 3/sqrt(10) and -1/sqrt(10).
        let n = 2_000u64;
        let x: Vec<Vec<f64>> =
            (0..n).map(|i| vec![keyed::unit(&[1, i]), keyed::unit(&[2, i])]).collect();
        let y: Vec<f64> = x.iter().map(|r| 3.0 * r[0] - r[1]).collect();
        let fit = regression(&names(&["a", "b"]), &x, &y).unwrap();
        let coef = |name: &str| fit.iter().find(|(e, _)| e.parameter == name).unwrap().1;
        assert!((coef("a") - 3.0 / 10f64.sqrt()).abs() < 0.02, "{}", coef("a"));
        assert!((coef("b") + 1.0 / 10f64.sqrt()).abs() < 0.02, "{}", coef("b"));
        assert_eq!(fit[0].0.parameter, "a");
    }

    #[test]
    fn regression_needs_enough_varying_data() {
        assert!(regression(&names(&["a"]), &[vec![1.0], vec![2.0]], &[1.0, 2.0]).is_none());
        let x = vec![vec![1.0]; 5];
        assert!(regression(&names(&["a"]), &x, &[3.0; 5]).is_none());
        // A constant parameter gets no effect.
        let x: Vec<Vec<f64>> = (0..10).map(|i| vec![i as f64, 7.0]).collect();
        let y: Vec<f64> = (0..10).map(|i| 2.0 * i as f64).collect();
        let fit = regression(&names(&["a", "c"]), &x, &y).unwrap();
        assert_eq!(fit[1].1, 0.0);
    }
}
