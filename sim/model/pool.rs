//! A pool of surge contractors shared by several organisations: requests are granted first
//! come, first served, by message arrival; contractors released by one organisation go to the
//! next one waiting.

use std::collections::VecDeque;

use blastradius_engine::{Ctx, LpId, SimDuration};

use super::event::Event;

#[derive(Clone)]
pub struct Pool {
    pub name: String,
    pub available: u32,
    pub dispatch_delay: SimDuration,
    waiting: VecDeque<(LpId, u32)>,
    /// Contractors granted so far, over all organisations.
    pub granted: u64,
}

impl Pool {
    pub fn new(name: String, contractors: u32, dispatch_delay: SimDuration) -> Pool {
        Pool { name, available: contractors, dispatch_delay, waiting: VecDeque::new(), granted: 0 }
    }

    fn serve(&mut self, ctx: &mut Ctx<'_, Event>) {
        while self.available > 0 {
            let Some((org, wanted)) = self.waiting.pop_front() else { return };
            let grant = wanted.min(self.available);
            self.available -= grant;
            self.granted += u64::from(grant);
            ctx.send(
                org,
                ctx.now() + self.dispatch_delay,
                Event::PoolContractorsArrive { count: grant },
            );
            if wanted > grant {
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
                self.available += count;
                self.serve(ctx);
            }
            other => debug_assert!(false, "pool got another LP's event: {other:?}"),
        }
    }
}
