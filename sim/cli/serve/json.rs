//! The wire format of the live pages: the session's `Situation` as JSON, one document for the
//! public views (projector and teams) and one for the console, which adds the transcript, the
//! last reply, the notes and the controls' state. Every text goes out as a JSON string; the
//! pages put it on screen as text (never as markup), so nothing a scenario or a team writes
//! can run in a browser.

use serde_json::{Value, json};

use super::host::{HostInfo, Last};
use blastradius_tabletop::{Choices, Session, Situation};

/// How much of the transcript's end the console gets with every update; the whole of it is a
/// download.
const TRANSCRIPT_TAIL_BYTES: usize = 60_000;

fn situation(s: &Situation) -> Value {
    let history: Vec<Value> = s
        .history
        .iter()
        .map(|p| json!({"at_ms": p.at.0, "down": p.down, "capacity": p.capacity, "loss_usd": p.loss_usd}))
        .collect();
    json!({
        "scenario": s.scenario,
        "description": s.description,
        "seed": s.seed,
        "step": s.step,
        "lesson": s.lesson,
        "briefing": s.briefing,
        "clock": s.clock,
        "clock_short": s.clock_short,
        "elapsed": s.elapsed,
        "now_ms": s.now_ms,
        "horizon_ms": s.horizon_ms,
        "start_unix_s": s.start_unix_s,
        "local_times": s.local_times.iter().map(|l| json!({"region": l.region, "time": l.time})).collect::<Vec<_>>(),
        "totals": {
            "endpoints": s.totals.endpoints,
            "crashed": s.totals.crashed,
            "down": s.totals.down,
            "back_up": s.totals.back_up,
            "loss_usd": s.totals.loss_usd,
            "loss": s.totals.loss,
        },
        "sectors": s.sectors.iter().map(|x| json!({
            "name": x.name,
            "organisations": x.organisations,
            "endpoints": x.endpoints,
            "crashed": x.crashed,
            "down": x.down,
            "capacity": x.capacity,
            "loss_usd": x.loss_usd,
            "loss": x.loss,
            "staff_busy": x.staff_busy,
            "staff_present": x.staff_present,
        })).collect::<Vec<_>>(),
        "vendor": s.vendor,
        "history": history,
        "timeline": s.timeline.iter().map(|e| json!({
            "at_ms": e.at_ms, "clock": e.clock, "kind": e.kind, "text": e.text,
        })).collect::<Vec<_>>(),
        "cues": s.cues.iter().map(|c| json!({
            "at_ms": c.at_ms, "clock": c.clock, "elapsed": c.elapsed, "kind": c.kind,
            "title": c.title, "text": c.text, "suggest": c.suggest, "due": c.due,
        })).collect::<Vec<_>>(),
        "current_cue": s.current_cue,
        "scheduled": s.scheduled.iter().map(|x| json!({
            "at_ms": x.at_ms, "clock": x.clock, "text": x.text, "done": x.done,
        })).collect::<Vec<_>>(),
        "decisions": s.decisions.iter().map(|d| json!({
            "clock": d.clock, "command": d.command, "proposed_by": d.proposed_by, "undone": d.undone,
        })).collect::<Vec<_>>(),
        "proposals": s.proposals.iter().map(|p| json!({
            "number": p.number, "clock": p.clock, "team": p.team, "decision": p.decision,
            "why": p.why, "status": p.status, "note": p.note,
        })).collect::<Vec<_>>(),
        "can_undo": s.can_undo,
        "at_horizon": s.at_horizon,
        "ended": s.ended,
    })
}

fn choices(c: &Choices) -> Value {
    json!({
        "targets": c.targets.iter().map(|(value, label)| json!({"value": value, "label": label})).collect::<Vec<_>>(),
        "services": c.services,
        "orders": c.orders,
        "until": c.until.iter().map(|(value, label)| json!({"value": value, "label": label})).collect::<Vec<_>>(),
    })
}

/// The document the projector and the team views get.
pub fn public(s: &Situation, c: &Choices, info: &HostInfo) -> String {
    json!({
        "situation": situation(s),
        "choices": choices(c),
        "host": {
            "playing": info.playing,
            "group": info.group,
            "join_code": info.join_code,
            "team_url": info.team_url,
        },
    })
    .to_string()
}

/// The document the facilitator's console gets.
pub fn console(
    session: &Session,
    s: &Situation,
    c: &Choices,
    info: &HostInfo,
    last: &Last,
) -> String {
    let transcript = session.transcript();
    let mut from = transcript.len().saturating_sub(TRANSCRIPT_TAIL_BYTES);
    while !transcript.is_char_boundary(from) {
        from += 1;
    }
    let notes: Vec<&str> =
        session.lines().iter().filter_map(|l| l.strip_prefix('#')).map(str::trim).collect();
    json!({
        "situation": situation(s),
        "choices": choices(c),
        "host": {
            "playing": info.playing,
            "group": info.group,
            "join_code": info.join_code,
            "team_url": info.team_url,
            "debrief_files": info.debrief_files,
            "debrief_folder": info.debrief_folder,
        },
        "last": {"line": last.line, "ok": last.ok, "text": last.text},
        "transcript": &transcript[from..],
        "transcript_cut": from > 0,
        "notes": notes,
        "prompt": session.prompt(),
    })
    .to_string()
}
