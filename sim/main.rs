//! The `blastradius` binary: parse the command line, run, map errors to exit codes.

use clap::Parser;

fn main() {
    let cli = blastradius::cli::Cli::parse();
    if let Err(e) = blastradius::cli::run(cli) {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
