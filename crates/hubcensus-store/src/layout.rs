//! Paths of the on-disk layout, durability helpers, and the rule that decides which snapshots
//! are committed.
//!
//! Format 3 (written now):
//!
//! ```text
//! <data>/lock                                          the writer lock (holds the writer's pid)
//! <data>/staging/<unique>/                              a commit in progress; removed by the next writer
//! <data>/dictionary/<generation>.parquet                key-dictionary generations, never modified
//! <data>/models/as_of_date=2026-08-23/20260823T000000Z.parquet   a snapshot (Parquet only here)
//! <data>/manifests/20260823T000000Z.json                its manifest
//! <data>/pending/20260823T000000Z.parquet               a snapshot file before its commit point
//! ```
//!
//! `models/` holds Parquet files and nothing else, partitioned by the as-of date (Hive style,
//! typed as a date by Spark, `DuckDB` and Polars); each file carries its exact as-of time in an
//! `as_of` column, as several snapshots may share a day. No path has a `:`.
//!
//! A commit moves the snapshot to `pending/<stem>.parquet` and its manifest to
//! `manifests/<stem>.json.next`, then renames the pending file to its final name (the commit
//! point), then `<stem>.json.next` to `<stem>.json`. Readers therefore decide per snapshot:
//! - `pending/<stem>.parquet` present: the commit did not reach its commit point; the snapshot
//!   is whatever was committed before (`<stem>.json`, or nothing);
//! - else `<stem>.json.next` present: committed, and that is its manifest;
//! - else `<stem>.json`, if any.
//!
//! Formats 1 and 2 kept each snapshot in `snapshots/as_of=<RFC 3339>/{models.parquet,
//! manifest.json}` with `.next` files beside them during a commit ([`Legacy`]); they are still
//! read, and a writer migrates them (crate `migrate`). A snapshot present in both layouts (a
//! migration interrupted after its commit point) is read from the new one.
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

/// The name of the column that carries a snapshot's as-of time in its file (format 3).
pub const AS_OF_COLUMN: &str = "as_of";
/// The Hive partition column of `models/`: the as-of date (UTC).
pub const AS_OF_DATE_COLUMN: &str = "as_of_date";

const MODELS_DIR: &str = "models";
const MANIFESTS_DIR: &str = "manifests";
const PENDING_DIR: &str = "pending";
const LEGACY_SNAPSHOTS_DIR: &str = "snapshots";
const LEGACY_MODELS_FILE: &str = "models.parquet";
const LEGACY_MANIFEST_FILE: &str = "manifest.json";
const LEGACY_MODELS_NEXT: &str = "models.parquet.next";
const LEGACY_MANIFEST_NEXT: &str = "manifest.json.next";

/// The folder every engine reads: `spark.read.parquet("<data>/models")`.
#[must_use]
pub fn models_dir(root: &Path) -> PathBuf {
    root.join(MODELS_DIR)
}

pub(crate) fn manifests_dir(root: &Path) -> PathBuf {
    root.join(MANIFESTS_DIR)
}

pub(crate) fn pending_dir(root: &Path) -> PathBuf {
    root.join(PENDING_DIR)
}

/// The folder of formats 1 and 2 (read, and migrated by a writer).
pub(crate) fn legacy_snapshots_dir(root: &Path) -> PathBuf {
    root.join(LEGACY_SNAPSHOTS_DIR)
}

pub(crate) fn dictionary_dir(root: &Path) -> PathBuf {
    root.join("dictionary")
}

pub(crate) fn staging_dir(root: &Path) -> PathBuf {
    root.join("staging")
}

/// Whether `root` holds a store (of any format).
pub(crate) fn exists(root: &Path) -> bool {
    manifests_dir(root).is_dir() || legacy_snapshots_dir(root).is_dir()
}

/// A snapshot's file stem: its as-of time in RFC 3339 basic format, no `:` (e.g.
/// `20260823T000000Z`, `20260823T000000.250Z`).
#[must_use]
pub fn snapshot_stem(as_of: Timestamp) -> String {
    as_of
        .to_string()
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect()
}

/// The partition folder name of a snapshot: `as_of_date=YYYY-MM-DD` (UTC).
#[must_use]
pub fn partition_name(as_of: Timestamp) -> String {
    let text = as_of.to_string();
    format!(
        "{AS_OF_DATE_COLUMN}={}",
        &text[..text.find('T').unwrap_or(text.len())]
    )
}

pub(crate) fn dictionary_file_name(generation: u64) -> String {
    format!("{generation:08}.parquet")
}

pub(crate) fn dictionary_path(root: &Path, generation: u64) -> PathBuf {
    dictionary_dir(root).join(dictionary_file_name(generation))
}

/// Where one snapshot's files are, committed and in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SnapshotPaths {
    /// The snapshot's file.
    pub models: PathBuf,
    /// The file before the commit point: its existence means "not committed yet".
    pub models_next: PathBuf,
    pub manifest: PathBuf,
    pub manifest_next: PathBuf,
    /// `models`, relative to the data directory with `/`, as the manifest records it.
    pub relative_models: String,
    /// The folder of `models`.
    pub models_parent: PathBuf,
    /// Format 1 and 2 only: the snapshot's own directory, removed with it.
    pub legacy_dir: Option<PathBuf>,
}

/// The paths of the snapshot at `as_of` in the current layout.
pub(crate) fn snapshot_paths(root: &Path, as_of: Timestamp) -> SnapshotPaths {
    let stem = snapshot_stem(as_of);
    let partition = partition_name(as_of);
    let models_parent = models_dir(root).join(&partition);
    SnapshotPaths {
        models: models_parent.join(format!("{stem}.parquet")),
        models_next: pending_dir(root).join(format!("{stem}.parquet")),
        manifest: manifests_dir(root).join(format!("{stem}.json")),
        manifest_next: manifests_dir(root).join(format!("{stem}.json.next")),
        relative_models: format!("{MODELS_DIR}/{partition}/{stem}.parquet"),
        models_parent,
        legacy_dir: None,
    }
}

/// The paths of a format 1 or 2 snapshot directory.
pub(crate) fn legacy_paths(dir: &Path) -> SnapshotPaths {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    SnapshotPaths {
        models: dir.join(LEGACY_MODELS_FILE),
        models_next: dir.join(LEGACY_MODELS_NEXT),
        manifest: dir.join(LEGACY_MANIFEST_FILE),
        manifest_next: dir.join(LEGACY_MANIFEST_NEXT),
        relative_models: format!("{LEGACY_SNAPSHOTS_DIR}/{name}/{LEGACY_MODELS_FILE}"),
        models_parent: dir.to_path_buf(),
        legacy_dir: Some(dir.to_path_buf()),
    }
}

/// Creates the layout's directories if missing.
pub(crate) fn create(root: &Path) -> Result<(), StoreError> {
    for dir in [
        models_dir(root),
        manifests_dir(root),
        pending_dir(root),
        dictionary_dir(root),
        staging_dir(root),
    ] {
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

/// A committed snapshot: where its files are, and its manifest.
#[derive(Clone, Debug)]
pub(crate) struct Committed {
    pub paths: SnapshotPaths,
    pub manifest: Manifest,
}

impl Committed {
    /// The snapshot's file. A format 1 or 2 snapshot that a writer migrated since the store
    /// was opened is read from its new place (the same records).
    pub(crate) fn models_path(&self) -> PathBuf {
        if let Some(dir) = &self.paths.legacy_dir
            && !self.paths.models.exists()
            && let Some(root) = dir.parent().and_then(Path::parent)
        {
            let moved = snapshot_paths(root, self.manifest.info.as_of).models;
            if moved.exists() {
                return moved;
            }
        }
        self.paths.models.clone()
    }
}

/// Every committed snapshot under `root`, sorted by as-of time: the current layout's, and
/// those of formats 1 and 2 that the current layout does not hold too. Snapshots without a
/// valid manifest are skipped (and logged); a manifest of another schema version is an error.
pub(crate) fn scan(root: &Path) -> Result<Vec<Committed>, StoreError> {
    let mut committed = scan_current(root)?;
    for legacy in scan_legacy(root)? {
        if !committed
            .iter()
            .any(|c| c.manifest.info.as_of == legacy.manifest.info.as_of)
        {
            committed.push(legacy);
        }
    }
    committed.sort_by_key(|c| c.manifest.info.as_of);
    Ok(committed)
}

fn read_dir_or_empty(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let read_dir = match fs::read_dir(dir) {
        Ok(read_dir) => read_dir,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(StoreError::io(dir)(error)),
    };
    let mut paths = Vec::new();
    for entry in read_dir {
        paths.push(entry.map_err(StoreError::io(dir))?.path());
    }
    paths.sort();
    Ok(paths)
}

/// The snapshots of the current layout, from `manifests/`.
pub(crate) fn scan_current(root: &Path) -> Result<Vec<Committed>, StoreError> {
    let mut stems = Vec::new();
    for path in read_dir_or_empty(&manifests_dir(root))? {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let stem = name
            .strip_suffix(".json.next")
            .or_else(|| name.strip_suffix(".json"));
        if let Some(stem) = stem
            && !stems.iter().any(|s| s == stem)
        {
            stems.push(stem.to_owned());
        }
    }
    let mut committed = Vec::new();
    for stem in stems {
        let guess = current_paths_by_stem(root, &stem);
        let Some(manifest) = committed_manifest(root, &guess)? else {
            continue;
        };
        let paths = snapshot_paths(root, manifest.info.as_of);
        if snapshot_stem(manifest.info.as_of) != stem {
            tracing::warn!(manifest = %guess.manifest.display(), "skipping: manifest as_of does not match its file name");
            continue;
        }
        if let Some(found) = checked(paths, manifest) {
            committed.push(found);
        }
    }
    Ok(committed)
}

/// The snapshots of formats 1 and 2, from `snapshots/as_of=<t>/`.
pub(crate) fn scan_legacy(root: &Path) -> Result<Vec<Committed>, StoreError> {
    let mut committed = Vec::new();
    for dir in read_dir_or_empty(&legacy_snapshots_dir(root))? {
        if !dir.is_dir() {
            continue;
        }
        let paths = legacy_paths(&dir);
        let Some(manifest) = committed_manifest(root, &paths)? else {
            continue;
        };
        let expected_name = snapshot_dir_name(manifest.info.as_of);
        if dir.file_name().and_then(|n| n.to_str()) != Some(expected_name.as_str()) {
            tracing::warn!(dir = %dir.display(), "skipping: manifest as_of does not match the directory name");
            continue;
        }
        if let Some(found) = checked(paths, manifest) {
            committed.push(found);
        }
    }
    Ok(committed)
}

/// The committed manifest of one snapshot by the rule of the module documentation, `None`
/// when there is none (or it does not parse: logged).
fn committed_manifest(root: &Path, paths: &SnapshotPaths) -> Result<Option<Manifest>, StoreError> {
    let manifest_path = if paths.models_next.exists() {
        &paths.manifest
    } else if paths.manifest_next.exists() {
        &paths.manifest_next
    } else {
        &paths.manifest
    };
    if !manifest_path.exists() {
        tracing::debug!(manifest = %manifest_path.display(), "no manifest: not a committed snapshot");
        return Ok(None);
    }
    let manifest = match Manifest::read(manifest_path) {
        Ok(manifest) => manifest,
        Err(error) => {
            tracing::warn!(manifest = %manifest_path.display(), "skipping a snapshot: {error}");
            return Ok(None);
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
    Ok(Some(manifest))
}

/// The snapshot if its file is there at the size its manifest records (else logged, `None`).
fn checked(paths: SnapshotPaths, manifest: Manifest) -> Option<Committed> {
    let bytes = fs::metadata(&paths.models).map(|m| m.len()).ok();
    let expected = manifest.files.get("models").map(|f| f.bytes);
    if bytes.is_none() || bytes != expected {
        tracing::warn!(file = %paths.models.display(), "skipping: the snapshot file is missing or not the size its manifest records");
        return None;
    }
    Some(Committed { paths, manifest })
}

/// Commit step 5: the staged snapshot and manifest beside their final names
/// (`paths.models_next`, `paths.manifest_next`), creating the snapshot's folders if needed.
pub(crate) fn place_next(
    paths: &SnapshotPaths,
    staged_models: &Path,
    staged_manifest: &Path,
) -> Result<(), StoreError> {
    if !paths.models_parent.exists() {
        fs::create_dir_all(&paths.models_parent).map_err(StoreError::io(&paths.models_parent))?;
        if let Some(parent) = paths.models_parent.parent() {
            fsync_dir(parent)?;
        }
    }
    rename(staged_models, &paths.models_next)?;
    rename(staged_manifest, &paths.manifest_next)?;
    fsync_parents(&[&paths.models_next, &paths.manifest_next])
}

/// Commit step 6, the commit point: the snapshot file under its final name.
pub(crate) fn commit_point(paths: &SnapshotPaths) -> Result<(), StoreError> {
    rename(&paths.models_next, &paths.models)?;
    fsync_parents(&[&paths.models, &paths.models_next])
}

/// Commit step 7: the manifest under its final name.
pub(crate) fn place_manifest(paths: &SnapshotPaths) -> Result<(), StoreError> {
    rename(&paths.manifest_next, &paths.manifest)?;
    fsync_parents(&[&paths.manifest])
}

/// Fsyncs the distinct parent folders of `files`.
fn fsync_parents(files: &[&Path]) -> Result<(), StoreError> {
    let mut done: Vec<&Path> = Vec::new();
    for file in files {
        if let Some(parent) = file.parent()
            && !done.contains(&parent)
        {
            fsync_dir(parent)?;
            done.push(parent);
        }
    }
    Ok(())
}

/// Rolls one interrupted commit forward (past its commit point) or back (before it).
fn recover_one(paths: &SnapshotPaths) -> Result<(), StoreError> {
    if paths.models_next.exists() {
        tracing::info!(file = %paths.models_next.display(), "rolling back an interrupted commit");
        fs::remove_file(&paths.models_next).map_err(StoreError::io(&paths.models_next))?;
        if paths.manifest_next.exists() {
            fs::remove_file(&paths.manifest_next).map_err(StoreError::io(&paths.manifest_next))?;
        }
        fsync_parents(&[&paths.models_next, &paths.manifest_next])?;
    } else if paths.manifest_next.exists() {
        tracing::info!(manifest = %paths.manifest_next.display(), "finishing an interrupted commit");
        place_manifest(paths)?;
    }
    Ok(())
}

/// Rolls back or forward every commit a crash interrupted (in both layouts), and removes what
/// a rolled-back commit left: pending files and empty snapshot folders. Writer only.
pub(crate) fn recover_commits(root: &Path) -> Result<(), StoreError> {
    // Formats 1 and 2.
    let legacy = legacy_snapshots_dir(root);
    for dir in read_dir_or_empty(&legacy)? {
        if !dir.is_dir() {
            continue;
        }
        let paths = legacy_paths(&dir);
        recover_one(&paths)?;
        if !paths.manifest.exists() && !paths.models.exists() {
            fs::remove_dir(&dir).map_err(StoreError::io(&dir))?;
            fsync_dir(&legacy)?;
        }
    }
    // The current layout: every pending manifest decides, then pending files without one
    // (a crash between the two renames of step 5) go.
    for path in read_dir_or_empty(&manifests_dir(root))? {
        let Some(stem) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json.next"))
        else {
            continue;
        };
        recover_one(&current_paths_by_stem(root, stem))?;
    }
    let pending = pending_dir(root);
    for path in read_dir_or_empty(&pending)? {
        tracing::info!(file = %path.display(), "removing a pending file of an interrupted commit");
        fs::remove_file(&path).map_err(StoreError::io(&path))?;
        fsync_dir(&pending)?;
    }
    let models = models_dir(root);
    for dir in read_dir_or_empty(&models)? {
        if dir.is_dir() && read_dir_or_empty(&dir)?.is_empty() {
            fs::remove_dir(&dir).map_err(StoreError::io(&dir))?;
            fsync_dir(&models)?;
        }
    }
    Ok(())
}

/// The paths of the current layout that can be known from a stem alone (the partition folder
/// needs the manifest's time: `models` and `models_parent` are left empty).
fn current_paths_by_stem(root: &Path, stem: &str) -> SnapshotPaths {
    let manifests = manifests_dir(root);
    SnapshotPaths {
        models: PathBuf::new(),
        models_next: pending_dir(root).join(format!("{stem}.parquet")),
        manifest: manifests.join(format!("{stem}.json")),
        manifest_next: manifests.join(format!("{stem}.json.next")),
        relative_models: String::new(),
        models_parent: PathBuf::new(),
        legacy_dir: None,
    }
}
