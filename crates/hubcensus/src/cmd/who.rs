//! `hubcensus who`: show who made a namespace or model, from where, as what, with sources.

use std::process::ExitCode;

use crate::context::Context;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _context: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`hubcensus who` is not built yet (issue #4)")
}
