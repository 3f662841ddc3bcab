//! Model ids the Hub renamed (`registry/renames.toml`, reviewed like the registry): evidence
//! published under an old id reaches the model under its current id, and says so.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use hubcensus_model::ModelId;
use serde::Deserialize;

use crate::EvalRecord;

const EMBEDDED: &str = include_str!("../../../registry/renames.toml");

/// One rename, with its source.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Rename {
    pub from: ModelId,
    pub to: ModelId,
    pub source: String,
}

#[derive(Deserialize)]
struct File {
    rename: Vec<Rename>,
}

/// The renames, by old id.
#[derive(Clone, Debug, Default)]
pub struct Renames {
    by_old: BTreeMap<ModelId, Rename>,
}

impl Renames {
    /// The list compiled into the binary.
    #[must_use]
    pub fn embedded() -> &'static Self {
        static RENAMES: OnceLock<Renames> = OnceLock::new();
        RENAMES.get_or_init(|| {
            let file: File =
                toml::from_str(EMBEDDED).expect("registry/renames.toml is checked by a test");
            Self {
                by_old: file
                    .rename
                    .into_iter()
                    .map(|rename| (rename.from.clone(), rename))
                    .collect(),
            }
        })
    }

    /// The rename of `old`, if the list has one.
    #[must_use]
    pub fn of(&self, old: &ModelId) -> Option<&Rename> {
        self.by_old.get(old)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rename> {
        self.by_old.values()
    }

    /// `records` with every Hub id the list renamed moved to the current id; each moved record
    /// says (`matched`) it matched by rename, from which id. Its source, and so its series,
    /// stays as published.
    #[must_use]
    pub fn apply(&self, mut records: Vec<EvalRecord>) -> Vec<EvalRecord> {
        for record in &mut records {
            if let Some(rename) = record.hub_id.as_ref().and_then(|id| self.of(id)) {
                record.matched = Some(format!("matched by rename: published as {}", rename.from));
                record.hub_id = Some(rename.to.clone());
            }
        }
        records
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rename_is_sourced_and_changes_the_id() {
        let renames = Renames::embedded();
        assert!(renames.iter().count() >= 1);
        for rename in renames.iter() {
            assert_ne!(rename.from, rename.to);
            assert!(rename.source.starts_with("https://"), "{rename:?}");
            assert!(
                renames.of(&rename.to).is_none(),
                "a chain of renames: {rename:?}"
            );
        }
    }

    #[test]
    fn records_published_under_an_old_id_move_to_the_new_one() {
        let old = ModelId::new("meta-llama/Meta-Llama-3.1-8B-Instruct").unwrap();
        let record = EvalRecord {
            matched: None,
            model: old.as_str().to_owned(),
            hub_id: Some(old.clone()),
            benchmark: "RULER".into(),
            metric: "32k".into(),
            value: 87.4,
            setting: None,
            higher_is_better: true,
            source: "RULER".into(),
            date: None,
            format: "ruler".into(),
        };
        let moved = Renames::embedded().apply(vec![record]);
        assert_eq!(
            moved[0].hub_id.as_ref().map(ModelId::as_str),
            Some("meta-llama/Llama-3.1-8B-Instruct")
        );
        assert_eq!(moved[0].source, "RULER", "the series stays the source's");
        assert!(
            moved[0]
                .matched
                .as_ref()
                .unwrap()
                .contains("matched by rename")
        );
    }
}
