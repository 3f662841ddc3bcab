//! The read side: committed snapshots, frames aligned on the dense model index, lineage, and
//! records streamed back.

use std::collections::VecDeque;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use hubcensus_model::{
    Catalog, Column, ModelId, ModelRecord, SnapshotFrame, SnapshotInfo, Timestamp,
};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::StoreError;
use crate::dictionary::Dictionary;
use crate::layout::{self, Committed};
use crate::manifest::Manifest;
use crate::schema;

mod cache;
mod digest;
mod frames;

pub(crate) use cache::checksum;
pub use cache::{CACHE_ENV, cache_dir};

pub use digest::ContentDigest;
pub use frames::{DecodedFrame, FrameDecoder, FrameLoader};

/// Rows per decoded batch when reading.
const READ_BATCH: usize = 65_536;

/// Frames of several snapshots aligned on one catalog: every frame is `catalog.ids.len()` long.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameSet {
    pub catalog: Catalog,
    pub frames: Vec<SnapshotFrame>,
}

/// A read-only view of a store, as committed when it was opened. Readers never block and are
/// never blocked by a writer; a snapshot committed after `open` is not seen until the next one.
pub struct Store {
    root: PathBuf,
    committed: Vec<Committed>,
    infos: Vec<SnapshotInfo>,
    /// The dictionary generation and length the committed manifests reference (the highest).
    generation: Option<u64>,
    len: usize,
    dictionary: OnceLock<Dictionary>,
    known_ids: OnceLock<crate::dictionary::KnownIds>,
    /// Held while the ids are read: a second thread asking for them waits for the first's
    /// instead of reading them again.
    reading_ids: Mutex<()>,
    /// Whether frames are read from and written to the frame cache (`store/cache.rs`).
    cache_enabled: bool,
    /// Set once stale cache entries were removed (before this store's first cache write).
    cache_pruned: OnceLock<()>,
    /// The checksum of the namespace codes of the store's ids, which `author` entries are
    /// keyed by (computed once).
    namespaces_fingerprint: OnceLock<String>,
}

impl Store {
    /// Opens the store at `data_dir`, creating its layout if the directory is new. Cheap: reads
    /// the manifests only; the key dictionary is loaded on first use.
    pub fn open(data_dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        let root = data_dir.as_ref().to_path_buf();
        if !layout::exists(&root) {
            layout::create(&root)?;
        }
        let committed = layout::scan(&root)?;
        let infos = committed.iter().map(|c| c.manifest.info.clone()).collect();
        let generation = committed
            .iter()
            .map(|c| c.manifest.dictionary_generation)
            .max();
        let len = committed
            .iter()
            .map(|c| c.manifest.dictionary_len as usize)
            .max()
            .unwrap_or(0);
        Ok(Self {
            root,
            committed,
            infos,
            generation,
            len,
            dictionary: OnceLock::new(),
            known_ids: OnceLock::new(),
            reading_ids: Mutex::new(()),
            cache_enabled: !cache::disabled_by_env(),
            cache_pruned: OnceLock::new(),
            namespaces_fingerprint: OnceLock::new(),
        })
    }

    /// Opens the store in `data_dir` for reading, creating nothing: `None` when there is no
    /// store there (a misspelt data directory must not become an empty store).
    pub fn open_existing(data_dir: impl AsRef<Path>) -> Result<Option<Self>, StoreError> {
        if !layout::exists(data_dir.as_ref()) {
            return Ok(None);
        }
        Self::open(data_dir).map(Some)
    }

    /// This store with the frame cache on or off (on unless `HUBCENSUS_CACHE=off`): off, frames
    /// are decoded from Parquet and no cache entry is read or written.
    #[must_use]
    pub fn with_cache(self, enabled: bool) -> Self {
        Self {
            cache_enabled: enabled,
            ..self
        }
    }

    #[must_use]
    pub fn data_dir(&self) -> &Path {
        &self.root
    }

    /// Committed snapshots, sorted by as-of time.
    #[must_use]
    pub fn snapshots(&self) -> &[SnapshotInfo] {
        &self.infos
    }

    #[must_use]
    pub fn snapshot(&self, as_of: Timestamp) -> Option<&SnapshotInfo> {
        self.infos.iter().find(|info| info.as_of == as_of)
    }

    #[must_use]
    pub fn latest(&self) -> Option<&SnapshotInfo> {
        self.infos.last()
    }

    /// The newest snapshot at or before `as_of` whose source carried lineage
    /// ([`SnapshotInfo::carries_lineage`]), `None` when none did (METHODS.md §5: a snapshot
    /// without lineage, such as an API listing without `expand`, does not erase it). Read its
    /// lineage with [`Store::lineage_with`], or use [`Store::lineage_as_of`], and say which
    /// snapshot it came from.
    #[must_use]
    pub fn lineage_snapshot(&self, as_of: Timestamp) -> Option<Timestamp> {
        self.infos
            .iter()
            .rev()
            .find(|info| info.as_of <= as_of && info.carries_lineage())
            .map(|info| info.as_of)
    }

    /// The manifest of the snapshot at `as_of` (totals, content hash, files).
    #[must_use]
    pub fn manifest(&self, as_of: Timestamp) -> Option<&Manifest> {
        self.find(as_of).map(|c| &c.manifest)
    }

    /// The number of model keys the store knows: the length of every aligned column.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn find(&self, as_of: Timestamp) -> Option<&Committed> {
        crate::writer::find(&self.committed, as_of)
    }

    fn committed(&self, as_of: Timestamp) -> Result<&Committed, StoreError> {
        self.find(as_of)
            .ok_or(StoreError::SnapshotNotFound { as_of })
    }

    pub(crate) fn dictionary(&self) -> Result<&Dictionary, StoreError> {
        if let Some(dictionary) = self.dictionary.get() {
            return Ok(dictionary);
        }
        let dictionary = match self.generation {
            None => Dictionary::default(),
            Some(generation) => {
                // A writer removes generations older than the previous one; a newer generation
                // is a superset, cut back to the length this view committed.
                let mut path = layout::dictionary_path(&self.root, generation);
                if !path.exists()
                    && let Some(newer) = self.newer_generation(generation)?
                {
                    path = newer;
                }
                let mut dictionary = Dictionary::read(&path)?;
                if dictionary.len() < self.len {
                    return Err(StoreError::Corrupt {
                        path,
                        reason: format!(
                            "{} keys, but the manifests reference {}",
                            dictionary.len(),
                            self.len
                        ),
                    });
                }
                dictionary.truncate(self.len);
                dictionary
            }
        };
        Ok(self.dictionary.get_or_init(|| dictionary))
    }

    fn newer_generation(&self, generation: u64) -> Result<Option<PathBuf>, StoreError> {
        let dir = layout::dictionary_dir(&self.root);
        let mut best: Option<(u64, PathBuf)> = None;
        for entry in fs::read_dir(&dir).map_err(StoreError::io(&dir))? {
            let path = entry.map_err(StoreError::io(&dir))?.path();
            let found = path
                .file_name()
                .and_then(|name| name.to_str())
                .and_then(|name| name.strip_suffix(".parquet"))
                .and_then(|stem| stem.parse::<u64>().ok());
            if let Some(found) = found
                && found > generation
                && best.as_ref().is_none_or(|(b, _)| found < *b)
            {
                best = Some((found, path));
            }
        }
        Ok(best.map(|(_, path)| path))
    }

    /// The dense index of a model id (any id in its history) or `_id`. `None` when unknown (or
    /// when the dictionary cannot be read, which is logged; use [`Store::try_resolve`] to see
    /// the error).
    #[must_use]
    pub fn resolve(&self, id_or_key: &str) -> Option<u32> {
        self.try_resolve(id_or_key).unwrap_or_else(|error| {
            tracing::warn!("cannot read the key dictionary: {error}");
            None
        })
    }

    pub fn try_resolve(&self, id_or_key: &str) -> Result<Option<u32>, StoreError> {
        Ok(self.dictionary()?.resolve(id_or_key))
    }

    /// [`Store::try_resolve`] for one lookup: a pass over the key dictionary's file instead of
    /// building the dictionary (at 2 million models 0.2 s instead of 3.2 s), unless it is
    /// built already. For many lookups, `try_resolve`.
    pub fn resolve_one(&self, id_or_key: &str) -> Result<Option<u32>, StoreError> {
        if let Some(dictionary) = self.dictionary.get() {
            return Ok(dictionary.resolve(id_or_key));
        }
        match self.dictionary_file()? {
            Some(path) => Dictionary::resolve_in(&path, self.len, id_or_key),
            None => Ok(None),
        }
    }

    /// The ids dense index `index` has been seen under, with the time each was first seen,
    /// oldest first (the last is its current id). Empty for an unknown index.
    #[must_use]
    pub fn id_history(&self, index: u32) -> Vec<(ModelId, Timestamp)> {
        match self.dictionary() {
            Ok(dictionary) => dictionary
                .entries
                .get(index as usize)
                .map(|entry| entry.history.clone())
                .unwrap_or_default(),
            Err(error) => {
                tracing::warn!("cannot read the key dictionary: {error}");
                Vec::new()
            }
        }
    }

    /// The `_id` of dense index `index`, when any source carried it.
    pub fn object_id(&self, index: u32) -> Result<Option<String>, StoreError> {
        Ok(self
            .dictionary()?
            .entries
            .get(index as usize)
            .and_then(|entry| entry.object_id.clone()))
    }

    /// The file of the dictionary generation this view committed (a newer one when a writer
    /// has removed it since), `None` for an empty store.
    fn dictionary_file(&self) -> Result<Option<PathBuf>, StoreError> {
        let Some(generation) = self.generation else {
            return Ok(None);
        };
        let path = layout::dictionary_path(&self.root, generation);
        if !path.exists()
            && let Some(newer) = self.newer_generation(generation)?
        {
            return Ok(Some(newer));
        }
        Ok(Some(path))
    }

    fn reader(
        committed: &Committed,
        columns: Option<&[&str]>,
    ) -> Result<ParquetRecordBatchReader, StoreError> {
        Self::reader_with(committed, columns, false)
    }

    /// [`Store::reader`]; with `plain_strings`, string columns come as plain strings even where
    /// the store's Arrow schema says dictionary (the writer's hint, ignored): a high-cardinality
    /// column whose pages fell back to plain encoding is then not re-hashed into dictionaries.
    fn reader_with(
        committed: &Committed,
        columns: Option<&[&str]>,
        plain_strings: bool,
    ) -> Result<ParquetRecordBatchReader, StoreError> {
        let path = committed.models_path();
        let file = File::open(&path).map_err(StoreError::io(&path))?;
        let options = parquet::arrow::arrow_reader::ArrowReaderOptions::new()
            .with_skip_arrow_metadata(plain_strings);
        let mut builder = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
            .map_err(StoreError::parquet(&path))?
            .with_batch_size(READ_BATCH);
        if let Some(columns) = columns {
            let schema = builder.parquet_schema();
            let arrow_schema = builder.schema();
            let roots: Vec<usize> = columns
                .iter()
                .filter_map(|name| arrow_schema.index_of(name).ok())
                .collect();
            let mask = ProjectionMask::roots(schema, roots);
            builder = builder.with_projection(mask);
        }
        builder.build().map_err(StoreError::parquet(&path))
    }

    /// One integer column of one snapshot (`downloads_all_time`, `downloads_30d`, `likes`,
    /// `parameters`) aligned on the dense index: `len()` long, `None` where the model is absent
    /// or the value is null. The fastest path for comparing two snapshots.
    pub fn load_u64_column(
        &self,
        as_of: Timestamp,
        column: &str,
    ) -> Result<Column<u64>, StoreError> {
        if !["downloads_all_time", "downloads_30d", "likes", "parameters"].contains(&column) {
            return Err(StoreError::UnknownColumn {
                column: column.to_owned(),
                known: "downloads_all_time, downloads_30d, likes, parameters".to_owned(),
            });
        }
        let committed = self.committed(as_of)?;
        let path = committed.models_path();
        let mut out = Column::default();
        out.reset(self.len);
        for batch in Self::reader(committed, Some(&["model_index", column]))? {
            let batch = batch.map_err(|source| arrow_read_error(&path, source))?;
            let indices = model_indices(&batch, &path, self.len)?;
            if let Some(values) = batch
                .column_by_name(column)
                .and_then(|c| c.as_primitive_opt::<Int64Type>())
            {
                scatter_i64(indices, values, &mut out).map_err(|reason| StoreError::Corrupt {
                    path: path.clone(),
                    reason: format!("{column}: {reason}"),
                })?;
            }
        }
        Ok(out)
    }

    /// [`Store::load_u64_column`] for several snapshots at once, decoded in parallel (one
    /// thread per snapshot, at most four at a time); the result is in the order of `as_ofs`.
    pub fn load_u64_columns(
        &self,
        as_ofs: &[Timestamp],
        column: &str,
    ) -> Result<Vec<Column<u64>>, StoreError> {
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .clamp(1, 4);
        let mut out = Vec::with_capacity(as_ofs.len());
        for chunk in as_ofs.chunks(threads) {
            let results: Vec<Result<Column<u64>, StoreError>> = std::thread::scope(|scope| {
                let handles: Vec<_> = chunk
                    .iter()
                    .map(|&as_of| scope.spawn(move || self.load_u64_column(as_of, column)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a column-loading thread panicked"))
                    .collect()
            });
            for result in results {
                out.push(result?);
            }
        }
        Ok(out)
    }

    /// The records of the snapshot at `as_of`, streamed back in dense-index order.
    pub fn records(&self, as_of: Timestamp) -> Result<Records, StoreError> {
        let committed = self.committed(as_of)?;
        Ok(Records {
            reader: Self::reader(committed, None)?,
            path: committed.models_path(),
            buffered: VecDeque::new(),
            failed: false,
        })
    }

    /// Checks the files of the snapshot at `as_of` against the sha256 its manifest records.
    ///
    /// A key-dictionary generation that a later commit superseded may have been removed (a
    /// writer keeps the current generation and the one before it; a newer generation holds
    /// every key of an older one, and readers fall back to it). Such a file is not missing: it
    /// is skipped when a newer generation that a committed manifest references is on disk,
    /// and that generation is checked with the snapshots that record it. A missing current
    /// generation, or a file whose bytes differ, is an error.
    pub fn verify(&self, as_of: Timestamp) -> Result<(), StoreError> {
        let committed = self.committed(as_of)?;
        let generation = committed.manifest.dictionary_generation;
        for (name, entry) in &committed.manifest.files {
            let path = self.root.join(&entry.path);
            if name == "dictionary" && !path.exists() && self.superseded(generation)? {
                continue;
            }
            let found = sha256_of(&path)?;
            if found != entry.sha256 {
                return Err(StoreError::Corrupt {
                    path,
                    reason: format!("sha256 {found}, manifest records {}", entry.sha256),
                });
            }
        }
        Ok(())
    }

    /// The enrichment manifests (`hubcensus enrich`'s provenance, `manifests/enrich/`), by
    /// snapshot time, as they are on disk now (not as of `open`).
    pub fn enrichments(&self) -> Result<Vec<crate::EnrichmentManifest>, StoreError> {
        crate::enrichment::read_all(&self.root)
    }

    /// Checks the files an enrichment manifest records against their sha256.
    pub fn verify_enrichment(
        &self,
        manifest: &crate::EnrichmentManifest,
    ) -> Result<(), StoreError> {
        for entry in manifest.files.values() {
            let path = self.root.join(&entry.path);
            let found = sha256_of(&path)?;
            if found != entry.sha256 {
                return Err(StoreError::Corrupt {
                    path,
                    reason: format!(
                        "sha256 {found}, enrichment manifest records {}",
                        entry.sha256
                    ),
                });
            }
        }
        Ok(())
    }

    /// Whether dictionary generation `generation` was superseded: a newer one is referenced
    /// by a committed manifest and is on disk.
    fn superseded(&self, generation: u64) -> Result<bool, StoreError> {
        let Some(current) = self.generation.filter(|&current| current > generation) else {
            return Ok(false);
        };
        Ok(layout::dictionary_path(&self.root, current).exists()
            || self.newer_generation(current)?.is_some())
    }
}

/// The size and lowercase hex sha256 of the file at `path`.
pub(crate) fn size_and_sha256(path: &Path) -> Result<(u64, String), StoreError> {
    let bytes = fs::metadata(path).map_err(StoreError::io(path))?.len();
    Ok((bytes, sha256_of(path)?))
}

/// The lowercase hex sha256 of the file at `path`.
fn sha256_of(path: &Path) -> Result<String, StoreError> {
    use sha2::{Digest, Sha256};
    let mut file = File::open(path).map_err(StoreError::io(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 20];
    loop {
        let read = std::io::Read::read(&mut file, &mut buffer).map_err(StoreError::io(path))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(crate::writer::hex(&hasher.finalize()))
}

fn arrow_read_error(path: &Path, source: arrow_schema::ArrowError) -> StoreError {
    StoreError::Read {
        path: path.to_path_buf(),
        source,
    }
}

fn model_indices<'b>(
    batch: &'b RecordBatch,
    path: &Path,
    len: usize,
) -> Result<&'b arrow_array::Int32Array, StoreError> {
    let indices = batch
        .column_by_name("model_index")
        .and_then(|c| c.as_primitive_opt::<Int32Type>())
        .ok_or_else(|| StoreError::Corrupt {
            path: path.to_path_buf(),
            reason: "no model_index column of type int32".into(),
        })?;
    if let Some(&bad) = indices
        .values()
        .iter()
        .find(|&&index| index < 0 || index as usize >= len)
    {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            reason: format!("model_index {bad} outside the key dictionary ({len} keys)"),
        });
    }
    Ok(indices)
}

/// Writes each row's count at its dense index. A negative count is refused (the reason is
/// returned): the store writes none, and none can stand for a count.
fn scatter_i64(
    indices: &arrow_array::Int32Array,
    values: &arrow_array::Int64Array,
    out: &mut Column<u64>,
) -> Result<(), String> {
    let negative = |value: i64| Err(format!("negative count {value}"));
    if values.null_count() == 0 {
        // One pass the compiler vectorizes, then the scatter with no test per value.
        if let Some(&lowest) = values.values().iter().min()
            && lowest < 0
        {
            return negative(lowest);
        }
        for (&index, &value) in indices.values().iter().zip(values.values().iter()) {
            out.set(index as usize, Some(value as u64));
        }
    } else {
        // Null slots hold whatever the writer left: only valid ones are checked and kept.
        for (row, &index) in indices.values().iter().enumerate() {
            if values.is_valid(row) {
                let value = values.value(row);
                if value < 0 {
                    return negative(value);
                }
                out.set(index as usize, Some(value as u64));
            }
        }
    }
    Ok(())
}

/// The records of one snapshot, in dense-index order, decoded batch by batch.
pub struct Records {
    reader: ParquetRecordBatchReader,
    path: PathBuf,
    buffered: VecDeque<(u32, ModelRecord)>,
    failed: bool,
}

impl Records {
    /// The next record with its dense index.
    pub fn next_indexed(&mut self) -> Option<Result<(u32, ModelRecord), StoreError>> {
        if self.failed {
            return None;
        }
        while self.buffered.is_empty() {
            let batch = match self.reader.next()? {
                Ok(batch) => batch,
                Err(source) => {
                    self.failed = true;
                    return Some(Err(arrow_read_error(&self.path, source)));
                }
            };
            match schema::from_batch(&batch, &self.path) {
                Ok(rows) => self.buffered.extend(rows),
                Err(error) => {
                    self.failed = true;
                    return Some(Err(error));
                }
            }
        }
        self.buffered.pop_front().map(Ok)
    }
}

impl Iterator for Records {
    type Item = Result<ModelRecord, StoreError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_indexed()
            .map(|result| result.map(|(_, record)| record))
    }
}
