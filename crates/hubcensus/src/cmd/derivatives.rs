//! `hubcensus derivatives`: base models ranked by their derivative ecosystems.

use std::process::ExitCode;

use hubcensus_analytics::lineage::{self, ByRelation, RelationMix};
use hubcensus_model::Timestamp;
use serde::Serialize;

use crate::cmd::views::{self, Format, Snapshots, Table, ViewArgs};
use crate::context::Context;

pub const SCHEMA: &str = "hubcensus.derivatives/1";

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Cost: reads the lineage and one frame of one snapshot, then walks every base's descendants;
no network. Seconds on a 2-million-model store.

Population filters select the bases; their descendants are counted whatever they are.

Examples:
  hubcensus derivatives
  hubcensus derivatives --top 50 --task text-generation
  hubcensus derivatives --format json > derivatives.json")]
pub struct Args {
    #[command(flatten)]
    pub view: ViewArgs,
    /// How many bases to list
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// The snapshot whose lineage to read (default: the latest)
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<Timestamp>,
}

#[derive(Serialize)]
struct Base<'a> {
    rank: u64,
    id: &'a str,
    direct: ByRelation,
    descendants: u64,
    tag_mentions: u64,
}

#[derive(Serialize)]
struct DerivativesJson<'a> {
    schema: &'static str,
    as_of: Timestamp,
    population: String,
    cycles_broken: u64,
    relation_mix: &'a RelationMix,
    bases: Vec<Base<'a>>,
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let filter = args.view.filter()?;
    let snapshots = Snapshots::open(context)?;
    let position = snapshots.position(args.as_of)?;
    let as_of = snapshots.times[position];
    let ids = snapshots.ids()?;
    let graph = snapshots.graph(as_of, true)?;
    let set = snapshots.load_for(&[as_of], &filter)?;
    let matcher = filter.matcher(&set.catalog, as_of);
    let frame = &set.frames[0];
    let mut ranked = lineage::derivatives(&graph, None, |m| matcher.accepts(frame, m));
    // Ties beyond descendants, direct children and mentions break by id, not dense index.
    ranked.sort_by(|a, b| {
        b.descendants
            .cmp(&a.descendants)
            .then(b.direct.total().cmp(&a.direct.total()))
            .then(b.tag_mentions.cmp(&a.tag_mentions))
            .then_with(|| ids[a.model as usize].cmp(&ids[b.model as usize]))
    });
    ranked.truncate(args.top);
    let output = DerivativesJson {
        schema: SCHEMA,
        as_of,
        population: format!(
            "lineage of the snapshot at {as_of}; bases: {}; {} edges",
            filter.describe(),
            graph.relation_mix().edges
        ),
        cycles_broken: graph.cycles().len() as u64,
        relation_mix: graph.relation_mix(),
        bases: ranked
            .iter()
            .enumerate()
            .map(|(rank, base)| Base {
                rank: rank as u64 + 1,
                id: &ids[base.model as usize],
                direct: base.direct,
                descendants: base.descendants,
                tag_mentions: base.tag_mentions,
            })
            .collect(),
    };
    let text = match args.view.format {
        Format::Json => views::json(&output)?,
        format => {
            let headers = vec![
                "rank",
                "base",
                "descendants",
                "finetune",
                "adapter",
                "quantized",
                "merge",
                "unknown",
                "tag_mentions",
            ];
            let mut table = Table::new(headers);
            for base in &output.bases {
                table.push(vec![
                    base.rank.to_string(),
                    base.id.to_string(),
                    base.descendants.to_string(),
                    base.direct.finetune.to_string(),
                    base.direct.adapter.to_string(),
                    base.direct.quantized.to_string(),
                    base.direct.merge.to_string(),
                    base.direct.unknown.to_string(),
                    base.tag_mentions.to_string(),
                ]);
            }
            table.render(format, &output.population, |table| {
                let mix = output
                    .relation_mix
                    .shares
                    .iter()
                    .map(|(relation, share)| format!("{relation} {}", views::percent(*share)))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "Derivative ecosystems: {}\nRelation mix: {mix}; cycles broken: {}\n\n{table}",
                    output.population, output.cycles_broken,
                )
            })
        }
    };
    crate::output::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
