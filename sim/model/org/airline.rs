//! An airline's operations: crews and aircraft in position, cancellations, and the systems that
//! put them back.
//!
//! A flight operates if flight operations can dispatch it, a crew is in position for it and an
//! aircraft is: the operating share is `c_f x a_c x a_a`, with `c_f` flight operations'
//! capacity and `a_c`, `a_a` the shares of crews and aircraft in position. A flight that
//! operates while boarding is short leaves late. Each cancellation strands what it had in
//! place: one cancelled by dispatch its crew and its aircraft, one cancelled for want of a crew
//! its aircraft (it did not fly to where its next flight starts), one cancelled for want of an
//! aircraft its crew; a delayed flight sometimes strands its crew (crews time out). The
//! crew-scheduling system reassigns crews at a rate its own IT scales; operations control
//! repositions aircraft at a rate flight operations' capacity scales. Cancellations for want of
//! crews strand aircraft and the other way round, so a carrier whose crew system is slow (or
//! down) stays disrupted for days after its PCs are fixed.
//!
//! ```text
//!  cancelled over a step X, split by cause with the shares at the step's start:
//!    dispatch (1 - c_f), crew only c_f (1 - a_c) a_a, aircraft only c_f a_c (1 - a_a)
//!  crews_out    += s x X x (dispatch + aircraft only) / (1 - o) + s_d x delayed - R x c_s x dt
//!  aircraft_out += s x X x (dispatch + crew only) / (1 - o)                     - Q x c_f x dt
//! ```
//!
//! The state moves in steps of the archetype's own length (15 minutes by default), on a grid
//! from simulated time zero, while anything is disturbed; cancellations and delays over a step
//! are the ledger's exact integrals, so neither the output interval nor where a run pauses
//! changes anything.

use blastradius_engine::{Ctx, SimDuration, SimTime};

use super::Org;
use crate::calendar::ceil_to;
use crate::event::Event;
use crate::spec::AirlineSpec;

/// One carrier's operational state.
#[derive(Clone, Debug, Default)]
pub struct Airline {
    crews_total: f64,
    crews_out: f64,
    aircraft_total: f64,
    aircraft_out: f64,
    /// Reassignments and repositionings an hour at full capacity.
    reassign_per_hour: f64,
    reposition_per_hour: f64,
    /// Flights cancelled and delayed booked by the ledger at the last step.
    cancelled_at_step: f64,
    delayed_at_step: f64,
    /// Capacities at the last step, which the split and the drains of the step use:
    /// flight operations, crew scheduling.
    flight_capacity: f64,
    crew_capacity: f64,
    /// Whether an `OpsStep` is pending.
    stepping: bool,
}

/// Capacities a step reads.
#[derive(Clone, Copy, Debug)]
struct Capacities {
    flight: f64,
    crew_system: f64,
}

impl Airline {
    pub fn new(spec: &AirlineSpec, flights_per_day: f64) -> Airline {
        Airline {
            crews_total: (spec.crews_per_daily_flight * flights_per_day).max(1.0),
            aircraft_total: (spec.aircraft_per_daily_flight * flights_per_day).max(1.0),
            reassign_per_hour: spec.reassignments_per_hour_per_1000_flights * flights_per_day
                / 1_000.0,
            reposition_per_hour: spec.repositions_per_hour_per_1000_flights * flights_per_day
                / 1_000.0,
            flight_capacity: 1.0,
            crew_capacity: 1.0,
            ..Airline::default()
        }
    }

    /// Shares of crews and aircraft in position.
    fn in_position(&self) -> (f64, f64) {
        let share = |out: f64, total: f64| 1.0 - (out / total).min(1.0);
        (share(self.crews_out, self.crews_total), share(self.aircraft_out, self.aircraft_total))
    }

    /// The share of scheduled flights that operate, given flight operations' capacity.
    pub fn operating_share(&self, flight_capacity: f64) -> f64 {
        let (crews, aircraft) = self.in_position();
        (flight_capacity * crews * aircraft).clamp(0.0, 1.0)
    }

    /// Moves crews and aircraft on by one step of `hours` after `cancelled` flights (and
    /// `delayed` ones) since the last: what they stranded joins those out of position, and the
    /// crew system and operations control put back what they can, at the capacities they had
    /// over the step.
    fn advance(&mut self, spec: &AirlineSpec, cancelled: f64, delayed: f64, hours: f64) {
        let (a_c, a_a) = self.in_position();
        let c_f = self.flight_capacity;
        let lost = 1.0 - c_f * a_c * a_a;
        let (mut crews, mut aircraft) = (0.0, 0.0);
        if lost > 1e-12 {
            let dispatch = (1.0 - c_f) / lost;
            let crew_only = c_f * (1.0 - a_c) * a_a / lost;
            let aircraft_only = c_f * a_c * (1.0 - a_a) / lost;
            crews = spec.strand_per_cancellation * cancelled * (dispatch + aircraft_only);
            aircraft = spec.strand_per_cancellation * cancelled * (dispatch + crew_only);
        }
        crews += spec.strand_per_delay * delayed;
        let reassigned = self.reassign_per_hour * self.crew_capacity * hours;
        let repositioned = self.reposition_per_hour * c_f * hours;
        let settle = |x: f64| if x < 1e-6 { 0.0 } else { x };
        // No more crews (or aircraft) can be out of position than there are.
        self.crews_out = settle((self.crews_out + crews - reassigned).clamp(0.0, self.crews_total));
        self.aircraft_out =
            settle((self.aircraft_out + aircraft - repositioned).clamp(0.0, self.aircraft_total));
    }

    fn set_capacities(&mut self, c: Capacities) {
        self.flight_capacity = c.flight;
        self.crew_capacity = c.crew_system;
    }

    pub fn crews_out(&self) -> f64 {
        self.crews_out
    }

    pub fn crews_total(&self) -> f64 {
        self.crews_total
    }

    pub fn aircraft_out(&self) -> f64 {
        self.aircraft_out
    }

    fn disturbed(&self) -> bool {
        self.crews_out > 0.0 || self.aircraft_out > 0.0
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

    /// Whether the airline's operations are disturbed: crews or aircraft out of position, or a
    /// service its flights need short.
    pub(super) fn airline_disturbed(&self) -> bool {
        match (&self.airline, self.airline_capacities()) {
            (Some(a), Some((flight, boarding, _))) => {
                a.disturbed() || flight < 1.0 || boarding < 1.0
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
        // A step that starts the stepping takes its capacities from now.
        if let (Some((flight, _, crew_system)), Some(a)) =
            (self.airline_capacities(), self.airline.as_mut())
        {
            a.set_capacities(Capacities { flight, crew_system });
            a.cancelled_at_step = self.ledger.accounts.flights_cancelled;
            a.delayed_at_step = self.ledger.accounts.flights_delayed;
        }
        let next = ceil_to(now + SimDuration(1), step);
        if next < self.shared.horizon
            && let Some(a) = self.airline.as_mut()
        {
            a.stepping = true;
            ctx.schedule(next, Event::OpsStep);
        }
    }

    /// One step of the operations.
    pub(super) fn ops_step(&mut self, now: SimTime, ctx: &mut Ctx<'_, Event>) {
        self.accrue(now);
        let Some(spec) = self.spec().airline.clone() else { return };
        let Some((flight, _, crew_system)) = self.airline_capacities() else { return };
        let (cancelled, delayed) =
            (self.ledger.accounts.flights_cancelled, self.ledger.accounts.flights_delayed);
        let Some(a) = self.airline.as_mut() else { return };
        a.stepping = false;
        let (x, d) = (cancelled - a.cancelled_at_step, delayed - a.delayed_at_step);
        a.advance(&spec, x, d, spec.step.as_hours_f64());
        (a.cancelled_at_step, a.delayed_at_step) = (cancelled, delayed);
        a.set_capacities(Capacities { flight, crew_system });
        // The operating share changed with crews and aircraft: book it from now on (this also
        // keeps the steps going while anything is disturbed).
        self.refresh_services(now, ctx);
        if self.airline.as_ref().is_some_and(|a| !a.stepping) && self.airline_disturbed() {
            self.ensure_ops_step(now, ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(reassignments: f64, repositions: f64) -> AirlineSpec {
        AirlineSpec {
            flight_service: 0,
            boarding_service: None,
            crew_service: 0,
            crews_per_daily_flight: 0.5,
            aircraft_per_daily_flight: 0.25,
            reassignments_per_hour_per_1000_flights: reassignments,
            repositions_per_hour_per_1000_flights: repositions,
            strand_per_cancellation: 1.0,
            strand_per_delay: 0.0,
            delay_minutes: 0.0,
            delay_cost_per_minute_usd: 0.0,
            step: SimDuration::from_mins(15),
        }
    }

    #[test]
    fn a_dispatch_cancellation_strands_its_crew_and_aircraft_and_they_are_put_back_at_their_rates()
    {
        // 2,000 flights a day: 1,000 crews and 500 aircraft; 40 reassignments and 80
        // repositionings an hour, 10 and 20 a quarter-hour step.
        let s = spec(20.0, 40.0);
        let mut a = Airline::new(&s, 2_000.0);
        assert_eq!((a.crews_total(), a.aircraft_total), (1_000.0, 500.0));
        // A step with dispatch down: 100 cancellations strand 100 crews and 100 aircraft; the
        // crew system puts 10 crews back in the same step, operations control (which needs
        // dispatch) no aircraft.
        a.set_capacities(Capacities { flight: 0.0, crew_system: 1.0 });
        a.advance(&s, 100.0, 0.0, 0.25);
        assert_eq!((a.crews_out(), a.aircraft_out()), (90.0, 100.0));
        // Dispatch back, no more cancellations: 10 crews and 20 aircraft a step.
        a.set_capacities(Capacities { flight: 1.0, crew_system: 1.0 });
        a.advance(&s, 0.0, 0.0, 0.25);
        assert_eq!((a.crews_out(), a.aircraft_out()), (80.0, 80.0));
        for _ in 0..4 {
            a.advance(&s, 0.0, 0.0, 0.25);
        }
        assert_eq!((a.crews_out(), a.aircraft_out()), (40.0, 0.0));
        // A crew system at half capacity takes twice as long: 5 crews a step.
        a.set_capacities(Capacities { flight: 1.0, crew_system: 0.5 });
        let mut steps = 0;
        while a.crews_out() > 0.0 {
            a.advance(&s, 0.0, 0.0, 0.25);
            steps += 1;
        }
        assert_eq!(steps, 8);
    }

    #[test]
    fn flights_need_dispatch_a_crew_and_an_aircraft_and_cancellations_strand_what_was_there() {
        let s = spec(0.0, 0.0);
        let mut a = Airline::new(&s, 2_000.0);
        assert_eq!(a.operating_share(1.0), 1.0);
        assert_eq!(a.operating_share(0.3), 0.3);
        a.set_capacities(Capacities { flight: 0.0, crew_system: 1.0 });
        a.advance(&s, 250.0, 0.0, 0.25);
        // A quarter of the crews out and half of the aircraft: 0.75 x 0.5 of flights fly.
        assert_eq!(a.operating_share(1.0), 0.375);
        // With dispatch back, cancellations are for want of crews or aircraft: of 100, a crew
        // was missing alone in c_f (1 - a_c) a_a / (1 - o) = 0.125 / 0.625 = 20% (those strand
        // their aircraft), an aircraft alone in 0.375 / 0.625 = 60% (those strand their crew);
        // both were missing in the other 20%, which strand nothing.
        a.set_capacities(Capacities { flight: 1.0, crew_system: 1.0 });
        a.advance(&s, 100.0, 0.0, 0.25);
        assert!((a.crews_out() - 310.0).abs() < 1e-9, "{}", a.crews_out());
        assert!((a.aircraft_out() - 270.0).abs() < 1e-9, "{}", a.aircraft_out());
    }
}
