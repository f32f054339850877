//! Units in scenario files. Durations are strings with units (`"90s"`, `"78m"`, `"36h"`,
//! `"14d"`, or compounds like `"1h30m"` and decimals like `"1.5h"`), never bare numbers, so a
//! reader cannot mistake minutes for hours.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use blastradius_engine::SimDuration;

/// A duration as written in a scenario file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub SimDuration);

/// The units a duration may use, longest name first so that `ms` is not read as `m`.
const UNITS: [(&str, u64); 6] = [
    ("ms", 1),
    ("s", 1_000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
    ("w", 604_800_000),
];

pub const DURATION_HINT: &str = "write a number with a unit: ms, s, m, h, d or w, e.g. \"90s\", \"78m\", \"36h\", \"14d\", \"1h30m\"";

impl Duration {
    pub fn millis(ms: u64) -> Duration {
        Duration(SimDuration(ms))
    }
    pub fn secs(s: u64) -> Duration {
        Duration(SimDuration::from_secs(s))
    }
    pub fn mins(m: u64) -> Duration {
        Duration(SimDuration::from_mins(m))
    }
    pub fn hours(h: u64) -> Duration {
        Duration(SimDuration::from_hours(h))
    }
    pub fn days(d: u64) -> Duration {
        Duration(SimDuration::from_days(d))
    }
    pub fn sim(self) -> SimDuration {
        self.0
    }
}

impl FromStr for Duration {
    type Err = String;

    fn from_str(text: &str) -> Result<Duration, String> {
        let s = text.trim();
        if s.is_empty() {
            return Err(format!("empty duration; {DURATION_HINT}"));
        }
        if s.starts_with('-') {
            return Err(format!(
                "duration \"{text}\" is negative, and durations cannot be; {DURATION_HINT}"
            ));
        }
        let mut rest = s;
        let mut total: f64 = 0.0;
        while !rest.is_empty() {
            let num_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
                .unwrap_or(rest.len());
            if num_len == 0 {
                return Err(format!(
                    "bad duration \"{text}\": expected a number at \"{rest}\"; {DURATION_HINT}"
                ));
            }
            let number: f64 = rest[..num_len].replace('_', "").parse().map_err(|_| {
                format!(
                    "bad duration \"{text}\": \"{}\" is not a number; {DURATION_HINT}",
                    &rest[..num_len]
                )
            })?;
            rest = rest[num_len..].trim_start();
            let unit_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
            let unit = &rest[..unit_len];
            let Some(&(_, ms)) = UNITS.iter().find(|(u, _)| *u == unit) else {
                return Err(if unit.is_empty() {
                    format!("duration \"{text}\" has no unit; {DURATION_HINT}")
                } else {
                    format!("duration \"{text}\" has unknown unit \"{unit}\"; {DURATION_HINT}")
                });
            };
            total += number * ms as f64;
            rest = rest[unit_len..].trim_start();
        }
        if !total.is_finite() || total >= u64::MAX as f64 {
            return Err(format!("duration \"{text}\" is too long"));
        }
        Ok(Duration(SimDuration(total.round() as u64)))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a duration string with a unit, such as \"78m\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Duration, E> {
                Err(E::custom(format!("the bare number {v} has no unit; {DURATION_HINT}")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Duration, E> {
                Err(E::custom(format!("the bare number {v} has no unit; {DURATION_HINT}")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Duration, E> {
                Err(E::custom(format!("the bare number {v} has no unit; {DURATION_HINT}")))
            }
        }
        d.deserialize_any(Visitor)
    }
}

crate::replace_layer!(Duration);

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> Result<u64, String> {
        s.parse::<Duration>().map(|d| d.0.0)
    }

    #[test]
    fn durations_parse_with_units() {
        for (text, expected) in [
            ("90s", 90_000),
            ("78m", 4_680_000),
            ("36h", 129_600_000),
            ("14d", 1_209_600_000),
            ("2w", 1_209_600_000),
            ("250ms", 250),
            ("1h30m", 5_400_000),
            ("1.5h", 5_400_000),
            ("0s", 0),
            (" 5 m ", 300_000),
            ("1_000ms", 1_000),
        ] {
            assert_eq!(ms(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn bad_durations_say_what_is_wrong_and_how_to_write_one() {
        for (text, says) in [
            ("", "empty"),
            ("78", "no unit"),
            ("78x", "unknown unit \"x\""),
            ("-5m", "negative"),
            ("m", "expected a number"),
            ("1..5h", "not a number"),
            ("99999999999999999999999d", "too long"),
        ] {
            let err = ms(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
        assert!(ms("78x").unwrap_err().contains("\"78m\""));
    }

    #[test]
    fn display_round_trips() {
        for text in ["78m", "1h18m", "14d", "250ms", "1.5s", "0s"] {
            let d: Duration = text.parse().unwrap();
            assert_eq!(d.to_string().parse::<Duration>().unwrap(), d);
        }
    }
}
