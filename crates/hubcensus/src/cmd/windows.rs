//! `hubcensus windows`: window downloads between consecutive snapshots, with concentration and
//! the working set. Its JSON is a contract: docs/windows-json.md.

use std::fmt::Write as _;
use std::process::ExitCode;

use hubcensus_analytics::concentration::{Hhi, LorenzPoint};
use hubcensus_analytics::series::{SeriesBuilder, WindowFigures};
use hubcensus_analytics::shares::{Dimension, Origin, WindowGroups};
use hubcensus_analytics::window::Cadence;
use hubcensus_analytics::{Measure, Population};
use hubcensus_model::{FrameColumns, Ids, Timestamp};
use serde::Serialize;

use crate::cmd::views::{self, Format, Snapshots, Table, ViewArgs};
use crate::context::Context;

/// The version of the `windows --format json` contract.
pub const SCHEMA: &str = "hubcensus.windows/1";

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Cost: reads every snapshot in the store (a few at a time) and the latest lineage; no network.
On 13 weekly snapshots of 2 million models, 1.3-1.6 s and about 500 MB on two cores.

Examples:
  hubcensus windows
  hubcensus windows --k 100 --task text-generation --format json
  hubcensus windows --new-models --format csv > windows.csv")]
pub struct Args {
    #[command(flatten)]
    pub view: ViewArgs,
    /// Working-set size and top-k share k
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..))]
    pub k: u64,
    /// The planned spacing of snapshots in days; longer windows are flagged (a missed week)
    #[arg(long, default_value_t = 7.0, value_name = "DAYS")]
    pub cadence_days: f64,
}

/// One window in the JSON contract.
#[derive(Serialize)]
struct WindowJson<'a> {
    from: Timestamp,
    to: Timestamp,
    measure: Measure,
    days: f64,
    longer_than_cadence: bool,
    total_downloads: u64,
    models: u64,
    matched: u64,
    new: u64,
    unmatched: u64,
    disappeared: u64,
    unmeasured: u64,
    negative: u64,
    clamped_downloads: u64,
    k: u64,
    top_k_share: Option<f64>,
    n50: Option<u64>,
    n80: Option<u64>,
    n90: Option<u64>,
    gini: Option<f64>,
    gini_nonzero: Option<f64>,
    hhi_author: Option<f64>,
    hhi_author_unknown_share: Option<f64>,
    hhi_org: Option<f64>,
    hhi_org_unknown_share: Option<f64>,
    hhi_country: Option<f64>,
    hhi_country_unknown_share: Option<f64>,
    long_tail_share: Option<f64>,
    lorenz: &'a [LorenzPoint],
    working_set: Vec<&'a str>,
    working_set_share: Option<f64>,
    entries: Option<Vec<&'a str>>,
    exits: Option<Vec<&'a str>>,
    churn: Option<f64>,
    family_working_set: Vec<&'a str>,
    family_working_set_share: Option<f64>,
    population: &'a Population,
}

#[derive(Serialize)]
struct WindowsJson<'a> {
    schema: &'static str,
    tool_version: &'static str,
    k: u64,
    snapshots: &'a [Timestamp],
    lineage_as_of: Timestamp,
    windows: Vec<WindowJson<'a>>,
}

/// The HHI over organizations and over countries of one window (uploader origin, embedded
/// registry at the window's end).
struct GroupHhi {
    org: Hhi,
    country: Hhi,
}

fn window_json<'a>(figures: &'a WindowFigures, groups: &GroupHhi, ids: &'a Ids) -> WindowJson<'a> {
    let names = |members: &[u32]| members.iter().map(|&m| &ids[m as usize]).collect();
    let family = figures.family_working_set.as_ref();
    WindowJson {
        from: figures.population.from,
        to: figures.population.to,
        measure: figures.population.measure,
        days: figures.days,
        longer_than_cadence: figures.longer_than_cadence,
        total_downloads: figures.counts.total_downloads,
        models: figures.counts.models,
        matched: figures.counts.matched,
        new: figures.counts.new,
        unmatched: figures.counts.unmatched,
        disappeared: figures.counts.disappeared,
        unmeasured: figures.counts.unmeasured,
        negative: figures.counts.negative,
        clamped_downloads: figures.counts.clamped_downloads,
        k: figures.concentration.k,
        top_k_share: figures.concentration.top_k_share,
        n50: figures.concentration.n50,
        n80: figures.concentration.n80,
        n90: figures.concentration.n90,
        gini: figures.concentration.gini,
        gini_nonzero: figures.concentration.gini_nonzero,
        hhi_author: figures.hhi_author.value,
        hhi_author_unknown_share: figures.hhi_author.unknown_share,
        hhi_org: groups.org.value,
        hhi_org_unknown_share: groups.org.unknown_share,
        hhi_country: groups.country.value,
        hhi_country_unknown_share: groups.country.unknown_share,
        long_tail_share: figures.long_tail_share,
        lorenz: &figures.concentration.lorenz,
        working_set: names(&figures.working_set.members),
        working_set_share: figures.working_set.share,
        entries: figures.churn.as_ref().map(|c| names(&c.entries)),
        exits: figures.churn.as_ref().map(|c| names(&c.exits)),
        churn: figures.churn.as_ref().map(|c| c.churn),
        family_working_set: family.map_or_else(Vec::new, |f| names(&f.members)),
        family_working_set_share: family.and_then(|f| f.share),
        population: &figures.population,
    }
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let filter = args.view.filter()?;
    let snapshots = Snapshots::open(context)?;
    let latest = *snapshots.times.last().expect("open checks for snapshots");
    let cadence = (args.cadence_days > 0.0).then_some(Cadence {
        days: args.cadence_days,
    });
    let mut builder = SeriesBuilder::new();
    let mut groups: Vec<GroupHhi> = Vec::new();
    let mut cache = views::Attributions::default();
    let ids = std::thread::scope(|scope| -> anyhow::Result<Ids> {
        // The lineage graph is read on its own thread from the start: while the ids are read
        // (one core for most of it) and the first snapshots decode, the main thread would
        // wait anyway. It is taken at the first window.
        let mut reading = Some(scope.spawn(|| snapshots.graph(latest, false)));
        let mut graph = None;
        snapshots.for_each_window(
            0,
            snapshots.times.len() - 1,
            &filter,
            cadence,
            FrameColumns::AUTHOR,
            |catalog, window, end| {
                if let Some(reading) = reading.take() {
                    graph =
                        Some(reading.join().map_err(|_| {
                            anyhow::anyhow!("the lineage-reading thread panicked")
                        })??);
                }
                let window_groups = WindowGroups::new(window, end, None);
                builder.push(catalog, &window_groups, end, graph.as_ref(), args.k);
                let attributions = cache.at(catalog, window.to());
                let hhi = |dimension| {
                    window_groups
                        .shares(attributions, dimension, Origin::Uploader)
                        .hhi
                };
                groups.push(GroupHhi {
                    org: hhi(Dimension::Organization),
                    country: hhi(Dimension::Country),
                });
                Ok(())
            },
        )?;
        // Read once by the frame loader, and shared.
        snapshots.ids()
    })?;
    let figures = builder.finish();
    let text = match args.view.format {
        Format::Json => views::json(&WindowsJson {
            schema: SCHEMA,
            tool_version: env!("CARGO_PKG_VERSION"),
            k: args.k,
            snapshots: &snapshots.times,
            lineage_as_of: latest,
            windows: figures
                .iter()
                .zip(&groups)
                .map(|(f, g)| window_json(f, g, &ids))
                .collect(),
        })?,
        Format::Table | Format::Csv => {
            let table = table(&figures, &groups, args.view.format == Format::Csv);
            if args.view.format == Format::Csv {
                table.csv()
            } else {
                let mut text = format!(
                    "Windows: {} from {} snapshots; k = {}; population: {}\n\n",
                    figures.len(),
                    snapshots.times.len(),
                    args.k,
                    filter.describe()
                );
                text.push_str(&table.text());
                text.push_str("\nPopulations:\n");
                for f in &figures {
                    let _ = writeln!(text, "  {}: {}", f.population.to, f.population.words);
                }
                text
            }
        }
    };
    crate::output::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn table(figures: &[WindowFigures], groups: &[GroupHhi], with_population: bool) -> Table {
    let mut headers = vec![
        "to",
        "measure",
        "days",
        "models",
        "new",
        "unmatched",
        "disappeared",
        "negative",
        "downloads",
        "top_k_share",
        "n50",
        "n80",
        "n90",
        "gini",
        "gini_nonzero",
        "hhi_author",
        "hhi_org",
        "hhi_country",
        "working_set_share",
        "churn",
        "flags",
    ];
    if with_population {
        headers.push("population");
    }
    let mut table = Table::new(headers);
    for (f, g) in figures.iter().zip(groups) {
        let mut flags = Vec::new();
        if f.longer_than_cadence {
            flags.push("missed-snapshot");
        }
        if f.population.partial {
            flags.push("partial");
        }
        if f.population.synthetic {
            flags.push("synthetic");
        }
        let mut row = vec![
            f.population.to.to_string(),
            match f.population.measure {
                Measure::AllTimeDifference => "difference".to_owned(),
                Measure::ThirtyDay => "30-day".to_owned(),
            },
            format!("{:.1}", f.days),
            f.counts.models.to_string(),
            f.counts.new.to_string(),
            f.counts.unmatched.to_string(),
            f.counts.disappeared.to_string(),
            f.counts.negative.to_string(),
            f.counts.total_downloads.to_string(),
            views::percent(f.concentration.top_k_share),
            views::count(f.concentration.n50),
            views::count(f.concentration.n80),
            views::count(f.concentration.n90),
            views::decimal(f.concentration.gini, 4),
            views::decimal(f.concentration.gini_nonzero, 4),
            views::decimal(f.hhi_author.value, 1),
            views::decimal(g.org.value, 1),
            views::decimal(g.country.value, 1),
            views::percent(f.working_set.share),
            f.churn
                .as_ref()
                .map_or_else(|| "-".to_owned(), |c| views::percent(Some(c.churn))),
            flags.join(" "),
        ];
        if with_population {
            row.push(f.population.words.clone());
        }
        table.push(row);
    }
    table
}
