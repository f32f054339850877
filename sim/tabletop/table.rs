//! The compact tables a tabletop session shows: one row per sector at every step, and the
//! detailed views of `status` (a sector, an archetype, one organisation). Plain text in fixed
//! columns, built only from what the world reports now; nothing here changes the world.

use blastradius_engine::SimTime;
use blastradius_model::World;
use blastradius_model::org::Org;
use blastradius_model::spec::{ArchetypeSpec, Sector};
use blastradius_model::world::SectorStatus;
use blastradius_report::fmt;

/// How a column's cells line up.
#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

/// Lays out a table in fixed columns, indented by two spaces, the first column to the left and
/// the others to the right.
pub(super) fn layout(header: &[&str], rows: &[Vec<String>]) -> String {
    let aligns: Vec<Align> =
        (0..header.len()).map(|i| if i == 0 { Align::Left } else { Align::Right }).collect();
    layout_aligned(header, rows, &aligns)
}

/// Lays out a table with every column to the left.
pub(super) fn layout_left(header: &[&str], rows: &[Vec<String>]) -> String {
    layout_aligned(header, rows, &vec![Align::Left; header.len()])
}

fn layout_aligned(header: &[&str], rows: &[Vec<String>], aligns: &[Align]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::from(" ");
        for ((cell, w), align) in cells.zip(&widths).zip(aligns) {
            out.push_str("  ");
            match align {
                Align::Left => out.push_str(&format!("{cell:<w$}")),
                Align::Right => out.push_str(&format!("{cell:>w$}")),
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(&mut header.iter().copied());
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

/// A count with thousands separators.
pub fn count(n: u64) -> String {
    fmt::thousands(n as f64)
}

/// A share as a percentage, with a decimal below 10%.
pub fn share(part: f64, whole: f64) -> String {
    if whole <= 0.0 {
        return "0%".into();
    }
    let s = part / whole;
    if s > 0.0 && s < 0.1 { fmt::percent(s, 1) } else { fmt::percent(s, 0) }
}

/// `1 organisation`, `2 organisations`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// Technicians busy and present per sector index, over every crew (cloud administrators
/// work apart and are not counted).
fn technicians(world: &World) -> Vec<(u64, u64)> {
    let mut by_sector = vec![(0u64, 0u64); Sector::ALL.len()];
    for org in world.organisations() {
        let t = &mut by_sector[org.sector.index()];
        for crew in org.crews() {
            t.0 += u64::from(crew.busy);
            t.1 += u64::from(crew.present);
        }
    }
    by_sector
}

/// The table shown at every step: per sector, endpoints down (and their share of the fleet),
/// operational capacity, loss so far and technicians busy of those present; a total row when
/// there are several sectors.
pub fn sector_table(world: &World) -> String {
    let status = world.status();
    let staff = technicians(world);
    let staff_of = |s: &SectorStatus| s.sector.map_or((0, 0), |sec| staff[sec.index()]);
    let mut rows: Vec<Vec<String>> = status
        .iter()
        .map(|s| {
            let (busy, present) = staff_of(s);
            vec![
                s.sector.map_or("?", Sector::name).to_string(),
                count(s.down),
                share(s.down as f64, s.endpoints as f64),
                fmt::percent(s.capacity, 0),
                fmt::money(s.loss_usd),
                format!("{}/{}", count(busy), count(present)),
            ]
        })
        .collect();
    if status.len() > 1 {
        let sum = |f: fn(&SectorStatus) -> u64| status.iter().map(f).sum::<u64>();
        let (down, endpoints) = (sum(|s| s.down), sum(|s| s.endpoints));
        let busy: u64 = status.iter().map(|s| staff_of(s).0).sum();
        let present: u64 = status.iter().map(|s| staff_of(s).1).sum();
        rows.push(vec![
            "all".into(),
            count(down),
            share(down as f64, endpoints as f64),
            String::new(),
            fmt::money(status.iter().map(|s| s.loss_usd).sum()),
            format!("{}/{}", count(busy), count(present)),
        ]);
    }
    layout(
        &[
            "sector",
            "endpoints down",
            "of fleet",
            "capacity",
            "loss so far",
            "technicians busy/present",
        ],
        &rows,
    )
}

/// Totals over a group of organisations.
#[derive(Default)]
struct Tally {
    organisations: u64,
    affected: u64,
    endpoints: u64,
    crashed: u64,
    down: u64,
    healed: u64,
    repaired: u64,
    weight: f64,
    weighted_capacity: f64,
    loss_usd: f64,
    busy: u64,
    present: u64,
}

impl Tally {
    fn add(&mut self, org: &Org, now: SimTime) {
        let c = org.counts();
        self.organisations += 1;
        self.affected += u64::from(c.crashed > 0);
        self.endpoints += u64::from(org.size());
        self.crashed += c.crashed;
        self.down += c.down;
        self.healed += c.self_healed;
        self.repaired += c.repaired_onsite + c.repaired_remote + c.repaired_by_owner;
        let w = org.capacity_weight();
        self.weight += w;
        self.weighted_capacity += w * org.ops_capacity();
        self.loss_usd += org.loss_at(now);
        for crew in org.crews() {
            self.busy += u64::from(crew.busy);
            self.present += u64::from(crew.present);
        }
    }

    fn row(&self, name: &str) -> Vec<String> {
        let capacity = if self.weight > 0.0 { self.weighted_capacity / self.weight } else { 1.0 };
        vec![
            name.to_string(),
            count(self.organisations),
            count(self.affected),
            count(self.endpoints),
            count(self.crashed),
            count(self.down),
            count(self.healed),
            count(self.repaired),
            fmt::percent(capacity, 0),
            fmt::money(self.loss_usd),
            format!("{}/{}", count(self.busy), count(self.present)),
        ]
    }
}

const GROUP_HEADER: [&str; 11] = [
    "archetype",
    "orgs",
    "affected",
    "endpoints",
    "crashed",
    "down",
    "self-healed",
    "repaired",
    "capacity",
    "loss",
    "techs busy/present",
];

/// The organisations with most endpoints down, most first, then by name.
fn most_affected(orgs: &[&Org], now: SimTime, limit: usize) -> String {
    let mut ranked: Vec<&&Org> = orgs.iter().filter(|o| o.counts().crashed > 0).collect();
    ranked.sort_by(|a, b| {
        b.counts()
            .down
            .cmp(&a.counts().down)
            .then((a.archetype, a.number).cmp(&(b.archetype, b.number)))
    });
    if ranked.is_empty() {
        return "  No organisation here has crashed endpoints.\n".into();
    }
    let rows: Vec<Vec<String>> = ranked
        .iter()
        .take(limit)
        .map(|o| {
            vec![
                o.name(),
                region_name(o).to_string(),
                format!("{} of {}", count(o.counts().down), count(o.size() as usize as u64)),
                fmt::percent(o.ops_capacity(), 0),
                fmt::money(o.loss_at(now)),
                format!("{}/{}", crew_sum(o, |c| c.busy), crew_sum(o, |c| c.present)),
            ]
        })
        .collect();
    let mut out = format!(
        "  Most endpoints down now ({} of {} affected organisations):\n",
        rows.len(),
        count(ranked.len() as u64)
    );
    out.push_str(&layout(
        &["organisation", "region", "down", "capacity", "loss", "techs busy/present"],
        &rows,
    ));
    out
}

/// A sum over an organisation's crews.
fn crew_sum(org: &Org, f: fn(&blastradius_model::org::Crew) -> u32) -> u32 {
    org.crews().iter().map(f).sum()
}

/// The name of an organisation's region.
pub fn region_name(org: &Org) -> &str {
    org.spec().regions.get(org.region).map_or("?", |r| r.name.as_str())
}

/// `status SECTOR`: the sector's archetypes and its most affected organisations.
pub fn sector_detail(world: &World, sector: Sector) -> String {
    let now = world.clock();
    let orgs: Vec<&Org> =
        world.organisations().into_iter().filter(|o| o.sector == sector).collect();
    let mut out = format!("{} ({}):\n", sector.name(), sector.plural());
    let mut rows = Vec::new();
    for (a, arch) in world.spec.archetypes.iter().enumerate() {
        if arch.sector != sector || arch.organisations == 0 {
            continue;
        }
        let mut t = Tally::default();
        orgs.iter().filter(|o| o.archetype == a).for_each(|o| t.add(o, now));
        rows.push(t.row(&arch.name));
    }
    if rows.len() > 1 {
        let mut t = Tally::default();
        orgs.iter().for_each(|o| t.add(o, now));
        rows.push(t.row("all"));
    }
    out.push_str(&layout(&GROUP_HEADER, &rows));
    out.push('\n');
    out.push_str(&most_affected(&orgs, now, 5));
    out
}

/// `status ARCHETYPE`: one archetype and its most affected organisations.
pub fn archetype_detail(world: &World, archetype: usize) -> String {
    let now = world.clock();
    let arch: &ArchetypeSpec = &world.spec.archetypes[archetype];
    let orgs: Vec<&Org> =
        world.organisations().into_iter().filter(|o| o.archetype == archetype).collect();
    let mut t = Tally::default();
    orgs.iter().for_each(|o| t.add(o, now));
    let mut out = format!("{} ({}):\n", arch.name, arch.sector.name());
    out.push_str(&layout(&GROUP_HEADER, &[t.row(&arch.name)]));
    out.push('\n');
    out.push_str(&most_affected(&orgs, now, 10));
    out
}

/// A UTC offset in minutes as `UTC+10:00`.
fn offset_text(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

/// `status ORG`: one organisation's endpoints, response, staff, services and money.
pub fn org_detail(org: &Org, now: SimTime) -> String {
    let spec = org.spec();
    let c = org.counts();
    let local = org.clock.local(now);
    let offset = spec.regions.get(org.region).map_or(0, |r| r.utc_offset_min);
    let mut out = wrap_line(format!(
        "{}: {} ({}) in {} ({}), {} endpoints at {} sites; local time {} {:02}:{:02}",
        org.name(),
        spec.name,
        spec.sector.name(),
        region_name(org),
        offset_text(offset),
        count(u64::from(org.size())),
        org.sites().len(),
        WEEKDAYS[local.weekday as usize % 7],
        local.hour,
        local.minute,
    ));
    let waiting: u64 = org.sites().iter().map(|s| u64::from(s.waiting())).sum();
    out.push_str(&wrap_line(format!(
        "  endpoints: {} crashed, {} down now ({} waiting for a technician, {} in repair); \
         {} self-healed, {} repaired on site, {} repaired remotely",
        count(c.crashed),
        count(c.down),
        count(waiting),
        count(c.in_repair),
        count(c.self_healed),
        count(c.repaired_onsite),
        count(c.repaired_remote),
    )));
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    out.push_str(&wrap_line(format!(
        "  incident declared: {}; manual workaround known: {}; revert received: {}; \
         BitLocker key escrow: {}",
        yes_no(org.incident_declared()),
        yes_no(org.workaround_known()),
        yes_no(org.revert_at().is_some()),
        if org.escrow_ok() { "available" } else { "down (its servers crashed)" },
    )));
    let added = crew_sum(org, |c| c.extra);
    let admins = org.staff_busy().saturating_sub(crew_sum(org, |c| c.busy));
    out.push_str(&wrap_line(format!(
        "  technicians: {} busy of {} present{}; cloud administrators busy: {admins}; \
         repair order: {}",
        crew_sum(org, |c| c.busy),
        crew_sum(org, |c| c.present),
        if added > 0 { format!(" ({added} added by decisions)") } else { String::new() },
        org.repair_order().name(),
    )));
    if !spec.services.is_empty() {
        let rows: Vec<Vec<String>> = spec
            .services
            .iter()
            .zip(org.service_states())
            .map(|(s, st)| {
                // A backup lifts operations above what IT alone gives.
                let backup = if st.fallback_forced {
                    "paper (decision)"
                } else if st.ops > st.it + 1e-9 {
                    "in use"
                } else if s.manual_fallback.enabled || s.standby.enabled {
                    "ready"
                } else {
                    "none"
                };
                vec![
                    s.name.clone(),
                    fmt::percent(s.weight, 0),
                    fmt::percent(st.it, 0),
                    fmt::percent(st.ops, 0),
                    backup.to_string(),
                    format!("{:.1}h", st.backlog_hours),
                ]
            })
            .collect();
        out.push_str(&layout(
            &["service", "weight", "IT capacity", "operating", "backup", "backlog"],
            &rows,
        ));
    }
    if let Some(airline) = org.airline() {
        out.push_str(&wrap_line(format!(
            "  operations: {} of flights operate; crews out of position: {} of {}; aircraft out \
             of position: {}",
            fmt::percent(org.ops_capacity(), 0),
            count(airline.crews_out().round() as u64),
            count(airline.crews_total().round() as u64),
            count(airline.aircraft_out().round() as u64),
        )));
    }
    let a = org.accrual(org.accounts().last, now);
    let acc = org.accounts();
    out.push_str(&wrap_line(format!(
        "  loss so far: {} (revenue {}, labour {}, penalties {}, backlog {}, idle staff {})",
        fmt::money(org.loss_at(now)),
        fmt::money(acc.revenue_usd + a.revenue_usd),
        fmt::money(acc.labour_usd),
        fmt::money(acc.penalties_usd + a.penalties_usd),
        fmt::money(acc.backlog_usd + a.backlog_usd),
        fmt::money(acc.productivity_usd + a.productivity_usd),
    )));
    out
}

/// A line wrapped at the session's width, continuation lines indented past its own indent.
fn wrap_line(line: String) -> String {
    let indent = line.len() - line.trim_start().len();
    super::wrap(line.trim_start(), indent)
}

pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_line_up_in_columns() {
        let text = layout(
            &["sector", "down"],
            &[vec!["hospital".into(), "3,218".into()], vec!["bank".into(), "7".into()]],
        );
        assert_eq!(text, "   sector     down\n   hospital  3,218\n   bank          7\n");
    }

    #[test]
    fn shares_keep_a_decimal_when_small() {
        assert_eq!(share(1.0, 200.0), "0.5%");
        assert_eq!(share(50.0, 200.0), "25%");
        assert_eq!(share(0.0, 200.0), "0%");
        assert_eq!(share(3.0, 0.0), "0%");
    }

    #[test]
    fn offsets_read_as_utc_plus_minus() {
        assert_eq!(offset_text(600), "UTC+10:00");
        assert_eq!(offset_text(-420), "UTC-07:00");
        assert_eq!(offset_text(330), "UTC+05:30");
    }
}
