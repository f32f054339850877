//! Random streams. There is no global or thread-local generator anywhere in the engine or the
//! model: every draw comes from a stream named by integers.
//!
//! Two kinds of stream:
//! - [`LpRng`], a sequential generator per logical process, seeded from
//!   (scenario seed, replication index, LP id). Its draws depend on the order in which the LP
//!   handles its events, which the scheduler makes deterministic.
//! - [`keyed`] values, counter-based: a pure hash of a key (seed, replication, entity, purpose,
//!   counter) mapped to a number. They do not depend on event order at all, which is what common
//!   random numbers need: the same endpoint gets the same dice under two policies.
//!
//! The generator is Xoshiro256++ (a named algorithm whose output will not change between
//! versions, unlike `StdRng`), seeded through SplitMix64.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The per-LP generator type.
pub type LpRng = Xoshiro256PlusPlus;

/// SplitMix64's finaliser: a bijective mix of 64 bits with good avalanche.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Combines words into one well-mixed 64-bit value. Order matters: `hash(&[a, b]) !=
/// hash(&[b, a])` in general.
#[inline]
pub fn hash_words(words: &[u64]) -> u64 {
    let mut h = 0x6A09_E667_F3BC_C908u64;
    for &w in words {
        h = mix64(h ^ w);
    }
    h
}

/// The seed of replication `replication` of a scenario with seed `seed`.
pub fn replication_seed(seed: u64, replication: u64) -> u64 {
    hash_words(&[seed, replication, 0x5245_504C])
}

/// The sequential stream of LP `lp` in replication `replication` of a run seeded `seed`.
pub fn lp_stream(seed: u64, replication: u64, lp: u32) -> LpRng {
    LpRng::seed_from_u64(hash_words(&[seed, replication, u64::from(lp), 0x4C50]))
}

/// Counter-based draws: a key of integers in, a number out, no state.
pub mod keyed {
    use super::hash_words;

    /// A uniform `f64` in [0, 1) with 53 bits of precision.
    #[inline]
    pub fn unit(key: &[u64]) -> f64 {
        unit_of_bits(hash_words(key))
    }

    /// A uniform `f64` in [0, 1) from the top 53 of 64 well-mixed bits.
    #[inline]
    pub fn unit_of_bits(bits: u64) -> f64 {
        (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform `f64` in (0, 1], safe to take the logarithm of.
    #[inline]
    pub fn unit_open0(key: &[u64]) -> f64 {
        ((hash_words(key) >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p` (clamped to [0, 1]).
    #[inline]
    pub fn chance(key: &[u64], p: f64) -> bool {
        unit(key) < p
    }

    /// An exponential variate with the given mean.
    #[inline]
    pub fn exponential(key: &[u64], mean: f64) -> f64 {
        -mean * unit_open0(key).ln()
    }

    /// A standard normal variate (Box–Muller on two derived uniforms).
    #[inline]
    pub fn normal(key: &[u64]) -> f64 {
        let h = hash_words(key);
        let u1 = ((h >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
        let u2 = unit_of_bits(super::mix64(h));
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A lognormal variate with the given mean and coefficient of variation (sd / mean).
    /// A coefficient of zero gives exactly the mean.
    #[inline]
    pub fn lognormal_mean_cv(key: &[u64], mean: f64, cv: f64) -> f64 {
        LogNormal::new(mean, cv).sample(key)
    }

    /// A lognormal law by mean and coefficient of variation, its parameters worked out once:
    /// [`LogNormal::sample`] draws what [`lognormal_mean_cv`] does, bit for bit, without the
    /// two logarithms and the square root of the set-up.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct LogNormal {
        mean: f64,
        /// `None` for a coefficient of zero: the mean exactly.
        mu_sigma: Option<(f64, f64)>,
    }

    impl LogNormal {
        pub fn new(mean: f64, cv: f64) -> LogNormal {
            let mu_sigma = (cv > 0.0).then(|| {
                let sigma2 = (1.0 + cv * cv).ln();
                (mean.ln() - sigma2 / 2.0, sigma2.sqrt())
            });
            LogNormal { mean, mu_sigma }
        }

        #[inline]
        pub fn sample(&self, key: &[u64]) -> f64 {
            match self.mu_sigma {
                None => self.mean,
                Some((mu, sigma)) => (mu + sigma * normal(key)).exp(),
            }
        }
    }

    /// A geometric count of failures before the first success, success probability `p` per
    /// trial; `u32::MAX` when `p` is zero.
    #[inline]
    pub fn geometric_failures(key: &[u64], p: f64) -> u32 {
        if p >= 1.0 {
            return 0;
        }
        if p <= 0.0 {
            return u32::MAX;
        }
        let u = unit_open0(key);
        let k = (u.ln() / (1.0 - p).ln()).floor();
        if k >= u32::MAX as f64 { u32::MAX } else { k as u32 }
    }

    /// A uniform integer in `0..n` (n > 0), by multiply-shift (negligible bias for n << 2^64).
    #[inline]
    pub fn below(key: &[u64], n: u64) -> u64 {
        ((u128::from(hash_words(key)) * u128::from(n)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_by_every_key_part_and_repeat_exactly() {
        let first = |s, r, lp| lp_stream(s, r, lp).next_u64();
        assert_eq!(first(1, 0, 0), first(1, 0, 0));
        assert_ne!(first(1, 0, 0), first(2, 0, 0));
        assert_ne!(first(1, 0, 0), first(1, 1, 0));
        assert_ne!(first(1, 0, 0), first(1, 0, 1));
    }

    #[test]
    fn keyed_unit_is_uniform_enough() {
        let n = 100_000u64;
        let mean: f64 = (0..n).map(|i| keyed::unit(&[7, i])).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
        let below_tenth = (0..n).filter(|&i| keyed::unit(&[7, i]) < 0.1).count();
        assert!((below_tenth as f64 / n as f64 - 0.1).abs() < 0.005);
    }

    #[test]
    fn keyed_lognormal_has_the_requested_mean() {
        let n = 200_000u64;
        let mean: f64 =
            (0..n).map(|i| keyed::lognormal_mean_cv(&[3, i], 20.0, 0.5)).sum::<f64>() / n as f64;
        assert!((mean - 20.0).abs() < 0.2, "mean {mean}");
        assert_eq!(keyed::lognormal_mean_cv(&[3, 1], 20.0, 0.0), 20.0);
    }

    /// The law set up once draws, bit for bit, what setting it up at every draw does.
    #[test]
    fn a_lognormal_law_set_up_once_draws_the_same_bits() {
        for (mean, cv) in [(20.0, 0.5), (720_000.0, 0.3), (1.0, 2.0), (5.0, 0.0)] {
            let law = keyed::LogNormal::new(mean, cv);
            for i in 0..1_000u64 {
                let key = [11, i];
                let every_time = if cv <= 0.0 {
                    mean
                } else {
                    let sigma2 = (1.0f64 + cv * cv).ln();
                    (mean.ln() - sigma2 / 2.0 + sigma2.sqrt() * keyed::normal(&key)).exp()
                };
                assert_eq!(law.sample(&key).to_bits(), every_time.to_bits(), "{mean} {cv} {i}");
            }
        }
    }

    #[test]
    fn keyed_geometric_has_mean_q_over_p() {
        let n = 200_000u64;
        let p = 0.2;
        let mean: f64 =
            (0..n).map(|i| f64::from(keyed::geometric_failures(&[9, i], p))).sum::<f64>()
                / n as f64;
        assert!((mean - (1.0 - p) / p).abs() < 0.05, "mean {mean}");
        assert_eq!(keyed::geometric_failures(&[1], 1.0), 0);
        assert_eq!(keyed::geometric_failures(&[1], 0.0), u32::MAX);
    }
}
