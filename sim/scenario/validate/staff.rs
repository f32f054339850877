//! An archetype's IT staff: technicians per thousand endpoints and their shifts, surge
//! contractors (private or from a shared pool), call-in of off-shift technicians, wages and
//! overtime, and cloud admins. It knows the contractor pools' names and nothing else of the
//! scenario.

use blastradius_engine::SimDuration;
use blastradius_model::spec as m;

use super::check::{Checker, setting, setting_path};
use crate::raw;

pub fn staff(
    c: &mut Checker,
    p: &str,
    st: &raw::Staff,
    policies: &raw::Policies,
    pool_names: &[String],
) -> m::StaffSpec {
    let stp = format!("{p}.staff");
    let shifts = st.shifts().iter().enumerate().map(|(i, sh)| shift(c, &stp, i, sh)).collect();
    let surge = setting(&policies.surge(), st.surge().enabled())
        .then(|| surge(c, &stp, &st.surge(), pool_names));
    check_hours(c, &stp, st);
    m::StaffSpec {
        technicians_per_1000: c.non_negative(
            &setting_path(
                &policies.technicians_per_1000(),
                "policies.technicians_per_1000",
                format!("{stp}.technicians_per_1000"),
            ),
            setting(&policies.technicians_per_1000(), st.technicians_per_1000()),
        ),
        technicians_min: st.technicians_min(),
        shifts,
        incident_detection: st.incident_detection().0,
        call_in_share: c.share(&format!("{stp}.call_in_share"), st.call_in_share()),
        call_in_delay: st.call_in_delay().0,
        call_in_from_hour: st.call_in_from_hour(),
        call_in_to_hour: st.call_in_to_hour(),
        wage_hour_usd: c.money(&format!("{stp}.wage_hour_usd"), st.wage_hour_usd()),
        overtime_multiplier: st.overtime_multiplier().max(1.0),
        cloud_admins_per_1000_vms: c.non_negative(
            &format!("{stp}.cloud_admins_per_1000_vms"),
            st.cloud_admins_per_1000_vms(),
        ),
        cloud_admins_min: st.cloud_admins_min(),
        vms_in_parallel_per_admin: st.vms_in_parallel_per_admin().max(1),
        surge,
        volunteers: volunteers(c, &stp, &st.volunteers()),
        stand_down: m::StandDownSpec {
            capacity: c
                .share(&format!("{stp}.stand_down.capacity"), st.stand_down().capacity())
                .get(),
            delay: st.stand_down().delay().0,
            staff_share: c
                .share(&format!("{stp}.stand_down.staff_share"), st.stand_down().staff_share())
                .get(),
        },
    }
}

fn volunteers(c: &mut Checker, stp: &str, v: &raw::Volunteers) -> Option<m::VolunteerSpec> {
    if !v.enabled() {
        return None;
    }
    let vp = format!("{stp}.volunteers");
    let (from, to) = (v.from_hour(), v.to_hour());
    if from >= to || to > 24 {
        c.fail(
            format!("{vp}.from_hour"),
            format!("hours {from} to {to} are not a working window within a day"),
            "from_hour must be below to_hour, and to_hour at most 24",
        );
    }
    let factor = v.time_factor();
    if !(factor.is_finite() && factor >= 1.0) {
        c.fail(
            format!("{vp}.time_factor"),
            format!("{factor} is below 1"),
            "volunteers are no faster than technicians: use 1.0 or more",
        );
    }
    Some(m::VolunteerSpec {
        per_1000: c.non_negative(&format!("{vp}.per_1000"), v.per_1000()),
        delay: v.delay().0,
        time_factor: factor.max(1.0),
        from_hour: from,
        to_hour: to,
    })
}

fn shift(c: &mut Checker, stp: &str, i: usize, sh: &raw::Shift) -> m::ShiftSpec {
    let shp = format!("{stp}.shifts[{i}]");
    let (from, to) = (sh.from_hour(), sh.to_hour());
    if from >= to || to > 24 {
        c.fail(
            &shp,
            format!("hours {from} to {to} are not a shift within a day"),
            "from_hour must be below to_hour, and to_hour at most 24; split a night shift in \
             two, e.g. 20 to 24 and 0 to 8",
        );
    }
    m::ShiftSpec {
        days: match sh.days() {
            raw::Days::All => m::Days::All,
            raw::Days::Weekdays => m::Days::Weekdays,
            raw::Days::Weekends => m::Days::Weekends,
        },
        from_hour: from,
        to_hour: to,
        share: c.share(&format!("{shp}.share"), sh.share()),
    }
}

fn surge(c: &mut Checker, stp: &str, s: &raw::Surge, pool_names: &[String]) -> m::SurgeSpec {
    m::SurgeSpec {
        pool: surge_pool(c, stp, &s.pool(), pool_names),
        technicians_per_1000: c
            .non_negative(&format!("{stp}.surge.technicians_per_1000"), s.technicians_per_1000()),
        delay: c.min_duration(
            &format!("{stp}.surge.delay"),
            s.delay(),
            SimDuration::from_secs(1),
            "contractors take time to arrive",
        ),
        wage_hour_usd: c.money(&format!("{stp}.surge.wage_hour_usd"), s.wage_hour_usd()),
    }
}

/// The shared pool surge contractors come from, or `None` for a private contract (`pool: ""`).
fn surge_pool(c: &mut Checker, stp: &str, name: &str, pool_names: &[String]) -> Option<usize> {
    if name.is_empty() {
        return None;
    }
    let index = pool_names.iter().position(|n| n == name);
    if index.is_none() {
        let hint = if pool_names.is_empty() {
            format!(
                "no pools are defined: add one, e.g. contractor_pools: {{ \"{name}\": \
                 (contractors: 100, dispatch_delay: \"6h\") }}, or set pool: \"\" for a private \
                 contract"
            )
        } else {
            format!("use one of: {}; or define it under contractor_pools", pool_names.join(", "))
        };
        c.fail(format!("{stp}.surge.pool"), format!("no contractor pool named \"{name}\""), &hint);
    }
    index
}

/// The call-in window, overtime and cloud admins' parallelism, whose values the spec clamps.
fn check_hours(c: &mut Checker, stp: &str, st: &raw::Staff) {
    if st.call_in_from_hour() >= st.call_in_to_hour() || st.call_in_to_hour() > 24 {
        c.fail(
            format!("{stp}.call_in_from_hour"),
            format!(
                "hours {} to {} are not a working window within a day",
                st.call_in_from_hour(),
                st.call_in_to_hour()
            ),
            "call_in_from_hour must be below call_in_to_hour, and call_in_to_hour at most 24",
        );
    }
    let overtime = st.overtime_multiplier();
    if !(overtime.is_finite() && overtime >= 1.0) {
        c.fail(
            format!("{stp}.overtime_multiplier"),
            format!("{overtime} is below 1"),
            "overtime pays at least the normal wage: use 1.0 or more",
        );
    } else if overtime > 100.0 {
        c.fail(
            format!("{stp}.overtime_multiplier"),
            format!("{overtime} is more than 100 times the normal wage"),
            "overtime pays a multiple of the normal wage, e.g. 1.5",
        );
    }
    if st.vms_in_parallel_per_admin() == 0 {
        c.fail(
            format!("{stp}.vms_in_parallel_per_admin"),
            "an admin must restore at least one VM at a time",
            "use 1 or more",
        );
    }
}
