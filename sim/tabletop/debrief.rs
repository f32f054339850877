//! The debrief at the end of a session: the decisions taken, and how the outcome compares with
//! the same scenario and seed without them ("your decisions saved 41% of hospital endpoint
//! downtime and $380M").

use blastradius_model::spec::{Sector, WorldSpec};
use blastradius_model::{Figure, Metric, RunResult};
use blastradius_report::fmt;
use blastradius_scenario::actions::action_to_ron;

use super::{Decision, ProposalStatus, TeamProposal};

/// What a session leaves behind when it ends.
#[derive(Clone, Debug)]
pub struct Debrief {
    /// The comparison with the baseline, as printed and written to `debrief.txt`.
    pub text: String,
    /// The decisions with their times, and as scenario-file injects (`decisions.txt`).
    pub decisions: String,
    /// The session's outcome at its end.
    pub result: RunResult,
    /// The same scenario and seed, without the participants' decisions, to the same time.
    pub baseline: RunResult,
    /// The session carried on to the scenario's horizon with no further decisions (the same
    /// as `result` when the session ended there). The report folder shows this run.
    pub full: RunResult,
    /// The baseline carried on to the horizon.
    pub full_baseline: RunResult,
}

/// A figure, 0 when absent.
fn figure(r: &RunResult, figure: Figure) -> f64 {
    r.figure(figure).unwrap_or(0.0)
}

/// A change relative to a baseline, as a percentage without sign: "41%", "3.5%", "<0.1%".
fn relative(diff: f64, base: f64) -> Option<String> {
    (base > 0.0).then(|| {
        let p = diff.abs() / base;
        if p >= 0.1 {
            fmt::percent(p, 0)
        } else if p >= 0.000_95 {
            fmt::percent(p, 1)
        } else {
            "<0.1%".to_string()
        }
    })
}

/// A signed count with thousands separators: "+1,234", "-8,642", "0".
fn signed(diff: f64) -> String {
    let rounded = diff.round();
    if rounded == 0.0 {
        "0".into()
    } else if rounded > 0.0 {
        format!("+{}", fmt::thousands(rounded))
    } else {
        fmt::thousands(rounded)
    }
}

/// A signed amount of money: "+$1.20M", "-$830k", "$0".
fn signed_money(diff: f64) -> String {
    if diff.abs() < 0.5 {
        "$0".into()
    } else if diff > 0.0 {
        format!("+{}", fmt::money(diff))
    } else {
        fmt::money(diff)
    }
}

/// One row of the comparison: with, without, and the difference.
fn row(label: String, with: f64, without: f64, money: bool) -> Vec<String> {
    let diff = with - without;
    let pct = relative(diff, without)
        .filter(|_| diff.abs() >= 0.5)
        .map(|p| {
            let sign = if p.starts_with('<') {
                ""
            } else if diff > 0.0 {
                "+"
            } else {
                "-"
            };
            format!(" ({sign}{p})")
        })
        .unwrap_or_default();
    if money {
        vec![label, fmt::money(with), fmt::money(without), format!("{}{pct}", signed_money(diff))]
    } else {
        vec![label, fmt::thousands(with), fmt::thousands(without), format!("{}{pct}", signed(diff))]
    }
}

/// What the decisions did to one group's downtime and loss, as the end of a sentence:
/// "saved 41% of hospital endpoint downtime (8,642 endpoint-hours) and $830k". `what` names
/// the downtime ("hospital endpoint downtime"); `(with, without)` pairs.
fn effect(what: &str, downtime: (f64, f64), loss: (f64, f64)) -> Option<String> {
    let saved_hours = downtime.1 - downtime.0;
    let saved_usd = loss.1 - loss.0;
    let hours_matter = saved_hours.abs() >= 0.05;
    let money_matters = saved_usd.abs() >= 0.5;
    if !hours_matter && !money_matters {
        return None;
    }
    let hours = fmt::thousands(saved_hours.abs());
    let pct = relative(saved_hours, downtime.1);
    let first = match (hours_matter, saved_hours > 0.0, pct) {
        (false, ..) => format!("did not change {what}"),
        (true, true, Some(p)) => format!("saved {p} of {what} ({hours} endpoint-hours)"),
        (true, true, None) => format!("saved {hours} endpoint-hours of {what}"),
        (true, false, Some(p)) => format!("added {p} to {what} ({hours} endpoint-hours)"),
        (true, false, None) => format!("added {hours} endpoint-hours of {what}"),
    };
    let usd = fmt::money(saved_usd.abs());
    let second = match (money_matters, saved_usd > 0.0) {
        (false, _) => "left the loss unchanged".to_string(),
        (true, true) => format!("{usd} of loss"),
        (true, false) => format!("{usd} more in loss"),
    };
    let conj = match (hours_matter, money_matters) {
        (true, true) if (saved_hours > 0.0) == (saved_usd > 0.0) => {
            if saved_usd > 0.0 {
                "and"
            } else {
                "and cost"
            }
        }
        (true, true) => {
            if saved_usd > 0.0 {
                "but saved"
            } else {
                "but cost"
            }
        }
        (false, true) => {
            if saved_usd > 0.0 {
                "but saved"
            } else {
                "but cost"
            }
        }
        (true, false) | (false, false) => "and",
    };
    Some(format!("{first} {conj} {second}"))
}

/// The comparison table and the sentences that say what it means.
pub fn comparison(result: &RunResult, baseline: &RunResult) -> String {
    let sectors: Vec<Sector> = result.sectors.iter().filter_map(|s| s.sector).collect();
    let mut rows = vec![row(
        "endpoints crashed".into(),
        figure(result, Metric::EndpointsCrashed.into()),
        figure(baseline, Metric::EndpointsCrashed.into()),
        false,
    )];
    let pair = |f: Figure| (figure(result, f), figure(baseline, f));
    let downtime = |s: Sector| pair(Figure::sector(Metric::EndpointDowntimeHours, s));
    let loss = |s: Sector| pair(Figure::sector(Metric::LossUsd, s));
    for &s in &sectors {
        let n = s.name();
        let (a, b) = downtime(s);
        rows.push(row(format!("{n} endpoint downtime (hours)"), a, b, false));
        let (a, b) = loss(s);
        rows.push(row(format!("{n} loss"), a, b, true));
    }
    let (total_downtime, total_loss) =
        (pair(Metric::EndpointDowntimeHours.into()), pair(Metric::LossUsd.into()));
    if sectors.len() > 1 {
        let (a, b) = total_downtime;
        rows.push(row("all sectors: endpoint downtime (hours)".into(), a, b, false));
        let (a, b) = total_loss;
        rows.push(row("all sectors: loss".into(), a, b, true));
    }
    let mut out =
        super::table::layout(&["", "with your decisions", "without", "difference"], &rows);
    out.push('\n');

    let mut sentences = Vec::new();
    for &s in &sectors {
        let effect = effect(&format!("{} endpoint downtime", s.name()), downtime(s), loss(s));
        if let Some(e) = effect {
            sentences.push(format!("Your decisions {e}."));
        }
    }
    if sectors.len() > 1
        && let Some(e) = effect("endpoint downtime", total_downtime, total_loss)
    {
        sentences.push(format!("In total they {e}."));
    }
    let (crashed, crashed_base) = pair(Metric::EndpointsCrashed.into());
    let fewer = crashed_base - crashed;
    if fewer >= 0.5 {
        let pct = relative(fewer, crashed_base).unwrap_or_default();
        sentences.push(format!(
            "They prevented {} crashes ({pct} of the {} without them).",
            fmt::thousands(fewer),
            fmt::thousands(crashed_base)
        ));
    } else if fewer <= -0.5 {
        sentences
            .push(format!("{} more endpoints crashed than without them.", fmt::thousands(-fewer)));
    }
    if sentences.is_empty() {
        sentences.push(
            "Your decisions made no difference to crashes, endpoint downtime or loss by this time."
                .into(),
        );
    }
    for s in sentences {
        out.push_str(&super::wrap(&s, 0));
    }
    out
}

/// The debrief's text.
pub fn text(
    spec: &WorldSpec,
    decisions: &[Decision],
    result: &RunResult,
    baseline: &RunResult,
    full: Option<&(RunResult, RunResult)>,
) -> String {
    let start = spec.start_unix_s;
    let end_s = result.end.as_secs_f64();
    let mut out = super::wrap(
        &format!(
            "Debrief: {}, seed {}, from {} to {} ({} simulated).",
            spec.name,
            spec.seed,
            fmt::utc_datetime(start, 0.0),
            fmt::utc_datetime(start, end_s),
            fmt::duration(end_s)
        ),
        0,
    );
    if let Some((full, _)) = full {
        out.push_str(&super::wrap(
            &format!(
                "The report's charts and figures carry the session on to the scenario's horizon \
                 ({}) with no further decisions.",
                fmt::utc_datetime(start, full.end.as_secs_f64())
            ),
            0,
        ));
    }
    out.push('\n');
    let kept = decisions.iter().filter(|d| !d.undone).count();
    let undone = decisions.len() - kept;
    if decisions.is_empty() {
        out.push_str("You took no decisions, so this outcome is the scenario's own.\n");
        return out;
    }
    out.push_str(&format!(
        "Your decisions ({kept} kept{}):\n",
        if undone > 0 { format!(", {undone} undone") } else { String::new() }
    ));
    for d in decisions {
        out.push_str(&format!(
            "  {}  {}{}{}\n",
            fmt::utc_clock(start, d.at.as_secs_f64()),
            d.command,
            d.proposed_by.as_ref().map(|t| format!("  (proposed by {t})")).unwrap_or_default(),
            if d.undone { "  (undone)" } else { "" }
        ));
    }
    out.push('\n');
    if kept == 0 {
        out.push_str("You undid every decision, so this outcome is the scenario's own.\n");
        return out;
    }
    out.push_str(&format!(
        "Compared with the same scenario and seed without your decisions, at {}:\n",
        fmt::utc_datetime(start, end_s)
    ));
    out.push_str(&comparison(result, baseline));
    if let Some((full, full_baseline)) = full {
        let horizon_s = full.end.as_secs_f64();
        out.push('\n');
        out.push_str(&super::wrap(
            &format!(
                "Carried on to the scenario's horizon, {} ({} after the start), with no \
                 further decisions:",
                fmt::utc_datetime(start, horizon_s),
                fmt::duration(horizon_s)
            ),
            0,
        ));
        out.push_str(&comparison(full, full_baseline));
    }
    out
}

/// `decisions.txt`: every decision with its time, and the kept ones as scenario injects.
pub fn decisions_text(spec: &WorldSpec, decisions: &[Decision]) -> String {
    let start = spec.start_unix_s;
    let mut out = format!(
        "Decisions taken in a tabletop session of {} (seed {}), in the order taken.\n\n",
        spec.name, spec.seed
    );
    if decisions.is_empty() {
        out.push_str("None.\n");
        return out;
    }
    let rows: Vec<Vec<String>> = decisions
        .iter()
        .map(|d| {
            vec![
                fmt::utc_datetime(start, d.at.as_secs_f64()),
                format!("T+{}", d.at.since(blastradius_engine::SimTime::ZERO)),
                match &d.proposed_by {
                    Some(team) => format!("{} (proposed by {team})", d.command),
                    None => d.command.clone(),
                },
                if d.undone { "undone" } else { "kept" }.to_string(),
            ]
        })
        .collect();
    out.push_str(&super::table::layout_left(&["time", "after start", "command", "status"], &rows));
    let kept: Vec<&Decision> = decisions.iter().filter(|d| !d.undone).collect();
    if kept.is_empty() {
        return out;
    }
    out.push_str(
        "\nThe decisions kept, as scenario-file injects (`at` counts from the scenario's start):\n\n",
    );
    out.push_str("    injects: [\n");
    for d in &kept {
        out.push_str(&format!(
            "        (at: \"{}\", action: {}),\n",
            d.at.since(blastradius_engine::SimTime::ZERO),
            action_to_ron(&d.action)
        ));
    }
    out.push_str("    ],\n");
    if !spec.injects.is_empty() {
        let n = spec.injects.len();
        out.push_str(&format!(
            "\nThe scenario has {n} inject{} of its own; keep {} in the list too.\n",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        ));
    }
    out
}

/// The teams' proposals and what became of each, for the debrief and `decisions.txt`; empty
/// when no team proposed anything.
pub fn proposals_text(spec: &WorldSpec, proposals: &[TeamProposal]) -> String {
    if proposals.is_empty() {
        return String::new();
    }
    let start = spec.start_unix_s;
    let at = |t: blastradius_engine::SimTime| fmt::utc_clock(start, t.as_secs_f64());
    let rows: Vec<Vec<String>> = proposals
        .iter()
        .map(|p| {
            let status = match &p.status {
                ProposalStatus::Pending => "not decided".to_string(),
                ProposalStatus::Accepted { at: t, .. } => format!("accepted at {}", at(*t)),
                ProposalStatus::Rejected { at: t, reason } if reason.is_empty() => {
                    format!("rejected at {}", at(*t))
                }
                ProposalStatus::Rejected { at: t, reason } => {
                    format!("rejected at {}: {reason}", at(*t))
                }
            };
            vec![
                p.number.to_string(),
                at(p.at),
                p.team.clone(),
                format!("inject {}", p.decision),
                if p.why.is_empty() { "-".to_string() } else { p.why.clone() },
                status,
            ]
        })
        .collect();
    let accepted =
        proposals.iter().filter(|p| matches!(p.status, ProposalStatus::Accepted { .. })).count();
    let mut out =
        format!("\nThe teams' proposals ({} in all, {accepted} accepted):\n", proposals.len());
    out.push_str(&super::table::layout_left(
        &["#", "time", "team", "decision", "why", "outcome"],
        &rows,
    ));
    out
}
