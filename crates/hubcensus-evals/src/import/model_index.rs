//! The Hub's `model-index` in a model card's metadata (`cardData["model-index"]`).
//!
//! Structure (the `huggingface_hub` `ModelCard` spec): a list of `{name, results: [{task, dataset: {name,
//! type, config}, metrics: [{type, name, value, verified}], source: {name, url}}]}`. Each numeric
//! metric value is a record for the card's own model (its Hub id is known). Benchmark =
//! canonical `dataset.name` (else `dataset.type`); `MTEB <task>` datasets become benchmark `MTEB`
//! with the task in the metric. Source = `model card` plus the result's declared source name or
//! URL: these are self-published numbers, and the output says so. The dataset's `config`, `split`
//! and `revision` become the record's setting (they tell apart several results of one benchmark).
//! A value that is not a number (null, text) is skipped and counted.
//!
//! cardData is untrusted text: a card that is not JSON, or whose model-index has the wrong shape,
//! yields no records rather than an error.

use hubcensus_model::ModelId;
use serde_json::Value;

use crate::EvalRecord;
use crate::benchmark::canonical;

const FORMAT: &str = "model-index";

/// What scanning one card found.
#[derive(Debug, Default, PartialEq)]
pub struct ModelIndexScan {
    pub records: Vec<EvalRecord>,
    /// The card has a non-empty `model-index`.
    pub has_model_index: bool,
    /// Metric entries whose value is not a finite number.
    pub skipped_values: usize,
}

/// Reads the eval results in one model's `cardData` JSON. `date` is the date to cite (the
/// record's `lastModified`, the best the Hub says about when a card's numbers were written).
#[must_use]
pub fn model_index(hub_id: &ModelId, card_data: &str, date: Option<&str>) -> ModelIndexScan {
    let mut scan = ModelIndexScan::default();
    let Ok(card) = serde_json::from_str::<Value>(card_data) else {
        return scan;
    };
    let Some(entries) = card.get("model-index").and_then(Value::as_array) else {
        return scan;
    };
    scan.has_model_index = !entries.is_empty();
    let text = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    };
    for entry in entries {
        let Some(results) = entry.get("results").and_then(Value::as_array) else {
            continue;
        };
        for result in results {
            let dataset = result.get("dataset");
            let Some(dataset_name) = text(dataset.and_then(|d| d.get("name")))
                .or_else(|| text(dataset.and_then(|d| d.get("type"))))
            else {
                continue;
            };
            let (benchmark, task) = match dataset_name.strip_prefix("MTEB ") {
                Some(task) => ("MTEB".to_owned(), Some(task.trim().to_owned())),
                None => (canonical(&dataset_name), None),
            };
            // The dataset's config and split tell apart several results of one benchmark
            // (MMLU subsets, test vs validation): they become the record's setting.
            let setting: Vec<String> = ["config", "split", "revision"]
                .iter()
                .filter_map(|key| {
                    text(dataset.and_then(|d| d.get(*key))).map(|value| format!("{key}={value}"))
                })
                .collect();
            let setting = (!setting.is_empty()).then(|| setting.join(" "));
            let declared = result.get("source");
            let source = match text(declared.and_then(|s| s.get("name")))
                .or_else(|| text(declared.and_then(|s| s.get("url"))))
            {
                Some(origin) => format!("model card ({origin})"),
                None => "model card (self-reported)".to_owned(),
            };
            let Some(metrics) = result.get("metrics").and_then(Value::as_array) else {
                continue;
            };
            for metric in metrics {
                let Some(value) = metric
                    .get("value")
                    .and_then(Value::as_f64)
                    .filter(|value| value.is_finite())
                else {
                    scan.skipped_values += 1;
                    continue;
                };
                let metric_name = text(metric.get("name"))
                    .or_else(|| text(metric.get("type")))
                    .unwrap_or_else(|| "score".to_owned());
                let metric_name = match &task {
                    Some(task) => format!("{task}: {metric_name}"),
                    None => metric_name,
                };
                scan.records.push(EvalRecord {
                    matched: None,
                    model: hub_id.as_str().to_owned(),
                    hub_id: Some(hub_id.clone()),
                    benchmark: benchmark.clone(),
                    metric: metric_name,
                    value,
                    setting: setting.clone(),
                    higher_is_better: true,
                    source: source.clone(),
                    date: date.map(str::to_owned),
                    format: FORMAT.to_owned(),
                });
            }
        }
    }
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_become_records_and_bad_values_are_counted() {
        let card = r#"{"license": "mit", "model-index": [{"name": "m", "results": [
            {"dataset": {"name": "GPQA (0-shot)", "type": "Idavidrein/gpqa"},
             "metrics": [{"type": "acc_norm", "value": 12.5, "name": "acc_norm"},
                         {"type": "acc", "value": null}],
             "source": {"url": "https://example.org", "name": "Open LLM Leaderboard"}},
            {"dataset": {"name": "MTEB Banking77", "type": "mteb/banking77", "config": "en", "split": "test"},
             "metrics": [{"type": "accuracy", "value": 80}]},
            {"dataset": {}, "metrics": [{"type": "x", "value": 1}]}
        ]}]}"#;
        let id = ModelId::new("org/m").unwrap();
        let scan = model_index(&id, card, Some("2026-01-02"));
        assert!(scan.has_model_index);
        assert_eq!(scan.records[0].setting, None);
        assert_eq!(
            scan.records[1].setting.as_deref(),
            Some("config=en split=test")
        );
        assert_eq!(scan.skipped_values, 1);
        let summary: Vec<(&str, &str, f64, &str)> = scan
            .records
            .iter()
            .map(|r| {
                (
                    r.benchmark.as_str(),
                    r.metric.as_str(),
                    r.value,
                    r.source.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "GPQA",
                    "acc_norm",
                    12.5,
                    "model card (Open LLM Leaderboard)"
                ),
                (
                    "MTEB",
                    "Banking77: accuracy",
                    80.0,
                    "model card (self-reported)"
                ),
            ]
        );
    }

    #[test]
    fn untrusted_cards_never_fail() {
        let id = ModelId::new("org/m").unwrap();
        for card in [
            "",
            "not json",
            "[]",
            r#"{"model-index": "x"}"#,
            r#"{"model-index": [{"results": 3}]}"#,
        ] {
            let scan = model_index(&id, card, None);
            assert!(scan.records.is_empty(), "{card}");
        }
    }

    /// Reads the `id` and `cardData` columns of the real hub-stats subset. Counts checked
    /// independently with `DuckDB` and Python's json module: 1,126 cards with a model-index, 966 with at
    /// least one numeric metric, 19,303 metric entries of which 19,195 are numbers (107 null, 1 text).
    #[test]
    fn real_data_model_index_in_hub_stats_cards() {
        use arrow_array::{Array, StringArray};
        use parquet::arrow::ProjectionMask;
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

        let path = crate::import::shared_data().join("hub-stats-subset/hub_stats_frozen.parquet");
        let file = std::fs::File::open(path).unwrap();
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let schema = builder.parquet_schema();
        let wanted: Vec<usize> = (0..schema.num_columns())
            .filter(|&i| matches!(schema.column(i).name(), "id" | "cardData"))
            .collect();
        let mask = ProjectionMask::leaves(schema, wanted);
        let reader = builder.with_projection(mask).build().unwrap();
        let (mut cards, mut with_records, mut records, mut skipped) = (0, 0, 0, 0);
        for batch in reader {
            let batch = batch.unwrap();
            let ids = batch.column_by_name("id").unwrap();
            let ids = ids.as_any().downcast_ref::<StringArray>().unwrap();
            let card_data = batch.column_by_name("cardData").unwrap();
            let card_data = card_data.as_any().downcast_ref::<StringArray>().unwrap();
            for row in 0..batch.num_rows() {
                if card_data.is_null(row) {
                    continue;
                }
                let id = ModelId::new(ids.value(row)).unwrap();
                let scan = model_index(&id, card_data.value(row), None);
                cards += usize::from(scan.has_model_index);
                with_records += usize::from(!scan.records.is_empty());
                records += scan.records.len();
                skipped += scan.skipped_values;
            }
        }
        assert_eq!(
            (cards, with_records, records, skipped),
            (1_126, 966, 19_195, 108)
        );
    }
}
