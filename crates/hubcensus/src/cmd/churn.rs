//! `hubcensus churn`: entries, exits and rank changes of the working set between weeks.

use std::process::ExitCode;

use crate::context::Context;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _context: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`hubcensus churn` is not built yet (issue #5)")
}
