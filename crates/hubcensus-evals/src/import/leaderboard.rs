//! The Open LLM Leaderboard v2 contents table (CSV export).
//!
//! One row per evaluated model (`fullname` is the Hub id; the `Model` column is an HTML anchor
//! and is ignored). Each of the six benchmarks has a raw and a normalised column; we import the
//! normalised score (0–100, random baseline subtracted), which is what the leaderboard ranks on,
//! as metric `normalized score`. `Submission Date` is the record's date.

use std::io::Read;

use hubcensus_model::ModelId;

use super::{column, csv_error, line_of, score_cell};
use crate::{EvalRecord, EvalsError};

const FORMAT: &str = "open-llm-leaderboard";
const SOURCE: &str = "Open LLM Leaderboard v2";
/// Column → canonical benchmark.
const BENCHMARKS: [(&str, &str); 6] = [
    ("IFEval", "IFEval"),
    ("BBH", "BBH"),
    ("MATH Lvl 5", "MATH"),
    ("GPQA", "GPQA"),
    ("MUSR", "MuSR"),
    ("MMLU-PRO", "MMLU-Pro"),
];

/// Parses the leaderboard CSV. A row whose `fullname` is not a valid Hub id keeps it as the
/// model name with no `hub_id`.
pub fn open_llm_leaderboard(reader: impl Read) -> Result<Vec<EvalRecord>, EvalsError> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let headers = csv.headers().map_err(csv_error(FORMAT))?.clone();
    let fullname = column(&headers, FORMAT, "fullname")?;
    let date = column(&headers, FORMAT, "Submission Date")?;
    let precision = column(&headers, FORMAT, "Precision").ok();
    let score_columns = BENCHMARKS
        .iter()
        .map(|(name, benchmark)| Ok((column(&headers, FORMAT, name)?, *benchmark)))
        .collect::<Result<Vec<_>, EvalsError>>()?;
    let mut records = Vec::new();
    for row in csv.records() {
        let row = row.map_err(csv_error(FORMAT))?;
        let model = row.get(fullname).unwrap_or_default().trim();
        if model.is_empty() {
            return Err(EvalsError::Parse {
                format: FORMAT,
                line: line_of(&row),
                message: "empty fullname".into(),
            });
        }
        let hub_id = ModelId::new(model).ok();
        let date = row
            .get(date)
            .map(str::trim)
            .filter(|date| !date.is_empty())
            .map(|date| date.get(..10).unwrap_or(date).to_owned());
        let setting = precision
            .and_then(|index| row.get(index))
            .map(str::trim)
            .filter(|precision| !precision.is_empty())
            .map(str::to_owned);
        for &(index, benchmark) in &score_columns {
            let Some(value) = score_cell(&row, index, FORMAT)? else {
                continue;
            };
            records.push(EvalRecord {
                matched: None,
                model: model.to_owned(),
                hub_id: hub_id.clone(),
                benchmark: benchmark.to_owned(),
                metric: "normalized score".to_owned(),
                value,
                setting: setting.clone(),
                higher_is_better: true,
                source: SOURCE.to_owned(),
                date: date.clone(),
                format: FORMAT.to_owned(),
            });
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
,eval_name,Model,fullname,IFEval Raw,IFEval,BBH,MATH Lvl 5,GPQA,MUSR,MMLU-PRO,Submission Date
0,a_b,<a>x</a>,org/model-7B,0.6,60.5,30.1,10,5.5,,20,2024-08-05
1,c,<a>y</a>,not a hub id,0.1,1,2,3,4,5,6,2025-01-01
";

    #[test]
    fn normalised_scores_with_dates_and_empty_cells_skipped() {
        let records = open_llm_leaderboard(SAMPLE.as_bytes()).unwrap();
        assert_eq!(records.len(), 11);
        let first = &records[0];
        assert_eq!(first.hub_id.as_ref().unwrap().as_str(), "org/model-7B");
        assert_eq!((first.benchmark.as_str(), first.value), ("IFEval", 60.5));
        assert_eq!(first.date.as_deref(), Some("2024-08-05"));
        assert!(
            records
                .iter()
                .all(|record| record.benchmark != "MuSR" || record.model == "not a hub id")
        );
        assert_eq!(records[5].hub_id, None);
    }

    #[test]
    fn errors_name_the_problem() {
        let missing = "fullname,IFEval\nx/y,1\n";
        assert_eq!(
            open_llm_leaderboard(missing.as_bytes())
                .unwrap_err()
                .to_string(),
            "open-llm-leaderboard input: missing column \"Submission Date\""
        );
        let bad = SAMPLE.replace("60.5", "sixty");
        assert_eq!(
            open_llm_leaderboard(bad.as_bytes())
                .unwrap_err()
                .to_string(),
            "open-llm-leaderboard input, line 2: score \"sixty\" is not a number"
        );
    }

    /// Counts checked independently with Python's csv module: 3,827 rows (3,753 distinct
    /// models, some at several precisions), 22,962 non-empty normalised scores; the official
    /// subset 459 rows, 2,754 scores.
    #[test]
    fn real_data_open_llm_leaderboard_counts() {
        let dir = super::super::shared_data().join("open-llm-leaderboard-v2");
        let file = std::fs::File::open(dir.join("open_llm_leaderboard.csv")).unwrap();
        let records = open_llm_leaderboard(file).unwrap();
        let models: std::collections::BTreeSet<&str> =
            records.iter().map(|record| record.model.as_str()).collect();
        assert_eq!((records.len(), models.len()), (22_962, 3_753));
        let official = std::fs::File::open(dir.join("open_llm_official.csv")).unwrap();
        assert_eq!(open_llm_leaderboard(official).unwrap().len(), 2_754);
    }
}
