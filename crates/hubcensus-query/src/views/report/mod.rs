//! The report's view: the store's snapshots in a range, every window's figures from
//! hubcensus-analytics, attributed through the one attributor, mapped into hubcensus-report's
//! plain-data view section by section (`sections.rs`).

mod sections;

use std::collections::BTreeMap;

use hubcensus_analytics::lineage::LineageGraph;
use hubcensus_analytics::series::{self, SeriesBuilder, WindowFigures};
use hubcensus_analytics::shares::{Dimension, Origin, Shares};
use hubcensus_analytics::window::Cadence;
use hubcensus_analytics::{Filter, Measure, Population as AnalyticsPopulation};
use hubcensus_model::{Catalog, Column, FrameColumns, SnapshotFrame, SnapshotInfo, Timestamp};
use hubcensus_registry::Registry;
use hubcensus_report as rv;

use crate::attribution::Attributor;
use crate::{Census, QueryError, TOOL_VERSION, WindowPlan};

/// What to compute.
#[derive(Clone, Debug)]
pub struct ReportQuery {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub k: u64,
    pub origins: Vec<Origin>,
    pub filter: Filter,
}

impl Default for ReportQuery {
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

/// Everything computed from one window, kept after its frames are dropped.
struct WindowResult {
    figures: WindowFigures,
    /// Region and country shares, per origin mode asked for; contributor types (uploader).
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
    /// HHI over organizations and over countries (uploader origin).
    hhi_org: hubcensus_analytics::concentration::Hhi,
    hhi_country: hubcensus_analytics::concentration::Hhi,
}

/// What every section reads.
struct Inputs<'a> {
    infos: &'a [SnapshotInfo],
    results: &'a [WindowResult],
    last: &'a LastWindow,
    graph: &'a LineageGraph,
    attributor: &'a Attributor<'a>,
    query: &'a ReportQuery,
    /// Where the lineage came from, in words.
    lineage: String,
}

impl Inputs<'_> {
    fn latest(&self) -> &WindowResult {
        self.results.last().expect("at least one window")
    }

    fn figures(&self) -> &WindowFigures {
        &self.latest().figures
    }

    fn id(&self, model: u32) -> String {
        self.last.catalog.ids[model as usize].to_owned()
    }

    /// Both origin modes of `model` at the last window (the rules every share follows).
    fn origin(&self, model: u32) -> hubcensus_registry::Origin {
        self.attributor.origin(
            &self.last.catalog,
            &self.last.end,
            Some(self.graph),
            model as usize,
            self.last.end.info.as_of,
        )
    }

    /// The population of the last window.
    fn window_population(&self) -> rv::Population {
        population(&self.figures().population, "not attributed", None)
    }

    /// The population of the whole span.
    fn span(&self) -> rv::Population {
        let first = &self.results[0].figures.population;
        rv::Population {
            window: format!(
                "{} windows, {} to {}",
                self.results.len(),
                first.from.date_string(),
                self.figures().population.to.date_string()
            ),
            ..self.window_population()
        }
    }
}

impl ReportQuery {
    /// The checks that need no store: a user's mistake is reported before anything is read.
    pub fn validate(&self) -> Result<(), QueryError> {
        super::check_k(self.k)?;
        crate::check_span(self.from, self.to)
    }
}

/// Builds the report's view from the store's snapshots in the query's range.
pub fn report(census: &Census, query: &ReportQuery) -> Result<rv::ReportView, QueryError> {
    report_with_progress(census, query, &mut |_, _| {})
}

/// [`report`], calling `progress(done, total)` after each window (for a progress bar).
pub fn report_with_progress(
    census: &Census,
    query: &ReportQuery,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<rv::ReportView, QueryError> {
    with_inputs(census, query, progress, assemble)
}

/// The report's "Who builds" section alone: contributor-type shares of the last window and
/// per week, and credible releases per quarter of creation by contributor type (the same
/// figures as the report's, by the same function; the dashboard's Contributors page).
pub fn builders(census: &Census, query: &ReportQuery) -> Result<rv::Builders, QueryError> {
    with_inputs(census, query, &mut |_, _| {}, sections::builders)
}

/// Computes every window of the query's range once, then hands the inputs to `section`.
fn with_inputs<T>(
    census: &Census,
    query: &ReportQuery,
    progress: &mut dyn FnMut(usize, usize),
    section: impl FnOnce(&Inputs<'_>) -> T,
) -> Result<T, QueryError> {
    query.validate()?;
    let range = match census.range(query.from, query.to) {
        Err(QueryError::NoSnapshots { .. }) => {
            return Err(QueryError::invalid(
                "from",
                "no snapshot in the chosen range",
                "the store is empty: run `hubcensus demo` for a synthetic world, or `hubcensus import` / `hubcensus sync` for real data",
            ));
        }
        other => other?,
    };
    let times: Vec<Timestamp> = census.times()[range].to_vec();
    let infos: Vec<SnapshotInfo> = times
        .iter()
        .filter_map(|&t| census.info(t).cloned())
        .collect();
    let newest = *times.last().expect("a range is not empty");
    let mut builder = SeriesBuilder::new();
    let mut results: Vec<WindowResult> = Vec::new();
    let mut last: Option<LastWindow> = None;
    // One lineage graph, of the newest snapshot, serves every window: declared lineage rarely
    // changes within a report's span, and loading it per snapshot tripled the report's run time
    // (5.7 s against 1.9 s at 200,000 models x 13 weeks). It is read at the first window, while
    // the snapshots decode.
    let mut graph: Option<std::sync::Arc<LineageGraph>> = None;
    let mut lineage_from: Option<Timestamp> = None;
    let mut attributor = Attributor::new(census.accounts());
    let plan = WindowPlan::between(times, query.filter.clone(), FrameColumns::AUTHOR)
        .with_cadence(Some(Cadence::WEEKLY));
    let total = plan.ends.clone().count();
    std::thread::scope(|scope| {
        // Read on its own thread from the start, while the ids are read and the first snapshots
        // decode (as `windows` does); taken at the first window.
        let mut reading = Some(scope.spawn(|| census.lineage(newest, false)));
        census.for_each_window(&plan, |catalog, window, end| {
            if let Some(reading) = reading.take() {
                let (read, source) = super::joined(reading, "lineage-reading")??;
                graph = Some(read);
                lineage_from = source;
            }
            let graph = graph.as_ref().expect("just read");
            let is_last = end.info.as_of == newest;
            // The sums by attribution key and every share over them on a second thread while
            // this one computes the window's other figures (as `windows` does).
            let attributor = &mut attributor;
            let origins = &query.origins;
            let (mut figures, grouped) = super::on_two_cores(
                move || {
                    attributor.update(catalog, end.info.as_of);
                    let window_groups = attributor.groups(window, end, Some(graph), &catalog.ids);
                    let table = attributor.table();
                    let share_of =
                        |dimension, origin| window_groups.shares(table, dimension, origin);
                    let mut regions = BTreeMap::new();
                    let mut countries = BTreeMap::new();
                    for origin in origins {
                        regions.insert(*origin, share_of(Dimension::Region, *origin));
                        countries.insert(*origin, share_of(Dimension::Country, *origin));
                    }
                    let types = share_of(Dimension::Type, Origin::Uploader);
                    let last_hhi = is_last.then(|| {
                        (
                            share_of(Dimension::Organization, Origin::Uploader).hhi,
                            countries.get(&Origin::Uploader).map_or_else(
                                || share_of(Dimension::Country, Origin::Uploader).hhi,
                                |shares| shares.hhi.clone(),
                            ),
                        )
                    });
                    (
                        window_groups.author_hhi(),
                        regions,
                        countries,
                        types,
                        last_hhi,
                    )
                },
                || {
                    series::figures_of(
                        catalog,
                        window,
                        end,
                        is_last.then_some(graph.as_ref()),
                        query.k,
                        builder.scratch(),
                    )
                },
                "window-grouping",
            )?;
            let (hhi_author, regions, countries, types, last_hhi) = grouped;
            figures.hhi_author = hhi_author;
            let figures = builder.push_figures(figures).clone();
            if let Some((hhi_org, hhi_country)) = last_hhi {
                last = Some(LastWindow {
                    catalog: catalog.clone(),
                    end: end.clone(),
                    created: Column::default(),
                    hhi_org,
                    hhi_country,
                });
            }
            results.push(WindowResult {
                figures,
                regions,
                countries,
                types,
            });
            progress(results.len(), total);
            Ok(())
        })
    })?;
    let mut last = last.ok_or_else(|| QueryError::Bug("no window was computed".into()))?;
    // Credible releases need the creation time of working-set members only: read for them
    // from the newest snapshot alone, not decoded whole for every window's end.
    let mut members: Vec<u32> = results
        .iter()
        .flat_map(|r| r.figures.working_set.members.iter().copied())
        .collect();
    members.sort_unstable();
    members.dedup();
    census
        .store()
        .created_at_of(newest, &members, &mut last.created)
        .map_err(QueryError::store(format!(
            "cannot load the snapshot of {newest}"
        )))?;
    let graph = graph.ok_or_else(|| QueryError::Bug("no lineage graph".into()))?;
    let inputs = Inputs {
        infos: &infos,
        results: &results,
        last: &last,
        graph: &graph,
        attributor: &attributor,
        query,
        lineage: census.lineage_words(newest, lineage_from),
    };
    Ok(section(&inputs))
}

/// The view, section by section.
fn assemble(inputs: &Inputs<'_>) -> rv::ReportView {
    let figures = inputs.figures();
    let first = &inputs.results[0].figures.population;
    let working_set = sections::working_set(inputs);
    let actions = sections::actions(inputs, &working_set);
    let latest_types = &inputs.latest().types;
    rv::ReportView {
        // A partial snapshot (a listing, `sync --limit`) is not the Hub: the title says so.
        title: if inputs.infos.last().is_some_and(|info| info.partial) {
            "State of Open Source in a partial listing of the Hugging Face Hub (not the whole Hub)"
                .to_owned()
        } else {
            "State of Open Source on the Hugging Face Hub".to_owned()
        },
        period: format!(
            "{} windows from {} to {}",
            inputs.results.len(),
            first.from.date_string(),
            figures.population.to.date_string()
        ),
        synthetic: inputs.infos.iter().any(|info| info.synthetic),
        partial: {
            let partial = inputs.infos.iter().filter(|info| info.partial).count();
            (partial > 0).then(|| {
                format!(
                    "{partial} of the {} snapshots are partial (a top-N listing, a limited or interrupted crawl): the figures over them cover only the models listed, not the whole Hub.",
                    inputs.infos.len()
                )
            })
        },
        generator: format!("hubcensus {TOOL_VERSION}"),
        snapshots: inputs
            .infos
            .iter()
            .map(|info| rv::SnapshotRef {
                id: info.as_of.to_string(),
                taken_at: info.as_of.to_string(),
                source: format!("{:?}", info.source),
                models: info.models,
            })
            .collect(),
        registry_version: Registry::embedded().version(),
        filters: filters(&inputs.query.filter),
        headline: sections::headline(inputs),
        geography: sections::geography(inputs),
        builders: sections::builders(inputs),
        concentration: sections::concentration(inputs),
        working_set,
        derivatives: sections::derivatives(inputs),
        actions,
        data_quality: sections::data_quality(inputs, latest_types),
        methodology: METHODOLOGY.to_owned(),
    }
}

/// A report population from an analytics one; `coverage` is what the caption states (the
/// country coverage for countries and regions, the type coverage for types), when
/// attribution applies.
fn population(
    population: &AnalyticsPopulation,
    attribution: &str,
    coverage: Option<f64>,
) -> rv::Population {
    let days = population.from.days_until(population.to);
    rv::Population {
        models: format!(
            "{} models counted{} ({})",
            rv::format::grouped(population.models),
            if population.partial {
                " of a partial listing, not the whole Hub"
            } else {
                ""
            },
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
            coverage
        } else {
            None
        },
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

/// The methodology section. It summarises docs/methodology.md.
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
  region and contributor type, each with a source. Uploader origin uses the uploader's
  attribution; lineage origin uses the whole attribution of the author of the model's lineage
  root when that author has a country, else the uploader's. A legacy id the registry records as
  moved counts as the namespace it moved to. Unattributed downloads stay in every denominator
  as their own group, and coverage is stated per origin mode.
- Lineage comes from `baseModels`, else from `base_model` tags; several parents make a merge;
  cycles are reported and broken. The lineage of the newest snapshot in the report serves every
  window (declared lineage rarely changes within a few months).

Every figure states its population: which models, which downloads, which window, which
attribution mode, and the share of downloads that could be attributed.
";
