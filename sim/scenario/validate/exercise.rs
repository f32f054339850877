//! The exercise script of a scenario (`exercise`): a lesson's title and briefing, and the cues
//! (injects and discussion questions) the tabletop shows at simulated times. Checked like the
//! rest of the file: every cue inside the run, with text, of a sane length, and a suggested
//! decision valid against the fleet it would act on. The validated form is plain data for the
//! tabletop; the world never sees it.

use blastradius_engine::{SimDuration, SimTime};
use blastradius_model::spec as m;

use super::actions::action_spec;
use super::check::Checker;
use crate::raw;

/// Longest title, in characters: a headline that fits a projector line.
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest briefing or cue text, in characters: a few paragraphs.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// Most cues in a script.
pub const MAX_CUES: usize = 500;

/// A validated exercise script. The default is no lesson at all.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exercise {
    pub title: String,
    pub briefing: String,
    /// In time order (cues at the same time in the file's order).
    pub cues: Vec<Cue>,
}

/// A cue shown when the clock reaches `at`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cue {
    pub at: SimTime,
    pub kind: CueKind,
    pub title: String,
    pub text: String,
    /// A decision valid for this fleet, offered to the facilitator with the cue.
    pub suggest: Option<raw::Action>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CueKind {
    Inject,
    Question,
}

impl CueKind {
    pub fn name(self) -> &'static str {
        match self {
            CueKind::Inject => "inject",
            CueKind::Question => "question",
        }
    }
}

impl Exercise {
    pub fn is_empty(&self) -> bool {
        self.title.is_empty() && self.briefing.is_empty() && self.cues.is_empty()
    }
}

/// Checks a text's length, and that it holds no control characters but line breaks and tabs
/// (they would garble a transcript or a page).
fn text(c: &mut Checker, path: &str, value: &str, max: usize) -> String {
    let chars = value.chars().count();
    if chars > max {
        c.fail(
            path,
            format!("{chars} characters, more than the {max} allowed here"),
            "shorten it; a facilitator reads it out in the room",
        );
    }
    if let Some(bad) = value.chars().find(|ch| ch.is_control() && !matches!(ch, '\n' | '\t')) {
        c.fail(
            path,
            format!("the text holds the control character {bad:?}"),
            "remove it; write line breaks as \\n",
        );
    }
    value.to_string()
}

/// Validates the exercise script against the run's horizon and fleet.
pub fn exercise(
    c: &mut Checker,
    s: &raw::Scenario,
    horizon: SimDuration,
    archetypes: &[m::ArchetypeSpec],
) -> Exercise {
    let e = s.exercise();
    let title = text(c, "exercise.title", &e.title(), MAX_TITLE_CHARS);
    let briefing = text(c, "exercise.briefing", &e.briefing(), MAX_TEXT_CHARS);
    let script = e.script();
    if script.len() > MAX_CUES {
        c.fail(
            "exercise.script",
            format!("{} cues, more than the {MAX_CUES} a script may hold", script.len()),
            "split the lesson into several scenario files",
        );
    }
    let mut cues = Vec::new();
    for (i, cue) in script.iter().enumerate().take(MAX_CUES) {
        let path = format!("exercise.script[{i}]");
        let at = cue.at().0;
        if at >= horizon {
            c.fail(
                format!("{path}.at"),
                format!("\"{}\" is at or after the horizon, so it would never be shown", cue.at()),
                "move it before the horizon",
            );
        }
        let kind = match cue.kind() {
            raw::CueKind::Inject => CueKind::Inject,
            raw::CueKind::Question => CueKind::Question,
        };
        let title = text(c, &format!("{path}.title"), &cue.title(), MAX_TITLE_CHARS);
        let body = text(c, &format!("{path}.text"), &cue.text(), MAX_TEXT_CHARS);
        if body.trim().is_empty() {
            c.fail(
                format!("{path}.text"),
                format!("the {} has no text", kind.name()),
                "write what the room hears, e.g. text: \"The emergency department calls: ...\"",
            );
        }
        let suggest = cue.suggest();
        if suggest.is_some() && kind == CueKind::Question {
            c.fail(
                format!("{path}.suggest"),
                "a question suggests no decision",
                "make the cue an inject (kind: Inject), or leave `suggest` out",
            );
        }
        if let Some(action) = &suggest
            && let Err(e) = action_spec(action, archetypes)
        {
            c.fail(format!("{path}.suggest.{}", e.field), e.message, &e.hint);
        }
        cues.push(Cue { at: SimTime::ZERO + at, kind, title, text: body, suggest });
    }
    // A stable sort keeps cues at the same time in the file's order.
    cues.sort_by_key(|cue| cue.at);
    Exercise { title, briefing, cues }
}
