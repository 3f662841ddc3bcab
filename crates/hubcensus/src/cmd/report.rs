//! `hubcensus report`: write the State of Open Source report (HTML, Markdown or JSON).
//!
//! Loads the store's snapshots two at a time, computes every window's figures with
//! hubcensus-analytics, attributes namespaces with the embedded registry, and maps the results
//! into hubcensus-report's plain-data view. [`build_view`] is public for `hubcensus demo`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_analytics::concentration::{Concentration, Hhi};
use hubcensus_analytics::lineage::{self, LineageGraph, Root};
use hubcensus_analytics::series::{SeriesBuilder, WindowFigures};
use hubcensus_analytics::shares::{self, Dimension, Origin, Shares, WindowGroups};
use hubcensus_analytics::window::Cadence;
use hubcensus_analytics::working_set::WorkingSet as AnalyticsWorkingSet;
use hubcensus_analytics::{Filter, Measure, Population as AnalyticsPopulation};
use hubcensus_model::{
    Attribution, Catalog, Column, ContributorType, FrameColumns, SnapshotFrame, Timestamp,
};
use hubcensus_registry::Registry;
use hubcensus_report as rv;
use hubcensus_store::Store;

use super::views::FilterArgs;
use crate::context::Context;
use crate::output::{Hint, write_stdout};

const AFTER_HELP: &str = "\
Cost: reads every snapshot in the range from the store, two at a time (about 2 GB of memory and
a few seconds per pair at 2,000,000 models); no network.

Examples:
  hubcensus report -o report.html
      the whole store, both origin modes, the weekly top 200, as one self-contained HTML file
  hubcensus report --from 2026-01-01 --to 2026-03-31 --task text-generation --format md -o q1.md
      one quarter, text-generation models only, as Markdown
  hubcensus report --origin lineage --k 100 --format json -o - | jq .headline
      the figures as versioned JSON (docs/report-json.md) on stdout";

#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// First snapshot to use (a date or RFC 3339 time; inclusive). Default: the oldest
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Last snapshot to use (inclusive). Default: the newest
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Size of the working set and of the top-k share
    #[arg(long, default_value_t = 200)]
    pub k: u64,
    /// Attribution origin mode: the uploader's country, the lineage root's, or both side by side
    #[arg(long, value_enum, default_value_t = OriginArg::Both)]
    pub origin: OriginArg,
    /// Write the report to FILE (`-` for stdout). Default: report.<format> in the current directory
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format. Default: from the output file's extension, else html
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    #[command(flatten)]
    pub filters: FilterArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OriginArg {
    Uploader,
    Lineage,
    Both,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    #[value(alias = "markdown")]
    Md,
    Json,
}

impl Format {
    const fn extension(self) -> &'static str {
        match self {
            Self::Html => "html",
            Self::Md => "md",
            Self::Json => "json",
        }
    }

    fn of_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "html" | "htm" => Some(Self::Html),
            "md" | "markdown" => Some(Self::Md),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

/// What to compute: the resolved form of [`Args`].
#[derive(Clone, Debug)]
pub struct Options {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub k: u64,
    pub origins: Vec<Origin>,
    pub filter: Filter,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            from: None,
            to: None,
            k: 200,
            origins: vec![Origin::Uploader, Origin::Lineage],
            filter: Filter::default(),
        }
    }
}

fn parse_time(flag: &str, text: Option<&String>) -> anyhow::Result<Option<Timestamp>> {
    text.map(|text| {
        Timestamp::parse(text).with_context(|| {
            Hint(format!(
                "{flag} takes a date (2026-03-29) or an RFC 3339 time (2026-03-29T00:00:00Z)"
            ))
        })
    })
    .transpose()
}

impl Args {
    fn options(&self) -> anyhow::Result<Options> {
        let filter = self.filters.filter()?;
        if self.k == 0 {
            return Err(anyhow::Error::new(Hint(
                "use --k 200 (the default) or another positive size".into(),
            ))
            .context("--k must be at least 1"));
        }
        let options = Options {
            from: parse_time("--from", self.from.as_ref())?,
            to: parse_time("--to", self.to.as_ref())?,
            k: self.k,
            origins: match self.origin {
                OriginArg::Uploader => vec![Origin::Uploader],
                OriginArg::Lineage => vec![Origin::Lineage],
                OriginArg::Both => vec![Origin::Uploader, Origin::Lineage],
            },
            filter,
        };
        if let (Some(from), Some(to)) = (options.from, options.to)
            && from > to
        {
            return Err(anyhow::Error::new(Hint("swap --from and --to".into()))
                .context(format!("--from {from} is after --to {to}")));
        }
        Ok(options)
    }
}

pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let options = args.options()?;
    let Args { output, format, .. } = args;
    let format = format
        .or_else(|| output.as_deref().and_then(Format::of_path))
        .unwrap_or(Format::Html);
    let store = Store::open(&context.data_dir)
        .with_context(|| format!("cannot open the store at {}", context.data_dir.display()))?;
    let view = build_view(&store, &options)?;
    match output.as_deref() {
        Some(path) if path == Path::new("-") => {
            let mut bytes = Vec::new();
            render(&view, format, &mut bytes)?;
            write_stdout(&String::from_utf8_lossy(&bytes))?;
        }
        output => {
            let path = output.map_or_else(
                || PathBuf::from(format!("report.{}", format.extension())),
                Path::to_path_buf,
            );
            write_report_file(&view, format, &path)?;
            write_stdout(&format!("{}\n", path.display()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Renders `view` in `format`.
pub fn render(view: &rv::ReportView, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    match format {
        Format::Html => rv::render_html(view, out),
        Format::Md => rv::render_markdown(view, out),
        Format::Json => rv::render_json(view, out),
    }
    .context("cannot render the report")
}

/// Renders `view` in `format` into the file at `path` (for `hubcensus demo`).
pub fn write_report_file(view: &rv::ReportView, format: Format, path: &Path) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    render(view, format, &mut bytes)?;
    write_file(path, &bytes)
}

/// Writes through a temporary file and a rename, so a reader never sees half a report.
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let temporary = path.with_file_name(format!(".{}.partial", file_name.to_string_lossy()));
    std::fs::write(&temporary, bytes)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, path)
        .with_context(|| format!("cannot move the report to {}", path.display()))
}

/// Everything computed from one window, kept after its frames are dropped.
struct WindowResult {
    figures: WindowFigures,
    /// Region, country and type shares, per origin mode asked for.
    regions: BTreeMap<Origin, Shares>,
    countries: BTreeMap<Origin, Shares>,
    types: Shares,
}

/// What the report keeps of its last window beyond its [`WindowResult`]: the figures drawn from
/// the end snapshot itself.
struct LastWindow {
    catalog: Catalog,
    end: SnapshotFrame,
    /// The creation time, at the newest snapshot, of every model in any window's working set
    /// (none for the others): what credible releases read.
    created: Column<Timestamp>,
    attributions: Vec<Attribution>,
    /// HHI over organizations and over countries (uploader origin).
    hhi_org: Hhi,
    hhi_country: Hhi,
}

/// Builds the report's view from the store's snapshots in the options' range.
pub fn build_view(store: &Store, options: &Options) -> anyhow::Result<rv::ReportView> {
    let infos: Vec<_> = store
        .snapshots()
        .iter()
        .filter(|info| options.from.is_none_or(|from| info.as_of >= from))
        .filter(|info| options.to.is_none_or(|to| info.as_of <= to))
        .cloned()
        .collect();
    if infos.is_empty() {
        let hint = if store.is_empty() {
            "the store is empty: run `hubcensus demo` for a synthetic world, or `hubcensus import` / `hubcensus sync` for real data"
        } else {
            "list the snapshots with `hubcensus snapshots` and choose --from/--to around them"
        };
        return Err(
            anyhow::Error::new(Hint(hint.into())).context("no snapshot in the chosen range")
        );
    }
    let registry = Registry::embedded();
    let mut builder = SeriesBuilder::new();
    let mut results: Vec<WindowResult> = Vec::new();
    let mut last: Option<LastWindow> = None;
    // One lineage graph, of the newest snapshot, serves every window: declared lineage rarely
    // changes within a report's span, and loading it per snapshot tripled the report's run time
    // (5.7 s against 1.9 s at 200,000 models x 13 weeks). It is read at the first window, while
    // the snapshots decode.
    let newest = infos.last().expect("checked above").as_of;
    let mut graph: Option<LineageGraph> = None;
    let times: Vec<Timestamp> = infos.iter().map(|info| info.as_of).collect();
    // With several snapshots the first is the baseline of the first window.
    let (from, to) = (usize::from(times.len() > 1), times.len() - 1);
    let mut cache = super::views::Attributions::default();
    super::views::for_each_window(
        store,
        &times,
        from,
        to,
        &options.filter,
        Some(Cadence::WEEKLY),
        FrameColumns::AUTHOR,
        |catalog, window, end| {
            if graph.is_none() {
                let table = store
                    .lineage_with(newest, store.len(), false)
                    .context("cannot load the lineage table")?;
                graph = Some(LineageGraph::new(&table, store.len()));
            }
            let graph = graph.as_ref().expect("just read");
            let attributions = cache.at(catalog, end.info.as_of);
            let is_last = end.info.as_of == newest;
            let window_groups = WindowGroups::new(window, end, Some(graph));
            let figures = builder
                .push(
                    catalog,
                    &window_groups,
                    end,
                    is_last.then_some(graph),
                    options.k,
                )
                .clone();
            let share_of =
                |dimension, origin| window_groups.shares(attributions, dimension, origin);
            let mut regions = BTreeMap::new();
            let mut countries = BTreeMap::new();
            for origin in &options.origins {
                regions.insert(*origin, share_of(Dimension::Region, *origin));
                countries.insert(*origin, share_of(Dimension::Country, *origin));
            }
            let types = share_of(Dimension::Type, Origin::Uploader);
            if is_last {
                last = Some(LastWindow {
                    catalog: catalog.clone(),
                    end: end.clone(),
                    created: Column::default(),
                    attributions: attributions.to_vec(),
                    hhi_org: share_of(Dimension::Organization, Origin::Uploader).hhi,
                    hhi_country: countries.get(&Origin::Uploader).map_or_else(
                        || share_of(Dimension::Country, Origin::Uploader).hhi,
                        |shares| shares.hhi.clone(),
                    ),
                });
            }
            results.push(WindowResult {
                figures,
                regions,
                countries,
                types,
            });
            Ok(())
        },
    )?;
    let mut last = last.context("no window was computed (a bug)")?;
    // Credible releases need the creation time of working-set members only: read for them
    // from the newest snapshot alone, not decoded whole for every window's end.
    let mut members: Vec<u32> = results
        .iter()
        .flat_map(|r| r.figures.working_set.members.iter().copied())
        .collect();
    members.sort_unstable();
    members.dedup();
    store
        .created_at_of(newest, &members, &mut last.created)
        .with_context(|| format!("cannot load the snapshot of {newest}"))?;
    let graph = graph.context("no lineage graph (a bug)")?;
    Ok(map_view(&infos, &results, &last, &graph, registry, options))
}

fn population(population: &AnalyticsPopulation, attribution: &str) -> rv::Population {
    let days = population.from.days_until(population.to);
    rv::Population {
        models: format!(
            "{} models counted ({})",
            rv::format::grouped(population.models),
            population.filter.describe()
        ),
        downloads: match population.measure {
            Measure::AllTimeDifference => "downloadsAllTime difference".to_owned(),
            Measure::ThirtyDay => "30-day downloads field (no downloadsAllTime)".to_owned(),
        },
        window: match population.measure {
            Measure::AllTimeDifference => format!(
                "window {} to {} ({days:.0} days)",
                population.from.date_string(),
                population.to.date_string()
            ),
            Measure::ThirtyDay => format!("30-day window ending {}", population.to.date_string()),
        },
        attribution: population.origin.as_deref().map_or_else(
            || attribution.to_owned(),
            |origin| format!("origin: {origin}"),
        ),
        coverage: if population.origin.is_some() {
            population.coverage_country
        } else {
            None
        },
    }
}

/// An HHI figure, with a note when some downloads are in no known group (then the HHI is a
/// lower bound).
fn hhi_figure(
    id: &str,
    label: &str,
    hhi: &Hhi,
    no_group: &str,
    grouping: &str,
    window_population: &rv::Population,
) -> rv::Figure {
    rv::Figure {
        note: hhi.unknown_share.filter(|share| *share > 0.0).map(|share| {
            format!(
                "{} of downloads are in no {no_group}; the HHI is a lower bound",
                rv::format::share(Some(share))
            )
        }),
        ..figure(
            id,
            label,
            hhi.value,
            rv::Unit::Hhi,
            rv::Population {
                attribution: grouping.to_owned(),
                ..window_population.clone()
            },
        )
    }
}

fn figure(
    id: &str,
    label: &str,
    value: Option<f64>,
    unit: rv::Unit,
    population: rv::Population,
) -> rv::Figure {
    rv::Figure {
        id: id.to_owned(),
        label: label.to_owned(),
        value,
        unit,
        population,
        note: value
            .is_none()
            .then(|| "undefined: the population has no downloads in the window".to_owned()),
    }
}

fn share_table(shares: &Shares, dimension: &str) -> rv::ShareTable {
    rv::ShareTable {
        dimension: dimension.to_owned(),
        population: population(&shares.population, "not attributed"),
        total_downloads: shares.total,
        rows: shares
            .rows
            .iter()
            .map(|row| rv::ShareRow {
                group: row.group.clone(),
                models: row.models,
                downloads: row.downloads,
                share: row.share,
            })
            .collect(),
    }
}

/// One share series over the windows; groups in the order of the last window's rows.
fn share_series(title: &str, windows: &[&Shares], span: &rv::Population) -> rv::Series {
    let mut names: Vec<String> = Vec::new();
    if let Some(last) = windows.last() {
        names.extend(last.rows.iter().map(|row| row.group.clone()));
    }
    let mut seen: BTreeSet<String> = names.iter().cloned().collect();
    for shares in windows {
        for row in &shares.rows {
            if seen.insert(row.group.clone()) {
                names.push(row.group.clone());
            }
        }
    }
    rv::Series {
        title: title.to_owned(),
        unit: rv::Unit::Share,
        population: span.clone(),
        periods: windows
            .iter()
            .map(|s| s.population.to.date_string())
            .collect(),
        groups: names
            .into_iter()
            .map(|name| rv::SeriesGroup {
                values: windows
                    .iter()
                    .map(|shares| {
                        shares
                            .rows
                            .iter()
                            .find(|row| row.group == name)
                            .map_or(Some(0.0), |row| row.share)
                    })
                    .collect(),
                name,
            })
            .collect(),
    }
}

fn contributor_label(contributor: Option<ContributorType>) -> String {
    contributor.map_or_else(
        || shares::UNATTRIBUTED.to_owned(),
        |c| c.as_str().to_owned(),
    )
}

fn map_view(
    infos: &[hubcensus_model::SnapshotInfo],
    results: &[WindowResult],
    last: &LastWindow,
    graph: &LineageGraph,
    registry: &Registry,
    options: &Options,
) -> rv::ReportView {
    let LastWindow {
        catalog,
        end,
        created,
        attributions,
        hhi_org,
        hhi_country,
    } = last;
    let latest = results.last().expect("at least one window");
    let figures = &latest.figures;
    let k = options.k;
    let id_of = |model: u32| catalog.ids[model as usize].to_owned();
    let attribution_of = |model: usize| -> Option<&Attribution> {
        end.author
            .get(model)
            .and_then(|code| attributions.get(code as usize))
    };
    let country_of = |model: usize| {
        attribution_of(model)
            .and_then(|a| a.country.clone())
            .unwrap_or_else(|| shares::UNATTRIBUTED.to_owned())
    };
    let type_of =
        |model: usize| contributor_label(attribution_of(model).and_then(|a| a.contributor));
    let lineage_country_of = |model: usize| match graph.root(model) {
        Root::Mixed => shares::MIXED.to_owned(),
        Root::Model(root) => attribution_of(root as usize)
            .and_then(|a| a.country.clone())
            .unwrap_or_else(|| country_of(model)),
    };

    let window_population = population(&figures.population, "not attributed");
    let first = &results[0].figures.population;
    let span = rv::Population {
        window: format!(
            "{} windows, {} to {}",
            results.len(),
            first.from.date_string(),
            figures.population.to.date_string()
        ),
        ..window_population.clone()
    };
    let concentration: &Concentration = &figures.concentration;

    // Headline figures.
    let mut headline = vec![
        figure(
            "top_k_share",
            &format!("Top-{k} share of the window's downloads"),
            concentration.top_k_share,
            rv::Unit::Share,
            window_population.clone(),
        ),
        figure(
            "n50",
            "N50: models holding half of the downloads",
            concentration.n50.map(|n| n as f64),
            rv::Unit::Count,
            window_population.clone(),
        ),
        figure(
            "gini",
            "Gini coefficient of window downloads",
            concentration.gini,
            rv::Unit::Coefficient,
            window_population.clone(),
        ),
    ];
    for (origin, table) in &latest.regions {
        for region in ["US", "China"] {
            let row = table.rows.iter().find(|row| row.group == region);
            headline.push(figure(
                &format!("{}_share_{}", region.to_lowercase(), origin.as_str()),
                &format!(
                    "Share of the window's downloads from {region} ({} origin)",
                    origin.as_str()
                ),
                row.map_or(table.total.gt(&0).then_some(0.0), |row| row.share),
                rv::Unit::Share,
                population(&table.population, "not attributed"),
            ));
        }
    }
    headline.push(figure(
        "long_tail",
        "Models with fewer than 200 all-time downloads",
        figures.long_tail_share,
        rv::Unit::Share,
        rv::Population {
            downloads: format!(
                "downloadsAllTime at {}",
                figures.population.to.date_string()
            ),
            ..window_population.clone()
        },
    ));

    // Geography.
    let origins = latest
        .regions
        .keys()
        .map(|origin| {
            let regions: Vec<&Shares> = results.iter().map(|r| &r.regions[origin]).collect();
            let attribution = format!("origin: {}", origin.as_str());
            rv::OriginView {
                mode: origin.as_str().to_owned(),
                regions: share_table(&latest.regions[origin], "Region"),
                countries: share_table(&latest.countries[origin], "Country"),
                regions_over_time: share_series(
                    &format!("Share of window downloads by region ({attribution})"),
                    &regions,
                    &rv::Population {
                        attribution: attribution.clone(),
                        coverage: latest.regions[origin].population.coverage_country,
                        ..span.clone()
                    },
                ),
            }
        })
        .collect();

    // Who builds.
    let types: Vec<&Shares> = results.iter().map(|r| &r.types).collect();
    let sets: Vec<(Timestamp, &[u32])> = results
        .iter()
        .map(|r| {
            (
                r.figures.population.to,
                r.figures.working_set.members.as_slice(),
            )
        })
        .collect();
    let credible = shares::credible_releases(
        &sets,
        created,
        |model| attribution_of(model as usize).and_then(|a| a.contributor),
        90,
    );
    let quarters: Vec<String> = credible
        .iter()
        .map(|row| row.quarter.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let contributors: Vec<String> = credible
        .iter()
        .map(|row| row.contributor.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let credible_releases = rv::Series {
        title: format!(
            "Credible releases per quarter of creation (entered the top {k} within 90 days)"
        ),
        unit: rv::Unit::Count,
        population: rv::Population {
            models: format!(
                "models that entered a weekly top {k} within 90 days of creation ({})",
                options.filter.describe()
            ),
            attribution: "contributor type of the uploader".to_owned(),
            coverage: None,
            ..span.clone()
        },
        periods: quarters.clone(),
        groups: contributors
            .iter()
            .map(|contributor| rv::SeriesGroup {
                name: contributor.clone(),
                values: quarters
                    .iter()
                    .map(|quarter| {
                        Some(
                            credible
                                .iter()
                                .find(|row| {
                                    &row.quarter == quarter && &row.contributor == contributor
                                })
                                .map_or(0.0, |row| row.models as f64),
                        )
                    })
                    .collect(),
            })
            .collect(),
    };

    // Concentration.
    let hhi = &figures.hhi_author;
    let concentration_view = rv::Concentration {
        figures: [
            ("n50", "N50", concentration.n50),
            ("n80", "N80", concentration.n80),
            ("n90", "N90", concentration.n90),
        ]
        .into_iter()
        .map(|(id, label, n)| {
            figure(
                id,
                label,
                n.map(|n| n as f64),
                rv::Unit::Count,
                window_population.clone(),
            )
        })
        .chain([
            figure(
                "gini",
                "Gini (all models)",
                concentration.gini,
                rv::Unit::Coefficient,
                window_population.clone(),
            ),
            figure(
                "gini_nonzero",
                "Gini (models with downloads)",
                concentration.gini_nonzero,
                rv::Unit::Coefficient,
                rv::Population {
                    models: format!(
                        "the {} models with downloads in the window ({})",
                        rv::format::grouped(concentration.nonzero),
                        options.filter.describe()
                    ),
                    ..window_population.clone()
                },
            ),
            hhi_figure(
                "hhi_authors",
                "HHI over authors",
                hhi,
                "known author group (legacy ids)",
                "grouped by author namespace",
                &window_population,
            ),
            hhi_figure(
                "hhi_organizations",
                "HHI over organizations",
                hhi_org,
                "known organization (namespaces the registry does not name, legacy ids)",
                "grouped by the uploader's organization in the registry",
                &window_population,
            ),
            hhi_figure(
                "hhi_countries",
                "HHI over countries",
                hhi_country,
                "known country",
                "grouped by the uploader's country in the registry",
                &window_population,
            ),
        ])
        .collect(),
        top_k_share_over_time: rv::Series {
            title: format!("Top-{k} share of each window's downloads"),
            unit: rv::Unit::Share,
            population: span.clone(),
            periods: results
                .iter()
                .map(|r| r.figures.population.to.date_string())
                .collect(),
            groups: vec![rv::SeriesGroup {
                name: format!("top-{k} share"),
                values: results
                    .iter()
                    .map(|r| r.figures.concentration.top_k_share)
                    .collect(),
            }],
        },
        lorenz: concentration
            .lorenz
            .iter()
            .map(|p| [p.models, p.downloads])
            .collect(),
        lorenz_population: window_population.clone(),
    };

    // The working set.
    let working: &AnalyticsWorkingSet = &figures.working_set;
    let previous = results
        .len()
        .checked_sub(2)
        .map(|i| &results[i].figures.working_set);
    let previous_rank: BTreeMap<u32, u64> = previous
        .map(|set| {
            set.members
                .iter()
                .enumerate()
                .map(|(i, m)| (*m, i as u64 + 1))
                .collect()
        })
        .unwrap_or_default();
    let working_population = rv::Population {
        models: format!(
            "the {} models with the most window downloads, k = {k} ({})",
            working.members.len(),
            options.filter.describe()
        ),
        attribution: "origin: uploader and lineage".to_owned(),
        ..window_population.clone()
    };
    let rows: Vec<rv::WorkingSetRow> = working
        .members
        .iter()
        .zip(&working.downloads)
        .enumerate()
        .map(|(index, (&model, &downloads))| {
            let rank = index as u64 + 1;
            let change = match (previous, previous_rank.get(&model)) {
                (None, _) => rv::RankChange::Unknown,
                (Some(_), None) => rv::RankChange::New,
                (Some(_), Some(&before)) if before == rank => rv::RankChange::Same,
                (Some(_), Some(&before)) if before > rank => rv::RankChange::Up(before - rank),
                (Some(_), Some(&before)) => rv::RankChange::Down(rank - before),
            };
            rv::WorkingSetRow {
                rank,
                model: id_of(model),
                change,
                downloads,
                country: country_of(model as usize),
                lineage_country: lineage_country_of(model as usize),
                contributor_type: type_of(model as usize),
            }
        })
        .collect();
    let churn = figures.churn.as_ref();
    let entries: Vec<rv::Move> = churn
        .map(|churn| {
            churn
                .entries
                .iter()
                .filter_map(|model| {
                    let index = working.members.iter().position(|m| m == model)?;
                    Some(rv::Move {
                        model: id_of(*model),
                        rank: index as u64 + 1,
                        downloads: working.downloads[index],
                        contributor_type: type_of(*model as usize),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let exits: Vec<rv::Move> = match (churn, previous) {
        (Some(churn), Some(previous)) => churn
            .exits
            .iter()
            .filter_map(|model| {
                let index = previous.members.iter().position(|m| m == model)?;
                Some(rv::Move {
                    model: id_of(*model),
                    rank: index as u64 + 1,
                    downloads: previous.downloads[index],
                    contributor_type: type_of(*model as usize),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let families = figures
        .family_working_set
        .as_ref()
        .map(|set| {
            let wanted: BTreeSet<u32> = set.members.iter().copied().collect();
            let mut members: BTreeMap<u32, u64> = BTreeMap::new();
            for (model, family) in graph.families().iter().enumerate() {
                if wanted.contains(family) && end.present.get(model).copied().unwrap_or(false) {
                    *members.entry(*family).or_default() += 1;
                }
            }
            set.members
                .iter()
                .zip(&set.downloads)
                .enumerate()
                .map(|(index, (base, downloads))| rv::FamilyRow {
                    rank: index as u64 + 1,
                    base: id_of(*base),
                    members: members.get(base).copied().unwrap_or(1),
                    downloads: *downloads,
                    share: (figures.counts.total_downloads > 0)
                        .then(|| *downloads as f64 / figures.counts.total_downloads as f64),
                })
                .take(50)
                .collect()
        })
        .unwrap_or_default();

    // Derivative ecosystems.
    let matcher = options.filter.matcher(catalog, end.info.as_of);
    let bases = lineage::derivatives(graph, Some(20), |model| {
        end.present.get(model).copied().unwrap_or(false) && matcher.accepts(end, model)
    });
    let mix = graph.relation_mix();
    let lineage_population = rv::Population {
        models: format!(
            "models in the snapshot of {} with declared lineage ({})",
            end.info.as_of.date_string(),
            options.filter.describe()
        ),
        downloads: "not used (lineage edges)".to_owned(),
        window: format!("snapshot of {}", end.info.as_of.date_string()),
        attribution: "not attributed".to_owned(),
        coverage: None,
    };
    let derivatives = rv::Derivatives {
        population: lineage_population,
        top_bases: bases
            .iter()
            .map(|base| rv::BaseRow {
                model: id_of(base.model),
                direct: base.direct.total(),
                total: base.descendants,
                by_relation: hubcensus_model::Relation::ALL
                    .iter()
                    .map(|relation| rv::RelationCount {
                        relation: relation.as_str().to_owned(),
                        count: base.direct.get(*relation),
                    })
                    .filter(|count| count.count > 0)
                    .collect(),
            })
            .collect(),
        relation_mix: mix
            .shares
            .iter()
            .map(|(relation, share)| rv::RelationShare {
                relation: relation.as_str().to_owned(),
                edges: mix.counts.get(*relation),
                share: *share,
            })
            .collect(),
        cycles: graph.cycles().len() as u64,
    };

    // What to do.
    let weeks_in_set = |model: u32| {
        results
            .iter()
            .filter(|r| r.figures.working_set.members.contains(&model))
            .count()
    };
    let review_defaults = match (churn, previous) {
        (Some(churn), Some(previous)) => churn
            .exits
            .iter()
            .filter(|model| weeks_in_set(**model) * 2 >= results.len())
            .map(|model| rv::ActionItem {
                model: id_of(*model),
                detail: format!(
                    "in the top {k} for {} of {} windows; rank {} in the previous window",
                    weeks_in_set(*model),
                    results.len(),
                    previous
                        .members
                        .iter()
                        .position(|m| m == model)
                        .map_or(0, |index| index + 1)
                ),
            })
            .collect(),
        _ => Vec::new(),
    };
    let small_team = |kind: &str| !matches!(kind, "industry" | "government");
    let evaluate_newcomers = entries
        .iter()
        .filter(|entry| small_team(&entry.contributor_type))
        .map(|entry| rv::ActionItem {
            model: entry.model.clone(),
            detail: format!(
                "{}; entered at rank {}; {} downloads in the window",
                entry.contributor_type,
                entry.rank,
                rv::format::compact(entry.downloads)
            ),
        })
        .collect();
    let track = rows
        .iter()
        .map(|row| rv::ActionItem {
            model: row.model.clone(),
            detail: format!("rank {}", row.rank),
        })
        .collect();
    let actions = rv::Actions {
        review_defaults: rv::ActionList {
            title: "Well-known defaults that left the working set".to_owned(),
            rationale: format!(
                "These models were in the top {k} for at least half of the windows and left it in the last one: if your stack defaults to one, check what replaced it."
            ),
            population: working_population.clone(),
            items: review_defaults,
        },
        evaluate_newcomers: rv::ActionList {
            title: "Small-team releases that entered the working set".to_owned(),
            rationale: "Entered the working set in the last window, uploaded by individuals, community groups, academia, non-profits or accounts the registry does not know: candidates to evaluate.".to_owned(),
            population: working_population.clone(),
            items: evaluate_newcomers,
        },
        track: rv::ActionList {
            title: format!("The {} to track", rows.len()),
            rationale: "The current working set: the models that carry most of the window's downloads.".to_owned(),
            population: working_population.clone(),
            items: track,
        },
    };

    // Data quality.
    let windows: Vec<rv::WindowQuality> = results
        .iter()
        .map(|r| {
            let population = &r.figures.population;
            rv::WindowQuality {
                window: match population.measure {
                    Measure::AllTimeDifference => format!(
                        "{} to {}",
                        population.from.date_string(),
                        population.to.date_string()
                    ),
                    Measure::ThirtyDay => {
                        format!("30 days ending {}", population.to.date_string())
                    }
                },
                days: r.figures.days.round() as u64,
                missed_week: r.figures.longer_than_cadence,
                unmatched: r.figures.counts.unmatched,
                disappeared: r.figures.counts.disappeared,
                negative: r.figures.counts.negative,
                negative_downloads: r.figures.counts.clamped_downloads,
            }
        })
        .collect();
    let mut notes = Vec::new();
    if results.len() > 1 && options.origins.contains(&Origin::Lineage) {
        notes.push(format!(
            "Lineage origin uses the lineage declared in the newest snapshot ({}) for every window.",
            end.info.as_of.date_string()
        ));
    }
    if infos.iter().any(|info| info.partial) {
        notes.push("Some snapshots are partial (a top-N listing or an interrupted crawl): their figures cover only the models listed.".to_owned());
    }
    if results
        .iter()
        .any(|r| r.figures.population.measure == Measure::ThirtyDay)
    {
        notes.push("Some windows use the 30-day downloads field of a single snapshot (no downloadsAllTime): they are labelled \"30 days ending\".".to_owned());
    }
    if results.iter().any(|r| r.figures.counts.unmeasured > 0) {
        notes.push(format!(
            "{} models were present without the downloads field the window needs (not counted).",
            rv::format::grouped(results.iter().map(|r| r.figures.counts.unmeasured).sum())
        ));
    }

    let synthetic = infos.iter().any(|info| info.synthetic);
    let uploader_types = &latest.types.population;
    rv::ReportView {
        title: "State of Open Source on the Hugging Face Hub".to_owned(),
        period: format!(
            "{} windows from {} to {}",
            results.len(),
            first.from.date_string(),
            figures.population.to.date_string()
        ),
        synthetic,
        generator: format!("hubcensus {}", env!("CARGO_PKG_VERSION")),
        snapshots: infos
            .iter()
            .map(|info| rv::SnapshotRef {
                id: info.as_of.to_string(),
                taken_at: info.as_of.to_string(),
                source: format!("{:?}", info.source),
                models: info.models,
            })
            .collect(),
        registry_version: registry.version(),
        filters: filters(&options.filter),
        headline,
        geography: rv::Geography { origins },
        builders: rv::Builders {
            types: share_table(&latest.types, "Contributor type"),
            types_over_time: share_series(
                "Share of window downloads by contributor type (uploader)",
                &types,
                &rv::Population {
                    attribution: "contributor type of the uploader".to_owned(),
                    coverage: uploader_types.coverage_type,
                    ..span.clone()
                },
            ),
            credible_releases,
        },
        concentration: concentration_view,
        working_set: rv::WorkingSet {
            k,
            week: format!("window ending {}", figures.population.to.date_string()),
            population: working_population,
            share_of_downloads: working.share,
            churn: churn.map(|c| c.churn),
            rows,
            entries,
            exits,
            families,
        },
        derivatives,
        actions,
        data_quality: rv::DataQuality {
            windows,
            country_coverage: uploader_types.coverage_country,
            type_coverage: uploader_types.coverage_type,
            notes,
        },
        methodology: METHODOLOGY.to_owned(),
    }
}

fn filters(filter: &Filter) -> Vec<rv::Filter> {
    let mut out = Vec::new();
    let mut push = |name: &str, value: String| {
        out.push(rv::Filter {
            name: name.to_owned(),
            value,
        });
    };
    if let Some(task) = &filter.task {
        push("task", task.clone());
    }
    if let Some(library) = &filter.library {
        push("library", library.clone());
    }
    if let Some(license) = &filter.license {
        push("license", license.clone());
    }
    if let Some(min) = filter.min_params {
        push("parameters at least", min.to_string());
    }
    if let Some(max) = filter.max_params {
        push("parameters at most", max.to_string());
    }
    if filter.new_models {
        push(
            "created within",
            "365 days before the window's end".to_owned(),
        );
    }
    out
}

/// The methodology section. It summarises docs/methodology.md; when that page is in the tree,
/// this should become `include_str!` of it.
const METHODOLOGY: &str = "\
# How the figures are computed

A snapshot is the metadata of every model on the Hub at one time. Window downloads are the
difference of `downloadsAllTime` between two consecutive snapshots; a model that appears in the
later snapshot counts only when it was created inside the window (otherwise it is reported as
unmatched), and a model that vanished is reported as disappeared. A negative difference is kept
as data and counted as zero. Where `downloadsAllTime` is missing, the figure uses the 30-day
`downloads` field of one snapshot and says so; differences of the 30-day field are never used.

- Concentration: models sorted by window downloads (ties by id); the top-k share, N50/N80/N90
  (the fewest models holding 50/80/90% of downloads), the Gini coefficient over all models and
  over models with downloads, and the Herfindahl-Hirschman index over author namespaces.
- The working set is the top k models of a window (k = 200 unless stated); churn is the share
  of the set that is new against the previous window. The family view folds quantized and
  adapter derivatives into their base.
- Attribution comes from the project's reviewed registry: a namespace's organization, country,
  region and contributor type, each with a source. Uploader origin uses the uploader's country;
  lineage origin uses the country of the model's lineage root. Unattributed downloads stay in
  every denominator as their own group.
- Lineage comes from `baseModels`, else from `base_model` tags; several parents make a merge;
  cycles are reported and broken. The lineage of the newest snapshot in the report serves every
  window (declared lineage rarely changes within a few months).

Every figure states its population: which models, which downloads, which window, which
attribution mode, and the share of downloads that could be attributed.
";
