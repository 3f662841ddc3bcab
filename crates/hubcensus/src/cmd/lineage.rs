//! `hubcensus lineage MODEL_ID`: one model's parents, root, family, children and descendants.

use std::process::ExitCode;

use hubcensus_model::Relation;
use hubcensus_query::views::lineage::{LineageQuery, lineage};
use hubcensus_query::{AsOf, Census};

use crate::cmd::views::{Table, ViewArgs};
use crate::context::Context;
use crate::output::{Format, json, write_stdout};

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
    /// The snapshot whose lineage to read (a time, or a date: that day's latest); default: the
    /// latest
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<AsOf>,
    /// How many children and descendants to list (all are counted)
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let query = LineageQuery {
        model: args.model.clone(),
        as_of: args.as_of.clone(),
        limit: args.limit,
        filter: args.view.filter()?,
    };
    let census = Census::open_with_snapshots(&context.data_dir)?;
    let view = lineage(&census, &query)?;
    let text = if args.view.format == Format::Json {
        json(&view)?
    } else {
        let mut table = Table::new(vec!["field", "value"]);
        let direct = &view.direct;
        let rows = [
            ("id", view.id.clone()),
            (
                "relation",
                view.relation.map_or("-", Relation::as_str).to_owned(),
            ),
            ("parents", view.parents.join(" ")),
            ("root", view.root.clone()),
            ("family", view.family.clone()),
            ("in_cycle", view.in_cycle.to_string()),
            ("finetunes", direct.finetune.to_string()),
            ("adapters", direct.adapter.to_string()),
            ("quantized", direct.quantized.to_string()),
            ("merges", direct.merge.to_string()),
            ("unknown_relation", direct.unknown.to_string()),
            ("descendants", view.descendants.to_string()),
            ("tag_mentions", view.tag_mentions.to_string()),
            ("children", view.children.join(" ")),
            ("descendants_listed", view.descendants_listed.join(" ")),
            ("population", view.population.clone()),
        ];
        for (field, value) in rows {
            table.push(vec![field.to_owned(), value]);
        }
        if args.view.format == Format::Csv {
            table.csv()?
        } else {
            table.text()
        }
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
