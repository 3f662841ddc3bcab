//! `hubcensus import`: import snapshots from hub-stats Parquet, a weekly archive, or Hub API JSON.

use std::process::ExitCode;

use crate::context::Context;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _context: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`hubcensus import` is not built yet (issue #2)")
}
