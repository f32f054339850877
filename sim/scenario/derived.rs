//! Scenario files derived from another: a short file that `extends` a scenario and sets a few
//! fields by path, as `blastradius calibrate` writes its best point (`best.ron`). The file says
//! only what differs, so it reads like one a person would write, and it is checked before it
//! is handed out: read back through the ordinary loader, it must resolve to exactly the
//! scenario the fields were set in.
//!
//! It knows the file types and RON; it knows nothing of why the fields were chosen.

use serde_json::Value;

use crate::locate::{Segment, parse_path};
use crate::{Loaded, ScenarioError, overrides, raw};

/// What the derived file says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// Its `name`.
    pub name: &'a str,
    /// Its `description`.
    pub description: &'a str,
    /// Lines of `//` comment above the record (without the slashes).
    pub comment: &'a [String],
}

/// The text of a scenario file that extends the scenario `loaded` was read from (a built-in
/// by name, a file by its absolute path) and sets each `(path, value)`, as
/// [`overrides::set`] sets them. Reading the text back gives the scenario `loaded` resolves
/// to, with these values, name and description.
pub fn extending(
    loaded: &Loaded,
    sets: &[(String, String)],
    header: &Header<'_>,
) -> Result<String, ScenarioError> {
    let first = loaded.sources.first().ok_or_else(|| {
        ScenarioError::one(None, "no scenario to extend", "read a scenario first")
    })?;
    let extends = match first.name.strip_prefix("builtin:") {
        Some(name) => name.to_string(),
        None => std::fs::canonicalize(&first.name)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| first.name.clone()),
    };
    let mut target = loaded.resolved.clone();
    for (path, value) in sets {
        target = overrides::set(&target, path, value).map_err(|e| {
            ScenarioError::one(Some(first.name.clone()), format!("{path}={value}: {e}"), "")
        })?;
    }
    target.name = Some(header.name.to_string());
    target.description = Some(header.description.to_string());
    let full = serde_json::to_value(&target).map_err(|e| internal(&e.to_string()))?;
    let paths: Vec<Vec<Segment>> = sets
        .iter()
        .map(|(path, _)| {
            let segments = parse_path(path).unwrap_or_default();
            // A list is replaced whole when layers merge, so a path into a list sets the list.
            let cut = segments.iter().position(|s| matches!(s, Segment::Index(_)));
            segments[..cut.unwrap_or(segments.len())].to_vec()
        })
        .collect();
    // Normally the fields themselves suffice. A field inside a value that layers replace whole
    // (an enum's contents) does not: then each path is shortened until the file reproduces
    // the scenario.
    let deepest = paths.iter().map(Vec::len).max().unwrap_or(0);
    for shorten in 0..deepest.max(1) {
        let mut sparse = Value::Object(serde_json::Map::new());
        for segments in &paths {
            let keep = segments.len().saturating_sub(shorten).max(1).min(segments.len());
            copy_at(&mut sparse, &full, &segments[..keep]);
        }
        let mut layer: raw::Scenario =
            serde_json::from_value(sparse).map_err(|e| internal(&e.to_string()))?;
        layer.extends = Some(extends.clone());
        layer.name = Some(header.name.to_string());
        layer.description = Some(header.description.to_string());
        let mut text: String = header.comment.iter().map(|line| format!("// {line}\n")).collect();
        text.push_str(&crate::to_ron(&layer));
        text.push('\n');
        let back = crate::load_text(&format!("{}.ron", header.name), &text)?;
        if back.resolved == target {
            return Ok(text);
        }
    }
    Err(internal("the derived file does not read back to the scenario it was derived from"))
}

fn internal(message: &str) -> ScenarioError {
    ScenarioError::one(
        None,
        format!("cannot write the derived scenario: {message}"),
        "this is a bug in blastradius; please report it with the command",
    )
}

/// Copies the value at `segments` in `from` into `into`, creating the records on the way.
/// Every segment is a field: paths are cut before their first list index.
fn copy_at(into: &mut Value, from: &Value, segments: &[Segment]) {
    let mut source = from;
    for segment in segments {
        let Segment::Field(name) = segment else { return };
        match source.get(name) {
            Some(v) => source = v,
            None => return,
        }
    }
    let mut here = into;
    for (i, segment) in segments.iter().enumerate() {
        let Segment::Field(name) = segment else { return };
        let Value::Object(map) = here else { return };
        if i + 1 == segments.len() {
            map.insert(name.clone(), source.clone());
            return;
        }
        here = map.entry(name.clone()).or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Outcome = Result<(), Box<dyn std::error::Error>>;

    fn header<'a>(comment: &'a [String]) -> Header<'a> {
        Header { name: "salem-best", description: "the best point", comment }
    }

    #[test]
    fn a_derived_file_extends_the_original_and_sets_only_the_fields() -> Outcome {
        let loaded = crate::load("salem-health")?;
        let sets = vec![
            ("fleet.salem_health.repair.time.Workstation.mean".to_string(), "17m".to_string()),
            ("fleet.salem_health.staff.technicians_per_1000".to_string(), "6.5".to_string()),
        ];
        let comment = vec!["written by a test".to_string()];
        let text = extending(&loaded, &sets, &header(&comment))?;
        assert!(text.starts_with("// written by a test\n#![enable(implicit_some)]\n("), "{text}");
        assert!(text.contains("extends: \"salem-health\""), "{text}");
        assert!(text.contains("\"17m\""), "{text}");
        assert!(text.contains("6.5"), "{text}");
        // Only what was set: no other archetype, no vendor.
        assert!(!text.contains("vendor"), "{text}");
        assert!(text.lines().count() < 40, "{text}");
        let back = crate::load_text("best.ron", &text)?;
        let spec = back.validate()?;
        assert_eq!(spec.name, "salem-best");
        let a =
            spec.archetypes.iter().find(|a| a.name == "salem_health").ok_or("no salem_health")?;
        assert_eq!(a.staff.technicians_per_1000, 6.5);
        assert_eq!(back.sources[1].name, "builtin:salem-health");
        Ok(())
    }

    #[test]
    fn a_path_into_a_list_sets_the_whole_list() -> Outcome {
        let loaded = crate::load("canary-rings")?;
        let sets = vec![("vendor.rollout.rings[0].bake".to_string(), "2h".to_string())];
        let text = extending(&loaded, &sets, &header(&[]))?;
        assert!(text.contains("rings: ["), "{text}");
        let spec = crate::load_text("best.ron", &text)?.validate()?;
        let original = crate::read("canary-rings")?.1;
        assert_eq!(spec.vendor.rings.len(), original.vendor.rings.len());
        let bakes = |s: &blastradius_model::spec::WorldSpec| -> Vec<u64> {
            s.vendor.rings.iter().map(|r| r.bake.as_millis()).collect()
        };
        let (mine, theirs) = (bakes(&spec), bakes(&original));
        assert_eq!(mine[0], 2 * 3_600_000);
        assert_ne!(mine[0], theirs[0]);
        assert_eq!(mine[1..], theirs[1..]);
        Ok(())
    }

    #[test]
    fn an_enum_value_is_set_whole() -> Outcome {
        let loaded = crate::load("crowdstrike-2024")?;
        let sets = vec![("vendor.revert".to_string(), "2h".to_string())];
        let text = extending(&loaded, &sets, &header(&[]))?;
        assert!(text.contains("At(\"2h\")"), "{text}");
        Ok(())
    }

    #[test]
    fn a_file_is_extended_by_its_absolute_path() -> Outcome {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/known/base.ron");
        let loaded = crate::load(path)?;
        let sets = vec![("fleet.org.staff.technicians_per_1000".to_string(), "130.0".to_string())];
        let text = extending(&loaded, &sets, &header(&[]))?;
        let absolute = std::fs::canonicalize(path)?;
        assert!(text.contains(&format!("extends: \"{}\"", absolute.display())), "{text}");
        Ok(())
    }
}
