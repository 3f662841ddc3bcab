//! `hubcensus shares`: download shares by country, region, contributor type or organization, in
//! the uploader and lineage origin modes, per window or summed over months, quarters, years.

use std::fmt::Write as _;
use std::process::ExitCode;

use hubcensus_analytics::shares::{Dimension, Origin, Period};
use hubcensus_query::Census;
use hubcensus_query::views::shares::{SharesQuery, shares};
use hubcensus_report::format::{decimal, percent};

use crate::cmd::views::{EngineArgs, Table, ViewArgs};
use crate::context::Context;
use crate::output::{Format, json, write_stdout};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    Country,
    Region,
    Type,
    Org,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OriginArg {
    Uploader,
    Lineage,
    Both,
}

impl OriginArg {
    /// The origin modes, in output order.
    pub fn origins(self) -> Vec<Origin> {
        match self {
            Self::Uploader => vec![Origin::Uploader],
            Self::Lineage => vec![Origin::Lineage],
            Self::Both => vec![Origin::Uploader, Origin::Lineage],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PeriodArg {
    Week,
    Month,
    Quarter,
    Year,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Cost: reads every snapshot in the store (a few at a time), the latest lineage for --origin
lineage, and the embedded registry; no network. Seconds on a 2-million-model store.

Unattributed downloads are a row of their own and stay in every denominator; coverage (the
share of downloads whose attribution in the origin mode has a country, and a type) is printed
with every result. A legacy id the registry records as moved (gpt2 to openai-community) counts
as that namespace, as `hubcensus who` answers.

Examples:
  hubcensus shares --by country
  hubcensus shares --by region --origin both --period quarter
  hubcensus shares --by type --new-models --format json
  hubcensus shares --by org --period quarter --origin both --engine spark --spark-master 'local[2]' --format json

With --engine spark the PySpark job sums each window's downloads and models per attribution
group (the registry and, for the lineage origin, the lineage roots travel to it as small
tables) and hubcensus finishes the shares: the JSON equals the embedded engine's byte for byte.
Both origins and every filter; all-time windows over whole snapshots only (docs/spark.md).")]
pub struct Args {
    #[command(flatten)]
    pub view: ViewArgs,
    /// What to group downloads by
    #[arg(long, value_enum, default_value_t = By::Country)]
    pub by: By,
    /// Whose attribution counts: the uploader's, the lineage root's, or both side by side
    #[arg(long, value_enum, default_value_t = OriginArg::Uploader)]
    pub origin: OriginArg,
    /// Sum weekly windows over calendar periods (by each window's end)
    #[arg(long, value_enum, default_value_t = PeriodArg::Week)]
    pub period: PeriodArg,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let query = SharesQuery {
        dimension: match args.by {
            By::Country => Dimension::Country,
            By::Region => Dimension::Region,
            By::Type => Dimension::Type,
            By::Org => Dimension::Organization,
        },
        origins: args.origin.origins(),
        period: match args.period {
            PeriodArg::Week => Period::Week,
            PeriodArg::Month => Period::Month,
            PeriodArg::Quarter => Period::Quarter,
            PeriodArg::Year => Period::Year,
        },
        filter: args.view.filter()?,
    };
    let census = Census::open_with_snapshots(&context.data_dir)?;
    let view = match args.engine.spark()? {
        Some(spark) => hubcensus_query::spark::spark_shares_view(&census, &query, &spark)?,
        None => shares(&census, &query)?,
    };
    let format = args.view.format;
    let text = if format == Format::Json {
        json(&view)?
    } else {
        let mut headers = vec!["period", "origin", "group", "downloads", "share", "models"];
        if format == Format::Csv {
            headers.push("population");
        }
        let mut table = Table::new(headers);
        for result in &view.results {
            for row in &result.rows {
                let mut cells = vec![
                    result.period.clone(),
                    result.origin.as_str().to_owned(),
                    row.group.clone(),
                    row.downloads.to_string(),
                    percent(row.share, 2),
                    row.models.to_string(),
                ];
                if format == Format::Csv {
                    cells.push(result.population.words.clone());
                }
                table.push(cells);
            }
        }
        if format == Format::Csv {
            table.csv()?
        } else {
            let mut text = format!(
                "Shares by {} (registry {})\n\n{}\nPopulations:\n",
                view.by.as_str(),
                view.registry_version,
                table.text()
            );
            for result in &view.results {
                let _ = writeln!(
                    text,
                    "  {} {}: {}; HHI over the known groups {}",
                    result.period,
                    result.origin.as_str(),
                    result.population.words,
                    decimal(result.hhi.value, 1)
                );
            }
            text
        }
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
