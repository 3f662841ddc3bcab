//! `hubcensus report`: write the State of Open Source report (HTML, Markdown or JSON).

use std::process::ExitCode;

use crate::context::Context;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _context: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`hubcensus report` is not built yet (issue #6)")
}
