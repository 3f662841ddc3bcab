//! The plain inputs `audit` and `discover` judge: per-model adoption evidence, computed elsewhere
//! (the analytics engine over the store), plus the benchmark records.
//!
//! These structs are deliberately plain data (serde-friendly) so that the decisions can be tested
//! on fixture worlds, and so that `hubcensus audit --evidence FILE` can run on a world exported as
//! JSON before or without a store.

use std::collections::BTreeMap;

use hubcensus_model::{ContributorType, Lineage, ModelId, Relation, Timestamp};
use serde::{Deserialize, Serialize};

use crate::EvalRecord;

/// Everything known about one model's adoption, aligned on the world's weeks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelEvidence {
    pub id: ModelId,
    /// `pipeline_tag`.
    #[serde(default)]
    pub task: Option<String>,
    /// `safetensors.total` (or GGUF total).
    #[serde(default)]
    pub parameters: Option<u64>,
    #[serde(default)]
    pub license: Option<String>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// The registry's organization for the namespace.
    #[serde(default)]
    pub organization: Option<String>,
    #[serde(default)]
    pub contributor: Option<ContributorType>,
    #[serde(default)]
    pub lineage: Option<Lineage>,
    /// `cardData.new_version`: the authors' own pointer to a newer model.
    #[serde(default)]
    pub new_version: Option<ModelId>,
    /// Window downloads per week, aligned with [`World::weeks`]; `None` where the model was not
    /// in both snapshots of that window.
    #[serde(default)]
    pub weekly_downloads: Vec<Option<u64>>,
    /// Working-set rank per week (1-based), aligned with [`World::weeks`]; `None` = outside.
    #[serde(default)]
    pub weekly_ranks: Vec<Option<u32>>,
    /// Likes at the end of each week, aligned with [`World::weeks`].
    #[serde(default)]
    pub weekly_likes: Vec<Option<u64>>,
    /// Direct children by relation.
    #[serde(default)]
    pub children: BTreeMap<Relation, u64>,
}

impl ModelEvidence {
    /// A model with only an id; everything else unknown.
    #[must_use]
    pub fn new(id: ModelId) -> Self {
        Self {
            id,
            task: None,
            parameters: None,
            license: None,
            created_at: None,
            organization: None,
            contributor: None,
            lineage: None,
            new_version: None,
            weekly_downloads: Vec::new(),
            weekly_ranks: Vec::new(),
            weekly_likes: Vec::new(),
            children: BTreeMap::new(),
        }
    }

    /// The value of an aligned weekly series at week `index`.
    pub(crate) fn at<T: Copy>(series: &[Option<T>], index: usize) -> Option<T> {
        series.get(index).copied().flatten()
    }
}

/// The adoption side of the evidence: the weekly working sets the analytics engine computed,
/// for the models that matter (the working set, their families, and the model asked about).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct World {
    /// The end of each weekly window, oldest first; the last is "now".
    pub weeks: Vec<Timestamp>,
    /// The working set's size k (METHODS.md §4).
    pub working_set_size: u32,
    /// Total window downloads of each task in the last week, over the whole population (the
    /// denominator of a model's task share).
    #[serde(default)]
    pub task_downloads: BTreeMap<String, u64>,
    pub models: Vec<ModelEvidence>,
    /// What produced this world (snapshots, store, fixture), cited in the output.
    #[serde(default)]
    pub provenance: String,
}

impl World {
    #[must_use]
    pub fn as_of(&self) -> Option<Timestamp> {
        self.weeks.last().copied()
    }

    #[must_use]
    pub fn model(&self, id: &ModelId) -> Option<&ModelEvidence> {
        self.models.iter().find(|model| &model.id == id)
    }

    /// The index of the last week.
    pub(crate) fn now(&self) -> Option<usize> {
        self.weeks.len().checked_sub(1)
    }
}

/// One score of one model in one series, the best where the model has several (settings).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Score {
    pub benchmark: String,
    pub metric: String,
    pub source: String,
    pub value: f64,
    pub higher_is_better: bool,
    pub setting: Option<String>,
    pub date: Option<String>,
    /// How the score reached the model when its source named it otherwise (a rename).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
}

/// The best score per series of `id` among `records` whose benchmark passes `keep`, sorted by
/// series.
pub(crate) fn scores_of(
    records: &[EvalRecord],
    id: &ModelId,
    keep: impl Fn(&str) -> bool,
) -> Vec<Score> {
    let mut best: BTreeMap<crate::SeriesKey, &EvalRecord> = BTreeMap::new();
    for record in records {
        if record.hub_id.as_ref() != Some(id) || !keep(&record.benchmark) {
            continue;
        }
        let entry = best.entry(record.series()).or_insert(record);
        if better(record.value, entry.value, record.higher_is_better) {
            *entry = record;
        }
    }
    best.into_iter()
        .map(|(series, record)| Score {
            benchmark: series.benchmark,
            metric: series.metric,
            source: series.source,
            value: record.value,
            higher_is_better: record.higher_is_better,
            setting: record.setting.clone(),
            date: record.date.clone(),
            matched: record.matched.clone(),
        })
        .collect()
}

pub(crate) fn better(a: f64, b: f64, higher_is_better: bool) -> bool {
    if higher_is_better { a > b } else { a < b }
}

/// Relative change of a weekly series over the last `weeks` weeks: `(x[now] - x[now-weeks]) /
/// x[now-weeks]`. `None` when either week is missing or the earlier one is zero.
#[must_use]
pub fn change(series: &[Option<u64>], weeks: usize) -> Option<f64> {
    let now = series.len().checked_sub(1)?;
    let then = now.checked_sub(weeks)?;
    let (latest, earlier) = (series[now]?, series[then]?);
    (earlier > 0).then(|| (latest as f64 - earlier as f64) / earlier as f64)
}

/// The longest span a downloads trend is read over (a quarter), and the shortest it may fall
/// back to when the evidence is shorter or the model younger.
pub const TREND_WEEKS: usize = 13;
pub const MIN_TREND_WEEKS: usize = 8;

/// A relative change of weekly downloads and the weeks it spans.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    pub weeks: usize,
    pub change: f64,
}

/// The quarter's trend: the [`change`] over [`TREND_WEEKS`] weeks, else over the longest span
/// down to [`MIN_TREND_WEEKS`] that the series holds at both ends (a 13-week demo world has 12
/// windows, so an 11-week trend). Labelled with its span wherever it is shown.
#[must_use]
pub fn trend(series: &[Option<u64>]) -> Option<Trend> {
    (MIN_TREND_WEEKS..=TREND_WEEKS)
        .rev()
        .find_map(|weeks| change(series, weeks).map(|change| Trend { weeks, change }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trend_takes_the_longest_span_it_can() {
        let full: Vec<Option<u64>> = (1..=14).map(Some).collect();
        assert_eq!(trend(&full).unwrap().weeks, 13);
        assert_eq!(trend(&full[2..]).unwrap().weeks, 11);
        // Absent 11 weeks back but present 10 weeks back.
        let mut young = full[2..].to_vec();
        young[0] = None;
        assert_eq!(
            trend(&young),
            Some(Trend {
                weeks: 10,
                change: (14.0 - 4.0) / 4.0
            })
        );
        assert_eq!(trend(&full[..8]), None, "7 weeks is too short");
    }

    #[test]
    fn change_over_weeks() {
        let series = [Some(100), None, Some(50), Some(80), Some(150)];
        assert_eq!(change(&series, 4), Some(0.5));
        assert_eq!(change(&series, 2), Some(2.0));
        assert_eq!(change(&series, 3), None);
        assert_eq!(change(&series, 5), None);
        assert_eq!(change(&[Some(0), Some(5)], 1), None);
        assert_eq!(change(&[], 1), None);
    }

    proptest::proptest! {
        /// `change` equals the obvious formula wherever both ends are known and the earlier is
        /// positive, and is `None` otherwise.
        #[test]
        fn change_matches_the_formula(series in proptest::collection::vec(proptest::option::of(0u64..1_000), 0..20), weeks in 0usize..20) {
            let naive = if series.len() > weeks {
                let (latest, earlier) = (series[series.len() - 1], series[series.len() - 1 - weeks]);
                match (latest, earlier) {
                    (Some(latest), Some(earlier)) if earlier > 0 => Some((latest as f64 - earlier as f64) / earlier as f64),
                    _ => None,
                }
            } else {
                None
            };
            proptest::prop_assert_eq!(change(&series, weeks), naive);
        }
    }
}
