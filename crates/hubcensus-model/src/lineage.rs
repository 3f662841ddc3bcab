//! Lineage edges: how a model derives from its base models (METHODS.md §5).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ModelId;

/// How a model relates to its parents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Finetune,
    Adapter,
    Quantized,
    Merge,
    Unknown,
}

impl Relation {
    pub const ALL: [Self; 5] = [
        Self::Finetune,
        Self::Adapter,
        Self::Quantized,
        Self::Merge,
        Self::Unknown,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Finetune => "finetune",
            Self::Adapter => "adapter",
            Self::Quantized => "quantized",
            Self::Merge => "merge",
            Self::Unknown => "unknown",
        }
    }

    /// The family view folds these derivatives into their base (METHODS.md §4).
    #[must_use]
    pub const fn folds_into_base(self) -> bool {
        matches!(self, Self::Quantized | Self::Adapter)
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Relation {
    type Err = ();
    /// Reads the Hub's relation words (`baseModels.relation`, `base_model:<relation>:` tags).
    /// Anything else is an error, so a caller can tell a tag like `base_model:org/name` apart.
    fn from_str(text: &str) -> Result<Self, ()> {
        match text {
            "finetune" => Ok(Self::Finetune),
            "adapter" => Ok(Self::Adapter),
            "quantized" => Ok(Self::Quantized),
            "merge" => Ok(Self::Merge),
            _ => Err(()),
        }
    }
}

/// Where a model's lineage was read from, in the order of precedence of METHODS.md §5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineageSource {
    /// The `baseModels` field (relation and parents).
    BaseModels,
    /// `base_model:<relation>:<id>` tags.
    RelationTags,
    /// Plain `base_model:<id>` tags: relation unknown.
    PlainTags,
}

/// A model's parents and its relation to them. Several parents make a merge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lineage {
    pub relation: Relation,
    /// Sorted and deduplicated; never empty.
    pub parents: Vec<ModelId>,
    pub source: LineageSource,
}

impl Lineage {
    /// Builds a lineage from a relation and parents; `None` when there are no valid parents.
    /// Several distinct parents make a merge whatever relation was stated.
    #[must_use]
    pub fn new(
        relation: Relation,
        mut parents: Vec<ModelId>,
        source: LineageSource,
    ) -> Option<Self> {
        parents.sort();
        parents.dedup();
        if parents.is_empty() {
            return None;
        }
        let relation = if parents.len() > 1 {
            Relation::Merge
        } else {
            relation
        };
        Some(Self {
            relation,
            parents,
            source,
        })
    }

    /// Lineage from a model's tags: `base_model:<relation>:<id>` tags when any exist, otherwise
    /// plain `base_model:<id>` tags (relation unknown). Malformed ids in tags are ignored; `self`
    /// references are dropped by the caller's cycle handling, not here.
    #[must_use]
    pub fn from_tags<'a>(tags: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let mut with_relation: Vec<(Relation, ModelId)> = Vec::new();
        let mut plain: Vec<ModelId> = Vec::new();
        for tag in tags {
            let Some(rest) = tag.strip_prefix("base_model:") else {
                continue;
            };
            match rest.split_once(':') {
                Some((relation, id)) => {
                    if let (Ok(relation), Ok(id)) = (relation.parse::<Relation>(), ModelId::new(id))
                    {
                        with_relation.push((relation, id));
                    }
                }
                None => {
                    if let Ok(id) = ModelId::new(rest) {
                        plain.push(id);
                    }
                }
            }
        }
        if !with_relation.is_empty() {
            // Tags name one relation per parent; with one parent its relation stands, with
            // several (a merge lists `base_model:merge:` per parent) the result is a merge.
            let relation = with_relation[0].0;
            let parents = with_relation.into_iter().map(|(_, id)| id).collect();
            return Self::new(relation, parents, LineageSource::RelationTags);
        }
        Self::new(Relation::Unknown, plain, LineageSource::PlainTags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> ModelId {
        ModelId::new(text).unwrap()
    }

    #[test]
    fn relation_tags_win_over_plain_tags() {
        let tags = [
            "transformers",
            "base_model:Qwen/Qwen3-8B",
            "base_model:quantized:Qwen/Qwen3-8B",
        ];
        let lineage = Lineage::from_tags(tags).unwrap();
        assert_eq!(lineage.relation, Relation::Quantized);
        assert_eq!(lineage.parents, vec![id("Qwen/Qwen3-8B")]);
        assert_eq!(lineage.source, LineageSource::RelationTags);
    }

    #[test]
    fn plain_tags_have_unknown_relation_and_several_parents_make_a_merge() {
        let lineage = Lineage::from_tags(["base_model:a/x"]).unwrap();
        assert_eq!(
            (lineage.relation, lineage.source),
            (Relation::Unknown, LineageSource::PlainTags)
        );
        let merge = Lineage::from_tags(["base_model:merge:a/x", "base_model:merge:b/y"]).unwrap();
        assert_eq!(merge.relation, Relation::Merge);
        assert_eq!(merge.parents, vec![id("a/x"), id("b/y")]);
        let two_finetune =
            Lineage::from_tags(["base_model:finetune:a/x", "base_model:finetune:b/y"]).unwrap();
        assert_eq!(two_finetune.relation, Relation::Merge);
    }

    #[test]
    fn no_lineage_without_valid_parents() {
        assert_eq!(
            Lineage::from_tags(["base_model:", "base_model:finetune:", "license:mit"]),
            None
        );
        assert_eq!(
            Lineage::new(Relation::Finetune, vec![], LineageSource::BaseModels),
            None
        );
    }
}
