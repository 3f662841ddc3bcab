//! hubcensus-analytics: the figures of METHODS.md §2 to §7, computed over aligned snapshot
//! columns ([`hubcensus_model::SnapshotFrame`]) on the store's dense model index.
//!
//! - [`window`]: window downloads between two snapshots (or the 30-day measure of one), with
//!   every flag and count;
//! - [`concentration`]: top-k share, N50/N80/N90, Gini, HHI, Lorenz points, long tail;
//! - [`working_set`]: the top k of a window, churn between windows, the family view;
//! - [`lineage`]: the lineage graph (cycles reported and broken), roots, families, descendants;
//! - [`shares`]: shares by country, region, contributor type and organization, periods, credible
//!   releases;
//! - [`series`]: every figure of `hubcensus windows` for a chain of snapshots.
//!
//! Every result carries its [`Population`] as data. This crate does no I/O, reads no clock and
//! spawns no threads: same input, same output. It knows nothing of file formats (the store
//! loads frames) or of the registry (attribution is passed in as data, one
//! [`hubcensus_model::Attribution`] per namespace code).

pub mod concentration;
mod error;
pub mod lineage;
mod population;
pub mod series;
pub mod shares;
pub mod window;
pub mod working_set;

pub use error::AnalyticsError;
pub use population::{Filter, FilterMatcher, Measure, NEW_MODEL_DAYS, Population};
