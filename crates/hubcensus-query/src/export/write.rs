//! Writing an export batch: Parquet (zstd), CSV (RFC 4180, a header row) or JSON Lines.
//!
//! Every format carries the same values: numbers as numbers (never rounded, never a `%`), null
//! for a missing value (an empty CSV field, JSON `null`), times in UTC (Parquet: timestamp[ms,
//! UTC]; CSV and JSON: RFC 3339 text such as `2026-08-23T00:00:00Z`, which `DuckDB`, Polars and
//! pandas parse as times).

use std::io::Write;
use std::str::FromStr;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, TimestampMillisecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use hubcensus_model::Timestamp;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

/// An export file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Apache Parquet, zstd-compressed, with the Arrow schema embedded.
    Parquet,
    /// RFC 4180 CSV with a header row and `\n` line ends.
    Csv,
    /// JSON Lines: one object per row, keys in column order.
    Json,
}

impl Format {
    pub const ALL: [Self; 3] = [Self::Parquet, Self::Csv, Self::Json];

    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Parquet => "parquet",
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }

    /// The usual file extension.
    #[must_use]
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Parquet => "parquet",
            Self::Csv => "csv",
            Self::Json => "jsonl",
        }
    }

    /// The media type a server answers with.
    #[must_use]
    pub const fn media_type(self) -> &'static str {
        match self {
            Self::Parquet => "application/vnd.apache.parquet",
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/x-ndjson",
        }
    }

    /// Whether the output is binary (never written to a terminal).
    #[must_use]
    pub const fn is_binary(self) -> bool {
        matches!(self, Self::Parquet)
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "parquet" => Ok(Self::Parquet),
            "csv" => Ok(Self::Csv),
            "json" | "jsonl" | "ndjson" => Ok(Self::Json),
            _ => Err(format!(
                "unknown export format {text:?}: expected parquet, csv or json"
            )),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Writing an export failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write the export")]
    Io(#[from] std::io::Error),
    #[error("cannot encode the export as Parquet")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("cannot encode the export as CSV")]
    Csv(#[from] csv::Error),
    #[error("bug: export column {column} has type {data_type}, which no writer handles")]
    UnsupportedType { column: String, data_type: String },
}

/// Writes `batch` to `out` in `format`. `out` is written whole or the error says why; the caller
/// makes a file appear atomically (a temporary file renamed into place).
pub fn write(
    batch: &RecordBatch,
    format: Format,
    out: impl Write + Send,
) -> Result<(), WriteError> {
    match format {
        Format::Parquet => write_parquet(batch, out),
        Format::Csv => write_csv(batch, out),
        Format::Json => write_json_lines(batch, out),
    }
}

fn write_parquet(batch: &RecordBatch, out: impl Write + Send) -> Result<(), WriteError> {
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut writer = ArrowWriter::try_new(out, batch.schema(), Some(properties))?;
    writer.write(batch)?;
    // `into_inner` writes the footer and hands the writer back, so its buffer is flushed here
    // (a buffered writer's flush on drop would swallow an error).
    writer.into_inner()?.flush()?;
    Ok(())
}

/// One cell as the text formats carry it; `None` is null.
enum Cell<'a> {
    Null,
    Int(i64),
    Float(f64),
    Text(&'a str),
    Bool(bool),
    Time(Timestamp),
}

fn cell<'a>(column: &'a dyn Array, row: usize, name: &str) -> Result<Cell<'a>, WriteError> {
    if column.is_null(row) {
        return Ok(Cell::Null);
    }
    Ok(match column.data_type() {
        DataType::Int64 => Cell::Int(column.as_primitive::<Int64Type>().value(row)),
        DataType::Float64 => Cell::Float(column.as_primitive::<Float64Type>().value(row)),
        DataType::Utf8 => Cell::Text(column.as_string::<i32>().value(row)),
        DataType::Boolean => Cell::Bool(column.as_boolean().value(row)),
        DataType::Timestamp(arrow_schema::TimeUnit::Millisecond, _) => Cell::Time(
            Timestamp::from_millis(column.as_primitive::<TimestampMillisecondType>().value(row)),
        ),
        other => {
            return Err(WriteError::UnsupportedType {
                column: name.to_owned(),
                data_type: other.to_string(),
            });
        }
    })
}

/// A float as the shortest text that reads back to the same value (Rust's `Display`).
fn float_text(value: f64) -> String {
    if value.is_finite() {
        format!("{value}")
    } else {
        String::new()
    }
}

fn write_csv(batch: &RecordBatch, out: impl Write) -> Result<(), WriteError> {
    let schema = batch.schema();
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    writer.write_record(schema.fields().iter().map(|field| field.name().as_str()))?;
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let mut record: Vec<String> = Vec::with_capacity(batch.num_columns());
    for row in 0..batch.num_rows() {
        record.clear();
        for (column, name) in batch.columns().iter().zip(&names) {
            record.push(match cell(column.as_ref(), row, name)? {
                Cell::Null => String::new(),
                Cell::Int(value) => value.to_string(),
                Cell::Float(value) => float_text(value),
                Cell::Text(value) => value.to_owned(),
                Cell::Bool(value) => value.to_string(),
                Cell::Time(value) => value.to_string(),
            });
        }
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok(())
}

fn write_json_lines(batch: &RecordBatch, mut out: impl Write) -> Result<(), WriteError> {
    let schema = batch.schema();
    let keys: Vec<String> = schema
        .fields()
        .iter()
        .map(|field| serde_json::Value::from(field.name().as_str()).to_string())
        .collect();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let mut line = String::new();
    for row in 0..batch.num_rows() {
        line.clear();
        line.push('{');
        for (index, column) in batch.columns().iter().enumerate() {
            if index > 0 {
                line.push(',');
            }
            line.push_str(&keys[index]);
            line.push(':');
            match cell(column.as_ref(), row, names[index])? {
                Cell::Null => line.push_str("null"),
                Cell::Int(value) => line.push_str(&value.to_string()),
                Cell::Float(value) => line.push_str(
                    &serde_json::Number::from_f64(value)
                        .map_or_else(|| "null".to_owned(), |n| n.to_string()),
                ),
                Cell::Text(value) => line.push_str(&serde_json::Value::from(value).to_string()),
                Cell::Bool(value) => line.push_str(if value { "true" } else { "false" }),
                Cell::Time(value) => {
                    line.push_str(&serde_json::Value::from(value.to_string()).to_string());
                }
            }
        }
        line.push_str("}\n");
        out.write_all(line.as_bytes())?;
    }
    out.flush()?;
    Ok(())
}
