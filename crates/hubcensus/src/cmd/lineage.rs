//! `hubcensus lineage`: the lineage of one model: parents, root, children, descendants.

use std::process::ExitCode;

use crate::context::Context;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _context: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`hubcensus lineage` is not built yet (issue #5)")
}
