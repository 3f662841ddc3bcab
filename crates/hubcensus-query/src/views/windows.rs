//! `windows`: window downloads between consecutive snapshots, with concentration and the
//! working set. Its JSON is a contract: docs/windows-json.md.

use hubcensus_analytics::concentration::{Hhi, LorenzPoint};
use hubcensus_analytics::series::{self, SeriesBuilder, WindowFigures};
use hubcensus_analytics::shares::{Dimension, Origin};
use hubcensus_analytics::window::Cadence;
use hubcensus_analytics::{Filter, Measure, Population};
use hubcensus_model::{FrameColumns, Ids, Timestamp};
use serde::Serialize;

use crate::attribution::Attributor;
use crate::{Census, QueryError, TOOL_VERSION, WindowPlan};

/// The version of the `windows` contract.
pub const SCHEMA: &str = "hubcensus.windows/1";

/// What to compute.
#[derive(Clone, Debug)]
pub struct WindowsQuery {
    /// Working-set size and top-k share k.
    pub k: u64,
    pub filter: Filter,
    /// The planned spacing; longer windows are flagged (a missed week).
    pub cadence: Option<Cadence>,
}

/// Every window of the store.
#[derive(Clone, Debug, Serialize)]
pub struct WindowsView {
    pub schema: &'static str,
    pub tool_version: &'static str,
    pub k: u64,
    pub snapshots: Vec<Timestamp>,
    pub lineage_as_of: Timestamp,
    /// The snapshot the lineage (the family view) was read from: the newest at or before
    /// `lineage_as_of` whose source carried lineage; `None` when none did.
    pub lineage_from: Option<Timestamp>,
    pub windows: Vec<WindowRow>,
    /// The population filter (described in every window's population).
    #[serde(skip)]
    pub filter: Filter,
}

/// One window.
#[derive(Clone, Debug, Serialize)]
pub struct WindowRow {
    pub from: Timestamp,
    pub to: Timestamp,
    pub measure: Measure,
    pub days: f64,
    pub longer_than_cadence: bool,
    pub total_downloads: u64,
    pub models: u64,
    pub matched: u64,
    pub new: u64,
    pub unmatched: u64,
    pub disappeared: u64,
    pub unmeasured: u64,
    pub negative: u64,
    pub clamped_downloads: u64,
    pub k: u64,
    /// Downloads of the top k models: the numerator of `top_k_share`.
    pub top_k_downloads: u64,
    pub top_k_share: Option<f64>,
    pub n50: Option<u64>,
    pub n80: Option<u64>,
    pub n90: Option<u64>,
    pub gini: Option<f64>,
    pub gini_nonzero: Option<f64>,
    pub hhi_author: Option<f64>,
    pub hhi_author_unknown_share: Option<f64>,
    pub hhi_org: Option<f64>,
    pub hhi_org_unknown_share: Option<f64>,
    pub hhi_country: Option<f64>,
    pub hhi_country_unknown_share: Option<f64>,
    pub long_tail_share: Option<f64>,
    pub lorenz: Vec<LorenzPoint>,
    pub working_set: Vec<String>,
    /// Downloads the working set holds: the numerator of `working_set_share`.
    pub working_set_downloads: u64,
    pub working_set_share: Option<f64>,
    pub entries: Option<Vec<String>>,
    pub exits: Option<Vec<String>>,
    pub churn: Option<f64>,
    pub family_working_set: Vec<String>,
    /// Downloads the family working set holds (`None` without lineage).
    pub family_working_set_downloads: Option<u64>,
    pub family_working_set_share: Option<f64>,
    pub population: Population,
}

/// The HHI over organizations and over countries of one window (uploader origin, the embedded
/// registry at the window's end).
pub(crate) struct GroupHhi {
    pub(crate) org: Hhi,
    pub(crate) country: Hhi,
}

/// Every window of `census`, with its figures.
pub fn windows(census: &Census, query: &WindowsQuery) -> Result<WindowsView, QueryError> {
    super::check_k(query.k)?;
    let latest = census.latest().ok_or_else(|| QueryError::NoSnapshots {
        dir: census.dir().to_path_buf(),
    })?;
    let plan = WindowPlan::all(census, query.filter.clone(), FrameColumns::AUTHOR)
        .with_cadence(query.cadence);
    let mut builder = SeriesBuilder::new();
    let mut groups: Vec<GroupHhi> = Vec::new();
    let mut attributor = Attributor::new(census.accounts());
    let mut lineage_from = None;
    let ids = std::thread::scope(|scope| -> Result<Ids, QueryError> {
        // The lineage graph is read on its own thread from the start: while the ids are read
        // (one core for most of it) and the first snapshots decode, the main thread would wait
        // anyway. It is taken at the first window.
        let mut reading = Some(scope.spawn(|| census.lineage(latest, false)));
        let mut graph = None;
        census.for_each_window(&plan, |catalog, window, end| {
            if let Some(reading) = reading.take() {
                let (read, source) = super::joined(reading, "lineage-reading")??;
                graph = Some(read);
                lineage_from = source;
            }
            // The sums by author (and the HHIs over them) on a second thread while this one
            // computes the rest of the window's figures: two halves of about the same cost,
            // each deterministic, joined before the next window.
            let attributor = &mut attributor;
            let (mut figures, (hhi_author, group_hhi)) = super::on_two_cores(
                move || {
                    attributor.update(catalog, window.to());
                    let window_groups = attributor.groups(window, end, None, &catalog.ids);
                    let hhi = |dimension| {
                        window_groups
                            .shares(attributor.table(), dimension, Origin::Uploader)
                            .hhi
                    };
                    let group_hhi = GroupHhi {
                        org: hhi(Dimension::Organization),
                        country: hhi(Dimension::Country),
                    };
                    (window_groups.author_hhi(), group_hhi)
                },
                || {
                    series::figures_of(
                        catalog,
                        window,
                        end,
                        graph.as_deref(),
                        query.k,
                        builder.scratch(),
                    )
                },
                "window-grouping",
            )?;
            figures.hhi_author = hhi_author;
            builder.push_figures(figures);
            groups.push(group_hhi);
            Ok(())
        })?;
        // Read once by the frame loader, and shared.
        census.ids()
    })?;
    let windows = builder
        .finish()
        .into_iter()
        .zip(groups)
        .map(|(figures, groups)| row(figures, &groups, &ids))
        .collect();
    Ok(WindowsView {
        schema: SCHEMA,
        tool_version: TOOL_VERSION,
        k: query.k,
        snapshots: census.times().to_vec(),
        lineage_as_of: latest,
        lineage_from,
        windows,
        filter: query.filter.clone(),
    })
}

/// One window's row from its figures (the Spark path's finish step calls it too).
pub(crate) fn row(figures: WindowFigures, groups: &GroupHhi, ids: &Ids) -> WindowRow {
    let names = |members: &[u32]| {
        members
            .iter()
            .map(|&m| ids[m as usize].to_owned())
            .collect()
    };
    let family = figures.family_working_set.as_ref();
    WindowRow {
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
        top_k_downloads: figures.concentration.top_k_downloads,
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
        working_set: names(&figures.working_set.members),
        working_set_downloads: figures.working_set.held,
        working_set_share: figures.working_set.share,
        entries: figures.churn.as_ref().map(|c| names(&c.entries)),
        exits: figures.churn.as_ref().map(|c| names(&c.exits)),
        churn: figures.churn.as_ref().map(|c| c.churn),
        family_working_set: family.map_or_else(Vec::new, |f| names(&f.members)),
        family_working_set_downloads: family.map(|f| f.held),
        family_working_set_share: family.and_then(|f| f.share),
        lorenz: figures.concentration.lorenz,
        population: figures.population,
    }
}
