//! Hub API JSON saved to a file: a JSON array of model objects (one `/api/models` response, with
//! or without `expand[]`), JSON Lines (one object per line), or a daily scraper's wrapper
//! `{"date": "YYYY-MM-DD", "fetched_at": "<RFC 3339>", "models": [...]}`.
//!
//! The file is read into memory once (saved listings are small next to a hub-stats dump; a
//! 2-million-model crawl belongs in Parquet or the store); each object is parsed by
//! [`crate::api_json::parse_model_object`] only when its chunk is read.
//!
//! The as-of time of a wrapper is its `fetched_at` (when the Hub was observed, the `t` of
//! METHODS.md §1), else its `date` at midnight UTC. `date` is the scraper's local calendar day
//! (the reference data is written in UTC+9), so it can differ from the UTC date of the fetch and
//! hides the hour; `fetched_at` does neither.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::path::Path;

use hubcensus_model::{SourceKind, Timestamp};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::api_json::{HUB_FIELDS, ModelObjectError, parse_model_object};
use crate::error::{IngestError, Location};
use crate::source::{AsOfOrigin, Body, Problem, ReadOptions, Row, SourceSnapshot};

/// The text of a JSON source and where each model object sits in it.
#[derive(Debug)]
pub(crate) struct JsonDocument {
    text: String,
    elements: Vec<(Location, Range<usize>)>,
}

impl JsonDocument {
    pub(crate) fn into_rows(self, batch_size: usize) -> JsonRows {
        JsonRows {
            document: self,
            next: 0,
            batch_size: batch_size.max(1),
        }
    }
}

pub(crate) struct JsonRows {
    document: JsonDocument,
    next: usize,
    batch_size: usize,
}

impl JsonRows {
    pub(crate) fn next_batch(&mut self) -> Option<Result<Vec<Row>, IngestError>> {
        let elements = &self.document.elements;
        if self.next >= elements.len() {
            return None;
        }
        let end = (self.next + self.batch_size).min(elements.len());
        let rows = elements[self.next..end]
            .iter()
            .map(|(location, range)| Row {
                location: *location,
                record: parse_model_object(&self.document.text[range.clone()])
                    .map_err(|error| problem(&error)),
            })
            .collect();
        self.next = end;
        Some(Ok(rows))
    }
}

fn problem(error: &ModelObjectError) -> Problem {
    match error {
        ModelObjectError::MissingId => {
            Problem::new("id", "missing (nor legacy `modelId`)".to_owned())
        }
        ModelObjectError::Id(source) => Problem::new("id", source.to_string()),
        ModelObjectError::Timestamp { field, value } => {
            Problem::new(*field, format!("invalid timestamp {value:?}"))
        }
        ModelObjectError::Gated { value } => Problem::new(
            "gated",
            format!("expected false, \"auto\" or \"manual\", got {value}"),
        ),
        ModelObjectError::Json(_) => {
            let mut reason = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                reason.push_str(": ");
                reason.push_str(&cause.to_string());
                source = cause.source();
            }
            Problem::new("(object)", reason)
        }
    }
}

#[derive(Deserialize)]
struct Wrapper<'a> {
    #[serde(borrow, default)]
    models: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    date: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    fetched_at: Option<Cow<'a, str>>,
}

/// The byte range of a borrowed sub-slice of `text`.
fn range_in(text: &str, part: &str) -> Range<usize> {
    let start = part.as_ptr() as usize - text.as_ptr() as usize;
    start..start + part.len()
}

/// Non-empty lines (a trailing `\r` dropped), 1-based line numbers.
fn lines(text: &str) -> Vec<(Location, Range<usize>)> {
    let mut elements = Vec::new();
    let mut start = 0;
    for (index, line) in text.split('\n').enumerate() {
        let content = line.strip_suffix('\r').unwrap_or(line);
        if !content.trim().is_empty() {
            elements.push((
                Location::Line(index as u64 + 1),
                start..start + content.len(),
            ));
        }
        start += line.len() + 1;
    }
    elements
}

/// Whether the first non-empty line is a complete JSON model object (it has an id and is not a
/// wrapper).
fn looks_like_lines(text: &str) -> bool {
    let Some(first) = text.lines().find(|line| !line.trim().is_empty()) else {
        return false;
    };
    serde_json::from_str::<HashMap<Cow<'_, str>, &RawValue>>(first).is_ok_and(|object| {
        !object.contains_key("models")
            && (object.contains_key("id") || object.contains_key("modelId"))
    })
}

/// Opens a JSON source; `lines` forces JSON Lines (`Some(true)`) or a single document
/// (`Some(false)`), `None` detects.
pub(crate) fn open(
    path: &Path,
    options: &ReadOptions,
    lines_hint: Option<bool>,
) -> Result<SourceSnapshot, IngestError> {
    let text = std::fs::read_to_string(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })?;
    let as_lines =
        lines_hint.unwrap_or_else(|| text.trim_start().starts_with('{') && looks_like_lines(&text));
    let json_error = |source| IngestError::Json {
        path: path.to_owned(),
        source,
    };
    let mut file_date: Option<(Timestamp, &'static str)> = None;
    let mut crawl_ended = None;
    let elements = if as_lines {
        lines(&text)
    } else if text.trim_start().starts_with('[') {
        let objects: Vec<&RawValue> = serde_json::from_str(&text).map_err(json_error)?;
        objects
            .iter()
            .enumerate()
            .map(|(index, raw)| (Location::Element(index as u64), range_in(&text, raw.get())))
            .collect()
    } else {
        let wrapper: Wrapper<'_> = serde_json::from_str(&text).map_err(json_error)?;
        let field_time = |field: &'static str, value: Option<&Cow<'_, str>>| {
            value
                .map(|text| {
                    Timestamp::parse(text).map_err(|error| IngestError::Field {
                        path: path.to_owned(),
                        field: field.to_owned(),
                        reason: error.to_string(),
                    })
                })
                .transpose()
        };
        let fetched_at = field_time("fetched_at", wrapper.fetched_at.as_ref())?;
        let date = field_time("date", wrapper.date.as_ref())?;
        crawl_ended = fetched_at;
        file_date = fetched_at
            .map(|time| (time, "fetched_at"))
            .or(date.map(|time| (time, "date")));
        let Some(models) = wrapper.models else {
            return Err(IngestError::UnknownFormat {
                path: path.to_owned(),
                reason: "a JSON object without a `models` array (JSON Lines need one model object per line)".to_owned(),
            });
        };
        models
            .iter()
            .enumerate()
            .map(|(index, raw)| (Location::Element(index as u64), range_in(&text, raw.get())))
            .collect()
    };
    let (as_of, as_of_origin) = match (options.as_of, file_date) {
        (Some(as_of), _) => (as_of, AsOfOrigin::Flag),
        (None, Some((time, field))) => (time, AsOfOrigin::FileField(field)),
        (None, None) => {
            return Err(IngestError::NoAsOf {
                path: path.to_owned(),
                reason: "the file has no `fetched_at` or `date` field".to_owned(),
            });
        }
    };
    let columns = columns_present(&text, &elements);
    Ok(SourceSnapshot {
        as_of,
        as_of_origin,
        crawl_ended,
        kind: SourceKind::HubApiJson,
        path: path.to_owned(),
        columns,
        rows: elements.len() as u64,
        body: Body::Json(JsonDocument { text, elements }),
        options: options.clone(),
    })
}

/// The Hub API keys the parser maps, and the canonical columns each provides: the model object's
/// fields plus the legacy `modelId` alias of `id`.
fn mapped() -> impl Iterator<Item = &'static (&'static str, &'static [&'static str])> {
    const MODEL_ID: (&str, &[&str]) = ("modelId", &["id", "author"]);
    HUB_FIELDS.iter().chain(std::iter::once(&MODEL_ID))
}

/// A JSON source has no schema: a column is present when at least one object carries a
/// non-null value for it (the list endpoint without `expand[]` returns `lastModified: null`
/// for every model, which is absence, not data).
fn columns_present(text: &str, elements: &[(Location, Range<usize>)]) -> Vec<&'static str> {
    let mut keys: BTreeSet<&'static str> = BTreeSet::new();
    for (_, range) in elements {
        let Ok(object) =
            serde_json::from_str::<HashMap<Cow<'_, str>, &RawValue>>(&text[range.clone()])
        else {
            continue;
        };
        for (key, value) in &object {
            if value.get() == "null" {
                continue;
            }
            if let Some((name, _)) = mapped().find(|(name, _)| *name == key.as_ref()) {
                keys.insert(name);
            }
        }
        if keys.len() == HUB_FIELDS.len() + 1 {
            break;
        }
    }
    let mut columns: Vec<&'static str> = keys
        .iter()
        .flat_map(|key| {
            mapped()
                .find(|(name, _)| name == key)
                .map_or(&[][..], |(_, canonical)| *canonical)
        })
        .copied()
        .collect();
    columns.sort_unstable_by_key(|column| crate::source::canonical_position(column));
    columns.dedup();
    columns
}
