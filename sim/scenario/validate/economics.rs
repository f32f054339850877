//! What an outage costs an archetype: revenue per endpoint-hour and its daily demand curves,
//! recapture, cancelled flights, SLA penalties and backlog. It knows nothing of how capacity
//! is lost, only of the money rates the model applies to it.

use blastradius_model::spec as m;

use super::check::Checker;
use crate::raw;

pub fn economics(c: &mut Checker, p: &str, e: &raw::Economics) -> m::EconomicsSpec {
    let ep = format!("{p}.economics");
    m::EconomicsSpec {
        revenue_per_endpoint_hour_usd: c.money(
            &format!("{ep}.revenue_per_endpoint_hour_usd"),
            e.revenue_per_endpoint_hour_usd(),
        ),
        demand_weekday: day(c, &ep, "demand_weekday", &e.demand_weekday()),
        demand_weekend: day(c, &ep, "demand_weekend", &e.demand_weekend()),
        recapture_share: c.share(&format!("{ep}.recapture_share"), e.recapture_share()),
        flights_per_1000_endpoints_day: c.non_negative(
            &format!("{ep}.flights_per_1000_endpoints_day"),
            e.flights_per_1000_endpoints_day(),
        ),
        penalty_per_cancelled_flight_usd: c.money(
            &format!("{ep}.penalty_per_cancelled_flight_usd"),
            e.penalty_per_cancelled_flight_usd(),
        ),
        sla_capacity_threshold: c
            .share(&format!("{ep}.sla_capacity_threshold"), e.sla_capacity_threshold()),
        sla_penalty_per_hour_usd: c
            .money(&format!("{ep}.sla_penalty_per_hour_usd"), e.sla_penalty_per_hour_usd()),
        backlog_cost_share: c
            .non_negative(&format!("{ep}.backlog_cost_share"), e.backlog_cost_share()),
        normal_cancellation_share: c
            .share(&format!("{ep}.normal_cancellation_share"), e.normal_cancellation_share()),
        productivity_wage_hour_usd: c
            .money(&format!("{ep}.productivity_wage_hour_usd"), e.productivity_wage_hour_usd()),
        users_per_workstation: c
            .non_negative(&format!("{ep}.users_per_workstation"), e.users_per_workstation()),
        working_hours_per_week: working_hours(c, &ep, e.working_hours_per_week()),
    }
}

/// A demand curve: one factor per local hour, midnight first (all 1 if it is not 24 long).
fn day(c: &mut Checker, ep: &str, field: &str, v: &[f64]) -> [f64; 24] {
    let mut out = [1.0; 24];
    if v.len() != 24 {
        c.fail(
            format!("{ep}.{field}"),
            format!("{} values, not 24 (one per hour)", v.len()),
            "list 24 numbers, midnight first",
        );
        return out;
    }
    for (h, x) in v.iter().enumerate() {
        out[h] = c.non_negative(&format!("{ep}.{field}[{h}]"), *x);
    }
    out
}

fn working_hours(c: &mut Checker, ep: &str, hours: f64) -> f64 {
    if !(hours.is_finite() && (0.0..=168.0).contains(&hours)) {
        c.fail(
            format!("{ep}.working_hours_per_week"),
            format!("{hours} is not a number of hours in a week"),
            "use 0 to 168, e.g. 40",
        );
    }
    hours.clamp(0.0, 168.0)
}
