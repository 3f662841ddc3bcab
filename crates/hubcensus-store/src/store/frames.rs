//! Frames and lineage read back aligned on the dense model index: only the columns asked for,
//! a few snapshots at a time on one growing catalog.
//!
//! Where the time goes on a 2,000,000-model snapshot, and what keeps it small:
//! - the integer columns decode in tens of milliseconds; they are scattered to the dense index;
//! - `author` is the namespace of the model's id (METHODS.md §1): the key dictionary gives the
//!   namespace code of every current id (`namespace_code`, read with the ids), each row is
//!   checked against that namespace laid out in index order (one short comparison), and only
//!   the rows that differ (a renamed model, a legacy id, a wrong code) are interned by hashing;
//! - task, library and license are dictionary-encoded with few values: interned once per
//!   dictionary page;
//! - the store's ids are read once per [`Store`] and shared by every catalog (`Arc`).

use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type, TimestampMillisecondType};
use arrow_array::{Array, ArrayRef};
use hubcensus_model::{
    Catalog, Column, FrameColumns, Ids, LineageTable, Packed, Relation, SnapshotFrame, Timestamp,
};

use super::{Committed, FrameSet, Store, arrow_read_error, cache, model_indices, scatter_i64};
use crate::StoreError;
use crate::dictionary::{Entry, KnownIds};
use crate::fxhash::FxHashMap;
use crate::namespaces::NamespaceCodes;
use crate::schema::{self, StrColumn};

/// A code that is not in the catalog yet: the high bit marks a frame-local code, remapped into
/// the catalog when the frame joins it.
const LOCAL: u32 = 1 << 31;
/// A name in a lineage that no model of the store has had.
const UNRESOLVED: u32 = u32::MAX;
/// A decoded author that is the namespace of the model's current id: its catalog code is the
/// loader's expected code for the index, given when the frame joins the catalog. (Checked
/// before `LOCAL`, after none (`u32::MAX`): a frame-local code never reaches it.)
const EXPECTED: u32 = u32::MAX - 1;

/// The string columns held as codes, in the order of [`Catalog`]'s vocabularies.
const CODED: [(FrameColumns, &str); 4] = [
    (FrameColumns::AUTHOR, "author"),
    (FrameColumns::PIPELINE_TAG, "pipeline_tag"),
    (FrameColumns::LIBRARY_NAME, "library_name"),
    (FrameColumns::LICENSE, "license"),
];

/// Loads frames of one store on one catalog that grows as frames join it (codes already given
/// never change), reading only `columns`. Keep one loader for a run of frames: its catalog is
/// valid for every frame it has returned.
pub struct FrameLoader<'s> {
    decoder: FrameDecoder<'s>,
    catalog: Catalog,
    vocabularies: [FxHashMap<String, u32>; 4],
    /// Whether the catalog's namespaces are those of the store's ids (given when the first
    /// frame with `author` joins), and whether `vocabularies[0]` holds them too (only when a
    /// frame has an author that is not its id's current namespace: renames, legacy ids).
    namespaces_given: bool,
    namespaces_hashed: bool,
}

/// Decodes frames for a [`FrameLoader`] on any thread (it is `Send` and cheap to clone); the
/// loader then joins them to its catalog in order.
#[derive(Clone)]
pub struct FrameDecoder<'s> {
    store: &'s Store,
    columns: FrameColumns,
    /// Frames given back ([`FrameLoader::recycle`]), whose buffers the next decodes reuse: a
    /// 2M-model frame is 40-115 MB (the window's columns to every column), and fresh pages
    /// cost as much as decoding into them.
    pool: Arc<Mutex<Vec<SnapshotFrame>>>,
    /// The namespace code of each dense index's current id (the store's, read with its ids).
    namespaces: Arc<NamespaceCodes>,
    /// The same namespaces laid out in index order, which a row's author is compared with:
    /// rows arrive in index order, so this reads memory in sequence (looking each up by its
    /// code instead cost a cache miss per row: 0.2-0.4 s more CPU over 13 frames, measured on
    /// the 2M demo store). Built by the first decode that reads `author` from Parquet: frames
    /// read from the frame cache never need it (building it cost 0.1 s on the 2M store).
    expected_text: Arc<std::sync::OnceLock<ExpectedText>>,
}

/// Strings by dense index: index `i`'s is `bytes[offsets[i]..offsets[i + 1]]`, empty for none.
#[derive(Default)]
struct ExpectedText {
    bytes: Vec<u8>,
    offsets: Vec<u32>,
}

impl ExpectedText {
    /// The namespace of each index's current id, in index order.
    fn of(namespaces: &NamespaceCodes) -> Self {
        let len = namespaces.of.len();
        let mut text = Self {
            bytes: Vec::with_capacity(len * 8),
            offsets: Vec::with_capacity(len + 1),
        };
        text.offsets.push(0);
        for index in 0..len {
            text.bytes
                .extend_from_slice(namespaces.of_index(index).unwrap_or_default());
            text.offsets
                .push(u32::try_from(text.bytes.len()).expect("under 4 GiB of namespaces"));
        }
        text
    }

    /// The namespace of `index`'s current id; `None` for a legacy id (or past the end).
    #[inline]
    fn get(&self, index: usize) -> Option<&[u8]> {
        let start = *self.offsets.get(index)? as usize;
        let end = *self.offsets.get(index + 1)? as usize;
        (start < end).then(|| &self.bytes[start..end])
    }
}

/// A frame decoded but not yet joined to its loader's catalog.
pub struct DecodedFrame(RawFrame);

impl Store {
    /// The ids of the store's key dictionary (current and earlier), read once per `Store`.
    pub(super) fn known_ids(&self) -> Result<&KnownIds, StoreError> {
        if let Some(known) = self.known_ids.get() {
            return Ok(known);
        }
        let _reading = self
            .reading_ids
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(known) = self.known_ids.get() {
            return Ok(known);
        }
        let known = if let Some(dictionary) = self.dictionary.get() {
            let current: Ids = dictionary.entries.iter().map(Entry::current_id).collect();
            KnownIds {
                namespaces: Arc::new(NamespaceCodes::of_ids(current.iter())),
                current,
                earlier: dictionary
                    .entries
                    .iter()
                    .enumerate()
                    .flat_map(|(index, entry)| {
                        let earlier = &entry.history[..entry.history.len() - 1];
                        earlier
                            .iter()
                            .map(move |(id, _)| (id.clone(), index as u32))
                    })
                    .collect(),
            }
        } else if let Some(path) = self.dictionary_file()? {
            // From the ids cache when it holds this generation's (see `cache::read_ids`).
            let key = self.ids_cache_key(&path);
            match key.as_ref().and_then(cache::read_ids) {
                Some(known) if known.current.len() >= self.len => known,
                _ => {
                    let known = crate::dictionary::Dictionary::read_ids(&path, self.len)?;
                    if let Some(key) = &key {
                        cache::write_ids(key, &known);
                    }
                    known
                }
            }
        } else {
            KnownIds::default()
        };
        Ok(self.known_ids.get_or_init(|| known))
    }

    /// The ids cache's key for the dictionary file at `path`: `None` when the cache is off,
    /// or `path` is not the file of the generation the manifests reference (a newer one read
    /// in its place) or no manifest records its hash.
    fn ids_cache_key(&self, path: &std::path::Path) -> Option<cache::IdsKey> {
        let file = self.dictionary_entry()?;
        if self.root.join(&file.path) != path {
            return None;
        }
        cache::IdsKey::of(&self.root, &file.sha256, file.bytes, self.len)
    }

    /// The manifests' record of the dictionary generation they reference, when the cache is
    /// on and that file is the one read (not a newer generation in its place).
    fn dictionary_entry(&self) -> Option<&crate::manifest::FileEntry> {
        let generation = self.generation?;
        if !self.cache_enabled {
            return None;
        }
        let path = crate::layout::dictionary_path(&self.root, generation);
        self.committed
            .iter()
            .filter(|c| c.manifest.dictionary_generation == generation)
            .find_map(|c| c.manifest.files.get("dictionary"))
            .filter(|file| self.root.join(&file.path) == path && path.exists())
    }

    /// The frame cache's key of `committed`'s lineage entries: its models file's, and the
    /// dictionary file's sha256 (parents and mentions resolve through every id of the store).
    fn lineage_cache_key(&self, committed: &Committed) -> Option<cache::SnapshotKey> {
        let file = self.dictionary_entry()?;
        let dictionary = format!("{}:{}", file.sha256, file.bytes);
        cache::SnapshotKey::of(&self.root, committed, &dictionary, self.len)
    }

    /// The current id of every dense index (read once per `Store`, then shared).
    pub fn ids(&self) -> Result<Ids, StoreError> {
        Ok(self.known_ids()?.current.clone())
    }

    /// A loader of frames holding `columns`, on a catalog of this store's ids.
    pub fn frame_loader(&self, columns: FrameColumns) -> Result<FrameLoader<'_>, StoreError> {
        let ids = self.ids()?;
        let catalog = Catalog {
            ids: ids.clone(),
            ..Catalog::default()
        };
        let vocabularies: [FxHashMap<String, u32>; 4] = Default::default();
        let namespaces = self.known_ids()?.namespaces.clone();
        Ok(FrameLoader {
            decoder: FrameDecoder {
                store: self,
                columns,
                pool: Arc::default(),
                namespaces,
                expected_text: Arc::default(),
            },
            catalog,
            vocabularies,
            namespaces_given: false,
            namespaces_hashed: false,
        })
    }

    /// Loads the frames of the snapshots at `as_ofs` (in that order) with every column,
    /// aligned on one catalog.
    pub fn load_frames(&self, as_ofs: &[Timestamp]) -> Result<FrameSet, StoreError> {
        self.load_frames_with(as_ofs, FrameColumns::ALL)
    }

    /// [`Store::load_frames`] reading only `columns` (the others stay empty).
    pub fn load_frames_with(
        &self,
        as_ofs: &[Timestamp],
        columns: FrameColumns,
    ) -> Result<FrameSet, StoreError> {
        let mut loader = self.frame_loader(columns)?;
        let frames = loader.load(as_ofs)?;
        Ok(FrameSet {
            catalog: loader.into_catalog(),
            frames,
        })
    }

    /// The lineage of the snapshot at `as_of`, resolved to dense indices and aligned on
    /// `catalog` (as returned by [`Store::load_frames`]): parents from the stored lineage,
    /// mentions from `base_model:` tags.
    pub fn lineage(&self, as_of: Timestamp, catalog: &Catalog) -> Result<LineageTable, StoreError> {
        self.lineage_with(as_of, catalog.ids.len(), true)
    }

    /// The lineage as of `as_of`: [`Store::lineage_with`] on the newest snapshot at or before
    /// `as_of` that carried lineage ([`Store::lineage_snapshot`]), with that snapshot's time;
    /// `None` when no snapshot at or before `as_of` carried any.
    pub fn lineage_as_of(
        &self,
        as_of: Timestamp,
        len: usize,
        mentions: bool,
    ) -> Result<Option<(Timestamp, LineageTable)>, StoreError> {
        let Some(source) = self.lineage_snapshot(as_of) else {
            return Ok(None);
        };
        Ok(Some((source, self.lineage_with(source, len, mentions)?)))
    }

    /// The lineage of the snapshot at `as_of` over `len` dense indices (at least the store's);
    /// the `base_model:` tag mentions only when `mentions` (reading every tag is most of the
    /// cost, and the family view and roots need parents only).
    ///
    /// A parent whose `_id` the snapshot recorded (format version 2, from `baseModels`) is the
    /// model with that `_id` (METHODS.md §1: the id beside it may be a name no snapshot holds);
    /// one without, or whose `_id` no model of the store has, and every tag mention, resolve
    /// by id through every id any model has had, the latest to take it winning.
    pub fn lineage_with(
        &self,
        as_of: Timestamp,
        len: usize,
        mentions: bool,
    ) -> Result<LineageTable, StoreError> {
        let committed = self.committed(as_of)?;
        let len = len.max(self.len);
        // From the frame cache when it holds this snapshot's, for this dictionary.
        let key = self.lineage_cache_key(committed);
        if let Some(table) = key
            .as_ref()
            .and_then(|key| cache::read_lineage(key, len, mentions))
        {
            return Ok(table);
        }
        let table = self.decode_lineage(committed, len, mentions)?;
        if let Some(key) = &key {
            cache::write_lineage(key, mentions, &table);
        }
        Ok(table)
    }

    /// [`Store::lineage_with`] from the snapshot's Parquet file.
    fn decode_lineage(
        &self,
        committed: &Committed,
        len: usize,
        mentions: bool,
    ) -> Result<LineageTable, StoreError> {
        let path = committed.models_path();
        let mut relation: Vec<Option<Relation>> = vec![None; len];
        // The ids and `_id`s named, each once, and `(model, name)` pairs into them; resolved
        // below by one pass over the store's ids (far fewer names than ids: hashing the names
        // is cheaper). `parent_object_ids[k]` is the `_id` code of `parents[k]`'s parent.
        let mut names = Names::default();
        let mut object_ids = Names::default();
        let mut parents: Vec<(u32, u32)> = Vec::new();
        let mut parent_object_ids: Vec<u32> = Vec::new();
        let mut mentioned: Vec<(u32, u32)> = Vec::new();
        let columns: &[&str] = if mentions {
            &[
                "model_index",
                "relation",
                "parents",
                "parent_object_ids",
                "tags",
            ]
        } else {
            &["model_index", "relation", "parents", "parent_object_ids"]
        };
        for batch in Self::reader(committed, Some(columns))? {
            let batch = batch.map_err(|source| arrow_read_error(&path, source))?;
            let indices = model_indices(&batch, &path, len)?;
            let relations = StrColumn::of(batch.column_by_name("relation"));
            for (row, &index) in indices.values().iter().enumerate() {
                relation[index as usize] = relations.get(row).and_then(schema::parse_relation);
            }
            each_parent(
                batch.column_by_name("parents"),
                batch.column_by_name("parent_object_ids"),
                indices,
                |index, parent, object_id| {
                    parents.push((index, names.code(parent)));
                    parent_object_ids.push(object_id.map_or(UNRESOLVED, |o| object_ids.code(o)));
                },
            )
            .map_err(|reason| StoreError::Corrupt {
                path: path.clone(),
                reason,
            })?;
            if mentions {
                each_listed(batch.column_by_name("tags"), indices, |index, tag| {
                    if let Some(id) = schema::mentioned_id(tag) {
                        mentioned.push((index, names.code(id)));
                    }
                });
            }
        }
        let resolved = self.resolve_names(&names)?;
        let resolved_object_ids = self.resolve_object_ids(&object_ids)?;
        for ((_, parent), &object_id) in parents.iter_mut().zip(&parent_object_ids) {
            let by_object_id = resolved_object_ids
                .get(object_id as usize)
                .copied()
                .unwrap_or(UNRESOLVED);
            *parent = if by_object_id == UNRESOLVED {
                resolved[*parent as usize]
            } else {
                by_object_id
            };
        }
        parents.retain(|&(_, parent)| parent != UNRESOLVED);
        mentioned.retain_mut(|(_, name)| {
            *name = resolved[*name as usize];
            *name != UNRESOLVED
        });
        Ok(LineageTable::from_pairs(relation, parents, mentioned))
    }

    /// The index each of `names` resolves to by id ([`UNRESOLVED`] for none): every id a model
    /// has had resolves to it, and an id several models have had goes to the one that took it
    /// latest (its first-seen time), as [`Store::resolve`] decides. One pass over the store's
    /// ids; the few names several models have had are settled by their first-seen times.
    fn resolve_names(&self, names: &Names) -> Result<Vec<u32>, StoreError> {
        let mut resolved = vec![UNRESOLVED; names.len()];
        if names.is_empty() {
            return Ok(resolved);
        }
        let known = self.known_ids()?;
        let earlier = known
            .earlier
            .iter()
            .map(|(id, index)| (id.as_str(), *index));
        let current = known.current.iter().zip(0_u32..);
        let mut shared: FxHashMap<String, u32> = FxHashMap::default();
        for (id, index) in earlier.chain(current) {
            if let Some(code) = names.get(id) {
                let slot = &mut resolved[code as usize];
                if *slot != UNRESOLVED && *slot != index {
                    shared.insert(id.to_owned(), code);
                }
                *slot = index;
            }
        }
        if shared.is_empty() {
            return Ok(resolved);
        }
        if let Some(dictionary) = self.dictionary.get() {
            for (id, &code) in &shared {
                if let Some(index) = hubcensus_model::ModelId::new(id.as_str())
                    .ok()
                    .and_then(|id| dictionary.resolve_id(&id))
                {
                    resolved[code as usize] = index;
                }
            }
        } else if let Some(path) = self.dictionary_file()? {
            let holders =
                crate::dictionary::Dictionary::latest_holders_in(&path, self.len, &shared)?;
            for (code, index) in holders {
                resolved[code as usize] = index;
            }
        }
        Ok(resolved)
    }

    /// The index of the model with each of `object_ids` ([`UNRESOLVED`] for none), from the
    /// built dictionary or one pass over the generation's `_id`s.
    fn resolve_object_ids(&self, object_ids: &Names) -> Result<Vec<u32>, StoreError> {
        if object_ids.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(dictionary) = self.dictionary.get() {
            return Ok(object_ids
                .iter()
                .map(|(text, _)| dictionary.resolve_object_id(text).unwrap_or(UNRESOLVED))
                .collect());
        }
        let mut resolved = vec![UNRESOLVED; object_ids.len()];
        if let Some(path) = self.dictionary_file()? {
            for (code, index) in
                crate::dictionary::Dictionary::object_ids_in(&path, self.len, &object_ids.codes)?
            {
                resolved[code as usize] = index;
            }
        }
        Ok(resolved)
    }

    /// The `created_at` of the snapshot at `as_of` into `out` (made the store's length, none
    /// elsewhere), for at least the models at `indices` (ascending): only the row groups whose
    /// `model_index` range holds one of them are read (every group where the file has no
    /// statistics). A difference window needs the creation time of the models first seen in
    /// it only, and a store's new keys come last in its files: at 2 million models, one row
    /// group of eight instead of the whole column.
    pub fn created_at_of(
        &self,
        as_of: Timestamp,
        indices: &[u32],
        out: &mut Column<Timestamp>,
    ) -> Result<(), StoreError> {
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        use parquet::file::statistics::Statistics;
        debug_assert!(indices.is_sorted(), "indices in ascending order");
        out.reset(self.len);
        if indices.is_empty() {
            return Ok(());
        }
        let committed = self.committed(as_of)?;
        let path = committed.models_path();
        let file = std::fs::File::open(&path).map_err(StoreError::io(&path))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(StoreError::parquet(&path))?
            .with_batch_size(super::READ_BATCH);
        let metadata = builder.metadata().clone();
        let position = builder
            .parquet_schema()
            .columns()
            .iter()
            .position(|column| column.name() == "model_index");
        let holds_one = |group: usize| {
            let statistics =
                position.and_then(|c| metadata.row_group(group).column(c).statistics());
            let Some(Statistics::Int32(range)) = statistics else {
                return true;
            };
            let (Some(&min), Some(&max)) = (range.min_opt(), range.max_opt()) else {
                return true;
            };
            let first = indices.partition_point(|&index| i64::from(index) < i64::from(min));
            indices
                .get(first)
                .is_some_and(|&index| i64::from(index) <= i64::from(max))
        };
        let groups: Vec<usize> = (0..metadata.num_row_groups())
            .filter(|&g| holds_one(g))
            .collect();
        let mask = parquet::arrow::ProjectionMask::columns(
            builder.parquet_schema(),
            ["model_index", "created_at"],
        );
        let reader = builder
            .with_projection(mask)
            .with_row_groups(groups)
            .build()
            .map_err(StoreError::parquet(&path))?;
        for batch in reader {
            let batch = batch.map_err(|source| arrow_read_error(&path, source))?;
            let model = model_indices(&batch, &path, self.len)?;
            if let Some(values) = batch
                .column_by_name("created_at")
                .and_then(|c| c.as_primitive_opt::<TimestampMillisecondType>())
            {
                scatter_created_at(model, values, out);
            }
        }
        Ok(())
    }

    fn load_raw(
        &self,
        committed: &Committed,
        columns: FrameColumns,
        namespaces: &NamespaceCodes,
        expected_text: &std::sync::OnceLock<ExpectedText>,
        recycled: Option<SnapshotFrame>,
    ) -> Result<RawFrame, StoreError> {
        let len = self.len;
        let info = committed.manifest.info.clone();
        let mut frame = match recycled {
            Some(mut frame) if frame.len() == len => {
                frame.clear(info, columns);
                frame
            }
            _ => SnapshotFrame::with_columns(info, len, columns),
        };
        // The string columns are decoded as codes into the frame's own (empty) buffers.
        let mut codes: [Column<u32>; 4] = [
            std::mem::take(&mut frame.author),
            std::mem::take(&mut frame.pipeline_tag),
            std::mem::take(&mut frame.library_name),
            std::mem::take(&mut frame.license),
        ];
        let mut local: [Vocabulary; 4] = Default::default();
        // What the frame cache holds already; the rest is decoded from Parquet, then cached.
        let key = self.cache_key(committed, namespaces);
        let key = key.as_ref().filter(|key| key.count <= len);
        let (present_cached, cached) = match key {
            Some(key) => read_cached(key, columns, &mut frame, &mut codes, &mut local),
            None => (false, FrameColumns::NONE),
        };
        let rest = columns.difference(cached);
        if !present_cached || rest != FrameColumns::NONE {
            let expected_text = if rest.contains(FrameColumns::AUTHOR) {
                expected_text.get_or_init(|| ExpectedText::of(namespaces))
            } else {
                &ExpectedText::default()
            };
            self.decode_parquet(
                committed,
                rest,
                expected_text,
                &mut frame,
                &mut codes,
                &mut local,
            )?;
            if let Some(key) = key {
                self.write_cached(
                    key,
                    namespaces,
                    present_cached,
                    rest,
                    &mut frame,
                    &mut codes,
                    &local,
                );
            }
        }
        Ok(RawFrame {
            frame,
            codes,
            local,
        })
    }

    /// Decodes `columns` (and which models are present) of `committed`'s Parquet file into
    /// `frame`, the string columns as codes into `codes` with frame-local strings in `local`.
    fn decode_parquet(
        &self,
        committed: &Committed,
        columns: FrameColumns,
        expected_text: &ExpectedText,
        frame: &mut SnapshotFrame,
        codes: &mut [Column<u32>; 4],
        local: &mut [Vocabulary; 4],
    ) -> Result<(), StoreError> {
        let path = committed.models_path();
        let len = self.len;
        let mut names = vec!["model_index"];
        names.extend(columns.names());
        // Plain strings when the frame reads `author` (hundreds of thousands of values, whose
        // pages fall back to plain encoding) and no low-cardinality string column.
        let plain = columns.contains(FrameColumns::AUTHOR)
            && !CODED[1..]
                .iter()
                .any(|(column, _)| columns.contains(*column));
        for batch in Self::reader_with(committed, Some(&names), plain)? {
            let batch = batch.map_err(|source| arrow_read_error(&path, source))?;
            let indices = model_indices(&batch, &path, len)?;
            for &index in indices.values() {
                frame.present[index as usize] = true;
            }
            let int = |name: &str| {
                batch
                    .column_by_name(name)
                    .and_then(|c| c.as_primitive_opt::<Int64Type>())
            };
            for (column, name, out) in [
                (
                    FrameColumns::DOWNLOADS_ALL_TIME,
                    "downloads_all_time",
                    &mut frame.downloads_all_time,
                ),
                (
                    FrameColumns::DOWNLOADS_30D,
                    "downloads_30d",
                    &mut frame.downloads_30d,
                ),
                (FrameColumns::LIKES, "likes", &mut frame.likes),
                (
                    FrameColumns::PARAMETERS,
                    "parameters",
                    &mut frame.parameters,
                ),
            ] {
                if columns.contains(column)
                    && let Some(values) = int(name)
                {
                    scatter_i64(indices, values, out).map_err(|reason| StoreError::Corrupt {
                        path: path.clone(),
                        reason: format!("{name}: {reason}"),
                    })?;
                }
            }
            if columns.contains(FrameColumns::CREATED_AT)
                && let Some(values) = batch
                    .column_by_name("created_at")
                    .and_then(|c| c.as_primitive_opt::<TimestampMillisecondType>())
            {
                scatter_created_at(indices, values, &mut frame.created_at);
            }
            for (slot, (column, name)) in CODED.iter().enumerate() {
                if !columns.contains(*column) {
                    continue;
                }
                let Some(array) = batch.column_by_name(name) else {
                    continue;
                };
                if slot == 0 {
                    scatter_author(array, indices, expected_text, &mut local[0], &mut codes[0]);
                } else {
                    local[slot].scatter(array, indices, &mut codes[slot]);
                }
            }
        }
        Ok(())
    }

    /// The frame cache's key of `committed`'s entries; `None` when the cache is off or the
    /// manifest records no hash.
    fn cache_key(
        &self,
        committed: &Committed,
        namespaces: &NamespaceCodes,
    ) -> Option<cache::SnapshotKey> {
        if !self.cache_enabled {
            return None;
        }
        let fingerprint = self
            .namespaces_fingerprint
            .get_or_init(|| namespaces.fingerprint());
        cache::SnapshotKey::of(&self.root, committed, fingerprint, self.len)
    }

    /// Writes the cache entries of what was just decoded from Parquet (best effort), after
    /// removing the entries of snapshots and dictionaries the store no longer holds (once).
    #[allow(clippy::too_many_arguments)]
    fn write_cached(
        &self,
        key: &cache::SnapshotKey,
        namespaces: &NamespaceCodes,
        present_cached: bool,
        columns: FrameColumns,
        frame: &mut SnapshotFrame,
        codes: &mut [Column<u32>; 4],
        local: &[Vocabulary; 4],
    ) {
        let count = key.count;
        // Every model of the snapshot is within its dictionary's length (else: no entry).
        if frame.present[count..].iter().any(|&p| p) {
            return;
        }
        self.cache_pruned.get_or_init(|| {
            let live: Vec<cache::SnapshotKey> = self
                .committed
                .iter()
                .filter_map(|c| self.cache_key(c, namespaces))
                .collect();
            let lineage: Vec<cache::SnapshotKey> = self
                .committed
                .iter()
                .filter_map(|c| self.lineage_cache_key(c))
                .collect();
            cache::prune(&self.root, &live, &lineage);
        });
        if !present_cached {
            cache::write(
                key,
                cache::Part::Present,
                1,
                &cache::present_bytes(&frame.present[..count]),
                &[],
            );
        }
        for (column, values) in [
            (
                FrameColumns::DOWNLOADS_ALL_TIME,
                &mut frame.downloads_all_time,
            ),
            (FrameColumns::DOWNLOADS_30D, &mut frame.downloads_30d),
            (FrameColumns::LIKES, &mut frame.likes),
            (FrameColumns::PARAMETERS, &mut frame.parameters),
        ] {
            if columns.contains(column) {
                let bytes = cache::u64_bytes(&values.packed_mut()[..count]);
                cache::write(key, cache::Part::Column(column), 8, &bytes, &[]);
            }
        }
        if columns.contains(FrameColumns::CREATED_AT) {
            let bytes = cache::timestamp_bytes(&mut frame.created_at, count);
            cache::write(
                key,
                cache::Part::Column(FrameColumns::CREATED_AT),
                8,
                &bytes,
                &[],
            );
        }
        for (slot, (column, _)) in CODED.iter().enumerate() {
            if columns.contains(*column) {
                let bytes = cache::u32_bytes(&codes[slot].packed_mut()[..count]);
                cache::write(
                    key,
                    cache::Part::Column(*column),
                    4,
                    &bytes,
                    &local[slot].strings,
                );
            }
        }
    }
}

/// Reads what the frame cache holds of `columns` into `frame` (string columns as codes into
/// `codes`, their strings into `local`): whether it held which models are present, and the
/// columns it held (none without `present`). An entry whose values could not come from a file
/// (a count past `i64::MAX`, a code past its strings) is damage: that column is decoded again.
fn read_cached(
    key: &cache::SnapshotKey,
    columns: FrameColumns,
    frame: &mut SnapshotFrame,
    codes: &mut [Column<u32>; 4],
    local: &mut [Vocabulary; 4],
) -> (bool, FrameColumns) {
    let count = key.count;
    let present = cache::read(key, cache::Part::Present, 1).is_some_and(|entry| {
        let filled = cache::fill_present(&entry, &mut frame.present[..count]);
        entry.recycle();
        filled
    });
    if !present {
        frame.present.fill(false);
        return (false, FrameColumns::NONE);
    }
    let mut held = FrameColumns::NONE;
    for (column, values) in [
        (
            FrameColumns::DOWNLOADS_ALL_TIME,
            &mut frame.downloads_all_time,
        ),
        (FrameColumns::DOWNLOADS_30D, &mut frame.downloads_30d),
        (FrameColumns::LIKES, &mut frame.likes),
        (FrameColumns::PARAMETERS, &mut frame.parameters),
    ] {
        if !columns.contains(column) {
            continue;
        }
        if let Some(entry) = cache::read(key, cache::Part::Column(column), 8) {
            let packed = &mut values.packed_mut()[..count];
            cache::fill_u64(&entry, packed);
            entry.recycle();
            if cache::counts_valid(packed) {
                held = held | column;
            } else {
                packed.fill(<u64 as Packed>::NONE);
            }
        }
    }
    if columns.contains(FrameColumns::CREATED_AT)
        && let Some(entry) = cache::read(key, cache::Part::Column(FrameColumns::CREATED_AT), 8)
    {
        cache::fill_timestamps(&entry, &mut frame.created_at.packed_mut()[..count]);
        entry.recycle();
        held = held | FrameColumns::CREATED_AT;
    }
    for (slot, (column, _)) in CODED.iter().enumerate() {
        if !columns.contains(*column) {
            continue;
        }
        let Some(mut entry) = cache::read(key, cache::Part::Column(*column), 4) else {
            continue;
        };
        let packed = &mut codes[slot].packed_mut()[..count];
        cache::fill_u32(&entry, packed);
        let texts = std::mem::take(&mut entry.strings);
        entry.recycle();
        let strings = texts.len() as u32;
        let valid = packed.iter().all(|&code| {
            code == u32::NONE
                || (slot == 0 && code == EXPECTED)
                || (code & LOCAL != 0 && (code & !LOCAL) < strings)
        });
        if valid {
            local[slot].strings = texts;
            held = held | *column;
        } else {
            packed.fill(u32::NONE);
        }
    }
    (true, held)
}

impl<'s> FrameLoader<'s> {
    /// The catalog of every frame loaded so far.
    #[must_use]
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    #[must_use]
    pub fn into_catalog(self) -> Catalog {
        self.catalog
    }

    /// A decoder of frames for this loader, to run on other threads.
    #[must_use]
    pub fn decoder(&self) -> FrameDecoder<'s> {
        self.decoder.clone()
    }

    /// Gives a frame back when done with it: its buffers serve a later decode of this loader.
    pub fn recycle(&self, frame: SnapshotFrame) {
        const KEPT: usize = 2;
        if let Ok(mut pool) = self.decoder.pool.lock()
            && pool.len() < KEPT
        {
            pool.push(frame);
        }
    }

    /// Joins a decoded frame to the catalog (frames join in the order they are to be used).
    pub fn join(&mut self, decoded: DecodedFrame) -> SnapshotFrame {
        let namespaces = &self.decoder.namespaces;
        if !self.namespaces_given && self.decoder.columns.contains(FrameColumns::AUTHOR) {
            // The store's namespaces first, before any frame's own strings: the same codes
            // whatever the frames.
            self.catalog.namespaces = namespaces.texts().map(str::to_owned).collect();
            self.namespaces_given = true;
        }
        if !self.namespaces_hashed && !decoded.0.local[0].strings.is_empty() {
            let vocabulary = &mut self.vocabularies[0];
            vocabulary.reserve(self.catalog.namespaces.len());
            for (code, namespace) in self.catalog.namespaces.iter().enumerate() {
                vocabulary.insert(namespace.clone(), code as u32);
            }
            self.namespaces_hashed = true;
        }
        decoded
            .0
            .into_frame(&mut self.catalog, &mut self.vocabularies, &namespaces.of)
    }

    /// Loads the frames of the snapshots at `as_ofs` (in that order), decoded in parallel (at
    /// most four at a time); the result is the same whatever the scheduling.
    pub fn load(&mut self, as_ofs: &[Timestamp]) -> Result<Vec<SnapshotFrame>, StoreError> {
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .clamp(1, 4);
        let mut decoded: Vec<Result<DecodedFrame, StoreError>> = Vec::with_capacity(as_ofs.len());
        for chunk in as_ofs.chunks(threads) {
            std::thread::scope(|scope| {
                let handles: Vec<_> = chunk
                    .iter()
                    .map(|&as_of| {
                        let frames = &self.decoder;
                        scope.spawn(move || frames.decode(as_of))
                    })
                    .collect();
                decoded.extend(
                    handles
                        .into_iter()
                        .map(|h| h.join().expect("a frame-loading thread panicked")),
                );
            });
        }
        let mut frames = Vec::with_capacity(decoded.len());
        for decoded in decoded {
            frames.push(self.join(decoded?));
        }
        Ok(frames)
    }
}

impl FrameDecoder<'_> {
    /// Decodes the frame of the snapshot at `as_of`.
    pub fn decode(&self, as_of: Timestamp) -> Result<DecodedFrame, StoreError> {
        self.decode_without(as_of, FrameColumns::NONE)
    }

    /// Decodes the frame of the snapshot at `as_of` without the loader's columns in `skip`
    /// (a column one frame does not need: `downloads_30d` where the window is a difference).
    pub fn decode_without(
        &self,
        as_of: Timestamp,
        skip: FrameColumns,
    ) -> Result<DecodedFrame, StoreError> {
        let committed = self.store.committed(as_of)?;
        self.store
            .load_raw(
                committed,
                self.columns.difference(skip),
                &self.namespaces,
                &self.expected_text,
                self.pool.lock().ok().and_then(|mut pool| pool.pop()),
            )
            .map(DecodedFrame)
    }
}

/// Writes each row's creation time at its dense index.
fn scatter_created_at(
    indices: &arrow_array::Int32Array,
    values: &arrow_array::TimestampMillisecondArray,
    out: &mut Column<Timestamp>,
) {
    for (row, &index) in indices.values().iter().enumerate() {
        // The one millisecond a packed column cannot hold is no date: none.
        let created = Timestamp::from_millis(values.value(row));
        if values.is_valid(row) && created != <Timestamp as Packed>::NONE {
            out.set(index as usize, Some(created));
        }
    }
}

/// Distinct strings numbered in order of first appearance.
#[derive(Default)]
struct Names {
    codes: FxHashMap<String, u32>,
}

impl Names {
    fn code(&mut self, text: &str) -> u32 {
        if let Some(&code) = self.codes.get(text) {
            return code;
        }
        let code = self.codes.len() as u32;
        self.codes.insert(text.to_owned(), code);
        code
    }

    fn get(&self, text: &str) -> Option<u32> {
        self.codes.get(text).copied()
    }

    fn len(&self) -> usize {
        self.codes.len()
    }

    fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The strings in code order.
    fn iter(&self) -> impl Iterator<Item = (&str, u32)> {
        let mut by_code: Vec<(&str, u32)> = self
            .codes
            .iter()
            .map(|(text, &code)| (text.as_str(), code))
            .collect();
        by_code.sort_unstable_by_key(|&(_, code)| code);
        by_code.into_iter()
    }
}

/// Calls `visit(index, parent, object_id)` for every parent of every row: `parents` and, when
/// the file has them (format version 2), `object_ids` beside them, position by position (a row
/// whose `_id` list is null has none). `Err` when a row's two lists differ in length.
fn each_parent<'a>(
    parents: Option<&'a ArrayRef>,
    object_ids: Option<&'a ArrayRef>,
    indices: &arrow_array::Int32Array,
    mut visit: impl FnMut(u32, &'a str, Option<&'a str>),
) -> Result<(), String> {
    let Some(list) = parents.and_then(|a| a.as_list_opt::<i32>()) else {
        return Ok(());
    };
    let offsets = list.value_offsets();
    let strings = StrColumn::of(Some(list.values()));
    let object_list = object_ids.and_then(|a| a.as_list_opt::<i32>());
    let object_strings = StrColumn::of(object_list.map(arrow_array::GenericListArray::values));
    for (row, &index) in indices.values().iter().enumerate() {
        if list.is_null(row) {
            continue;
        }
        let items = offsets[row] as usize..offsets[row + 1] as usize;
        let object_items = object_list
            .filter(|object_list| !object_list.is_null(row))
            .map(|object_list| {
                let offsets = object_list.value_offsets();
                offsets[row] as usize..offsets[row + 1] as usize
            });
        if let Some(object_items) = &object_items
            && object_items.len() != items.len()
        {
            return Err(format!(
                "model_index {index}: {} parent_object_ids for {} parents",
                object_items.len(),
                items.len()
            ));
        }
        for (position, item) in items.enumerate() {
            if let Some(text) = strings.get(item) {
                let object_id = object_items
                    .as_ref()
                    .and_then(|object_items| object_strings.get(object_items.start + position));
                visit(index as u32, text, object_id);
            }
        }
    }
    Ok(())
}

/// Calls `visit(index, value)` for every non-null string of every row's list in `array`.
fn each_listed<'a>(
    array: Option<&'a ArrayRef>,
    indices: &arrow_array::Int32Array,
    mut visit: impl FnMut(u32, &'a str),
) {
    let Some(list) = array.and_then(|a| a.as_list_opt::<i32>()) else {
        return;
    };
    let offsets = list.value_offsets();
    let values = list.values();
    let strings = StrColumn::of(Some(values));
    for (row, &index) in indices.values().iter().enumerate() {
        if list.is_null(row) {
            continue;
        }
        for item in offsets[row] as usize..offsets[row + 1] as usize {
            if let Some(text) = strings.get(item) {
                visit(index as u32, text);
            }
        }
    }
}

/// `text`'s code in `vocabulary`, added to `strings` when new.
fn intern(text: &str, vocabulary: &mut FxHashMap<String, u32>, strings: &mut Vec<String>) -> u32 {
    if let Some(&code) = vocabulary.get(text) {
        return code;
    }
    let code = u32::try_from(strings.len()).expect("fewer than 2^31 distinct strings");
    strings.push(text.to_owned());
    vocabulary.insert(text.to_owned(), code);
    code
}

/// Writes each row's author code at its dense index: [`EXPECTED`] when the row's author is the
/// namespace of the model's current id (nearly every row; compared byte for byte, no hashing),
/// else a frame-local code (`LOCAL` set) from `local`.
fn scatter_author(
    array: &ArrayRef,
    indices: &arrow_array::Int32Array,
    expected_text: &ExpectedText,
    local: &mut Vocabulary,
    out: &mut Column<u32>,
) {
    let column = StrColumn::of(Some(array));
    for (row, &index) in indices.values().iter().enumerate() {
        let Some(text) = column.get(row) else {
            continue;
        };
        let index = index as usize;
        let expected = expected_text.get(index) == Some(text.as_bytes());
        out.set(
            index,
            Some(if expected {
                EXPECTED
            } else {
                LOCAL | local.intern(text)
            }),
        );
    }
}

/// The strings of one column of one file, interned in first-seen order.
#[derive(Default)]
struct Vocabulary {
    strings: Vec<String>,
    codes: FxHashMap<String, u32>,
    /// The dictionary of the previous batch (held, so its buffers cannot be reused by another
    /// allocation) and its local codes: the Parquet reader hands every batch of a column chunk
    /// the same dictionary, which is then interned once per row group, not once per batch.
    last: Option<(ArrayRef, Vec<u32>)>,
}

/// Whether two string arrays are the same memory (not merely equal).
fn same_strings(a: &ArrayRef, b: &ArrayRef) -> bool {
    match (a.as_string_opt::<i32>(), b.as_string_opt::<i32>()) {
        (Some(a), Some(b)) => {
            a.len() == b.len()
                && a.offset() == b.offset()
                && std::ptr::eq(a.values().as_ptr(), b.values().as_ptr())
                && std::ptr::eq(a.value_offsets().as_ptr(), b.value_offsets().as_ptr())
                && a.nulls().map(|n| n.buffer().as_ptr()) == b.nulls().map(|n| n.buffer().as_ptr())
        }
        _ => false,
    }
}

impl Vocabulary {
    fn intern(&mut self, text: &str) -> u32 {
        intern(text, &mut self.codes, &mut self.strings)
    }

    /// Writes the local code of each row's string at its dense index. Dictionary-encoded
    /// columns (as the store writes them) intern each distinct value once per batch.
    fn scatter(
        &mut self,
        array: &ArrayRef,
        indices: &arrow_array::Int32Array,
        out: &mut Column<u32>,
    ) {
        if let Some(dictionary) = array.as_dictionary_opt::<Int32Type>()
            && let Some(values) = dictionary.values().as_string_opt::<i32>()
        {
            let reuse = self
                .last
                .as_ref()
                .is_some_and(|(last, _)| same_strings(last, dictionary.values()));
            if !reuse {
                let local: Vec<u32> = (0..values.len())
                    .map(|i| self.intern(values.value(i)))
                    .collect();
                self.last = Some((dictionary.values().clone(), local));
            }
            let local = &self.last.as_ref().expect("just set").1;
            let keys = dictionary.keys();
            for (row, &index) in indices.values().iter().enumerate() {
                if keys.is_valid(row) {
                    out.set(
                        index as usize,
                        Some(LOCAL | local[keys.value(row) as usize]),
                    );
                }
            }
            return;
        }
        let column = StrColumn::of(Some(array));
        for (row, &index) in indices.values().iter().enumerate() {
            if let Some(text) = column.get(row) {
                out.set(index as usize, Some(LOCAL | self.intern(text)));
            }
        }
    }
}

struct RawFrame {
    frame: SnapshotFrame,
    /// Catalog codes, or frame-local codes with `LOCAL` set.
    codes: [Column<u32>; 4],
    local: [Vocabulary; 4],
}

impl RawFrame {
    /// Maps the frame-local codes into the catalog's vocabularies, in load order.
    fn into_frame(
        self,
        catalog: &mut Catalog,
        vocabularies: &mut [FxHashMap<String, u32>; 4],
        expected_author: &[u32],
    ) -> SnapshotFrame {
        let Self {
            mut frame,
            codes,
            local,
        } = self;
        let targets: [&mut Vec<String>; 4] = [
            &mut catalog.namespaces,
            &mut catalog.pipeline_tags,
            &mut catalog.libraries,
            &mut catalog.licenses,
        ];
        let mut remapped: Vec<Column<u32>> = Vec::with_capacity(4);
        for (((mut codes, local), target), vocabulary) in codes
            .into_iter()
            .zip(local)
            .zip(targets)
            .zip(vocabularies.iter_mut())
        {
            let map: Vec<u32> = local
                .strings
                .iter()
                .map(|text| intern(text, vocabulary, target))
                .collect();
            for (index, code) in codes.packed_mut().iter_mut().enumerate() {
                if *code == u32::NONE {
                    continue;
                }
                if *code == EXPECTED {
                    *code = expected_author[index];
                } else if *code & LOCAL != 0 {
                    *code = map[(*code & !LOCAL) as usize];
                }
            }
            remapped.push(codes);
        }
        let mut remapped = remapped.into_iter();
        frame.author = remapped.next().expect("four columns");
        frame.pipeline_tag = remapped.next().expect("four columns");
        frame.library_name = remapped.next().expect("four columns");
        frame.license = remapped.next().expect("four columns");
        frame
    }
}
