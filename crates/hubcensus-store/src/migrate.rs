//! The in-place migration of format 1 and 2 snapshots (`snapshots/as_of=<RFC 3339>/`) to the
//! layout of format 3 (`models/as_of_date=<date>/<stem>.parquet`, `manifests/<stem>.json`; see
//! `layout`), run by [`crate::Writer::lock`] after it has recovered interrupted commits.
//!
//! Each snapshot moves by the steps of a commit, so a crash at any point leaves every snapshot
//! readable exactly once, with the same records:
//!
//! 1. its file is rewritten into staging in the current columns with the `as_of` column added
//!    (same row groups, same encodings; a version-1 file gains a null `parent_object_ids`; the
//!    records and so the manifest's `content_hash` are unchanged), and its manifest, version
//!    3, with the new file's path, size and sha256;
//! 2. both go beside their final names (`pending/`, `manifests/<stem>.json.next`);
//! 3. **the commit point**: the file under its final name. From here on readers take the
//!    snapshot from the new layout (a snapshot in both layouts is read from the new one);
//! 4. the manifest under its final name;
//! 5. the old directory goes (its manifest first, so it never reads as a snapshot again).
//!
//! An interrupted migration is finished by the next writer: recovery rolls its step 2 back or
//! forward like any commit's, and the migration then carries on with what is left.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::Path;

use arrow_array::{RecordBatch, RecordBatchReader, new_null_array};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::StoreError;
use crate::layout::{self, Committed};
use crate::manifest::{FileEntry, SCHEMA_VERSION};
use crate::schema::{self, MODELS_SCHEMA};
use crate::writer::{HashingWriter, crash_point, parquet_properties, write_synced};

/// The crash points of a migration of one snapshot, in order (see the crash test).
pub const MIGRATION_CRASH_POINTS: &[&str] = &[
    "migrate_written",
    "migrate_next_placed",
    "migrate_commit_point",
    "migrate_manifest_placed",
    "migrate_cleaned",
];

/// Migrates every format 1 and 2 snapshot of the store at `root` to the current layout. The
/// caller holds the writer lock and has recovered interrupted commits. Returns how many
/// snapshots moved.
pub(crate) fn run(root: &Path) -> Result<usize, StoreError> {
    let legacy = layout::scan_legacy(root)?;
    let mut migrated = 0;
    if legacy.is_empty() {
        remove_empty_legacy_dir(root)?;
        return Ok(migrated);
    }
    let current = layout::scan_current(root)?;
    let staging = layout::staging_dir(root).join(format!("migrate-{}", std::process::id()));
    for snapshot in legacy {
        let as_of = snapshot.manifest.info.as_of;
        if !current.iter().any(|c| c.manifest.info.as_of == as_of) {
            fs::create_dir_all(&staging).map_err(StoreError::io(&staging))?;
            migrate_one(root, &snapshot, &staging)?;
            migrated += 1;
        }
        remove_legacy(&snapshot)?;
        crash_point("migrate_cleaned");
    }
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(StoreError::io(&staging))?;
    }
    remove_empty_legacy_dir(root)?;
    tracing::info!(
        snapshots = migrated,
        "migrated the store to format {SCHEMA_VERSION}"
    );
    Ok(migrated)
}

fn migrate_one(root: &Path, snapshot: &Committed, staging: &Path) -> Result<(), StoreError> {
    let as_of = snapshot.manifest.info.as_of;
    let paths = layout::snapshot_paths(root, as_of);
    let staged_models = staging.join("models.parquet");
    let staged_manifest = staging.join("manifest.json");

    // 1. The file with its `as_of` column, and the manifest.
    let source = &snapshot.paths.models;
    let file = File::open(source).map_err(StoreError::io(source))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(StoreError::parquet(source))?
        .with_batch_size(65_536)
        .build()
        .map_err(StoreError::parquet(source))?;
    let file_schema = schema::with_as_of_field(&MODELS_SCHEMA);
    let out = File::create(&staged_models).map_err(StoreError::io(&staged_models))?;
    let mut writer = ArrowWriter::try_new(
        HashingWriter::new(BufWriter::new(out)),
        file_schema.clone(),
        Some(parquet_properties()),
    )
    .map_err(StoreError::parquet(&staged_models))?;
    for batch in reader {
        let batch = batch.map_err(|error| StoreError::parquet(source)(error.into()))?;
        let batch = to_current_columns(&batch, source)?;
        let batch = schema::with_as_of(&batch, &file_schema, as_of)
            .map_err(|error| StoreError::parquet(&staged_models)(error.into()))?;
        writer
            .write(&batch)
            .map_err(StoreError::parquet(&staged_models))?;
    }
    let hashing = writer
        .into_inner()
        .map_err(StoreError::parquet(&staged_models))?;
    let (bytes, sha256, out) = hashing.finish(&staged_models)?;
    out.sync_all().map_err(StoreError::io(&staged_models))?;

    let mut manifest = snapshot.manifest.clone();
    manifest.schema_version = SCHEMA_VERSION;
    manifest.files.insert(
        "models".to_owned(),
        FileEntry {
            path: paths.relative_models.clone(),
            bytes,
            sha256,
        },
    );
    write_synced(&staged_manifest, &manifest.to_json())?;
    layout::fsync_dir(staging)?;
    crash_point("migrate_written");

    // 2.-4. As a commit.
    layout::place_next(&paths, &staged_models, &staged_manifest)?;
    crash_point("migrate_next_placed");
    layout::commit_point(&paths)?;
    crash_point("migrate_commit_point");
    layout::place_manifest(&paths)?;
    crash_point("migrate_manifest_placed");
    Ok(())
}

/// `batch` in the columns of the current format, in its order: a column an older format did not
/// have (`parent_object_ids` before version 2) is added, null in every row, which reads as the
/// file read before (a null `parent_object_ids`: parents resolve by id). So every file under
/// `models/` has one schema, and no engine needs schema merging.
fn to_current_columns(batch: &RecordBatch, source: &Path) -> Result<RecordBatch, StoreError> {
    let mut columns = Vec::with_capacity(MODELS_SCHEMA.fields().len());
    for field in MODELS_SCHEMA.fields() {
        match batch.column_by_name(field.name()) {
            Some(column) if column.data_type() == field.data_type() => columns.push(column.clone()),
            Some(column) => {
                return Err(StoreError::Corrupt {
                    path: source.to_path_buf(),
                    reason: format!(
                        "column {} is {}, the format has {}",
                        field.name(),
                        column.data_type(),
                        field.data_type()
                    ),
                });
            }
            None if field.is_nullable() => {
                columns.push(new_null_array(field.data_type(), batch.num_rows()));
            }
            None => {
                return Err(StoreError::Corrupt {
                    path: source.to_path_buf(),
                    reason: format!("no column {}", field.name()),
                });
            }
        }
    }
    RecordBatch::try_new(MODELS_SCHEMA.clone(), columns)
        .map_err(|error| StoreError::parquet(source)(error.into()))
}

/// Step 5: the old directory, its manifest first.
fn remove_legacy(snapshot: &Committed) -> Result<(), StoreError> {
    let paths = &snapshot.paths;
    let Some(dir) = &paths.legacy_dir else {
        return Ok(());
    };
    for file in [&paths.manifest, &paths.models] {
        if file.exists() {
            fs::remove_file(file).map_err(StoreError::io(file))?;
            layout::fsync_dir(dir)?;
        }
    }
    fs::remove_dir(dir).map_err(StoreError::io(dir))?;
    if let Some(parent) = dir.parent() {
        layout::fsync_dir(parent)?;
    }
    Ok(())
}

/// `snapshots/` goes once it is empty (a store of format 3 has none).
fn remove_empty_legacy_dir(root: &Path) -> Result<(), StoreError> {
    let dir = layout::legacy_snapshots_dir(root);
    if dir.is_dir()
        && fs::read_dir(&dir)
            .map_err(StoreError::io(&dir))?
            .next()
            .is_none()
    {
        fs::remove_dir(&dir).map_err(StoreError::io(&dir))?;
        layout::fsync_dir(root)?;
    }
    Ok(())
}

/// Turns a store of the current layout back into the layout of format 2 (every snapshot in
/// `snapshots/as_of=<RFC 3339>/`, its file without the `as_of` column, a version-2 manifest),
/// as a store written before format 3 was: for the migration's tests, here and in other
/// crates. Not for stores anyone keeps.
#[doc(hidden)]
pub fn downgrade_to_format_2(root: &Path) -> Result<(), StoreError> {
    let legacy_root = layout::legacy_snapshots_dir(root);
    for snapshot in layout::scan_current(root)? {
        let as_of = snapshot.manifest.info.as_of;
        let dir = legacy_root.join(crate::manifest::snapshot_dir_name(as_of));
        fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
        let paths = layout::legacy_paths(&dir);
        let source = &snapshot.paths.models;
        let file = File::open(source).map_err(StoreError::io(source))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(StoreError::parquet(source))?
            .build()
            .map_err(StoreError::parquet(source))?;
        let schema = reader.schema();
        let keep: Vec<usize> = (0..schema.fields().len())
            .filter(|&i| schema.field(i).name() != layout::AS_OF_COLUMN)
            .collect();
        let out_schema = std::sync::Arc::new(
            schema
                .project(&keep)
                .map_err(|error| StoreError::parquet(source)(error.into()))?,
        );
        let out = File::create(&paths.models).map_err(StoreError::io(&paths.models))?;
        let mut writer = ArrowWriter::try_new(
            HashingWriter::new(BufWriter::new(out)),
            out_schema,
            Some(parquet_properties()),
        )
        .map_err(StoreError::parquet(&paths.models))?;
        for batch in reader {
            let batch = batch
                .and_then(|batch| batch.project(&keep))
                .map_err(|error| StoreError::parquet(source)(error.into()))?;
            writer
                .write(&batch)
                .map_err(StoreError::parquet(&paths.models))?;
        }
        let hashing = writer
            .into_inner()
            .map_err(StoreError::parquet(&paths.models))?;
        let (bytes, sha256, _) = hashing.finish(&paths.models)?;
        let mut manifest = snapshot.manifest.clone();
        manifest.schema_version = 2;
        manifest.files.insert(
            "models".to_owned(),
            FileEntry {
                path: paths.relative_models.clone(),
                bytes,
                sha256,
            },
        );
        write_synced(&paths.manifest, &manifest.to_json())?;
    }
    for dir in [
        layout::models_dir(root),
        layout::manifests_dir(root),
        layout::pending_dir(root),
    ] {
        fs::remove_dir_all(&dir).map_err(StoreError::io(&dir))?;
    }
    Ok(())
}
