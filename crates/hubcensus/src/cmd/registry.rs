//! `hubcensus registry`: check the attribution registry, or measure its coverage of a snapshot.

use std::process::ExitCode;

use crate::context::Context;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _context: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`hubcensus registry` is not built yet (issue #4)")
}
