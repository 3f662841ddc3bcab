//! `hubcensus audit`: tell whether a default model is still the right baseline for a workload.

use std::process::ExitCode;

use crate::context::Context;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _context: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`hubcensus audit` is not built yet (issue #7)")
}
