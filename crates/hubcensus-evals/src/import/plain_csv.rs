//! The plain CSV a team writes itself: a header row with `model,benchmark,metric,value,source,date`
//! (any order; `date` may be empty; extra columns are ignored).
//!
//! `model` is matched to a Hub id like any other name. `benchmark` is canonicalised
//! ([`crate::benchmark::canonical`]). Every row must have a model, a benchmark, a numeric value and
//! a source: a team's own file is strict, and an error names the line.

use std::io::Read;

use hubcensus_model::Timestamp;

use super::{column, csv_error, line_of, parse_score};
use crate::benchmark::canonical;
use crate::{EvalRecord, EvalsError};

const FORMAT: &str = "csv";

pub fn plain_csv(reader: impl Read) -> Result<Vec<EvalRecord>, EvalsError> {
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = csv.headers().map_err(csv_error(FORMAT))?.clone();
    let lowered = csv::StringRecord::from(
        headers
            .iter()
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>(),
    );
    let [model, benchmark, metric, value, source, date] =
        ["model", "benchmark", "metric", "value", "source", "date"]
            .map(|name| column(&lowered, FORMAT, name));
    let (model, benchmark, metric, value, source, date) =
        (model?, benchmark?, metric?, value?, source?, date?);
    let mut records = Vec::new();
    for row in csv.records() {
        let row = row.map_err(csv_error(FORMAT))?;
        let line = line_of(&row);
        let error = |message: String| EvalsError::Parse {
            format: FORMAT,
            line,
            message,
        };
        let cell = |index: usize| row.get(index).unwrap_or_default();
        for (index, name) in [
            (model, "model"),
            (benchmark, "benchmark"),
            (source, "source"),
        ] {
            if cell(index).is_empty() {
                return Err(error(format!("empty {name}")));
            }
        }
        let score = parse_score(cell(value))
            .map_err(error)?
            .ok_or_else(|| error("empty value".into()))?;
        let date = match cell(date) {
            "" => None,
            text => Some(
                Timestamp::parse(text)
                    .map_err(|problem| error(problem.to_string()))?
                    .date_string(),
            ),
        };
        records.push(EvalRecord {
            matched: None,
            model: cell(model).to_owned(),
            hub_id: None,
            benchmark: canonical(cell(benchmark)),
            metric: match cell(metric) {
                "" => "score".to_owned(),
                metric => metric.to_owned(),
            },
            value: score,
            setting: None,
            higher_is_better: true,
            source: cell(source).to_owned(),
            date,
            format: FORMAT.to_owned(),
        });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_records() {
        let text = "Model,Benchmark,Metric,Value,Source,Date,Notes\n\
                    acme/chat-8b,gpqa (0-shot),accuracy,41.5,our harness v3,2026-03-01,x\n\
                    acme/chat-8b,RULER,,88,our harness v3,,\n";
        let records = plain_csv(text.as_bytes()).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(
            (
                records[0].benchmark.as_str(),
                records[0].metric.as_str(),
                records[0].value
            ),
            ("GPQA", "accuracy", 41.5)
        );
        assert_eq!(records[0].date.as_deref(), Some("2026-03-01"));
        assert_eq!(
            (records[1].metric.as_str(), records[1].date.as_ref()),
            ("score", None)
        );
    }

    #[test]
    fn mistakes_name_the_line() {
        let header = "model,benchmark,metric,value,source,date\n";
        let cases = [
            ("a/b,GPQA,acc,,src,\n", "csv input, line 2: empty value"),
            (
                "a/b,GPQA,acc,high,src,\n",
                "csv input, line 2: score \"high\" is not a number",
            ),
            (",GPQA,acc,1,src,\n", "csv input, line 2: empty model"),
            ("a/b,GPQA,acc,1,,\n", "csv input, line 2: empty source"),
            (
                "a/b,GPQA,acc,1,src,March\n",
                "csv input, line 2: invalid timestamp \"March\" (expected RFC 3339, e.g. 2026-08-23T00:00:00Z, or a date YYYY-MM-DD)",
            ),
        ];
        for (row, message) in cases {
            let text = format!("{header}{row}");
            assert_eq!(
                plain_csv(text.as_bytes()).unwrap_err().to_string(),
                message,
                "{row}"
            );
        }
        assert_eq!(
            plain_csv("model,benchmark,value\n".as_bytes())
                .unwrap_err()
                .to_string(),
            "csv input: missing column \"metric\""
        );
    }
}
