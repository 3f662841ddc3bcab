//! The importers' errors: every one names the file, and a row-level one the row, line or array
//! element and the field.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// Where in a file a record sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// A Parquet row, 0-based (as `file_row_number` in `DuckDB` and `pandas` count).
    Row(u64),
    /// A line of a JSON Lines file, 1-based (as editors count).
    Line(u64),
    /// An element of a JSON array (or of a wrapper's `models` array), 0-based.
    Element(u64),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Row(row) => write!(f, "row {row}"),
            Self::Line(line) => write!(f, "line {line}"),
            Self::Element(index) => write!(f, "array element {index}"),
        }
    }
}

/// One invalid record: where, which field, and why. Written to the rejects file with
/// `--skip-invalid`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reject {
    pub file: PathBuf,
    #[serde(flatten)]
    pub location: Location,
    pub field: String,
    pub reason: String,
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: field `{}`: {}",
            self.file.display(),
            self.location,
            self.field,
            self.reason
        )
    }
}

/// Why a source could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Truncated or corrupt Parquet (footer, page or column chunk).
    #[error("{}: not a readable Parquet file{}", path.display(), near.map(|row| format!(" (near row {row})")).unwrap_or_default())]
    Parquet {
        path: PathBuf,
        near: Option<u64>,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A column the reader needs is missing or of a type it cannot read.
    #[error("{}: column `{column}`: {reason}", path.display())]
    Schema {
        path: PathBuf,
        column: String,
        reason: String,
    },
    /// A file-level field (a wrapper's `date` or `fetched_at`) that cannot be read.
    #[error("{}: field `{field}`: {reason}", path.display())]
    Field {
        path: PathBuf,
        field: String,
        reason: String,
    },
    /// A JSON document that is not JSON at all (a row-level JSON error is [`Self::Invalid`]).
    #[error("{}: invalid JSON", path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// One invalid record (malformed id, bad timestamp, duplicate key, ...).
    #[error("{0}")]
    Invalid(Reject),
    #[error("{}: no as-of time: {reason}", path.display())]
    NoAsOf { path: PathBuf, reason: String },
    #[error("{}: cannot tell the format: {reason}", path.display())]
    UnknownFormat { path: PathBuf, reason: String },
    #[error("--as-of names one time, but {} holds {count} snapshots", path.display())]
    AsOfForSeveral { path: PathBuf, count: usize },
}
