//! `blastradius validate` and `blastradius scenarios`.

use std::io::Write;

use clap::Args;

use super::{CliError, CliResult};
use blastradius_scenario::{self as scenario, builtin};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A scenario file, or the name of a built-in scenario
    pub scenario: String,
}

#[derive(Debug, Args)]
pub struct ScenariosArgs {
    /// Print this built-in scenario's file
    #[arg(long, value_name = "NAME")]
    pub show: Option<String>,
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn print(text: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

pub fn validate(args: ValidateArgs) -> CliResult {
    let (loaded, spec) = scenario::read(&args.scenario)?;
    // The tabletop lesson, which runs do not need, is checked here too.
    loaded.exercise(&spec)?;
    super::run::warn(&args.scenario, &spec);
    print(&loaded.to_ron())
}

pub fn list(args: ScenariosArgs) -> CliResult {
    if let Some(name) = args.show {
        let text = builtin::get(&name).ok_or_else(|| {
            CliError::input(format!(
                "no built-in scenario named \"{name}\"\n  hint: the built-ins are: {}",
                builtin::names().join(", ")
            ))
        })?;
        return print(text);
    }
    let mut out = String::new();
    let width = builtin::names().iter().map(|n| n.len()).max().unwrap_or(0);
    for name in builtin::names() {
        let description =
            scenario::load(name).map(|l| l.resolved.description()).unwrap_or_default();
        out.push_str(&format!("{name:width$}  {}\n", first_sentence(&description)));
    }
    print(&out)
}

fn first_sentence(text: &str) -> &str {
    match text.find(". ") {
        Some(i) => &text[..i],
        None => text.trim_end_matches('.'),
    }
}
