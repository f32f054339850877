//! Scenario files: RON in, validated model types out. The only module that knows RON.
//!
//! Reading happens in two stages, as ripgrep parses its flags: `raw.rs` mirrors the file
//! (serde types, every field optional), and `validate/` builds the model's types, which
//! cannot hold a bad value. Between them, `extends` chains are followed, layers merged
//! (`layer.rs`), sector templates applied to archetypes, and every default filled in. Every
//! problem, syntactic or semantic, is reported with the file, line and column that caused it
//! (`place.rs` decides which layer that is, `locate.rs` finds the line and column) and a hint,
//! before anything is simulated. Catalogue files (`catalogue.rs`: events with annual rates)
//! and observations files (`observations.rs`) are read with the same parser and messages.

pub mod actions;
pub mod builtin;
pub mod catalogue;
pub mod derived;
pub mod layer;
pub mod locate;
pub mod observations;
pub mod overrides;
mod place;
pub mod raw;
mod suggest;
pub mod units;
pub mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

use blastradius_model::spec::WorldSpec;

use layer::Layer;
use locate::Position;
pub use suggest::suggest;

/// One problem, located as precisely as the files allow.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// The file (or built-in) it is in, or the file asked for when the value is a default
    /// (`position` is then `None`).
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
            (None, _) => {}
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

/// What is wrong and how to fix it, before it is placed at a file, line and column.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}\n  hint: {hint}")]
pub struct Explanation {
    pub message: String,
    pub hint: String,
}

impl Explanation {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Explanation {
        Explanation { message: message.into(), hint: hint.into() }
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
    /// Set when the file is larger than [`MAX_FILE_BYTES`]: `text` is its start, up to here.
    cut: Option<Position>,
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

/// What kind of file is being read, for the words of its syntax errors: scenario files and
/// observations files share the parser and the messages, but not the examples.
pub(crate) struct Kind {
    /// What the file holds, as in "there is text after the end of the scenario".
    noun: &'static str,
    /// "a scenario is one record `( ... )`".
    one_record: &'static str,
    /// "the scenario's opening `(`".
    opening: &'static str,
    /// "a scenario file is one record `( ... )`".
    file_is_one_record: &'static str,
    /// The hint for a problem with no more specific advice.
    generic_hint: &'static str,
    /// The hint for a value that should be a string.
    string_hint: &'static str,
    /// What to start from, for an empty file.
    start_hint: &'static str,
}

pub(crate) const SCENARIO: Kind = Kind {
    noun: "scenario",
    one_record: "a scenario is one record `( ... )`",
    opening: "the scenario's opening `(`",
    file_is_one_record: "a scenario file is one record `( ... )`",
    generic_hint: "compare with a built-in scenario (`blastradius scenarios --show crowdstrike-2024`)",
    string_hint: "e.g. \"crowdstrike-2024\"; durations are strings too, e.g. \"78m\"",
    start_hint: "a scenario is one record `( ... )`; `blastradius scenarios --show \
                 crowdstrike-2024` prints one to start from",
};

/// Turns a ron error into a message and a hint a planner can act on. `text` is the layer's
/// text, `at` where ron stopped, `written` the token there and `path` its field, if any.
fn describe(
    code: &ron::Error,
    text: &str,
    at: Position,
    written: Option<&str>,
    path: Option<&str>,
    kind: &Kind,
) -> Explanation {
    use ron::Error as E;
    // What is written where ron stopped, for "expected a number, found `"twenty"`".
    let found = match written {
        Some(written) if written.chars().count() <= 40 => format!(", found `{written}`"),
        _ => String::new(),
    };
    let (message, hint): (String, String) = match code {
        E::NoSuchStructField { expected, found, outer } => {
            let within = outer.as_deref().map(|o| format!(" in {o}")).unwrap_or_default();
            let mut hint = match suggest(found, expected) {
                Some(s) => format!("did you mean `{s}`? "),
                None => String::new(),
            };
            hint.push_str(&format!("the fields here are: {}", expected.join(", ")));
            if path.is_some_and(|p| p.contains(['.', '['])) {
                hint.push_str(&format!(
                    "; if `{found}` belongs to an enclosing record, a closing bracket is missing \
                     before it"
                ));
            }
            (format!("unknown field `{found}`{within}"), hint)
        }
        E::NoSuchEnumVariant { expected, found, outer } => {
            let of = outer.as_deref().map(|o| format!(" for {o}")).unwrap_or_default();
            let mut hint = match suggest(found, expected) {
                Some(s) => format!("did you mean `{s}`? "),
                None => String::new(),
            };
            hint.push_str(&format!("use one of: {}", expected.join(", ")));
            (format!("unknown value `{found}`{of}"), hint)
        }
        E::DuplicateStructField { field, .. } => {
            (format!("`{field}` is set twice"), "remove one of the two".into())
        }
        E::MissingStructField { field, outer } => {
            let within = outer.as_deref().map(|o| format!(" of {o}")).unwrap_or_default();
            (format!("the field `{field}`{within} is missing"), format!("add `{field}: ...`"))
        }
        E::ExpectedComma => {
            let hint = match token_before_hint(text, at) {
                Some(line) => format!(
                    "separate fields and list items with commas: add one at the end of line {line}"
                ),
                None => "separate fields and list items with commas".into(),
            };
            ("a comma is missing before this".into(), hint)
        }
        E::ExpectedInteger => (
            format!("expected a whole number{found}"),
            "write digits without quotes or a decimal point, e.g. 42".into(),
        ),
        E::ExpectedFloat => (
            format!("expected a number{found}"),
            "write a number without quotes, e.g. 0.5 or 12.0".into(),
        ),
        E::ExpectedBoolean => {
            (format!("expected true or false{found}"), "write true or false".into())
        }
        E::ExpectedString | E::ExpectedStringEnd => {
            (format!("expected a string in double quotes{found}"), kind.string_hint.into())
        }
        E::IntegerOutOfBounds => (
            format!("the number{} is out of range here", found.replace(", found", "")),
            "counts are whole numbers from 0 up (they cannot be negative); hours of the day are \
             0 to 24"
                .into(),
        ),
        E::InvalidIntegerDigit { digit, .. } => (
            format!("{digit:?} cannot appear in a whole number"),
            "write digits only, e.g. 42".into(),
        ),
        E::InvalidValueForType { expected, found } => {
            (format!("expected {expected}, not {found}"), kind.generic_hint.into())
        }
        E::ExpectedStructLike | E::ExpectedNamedStructLike(_) => (
            format!("expected a record in parentheses{found}"),
            "write e.g. (name: \"canary\", share: 0.01); an enum with data is Name(value)".into(),
        ),
        E::ExpectedMap => (
            format!("expected a map in braces{found}"),
            "write e.g. { Workstation: 0.7, Server: 0.3 }".into(),
        ),
        E::ExpectedArray => (
            format!("expected a list in square brackets{found}"),
            "write e.g. [(name: \"canary\", share: 0.01), (name: \"rest\", share: 0.99)]".into(),
        ),
        E::ExpectedStructLikeEnd | E::ExpectedOptionEnd => (
            "expected `)` here".into(),
            "a comma or a closing `)` is missing before this point".into(),
        ),
        E::ExpectedArrayEnd => (
            "expected `]` here".into(),
            "a comma or a closing `]` is missing before this point".into(),
        ),
        E::ExpectedMapEnd => (
            "expected `}` here".into(),
            "a comma or a closing `}` is missing before this point".into(),
        ),
        E::ExpectedMapColon => {
            ("a colon is missing after the key".into(), "write entries as `key: value`".into())
        }
        E::ExpectedIdentifier => (
            "expected a field name here".into(),
            "remove a stray comma or bracket, or add a closing bracket missing before this point"
                .into(),
        ),
        E::Eof => (
            "the file ends early".into(),
            "a closing bracket is missing: check that every `(`, `[` and `{` has its partner"
                .into(),
        ),
        E::TrailingCharacters => (
            format!("there is text after the end of the {}", kind.noun),
            format!(
                "{}: remove what follows its closing `)`, or an extra `)` before it",
                kind.one_record
            ),
        ),
        E::SuggestRawIdentifier(name) | E::InvalidIdentifier(name) => (
            format!("`{name}` is not a field name"),
            "field names are letters, digits and `_`; a map key with other characters needs \
             double quotes, e.g. \"us-bank-contractors\""
                .into(),
        ),
        E::ExpectedDifferentStructName { found, .. } => (
            format!("expected {}, found `{found}`", kind.opening),
            format!("{}; comment lines start with `//`", kind.file_is_one_record),
        ),
        E::UnclosedBlockComment => {
            ("a `/*` comment is never closed".into(), "close it with `*/`".into())
        }
        E::UnexpectedChar(c) => (
            format!("unexpected character {c:?}"),
            "strings need double quotes; fields are written `name: value` and separated by \
             commas"
                .into(),
        ),
        E::Message(m) => match m.split_once(&format!("; {}", units::DURATION_HINT)) {
            Some((what, rest)) => (format!("{what}{rest}"), units::DURATION_HINT.into()),
            None => (m.clone(), kind.generic_hint.into()),
        },
        other => (other.to_string(), kind.generic_hint.into()),
    };
    Explanation { message, hint }
}

/// The line of the value a missing comma should follow.
fn token_before_hint(text: &str, at: Position) -> Option<usize> {
    locate::token_before(text, at).map(|span| span.end.line)
}

/// Parses one layer, reporting a syntax or type error at its line and column, with the field
/// it is in, a key written twice in a map, or a file past the limits of size and tokens (the
/// tokens of every layer so far count against `budget`). A file past a limit is parsed up to
/// it, so a mistake before it is reported as in any file.
fn parse_layer(source: &Source, budget: &mut usize) -> Result<raw::Scenario, ScenarioError> {
    // A built-in is part of the program: parsed once per process, with its token count, so a
    // chain through `crowdstrike-2024` (26 KB) does not read it again each time.
    type Parsed = std::collections::BTreeMap<String, (usize, raw::Scenario)>;
    static BUILTINS: std::sync::Mutex<Parsed> = std::sync::Mutex::new(Parsed::new());
    let builtin =
        source.dir.is_none() && source.cut.is_none() && source.name.starts_with("builtin:");
    if !builtin {
        return parse_ron(source, &SCENARIO, budget);
    }
    let cached = BUILTINS.lock().ok().and_then(|b| b.get(&source.name).cloned());
    if let Some((tokens, layer)) = cached
        && tokens <= *budget
    {
        *budget -= tokens;
        return Ok(layer);
    }
    let before = *budget;
    let layer: raw::Scenario = parse_ron(source, &SCENARIO, budget)?;
    if let Ok(mut b) = BUILTINS.lock() {
        b.insert(source.name.clone(), (before - *budget, layer.clone()));
    }
    Ok(layer)
}

/// Parses a RON file of any of our kinds (a scenario layer, an observations file) the same way.
pub(crate) fn parse_ron<T: serde::de::DeserializeOwned>(
    source: &Source,
    kind: &Kind,
    budget: &mut usize,
) -> Result<T, ScenarioError> {
    let (tokens, token_cut) = locate::token_cut(&source.text, *budget, false);
    *budget -= tokens;
    let (text, cut) = match (token_cut, source.cut) {
        (Some((bytes, at)), _) => (&source.text[..bytes], Some((at, Limit::Tokens))),
        (None, Some(at)) => (source.text.as_str(), Some((at, Limit::Bytes))),
        (None, None) => (source.text.as_str(), None),
    };
    let parsed = ron_options().from_str::<T>(text);
    let before_cut = |e: &ron::error::SpannedError| match cut {
        None => true,
        // ron places a mistake it meets at the cut on the last token before it, so only one
        // that ends before the cut is the file's own.
        Some((at, _)) => {
            Position { line: e.span.end.line, col: e.span.end.col } < at
                && !matches!(e.code, ron::Error::Eof)
        }
    };
    match (parsed, cut) {
        (Err(e), _) if before_cut(&e) => Err(syntax_error(&source.name, text, &e, kind)),
        (_, Some((at, limit))) => Err(limit.problem(&source.name, at, kind)),
        (Ok(layer), None) => match locate::Document::parse(text).duplicate_key() {
            None => Ok(layer),
            Some((path, first, second)) => {
                let key = path.rsplit('.').next().unwrap_or(&path).to_string();
                Err(ScenarioError {
                    problems: vec![Problem {
                        file: Some(source.name.clone()),
                        position: Some(second.start),
                        path: Some(path),
                        message: format!(
                            "`{key}` is set twice here (first at line {}, column {})",
                            first.start.line, first.start.col
                        ),
                        hint: Some(
                            "remove one of the two, or rename one: a map holds one entry per \
                             key, and only the last would be used"
                                .into(),
                        ),
                    }],
                })
            }
        },
        (Err(e), None) => Err(syntax_error(&source.name, text, &e, kind)),
    }
}

/// A limit a file went past, as a problem at the place it did.
#[derive(Clone, Copy, Debug)]
enum Limit {
    Bytes,
    Tokens,
}

impl Limit {
    fn problem(self, file: &str, at: Position, kind: &Kind) -> ScenarioError {
        let (message, hint) = match self {
            Limit::Bytes => (
                format!(
                    "the file is larger than {} MiB, the most a {} file may be; it was read up to \
                     here",
                    MAX_FILE_BYTES >> 20,
                    kind.noun
                ),
                format!(
                    "{} files are a few kilobytes (the largest built-in scenario is 13 KB): \
                     check that this is the file you meant",
                    kind.noun
                ),
            ),
            Limit::Tokens => (
                format!(
                    "the {} holds more than 100,000 values, names and brackets (with what it \
                     extends), the most it may; it was read up to here",
                    kind.noun
                ),
                "describe many similar organisations with one archetype and its \
                 `organisations` count rather than listing them one by one"
                    .to_string(),
            ),
        };
        ScenarioError {
            problems: vec![Problem {
                file: Some(file.to_string()),
                position: Some(at),
                path: None,
                message,
                hint: Some(hint),
            }],
        }
    }
}

/// A ron error in a layer's text, placed at its line and column, with the field it is in.
fn syntax_error(
    name: &str,
    text: &str,
    e: &ron::error::SpannedError,
    kind: &Kind,
) -> ScenarioError {
    let reported = Position { line: e.span.start.line, col: e.span.start.col };
    let token = locate::token_at(text, reported);
    let empty = locate::token_at(text, Position { line: 1, col: 1 }).is_none();
    let located = |position: Position, path: Option<String>, why: Explanation| ScenarioError {
        problems: vec![Problem {
            file: Some(name.to_string()),
            position: Some(position),
            path,
            message: why.message,
            hint: Some(why.hint),
        }],
    };
    match (&token, locate::unclosed(text)) {
        _ if empty => located(
            Position { line: 1, col: 1 },
            None,
            Explanation::new(format!("the file has no {} in it", kind.noun), kind.start_hint),
        ),
        // At the end of the file, the bracket left open says more than the end does.
        (None, Some((open, bracket))) => {
            let close = match bracket {
                '(' => ')',
                '[' => ']',
                _ => '}',
            };
            located(
                open,
                locate::path_at(text, open),
                Explanation::new(
                    format!("the file ends before this `{bracket}` is closed"),
                    format!(
                        "add the missing `{close}` where it ends, and check the brackets in \
                             between"
                    ),
                ),
            )
        }
        // ron reads `1.5` as a whole number `1` followed by something that is not a comma.
        (Some((span, written)), _)
            if matches!(e.code, ron::Error::ExpectedComma)
                && span.start < reported
                && written.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') =>
        {
            located(
                span.start,
                locate::path_at(text, span.start),
                Explanation::new(
                    format!("expected a whole number, found `{written}`"),
                    "write digits without a decimal point, e.g. 42",
                ),
            )
        }
        _ => {
            let position = token.as_ref().map_or(reported, |(span, _)| span.start);
            let path = locate::path_at(text, position).or_else(|| match &e.code {
                // Where the text around is too broken to place it, the field itself.
                ron::Error::NoSuchStructField { found, .. } => Some(found.clone()),
                _ => None,
            });
            let written = token.as_ref().map(|(_, w)| w.as_str());
            let explanation = describe(&e.code, text, position, written, path.as_deref(), kind);
            located(position, path, explanation)
        }
    }
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
            cut: None,
        });
    }
    let path = match dir {
        Some(d) if Path::new(reference).is_relative() => d.join(reference),
        _ => PathBuf::from(reference),
    };
    match read_scenario_file(&path) {
        Ok((text, cut)) => Ok(Source {
            name: path.display().to_string(),
            text,
            dir: Some(path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)),
            cut,
        }),
        Err(ReadError::NotUtf8(bad)) => {
            let file = from.map_or_else(|| reference.to_string(), |_| path.display().to_string());
            let mut err = ScenarioError::one(Some(file), bad.message(&path), bad.hint());
            err.problems[0].position = Some(bad.position);
            Err(err)
        }
        Err(ReadError::Io(e)) => {
            let why = unreadable(&e, &path, reference, from.is_some());
            // A bad command-line argument names itself; a bad `extends` names its file and line.
            let file = from.map_or_else(|| reference.to_string(), |s| s.name.clone());
            let mut err = ScenarioError::one(Some(file), why.message, why.hint);
            if let Some(from) = from {
                let p = &mut err.problems[0];
                p.path = Some("extends".into());
                p.position = locate::locate(&from.text, "extends").map(|s| s.start);
            }
            Err(err)
        }
    }
}

/// Why a scenario file could not be read, and what to give instead. `extended` is whether
/// another file names it (in `extends`) rather than the command line.
fn unreadable(e: &std::io::Error, path: &Path, reference: &str, extended: bool) -> Explanation {
    use std::io::ErrorKind;
    let builtins = builtin::names().join(", ");
    let shown = path.display();
    if e.kind() == ErrorKind::NotFound {
        let looked = if shown.to_string() == reference {
            String::new()
        } else {
            format!(" (looked for {shown})")
        };
        Explanation::new(
            if extended {
                format!("no scenario file or built-in named \"{reference}\"{looked}")
            } else {
                "no such file, and no built-in scenario has this name".into()
            },
            format!(
                "give the path of a .ron file (relative to the file that names it), or a \
                 built-in: {builtins}"
            ),
        )
    } else if e.kind() == ErrorKind::InvalidData {
        Explanation::new(
            format!("\"{shown}\" is not UTF-8 text"),
            "save the scenario as UTF-8 text",
        )
    } else if e.kind() == ErrorKind::InvalidInput {
        Explanation::new(
            format!("cannot read \"{shown}\": {e}"),
            format!("give the path of a .ron file, or a built-in: {builtins}"),
        )
    } else if path.is_dir() {
        Explanation::new(
            format!("\"{shown}\" is a directory, not a scenario file"),
            format!("give the path of a .ron file in it, or a built-in: {builtins}"),
        )
    } else {
        Explanation::new(
            format!("cannot read \"{shown}\": {e}"),
            format!("give the path of a readable .ron file, or a built-in: {builtins}"),
        )
    }
}

/// Largest scenario file read: about 80 times the largest built-in (13 KB), far below what
/// would strain memory. A longer file is read up to here and refused there, unless its
/// beginning already holds a mistake, which is reported instead.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// Most tokens (values, names, brackets, commas) a scenario and the files it extends may hold
/// together (the message that refuses more says 100,000): about 30 times the largest built-in chain. Parsing costs memory per token (a
/// file of `[[],[],...]` once took 100 bytes of memory per byte of file), so what is parsed is
/// bounded by this, not by the size of the file alone.
pub const MAX_TOKENS: usize = 100_000;

/// Why a scenario file could not be read.
enum ReadError {
    Io(std::io::Error),
    NotUtf8(NotUtf8),
}

/// Where a file stops being UTF-8 text.
struct NotUtf8 {
    position: Position,
    /// Byte offset of the first byte that is not UTF-8.
    offset: usize,
    byte: u8,
    /// The file starts with a UTF-16 byte-order mark.
    utf16: bool,
}

impl NotUtf8 {
    fn of(bytes: &[u8], e: std::str::Utf8Error) -> NotUtf8 {
        let offset = e.valid_up_to();
        let before = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        NotUtf8 {
            position: Position { line, col },
            offset,
            byte: bytes.get(offset).copied().unwrap_or(0),
            utf16: bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]),
        }
    }

    fn message(&self, path: &Path) -> String {
        if self.utf16 {
            return format!(
                "\"{}\" is not UTF-8 text: it is UTF-16 (it starts with a UTF-16 byte-order mark)",
                path.display()
            );
        }
        format!(
            "\"{}\" is not UTF-8 text: the byte 0x{:02X} at byte offset {} is not part of a UTF-8 character",
            path.display(),
            self.byte,
            self.offset
        )
    }

    fn hint(&self) -> &'static str {
        if self.utf16 {
            "save the scenario as UTF-8 text (in most editors: save with the encoding UTF-8)"
        } else {
            "save the scenario as UTF-8 text; a Latin-1 or Windows-1252 accent is the usual cause"
        }
    }
}

/// Reads a scenario file (or a pipe such as `/dev/stdin`), refusing a directory and reading
/// at most [`MAX_FILE_BYTES`] (`/dev/zero` would never end): the text, and where it was cut if
/// the file is longer. A UTF-8 byte-order mark is dropped, so positions are an editor's.
fn read_scenario_file(path: &Path) -> Result<(String, Option<Position>), ReadError> {
    use std::io::Read;
    if std::fs::metadata(path).map_err(ReadError::Io)?.is_dir() {
        let e = std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory");
        return Err(ReadError::Io(e));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(ReadError::Io)?;
    decode(bytes)
}

/// A file's bytes as scenario text: a UTF-8 byte-order mark dropped, a file longer than
/// [`MAX_FILE_BYTES`] cut at its last whole token before the limit (and where, as a position),
/// anything else that is not UTF-8 refused at its first bad byte.
fn decode(mut bytes: Vec<u8>) -> Result<(String, Option<Position>), ReadError> {
    let long = bytes.len() > MAX_FILE_BYTES;
    bytes.truncate(MAX_FILE_BYTES);
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        // A character cut in two at the limit is not a mistake in the file.
        Err(e) if long && e.utf8_error().error_len().is_none() => {
            let mut bytes = e.into_bytes();
            let valid = std::str::from_utf8(&bytes).map_err(|e| e.valid_up_to()).err();
            bytes.truncate(valid.unwrap_or(bytes.len()));
            String::from_utf8(bytes).unwrap_or_default()
        }
        Err(e) => {
            let bad = NotUtf8::of(e.as_bytes(), e.utf8_error());
            return Err(ReadError::NotUtf8(bad));
        }
    };
    if !long {
        return Ok((text, None));
    }
    // Keep whole tokens only: the last one may be cut short.
    match locate::token_cut(&text, usize::MAX, true) {
        (_, Some((bytes, at))) => Ok((text[..bytes].to_string(), Some(at))),
        (_, None) => Ok((text, None)),
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

/// Like [`load`], from a file's bytes already in hand (named for messages), read exactly as a
/// file is: encodings checked, a byte-order mark dropped, the size limit applied.
pub fn load_bytes(name: &str, bytes: &[u8]) -> Result<Loaded, ScenarioError> {
    let dir = Path::new(name).parent().map(Path::to_path_buf);
    let (text, cut) = match decode(bytes.to_vec()) {
        Ok(decoded) => decoded,
        Err(ReadError::NotUtf8(bad)) => {
            let mut err = ScenarioError::one(
                Some(name.to_string()),
                bad.message(Path::new(name)),
                bad.hint(),
            );
            err.problems[0].position = Some(bad.position);
            return Err(err);
        }
        Err(ReadError::Io(e)) => {
            return Err(ScenarioError::one(Some(name.to_string()), e.to_string(), ""));
        }
    };
    load_source(Source { name: name.to_string(), text, dir, cut })
}

/// Like [`load`], from text already in hand (named for messages).
pub fn load_text(name: &str, text: &str) -> Result<Loaded, ScenarioError> {
    let dir = Path::new(name).parent().map(Path::to_path_buf);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).to_string();
    load_source(Source { name: name.to_string(), text, dir, cut: None })
}

fn load_source(first: Source) -> Result<Loaded, ScenarioError> {
    // The files read before the one being read now, `from`.
    let mut sources = Vec::new();
    let mut from = first;
    let mut layers = Vec::new();
    let mut seen = Vec::new();
    let mut budget = MAX_TOKENS;
    loop {
        let mut layer = parse_layer(&from, &mut budget)?;
        seen.push(identity(&from));
        let extends = layer.extends.take().filter(|e| !e.is_empty());
        layers.push(layer);
        let Some(base) = extends else { break };
        let next = open(&base, from.dir.as_deref(), Some(&from))?;
        let cycle = seen.contains(&identity(&next));
        if cycle || sources.len() + 1 >= MAX_EXTENDS {
            let chain: Vec<&str> =
                sources.iter().chain([&from, &next]).map(|s| s.name.as_str()).collect();
            let (message, hint) = if cycle {
                (
                    format!("`extends` goes round in a cycle: {}", chain.join(" -> ")),
                    "break the cycle: a scenario cannot extend itself, directly or through others",
                )
            } else {
                (
                    format!(
                        "`extends` goes more than {MAX_EXTENDS} files deep: {}",
                        chain.join(" -> ")
                    ),
                    "extend a built-in or a file closer to it",
                )
            };
            let mut err = ScenarioError::one(Some(from.name.clone()), message, hint);
            err.problems[0].path = Some("extends".into());
            err.problems[0].position = locate::locate(&from.text, "extends").map(|s| s.start);
            return Err(err);
        }
        sources.push(std::mem::replace(&mut from, next));
    }
    sources.push(from);
    let mut resolved = raw::Scenario::default();
    for layer in layers.into_iter().rev() {
        resolved.merge(layer);
    }
    // An archetype with no organisations does not exist; removing it keeps the resolved
    // scenario to what will be simulated.
    if let Some(fleet) = &mut resolved.fleet {
        fleet.retain(|_, a| a.organisations != Some(0));
        // A base may name an archetype for its outputs that this scenario removed.
        if let Some(named) = resolved.outputs.as_mut().and_then(|o| o.archetypes.as_mut()) {
            named.retain(|a| fleet.contains_key(a));
        }
    }
    apply_templates(&mut resolved);
    resolved.fill();
    resolved.extends = None;
    // A scenario without a lesson reads as it did before lessons existed.
    if resolved.exercise.as_ref().is_some_and(raw::Exercise::is_empty) {
        resolved.exercise = None;
    }
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
        validate::validate(&self.resolved).map_err(|diagnostics| {
            let documents: Vec<locate::Document> =
                self.sources.iter().map(|s| locate::Document::parse(&s.text)).collect();
            ScenarioError {
                problems: diagnostics.into_iter().map(|d| self.place(&documents, d)).collect(),
            }
        })
    }

    /// The exercise script (the tabletop's lesson) of a scenario validated into `spec`; empty
    /// when the scenario has none.
    pub fn exercise(
        &self,
        spec: &WorldSpec,
    ) -> Result<validate::exercise::Exercise, ScenarioError> {
        validate::exercise_of(&self.resolved, spec).map_err(|diagnostics| {
            let documents: Vec<locate::Document> =
                self.sources.iter().map(|s| locate::Document::parse(&s.text)).collect();
            ScenarioError {
                problems: diagnostics.into_iter().map(|d| self.place(&documents, d)).collect(),
            }
        })
    }

    /// The scenario as fully resolved RON.
    pub fn to_ron(&self) -> String {
        to_ron(&self.resolved)
    }
}

/// Reads and validates a scenario in one step.
pub fn read(reference: &str) -> Result<(Loaded, WorldSpec), ScenarioError> {
    let loaded = load(reference)?;
    let spec = loaded.validate()?;
    Ok((loaded, spec))
}

/// Valid but probably not what the author meant: each a sentence with a hint, to print as a
/// warning before running. A tabletop may still mean them (a facilitator can halt by hand).
pub fn warnings(spec: &WorldSpec) -> Vec<String> {
    use blastradius_model::spec::{ActionSpec, RevertSpec};
    let mut out = Vec::new();
    let halted_by_decision =
        spec.injects.iter().any(|i| matches!(i.action, ActionSpec::HaltRollout));
    if matches!(spec.vendor.revert, RevertSpec::AfterHalt(_))
        && spec.vendor.gates.is_empty()
        && !halted_by_decision
    {
        out.push(
            "vendor.revert is AfterHalt, but nothing halts the rollout (no health gate in \
             vendor.rollout.gates, no HaltRollout decision in injects), so the revert never \
             comes unless someone halts by hand at the tabletop\n  hint: add a gate, schedule \
             a HaltRollout decision, or revert at a fixed time: revert: At(\"78m\")"
                .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revert_after_a_halt_that_nothing_triggers_is_warned_about() {
        let text = r#"(extends: "crowdstrike-2024", name: "w",
            vendor: (rollout: (policy: Rings, rings: [(name: "all", share: 1.0, bake: "0s")]),
                     revert: AfterHalt("15m")))"#;
        let spec = load_text("w.ron", text).unwrap().validate().unwrap();
        let w = warnings(&spec);
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("vendor.revert is AfterHalt") && w[0].contains("hint:"), "{w:?}");
        // With a gate, or a scheduled halt, or the shipped scenarios: nothing to say.
        let gated = text.replace(
            "bake: \"0s\")]",
            "bake: \"0s\")], gates: [(signal: CrashReports, threshold_count: 10)]",
        );
        let spec = load_text("w.ron", &gated).unwrap().validate().unwrap();
        assert!(warnings(&spec).is_empty());
        for name in builtin::names() {
            let (_, spec) = read(name).unwrap();
            assert!(warnings(&spec).is_empty(), "{name}: {:?}", warnings(&spec));
        }
    }

    fn problems(text: &str) -> Vec<Problem> {
        match load_text("t.ron", text).and_then(|l| l.validate().map(|_| ())) {
            Ok(()) => vec![],
            Err(e) => e.problems,
        }
    }

    /// A fleet-wide policy is reported once, at the policy, not once per archetype.
    #[test]
    fn a_bad_policy_is_reported_once_at_the_policy() {
        let found =
            problems("(extends: \"crowdstrike-2024\", policies: (content_lag_share: All(1.5)))");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path.as_deref(), Some("policies.content_lag_share"));
        assert_eq!(found[0].position, Some(Position { line: 1, col: 65 }));
    }

    /// A value from a sector template points at the archetype's `sector`, and says so.
    #[test]
    fn a_bad_template_value_points_at_the_sector() {
        let text = "(name: \"x\", fleet: {\"h\": (sector: Hospital, sites: [(name: \"hq\")])})";
        let found = problems(text);
        assert!(!found.is_empty());
        for p in &found {
            assert_eq!(p.position, Some(Position { line: 1, col: 35 }), "{p}");
            assert!(p.message.contains("(from the Hospital sector template)"), "{p}");
        }
    }

    /// A list replaced by a higher layer hides the lower layer's elements, even where the
    /// lower layer sets a field the higher one leaves to its default.
    #[test]
    fn a_default_in_a_replacing_list_points_into_that_list() {
        let text = "(extends: \"canary-rings\", vendor: (rollout: (rings: [(share: 1.0), ()])))";
        let found = problems(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].file.as_deref(), Some("t.ron"));
        assert_eq!(found[0].position, Some(Position { line: 1, col: 68 }));
        assert!(found[0].message.contains("`share` is not set here"));
    }
}
