//! Setting fields of a resolved scenario by path, for sweeps: `vendor.rollout.rings[0].share`
//! to `0.05`, `fleet.community_hospital.staff.technicians_per_1000` to `12`, `vendor.revert` to
//! `2h`. The scenario is viewed as a tree (through its serde representation), the value found
//! by path and replaced by one of the same kind, and the tree read back into the file types, so
//! a wrong path or a value of the wrong kind is caught here, naming the valid alternatives.

use serde_json::Value;

use super::locate::{Segment, format_path, parse_path};
use super::raw;

/// Why a field could not be set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}\n  hint: {hint}")]
pub struct OverrideError {
    pub message: String,
    pub hint: String,
}

fn err(message: impl Into<String>, hint: impl Into<String>) -> OverrideError {
    OverrideError { message: message.into(), hint: hint.into() }
}

/// The names a value offers at this level, for hints.
fn alternatives(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            format!("fields here: {}", keys.join(", "))
        }
        Value::Array(items) => format!(
            "a list of {} entries, indexed [0] to [{}]",
            items.len(),
            items.len().saturating_sub(1)
        ),
        _ => "this is a single value with no fields".to_string(),
    }
}

/// Finds the value at `segments`, saying where the path stops making sense.
fn walk<'a>(
    mut v: &'a mut Value,
    segments: &[Segment],
    path: &str,
) -> Result<&'a mut Value, OverrideError> {
    for (i, segment) in segments.iter().enumerate() {
        let here = format_path(&segments[..i]);
        let at = if here.is_empty() { "the top level".to_string() } else { format!("`{here}`") };
        v = match (segment, v) {
            (Segment::Field(name), Value::Object(map)) => {
                if !map.contains_key(name) {
                    let listing = alternatives(&Value::Object(map.clone()));
                    return Err(err(format!("`{path}`: {at} has no field `{name}`"), listing));
                }
                let Some(field) = map.get_mut(name) else {
                    return Err(err(format!("`{path}`: {at} has no field `{name}`"), ""));
                };
                field
            }
            (Segment::Index(k), Value::Array(items)) => {
                let len = items.len();
                if *k >= len {
                    return Err(err(
                        format!("`{path}`: {at} has {len} entries, so [{k}] does not exist"),
                        format!("use an index from [0] to [{}]", len.saturating_sub(1)),
                    ));
                }
                &mut items[*k]
            }
            (segment, other) => {
                let what = match segment {
                    Segment::Field(name) => format!("field `{name}`"),
                    Segment::Index(k) => format!("index [{k}]"),
                };
                let listing = alternatives(other);
                return Err(err(format!("`{path}`: {at} cannot take {what}"), listing));
            }
        };
    }
    Ok(v)
}

/// The replacement value for `text` where `current` stands, of the same kind.
fn replacement(current: &Value, text: &str, path: &str) -> Result<Value, OverrideError> {
    let text = text.trim();
    match current {
        Value::Bool(_) => text.parse::<bool>().map(Value::Bool).map_err(|_| {
            err(format!("`{path}` is true or false, not \"{text}\""), "use true or false")
        }),
        Value::Number(n) if n.is_u64() || n.is_i64() => {
            whole(text).map(Value::from).ok_or_else(|| {
                err(
                    format!("`{path}` is a whole number, not \"{text}\""),
                    "use a whole number such as 12; a range over a whole-number field needs whole \
                 steps, e.g. 10..50:5 (10, 20, 30, 40, 50), or list the values: 10,25,50",
                )
            })
        }
        Value::Number(_) => match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Value::from(x)),
            _ => Err(err(
                format!("`{path}` is a number, not \"{text}\""),
                "use a number such as 0.25",
            )),
        },
        Value::String(_) => Ok(Value::String(text.to_string())),
        Value::Object(map) if map.len() == 1 => {
            // An enum variant with one value, such as `At("78m")` or `All(0.3)`: keep the
            // variant, replace the value.
            let mut out = serde_json::Map::new();
            for (variant, inner) in map {
                out.insert(variant.clone(), replacement(inner, text, path)?);
            }
            Ok(Value::Object(out))
        }
        other => Err(err(
            format!("`{path}` is a record, not a single value"),
            format!("set one of its fields; {}", alternatives(other)),
        )),
    }
}

/// A whole number written as one (`12`) or as a number with nothing after the point (`12.0`,
/// as a sweep's ranges print their values).
fn whole(text: &str) -> Option<u64> {
    if let Ok(n) = text.parse::<u64>() {
        return Some(n);
    }
    let x = text.parse::<f64>().ok()?;
    (x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x < 2f64.powi(64)).then_some(x as u64)
}

/// Variants a bare value may stand for, tried in order when the value's own kind does not fit:
/// `policies.content_lag_share=0.3` means `All(0.3)`, `sites[1].utc_offset=5.5` means
/// `Hours(5.5)`, `vendor.revert=2h` means `At("2h")`.
const WRAPPERS: [&str; 3] = ["All", "Hours", "At"];

/// Sets the field at `path` to `text` and checks the scenario still reads.
pub fn set(s: &raw::Scenario, path: &str, text: &str) -> Result<raw::Scenario, OverrideError> {
    let segments = parse_path(path).filter(|s| !s.is_empty()).ok_or_else(|| {
        err(format!("`{path}` is not a field path"), "write it like vendor.rollout.rings[0].share")
    })?;
    let mut tree =
        serde_json::to_value(s).map_err(|e| err(format!("cannot read the scenario: {e}"), ""))?;
    let current = walk(&mut tree, &segments, path)?.clone();
    let mut candidates = Vec::new();
    let direct = replacement(&current, text, path);
    if let Ok(v) = &direct {
        candidates.push(v.clone());
    }
    if matches!(current, Value::String(_)) {
        for variant in WRAPPERS {
            for inner in [
                serde_json::from_str::<Value>(text).ok(),
                Some(Value::String(text.trim().to_string())),
            ]
            .into_iter()
            .flatten()
            {
                let mut map = serde_json::Map::new();
                map.insert(variant.to_string(), inner);
                candidates.push(Value::Object(map));
            }
        }
    }
    let mut last_error = direct.err();
    for candidate in candidates {
        let mut attempt = tree.clone();
        *walk(&mut attempt, &segments, path)? = candidate;
        match serde_json::from_value::<raw::Scenario>(attempt) {
            Ok(scenario) => return Ok(scenario),
            Err(e) => {
                if last_error.is_none() {
                    last_error = Some(err(
                        format!("`{path}` cannot be \"{text}\": {e}"),
                        "use a value of the same kind as the field's current one",
                    ));
                }
            }
        }
    }
    Err(last_error.unwrap_or_else(|| {
        err(
            format!("`{path}` cannot be \"{text}\""),
            "use a value of the same kind as the field's current one",
        )
    }))
}

/// The current value at `path`, as text, for messages and sweep outputs.
pub fn get(s: &raw::Scenario, path: &str) -> Result<String, OverrideError> {
    let segments = parse_path(path).filter(|s| !s.is_empty()).ok_or_else(|| {
        err(format!("`{path}` is not a field path"), "write it like vendor.rollout.rings[0].share")
    })?;
    let mut tree =
        serde_json::to_value(s).map_err(|e| err(format!("cannot read the scenario: {e}"), ""))?;
    let v = walk(&mut tree, &segments, path)?;
    Ok(match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate as scenario;

    fn base() -> raw::Scenario {
        scenario::load("hospital-tabletop").unwrap().resolved
    }

    #[test]
    fn numbers_durations_enums_and_list_entries_can_be_set() {
        let s = base();
        let s = set(&s, "fleet.harbour_health.staff.technicians_per_1000", "20").unwrap();
        assert_eq!(get(&s, "fleet.harbour_health.staff.technicians_per_1000").unwrap(), "20.0");
        let s = set(&s, "vendor.distribution.check_in_mean", "30m").unwrap();
        assert_eq!(get(&s, "vendor.distribution.check_in_mean").unwrap(), "30m");
        let s = set(&s, "vendor.revert", "2h").unwrap();
        assert_eq!(s.vendor().revert(), raw::Revert::At("2h".parse().unwrap()));
        let s = set(&s, "policies.content_lag_share", "0.3").unwrap();
        assert_eq!(s.policies().content_lag_share(), raw::Setting::All(0.3));
        let s = set(&s, "fleet.harbour_health.sites[1].count", "12").unwrap();
        assert_eq!(s.fleet()["harbour_health"].sites()[1].count(), 12);
        // A range's whole values print as 12.0: whole-number fields take them (issue 15).
        let s = set(&s, "fleet.harbour_health.sites[1].count", "14.0").unwrap();
        assert_eq!(s.fleet()["harbour_health"].sites()[1].count(), 14);
        let s = set(&s, "vendor.rollout.policy", "Rings").unwrap();
        assert_eq!(s.vendor().rollout().policy(), raw::RolloutPolicy::Rings);
    }

    #[test]
    fn wrong_paths_and_values_name_the_alternatives() {
        let s = base();
        let e = set(&s, "vendor.rolout.policy", "Rings").unwrap_err();
        assert!(e.message.contains("no field `rolout`") && e.hint.contains("rollout"), "{e}");
        let e = set(&s, "fleet.nope.staff", "1").unwrap_err();
        assert!(e.hint.contains("harbour_health"), "{e}");
        let e = set(&s, "fleet.harbour_health.sites[9].count", "1").unwrap_err();
        assert!(e.message.contains("[9]"), "{e}");
        let e = set(&s, "fleet.harbour_health.organisations", "1.5").unwrap_err();
        assert!(e.message.contains("whole number"), "{e}");
        assert!(e.hint.contains("10..50:5"), "{e}");
        let e = set(&s, "fleet.harbour_health.staff", "3").unwrap_err();
        assert!(e.message.contains("record"), "{e}");
        let e = set(&s, "vendor.rollout.policy", "Sometimes").unwrap_err();
        assert!(e.message.contains("Sometimes"), "{e}");
        assert!(set(&s, "", "1").is_err());
    }
}
