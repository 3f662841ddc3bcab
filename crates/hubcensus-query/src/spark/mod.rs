//! The Spark path (docs/spark.md): the `PySpark` job `spark/hubcensus_spark.py` computes, over the
//! store's `models/` folder, the exact integer intermediates of every window (counts and flags,
//! the histogram of clamped window downloads, the long-tail count, the top-k candidates), and
//! this module finishes the figures from them with hubcensus's own analytics code, so they equal
//! the embedded engine's.
//!
//! Covered: METHODS.md §2 (counts and flags) and §3-§4 without groups: top-k share, N50, N80,
//! N90, both Ginis, the Lorenz curve, the long tail, the working set, its share, entries, exits
//! and churn; the shares of §6-§7 in the uploader origin (`shares`: per attribution key, the
//! counted models and their downloads, the registry joined as a table). Not yet: the HHIs of
//! `windows` (by author, organization, country), the family working set and the lineage origin
//! of the shares (see docs/spark.md).

mod finish;
mod launch;
mod shares;

pub use finish::{SparkWindow, finish};
pub use launch::{
    Intermediates, ShareIntermediates, SharesPlan, SparkOptions, WindowIntermediates, plan, run_job,
};
pub use shares::{
    RegistryTable, finish_shares, registry_table, spark_shares, spark_shares_view,
    spark_windows_and_shares,
};

use hubcensus_analytics::Filter;
use hubcensus_model::Timestamp;
use serde::Serialize;

use crate::{Census, QueryError};

/// Every window of `census` computed on Spark and finished here: [`plan`], [`run_job`],
/// [`finish`].
pub fn spark_windows(
    census: &Census,
    k: u64,
    options: &SparkOptions,
) -> Result<Vec<SparkWindow>, QueryError> {
    crate::views::check_k(k)?;
    let plan = plan(census, k)?;
    let intermediates = run_job(&plan, options)?;
    finish(census, &intermediates)
}

/// The version of the `windows --engine spark` contract (docs/spark.md).
pub const SCHEMA: &str = "hubcensus.windows-spark/1";

/// The fields of the embedded `windows` view the Spark path does not compute yet.
pub const NOT_COMPUTED: &[&str] = &[
    "hhi_author",
    "hhi_author_unknown_share",
    "hhi_org",
    "hhi_org_unknown_share",
    "hhi_country",
    "hhi_country_unknown_share",
    "family_working_set",
    "family_working_set_share",
    "population",
];

/// Every window of the store computed on Spark: the figures of [`SparkWindow`], each equal to
/// the embedded `windows` view's field of the same name.
#[derive(Clone, Debug, Serialize)]
pub struct SparkWindowsView {
    pub schema: &'static str,
    pub tool_version: &'static str,
    pub engine: &'static str,
    pub k: u64,
    pub snapshots: Vec<Timestamp>,
    /// Fields of the embedded view not computed here (named, so nobody reads them as zero).
    pub not_computed: &'static [&'static str],
    pub windows: Vec<SparkWindow>,
}

/// [`spark_windows`] as a view, for the whole store and no population filter (the Spark path
/// does not filter yet).
pub fn spark_windows_view(
    census: &Census,
    k: u64,
    filter: &Filter,
    options: &SparkOptions,
) -> Result<SparkWindowsView, QueryError> {
    if !filter.is_all() {
        return Err(QueryError::invalid(
            "engine",
            format!(
                "the Spark path computes every model's windows; it does not filter yet ({})",
                filter.describe()
            ),
            "drop the filter, or drop --engine spark",
        ));
    }
    let windows = spark_windows(census, k, options)?;
    Ok(SparkWindowsView {
        schema: SCHEMA,
        tool_version: crate::TOOL_VERSION,
        engine: "spark",
        k,
        snapshots: census.times().to_vec(),
        not_computed: NOT_COMPUTED,
        windows,
    })
}
