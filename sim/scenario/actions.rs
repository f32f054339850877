//! One decision in scenario-file syntax, on its own: `AddTechnicians(to: Sector(Hospital),
//! count: 20)`, as the tabletop prompt accepts it and as the debrief prints it back. A RON
//! parser and printer for `raw::Action` only; it lives here because this module is the only
//! one that knows RON. Validation against a fleet stays in `validate::action_spec`.

use ron::extensions::Extensions;

use super::{Explanation, raw, suggest};

/// The forms of every action, for hints.
pub const ACTION_FORMS: &str = "\
HaltRollout
PublishRevert
AddTechnicians(to: Sector(Hospital), count: 20)
AddContractors(to: Org(\"harbour_health-0000\"), count: 50, arrive_in: \"4h\")
ActivateFallback(to: All, service: \"ehr\")   (leave `service` out for every service)
ReleaseTool(name: \"usb-recovery\", share: 0.6, mode: HandsOn, repair_time: \"10m\")
SetRepairOrder(to: Archetype(\"community_hospital\"), order: ServiceAware)
RestoreKeyEscrow(to: Sector(Hospital))";

/// The forms of a target, for hints.
pub const TARGET_FORMS: &str =
    "All, Sector(Hospital), Archetype(\"community_hospital\"), Org(\"community_hospital-0003\")";

/// Parses one action written as in a scenario's `injects`. The error says what is wrong and
/// how to write it instead, on a second line starting with `hint:`.
pub fn parse_action(text: &str) -> Result<raw::Action, String> {
    let options = ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME);
    let text = text.trim();
    options.from_str::<raw::Action>(text).map_err(|e| {
        let col = e.span.start.col;
        // ron reports a missing `)` at the end as a missing comma.
        let at_end = e.span.end.line > 1 || e.span.end.col > text.chars().count();
        let why = match e.code {
            ron::Error::ExpectedComma | ron::Error::ExpectedStructLikeEnd if at_end => {
                explain(&ron::Error::Eof)
            }
            ref code => explain(code),
        };
        format!("{} (at column {col})\n  hint: {}", why.message, why.hint)
    })
}

/// Prints an action on one line in the syntax `parse_action` reads back.
pub fn action_to_ron(action: &raw::Action) -> String {
    let config = ron::ser::PrettyConfig::new()
        .compact_structs(true)
        .compact_arrays(true)
        .new_line(" ")
        .indentor("");
    // Plain data with derived impls cannot fail to serialize; fall back to debug output
    // rather than panic if it ever did.
    ron::ser::to_string_pretty(action, config).unwrap_or_else(|_| format!("{action:?}"))
}

/// A message and a hint for a ron error in an action.
fn explain(code: &ron::Error) -> Explanation {
    use ron::Error as E;
    let forms = format!("write one of:\n    {}", ACTION_FORMS.replace('\n', "\n    "));
    let (message, hint): (String, String) = match code {
        E::NoSuchEnumVariant { expected, found, outer } => {
            let outer = outer.as_deref().unwrap_or("");
            let close = suggest(found, expected)
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            match outer {
                "Action" | "" => (format!("unknown action `{found}`"), format!("{close}{forms}")),
                "Target" => (
                    format!("unknown target `{found}`"),
                    format!("{close}a target is one of: {TARGET_FORMS}"),
                ),
                _ => (
                    format!("unknown value `{found}` for {outer}"),
                    format!("{close}use one of: {}", expected.join(", ")),
                ),
            }
        }
        E::NoSuchStructField { expected, found, outer } => {
            let within = outer.as_deref().map(|o| format!(" in {o}")).unwrap_or_default();
            let close = suggest(found, expected)
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            (
                format!("unknown field `{found}`{within}"),
                format!("{close}the fields here are: {}", expected.join(", ")),
            )
        }
        E::MissingStructField { field, outer } => {
            let of = outer.as_deref().map(|o| format!(" of {o}")).unwrap_or_default();
            (format!("the field `{field}`{of} is missing"), forms)
        }
        E::Message(m) => match m.split_once(&format!("; {}", super::units::DURATION_HINT)) {
            Some((what, rest)) => (format!("{what}{rest}"), super::units::DURATION_HINT.into()),
            None => (m.clone(), forms),
        },
        E::ExpectedString | E::ExpectedStringEnd => (
            "expected a string in double quotes".into(),
            "names and durations are quoted: Org(\"harbour_health-0000\"), arrive_in: \"4h\""
                .into(),
        ),
        E::ExpectedInteger => {
            ("expected a whole number".into(), "write digits without quotes, e.g. 20".into())
        }
        E::ExpectedFloat => {
            ("expected a number".into(), "write a number without quotes, e.g. 0.6".into())
        }
        E::Eof => ("the action ends early".into(), format!("close every `(`; {forms}")),
        E::ExpectedComma => (
            "a comma is missing before this".into(),
            "separate the fields with commas: (to: All, count: 20)".into(),
        ),
        E::ExpectedStructLikeEnd => {
            ("expected `)` here".into(), "a comma or a closing `)` is missing".into())
        }
        E::TrailingCharacters => {
            ("there is text after the action".into(), "give one action at a time".into())
        }
        other => (other.to_string(), forms),
    };
    Explanation { message, hint }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Duration;

    fn check(text: &str, expected: raw::Action) {
        assert_eq!(parse_action(text), Ok(expected.clone()), "{text}");
        let printed = action_to_ron(&expected);
        assert_eq!(parse_action(&printed), Ok(expected), "round trip of {printed}");
    }

    #[test]
    fn every_action_parses_and_prints_back() {
        check("HaltRollout", raw::Action::HaltRollout);
        check(" PublishRevert ", raw::Action::PublishRevert);
        check(
            "AddTechnicians(to: Sector(Hospital), count: 20)",
            raw::Action::AddTechnicians {
                to: raw::Target::Sector(raw::Sector::Hospital),
                count: 20,
            },
        );
        check(
            "AddContractors(to: Org(\"harbour_health-0000\"), count: 50, arrive_in: \"4h\")",
            raw::Action::AddContractors {
                to: raw::Target::Org("harbour_health-0000".into()),
                count: 50,
                arrive_in: Duration::hours(4),
            },
        );
        check(
            "ActivateFallback(to: All, service: \"ehr\")",
            raw::Action::ActivateFallback { to: raw::Target::All, service: Some("ehr".into()) },
        );
        check(
            "ActivateFallback(to: All)",
            raw::Action::ActivateFallback { to: raw::Target::All, service: None },
        );
        check(
            "ReleaseTool(name: \"usb\", share: 0.6, mode: HandsOn, repair_time: \"10m\")",
            raw::Action::ReleaseTool {
                name: "usb".into(),
                share: 0.6,
                mode: raw::ToolMode::HandsOn,
                repair_time: Duration::mins(10),
            },
        );
        check(
            "SetRepairOrder(to: Archetype(\"x\"), order: ServiceAware)",
            raw::Action::SetRepairOrder {
                to: raw::Target::Archetype("x".into()),
                order: raw::RepairOrder::ServiceAware,
            },
        );
        check(
            "RestoreKeyEscrow(to: Sector(Bank))",
            raw::Action::RestoreKeyEscrow { to: raw::Target::Sector(raw::Sector::Bank) },
        );
    }

    #[test]
    fn printed_actions_read_like_a_scenario_file() {
        let a = raw::Action::AddTechnicians {
            to: raw::Target::Sector(raw::Sector::Hospital),
            count: 20,
        };
        assert_eq!(action_to_ron(&a), "AddTechnicians(to: Sector(Hospital), count: 20)");
    }

    #[test]
    fn mistakes_are_explained_with_a_hint() {
        for (text, says, hints) in [
            ("AddTechnican(to: All, count: 2)", "unknown action `AddTechnican`", "AddTechnicians"),
            ("AddTechnicians(to: Sector(Hospitals), count: 2)", "Hospitals", "Hospital"),
            ("AddTechnicians(to: All)", "`count`", "AddTechnicians(to:"),
            ("AddTechnicians(to: All, count: 2, extra: 1)", "unknown field `extra`", "count"),
            ("AddContractors(to: All, count: 2, arrive_in: \"4\")", "no unit", "\"78m\""),
            ("AddTechnicians(to: All, count: \"2\")", "whole number", "digits"),
            ("AddTechnicians(to: Everyone, count: 2)", "`Everyone`", "Sector(Hospital)"),
            ("AddTechnicians(to: All, count: 2", "ends early", "close"),
            ("", "ends early", "HaltRollout"),
            ("AddTechnicians(to: All count: 2)", "comma", "commas"),
        ] {
            let err = parse_action(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
            let hint = err.split_once("hint:").map(|(_, h)| h).unwrap_or_default();
            assert!(hint.contains(hints), "{text}: {err}");
        }
    }
}
