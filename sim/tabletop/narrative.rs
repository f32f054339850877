//! What happened in a step, in plain sentences: the organisations' notes, grouped by kind and
//! sector with counts ("incidents declared at 37 hospitals"), the vendor's releases, gates,
//! halt and revert, recovery tools, and the fleet's recovery milestones from the difference
//! between the state before and after the step.
//!
//! Sentences are sorted by time, then by a fixed order of kinds, then by text, and groups list
//! organisations and regions in name order, so the same step always reads the same.

use std::collections::BTreeMap;

use blastradius_engine::SimTime;
use blastradius_model::World;
use blastradius_model::org::{Note, Org};
use blastradius_model::spec::{Sector, ToolMode, WorldSpec};
use blastradius_report::fmt;

use super::table::{count, region_name, share};

/// Fleet totals and milestones reached, carried from step to step (and restored by `undo`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    pub crashed: u64,
    pub down: u64,
    /// Whether 50%, 90% and 99% of the crashed endpoints have been back up.
    pub recovered: [bool; 3],
    pub all_recovered: bool,
}

/// The recovery milestones, as shares of crashed endpoints back up.
pub const MILESTONES: [f64; 3] = [0.5, 0.9, 0.99];

impl Progress {
    /// The fleet's totals now, with the milestones reached so far (never un-reached).
    pub fn now(world: &World, before: &Progress) -> Progress {
        let status = world.status();
        let crashed = status.iter().map(|s| s.crashed).sum::<u64>();
        let down = status.iter().map(|s| s.down).sum::<u64>();
        let mut recovered = before.recovered;
        for (done, share) in recovered.iter_mut().zip(MILESTONES) {
            *done |= reached(crashed, down, share);
        }
        Progress {
            crashed,
            down,
            recovered,
            all_recovered: before.all_recovered || (crashed > 0 && down == 0),
        }
    }
}

/// Whether `share` of the crashed endpoints are back up.
pub fn reached(crashed: u64, down: u64, share: f64) -> bool {
    crashed > 0 && (crashed - down) as f64 >= (share * crashed as f64).ceil()
}

/// One sentence and where it sorts.
struct Sentence {
    at: SimTime,
    order: u8,
    text: String,
}

/// Formats simulated times as UTC clock times, with the weekday when a step spans days.
pub struct Clock {
    pub start_unix_s: i64,
    pub with_day: bool,
}

impl Clock {
    pub fn new(start_unix_s: i64, from: SimTime, to: SimTime) -> Clock {
        let day = |t: SimTime| fmt::utc_format(start_unix_s, t.as_secs_f64(), "%F");
        let last = SimTime(to.0.saturating_sub(1).max(from.0));
        Clock { start_unix_s, with_day: day(from) != day(last) }
    }

    pub fn hm(&self, t: SimTime) -> String {
        let pattern = if self.with_day { "%a %H:%M" } else { "%H:%M" };
        fmt::utc_format(self.start_unix_s, t.as_secs_f64(), pattern)
    }

    /// `04:09 UTC`, or `04:09–05:08 UTC` for a span of minutes.
    pub fn span(&self, first: SimTime, last: SimTime) -> String {
        let (a, b) = (self.hm(first), self.hm(last));
        if a == b { format!("{a} UTC") } else { format!("{a}–{b} UTC") }
    }
}

/// The kinds of notes, in the order their sentences sort at equal times.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    FirstCrash,
    KeyEscrowDown,
    IncidentDeclared,
    Fallback,
    Standby,
    Workaround,
    CallIn,
    Contractors,
    Volunteers,
    KeyEscrowUp,
    BacklogCleared,
    StoodDown,
    AllRecovered,
}

/// Notes of one kind in one sector.
struct Group<'w> {
    first: SimTime,
    last: SimTime,
    orgs: BTreeMap<(usize, u32), &'w Org>,
    /// Technicians or contractors, summed.
    people: u64,
    /// Service names, for fallbacks, standbys and backlogs.
    services: BTreeMap<String, ()>,
}

fn kind_of(note: &Note) -> (Kind, u64, Option<u8>) {
    match note {
        Note::FirstCrash => (Kind::FirstCrash, 0, None),
        Note::IncidentDeclared => (Kind::IncidentDeclared, 0, None),
        Note::WorkaroundKnown => (Kind::Workaround, 0, None),
        Note::CallInArrived { technicians } => (Kind::CallIn, u64::from(*technicians), None),
        Note::ContractorsArrived { count } => (Kind::Contractors, u64::from(*count), None),
        Note::VolunteersArrived { count } => (Kind::Volunteers, u64::from(*count), None),
        Note::StoodDown => (Kind::StoodDown, 0, None),
        Note::FallbackActivated { service } => (Kind::Fallback, 0, Some(*service)),
        Note::StandbyActivated { service } => (Kind::Standby, 0, Some(*service)),
        Note::KeyEscrowDown => (Kind::KeyEscrowDown, 0, None),
        Note::KeyEscrowUp => (Kind::KeyEscrowUp, 0, None),
        Note::AllRecovered => (Kind::AllRecovered, 0, None),
        Note::BacklogCleared { service } => (Kind::BacklogCleared, 0, Some(*service)),
    }
}

/// Names a group of organisations: one to three by name, more by count and region.
fn who(orgs: &BTreeMap<(usize, u32), &Org>, sector: Sector) -> String {
    let list: Vec<&Org> = orgs.values().copied().collect();
    let mut regions: BTreeMap<&str, u64> = BTreeMap::new();
    for o in &list {
        *regions.entry(region_name(o)).or_default() += 1;
    }
    if list.len() <= 3 {
        let single_region = regions.len() == 1;
        let names: Vec<String> = list
            .iter()
            .map(|o| {
                if single_region { o.name() } else { format!("{} ({})", o.name(), region_name(o)) }
            })
            .collect();
        let names = join_and(&names);
        return match regions.keys().next() {
            Some(region) if single_region => format!("{names} in {region}"),
            _ => names,
        };
    }
    let mut by_count: Vec<(&str, u64)> = regions.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let shown: Vec<String> =
        by_count.iter().take(5).map(|(r, n)| format!("{r} {}", count(*n))).collect();
    let rest = match by_count.len().saturating_sub(5) {
        0 => String::new(),
        1 => ", 1 more region".to_string(),
        more => format!(", {more} more regions"),
    };
    format!("{} {} ({}{rest})", count(list.len() as u64), sector.plural(), shown.join(", "))
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `(14:09 in sydney)` when every organisation of a group is in one region.
fn local_note(orgs: &BTreeMap<(usize, u32), &Org>, at: SimTime) -> String {
    let mut regions = orgs.values().map(|o| region_name(o));
    let Some(first) = regions.next() else { return String::new() };
    if regions.any(|r| r != first) {
        return String::new();
    }
    let org = orgs.values().next().expect("a group has an organisation");
    let local = org.clock.local(at);
    format!(" ({:02}:{:02} in {first})", local.hour, local.minute)
}

fn services_text(services: &BTreeMap<String, ()>) -> String {
    let names: Vec<String> = services.keys().cloned().collect();
    join_and(&names)
}

/// The sentences about organisations in `[from, to)`.
fn org_sentences(world: &World, clock: &Clock, from: SimTime, to: SimTime) -> Vec<Sentence> {
    let mut groups: BTreeMap<(Kind, Sector), Group<'_>> = BTreeMap::new();
    for (t, org, note) in world.notes_since(from) {
        if t >= to {
            continue;
        }
        let (kind, people, service) = kind_of(note);
        let g = groups.entry((kind, org.sector)).or_insert_with(|| Group {
            first: t,
            last: t,
            orgs: BTreeMap::new(),
            people: 0,
            services: BTreeMap::new(),
        });
        g.first = g.first.min(t);
        g.last = g.last.max(t);
        g.orgs.insert((org.archetype, org.number), org);
        g.people += people;
        if let Some(s) = service.and_then(|s| org.spec().services.get(usize::from(s))) {
            g.services.insert(s.name.clone(), ());
        }
    }
    let mut out = Vec::new();
    for ((kind, sector), g) in groups {
        let when = format!("{}{}", clock.span(g.first, g.last), local_note(&g.orgs, g.first));
        let who = who(&g.orgs, sector);
        let many = g.orgs.len() > 1;
        let text = match kind {
            Kind::FirstCrash => {
                let down: u64 = g.orgs.values().map(|o| o.counts().down).sum();
                format!(
                    "{when}: first crashes at {who}; {} endpoints down there at {} UTC.",
                    count(down),
                    clock.hm(to)
                )
            }
            Kind::IncidentDeclared => {
                if many {
                    format!("{when}: major incidents declared at {who}.")
                } else {
                    format!("{when}: {who} declared a major incident.")
                }
            }
            Kind::Workaround => format!(
                "{when}: the manual workaround is known at {who}; hands-on repairs can start."
            ),
            Kind::CallIn if g.people == 0 => continue,
            Kind::CallIn => {
                format!("{when}: {} off-duty technicians called in at {who}.", count(g.people))
            }
            Kind::Contractors => {
                format!("{when}: {} contractors arrived at {who}.", count(g.people))
            }
            Kind::Volunteers => {
                format!("{when}: {} volunteers joined the repairs at {who}.", count(g.people))
            }
            Kind::StoodDown => format!(
                "{when}: services back at {who}: called-in staff, contractors and volunteers \
                 stand down; the rest is fixed at normal staffing."
            ),
            Kind::Fallback => format!(
                "{when}: {} switched to manual fallback (paper) at {who}.",
                services_text(&g.services)
            ),
            Kind::Standby => {
                format!("{when}: {} failed over to standby at {who}.", services_text(&g.services))
            }
            Kind::KeyEscrowDown => format!(
                "{when}: BitLocker key escrow down at {who}: encrypted machines wait until its \
                 servers are repaired."
            ),
            Kind::KeyEscrowUp => format!("{when}: BitLocker key escrow available again at {who}."),
            Kind::BacklogCleared => {
                format!("{when}: the {} backlog cleared at {who}.", services_text(&g.services))
            }
            Kind::AllRecovered => format!("{when}: every endpoint back up at {who}."),
        };
        out.push(Sentence { at: g.first, order: 10 + kind as u8, text });
    }
    out
}

/// The sentences about the vendor and recovery tools in `[from, to)`.
fn vendor_sentences(world: &World, clock: &Clock, from: SimTime, to: SimTime) -> Vec<Sentence> {
    let spec: &WorldSpec = &world.spec;
    let vendor = world.vendor();
    let name = &spec.vendor.name;
    let within = |t: SimTime| t >= from && t < to;
    let mut out = Vec::new();
    for &(content, ring, at) in vendor.releases.iter().filter(|r| within(r.2)) {
        let content_spec = &spec.vendor.contents[usize::from(content)];
        let what = if content_spec.is_bad() {
            content_spec.name.clone()
        } else {
            format!("{} (a good version)", content_spec.name)
        };
        let text = if spec.vendor.rings.len() <= 1 {
            format!("{} UTC: {name} pushed {what} to every sensor at once.", clock.hm(at))
        } else {
            let r = &spec.vendor.rings[usize::from(ring)];
            format!(
                "{} UTC: {name} released {what} to the {} ring ({} of sensors).",
                clock.hm(at),
                r.name,
                fmt::percent(r.share.get(), if r.share.get() < 0.1 { 1 } else { 0 })
            )
        };
        out.push(Sentence { at, order: 0, text });
    }
    for trip in vendor.trips.iter().filter(|t| within(t.at)) {
        let text = format!(
            "{} UTC: {name}'s health gate tripped on {} {}.",
            clock.hm(trip.at),
            count(trip.count),
            trip.signal.name()
        );
        out.push(Sentence { at: trip.at, order: 1, text });
    }
    if let Some(at) = vendor.halted_at.filter(|t| within(*t)) {
        let text =
            format!("{} UTC: {name} halted the rollout; no further rings go out.", clock.hm(at));
        out.push(Sentence { at, order: 2, text });
    }
    if let Some(at) = vendor.reverted_at.filter(|t| within(*t)) {
        let text = format!(
            "{} UTC: {name} published the revert: sensors that fetch content from now on get a \
             good version, and boot-looping machines may pick it up on a reboot.",
            clock.hm(at)
        );
        out.push(Sentence { at, order: 3, text });
    }
    for tool in &spec.tools {
        let at = SimTime::ZERO + tool.available_after;
        if within(at) {
            let text = format!("{} UTC: {}.", clock.hm(at), tool_text(tool));
            out.push(Sentence { at, order: 4, text });
        }
    }
    out
}

/// `usb-recovery-tool available: faster hands-on recovery for 60% of crashed machines, about
/// 6m each`.
pub fn tool_text(tool: &blastradius_model::spec::ToolSpec) -> String {
    format!("{} available: {}", tool.name, tool_use(tool))
}

/// What a tool does: `faster hands-on recovery for 60% of crashed machines, about 6m each`.
pub fn tool_use(tool: &blastradius_model::spec::ToolSpec) -> String {
    let mode = match tool.mode {
        ToolMode::Remote => "remote recovery, no one at the machine,",
        ToolMode::HandsOn => "faster hands-on recovery",
    };
    format!(
        "{mode} for {} of crashed machines, about {} each",
        fmt::percent(tool.share.get(), 0),
        tool.repair_time.mean()
    )
}

/// The fleet's changes over the step and the milestones it reached.
fn progress_sentences(
    clock: &Clock,
    from: SimTime,
    to: SimTime,
    before: &Progress,
    after: &Progress,
) -> Vec<Sentence> {
    let mut out = Vec::new();
    let span = clock.span(from, to);
    let newly_crashed = after.crashed.saturating_sub(before.crashed);
    let back_before = before.crashed - before.down;
    let back_after = after.crashed - after.down;
    let came_back = back_after.saturating_sub(back_before);
    if newly_crashed > 0 || came_back > 0 {
        let mut parts = Vec::new();
        if newly_crashed > 0 {
            parts.push(format!("{} endpoints crashed", count(newly_crashed)));
        }
        if came_back > 0 {
            let what = if parts.is_empty() { "endpoints came" } else { "came" };
            parts.push(format!("{} {what} back up", count(came_back)));
        }
        let text = format!(
            "{span}: {}; {} down now, {} of the {} that crashed.",
            join_and(&parts),
            count(after.down),
            share(after.down as f64, after.crashed as f64),
            count(after.crashed)
        );
        out.push(Sentence { at: to, order: 40, text });
    }
    let names = ["half", "90%", "99%"];
    for (i, name) in names.iter().enumerate() {
        if after.recovered[i] && !before.recovered[i] {
            let text = format!(
                "By {} UTC: {name} of the crashed endpoints are back up ({} of {}).",
                clock.hm(to),
                count(after.crashed - after.down),
                count(after.crashed)
            );
            out.push(Sentence { at: to, order: 41 + i as u8, text });
        }
    }
    if after.all_recovered && !before.all_recovered {
        let text = format!(
            "By {} UTC: every crashed endpoint is back up ({}).",
            clock.hm(to),
            count(after.crashed)
        );
        out.push(Sentence { at: to, order: 45, text });
    }
    out
}

/// Everything worth saying about `[from, to)`, one sentence a line, in order.
pub fn narrate(
    world: &World,
    from: SimTime,
    to: SimTime,
    before: &Progress,
    after: &Progress,
) -> Vec<String> {
    narrate_timed(world, from, to, before, after).into_iter().map(|(_, s)| s).collect()
}

/// [`narrate`], each sentence with the time it is about (its first time, for a span).
pub fn narrate_timed(
    world: &World,
    from: SimTime,
    to: SimTime,
    before: &Progress,
    after: &Progress,
) -> Vec<(SimTime, String)> {
    let clock = Clock::new(world.spec.start_unix_s, from, to);
    let mut sentences = vendor_sentences(world, &clock, from, to);
    sentences.extend(org_sentences(world, &clock, from, to));
    sentences.extend(progress_sentences(&clock, from, to, before, after));
    sentences.sort_by(|a, b| (a.at, a.order, &a.text).cmp(&(b.at, b.order, &b.text)));
    sentences.into_iter().map(|s| (s.at, s.text)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_english() {
        let s = |v: &[&str]| join_and(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&[]), "");
        assert_eq!(s(&["a"]), "a");
        assert_eq!(s(&["a", "b"]), "a and b");
        assert_eq!(s(&["a", "b", "c"]), "a, b and c");
    }

    #[test]
    fn milestones_need_the_share_of_crashed_endpoints_back() {
        assert!(!reached(0, 0, 0.5));
        assert!(reached(10, 5, 0.5));
        assert!(!reached(10, 6, 0.5));
        assert!(!reached(1000, 11, 0.99));
        assert!(reached(1000, 10, 0.99));
    }

    #[test]
    fn clock_spans_collapse_to_one_time_within_a_minute() {
        let start = 1_721_362_140; // 2024-07-19T04:09:00Z
        let c = Clock::new(start, SimTime::ZERO, SimTime(3_600_000));
        assert!(!c.with_day);
        assert_eq!(c.span(SimTime(0), SimTime(30_000)), "04:09 UTC");
        assert_eq!(c.span(SimTime(0), SimTime(3_540_000)), "04:09–05:08 UTC");
        let long = Clock::new(start, SimTime::ZERO, SimTime(86_400_000));
        assert!(long.with_day);
        assert_eq!(long.hm(SimTime(0)), "Fri 04:09");
    }
}
