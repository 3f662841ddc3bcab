//! hubcensus-query: the application layer. Every view a user reads (windows, top, churn,
//! shares, lineage, derivatives, who, registry coverage, audit, discover, the report) is
//! computed here, once, as a typed and serializable result with its schema name, so that the
//! CLI, a server and exports serve the same values.
//!
//! It owns: opening a store for reading without creating anything ([`Census`]); the one rule
//! for choosing snapshots and windows ([`AsOf`], [`Census::range`], [`Census::spaced`]); the
//! window engine ([`Census::for_each_window`] over a [`WindowPlan`]); the one attribution path
//! ([`attribution::Attributor`], METHODS.md §6); and one error type ([`QueryError`]) that a CLI
//! turns into hints and a server into 4xx responses.
//!
//! It does not parse argv, render tables or decide exit codes (the binary does), and it holds no
//! figure's arithmetic (hubcensus-analytics does): it loads, attributes and assembles.

pub mod attribution;
mod census;
mod engine;
mod error;
pub mod export;
pub mod units;
pub mod views;

pub use census::{AsOf, Census, check_span};
pub use engine::WindowPlan;
pub use error::QueryError;

/// The tool's version, as every view records it.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
