//! Tabletop sessions: a scripted session is the same bytes every time and debriefs against
//! the baseline; decisions change outcomes the way they should; `undo` returns to exactly the
//! earlier state; mistakes are explained and change nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use blastradius::model::spec::{ActionSpec, Sector};
use blastradius::model::{Figure, Metric};
use blastradius::scenario::{self, actions, units::Duration, validate};
use blastradius::tabletop::{Config, Reply, Session, SessionError};

fn session(name: &str, step: &str) -> Session {
    let (_, spec) = scenario::read(name).unwrap();
    let step = step.parse::<Duration>().unwrap().sim();
    Session::new(Arc::new(spec), Config { step, threads: 2 }).unwrap()
}

/// Runs commands that must succeed and returns their replies.
fn play(s: &mut Session, lines: &[&str]) -> Vec<Reply> {
    lines
        .iter()
        .map(|line| s.execute(line).unwrap_or_else(|e| panic!("`{line}` failed: {e}")))
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("blastradius-tabletop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn run_script(script: &Path, out: &Path) -> (String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_blastradius"))
        .args(["tabletop", "hospital-tabletop", "--script"])
        .arg(script)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "exit {:?}\n{stderr}\n{stdout}", output.status);
    (stdout, std::fs::read_to_string(out.join("transcript.txt")).unwrap())
}

#[test]
fn a_scripted_hospital_session_is_the_same_bytes_every_run_and_debriefs_against_the_baseline() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tabletop/hospital.txt");
    let (a, b) = (scratch("script-a"), scratch("script-b"));
    let (stdout_a, transcript_a) = run_script(&script, &a);
    let (stdout_b, transcript_b) = run_script(&script, &b);
    assert_eq!(transcript_a, transcript_b);
    assert_eq!(stdout_a, stdout_b);
    // What was printed is the transcript: commands after their prompts, then the replies.
    assert_eq!(stdout_a, transcript_a);
    for expected in [
        "tabletop Fri 04:09 UTC> next",
        "first crashes at harbour_health-0000 in sydney",
        "→ The revert is published at Fri 05:27 UTC.",
        "unknown command `page`",
        "`lots` is not a number of technicians",
        "Undid `inject fallback hospital`.",
        "→ 90% of the crashed endpoints are back up",
    ] {
        assert!(transcript_a.contains(expected), "transcript lacks {expected:?}");
    }
    let debrief = std::fs::read_to_string(a.join("debrief.txt")).unwrap();
    assert!(transcript_a.ends_with(&format!("{debrief}\n")), "the debrief ends the transcript");
    assert!(debrief.contains("Compared with the same scenario and seed without your decisions"));
    assert!(debrief.contains("hospital endpoint downtime (hours)"));
    assert!(debrief.contains("Your decisions saved"), "{debrief}");
    // The session ends at T+17h; the debrief carries both runs on to the horizon too.
    assert!(debrief.contains("Carried on to the scenario's horizon"), "{debrief}");
    let decisions = std::fs::read_to_string(a.join("decisions.txt")).unwrap();
    assert!(decisions.contains("undone"));
    assert!(decisions.contains("action: AddTechnicians(to: Sector(Hospital), count: 20)"));
    for file in ["summary.json", "timeseries.csv", "commands.txt"] {
        assert!(a.join(file).is_file(), "{file} missing");
    }
    // The HTML report opens with the debrief, and keeps the decisions and transcript.
    let html = std::fs::read_to_string(a.join("report.html")).unwrap();
    for id in ["debrief", "decisions", "transcript"] {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "no {id} section");
    }
    assert!(html.contains("Carried on to the scenario&#39;s horizon"));
    // The commands written back replay the same session.
    let c = scratch("script-c");
    let (_, transcript_c) = run_script(&a.join("commands.txt"), &c);
    assert_eq!(transcript_c, transcript_a);
    for dir in [a, b, c] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn adding_technicians_lowers_hospital_downtime_against_the_baseline() {
    let mut s = session("hospital-tabletop", "1h");
    play(&mut s, &["next", "next", "inject technicians hospital 30", "run 24h"]);
    let reply = s.execute("end").unwrap();
    assert!(reply.ended);
    let d = s.debrief().unwrap();
    let hours = |r: &blastradius::model::RunResult| {
        r.figure(Figure::sector(Metric::EndpointDowntimeHours, Sector::Hospital)).unwrap()
    };
    // Thirty more technicians help, but less than their number suggests: the key desk
    // (4 agents for 4,000 endpoints) reads one key at a time whoever does the repair, so
    // encrypted workstations wait for it either way.
    assert!(
        hours(&d.result) < 0.97 * hours(&d.baseline),
        "with {} without {}",
        hours(&d.result),
        hours(&d.baseline)
    );
    assert!(d.text.contains("Your decisions saved"), "{}", d.text);
    // Both runs end at the same time, so the comparison is like for like.
    assert_eq!(d.result.end, d.baseline.end);
    // Carried on to the horizon with no further decisions, the saving holds for the whole
    // outage, which is no shorter than the session's part of it.
    let horizon = s.world().horizon();
    assert!(d.result.end < horizon);
    assert_eq!((d.full.end, d.full_baseline.end), (horizon, horizon));
    assert!(hours(&d.full) < 0.9 * hours(&d.full_baseline));
    assert!(hours(&d.full_baseline) >= hours(&d.baseline));
    assert!(d.text.contains("Carried on to the scenario's horizon"), "{}", d.text);
}

#[test]
fn a_session_that_reaches_the_horizon_debriefs_there_and_carries_nothing_on() {
    let mut s = session("hospital-tabletop", "1d");
    play(&mut s, &["next", "inject technicians hospital 30", "run 30d"]);
    assert_eq!(s.world().clock(), s.world().horizon());
    s.execute("end").unwrap();
    let d = s.debrief().unwrap();
    assert_eq!(d.full, d.result);
    assert_eq!(d.full_baseline, d.baseline);
    assert!(!d.text.contains("Carried on"), "{}", d.text);
    assert!(!d.text.contains("carry the session on"), "{}", d.text);
}

#[test]
fn undo_then_the_same_commands_reproduce_the_state() {
    let direct_lines =
        ["next", "inject technicians hospital 20", "next", "until workaround", "run 3h"];
    let mut direct = session("hospital-tabletop", "1h");
    let direct_replies = play(&mut direct, &direct_lines);

    let mut detour = session("hospital-tabletop", "1h");
    play(&mut detour, &["next", "inject technicians hospital 20", "next", "until workaround"]);
    let before = detour.world().results();
    // Take back a step, a decision and a multi-step `until`, then redo them.
    play(&mut detour, &["run 5h", "inject contractors hospital 40 2h", "undo", "undo"]);
    assert_eq!(detour.world().results(), before, "two undos return to the same state");
    play(&mut detour, &["until recovered 50%", "undo"]);
    assert_eq!(detour.world().results(), before);
    let last = play(&mut detour, &["run 3h"]);

    assert_eq!(detour.world().clock(), direct.world().clock());
    assert_eq!(detour.world().status(), direct.world().status());
    assert_eq!(detour.world().results(), direct.world().results());
    // The narrative of the redone step is the same too.
    assert_eq!(last[0], direct_replies[4]);
    let kept: Vec<_> = detour.decisions().iter().filter(|d| !d.undone).collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(detour.decisions().len(), 2);
}

#[test]
fn undo_further_back_than_the_snapshots_replays_to_the_same_state() {
    // A small world keeps snapshots for the latest eight marks; twelve steps back, the first
    // four undos must rebuild the world by replay, and land exactly where a fresh session is.
    let mut reference = session("hospital-tabletop", "30m");
    play(&mut reference, &["next", "inject technicians hospital 10"]);
    let mut s = session("hospital-tabletop", "30m");
    play(&mut s, &["next", "inject technicians hospital 10"]);
    let steps = ["next"; 12];
    play(&mut s, &steps);
    let undos = ["undo"; 12];
    let replies = play(&mut s, &undos);
    assert!(replies.iter().all(|r| r.text.starts_with("Undid `next`")), "{replies:?}");
    assert_eq!(s.world().clock(), reference.world().clock());
    assert_eq!(s.world().status(), reference.world().status());
    assert_eq!(s.world().results(), reference.world().results());
    // And the world goes on as the reference does.
    play(&mut s, &["run 6h"]);
    play(&mut reference, &["run 6h"]);
    assert_eq!(s.world().results(), reference.world().results());
}

#[test]
fn invalid_commands_explain_themselves_and_change_nothing() {
    let mut s = session("hospital-tabletop", "1h");
    play(&mut s, &["next"]);
    let before = s.world().results();
    // (line, what the message says, what the hint says)
    for (line, says, hint) in [
        ("fly", "unknown command `fly`", "next, run, until"),
        ("nxt", "unknown command", "did you mean `next`?"),
        ("hlep", "unknown command", "did you mean `help`?"),
        ("next please", "takes no argument", "`help next`"),
        ("run", "needs a duration", "run 2h"),
        ("run 5x", "unknown unit", "\"78m\""),
        ("until tomorrow", "unknown event", "revert, halt, first-crash"),
        ("until recovered 75%", "50%, 90% and 99%", "until all-recovered"),
        ("until 25:00", "not a time of day", "HH:MM"),
        ("status narnia", "no sector, archetype or organisation", "harbour_health"),
        ("status airline", "no airlines take part", "hospital"),
        ("help fly", "no command `fly`", "help"),
        ("inject", "needs a decision", "technicians"),
        ("inject teleport hospital", "unknown decision `teleport`", "AddTechnicians("),
        ("inject technicians mars 20", "unknown target `mars`", "harbour_health-0000"),
        ("inject technicians hosptial 20", "unknown target", "did you mean `hospital`?"),
        ("inject technicians hospital twenty", "not a number of technicians", "e.g. 20"),
        ("inject technicians hospital 0", "adding 0 technicians does nothing", "above 0"),
        ("inject technicians airline 5", "no archetype is in the airline sector", "hospital"),
        (
            "inject technicians harbour_health-0007 5",
            "no organisation named",
            "harbour_health-0000",
        ),
        ("inject fallback hospital xray", "no service named \"xray\"", "ehr"),
        ("inject tool fixer 1.5 10m", "not a share", "0.6"),
        ("inject order hospital random", "not a repair order", "service-aware"),
        ("inject AddTechnican(to: All, count: 2)", "unknown action", "AddTechnicians"),
        ("inject AddTechnicians(to: Sector(Hospital))", "`count`", "AddTechnicians(to:"),
    ] {
        match s.execute(line) {
            Err(SessionError::Input(message)) => {
                assert!(message.contains(says), "{line}: {message}");
                let (_, h) =
                    message.split_once("hint:").unwrap_or_else(|| panic!("{line}: no hint"));
                assert!(h.contains(hint), "{line}: {message}");
            }
            other => panic!("{line}: expected an explanation, got {other:?}"),
        }
        assert_eq!(s.world().results(), before, "{line} changed the world");
    }
    assert!(s.decisions().is_empty());
    // A decision that is already taken changes nothing either.
    play(&mut s, &["run 2h"]);
    let before = s.world().results();
    let refused = s.execute("inject revert");
    assert!(
        matches!(&refused, Err(SessionError::Input(m)) if m.contains("already published the revert at Fri 05:27 UTC")),
        "{refused:?}"
    );
    assert_eq!(s.world().results(), before);
    // Undo with nothing left to undo explains itself too.
    let mut fresh = session("hospital-tabletop", "1h");
    assert!(
        matches!(fresh.execute("undo"), Err(SessionError::Input(m)) if m.contains("nothing to undo"))
    );
    // The session goes on, and the transcript holds every explanation.
    play(&mut s, &["next", "help", "help inject"]);
    assert!(s.transcript().contains("unknown command `fly`"));
    assert!(s.transcript().contains("inject technicians TARGET COUNT"));
}

#[test]
fn shorthands_and_the_scenario_syntax_take_the_same_decisions_as_a_scenario_file() {
    let (_, spec) = scenario::read("hospital-tabletop").unwrap();
    let file = |text: &str| {
        validate::action_spec(&actions::parse_action(text).unwrap(), &spec.archetypes).unwrap()
    };
    let cases: [(&str, &str); 8] = [
        ("inject halt", "HaltRollout"),
        ("inject technicians hospital 20", "AddTechnicians(to: Sector(Hospital), count: 20)"),
        (
            "inject contractors harbour_health-0000 50 6h",
            "AddContractors(to: Org(\"harbour_health-0000\"), count: 50, arrive_in: \"6h\")",
        ),
        (
            "inject fallback harbour_health ehr",
            "ActivateFallback(to: Archetype(\"harbour_health\"), service: \"ehr\")",
        ),
        (
            "inject tool usb 60% 10m hands-on",
            "ReleaseTool(name: \"usb\", share: 0.6, mode: HandsOn, repair_time: \"10m\")",
        ),
        ("inject order all service-aware", "SetRepairOrder(to: All, order: ServiceAware)"),
        ("inject escrow hospital", "RestoreKeyEscrow(to: Sector(Hospital))"),
        (
            "inject AddTechnicians(to: Sector(Hospital), count: 20)",
            "AddTechnicians(to: Sector(Hospital), count: 20)",
        ),
    ];
    for (line, ron) in cases {
        let mut s = session("hospital-tabletop", "1h");
        play(&mut s, &["next", line]);
        let taken = &s.decisions()[0];
        let as_taken: ActionSpec = validate::action_spec(&taken.action, &spec.archetypes).unwrap();
        assert_eq!(as_taken, file(ron), "{line}");
        // The transcript shows the decision as a scenario file would write it.
        assert!(s.transcript().contains("In a scenario file: (at: \"1h\", action: "), "{line}");
    }
}

#[test]
fn until_stops_at_the_horizon_when_the_event_never_comes() {
    // hospital-tabletop reverts at a fixed time and has no gate, so the rollout is never
    // halted.
    let mut s = session("hospital-tabletop", "1d");
    let reply = play(&mut s, &["until halt"]).remove(0);
    assert!(reply.text.contains("before the rollout is halted"), "{}", reply.text);
    assert_eq!(s.world().clock(), s.world().horizon());
    assert!(matches!(s.execute("next"), Err(SessionError::Input(m)) if m.contains("type `end`")));
    let reply = play(&mut s, &["until revert"]).remove(0);
    assert!(reply.text.starts_with("Already happened at Fri 05:27 UTC"), "{}", reply.text);
}

#[test]
fn halting_a_ring_rollout_early_spares_the_later_rings() {
    // The hospital system behind a vendor that releases to a 10% ring, then everyone two hours
    // later, with no gate and no revert: only a halt stops the second ring.
    let dir = scratch("rings");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("rings.ron");
    std::fs::write(
        &file,
        r#"(
            extends: "hospital-tabletop",
            name: "hospital-rings",
            vendor: (
                rollout: (
                    policy: Rings,
                    rings: [(name: "early", share: 0.1, bake: "2h"), (name: "rest", share: 0.9, bake: "0s")],
                    gates: [],
                ),
                revert: Never,
            ),
        )"#,
    )
    .unwrap();
    let mut s = session(file.to_str().unwrap(), "1h");
    let replies = play(&mut s, &["next", "inject halt", "run 5h"]);
    assert!(
        !replies[1].text.contains("every ring has already been released"),
        "{}",
        replies[1].text
    );
    s.execute("end").unwrap();
    let d = s.debrief().unwrap();
    let crashed = |r: &blastradius::model::RunResult| r.figure(Metric::EndpointsCrashed).unwrap();
    assert!(crashed(&d.result) * 3.0 < crashed(&d.baseline), "{}", d.text);
    assert!(d.text.contains("They prevented"), "{}", d.text);
    std::fs::remove_dir_all(dir).unwrap();
}

/// The 2024 world at full scale: halting the rollout 20 minutes in withdraws the content, so
/// the machines that would have fetched it in the next hour are spared; those already crashed
/// stay down until the revert.
#[test]
#[cfg_attr(debug_assertions, ignore = "full scale: run with --release")]
fn halting_the_rollout_early_in_crowdstrike_2024_lowers_crashes() {
    let mut s = session("crowdstrike-2024", "20m");
    let replies = play(&mut s, &["next", "inject halt", "run 1h40m"]);
    assert!(replies[1].text.contains("withdraws the content"), "{}", replies[1].text);
    s.execute("end").unwrap();
    let d = s.debrief().unwrap();
    let crashed = |r: &blastradius::model::RunResult| r.figure(Metric::EndpointsCrashed).unwrap();
    assert_eq!(d.result.end, d.baseline.end);
    // Most online machines fetch within minutes, so a halt at 20 minutes spares a few hundred
    // thousand of the 8.8 million.
    assert!(crashed(&d.result) < 0.97 * crashed(&d.baseline), "{}", d.text);
    assert!(d.result.figure(Metric::RolloutHaltedAt).is_some());
    assert!(d.text.contains("They prevented"), "{}", d.text);
}

/// A session with the scenario's lesson, as `blastradius tabletop` runs it.
fn lesson_session(step: &str) -> Session {
    let (loaded, spec) = scenario::read("hospital-tabletop").unwrap();
    let exercise = loaded.exercise(&spec).unwrap();
    let step = step.parse::<Duration>().unwrap().sim();
    Session::with_exercise(Arc::new(spec), Config { step, threads: 2 }, exercise).unwrap()
}

#[test]
fn the_lessons_cues_come_up_when_the_clock_passes_them_and_again_after_undo() {
    let mut s = lesson_session("20m");
    assert!(s.intro().contains("Lesson: Friday afternoon at Harbour Health"), "{}", s.intro());
    let first = play(&mut s, &["next"]).remove(0);
    assert!(
        first.text.contains("Inject, Fri 04:19 UTC (T+10m): The emergency department goes blue.")
    );
    assert!(
        first.text.contains("Suggested decision: inject ActivateFallback(to: Sector(Hospital)")
    );
    assert!(!first.text.contains("Question for the room"), "the question is at 30m");
    let second = play(&mut s, &["next"]).remove(0);
    assert!(second.text.contains("Question for the room, Fri 04:39 UTC (T+30m)"));
    assert_eq!(s.situation().current_cue, Some(1));
    play(&mut s, &["undo"]);
    assert_eq!(s.situation().current_cue, Some(0));
    assert!(!s.timeline().iter().any(|e| e.text.starts_with("Who declares")));
    let again = play(&mut s, &["next"]).remove(0);
    assert_eq!(again, second, "the redone step tells the same, cue included");
}

#[test]
fn a_teams_proposal_waits_then_applies_with_its_name_and_undo_puts_it_back() {
    use blastradius::tabletop::ProposalStatus;
    let mut s = lesson_session("1h");
    play(&mut s, &["next"]);
    let before = s.world().results();
    // Wrong proposals are explained and change nothing.
    for (line, says) in [
        ("propose", "needs a team and a decision"),
        ("propose red", "needs a decision"),
        ("propose red! halt", "not a team name"),
        ("propose red teleport", "unknown decision `teleport`"),
        ("propose red technicians narnia 5", "unknown target `narnia`"),
        ("accept 1", "no proposal 1"),
        ("reject one", "not the number of a proposal"),
    ] {
        match s.execute(line) {
            Err(SessionError::Input(m)) => assert!(m.contains(says), "{line}: {m}"),
            other => panic!("{line}: {other:?}"),
        }
    }
    assert!(s.proposals().is_empty());
    let reply = play(&mut s, &["propose red technicians hospital 20 -- the clinics are alone"]);
    assert!(reply[0].text.starts_with("Proposal 1 from red at Fri 05:09 UTC"), "{}", reply[0].text);
    assert_eq!(s.world().results(), before, "a proposal changes nothing");
    let accepted = play(&mut s, &["accept 1"]).remove(0);
    assert!(accepted.text.contains("proposed by red: 20 more technicians"), "{}", accepted.text);
    assert_eq!(s.decisions()[0].proposed_by.as_deref(), Some("red"));
    assert_eq!(s.decisions()[0].command, "inject technicians hospital 20");
    assert!(
        matches!(s.execute("accept 1"), Err(SessionError::Input(m)) if m.contains("was accepted"))
    );
    play(&mut s, &["undo"]);
    assert_eq!(s.proposals()[0].status, ProposalStatus::Pending);
    assert_eq!(s.world().results(), before);
    play(&mut s, &["reject 1 not now", "propose blue escrow hospital"]);
    assert!(
        matches!(s.execute("accept 1"), Err(SessionError::Input(m)) if m.contains("was rejected"))
    );
    play(&mut s, &["accept 2", "end"]);
    let d = s.debrief().unwrap();
    assert!(d.text.contains("The teams' proposals (2 in all, 1 accepted)"), "{}", d.text);
    assert!(d.text.contains("rejected at Fri 05:09 UTC: not now"), "{}", d.text);
    assert!(d.decisions.contains("inject escrow hospital (proposed by blue)"), "{}", d.decisions);
}
