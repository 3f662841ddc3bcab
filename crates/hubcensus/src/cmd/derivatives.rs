//! `hubcensus derivatives`: base models by their derivative ecosystems.

use std::process::ExitCode;

use crate::context::Context;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _context: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`hubcensus derivatives` is not built yet (issue #5)")
}
