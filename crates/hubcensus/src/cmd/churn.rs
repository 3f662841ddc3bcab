//! `hubcensus churn`: entries, exits and rank changes of the working set between two windows.

use std::process::ExitCode;

use hubcensus_analytics::Population;
use hubcensus_analytics::working_set::{self, WorkingSet};
use hubcensus_model::{FrameColumns, Timestamp};
use serde::Serialize;

use crate::cmd::views::{self, Format, Snapshots, Table, ViewArgs};
use crate::context::Context;

pub const SCHEMA: &str = "hubcensus.churn/1";

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
    /// The window ending at this snapshot, against the window before it (default: the latest)
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<Timestamp>,
}

#[derive(Serialize)]
struct Move<'a> {
    id: &'a str,
    previous_rank: Option<u64>,
    rank: Option<u64>,
    /// Positive: climbed.
    change: Option<i64>,
}

#[derive(Serialize)]
struct ChurnJson<'a> {
    schema: &'static str,
    k: u64,
    previous_population: &'a Population,
    population: &'a Population,
    churn: f64,
    entries: Vec<Move<'a>>,
    exits: Vec<Move<'a>>,
    stayers: Vec<Move<'a>>,
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let filter = args.view.filter()?;
    let snapshots = Snapshots::open(context)?;
    let position = snapshots.position(args.as_of)?;
    let mut sets: Vec<(Population, WorkingSet)> = Vec::new();
    snapshots.for_each_window(
        position.saturating_sub(1),
        position,
        &filter,
        None,
        FrameColumns::NONE,
        |catalog, window, _| {
            sets.push((
                window.population.clone(),
                WorkingSet::of_window(window, &catalog.ids, args.k, None),
            ));
            Ok(())
        },
    )?;
    if sets.len() < 2 {
        return Err(views::user_error(
            format!(
                "churn needs two windows, and the store has none before the one ending {}",
                snapshots.times[position]
            ),
            "add a snapshot (`hubcensus sync` or `hubcensus import`), or see `hubcensus top`",
        ));
    }
    let ids = snapshots.ids()?;
    let (previous_population, previous) = &sets[sets.len() - 2];
    let (population, current) = &sets[sets.len() - 1];
    let churn = working_set::churn(previous, current);
    let rank_of = |set: &WorkingSet, model: u32| {
        set.members
            .iter()
            .position(|&m| m == model)
            .map(|r| r as u64 + 1)
    };
    let entries: Vec<Move<'_>> = churn
        .entries
        .iter()
        .map(|&m| Move {
            id: &ids[m as usize],
            previous_rank: None,
            rank: rank_of(current, m),
            change: None,
        })
        .collect();
    let exits: Vec<Move<'_>> = churn
        .exits
        .iter()
        .map(|&m| Move {
            id: &ids[m as usize],
            previous_rank: rank_of(previous, m),
            rank: None,
            change: None,
        })
        .collect();
    let stayers: Vec<Move<'_>> = churn
        .stayers
        .iter()
        .map(|s| Move {
            id: &ids[s.model as usize],
            previous_rank: Some(s.previous_rank),
            rank: Some(s.rank),
            change: Some(s.change),
        })
        .collect();
    let text = match args.view.format {
        Format::Json => views::json(&ChurnJson {
            schema: SCHEMA,
            k: args.k,
            previous_population,
            population,
            churn: churn.churn,
            entries,
            exits,
            stayers,
        })?,
        format => {
            let mut table = Table::new(vec!["move", "model", "previous_rank", "rank", "change"]);
            let groups = [("entry", &entries), ("exit", &exits), ("stay", &stayers)];
            for (kind, moves) in groups {
                for m in moves {
                    table.push(vec![
                        kind.to_owned(),
                        m.id.to_string(),
                        m.previous_rank
                            .map_or_else(|| "-".into(), |r| r.to_string()),
                        m.rank.map_or_else(|| "-".into(), |r| r.to_string()),
                        m.change.map_or_else(|| "-".into(), |c| format!("{c:+}")),
                    ]);
                }
            }
            table.render(format, &population.words, |table| {
                format!(
                    "Working set (k = {}) of {}\nagainst {}\n{} entries, {} exits, churn {}\n\n{table}",
                    args.k,
                    population.words,
                    previous_population.words,
                    churn.entries.len(),
                    churn.exits.len(),
                    views::percent(Some(churn.churn)),
                )
            })
        }
    };
    crate::output::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
