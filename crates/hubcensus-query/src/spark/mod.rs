//! The Spark path (docs/spark.md): the `PySpark` job `spark/hubcensus_spark.py` computes, over the
//! store's `models/` folder, the exact integer intermediates of every window (counts and flags,
//! the histogram of clamped window downloads, the long-tail count, the top-k candidates, the
//! sums per author and per attribution key, the family sums' candidates, the lineage origin's
//! moves), and this module finishes the figures from them with hubcensus's own analytics code,
//! so they equal the embedded engine's: the whole `windows` view (METHODS.md §2-§4) and the
//! `shares` view in both origins (§6-§7), under any population filter, over all-time windows.

mod finish;
mod launch;
mod shares;

use finish::finish;
pub use launch::{
    FamilyIntermediates, FamilyTable, Intermediates, LineageTable, PlanFilter, ShareIntermediates,
    SharesPlan, SparkOptions, WindowIntermediates, plan, run_job,
};
pub use shares::{
    RegistryTable, registry_table, spark_shares, spark_shares_view, spark_windows_and_shares,
    spark_windows_view,
};
