//! `hubcensus shares`: download shares by country, region, contributor type or organization, in
//! the uploader and lineage origin modes, per window or summed over months, quarters, years.

use hubcensus_model::FrameColumns;
use std::fmt::Write as _;
use std::process::ExitCode;

use hubcensus_analytics::shares::{self, Dimension, Origin, Period, Shares, WindowGroups};
use serde::Serialize;

use crate::cmd::views::{self, Format, Snapshots, Table, ViewArgs};
use crate::context::Context;

pub const SCHEMA: &str = "hubcensus.shares/1";

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
share of downloads whose author has a country, and a type) is printed with every result.

Examples:
  hubcensus shares --by country
  hubcensus shares --by region --origin both --period quarter
  hubcensus shares --by type --new-models --format json")]
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
}

#[derive(Serialize)]
struct SharesJson<'a> {
    schema: &'static str,
    by: Dimension,
    period: Period,
    registry_version: String,
    results: &'a [Shares],
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let filter = args.view.filter()?;
    let snapshots = Snapshots::open(context)?;
    let dimension = match args.by {
        By::Country => Dimension::Country,
        By::Region => Dimension::Region,
        By::Type => Dimension::Type,
        By::Org => Dimension::Organization,
    };
    let origins: &[Origin] = match args.origin {
        OriginArg::Uploader => &[Origin::Uploader],
        OriginArg::Lineage => &[Origin::Lineage],
        OriginArg::Both => &[Origin::Uploader, Origin::Lineage],
    };
    let period = match args.period {
        PeriodArg::Week => Period::Week,
        PeriodArg::Month => Period::Month,
        PeriodArg::Quarter => Period::Quarter,
        PeriodArg::Year => Period::Year,
    };
    let latest = *snapshots.times.last().expect("open checks for snapshots");
    let graph = if origins.contains(&Origin::Lineage) {
        Some(snapshots.graph(latest, false)?)
    } else {
        None
    };
    let mut per_origin: Vec<Vec<Shares>> = vec![Vec::new(); origins.len()];
    let mut cache = views::Attributions::default();
    snapshots.for_each_window(
        0,
        snapshots.times.len() - 1,
        &filter,
        None,
        FrameColumns::AUTHOR,
        |catalog, window, end| {
            let attributions = cache.at(catalog, window.to());
            let groups = WindowGroups::new(window, end, graph.as_ref());
            for (slot, &origin) in per_origin.iter_mut().zip(origins) {
                slot.push(groups.shares(attributions, dimension, origin));
            }
            Ok(())
        },
    )?;
    let results: Vec<Shares> = per_origin
        .iter()
        .flat_map(|windows| shares::sum_over_periods(windows, period))
        .collect();
    let text = match args.view.format {
        Format::Json => views::json(&SharesJson {
            schema: SCHEMA,
            by: dimension,
            period,
            registry_version: views::registry_version(),
            results: &results,
        })?,
        format => {
            let mut headers = vec!["period", "origin", "group", "downloads", "share", "models"];
            if format == Format::Csv {
                headers.push("population");
            }
            let mut table = Table::new(headers);
            for result in &results {
                for row in &result.rows {
                    let mut cells = vec![
                        result.period.clone(),
                        result.origin.as_str().to_owned(),
                        row.group.clone(),
                        row.downloads.to_string(),
                        views::percent(row.share),
                        row.models.to_string(),
                    ];
                    if format == Format::Csv {
                        cells.push(result.population.words.clone());
                    }
                    table.push(cells);
                }
            }
            if format == Format::Csv {
                table.csv()
            } else {
                let mut text = format!(
                    "Shares by {} (registry {})\n\n{}\nPopulations:\n",
                    dimension.as_str(),
                    views::registry_version(),
                    table.text()
                );
                for result in &results {
                    let _ = writeln!(
                        text,
                        "  {} {}: {}; HHI over the known groups {}",
                        result.period,
                        result.origin.as_str(),
                        result.population.words,
                        views::decimal(result.hhi.value, 1)
                    );
                }
                text
            }
        }
    };
    crate::output::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
