//! The `blastradius` binary. Everything it does is in `blastradius-cli` (`sim/cli`).

fn main() -> std::process::ExitCode {
    blastradius_cli::main()
}
