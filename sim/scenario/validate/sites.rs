//! Where an archetype's organisations are: the regions they are spread over (with their UTC
//! offsets) and the kinds of site each organisation has (counts, shares of endpoints and
//! technicians, travel, local offsets, key escrow). It knows nothing of what runs at a site.

use blastradius_model::spec as m;

use super::check::{Checker, SUM_TOLERANCE};
use crate::raw;

pub fn regions(c: &mut Checker, p: &str, raw: &[raw::Region]) -> Vec<m::RegionSpec> {
    if raw.is_empty() {
        c.fail(
            format!("{p}.regions"),
            "no regions",
            "add one, e.g. regions: [(name: \"europe\", utc_offset_hours: 1.0, share: 1.0)]",
        );
    } else {
        c.mix(&format!("{p}.regions"), &raw.iter().map(|r| r.share()).collect::<Vec<_>>());
    }
    raw.iter()
        .enumerate()
        .map(|(i, r)| m::RegionSpec {
            name: r.name(),
            utc_offset_min: c.utc_offset_min(
                &format!("{p}.regions[{i}].utc_offset_hours"),
                r.utc_offset_hours(),
            ),
            share: c.non_negative(&format!("{p}.regions[{i}].share"), r.share()),
        })
        .collect()
}

pub fn sites(c: &mut Checker, p: &str, raw: &[raw::SiteKind]) -> Vec<m::SiteKindSpec> {
    shares(c, p, raw);
    let instances: u64 = raw.iter().map(|s| u64::from(s.count())).sum();
    if instances > 60_000 {
        c.fail(
            format!("{p}.sites"),
            format!("{instances} sites per organisation is more than 60,000"),
            "group sites into fewer kinds or smaller counts",
        );
    }
    let mut names = Vec::new();
    raw.iter()
        .enumerate()
        .map(|(i, s)| {
            let kind = site(c, &format!("{p}.sites[{i}]"), s, &names);
            names.push(kind.name.clone());
            kind
        })
        .collect()
}

/// The site kinds' endpoint shares and technician shares each add up to 1.
fn shares(c: &mut Checker, p: &str, raw: &[raw::SiteKind]) {
    if raw.is_empty() {
        c.fail(format!("{p}.sites"), "no sites", "add one, e.g. sites: [(name: \"hq\")]");
        return;
    }
    c.mix(&format!("{p}.sites"), &raw.iter().map(|s| s.endpoint_share()).collect::<Vec<_>>());
    let sum: f64 = raw.iter().map(|s| s.technician_share()).sum();
    if (sum - 1.0).abs() > SUM_TOLERANCE {
        c.fail(
            format!("{p}.sites"),
            format!("the technician shares of the sites add up to {sum}, not 1"),
            "share the technicians out: their technician_share values must add up to 1",
        );
    }
}

/// One site kind; `earlier` are the names of the kinds before it.
fn site(c: &mut Checker, sp: &str, s: &raw::SiteKind, earlier: &[String]) -> m::SiteKindSpec {
    let name = s.name();
    if earlier.contains(&name) {
        c.fail(
            format!("{sp}.name"),
            format!("two site kinds are named \"{name}\""),
            "give each kind its own name",
        );
    }
    if s.count() == 0 {
        c.fail(
            format!("{sp}.count"),
            "a site kind with no sites",
            "set count: 1 or more, or remove it",
        );
    }
    m::SiteKindSpec {
        name,
        count: s.count(),
        endpoint_share: c.non_negative(&format!("{sp}.endpoint_share"), s.endpoint_share()),
        technician_share: c.non_negative(&format!("{sp}.technician_share"), s.technician_share()),
        travel: s.travel().0,
        utc_offset_min: match s.utc_offset() {
            raw::Offset::Region => None,
            raw::Offset::Hours(h) => Some(c.utc_offset_min(&format!("{sp}.utc_offset"), h)),
        },
        hosts_key_escrow: s.hosts_key_escrow(),
    }
}
