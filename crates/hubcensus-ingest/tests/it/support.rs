//! Helpers shared by the importer tests.

use std::path::{Path, PathBuf};

use hubcensus_ingest::{IngestError, ReadOptions, SourceSnapshot};
use hubcensus_model::ModelRecord;

/// `../shared/data` beside the checkout; tests using it have `real_data` in their names.
pub fn shared_data() -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    assert!(
        path.is_dir(),
        "real test data not found at {}",
        path.display()
    );
    path
}

/// Every record of a snapshot, or the first error.
pub fn read_all(snapshot: SourceSnapshot) -> Result<Vec<ModelRecord>, IngestError> {
    let mut records = Vec::new();
    for chunk in snapshot.chunks()? {
        records.extend(chunk?);
    }
    Ok(records)
}

/// Opens a path that holds exactly one snapshot.
pub fn open_one(path: &Path, options: &ReadOptions) -> Result<SourceSnapshot, IngestError> {
    let mut snapshots = hubcensus_ingest::open(path, options)?;
    assert_eq!(snapshots.len(), 1, "{}", path.display());
    Ok(snapshots.remove(0))
}

/// A record from a Hub API JSON object (derived fields consistent, as any reader produces).
pub fn record(json: &str) -> ModelRecord {
    hubcensus_ingest::api_json::parse_model_object(json).unwrap()
}

/// Options with an as-of time.
pub fn at(as_of: &str) -> ReadOptions {
    ReadOptions {
        as_of: Some(hubcensus_model::Timestamp::parse(as_of).unwrap()),
        ..ReadOptions::default()
    }
}
