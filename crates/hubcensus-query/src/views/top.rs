//! `top`: the top models by window downloads (the working set), or the top families.

use hubcensus_analytics::lineage::LineageGraph;
use hubcensus_analytics::window::Status;
use hubcensus_analytics::working_set::WorkingSet;
use hubcensus_analytics::{Filter, Population};
use hubcensus_model::FrameColumns;
use serde::Serialize;

use crate::{AsOf, Census, QueryError, WindowPlan};

pub const SCHEMA: &str = "hubcensus.top/1";

/// What to compute.
#[derive(Clone, Debug)]
pub struct TopQuery {
    pub k: u64,
    /// The window ending at this snapshot (the latest when `None`).
    pub as_of: Option<AsOf>,
    /// Rank families: quantized and adapter derivatives folded into their base.
    pub family: bool,
    pub filter: Filter,
}

/// One ranked model or family.
#[derive(Clone, Debug, Serialize)]
pub struct TopRow {
    pub rank: u64,
    pub id: String,
    pub downloads: u64,
    pub share: Option<f64>,
    /// `matched` or `new` (models only; absent for families).
    pub status: Option<Status>,
}

/// The top k of one window.
#[derive(Clone, Debug, Serialize)]
pub struct TopView {
    pub schema: &'static str,
    pub k: u64,
    pub family: bool,
    pub population: Population,
    pub held: u64,
    pub share_held: Option<f64>,
    pub models: Vec<TopRow>,
}

pub fn top(census: &Census, query: &TopQuery) -> Result<TopView, QueryError> {
    let position = census.position(query.as_of.as_ref())?;
    let graph = if query.family {
        // The lineage's Parquet decodes on a second thread while this one reads the store's
        // ids (which the graph's names resolve through, and the window needs anyway).
        let as_of = census.times()[position];
        std::thread::scope(|scope| {
            let reading = scope.spawn(|| census.graph(as_of, false));
            let ids = census.ids();
            let graph = super::joined(reading, "lineage-reading")?;
            // The graph's error first, as when it was read alone.
            graph.and_then(|graph| ids.map(|_| graph))
        })
        .map(Some)?
    } else {
        None
    };
    top_with_graph(census, query, graph.as_deref())
}

/// [`top`], with families folded by `graph` (required when `query.family`) rather than by the
/// lineage at the window's end: `windows` and the report fold every window's families with the
/// latest snapshot's lineage, and the families export follows them, reading it once.
pub fn top_with_graph(
    census: &Census,
    query: &TopQuery,
    graph: Option<&LineageGraph>,
) -> Result<TopView, QueryError> {
    super::check_k(query.k)?;
    let position = census.position(query.as_of.as_ref())?;
    let ids = census.ids()?;
    if query.family && graph.is_none() {
        return Err(QueryError::Bug(
            "top of families without a lineage graph".into(),
        ));
    }
    let mut result: Option<(Population, WorkingSet, Vec<Status>)> = None;
    let plan = WindowPlan::ending(
        census,
        position..=position,
        query.filter.clone(),
        FrameColumns::NONE,
    );
    census.for_each_window(&plan, |catalog, window, _| {
        let set = match graph.filter(|_| query.family) {
            Some(graph) => WorkingSet::of_families(window, graph, &catalog.ids, query.k),
            None => WorkingSet::of_window(window, &catalog.ids, query.k, None),
        };
        let status = set
            .members
            .iter()
            .map(|&m| window.status[m as usize])
            .collect();
        result = Some((window.population.clone(), set, status));
        Ok(())
    })?;
    let (population, set, status) =
        result.ok_or_else(|| QueryError::Bug("no window was visited".into()))?;
    let total = population.total_downloads;
    let models = set
        .members
        .iter()
        .zip(&set.downloads)
        .zip(&status)
        .enumerate()
        .map(|(rank, ((&m, &downloads), &status))| TopRow {
            rank: rank as u64 + 1,
            id: ids[m as usize].to_owned(),
            downloads,
            share: (total > 0).then(|| downloads as f64 / total as f64),
            status: (!query.family).then_some(status),
        })
        .collect();
    Ok(TopView {
        schema: SCHEMA,
        k: query.k,
        family: query.family,
        population,
        held: set.held,
        share_held: set.share,
        models,
    })
}
