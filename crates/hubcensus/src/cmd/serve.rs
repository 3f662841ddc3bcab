//! `hubcensus serve`: the local web dashboard and its JSON API (hubcensus-server), over the
//! store opened read-only.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_server::AppState;

use crate::context::Context;

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Cost: opens the store read-only and computes the weekly history in the background (about as
long as `hubcensus windows`, and about 4 bytes per model and week of memory); every view is then
kept in memory for the store's current state. No network but the address it listens on; nothing
is written; no token is read.

Examples:
  hubcensus serve
  hubcensus serve --addr 127.0.0.1:9000 --open
  curl -s 'http://127.0.0.1:8080/api/v1/working-set?k=20'")]
pub struct Args {
    /// Address to listen on. Loopback by default: anything else exposes the dashboard to the
    /// network (a warning is printed)
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "IP:PORT")]
    pub addr: SocketAddr,
    /// Open the dashboard in the default browser once listening
    #[arg(long)]
    pub open: bool,
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let state = AppState::open(&context.data_dir)?;
    if !hubcensus_server::is_loopback(&args.addr) {
        eprintln!(
            "warning: listening on {}, which is not a loopback address: anyone who can reach \
             this machine can read the dashboard (it is read-only and has no authentication)",
            args.addr
        );
    }
    let runtime = crate::cmd::sync::runtime()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let bound = listener
            .local_addr()
            .context("cannot read the bound address")?;
        let url = format!("http://{bound}/");
        eprintln!(
            "hubcensus serve: the dashboard of {} is at {url} (API: {url}api/v1/openapi.json); \
             Ctrl-C stops it",
            context.data_dir.display()
        );
        if args.open {
            open_browser(&url);
        }
        tokio::select! {
            served = hubcensus_server::serve(listener, state) => {
                served.context("the server stopped")?;
            }
            _ = tokio::signal::ctrl_c() => {
                eprintln!("hubcensus serve: stopped");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Asks the desktop to open `url`; a failure only prints the URL again.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_err()
    {
        eprintln!("hubcensus serve: could not start {opener}; open {url} yourself");
    }
}
