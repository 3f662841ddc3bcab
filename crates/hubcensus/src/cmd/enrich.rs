//! `hubcensus enrich`: fetch lineage, cards and account kinds for the top models of a snapshot.

use std::process::ExitCode;

use crate::context::Context;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _context: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`hubcensus enrich` is not built yet (issue #3)")
}
