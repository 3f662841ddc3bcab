//! `hubcensus derivatives`: base models ranked by their derivative ecosystems.

use std::process::ExitCode;

use hubcensus_query::views::derivatives::{DerivativesQuery, derivatives};
use hubcensus_query::{AsOf, Census};
use hubcensus_report::format::percent;

use crate::cmd::views::{Table, ViewArgs};
use crate::context::Context;
use crate::output::{Format, json, write_stdout};

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
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub top: u64,
    /// The snapshot whose lineage to read (a time, or a date: that day's latest); default: the
    /// latest
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<AsOf>,
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let query = DerivativesQuery {
        top: usize::try_from(args.top).unwrap_or(usize::MAX),
        as_of: args.as_of.clone(),
        filter: args.view.filter()?,
    };
    let census = Census::open_with_snapshots(&context.data_dir)?;
    let view = derivatives(&census, &query)?;
    let format = args.view.format;
    let text = if format == Format::Json {
        json(&view)?
    } else {
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
            "to_derivatives",
        ];
        let mut table = Table::new(headers);
        for base in &view.bases {
            table.push(vec![
                base.rank.to_string(),
                base.id.clone(),
                base.descendants.to_string(),
                base.direct.finetune.to_string(),
                base.direct.adapter.to_string(),
                base.direct.quantized.to_string(),
                base.direct.merge.to_string(),
                base.direct.unknown.to_string(),
                base.tag_mentions.to_string(),
                percent(base.downloads.and_then(|d| d.derivative_share), 1),
            ]);
        }
        table.render(format, &view.population, |table| {
            let mix = if view.relation_mix.edges == 0 {
                "no lineage edges in the snapshot".to_owned()
            } else {
                view.relation_mix
                    .shares
                    .iter()
                    .map(|(relation, share)| format!("{relation} {}", percent(*share, 2)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let split = view.downloads_population.as_deref().map_or_else(
                || "to_derivatives: no window ends at this snapshot".to_owned(),
                |words| {
                    format!(
                        "to_derivatives: the descendants' share of base + descendants' downloads in {words}"
                    )
                },
            );
            format!(
                "Derivative ecosystems: {}\nRelation mix: {mix}; cycles broken: {}\n{split}\n\n{table}",
                view.population, view.cycles_broken,
            )
        })?
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
