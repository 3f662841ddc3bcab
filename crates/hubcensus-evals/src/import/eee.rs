//! Every Eval Ever (EEE) JSON, schema 0.2: one evaluation run per file.
//!
//! `model_info.id` is the model as written (provider naming, e.g. `alibaba/qwen3-235b-...`, not
//! always a Hub id: it goes through [`crate::matching`]). Each `evaluation_results[]` entry is one
//! record. The benchmark is chosen per suite (the `evaluation_id` prefix):
//! - `global-mmlu-lite`: benchmark `Global-MMLU-Lite`, metric = the entry's name (`Global MMLU
//!   Lite` overall, `Arabic`, ...);
//! - `livecodebenchpro`: benchmark `LiveCodeBench Pro`, metric = the entry's name (`Hard
//!   Problems`, ...), i.e. pass@1 per difficulty;
//! - otherwise (HELM): a suite aggregate (`Mean win rate`, `Mean score`) becomes benchmark = the
//!   suite's `source_name`; any other entry's name is the benchmark (canonicalised), with the
//!   metric description as metric.
//!
//! The source is `source_metadata.source_name` (and the organisation, when given); the date is
//! `retrieved_timestamp` (Unix seconds) as a UTC date: when the number was collected, which is
//! the best the format says.

use hubcensus_model::Timestamp;
use serde::Deserialize;

use crate::benchmark::canonical;
use crate::{EvalRecord, EvalsError};

const FORMAT: &str = "eee";

#[derive(Deserialize)]
struct Run {
    evaluation_id: String,
    retrieved_timestamp: Option<serde_json::Value>,
    source_metadata: SourceMetadata,
    model_info: ModelInfo,
    evaluation_results: Vec<Result_>,
}

#[derive(Deserialize)]
struct SourceMetadata {
    source_name: Option<String>,
    source_organization_name: Option<String>,
}

#[derive(Deserialize)]
struct ModelInfo {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct Result_ {
    evaluation_name: String,
    metric_config: Option<MetricConfig>,
    score_details: ScoreDetails,
}

#[derive(Deserialize)]
struct MetricConfig {
    evaluation_description: Option<String>,
    lower_is_better: Option<bool>,
}

#[derive(Deserialize)]
struct ScoreDetails {
    score: Option<f64>,
}

/// Parses one EEE JSON document. Entries without a numeric score are skipped.
pub fn eee_json(text: &str) -> Result<Vec<EvalRecord>, EvalsError> {
    let run: Run = serde_json::from_str(text).map_err(|source| EvalsError::Json {
        format: FORMAT,
        source,
    })?;
    let model = run
        .model_info
        .id
        .or(run.model_info.name)
        .filter(|model| !model.trim().is_empty())
        .ok_or_else(|| EvalsError::Parse {
            format: FORMAT,
            line: 0,
            message: format!("run {:?} names no model", run.evaluation_id),
        })?;
    let suite = run
        .evaluation_id
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let source_name = run
        .source_metadata
        .source_name
        .clone()
        .unwrap_or_else(|| suite.clone());
    let source = match run.source_metadata.source_organization_name.as_deref() {
        Some(organization) if !organization.trim().is_empty() => {
            format!(
                "{source_name} ({})",
                organization
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
        _ => source_name.clone(),
    };
    let date = run.retrieved_timestamp.as_ref().and_then(|value| {
        let seconds = match value {
            serde_json::Value::String(text) => text.parse::<f64>().ok()?,
            serde_json::Value::Number(number) => number.as_f64()?,
            _ => return None,
        };
        Some(Timestamp::from_millis((seconds * 1000.0) as i64).date_string())
    });
    let mut records = Vec::new();
    for result in run.evaluation_results {
        let Some(value) = result.score_details.score.filter(|value| value.is_finite()) else {
            continue;
        };
        let description = result
            .metric_config
            .as_ref()
            .and_then(|config| config.evaluation_description.clone());
        let (benchmark, metric) = match suite.as_str() {
            "global-mmlu-lite" => ("Global-MMLU-Lite".to_owned(), result.evaluation_name),
            "livecodebenchpro" => ("LiveCodeBench Pro".to_owned(), result.evaluation_name),
            _ if result.evaluation_name.starts_with("Mean ") => {
                (source_name.clone(), result.evaluation_name)
            }
            _ => (
                canonical(&result.evaluation_name),
                description.unwrap_or_else(|| "score".to_owned()),
            ),
        };
        records.push(EvalRecord {
            matched: None,
            model: model.clone(),
            hub_id: None,
            benchmark,
            metric,
            value,
            setting: None,
            higher_is_better: !result
                .metric_config
                .as_ref()
                .and_then(|config| config.lower_is_better)
                .unwrap_or(false),
            source: source.clone(),
            date: date.clone(),
            format: FORMAT.to_owned(),
        });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "schema_version": "0.2.0",
      "evaluation_id": "helm_capabilities/qwen_qwen3-8b/1770835969.5",
      "retrieved_timestamp": "1770835969.5",
      "source_metadata": {"source_name": "helm_capabilities", "source_organization_name": "crfm"},
      "model_info": {"name": "Qwen3 8B", "id": "qwen/qwen3-8b"},
      "evaluation_results": [
        {"evaluation_name": "Mean score", "metric_config": {"lower_is_better": false},
         "score_details": {"score": 0.7}},
        {"evaluation_name": "GPQA", "metric_config": {"evaluation_description": "COT correct on GPQA"},
         "score_details": {"score": 0.5}},
        {"evaluation_name": "Latency", "metric_config": {"lower_is_better": true},
         "score_details": {"score": 3.0}},
        {"evaluation_name": "Broken", "score_details": {"score": null}}
      ]
    }"#;

    #[test]
    fn helm_entries_become_benchmarks_and_aggregates_stay_with_the_suite() {
        let records = eee_json(SAMPLE).unwrap();
        let summary: Vec<(&str, &str, f64, bool)> = records
            .iter()
            .map(|r| {
                (
                    r.benchmark.as_str(),
                    r.metric.as_str(),
                    r.value,
                    r.higher_is_better,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("helm_capabilities", "Mean score", 0.7, true),
                ("GPQA", "COT correct on GPQA", 0.5, true),
                ("Latency", "score", 3.0, false),
            ]
        );
        assert_eq!(records[0].model, "qwen/qwen3-8b");
        assert_eq!(records[0].source, "helm_capabilities (crfm)");
        assert_eq!(records[0].date.as_deref(), Some("2026-02-11"));
    }

    #[test]
    fn malformed_documents_are_errors() {
        assert!(matches!(eee_json("{"), Err(EvalsError::Json { .. })));
        let no_model = SAMPLE.replace(r#""name": "Qwen3 8B", "id": "qwen/qwen3-8b""#, "");
        assert_eq!(
            eee_json(&no_model).unwrap_err().to_string(),
            "eee input, line 0: run \"helm_capabilities/qwen_qwen3-8b/1770835969.5\" names no model"
        );
    }

    /// Counts checked independently with Python's json module: 212 files; 456 Global-MMLU-Lite
    /// scores (24 models × 19), 87 `LiveCodeBench` Pro (29 × 3), 910 HELM Lite, 408 HELM
    /// Capabilities.
    #[test]
    fn real_data_eee_counts() {
        let root = super::super::shared_data().join("eee-evals");
        let mut by_suite = std::collections::BTreeMap::new();
        for suite in [
            "global-mmlu-lite",
            "livecodebenchpro",
            "helm_lite",
            "helm_capabilities",
        ] {
            let (format, records) = super::super::read_path(&root.join(suite), None).unwrap();
            assert_eq!(format, super::super::Format::Eee);
            by_suite.insert(suite, records);
        }
        let counts: Vec<(&str, usize)> = by_suite.iter().map(|(s, r)| (*s, r.len())).collect();
        assert_eq!(
            counts,
            [
                ("global-mmlu-lite", 456),
                ("helm_capabilities", 408),
                ("helm_lite", 910),
                ("livecodebenchpro", 87),
            ]
        );
        let overall: Vec<&EvalRecord> = by_suite["global-mmlu-lite"]
            .iter()
            .filter(|r| r.metric == "Global MMLU Lite")
            .collect();
        assert_eq!(overall.len(), 24);
        assert!(overall.iter().all(|r| r.benchmark == "Global-MMLU-Lite"));
        let gpqa = by_suite["helm_capabilities"]
            .iter()
            .filter(|r| r.benchmark == "GPQA")
            .count();
        assert_eq!(gpqa, 68);
    }
}
