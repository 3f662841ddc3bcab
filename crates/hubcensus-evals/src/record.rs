//! One benchmark score, as published, with where it came from.

use hubcensus_model::ModelId;
use serde::{Deserialize, Serialize};

/// One score of one model on one benchmark metric, from one source.
///
/// `model` is the name exactly as the source wrote it; `hub_id` is the Hub id it was matched to
/// (exactly, or by the documented normalisation in [`crate::matching`]), `None` when unmatched.
/// Nothing is ever guessed: an unmatched row stays unmatched and is listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalRecord {
    pub model: String,
    pub hub_id: Option<ModelId>,
    /// The canonical benchmark name (see [`crate::benchmark::canonical`]), e.g. `GPQA`, `RULER`.
    pub benchmark: String,
    /// What was measured within the benchmark: a split, a language, a context length, a metric.
    pub metric: String,
    pub value: f64,
    /// A run setting that distinguishes several results of one model in one series (the
    /// leaderboard's precision, e.g. `bfloat16`); where a model has several, rankings use its
    /// best and say which.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    /// `false` for metrics where lower is better (rare; EEE's `lower_is_better`).
    pub higher_is_better: bool,
    /// Who published the number (leaderboard, paper, model card).
    pub source: String,
    /// When the number was published or submitted, `YYYY-MM-DD`, when the source says.
    pub date: Option<String>,
    /// The importer that read it (`open-llm-leaderboard`, `eee`, `ruler`, `model-index`, `mteb`,
    /// `csv`).
    pub format: String,
    /// How the score reached `hub_id` when the source named the model otherwise ("matched by
    /// rename: published as ..."); set when the store is read, never stored. Not part of the
    /// series: a score moved by a rename stays comparable with its source's other scores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
}

/// Scores are comparable only within one series: the same benchmark, metric and source. Two
/// leaderboards' "GPQA" numbers use different prompts and normalisations, so they are never
/// ranked against each other, and different benchmarks are never averaged.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SeriesKey {
    pub benchmark: String,
    pub metric: String,
    pub source: String,
}

impl EvalRecord {
    #[must_use]
    pub fn series(&self) -> SeriesKey {
        SeriesKey {
            benchmark: self.benchmark.clone(),
            metric: self.metric.clone(),
            source: self.source.clone(),
        }
    }

    /// The identity used to replace a record on re-import: the same source's score for the same
    /// model name, benchmark and metric.
    #[must_use]
    pub fn identity(&self) -> (&str, &str, &str, &str, &str) {
        (
            &self.source,
            &self.model,
            &self.benchmark,
            &self.metric,
            self.setting.as_deref().unwrap_or_default(),
        )
    }
}

impl std::fmt::Display for SeriesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} · {} ({})", self.benchmark, self.metric, self.source)
    }
}
