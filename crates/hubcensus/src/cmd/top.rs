//! `hubcensus top`: the top models by window downloads (the working set), or the top families.

use std::process::ExitCode;

use hubcensus_analytics::window::Status;
use hubcensus_query::views::top::{TopQuery, top};
use hubcensus_query::{AsOf, Census};
use hubcensus_report::format::percent;

use crate::cmd::views::{Table, ViewArgs};
use crate::context::Context;
use crate::output::{Format, json, write_stdout};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Cost: reads two snapshots (the one at --as-of and the one before) and, with --family, the
lineage; no network. About a second on a 2-million-model store.

Examples:
  hubcensus top
  hubcensus top --k 50 --as-of 2026-08-23 --task text-generation
  hubcensus top --family --format json")]
pub struct Args {
    #[command(flatten)]
    pub view: ViewArgs,
    /// How many models
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..))]
    pub k: u64,
    /// The window ending at this snapshot (a time, or a date: that day's latest); default: the
    /// latest
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<AsOf>,
    /// Rank families: quantized and adapter derivatives folded into their base
    #[arg(long)]
    pub family: bool,
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let query = TopQuery {
        k: args.k,
        as_of: args.as_of.clone(),
        family: args.family,
        filter: args.view.filter()?,
    };
    let census = Census::open_with_snapshots(&context.data_dir)?;
    let view = top(&census, &query)?;
    let format = args.view.format;
    let text = if format == Format::Json {
        json(&view)?
    } else {
        let total = view.population.total_downloads;
        let share = |x: u64| (total > 0).then(|| x as f64 / total as f64);
        let mut headers = vec![
            "rank",
            if view.family { "family" } else { "model" },
            "downloads",
            "share",
            "cumulative",
        ];
        if !view.family {
            headers.push("status");
        }
        let mut table = Table::new(headers);
        let mut cumulative = 0;
        for row in &view.models {
            cumulative += row.downloads;
            let mut cells = vec![
                row.rank.to_string(),
                row.id.clone(),
                row.downloads.to_string(),
                percent(row.share, 2),
                percent(share(cumulative), 2),
            ];
            if let Some(status) = row.status {
                cells.push(if status == Status::New { "new" } else { "" }.to_owned());
            }
            table.push(cells);
        }
        table.render(format, &view.population.words, |table| {
            format!(
                "Top {} {} of {}\nThe {} hold {} of the window's downloads.\n\n{table}",
                view.k,
                if view.family { "families" } else { "models" },
                view.population.words,
                view.models.len(),
                percent(view.share_held, 2),
            )
        })?
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
