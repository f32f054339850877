//! The people who repair: each site's technicians, on duty by local shift; staff called in
//! on an incident; contractors (a private contract or a shared pool, which is also how an
//! organisation without IT of its own gets a managed-service provider's technicians); and
//! volunteers. All of them but the site crews are based at the first site.
//!
//! Presence changes only at events: a shift or call-in window boundary (the next one is
//! worked out from the shifts and scheduled as a `Staffing` event, so nobody waits for a
//! sample to come on duty), an arrival, the stand-down, and a technician finishing a job
//! (leavers go when free). Once services are back, the extra effort stands down: called-in
//! staff return to their shifts, contractors are released, volunteers go home.

use blastradius_engine::{Ctx, SimDuration, SimTime};

use super::{Note, Org};
use crate::calendar::{Clock, MS_PER_HOUR};
use crate::event::Event;
use crate::spec::StaffSpec;

/// How far ahead to look for the next change of duty.
const HOURS_AHEAD: i64 = 7 * 24;

/// One crew: the technicians of a site, the contractors or the volunteers.
#[derive(Clone, Debug, Default)]
pub struct Crew {
    /// Stationed here (site crews only).
    pub home: u32,
    /// Added by decisions, on duty around the clock.
    pub extra: u32,
    /// How many should be present now.
    pub target: u32,
    /// Present now: busy, or free to take a job.
    pub present: u32,
    pub busy: u32,
    /// The local hour (hours since the epoch, local time) the shift figures below are for.
    shift_hour: Option<i64>,
    shift_scheduled: u32,
    call_in_scheduled: u32,
}

impl Crew {
    fn new(home: u32) -> Crew {
        Crew { home, ..Crew::default() }
    }
    pub fn free(&self) -> u32 {
        self.present - self.busy
    }
    /// Moves presence towards the target: newcomers arrive at once; leavers go when free.
    fn settle(&mut self) {
        if self.target >= self.present {
            self.present = self.target;
        } else {
            self.present = self.target.max(self.busy);
        }
    }
}

/// The crews of one organisation and the state of the response.
#[derive(Clone, Debug, Default)]
pub struct Workforce {
    /// Site crews in site order, then the contractors, then the volunteers.
    crews: Vec<Crew>,
    clocks: Vec<Clock>,
    call_in_active: bool,
    stood_down: bool,
    stand_down_pending: bool,
    private_contractors: u32,
    pool_contractors: u32,
    pool_requested: bool,
    volunteers: u32,
    /// When the next `Staffing` event is due, if one is.
    staffing_due: Option<SimTime>,
    /// Set once no grant from the contractor pool can arrive any more.
    pool_quiet: bool,
    /// Set once contractors have been handed back: at stand-down, or, for an organisation
    /// with no technicians of its own, when its last endpoint is back.
    handed_back: bool,
}

impl Workforce {
    /// Crews for sites with these technicians and clocks.
    pub fn new(sites: &[(u32, Clock)]) -> Workforce {
        let mut crews: Vec<Crew> = sites.iter().map(|&(techs, _)| Crew::new(techs)).collect();
        crews.push(Crew::new(0));
        crews.push(Crew::new(0));
        let clocks = sites.iter().map(|&(_, c)| c).collect();
        Workforce { crews, clocks, ..Workforce::default() }
    }

    pub fn crews(&self) -> &[Crew] {
        &self.crews
    }

    pub fn crew_mut(&mut self, crew: usize) -> &mut Crew {
        &mut self.crews[crew]
    }

    fn sites(&self) -> usize {
        self.clocks.len()
    }

    pub fn contractors_crew(&self) -> usize {
        self.sites()
    }

    pub fn volunteers_crew(&self) -> usize {
        self.sites() + 1
    }

    /// The crews' home sites: a site crew is at its own site, the others at the first.
    pub fn home_of(&self, crew: usize) -> usize {
        if crew < self.sites() { crew } else { 0 }
    }

    pub fn busy(&self) -> u32 {
        self.crews.iter().fold(0u32, |n, c| n.saturating_add(c.busy))
    }

    pub fn present(&self) -> u32 {
        self.crews.iter().fold(0u32, |n, c| n.saturating_add(c.present))
    }

    pub fn stood_down(&self) -> bool {
        self.stood_down
    }

    /// Whether this organisation may still message its contractor pool: until it has stood
    /// down, handed back what it holds, and no grant the pool sent before hearing of the
    /// release can still arrive (`pool_quiet`).
    pub fn may_call_pool(&self) -> bool {
        !self.pool_quiet || self.pool_contractors > 0
    }

    /// Whether the organisation has technicians of its own at any site.
    pub fn has_own_staff(&self) -> bool {
        self.crews[..self.sites()].iter().any(|c| c.home > 0 || c.extra > 0)
    }

    /// How much longer a job takes this crew than a technician.
    pub fn time_factor(&self, crew: usize, staff: &StaffSpec) -> f64 {
        if crew == self.volunteers_crew() {
            staff.volunteers.as_ref().map_or(1.0, |v| v.time_factor)
        } else {
            1.0
        }
    }

    /// A site crew's presence by its shifts at `now`, and by the call-in too: (scheduled,
    /// called in).
    fn shift_figures(&self, crew: usize, staff: &StaffSpec, now: SimTime) -> (u32, u32) {
        let local = self.clocks[crew].local(now);
        let home = f64::from(self.crews[crew].home);
        let scheduled = (home * staff.duty_share(local.weekday, local.hour)).round() as u32;
        let call_in = if waking(staff, local.hour) {
            scheduled.max((home * staff.call_in_share.get()).round() as u32)
        } else {
            scheduled
        };
        (scheduled, call_in)
    }

    /// How many of a crew should be present, given a site crew's shift figures.
    fn target(&self, crew: usize, staff: &StaffSpec, shift: (u32, u32), now: SimTime) -> u32 {
        if crew == self.contractors_crew() {
            self.private_contractors.saturating_add(self.pool_contractors)
        } else if crew == self.volunteers_crew() {
            let on = staff.volunteers.as_ref().is_some_and(|v| {
                let hour = self.clocks[0].local(now).hour;
                (u32::from(v.from_hour)..u32::from(v.to_hour)).contains(&hour)
            });
            if on { self.volunteers } else { 0 }
        } else {
            let (scheduled, call_in) = shift;
            let on_duty = if self.stood_down {
                // Only part of the normal staff stay on what is still broken.
                (f64::from(scheduled) * staff.stand_down.staff_share).ceil() as u32
            } else if self.call_in_active {
                call_in
            } else {
                scheduled
            };
            // Counts a decision adds saturate: 40 present plus u32::MAX is u32::MAX, not 39.
            on_duty.saturating_add(self.crews[crew].extra)
        }
    }

    /// Sets one crew's target at `now` and settles its presence.
    pub fn refresh_crew(&mut self, crew: usize, staff: &StaffSpec, now: SimTime) {
        let mut shift = (0, 0);
        if crew < self.sites() {
            // Shifts change on the local hour: work them out once an hour.
            let hour = self.clocks[crew].local_ms(now).div_euclid(MS_PER_HOUR);
            if self.crews[crew].shift_hour != Some(hour) {
                let (scheduled, call_in) = self.shift_figures(crew, staff, now);
                let c = &mut self.crews[crew];
                (c.shift_hour, c.shift_scheduled, c.call_in_scheduled) =
                    (Some(hour), scheduled, call_in);
            }
            shift = (self.crews[crew].shift_scheduled, self.crews[crew].call_in_scheduled);
        }
        let target = self.target(crew, staff, shift, now);
        let c = &mut self.crews[crew];
        c.target = target;
        c.settle();
    }

    pub fn refresh_all(&mut self, staff: &StaffSpec, now: SimTime) {
        for crew in 0..self.crews.len() {
            self.refresh_crew(crew, staff, now);
        }
    }

    /// Everyone present at `now` as the shifts have it then, whether or not an event has
    /// settled presence since (settling keeps whoever is busy).
    pub fn present_at(&self, staff: &StaffSpec, now: SimTime) -> u32 {
        (0..self.crews.len())
            .map(|crew| {
                let shift =
                    if crew < self.sites() { self.shift_figures(crew, staff, now) } else { (0, 0) };
                self.target(crew, staff, shift, now).max(self.crews[crew].busy)
            })
            .sum()
    }

    /// The next instant after `now` at which any crew's scheduled presence changes: a shift or
    /// call-in window boundary at some site, or the volunteers' hours, within a week.
    pub fn next_change(&self, staff: &StaffSpec, now: SimTime) -> Option<SimTime> {
        let signature = |clock: Clock, local_ms: i64| {
            let t = clock.sim_time(local_ms);
            let local = clock.local(t);
            let volunteers = staff
                .volunteers
                .as_ref()
                .map(|v| (u32::from(v.from_hour)..u32::from(v.to_hour)).contains(&local.hour));
            (
                staff.duty_share(local.weekday, local.hour).to_bits(),
                waking(staff, local.hour),
                volunteers,
            )
        };
        let mut offsets: Vec<Clock> = self.clocks.clone();
        offsets.dedup();
        let mut best: Option<SimTime> = None;
        for clock in offsets {
            let local = clock.local_ms(now);
            let now_sig = signature(clock, local);
            let first = local.div_euclid(MS_PER_HOUR) + 1;
            for h in first..first + HOURS_AHEAD {
                let boundary = h * MS_PER_HOUR;
                if signature(clock, boundary) != now_sig {
                    let t = clock.sim_time(boundary);
                    best = Some(best.map_or(t, |b| b.min(t)));
                    break;
                }
            }
        }
        best
    }
}

/// Whether called-in staff work at this local hour.
fn waking(staff: &StaffSpec, hour: u32) -> bool {
    (u32::from(staff.call_in_from_hour)..u32::from(staff.call_in_to_hour)).contains(&hour)
}

impl Org {
    /// Technicians busy now, over all crews and cloud admins.
    pub fn staff_busy(&self) -> u32 {
        self.workforce.busy() + self.repair.cloud_busy_admins()
    }

    /// Technicians present now (busy or free), over all crews.
    pub fn staff_present(&self) -> u32 {
        self.workforce.present()
    }

    /// Technicians present at `now`, as the shifts have it then, plus the cloud admins, who
    /// work around the clock.
    pub fn staff_present_at(&self, now: SimTime) -> u32 {
        self.workforce.present_at(&self.spec().staff, now) + self.repair.cloud_admins()
    }

    /// The crews, for status displays.
    pub fn crews(&self) -> &[Crew] {
        self.workforce.crews()
    }

    pub(super) fn refresh_staffing(&mut self, now: SimTime) {
        // Borrowing the field, not cloning the `Arc`: a clone would write its count, a cache
        // line every worker thread shares.
        self.workforce.refresh_all(&self.shared.archetype(self.archetype).staff, now);
    }

    pub(super) fn refresh_crew(&mut self, crew: usize, now: SimTime) {
        self.workforce.refresh_crew(crew, &self.shared.archetype(self.archetype).staff, now);
    }

    /// Keeps one `Staffing` event pending at the next change of duty while endpoints are down.
    pub(super) fn schedule_staffing(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if self.ledger.counts.down == 0 || !self.incident.declared {
            return;
        }
        if self.workforce.staffing_due.is_some_and(|t| t > now) {
            return;
        }
        let next = self.workforce.next_change(&self.spec().staff, now);
        if let Some(t) = next.filter(|&t| t < self.shared.horizon) {
            self.workforce.staffing_due = Some(t);
            ctx.schedule(t, Event::Staffing);
        } else {
            self.workforce.staffing_due = None;
        }
    }

    pub(super) fn staffing(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if self.workforce.staffing_due != Some(now) {
            return;
        }
        self.workforce.staffing_due = None;
        self.refresh_staffing(now);
        self.dispatch(now, ctx);
        self.schedule_staffing(now, ctx);
    }

    pub(super) fn call_in_arrives(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if self.ledger.counts.down == 0 || self.workforce.stood_down {
            return;
        }
        self.workforce.call_in_active = true;
        let before = self.staff_present();
        self.refresh_staffing(now);
        let added = self.staff_present().saturating_sub(before);
        self.ledger.note(now, Note::CallInArrived { technicians: added });
        self.dispatch(now, ctx);
    }

    pub(super) fn contractors_arrive(
        &mut self,
        count: u32,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        if self.ledger.counts.down > 0 && count > 0 && !self.workforce.handed_back {
            self.workforce.private_contractors =
                self.workforce.private_contractors.saturating_add(count);
            self.ledger.note(now, Note::ContractorsArrived { count });
            self.refresh_staffing(now);
            self.dispatch(now, ctx);
        }
    }

    pub(super) fn pool_contractors_arrive(
        &mut self,
        count: u32,
        now: SimTime,
        ctx: &mut Ctx<'_, Event>,
    ) {
        self.workforce.pool_contractors = self.workforce.pool_contractors.saturating_add(count);
        if self.ledger.counts.down > 0 && !self.workforce.handed_back {
            self.ledger.note(now, Note::ContractorsArrived { count });
            self.refresh_staffing(now);
            self.dispatch(now, ctx);
        } else {
            // Arrived after the work was done: hand them straight back.
            self.release_pool_contractors(now, ctx);
        }
    }

    pub(super) fn volunteers_arrive(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        let Some(v) = self.spec().staff.volunteers.clone() else { return };
        if self.ledger.counts.down == 0 || self.workforce.stood_down {
            return;
        }
        let count = (v.per_1000 * f64::from(self.size) / 1_000.0).round() as u32;
        self.workforce.volunteers = count;
        self.ledger.note(now, Note::VolunteersArrived { count });
        self.refresh_staffing(now);
        self.dispatch(now, ctx);
    }

    /// Asks for the surge: a private contract arrives after its delay; a shared pool (or a
    /// managed-service provider) is asked by message and grants what it can.
    pub(super) fn request_surge(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        let staff = &self.spec().staff;
        if let Some(v) = &staff.volunteers {
            ctx.schedule(now + v.delay, Event::VolunteersArrive);
        }
        let Some(surge) = staff.surge.clone() else { return };
        let count = (surge.technicians_per_1000 * f64::from(self.size) / 1_000.0).round() as u32;
        match surge.pool {
            Some(pool) if !self.workforce.pool_requested => {
                self.workforce.pool_requested = true;
                let me = ctx.id();
                ctx.send(
                    self.shared.pools[pool],
                    now + self.shared.spec.pools[pool].request_delay,
                    Event::ContractorRequest { org: me, count: count.max(1) },
                );
            }
            Some(_) => {}
            None => ctx.schedule(now + surge.delay, Event::ContractorsArrive { count }),
        }
    }

    pub(super) fn release_pool_contractors(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        let count = std::mem::take(&mut self.workforce.pool_contractors);
        if let Some(pool) = self.spec().staff.surge.as_ref().and_then(|s| s.pool) {
            let me = ctx.id();
            ctx.send(
                self.shared.pools[pool],
                now + self.shared.spec.pools[pool].request_delay,
                Event::ContractorRelease { org: me, count },
            );
        }
    }

    /// Stands the extra effort down once services are back: when their weighted IT capacity
    /// reaches the archetype's level, after its delay (an organisation without services waits
    /// for its last endpoint).
    pub(super) fn check_stand_down(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if !self.incident.declared || self.workforce.stood_down || self.workforce.stand_down_pending
        {
            return;
        }
        let spec = self.spec();
        let back = if spec.services.is_empty() {
            self.ledger.counts.down == 0
        } else {
            self.services.weighted_it(spec) >= spec.staff.stand_down.capacity
        };
        if !back {
            return;
        }
        let delay = spec.staff.stand_down.delay;
        if delay == SimDuration::ZERO {
            self.stand_down(now, ctx);
        } else {
            self.workforce.stand_down_pending = true;
            ctx.schedule(now + delay, Event::StandDown);
        }
    }

    pub(super) fn stand_down(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        self.workforce.stand_down_pending = false;
        if self.workforce.stood_down {
            // An organisation with no staff of its own kept its contractors for what was left.
            if self.ledger.counts.down == 0 {
                self.hand_back_contractors(now, ctx);
            }
            return;
        }
        let spec = self.spec();
        let still_back = spec.services.is_empty()
            || self.services.weighted_it(spec) >= spec.staff.stand_down.capacity
            || self.ledger.counts.down == 0;
        if !still_back {
            // Capacity fell again during the delay: wait for it to come back.
            return;
        }
        self.workforce.stood_down = true;
        self.workforce.volunteers = 0;
        // With no technicians of its own, an organisation keeps its contractors (a managed
        // service provider's break-fix contract) until its last endpoint is back.
        if self.workforce.has_own_staff() || self.ledger.counts.down == 0 {
            self.hand_back_contractors(now, ctx);
        }
        if self.ledger.counts.down > 0 {
            self.ledger.note(now, Note::StoodDown);
        }
        self.refresh_staffing(now);
    }

    /// Lets private contractors go and hands pool contractors back, once.
    fn hand_back_contractors(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        if std::mem::replace(&mut self.workforce.handed_back, true) {
            return;
        }
        self.workforce.private_contractors = 0;
        if let Some(pool) = self.spec().staff.surge.as_ref().and_then(|s| s.pool) {
            if self.workforce.pool_contractors > 0 || self.workforce.pool_requested {
                self.release_pool_contractors(now, ctx);
            }
            // A grant the pool sent before the release reached it arrives by then at the
            // latest; after that this organisation never calls the pool again.
            let p = &self.shared.spec.pools[pool];
            ctx.schedule(now + p.request_delay + p.dispatch_delay, Event::PoolQuiet);
        }
        self.refresh_staffing(now);
    }

    pub(super) fn pool_quiet(&mut self) {
        self.workforce.pool_quiet = true;
    }

    /// Adds technicians by decision, on duty around the clock at the first site.
    pub(super) fn add_technicians(&mut self, count: u32, now: SimTime) {
        let crew = self.workforce.crew_mut(0);
        crew.extra = crew.extra.saturating_add(count);
        self.refresh_staffing(now);
    }

    /// The wage of an hour of work by a crew at `now`: a site's technicians on shift, at
    /// overtime off shift; contractors at their rate; volunteers at no extra cost.
    pub(super) fn crew_wage(&self, crew: usize, now: SimTime) -> f64 {
        let staff = &self.spec().staff;
        if crew == self.workforce.contractors_crew() {
            staff.surge.as_ref().map_or(staff.wage_hour_usd, |s| s.wage_hour_usd)
        } else if crew == self.workforce.volunteers_crew() {
            0.0
        } else {
            let local = self.repair.site_clock(crew).local(now);
            let on_shift = staff.duty_share(local.weekday, local.hour) >= 0.5;
            staff.wage_hour_usd * if on_shift { 1.0 } else { staff.overtime_multiplier }
        }
    }
}
