//! A writer of hub-stats-schema `models.parquet` files: for test fixtures, the demo world
//! (`hubcensus demo --write-parquet`) and the import benchmark.
//!
//! The columns and types are upstream's (`cfahlgren1/hub-stats`, plus its `_id` and `gated`):
//! `_id, id, author, createdAt, lastModified` (timestamp\[us\], no zone, UTC), `downloads,
//! downloadsAllTime, likes` (int64), `trendingScore` (double), `tags` (list<string>),
//! `pipeline_tag, library_name, gated` (string), `cardData` (JSON string), `safetensors`
//! (struct<total: int64>), `gguf` (JSON string), `baseModels` (struct<relation: string, models:
//! list<struct<_id: string, id: string>>>). What a [`ModelRecord`] does not know is not invented:
//! `safetensors` has no per-dtype `parameters`, `gguf` is always null (a record's parameter count
//! is written as `safetensors.total`), a parent's `_id` is null where the record has none, and
//! `baseModels` is written only for lineage that came from `baseModels` (tag lineage is
//! re-derived from the tags on reading).
//!
//! A subset of the columns can be written (to make fixtures of older schema eras).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    Float64Builder, Int64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, ListArray, RecordBatch, StringArray, StructArray};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use hubcensus_model::{Gated, LineageSource, ModelRecord};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::error::IngestError;

/// Every column the writer can write, in upstream's order.
pub const HUB_STATS_COLUMNS: [&str; 17] = [
    "_id",
    "id",
    "author",
    "createdAt",
    "lastModified",
    "downloads",
    "downloadsAllTime",
    "likes",
    "trendingScore",
    "tags",
    "pipeline_tag",
    "library_name",
    "gated",
    "cardData",
    "safetensors",
    "gguf",
    "baseModels",
];

/// Rows per row group, as `DuckDB` writes them (readers parallelize and skip by row group).
const ROW_GROUP_ROWS: usize = 122_880;

fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("element", item, true)))
}

fn parent_fields() -> Fields {
    Fields::from(vec![
        Field::new("_id", DataType::Utf8, true),
        Field::new("id", DataType::Utf8, true),
    ])
}

fn data_type(column: &str) -> DataType {
    match column {
        "createdAt" | "lastModified" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "downloads" | "downloadsAllTime" | "likes" => DataType::Int64,
        "trendingScore" => DataType::Float64,
        "tags" => list_of(DataType::Utf8),
        "safetensors" => DataType::Struct(Fields::from(vec![Field::new(
            "total",
            DataType::Int64,
            true,
        )])),
        "baseModels" => DataType::Struct(Fields::from(vec![
            Field::new("relation", DataType::Utf8, true),
            Field::new("models", list_of(DataType::Struct(parent_fields())), true),
        ])),
        _ => DataType::Utf8,
    }
}

/// A streaming writer: records go in by slices, one record batch per slice, row groups of
/// about 122,880 rows, zstd.
pub struct HubStatsWriter {
    path: PathBuf,
    schema: SchemaRef,
    writer: ArrowWriter<File>,
}

impl std::fmt::Debug for HubStatsWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubStatsWriter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl HubStatsWriter {
    /// Creates `path` with every column of [`HUB_STATS_COLUMNS`].
    pub fn create(path: &Path) -> Result<Self, IngestError> {
        Self::with_columns(path, &HUB_STATS_COLUMNS)
    }

    /// Creates `path` with only the given upstream columns (in upstream order; `id` is always
    /// written). Unknown names are a schema error.
    pub fn with_columns(path: &Path, columns: &[&str]) -> Result<Self, IngestError> {
        if let Some(unknown) = columns.iter().find(|c| !HUB_STATS_COLUMNS.contains(c)) {
            return Err(IngestError::Schema {
                path: path.to_owned(),
                column: (*unknown).to_owned(),
                reason: "not a hub-stats column this writer knows".to_owned(),
            });
        }
        let fields: Vec<Field> = HUB_STATS_COLUMNS
            .iter()
            .filter(|name| **name == "id" || columns.contains(name))
            .map(|name| Field::new(*name, data_type(name), *name != "id"))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let file = File::create(path).map_err(|source| IngestError::Io {
            path: path.to_owned(),
            source,
        })?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default()))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let writer = ArrowWriter::try_new(file, Arc::clone(&schema), Some(properties))
            .map_err(|source| parquet_error(path, source))?;
        Ok(Self {
            path: path.to_owned(),
            schema,
            writer,
        })
    }

    /// Appends records.
    pub fn write(&mut self, records: &[ModelRecord]) -> Result<(), IngestError> {
        if records.is_empty() {
            return Ok(());
        }
        let columns: Vec<ArrayRef> = self
            .schema
            .fields()
            .iter()
            .map(|field| column(field.name(), records))
            .collect();
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), columns)
            .map_err(|source| parquet_error(&self.path, source))?;
        self.writer
            .write(&batch)
            .map_err(|source| parquet_error(&self.path, source))
    }

    /// Writes the footer and closes the file.
    pub fn finish(self) -> Result<(), IngestError> {
        let path = self.path;
        let file = self
            .writer
            .into_inner()
            .map_err(|source| parquet_error(&path, source))?;
        file.sync_all()
            .map_err(|source| IngestError::Io { path, source })
    }
}

/// Writes `records` to a new hub-stats-schema file at `path`, with every column.
pub fn write_hub_stats(path: &Path, records: &[ModelRecord]) -> Result<(), IngestError> {
    let mut writer = HubStatsWriter::create(path)?;
    for chunk in records.chunks(ROW_GROUP_ROWS) {
        writer.write(chunk)?;
    }
    writer.finish()
}

fn parquet_error(
    path: &Path,
    source: impl std::error::Error + Send + Sync + 'static,
) -> IngestError {
    IngestError::Parquet {
        path: path.to_owned(),
        near: None,
        source: Box::new(source),
    }
}

fn strings<'a>(
    records: &'a [ModelRecord],
    value: impl Fn(&'a ModelRecord) -> Option<&'a str>,
) -> ArrayRef {
    Arc::new(records.iter().map(value).collect::<StringArray>())
}

fn counts(records: &[ModelRecord], value: impl Fn(&ModelRecord) -> Option<u64>) -> ArrayRef {
    let mut builder = Int64Builder::with_capacity(records.len());
    for record in records {
        // Counts above i64::MAX do not occur on the Hub; they are written as null, not wrapped.
        builder.append_option(value(record).and_then(|v| i64::try_from(v).ok()));
    }
    Arc::new(builder.finish())
}

fn times(
    records: &[ModelRecord],
    value: impl Fn(&ModelRecord) -> Option<hubcensus_model::Timestamp>,
) -> ArrayRef {
    let mut builder = TimestampMicrosecondBuilder::with_capacity(records.len());
    for record in records {
        builder.append_option(value(record).map(|t| t.as_millis() * 1000));
    }
    Arc::new(builder.finish())
}

fn column(name: &str, records: &[ModelRecord]) -> ArrayRef {
    match name {
        "_id" => strings(records, |r| r.object_id.as_deref()),
        "id" => strings(records, |r| Some(r.id.as_str())),
        "author" => strings(records, ModelRecord::author),
        // Upstream writes the sentinel for unknown creation dates; a reader reads it back as
        // unknown, so an unknown `created_at` round-trips.
        "createdAt" => times(records, |r| {
            Some(r.created_at.unwrap_or(hubcensus_model::CREATED_AT_SENTINEL))
        }),
        "lastModified" => times(records, |r| r.last_modified),
        "downloads" => counts(records, |r| r.downloads_30d),
        "downloadsAllTime" => counts(records, |r| r.downloads_all_time),
        "likes" => counts(records, |r| r.likes),
        "trendingScore" => {
            let mut builder = Float64Builder::with_capacity(records.len());
            for record in records {
                builder.append_option(record.trending_score);
            }
            Arc::new(builder.finish())
        }
        "tags" => {
            let mut builder = ListBuilder::new(StringBuilder::new())
                .with_field(Arc::new(Field::new("element", DataType::Utf8, true)));
            for record in records {
                match &record.tags {
                    Some(tags) => {
                        for tag in tags {
                            builder.values().append_value(tag);
                        }
                        builder.append(true);
                    }
                    None => builder.append(false),
                }
            }
            Arc::new(builder.finish())
        }
        "pipeline_tag" => strings(records, |r| r.pipeline_tag.as_deref()),
        "library_name" => strings(records, |r| r.library_name.as_deref()),
        "gated" => strings(records, |r| {
            r.gated.map(|gated| match gated {
                Gated::No => "false",
                Gated::Auto => "auto",
                Gated::Manual => "manual",
            })
        }),
        "cardData" => strings(records, |r| r.card_data.as_deref()),
        "safetensors" => {
            let totals = counts(records, |r| r.parameters);
            let nulls = records
                .iter()
                .map(|r| r.parameters.is_some())
                .collect::<NullBuffer>();
            let fields = Fields::from(vec![Field::new("total", DataType::Int64, true)]);
            Arc::new(StructArray::new(fields, vec![totals], Some(nulls)))
        }
        "gguf" => strings(records, |_| None),
        "baseModels" => base_models(records),
        _ => unreachable!("column {name} is not in HUB_STATS_COLUMNS (a bug)"),
    }
}

fn base_models(records: &[ModelRecord]) -> ArrayRef {
    fn lineage(record: &ModelRecord) -> Option<&hubcensus_model::Lineage> {
        record
            .lineage
            .as_ref()
            .filter(|lineage| lineage.source == LineageSource::BaseModels)
    }
    let relations: StringArray = records
        .iter()
        .map(|record| lineage(record).map(|l| l.relation.as_str()))
        .collect();
    let mut offsets = Vec::with_capacity(records.len() + 1);
    offsets.push(0i32);
    let mut parent_ids = Vec::new();
    let mut parent_object_ids = Vec::new();
    for record in records {
        if let Some(lineage) = lineage(record) {
            for (id, object_id) in lineage.parents_with_object_ids() {
                parent_ids.push(Some(id.as_str()));
                parent_object_ids.push(object_id);
            }
        }
        offsets.push(parent_ids.len() as i32);
    }
    let parents = StructArray::new(
        parent_fields(),
        vec![
            Arc::new(parent_object_ids.into_iter().collect::<StringArray>()),
            Arc::new(parent_ids.into_iter().collect::<StringArray>()),
        ],
        None,
    );
    let present = records
        .iter()
        .map(|r| lineage(r).is_some())
        .collect::<NullBuffer>();
    let models = ListArray::new(
        Arc::new(Field::new(
            "element",
            DataType::Struct(parent_fields()),
            true,
        )),
        OffsetBuffer::new(offsets.into()),
        Arc::new(parents),
        Some(present.clone()),
    );
    let DataType::Struct(fields) = data_type("baseModels") else {
        unreachable!("baseModels is a struct")
    };
    Arc::new(StructArray::new(
        fields,
        vec![Arc::new(relations), Arc::new(models)],
        Some(present),
    ))
}
