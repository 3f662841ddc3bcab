//! A table's columns declared once: each column's name, Arrow type, unit and how a row gives
//! its value. The same declaration builds the Arrow schema, the `RecordBatch` and the column
//! list docs/exports.md is checked against, so the three cannot drift apart.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use hubcensus_model::Timestamp;

use crate::QueryError;

/// The Arrow types exports use: nothing else reaches a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Int64: counts, ranks, sizes.
    Int,
    /// Float64: fractions (0 to 1), days, indices.
    Float,
    /// Utf8.
    Text,
    /// Boolean.
    Bool,
    /// Timestamp(ms, UTC).
    Time,
}

impl Kind {
    #[must_use]
    pub fn data_type(self) -> DataType {
        match self {
            Self::Int => DataType::Int64,
            Self::Float => DataType::Float64,
            Self::Text => DataType::Utf8,
            Self::Bool => DataType::Boolean,
            Self::Time => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        }
    }

    /// The type as docs/exports.md writes it.
    #[must_use]
    pub const fn doc_name(self) -> &'static str {
        match self {
            Self::Int => "int64",
            Self::Float => "float64",
            Self::Text => "string",
            Self::Bool => "bool",
            Self::Time => "timestamp[ms, UTC]",
        }
    }
}

/// One column as documented: name, type, whether it may be null, and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnDoc {
    pub name: &'static str,
    pub kind: Kind,
    pub nullable: bool,
    /// What the value is, with its unit.
    pub about: &'static str,
}

type Getter<'a, R, T> = Box<dyn Fn(&R) -> Option<T> + 'a>;

enum Value<'a, R> {
    Int(Getter<'a, R, i64>),
    Float(Getter<'a, R, f64>),
    Text(Getter<'a, R, String>),
    Bool(Getter<'a, R, bool>),
    Time(Getter<'a, R, Timestamp>),
}

/// The columns of one table over rows of type `R`.
pub struct Columns<'a, R> {
    columns: Vec<(ColumnDoc, Value<'a, R>)>,
}

/// A count as Int64 (no count the store holds comes near 2^63).
pub(crate) fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl<'a, R> Columns<'a, R> {
    pub fn new() -> Self {
        Self {
            columns: Vec::new(),
        }
    }

    fn push(mut self, doc: ColumnDoc, value: Value<'a, R>) -> Self {
        self.columns.push((doc, value));
        self
    }

    fn doc(name: &'static str, kind: Kind, nullable: bool, about: &'static str) -> ColumnDoc {
        ColumnDoc {
            name,
            kind,
            nullable,
            about,
        }
    }

    /// A count that is always there.
    pub fn count(
        self,
        name: &'static str,
        about: &'static str,
        get: impl Fn(&R) -> u64 + 'a,
    ) -> Self {
        let doc = Self::doc(name, Kind::Int, false, about);
        self.push(doc, Value::Int(Box::new(move |row| Some(int(get(row))))))
    }

    /// An integer that may be missing (null).
    pub fn int(
        self,
        name: &'static str,
        about: &'static str,
        get: impl Fn(&R) -> Option<i64> + 'a,
    ) -> Self {
        let doc = Self::doc(name, Kind::Int, true, about);
        self.push(doc, Value::Int(Box::new(get)))
    }

    /// A float that may be missing (null); a non-finite value is null too.
    pub fn float(
        self,
        name: &'static str,
        about: &'static str,
        get: impl Fn(&R) -> Option<f64> + 'a,
    ) -> Self {
        let doc = Self::doc(name, Kind::Float, true, about);
        self.push(
            doc,
            Value::Float(Box::new(move |row| get(row).filter(|v| v.is_finite()))),
        )
    }

    /// A float that is always there (a non-finite value is a bug, reported by [`Self::batch`]).
    pub fn number(
        self,
        name: &'static str,
        about: &'static str,
        get: impl Fn(&R) -> f64 + 'a,
    ) -> Self {
        let doc = Self::doc(name, Kind::Float, false, about);
        self.push(
            doc,
            Value::Float(Box::new(move |row| {
                Some(get(row)).filter(|v| v.is_finite())
            })),
        )
    }

    /// Text that is always there.
    pub fn text(
        self,
        name: &'static str,
        about: &'static str,
        get: impl Fn(&R) -> String + 'a,
    ) -> Self {
        let doc = Self::doc(name, Kind::Text, false, about);
        self.push(doc, Value::Text(Box::new(move |row| Some(get(row)))))
    }

    /// Text that may be missing (null).
    pub fn opt_text(
        self,
        name: &'static str,
        about: &'static str,
        get: impl Fn(&R) -> Option<String> + 'a,
    ) -> Self {
        let doc = Self::doc(name, Kind::Text, true, about);
        self.push(doc, Value::Text(Box::new(get)))
    }

    pub fn flag(
        self,
        name: &'static str,
        about: &'static str,
        get: impl Fn(&R) -> bool + 'a,
    ) -> Self {
        let doc = Self::doc(name, Kind::Bool, false, about);
        self.push(doc, Value::Bool(Box::new(move |row| Some(get(row)))))
    }

    pub fn time(
        self,
        name: &'static str,
        about: &'static str,
        get: impl Fn(&R) -> Timestamp + 'a,
    ) -> Self {
        let doc = Self::doc(name, Kind::Time, false, about);
        self.push(doc, Value::Time(Box::new(move |row| Some(get(row)))))
    }

    pub fn opt_time(
        self,
        name: &'static str,
        about: &'static str,
        get: impl Fn(&R) -> Option<Timestamp> + 'a,
    ) -> Self {
        let doc = Self::doc(name, Kind::Time, true, about);
        self.push(doc, Value::Time(Box::new(get)))
    }

    /// The documented columns, in order.
    pub fn docs(&self) -> Vec<ColumnDoc> {
        self.columns.iter().map(|(doc, _)| *doc).collect()
    }

    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|(doc, _)| Field::new(doc.name, doc.kind.data_type(), doc.nullable))
                .collect::<Vec<_>>(),
        ))
    }

    /// The rows as one batch. A declared non-null column that a row leaves empty is a bug.
    pub fn batch(&self, rows: &[R]) -> Result<RecordBatch, QueryError> {
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
        for (doc, value) in &self.columns {
            let missing = |present: bool| {
                if present || doc.nullable {
                    Ok(())
                } else {
                    Err(QueryError::Bug(format!(
                        "export column {} is declared non-null but a row has no value",
                        doc.name
                    )))
                }
            };
            let array: ArrayRef = match value {
                Value::Int(get) => {
                    let mut builder = Int64Builder::with_capacity(rows.len());
                    for row in rows {
                        let v = get(row);
                        missing(v.is_some())?;
                        builder.append_option(v);
                    }
                    Arc::new(builder.finish())
                }
                Value::Float(get) => {
                    let mut builder = Float64Builder::with_capacity(rows.len());
                    for row in rows {
                        let v = get(row);
                        missing(v.is_some())?;
                        builder.append_option(v);
                    }
                    Arc::new(builder.finish())
                }
                Value::Text(get) => {
                    let mut builder = StringBuilder::new();
                    for row in rows {
                        let v = get(row);
                        missing(v.is_some())?;
                        builder.append_option(v);
                    }
                    Arc::new(builder.finish())
                }
                Value::Bool(get) => {
                    let mut builder = BooleanBuilder::with_capacity(rows.len());
                    for row in rows {
                        let v = get(row);
                        missing(v.is_some())?;
                        builder.append_option(v);
                    }
                    Arc::new(builder.finish())
                }
                Value::Time(get) => {
                    let mut builder =
                        TimestampMillisecondBuilder::with_capacity(rows.len()).with_timezone("UTC");
                    for row in rows {
                        let v = get(row);
                        missing(v.is_some())?;
                        builder.append_option(v.map(Timestamp::as_millis));
                    }
                    Arc::new(builder.finish())
                }
            };
            arrays.push(array);
        }
        RecordBatch::try_new(self.schema(), arrays)
            .map_err(|error| QueryError::Bug(format!("cannot assemble an export batch: {error}")))
    }
}
