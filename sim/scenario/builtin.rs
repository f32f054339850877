//! Built-in scenarios, observations, catalogues and sector templates, embedded in the binary
//! from `scenarios/`, `scenarios/observations/`, `scenarios/catalogues/` and
//! `sim/scenario/sectors/`.

use super::raw;

/// The shipped scenarios: (name, RON text).
const SCENARIOS: [(&str, &str); 9] = [
    ("crowdstrike-2024", include_str!("../../scenarios/crowdstrike-2024.ron")),
    ("canary-rings", include_str!("../../scenarios/canary-rings.ron")),
    ("customer-lag", include_str!("../../scenarios/customer-lag.ron")),
    ("hospital-tabletop", include_str!("../../scenarios/hospital-tabletop.ron")),
    ("airline-crew-backlog", include_str!("../../scenarios/airline-crew-backlog.ron")),
    ("bank-branches", include_str!("../../scenarios/bank-branches.ron")),
    ("global-windows", include_str!("../../scenarios/global-windows.ron")),
    ("salem-health", include_str!("../../scenarios/salem-health.ron")),
    ("os-update-global", include_str!("../../scenarios/os-update-global.ron")),
];

/// The scenario `blastradius run` uses when none is named.
pub const DEFAULT: &str = "crowdstrike-2024";

/// The RON text of a built-in scenario.
pub fn get(name: &str) -> Option<&'static str> {
    SCENARIOS.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// Names of the built-in scenarios, in the order they are listed.
pub fn names() -> Vec<&'static str> {
    SCENARIOS.iter().map(|(n, _)| *n).collect()
}

/// The shipped observations files: (name, RON text).
const OBSERVATIONS: [(&str, &str); 1] =
    [("2024", include_str!("../../scenarios/observations/2024.ron"))];

/// The RON text of a built-in observations file.
pub fn observations(name: &str) -> Option<&'static str> {
    OBSERVATIONS.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// Names of the built-in observations files.
pub fn observation_names() -> Vec<&'static str> {
    OBSERVATIONS.iter().map(|(n, _)| *n).collect()
}

/// The shipped catalogues: (name, RON text).
const CATALOGUES: [(&str, &str); 1] =
    [("vendor-failures", include_str!("../../scenarios/catalogues/vendor-failures.ron"))];

/// Scenario files the shipped catalogues name, by their path relative to the catalogue.
const CATALOGUE_FILES: [(&str, &str); 1] =
    [("mid-market-book.ron", include_str!("../../scenarios/catalogues/mid-market-book.ron"))];

/// The RON text of a built-in catalogue.
pub fn catalogue(name: &str) -> Option<&'static str> {
    CATALOGUES.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// Names of the built-in catalogues.
pub fn catalogue_names() -> Vec<&'static str> {
    CATALOGUES.iter().map(|(n, _)| *n).collect()
}

/// A scenario file shipped beside the built-in catalogues, by its path relative to them.
pub fn catalogue_file(path: &str) -> Option<&'static str> {
    CATALOGUE_FILES.iter().find(|(n, _)| *n == path).map(|(_, text)| *text)
}

const AIRLINE: &str = include_str!("sectors/airline.ron");
const HOSPITAL: &str = include_str!("sectors/hospital.ron");
const BANK: &str = include_str!("sectors/bank.ron");
const OFFICE: &str = include_str!("sectors/office.ron");

/// The RON text of a sector's template.
pub fn sector_template_text(sector: raw::Sector) -> &'static str {
    match sector {
        raw::Sector::Airline => AIRLINE,
        raw::Sector::Hospital => HOSPITAL,
        raw::Sector::Bank => BANK,
        _ => OFFICE,
    }
}

/// The archetype every archetype of a sector starts from. The templates are part of the
/// program and checked by tests; a broken one would give an empty template rather than a
/// panic. Each is parsed once per process: a world of forty archetypes once parsed them
/// forty times, most of the time it took to read `crowdstrike-2024`.
pub fn sector_template(sector: raw::Sector) -> raw::Archetype {
    static PARSED: [std::sync::OnceLock<raw::Archetype>; 4] =
        [const { std::sync::OnceLock::new() }; 4];
    let slot = match sector {
        raw::Sector::Airline => 0,
        raw::Sector::Hospital => 1,
        raw::Sector::Bank => 2,
        _ => 3,
    };
    let mut template = PARSED[slot]
        .get_or_init(|| {
            let options = ron::Options::default()
                .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
            options.from_str(sector_template_text(sector)).unwrap_or_default()
        })
        .clone();
    template.sector = Some(sector);
    template
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sector_template_parses() {
        let options = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
        for text in [AIRLINE, HOSPITAL, BANK, OFFICE] {
            if let Err(e) = options.from_str::<raw::Archetype>(text) {
                panic!("template does not parse: {e}");
            }
        }
    }
}
