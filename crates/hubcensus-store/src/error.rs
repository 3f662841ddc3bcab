//! The one error type of the store.

use std::path::PathBuf;

use hubcensus_model::{ModelKey, Timestamp};

/// Everything that can go wrong reading or writing the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("i/o error on {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("parquet error in {path}")]
    Parquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    #[error("cannot decode {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: arrow_schema::ArrowError,
    },
    #[error("arrow error building {what}")]
    Arrow {
        what: &'static str,
        #[source]
        source: arrow_schema::ArrowError,
    },
    #[error("invalid manifest {path}")]
    Manifest {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "the store at {data_dir} has schema version {found}; this hubcensus reads versions {oldest} to {newest}"
    )]
    SchemaVersion {
        data_dir: PathBuf,
        found: u32,
        oldest: u32,
        newest: u32,
    },
    #[error("the store at {data_dir} is locked by another writer (pid {holder})")]
    Locked { data_dir: PathBuf, holder: String },
    #[error("duplicate model key {key} in the snapshot at {as_of}: ids {first_id} and {second_id}")]
    DuplicateKey {
        key: String,
        as_of: Timestamp,
        first_id: String,
        second_id: String,
    },
    #[error(
        "a different snapshot at {as_of} is already stored (models: {stored_models} stored, {new_models} new); pass replace to overwrite it"
    )]
    SnapshotExists {
        as_of: Timestamp,
        stored_models: u64,
        new_models: u64,
    },
    #[error("no snapshot at {as_of} in the store")]
    SnapshotNotFound { as_of: Timestamp },
    #[error("unknown column {column:?} (the store's columns are: {known})")]
    UnknownColumn { column: String, known: String },
    #[error(
        "model {id} has a value for {column}, which the snapshot's draft does not list among its columns"
    )]
    UndeclaredColumn { column: &'static str, id: String },
    #[error("model {id}: {column} = {value} does not fit a signed 64-bit integer")]
    OutOfRange {
        column: &'static str,
        id: String,
        value: u64,
    },
    #[error("corrupt store file {path}: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("the key dictionary has no model at index {index} (a bug, or a corrupt store)")]
    UnknownIndex { index: u32 },
    #[error("model key {key:?} could not be resolved")]
    UnresolvedKey { key: ModelKey },
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    pub(crate) fn parquet(
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(parquet::errors::ParquetError) -> Self {
        let path = path.into();
        move |source| Self::Parquet { path, source }
    }

    pub(crate) fn arrow(what: &'static str) -> impl FnOnce(arrow_schema::ArrowError) -> Self {
        move |source| Self::Arrow { what, source }
    }
}
