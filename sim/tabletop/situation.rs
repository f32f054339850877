//! The session as a live view shows it: the clock and the regions' local times, headline
//! counters, each sector's state, chart points, the timeline, the lesson's cues (which are due,
//! which is current), the scenario's own scheduled injects, the decisions and the teams'
//! proposals. Plain data, with numbers as numbers and ready-made human text beside them; how it
//! travels to a browser is the web layer's business. `Choices` lists what the decision forms
//! offer, from the scenario.

use std::collections::BTreeMap;

use blastradius_engine::SimTime;
use blastradius_model::calendar::Clock;
use blastradius_model::spec::Sector;
use blastradius_report::fmt;
use blastradius_scenario::actions::action_to_ron;

use super::{Entry, Point, ProposalStatus, Session, commands, table};

/// Everything a live view shows, at one moment of the session.
#[derive(Clone, Debug, PartialEq)]
pub struct Situation {
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    /// The step of `next`, e.g. `1h`.
    pub step: String,
    pub lesson: String,
    pub briefing: String,
    /// `Fri 19 Jul 2024 05:09 UTC`, `Fri 05:09 UTC`, `T+1h`.
    pub clock: String,
    pub clock_short: String,
    pub elapsed: String,
    pub now_ms: u64,
    pub horizon_ms: u64,
    pub start_unix_s: i64,
    /// The regions' local times, most endpoints first (at most six).
    pub local_times: Vec<LocalTime>,
    pub totals: Totals,
    pub sectors: Vec<SectorNow>,
    /// One sentence on the vendor's rollout and revert.
    pub vendor: String,
    /// Chart points: time zero and the end of every step.
    pub history: Vec<Point>,
    /// The latest entries of the timeline, oldest first.
    pub timeline: Vec<TimelineEntry>,
    pub cues: Vec<CueNow>,
    /// Index into `cues` of the latest cue shown, if any.
    pub current_cue: Option<usize>,
    /// The scenario's own scheduled decisions (its `injects`).
    pub scheduled: Vec<Scheduled>,
    pub decisions: Vec<DecisionNow>,
    pub proposals: Vec<ProposalNow>,
    pub can_undo: bool,
    pub at_horizon: bool,
    pub ended: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LocalTime {
    pub region: String,
    /// `Fri 15:09`.
    pub time: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Totals {
    pub endpoints: u64,
    pub crashed: u64,
    pub down: u64,
    /// Crashed and back up (self-healed or repaired).
    pub back_up: u64,
    pub loss_usd: f64,
    pub loss: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SectorNow {
    pub name: String,
    pub organisations: u64,
    pub endpoints: u64,
    pub crashed: u64,
    pub down: u64,
    /// Operational capacity in [0, 1].
    pub capacity: f64,
    pub loss_usd: f64,
    pub loss: String,
    pub staff_busy: u64,
    pub staff_present: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    pub at_ms: u64,
    /// `05:09 UTC`.
    pub clock: String,
    pub kind: &'static str,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CueNow {
    pub at_ms: u64,
    pub clock: String,
    pub elapsed: String,
    pub kind: &'static str,
    pub title: String,
    pub text: String,
    /// The command that takes the suggested decision (`inject AddTechnicians(...)`).
    pub suggest: Option<String>,
    /// The clock has reached it.
    pub due: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scheduled {
    pub at_ms: u64,
    pub clock: String,
    pub text: String,
    pub done: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DecisionNow {
    pub clock: String,
    pub command: String,
    pub proposed_by: Option<String>,
    pub undone: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProposalNow {
    pub number: usize,
    pub clock: String,
    pub team: String,
    /// `inject technicians hospital 20`.
    pub decision: String,
    pub why: String,
    /// `pending`, `accepted` or `rejected`.
    pub status: &'static str,
    /// The rejection's reason, or when it was accepted.
    pub note: String,
}

/// The timeline entries a situation carries: enough for a projector's list, not the whole
/// transcript.
const TIMELINE_MAX: usize = 200;
/// Regions whose local time is shown.
const REGIONS_MAX: usize = 6;

/// What the decision forms offer.
#[derive(Clone, Debug, PartialEq)]
pub struct Choices {
    /// Targets as (word for the command, label): `all`, sectors, archetypes, organisations.
    pub targets: Vec<(String, String)>,
    pub services: Vec<String>,
    pub orders: Vec<&'static str>,
    /// `until` events as (word, label).
    pub until: Vec<(&'static str, &'static str)>,
}

/// Organisations offered by name in the target list; a larger fleet is targeted by archetype.
const ORGS_LISTED_MAX: u32 = 50;

impl Session {
    /// What the live views show now.
    pub fn situation(&self) -> Situation {
        let spec = &self.spec;
        let start = spec.start_unix_s;
        let w = &self.world;
        let now = w.clock();
        let clock = |t: SimTime| fmt::utc_clock(start, t.as_secs_f64());
        let status = w.status();
        let sectors: Vec<SectorNow> = status
            .iter()
            .map(|s| SectorNow {
                name: s.sector.map_or("?", Sector::name).to_string(),
                organisations: s.organisations,
                endpoints: s.endpoints,
                crashed: s.crashed,
                down: s.down,
                capacity: s.capacity,
                loss_usd: s.loss_usd,
                loss: fmt::money(s.loss_usd),
                staff_busy: s.staff_busy,
                staff_present: s.staff_present,
            })
            .collect();
        let sum = |f: fn(&SectorNow) -> u64| sectors.iter().map(f).sum::<u64>();
        let loss_usd: f64 = sectors.iter().map(|s| s.loss_usd).sum();
        let totals = Totals {
            endpoints: sum(|s| s.endpoints),
            crashed: sum(|s| s.crashed),
            down: sum(|s| s.down),
            back_up: sum(|s| s.crashed.saturating_sub(s.down)),
            loss_usd,
            loss: fmt::money(loss_usd),
        };
        let cues: Vec<CueNow> = self
            .exercise
            .cues
            .iter()
            .map(|c| CueNow {
                at_ms: c.at.0,
                clock: clock(c.at),
                elapsed: format!("T+{}", c.at.since(SimTime::ZERO)),
                kind: c.kind.name(),
                title: c.title.clone(),
                text: c.text.clone(),
                suggest: c.suggest.as_ref().map(|a| format!("inject {}", action_to_ron(a))),
                due: c.at <= now,
            })
            .collect();
        let current_cue = cues.iter().rposition(|c| c.due);
        let skip = self.timeline.len().saturating_sub(TIMELINE_MAX);
        let timeline = self.timeline[skip..]
            .iter()
            .map(|e: &Entry| TimelineEntry {
                at_ms: e.at.0,
                clock: format!("{} UTC", fmt::utc_format(start, e.at.as_secs_f64(), "%H:%M")),
                kind: e.kind.name(),
                text: e.text.clone(),
            })
            .collect();
        let scheduled = spec
            .injects
            .iter()
            .map(|i| {
                let targets = i.action.target().map_or(0, |t| w.targets(t).len());
                Scheduled {
                    at_ms: i.at.0,
                    clock: clock(SimTime::ZERO + i.at),
                    text: capitalise(&self.describe(&i.action, targets)),
                    done: SimTime::ZERO + i.at <= now,
                }
            })
            .collect();
        let decisions = self
            .decisions
            .iter()
            .map(|d| DecisionNow {
                clock: clock(d.at),
                command: d.command.clone(),
                proposed_by: d.proposed_by.clone(),
                undone: d.undone,
            })
            .collect();
        let proposals = self
            .proposals
            .iter()
            .map(|p| {
                let (status, note) = match &p.status {
                    ProposalStatus::Pending => ("pending", String::new()),
                    ProposalStatus::Accepted { at, .. } => {
                        ("accepted", format!("accepted at {}", clock(*at)))
                    }
                    ProposalStatus::Rejected { reason, .. } => ("rejected", reason.clone()),
                };
                ProposalNow {
                    number: p.number,
                    clock: clock(p.at),
                    team: p.team.clone(),
                    decision: format!("inject {}", p.decision),
                    why: p.why.clone(),
                    status,
                    note,
                }
            })
            .collect();
        Situation {
            scenario: spec.name.clone(),
            description: spec.description.clone(),
            seed: spec.seed,
            step: self.config.step.to_string(),
            lesson: self.exercise.title.clone(),
            briefing: self.exercise.briefing.clone(),
            clock: fmt::utc_datetime(start, now.as_secs_f64()),
            clock_short: fmt::utc_clock(start, now.as_secs_f64()),
            elapsed: format!("T+{}", now.since(SimTime::ZERO)),
            now_ms: now.0,
            horizon_ms: w.horizon().0,
            start_unix_s: start,
            local_times: self.local_times(),
            totals,
            sectors,
            vendor: self.vendor_state(),
            history: self.history.clone(),
            timeline,
            cues,
            current_cue,
            scheduled,
            decisions,
            proposals,
            can_undo: self.can_undo(),
            at_horizon: now >= w.horizon(),
            ended: self.debrief.is_some(),
        }
    }

    /// The local time in each region, the regions with most endpoints first.
    fn local_times(&self) -> Vec<LocalTime> {
        let mut regions: BTreeMap<(String, i32), u64> = BTreeMap::new();
        for org in self.world.organisations() {
            if let Some(r) = org.spec().regions.get(org.region) {
                *regions.entry((r.name.clone(), r.utc_offset_min)).or_default() +=
                    u64::from(org.size());
            }
        }
        let mut ranked: Vec<((String, i32), u64)> = regions.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let now = self.world.clock();
        ranked
            .into_iter()
            .take(REGIONS_MAX)
            .map(|((region, offset), _)| {
                let local = Clock::new(self.spec.start_unix_s, offset).local(now);
                LocalTime {
                    region,
                    time: format!(
                        "{} {:02}:{:02}",
                        table::WEEKDAYS[local.weekday as usize % 7],
                        local.hour,
                        local.minute
                    ),
                }
            })
            .collect()
    }

    /// What the decision forms offer for this scenario.
    pub fn choices(&self) -> Choices {
        let spec = &self.spec;
        let mut targets = vec![("all".to_string(), "every organisation".to_string())];
        for s in commands::sectors_present(spec) {
            targets.push((s.name().to_string(), format!("every {} ({})", s.name(), s.plural())));
        }
        for a in spec.archetypes.iter().filter(|a| a.organisations > 0) {
            targets.push((a.name.clone(), format!("every {} (archetype)", a.name)));
        }
        for a in spec.archetypes.iter().filter(|a| a.organisations <= ORGS_LISTED_MAX) {
            for n in 0..a.organisations {
                let name = blastradius_model::spec::org_name(&a.name, n);
                targets.push((name.clone(), name));
            }
        }
        let mut services: Vec<String> = spec
            .archetypes
            .iter()
            .flat_map(|a| a.services.iter().map(|s| s.name.clone()))
            .collect();
        services.sort();
        services.dedup();
        Choices {
            targets,
            services,
            orders: vec!["fifo", "criticality-first", "service-aware"],
            until: vec![
                ("revert", "the revert is published"),
                ("halt", "the rollout is halted"),
                ("first-crash", "the first crash"),
                ("workaround", "the workaround is known"),
                ("recovered 50%", "half recovered"),
                ("recovered 90%", "90% recovered"),
                ("recovered 99%", "99% recovered"),
                ("all-recovered", "all recovered"),
                ("tool", "a recovery tool is available"),
            ],
        }
    }
}

fn capitalise(s: &str) -> String {
    super::capitalise(s)
}
