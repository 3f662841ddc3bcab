//! hubcensus-store: the embedded snapshot store.
//!
//! A store is a directory (`--data-dir`, `HUBCENSUS_HOME`) holding one zstd Parquet file per
//! snapshot under a Hive-style path (`models/as_of_date=2026-08-23/20260823T000000Z.parquet`),
//! so Spark, `DuckDB`, Polars and pandas read `models/` with their plain calls; a manifest per
//! snapshot (`manifests/`), written last; and
//! a persistent key dictionary giving every model key ever seen a dense index, stable forever,
//! so two snapshots' columns align by position with no join (see docs/store.md).
//!
//! - Read side: [`Store`] (snapshots, aligned [`FrameSet`]s, lineage, records, key resolution).
//! - Write side: [`Writer`] (the exclusive writer lock) -> [`SnapshotBuilder`] -> an atomic
//!   commit. A crash at any point leaves the store as it was before or after the commit.
//!
//! This crate knows the on-disk format and its version, and nothing of the Hub's own JSON or
//! Parquet shapes (that is `hubcensus-ingest`), of argv or of the terminal.

mod dictionary;
mod enrichment;
mod error;
mod fxhash;
mod layout;
mod manifest;
mod migrate;
mod namespaces;
mod schema;
mod store;
mod writer;

#[cfg(test)]
mod crash;

pub use enrichment::{ENRICHMENT_SCHEMA, EnrichmentDraft, EnrichmentManifest, EnrichmentRequest};
pub use error::StoreError;
pub use layout::{AS_OF_COLUMN, AS_OF_DATE_COLUMN, models_dir, partition_name, snapshot_stem};
pub use manifest::{
    FileEntry, Manifest, OLDEST_READABLE_SCHEMA_VERSION, SCHEMA_VERSION, Totals, snapshot_dir_name,
};
pub use migrate::{MIGRATION_CRASH_POINTS, downgrade_to_format_2};
pub use schema::{COLUMNS, STORE_COLUMNS};
pub use store::{
    CACHE_ENV, ContentDigest, DecodedFrame, FrameDecoder, FrameLoader, FrameSet, Records, Store,
    cache_dir,
};
pub use writer::{CRASH_POINTS, CommitOutcome, SnapshotBuilder, SnapshotDraft, Writer};
