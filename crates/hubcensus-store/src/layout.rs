//! Paths of the on-disk layout, durability helpers, and the rule that decides which snapshot
//! directories are committed.
//!
//! ```text
//! <data>/lock                                   the writer lock (holds the writer's pid)
//! <data>/staging/<unique>/                       a commit in progress; removed by the next writer
//! <data>/dictionary/<generation>.parquet         key-dictionary generations, never modified
//! <data>/snapshots/as_of=<RFC 3339>/models.parquet
//! <data>/snapshots/as_of=<RFC 3339>/manifest.json
//! ```
//!
//! A commit moves `models.parquet.next` and `manifest.json.next` into the snapshot directory,
//! then renames `models.parquet.next` to `models.parquet` (the commit point), then
//! `manifest.json.next` to `manifest.json`. Readers therefore decide per directory:
//! - `models.parquet.next` present: the commit did not reach its commit point; the directory
//!   holds whatever was committed before (`manifest.json`, or nothing);
//! - else `manifest.json.next` present: committed, and that is its manifest;
//! - else `manifest.json`, if any.
//!
//! The key dictionary a store reads is the highest generation referenced by a committed
//! manifest, so the dictionary switches together with the commit point.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use hubcensus_model::Timestamp;

use crate::StoreError;
use crate::manifest::{
    Manifest, OLDEST_READABLE_SCHEMA_VERSION, SCHEMA_VERSION, snapshot_dir_name,
};

pub(crate) const MODELS_FILE: &str = "models.parquet";
pub(crate) const MANIFEST_FILE: &str = "manifest.json";
pub(crate) const MODELS_NEXT: &str = "models.parquet.next";
pub(crate) const MANIFEST_NEXT: &str = "manifest.json.next";

pub(crate) fn snapshots_dir(root: &Path) -> PathBuf {
    root.join("snapshots")
}

pub(crate) fn dictionary_dir(root: &Path) -> PathBuf {
    root.join("dictionary")
}

pub(crate) fn staging_dir(root: &Path) -> PathBuf {
    root.join("staging")
}

pub(crate) fn snapshot_dir(root: &Path, as_of: Timestamp) -> PathBuf {
    snapshots_dir(root).join(snapshot_dir_name(as_of))
}

pub(crate) fn dictionary_file_name(generation: u64) -> String {
    format!("{generation:08}.parquet")
}

pub(crate) fn dictionary_path(root: &Path, generation: u64) -> PathBuf {
    dictionary_dir(root).join(dictionary_file_name(generation))
}

/// Creates the layout's directories if missing.
pub(crate) fn create(root: &Path) -> Result<(), StoreError> {
    for dir in [snapshots_dir(root), dictionary_dir(root), staging_dir(root)] {
        fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
    }
    Ok(())
}

pub(crate) fn fsync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(StoreError::io(dir))
}

pub(crate) fn rename(from: &Path, to: &Path) -> Result<(), StoreError> {
    fs::rename(from, to).map_err(StoreError::io(from))
}

/// A committed snapshot directory and its manifest.
#[derive(Clone, Debug)]
pub(crate) struct Committed {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl Committed {
    pub(crate) fn models_path(&self) -> PathBuf {
        self.dir.join(MODELS_FILE)
    }
}

/// Every committed snapshot under `root`, sorted by as-of time. Directories without a valid
/// manifest are skipped (and logged); a manifest of another schema version is an error.
pub(crate) fn scan(root: &Path) -> Result<Vec<Committed>, StoreError> {
    let dir = snapshots_dir(root);
    let mut committed = Vec::new();
    let read_dir = match fs::read_dir(&dir) {
        Ok(read_dir) => read_dir,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(committed),
        Err(error) => return Err(StoreError::io(&dir)(error)),
    };
    for entry in read_dir {
        let entry = entry.map_err(StoreError::io(&dir))?;
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let manifest_path = if path.join(MODELS_NEXT).exists() {
            path.join(MANIFEST_FILE)
        } else if path.join(MANIFEST_NEXT).exists() {
            path.join(MANIFEST_NEXT)
        } else {
            path.join(MANIFEST_FILE)
        };
        if !manifest_path.exists() {
            tracing::debug!(dir = %path.display(), "no manifest: not a committed snapshot");
            continue;
        }
        let manifest = match Manifest::read(&manifest_path) {
            Ok(manifest) => manifest,
            Err(error) => {
                tracing::warn!(dir = %path.display(), "skipping a snapshot directory: {error}");
                continue;
            }
        };
        if !(OLDEST_READABLE_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&manifest.schema_version) {
            return Err(StoreError::SchemaVersion {
                data_dir: root.to_path_buf(),
                found: manifest.schema_version,
                oldest: OLDEST_READABLE_SCHEMA_VERSION,
                newest: SCHEMA_VERSION,
            });
        }
        let expected_name = snapshot_dir_name(manifest.info.as_of);
        if path.file_name().and_then(|n| n.to_str()) != Some(expected_name.as_str()) {
            tracing::warn!(dir = %path.display(), "skipping: manifest as_of does not match the directory name");
            continue;
        }
        let models = path.join(MODELS_FILE);
        let bytes = fs::metadata(&models).map(|m| m.len()).ok();
        let expected = manifest.files.get("models").map(|f| f.bytes);
        if bytes.is_none() || bytes != expected {
            tracing::warn!(dir = %path.display(), "skipping: models.parquet missing or not the size its manifest records");
            continue;
        }
        committed.push(Committed {
            dir: path,
            manifest,
        });
    }
    committed.sort_by_key(|c| c.manifest.info.as_of);
    Ok(committed)
}
