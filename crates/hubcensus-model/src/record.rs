//! One model as observed in one snapshot.

use serde::{Deserialize, Serialize};

use crate::{Lineage, ModelId, ModelKey, Timestamp};

/// The canonical names of the fields a source can carry, one per [`ModelRecord`] field (lineage
/// spans `relation`, `parents` and `lineage_source`), in the order the store writes them and the
/// manifests list them. Ingest declares which of them a source carried; the store refuses a value
/// in an undeclared one.
pub const COLUMNS: [&str; 20] = [
    "object_id",
    "id",
    "author",
    "created_at",
    "last_modified",
    "downloads_30d",
    "downloads_all_time",
    "likes",
    "trending_score",
    "tags",
    "pipeline_tag",
    "library_name",
    "gated",
    "parameters",
    "relation",
    "parents",
    "lineage_source",
    "license",
    "languages",
    "card_data",
];

/// Whether access to a model's files is gated (`gated` in the Hub API: `false`, `"auto"`,
/// `"manual"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gated {
    No,
    Auto,
    Manual,
}

impl Gated {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::No => "no",
            Self::Auto => "auto",
            Self::Manual => "manual",
        }
    }
}

/// A model record as observed at one time (METHODS.md §1).
///
/// A field the snapshot's source or era does not carry is `None`, never zero or empty: an
/// absent `downloadsAllTime` (hub-stats before 2025-02-26, daily scrapes of the list endpoint)
/// must stay distinguishable from a model with no downloads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelRecord {
    /// The Hub's `_id`: stable across renames.
    pub object_id: Option<String>,
    pub id: ModelId,
    /// `createdAt`, with the 2022-03-02T23:29:04Z sentinel already read as unknown (`None`).
    pub created_at: Option<Timestamp>,
    pub last_modified: Option<Timestamp>,
    /// `downloads`: the rolling 30-day count.
    pub downloads_30d: Option<u64>,
    /// `downloadsAllTime`.
    pub downloads_all_time: Option<u64>,
    pub likes: Option<u64>,
    pub trending_score: Option<f64>,
    pub tags: Option<Vec<String>>,
    pub pipeline_tag: Option<String>,
    pub library_name: Option<String>,
    pub gated: Option<Gated>,
    /// `safetensors.total`, else the GGUF total.
    pub parameters: Option<u64>,
    /// Relation and parents from `baseModels`, else from `base_model:` tags.
    pub lineage: Option<Lineage>,
    /// From `license:` tags or `cardData.license`.
    pub license: Option<String>,
    /// From `cardData.language`.
    pub languages: Option<Vec<String>>,
    /// The raw `cardData` JSON. Untrusted text: never executed, always escaped when rendered.
    pub card_data: Option<String>,
}

impl ModelRecord {
    /// A record with only an id; every other field absent.
    #[must_use]
    pub fn new(id: ModelId) -> Self {
        Self {
            object_id: None,
            id,
            created_at: None,
            last_modified: None,
            downloads_30d: None,
            downloads_all_time: None,
            likes: None,
            trending_score: None,
            tags: None,
            pipeline_tag: None,
            library_name: None,
            gated: None,
            parameters: None,
            lineage: None,
            license: None,
            languages: None,
            card_data: None,
        }
    }

    #[must_use]
    pub fn key(&self) -> ModelKey {
        ModelKey::of(self.object_id.as_deref(), &self.id)
    }

    /// The namespace (author); `None` for a legacy unnamespaced id.
    #[must_use]
    pub fn author(&self) -> Option<&str> {
        self.id.namespace()
    }
}
