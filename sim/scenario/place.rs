//! Where a validation problem is: the layer whose value is used (the file asked for, else what
//! it extends, else an archetype's sector template), and the line and column of the field in
//! it, or of the nearest enclosing field a file sets when the value is a default. It turns a
//! `validate::Diagnostic` (a field path) into a `Problem` (a file, line and column); it knows
//! nothing of what makes a value wrong.
//!
//! ```text
//! path ─┬─► layers that set each prefix of it ─► deepest (depth, layer)
//!       └─► the sector template below every layer: deeper than that layer?
//!              yes ─► at the archetype's `sector`
//!              no  ─► at the layer's field, or unplaced if no layer sets any of it
//! ```

use crate::locate::{self, Document, Segment};
use crate::validate::Diagnostic;
use crate::{Loaded, Problem, builtin, raw};

impl Loaded {
    /// Finds the file, line and column of a problem's field. `documents` are the sources,
    /// parsed, in the same order.
    pub(crate) fn place(&self, documents: &[Document], d: Diagnostic) -> Problem {
        let Some(segments) = locate::parse_path(&d.path).filter(|s| !s.is_empty()) else {
            return self.unplaced(d, String::new());
        };
        let deepest = deepest_layer(documents, &segments);
        let source_depth = deepest.map_or(0, |(depth, _)| depth);
        if let Some((name, archetype)) = self.archetype_of(&segments) {
            let sector = archetype.sector();
            let template = Document::parse(builtin::sector_template_text(sector));
            if template_depth(&template, &segments, source_depth) > source_depth {
                return self.in_template(documents, d, &segments, name, sector);
            }
        }
        match deepest {
            Some((depth, i)) => self.in_layer(&documents[i], i, d, &segments, depth),
            None => {
                let note = format!(
                    " (not set in {}, so it has its default)",
                    if self.sources.len() > 1 { "the file or what it extends" } else { "the file" }
                );
                self.unplaced(d, note)
            }
        }
    }

    /// A problem in the file asked for, at no line: where no layer sets anything on its path.
    fn unplaced(&self, d: Diagnostic, note: String) -> Problem {
        Problem {
            file: self.sources.first().map(|s| s.name.clone()),
            position: None,
            path: Some(d.path),
            message: d.message + &note,
            hint: d.hint,
        }
    }

    /// The archetype a `fleet.<name>...` path is in, with its name.
    fn archetype_of(&self, segments: &[Segment]) -> Option<(&str, &raw::Archetype)> {
        match (segments.first(), segments.get(1)) {
            (Some(Segment::Field(f)), Some(Segment::Field(name))) if f == "fleet" => {
                let (name, a) = self.resolved.fleet.as_ref()?.get_key_value(name)?;
                Some((name.as_str(), a))
            }
            _ => None,
        }
    }

    /// A value from the sector template: the problem points at the archetype's `sector` (or
    /// its name) in the highest file that defines the archetype, and says so.
    fn in_template(
        &self,
        documents: &[Document],
        d: Diagnostic,
        segments: &[Segment],
        name: &str,
        sector: raw::Sector,
    ) -> Problem {
        let archetype_path = [Segment::Field("fleet".into()), Segment::Field(name.to_string())];
        let mut sector_path = archetype_path.to_vec();
        sector_path.push(Segment::Field("sector".into()));
        let found = documents.iter().enumerate().find_map(|(i, doc)| {
            let span = doc
                .locate_segments(&sector_path)
                .or_else(|| doc.locate_key_segments(&archetype_path))?;
            Some((i, span))
        });
        let field = match &segments[2] {
            Segment::Field(f) => f.clone(),
            Segment::Index(_) => String::new(),
        };
        let hint = format!(
            "{}{}to change it, set `{field}` in `fleet.{name}`",
            d.hint.as_deref().unwrap_or(""),
            if d.hint.is_some() { "; " } else { "" },
        );
        let message = format!("{} (from the {sector:?} sector template)", d.message);
        match found {
            Some((i, span)) => Problem {
                file: Some(self.sources[i].name.clone()),
                position: Some(span.start),
                path: Some(d.path),
                message,
                hint: Some(hint),
            },
            None => Problem { message, hint: Some(hint), ..self.unplaced(d, String::new()) },
        }
    }

    /// A problem in layer `i`, which sets the path down to `depth` segments: at the value if
    /// it sets all of it, else at the deepest field it sets, with a note that the rest is a
    /// default.
    fn in_layer(
        &self,
        doc: &Document,
        i: usize,
        d: Diagnostic,
        segments: &[Segment],
        depth: usize,
    ) -> Problem {
        let whole = depth == segments.len();
        let position = if whole {
            doc.locate_inner_segments(segments).or_else(|| doc.locate_key_segments(segments))
        } else {
            doc.locate_key_segments(&segments[..depth])
        };
        let note = if whole {
            String::new()
        } else {
            let unset = locate::format_path(&segments[depth..]);
            format!(" (`{}` is not set here, so it has its default)", unset.trim_start_matches('.'))
        };
        Problem {
            file: Some(self.sources[i].name.clone()),
            position: position.map(|s| s.start),
            path: Some(d.path),
            message: d.message + &note,
            hint: d.hint,
        }
    }
}

/// The deepest prefix of the path some layer sets, as (depth, highest such layer). At each
/// depth, the layers that set that field are the ones that can set anything below it; a list
/// is replaced whole, so below a list only the highest layer that sets it counts.
fn deepest_layer(documents: &[Document], segments: &[Segment]) -> Option<(usize, usize)> {
    let mut layers: Vec<usize> = (0..documents.len()).collect();
    let mut deepest = None;
    for depth in 1..=segments.len() {
        let prefix = &segments[..depth];
        layers.retain(|&i| documents[i].locate_key_segments(prefix).is_some());
        let Some(&top) = layers.first() else { break };
        deepest = Some((depth, top));
        if matches!(segments.get(depth), Some(Segment::Index(_))) {
            layers.truncate(1);
        }
    }
    deepest
}

/// How deep into an archetype's path (`fleet.<name>.…`) its sector template sets values below
/// `source_depth`, the depth the files set; 0 if the template cannot be where the value came
/// from. The template lies under every file, and matters only if no file replaces the list or
/// value on the way down.
fn template_depth(template: &Document, segments: &[Segment], source_depth: usize) -> usize {
    let mut depth_found = 0;
    for depth in (3..=segments.len()).filter(|&depth| depth > source_depth) {
        if template.locate_key_segments(&segments[2..depth]).is_none() {
            break;
        }
        depth_found = depth;
    }
    if source_depth > 2 && source_depth < segments.len() {
        // A file sets part of the path: if what it sets is a list, the template's list was
        // replaced and cannot be where the value came from.
        let below = &segments[..source_depth];
        let replaced = matches!(segments.get(source_depth), Some(Segment::Index(_)))
            || below.iter().any(|s| matches!(s, Segment::Index(_)));
        if replaced {
            return 0;
        }
    }
    depth_found
}
