//! The MTEB leaderboard as CSV: an index column, `Model` (a name without namespace, e.g.
//! `gte-Qwen2-7B-instruct`), then one column per MTEB task with that task's main score.
//!
//! Each non-empty cell is a record with benchmark `MTEB` and metric = the task name: tasks are
//! never averaged into one MTEB number here (a mean over whichever tasks a model happens to have
//! is not comparable between models). Names carry no namespace, so they only match Hub ids
//! through the bare-name rule of [`crate::matching`], and only when unambiguous.

use std::io::Read;

use super::{column, csv_error, line_of, score_cell};
use crate::{EvalRecord, EvalsError};

const FORMAT: &str = "mteb";
const SOURCE: &str = "MTEB leaderboard";

pub fn mteb_csv(reader: impl Read) -> Result<Vec<EvalRecord>, EvalsError> {
    let mut csv = csv::Reader::from_reader(reader);
    let headers = csv.headers().map_err(csv_error(FORMAT))?.clone();
    let model = column(&headers, FORMAT, "Model")?;
    let tasks: Vec<(usize, String)> = headers
        .iter()
        .enumerate()
        .filter(|&(index, header)| index != model && !header.trim().is_empty())
        .map(|(index, header)| (index, header.trim().to_owned()))
        .collect();
    let mut records = Vec::new();
    for row in csv.records() {
        let row = row.map_err(csv_error(FORMAT))?;
        let name = row.get(model).unwrap_or_default().trim();
        if name.is_empty() {
            return Err(EvalsError::Parse {
                format: FORMAT,
                line: line_of(&row),
                message: "empty Model".into(),
            });
        }
        for (index, task) in &tasks {
            let Some(value) = score_cell(&row, *index, FORMAT)? else {
                continue;
            };
            records.push(EvalRecord {
                matched: None,
                model: name.to_owned(),
                hub_id: None,
                benchmark: "MTEB".to_owned(),
                metric: task.clone(),
                value,
                setting: None,
                higher_is_better: true,
                source: SOURCE.to_owned(),
                date: None,
                format: FORMAT.to_owned(),
            });
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_record_per_task_cell() {
        let text = ",Model,TaskA,TaskB\n0,emb-small,1.5,\n1,emb-large,2,3\n";
        let records = mteb_csv(text.as_bytes()).unwrap();
        let cells: Vec<(&str, &str, f64)> = records
            .iter()
            .map(|r| (r.model.as_str(), r.metric.as_str(), r.value))
            .collect();
        assert_eq!(
            cells,
            [
                ("emb-small", "TaskA", 1.5),
                ("emb-large", "TaskA", 2.0),
                ("emb-large", "TaskB", 3.0)
            ]
        );
    }

    /// Counts checked independently with Python's csv module: 125 models, 132 task columns (the
    /// header has an index column, `Model` and 132 tasks; SOURCE.md says 133), 12,876
    /// non-empty cells.
    #[test]
    fn real_data_mteb_counts() {
        let file = std::fs::File::open(
            super::super::shared_data().join("open-llm-leaderboard-v2/mteb.csv"),
        )
        .unwrap();
        let records = mteb_csv(file).unwrap();
        let models: std::collections::BTreeSet<&str> =
            records.iter().map(|r| r.model.as_str()).collect();
        let tasks: std::collections::BTreeSet<&str> =
            records.iter().map(|r| r.metric.as_str()).collect();
        assert_eq!(
            (records.len(), models.len(), tasks.len()),
            (12_876, 125, 132)
        );
    }
}
