//! A pool of technicians shared by several organisations: surge contractors in a region, or
//! a managed-service provider (MSP) that is the IT department of many small clients with no
//! technicians of their own. Requests are granted first come, first served, by message
//! arrival, each grant capped at the pool's per-client limit; technicians released by one
//! organisation go to the next one waiting. So a provider with `c` technicians and a
//! queue of clients works through them at its capacity, and a client far down the queue
//! waits for the ones before it.

use std::collections::VecDeque;

use blastradius_engine::{Ctx, LpId, SimDuration};

use super::event::Event;
use super::spec::PoolSpec;

#[derive(Clone)]
pub struct Pool {
    pub name: String,
    pub available: u32,
    pub dispatch_delay: SimDuration,
    /// Most technicians one organisation holds at once (`u32::MAX`: no limit).
    per_client_max: u32,
    /// Waiting organisations: (who, how many more they want).
    waiting: VecDeque<(LpId, u32)>,
    /// What each organisation holds now, by LP (few organisations hold any at once).
    held: Vec<(LpId, u32)>,
    /// Technicians granted so far, over all organisations.
    pub granted: u64,
}

impl Pool {
    pub fn new(spec: &PoolSpec) -> Pool {
        Pool {
            name: spec.name.clone(),
            available: spec.contractors,
            dispatch_delay: spec.dispatch_delay,
            per_client_max: if spec.per_client_max == 0 { u32::MAX } else { spec.per_client_max },
            waiting: VecDeque::new(),
            held: Vec::new(),
            granted: 0,
        }
    }

    fn held_by(&self, org: LpId) -> u32 {
        self.held.iter().find(|(o, _)| *o == org).map_or(0, |(_, n)| *n)
    }

    fn add_held(&mut self, org: LpId, n: u32) {
        match self.held.iter_mut().find(|(o, _)| *o == org) {
            Some((_, held)) => *held = held.saturating_add(n),
            None => self.held.push((org, n)),
        }
    }

    fn serve(&mut self, ctx: &mut Ctx<'_, Event>) {
        while self.available > 0 {
            let Some((org, wanted)) = self.waiting.pop_front() else { return };
            let room = self.per_client_max.saturating_sub(self.held_by(org));
            let grant = wanted.min(self.available).min(room);
            if grant == 0 {
                // At its limit: it waits for nothing more from this pool.
                continue;
            }
            self.available -= grant;
            self.granted += u64::from(grant);
            self.add_held(org, grant);
            ctx.send(
                org,
                ctx.now() + self.dispatch_delay,
                Event::PoolContractorsArrive { count: grant },
            );
            if wanted > grant && room > grant {
                self.waiting.push_front((org, wanted - grant));
            }
        }
    }

    pub fn handle(&mut self, event: Event, ctx: &mut Ctx<'_, Event>) {
        match event {
            Event::ContractorRequest { org, count } => {
                self.waiting.push_back((org, count));
                self.serve(ctx);
            }
            Event::ContractorRelease { org, count } => {
                // An organisation that no longer needs help leaves the queue too.
                self.waiting.retain(|&(o, _)| o != org);
                self.available = self.available.saturating_add(count);
                if let Some(i) = self.held.iter().position(|(o, _)| *o == org) {
                    let (_, held) = &mut self.held[i];
                    *held = held.saturating_sub(count);
                    if *held == 0 {
                        self.held.swap_remove(i);
                    }
                }
                self.serve(ctx);
            }
            other => ctx.abort(format!("pool got another LP's event: {other:?}")),
        }
    }
}
