//! `hubcensus demo`: generate the synthetic demo world into the store and build its report.

use std::process::ExitCode;

use crate::context::Context;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _context: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`hubcensus demo` is not built yet (issue #6)")
}
