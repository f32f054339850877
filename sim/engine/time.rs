//! Integer simulated time. Events are ordered by these integers, never by floats.
//!
//! `SimTime` is milliseconds since the start of a simulation; `SimDuration` is a span of
//! milliseconds. Both are `u64`, so a run can last 584 million years before overflow, and
//! arithmetic saturates rather than wraps so that "never" (`SimTime::MAX`) stays never.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A point in simulated time: milliseconds since the simulation started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    /// A time after every other: used for "never" and for empty queues.
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_millis(ms: u64) -> SimTime {
        SimTime(ms)
    }
    pub const fn from_secs(s: u64) -> SimTime {
        SimTime(s.saturating_mul(1_000))
    }
    pub const fn as_millis(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }
    pub fn as_hours_f64(self) -> f64 {
        self.0 as f64 / 3_600_000.0
    }
    /// The span from `earlier` to `self`, zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms)
    }
    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s.saturating_mul(1_000))
    }
    pub const fn from_mins(m: u64) -> SimDuration {
        SimDuration(m.saturating_mul(60_000))
    }
    pub const fn from_hours(h: u64) -> SimDuration {
        SimDuration(h.saturating_mul(3_600_000))
    }
    pub const fn from_days(d: u64) -> SimDuration {
        SimDuration(d.saturating_mul(86_400_000))
    }
    /// Converts a float number of seconds, rounding to the nearest millisecond; negative and
    /// NaN inputs give zero, overlarge ones saturate.
    pub fn from_secs_f64(s: f64) -> SimDuration {
        // `as` saturates for out-of-range floats and maps NaN to 0.
        SimDuration((s * 1_000.0).round() as u64)
    }
    pub fn from_hours_f64(h: f64) -> SimDuration {
        SimDuration::from_secs_f64(h * 3_600.0)
    }
    pub const fn as_millis(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }
    pub fn as_hours_f64(self) -> f64 {
        self.0 as f64 / 3_600_000.0
    }
    pub fn mul_f64(self, k: f64) -> SimDuration {
        SimDuration((self.0 as f64 * k).round() as u64)
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Sub<SimDuration> for SimTime {
    type Output = SimTime;
    fn sub(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_sub(d.0))
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl AddAssign for SimDuration {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Sub for SimDuration {
    type Output = SimDuration;
    fn sub(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(d.0))
    }
}

impl fmt::Display for SimTime {
    /// Formats as `t+<duration>`, e.g. `t+1h18m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == SimTime::MAX {
            return write!(f, "never");
        }
        write!(f, "t+{}", SimDuration(self.0))
    }
}

impl fmt::Display for SimDuration {
    /// Formats with the largest whole units, e.g. `1d2h`, `78m`, `1.5s`, `250ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        if ms == 0 {
            return write!(f, "0s");
        }
        if !ms.is_multiple_of(1_000) {
            return if ms < 1_000 {
                write!(f, "{ms}ms")
            } else {
                write!(f, "{}s", ms as f64 / 1_000.0)
            };
        }
        let mut s = ms / 1_000;
        let mut out = String::new();
        for (unit, len) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if s >= len {
                out.push_str(&format!("{}{unit}", s / len));
                s %= len;
            }
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_so_never_stays_never() {
        assert_eq!(SimTime::MAX + SimDuration::from_secs(1), SimTime::MAX);
        assert_eq!(SimTime(5) - SimDuration(10), SimTime::ZERO);
        assert_eq!(SimTime(5).since(SimTime(10)), SimDuration::ZERO);
    }

    #[test]
    fn durations_display_in_largest_units() {
        let check = |d: SimDuration, s: &str| assert_eq!(d.to_string(), s);
        check(SimDuration::from_mins(78), "1h18m");
        check(SimDuration::from_days(14), "14d");
        check(SimDuration::from_secs(90), "1m30s");
        check(SimDuration(250), "250ms");
        check(SimDuration(1_500), "1.5s");
        check(SimDuration::ZERO, "0s");
    }

    #[test]
    fn float_conversion_rounds_and_clamps() {
        assert_eq!(SimDuration::from_secs_f64(1.2345), SimDuration(1_235));
        assert_eq!(SimDuration::from_secs_f64(-3.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(f64::INFINITY), SimDuration::MAX);
    }
}
