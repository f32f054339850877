//! Locating paths in RON text, for error messages.
//!
//! Scenario files are RON. After serde has parsed a file, validation may reject a value at a
//! path such as `vendor.rollout.rings[1].share`; [`locate`] and [`locate_key`] turn that path
//! into the line and column of the value (or its key) so the message can read
//! `file.ron:12:18: ...`. The other way round, [`path_at`] names the field that contains a
//! position reported by ron, and [`token_at`], [`token_before`] and [`unclosed`] say what is
//! written there, what precedes it and which bracket a truncated file leaves open.
//!
//! This module owns a small, forgiving span scanner for RON text: a tokenizer, a parser that
//! builds a tree of nodes with their spans, and path lookups over that tree. It never panics;
//! on malformed input (unbalanced brackets, unterminated strings or comments, arbitrary bytes)
//! it returns `None` or whatever it could make sense of.
//!
//! It must not know about serde or the scenario types: it works purely on text and dotted
//! paths, so the same code serves any RON document.

use std::fmt::Write as _;

/// 1-based line and column (columns count chars, not bytes), like ron's own error positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub col: usize,
}

/// A region of the text. `start` is the position of the first char and `end` the position just
/// past the last char (exclusive), so `0.5` at line 3, column 8 spans `3:8..3:11`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: Position,
    pub end: Position,
}

impl Span {
    fn contains(self, pos: Position) -> bool {
        self.start <= pos && pos < self.end
    }
}

/// Path segments: a struct field name or map key (`Field`), or a list/tuple index (`Index`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Field(String),
    Index(usize),
}

/// Parses a dotted path like `vendor.rollout.rings[1].share` or `fleet.hospital.staff`
/// (map keys appear as plain segments; `a.b[0][2].c` is allowed). Returns None if malformed.
///
/// A field segment is any non-empty run of chars other than `.`, `[`, `]` and `"`, or a map key
/// in double quotes (`fleet."a.b"`, `fleet.""`; `\"` and `\\` inside stand for `"` and `\`),
/// as [`key_segment`] writes keys that are not plain; an index is a run of ASCII digits in
/// brackets. The path may start with an index (`[0].name`, for a top-level tuple or list). The
/// empty path is valid and denotes the top-level value.
pub fn parse_path(path: &str) -> Option<Vec<Segment>> {
    let mut segments = Vec::new();
    if path.is_empty() {
        return Some(segments);
    }
    let mut rest = path;
    let mut expect_field = !rest.starts_with('[');
    loop {
        if expect_field && let Some(quoted) = rest.strip_prefix('"') {
            let (key, after) = unquote(quoted)?;
            segments.push(Segment::Field(key));
            rest = after;
        } else if expect_field {
            let end = rest.find(['.', '[', ']', '"']).unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            segments.push(Segment::Field(rest[..end].to_string()));
            rest = &rest[end..];
        }
        while let Some(inner) = rest.strip_prefix('[') {
            let close = inner.find(']')?;
            let digits = &inner[..close];
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            segments.push(Segment::Index(digits.parse().ok()?));
            rest = &inner[close + 1..];
        }
        if rest.is_empty() {
            return Some(segments);
        }
        rest = rest.strip_prefix('.')?;
        expect_field = true;
    }
}

/// The text of a quoted key after its opening quote: the key and what follows the closing one.
fn unquote(text: &str) -> Option<(String, &str)> {
    let mut key = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((key, &text[i + 1..])),
            '\\' => key.push(chars.next()?.1),
            c => key.push(c),
        }
    }
    None
}

/// A map key as a path segment: as written when it is plain, else in double quotes (an empty
/// key, or one holding `.`, `[`, `]`, `"` or `\\`), so that every key has a path that
/// [`parse_path`] reads back.
pub fn key_segment(key: &str) -> String {
    let plain = !key.is_empty() && !key.contains(['.', '[', ']', '"', '\\']);
    if plain {
        return key.to_string();
    }
    let mut out = String::from('"');
    for c in key.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Formats segments back into the dotted form (`a.b[1].c`, `fleet."a.b"`).
pub fn format_path(segments: &[Segment]) -> String {
    let mut out = String::new();
    for segment in segments {
        match segment {
            Segment::Field(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&key_segment(name));
            }
            Segment::Index(index) => {
                let _ = write!(out, "[{index}]");
            }
        }
    }
    out
}

/// Span of the VALUE at `path` in `text` (for a field `share: 0.5`, the span of `0.5`; for a
/// struct-valued field, the span from its opening paren (or its name, for `Name(...)`) to the
/// closing paren). None if the text does not contain that path or cannot be scanned.
///
/// Map entries are addressed by their key's text without quotes (`fleet.community_hospital`
/// matches `"community_hospital": ...`, `class_mix.Workstation` matches `Workstation: ...`), a
/// raw identifier `r#type` by `type`. Named one-element tuples such as `Some(..)` are
/// transparent: a field segment descends into their single element, and so does an index
/// segment when that element is itself a list or tuple (`Some([5, 6])` at `[1]` is `6`). If a
/// field appears twice, the last occurrence wins.
pub fn locate(text: &str, path: &str) -> Option<Span> {
    Document::parse(text).locate(path)
}

/// Span of the KEY of the field at `path` (for `share: 0.5`, the span of `share`), falling back
/// to the value span for list elements. None if absent.
pub fn locate_key(text: &str, path: &str) -> Option<Span> {
    Document::parse(text).locate_key(path)
}

/// A document scanned once, for many lookups (one per problem found in a scenario).
#[derive(Debug)]
pub struct Document {
    root: Option<Node>,
}

impl Document {
    pub fn parse(text: &str) -> Document {
        Document { root: parse(text) }
    }

    /// As [`locate`].
    pub fn locate(&self, path: &str) -> Option<Span> {
        self.locate_segments(&parse_path(path)?)
    }

    /// As [`locate_key`].
    pub fn locate_key(&self, path: &str) -> Option<Span> {
        self.locate_key_segments(&parse_path(path)?)
    }

    /// As [`locate`], for a parsed path.
    pub fn locate_segments(&self, segments: &[Segment]) -> Option<Span> {
        resolve(self.root.as_ref()?, segments)?.value.map(|node| node.span)
    }

    /// As [`locate`], for a parsed path, but inside named one-element tuples: the span of
    /// `-2.0` in `All(-2.0)`, for a message about the value rather than its wrapper.
    pub fn locate_inner_segments(&self, segments: &[Segment]) -> Option<Span> {
        let mut node = resolve(self.root.as_ref()?, segments)?.value?;
        while let Some(inner) = node.newtype_inner() {
            node = inner;
        }
        Some(node.span)
    }

    /// As [`locate_key`], for a parsed path.
    pub fn locate_key_segments(&self, segments: &[Segment]) -> Option<Span> {
        let found = resolve(self.root.as_ref()?, segments)?;
        found.key.or(found.value.map(|node| node.span))
    }

    /// The first key written twice in one record or map (the first, that is, whose second
    /// appearance comes first in the text): its path, and the spans of its first and second
    /// appearances. Serde keeps the last entry of a map silently; a scenario should not.
    pub fn duplicate_key(&self) -> Option<(String, Span, Span)> {
        let mut path = Vec::new();
        duplicate_in(self.root.as_ref()?, &mut path)
    }
}

fn duplicate_in(node: &Node, path: &mut Vec<Segment>) -> Option<(String, Span, Span)> {
    match &node.kind {
        Kind::Scalar => None,
        Kind::Seq { items, .. } => {
            let newtype = node.newtype_inner().is_some();
            for (i, item) in items.iter().enumerate() {
                if !newtype {
                    path.push(Segment::Index(i));
                }
                let found = duplicate_in(item, path);
                if !newtype {
                    path.pop();
                }
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        Kind::Keyed { entries } => {
            let mut seen: std::collections::BTreeMap<&str, Span> = Default::default();
            for entry in entries.iter().filter(|e| e.simple) {
                path.push(Segment::Field(entry.key.clone()));
                if let Some(&first) = seen.get(entry.key.as_str()) {
                    return Some((format_path(path), first, entry.key_span));
                }
                seen.insert(&entry.key, entry.key_span);
                let found = entry.value.as_ref().and_then(|v| duplicate_in(v, path));
                path.pop();
                if found.is_some() {
                    return found;
                }
            }
            None
        }
    }
}

/// Where to cut `text` so that what is kept holds at most `max` tokens (values, names,
/// brackets, commas), and only whole ones: the tokens kept, and the byte offset and position of
/// the first token left out (None when the whole text fits). With `cut_short` (the text is the
/// start of a longer file), the last token is left out too, as it may be cut short. It counts
/// without keeping the tokens, so hostile input costs four bytes a char, not a token each.
pub fn token_cut(text: &str, max: usize, cut_short: bool) -> (usize, Option<(usize, Position)>) {
    let mut lexer =
        Lexer { chars: text.chars().collect(), i: 0, pos: Position { line: 1, col: 1 } };
    let mut count = 0usize;
    let mut last: Option<(usize, Position)> = None;
    let cut = loop {
        lexer.skip_trivia();
        let here = (lexer.i, lexer.pos);
        if lexer.next_token().is_none() {
            if cut_short {
                count = count.saturating_sub(1);
                break Some(last.unwrap_or(here));
            }
            break None;
        }
        if count == max {
            break Some(here);
        }
        count += 1;
        last = Some(here);
    };
    let Some((chars, position)) = cut else { return (count, None) };
    let bytes = text.char_indices().nth(chars).map_or(text.len(), |(b, _)| b);
    (count, Some((bytes, position)))
}

/// The deepest path whose key or value span contains `pos` (e.g. ron reports an error at
/// 12:18 -> "vendor.rollout.rings[1].share"). Returns None when pos is outside every field
/// (e.g. at top level before the first field). An empty path is never returned.
///
/// A field covers everything from the start of its key to the end of its value, including the
/// colon and the whitespace around it. A position between two fields or list elements (on a
/// comma, in whitespace or a comment) belongs to the deepest enclosing field, so a position
/// inside a struct's parens but between its fields yields that struct's path; between the
/// top-level fields it yields None. Named one-element tuples are transparent, as in
/// [`locate`]: a position inside `x: Some(5)` yields `x`, and one on `a` in
/// `x: Some((a: 1))` yields `x.a`.
pub fn path_at(text: &str, pos: Position) -> Option<String> {
    let root = parse(text)?;
    let mut path = Vec::new();
    collect_path(&root, pos, &mut path);
    (!path.is_empty()).then(|| format_path(&path))
}

/// The token that contains `pos`, or else the first one after it: its span and its text as
/// written (quotes included). ron reports some errors inside a value (after the sign of `-3`)
/// or in the space before it; messages point at the value's first character instead. None at
/// the end of the text.
pub fn token_at(text: &str, pos: Position) -> Option<(Span, String)> {
    let (tokens, _) = tokenize(text);
    let token = tokens.into_iter().find(|t| pos < t.span.end)?;
    let (from, to) = token.chars;
    Some((token.span, text.chars().skip(from).take(to - from).collect()))
}

/// The span of the last token that ends at or before `pos`: for "a comma is missing here",
/// the value the comma should follow.
pub fn token_before(text: &str, pos: Position) -> Option<Span> {
    let (tokens, _) = tokenize(text);
    tokens.iter().rev().find(|t| t.span.end <= pos).map(|t| t.span)
}

/// The innermost bracket still open at the end of `text`: its position and character. Brackets
/// inside strings and comments do not count, and a closing bracket that matches nothing open
/// is ignored. None if every bracket is closed.
pub fn unclosed(text: &str) -> Option<(Position, char)> {
    let (tokens, _) = tokenize(text);
    let mut open: Vec<(Position, char)> = Vec::new();
    for token in &tokens {
        match token.kind {
            TokKind::Open(c) => open.push((token.span.start, c)),
            TokKind::Close(c) => {
                let partner = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if open.last().is_some_and(|&(_, o)| o == partner) {
                    open.pop();
                }
            }
            _ => {}
        }
    }
    open.pop()
}

// ---------------------------------------------------------------------------------------------
// Tree and lookups

/// A value in the document with its span.
#[derive(Debug)]
struct Node {
    span: Span,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// A number, string, char, identifier (unit variant, `true`, `None`, ...) or anything
    /// unrecognised.
    Scalar,
    /// A list, a tuple (including `()`), or a named tuple / enum variant with data.
    Seq { items: Vec<Node>, shape: Shape },
    /// A struct (anonymous or named, including enum struct variants) or a map.
    Keyed { entries: Vec<Entry> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// `[a, b]`
    List,
    /// `(a, b)`
    Tuple,
    /// `Name(a, b)`
    Named,
}

/// A struct field or map entry.
#[derive(Debug)]
struct Entry {
    /// Field name (without `r#`) or map key text (without quotes); empty for composite keys.
    key: String,
    /// False for a composite key (a tuple or list as a map key), which no path can address.
    simple: bool,
    key_span: Span,
    /// None when the value is missing (`a: ,`).
    value: Option<Node>,
    /// End of the value, or of the colon when the value is missing.
    end: Position,
}

impl Node {
    /// The single element of a named one-element tuple such as `Some(x)`.
    fn newtype_inner(&self) -> Option<&Node> {
        match &self.kind {
            Kind::Seq { items, shape: Shape::Named } if items.len() == 1 => items.first(),
            _ => None,
        }
    }
}

impl Entry {
    fn matches(&self, name: &str) -> bool {
        self.simple && (self.key == name || name.strip_prefix("r#") == Some(self.key.as_str()))
    }

    fn is_addressable(&self) -> bool {
        self.simple
    }

    fn extent(&self) -> Span {
        Span { start: self.key_span.start, end: self.end }
    }
}

/// The result of resolving a path: the key span (for fields) and the value node (if present).
struct Found<'a> {
    key: Option<Span>,
    value: Option<&'a Node>,
}

fn resolve<'a>(root: &'a Node, segments: &[Segment]) -> Option<Found<'a>> {
    let mut found = Found { key: None, value: Some(root) };
    for segment in segments {
        let node = unwrap_newtypes(found.value?, segment);
        found = match (segment, &node.kind) {
            (Segment::Field(name), Kind::Keyed { entries }) => {
                let entry = entries.iter().rev().find(|entry| entry.matches(name))?;
                Found { key: Some(entry.key_span), value: entry.value.as_ref() }
            }
            (Segment::Index(index), Kind::Seq { items, .. }) => {
                Found { key: None, value: Some(items.get(*index)?) }
            }
            _ => return None,
        };
    }
    Some(found)
}

/// Descends through named one-element tuples (`Some(..)`, `Fixed(..)`) when `segment` must
/// apply to what they wrap: always for fields, and for indices when the wrapped value is itself
/// a sequence.
fn unwrap_newtypes<'a>(mut node: &'a Node, segment: &Segment) -> &'a Node {
    while let Some(inner) = node.newtype_inner() {
        let applies_inside = match segment {
            Segment::Field(_) => true,
            Segment::Index(_) => matches!(inner.kind, Kind::Seq { .. }),
        };
        if !applies_inside {
            break;
        }
        node = inner;
    }
    node
}

fn collect_path(node: &Node, pos: Position, path: &mut Vec<Segment>) {
    if let Some(inner) = node.newtype_inner() {
        collect_path(inner, pos, path);
        return;
    }
    match &node.kind {
        Kind::Scalar => {}
        Kind::Seq { items, .. } => {
            if let Some((index, item)) =
                items.iter().enumerate().find(|(_, item)| item.span.contains(pos))
            {
                path.push(Segment::Index(index));
                collect_path(item, pos, path);
            }
        }
        Kind::Keyed { entries } => {
            let hit = entries
                .iter()
                .rev()
                .find(|entry| entry.is_addressable() && entry.extent().contains(pos));
            if let Some(entry) = hit {
                path.push(Segment::Field(entry.key.clone()));
                if let Some(value) = &entry.value {
                    collect_path(value, pos, path);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokKind {
    Open(char),
    Close(char),
    Comma,
    Colon,
    /// An identifier; the token text is its name without any `r#` prefix.
    Ident,
    /// A string, raw string or byte string; the token text is its unescaped contents.
    Str,
    /// A number, a char literal (text without quotes) or any other stray character.
    Atom,
}

#[derive(Debug)]
struct Token {
    kind: TokKind,
    span: Span,
    text: String,
    /// Char offsets of the token in the text, end exclusive.
    chars: (usize, usize),
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits `text` into tokens, skipping whitespace and comments. Also returns the end position.
fn tokenize(text: &str) -> (Vec<Token>, Position) {
    let mut lexer =
        Lexer { chars: text.chars().collect(), i: 0, pos: Position { line: 1, col: 1 } };
    let mut tokens = Vec::new();
    while let Some(token) = lexer.next_token() {
        tokens.push(token);
    }
    (tokens, lexer.pos)
}

struct Lexer {
    chars: Vec<char>,
    i: usize,
    /// Position of `chars[i]`.
    pos: Position,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.i + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.i += 1;
        if c == '\n' {
            self.pos.line += 1;
            self.pos.col = 1;
        } else {
            self.pos.col += 1;
        }
        Some(c)
    }

    fn next_token(&mut self) -> Option<Token> {
        self.skip_trivia();
        let start = self.pos;
        let from = self.i;
        let c = self.peek(0)?;
        let next = self.peek(1);
        let (kind, text) = match c {
            '(' | '[' | '{' => {
                self.bump();
                (TokKind::Open(c), String::new())
            }
            ')' | ']' | '}' => {
                self.bump();
                (TokKind::Close(c), String::new())
            }
            ',' | ':' => {
                self.bump();
                (if c == ',' { TokKind::Comma } else { TokKind::Colon }, String::new())
            }
            '"' => (TokKind::Str, self.string()),
            '\'' => (TokKind::Atom, self.char_literal()),
            'b' if next == Some('"') => {
                self.bump();
                (TokKind::Str, self.string())
            }
            'b' if next == Some('\'') => {
                self.bump();
                (TokKind::Atom, self.char_literal())
            }
            'b' if next == Some('r') && self.raw_string_at(2) => {
                self.bump();
                (TokKind::Str, self.raw_string())
            }
            'r' if self.raw_string_at(1) => (TokKind::Str, self.raw_string()),
            'r' if next == Some('#') && self.peek(2).is_some_and(is_ident_start) => {
                self.bump();
                self.bump();
                (TokKind::Ident, self.identifier())
            }
            _ if is_ident_start(c) => (TokKind::Ident, self.identifier()),
            '+' | '-' => (TokKind::Atom, self.number()),
            '.' if next.is_some_and(|d| d.is_ascii_digit()) => (TokKind::Atom, self.number()),
            _ if c.is_ascii_digit() => (TokKind::Atom, self.number()),
            _ => {
                self.bump();
                (TokKind::Atom, c.to_string())
            }
        };
        Some(Token { kind, span: Span { start, end: self.pos }, text, chars: (from, self.i) })
    }

    /// Skips whitespace, a byte-order mark, `// line` and `/* nested block */` comments.
    fn skip_trivia(&mut self) {
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(c), _) if c.is_whitespace() || c == '\u{feff}' => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => self.block_comment(),
                _ => return,
            }
        }
    }

    fn block_comment(&mut self) {
        self.bump();
        self.bump();
        let mut depth = 1usize;
        while depth > 0 {
            match (self.peek(0), self.peek(1)) {
                (None, _) => return,
                (Some('/'), Some('*')) => {
                    self.bump();
                    self.bump();
                    depth += 1;
                }
                (Some('*'), Some('/')) => {
                    self.bump();
                    self.bump();
                    depth -= 1;
                }
                _ => {
                    self.bump();
                }
            }
        }
    }

    fn identifier(&mut self) -> String {
        let mut text = String::new();
        while let Some(c) = self.peek(0).filter(|&c| is_ident_continue(c)) {
            self.bump();
            text.push(c);
        }
        text
    }

    /// A number such as `-1.5e-3`, `0x1F`, `1_000`, `inf` or `-NaN`, or a lone sign.
    fn number(&mut self) -> String {
        let mut text = String::new();
        if let Some(sign @ ('+' | '-')) = self.peek(0) {
            self.bump();
            text.push(sign);
        }
        while let Some(c) = self.peek(0) {
            let hex = text.trim_start_matches(['+', '-']).starts_with("0x");
            let exponent_sign = matches!(c, '+' | '-') && text.ends_with(['e', 'E']) && !hex;
            if !(is_ident_continue(c) || c == '.' || exponent_sign) {
                break;
            }
            self.bump();
            text.push(c);
        }
        text
    }

    /// A `"..."` string starting at the opening quote; unterminated strings run to the end.
    fn string(&mut self) -> String {
        self.bump();
        let mut text = String::new();
        while let Some(c) = self.bump() {
            match c {
                '"' => break,
                '\\' => self.escape(&mut text),
                _ => text.push(c),
            }
        }
        text
    }

    /// A `'c'` char literal starting at the opening quote; stops at the end of the line if
    /// unterminated.
    fn char_literal(&mut self) -> String {
        self.bump();
        let mut text = String::new();
        while let Some(c) = self.peek(0) {
            match c {
                '\'' => {
                    self.bump();
                    break;
                }
                '\n' => break,
                '\\' => {
                    self.bump();
                    self.escape(&mut text);
                }
                _ => {
                    self.bump();
                    text.push(c);
                }
            }
        }
        text
    }

    /// Decodes the escape after a backslash (already consumed) into `text`.
    fn escape(&mut self, text: &mut String) {
        let Some(c) = self.bump() else { return };
        let decoded = match c {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '0' => '\0',
            'x' => match self.hex_char(2) {
                Some(decoded) => decoded,
                None => return,
            },
            'u' if self.peek(0) == Some('{') => {
                self.bump();
                let decoded = self.hex_char(6);
                if self.peek(0) == Some('}') {
                    self.bump();
                }
                match decoded {
                    Some(decoded) => decoded,
                    None => return,
                }
            }
            '\n' => {
                // Line continuation: the newline and the following indentation are dropped.
                while self.peek(0).is_some_and(char::is_whitespace) {
                    self.bump();
                }
                return;
            }
            other => other,
        };
        text.push(decoded);
    }

    fn hex_char(&mut self, max_digits: usize) -> Option<char> {
        let mut digits = String::new();
        while digits.len() < max_digits {
            match self.peek(0).filter(char::is_ascii_hexdigit) {
                Some(c) => {
                    self.bump();
                    digits.push(c);
                }
                None => break,
            }
        }
        u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32)
    }

    /// Whether `chars[i + ahead..]` is zero or more `#` followed by `"` (a raw string opener
    /// after its `r`).
    fn raw_string_at(&self, ahead: usize) -> bool {
        let mut k = ahead;
        while self.peek(k) == Some('#') {
            k += 1;
        }
        self.peek(k) == Some('"')
    }

    /// A `r#"..."#` raw string starting at the `r`; unterminated raw strings run to the end.
    fn raw_string(&mut self) -> String {
        self.bump();
        let mut hashes = 0;
        while self.peek(0) == Some('#') {
            self.bump();
            hashes += 1;
        }
        self.bump();
        let mut text = String::new();
        while let Some(c) = self.bump() {
            if c == '"' && (0..hashes).all(|k| self.peek(k) == Some('#')) {
                for _ in 0..hashes {
                    self.bump();
                }
                break;
            }
            text.push(c);
        }
        text
    }
}

// ---------------------------------------------------------------------------------------------
// Parser

/// Nesting beyond this depth is skipped as an opaque value, so hostile input cannot overflow
/// the stack.
const MAX_DEPTH: usize = 128;

/// Parses the top-level value of `text`, skipping leading `#![...]` attributes.
fn parse(text: &str) -> Option<Node> {
    let (tokens, eof) = tokenize(text);
    let mut parser = Parser { tokens, i: 0, eof };
    parser.skip_attributes();
    parser.value(0)
}

struct Parser {
    tokens: Vec<Token>,
    i: usize,
    eof: Position,
}

impl Parser {
    fn kind(&self, ahead: usize) -> Option<TokKind> {
        self.tokens.get(self.i + ahead).map(|token| token.kind)
    }

    fn is_atom(&self, text: &str) -> bool {
        self.tokens
            .get(self.i)
            .is_some_and(|token| token.kind == TokKind::Atom && token.text == text)
    }

    /// End of the last consumed token.
    fn prev_end(&self) -> Position {
        self.i.checked_sub(1).and_then(|j| self.tokens.get(j)).map_or(self.eof, |t| t.span.end)
    }

    fn skip_attributes(&mut self) {
        while self.is_atom("#") {
            self.i += 1;
            if self.is_atom("!") {
                self.i += 1;
            }
            if self.kind(0) == Some(TokKind::Open('[')) {
                self.skip_value();
            }
        }
    }

    /// Parses one value, or returns None without consuming anything if the next token cannot
    /// start one (a closing bracket, comma, colon or the end of input).
    fn value(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return self.skip_value();
        }
        let token = self.tokens.get(self.i)?;
        let span = token.span;
        match token.kind {
            TokKind::Close(_) | TokKind::Comma | TokKind::Colon => None,
            TokKind::Open(open) => {
                self.i += 1;
                Some(match open {
                    '(' => self.paren(span.start, Shape::Tuple, depth),
                    '[' => self.seq(span.start, Shape::List, depth),
                    _ => self.keyed(span.start, '}', depth),
                })
            }
            TokKind::Ident if self.kind(1) == Some(TokKind::Open('(')) => {
                self.i += 2;
                Some(self.paren(span.start, Shape::Named, depth))
            }
            TokKind::Ident | TokKind::Str | TokKind::Atom => {
                self.i += 1;
                Some(Node { span, kind: Kind::Scalar })
            }
        }
    }

    /// Skips one value without building its children (balancing brackets of any kind).
    fn skip_value(&mut self) -> Option<Node> {
        let first = self.tokens.get(self.i)?;
        let start = first.span.start;
        match first.kind {
            TokKind::Close(_) | TokKind::Comma | TokKind::Colon => return None,
            TokKind::Ident if self.kind(1) == Some(TokKind::Open('(')) => self.i += 1,
            _ => {}
        }
        let mut depth = 0usize;
        while let Some(token) = self.tokens.get(self.i) {
            match token.kind {
                TokKind::Open(_) => depth += 1,
                TokKind::Close(_) if depth == 0 => break,
                TokKind::Close(_) => depth -= 1,
                _ => {}
            }
            self.i += 1;
            if depth == 0 {
                break;
            }
        }
        Some(Node { span: Span { start, end: self.prev_end() }, kind: Kind::Scalar })
    }

    /// The contents of `(...)` or `Name(...)` after the opening paren: a struct if the first
    /// item is `identifier :`, a tuple otherwise.
    fn paren(&mut self, start: Position, shape: Shape, depth: usize) -> Node {
        if self.kind(0) == Some(TokKind::Ident) && self.kind(1) == Some(TokKind::Colon) {
            self.keyed(start, ')', depth)
        } else {
            self.seq(start, shape, depth)
        }
    }

    /// If the container closed by `close` ends here, consumes its closing bracket and returns
    /// its end. A mismatched closing bracket or the end of input also ends it (without
    /// consuming anything), leaving the enclosing containers to deal with it.
    fn container_end(&mut self, close: char) -> Option<Position> {
        match self.kind(0) {
            None => Some(self.eof),
            Some(TokKind::Close(c)) if c == close => {
                self.i += 1;
                Some(self.prev_end())
            }
            Some(TokKind::Close(_)) => Some(self.prev_end()),
            _ => None,
        }
    }

    fn seq(&mut self, start: Position, shape: Shape, depth: usize) -> Node {
        let close = if shape == Shape::List { ']' } else { ')' };
        let mut items = Vec::new();
        let end = loop {
            if let Some(end) = self.container_end(close) {
                break end;
            }
            if self.kind(0) == Some(TokKind::Comma) {
                self.i += 1;
                continue;
            }
            match self.value(depth + 1) {
                Some(item) => items.push(item),
                None => self.i += 1, // a stray colon
            }
        };
        Node { span: Span { start, end }, kind: Kind::Seq { items, shape } }
    }

    fn keyed(&mut self, start: Position, close: char, depth: usize) -> Node {
        let mut entries = Vec::new();
        let end = loop {
            if let Some(end) = self.container_end(close) {
                break end;
            }
            if self.kind(0) == Some(TokKind::Comma) {
                self.i += 1;
                continue;
            }
            entries.extend(self.entry(depth));
        };
        Node { span: Span { start, end }, kind: Kind::Keyed { entries } }
    }

    /// Parses `key: value`. Always consumes at least one token; returns None for an item that
    /// is not a key followed by a colon.
    fn entry(&mut self, depth: usize) -> Option<Entry> {
        let token = self.tokens.get(self.i)?;
        let simple_key = matches!(token.kind, TokKind::Ident | TokKind::Str | TokKind::Atom)
            && self.kind(1) == Some(TokKind::Colon);
        let (key, key_span) = if simple_key {
            let key = (token.text.clone(), token.span);
            self.i += 1;
            key
        } else {
            match self.value(depth + 1) {
                Some(node) => (String::new(), node.span),
                None => {
                    self.i += 1; // a stray colon
                    return None;
                }
            }
        };
        if self.kind(0) != Some(TokKind::Colon) {
            return None;
        }
        self.i += 1;
        let colon_end = self.prev_end();
        let value = self.value(depth + 1);
        let end = value.as_ref().map_or(colon_end, |value| value.span.end);
        Some(Entry { key, key_span, value, end, simple: simple_key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every construct the locator must step over (nested comments, raw strings, brackets in
    /// strings and comments, non-ASCII keys), kept in a file of its own.
    const SAMPLE: &str = include_str!("testdata/locate-sample.ron");

    fn pos(line: usize, col: usize) -> Position {
        Position { line, col }
    }

    /// The text covered by `span`.
    fn slice(text: &str, span: Span) -> String {
        let mut at = pos(1, 1);
        let mut out = String::new();
        for c in text.chars() {
            if span.contains(at) {
                out.push(c);
            }
            if c == '\n' {
                at = pos(at.line + 1, 1);
            } else {
                at.col += 1;
            }
        }
        out
    }

    /// Byte offset of the first occurrence of `needle` in `text`; the test fails without one.
    fn find(text: &str, needle: &str) -> usize {
        let found = text.find(needle);
        assert!(found.is_some(), "needle {needle:?} not in the text");
        found.unwrap_or_default()
    }

    /// Position of the char `offset` chars into the only occurrence of `needle` in `text`.
    fn position_of(text: &str, needle: &str, offset: usize) -> Position {
        assert_eq!(text.matches(needle).count(), 1, "needle {needle:?} must occur exactly once");
        let byte = find(text, needle);
        let before: String = text[..byte].chars().chain(needle.chars().take(offset)).collect();
        let line = before.matches('\n').count() + 1;
        let last_line = before.rfind('\n').map_or(before.as_str(), |n| &before[n + 1..]);
        pos(line, last_line.chars().count() + 1)
    }

    fn check(text: &str, path: &str, expected: Option<&str>) {
        let got = locate(text, path).map(|span| slice(text, span));
        assert_eq!(got.as_deref(), expected, "locate({path:?}) in {text:?}");
    }

    fn check_key(text: &str, path: &str, expected: Option<&str>) {
        let got = locate_key(text, path).map(|span| slice(text, span));
        assert_eq!(got.as_deref(), expected, "locate_key({path:?}) in {text:?}");
    }

    fn check_at(text: &str, needle: &str, offset: usize, expected: Option<&str>) {
        let at = position_of(text, needle, offset);
        let got = path_at(text, at);
        assert_eq!(got.as_deref(), expected, "path_at({needle:?}+{offset} = {at:?})");
    }

    #[test]
    fn locates_values_in_sample() {
        let cases: &[(&str, Option<&str>)] = &[
            ("name", Some(r#""crowdstrike-like""#)),
            ("description", Some(r#""a (b: c), [d] // not a comment /* nor this \"quoted\"""#)),
            ("seed", Some("42")),
            ("vendor.rollout.rings[0].share", Some("0.01")),
            ("vendor.rollout.rings[1].share", Some("0.5")),
            ("vendor.rollout.rings[2].share", Some("-1.5e3")),
            ("vendor.rollout.rings[1].bake", Some(r##"r#"raw "quoted" (x: y)"#"##)),
            ("vendor.rollout.rings[0]", Some(r#"(share: 0.01, bake: "1h")"#)),
            ("vendor.rollout.rings[3]", None),
            ("vendor.rollout.bake", Some(r#""2h""#)),
            ("vendor.kind", Some("AllAtOnce")),
            ("fleet.community_hospital.staff", Some("(technicians_per_1000: 2.5)")),
            ("fleet.community_hospital.staff.technicians_per_1000", Some("2.5")),
            ("fleet.community_hospital.class_mix.Workstation", Some("0.7")),
            ("fleet.community_hospital.class_mix.Server", Some("0x1F")),
            ("fleet.é_site.staff.technicians_per_1000", Some("1_000")),
            ("fleet.7", Some(r#""seven""#)),
            ("fleet.missing", None),
            ("policy", Some("Some((x: 1, y: [10, 20, 30]))")),
            ("policy.x", Some("1")),
            ("policy.y", Some("[10, 20, 30]")),
            ("policy.y[2]", Some("30")),
            ("policy.y[3]", None),
            ("at", Some(r#"At("78m")"#)),
            ("at[0]", Some(r#""78m""#)),
            ("sector[0]", Some("Hospital")),
            ("pair[0]", Some("1")),
            ("pair[1]", Some(r#""two""#)),
            ("pair[2]", Some(r"'\''")),
            ("type", Some("'a'")),
            ("r#type", Some("'a'")),
            ("notes", Some("\"line one\nline two\"")),
            ("limits", Some("None")),
            ("empty", Some("()")),
            ("empty[0]", None),
            ("bytes", Some(r#"b"(\"x""#)),
            // Things that only appear inside comments or strings are not fields.
            ("still", None),
            ("x", None),
            ("b", None),
            // Wrong shapes.
            ("seed.x", None),
            ("seed[0]", None),
            ("name[0]", None),
            ("vendor[0]", None),
            ("vendor.rollout.rings.share", None),
            // Malformed paths.
            ("vendor..kind", None),
            ("vendor.rollout.rings[x]", None),
        ];
        for (path, expected) in cases {
            check(SAMPLE, path, *expected);
        }
    }

    #[test]
    fn locates_multi_line_struct_from_its_name() {
        let start = find(SAMPLE, "Rings(");
        let end = find(SAMPLE, "),\n        kind") + 1;
        check(SAMPLE, "vendor.rollout", Some(&SAMPLE[start..end]));
        let start = find(SAMPLE, "(\n        rollout");
        let end = find(SAMPLE, "),\n    fleet") + 1;
        check(SAMPLE, "vendor", Some(&SAMPLE[start..end]));
    }

    #[test]
    fn reports_exact_lines_and_columns() {
        let cases = [
            ("vendor.rollout.rings[1].share", (13, 25), (13, 28)),
            ("seed", (8, 11), (8, 13)),
            // `é` counts as one column.
            ("fleet.é_site.staff.technicians_per_1000", (25, 50), (25, 55)),
            ("notes", (33, 12), (34, 10)),
        ];
        for (path, (l1, c1), (l2, c2)) in cases {
            assert_eq!(locate(SAMPLE, path), Some(Span { start: pos(l1, c1), end: pos(l2, c2) }));
        }
        assert_eq!(
            locate_key(SAMPLE, "vendor.rollout.rings[1].share"),
            Some(Span { start: pos(13, 18), end: pos(13, 23) })
        );
    }

    #[test]
    fn counts_columns_in_chars() {
        let text = "(name: \"é\", x: 1)";
        assert_eq!(locate(text, "x"), Some(Span { start: pos(1, 16), end: pos(1, 17) }));
        let text = "(\n  a: \"日本語\", b: 'ü', c: 3,\n)";
        assert_eq!(locate(text, "c"), Some(Span { start: pos(2, 24), end: pos(2, 25) }));
        assert_eq!(path_at(text, pos(2, 24)).as_deref(), Some("c"));
        assert_eq!(path_at(text, pos(2, 8)).as_deref(), Some("a"));
    }

    #[test]
    fn treats_crlf_as_one_line_break() {
        let crlf = SAMPLE.replace('\n', "\r\n");
        for path in ["seed", "vendor.rollout.rings[1].share", "fleet.é_site", "notes", "bytes"] {
            assert_eq!(locate(&crlf, path), locate(SAMPLE, path), "{path}");
            assert_eq!(locate_key(&crlf, path), locate_key(SAMPLE, path), "{path}");
        }
        assert_eq!(path_at(&crlf, pos(13, 25)).as_deref(), Some("vendor.rollout.rings[1].share"));
    }

    #[test]
    fn locates_keys() {
        let cases: &[(&str, Option<&str>)] = &[
            ("vendor.rollout.rings[1].share", Some("share")),
            ("vendor.rollout.rings[2].share", Some("share")),
            ("vendor.rollout.rings[1]", Some(r##"(share: 0.5, bake: r#"raw "quoted" (x: y)"#)"##)),
            ("vendor", Some("vendor")),
            ("fleet.community_hospital", Some(r#""community_hospital""#)),
            ("fleet.community_hospital.class_mix.Workstation", Some("Workstation")),
            ("fleet.7", Some("7")),
            ("policy.x", Some("x")),
            ("policy.y[1]", Some("20")),
            ("type", Some("r#type")),
            ("missing", None),
            ("policy.z", None),
        ];
        for (path, expected) in cases {
            check_key(SAMPLE, path, *expected);
        }
    }

    #[test]
    fn handles_small_documents() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            // Anonymous top-level struct with trailing commas.
            ("(a: 1, b: (c: 2,),)", "b.c", Some("2")),
            ("(a: 1, b: (c: 2,),)", "b", Some("(c: 2,)")),
            // Comments with brackets, colons and commas.
            ("(a: /* b: ( */ 1, // c: [\n c: 2)", "a", Some("1")),
            ("(a: /* b: ( */ 1, // c: [\n c: 2)", "c", Some("2")),
            ("(a: /* b: ( */ 1, // c: [\n c: 2)", "b", None),
            // Block comments nest.
            ("(/* x /* y */ still: 1 */ a: 2)", "a", Some("2")),
            ("(/* x /* y */ still: 1 */ a: 2)", "still", None),
            ("(/* nested /* */ */ a: 3)", "a", Some("3")),
            // Strings with escapes and brackets.
            (r#"(s: "a\\", t: 4)"#, "t", Some("4")),
            (r#"(s: "a (b: c), [d]", t: 5)"#, "t", Some("5")),
            (r#"(s: "\u{e9}\"(", t: 6)"#, "t", Some("6")),
            // Raw strings with any number of hashes.
            (r####"(s: r###"a"## "# b"###, t: 7)"####, "s", Some(r####"r###"a"## "# b"###"####)),
            (r####"(s: r###"a"## "# b"###, t: 7)"####, "t", Some("7")),
            (r#"(s: r"(", t: 8)"#, "t", Some("8")),
            (r##"(s: br#"]"#, t: 9)"##, "t", Some("9")),
            // Chars.
            (r"(c: '(', d: ')', e: '\'', f: 10)", "f", Some("10")),
            (r"(c: '(', d: ')', e: '\'', f: 10)", "e", Some(r"'\''")),
            // Numbers.
            ("(a: -inf, b: NaN, c: 1e-3, d: +0x1F, e: .5)", "c", Some("1e-3")),
            ("(a: -inf, b: NaN, c: 1e-3, d: +0x1F, e: .5)", "a", Some("-inf")),
            ("(a: -inf, b: NaN, c: 1e-3, d: +0x1F, e: .5)", "d", Some("+0x1F")),
            ("(a: -inf, b: NaN, c: 1e-3, d: +0x1F, e: .5)", "e", Some(".5")),
            // Named struct at top level, several attributes.
            (
                "#![enable(implicit_some)] #![enable(unwrap_newtypes)]\nScenario(a: (b: 1))",
                "a.b",
                Some("1"),
            ),
            // Top-level tuple and list.
            ("(1, (a: 2))", "[1].a", Some("2")),
            ("[(a: 1), (a: 2)]", "[1].a", Some("2")),
            ("[(a: 1), (a: 2)]", "", Some("[(a: 1), (a: 2)]")),
            // Maps with string, identifier and number keys.
            (r#"(m: {"x y": 1, Workstation: 2, 3: 4, "caf\u{e9}": 5})"#, "m.x y", Some("1")),
            (
                r#"(m: {"x y": 1, Workstation: 2, 3: 4, "caf\u{e9}": 5})"#,
                "m.Workstation",
                Some("2"),
            ),
            (r#"(m: {"x y": 1, Workstation: 2, 3: 4, "caf\u{e9}": 5})"#, "m.3", Some("4")),
            (r#"(m: {"x y": 1, Workstation: 2, 3: 4, "caf\u{e9}": 5})"#, "m.café", Some("5")),
            // Maps with composite keys keep working around them.
            ("(m: {(1, 2): a, Some(3): b, \"k\": c})", "m.k", Some("c")),
            // Enum struct variants and tuple variants.
            ("(r: Rings(rings: [1, 2], bake: \"1h\"))", "r.rings[1]", Some("2")),
            ("(r: Pair(1, 2))", "r[1]", Some("2")),
            // `Some(..)` and other newtypes are transparent.
            ("(p: Some((x: 1)))", "p.x", Some("1")),
            ("(p: Some(Fixed((x: 2))))", "p.x", Some("2")),
            ("(p: Some([5, 6]))", "p[0]", Some("5")),
            ("(p: Some([5, 6]))", "p[1]", Some("6")),
            ("(p: Some(5))", "p[0]", Some("5")),
            ("(p: Some(5))", "p.x", None),
            // Duplicate fields: the last one wins.
            ("(a: 1, a: 2)", "a", Some("2")),
            // Raw identifiers.
            ("(r#type: 1, r#match: (r#in: 2))", "match.in", Some("2")),
            // A missing value.
            ("(a: , b: 2)", "a", None),
            ("(a: , b: 2)", "b", Some("2")),
            // Multi-line values.
            ("(a: [\n  1,\n  2,\n], b: 3)", "a", Some("[\n  1,\n  2,\n]")),
            ("(a: [\n  1,\n  2,\n], b: 3)", "a[1]", Some("2")),
            // Broken documents still give partial answers.
            ("(a: (b: 1, c: \"x", "a.b", Some("1")),
            ("(a: (b: 1, c: \"x", "a.c", Some("\"x")),
            ("(a: 1]", "a", Some("1")),
            ("(a: [1, 2), b: 3)", "a[1]", Some("2")),
            ("(a: 1 /* unterminated", "a", Some("1")),
            ("", "a", None),
            ("#![enable(implicit_some)]", "a", None),
            ("42", "a", None),
        ];
        for (text, path, expected) in cases {
            check(text, path, *expected);
        }
        check_key("(a: , b: 2)", "a", Some("a"));
    }

    #[test]
    fn finds_paths_at_positions() {
        let cases: &[(&str, usize, Option<&str>)] = &[
            // On keys, on the colon and inside values.
            ("share: 0.5", 0, Some("vendor.rollout.rings[1].share")),
            ("share: 0.5", 5, Some("vendor.rollout.rings[1].share")),
            ("share: 0.5", 7, Some("vendor.rollout.rings[1].share")),
            ("share : -1.5e3", 9, Some("vendor.rollout.rings[2].share")),
            ("seed: 42", 0, Some("seed")),
            ("crowdstrike", 0, Some("name")),
            ("line two", 3, Some("notes")),
            ("1_000", 2, Some("fleet.é_site.staff.technicians_per_1000")),
            ("Workstation", 3, Some("fleet.community_hospital.class_mix.Workstation")),
            ("\"community_hospital\"", 1, Some("fleet.community_hospital")),
            ("r#type", 0, Some("type")),
            // Inside list and tuple elements.
            ("20, 30", 0, Some("policy.y[1]")),
            ("\"two\"", 2, Some("pair[1]")),
            ("'\\''", 1, Some("pair[2]")),
            // Newtypes are transparent.
            ("x: 1, y", 0, Some("policy.x")),
            ("\"78m\"", 1, Some("at")),
            ("Hospital)", 0, Some("sector")),
            ("Some((x", 0, Some("policy")),
            // Between fields or elements: the deepest enclosing field.
            ("),\n        kind", 0, Some("vendor.rollout")),
            ("),\n        kind", 1, Some("vendor")),
            ("),\n                (share: 0.5", 1, Some("vendor.rollout.rings")),
            ("\n        \"é_site\"", 0, Some("fleet")),
            ("still: (", 0, None),
            // Outside every field.
            ("Scenario(", 0, None),
            ("#![enable(implicit", 3, None),
            ("Header comment", 0, None),
        ];
        for (needle, offset, expected) in cases {
            check_at(SAMPLE, needle, *offset, *expected);
        }
        let last_line = SAMPLE.lines().count();
        for at in [pos(0, 0), pos(1, 1), pos(last_line, 1), pos(last_line + 5, 1), pos(8, 500)] {
            assert_eq!(path_at(SAMPLE, at), None, "{at:?}");
        }
        assert_eq!(path_at("", pos(1, 1)), None);
        assert_eq!(path_at("(a: 1)", pos(1, 1)), None);
        assert_eq!(path_at("(a: 1)", pos(1, 2)).as_deref(), Some("a"));
        assert_eq!(path_at("(a: Some(Fixed((x: 2))))", pos(1, 17)).as_deref(), Some("a.x"));
        assert_eq!(path_at("(a: Some([5, 6]))", pos(1, 14)).as_deref(), Some("a[1]"));
    }

    /// Every position that `path_at` attributes to a path lies within that path's key..value.
    #[test]
    fn path_at_agrees_with_locate() -> Result<(), String> {
        let mut at = pos(1, 1);
        let mut hits = 0;
        for c in SAMPLE.chars() {
            if let Some(path) = path_at(SAMPLE, at) {
                hits += 1;
                let key = locate_key(SAMPLE, &path).ok_or(format!("{path} has no key"))?;
                let end = locate(SAMPLE, &path).map_or(key.end, |value| value.end);
                assert!(key.start <= at && at < end, "{path} at {at:?}");
            }
            at = if c == '\n' { pos(at.line + 1, 1) } else { pos(at.line, at.col + 1) };
        }
        assert!(hits > 500, "only {hits} positions resolved");
        Ok(())
    }

    #[test]
    fn parses_and_formats_paths() {
        use Segment::{Field, Index};
        let field = |name: &str| Field(name.to_string());
        let cases = [
            ("a", vec![field("a")]),
            ("vendor.rollout.rings[1].share", {
                vec![field("vendor"), field("rollout"), field("rings"), Index(1), field("share")]
            }),
            ("a.b[0][2].c", vec![field("a"), field("b"), Index(0), Index(2), field("c")]),
            ("[3].x", vec![Index(3), field("x")]),
            ("fleet.community hospital", vec![field("fleet"), field("community hospital")]),
            ("r#type", vec![field("r#type")]),
            ("", vec![]),
        ];
        for (text, segments) in cases {
            assert_eq!(parse_path(text), Some(segments.clone()), "{text}");
            assert_eq!(format_path(&segments), text);
        }
        assert_eq!(parse_path("a[007]"), Some(vec![field("a"), Index(7)]));
        let malformed = [
            ".a",
            "a.",
            "a..b",
            "a[",
            "a[]",
            "a[x]",
            "a[-1]",
            "a[ 1]",
            "a]b",
            "a]",
            "a[1]b",
            "a.[1]",
            "[",
            "]",
            ".",
            "a[1.]",
            "a[99999999999999999999999999]",
        ];
        for text in malformed {
            assert_eq!(parse_path(text), None, "{text}");
        }
    }

    #[test]
    fn finds_tokens_around_positions() -> Result<(), &'static str> {
        let text = "(a: \"78x\",\n  b: -3 /* c */ , c:   7)";
        let at = |line, col| token_at(text, pos(line, col)).map(|(span, t)| (span.start, t));
        // Inside a token: its start; in the space before one: the next one.
        assert_eq!(at(1, 6), Some((pos(1, 5), "\"78x\"".to_string())));
        assert_eq!(at(1, 4), Some((pos(1, 5), "\"78x\"".to_string())));
        assert_eq!(at(2, 6), Some((pos(2, 6), "-3".to_string())));
        assert_eq!(at(2, 7), Some((pos(2, 6), "-3".to_string())));
        assert_eq!(at(2, 9), Some((pos(2, 17), ",".to_string())));
        assert_eq!(at(2, 30), None);
        assert_eq!(token_at("", pos(1, 1)), None);
        assert_eq!(token_at("// only a comment", pos(1, 1)), None);
        // The token a missing comma should follow.
        let before = token_before(text, pos(2, 3)).ok_or("no token before 2:3")?;
        assert_eq!((before.start, before.end), (pos(1, 10), pos(1, 11)));
        assert_eq!(token_before(text, pos(1, 1)), None);
        Ok(())
    }

    #[test]
    fn finds_the_innermost_unclosed_bracket() {
        let cases: &[(&str, Option<(Position, char)>)] = &[
            ("(a: 1)", None),
            ("", None),
            ("(a: [1, 2", Some((pos(1, 5), '['))),
            ("(a: [1, 2]", Some((pos(1, 1), '('))),
            ("(\n  m: {\"k\": (x: 1),\n", Some((pos(2, 6), '{'))),
            // Brackets in strings and comments do not count; a stray closer is ignored.
            ("(s: \")]}\", /* ) */ t: 1", Some((pos(1, 1), '('))),
            ("(a: 1)]", None),
        ];
        for (text, expected) in cases {
            assert_eq!(unclosed(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn documents_answer_many_lookups_from_one_scan() -> Result<(), String> {
        let doc = Document::parse(SAMPLE);
        for path in ["seed", "vendor.rollout.rings[1].share", "fleet.é_site", "at[0]", "nope"] {
            assert_eq!(doc.locate(path), locate(SAMPLE, path), "{path}");
            assert_eq!(doc.locate_key(path), locate_key(SAMPLE, path), "{path}");
        }
        let inner = |path: &str| {
            let segments = parse_path(path).ok_or(format!("{path} does not parse"))?;
            Ok::<_, String>(doc.locate_inner_segments(&segments).map(|span| slice(SAMPLE, span)))
        };
        // Inside named one-element tuples, the value itself.
        assert_eq!(inner("at")?.as_deref(), Some("\"78m\""));
        assert_eq!(inner("policy")?.as_deref(), Some("(x: 1, y: [10, 20, 30])"));
        assert_eq!(inner("seed")?.as_deref(), Some("42"));
        assert_eq!(inner("nope")?, None);
        assert_eq!(Document::parse("").locate("a"), None);
        Ok(())
    }

    #[test]
    fn survives_deep_nesting() {
        let deep = [
            "(".repeat(100_000),
            "[".repeat(100_000) + &"]".repeat(100_000),
            "(a: ".repeat(50_000),
            "Some(".repeat(50_000) + "1" + &")".repeat(50_000),
            "{\"k\": ".repeat(50_000),
        ];
        for text in &deep {
            let _ = locate(text, "a.a.a.a");
            let _ = locate_key(text, "[0][0][0]");
            let _ = path_at(text, pos(1, 1000));
        }
        assert_eq!(locate(&"(a: ".repeat(50), &["a"; 10].join(".")).map(|s| s.start), {
            Some(pos(1, 41))
        });
    }

    #[test]
    fn never_panics_on_arbitrary_input() {
        let paths = [
            "",
            "name",
            "vendor.rollout.rings[1].share",
            "fleet.community_hospital.class_mix.Workstation",
            "policy.y[2]",
            "at[0]",
            "[0]",
        ];
        let probe = |text: &str, extra_path: &str, positions: &[Position]| {
            for path in paths.iter().copied().chain([extra_path]) {
                let _ = locate(text, path);
                let _ = locate_key(text, path);
            }
            let _ = parse_path(text);
            for &at in positions {
                let _ = path_at(text, at);
            }
        };

        // Every prefix of the sample (truncated strings, comments, brackets).
        let positions = [pos(0, 0), pos(1, 1), pos(8, 11), pos(13, 25), pos(25, 50), pos(33, 20)];
        for (i, _) in SAMPLE.char_indices() {
            probe(&SAMPLE[..i], "vendor.kind", &positions);
        }

        // Pseudo-random byte strings, biased towards RON punctuation.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize
        };
        let alphabet = "()[]{},:\"'#!/*\\rb_ \n\r0123e.-+xaé";
        let alphabet: Vec<char> = alphabet.chars().collect();
        for _ in 0..400 {
            let len = next() % 160;
            let mut bytes = Vec::with_capacity(len * 2);
            for _ in 0..len {
                if next() % 10 < 7 {
                    let mut buf = [0; 4];
                    let c = alphabet[next() % alphabet.len()];
                    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                } else {
                    bytes.push((next() % 256) as u8);
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            let lines = text.lines().count() + 1;
            let positions: Vec<Position> = (0..=lines)
                .flat_map(|line| [0, 1, 2, 5, 13, 40].map(|col| pos(line, col)))
                .collect();
            probe(&text, &text, &positions);
        }
    }
}
