//! Scenario files: RON in, validated model types out. The only module that knows RON.
//!
//! Reading happens in two stages, as ripgrep parses its flags: `raw.rs` mirrors the file
//! (serde types, every field optional), and `validate.rs` builds the model's types, which
//! cannot hold a bad value. Between them, `extends` chains are followed, layers merged
//! (`layer.rs`), sector templates applied to archetypes, and every default filled in. Every
//! problem, syntactic or semantic, is reported with the file, line and column that caused it
//! (`locate.rs` finds them) and a hint, before anything is simulated.

pub mod builtin;
pub mod layer;
pub mod locate;
pub mod overrides;
pub mod raw;
pub mod units;
pub mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::model::spec::WorldSpec;

use layer::Layer;
use locate::Position;

/// One problem, located as precisely as the files allow.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// The file (or built-in) it is in; `None` for a default value.
    pub file: Option<String>,
    pub position: Option<Position>,
    /// The field path, e.g. `vendor.rollout.rings[1].share`.
    pub path: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.position) {
            (Some(file), Some(p)) => write!(f, "{file}:{}:{}: ", p.line, p.col)?,
            (Some(file), None) => write!(f, "{file}: ")?,
            (None, _) => write!(f, "(built-in default): ")?,
        }
        if let Some(path) = &self.path {
            write!(f, "`{path}`: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Everything wrong with a scenario.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct ScenarioError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl ScenarioError {
    fn one(
        file: Option<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> ScenarioError {
        let hint = hint.into();
        ScenarioError {
            problems: vec![Problem {
                file,
                position: None,
                path: None,
                message: message.into(),
                hint: (!hint.is_empty()).then_some(hint),
            }],
        }
    }
}

/// Where a layer of the scenario came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    /// As shown in messages: a path, or `builtin:<name>`.
    pub name: String,
    pub text: String,
    /// For files, the directory that relative `extends` paths start from.
    dir: Option<PathBuf>,
}

/// A scenario read, merged and filled in, not yet validated.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub resolved: raw::Scenario,
    /// The file asked for first, then what it extends, and so on.
    pub sources: Vec<Source>,
}

/// Deepest `extends` chain allowed.
const MAX_EXTENDS: usize = 32;

fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// Prints a resolved scenario as RON that reads back to the same scenario.
pub fn to_ron(s: &raw::Scenario) -> String {
    let config = ron::ser::PrettyConfig::new()
        .indentor("    ")
        .struct_names(false)
        .extensions(ron::extensions::Extensions::IMPLICIT_SOME);
    // Serializing plain data with derived impls cannot fail; fall back to debug output rather
    // than panic if it ever did.
    ron::Options::default()
        .to_string_pretty(s, config)
        .unwrap_or_else(|e| format!("// {e}\n{s:#?}"))
}

fn hint_for(code: &ron::Error) -> &'static str {
    use ron::Error as E;
    match code {
        E::NoSuchStructField { .. } => {
            "check the spelling against the fields listed; `blastradius validate <file>` prints every field with its default"
        }
        E::NoSuchEnumVariant { .. } => "use one of the variants listed",
        E::DuplicateStructField { .. } => "remove one of the two",
        E::ExpectedStructLikeEnd | E::ExpectedArrayEnd | E::ExpectedMapEnd => {
            "a comma or closing bracket is missing before this point"
        }
        E::Eof => "the file ends early: a closing bracket is missing",
        _ => "compare with a built-in scenario (`blastradius scenarios --show crowdstrike-2024`)",
    }
}

/// Parses one layer, reporting a syntax or type error at its line and column, with the field
/// it is in.
fn parse_layer(source: &Source) -> Result<raw::Scenario, ScenarioError> {
    ron_options().from_str::<raw::Scenario>(&source.text).map_err(|e| {
        let position = Position { line: e.span.start.line, col: e.span.start.col };
        let path = locate::path_at(&source.text, position);
        ScenarioError {
            problems: vec![Problem {
                file: Some(source.name.clone()),
                position: Some(position),
                path,
                message: e.code.to_string(),
                hint: Some(hint_for(&e.code).to_string()),
            }],
        }
    })
}

/// Finds the source an `extends` (or a command-line argument) names: a built-in by name, or a
/// file relative to `dir`.
fn open(
    reference: &str,
    dir: Option<&Path>,
    from: Option<&Source>,
) -> Result<Source, ScenarioError> {
    if let Some(text) = builtin::get(reference) {
        return Ok(Source {
            name: format!("builtin:{reference}"),
            text: text.to_string(),
            dir: None,
        });
    }
    let path = match dir {
        Some(d) if Path::new(reference).is_relative() => d.join(reference),
        _ => PathBuf::from(reference),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Source {
            name: path.display().to_string(),
            text,
            dir: Some(path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)),
        }),
        Err(e) => {
            let what = if e.kind() == std::io::ErrorKind::NotFound {
                format!("no scenario file or built-in named \"{reference}\"")
            } else {
                format!("cannot read \"{}\": {e}", path.display())
            };
            let hint = format!(
                "give a path to a .ron file, or a built-in: {}",
                builtin::names().join(", ")
            );
            let mut err = ScenarioError::one(from.map(|s| s.name.clone()), what, hint);
            if let Some(from) = from {
                let p = &mut err.problems[0];
                p.path = Some("extends".into());
                p.position = locate::locate(&from.text, "extends").map(|s| s.start);
            }
            Err(err)
        }
    }
}

/// The identity of a source for cycle detection.
fn identity(source: &Source) -> String {
    if source.dir.is_none() {
        return source.name.clone();
    }
    std::fs::canonicalize(&source.name)
        .map_or_else(|_| source.name.clone(), |p| p.display().to_string())
}

/// Reads a scenario by path or built-in name, follows its `extends` chain, merges the layers,
/// applies sector templates and fills every default. Nothing is validated yet.
pub fn load(reference: &str) -> Result<Loaded, ScenarioError> {
    let first = open(reference, None, None)?;
    load_source(first)
}

/// Like [`load`], from text already in hand (named for messages).
pub fn load_text(name: &str, text: &str) -> Result<Loaded, ScenarioError> {
    let dir = Path::new(name).parent().map(Path::to_path_buf);
    load_source(Source { name: name.to_string(), text: text.to_string(), dir })
}

fn load_source(first: Source) -> Result<Loaded, ScenarioError> {
    let mut sources = vec![first];
    let mut layers = Vec::new();
    let mut seen = Vec::new();
    loop {
        let source = sources.last().expect("at least one source");
        let mut layer = parse_layer(source)?;
        seen.push(identity(source));
        let extends = layer.extends.take().filter(|e| !e.is_empty());
        layers.push(layer);
        let Some(base) = extends else { break };
        let from = sources.last().expect("at least one source");
        let next = open(&base, from.dir.as_deref(), Some(from))?;
        if seen.contains(&identity(&next)) || sources.len() >= MAX_EXTENDS {
            let chain: Vec<&str> =
                sources.iter().map(|s| s.name.as_str()).chain([next.name.as_str()]).collect();
            let mut err = ScenarioError::one(
                Some(from.name.clone()),
                format!("`extends` goes round in a cycle: {}", chain.join(" -> ")),
                "break the cycle: a scenario cannot extend itself, directly or through others",
            );
            err.problems[0].path = Some("extends".into());
            err.problems[0].position = locate::locate(&from.text, "extends").map(|s| s.start);
            return Err(err);
        }
        sources.push(next);
    }
    let mut resolved = raw::Scenario::default();
    for layer in layers.into_iter().rev() {
        resolved.merge(layer);
    }
    // An archetype with no organisations does not exist; removing it keeps the resolved
    // scenario to what will be simulated.
    if let Some(fleet) = &mut resolved.fleet {
        fleet.retain(|_, a| a.organisations != Some(0));
    }
    apply_templates(&mut resolved);
    resolved.fill();
    resolved.extends = None;
    Ok(Loaded { resolved, sources })
}

/// Lays each archetype over its sector's template, so an archetype only says how it differs
/// from a typical organisation of its sector.
fn apply_templates(s: &mut raw::Scenario) {
    if let Some(fleet) = &mut s.fleet {
        for archetype in fleet.values_mut() {
            let sector = archetype.sector.unwrap_or(raw::Sector::Other);
            let mut merged = builtin::sector_template(sector);
            merged.merge(std::mem::take(archetype));
            *archetype = merged;
        }
    }
}

impl Loaded {
    /// Validates the resolved scenario, locating each problem in the file that set the value.
    pub fn validate(&self) -> Result<WorldSpec, ScenarioError> {
        validate::validate(&self.resolved).map_err(|diagnostics| ScenarioError {
            problems: diagnostics.into_iter().map(|d| self.place(d)).collect(),
        })
    }

    /// Finds the file, line and column of a problem's field: in the file asked for, else in
    /// what it extends, else it is a default.
    fn place(&self, d: validate::Diagnostic) -> Problem {
        let found = self.sources.iter().find_map(|s| {
            locate::locate(&s.text, &d.path)
                .or_else(|| parent_of(&d.path).and_then(|p| locate::locate_key(&s.text, &p)))
                .map(|span| (s, span))
        });
        match found {
            Some((source, span)) => Problem {
                file: Some(source.name.clone()),
                position: Some(span.start),
                path: Some(d.path),
                message: d.message,
                hint: d.hint,
            },
            None => Problem {
                file: self.sources.first().map(|s| s.name.clone()),
                position: None,
                path: Some(d.path),
                message: d.message,
                hint: d.hint,
            },
        }
    }

    /// The scenario as fully resolved RON.
    pub fn to_ron(&self) -> String {
        to_ron(&self.resolved)
    }
}

/// `a.b[2].c` -> `a.b[2]`; `a.b[2]` -> `a.b`.
fn parent_of(path: &str) -> Option<String> {
    let mut segments = locate::parse_path(path)?;
    segments.pop()?;
    (!segments.is_empty()).then(|| locate::format_path(&segments))
}

/// Reads and validates a scenario in one step.
pub fn read(reference: &str) -> Result<(Loaded, WorldSpec), ScenarioError> {
    let loaded = load(reference)?;
    let spec = loaded.validate()?;
    Ok((loaded, spec))
}
