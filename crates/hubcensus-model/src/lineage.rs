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
    /// The Hub's `_id` of each parent, position by position with `parents`, where the source
    /// named it (`baseModels` does, tags do not). The `_id` decides which model a parent is
    /// (METHODS.md §1): the id beside it may be a name no snapshot holds any more. Empty when
    /// no parent has one; otherwise as long as `parents`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parent_object_ids: Vec<Option<String>>,
    pub source: LineageSource,
}

impl Lineage {
    /// Builds a lineage from a relation and parents; `None` when there are no valid parents.
    /// Several distinct parents make a merge whatever relation was stated.
    #[must_use]
    pub fn new(relation: Relation, parents: Vec<ModelId>, source: LineageSource) -> Option<Self> {
        Self::with_object_ids(
            relation,
            parents.into_iter().map(|id| (id, None)).collect(),
            source,
        )
    }

    /// [`Lineage::new`] from parents named by id and, where the source gave it, `_id`. A parent
    /// listed twice (by the same id, or by two ids with the same `_id`) counts once, keeping
    /// the `_id` where one of its listings has it; empty `_id`s are none.
    #[must_use]
    pub fn with_object_ids(
        relation: Relation,
        mut parents: Vec<(ModelId, Option<String>)>,
        source: LineageSource,
    ) -> Option<Self> {
        for (_, object_id) in &mut parents {
            if object_id.as_deref() == Some("") {
                *object_id = None;
            }
        }
        parents.sort();
        parents.dedup_by(|later, kept| {
            if later.0 != kept.0 {
                return false;
            }
            if kept.1.is_none() {
                kept.1 = later.1.take();
            }
            true
        });
        let mut seen: Vec<&str> = Vec::new();
        let keep: Vec<bool> = parents
            .iter()
            .map(|(_, object_id)| match object_id.as_deref() {
                Some(object_id) if seen.contains(&object_id) => false,
                Some(object_id) => {
                    seen.push(object_id);
                    true
                }
                None => true,
            })
            .collect();
        let mut keep = keep.into_iter();
        parents.retain(|_| keep.next().unwrap_or(true));
        if parents.is_empty() {
            return None;
        }
        let relation = if parents.len() > 1 {
            Relation::Merge
        } else {
            relation
        };
        let (parents, parent_object_ids): (Vec<ModelId>, Vec<Option<String>>) =
            parents.into_iter().unzip();
        let parent_object_ids = if parent_object_ids.iter().all(Option::is_none) {
            Vec::new()
        } else {
            parent_object_ids
        };
        Some(Self {
            relation,
            parents,
            parent_object_ids,
            source,
        })
    }

    /// The `_id` the source gave for `parents[position]`, if any.
    #[must_use]
    pub fn parent_object_id(&self, position: usize) -> Option<&str> {
        self.parent_object_ids
            .get(position)
            .and_then(Option::as_deref)
    }

    /// Each parent's id with its `_id` where the source gave one.
    pub fn parents_with_object_ids(&self) -> impl Iterator<Item = (&ModelId, Option<&str>)> {
        self.parents
            .iter()
            .enumerate()
            .map(|(position, id)| (id, self.parent_object_id(position)))
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
    fn parents_keep_their_object_ids_and_count_once() {
        let oid = |text: &str| Some(text.to_owned());
        let lineage = Lineage::with_object_ids(
            Relation::Finetune,
            vec![(id("org/base-old"), oid("b1"))],
            LineageSource::BaseModels,
        )
        .unwrap();
        assert_eq!(lineage.relation, Relation::Finetune);
        assert_eq!(lineage.parent_object_id(0), Some("b1"));
        // The same parent by id twice (once with its `_id`), and by two names with one `_id`:
        // one parent each, so no merge.
        for parents in [
            vec![(id("a/x"), None), (id("a/x"), oid("x1"))],
            vec![(id("a/x-old"), oid("x1")), (id("a/x"), oid("x1"))],
        ] {
            let lineage =
                Lineage::with_object_ids(Relation::Adapter, parents, LineageSource::BaseModels)
                    .unwrap();
            assert_eq!(lineage.relation, Relation::Adapter);
            assert_eq!(lineage.parents, vec![id("a/x")]);
            assert_eq!(lineage.parent_object_ids, vec![oid("x1")]);
        }
        // Sorted by id, `_id`s staying beside their parents; none given, none kept.
        let merge = Lineage::with_object_ids(
            Relation::Unknown,
            vec![(id("b/y"), oid("y1")), (id("a/x"), Some(String::new()))],
            LineageSource::BaseModels,
        )
        .unwrap();
        assert_eq!(merge.relation, Relation::Merge);
        let pairs: Vec<_> = merge.parents_with_object_ids().collect();
        assert_eq!(pairs, vec![(&id("a/x"), None), (&id("b/y"), Some("y1"))]);
        let plain = Lineage::new(
            Relation::Finetune,
            vec![id("a/x")],
            LineageSource::PlainTags,
        );
        assert!(plain.unwrap().parent_object_ids.is_empty());
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
