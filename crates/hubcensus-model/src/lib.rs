//! Domain types of hubcensus: what a model record is, how models are keyed, who a namespace is,
//! how lineage is expressed, and the aligned columns ("frames") that analytics consumes.
//!
//! The definitions follow `METHODS.md` §1 (snapshots and keys) and §5 (lineage edges). This crate
//! does no I/O, reads no clock and knows no file format: the Hub's JSON and Parquet shapes belong
//! to `hubcensus-ingest`, the on-disk layout to `hubcensus-store`.

mod attribution;
mod frame;
mod id;
mod lineage;
mod record;
mod time;

pub use attribution::{Attribution, ContributorType, Region};
pub use frame::{
    Catalog, Column, Era, FrameColumns, LineageTable, Packed, SnapshotFrame, SnapshotInfo,
    SourceKind,
};
pub use id::{IdError, Ids, IdsBuilder, ModelId, ModelKey, Namespace};
pub use lineage::{Lineage, LineageSource, Relation};
pub use record::{COLUMNS, Gated, ModelRecord};
pub use time::{CREATED_AT_SENTINEL, Timestamp, TimestampError};
