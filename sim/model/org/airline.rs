//! An airline's operations: crews in position, cancellations, and the crew-scheduling system
//! that puts crews back.
//!
//! A flight operates if flight operations can dispatch it and a crew is in position for it:
//! the operating share is `min(flight-operations capacity, 1 - crews out / crews)`. A flight
//! that operates while boarding is short leaves late. Every cancelled flight leaves some
//! crews (and aircraft) out of position, every delayed one a few (crews time out); the
//! crew-scheduling system reassigns crews at a rate set by its capacity, which its own IT
//! scales. Cancellations for want of a crew strand more crews, so a carrier whose crew system
//! is slow (or down) stays disrupted for days after its PCs are fixed.
//!
//! ```text
//!  crews_out(k+1) = max(0, crews_out(k) + s_c x cancelled(k) + s_d x delayed(k)
//!                          - R x crew-system capacity(k) x step)
//! ```
//!
//! The state moves in steps of the archetype's own length (15 minutes by default), on a grid
//! from simulated time zero, while anything is disturbed; cancellations and delays over a
//! step are the ledger's exact integrals, so neither the output interval nor where a run
//! pauses changes anything.

use blastradius_engine::{Ctx, SimTime};

use super::Org;
use crate::calendar::ceil_to;
use crate::event::Event;
use crate::spec::AirlineSpec;

/// One carrier's operational state.
#[derive(Clone, Debug, Default)]
pub struct Airline {
    crews_total: f64,
    crews_out: f64,
    /// Reassignments an hour at full crew-system capacity.
    reassign_per_hour: f64,
    /// Flights cancelled and delayed booked by the ledger at the last step.
    cancelled_at_step: f64,
    delayed_at_step: f64,
    /// Crew-system capacity at the last step, which holds until the next.
    crew_capacity: f64,
    /// Whether an `OpsStep` is pending.
    stepping: bool,
}

impl Airline {
    pub fn new(spec: &AirlineSpec, flights_per_day: f64) -> Airline {
        Airline {
            crews_total: (spec.crews_per_daily_flight * flights_per_day).max(1.0),
            crews_out: 0.0,
            reassign_per_hour: spec.reassignments_per_hour_per_1000_flights * flights_per_day
                / 1_000.0,
            crew_capacity: 1.0,
            ..Airline::default()
        }
    }

    /// The share of scheduled flights that operate, given flight operations' capacity.
    pub fn operating_share(&self, flight_capacity: f64) -> f64 {
        flight_capacity.min(1.0 - (self.crews_out / self.crews_total).min(1.0)).max(0.0)
    }

    /// Moves the crews on by one step of `hours`: `stranded` more out of position, and the
    /// crew system puts back what it can at the capacity it had over the step.
    fn advance(&mut self, stranded: f64, hours: f64) {
        let put_back = self.reassign_per_hour * self.crew_capacity * hours;
        self.crews_out = (self.crews_out + stranded - put_back).max(0.0);
        if self.crews_out < 1e-6 {
            self.crews_out = 0.0;
        }
    }

    pub fn crews_out(&self) -> f64 {
        self.crews_out
    }

    pub fn crews_total(&self) -> f64 {
        self.crews_total
    }
}

impl Org {
    /// Capacities of the services the airline's operations read: flight operations, boarding,
    /// crew scheduling.
    fn airline_capacities(&self) -> Option<(f64, f64, f64)> {
        let spec = self.spec().airline.as_ref()?;
        let states = self.service_states();
        let boarding = spec.boarding_service.map_or(1.0, |b| states[b].ops);
        Some((states[spec.flight_service].ops, boarding, states[spec.crew_service].ops))
    }

    /// The share of scheduled flights that operate but leave late.
    pub(super) fn airline_delayed_share(&self) -> f64 {
        match (&self.airline, self.airline_capacities()) {
            (Some(a), Some((flight, boarding, _))) => a.operating_share(flight) * (1.0 - boarding),
            _ => 0.0,
        }
    }

    /// Whether the airline's operations are disturbed: crews out of position, or a service
    /// its flights need short.
    pub(super) fn airline_disturbed(&self) -> bool {
        match (&self.airline, self.airline_capacities()) {
            (Some(a), Some((flight, boarding, _))) => {
                a.crews_out > 0.0 || flight < 1.0 || boarding < 1.0
            }
            _ => false,
        }
    }

    /// Starts the operations steps if they are needed and not running.
    pub(super) fn ensure_ops_step(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        let Some(step) = self.spec().airline.as_ref().map(|a| a.step) else { return };
        if self.airline.as_ref().is_none_or(|a| a.stepping) || !self.airline_disturbed() {
            return;
        }
        let next = ceil_to(now + blastradius_engine::SimDuration(1), step);
        if next < self.shared.horizon {
            if let Some(a) = self.airline.as_mut() {
                a.stepping = true;
            }
            ctx.schedule(next, Event::OpsStep);
        }
    }

    /// One step of the operations: crews stranded by the flights cancelled and delayed since
    /// the last step join those out of position; the crew system puts back what it can.
    pub(super) fn ops_step(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        self.accrue(now);
        let Some(spec) = self.spec().airline.clone() else { return };
        let Some((_, _, crew_capacity)) = self.airline_capacities() else { return };
        let (cancelled, delayed) =
            (self.ledger.accounts.flights_cancelled, self.ledger.accounts.flights_delayed);
        let Some(a) = self.airline.as_mut() else { return };
        a.stepping = false;
        let stranded = (cancelled - a.cancelled_at_step) * spec.strand_per_cancellation
            + (delayed - a.delayed_at_step) * spec.strand_per_delay;
        a.advance(stranded, spec.step.as_hours_f64());
        (a.cancelled_at_step, a.delayed_at_step) = (cancelled, delayed);
        a.crew_capacity = crew_capacity;
        // The operating share changed with the crews: book it from now on (this also keeps
        // the steps going while anything is disturbed).
        self.refresh_services(now, ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blastradius_engine::SimDuration;

    fn spec(reassignments: f64) -> AirlineSpec {
        AirlineSpec {
            flight_service: 0,
            boarding_service: None,
            crew_service: 0,
            crews_per_daily_flight: 0.5,
            reassignments_per_hour_per_1000_flights: reassignments,
            strand_per_cancellation: 1.0,
            strand_per_delay: 0.0,
            delay_minutes: 0.0,
            delay_cost_per_minute_usd: 0.0,
            step: SimDuration::from_mins(15),
        }
    }

    #[test]
    fn the_crew_system_puts_crews_back_at_its_rate() {
        // 2,000 flights a day: 1,000 crews; 20 reassignments an hour per 1,000 flights: 40 an
        // hour, 10 a quarter-hour step. 100 crews stranded drain in exactly 10 steps.
        let mut a = Airline::new(&spec(20.0), 2_000.0);
        assert_eq!((a.crews_total(), a.reassign_per_hour), (1_000.0, 40.0));
        a.advance(100.0, 0.25);
        assert_eq!(a.crews_out(), 90.0);
        for _ in 0..9 {
            a.advance(0.0, 0.25);
        }
        assert_eq!(a.crews_out(), 0.0);
        // A crew system at half capacity takes twice as long.
        a.advance(100.0, 0.25);
        a.crew_capacity = 0.5;
        let mut steps = 0;
        while a.crews_out() > 0.0 {
            a.advance(0.0, 0.25);
            steps += 1;
        }
        assert_eq!(steps, 18, "95 left after the first step, 5 a step");
    }

    #[test]
    fn flights_need_dispatch_and_a_crew_in_position() {
        let mut a = Airline::new(&spec(0.0), 2_000.0);
        assert_eq!(a.operating_share(1.0), 1.0);
        assert_eq!(a.operating_share(0.3), 0.3);
        a.advance(250.0, 0.25);
        // A quarter of the crews out of position: three quarters of the flights can fly.
        assert_eq!(a.operating_share(1.0), 0.75);
        assert_eq!(a.operating_share(0.5), 0.5);
        a.advance(10_000.0, 0.25);
        assert_eq!(a.operating_share(1.0), 0.0);
    }
}
