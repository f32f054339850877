//! Local time: business hours, shifts and demand depend on where an endpoint is. Every site has
//! a UTC offset; simulated time zero is a UTC instant from the scenario.
//!
//! Also here: when a workstation is online (a pure function of its dice and the date, so it
//! needs no state) and the integral of a weekly demand profile (so lost revenue over any
//! interval is exact without stepping hour by hour).

use blastradius_engine::keyed;
use blastradius_engine::{SimDuration, SimTime};

use super::spec::OnlineSpec;

pub const MS_PER_HOUR: i64 = 3_600_000;
pub const MS_PER_DAY: i64 = 86_400_000;
const MS_PER_WEEK: i64 = 7 * MS_PER_DAY;

/// Converts simulated time to local wall-clock time at one UTC offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// Local milliseconds since 1970-01-01T00:00 local at simulated time zero.
    local_zero_ms: i64,
}

/// A local date and time broken down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalTime {
    /// Days since 1970-01-01 (local).
    pub day: i64,
    /// 0 = Monday .. 6 = Sunday.
    pub weekday: u32,
    pub hour: u32,
    pub minute: u32,
}

impl Clock {
    pub fn new(start_unix_s: i64, utc_offset_min: i32) -> Clock {
        Clock { local_zero_ms: start_unix_s * 1_000 + i64::from(utc_offset_min) * 60_000 }
    }

    /// Local milliseconds since the local epoch at simulated time `t`.
    #[inline]
    pub fn local_ms(self, t: SimTime) -> i64 {
        self.local_zero_ms + t.0 as i64
    }

    /// Simulated time of a local instant (saturating at zero for instants before the start).
    #[inline]
    pub fn sim_time(self, local_ms: i64) -> SimTime {
        SimTime((local_ms - self.local_zero_ms).max(0) as u64)
    }

    pub fn local(self, t: SimTime) -> LocalTime {
        let ms = self.local_ms(t);
        let day = ms.div_euclid(MS_PER_DAY);
        let in_day = ms.rem_euclid(MS_PER_DAY);
        LocalTime {
            day,
            weekday: weekday_of(day),
            hour: (in_day / MS_PER_HOUR) as u32,
            minute: ((in_day % MS_PER_HOUR) / 60_000) as u32,
        }
    }
}

/// 1970-01-01 was a Thursday.
#[inline]
pub fn weekday_of(day: i64) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

/// A weekly demand profile with its running integral, for exact integrals over any interval.
#[derive(Clone, Debug)]
pub struct DemandCurve {
    /// Demand for each hour of the week from Monday 00:00, scaled to average 1.
    hourly: [f64; 168],
    /// `cumulative[h]` = integral over the first h hours of the week, in demand-hours.
    cumulative: [f64; 169],
}

impl DemandCurve {
    /// Builds the curve from weekday and weekend day profiles (24 values each, any scale;
    /// all-zero gives a flat curve).
    pub fn new(weekday: &[f64; 24], weekend: &[f64; 24]) -> DemandCurve {
        let mut hourly = [0.0; 168];
        for (h, v) in hourly.iter_mut().enumerate() {
            let day = h / 24;
            *v = if day < 5 { weekday[h % 24] } else { weekend[h % 24] };
        }
        let total: f64 = hourly.iter().sum();
        if total > 0.0 {
            hourly.iter_mut().for_each(|v| *v *= 168.0 / total);
        } else {
            hourly = [1.0; 168];
        }
        let mut cumulative = [0.0; 169];
        for h in 0..168 {
            cumulative[h + 1] = cumulative[h] + hourly[h];
        }
        DemandCurve { hourly, cumulative }
    }

    /// Demand at a local instant.
    pub fn at(&self, local_ms: i64) -> f64 {
        let week_ms = (local_ms - MONDAY_OFFSET_MS).rem_euclid(MS_PER_WEEK);
        self.hourly[(week_ms / MS_PER_HOUR) as usize]
    }

    /// The integral of demand from the local epoch to `local_ms`, in demand-hours.
    fn integral_to(&self, local_ms: i64) -> f64 {
        let shifted = local_ms - MONDAY_OFFSET_MS;
        let weeks = shifted.div_euclid(MS_PER_WEEK);
        let in_week = shifted.rem_euclid(MS_PER_WEEK);
        let h = (in_week / MS_PER_HOUR) as usize;
        let frac = (in_week % MS_PER_HOUR) as f64 / MS_PER_HOUR as f64;
        weeks as f64 * self.cumulative[168] + self.cumulative[h] + frac * self.hourly[h]
    }

    /// The integral of demand between two local instants, in demand-hours (an hour at
    /// average demand is 1).
    pub fn integral(&self, from_local_ms: i64, to_local_ms: i64) -> f64 {
        if to_local_ms <= from_local_ms {
            return 0.0;
        }
        self.integral_to(to_local_ms) - self.integral_to(from_local_ms)
    }
}

/// 1970-01-05 (the first Monday) in local milliseconds.
const MONDAY_OFFSET_MS: i64 = 4 * MS_PER_DAY;

/// Purposes of keyed draws about a workstation's schedule.
const KEY_PRESENT: u64 = 0x5052;
const KEY_OVERNIGHT: u64 = 0x4F56;
const KEY_START: u64 = 0x5354;

/// How far to look for a workstation's next session before giving up.
const SEARCH_DAYS: i64 = 21;

/// A workstation's online sessions, drawn from its own dice: on each local day its user comes
/// in with a probability (weekday or weekend), at a habitual start time, for a working day;
/// a machine left on overnight stays on until its user's next arrival.
#[derive(Clone, Copy, Debug)]
pub struct Workstation<'a> {
    pub key: u64,
    pub online: &'a OnlineSpec,
    pub clock: Clock,
}

impl Workstation<'_> {
    fn present(&self, day: i64) -> bool {
        let p = if weekday_of(day) < 5 { self.online.on_weekday } else { self.online.on_weekend };
        keyed::chance(&[self.key, KEY_PRESENT, day as u64], p.get())
    }

    fn left_on(&self, day: i64) -> bool {
        keyed::chance(&[self.key, KEY_OVERNIGHT, day as u64], self.online.left_on_overnight.get())
    }

    /// Local milliseconds of the user's arrival on `day`.
    fn arrival(&self, day: i64) -> i64 {
        let spread =
            self.online.start_spread_hours * (2.0 * keyed::unit(&[self.key, KEY_START]) - 1.0);
        let hour = (self.online.workday_start_hour + spread).clamp(0.0, 23.99);
        day * MS_PER_DAY + (hour * MS_PER_HOUR as f64) as i64
    }

    fn departure(&self, day: i64) -> i64 {
        self.arrival(day) + (self.online.workday_hours * MS_PER_HOUR as f64) as i64
    }

    /// The end of the session that starts on present day `day`.
    fn session_end(&self, day: i64) -> i64 {
        if !self.left_on(day) {
            return self.departure(day);
        }
        (day + 1..=day + SEARCH_DAYS)
            .find(|&d| self.present(d))
            .map_or(i64::MAX, |d| self.arrival(d).max(self.departure(day)))
    }

    /// The earliest time at or after `t` at which the workstation is online, if any within
    /// three weeks.
    pub fn online_from(&self, t: SimTime) -> Option<SimTime> {
        let now = self.clock.local_ms(t);
        let today = now.div_euclid(MS_PER_DAY);
        // The session in progress, if any, began on the latest present day at or before now.
        let latest = (today - SEARCH_DAYS..=today)
            .rev()
            .find(|&d| self.present(d) && self.arrival(d) <= now);
        if let Some(d) = latest
            && now < self.session_end(d)
        {
            return Some(t);
        }
        let next =
            (today..=today + SEARCH_DAYS).find(|&d| self.present(d) && self.arrival(d) > now)?;
        Some(self.clock.sim_time(self.arrival(next)))
    }
}

/// Rounds `t` up to the next multiple of `step` (at or after `t`).
pub fn ceil_to(t: SimTime, step: SimDuration) -> SimTime {
    if step.0 == 0 {
        return t;
    }
    SimTime(t.0.div_ceil(step.0).saturating_mul(step.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Share;

    /// 2024-07-19T04:09:00Z, a Friday.
    const START: i64 = 1_721_362_140;

    #[test]
    fn local_time_follows_the_offset_and_the_calendar() {
        let utc = Clock::new(START, 0).local(SimTime::ZERO);
        assert_eq!((utc.weekday, utc.hour, utc.minute), (4, 4, 9));
        let sydney = Clock::new(START, 600).local(SimTime::ZERO);
        assert_eq!((sydney.weekday, sydney.hour), (4, 14));
        // New York is just past midnight on Friday; Los Angeles is still on Thursday evening.
        let new_york = Clock::new(START, -240).local(SimTime::ZERO);
        assert_eq!((new_york.weekday, new_york.hour, new_york.minute), (4, 0, 9));
        let los_angeles = Clock::new(START, -420).local(SimTime::ZERO);
        assert_eq!((los_angeles.weekday, los_angeles.hour), (3, 21));
        // Two days later it is Sunday in UTC.
        let later = Clock::new(START, 0).local(SimTime::ZERO + SimDuration::from_days(2));
        assert_eq!(later.weekday, 6);
    }

    #[test]
    fn demand_integrates_exactly_over_hours_days_and_weeks() {
        let mut weekday = [0.0; 24];
        weekday[9] = 1.0;
        let curve = DemandCurve::new(&weekday, &[0.0; 24]);
        // Only 09:00-10:00 on weekdays has demand: 5 hours a week, scaled to average 1, so
        // each such hour carries 168 / 5 demand-hours.
        let monday = MONDAY_OFFSET_MS;
        let h = MS_PER_HOUR;
        assert!((curve.integral(monday, monday + MS_PER_WEEK) - 168.0).abs() < 1e-9);
        assert!((curve.integral(monday + 9 * h, monday + 10 * h) - 33.6).abs() < 1e-9);
        assert!((curve.integral(monday + 9 * h, monday + 9 * h + h / 2) - 16.8).abs() < 1e-9);
        assert_eq!(curve.integral(monday, monday + 9 * h), 0.0);
        // Saturday has none, and whole weeks add up.
        assert_eq!(curve.integral(monday + 5 * MS_PER_DAY, monday + 7 * MS_PER_DAY), 0.0);
        let ten_weeks = curve.integral(monday - 3 * MS_PER_WEEK, monday + 7 * MS_PER_WEEK);
        assert!((ten_weeks - 1_680.0).abs() < 1e-6);
        assert!((curve.at(monday + 9 * h + 5) - 33.6).abs() < 1e-9);
    }

    fn spec(on_weekday: f64, on_weekend: f64, left_on: f64) -> OnlineSpec {
        OnlineSpec {
            workday_start_hour: 8.0,
            workday_hours: 9.0,
            start_spread_hours: 0.0,
            on_weekday: Share::new(on_weekday).unwrap(),
            on_weekend: Share::new(on_weekend).unwrap(),
            left_on_overnight: Share::new(left_on).unwrap(),
        }
    }

    #[test]
    fn a_workstation_is_online_in_business_hours_and_found_next_morning() {
        let online = spec(1.0, 0.0, 0.0);
        // UTC clock starting Friday 04:09: the user arrives at 08:00, leaves at 17:00.
        let ws = Workstation { key: 1, online: &online, clock: Clock::new(START, 0) };
        let arrive = SimTime::ZERO + SimDuration::from_secs(3 * 3600 + 51 * 60);
        assert_eq!(ws.online_from(SimTime::ZERO), Some(arrive));
        assert_eq!(ws.online_from(arrive), Some(arrive));
        let noon = arrive + SimDuration::from_hours(4);
        assert_eq!(ws.online_from(noon), Some(noon));
        // After 17:00 Friday, the next session is Monday 08:00 (no weekend work).
        let evening = arrive + SimDuration::from_hours(10);
        let monday = arrive + SimDuration::from_days(3);
        assert_eq!(ws.online_from(evening), Some(monday));
    }

    #[test]
    fn a_machine_left_on_stays_on_until_its_user_returns() {
        let online = spec(1.0, 0.0, 1.0);
        let ws = Workstation { key: 1, online: &online, clock: Clock::new(START, 0) };
        // Friday 04:09 UTC: left on since Thursday evening.
        assert_eq!(ws.online_from(SimTime::ZERO), Some(SimTime::ZERO));
        // Saturday noon: left on from Friday until Monday's arrival.
        let saturday_noon = SimTime::ZERO + SimDuration::from_hours(32);
        assert_eq!(ws.online_from(saturday_noon), Some(saturday_noon));
    }

    #[test]
    fn a_never_used_workstation_is_never_online() {
        let online = spec(0.0, 0.0, 1.0);
        let ws = Workstation { key: 1, online: &online, clock: Clock::new(START, 0) };
        assert_eq!(ws.online_from(SimTime::ZERO), None);
    }

    #[test]
    fn ceil_to_rounds_up_to_the_grid() {
        let step = SimDuration(10);
        assert_eq!(ceil_to(SimTime(0), step), SimTime(0));
        assert_eq!(ceil_to(SimTime(1), step), SimTime(10));
        assert_eq!(ceil_to(SimTime(10), step), SimTime(10));
    }
}
