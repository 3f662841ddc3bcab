//! `shares`: download shares by country, region, contributor type or organization, in the
//! uploader and lineage origin modes, per window or summed over months, quarters, years.

use hubcensus_analytics::Filter;
use hubcensus_analytics::shares::{self, Dimension, Origin, Period, Shares};
use hubcensus_model::FrameColumns;
use serde::Serialize;

use crate::attribution::Attributor;
use crate::{Census, QueryError, WindowPlan};

pub const SCHEMA: &str = "hubcensus.shares/1";

/// What to compute.
#[derive(Clone, Debug)]
pub struct SharesQuery {
    pub dimension: Dimension,
    /// One or both origin modes, in output order.
    pub origins: Vec<Origin>,
    pub period: Period,
    pub filter: Filter,
}

/// Shares of every window (or period) of the store, for each origin asked for.
#[derive(Clone, Debug, Serialize)]
pub struct SharesView {
    pub schema: &'static str,
    pub by: Dimension,
    pub period: Period,
    pub registry_version: String,
    /// Per origin (in the order asked), per period in time order.
    pub results: Vec<Shares>,
}

pub fn shares(census: &Census, query: &SharesQuery) -> Result<SharesView, QueryError> {
    let latest = census.latest().ok_or_else(|| QueryError::NoSnapshots {
        dir: census.dir().to_path_buf(),
    })?;
    let graph = if query.origins.contains(&Origin::Lineage) {
        Some(census.graph(latest, false)?)
    } else {
        None
    };
    let mut per_origin: Vec<Vec<Shares>> = vec![Vec::new(); query.origins.len()];
    let mut attributor = Attributor::new(census.accounts());
    let plan = WindowPlan::all(census, query.filter.clone(), FrameColumns::AUTHOR);
    census.for_each_window(&plan, |catalog, window, end| {
        attributor.update(catalog, window.to());
        let groups = attributor.groups(window, end, graph.as_deref(), &catalog.ids);
        for (slot, &origin) in per_origin.iter_mut().zip(&query.origins) {
            slot.push(groups.shares(attributor.table(), query.dimension, origin));
        }
        Ok(())
    })?;
    Ok(SharesView {
        schema: SCHEMA,
        by: query.dimension,
        period: query.period,
        registry_version: hubcensus_registry::Registry::embedded().version(),
        results: per_origin
            .iter()
            .flat_map(|windows| shares::sum_over_periods(windows, query.period))
            .collect(),
    })
}
