//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong reading, matching, storing or judging eval evidence.
#[derive(Debug, thiserror::Error)]
pub enum EvalsError {
    #[error("{format} input, line {line}: {message}")]
    Parse {
        format: &'static str,
        line: u64,
        message: String,
    },
    #[error("{format} input: missing column {column:?}")]
    MissingColumn {
        format: &'static str,
        column: String,
    },
    #[error("{format} input is not valid JSON")]
    Json {
        format: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("{format} input is not valid CSV")]
    Csv {
        format: &'static str,
        #[source]
        source: csv::Error,
    },
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("evals store {path}, line {line} is corrupt")]
    CorruptStore {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("evals store {path} has format version {found}, this build reads version {expected}")]
    StoreVersion {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("cannot tell the format of {path}; pass --format")]
    UnknownFormat { path: PathBuf },
    #[error("workload file is invalid")]
    Workloads {
        #[source]
        source: toml::de::Error,
    },
    #[error("unknown workload {name:?} (known: {known})")]
    UnknownWorkload { name: String, known: String },
    #[error("model {id} is not in the evidence")]
    UnknownModel { id: String },
}
