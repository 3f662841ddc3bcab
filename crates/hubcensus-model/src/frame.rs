//! Snapshots as aligned columns: the form analytics consumes.
//!
//! The store gives every model key it has ever seen a dense index, stable across snapshots.
//! A [`SnapshotFrame`] holds one snapshot's columns indexed by that dense index, so two frames
//! from the same store line up position by position with no join. Strings that repeat
//! (namespaces, tasks, libraries, licenses) are codes into the shared [`Catalog`].

use serde::{Deserialize, Serialize};

use crate::{Ids, Relation, Timestamp};

/// Where a snapshot came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A live crawl of the Hub API (`hubcensus sync`).
    HubApi,
    /// A hub-stats `models.parquet` file.
    HubStatsParquet,
    /// One week of a weekly archive (`models/<YYYY-MM-DD>/models.parquet`).
    WeeklyArchive,
    /// Hub API JSON saved to a file (array, JSON Lines, or a `{date, models}` wrapper).
    HubApiJson,
    /// The synthetic demo world (`hubcensus demo`).
    Synthetic,
}

impl SourceKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::HubApi => "hub_api",
            Self::HubStatsParquet => "hub_stats_parquet",
            Self::WeeklyArchive => "weekly_archive",
            Self::HubApiJson => "hub_api_json",
            Self::Synthetic => "synthetic",
        }
    }
}

/// Which download measure a snapshot supports (METHODS.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Era {
    /// `downloadsAllTime` present: windows between snapshots can be differenced.
    AllTime,
    /// Only the 30-day `downloads`: figures are "30-day window ending t".
    ThirtyDayOnly,
}

/// What is known about a snapshot, as recorded in its manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    /// The time `t` the snapshot stands for (a crawl's end).
    pub as_of: Timestamp,
    pub crawl_started: Option<Timestamp>,
    pub crawl_ended: Option<Timestamp>,
    pub source: SourceKind,
    /// A path or URL, as given by the user (never a token).
    pub source_location: String,
    pub models: u64,
    /// Canonical names of the columns the source carried (e.g. `downloads_all_time`).
    pub columns: Vec<String>,
    /// A top-N crawl or an otherwise incomplete listing.
    pub partial: bool,
    /// Synthetic demo data.
    pub synthetic: bool,
}

impl SnapshotInfo {
    #[must_use]
    pub fn has_column(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }

    /// Whether the source carried lineage (`baseModels`, or the tags it is read from): a
    /// snapshot without it (an API listing without `expand`) says nothing of any model's
    /// parents, which is not "no parents" (METHODS.md §5).
    #[must_use]
    pub fn carries_lineage(&self) -> bool {
        self.has_column("parents")
    }

    #[must_use]
    pub fn era(&self) -> Era {
        if self.has_column("downloads_all_time") {
            Era::AllTime
        } else {
            Era::ThirtyDayOnly
        }
    }
}

/// Strings shared by every frame of one store: the current id of each dense index, and the
/// vocabularies that frame columns hold codes into.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    /// The latest id of each dense model index (shared: a store reads its ids once).
    pub ids: Ids,
    pub namespaces: Vec<String>,
    pub pipeline_tags: Vec<String>,
    pub libraries: Vec<String>,
    pub licenses: Vec<String>,
}

/// The optional columns of a [`SnapshotFrame`], as a set: a reader loads only the columns its
/// figures use (`present` is always there).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameColumns(u16);

impl FrameColumns {
    pub const NONE: Self = Self(0);
    pub const DOWNLOADS_ALL_TIME: Self = Self(1);
    pub const DOWNLOADS_30D: Self = Self(1 << 1);
    pub const LIKES: Self = Self(1 << 2);
    pub const CREATED_AT: Self = Self(1 << 3);
    pub const AUTHOR: Self = Self(1 << 4);
    pub const PIPELINE_TAG: Self = Self(1 << 5);
    pub const LIBRARY_NAME: Self = Self(1 << 6);
    pub const LICENSE: Self = Self(1 << 7);
    pub const PARAMETERS: Self = Self(1 << 8);
    pub const ALL: Self = Self((1 << 9) - 1);
    /// What every window needs: both download measures and `created_at` (a model first seen
    /// in a window counts as new only when created inside it).
    pub const WINDOW: Self =
        Self(Self::DOWNLOADS_ALL_TIME.0 | Self::DOWNLOADS_30D.0 | Self::CREATED_AT.0);

    /// The store's column name of each member, in a fixed order.
    pub const NAMES: [(Self, &'static str); 9] = [
        (Self::DOWNLOADS_ALL_TIME, "downloads_all_time"),
        (Self::DOWNLOADS_30D, "downloads_30d"),
        (Self::LIKES, "likes"),
        (Self::CREATED_AT, "created_at"),
        (Self::AUTHOR, "author"),
        (Self::PIPELINE_TAG, "pipeline_tag"),
        (Self::LIBRARY_NAME, "library_name"),
        (Self::LICENSE, "license"),
        (Self::PARAMETERS, "parameters"),
    ];

    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The members of `self` not in `other`.
    #[must_use]
    pub const fn difference(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }

    /// Whether every column of `other` is in `self`.
    #[must_use]
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The store's column names of the members.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .filter(move |&(column, _)| self.contains(column))
            .map(|(_, name)| name)
    }
}

impl std::ops::BitOr for FrameColumns {
    type Output = Self;

    fn bitor(self, other: Self) -> Self {
        self.union(other)
    }
}

/// A value a [`Column`] holds in its own width: one bit pattern that no stored value takes
/// stands for "none", so a column of 2 million optional counts is 16 MB, not the 32 MB of
/// `Option<u64>` (the window passes are memory-bound).
pub trait Packed: Copy + PartialEq + std::fmt::Debug {
    /// The pattern that means none.
    const NONE: Self;
}

/// Counts: the store holds them as Parquet `INT64`, so none exceeds `i64::MAX`.
impl Packed for u64 {
    const NONE: Self = u64::MAX;
}

/// Vocabulary codes: fewer than 2^31 distinct strings.
impl Packed for u32 {
    const NONE: Self = u32::MAX;
}

/// Times: the first representable millisecond (some 292 million years BC) is no date a source
/// gives; a reader maps it to none.
impl Packed for Timestamp {
    const NONE: Self = Timestamp::from_millis(i64::MIN);
}

/// One optional value per dense model index, packed ([`Packed`]).
#[derive(Clone, PartialEq)]
pub struct Column<T: Packed>(Vec<T>);

impl<T: Packed> Default for Column<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: Packed> Column<T> {
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value at `index`. Panics past the end, like indexing (a column the frame did not
    /// load is empty).
    #[inline]
    #[must_use]
    pub fn at(&self, index: usize) -> Option<T> {
        let value = self.0[index];
        (value != T::NONE).then_some(value)
    }

    /// The value at `index`; `None` past the end too.
    #[inline]
    #[must_use]
    pub fn get(&self, index: usize) -> Option<T> {
        self.0.get(index).copied().filter(|&value| value != T::NONE)
    }

    /// Sets the value at `index`. A value equal to [`Packed::NONE`] is a caller's bug (no
    /// reader produces one), checked in debug builds.
    #[inline]
    pub fn set(&mut self, index: usize, value: Option<T>) {
        debug_assert!(value != Some(T::NONE), "a packed value equal to NONE");
        self.0[index] = value.unwrap_or(T::NONE);
    }

    /// Every value in index order.
    #[must_use]
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<T>> + '_ {
        self.0
            .iter()
            .map(|&value| (value != T::NONE).then_some(value))
    }

    /// Makes the column `len` nones, keeping its buffer.
    pub fn reset(&mut self, len: usize) {
        self.0.clear();
        self.0.resize(len, T::NONE);
    }

    /// The packed values to rewrite in place ([`Packed::NONE`] for none).
    pub fn packed_mut(&mut self) -> &mut [T] {
        &mut self.0
    }

    fn fit(&mut self, loaded: bool, len: usize, clear: bool) {
        if clear || !loaded {
            self.0.clear();
        }
        if loaded {
            self.0.resize(len, T::NONE);
        }
    }
}

impl<T: Packed> From<Vec<Option<T>>> for Column<T> {
    fn from(values: Vec<Option<T>>) -> Self {
        let mut column = Self(vec![T::NONE; values.len()]);
        for (index, value) in values.into_iter().enumerate() {
            column.set(index, value);
        }
        column
    }
}

impl<T: Packed> std::fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One snapshot's columns, position `i` being dense model index `i`. Every loaded column has
/// the same length (the number of keys the store knew when the frame was loaded); a model
/// absent from the snapshot has `present[i] == false` and none elsewhere. A column not in
/// `columns` was not loaded and is empty: reading it is a bug, and [`Column::at`] panics on
/// the first index.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotFrame {
    pub info: SnapshotInfo,
    /// The optional columns this frame holds.
    pub columns: FrameColumns,
    pub present: Vec<bool>,
    pub downloads_all_time: Column<u64>,
    pub downloads_30d: Column<u64>,
    pub likes: Column<u64>,
    /// Sentinel already read as unknown.
    pub created_at: Column<Timestamp>,
    /// Code into [`Catalog::namespaces`]; none for a legacy unnamespaced id.
    pub author: Column<u32>,
    /// Code into [`Catalog::pipeline_tags`].
    pub pipeline_tag: Column<u32>,
    /// Code into [`Catalog::libraries`].
    pub library_name: Column<u32>,
    /// Code into [`Catalog::licenses`].
    pub license: Column<u32>,
    pub parameters: Column<u64>,
}

impl SnapshotFrame {
    /// An empty frame of `len` absent models, with every column.
    #[must_use]
    pub fn empty(info: SnapshotInfo, len: usize) -> Self {
        Self::with_columns(info, len, FrameColumns::ALL)
    }

    /// An empty frame of `len` absent models holding only `columns` (the others stay empty).
    #[must_use]
    pub fn with_columns(info: SnapshotInfo, len: usize, columns: FrameColumns) -> Self {
        let mut frame = Self {
            info,
            columns,
            present: Vec::new(),
            downloads_all_time: Column::default(),
            downloads_30d: Column::default(),
            likes: Column::default(),
            created_at: Column::default(),
            author: Column::default(),
            pipeline_tag: Column::default(),
            library_name: Column::default(),
            license: Column::default(),
            parameters: Column::default(),
        };
        frame.resize(len);
        frame
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.present.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.present.is_empty()
    }

    /// Empties the frame for another snapshot of the same length holding `columns`, keeping
    /// its buffers: every model absent, every loaded value `None`, the other columns empty.
    pub fn clear(&mut self, info: SnapshotInfo, columns: FrameColumns) {
        self.info = info;
        self.columns = columns;
        self.fit(self.len(), true);
    }

    /// Grows every loaded column to `len` absent models (frames loaded earlier than newer
    /// keys).
    pub fn resize(&mut self, len: usize) {
        self.fit(len, false);
    }

    /// Every loaded column `len` long (emptied first when `clear`), the others empty.
    fn fit(&mut self, len: usize, clear: bool) {
        let has = |column| self.columns.contains(column);
        let (all_time, thirty_day, likes, created_at, author, task, library, license, parameters) = (
            has(FrameColumns::DOWNLOADS_ALL_TIME),
            has(FrameColumns::DOWNLOADS_30D),
            has(FrameColumns::LIKES),
            has(FrameColumns::CREATED_AT),
            has(FrameColumns::AUTHOR),
            has(FrameColumns::PIPELINE_TAG),
            has(FrameColumns::LIBRARY_NAME),
            has(FrameColumns::LICENSE),
            has(FrameColumns::PARAMETERS),
        );
        if clear {
            self.present.clear();
        }
        self.present.resize(len, false);
        self.downloads_all_time.fit(all_time, len, clear);
        self.downloads_30d.fit(thirty_day, len, clear);
        self.likes.fit(likes, len, clear);
        self.created_at.fit(created_at, len, clear);
        self.author.fit(author, len, clear);
        self.pipeline_tag.fit(task, len, clear);
        self.library_name.fit(library, len, clear);
        self.license.fit(license, len, clear);
        self.parameters.fit(parameters, len, clear);
    }
}

/// The lineage of one snapshot in compressed sparse rows: model `i`'s parents are
/// `parents[offsets[i]..offsets[i + 1]]` (dense indices, sorted), with `relation[i]`; its
/// tag mentions (models its `base_model:` tags name, whatever the relation) likewise.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineageTable {
    pub relation: Vec<Option<Relation>>,
    pub offsets: Vec<u32>,
    pub parents: Vec<u32>,
    pub mention_offsets: Vec<u32>,
    pub mentions: Vec<u32>,
}

impl LineageTable {
    /// Builds the table from per-model `(relation, parents, mentions)` in dense-index order.
    #[must_use]
    pub fn from_rows(
        rows: impl IntoIterator<Item = (Option<Relation>, Vec<u32>, Vec<u32>)>,
    ) -> Self {
        let mut table = Self {
            offsets: vec![0],
            mention_offsets: vec![0],
            ..Self::default()
        };
        for (relation, mut parents, mut mentions) in rows {
            parents.sort_unstable();
            parents.dedup();
            mentions.sort_unstable();
            mentions.dedup();
            table.relation.push(relation);
            table.parents.extend(parents);
            table.offsets.push(table.parents.len() as u32);
            table.mentions.extend(mentions);
            table.mention_offsets.push(table.mentions.len() as u32);
        }
        table
    }

    /// Builds the table from each model's relation (the vector's length is the table's) and
    /// `(model, parent)` and `(model, mentioned)` pairs in any order (out-of-range pairs are
    /// dropped).
    #[must_use]
    pub fn from_pairs(
        relation: Vec<Option<Relation>>,
        mut parents: Vec<(u32, u32)>,
        mut mentions: Vec<(u32, u32)>,
    ) -> Self {
        fn csr(pairs: &mut Vec<(u32, u32)>, len: usize) -> (Vec<u32>, Vec<u32>) {
            pairs.retain(|&(model, _)| (model as usize) < len);
            pairs.sort_unstable();
            pairs.dedup();
            let mut offsets = Vec::with_capacity(len + 1);
            offsets.push(0);
            let mut next = 0;
            for model in 0..len as u32 {
                while next < pairs.len() && pairs[next].0 == model {
                    next += 1;
                }
                offsets.push(next as u32);
            }
            (offsets, pairs.iter().map(|&(_, other)| other).collect())
        }
        let len = relation.len();
        let (offsets, parents) = csr(&mut parents, len);
        let (mention_offsets, mentions) = csr(&mut mentions, len);
        Self {
            relation,
            offsets,
            parents,
            mention_offsets,
            mentions,
        }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.relation.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.relation.is_empty()
    }

    /// Parents of dense index `model` (empty past the table's end).
    #[must_use]
    pub fn parents_of(&self, model: usize) -> &[u32] {
        if model + 1 >= self.offsets.len() {
            return &[];
        }
        &self.parents[self.offsets[model] as usize..self.offsets[model + 1] as usize]
    }

    /// Models named by dense index `model`'s `base_model:` tags.
    #[must_use]
    pub fn mentions_of(&self, model: usize) -> &[u32] {
        if model + 1 >= self.mention_offsets.len() {
            return &[];
        }
        &self.mentions
            [self.mention_offsets[model] as usize..self.mention_offsets[model + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lineage_table_rows() {
        let table = LineageTable::from_rows([
            (None, vec![], vec![]),
            (Some(Relation::Merge), vec![2, 0, 2], vec![0]),
            (Some(Relation::Finetune), vec![0], vec![]),
        ]);
        assert_eq!(table.parents_of(0), &[] as &[u32]);
        assert_eq!(table.parents_of(1), &[0, 2]);
        assert_eq!(table.parents_of(2), &[0]);
        assert_eq!(table.parents_of(9), &[] as &[u32]);
        assert_eq!(table.mentions_of(1), &[0]);
        let pairs = LineageTable::from_pairs(
            vec![None, Some(Relation::Merge), Some(Relation::Finetune)],
            vec![(1, 2), (2, 0), (1, 0), (1, 2), (7, 0)],
            vec![(1, 0)],
        );
        assert_eq!(pairs, table);
    }

    #[test]
    fn packed_columns_hold_every_value_but_their_none() {
        let mut counts = Column::from(vec![Some(0), None, Some(i64::MAX as u64)]);
        assert_eq!(counts.packed_mut(), &[0, u64::MAX, i64::MAX as u64]);
        assert_eq!(
            (counts.at(0), counts.at(1), counts.at(2)),
            (Some(0), None, Some(i64::MAX as u64))
        );
        assert_eq!(counts.get(3), None);
        counts.set(0, None);
        counts.set(1, Some(7));
        assert_eq!(
            counts.iter().collect::<Vec<_>>(),
            [None, Some(7), Some(i64::MAX as u64)]
        );
        assert_eq!(
            format!("{counts:?}"),
            "[None, Some(7), Some(9223372036854775807)]"
        );
        let times = Column::from(vec![Some(Timestamp::from_millis(i64::MIN + 1)), None]);
        assert_eq!(times.at(0), Some(Timestamp::from_millis(i64::MIN + 1)));
        assert_eq!(times.at(1), None);
        let codes = Column::from(vec![Some(u32::MAX - 1), None]);
        assert_eq!(codes.iter().collect::<Vec<_>>(), [Some(u32::MAX - 1), None]);
    }

    #[test]
    #[should_panic(expected = "index out of bounds")]
    fn a_column_not_loaded_panics_on_read() {
        let _ = Column::<u64>::default().at(0);
    }

    #[test]
    fn frame_columns_load_only_what_is_asked() {
        let columns = FrameColumns::WINDOW | FrameColumns::AUTHOR;
        assert!(columns.contains(FrameColumns::CREATED_AT));
        assert!(!columns.contains(FrameColumns::LICENSE));
        assert_eq!(
            columns.names().collect::<Vec<_>>(),
            [
                "downloads_all_time",
                "downloads_30d",
                "created_at",
                "author"
            ]
        );
        assert_eq!(FrameColumns::ALL.names().count(), 9);
        let info = SnapshotInfo {
            as_of: Timestamp::from_secs(0),
            crawl_started: None,
            crawl_ended: None,
            source: SourceKind::Synthetic,
            source_location: String::new(),
            models: 0,
            columns: Vec::new(),
            partial: false,
            synthetic: true,
        };
        let mut frame = SnapshotFrame::with_columns(info, 3, columns);
        frame.resize(5);
        assert_eq!(
            (frame.present.len(), frame.author.len(), frame.license.len()),
            (5, 5, 0)
        );
        frame.present[1] = true;
        frame.author.set(1, Some(3));
        let info = frame.info.clone();
        frame.clear(info.clone(), columns);
        assert_eq!(frame, {
            let mut fresh = SnapshotFrame::with_columns(frame.info.clone(), 3, columns);
            fresh.resize(5);
            fresh
        });
        // Cleared for other columns: those dropped are empty, those added are there.
        let other = FrameColumns::AUTHOR | FrameColumns::LICENSE;
        frame.downloads_all_time.set(2, Some(9));
        frame.clear(info.clone(), other);
        assert_eq!(frame, SnapshotFrame::with_columns(info, 5, other));
    }
}
