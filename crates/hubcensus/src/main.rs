//! The `hubcensus` command-line tool: argv, the terminal, exit codes.
//!
//! Each subcommand lives in `cmd/<name>.rs` with its own clap `Args` and a `run` function that
//! parses what the user typed, resolves what to do, and calls the library crates. Only this
//! crate prints to the terminal or decides exit codes (0 ok, 1 the check asked for failed,
//! 2 error).

mod cmd;
mod context;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::context::{Context, GlobalArgs};

/// Build dated snapshots of the Hugging Face Hub's model metadata and compute what the open-model
/// ecosystem looks like: shares by origin and contributor, concentration, the working set, lineage.
#[derive(Parser)]
#[command(
    name = "hubcensus",
    version,
    propagate_version = true,
    max_term_width = 100
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: cmd::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    context::init_logging(&cli.global);
    let result = Context::resolve(&cli.global).and_then(|context| cmd::run(cli.command, &context));
    match result {
        Ok(code) => code,
        Err(error) => output::report_error(&error),
    }
}
