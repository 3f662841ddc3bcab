//! `hubcensus windows`: window downloads between consecutive snapshots, with concentration and the working set.

use std::process::ExitCode;

use crate::context::Context;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _context: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`hubcensus windows` is not built yet (issue #5)")
}
