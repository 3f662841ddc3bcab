//! `hubcensus discover`: find credible releases from small teams and individuals in a domain.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_evals::discover::DiscoverQuery;
use hubcensus_evals::render;
use hubcensus_query::views::evidence::{self, Evidence};

use crate::context::Context;
use crate::output::{Format, Hint, json, write_stdout};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Cost: local only; reads the adoption evidence (weekly working sets, downloads and likes, lineage)
and the evals store once.

A model is listed when it is of the task, its contributor type is one of --contributor, and in the
--since window it entered the weekly working set, or its weekly downloads grew at least
--min-growth times to at least --min-downloads. Entries first, then by growth.

Examples:
  hubcensus discover --task text-generation
  hubcensus discover --task sentence-similarity --contributor individual,academic --since 26w
  hubcensus discover --task text-generation --format json --evidence world.json")]
pub struct Args {
    /// The task (`pipeline_tag`), e.g. text-generation
    #[arg(long)]
    task: String,
    /// Contributor types to look for (comma-separated): individual, community, academic,
    /// nonprofit, government, industry, unclassified, and unknown (a namespace the registry
    /// does not know and whose account kind was not fetched). The default is the small teams
    /// and individuals: individuals, community groups, and organizations the registry does not
    /// know (`unclassified`: the registry lists the established makers)
    #[arg(
        long,
        value_delimiter = ',',
        default_value = evidence::DEFAULT_CONTRIBUTORS
    )]
    contributor: Vec<String>,
    /// The window: days (90d) or weeks (13w)
    #[arg(long, default_value = "90d", value_parser = hubcensus_query::units::parse_days)]
    since: i64,
    /// Minimum growth of weekly downloads over the window (×)
    #[arg(long, default_value_t = 2.0)]
    min_growth: f64,
    /// Minimum weekly downloads now for a riser
    #[arg(long, default_value_t = 1_000)]
    min_downloads: u64,
    /// Output format (json is versioned: "schema": "hubcensus.discover/1")
    #[arg(long, default_value = "text", value_parser = Format::parser(&[Format::Table, Format::Json]))]
    format: Format,
    /// Read the adoption evidence from this JSON file (a serialized `World`, see docs/evals.md)
    /// instead of the snapshot store
    #[arg(long, value_name = "FILE", conflicts_with = "as_of")]
    evidence: Option<PathBuf>,
    /// The evidence ends at this snapshot (a time, or a date: that day's latest), as the other
    /// views choose their window; default: the latest
    #[arg(long, value_name = "TIME")]
    as_of: Option<hubcensus_query::AsOf>,
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let (contributors, include_unknown) = evidence::contributor_types(&args.contributor)
        .map_err(anyhow::Error::msg)
        .context(Hint(evidence::CONTRIBUTOR_TYPES_HINT.into()))?;
    if !(args.min_growth.is_finite() && args.min_growth > 0.0) {
        return Err(
            anyhow::anyhow!("--min-growth must be positive, got {}", args.min_growth).context(
                Hint(
                    "a growth factor, e.g. --min-growth 2 for weekly downloads at least doubled"
                        .into(),
                ),
            ),
        );
    }
    let query = DiscoverQuery {
        task: args.task.clone(),
        contributors,
        include_unknown,
        since_days: args.since,
        min_growth: args.min_growth,
        min_weekly_downloads: args.min_downloads,
    };
    let source = Evidence::open(args.evidence.as_deref(), &context.data_dir)?;
    let view = evidence::discover(&source, &context.data_dir, &query, args.as_of.as_ref())?;
    let text = if args.format == Format::Json {
        json(&view)?
    } else {
        render::discovery_text(&view.discover)
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
