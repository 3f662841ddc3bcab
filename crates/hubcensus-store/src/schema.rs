//! The Parquet schema of a stored snapshot, and the conversions between `ModelRecord`s and
//! Arrow record batches.
//!
//! Types are chosen so `DuckDB`, Polars, pandas and Spark read the files as they are: counts are
//! `Int64` (never `UInt64`), times are `timestamp[ms, UTC]`, lists are `list<string>`. Repetitive
//! strings (author, task, library, license, relation, ...) are written as Arrow dictionaries,
//! which Parquet stores dictionary-encoded and other readers see as plain strings.

use std::sync::{Arc, LazyLock};

use arrow_array::builder::{
    Float64Builder, Int32Builder, Int64Builder, ListBuilder, StringBuilder,
    StringDictionaryBuilder, TimestampMillisecondBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type, TimestampMillisecondType};
use arrow_array::{Array, ArrayAccessor, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use hubcensus_model::{Gated, Lineage, LineageSource, ModelId, ModelRecord, Relation, Timestamp};

use crate::StoreError;

/// The canonical names of the columns a source can carry, in file order. A snapshot's manifest
/// lists which of them its source carried; the store adds `model_index` and `key` in front.
pub const COLUMNS: &[&str] = &hubcensus_model::COLUMNS;

/// The columns the store adds to every file: the dense model index and the key (`_id`, else
/// `id`).
pub const STORE_COLUMNS: &[&str] = &["model_index", "key"];

fn dictionary() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

fn string_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

/// The schema of a snapshot file of format 3: `schema` and, last, the `as_of` column (the
/// snapshot's as-of time in every row, so that engines reading `models/` tell apart two
/// snapshots of one day; constant, so it costs a few bytes per row group).
pub(crate) fn with_as_of_field(schema: &Schema) -> SchemaRef {
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new(crate::layout::AS_OF_COLUMN, timestamp(), false));
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// `batch` with the `as_of` column appended (`schema` is `with_as_of_field` of its schema).
pub(crate) fn with_as_of(
    batch: &RecordBatch,
    schema: &SchemaRef,
    as_of: Timestamp,
) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let mut columns = batch.columns().to_vec();
    let times =
        arrow_array::TimestampMillisecondArray::from(vec![as_of.as_millis(); batch.num_rows()])
            .with_timezone("UTC");
    columns.push(Arc::new(times));
    RecordBatch::try_new(schema.clone(), columns)
}

/// The Arrow schema of `models.parquet`.
pub(crate) static MODELS_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("model_index", DataType::Int32, false),
        Field::new("key", DataType::Utf8, false),
        Field::new("object_id", DataType::Utf8, true),
        Field::new("id", DataType::Utf8, false),
        Field::new("author", dictionary(), true),
        Field::new("created_at", timestamp(), true),
        Field::new("last_modified", timestamp(), true),
        Field::new("downloads_30d", DataType::Int64, true),
        Field::new("downloads_all_time", DataType::Int64, true),
        Field::new("likes", DataType::Int64, true),
        Field::new("trending_score", DataType::Float64, true),
        Field::new("tags", string_list(), true),
        Field::new("pipeline_tag", dictionary(), true),
        Field::new("library_name", dictionary(), true),
        Field::new("gated", dictionary(), true),
        Field::new("parameters", DataType::Int64, true),
        Field::new("relation", dictionary(), true),
        Field::new("parents", string_list(), true),
        Field::new("parent_object_ids", string_list(), true),
        Field::new("lineage_source", dictionary(), true),
        Field::new("license", dictionary(), true),
        Field::new("languages", string_list(), true),
        Field::new("card_data", DataType::Utf8, true),
    ]))
});

/// The position of a canonical column in [`COLUMNS`] (at compile time).
const fn position(name: &str) -> usize {
    let name = name.as_bytes();
    let mut i = 0;
    while i < COLUMNS.len() {
        let column = COLUMNS[i].as_bytes();
        if column.len() == name.len() {
            let mut j = 0;
            while j < name.len() && column[j] == name[j] {
                j += 1;
            }
            if j == name.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("not a canonical column");
}

/// Which canonical columns hold a value in `record`, as a bit set over [`COLUMNS`] positions
/// (bit `i` is `COLUMNS[i]`), for checking them against the draft without string compares.
pub(crate) fn columns_with_values_mask(record: &ModelRecord) -> u32 {
    const fn bit(name: &str) -> u32 {
        1 << position(name)
    }
    // Evaluated at compile time (a `const fn` called at run time would search every time).
    const BITS: [u32; 16] = [
        bit("object_id"),
        bit("created_at"),
        bit("last_modified"),
        bit("downloads_30d"),
        bit("downloads_all_time"),
        bit("likes"),
        bit("trending_score"),
        bit("tags"),
        bit("pipeline_tag"),
        bit("library_name"),
        bit("gated"),
        bit("parameters"),
        bit("parents"),
        bit("license"),
        bit("languages"),
        bit("card_data"),
    ];
    let flags = [
        record.object_id.is_some(),
        record.created_at.is_some(),
        record.last_modified.is_some(),
        record.downloads_30d.is_some(),
        record.downloads_all_time.is_some(),
        record.likes.is_some(),
        record.trending_score.is_some(),
        record.tags.is_some(),
        record.pipeline_tag.is_some(),
        record.library_name.is_some(),
        record.gated.is_some(),
        record.parameters.is_some(),
        record.lineage.is_some(),
        record.license.is_some(),
        record.languages.is_some(),
        record.card_data.is_some(),
    ];
    BITS.into_iter().zip(flags).fold(
        0,
        |mask, (bit, present)| if present { mask | bit } else { mask },
    )
}

fn to_i64(
    column: &'static str,
    record: &ModelRecord,
    value: Option<u64>,
) -> Result<Option<i64>, StoreError> {
    value
        .map(|value| {
            i64::try_from(value).map_err(|_| StoreError::OutOfRange {
                column,
                id: record.id.to_string(),
                value,
            })
        })
        .transpose()
}

/// Builds one record batch from records and their dense indices.
pub(crate) fn to_batch(rows: &[(u32, &ModelRecord)]) -> Result<RecordBatch, StoreError> {
    let n = rows.len();
    let mut model_index = Int32Builder::with_capacity(n);
    let mut key = StringBuilder::new();
    let mut object_id = StringBuilder::new();
    let mut id = StringBuilder::new();
    let mut author = StringDictionaryBuilder::<Int32Type>::new();
    let mut created_at = TimestampMillisecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut last_modified = TimestampMillisecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut downloads_30d = Int64Builder::with_capacity(n);
    let mut downloads_all_time = Int64Builder::with_capacity(n);
    let mut likes = Int64Builder::with_capacity(n);
    let mut trending_score = Float64Builder::with_capacity(n);
    let mut tags = ListBuilder::new(StringBuilder::new());
    let mut pipeline_tag = StringDictionaryBuilder::<Int32Type>::new();
    let mut library_name = StringDictionaryBuilder::<Int32Type>::new();
    let mut gated = StringDictionaryBuilder::<Int32Type>::new();
    let mut parameters = Int64Builder::with_capacity(n);
    let mut relation = StringDictionaryBuilder::<Int32Type>::new();
    let mut parents = ListBuilder::new(StringBuilder::new());
    let mut parent_object_ids = ListBuilder::new(StringBuilder::new());
    let mut lineage_source = StringDictionaryBuilder::<Int32Type>::new();
    let mut license = StringDictionaryBuilder::<Int32Type>::new();
    let mut languages = ListBuilder::new(StringBuilder::new());
    let mut card_data = StringBuilder::new();

    for &(index, record) in rows {
        model_index.append_value(index as i32);
        match record.object_id.as_deref() {
            Some(oid) if !oid.is_empty() => key.append_value(oid),
            _ => key.append_value(record.id.as_str()),
        }
        object_id.append_option(record.object_id.as_deref());
        id.append_value(record.id.as_str());
        author.append_option(record.author());
        created_at.append_option(record.created_at.map(Timestamp::as_millis));
        last_modified.append_option(record.last_modified.map(Timestamp::as_millis));
        downloads_30d.append_option(to_i64("downloads_30d", record, record.downloads_30d)?);
        downloads_all_time.append_option(to_i64(
            "downloads_all_time",
            record,
            record.downloads_all_time,
        )?);
        likes.append_option(to_i64("likes", record, record.likes)?);
        trending_score.append_option(record.trending_score);
        append_list(&mut tags, record.tags.as_deref());
        pipeline_tag.append_option(record.pipeline_tag.as_deref());
        library_name.append_option(record.library_name.as_deref());
        gated.append_option(record.gated.map(Gated::as_str));
        parameters.append_option(to_i64("parameters", record, record.parameters)?);
        if let Some(lineage) = &record.lineage {
            relation.append_value(lineage.relation.as_str());
            let names: Vec<&str> = lineage.parents.iter().map(ModelId::as_str).collect();
            append_list(&mut parents, Some(&names));
            if lineage.parent_object_ids.is_empty() {
                parent_object_ids.append(false);
            } else {
                for position in 0..lineage.parents.len() {
                    parent_object_ids
                        .values()
                        .append_option(lineage.parent_object_id(position));
                }
                parent_object_ids.append(true);
            }
            lineage_source.append_value(lineage_source_str(lineage.source));
        } else {
            relation.append_null();
            parents.append(false);
            parent_object_ids.append(false);
            lineage_source.append_null();
        }
        license.append_option(record.license.as_deref());
        append_list(&mut languages, record.languages.as_deref());
        card_data.append_option(record.card_data.as_deref());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(model_index.finish()),
        Arc::new(key.finish()),
        Arc::new(object_id.finish()),
        Arc::new(id.finish()),
        Arc::new(author.finish()),
        Arc::new(created_at.finish()),
        Arc::new(last_modified.finish()),
        Arc::new(downloads_30d.finish()),
        Arc::new(downloads_all_time.finish()),
        Arc::new(likes.finish()),
        Arc::new(trending_score.finish()),
        Arc::new(tags.finish()),
        Arc::new(pipeline_tag.finish()),
        Arc::new(library_name.finish()),
        Arc::new(gated.finish()),
        Arc::new(parameters.finish()),
        Arc::new(relation.finish()),
        Arc::new(parents.finish()),
        Arc::new(parent_object_ids.finish()),
        Arc::new(lineage_source.finish()),
        Arc::new(license.finish()),
        Arc::new(languages.finish()),
        Arc::new(card_data.finish()),
    ];
    RecordBatch::try_new(MODELS_SCHEMA.clone(), columns)
        .map_err(StoreError::arrow("a snapshot batch"))
}

fn append_list<S: AsRef<str>>(builder: &mut ListBuilder<StringBuilder>, values: Option<&[S]>) {
    match values {
        Some(values) => {
            for value in values {
                builder.values().append_value(value.as_ref());
            }
            builder.append(true);
        }
        None => builder.append(false),
    }
}

pub(crate) const fn lineage_source_str(source: LineageSource) -> &'static str {
    match source {
        LineageSource::BaseModels => "base_models",
        LineageSource::RelationTags => "relation_tags",
        LineageSource::PlainTags => "plain_tags",
    }
}

fn parse_lineage_source(text: &str) -> Option<LineageSource> {
    match text {
        "base_models" => Some(LineageSource::BaseModels),
        "relation_tags" => Some(LineageSource::RelationTags),
        "plain_tags" => Some(LineageSource::PlainTags),
        _ => None,
    }
}

pub(crate) fn parse_relation(text: &str) -> Option<Relation> {
    Relation::ALL
        .into_iter()
        .find(|relation| relation.as_str() == text)
}

fn parse_gated(text: &str) -> Option<Gated> {
    [Gated::No, Gated::Auto, Gated::Manual]
        .into_iter()
        .find(|gated| gated.as_str() == text)
}

/// Read access to one string column, whatever its Arrow encoding (plain or dictionary).
pub(crate) enum StrColumn<'a> {
    Plain(&'a arrow_array::StringArray),
    Dict(arrow_array::TypedDictionaryArray<'a, Int32Type, arrow_array::StringArray>),
    Missing,
}

impl<'a> StrColumn<'a> {
    pub(crate) fn of(array: Option<&'a ArrayRef>) -> Self {
        let Some(array) = array else {
            return Self::Missing;
        };
        if let Some(plain) = array.as_string_opt::<i32>() {
            return Self::Plain(plain);
        }
        if let Some(dict) = array.as_dictionary_opt::<Int32Type>()
            && let Some(typed) = dict.downcast_dict::<arrow_array::StringArray>()
        {
            return Self::Dict(typed);
        }
        Self::Missing
    }

    pub(crate) fn get(&self, row: usize) -> Option<&'a str> {
        match self {
            Self::Plain(array) => (!array.is_null(row)).then(|| array.value(row)),
            Self::Dict(array) => (!array.is_null(row)).then(|| array.value(row)),
            Self::Missing => None,
        }
    }
}

/// Row `row`'s list in `array`, each item through `item` (which may drop it); `None` when the
/// list is null or not a list of strings.
fn list_items<T>(
    array: Option<&ArrayRef>,
    row: usize,
    item: impl Fn(&arrow_array::StringArray, usize) -> Option<T>,
) -> Option<Vec<T>> {
    let list = array?.as_list_opt::<i32>()?;
    if list.is_null(row) {
        return None;
    }
    let values = list.value(row);
    let values = values.as_string_opt::<i32>()?;
    Some((0..values.len()).filter_map(|i| item(values, i)).collect())
}

/// Row `row`'s list in `array`, nulls kept in place (`list_at` drops them).
fn list_with_nulls_at(array: Option<&ArrayRef>, row: usize) -> Option<Vec<Option<String>>> {
    list_items(array, row, |values, i| {
        Some((!values.is_null(i)).then(|| values.value(i).to_owned()))
    })
}

/// Row `row`'s list in `array`, without its null items.
pub(crate) fn list_at(array: Option<&ArrayRef>, row: usize) -> Option<Vec<String>> {
    list_items(array, row, |values, i| {
        (!values.is_null(i)).then(|| values.value(i).to_owned())
    })
}

fn corrupt(path: &std::path::Path, reason: String) -> StoreError {
    StoreError::Corrupt {
        path: path.to_path_buf(),
        reason,
    }
}

/// Converts a batch of `models.parquet` (any projection that includes `id`) back to records,
/// with their dense indices.
pub(crate) fn from_batch(
    batch: &RecordBatch,
    path: &std::path::Path,
) -> Result<Vec<(u32, ModelRecord)>, StoreError> {
    let column = |name: &str| batch.column_by_name(name);
    let i64_column = |name: &str| column(name).and_then(|c| c.as_primitive_opt::<Int64Type>());
    let ts_column =
        |name: &str| column(name).and_then(|c| c.as_primitive_opt::<TimestampMillisecondType>());
    let model_index = column("model_index")
        .and_then(|c| c.as_primitive_opt::<Int32Type>())
        .ok_or_else(|| corrupt(path, "no model_index column of type int32".into()))?;
    let id = StrColumn::of(column("id"));
    let object_id = StrColumn::of(column("object_id"));
    let pipeline_tag = StrColumn::of(column("pipeline_tag"));
    let library_name = StrColumn::of(column("library_name"));
    let gated = StrColumn::of(column("gated"));
    let relation = StrColumn::of(column("relation"));
    let lineage_source = StrColumn::of(column("lineage_source"));
    let license = StrColumn::of(column("license"));
    let card_data = StrColumn::of(column("card_data"));
    let created_at = ts_column("created_at");
    let last_modified = ts_column("last_modified");
    let downloads_30d = i64_column("downloads_30d");
    let downloads_all_time = i64_column("downloads_all_time");
    let likes = i64_column("likes");
    let parameters = i64_column("parameters");
    let trending_score = column("trending_score").and_then(|c| c.as_primitive_opt::<Float64Type>());

    let u64_at = |array: Option<&arrow_array::Int64Array>, row: usize| {
        array.and_then(|a| (!a.is_null(row)).then(|| a.value(row) as u64))
    };
    let ts_at = |array: Option<&arrow_array::TimestampMillisecondArray>, row: usize| {
        array.and_then(|a| (!a.is_null(row)).then(|| Timestamp::from_millis(a.value(row))))
    };
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let id_text = id
            .get(row)
            .ok_or_else(|| corrupt(path, format!("row {row} has no id")))?;
        let model_id =
            ModelId::new(id_text).map_err(|error| corrupt(path, format!("row {row}: {error}")))?;
        let mut record = ModelRecord::new(model_id);
        record.object_id = object_id.get(row).map(str::to_owned);
        record.created_at = ts_at(created_at, row);
        record.last_modified = ts_at(last_modified, row);
        record.downloads_30d = u64_at(downloads_30d, row);
        record.downloads_all_time = u64_at(downloads_all_time, row);
        record.likes = u64_at(likes, row);
        record.trending_score =
            trending_score.and_then(|a| (!a.is_null(row)).then(|| a.value(row)));
        record.tags = list_at(column("tags"), row);
        record.pipeline_tag = pipeline_tag.get(row).map(str::to_owned);
        record.library_name = library_name.get(row).map(str::to_owned);
        record.gated = gated.get(row).and_then(parse_gated);
        record.parameters = u64_at(parameters, row);
        if let (Some(relation), Some(parents), Some(source)) = (
            relation.get(row).and_then(parse_relation),
            list_at(column("parents"), row),
            lineage_source.get(row).and_then(parse_lineage_source),
        ) {
            let parents = parents
                .into_iter()
                .map(ModelId::new)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| corrupt(path, format!("row {row}: parent {error}")))?;
            // Written since format version 2, one per parent; absent in older files.
            let parent_object_ids =
                list_with_nulls_at(column("parent_object_ids"), row).unwrap_or_default();
            if !parent_object_ids.is_empty() && parent_object_ids.len() != parents.len() {
                return Err(corrupt(
                    path,
                    format!(
                        "row {row}: {} parent_object_ids for {} parents",
                        parent_object_ids.len(),
                        parents.len()
                    ),
                ));
            }
            record.lineage = Some(Lineage {
                relation,
                parents,
                parent_object_ids,
                source,
            });
        }
        record.license = license.get(row).map(str::to_owned);
        record.languages = list_at(column("languages"), row);
        record.card_data = card_data.get(row).map(str::to_owned);
        out.push((model_index.value(row) as u32, record));
    }
    Ok(out)
}

/// The ids a model's `base_model:` tags name, whatever the relation (its "mentions"), read the
/// way `Lineage::from_tags` reads them: `base_model:<id>` or `base_model:<relation>:<id>`;
/// malformed ids are ignored.
pub(crate) fn mentioned_ids(tags: &[String]) -> impl Iterator<Item = ModelId> + '_ {
    tags.iter()
        .filter_map(|tag| mentioned_id(tag))
        .filter_map(|id| ModelId::new(id).ok())
}

/// The model a `base_model:` tag names (`base_model:ID` or `base_model:RELATION:ID`), unchecked.
pub(crate) fn mentioned_id(tag: &str) -> Option<&str> {
    let rest = tag.strip_prefix("base_model:")?;
    match rest.split_once(':') {
        Some((relation, id)) => {
            relation.parse::<Relation>().ok()?;
            Some(id)
        }
        None => Some(rest),
    }
}
