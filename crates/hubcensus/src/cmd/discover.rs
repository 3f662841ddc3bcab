//! `hubcensus discover`: find credible releases from small teams and individuals in a domain.

use std::process::ExitCode;

use crate::context::Context;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _context: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`hubcensus discover` is not built yet (issue #7)")
}
