//! Options every subcommand shares, and their resolution (flags, then environment, then defaults).

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context as _;

#[derive(clap::Args, Debug)]
pub struct GlobalArgs {
    /// The data directory holding the store [env: `HUBCENSUS_HOME`] [default: the platform data
    /// directory, e.g. `~/.local/share/hubcensus`]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr; no progress bars
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// What every subcommand may rely on, resolved once.
#[derive(Debug)]
pub struct Context {
    pub data_dir: PathBuf,
    /// Progress bars are drawn only on a terminal, and never with `--quiet`.
    pub progress: bool,
}

impl Context {
    pub fn resolve(global: &GlobalArgs) -> anyhow::Result<Self> {
        let data_dir = match (&global.data_dir, std::env::var_os("HUBCENSUS_HOME")) {
            (Some(dir), _) => dir.clone(),
            (None, Some(dir)) if !dir.is_empty() => PathBuf::from(dir),
            _ => dirs::data_dir()
                .map(|dir| dir.join("hubcensus"))
                .context("no platform data directory; pass --data-dir or set HUBCENSUS_HOME")?,
        };
        Ok(Self {
            data_dir,
            progress: !global.quiet && std::io::stderr().is_terminal(),
        })
    }
}

pub fn init_logging(global: &GlobalArgs) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("HUBCENSUS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stderr().is_terminal();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .without_time()
        .init();
}
