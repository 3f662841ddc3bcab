//! `hubcensus top`: the top models by window downloads (the working set), or the top families.

use std::process::ExitCode;

use hubcensus_analytics::Population;
use hubcensus_analytics::window::Status;
use hubcensus_analytics::working_set::WorkingSet;
use hubcensus_model::{FrameColumns, Timestamp};
use serde::Serialize;

use crate::cmd::views::{self, Format, Snapshots, Table, ViewArgs};
use crate::context::Context;

pub const SCHEMA: &str = "hubcensus.top/1";

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
    /// The window ending at this snapshot (default: the latest)
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<Timestamp>,
    /// Rank families: quantized and adapter derivatives folded into their base
    #[arg(long)]
    pub family: bool,
}

#[derive(Serialize)]
struct Row<'a> {
    rank: u64,
    id: &'a str,
    downloads: u64,
    share: Option<f64>,
    /// `matched` or `new` (models only; absent for families).
    status: Option<Status>,
}

#[derive(Serialize)]
struct TopJson<'a> {
    schema: &'static str,
    k: u64,
    family: bool,
    population: &'a Population,
    held: u64,
    share_held: Option<f64>,
    models: Vec<Row<'a>>,
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let filter = args.view.filter()?;
    let snapshots = Snapshots::open(context)?;
    let position = snapshots.position(args.as_of)?;
    let ids = snapshots.ids()?;
    let graph = if args.family {
        Some(snapshots.graph(snapshots.times[position], false)?)
    } else {
        None
    };
    let mut result: Option<(Population, WorkingSet, Vec<Status>)> = None;
    snapshots.for_each_window(
        position,
        position,
        &filter,
        None,
        FrameColumns::NONE,
        |catalog, window, _| {
            let set = match &graph {
                Some(graph) => WorkingSet::of_families(window, graph, &catalog.ids, args.k),
                None => WorkingSet::of_window(window, &catalog.ids, args.k, None),
            };
            let status = set
                .members
                .iter()
                .map(|&m| window.status[m as usize])
                .collect();
            result = Some((window.population.clone(), set, status));
            Ok(())
        },
    )?;
    let (population, set, status) = result.expect("one window was visited");
    let total = population.total_downloads;
    let share = |x: u64| (total > 0).then(|| x as f64 / total as f64);
    let rows: Vec<Row<'_>> = set
        .members
        .iter()
        .zip(&set.downloads)
        .zip(&status)
        .enumerate()
        .map(|(rank, ((&m, &downloads), &status))| Row {
            rank: rank as u64 + 1,
            id: &ids[m as usize],
            downloads,
            share: share(downloads),
            status: (!args.family).then_some(status),
        })
        .collect();
    let text = match args.view.format {
        Format::Json => views::json(&TopJson {
            schema: SCHEMA,
            k: args.k,
            family: args.family,
            population: &population,
            held: set.held,
            share_held: set.share,
            models: rows,
        })?,
        format => {
            let mut headers = vec![
                "rank",
                if args.family { "family" } else { "model" },
                "downloads",
                "share",
                "cumulative",
            ];
            if !args.family {
                headers.push("status");
            }
            let mut table = Table::new(headers);
            let mut cumulative = 0;
            for row in &rows {
                cumulative += row.downloads;
                let mut cells = vec![
                    row.rank.to_string(),
                    row.id.to_string(),
                    row.downloads.to_string(),
                    views::percent(row.share),
                    views::percent(share(cumulative)),
                ];
                if let Some(status) = row.status {
                    cells.push(if status == Status::New { "new" } else { "" }.to_owned());
                }
                table.push(cells);
            }
            table.render(format, &population.words, |table| {
                format!(
                    "Top {} {} of {}\nThe {} hold {} of the window's downloads.\n\n{table}",
                    args.k,
                    if args.family { "families" } else { "models" },
                    population.words,
                    rows.len(),
                    views::percent(set.share),
                )
            })
        }
    };
    crate::output::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
