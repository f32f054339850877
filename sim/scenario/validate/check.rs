//! The checker every part of validation writes its problems to, and the checks the parts share:
//! shares, signs, durations with a floor, mixes that add up to 1, time distributions, UTC
//! offsets, fleet-wide policies, and the file's enums as the model's. It knows no part of the
//! format beyond those value shapes.

use blastradius_engine::SimDuration;
use blastradius_model::spec::{self as m, Share};

use super::Diagnostic;
use crate::raw::{self, Setting};
use crate::units::Duration;

/// How far from 1 a sum of shares may be and still count as 1.
pub const SUM_TOLERANCE: f64 = 1e-6;
/// The largest number of 0 or more a field may hold (sizes, rates, factors): large enough for
/// anything real, small enough that the products the model forms of them stay finite.
pub const MAX_NUMBER: f64 = 1e12;
/// The largest money rate (a wage per hour, revenue per endpoint-hour, a penalty per flight)
/// in USD: a billion dollars, so that losses summed over a world stay finite.
pub const MAX_USD: f64 = 1e9;
const GENERIC_HINT: &str =
    "compare with a built-in scenario (`blastradius scenarios --show crowdstrike-2024`)";

/// The problems found so far, in the order the checks ran (which is the order they are
/// reported in).
pub struct Checker {
    pub problems: Vec<Diagnostic>,
}

impl Checker {
    pub fn fail(&mut self, path: impl Into<String>, message: impl Into<String>, hint: &str) {
        // Every problem says how to fix it; a check written without a hint still points to an
        // example.
        let hint = if hint.is_empty() { GENERIC_HINT } else { hint };
        let problem =
            Diagnostic { path: path.into(), message: message.into(), hint: Some(hint.to_string()) };
        // A fleet-wide policy is checked once per archetype; say it once.
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    pub fn share(&mut self, path: &str, v: f64) -> Share {
        match Share::new(v) {
            Some(s) => s,
            None => {
                self.fail(
                    path,
                    format!("{v} is not a share or probability in [0, 1]"),
                    "write a fraction: 0.25 for a quarter",
                );
                Share::ZERO
            }
        }
    }

    pub fn non_negative(&mut self, path: &str, v: f64) -> f64 {
        if !(v.is_finite() && v >= 0.0) {
            let what = if v.is_finite() { "is negative" } else { "is not a finite number" };
            self.fail(
                path,
                format!("{v} {what}: it must be 0 or more"),
                "write a number of 0 or more, e.g. 0.0 or 8.0",
            );
            return 0.0;
        }
        self.at_most(path, v, MAX_NUMBER)
    }

    pub fn positive(&mut self, path: &str, v: f64) -> f64 {
        if !(v.is_finite() && v > 0.0) {
            self.fail(
                path,
                format!("{v} must be a finite number above 0"),
                "write a positive number, e.g. 0.25 or 1000.0",
            );
            return 1.0;
        }
        self.at_most(path, v, MAX_NUMBER)
    }

    /// A money rate in USD: 0 or more, at most [`MAX_USD`].
    pub fn money(&mut self, path: &str, v: f64) -> f64 {
        if v.is_finite() && v > MAX_USD {
            self.fail(
                path,
                format!("{} USD is more than the 1,000,000,000 USD a money rate may be", shown(v)),
                "money is in US dollars per hour, endpoint-hour, flight or minute, as the field \
                 says: e.g. 45.0 for a wage of $45 an hour",
            );
            return MAX_USD;
        }
        self.non_negative(path, v)
    }

    fn at_most(&mut self, path: &str, v: f64, max: f64) -> f64 {
        if v > max {
            self.fail(
                path,
                format!("{} is too large: at most {max:e}", shown(v)),
                "numbers this large overflow the model's sums; use a realistic value",
            );
            return max;
        }
        v
    }

    pub fn min_duration(
        &mut self,
        path: &str,
        d: Duration,
        min: SimDuration,
        why: &str,
    ) -> SimDuration {
        if d.0 < min {
            self.fail(path, format!("\"{d}\" is shorter than the minimum of \"{min}\""), why);
            return min;
        }
        d.0
    }

    /// Checks that shares add up to 1.
    pub fn mix(&mut self, path: &str, values: &[f64]) {
        let sum: f64 = values.iter().sum();
        if values.is_empty() || (sum - 1.0).abs() > SUM_TOLERANCE {
            self.fail(
                path,
                format!("the shares add up to {sum}, not 1"),
                "make the shares add up to exactly 1 (e.g. 0.7, 0.2, 0.1)",
            );
        }
    }

    pub fn dist(&mut self, path: &str, d: &raw::Dist) -> m::DistSpec {
        let mean = self.min_duration(
            &format!("{path}.mean"),
            d.mean(),
            SimDuration(1),
            "a time must be positive",
        );
        let cv = d.cv();
        if !(cv.is_finite() && (0.0..=10.0).contains(&cv)) {
            self.fail(
                format!("{path}.cv"),
                format!("coefficient of variation {cv} is outside [0, 10]"),
                "0 makes the time fixed; 0.5 is typical",
            );
        }
        m::DistSpec::new(mean, cv.clamp(0.0, 10.0))
    }

    /// A UTC offset in hours as whole minutes.
    pub fn utc_offset_min(&mut self, path: &str, hours: f64) -> i32 {
        let minutes = hours * 60.0;
        if !(hours.is_finite() && (-12.0..=14.0).contains(&hours))
            || (minutes - minutes.round()).abs() > 1e-6
        {
            self.fail(
                path,
                format!("UTC offset {hours} is not a whole number of minutes in [-12, 14] hours"),
                "e.g. 1.0 for Paris in winter, 5.5 for India, -5.0 for New York in winter",
            );
            return 0;
        }
        minutes.round() as i32
    }
}

/// A number as a message shows it: in scientific notation when it is huge (`1e308`, not 309
/// digits).
fn shown(v: f64) -> String {
    if v.abs() >= 1e15 { format!("{v:e}") } else { format!("{v}") }
}

/// The value a fleet-wide policy sets, or the archetype's own.
pub fn setting<T: Clone>(s: &Setting<T>, own: T) -> T {
    match s {
        Setting::Archetype => own,
        Setting::All(v) => v.clone(),
    }
}

/// Where a value that a fleet-wide policy may set comes from: the policy, or the archetype.
pub fn setting_path<T>(s: &Setting<T>, policy: &str, own: String) -> String {
    match s {
        Setting::Archetype => own,
        Setting::All(_) => policy.to_string(),
    }
}

/// Every class, in the order checks that go through all of them report.
pub const CLASSES: [raw::Class; 4] =
    [raw::Class::Workstation, raw::Class::Server, raw::Class::Kiosk, raw::Class::CloudVm];

pub fn sector(s: raw::Sector) -> m::Sector {
    match s {
        raw::Sector::Airline => m::Sector::Airline,
        raw::Sector::Hospital => m::Sector::Hospital,
        raw::Sector::Bank => m::Sector::Bank,
        raw::Sector::Retail => m::Sector::Retail,
        raw::Sector::Government => m::Sector::Government,
        raw::Sector::Media => m::Sector::Media,
        raw::Sector::Logistics => m::Sector::Logistics,
        raw::Sector::Health => m::Sector::Health,
        raw::Sector::Manufacturing => m::Sector::Manufacturing,
        raw::Sector::ItServices => m::Sector::ItServices,
        raw::Sector::Consumer => m::Sector::Consumer,
        raw::Sector::Other => m::Sector::Other,
    }
}

pub fn class(c: raw::Class) -> m::Class {
    match c {
        raw::Class::Workstation => m::Class::Workstation,
        raw::Class::Server => m::Class::Server,
        raw::Class::Kiosk => m::Class::Kiosk,
        raw::Class::CloudVm => m::Class::CloudVm,
    }
}

pub fn os(o: raw::Os) -> m::Os {
    match o {
        raw::Os::Windows => m::Os::Windows,
        raw::Os::MacOs => m::Os::MacOs,
        raw::Os::Linux => m::Os::Linux,
    }
}

pub fn order(o: raw::RepairOrder) -> m::RepairOrder {
    match o {
        raw::RepairOrder::Fifo => m::RepairOrder::Fifo,
        raw::RepairOrder::CriticalityFirst => m::RepairOrder::CriticalityFirst,
        raw::RepairOrder::ServiceAware => m::RepairOrder::ServiceAware,
    }
}

pub fn tool_mode(t: raw::ToolMode) -> m::ToolMode {
    match t {
        raw::ToolMode::Remote => m::ToolMode::Remote,
        raw::ToolMode::HandsOn => m::ToolMode::HandsOn,
    }
}
