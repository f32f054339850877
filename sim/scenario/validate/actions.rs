//! Decisions: the scheduled `injects` of a scenario, and any single action (from a file or
//! the tabletop prompt) checked against the fleet it would act on: its target resolved to
//! archetypes or organisations, its counts, service, share and repair time.

use std::collections::BTreeSet;

use blastradius_engine::SimDuration;
use blastradius_model::spec::{self as m, Share};

use super::check::{Checker, order, sector, tool_mode};
use crate::{Explanation, raw};

/// What is wrong with an action: the field of the action at fault (`to`, `count`, `service`,
/// `share` or `repair_time`), what is wrong with it and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{field}`: {message}\n  hint: {hint}")]
pub struct ActionError {
    pub field: &'static str,
    pub message: String,
    pub hint: String,
}

impl ActionError {
    fn new(field: &'static str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        ActionError { field, message: message.into(), hint: hint.into() }
    }
}

/// The scheduled decisions. An inject at or after the horizon is a problem; one whose action
/// is invalid is reported and left out.
pub fn injects(
    c: &mut Checker,
    s: &raw::Scenario,
    horizon: SimDuration,
    archetypes: &[m::ArchetypeSpec],
) -> Vec<m::InjectSpec> {
    s.injects()
        .iter()
        .enumerate()
        .filter_map(|(i, inject)| {
            let path = format!("injects[{i}]");
            let at = inject.at().0;
            if at >= horizon {
                c.fail(
                    format!("{path}.at"),
                    format!(
                        "\"{}\" is at or after the horizon, so it would never happen",
                        inject.at()
                    ),
                    "move it before the horizon",
                );
            }
            let action = action(c, &format!("{path}.action"), &inject.action(), archetypes)?;
            Some(m::InjectSpec { at, action })
        })
        .collect()
}

fn action(
    c: &mut Checker,
    path: &str,
    a: &raw::Action,
    archetypes: &[m::ArchetypeSpec],
) -> Option<m::ActionSpec> {
    match action_spec(a, archetypes) {
        Ok(spec) => Some(spec),
        Err(e) => {
            c.fail(format!("{path}.{}", e.field), e.message, &e.hint);
            None
        }
    }
}

/// Resolves an action's target against the archetypes.
pub fn target(
    t: &raw::Target,
    archetypes: &[m::ArchetypeSpec],
) -> Result<m::TargetSpec, Explanation> {
    let names = || archetypes.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ");
    match t {
        raw::Target::All => Ok(m::TargetSpec::All),
        raw::Target::Sector(s) => {
            let s = sector(*s);
            if archetypes.iter().any(|a| a.sector == s) {
                Ok(m::TargetSpec::Sector(s))
            } else {
                Err(Explanation::new(
                    format!("no archetype is in the {} sector", s.name()),
                    "target a sector the fleet has",
                ))
            }
        }
        raw::Target::Archetype(name) => archetypes
            .iter()
            .position(|a| a.name == *name)
            .map(m::TargetSpec::Archetype)
            .ok_or_else(|| {
                Explanation::new(
                    format!("no archetype named \"{name}\""),
                    format!("use one of: {}", names()),
                )
            }),
        raw::Target::Org(name) => org(name, archetypes).ok_or_else(|| {
            Explanation::new(
                format!("no organisation named \"{name}\""),
                format!(
                    "organisations are named <archetype>-<number>, numbered from 0000; \
                     archetypes: {}",
                    names()
                ),
            )
        }),
    }
}

/// The organisation named `<archetype>-<number>`, if the archetype has that many.
fn org(name: &str, archetypes: &[m::ArchetypeSpec]) -> Option<m::TargetSpec> {
    let (archetype, number) = name.rsplit_once('-')?;
    let number = number.parse::<u32>().ok()?;
    let index = archetypes.iter().position(|x| x.name == archetype)?;
    (number < archetypes[index].organisations).then_some(m::TargetSpec::Org(index, number))
}

/// Most technicians or contractors one decision may add: more than any organisation employs,
/// and far from the 32-bit counts' limit.
pub const MAX_ADDED: u32 = 1_000_000;

/// Validates an action (from a file or the tabletop prompt).
pub fn action_spec(
    a: &raw::Action,
    archetypes: &[m::ArchetypeSpec],
) -> Result<m::ActionSpec, ActionError> {
    let t = |to: &raw::Target| {
        target(to, archetypes).map_err(|e| ActionError::new("to", e.message, e.hint))
    };
    let nothing = |what: &str| {
        Err(ActionError::new(
            "count",
            format!("adding 0 {what} does nothing"),
            "use a count above 0",
        ))
    };
    let too_many = |what: &str, count: u32| {
        Err(ActionError::new(
            "count",
            format!("{count} {what} is more than the 1,000,000 one decision may add"),
            "add a realistic number, e.g. 20",
        ))
    };
    Ok(match a {
        raw::Action::HaltRollout => m::ActionSpec::HaltRollout,
        raw::Action::AddTechnicians { count, .. } if *count > MAX_ADDED => {
            return too_many("technicians", *count);
        }
        raw::Action::AddContractors { count, .. } if *count > MAX_ADDED => {
            return too_many("contractors", *count);
        }
        raw::Action::PublishRevert => m::ActionSpec::PublishRevert,
        raw::Action::AddTechnicians { count: 0, .. } => return nothing("technicians"),
        raw::Action::AddTechnicians { to, count } => {
            m::ActionSpec::AddTechnicians { to: t(to)?, count: *count }
        }
        raw::Action::AddContractors { count: 0, .. } => return nothing("contractors"),
        raw::Action::AddContractors { to, count, arrive_in } => {
            m::ActionSpec::AddContractors { to: t(to)?, count: *count, arrive_in: arrive_in.0 }
        }
        raw::Action::ActivateFallback { to, service } => {
            let to = t(to)?;
            if let Some(name) = service {
                known_service(name, archetypes)?;
            }
            m::ActionSpec::ActivateFallback { to, service: service.clone() }
        }
        raw::Action::ReleaseTool { name, share, mode, repair_time } => {
            let Some(share) = Share::new(*share) else {
                return Err(ActionError::new(
                    "share",
                    format!("{share} is not a share in [0, 1]"),
                    "e.g. 0.5 for half the endpoints",
                ));
            };
            if repair_time.0 == SimDuration::ZERO {
                return Err(ActionError::new(
                    "repair_time",
                    "the repair time is zero",
                    "e.g. \"30m\"",
                ));
            }
            let (mode, repair_time) = (tool_mode(*mode), repair_time.0);
            m::ActionSpec::ReleaseTool { name: name.clone(), share, mode, repair_time }
        }
        raw::Action::SetRepairOrder { to, order: o } => {
            m::ActionSpec::SetRepairOrder { to: t(to)?, order: order(*o) }
        }
        raw::Action::RestoreKeyEscrow { to } => m::ActionSpec::RestoreKeyEscrow { to: t(to)? },
    })
}

/// A service some archetype runs, or the services there are.
fn known_service(name: &str, archetypes: &[m::ArchetypeSpec]) -> Result<(), ActionError> {
    if archetypes.iter().any(|a| a.services.iter().any(|s| s.name == name)) {
        return Ok(());
    }
    let all: BTreeSet<&str> =
        archetypes.iter().flat_map(|a| a.services.iter().map(|s| s.name.as_str())).collect();
    Err(ActionError::new(
        "service",
        format!("no service named \"{name}\""),
        format!("use one of: {}", all.into_iter().collect::<Vec<_>>().join(", ")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::parse_action;

    /// An action in scenario syntax against the hospital tabletop's fleet: the field at fault
    /// and the message, or `None` for a valid action.
    fn check(text: &str, expected: Option<(&str, &str)>) {
        let (_, spec) = crate::read("hospital-tabletop").unwrap();
        let action = parse_action(text).unwrap();
        let found = action_spec(&action, &spec.archetypes).err();
        let found = found.as_ref().map(|e| (e.field, e.message.as_str()));
        assert_eq!(found, expected, "{text}");
    }

    #[test]
    fn actions_are_checked_against_the_fleet() {
        check("HaltRollout", None);
        check("AddTechnicians(to: Sector(Hospital), count: 3)", None);
        check(
            "AddTechnicians(to: Sector(Hospital), count: 0)",
            Some(("count", "adding 0 technicians does nothing")),
        );
        check(
            "AddTechnicians(to: Sector(Media), count: 3)",
            Some(("to", "no archetype is in the media sector")),
        );
        check(
            "AddContractors(to: All, count: 0, arrive_in: \"1h\")",
            Some(("count", "adding 0 contractors does nothing")),
        );
        check("RestoreKeyEscrow(to: Org(\"harbour_health-0000\"))", None);
        check(
            "RestoreKeyEscrow(to: Org(\"harbour_health-9999\"))",
            Some(("to", "no organisation named \"harbour_health-9999\"")),
        );
        check(
            "RestoreKeyEscrow(to: Org(\"harbour_health\"))",
            Some(("to", "no organisation named \"harbour_health\"")),
        );
        check(
            "SetRepairOrder(to: Archetype(\"clinic\"), order: Fifo)",
            Some(("to", "no archetype named \"clinic\"")),
        );
        check("ActivateFallback(to: All, service: \"ehr\")", None);
        check(
            "ActivateFallback(to: All, service: \"mail\")",
            Some(("service", "no service named \"mail\"")),
        );
        check(
            "ReleaseTool(name: \"u\", share: 1.5, mode: HandsOn, repair_time: \"1m\")",
            Some(("share", "1.5 is not a share in [0, 1]")),
        );
        check(
            "ReleaseTool(name: \"u\", share: 0.5, mode: HandsOn, repair_time: \"0s\")",
            Some(("repair_time", "the repair time is zero")),
        );
    }
}
