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
    let mut views = shares_of(
        census,
        &[query.dimension],
        &query.origins,
        &[query.period],
        &query.filter,
    )?;
    views
        .pop()
        .ok_or_else(|| QueryError::Bug("shares gave no view".into()))
}

/// The shares of every dimension in `dimensions` and every period in `periods` (for each origin
/// in `origins`) from one walk over the store's windows: the view [`shares`] gives for each
/// (dimension, period), in that order, dimension-major. Exports ask for all of them at once.
pub fn shares_of(
    census: &Census,
    dimensions: &[Dimension],
    origins: &[Origin],
    periods: &[Period],
    filter: &Filter,
) -> Result<Vec<SharesView>, QueryError> {
    let latest = census.latest().ok_or_else(|| QueryError::NoSnapshots {
        dir: census.dir().to_path_buf(),
    })?;
    // Per dimension, per origin, the weekly shares in time order.
    let mut weekly: Vec<Vec<Vec<Shares>>> = vec![vec![Vec::new(); origins.len()]; dimensions.len()];
    let mut attributor = Attributor::new(census.accounts());
    let plan = WindowPlan::all(census, filter.clone(), FrameColumns::AUTHOR);
    // Every (dimension, origin) asked for, in output order.
    let pairs: Vec<(Dimension, Origin)> = dimensions
        .iter()
        .flat_map(|&dimension| origins.iter().map(move |&origin| (dimension, origin)))
        .collect();
    std::thread::scope(|scope| -> Result<(), QueryError> {
        // The lineage graph is read on its own thread while the ids are read and the first
        // snapshots decode (as `windows` does); it is taken at the first window.
        let mut reading = origins
            .contains(&Origin::Lineage)
            .then(|| scope.spawn(|| census.graph(latest, false)));
        let mut graph = None;
        census.for_each_window(&plan, |catalog, window, end| {
            if let Some(reading) = reading.take() {
                graph = Some(super::joined(reading, "lineage-reading")??);
            }
            attributor.update(catalog, window.to());
            let groups = attributor.groups(window, end, graph.as_deref(), &catalog.ids);
            let table = attributor.table();
            // Each share is a pass over the window's groups: the second half of them on a
            // second thread.
            let half = pairs.len() / 2;
            let shares_of = |pairs: &[(Dimension, Origin)]| -> Vec<Shares> {
                pairs
                    .iter()
                    .map(|&(dimension, origin)| groups.shares(table, dimension, origin))
                    .collect()
            };
            let (first, second) = super::on_two_cores(
                || shares_of(&pairs[half..]),
                || shares_of(&pairs[..half]),
                "shares",
            )?;
            let mut computed = first.into_iter().chain(second);
            for per_origin in &mut weekly {
                for slot in per_origin.iter_mut() {
                    slot.push(computed.next().expect("one share per pair"));
                }
            }
            Ok(())
        })
    })?;
    Ok(views_of(&weekly, dimensions, periods))
}

/// The views of each dimension and period (dimension-major), each origin's periods in turn,
/// from each dimension's per-origin weekly shares: the one assembly of the embedded engine and
/// the Spark path.
pub(crate) fn views_of(
    weekly: &[Vec<Vec<Shares>>],
    dimensions: &[Dimension],
    periods: &[Period],
) -> Vec<SharesView> {
    let registry_version = hubcensus_registry::Registry::embedded().version();
    let mut views = Vec::with_capacity(dimensions.len() * periods.len());
    for (per_origin, &dimension) in weekly.iter().zip(dimensions) {
        for &period in periods {
            views.push(SharesView {
                schema: SCHEMA,
                by: dimension,
                period,
                registry_version: registry_version.clone(),
                results: per_origin
                    .iter()
                    .flat_map(|windows| shares::sum_over_periods(windows, period))
                    .collect(),
            });
        }
    }
    views
}

/// One group's downloads and share in one period of a [`SharesView`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupPoint {
    pub period: String,
    pub origin: Origin,
    /// The group's downloads (0 when it has no row in the period).
    pub downloads: u64,
    pub models: u64,
    /// The period's total downloads `S`.
    pub total: u64,
    /// `downloads / S`; `None` when `S = 0`.
    pub share: Option<f64>,
}

/// The share of the group named `group` (an organization, a country...) in each period of
/// `view`, for each origin, in the view's order: its row where it has one, else 0 of the
/// period's total (no row: none of its models was counted there). The organization page's
/// chart, from the same view `shares` gives.
#[must_use]
pub fn group_series(view: &SharesView, group: &str) -> Vec<GroupPoint> {
    view.results
        .iter()
        .map(|period| {
            let row = period.rows.iter().find(|row| row.group == group);
            GroupPoint {
                period: period.period.clone(),
                origin: period.origin,
                downloads: row.map_or(0, |row| row.downloads),
                models: row.map_or(0, |row| row.models),
                total: period.total,
                share: match row {
                    Some(row) => row.share,
                    None => (period.total > 0).then_some(0.0),
                },
            }
        })
        .collect()
}
