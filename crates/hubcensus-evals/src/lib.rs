//! Benchmark evidence for hubcensus: importers for published eval results, conservative matching
//! of model names to Hub ids, the workload → benchmark map, a small persisted evals store, and the
//! pure `audit` and `discover` decisions built on them.
//!
//! What it deliberately does not do: compute adoption figures (working sets, weekly downloads,
//! lineage counts come from `hubcensus-analytics` as plain inputs), fetch anything from the
//! network, or average scores across benchmarks. Every score keeps its benchmark, metric, source
//! and date; comparisons happen within one series (benchmark, metric, source) only.
//!
//! I/O is limited to [`store`] (one JSON Lines file under `<data-dir>/evals/`, written
//! atomically) and [`import::read_path`] (reading the files the user names); every parser works
//! on `&str` or `impl Read`, and `audit`/`discover` are pure functions of their inputs.

pub mod audit;
pub mod benchmark;
pub mod discover;
mod error;
mod evidence;
#[cfg(test)]
mod fixture;
pub mod import;
pub mod matching;
mod record;
pub mod renames;
pub mod render;
pub mod store;
pub mod workload;

pub use error::EvalsError;
pub use evidence::{ModelEvidence, Score, World, change};
pub use record::{EvalRecord, SeriesKey};
