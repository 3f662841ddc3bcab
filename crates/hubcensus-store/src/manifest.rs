//! `manifest.json`: what a snapshot is, written last; a snapshot directory without a valid
//! manifest does not exist for readers.

use std::collections::BTreeMap;
use std::path::Path;

use hubcensus_model::{SnapshotInfo, Timestamp};
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// The version of the on-disk format this code writes. Bump it on any change a reader of the
/// previous version would misread.
///
/// - 1: the first format.
/// - 2: `models.parquet` has `parent_object_ids`, each parent's `_id` beside `parents` (a
///   version-1 reader would resolve a parent by a name no snapshot may hold).
/// - 3: the layout every engine reads: `models/as_of_date=<date>/<stem>.parquet` (Parquet only
///   there), manifests in `manifests/<stem>.json`, and an `as_of` column in the file (see
///   `layout`). A writer migrates version 1 and 2 snapshots to it (a version-1 file gains a
///   null `parent_object_ids`, which reads as before: parents by id).
pub const SCHEMA_VERSION: u32 = 3;

/// The oldest format version this code reads: a version-1 snapshot reads as it always did, its
/// parents resolved by id.
pub const OLDEST_READABLE_SCHEMA_VERSION: u32 = 1;

/// One file of a snapshot, as recorded in its manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the data directory.
    pub path: String,
    pub bytes: u64,
    /// Lowercase hex sha256 of the file's bytes.
    pub sha256: String,
}

/// Column sums recorded at commit time; `None` when the source did not carry the column (its
/// era), never zero.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub downloads_30d: Option<u64>,
    pub downloads_all_time: Option<u64>,
}

/// The manifest of one committed snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    #[serde(flatten)]
    pub info: SnapshotInfo,
    /// sha256 over the snapshot's records, independent of row order and of the file encoding:
    /// equal hashes mean an identical re-import.
    pub content_hash: String,
    pub totals: Totals,
    /// The key-dictionary generation committed with this snapshot, and its number of keys
    /// (every frame loaded from a store is at least this long).
    pub dictionary_generation: u64,
    pub dictionary_len: u64,
    /// `models` (the snapshot) and `dictionary` (its key-dictionary generation).
    pub files: BTreeMap<String, FileEntry>,
    /// The program that wrote it, e.g. `hubcensus-store 0.1.0`.
    pub writer: String,
}

impl Manifest {
    pub(crate) fn read(path: &Path) -> Result<Self, StoreError> {
        let bytes = std::fs::read(path).map_err(StoreError::io(path))?;
        serde_json::from_slice(&bytes).map_err(|source| StoreError::Manifest {
            path: path.to_path_buf(),
            source,
        })
    }

    pub(crate) fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a manifest always serializes");
        bytes.push(b'\n');
        bytes
    }

    #[must_use]
    pub fn as_of(&self) -> Timestamp {
        self.info.as_of
    }
}

/// The directory name of a snapshot of formats 1 and 2: `as_of=<RFC 3339>` (Hive style).
#[must_use]
pub fn snapshot_dir_name(as_of: Timestamp) -> String {
    format!("as_of={as_of}")
}
