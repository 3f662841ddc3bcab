//! `hubcensus lineage MODEL_ID`: one model's parents, root, family, children and descendants.

use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_analytics::lineage::{ByRelation, Root};
use hubcensus_model::{Relation, Timestamp};
use serde::Serialize;

use crate::cmd::views::{self, Format, Snapshots, Table, ViewArgs};
use crate::context::Context;

pub const SCHEMA: &str = "hubcensus.lineage/1";

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Cost: reads the lineage and one frame of one snapshot; no network. About a second on a
2-million-model store.

Population filters (--task, --library, ...) select which children and descendants are listed
and counted; the model itself is always shown.

Examples:
  hubcensus lineage meta-llama/Llama-3.1-8B
  hubcensus lineage Qwen/Qwen2.5-7B-Instruct --limit 20 --format json
  hubcensus lineage google/gemma-7b --as-of 2026-08-23 --library gguf")]
pub struct Args {
    #[command(flatten)]
    pub view: ViewArgs,
    /// The model (its id, any former id, or its `_id` key)
    #[arg(value_name = "MODEL_ID")]
    pub model: String,
    /// The snapshot whose lineage to read (default: the latest)
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<Timestamp>,
    /// How many children and descendants to list (all are counted)
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

#[derive(Serialize)]
struct LineageJson<'a> {
    schema: &'static str,
    as_of: Timestamp,
    population: String,
    id: &'a str,
    relation: Option<Relation>,
    parents: Vec<&'a str>,
    /// A model id, or "mixed" for a merge of models with different roots.
    root: String,
    family: &'a str,
    in_cycle: bool,
    direct: ByRelation,
    children: Vec<&'a str>,
    descendants: u64,
    descendants_listed: Vec<&'a str>,
    tag_mentions: u64,
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let filter = args.view.filter()?;
    let snapshots = Snapshots::open(context)?;
    let position = snapshots.position(args.as_of)?;
    let as_of = snapshots.times[position];
    let model = snapshots
        .store
        .resolve_one(&args.model)
        .context("cannot read the store's key dictionary")?
        .ok_or_else(|| {
            views::user_error(
                format!("no model {:?} in the store", args.model),
                "ids are case-sensitive (`org/name`); `hubcensus top` lists models in the store",
            )
        })? as usize;
    let ids = snapshots.ids()?;
    let graph = snapshots.graph(as_of, true)?;
    let set = snapshots.load_for(&[as_of], &filter)?;
    let frame = &set.frames[0];
    let matcher = filter.matcher(&set.catalog, as_of);
    let accepted = |m: u32| matcher.accepts(frame, m as usize);
    let children: Vec<u32> = graph
        .children(model)
        .iter()
        .copied()
        .filter(|&c| accepted(c))
        .collect();
    let mut direct = ByRelation::default();
    for &child in &children {
        direct.add(
            graph.relation(child as usize).unwrap_or(Relation::Unknown),
            1,
        );
    }
    let descendants: Vec<u32> = graph
        .descendants(model)
        .into_iter()
        .filter(|&d| accepted(d))
        .collect();
    let name = |m: u32| &ids[m as usize];
    let root = match graph.root(model) {
        Root::Model(r) => ids[r as usize].to_string(),
        Root::Mixed => "mixed".to_owned(),
    };
    let in_cycle = graph
        .cycles()
        .iter()
        .any(|cycle| cycle.contains(&(model as u32)));
    let output = LineageJson {
        schema: SCHEMA,
        as_of,
        population: format!(
            "lineage of the snapshot at {as_of}; children and descendants: {}",
            filter.describe()
        ),
        id: &ids[model],
        relation: graph.relation(model),
        parents: graph.parents(model).iter().map(|&p| name(p)).collect(),
        root,
        family: name(graph.family(model)),
        in_cycle,
        direct,
        children: children.iter().take(args.limit).map(|&c| name(c)).collect(),
        descendants: descendants.len() as u64,
        descendants_listed: descendants
            .iter()
            .take(args.limit)
            .map(|&d| name(d))
            .collect(),
        tag_mentions: graph.tag_mentions(model),
    };
    let text = match args.view.format {
        Format::Json => views::json(&output)?,
        format => {
            let mut table = Table::new(vec!["field", "value"]);
            let join = |list: &[&str]| {
                list.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let rows = [
                ("id", output.id.to_string()),
                (
                    "relation",
                    output.relation.map_or("-", Relation::as_str).to_owned(),
                ),
                ("parents", join(&output.parents)),
                ("root", output.root.clone()),
                ("family", output.family.to_string()),
                ("in_cycle", output.in_cycle.to_string()),
                ("finetunes", direct.finetune.to_string()),
                ("adapters", direct.adapter.to_string()),
                ("quantized", direct.quantized.to_string()),
                ("merges", direct.merge.to_string()),
                ("unknown_relation", direct.unknown.to_string()),
                ("descendants", output.descendants.to_string()),
                ("tag_mentions", output.tag_mentions.to_string()),
                ("children", join(&output.children)),
                ("descendants_listed", join(&output.descendants_listed)),
                ("population", output.population.clone()),
            ];
            for (field, value) in rows {
                table.push(vec![field.to_owned(), value]);
            }
            if format == Format::Csv {
                table.csv()
            } else {
                table.text()
            }
        }
    };
    crate::output::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
