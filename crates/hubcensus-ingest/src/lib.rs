//! Readers of the Hub's formats, and the Hub API client.
//!
//! This crate is the only one that knows the Hub's JSON and Parquet shapes: it turns them into
//! [`hubcensus_model::ModelRecord`]s. It does not know the store's on-disk format, and it never
//! decides what a figure means.
//!
//! The importers ([`open`]) take a path and give [`SourceSnapshot`]s: the as-of time and where it
//! came from, the source kind, the canonical columns present, and the records as a stream of
//! validated chunks ([`Chunks`]) with bounded memory for Parquet. [`HubStatsWriter`] writes the
//! hub-stats schema (fixtures, the demo world, benchmarks).

pub mod api_json;
mod archive;
mod arrow_columns;
mod error;
pub mod hub;
mod hub_stats;
mod json_file;
mod source;
mod writer;

pub use error::{IngestError, Location, Reject};
pub use source::{
    AsOfOrigin, CANONICAL_COLUMNS, Chunks, Format, ReadOptions, SourceSnapshot, open,
};
pub use writer::{HUB_STATS_COLUMNS, HubStatsWriter, write_hub_stats};
