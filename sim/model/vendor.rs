//! The security vendor: publishes content ring by ring, watches telemetry through health gates,
//! halts the rollout after a human reaction delay, and publishes the revert.
//!
//! Telemetry reaches the vendor late (heartbeat deadlines, then network latency), and a crashed
//! machine sends nothing after its crash: lost heartbeats show crashes within minutes, while a
//! crash report only arrives when a machine boots again.

use std::sync::Arc;

use blastradius_engine::{Ctx, LpId, SimDuration, SimTime};

use super::event::Event;
use super::shared::Shared;
use super::spec::{GateSpec, RevertSpec, Signal};

/// A gate that tripped: which, when, and on what count.
#[derive(Clone, Debug, PartialEq)]
pub struct GateTrip {
    pub gate: usize,
    pub signal: Signal,
    pub at: SimTime,
    pub count: u64,
}

#[derive(Clone)]
pub struct Vendor {
    shared: Arc<Shared>,
    /// Agent endpoints on targeted OSes in the whole fleet (the gates' population).
    pub sensors: u64,
    released_share: f64,
    ring_released: Vec<bool>,
    pub heartbeats_lost: u64,
    pub crash_reports: u64,
    pub trips: Vec<GateTrip>,
    pub halted_at: Option<SimTime>,
    pub reverted_at: Option<SimTime>,
    /// (content, ring, time) of every release.
    pub releases: Vec<(u8, u8, SimTime)>,
}

impl Vendor {
    pub fn new(shared: Arc<Shared>, sensors: u64) -> Vendor {
        let rings = shared.spec.vendor.rings.len();
        Vendor {
            shared,
            sensors,
            released_share: 0.0,
            ring_released: vec![false; rings],
            heartbeats_lost: 0,
            crash_reports: 0,
            trips: Vec::new(),
            halted_at: None,
            reverted_at: None,
            releases: Vec::new(),
        }
    }

    /// The vendor's messages all travel at the propagation delay.
    pub fn lookahead(&self) -> SimDuration {
        self.shared.spec.vendor.propagation
    }

    fn broadcast(&self, at: SimTime, ctx: &mut Ctx<'_, Event>, make: impl Fn() -> Event) {
        let first = self.shared.first_org;
        for org in first..first + self.shared.orgs as LpId {
            ctx.send(org, at, make());
        }
    }

    fn gate_trips(&self, gate: &GateSpec) -> Option<u64> {
        let count = match gate.signal {
            Signal::CrashReports => self.crash_reports,
            Signal::LostHeartbeats => self.heartbeats_lost,
        };
        let by_count = gate.threshold_count.is_some_and(|n| count >= n);
        let sample = (self.released_share * self.sensors as f64).round() as u64;
        let by_rate = gate.threshold_rate.is_some_and(|r| {
            sample >= gate.min_sample && sample > 0 && count as f64 / sample as f64 >= r
        });
        (by_count || by_rate).then_some(count)
    }

    pub fn handle(&mut self, event: Event, ctx: &mut Ctx<'_, Event>) {
        let now = ctx.now();
        let vendor = &self.shared.spec.vendor;
        match event {
            Event::Publish { content } => {
                ctx.schedule(now, Event::ReleaseRing { content, ring: 0 });
            }
            Event::ReleaseRing { content, ring } => {
                if self.halted_at.is_some() || self.reverted_at.is_some() {
                    return;
                }
                let r = usize::from(ring);
                if !self.ring_released[r] {
                    self.ring_released[r] = true;
                    self.released_share += vendor.rings[r].share.get();
                }
                self.releases.push((content, ring, now));
                let at = now + vendor.propagation;
                self.broadcast(at, ctx, || Event::Released { content, ring });
                if r + 1 < vendor.rings.len() {
                    ctx.schedule(
                        now + vendor.rings[r].bake,
                        Event::ReleaseRing { content, ring: ring + 1 },
                    );
                }
            }
            Event::Telemetry { heartbeats_lost, crash_reports } => {
                self.heartbeats_lost += u64::from(heartbeats_lost);
                self.crash_reports += u64::from(crash_reports);
                if !self.trips.is_empty() || self.reverted_at.is_some() {
                    return;
                }
                let tripped = vendor
                    .gates
                    .iter()
                    .enumerate()
                    .find_map(|(i, g)| self.gate_trips(g).map(|count| (i, g.signal, count)));
                if let Some((gate, signal, count)) = tripped {
                    self.trips.push(GateTrip { gate, signal, at: now, count });
                    ctx.schedule(now + vendor.reaction_delay, Event::Halt);
                }
            }
            Event::Halt => {
                if self.halted_at.is_none() && self.reverted_at.is_none() {
                    self.halted_at = Some(now);
                    // Halting stops the distribution too: customers who have not fetched the
                    // content yet will not get it.
                    let at = now + vendor.propagation;
                    self.broadcast(at, ctx, || Event::Withdrawn);
                    if let RevertSpec::AfterHalt(delay) = vendor.revert {
                        ctx.schedule(now + delay, Event::Revert);
                    }
                }
            }
            Event::Revert => {
                if self.reverted_at.is_none() {
                    self.reverted_at = Some(now);
                    let at = now + vendor.propagation;
                    self.broadcast(at, ctx, || Event::RevertArrived);
                    let fix = at + vendor.workaround_after_revert;
                    self.broadcast(fix, ctx, || Event::WorkaroundArrived);
                }
            }
            other => ctx.abort(format!("vendor got an organisation's event: {other:?}")),
        }
    }
}
