//! `hubcensus sync`: crawl the Hub API into a new snapshot (rate-limit aware, resumable).

use std::process::ExitCode;

use crate::context::Context;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _context: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`hubcensus sync` is not built yet (issue #3)")
}
