//! The persistent model-key dictionary: every key ever seen gets a dense `u32` index, stable
//! forever, with the history of the ids it was seen under.
//!
//! Keys are `_id` when a source carries it, else `id`. A rename (the same `_id` under a new
//! `id`) keeps its index and adds the new id to the history; both ids resolve to it. When a
//! record with `_id` X and id Y arrives and Y is known only as an id-keyed entry (seen in a
//! source without `_id`, or named as a parent), X is attached to that entry rather than given a
//! second index.
//!
//! On disk each generation is one Parquet file, `dictionary/<generation>.parquet`, one row per
//! (index, id) pair: `model_index`, `object_id`, `id`, `first_seen`, `namespace_code` (the id's
//! namespace numbered in order of first appearance in the file, null for a legacy id), sorted
//! by index then first-seen time. A generation is never modified; a commit that adds keys
//! writes the next one.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{Int32Builder, StringBuilder, TimestampMillisecondBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, TimestampMillisecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use hubcensus_model::{Ids, IdsBuilder, ModelId, Timestamp};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::StoreError;
use crate::fxhash::{FxHashMap, FxHashSet};
use crate::namespaces::{NO_NAMESPACE, NamespaceCodes};
use crate::schema::StrColumn;

/// Entries per written batch.
const CHUNK: usize = 65_536;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub object_id: Option<String>,
    /// Sorted by first-seen time, then id; never empty. The last element is the current id.
    pub history: Vec<(ModelId, Timestamp)>,
}

impl Entry {
    pub(crate) fn current_id(&self) -> &ModelId {
        &self
            .history
            .last()
            .expect("a dictionary entry has at least one id")
            .0
    }
}

/// The ids of a dictionary generation without its lookup maps.
#[derive(Clone, Debug, Default)]
pub(crate) struct KnownIds {
    /// The current id of each dense index.
    pub current: Ids,
    /// Ids a model had before its current one (renames), with its index, oldest first.
    pub earlier: Vec<(ModelId, u32)>,
    /// The namespace code of each current id.
    pub namespaces: Arc<NamespaceCodes>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Dictionary {
    pub entries: Vec<Entry>,
    by_object_id: FxHashMap<String, u32>,
    /// Every id in any history -> the index that holds it, with the time it was first seen
    /// there. An id reused by a different model goes to whichever saw it latest.
    by_id: FxHashMap<ModelId, (u32, Timestamp)>,
}

impl PartialEq for Dictionary {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl Dictionary {
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Makes room for at least `keys` keys in all, so that a snapshot of that many models
    /// grows no map by rehashing (a rehash of millions of entries costs time, and briefly
    /// holds the old table and the new one).
    pub(crate) fn reserve_keys(&mut self, keys: usize) {
        let additional = keys.saturating_sub(self.entries.len());
        self.entries.reserve(additional);
        self.by_object_id
            .reserve(keys.saturating_sub(self.by_object_id.len()));
        self.by_id.reserve(keys.saturating_sub(self.by_id.len()));
    }

    /// Keeps the first `len` entries (a newer generation read for an older view).
    pub(crate) fn truncate(&mut self, len: usize) {
        if len >= self.entries.len() {
            return;
        }
        self.entries.truncate(len);
        self.by_object_id.retain(|_, index| (*index as usize) < len);
        self.by_id.clear();
        let mut by_id = FxHashMap::default();
        std::mem::swap(&mut by_id, &mut self.by_id);
        for index in 0..self.entries.len() {
            let history = self.entries[index].history.clone();
            for (id, seen) in history {
                self.claim_id(&id, index as u32, seen);
            }
        }
    }

    pub(crate) fn resolve(&self, text: &str) -> Option<u32> {
        if let Some(&index) = self.by_object_id.get(text) {
            return Some(index);
        }
        let id = ModelId::new(text).ok()?;
        self.by_id.get(&id).map(|&(index, _)| index)
    }

    /// The index [`Dictionary::assign`] would give, without changing anything; `None` when it
    /// would create a new entry.
    pub(crate) fn lookup(&self, object_id: Option<&str>, id: &ModelId) -> Option<u32> {
        match object_id.filter(|oid| !oid.is_empty()) {
            Some(oid) => self.by_object_id.get(oid).copied().or_else(|| {
                self.by_id
                    .get(id)
                    .map(|&(index, _)| index)
                    .filter(|&index| self.entries[index as usize].object_id.is_none())
            }),
            None => self.resolve_id(id),
        }
    }

    /// The index of the model with this `_id`, if any source carried it.
    pub(crate) fn resolve_object_id(&self, object_id: &str) -> Option<u32> {
        self.by_object_id.get(object_id).copied()
    }

    pub(crate) fn knows_object_id(&self, object_id: &str) -> bool {
        self.by_object_id.contains_key(object_id)
    }

    pub(crate) fn resolve_id(&self, id: &ModelId) -> Option<u32> {
        self.by_id.get(id).map(|&(index, _)| index)
    }

    fn claim_id(&mut self, id: &ModelId, index: u32, seen: Timestamp) {
        match self.by_id.get_mut(id) {
            Some(slot) if slot.0 == index => slot.1 = slot.1.min(seen),
            Some(slot) if slot.1 > seen => {}
            Some(slot) => *slot = (index, seen),
            None => {
                self.by_id.insert(id.clone(), (index, seen));
            }
        }
    }

    fn push_entry(&mut self, object_id: Option<&str>, id: &ModelId, seen: Timestamp) -> u32 {
        let index = u32::try_from(self.entries.len()).expect("fewer than 2^32 model keys");
        self.entries.push(Entry {
            object_id: object_id.map(str::to_owned),
            history: vec![(id.clone(), seen)],
        });
        if let Some(object_id) = object_id {
            self.by_object_id.insert(object_id.to_owned(), index);
        }
        self.claim_id(id, index, seen);
        index
    }

    /// Records that `index` was seen under `id` at `seen`. Returns whether anything changed.
    fn observe(&mut self, index: u32, id: &ModelId, seen: Timestamp) -> bool {
        let entry = &mut self.entries[index as usize];
        let changed = match entry.history.iter_mut().find(|(known, _)| known == id) {
            Some((_, first)) if *first <= seen => false,
            Some((_, first)) => {
                *first = seen;
                entry.history.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
                true
            }
            None => {
                entry.history.push((id.clone(), seen));
                entry.history.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
                true
            }
        };
        if changed {
            self.claim_id(id, index, seen);
        }
        changed
    }

    /// The index of the model with this `_id` (if any) and id, seen at `seen`, creating or
    /// updating its entry. Returns the index and whether the dictionary changed.
    pub(crate) fn assign(
        &mut self,
        object_id: Option<&str>,
        id: &ModelId,
        seen: Timestamp,
    ) -> (u32, bool) {
        match object_id.filter(|oid| !oid.is_empty()) {
            Some(oid) => {
                if let Some(&index) = self.by_object_id.get(oid) {
                    let changed = self.observe(index, id, seen);
                    return (index, changed);
                }
                if let Some(&(index, _)) = self.by_id.get(id)
                    && self.entries[index as usize].object_id.is_none()
                {
                    self.entries[index as usize].object_id = Some(oid.to_owned());
                    self.by_object_id.insert(oid.to_owned(), index);
                    self.observe(index, id, seen);
                    return (index, true);
                }
                (self.push_entry(Some(oid), id, seen), true)
            }
            None => match self.by_id.get(id) {
                Some(&(index, _)) => {
                    let changed = self.observe(index, id, seen);
                    (index, changed)
                }
                None => (self.push_entry(None, id, seen), true),
            },
        }
    }

    /// The index of a model named only by id (a parent, a tag mention), creating an id-keyed
    /// entry if it is unknown. Returns the index and whether the dictionary changed.
    pub(crate) fn ensure_id(&mut self, id: &ModelId, seen: Timestamp) -> (u32, bool) {
        match self.by_id.get(id) {
            Some(&(index, _)) => (index, false),
            None => (self.push_entry(None, id, seen), true),
        }
    }

    fn schema() -> Arc<Schema> {
        Arc::new(Schema::new(vec![
            Field::new("model_index", DataType::Int32, false),
            Field::new("object_id", DataType::Utf8, true),
            Field::new("id", DataType::Utf8, false),
            Field::new(
                "first_seen",
                DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
                false,
            ),
            Field::new("namespace_code", DataType::Int32, true),
        ]))
    }

    /// Writes this generation to `file` (which the caller fsyncs).
    pub(crate) fn write<W: std::io::Write + Send>(
        &self,
        out: W,
        path: &Path,
    ) -> Result<W, StoreError> {
        let schema = Self::schema();
        let properties = crate::writer::parquet_properties();
        let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(properties))
            .map_err(StoreError::parquet(path))?;
        let mut start = 0;
        let mut namespaces: FxHashMap<&str, i32> = FxHashMap::default();
        while start < self.entries.len() {
            let end = (start + CHUNK).min(self.entries.len());
            let mut model_index = Int32Builder::new();
            let mut object_id = StringBuilder::new();
            let mut id = StringBuilder::new();
            let mut first_seen = TimestampMillisecondBuilder::new().with_timezone("UTC");
            let mut namespace_code = Int32Builder::new();
            for (index, entry) in self.entries[start..end].iter().enumerate() {
                for (known, seen) in &entry.history {
                    model_index.append_value((start + index) as i32);
                    object_id.append_option(entry.object_id.as_deref());
                    id.append_value(known.as_str());
                    first_seen.append_value(seen.as_millis());
                    namespace_code.append_option(known.namespace().map(|namespace| {
                        let next = namespaces.len() as i32;
                        *namespaces.entry(namespace).or_insert(next)
                    }));
                }
            }
            let columns: Vec<ArrayRef> = vec![
                Arc::new(model_index.finish()),
                Arc::new(object_id.finish()),
                Arc::new(id.finish()),
                Arc::new(first_seen.finish()),
                Arc::new(namespace_code.finish()),
            ];
            let batch = RecordBatch::try_new(schema.clone(), columns)
                .map_err(StoreError::arrow("the key dictionary"))?;
            writer.write(&batch).map_err(StoreError::parquet(path))?;
            start = end;
        }
        writer.into_inner().map_err(StoreError::parquet(path))
    }

    /// The current id of each of the first `len` indices of a generation, every earlier id
    /// with its index (oldest first), and the namespace code of each current id, without
    /// building the lookup maps (what a catalog and a lineage need, at a fraction of the cost
    /// of [`Dictionary::read`]).
    ///
    /// Row groups are decoded on two threads (decoding and checking two million ids is most
    /// of the cost), then folded in order. The namespace codes come from the generation's
    /// `namespace_code` column (checked to number distinct namespaces without gaps; whether
    /// each row's code names its own namespace is left to the frames, see [`Part::code`]), or
    /// are computed for a generation without it.
    pub(crate) fn read_ids(path: &Path, len: usize) -> Result<KnownIds, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        let open = || -> Result<ParquetRecordBatchReaderBuilder<File>, StoreError> {
            let file = File::open(path).map_err(StoreError::io(path))?;
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(StoreError::parquet(path))
        };
        let metadata = open()?.metadata().clone();
        let groups = metadata.num_row_groups();
        let has_codes = metadata
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .any(|column| column.name() == "namespace_code");
        // The rows of some row groups, stopping at the first index past `len`, into buffers
        // sized for `room` row groups (the first part's take the second's without growing).
        let read_part = |row_groups: Vec<usize>, room: &[usize]| -> Result<Part, StoreError> {
            let builder = open()?;
            let columns: &[&str] = if has_codes {
                &["model_index", "id", "namespace_code"]
            } else {
                &["model_index", "id"]
            };
            let mask = parquet::arrow::ProjectionMask::columns(
                builder.parquet_schema(),
                columns.iter().copied(),
            );
            // Sized from the row groups' metadata: no buffer grows by copying.
            let id_column = builder
                .parquet_schema()
                .columns()
                .iter()
                .position(|column| column.name() == "id");
            let (rows, bytes) = room.iter().fold((0, 0), |(rows, bytes), &group| {
                let group = builder.metadata().row_group(group);
                let size = id_column.map_or(0, |c| group.column(c).uncompressed_size());
                (rows + group.num_rows(), bytes + size)
            });
            let mut part = Part::with_capacity(
                usize::try_from(rows).unwrap_or_default(),
                usize::try_from(bytes).unwrap_or_default(),
            );
            let reader = builder
                .with_projection(mask)
                .with_row_groups(row_groups)
                .with_batch_size(65_536)
                .build()
                .map_err(StoreError::parquet(path))?;
            for batch in reader {
                let batch = batch.map_err(|source| StoreError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                let model_index = batch
                    .column_by_name("model_index")
                    .and_then(|c| c.as_primitive_opt::<Int32Type>())
                    .ok_or_else(|| corrupt("no model_index column".into()))?;
                let codes = batch
                    .column_by_name("namespace_code")
                    .and_then(|c| c.as_primitive_opt::<Int32Type>());
                let id = StrColumn::of(batch.column_by_name("id"));
                for row in 0..batch.num_rows() {
                    let index = model_index.value(row);
                    if index < 0 || index as usize >= len {
                        return Ok(part);
                    }
                    let text = id.get(row).ok_or_else(|| {
                        corrupt(format!("model_index {index} has a row without an id"))
                    })?;
                    let code =
                        codes.and_then(|codes| codes.is_valid(row).then(|| codes.value(row)));
                    part.add(index as u32, text, code)
                        .map_err(|reason| corrupt(format!("model_index {index}: {reason}")))?;
                }
            }
            Ok(part)
        };
        let half = groups.div_ceil(2);
        let all: Vec<usize> = (0..groups).collect();
        let (first, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| read_part(all[half..].to_vec(), &all[half..]));
            let first = read_part(all[..half].to_vec(), &all);
            (first, second.join().expect("an id-reading thread panicked"))
        });
        let (mut first, mut second) = (first?, second?);
        // The namespaces by code, merged and checked on another core while the ids are.
        let introduced = (
            std::mem::take(&mut first.introduced),
            std::mem::take(&mut second.introduced),
        );
        let merging = std::thread::spawn(move || {
            has_codes.then(|| Introduced::merge(&introduced.0, &introduced.1))
        });
        // Rows are sorted by index: when the first part stopped at an index past `len`, the
        // second stops at its first row. An index whose rows straddle the parts keeps the
        // second part's last id.
        let Part {
            first: start,
            last,
            current: mut ids,
            codes: mut of,
            mut earlier,
            ..
        } = first;
        if start.is_some_and(|start| start != 0) {
            return Err(corrupt("model_index 0 missing".into()));
        }
        if let Some(next) = second.first {
            if Some(next) == last {
                earlier.push((ids.pop().expect("a part's last index has an id"), next));
                of.pop();
            } else if next != last.map_or(0, |last| last + 1) {
                return Err(corrupt(format!("model_index {next} out of order")));
            }
            ids.extend(&second.current);
            of.append(&mut second.codes);
            earlier.append(&mut second.earlier);
        }
        let mut namespaces = merging
            .join()
            .expect("the namespace-merging thread panicked")
            .transpose()
            .map_err(corrupt)?
            .unwrap_or_default();
        namespaces.of = of;
        if ids.len() < len {
            return Err(corrupt(format!(
                "{} keys, but the manifests reference {len}",
                ids.len()
            )));
        }
        let ids = ids.finish();
        if !has_codes {
            namespaces = NamespaceCodes::of_ids(ids.iter());
        } else if let Some(code) = namespaces
            .of
            .iter()
            .find(|&&code| code != NO_NAMESPACE && code as usize >= namespaces.len())
        {
            return Err(corrupt(format!(
                "namespace_code {code}, but the codes stop at {}",
                namespaces.len()
            )));
        }
        Ok(KnownIds {
            current: ids,
            earlier,
            namespaces: Arc::new(namespaces),
        })
    }

    /// The index [`Dictionary::resolve`] gives `text` in the generation at `path` cut to
    /// `len` keys, from one pass over its rows instead of the whole dictionary (its maps of
    /// two million ids): an `_id` (the first row of an index carries it) before an id, and an
    /// id in several histories goes to the model that saw it latest, as `claim_id` decides.
    pub(crate) fn resolve_in(
        path: &Path,
        len: usize,
        text: &str,
    ) -> Result<Option<u32>, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        let reader = Self::projected(path, &["model_index", "object_id", "id", "first_seen"])?;
        let is_id = ModelId::check(text).is_ok();
        let (mut by_object_id, mut by_id): (Option<u32>, Option<(u32, i64)>) = (None, None);
        let mut previous: Option<u32> = None;
        for batch in reader {
            let batch = batch.map_err(|source| StoreError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            let rows = Rows::of(&batch).map_err(corrupt)?;
            for row in 0..batch.num_rows() {
                let index = u32::try_from(rows.model_index.value(row))
                    .map_err(|_| corrupt(format!("model_index {}", rows.model_index.value(row))))?;
                if index as usize >= len {
                    return Ok(by_object_id.or(by_id.map(|(index, _)| index)));
                }
                if previous.is_some_and(|previous| index < previous) {
                    return Err(corrupt(format!("model_index {index} out of order")));
                }
                if previous != Some(index) && rows.object_id.get(row) == Some(text) {
                    by_object_id = Some(index);
                }
                previous = Some(index);
                if is_id && rows.id.get(row) == Some(text) {
                    by_id = Some(latest_holder(by_id, index, rows.first_seen.value(row)));
                }
            }
        }
        Ok(by_object_id.or(by_id.map(|(index, _)| index)))
    }

    /// For each id of `wanted` (text to code), the index [`Dictionary::resolve_id`] gives it in
    /// the generation at `path` cut to `len` keys, from one pass over its rows: an id in
    /// several histories goes to the model that saw it latest, as `claim_id` decides. Returns
    /// `(code, index)` for the ids found.
    pub(crate) fn latest_holders_in(
        path: &Path,
        len: usize,
        wanted: &FxHashMap<String, u32>,
    ) -> Result<Vec<(u32, u32)>, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        let mut holders: FxHashMap<u32, (u32, i64)> = FxHashMap::default();
        let reader = Self::projected(path, &["model_index", "object_id", "id", "first_seen"])?;
        'batches: for batch in reader {
            let batch = batch.map_err(|source| StoreError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            let rows = Rows::of(&batch).map_err(corrupt)?;
            for row in 0..batch.num_rows() {
                let index = u32::try_from(rows.model_index.value(row))
                    .map_err(|_| corrupt(format!("model_index {}", rows.model_index.value(row))))?;
                if index as usize >= len {
                    break 'batches;
                }
                let Some(&code) = rows.id.get(row).and_then(|id| wanted.get(id)) else {
                    continue;
                };
                let holder = holders.get(&code).copied();
                holders.insert(
                    code,
                    latest_holder(holder, index, rows.first_seen.value(row)),
                );
            }
        }
        let mut found: Vec<(u32, u32)> = holders
            .into_iter()
            .map(|(code, (index, _))| (code, index))
            .collect();
        found.sort_unstable();
        Ok(found)
    }

    /// For each `_id` of `wanted` (text to code), the index of the model with that `_id` in the
    /// generation at `path` cut to `len` keys (the first row of an index carries it), from one
    /// pass over its `model_index` and `object_id` columns. Returns `(code, index)` for the
    /// `_id`s found; nothing to read when no row group holds an `_id`.
    pub(crate) fn object_ids_in(
        path: &Path,
        len: usize,
        wanted: &FxHashMap<String, u32>,
    ) -> Result<Vec<(u32, u32)>, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        let mut found = Vec::new();
        let file = File::open(path).map_err(StoreError::io(path))?;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(StoreError::parquet(path))?;
        // Row groups whose statistics say every `_id` is null (a store fed by sources without
        // `_id`, such as hub-stats) hold none to find.
        let position = builder
            .parquet_schema()
            .columns()
            .iter()
            .position(|column| column.name() == "object_id");
        let metadata = builder.metadata().clone();
        let groups: Vec<usize> = (0..metadata.num_row_groups())
            .filter(|&group| {
                let group_metadata = metadata.row_group(group);
                let nulls = position.and_then(|c| {
                    group_metadata
                        .column(c)
                        .statistics()
                        .and_then(parquet::file::statistics::Statistics::null_count_opt)
                });
                nulls.is_none_or(|nulls| i64::try_from(nulls) != Ok(group_metadata.num_rows()))
            })
            .collect();
        if groups.is_empty() {
            return Ok(found);
        }
        let mask = parquet::arrow::ProjectionMask::columns(
            builder.parquet_schema(),
            ["model_index", "object_id"],
        );
        let reader = builder
            .with_projection(mask)
            .with_row_groups(groups)
            .with_batch_size(65_536)
            .build()
            .map_err(StoreError::parquet(path))?;
        let mut previous: Option<u32> = None;
        'batches: for batch in reader {
            let batch = batch.map_err(|source| StoreError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            let model_index = batch
                .column_by_name("model_index")
                .and_then(|c| c.as_primitive_opt::<Int32Type>())
                .ok_or_else(|| corrupt("no model_index column".into()))?;
            let object_id = StrColumn::of(batch.column_by_name("object_id"));
            for row in 0..batch.num_rows() {
                let index = u32::try_from(model_index.value(row))
                    .map_err(|_| corrupt(format!("model_index {}", model_index.value(row))))?;
                if index as usize >= len {
                    break 'batches;
                }
                if previous != Some(index)
                    && let Some(&code) = object_id.get(row).and_then(|oid| wanted.get(oid))
                {
                    found.push((code, index));
                }
                previous = Some(index);
            }
        }
        Ok(found)
    }

    /// A reader of `columns` of the generation at `path`.
    fn projected(
        path: &Path,
        columns: &[&str],
    ) -> Result<parquet::arrow::arrow_reader::ParquetRecordBatchReader, StoreError> {
        let file = File::open(path).map_err(StoreError::io(path))?;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(StoreError::parquet(path))?;
        let mask = parquet::arrow::ProjectionMask::columns(
            builder.parquet_schema(),
            columns.iter().copied(),
        );
        builder
            .with_projection(mask)
            .with_batch_size(65_536)
            .build()
            .map_err(StoreError::parquet(path))
    }

    /// Reads a generation written by [`Dictionary::write`].
    pub(crate) fn read(path: &Path) -> Result<Self, StoreError> {
        let file = File::open(path).map_err(StoreError::io(path))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(StoreError::parquet(path))?
            .with_batch_size(65_536)
            .build()
            .map_err(StoreError::parquet(path))?;
        let corrupt = |reason: String| StoreError::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        let mut dictionary = Self::default();
        for batch in reader {
            let batch = batch.map_err(|source| StoreError::Arrow {
                what: "the key dictionary",
                source,
            })?;
            let Rows {
                model_index,
                first_seen,
                object_id,
                id,
            } = Rows::of(&batch).map_err(corrupt)?;
            for row in 0..batch.num_rows() {
                let index = model_index.value(row) as usize;
                let id = id
                    .get(row)
                    .ok_or_else(|| corrupt(format!("row {row} has no id")))
                    .and_then(|text| {
                        ModelId::new(text).map_err(|error| corrupt(format!("row {row}: {error}")))
                    })?;
                let seen = Timestamp::from_millis(first_seen.value(row));
                if index == dictionary.entries.len() {
                    let oid = object_id.get(row);
                    dictionary.entries.push(Entry {
                        object_id: oid.map(str::to_owned),
                        history: Vec::with_capacity(1),
                    });
                    if let Some(oid) = oid {
                        dictionary.by_object_id.insert(oid.to_owned(), index as u32);
                    }
                } else if index + 1 != dictionary.entries.len() || first_seen.is_null(row) {
                    return Err(corrupt(format!(
                        "row {row}: model_index {index} out of order"
                    )));
                }
                dictionary.claim_id(&id, index as u32, seen);
                dictionary.entries[index].history.push((id, seen));
            }
        }
        Ok(dictionary)
    }
}

/// The holder of an id once the row `(index, seen)` of a generation is read, after `holder`
/// (index, first seen): an id in several histories goes to the model that saw it latest, as
/// `claim_id` decides, rows being read in file order.
fn latest_holder(holder: Option<(u32, i64)>, index: u32, seen: i64) -> (u32, i64) {
    match holder {
        Some((held, first)) if held == index => (index, first.min(seen)),
        Some((held, first)) if first > seen => (held, first),
        _ => (index, seen),
    }
}

/// The columns of one batch of a generation's rows.
struct Rows<'b> {
    model_index: &'b arrow_array::Int32Array,
    first_seen: &'b arrow_array::TimestampMillisecondArray,
    object_id: StrColumn<'b>,
    id: StrColumn<'b>,
}

impl<'b> Rows<'b> {
    /// The batch's columns; `Err` names a missing one.
    fn of(batch: &'b RecordBatch) -> Result<Self, String> {
        Ok(Self {
            model_index: batch
                .column_by_name("model_index")
                .and_then(|c| c.as_primitive_opt::<Int32Type>())
                .ok_or("no model_index column")?,
            first_seen: batch
                .column_by_name("first_seen")
                .and_then(|c| c.as_primitive_opt::<TimestampMillisecondType>())
                .ok_or("no first_seen column")?,
            object_id: StrColumn::of(batch.column_by_name("object_id")),
            id: StrColumn::of(batch.column_by_name("id")),
        })
    }
}

/// What one thread of [`Dictionary::read_ids`] read: the current id (the last row) of each
/// index from `first` to `last`, with its namespace code, the earlier ids of renamed models, and
/// the namespaces its rows introduce.
#[derive(Default)]
struct Part {
    first: Option<u32>,
    last: Option<u32>,
    current: IdsBuilder,
    codes: Vec<u32>,
    /// Ids an index had before its last row here (renames), oldest first.
    earlier: Vec<(ModelId, u32)>,
    introduced: Introduced,
}

/// Each row of a [`Part`] whose code is above every code before it in the part, with its
/// namespace: codes number namespaces in order of first appearance, so these include every
/// code the part is the first to use.
#[derive(Debug, Default)]
struct Introduced {
    /// Codes, with where each namespace ends in `text`.
    codes: Vec<(u32, usize)>,
    text: String,
}

impl Introduced {
    /// The codes with their namespaces.
    fn iter(&self) -> impl Iterator<Item = (u32, &str)> + '_ {
        (self.codes.iter().enumerate()).map(|(k, &(code, end))| {
            let start = if k == 0 { 0 } else { self.codes[k - 1].1 };
            (code, &self.text[start..end])
        })
    }

    /// The namespaces by code from both parts of a generation: codes `0..n` without gaps,
    /// each with one namespace, no namespace under two codes.
    fn merge(first: &Self, second: &Self) -> Result<NamespaceCodes, String> {
        let after_first = first.codes.len() as u32;
        let from_second = second.iter().filter(|&(code, _)| code >= after_first);
        let mut codes = NamespaceCodes::default();
        for (expected, (code, text)) in (0_u32..).zip(first.iter().chain(from_second)) {
            if code != expected {
                return Err(format!(
                    "namespace_code {code} appears before namespace_code {expected}"
                ));
            }
            codes.push(text);
        }
        let mut distinct: FxHashSet<&str> = FxHashSet::default();
        distinct.reserve(codes.len());
        if let Some(text) = codes.texts().find(|&text| !distinct.insert(text)) {
            return Err(format!("two namespace codes name {text:?}"));
        }
        Ok(codes)
    }
}

impl Part {
    fn with_capacity(rows: usize, bytes: usize) -> Self {
        Self {
            current: IdsBuilder::with_capacity(rows, bytes),
            codes: Vec::with_capacity(rows),
            ..Self::default()
        }
    }

    /// Adds a row (`code`: `None` for a null or without the column).
    fn add(&mut self, index: u32, text: &str, code: Option<i32>) -> Result<(), String> {
        match self.last {
            None => self.first = Some(index),
            // Rows of one index are sorted by first-seen time: the last is the current id.
            Some(last) if last == index => {
                let previous = self.current.pop().expect("the last index has an id");
                self.earlier.push((previous, index));
                self.codes.pop();
            }
            Some(last) if last + 1 == index => {}
            Some(_) => return Err("out of order".into()),
        }
        self.last = Some(index);
        let namespace = self.current.push(text).map_err(|error| error.to_string())?;
        let code = self.code(code, namespace)?;
        self.codes.push(code);
        Ok(())
    }

    /// A row's code ([`NO_NAMESPACE`] for none), noting the namespace of a new highest code.
    ///
    /// The codes are not checked against every id: they only speed up reading frames, where
    /// each row's author is compared with the namespace its code gives, and a row that differs
    /// is interned from its own text. A wrong code can cost time, never a wrong author.
    fn code(&mut self, code: Option<i32>, namespace: Option<&str>) -> Result<u32, String> {
        let (Some(code), Some(namespace)) = (code, namespace) else {
            return Ok(NO_NAMESPACE);
        };
        let code = u32::try_from(code).map_err(|_| format!("namespace_code {code}"))?;
        let introduced = &mut self.introduced;
        if introduced.codes.last().is_none_or(|&(last, _)| code > last) {
            introduced.text.push_str(namespace);
            introduced.codes.push((code, introduced.text.len()));
        }
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> ModelId {
        ModelId::new(text).unwrap()
    }

    const T1: Timestamp = Timestamp::from_secs(1_000);
    const T2: Timestamp = Timestamp::from_secs(2_000);

    #[test]
    fn renames_keep_their_index_and_both_ids_resolve() {
        let mut dictionary = Dictionary::default();
        assert_eq!(dictionary.assign(Some("oid1"), &id("a/old"), T1), (0, true));
        assert_eq!(dictionary.assign(Some("oid2"), &id("b/x"), T1), (1, true));
        assert_eq!(dictionary.assign(Some("oid1"), &id("a/new"), T2), (0, true));
        assert_eq!(
            dictionary.assign(Some("oid1"), &id("a/new"), T2),
            (0, false)
        );
        assert_eq!(dictionary.resolve("a/old"), Some(0));
        assert_eq!(dictionary.resolve("a/new"), Some(0));
        assert_eq!(dictionary.resolve("oid1"), Some(0));
        assert_eq!(dictionary.entries[0].current_id(), &id("a/new"));
        assert_eq!(dictionary.resolve("nobody/here"), None);
    }

    #[test]
    fn an_object_id_attaches_to_an_id_keyed_entry() {
        let mut dictionary = Dictionary::default();
        // Named as a parent first, then seen with its `_id`.
        assert_eq!(dictionary.ensure_id(&id("base/model"), T1), (0, true));
        assert_eq!(dictionary.ensure_id(&id("base/model"), T2), (0, false));
        assert_eq!(
            dictionary.assign(Some("oid9"), &id("base/model"), T2),
            (0, true)
        );
        assert_eq!(dictionary.entries[0].object_id.as_deref(), Some("oid9"));
        // A source without `_id` finds it by id.
        assert_eq!(dictionary.assign(None, &id("base/model"), T2), (0, false));
        // A different `_id` under an id already attached is a different model (id reuse).
        assert_eq!(
            dictionary.assign(Some("oid10"), &id("base/model"), T2),
            (1, true)
        );
        assert_eq!(dictionary.len(), 2);
    }

    #[test]
    fn out_of_order_observations_keep_the_history_chronological() {
        let mut dictionary = Dictionary::default();
        dictionary.assign(Some("oid"), &id("a/new"), T2);
        dictionary.assign(Some("oid"), &id("a/old"), T1);
        let history: Vec<_> = dictionary.entries[0]
            .history
            .iter()
            .map(|(i, t)| (i.as_str(), *t))
            .collect();
        assert_eq!(history, vec![("a/old", T1), ("a/new", T2)]);
        assert_eq!(dictionary.entries[0].current_id(), &id("a/new"));
    }

    #[test]
    fn ids_read_in_parallel_parts_fold_across_row_groups() {
        // More entries than one row group holds (262,144 rows), with a rename whose two rows
        // straddle the boundary between the first and second row group: entry 5 has two rows,
        // so entry 262,142's rows are the file's rows 262,143 and 262,144.
        let boundary = 262_143_u32;
        let mut dictionary = Dictionary::default();
        for i in 0..boundary + 1_000 {
            let oid = format!("o{i}");
            dictionary.assign(Some(&oid), &id(&format!("n{}/m{i}", i % 97)), T1);
            if i == boundary - 1 || i == 5 {
                dictionary.assign(Some(&oid), &id(&format!("renamed/m{i}")), T2);
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.parquet");
        dictionary
            .write(File::create(&path).unwrap(), &path)
            .unwrap();
        for len in [
            dictionary.len(),
            boundary as usize - 1,
            boundary as usize + 10,
            3,
        ] {
            let known = Dictionary::read_ids(&path, len).unwrap();
            let expected: Vec<ModelId> = dictionary.entries[..len]
                .iter()
                .map(|entry| entry.current_id().clone())
                .collect();
            assert_eq!(known.current, expected.iter().collect::<Ids>(), "len {len}");
            let earlier: Vec<u32> = known.earlier.iter().map(|&(_, index)| index).collect();
            let wanted: Vec<u32> = [5, boundary - 1]
                .into_iter()
                .filter(|&index| (index as usize) < len)
                .collect();
            assert_eq!(earlier, wanted, "len {len}");
            // The namespace of every current id, from codes the two parts read.
            for (index, current) in expected.iter().enumerate() {
                assert_eq!(
                    known.namespaces.of_index(index),
                    current.namespace().map(str::as_bytes),
                    "len {len}, index {index}"
                );
            }
            let texts: FxHashSet<&str> = known.namespaces.texts().collect();
            assert_eq!(texts.len(), known.namespaces.len(), "len {len}");
        }
        assert_eq!(
            Dictionary::read_ids(&path, boundary as usize)
                .unwrap()
                .earlier[1]
                .0,
            id(&format!("n{}/m{}", (boundary - 1) % 97, boundary - 1))
        );
    }

    /// Writes dictionary rows `(model_index, id, namespace_code)`, without the code column
    /// when `codes` is false (a generation written before it existed).
    fn write_rows(path: &Path, rows: &[(i32, &str, Option<i32>)], codes: bool) {
        let mut fields = vec![
            Field::new("model_index", DataType::Int32, false),
            Field::new("id", DataType::Utf8, false),
        ];
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(arrow_array::Int32Array::from_iter_values(
                rows.iter().map(|r| r.0),
            )),
            Arc::new(arrow_array::StringArray::from_iter_values(
                rows.iter().map(|r| r.1),
            )),
        ];
        if codes {
            fields.push(Field::new("namespace_code", DataType::Int32, true));
            columns.push(Arc::new(
                rows.iter()
                    .map(|r| r.2)
                    .collect::<arrow_array::Int32Array>(),
            ));
        }
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
        let mut writer =
            ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    }

    #[test]
    fn namespace_codes_are_read_computed_or_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.parquet");
        let rows = [
            (0, "b/x", Some(0)),
            (1, "gpt2", None),
            (2, "old/y", Some(1)),
            (2, "a/y", Some(2)),
            (3, "b/z", Some(0)),
        ];
        let expect = |known: &KnownIds| {
            let namespaces: Vec<Option<&[u8]>> =
                (0..4).map(|i| known.namespaces.of_index(i)).collect();
            assert_eq!(
                namespaces,
                [Some(&b"b"[..]), None, Some(&b"a"[..]), Some(&b"b"[..])]
            );
        };
        write_rows(&path, &rows, true);
        let known = Dictionary::read_ids(&path, 4).unwrap();
        expect(&known);
        assert_eq!(
            known.namespaces.texts().collect::<Vec<_>>(),
            ["b", "old", "a"]
        );
        // Without the column, the codes are computed from the current ids.
        write_rows(&path, &rows, false);
        expect(&Dictionary::read_ids(&path, 4).unwrap());
        // Codes out of their order of first appearance, a code past the last, one namespace
        // under two codes: a corrupt generation.
        for broken in [
            [(0, "b/x", Some(1)), (1, "a/y", Some(0))],
            [(0, "b/x", Some(0)), (1, "a/y", Some(5))],
            [(0, "b/x", Some(0)), (1, "b/y", Some(1))],
        ] {
            write_rows(&path, &broken, true);
            let error = Dictionary::read_ids(&path, 2).unwrap_err();
            assert!(
                matches!(error, StoreError::Corrupt { .. }),
                "{broken:?}: {error}"
            );
        }
    }

    #[test]
    fn write_then_read_is_identity() {
        let mut dictionary = Dictionary::default();
        dictionary.assign(Some("oid1"), &id("a/old"), T1);
        dictionary.assign(None, &id("legacy"), T1);
        dictionary.assign(Some("oid1"), &id("a/new"), T2);
        dictionary.ensure_id(&id("p/parent"), T2);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.parquet");
        dictionary
            .write(File::create(&path).unwrap(), &path)
            .unwrap();
        let read = Dictionary::read(&path).unwrap();
        assert_eq!(read, dictionary);
        for text in ["a/old", "a/new", "oid1", "legacy", "p/parent"] {
            assert_eq!(read.resolve(text), dictionary.resolve(text), "{text}");
        }
    }
}
