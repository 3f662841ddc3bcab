//! Snapshots as aligned columns: the form analytics consumes.
//!
//! The store gives every model key it has ever seen a dense index, stable across snapshots.
//! A [`SnapshotFrame`] holds one snapshot's columns indexed by that dense index, so two frames
//! from the same store line up position by position with no join. Strings that repeat
//! (namespaces, tasks, libraries, licenses) are codes into the shared [`Catalog`].

use serde::{Deserialize, Serialize};

use crate::{ModelId, Relation, Timestamp};

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
    /// The latest id of each dense model index.
    pub ids: Vec<ModelId>,
    pub namespaces: Vec<String>,
    pub pipeline_tags: Vec<String>,
    pub libraries: Vec<String>,
    pub licenses: Vec<String>,
}

/// One snapshot's columns, position `i` being dense model index `i`. Every vector has the same
/// length (the number of keys the store knew when the frame was loaded); a model absent from
/// the snapshot has `present[i] == false` and `None` elsewhere.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotFrame {
    pub info: SnapshotInfo,
    pub present: Vec<bool>,
    pub downloads_all_time: Vec<Option<u64>>,
    pub downloads_30d: Vec<Option<u64>>,
    pub likes: Vec<Option<u64>>,
    /// Sentinel already read as unknown.
    pub created_at: Vec<Option<Timestamp>>,
    /// Code into [`Catalog::namespaces`]; `None` for a legacy unnamespaced id.
    pub author: Vec<Option<u32>>,
    /// Code into [`Catalog::pipeline_tags`].
    pub pipeline_tag: Vec<Option<u32>>,
    /// Code into [`Catalog::libraries`].
    pub library_name: Vec<Option<u32>>,
    /// Code into [`Catalog::licenses`].
    pub license: Vec<Option<u32>>,
    pub parameters: Vec<Option<u64>>,
}

impl SnapshotFrame {
    /// An empty frame of `len` absent models.
    #[must_use]
    pub fn empty(info: SnapshotInfo, len: usize) -> Self {
        Self {
            info,
            present: vec![false; len],
            downloads_all_time: vec![None; len],
            downloads_30d: vec![None; len],
            likes: vec![None; len],
            created_at: vec![None; len],
            author: vec![None; len],
            pipeline_tag: vec![None; len],
            library_name: vec![None; len],
            license: vec![None; len],
            parameters: vec![None; len],
        }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.present.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.present.is_empty()
    }

    /// Grows every column to `len` absent models (frames loaded earlier than newer keys).
    pub fn resize(&mut self, len: usize) {
        self.present.resize(len, false);
        self.downloads_all_time.resize(len, None);
        self.downloads_30d.resize(len, None);
        self.likes.resize(len, None);
        self.created_at.resize(len, None);
        self.author.resize(len, None);
        self.pipeline_tag.resize(len, None);
        self.library_name.resize(len, None);
        self.license.resize(len, None);
        self.parameters.resize(len, None);
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
    }
}
