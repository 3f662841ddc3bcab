//! `hubcensus churn`: entries, exits and rank changes of the working set between two windows.

use std::process::ExitCode;

use hubcensus_query::views::churn::{ChurnQuery, churn};
use hubcensus_query::{AsOf, Census};
use hubcensus_report::format::percent;

use crate::cmd::views::{Table, ViewArgs};
use crate::context::Context;
use crate::output::{Format, json, write_stdout};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Cost: reads three snapshots (the window ending at --as-of and the one before it); no network.
About a second on a 2-million-model store.

Examples:
  hubcensus churn
  hubcensus churn --as-of 2026-08-23 --k 100
  hubcensus churn --task text-generation --format csv")]
pub struct Args {
    #[command(flatten)]
    pub view: ViewArgs,
    /// Working-set size
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..))]
    pub k: u64,
    /// The window ending at this snapshot (a time, or a date: that day's latest), against the
    /// window before it; default: the latest
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<AsOf>,
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let query = ChurnQuery {
        k: args.k,
        as_of: args.as_of.clone(),
        filter: args.view.filter()?,
    };
    let census = Census::open_with_snapshots(&context.data_dir)?;
    let view = churn(&census, &query)?;
    let format = args.view.format;
    let text = if format == Format::Json {
        json(&view)?
    } else {
        let mut table = Table::new(vec!["move", "model", "previous_rank", "rank", "change"]);
        let groups = [
            ("entry", &view.entries),
            ("exit", &view.exits),
            ("stay", &view.stayers),
        ];
        for (kind, moves) in groups {
            for m in moves {
                table.push(vec![
                    kind.to_owned(),
                    m.id.clone(),
                    m.previous_rank
                        .map_or_else(|| "-".into(), |r| r.to_string()),
                    m.rank.map_or_else(|| "-".into(), |r| r.to_string()),
                    m.change.map_or_else(|| "-".into(), |c| format!("{c:+}")),
                ]);
            }
        }
        table.render(format, &view.population.words, |table| {
            format!(
                "Working set (k = {}) of {}\nagainst {}\n{} entries, {} exits, churn {}\n\n{table}",
                view.k,
                view.population.words,
                view.previous_population.words,
                view.entries.len(),
                view.exits.len(),
                percent(Some(view.churn), 2),
            )
        })?
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
