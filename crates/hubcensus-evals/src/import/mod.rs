//! Importers: each turns one published format into [`EvalRecord`]s. Parsers work on text or a
//! reader and never touch the filesystem; [`read_path`] is the one function that does, walking a
//! directory of EEE JSON files in sorted order.

mod eee;
mod leaderboard;
mod model_index;
mod mteb;
mod plain_csv;
mod ruler;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use eee::eee_json;
pub use leaderboard::open_llm_leaderboard;
pub use model_index::{ModelIndexScan, model_index};
pub use mteb::mteb_csv;
pub use plain_csv::plain_csv;
pub use ruler::ruler_csv;

use crate::{EvalRecord, EvalsError};

/// The formats `hubcensus evals import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// The Open LLM Leaderboard v2 contents table as CSV (`fullname`, `IFEval`, `BBH`, ...).
    OpenLlmLeaderboard,
    /// Every Eval Ever JSON (schema 0.2): one file per evaluation run, or a directory of them.
    Eee,
    /// RULER's results table as CSV (`model`, `hf_id`, `4k` ... `128k`, `avg`).
    Ruler,
    /// The MTEB leaderboard as CSV: a `Model` column (names without namespace) and one column per task.
    Mteb,
    /// A plain CSV a team writes: `model,benchmark,metric,value,source,date`.
    Csv,
}

impl Format {
    pub const ALL: [Self; 5] = [
        Self::OpenLlmLeaderboard,
        Self::Eee,
        Self::Ruler,
        Self::Mteb,
        Self::Csv,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OpenLlmLeaderboard => "open-llm-leaderboard",
            Self::Eee => "eee",
            Self::Ruler => "ruler",
            Self::Mteb => "mteb",
            Self::Csv => "csv",
        }
    }

    /// Guesses the format from a file's header line (CSV) or its extension / being a directory
    /// (EEE JSON). `None` when it cannot tell.
    #[must_use]
    pub fn sniff(path: &Path, first_line: &str) -> Option<Self> {
        if path.is_dir()
            || path
                .extension()
                .is_some_and(|extension| extension.eq_ignore_ascii_case("json"))
        {
            return Some(Self::Eee);
        }
        let columns: Vec<&str> = first_line
            .trim_start_matches('\u{feff}')
            .trim_end()
            .split(',')
            .map(str::trim)
            .collect();
        let has = |name: &str| {
            columns
                .iter()
                .any(|column| column.eq_ignore_ascii_case(name))
        };
        if has("fullname") && has("IFEval") {
            Some(Self::OpenLlmLeaderboard)
        } else if has("hf_id") && has("effective_length") {
            Some(Self::Ruler)
        } else if has("model") && has("benchmark") && has("metric") && has("value") {
            Some(Self::Csv)
        } else if columns.get(1) == Some(&"Model") && columns.len() > 3 {
            Some(Self::Mteb)
        } else {
            None
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|format| format.as_str() == text)
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(|format| format.as_str()).collect();
                format!("unknown format {text:?} (known: {})", known.join(", "))
            })
    }
}

/// Reads `path` (a file, or for EEE a directory searched recursively for `*.json`, in sorted
/// order) in the given format, or the sniffed one. Returns the format used and the records.
pub fn read_path(
    path: &Path,
    format: Option<Format>,
) -> Result<(Format, Vec<EvalRecord>), EvalsError> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|source| EvalsError::Read {
            path: path.to_owned(),
            source,
        })
    };
    let format = if let Some(format) = format {
        format
    } else {
        let first_line = if path.is_dir() {
            String::new()
        } else {
            read(path)?.lines().next().unwrap_or_default().to_owned()
        };
        Format::sniff(path, &first_line).ok_or_else(|| EvalsError::UnknownFormat {
            path: path.to_owned(),
        })?
    };
    let records = match format {
        Format::Eee => {
            let mut files = Vec::new();
            collect_json_files(path, &mut files)?;
            let mut records = Vec::new();
            for file in files {
                records.extend(eee_json(&read(&file)?)?);
            }
            records
        }
        Format::OpenLlmLeaderboard => open_llm_leaderboard(read(path)?.as_bytes())?,
        Format::Ruler => ruler_csv(read(path)?.as_bytes())?,
        Format::Mteb => mteb_csv(read(path)?.as_bytes())?,
        Format::Csv => plain_csv(read(path)?.as_bytes())?,
    };
    Ok((format, records))
}

fn collect_json_files(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), EvalsError> {
    if !path.is_dir() {
        files.push(path.to_owned());
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|source| EvalsError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut children: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    children.sort();
    for child in children {
        if child.is_dir() {
            collect_json_files(&child, files)?;
        } else if child
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("json"))
        {
            files.push(child);
        }
    }
    Ok(())
}

/// Parses a score cell: empty, `TBD`, `-`, `NaN` are "no score" (`Ok(None)`); anything else must
/// be a finite number.
pub(crate) fn parse_score(cell: &str) -> Result<Option<f64>, String> {
    let cell = cell.trim();
    if cell.is_empty()
        || cell.eq_ignore_ascii_case("tbd")
        || cell == "-"
        || cell.eq_ignore_ascii_case("nan")
    {
        return Ok(None);
    }
    match cell.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(Some(value)),
        _ => Err(format!("score {cell:?} is not a number")),
    }
}

/// The score in cell `index` of `row` (see [`parse_score`]); a cell that is not a number is an
/// [`EvalsError::Parse`] naming `format` and the row's line.
pub(crate) fn score_cell(
    row: &csv::StringRecord,
    index: usize,
    format: &'static str,
) -> Result<Option<f64>, EvalsError> {
    parse_score(row.get(index).unwrap_or_default()).map_err(|message| EvalsError::Parse {
        format,
        line: line_of(row),
        message,
    })
}

/// The line of `row` in its file (1-based; 0 when the reader does not know).
pub(crate) fn line_of(row: &csv::StringRecord) -> u64 {
    row.position().map_or(0, csv::Position::line)
}

/// The index of a CSV column, or a [`EvalsError::MissingColumn`].
pub(crate) fn column(
    headers: &csv::StringRecord,
    format: &'static str,
    name: &str,
) -> Result<usize, EvalsError> {
    headers
        .iter()
        .position(|header| header.trim_start_matches('\u{feff}').trim() == name)
        .ok_or_else(|| EvalsError::MissingColumn {
            format,
            column: name.to_owned(),
        })
}

pub(crate) fn csv_error(format: &'static str) -> impl Fn(csv::Error) -> EvalsError {
    move |source| EvalsError::Csv { format, source }
}

#[cfg(test)]
pub(crate) fn shared_data() -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    assert!(
        path.is_dir(),
        "real test data not found at {}",
        path.display()
    );
    path
}
