//! The hub-stats `models.parquet` reader (the schema of the `cfahlgren1/hub-stats` dataset, one
//! file per snapshot; a weekly archive holds one such file per week).
//!
//! Only the columns mapped to a [`ModelRecord`] are decoded: the projection selects their leaf
//! columns and nothing else (upstream's `siblings`, `config`, `transformersInfo`, `widgetData`,
//! and `safetensors.parameters` are never read from disk). Rows arrive in record batches, so
//! memory is bounded by the batch size and one row group's compressed pages, whatever the file
//! size.
//!
//! Which canonical columns a snapshot has is read from the file's schema: an era without
//! `downloadsAllTime` yields `None` for every record, never zero.

use crate::api_json::{CardFields, HUB_FIELDS, StringOrList};
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::{Array, GenericListArray, RecordBatch, StructArray};
use arrow_schema::{DataType, Schema};
use hubcensus_model::{Gated, Lineage, ModelId, ModelRecord, Timestamp};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use serde::Deserialize;

use crate::api_json::lineage_from_base_models;
use crate::arrow_columns::{
    Flags, Floats, Integers, StringLists, Strings, Timestamps, child, is_float, is_integer,
    is_string, is_string_list, is_timestamp, struct_child,
};
use crate::error::{IngestError, Location};
use crate::source::{Problem, Row};

/// What the schema check found: the canonical columns present.
#[derive(Debug)]
pub(crate) struct Inspection {
    pub(crate) columns: Vec<&'static str>,
    pub(crate) rows: u64,
}

fn open_builder(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>, IngestError> {
    let file = File::open(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })?;
    ParquetRecordBatchReaderBuilder::try_new(file).map_err(|source| IngestError::Parquet {
        path: path.to_owned(),
        near: None,
        source: Box::new(source),
    })
}

/// Reads the footer and checks that every mapped column present has a type the reader reads.
pub(crate) fn inspect(path: &Path) -> Result<Inspection, IngestError> {
    let builder = open_builder(path)?;
    let columns = check_schema(path, builder.schema())?;
    let rows = builder.metadata().file_metadata().num_rows().max(0) as u64;
    Ok(Inspection { columns, rows })
}

fn check_schema(path: &Path, schema: &Schema) -> Result<Vec<&'static str>, IngestError> {
    let schema_error = |column: &str, reason: String| IngestError::Schema {
        path: path.to_owned(),
        column: column.to_owned(),
        reason,
    };
    let mut present: Vec<&'static str> = Vec::new();
    let mut has_id = false;
    for (name, canonical) in HUB_FIELDS {
        let Ok(field) = schema.field_with_name(name) else {
            continue;
        };
        let data_type = field.data_type();
        let readable = match name {
            "_id" | "id" | "pipeline_tag" | "library_name" | "cardData" => is_string(data_type),
            "createdAt" | "lastModified" => is_timestamp(data_type),
            "downloads" | "downloadsAllTime" | "likes" => is_integer(data_type),
            "trendingScore" => is_float(data_type),
            "tags" => is_string_list(data_type),
            "gated" => is_string(data_type) || *data_type == DataType::Boolean,
            "safetensors" => struct_child(data_type, "total").is_some_and(is_integer),
            "gguf" => {
                is_string(data_type) || struct_child(data_type, "total").is_some_and(is_integer)
            }
            "baseModels" => is_string(data_type) || base_models_readable(data_type),
            _ => false,
        };
        if !readable {
            return Err(schema_error(
                name,
                format!("unexpected type {data_type} for the hub-stats schema"),
            ));
        }
        has_id |= name == "id";
        present.extend_from_slice(canonical);
    }
    if !has_id {
        return Err(schema_error(
            "id",
            "missing (is this a hub-stats models.parquet?)".to_owned(),
        ));
    }
    present.sort_unstable_by_key(|column| crate::source::canonical_position(column));
    present.dedup();
    Ok(present)
}

/// `struct<relation: string, models: list<struct<_id: string, id: string>>>`.
fn base_models_readable(data_type: &DataType) -> bool {
    let relation_ok = struct_child(data_type, "relation").is_none_or(is_string);
    let models_ok = match struct_child(data_type, "models") {
        Some(DataType::List(item)) => struct_child(item.data_type(), "id").is_some_and(is_string),
        _ => false,
    };
    relation_ok && models_ok
}

/// Record batches of one file, converted to rows.
pub(crate) struct ParquetRows {
    path: PathBuf,
    reader: ParquetRecordBatchReader,
    next_row: u64,
}

impl ParquetRows {
    pub(crate) fn open(path: &Path, batch_size: usize) -> Result<Self, IngestError> {
        let builder = open_builder(path)?;
        check_schema(path, builder.schema())?;
        let schema = builder.parquet_schema();
        let leaves: Vec<usize> = schema
            .columns()
            .iter()
            .enumerate()
            .filter(|(_, column)| {
                let parts = column.path().parts();
                match parts.first().map(String::as_str) {
                    // Only the total: the per-dtype parameter counts are never decoded.
                    Some("safetensors") => parts.get(1).is_some_and(|part| part == "total"),
                    Some(root) => HUB_FIELDS.iter().any(|(name, _)| *name == root),
                    None => false,
                }
            })
            .map(|(index, _)| index)
            .collect();
        let mask = ProjectionMask::leaves(schema, leaves);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(batch_size.max(1))
            .build()
            .map_err(|source| IngestError::Parquet {
                path: path.to_owned(),
                near: None,
                source: Box::new(source),
            })?;
        Ok(Self {
            path: path.to_owned(),
            reader,
            next_row: 0,
        })
    }

    pub(crate) fn next_batch(&mut self) -> Option<Result<Vec<Row>, IngestError>> {
        let batch = match self.reader.next()? {
            Ok(batch) => batch,
            Err(source) => {
                return Some(Err(IngestError::Parquet {
                    path: self.path.clone(),
                    near: Some(self.next_row),
                    source: Box::new(source),
                }));
            }
        };
        let first = self.next_row;
        self.next_row += batch.num_rows() as u64;
        Some(convert_batch(&self.path, &batch, first))
    }
}

/// Borrowed views of one batch's columns.
struct BatchView<'a> {
    object_id: Option<Strings<'a>>,
    id: Strings<'a>,
    created_at: Option<Timestamps<'a>>,
    last_modified: Option<Timestamps<'a>>,
    downloads: Option<Integers<'a>>,
    downloads_all_time: Option<Integers<'a>>,
    likes: Option<Integers<'a>>,
    trending_score: Option<Floats<'a>>,
    tags: Option<StringLists<'a>>,
    pipeline_tag: Option<Strings<'a>>,
    library_name: Option<Strings<'a>>,
    gated: Option<Flags<'a>>,
    safetensors_total: Option<(&'a StructArray, Integers<'a>)>,
    gguf: Option<Gguf<'a>>,
    base_models: Option<BaseModels<'a>>,
    card_data: Option<Strings<'a>>,
}

enum Gguf<'a> {
    Json(Strings<'a>),
    Struct(&'a StructArray, Integers<'a>),
}

enum BaseModels<'a> {
    Json(Strings<'a>),
    Struct {
        array: &'a StructArray,
        relation: Option<Strings<'a>>,
        models: &'a GenericListArray<i32>,
        ids: Strings<'a>,
        /// The parents' `_id`s, when the struct has the field.
        object_ids: Option<Strings<'a>>,
    },
}

fn struct_total(array: &dyn Array) -> Option<(&StructArray, Integers<'_>)> {
    let array = array.as_struct_opt()?;
    Some((array, Integers::new(child(array, "total")?)?))
}

impl<'a> BatchView<'a> {
    /// `None` when a column's physical type differs from the checked schema (a bug: the schema
    /// check ran on the same file).
    fn new(batch: &'a RecordBatch) -> Option<Self> {
        let column = |name: &str| batch.column_by_name(name).map(AsRef::as_ref);
        macro_rules! optional {
            ($name:literal, $view:expr) => {
                match column($name) {
                    None => None,
                    Some(array) => Some($view(array)?),
                }
            };
        }
        Some(Self {
            object_id: optional!("_id", Strings::new),
            id: Strings::new(column("id")?)?,
            created_at: optional!("createdAt", Timestamps::new),
            last_modified: optional!("lastModified", Timestamps::new),
            downloads: optional!("downloads", Integers::new),
            downloads_all_time: optional!("downloadsAllTime", Integers::new),
            likes: optional!("likes", Integers::new),
            trending_score: optional!("trendingScore", Floats::new),
            tags: optional!("tags", StringLists::new),
            pipeline_tag: optional!("pipeline_tag", Strings::new),
            library_name: optional!("library_name", Strings::new),
            gated: optional!("gated", Flags::new),
            safetensors_total: optional!("safetensors", struct_total),
            gguf: optional!("gguf", |array: &'a dyn Array| {
                Strings::new(array)
                    .map(Gguf::Json)
                    .or_else(|| struct_total(array).map(|(s, t)| Gguf::Struct(s, t)))
            }),
            base_models: optional!("baseModels", |array: &'a dyn Array| {
                if let Some(strings) = Strings::new(array) {
                    return Some(BaseModels::Json(strings));
                }
                let array = array.as_struct_opt()?;
                let models = child(array, "models")?.as_list_opt::<i32>()?;
                let parents = models.values().as_struct_opt()?;
                let ids = Strings::new(child(parents, "id")?)?;
                let object_ids = child(parents, "_id").and_then(Strings::new);
                let relation = match child(array, "relation") {
                    None => None,
                    Some(relation) => Some(Strings::new(relation)?),
                };
                Some(BaseModels::Struct {
                    array,
                    relation,
                    models,
                    ids,
                    object_ids,
                })
            }),
            card_data: optional!("cardData", Strings::new),
        })
    }
}

fn convert_batch(path: &Path, batch: &RecordBatch, first: u64) -> Result<Vec<Row>, IngestError> {
    let view = BatchView::new(batch).ok_or_else(|| IngestError::Schema {
        path: path.to_owned(),
        column: "(batch)".to_owned(),
        reason: "a record batch's columns differ from the file schema (a bug)".to_owned(),
    })?;
    Ok((0..batch.num_rows())
        .map(|row| Row {
            location: Location::Row(first + row as u64),
            record: convert_row(&view, row),
        })
        .collect())
}

fn count(
    column: Option<Integers<'_>>,
    row: usize,
    field: &'static str,
) -> Result<Option<u64>, Problem> {
    column.map_or(Ok(None), |values| {
        values
            .count(row)
            .map_err(|value| Problem::new(field, format!("expected a count, got {value}")))
    })
}

fn time(
    column: Option<Timestamps<'_>>,
    row: usize,
    field: &'static str,
) -> Result<Option<Timestamp>, Problem> {
    column.map_or(Ok(None), |values| {
        values
            .get(row)
            .map_err(|text| Problem::new(field, format!("invalid timestamp {text:?}")))
    })
}

fn owned(column: Option<Strings<'_>>, row: usize) -> Option<String> {
    column.and_then(|values| values.get(row)).map(str::to_owned)
}

fn convert_row(view: &BatchView<'_>, row: usize) -> Result<ModelRecord, Problem> {
    let id = view
        .id
        .get(row)
        .ok_or_else(|| Problem::new("id", "null".to_owned()))?;
    let id = ModelId::new(id).map_err(|error| Problem::new("id", error.to_string()))?;
    let mut record = ModelRecord::new(id);
    record.object_id = owned(view.object_id, row).filter(|object_id| !object_id.is_empty());
    record.created_at = Timestamp::created_at(time(view.created_at, row, "createdAt")?);
    record.last_modified = time(view.last_modified, row, "lastModified")?;
    record.downloads_30d = count(view.downloads, row, "downloads")?;
    record.downloads_all_time = count(view.downloads_all_time, row, "downloadsAllTime")?;
    record.likes = count(view.likes, row, "likes")?;
    record.trending_score = view.trending_score.and_then(|values| values.get(row));
    record.tags = view.tags.and_then(|lists| {
        lists
            .get(row)
            .map(|tags| tags.map(str::to_owned).collect::<Vec<_>>())
    });
    record.pipeline_tag = owned(view.pipeline_tag, row);
    record.library_name = owned(view.library_name, row);
    record.gated = gated(view.gated, row)?;
    record.parameters = parameters(view, row)?;
    record.lineage = match &view.base_models {
        Some(base_models) => base_models_lineage(base_models, row)?,
        None => None,
    }
    .or_else(|| {
        record
            .tags
            .as_ref()
            .and_then(|tags| Lineage::from_tags(tags.iter().map(String::as_str)))
    });
    let card_data = view.card_data.and_then(|values| values.get(row));
    let card = card_data.map(card_fields).transpose()?.unwrap_or_default();
    record.license = record
        .tags
        .as_ref()
        .and_then(|tags| {
            tags.iter()
                .find_map(|tag| tag.strip_prefix("license:"))
                .map(str::to_owned)
        })
        .or_else(|| card.license.and_then(|l| l.into_list().into_iter().next()));
    record.languages = card
        .language
        .map(StringOrList::into_list)
        .filter(|list| !list.is_empty());
    record.card_data = card_data.map(str::to_owned);
    Ok(record)
}

fn gated(column: Option<Flags<'_>>, row: usize) -> Result<Option<Gated>, Problem> {
    match column {
        None => Ok(None),
        Some(Flags::Bool(values)) => Ok(values.is_valid(row).then(|| {
            if values.value(row) {
                Gated::Manual
            } else {
                Gated::No
            }
        })),
        Some(Flags::Text(values)) => match values.get(row) {
            None => Ok(None),
            Some(text) => match text.to_ascii_lowercase().as_str() {
                "false" | "no" => Ok(Some(Gated::No)),
                "auto" => Ok(Some(Gated::Auto)),
                // Older listings said `true` for gated repos before auto/manual existed.
                "manual" | "true" => Ok(Some(Gated::Manual)),
                _ => Err(Problem::new(
                    "gated",
                    format!("expected false, \"auto\" or \"manual\", got {text:?}"),
                )),
            },
        },
    }
}

#[derive(Deserialize)]
struct TotalOnly {
    #[serde(default)]
    total: Option<u64>,
}

fn parameters(view: &BatchView<'_>, row: usize) -> Result<Option<u64>, Problem> {
    if let Some((array, total)) = view.safetensors_total
        && array.is_valid(row)
        && let Some(total) = total
            .count(row)
            .map_err(|value| Problem::new("safetensors", format!("negative total {value}")))?
    {
        return Ok(Some(total));
    }
    match &view.gguf {
        None => Ok(None),
        Some(Gguf::Struct(array, total)) => {
            if !array.is_valid(row) {
                return Ok(None);
            }
            total
                .count(row)
                .map_err(|value| Problem::new("gguf", format!("negative total {value}")))
        }
        Some(Gguf::Json(strings)) => match strings.get(row) {
            None => Ok(None),
            Some(text) => serde_json::from_str::<Option<TotalOnly>>(text)
                .map(|gguf| gguf.and_then(|g| g.total))
                .map_err(|error| Problem::new("gguf", format!("invalid JSON: {error}"))),
        },
    }
}

#[derive(Deserialize)]
struct BaseModelsJson {
    #[serde(default)]
    relation: Option<String>,
    #[serde(default)]
    models: Vec<BaseModelRef>,
}

#[derive(Deserialize)]
struct BaseModelRef {
    #[serde(rename = "_id", default)]
    object_id: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

fn base_models_lineage(
    base_models: &BaseModels<'_>,
    row: usize,
) -> Result<Option<Lineage>, Problem> {
    match base_models {
        BaseModels::Struct {
            array,
            relation,
            models,
            ids,
            object_ids,
        } => {
            if !array.is_valid(row) || !models.is_valid(row) {
                return Ok(None);
            }
            let offsets = models.value_offsets();
            let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
            let relation = relation.and_then(|values| values.get(row));
            Ok(lineage_from_base_models(
                relation,
                (start..end).filter_map(|index| {
                    let object_id = object_ids.as_ref().and_then(|values| values.get(index));
                    Some((ids.get(index)?, object_id))
                }),
            ))
        }
        BaseModels::Json(strings) => match strings.get(row) {
            None => Ok(None),
            Some(text) => {
                let parsed: Option<BaseModelsJson> =
                    serde_json::from_str(text).map_err(|error| {
                        Problem::new("baseModels", format!("invalid JSON: {error}"))
                    })?;
                Ok(parsed.and_then(|base| {
                    lineage_from_base_models(
                        base.relation.as_deref(),
                        base.models
                            .iter()
                            .filter_map(|m| Some((m.id.as_deref()?, m.object_id.as_deref()))),
                    )
                }))
            }
        },
    }
}

fn card_fields(text: &str) -> Result<CardFields, Problem> {
    serde_json::from_str::<Option<CardFields>>(text)
        .map(Option::unwrap_or_default)
        .map_err(|error| Problem::new("cardData", format!("invalid JSON: {error}")))
}
