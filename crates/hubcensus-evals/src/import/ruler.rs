//! RULER's results table (NVIDIA/RULER README), as CSV.
//!
//! One row per model: `model` (display name), `hf_id` (the Hub id from the row's link; empty for
//! API models), the RULER score at each context length `4k` ... `128k` and their `avg`. Each
//! non-empty score is a record with benchmark `RULER` and metric = the column (`4k`, ..., `avg`).
//! Rows marked `reported_by_authors` come from the model authors' own paper, not from NVIDIA: the
//! source says so. The table carries no dates.

use std::io::Read;

use hubcensus_model::ModelId;

use super::{column, csv_error, score_cell};
use crate::{EvalRecord, EvalsError};

const FORMAT: &str = "ruler";
const METRICS: [&str; 7] = ["4k", "8k", "16k", "32k", "64k", "128k", "avg"];

pub fn ruler_csv(reader: impl Read) -> Result<Vec<EvalRecord>, EvalsError> {
    let mut csv = csv::Reader::from_reader(reader);
    let headers = csv.headers().map_err(csv_error(FORMAT))?.clone();
    let model = column(&headers, FORMAT, "model")?;
    let hf_id = column(&headers, FORMAT, "hf_id")?;
    let by_authors = column(&headers, FORMAT, "reported_by_authors").ok();
    let metrics = METRICS
        .iter()
        .map(|name| Ok((column(&headers, FORMAT, name)?, *name)))
        .collect::<Result<Vec<_>, EvalsError>>()?;
    let mut records = Vec::new();
    for row in csv.records() {
        let row = row.map_err(csv_error(FORMAT))?;
        let hub = row.get(hf_id).unwrap_or_default().trim();
        let name = match row.get(model).unwrap_or_default().trim() {
            "" => hub,
            name => name,
        };
        // The display name ("Qwen3 (8B)") is not unique enough to identify a row; the Hub id is.
        let written = if hub.is_empty() { name } else { hub };
        let source = if by_authors
            .and_then(|index| row.get(index))
            .is_some_and(|flag| flag.trim().eq_ignore_ascii_case("true"))
        {
            "RULER table (reported by the model's authors)"
        } else {
            "RULER table (NVIDIA)"
        };
        for &(index, metric) in &metrics {
            let Some(value) = score_cell(&row, index, FORMAT)? else {
                continue;
            };
            records.push(EvalRecord {
                matched: None,
                model: written.to_owned(),
                hub_id: ModelId::new(hub).ok(),
                benchmark: "RULER".to_owned(),
                metric: metric.to_owned(),
                value,
                setting: None,
                higher_is_better: true,
                source: source.to_owned(),
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
    fn one_record_per_context_length_and_authors_flagged() {
        let text = "model,reported_by_authors,hf_id,link,size,claimed_length,effective_length,4k,8k,16k,32k,64k,128k,avg\n\
                    Jamba,True,ai21labs/Jamba-1.5-Mini,x,52B,256K,>128K,95.7,95.2,,,,,95.4\n\
                    GPT-4,False,,,,128K,64K,96.6,TBD,,,,,\n";
        let records = ruler_csv(text.as_bytes()).unwrap();
        assert_eq!(records.len(), 4);
        assert_eq!(
            records[0].hub_id.as_ref().unwrap().as_str(),
            "ai21labs/Jamba-1.5-Mini"
        );
        assert_eq!(
            records[0].source,
            "RULER table (reported by the model's authors)"
        );
        assert_eq!(records[2].metric, "avg");
        assert_eq!(
            (records[3].model.as_str(), records[3].hub_id.as_ref()),
            ("GPT-4", None)
        );
    }

    /// Counts checked independently with Python's csv module: 45 rows, 42 with a Hub id, 308
    /// scores over 4k..128k and avg (empty, `TBD` and `-` cells are "no score").
    #[test]
    fn real_data_ruler_counts() {
        let file = std::fs::File::open(
            super::super::shared_data().join("ruler-long-context/ruler_results.csv"),
        )
        .unwrap();
        let records = ruler_csv(file).unwrap();
        let models: std::collections::BTreeSet<&str> =
            records.iter().map(|r| r.model.as_str()).collect();
        let with_hub: std::collections::BTreeSet<&str> = records
            .iter()
            .filter(|r| r.hub_id.is_some())
            .map(|r| r.model.as_str())
            .collect();
        assert_eq!((records.len(), models.len(), with_hub.len()), (308, 45, 42));
    }
}
