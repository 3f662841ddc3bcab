//! The write side: the writer lock, snapshot builders, and atomic commits.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;
use std::thread::JoinHandle;

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, RecordBatch};
use hubcensus_model::{ModelRecord, SnapshotInfo, SourceKind, Timestamp};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use sha2::{Digest, Sha256};

use crate::StoreError;
use crate::dictionary::Dictionary;
use crate::layout::{self, Committed};
use crate::manifest::{FileEntry, Manifest, SCHEMA_VERSION, Totals};
use crate::schema::{self, COLUMNS, MODELS_SCHEMA};

/// Rows per Parquet row group and per output batch.
const ROW_GROUP: usize = 262_144;

/// The memory a builder holds in pushed records before it spills a sorted run to staging.
const DEFAULT_MEMORY_LIMIT: usize = 256 << 20;

pub(crate) fn parquet_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(1).expect("1 is a valid zstd level"),
        ))
        .set_max_row_group_row_count(Some(ROW_GROUP))
        // Rows are sorted by index: delta encoding stores the index column in almost nothing
        // and decodes it faster than zstd'd plain values.
        .set_column_dictionary_enabled(ColumnPath::from("model_index"), false)
        // Unique per row: a dictionary would only be tried, grown to its size limit and
        // abandoned, at the cost of a hash per value.
        .set_column_dictionary_enabled(ColumnPath::from("key"), false)
        .set_column_dictionary_enabled(ColumnPath::from("object_id"), false)
        .set_column_dictionary_enabled(ColumnPath::from("id"), false)
        .set_column_dictionary_enabled(ColumnPath::from("card_data"), false)
        // Nearly unique numbers: same.
        .set_column_dictionary_enabled(ColumnPath::from("downloads_all_time"), false)
        .set_column_dictionary_enabled(ColumnPath::from("created_at"), false)
        .set_column_dictionary_enabled(ColumnPath::from("last_modified"), false)
        .set_column_dictionary_enabled(ColumnPath::from("trending_score"), false)
        .set_column_encoding(
            ColumnPath::from("model_index"),
            Encoding::DELTA_BINARY_PACKED,
        )
        .build()
}

/// A test hook: when the crash test names this point, the process dies here as a `kill -9`
/// would (no destructors, no flushing).
#[allow(clippy::missing_const_for_fn)]
pub(crate) fn crash_point(name: &str) {
    #[cfg(test)]
    if std::env::var("HUBCENSUS_STORE_CRASH_AT").is_ok_and(|point| point == name) {
        std::process::abort();
    }
    let _ = name;
}

/// The crash points of a commit, in order (see the crash test and docs/store.md).
pub const CRASH_POINTS: &[&str] = &[
    "before_staging",
    "parquet_written",
    "staged",
    "dictionary_placed",
    "next_placed",
    "commit_point",
    "manifest_placed",
    "cleaned",
];

/// What a new snapshot is, given before its records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotDraft {
    /// The time the snapshot stands for (a crawl's end).
    pub as_of: Timestamp,
    pub crawl_started: Option<Timestamp>,
    pub crawl_ended: Option<Timestamp>,
    pub source: SourceKind,
    /// A path or URL, as the user gave it (never a token).
    pub source_location: String,
    /// Canonical names ([`COLUMNS`]) of the columns the source carries. A record with a value
    /// in an unlisted column is refused: the list is what tells "absent in this era" from
    /// "zero".
    pub columns: Vec<String>,
    /// A top-N crawl or an otherwise incomplete listing.
    pub partial: bool,
    /// Synthetic demo data.
    pub synthetic: bool,
}

/// The result of a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommitOutcome {
    /// A new snapshot was written (or an existing one replaced).
    Committed(SnapshotInfo),
    /// The store already held a snapshot at this as-of time with identical content; nothing
    /// was written.
    Unchanged(SnapshotInfo),
}

impl CommitOutcome {
    #[must_use]
    pub fn info(&self) -> &SnapshotInfo {
        match self {
            Self::Committed(info) | Self::Unchanged(info) => info,
        }
    }
}

/// The exclusive writer of a store. Holding it keeps out every other writer (in this or another
/// process); readers are never blocked.
pub struct Writer {
    root: PathBuf,
    _lock: File,
    /// The committed dictionary (plus the changes of an open builder); `None` when it must be
    /// reloaded from disk (after a builder was dropped without committing).
    dictionary: Option<Dictionary>,
    staging_counter: u32,
}

impl Writer {
    /// Takes the writer lock of the store at `data_dir` (creating the layout if missing),
    /// finishes or rolls back any commit a crash interrupted, removes stale staging, and
    /// migrates snapshots of formats 1 and 2 to the current layout (`migrate`).
    pub fn lock(data_dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        let root = data_dir.as_ref().to_path_buf();
        layout::create(&root)?;
        let lock_path = root.join("lock");
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(StoreError::io(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = lock.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(StoreError::Locked {
                    data_dir: root,
                    holder: if holder.is_empty() {
                        "unknown".to_owned()
                    } else {
                        holder.to_owned()
                    },
                });
            }
            Err(fs::TryLockError::Error(error)) => return Err(StoreError::io(&lock_path)(error)),
        }
        lock.set_len(0)
            .and_then(|()| lock.write_all(std::process::id().to_string().as_bytes()))
            .and_then(|()| lock.sync_all())
            .map_err(StoreError::io(&lock_path))?;
        let mut writer = Self {
            root,
            _lock: lock,
            dictionary: None,
            staging_counter: 0,
        };
        writer.recover()?;
        crate::migrate::run(&writer.root)?;
        Ok(writer)
    }

    #[must_use]
    pub fn data_dir(&self) -> &Path {
        &self.root
    }

    /// Rolls interrupted commits forward (past their commit point) or back (before it), and
    /// removes staging and dictionary generations no committed manifest references.
    fn recover(&mut self) -> Result<(), StoreError> {
        let staging = layout::staging_dir(&self.root);
        for entry in fs::read_dir(&staging).map_err(StoreError::io(&staging))? {
            let path = entry.map_err(StoreError::io(&staging))?.path();
            tracing::info!(path = %path.display(), "removing stale staging");
            let removed = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            removed.map_err(StoreError::io(&path))?;
        }
        layout::recover_commits(&self.root)?;
        let committed = layout::scan(&self.root)?;
        let current = committed
            .iter()
            .map(|c| c.manifest.dictionary_generation)
            .max();
        self.remove_dictionary_generations(|generation| {
            current.is_none_or(|current| generation > current)
        })?;
        Ok(())
    }

    fn remove_dictionary_generations(
        &self,
        remove: impl Fn(u64) -> bool,
    ) -> Result<(), StoreError> {
        let dir = layout::dictionary_dir(&self.root);
        for entry in fs::read_dir(&dir).map_err(StoreError::io(&dir))? {
            let path = entry.map_err(StoreError::io(&dir))?.path();
            let generation = path
                .file_name()
                .and_then(|name| name.to_str())
                .and_then(|name| name.strip_suffix(".parquet"))
                .and_then(|stem| stem.parse::<u64>().ok());
            if let Some(generation) = generation
                && remove(generation)
            {
                fs::remove_file(&path).map_err(StoreError::io(&path))?;
            }
        }
        Ok(())
    }

    fn load_dictionary(&mut self) -> Result<&mut Dictionary, StoreError> {
        if self.dictionary.is_none() {
            let committed = layout::scan(&self.root)?;
            let dictionary = match committed
                .iter()
                .map(|c| c.manifest.dictionary_generation)
                .max()
            {
                Some(generation) => {
                    Dictionary::read(&layout::dictionary_path(&self.root, generation))?
                }
                None => Dictionary::default(),
            };
            self.dictionary = Some(dictionary);
        }
        Ok(self.dictionary.as_mut().expect("just loaded"))
    }

    /// Starts a snapshot. Records are pushed to the returned builder and land in the store only
    /// when it commits; dropping it discards them.
    pub fn begin(&mut self, draft: SnapshotDraft) -> Result<SnapshotBuilder<'_>, StoreError> {
        let mut declared = [false; COLUMNS.len()];
        for column in &draft.columns {
            let position = COLUMNS.iter().position(|c| c == column).ok_or_else(|| {
                StoreError::UnknownColumn {
                    column: column.clone(),
                    known: COLUMNS.join(", "),
                }
            })?;
            declared[position] = true;
        }
        self.load_dictionary()?;
        Ok(SnapshotBuilder {
            writer: self,
            draft,
            declared,
            declared_mask: declared
                .iter()
                .enumerate()
                .fold(0, |mask, (i, &d)| if d { mask | 1 << i } else { mask }),
            batches: Vec::new(),
            buffered_bytes: 0,
            memory_limit: DEFAULT_MEMORY_LIMIT,
            runs: Vec::new(),
            direct: None,
            in_order: true,
            last_index: None,
            staging: None,
            seen: Vec::new(),
            lanes: [0; 4],
            rows: 0,
            downloads_30d: 0,
            downloads_all_time: 0,
            dictionary_changed: false,
            finished: false,
            digest_buffer: Vec::with_capacity(1024),
            worker: None,
        })
    }
}

/// A snapshot being written. Records go to memory as Arrow batches (compact, columnar); past
/// the memory limit they are sorted by model index and spilled to a run file in staging. The
/// commit writes the batches (or merges the runs) in model-index order.
pub struct SnapshotBuilder<'w> {
    writer: &'w mut Writer,
    draft: SnapshotDraft,
    declared: [bool; COLUMNS.len()],
    /// `declared` as a bit set over [`COLUMNS`] positions.
    declared_mask: u32,
    batches: Vec<RecordBatch>,
    /// Arrow memory held by `batches`.
    buffered_bytes: usize,
    memory_limit: usize,
    /// Sorted runs spilled to staging.
    runs: Vec<PathBuf>,
    /// While every record so far arrived in index order, spills go straight into the final
    /// file, written here; if the order breaks later, it becomes the first sorted run.
    direct: Option<DirectFile>,
    /// Whether every accepted record so far had a higher index than the one before.
    in_order: bool,
    last_index: Option<u32>,
    /// This builder's staging directory, created on first use.
    staging: Option<PathBuf>,
    /// Bitset of the dense indices already in this snapshot.
    seen: Vec<u64>,
    /// The order-independent content digest: the sum, lane by lane, of each record's sha256.
    lanes: [u64; 4],
    rows: u64,
    downloads_30d: u64,
    downloads_all_time: u64,
    dictionary_changed: bool,
    finished: bool,
    /// Reused by [`record_digest`].
    digest_buffer: Vec<u8>,
    /// Builds batches and digests of owned records ([`SnapshotBuilder::push_owned`]) on
    /// another thread; started on first use.
    worker: Option<BatchWorker>,
}

impl SnapshotBuilder<'_> {
    /// The number of records pushed so far.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.rows
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    fn is_seen(&self, index: u32) -> bool {
        self.seen
            .get(index as usize / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }

    fn mark_seen(&mut self, index: u32) {
        let word = index as usize / 64;
        if word >= self.seen.len() {
            self.seen.resize(word + 1, 0);
        }
        self.seen[word] |= 1 << (index % 64);
    }

    /// Says how many records are coming (a source's row count), so that the key dictionary's
    /// maps are sized once for them instead of growing by rehashing. Only a hint: pushing
    /// more or fewer is fine.
    pub fn expect_records(&mut self, records: u64) {
        let records = usize::try_from(records).unwrap_or(usize::MAX);
        if let Some(dictionary) = self.writer.dictionary.as_mut() {
            dictionary.reserve_keys(records);
        }
    }

    /// Caps the memory the builder holds in pushed records (default 256 MiB); beyond it,
    /// records are sorted and spilled to staging, and the commit merges them.
    pub fn set_memory_limit(&mut self, bytes: usize) {
        self.memory_limit = bytes;
    }

    /// This builder's staging directory (created on first use).
    fn staging(&mut self) -> Result<PathBuf, StoreError> {
        if let Some(staging) = &self.staging {
            return Ok(staging.clone());
        }
        self.writer.staging_counter += 1;
        let staging = layout::staging_dir(&self.writer.root).join(format!(
            "{}-{}",
            std::process::id(),
            self.writer.staging_counter
        ));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(StoreError::io(&staging))?;
        }
        fs::create_dir_all(&staging).map_err(StoreError::io(&staging))?;
        self.staging = Some(staging.clone());
        Ok(staging)
    }

    /// Moves the buffered batches out of memory: appended to the final file while the input
    /// is in index order, else sorted into a run file in staging.
    fn spill(&mut self) -> Result<(), StoreError> {
        let staging = self.staging()?;
        if self.in_order {
            if self.direct.is_none() {
                self.direct = Some(DirectFile::create(
                    staging.join("direct.parquet"),
                    self.draft.as_of,
                )?);
            }
            let direct = self.direct.as_mut().expect("just created");
            for batch in std::mem::take(&mut self.batches) {
                direct.write(batch)?;
            }
            self.buffered_bytes = 0;
            return Ok(());
        }
        self.retire_direct()?;
        let path = staging.join(format!("run-{:05}.parquet", self.runs.len()));
        let file = File::create(&path).map_err(StoreError::io(&path))?;
        // A run is read once, by the merge: plain values (no dictionaries to build), no
        // statistics, LZ4, cost the least to write on this thread.
        let properties = WriterProperties::builder()
            .set_compression(Compression::LZ4_RAW)
            .set_dictionary_enabled(false)
            .set_statistics_enabled(EnabledStatistics::None)
            .set_max_row_group_row_count(Some(ROW_GROUP))
            .build();
        let mut writer = ArrowWriter::try_new(
            BufWriter::new(file),
            MODELS_SCHEMA.clone(),
            Some(properties),
        )
        .map_err(StoreError::parquet(&path))?;
        let batches = std::mem::take(&mut self.batches);
        self.buffered_bytes = 0;
        for_each_sorted(&batches, |batch| {
            writer.write(&batch).map_err(StoreError::parquet(&path))
        })?;
        writer.close().map_err(StoreError::parquet(&path))?;
        tracing::debug!(run = %path.display(), "spilled a sorted run");
        self.runs.push(path);
        Ok(())
    }

    /// Closes the in-order file written so far and makes it a sorted run (the input is no
    /// longer in order, or its rows must be read back).
    fn retire_direct(&mut self) -> Result<(), StoreError> {
        self.in_order = false;
        if let Some(mut direct) = self.direct.take() {
            direct.finish()?;
            self.runs.insert(0, direct.path.clone());
        }
        Ok(())
    }

    /// The id under which dense index `index` was pushed earlier in this snapshot.
    fn pushed_id(&self, index: u32) -> String {
        for path in &self.runs {
            let rows = File::open(path)
                .ok()
                .and_then(|file| ParquetRecordBatchReaderBuilder::try_new(file).ok())
                .and_then(|builder| builder.build().ok());
            for batch in rows.into_iter().flatten().flatten() {
                let indices = batch.column(0).as_primitive::<Int32Type>();
                if let Some(row) = indices.values().iter().position(|&i| i as u32 == index) {
                    return batch.column(3).as_string::<i32>().value(row).to_owned();
                }
            }
        }
        for batch in &self.batches {
            let indices = batch.column(0).as_primitive::<Int32Type>();
            if let Some(row) = indices.values().iter().position(|&i| i as u32 == index) {
                return batch.column(3).as_string::<i32>().value(row).to_owned();
            }
        }
        "(unknown)".to_owned()
    }

    fn check(&self, record: &ModelRecord) -> Result<(), StoreError> {
        let undeclared = schema::columns_with_values_mask(record) & !self.declared_mask;
        if undeclared != 0 {
            return Err(StoreError::UndeclaredColumn {
                column: COLUMNS[undeclared.trailing_zeros() as usize],
                id: record.id.to_string(),
            });
        }
        for (column, value) in [
            ("downloads_30d", record.downloads_30d),
            ("downloads_all_time", record.downloads_all_time),
            ("likes", record.likes),
            ("parameters", record.parameters),
        ] {
            if let Some(value) = value
                && i64::try_from(value).is_err()
            {
                return Err(StoreError::OutOfRange {
                    column,
                    id: record.id.to_string(),
                    value,
                });
            }
        }
        Ok(())
    }

    /// Adds records to the snapshot. On an error (a duplicate key, a value the draft's columns
    /// do not allow, a count beyond `i64`), the records before the failing one have been added,
    /// the failing one and the rest have not, and the builder can go on.
    pub fn push(&mut self, records: &[ModelRecord]) -> Result<(), StoreError> {
        let (indices, failure) = self.accept(records);
        if !indices.is_empty() {
            let rows: Vec<(u32, &ModelRecord)> = indices.iter().copied().zip(records).collect();
            for (_, record) in &rows {
                let digest = record_digest(record, &mut self.digest_buffer);
                add_digest(&mut self.lanes, &digest);
            }
            let batch = schema::to_batch(&rows)?;
            self.add_batch(batch)?;
        }
        failure.map_or(Ok(()), Err)
    }

    /// [`SnapshotBuilder::push`] for records the caller gives away: the checks and the key
    /// dictionary stay on this thread, while the record batch and the content digest are built
    /// on another (the records are dropped there too), so an import's main thread does about
    /// half the work. The same records give the same snapshot as `push`.
    pub fn push_owned(&mut self, mut records: Vec<ModelRecord>) -> Result<(), StoreError> {
        let (indices, failure) = self.accept(&records);
        // The failing record is not part of the snapshot, nor are the ones after it.
        records.truncate(indices.len());
        if !records.is_empty() {
            if self.worker.is_none() {
                self.worker = Some(BatchWorker::start(&self.writer.root)?);
            }
            let worker = self.worker.as_mut().expect("just started");
            worker.send(indices, records)?;
            self.collect_batches(false)?;
        }
        failure.map_or(Ok(()), Err)
    }

    /// Takes the batches the worker has finished (all of them when `all`).
    fn collect_batches(&mut self, all: bool) -> Result<(), StoreError> {
        let Some(worker) = self.worker.as_mut() else {
            return Ok(());
        };
        let mut done = Vec::new();
        worker.receive(all, &mut done)?;
        for (batch, lanes) in done {
            add_lanes(&mut self.lanes, &lanes);
            self.add_batch(batch)?;
        }
        Ok(())
    }

    fn add_batch(&mut self, batch: RecordBatch) -> Result<(), StoreError> {
        self.buffered_bytes += batch.get_array_memory_size();
        self.batches.push(batch);
        if self.buffered_bytes > self.memory_limit {
            self.spill()?;
        }
        Ok(())
    }

    /// The checks and the key dictionary of a push: the dense index of each record accepted,
    /// in order, stopping at the first that fails (with its error).
    fn accept(&mut self, records: &[ModelRecord]) -> (Vec<u32>, Option<StoreError>) {
        let as_of = self.draft.as_of;
        let mut indices: Vec<u32> = Vec::with_capacity(records.len());
        let mut failure = None;
        for record in records {
            if let Err(error) = self.check(record) {
                failure = Some(error);
                break;
            }
            let object_id = record.object_id.as_deref();
            let known = self
                .writer
                .dictionary
                .as_ref()
                .expect("loaded at begin")
                .lookup(object_id, &record.id);
            if let Some(index) = known
                && self.is_seen(index)
            {
                // The first occurrence may sit in the worker, or in the file being written:
                // read it back.
                let first_id = indices
                    .iter()
                    .position(|&i| i == index)
                    .map(|position| records[position].id.to_string());
                if let Err(error) = self
                    .collect_batches(true)
                    .and_then(|()| self.retire_direct())
                {
                    failure = Some(error);
                    break;
                }
                failure = Some(StoreError::DuplicateKey {
                    key: key_text(record),
                    as_of,
                    first_id: first_id.unwrap_or_else(|| self.pushed_id(index)),
                    second_id: record.id.to_string(),
                });
                break;
            }
            let dictionary = self.writer.dictionary.as_mut().expect("loaded at begin");
            let (index, changed) = dictionary.assign(object_id, &record.id, as_of);
            let mut changed = changed;
            if let Some(lineage) = &record.lineage {
                // A parent whose `_id` the store knows resolves by it (METHODS.md §1); one
                // named by id only, or whose `_id` is not known yet, gets an id-keyed entry if
                // its id is unknown, so lineage always resolves to an index.
                for (parent, object_id) in lineage.parents_with_object_ids() {
                    if object_id.is_none_or(|object_id| !dictionary.knows_object_id(object_id)) {
                        changed |= dictionary.ensure_id(parent, as_of).1;
                    }
                }
            }
            if let Some(tags) = &record.tags {
                for mentioned in schema::mentioned_ids(tags) {
                    changed |= dictionary.ensure_id(&mentioned, as_of).1;
                }
            }
            self.dictionary_changed |= changed;
            self.mark_seen(index);
            if self.last_index.is_some_and(|last| index <= last) {
                self.in_order = false;
            }
            self.last_index = Some(index);
            self.rows += 1;
            self.downloads_30d = self
                .downloads_30d
                .saturating_add(record.downloads_30d.unwrap_or(0));
            self.downloads_all_time = self
                .downloads_all_time
                .saturating_add(record.downloads_all_time.unwrap_or(0));
            indices.push(index);
        }
        (indices, failure)
    }

    fn content_hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"hubcensus-store content v2\n");
        for lane in self.lanes {
            hasher.update(lane.to_le_bytes());
        }
        hasher.update(self.rows.to_le_bytes());
        let mut columns = self.draft.columns.clone();
        columns.sort();
        columns.dedup();
        hasher.update(columns.join(",").as_bytes());
        hasher.update([u8::from(self.draft.partial), u8::from(self.draft.synthetic)]);
        hex(&hasher.finalize())
    }

    fn info(&self) -> SnapshotInfo {
        let mut columns: Vec<String> = COLUMNS
            .iter()
            .zip(self.declared)
            .filter(|(_, declared)| *declared)
            .map(|(column, _)| (*column).to_owned())
            .collect();
        columns.dedup();
        SnapshotInfo {
            as_of: self.draft.as_of,
            crawl_started: self.draft.crawl_started,
            crawl_ended: self.draft.crawl_ended,
            source: self.draft.source,
            source_location: self.draft.source_location.clone(),
            models: self.rows,
            columns,
            partial: self.draft.partial,
            synthetic: self.draft.synthetic,
        }
    }

    /// Commits the snapshot atomically. Identical content already stored at the same as-of
    /// time is a no-op ([`CommitOutcome::Unchanged`]); different content is refused with
    /// [`StoreError::SnapshotExists`] unless `replace`.
    pub fn commit(mut self, replace: bool) -> Result<CommitOutcome, StoreError> {
        let result = self.commit_inner(replace);
        self.finished = result.is_ok();
        result
    }

    fn commit_inner(&mut self, replace: bool) -> Result<CommitOutcome, StoreError> {
        self.collect_batches(true)?;
        self.worker = None;
        let root = self.writer.root.clone();
        let as_of = self.draft.as_of;
        let committed = layout::scan(&root)?;
        let content_hash = self.content_hash();
        let existing = committed.iter().find(|c| c.manifest.info.as_of == as_of);
        if let Some(existing) = existing {
            if existing.manifest.content_hash == content_hash {
                if self.dictionary_changed {
                    self.writer.dictionary = None;
                }
                return Ok(CommitOutcome::Unchanged(existing.manifest.info.clone()));
            }
            if !replace {
                return Err(StoreError::SnapshotExists {
                    as_of,
                    stored_models: existing.manifest.info.models,
                    new_models: self.rows,
                });
            }
        }
        crash_point("before_staging");
        let staging = self.staging()?;

        // 1. The snapshot, sorted by model index, and 2. the dictionary generation (a new one
        //    when keys or ids were added), written side by side on two threads.
        let staged_models = staging.join("models.parquet");
        let paths = layout::snapshot_paths(&root, as_of);
        let current = committed
            .iter()
            .max_by_key(|c| c.manifest.dictionary_generation);
        let dictionary = self.writer.dictionary.take().expect("loaded at begin");
        let dictionary_len = dictionary.len() as u64;
        let new_generation = match current {
            Some(_) if !self.dictionary_changed => None,
            _ => Some(current.map_or(1, |c| c.manifest.dictionary_generation + 1)),
        };
        let (models_entry, written_dictionary) = std::thread::scope(|scope| {
            let dictionary_thread = new_generation.map(|generation| {
                let path = staging.join(layout::dictionary_file_name(generation));
                let dictionary = &dictionary;
                scope.spawn(move || -> Result<(FileEntry, PathBuf), StoreError> {
                    let file = File::create(&path).map_err(StoreError::io(&path))?;
                    let hashing = HashingWriter::new(BufWriter::new(file));
                    let hashing = dictionary.write(hashing, &path)?;
                    let (bytes, sha256, file) = hashing.finish(&path)?;
                    file.sync_all().map_err(StoreError::io(&path))?;
                    let relative =
                        format!("dictionary/{}", layout::dictionary_file_name(generation));
                    Ok((
                        FileEntry {
                            path: relative,
                            bytes,
                            sha256,
                        },
                        path,
                    ))
                })
            });
            let models = self.write_models(&staged_models, &paths.relative_models);
            let written = dictionary_thread.map(|thread| {
                thread
                    .join()
                    .expect("the dictionary-writing thread panicked")
            });
            (models, written)
        });
        self.writer.dictionary = Some(dictionary);
        let models_entry = models_entry?;
        crash_point("parquet_written");
        let (generation, dictionary_entry, staged_dictionary) =
            match (written_dictionary.transpose()?, current) {
                (Some((entry, path)), _) => (
                    new_generation.expect("a new generation was written"),
                    entry,
                    Some(path),
                ),
                (None, Some(current)) => (
                    current.manifest.dictionary_generation,
                    current
                        .manifest
                        .files
                        .get("dictionary")
                        .cloned()
                        .ok_or_else(|| StoreError::Corrupt {
                            path: current.paths.manifest.clone(),
                            reason: "no dictionary file entry".into(),
                        })?,
                    None,
                ),
                (None, None) => unreachable!("a store without snapshots writes a generation"),
            };

        // 3. The manifest.
        let info = self.info();
        let has = |column: &str| info.has_column(column);
        let manifest = Manifest {
            schema_version: SCHEMA_VERSION,
            content_hash,
            totals: Totals {
                downloads_30d: has("downloads_30d").then_some(self.downloads_30d),
                downloads_all_time: has("downloads_all_time").then_some(self.downloads_all_time),
            },
            dictionary_generation: generation,
            dictionary_len,
            files: BTreeMap::from([
                ("models".to_owned(), models_entry),
                ("dictionary".to_owned(), dictionary_entry),
            ]),
            writer: concat!("hubcensus-store ", env!("CARGO_PKG_VERSION")).to_owned(),
            info: info.clone(),
        };
        let staged_manifest = staging.join("manifest.json");
        write_synced(&staged_manifest, &manifest.to_json())?;
        layout::fsync_dir(&staging)?;
        crash_point("staged");

        // 4. The dictionary generation into place (unreferenced until the commit point).
        if let Some(staged_dictionary) = staged_dictionary {
            let dir = layout::dictionary_dir(&root);
            layout::rename(
                &staged_dictionary,
                &layout::dictionary_path(&root, generation),
            )?;
            layout::fsync_dir(&dir)?;
        }
        crash_point("dictionary_placed");

        // 5. The files beside their final names.
        layout::place_next(&paths, &staged_models, &staged_manifest)?;
        crash_point("next_placed");

        // 6. The commit point.
        layout::commit_point(&paths)?;
        crash_point("commit_point");

        // 7. The manifest under its final name.
        layout::place_manifest(&paths)?;
        crash_point("manifest_placed");

        // 8. Cleanup: staging, and dictionary generations older than the previous one (readers
        //    that opened earlier fall back to a newer generation, a superset).
        fs::remove_dir_all(&staging).map_err(StoreError::io(&staging))?;
        self.staging = None;
        self.writer
            .remove_dictionary_generations(|g| g + 1 < generation)?;
        crash_point("cleaned");
        self.dictionary_changed = false;
        tracing::info!(%as_of, models = self.rows, generation, "snapshot committed");
        Ok(CommitOutcome::Committed(info))
    }

    /// Writes the pushed batches to `path` sorted by model index; returns its file entry.
    fn write_models(&mut self, path: &Path, relative: &str) -> Result<FileEntry, StoreError> {
        if self.in_order
            && let Some(mut direct) = self.direct.take()
        {
            for batch in std::mem::take(&mut self.batches) {
                direct.write(batch)?;
            }
            let (bytes, sha256, file) = direct.finish()?;
            file.sync_all().map_err(StoreError::io(&direct.path))?;
            layout::rename(&direct.path, path)?;
            return Ok(FileEntry {
                path: relative.to_owned(),
                bytes,
                sha256,
            });
        }
        self.retire_direct()?;
        // Sorting and merging here, Parquet encoding on the encoder's thread.
        let mut encoder = DirectFile::create(path.to_path_buf(), self.draft.as_of)?;
        let batches = std::mem::take(&mut self.batches);
        let mut write = |batch: RecordBatch| encoder.write(batch);
        if self.runs.is_empty() {
            for_each_sorted(&batches, &mut write)?;
        } else {
            if !batches.is_empty() {
                self.batches = batches;
                self.spill()?;
            }
            merge_runs(&self.runs, &mut write)?;
        }
        let (bytes, sha256, file) = encoder.finish()?;
        file.sync_all().map_err(StoreError::io(path))?;
        Ok(FileEntry {
            path: relative.to_owned(),
            bytes,
            sha256,
        })
    }
}

impl Drop for SnapshotBuilder<'_> {
    fn drop(&mut self) {
        // Stop the workers before their files go.
        drop(self.worker.take());
        drop(self.direct.take());
        if let Some(staging) = &self.staging {
            let _ = fs::remove_dir_all(staging);
        }
        if !self.finished && self.dictionary_changed {
            // The in-memory dictionary holds keys of a snapshot that was not committed.
            self.writer.dictionary = None;
        }
    }
}

fn add_digest(lanes: &mut [u64; 4], digest: &[u8; 32]) {
    for (lane, chunk) in lanes.iter_mut().zip(digest.chunks_exact(8)) {
        *lane = lane.wrapping_add(u64::from_le_bytes(chunk.try_into().expect("8-byte chunks")));
    }
}

fn add_lanes(lanes: &mut [u64; 4], more: &[u64; 4]) {
    for (lane, more) in lanes.iter_mut().zip(more) {
        *lane = lane.wrapping_add(*more);
    }
}

/// A finished batch and the digest lanes of its records.
type Built = Result<(RecordBatch, [u64; 4]), StoreError>;

/// The thread that turns accepted records into a record batch and their digests
/// ([`SnapshotBuilder::push_owned`]), in the order they were sent.
struct BatchWorker {
    sender: Option<SyncSender<(Vec<u32>, Vec<ModelRecord>)>>,
    receiver: std::sync::mpsc::Receiver<Built>,
    /// Chunks sent and not yet received back.
    pending: usize,
    thread: Option<JoinHandle<()>>,
    root: PathBuf,
}

impl BatchWorker {
    fn start(root: &Path) -> Result<Self, StoreError> {
        // Two chunks queued while one is built: memory stays bounded.
        let (sender, input) = std::sync::mpsc::sync_channel::<(Vec<u32>, Vec<ModelRecord>)>(2);
        let (output, receiver) = std::sync::mpsc::channel::<Built>();
        let thread = std::thread::Builder::new()
            .name("store-batch".into())
            .spawn(move || {
                let mut buffer = Vec::with_capacity(1024);
                for (indices, records) in input {
                    let mut lanes = [0u64; 4];
                    for record in &records {
                        add_digest(&mut lanes, &record_digest(record, &mut buffer));
                    }
                    let rows: Vec<(u32, &ModelRecord)> =
                        indices.into_iter().zip(&records).collect();
                    let built = schema::to_batch(&rows).map(|batch| (batch, lanes));
                    drop(rows);
                    drop(records);
                    if output.send(built).is_err() {
                        break;
                    }
                }
            })
            .map_err(StoreError::io(root))?;
        Ok(Self {
            sender: Some(sender),
            receiver,
            pending: 0,
            thread: Some(thread),
            root: root.to_path_buf(),
        })
    }

    fn stopped(&self) -> StoreError {
        StoreError::io(&self.root)(std::io::Error::other(
            "the batch-building thread stopped (a bug)",
        ))
    }

    fn send(&mut self, indices: Vec<u32>, records: Vec<ModelRecord>) -> Result<(), StoreError> {
        let sent = self
            .sender
            .as_ref()
            .is_some_and(|sender| sender.send((indices, records)).is_ok());
        if !sent {
            return Err(self.stopped());
        }
        self.pending += 1;
        Ok(())
    }

    /// Moves finished batches into `done`: those ready, or every one sent when `all`.
    fn receive(
        &mut self,
        all: bool,
        done: &mut Vec<(RecordBatch, [u64; 4])>,
    ) -> Result<(), StoreError> {
        while self.pending > 0 {
            let built = if all {
                self.receiver.recv().map_err(|_| self.stopped())?
            } else {
                match self.receiver.try_recv() {
                    Ok(built) => built,
                    Err(std::sync::mpsc::TryRecvError::Empty) => return Ok(()),
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                        return Err(self.stopped());
                    }
                }
            };
            self.pending -= 1;
            done.push(built?);
        }
        Ok(())
    }
}

impl Drop for BatchWorker {
    fn drop(&mut self) {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take() {
            // Unblock a worker waiting to send: drop what it finished.
            while self.receiver.recv().is_ok() {}
            let _ = thread.join();
        }
    }
}

/// A written file: (bytes, hex sha256, the file handle).
type Finished = (u64, String, File);

/// The final file of an in-order snapshot, written during the pushes by an encoding thread
/// (Parquet encoding and zstd run beside the conversion of the next records). The encoder
/// appends the `as_of` column (format 3) to every batch.
struct DirectFile {
    sender: Option<SyncSender<RecordBatch>>,
    thread: Option<JoinHandle<Result<Finished, StoreError>>>,
    path: PathBuf,
}

impl DirectFile {
    fn create(path: PathBuf, as_of: Timestamp) -> Result<Self, StoreError> {
        let file = File::create(&path).map_err(StoreError::io(&path))?;
        let file_schema = schema::with_as_of_field(&MODELS_SCHEMA);
        let mut writer = ArrowWriter::try_new(
            HashingWriter::new(BufWriter::new(file)),
            file_schema.clone(),
            Some(parquet_properties()),
        )
        .map_err(StoreError::parquet(&path))?;
        // One batch queued while one is encoded: memory stays bounded.
        let (sender, receiver) = std::sync::mpsc::sync_channel::<RecordBatch>(1);
        let thread_path = path.clone();
        let thread = std::thread::Builder::new()
            .name("store-encode".into())
            .spawn(move || {
                for batch in receiver {
                    let batch = schema::with_as_of(&batch, &file_schema, as_of)
                        .map_err(|error| StoreError::parquet(&thread_path)(error.into()))?;
                    writer
                        .write(&batch)
                        .map_err(StoreError::parquet(&thread_path))?;
                }
                let hashing = writer
                    .into_inner()
                    .map_err(StoreError::parquet(&thread_path))?;
                hashing.finish(&thread_path)
            })
            .map_err(StoreError::io(&path))?;
        Ok(Self {
            sender: Some(sender),
            thread: Some(thread),
            path,
        })
    }

    fn write(&mut self, batch: RecordBatch) -> Result<(), StoreError> {
        let sent = self
            .sender
            .as_ref()
            .is_some_and(|sender| sender.send(batch).is_ok());
        if sent {
            return Ok(());
        }
        // The encoder stopped on an error: that error is the answer.
        match self.finish() {
            Err(error) => Err(error),
            Ok(_) => Err(StoreError::io(&self.path)(std::io::Error::other(
                "the encoding thread stopped",
            ))),
        }
    }

    /// Waits for the encoder to write the footer; returns (bytes, hex sha256, the file).
    fn finish(&mut self) -> Result<Finished, StoreError> {
        drop(self.sender.take());
        match self.thread.take() {
            Some(thread) => thread.join().expect("the encoding thread panicked"),
            None => Err(StoreError::io(&self.path)(std::io::Error::other(
                "the encoding thread already finished",
            ))),
        }
    }
}

impl Drop for DirectFile {
    fn drop(&mut self) {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A canonical, unambiguous digest of one record: every field in order, `None` and `Some`
/// tagged, strings and lists length-prefixed. The canonical bytes are laid out in `buffer`
/// (reused across records) and hashed in one call.
fn record_digest(record: &ModelRecord, buffer: &mut Vec<u8>) -> [u8; 32] {
    fn text(out: &mut Vec<u8>, value: Option<&str>) {
        match value {
            None => out.push(0),
            Some(value) => {
                out.push(1);
                out.extend_from_slice(&(value.len() as u64).to_le_bytes());
                out.extend_from_slice(value.as_bytes());
            }
        }
    }
    fn number(out: &mut Vec<u8>, value: Option<u64>) {
        match value {
            None => out.push(0),
            Some(value) => {
                out.push(1);
                out.extend_from_slice(&value.to_le_bytes());
            }
        }
    }
    fn list<S: AsRef<str>>(out: &mut Vec<u8>, values: Option<&[S]>) {
        match values {
            None => out.push(0),
            Some(values) => {
                out.push(1);
                out.extend_from_slice(&(values.len() as u64).to_le_bytes());
                for value in values {
                    text(out, Some(value.as_ref()));
                }
            }
        }
    }
    let time = |t: Option<Timestamp>| t.map(|t| t.as_millis() as u64);
    let out = buffer;
    out.clear();
    text(out, record.object_id.as_deref());
    text(out, Some(record.id.as_str()));
    number(out, time(record.created_at));
    number(out, time(record.last_modified));
    number(out, record.downloads_30d);
    number(out, record.downloads_all_time);
    number(out, record.likes);
    number(out, record.trending_score.map(f64::to_bits));
    list(out, record.tags.as_deref());
    text(out, record.pipeline_tag.as_deref());
    text(out, record.library_name.as_deref());
    text(out, record.gated.map(hubcensus_model::Gated::as_str));
    number(out, record.parameters);
    match &record.lineage {
        None => out.push(0),
        Some(lineage) => {
            out.push(1);
            text(out, Some(lineage.relation.as_str()));
            out.push(1);
            out.extend_from_slice(&(lineage.parents.len() as u64).to_le_bytes());
            for parent in &lineage.parents {
                text(out, Some(parent.as_str()));
            }
            text(out, Some(schema::lineage_source_str(lineage.source)));
            // Parents' `_id`s (format version 2) only when there are some, so a record without
            // them digests as it did before, and an unchanged re-import stays `Unchanged`.
            if !lineage.parent_object_ids.is_empty() {
                out.push(2);
                for position in 0..lineage.parents.len() {
                    text(out, lineage.parent_object_id(position));
                }
            }
        }
    }
    text(out, record.license.as_deref());
    list(out, record.languages.as_deref());
    text(out, record.card_data.as_deref());
    Sha256::digest(out.as_slice()).into()
}

/// The key of a record as text: its `_id`, else its id.
fn key_text(record: &ModelRecord) -> String {
    match record.object_id.as_deref() {
        Some(object_id) if !object_id.is_empty() => object_id.to_owned(),
        _ => record.id.to_string(),
    }
}

/// Calls `write` with the rows of `batches` in model-index order, in batches of at most
/// `ROW_GROUP` rows (the batches themselves when already in order).
fn for_each_sorted(
    batches: &[RecordBatch],
    mut write: impl FnMut(RecordBatch) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let mut order: Vec<(u32, u32, u32)> = Vec::with_capacity(rows);
    for (batch_number, batch) in batches.iter().enumerate() {
        let indices = batch.column(0).as_primitive::<Int32Type>();
        for (row, &index) in indices.values().iter().enumerate() {
            order.push((index as u32, batch_number as u32, row as u32));
        }
    }
    if order.is_sorted_by_key(|&(index, _, _)| index) {
        drop(order);
        for batch in batches {
            write(batch.clone())?;
        }
        return Ok(());
    }
    order.sort_unstable_by_key(|&(index, _, _)| index);
    for chunk in order.chunks(ROW_GROUP) {
        let picks: Vec<(usize, usize)> = chunk
            .iter()
            .map(|&(_, batch, row)| (batch as usize, row as usize))
            .collect();
        write(interleave_batches(batches, &picks)?)?;
    }
    Ok(())
}

fn interleave_batches(
    batches: &[RecordBatch],
    picks: &[(usize, usize)],
) -> Result<RecordBatch, StoreError> {
    let columns = (0..MODELS_SCHEMA.fields().len())
        .map(|column| {
            let arrays: Vec<&dyn Array> =
                batches.iter().map(|b| b.column(column).as_ref()).collect();
            arrow_select::interleave::interleave(&arrays, picks)
        })
        .collect::<Result<Vec<ArrayRef>, _>>()
        .map_err(StoreError::arrow("the sorted snapshot"))?;
    RecordBatch::try_new(MODELS_SCHEMA.clone(), columns)
        .map_err(StoreError::arrow("the sorted snapshot"))
}

/// One sorted run being merged: its reader and its current batch.
struct RunCursor {
    reader: ParquetRecordBatchReader,
    path: PathBuf,
    /// Slot of the current batch in the merge's arena.
    slot: usize,
    row: usize,
    indices: Vec<u32>,
}

impl RunCursor {
    /// Loads the next batch into `arena`; false at the end of the run.
    fn advance(&mut self, arena: &mut Vec<RecordBatch>) -> Result<bool, StoreError> {
        let Some(batch) = self.reader.next() else {
            return Ok(false);
        };
        let batch = batch.map_err(|source| StoreError::Read {
            path: self.path.clone(),
            source,
        })?;
        self.indices = batch
            .column(0)
            .as_primitive::<Int32Type>()
            .values()
            .iter()
            .map(|&i| i as u32)
            .collect();
        self.row = 0;
        self.slot = arena.len();
        arena.push(batch);
        Ok(!self.indices.is_empty() || self.advance(arena)?)
    }
}

/// Merges sorted run files into one index-ordered stream of batches.
fn merge_runs(
    runs: &[PathBuf],
    mut write: impl FnMut(RecordBatch) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    let mut arena: Vec<RecordBatch> = Vec::new();
    let mut cursors = Vec::with_capacity(runs.len());
    let mut heap = BinaryHeap::new();
    for path in runs {
        let file = File::open(path).map_err(StoreError::io(path))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(StoreError::parquet(path))?
            .with_batch_size(8_192)
            .build()
            .map_err(StoreError::parquet(path))?;
        let mut cursor = RunCursor {
            reader,
            path: path.clone(),
            slot: 0,
            row: 0,
            indices: Vec::new(),
        };
        if cursor.advance(&mut arena)? {
            heap.push(Reverse((cursor.indices[0], cursors.len())));
        }
        cursors.push(cursor);
    }
    let mut picks: Vec<(usize, usize)> = Vec::with_capacity(ROW_GROUP);
    while let Some(Reverse((_, run))) = heap.pop() {
        let cursor = &mut cursors[run];
        picks.push((cursor.slot, cursor.row));
        cursor.row += 1;
        let more = cursor.row < cursor.indices.len() || cursor.advance(&mut arena)?;
        if more {
            heap.push(Reverse((cursor.indices[cursor.row], run)));
        }
        if picks.len() == ROW_GROUP || heap.is_empty() {
            write(interleave_batches(&arena, &picks)?)?;
            picks.clear();
            // Keep only the batches the cursors still stand on.
            let mut kept = Vec::with_capacity(cursors.len());
            for cursor in &mut cursors {
                if cursor.row < cursor.indices.len() {
                    kept.push(arena[cursor.slot].clone());
                    cursor.slot = kept.len() - 1;
                }
            }
            arena = kept;
        }
    }
    Ok(())
}

pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut file = File::create(path).map_err(StoreError::io(path))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(StoreError::io(path))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// A writer that hashes and counts what passes through it.
pub(crate) struct HashingWriter {
    inner: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl HashingWriter {
    pub(crate) fn new(inner: BufWriter<File>) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// Flushes and returns (bytes written, hex sha256, the file).
    pub(crate) fn finish(self, path: &Path) -> Result<(u64, String, File), StoreError> {
        let file = self
            .inner
            .into_inner()
            .map_err(|error| StoreError::io(path)(error.into_error()))?;
        Ok((self.bytes, hex(&self.hasher.finalize()), file))
    }
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Whether `committed` is the snapshot at `as_of` (used by the store's read side).
pub(crate) fn find(committed: &[Committed], as_of: Timestamp) -> Option<&Committed> {
    committed.iter().find(|c| c.manifest.info.as_of == as_of)
}
