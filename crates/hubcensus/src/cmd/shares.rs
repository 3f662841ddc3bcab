//! `hubcensus shares`: download shares by country, region, contributor type or organization.

use std::process::ExitCode;

use crate::context::Context;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _context: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`hubcensus shares` is not built yet (issue #5)")
}
