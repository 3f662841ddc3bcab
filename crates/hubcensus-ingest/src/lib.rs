//! Readers of the Hub's formats, and the Hub API client.
//!
//! This crate is the only one that knows the Hub's JSON and Parquet shapes: it turns them into
//! [`hubcensus_model::ModelRecord`]s. It does not know the store's on-disk format, and it never
//! decides what a figure means.

pub mod api_json;
pub mod hub;
