//! `summary.json`: the machine-readable summary of a run set, with a stable, documented schema
//! (`blastradius.summary/1`).
//!
//! It knows the result types and serde_json; it knows nothing of charts, HTML or files. Keys
//! come out in a fixed order: the top-level and per-entry keys in the order of the struct
//! fields below (serde's derive keeps declaration order), and the metric names sorted (a
//! `BTreeMap`). Every float goes through `Num`, the one place where a non-finite number
//! becomes `null`, so a NaN or an infinity can never produce invalid JSON.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use super::RunSet;
use super::fit::{Outcome, fit};
use super::stats::{Stat, Stats, sector_means, summarize};

/// The schema identifier; bump the number when a key changes meaning or disappears.
pub const SCHEMA: &str = "blastradius.summary/1";

/// A number on its way to JSON: finite values as numbers, anything else as `null`. The single
/// chokepoint for non-finite values in this file.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Num(f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.is_finite() {
            serializer.serialize_f64(self.0)
        } else {
            serializer.serialize_none()
        }
    }
}

/// The whole document, in key order.
#[derive(Serialize)]
struct Summary<'a> {
    /// Always [`SCHEMA`].
    schema: &'static str,
    /// The scenario's name.
    scenario: &'a str,
    /// The scenario's one-paragraph description.
    description: &'a str,
    /// The base seed; replication i derives its streams from it and i.
    seed: u64,
    /// The number of replications summarised.
    replications: u64,
    /// The command that reproduces these outputs byte for byte.
    command: &'a str,
    /// The program and version that produced them, e.g. `blastradius 0.1.0`.
    program: &'a str,
    /// Every figure present in at least one replication, by name in lexicographic order;
    /// `sim/model/FIGURES.md` lists the names, their units and meanings (generated from the
    /// catalogue in `sim/model/figures.rs`).
    metrics: BTreeMap<String, Metric>,
    /// The key events of replication 0, in time order.
    key_events: Vec<Event<'a>>,
    /// The loss by sector and component, each the mean over replications, in sector order.
    sectors: Vec<SectorEntry>,
    /// The fit to observations, one entry per observation in the order given; only when
    /// observations were given (`--observed`), so that without them the document is unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    fit: Option<Vec<FitEntry>>,
    /// The fully resolved scenario as RON text: with `seed` it reproduces the run.
    resolved_scenario: &'a str,
}

/// One figure's summary over replications.
#[derive(Serialize)]
struct Metric {
    /// The number of replications in which the figure happened (e.g. a halt may not).
    n: usize,
    /// The mean over those replications.
    mean: Num,
    /// The lower end of the 95% Student t interval for the mean (the mean itself when n = 1).
    ci95_low: Num,
    /// The upper end of that interval.
    ci95_high: Num,
    /// The 5th percentile, by linear interpolation between order statistics (type 7).
    p05: Num,
    /// The median.
    p50: Num,
    /// The 95th percentile.
    p95: Num,
}

impl From<&Stat> for Metric {
    fn from(s: &Stat) -> Metric {
        Metric {
            n: s.n,
            mean: Num(s.mean),
            ci95_low: Num(s.ci95_low),
            ci95_high: Num(s.ci95_high),
            p05: Num(s.p05),
            p50: Num(s.p50),
            p95: Num(s.p95),
        }
    }
}

/// A key event.
#[derive(Serialize)]
struct Event<'a> {
    /// Seconds since simulated time zero (the scenario's `start`).
    at_s: Num,
    /// What happened, e.g. `revert published`.
    label: &'a str,
}

/// One sector's loss, each field the mean over replications.
#[derive(Serialize)]
struct SectorEntry {
    /// The sector's lowercase name, e.g. `hospital`.
    sector: &'static str,
    /// Organisations in the sector.
    organisations: Num,
    /// Endpoints in the sector.
    endpoints: Num,
    /// Endpoints that crashed.
    endpoints_crashed: Num,
    /// Revenue lost while capacity was short, net of what was recaptured.
    loss_usd_revenue: Num,
    /// Recovery labour.
    loss_usd_labour: Num,
    /// Penalties and compensation.
    loss_usd_penalties: Num,
    /// The cost of working off the operational backlog.
    loss_usd_backlog: Num,
    /// Staff idled by down workstations.
    loss_usd_productivity: Num,
    /// The sum of the five components.
    loss_usd_total: Num,
}

/// One observation in the fit.
#[derive(Serialize)]
pub(crate) struct FitEntry {
    /// The observation's name, unique in its file.
    name: String,
    /// The stable name of the figure observed (a key of `metrics` when the figure is present);
    /// `null` when the observation does not apply.
    figure: Option<String>,
    /// Who stated it.
    source: String,
    /// The figure's summary over the replications in which it is present; `null` when it is
    /// absent from all of them (e.g. 99% never reached) or the observation does not apply.
    simulated: Option<Simulated>,
    /// The observed band in the figure's unit; `null` when the observation does not apply.
    observed: Option<Band>,
    /// Whether the simulated mean lies in the band (a time never reached counts as later than
    /// the run); `null` when the observation does not apply.
    inside: Option<bool>,
    /// Why the observation does not apply to this run (another scenario, an archetype the
    /// fleet lacks); `null` when it applies.
    not_applicable: Option<String>,
}

#[derive(Serialize)]
struct Simulated {
    /// The mean over the replications in which the figure is present.
    mean: Num,
    /// The lower end of the 95% Student t interval for the mean.
    ci95_low: Num,
    /// The upper end.
    ci95_high: Num,
}

#[derive(Serialize)]
struct Band {
    /// The low end; `null` when open.
    low: Option<Num>,
    /// The high end; `null` when open.
    high: Option<Num>,
}

/// The fit of a run set as `summary.json` and `compare/summary.json` write it; `None` when no
/// observations were given.
pub(crate) fn fit_entries(set: &RunSet, stats: &Stats) -> Option<Vec<FitEntry>> {
    if set.observed.is_empty() {
        return None;
    }
    let entries = fit(set, stats)
        .into_iter()
        .map(|row| match row.outcome {
            Outcome::Compared { figure, low, high, simulated, inside } => FitEntry {
                name: row.name,
                figure: Some(figure.name().into_owned()),
                source: row.source,
                simulated: simulated.map(|s| Simulated {
                    mean: Num(s.mean),
                    ci95_low: Num(s.ci95_low),
                    ci95_high: Num(s.ci95_high),
                }),
                observed: Some(Band { low: low.map(Num), high: high.map(Num) }),
                inside: Some(inside),
                not_applicable: None,
            },
            Outcome::NotApplicable { reason } => FitEntry {
                name: row.name,
                figure: None,
                source: row.source,
                simulated: None,
                observed: None,
                inside: None,
                not_applicable: Some(reason),
            },
        })
        .collect();
    Some(entries)
}

/// `summary.json` for a run set: pretty-printed with two-space indentation and a trailing
/// newline. Top-level keys, in order: `schema`, `scenario`, `description`, `seed`,
/// `replications`, `command`, `program`, `metrics` (name → `n`, `mean`, `ci95_low`,
/// `ci95_high`, `p05`, `p50`, `p95`), `key_events` (`at_s`, `label`), `sectors` (`sector`,
/// `organisations`, `endpoints`, `endpoints_crashed`, `loss_usd_revenue`, `loss_usd_labour`,
/// `loss_usd_penalties`, `loss_usd_backlog`, `loss_usd_productivity`, `loss_usd_total`), `fit` (only when observations
/// were given: a list of `name`, `figure`, `source`, `simulated` (`mean`, `ci95_low`,
/// `ci95_high`, or `null`), `observed` (`low`, `high`), `inside`, `not_applicable`) and
/// `resolved_scenario`.
pub fn summary_json(set: &RunSet) -> String {
    let stats = summarize(&set.runs);
    let meta = &set.meta;
    let summary = Summary {
        schema: SCHEMA,
        scenario: &meta.scenario,
        description: &meta.description,
        seed: meta.seed,
        replications: meta.replications,
        command: &meta.command,
        program: &meta.program,
        metrics: stats.iter().map(|(f, s)| (f.name().into_owned(), Metric::from(s))).collect(),
        key_events: set.runs.first().map_or_else(Vec::new, |r| {
            r.key_events.iter().map(|e| Event { at_s: Num(e.at_s), label: &e.label }).collect()
        }),
        sectors: sector_means(&set.runs)
            .iter()
            .map(|m| SectorEntry {
                sector: m.sector.name(),
                organisations: Num(m.organisations),
                endpoints: Num(m.endpoints),
                endpoints_crashed: Num(m.crashed),
                loss_usd_revenue: Num(m.revenue_usd),
                loss_usd_labour: Num(m.labour_usd),
                loss_usd_penalties: Num(m.penalties_usd),
                loss_usd_backlog: Num(m.backlog_usd),
                loss_usd_productivity: Num(m.productivity_usd),
                loss_usd_total: Num(m.total_usd()),
            })
            .collect(),
        fit: fit_entries(set, &stats),
        resolved_scenario: &meta.resolved_ron,
    };
    // Serialising plain structs, maps with string keys and finite-or-null numbers cannot fail.
    let mut text = serde_json::to_string_pretty(&summary).expect("the summary is valid JSON");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run_with_figures, sample_set, set_of};
    use blastradius_model::figures::Scope;
    use blastradius_model::{Figure, Metric};
    use serde_json::Value;

    const BAD: Figure = Figure { metric: Metric::EndpointsTotal, scope: Scope::Run };
    const INF: Figure = Figure { metric: Metric::EndpointsCrashed, scope: Scope::Run };

    #[test]
    fn keys_come_in_the_documented_order() {
        let text = summary_json(&sample_set(3, 2));
        assert!(text.ends_with("}\n"));
        let order = [
            "\"schema\"",
            "\"scenario\"",
            "\"description\"",
            "\"seed\"",
            "\"replications\"",
            "\"command\"",
            "\"program\"",
            "\"metrics\"",
            "\"key_events\"",
            "\"sectors\"",
            "\"resolved_scenario\"",
        ];
        let positions: Vec<usize> = order
            .iter()
            .map(|k| text.find(&format!("\n  {k}:")).unwrap_or_else(|| panic!("{k} missing")))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        let metric = text.find("\"endpoints_crashed\": {").unwrap();
        let keys = ["\"n\"", "\"mean\"", "\"ci95_low\"", "\"ci95_high\"", "\"p05\"", "\"p50\""];
        let mut last = metric;
        for k in keys.iter().chain(["\"p95\""].iter()) {
            let at = metric + text[metric..].find(k).unwrap();
            assert!(at > last, "{k}");
            last = at;
        }
    }

    #[test]
    fn values_round_trip() {
        let set = sample_set(3, 2);
        let v: Value = serde_json::from_str(&summary_json(&set)).unwrap();
        assert_eq!(v["schema"], SCHEMA);
        assert_eq!(v["seed"], 20_240_719);
        assert_eq!(v["replications"], 3);
        assert_eq!(v["scenario"], "synthetic-outage");
        assert_eq!(v["resolved_scenario"], set.meta.resolved_ron.as_str());
        let stats = summarize(&set.runs);
        let loss = Figure::from(Metric::LossUsd);
        assert_eq!(v["metrics"]["loss_usd_total"]["mean"], stats[&loss].mean);
        assert_eq!(v["metrics"]["loss_usd_total"]["n"], 3);
        // Replications 1 (of 0, 1, 2) halts: one value.
        assert_eq!(v["metrics"]["rollout_halted_at_s"]["n"], 1);
        // Never present: omitted.
        assert!(v["metrics"].get("recovered_all_at_s").is_none());
        let events = v["key_events"].as_array().unwrap();
        assert_eq!(events.len(), set.runs[0].key_events.len());
        assert_eq!(events[0]["label"], "first crash");
        assert_eq!(events[0]["at_s"], 75.0);
        let sectors = v["sectors"].as_array().unwrap();
        let names: Vec<&str> = sectors.iter().map(|s| s["sector"].as_str().unwrap()).collect();
        assert_eq!(names, ["airline", "hospital", "bank"]);
        let total: f64 = sectors.iter().map(|s| s["loss_usd_total"].as_f64().unwrap()).sum();
        let mean = stats[&loss].mean;
        assert!((total - mean).abs() < 1e-6 * mean, "{total} vs {mean}");
    }

    #[test]
    fn without_observations_there_is_no_fit_key() {
        let text = summary_json(&sample_set(2, 2));
        assert!(!text.contains("\"fit\""), "{text}");
    }

    #[test]
    fn the_fit_lists_each_observation_with_its_keys_in_order() {
        use blastradius_model::figures::{Observation, Observed};
        let mut set = sample_set(3, 2);
        let crashed = summarize(&set.runs)[&Figure::from(Metric::EndpointsCrashed)];
        set.observed = vec![
            Observed::Applies(Observation {
                name: "crashed".into(),
                figure: Metric::EndpointsCrashed.into(),
                low: Some(1.0),
                high: None,
                source: "the vendor".into(),
            }),
            Observed::Applies(Observation {
                name: "all back".into(),
                figure: Metric::RecoveredAllAt.into(),
                low: None,
                high: Some(86_400.0),
                source: "a hospital".into(),
            }),
            Observed::NotApplicable {
                name: "delta".into(),
                source: "press".into(),
                reason: "no archetype \"delta_like\" in the fleet of synthetic-outage".into(),
            },
        ];
        let text = summary_json(&set);
        let (sectors, fit, resolved) = (
            text.find("\n  \"sectors\":").unwrap(),
            text.find("\n  \"fit\":").unwrap(),
            text.find("\n  \"resolved_scenario\":").unwrap(),
        );
        assert!(sectors < fit && fit < resolved);
        let keys =
            ["name", "figure", "source", "simulated", "observed", "inside", "not_applicable"];
        let first = &text[fit..];
        let positions: Vec<usize> =
            keys.iter().map(|k| first.find(&format!("\"{k}\":")).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        let v: Value = serde_json::from_str(&text).unwrap();
        let fit = v["fit"].as_array().unwrap();
        assert_eq!(fit.len(), 3);
        assert_eq!(
            fit[0],
            serde_json::json!({
                "name": "crashed",
                "figure": "endpoints_crashed",
                "source": "the vendor",
                "simulated": {
                    "mean": crashed.mean,
                    "ci95_low": crashed.ci95_low,
                    "ci95_high": crashed.ci95_high,
                },
                "observed": {"low": 1.0, "high": null},
                "inside": true,
                "not_applicable": null,
            })
        );
        // Never all back in the synthetic runs: no value, and outside a band with a high end.
        assert_eq!(fit[1]["figure"], "recovered_all_at_s");
        assert_eq!(fit[1]["simulated"], Value::Null);
        assert_eq!(fit[1]["observed"], serde_json::json!({"low": null, "high": 86_400.0}));
        assert_eq!(fit[1]["inside"], false);
        assert_eq!(
            fit[2],
            serde_json::json!({
                "name": "delta",
                "figure": null,
                "source": "press",
                "simulated": null,
                "observed": null,
                "inside": null,
                "not_applicable": "no archetype \"delta_like\" in the fleet of synthetic-outage",
            })
        );
    }

    #[test]
    fn non_finite_numbers_become_null() {
        let runs = vec![
            run_with_figures(0, &[(BAD, Some(f64::NAN)), (INF, Some(f64::INFINITY))]),
            run_with_figures(1, &[(BAD, Some(1.0)), (INF, Some(2.0))]),
        ];
        let text = summary_json(&set_of(runs, 1));
        assert!(!text.contains("NaN") && !text.contains("Infinity"), "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["metrics"]["endpoints_total"]["mean"], Value::Null);
        assert_eq!(v["metrics"]["endpoints_crashed"]["mean"], Value::Null);
        assert_eq!(v["metrics"]["endpoints_total"]["n"], 2);
    }

    #[test]
    fn same_input_same_bytes() {
        assert_eq!(summary_json(&sample_set(4, 3)), summary_json(&sample_set(4, 3)));
    }

    #[test]
    fn empty_set_is_still_valid() {
        let text = summary_json(&set_of(Vec::new(), 1));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["metrics"], serde_json::json!({}));
        assert_eq!(v["key_events"], serde_json::json!([]));
    }
}
