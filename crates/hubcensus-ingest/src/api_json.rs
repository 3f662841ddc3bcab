//! The Hub API's JSON model object (`/api/models` listings, with or without `expand[]`, and
//! `/api/models/{id}`) to [`ModelRecord`].
//!
//! Parsed with serde borrowing from the input buffer wherever the text has no escapes, and with
//! `cardData` kept as raw JSON text (it is untrusted and only read on demand). Measured against
//! the alternatives on pages of 1,000 objects (`benches/crawl.rs`): borrowed ~1.76 ms/page,
//! owned `String` fields ~1.79 ms, `serde_json::Value` ~4.9 ms; borrowing stays.

use std::borrow::Cow;

use hubcensus_model::{
    Gated, IdError, Lineage, LineageSource, ModelId, ModelRecord, Relation, Timestamp,
};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The fields of the Hub's model object that hubcensus maps, and the canonical columns
/// (`hubcensus_model::COLUMNS`) each provides. The same names are hub-stats' Parquet columns, so
/// both readers decide "columns present" from this one table.
pub(crate) const HUB_FIELDS: [(&str, &[&str]); 16] = [
    ("_id", &["object_id"]),
    ("id", &["id", "author"]),
    ("createdAt", &["created_at"]),
    ("lastModified", &["last_modified"]),
    ("downloads", &["downloads_30d"]),
    ("downloadsAllTime", &["downloads_all_time"]),
    ("likes", &["likes"]),
    ("trendingScore", &["trending_score"]),
    (
        "tags",
        &["tags", "relation", "parents", "lineage_source", "license"],
    ),
    ("pipeline_tag", &["pipeline_tag"]),
    ("library_name", &["library_name"]),
    ("gated", &["gated"]),
    ("safetensors", &["parameters"]),
    ("gguf", &["parameters"]),
    ("baseModels", &["relation", "parents", "lineage_source"]),
    ("cardData", &["license", "languages", "card_data"]),
];

/// Why one model object could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ModelObjectError {
    #[error("invalid JSON model object")]
    Json(#[source] serde_json::Error),
    #[error("model object has no `id` (nor legacy `modelId`)")]
    MissingId,
    #[error("field `id`")]
    Id(#[source] IdError),
    #[error("field `{field}`: invalid timestamp {value:?}")]
    Timestamp { field: &'static str, value: String },
    #[error("field `gated`: expected false, \"auto\" or \"manual\", got {value}")]
    Gated { value: String },
}

#[derive(Deserialize)]
struct ApiModel<'a> {
    #[serde(rename = "_id", borrow, default)]
    object_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(rename = "modelId", borrow, default)]
    model_id: Option<Cow<'a, str>>,
    #[serde(rename = "createdAt", borrow, default)]
    created_at: Option<Cow<'a, str>>,
    #[serde(rename = "lastModified", borrow, default)]
    last_modified: Option<Cow<'a, str>>,
    #[serde(default)]
    downloads: Option<u64>,
    #[serde(rename = "downloadsAllTime", default)]
    downloads_all_time: Option<u64>,
    #[serde(default)]
    likes: Option<u64>,
    #[serde(rename = "trendingScore", default)]
    trending_score: Option<f64>,
    #[serde(borrow, default)]
    tags: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow, default)]
    pipeline_tag: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    library_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    gated: Option<&'a RawValue>,
    #[serde(default)]
    safetensors: Option<Safetensors>,
    #[serde(default)]
    gguf: Option<Gguf>,
    #[serde(rename = "baseModels", borrow, default)]
    base_models: Option<BaseModels<'a>>,
    #[serde(rename = "cardData", borrow, default)]
    card_data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Safetensors {
    #[serde(default)]
    total: Option<u64>,
}

#[derive(Deserialize)]
struct Gguf {
    #[serde(default)]
    total: Option<u64>,
}

#[derive(Deserialize)]
struct BaseModels<'a> {
    #[serde(borrow, default)]
    relation: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    models: Vec<BaseModelRef<'a>>,
}

#[derive(Deserialize)]
struct BaseModelRef<'a> {
    #[serde(rename = "_id", borrow, default)]
    object_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
}

/// The card fields we lift out of `cardData` (license, languages); the rest stays raw. Shared with
/// the Parquet reader, whose `cardData` column holds the same object as JSON text.
#[derive(Deserialize, Default)]
pub(crate) struct CardFields {
    #[serde(default)]
    pub(crate) license: Option<StringOrList>,
    #[serde(default)]
    pub(crate) language: Option<StringOrList>,
}

/// A card field the Hub accepts either as one string or as a list.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum StringOrList {
    One(String),
    Many(Vec<Option<String>>),
    Other(serde::de::IgnoredAny),
}

impl StringOrList {
    pub(crate) fn into_list(self) -> Vec<String> {
        match self {
            Self::One(text) => vec![text],
            Self::Many(list) => list.into_iter().flatten().collect(),
            Self::Other(_) => Vec::new(),
        }
    }
}

/// Parses one model object (the text of one JSON object).
pub fn parse_model_object(text: &str) -> Result<ModelRecord, ModelObjectError> {
    let api: ApiModel<'_> = serde_json::from_str(text).map_err(ModelObjectError::Json)?;
    into_record(api)
}

/// Parses a JSON array of model objects, as one `/api/models` page returns it. An error names
/// the zero-based position of the object that failed.
///
/// One pass over the text when every object is readable (the common case, and the crawler's
/// hot path); on an error, a second pass object by object finds its position.
pub fn parse_model_array(
    text: &str,
) -> Result<Vec<ModelRecord>, (Option<usize>, ModelObjectError)> {
    if let Ok(objects) = serde_json::from_str::<Vec<ApiModel<'_>>>(text)
        && let Ok(records) = objects.into_iter().map(into_record).collect()
    {
        return Ok(records);
    }
    let objects: Vec<&RawValue> =
        serde_json::from_str(text).map_err(|e| (None, ModelObjectError::Json(e)))?;
    objects
        .into_iter()
        .enumerate()
        .map(|(position, raw)| parse_model_object(raw.get()).map_err(|e| (Some(position), e)))
        .collect()
}

fn timestamp(
    field: &'static str,
    value: Option<Cow<'_, str>>,
) -> Result<Option<Timestamp>, ModelObjectError> {
    value
        .map(|text| {
            Timestamp::parse(&text).map_err(|_| ModelObjectError::Timestamp {
                field,
                value: text.into_owned(),
            })
        })
        .transpose()
}

fn gated(raw: Option<&RawValue>) -> Result<Option<Gated>, ModelObjectError> {
    let Some(raw) = raw else { return Ok(None) };
    match raw.get().trim() {
        "false" => Ok(Some(Gated::No)),
        "null" => Ok(None),
        "\"auto\"" => Ok(Some(Gated::Auto)),
        // Older listings said `true` for gated repos before auto/manual existed.
        "\"manual\"" | "true" => Ok(Some(Gated::Manual)),
        other => Err(ModelObjectError::Gated {
            value: other.to_owned(),
        }),
    }
}

fn into_record(api: ApiModel<'_>) -> Result<ModelRecord, ModelObjectError> {
    let id = api.id.or(api.model_id).ok_or(ModelObjectError::MissingId)?;
    let id = ModelId::new(id.into_owned()).map_err(ModelObjectError::Id)?;
    let mut record = ModelRecord::new(id);
    record.object_id = api.object_id.map(Cow::into_owned);
    record.created_at = Timestamp::created_at(timestamp("createdAt", api.created_at)?);
    record.last_modified = timestamp("lastModified", api.last_modified)?;
    record.downloads_30d = api.downloads;
    record.downloads_all_time = api.downloads_all_time;
    record.likes = api.likes;
    record.trending_score = api.trending_score;
    record.pipeline_tag = api.pipeline_tag.map(Cow::into_owned);
    record.library_name = api.library_name.map(Cow::into_owned);
    record.gated = gated(api.gated)?;
    record.parameters = api
        .safetensors
        .and_then(|s| s.total)
        .or_else(|| api.gguf.and_then(|g| g.total));
    let tags: Option<Vec<String>> = api
        .tags
        .map(|tags| tags.into_iter().map(Cow::into_owned).collect());
    record.lineage = api
        .base_models
        .and_then(|base| {
            lineage_from_base_models(
                base.relation.as_deref(),
                base.models
                    .iter()
                    .filter_map(|m| Some((m.id.as_deref()?, m.object_id.as_deref()))),
            )
        })
        .or_else(|| {
            tags.as_ref()
                .and_then(|tags| Lineage::from_tags(tags.iter().map(String::as_str)))
        });
    let card = api.card_data.filter(|raw| raw.get() != "null");
    let fields: CardFields = card
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .unwrap_or_default();
    record.license = license(tags.as_deref(), fields.license);
    record.languages = fields
        .language
        .map(StringOrList::into_list)
        .filter(|list| !list.is_empty());
    record.card_data = card.map(|raw| raw.get().to_owned());
    record.tags = tags;
    Ok(record)
}

/// Lineage from a `baseModels` value: its relation (unknown words read as unknown) and the
/// parents with a valid id, each with its `_id` when given. Shared with the Parquet reader,
/// whose `baseModels` column has this shape.
#[must_use]
pub fn lineage_from_base_models<'a>(
    relation: Option<&str>,
    parents: impl Iterator<Item = (&'a str, Option<&'a str>)>,
) -> Option<Lineage> {
    let relation = relation
        .and_then(|r| r.parse::<Relation>().ok())
        .unwrap_or(Relation::Unknown);
    let parents = parents
        .filter_map(|(id, object_id)| Some((ModelId::new(id).ok()?, object_id.map(str::to_owned))))
        .collect();
    Lineage::with_object_ids(relation, parents, LineageSource::BaseModels)
}

/// The license: the `license:` tag (what the Hub indexes), else `cardData.license`.
fn license(tags: Option<&[String]>, card_license: Option<StringOrList>) -> Option<String> {
    tags.and_then(|tags| {
        tags.iter()
            .find_map(|tag| tag.strip_prefix("license:"))
            .map(str::to_owned)
    })
    .or_else(|| card_license.and_then(|l| l.into_list().into_iter().next()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fully_expanded_object() {
        let text = r#"{"_id":"66a1","id":"unsloth/Qwen3-8B-GGUF","author":"unsloth",
            "createdAt":"2025-04-28T12:00:00.000Z","lastModified":"2025-05-01T00:00:00.000Z",
            "downloads":1200,"downloadsAllTime":54321,"likes":7,"trendingScore":3,
            "tags":["gguf","base_model:quantized:Qwen/Qwen3-8B","base_model:Qwen/Qwen3-8B","license:apache-2.0"],
            "pipeline_tag":"text-generation","library_name":null,"gated":false,
            "gguf":{"total":8190735360,"architecture":"qwen3"},
            "cardData":{"language":["en","zh"],"license":"mit","x":"<script>alert(1)</script>"}}"#;
        let record = parse_model_object(text).unwrap();
        assert_eq!(record.object_id.as_deref(), Some("66a1"));
        assert_eq!(record.author(), Some("unsloth"));
        assert_eq!(record.downloads_all_time, Some(54_321));
        assert_eq!(record.trending_score, Some(3.0));
        assert_eq!(record.parameters, Some(8_190_735_360));
        assert_eq!(record.gated, Some(Gated::No));
        let lineage = record.lineage.unwrap();
        assert_eq!(
            (lineage.relation, lineage.source),
            (Relation::Quantized, LineageSource::RelationTags)
        );
        assert_eq!(record.license.as_deref(), Some("apache-2.0"));
        assert_eq!(
            record.languages,
            Some(vec!["en".to_owned(), "zh".to_owned()])
        );
        assert!(record.card_data.unwrap().contains("<script>"));
    }

    #[test]
    fn absent_fields_stay_absent_and_the_sentinel_is_unknown() {
        let record = parse_model_object(
            r#"{"id":"gpt2","createdAt":"2022-03-02T23:29:04.000Z","lastModified":null,"downloads":5}"#,
        )
        .unwrap();
        assert_eq!(record.author(), None);
        assert_eq!(record.created_at, None);
        assert_eq!(record.downloads_30d, Some(5));
        assert_eq!(record.downloads_all_time, None);
        assert_eq!(record.tags, None);
        assert_eq!(record.lineage, None);
    }

    #[test]
    fn base_models_win_over_tags() {
        let record = parse_model_object(
            r#"{"id":"a/m","tags":["base_model:finetune:x/y"],
                "baseModels":{"relation":"merge","models":[{"_id":"1","id":"p/q"},{"_id":"2","id":"r/s"}]}}"#,
        )
        .unwrap();
        let lineage = record.lineage.unwrap();
        assert_eq!(lineage.source, LineageSource::BaseModels);
        assert_eq!(lineage.relation, Relation::Merge);
        assert_eq!(lineage.parents.len(), 2);
        // Each parent keeps its `_id`, which decides which model it is (METHODS.md §1).
        assert_eq!(
            lineage.parent_object_ids,
            vec![Some("1".to_owned()), Some("2".to_owned())]
        );
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (
                r#"{"downloads":1}"#,
                "model object has no `id` (nor legacy `modelId`)",
            ),
            (r#"{"id":"a/b/c"}"#, "field `id`"),
            (
                r#"{"id":"a/b","createdAt":"soon"}"#,
                "field `createdAt`: invalid timestamp \"soon\"",
            ),
            (
                r#"{"id":"a/b","gated":"maybe"}"#,
                "field `gated`: expected false, \"auto\" or \"manual\", got \"maybe\"",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(
                parse_model_object(text).unwrap_err().to_string(),
                message,
                "{text}"
            );
        }
        let (position, _) = parse_model_array(r#"[{"id":"a/b"},{"id":""}]"#).unwrap_err();
        assert_eq!(position, Some(1));
    }

    #[test]
    fn the_one_pass_array_parse_equals_parsing_object_by_object() {
        let objects = [
            r#"{"_id":"1","id":"a/b","tags":["base_model:finetune:x/y","license:mit"]}"#,
            r#"{"_id":"2","id":"esc\u0061ped/na\"me-is-bad"}"#,
            r#"{"id":"c/d","gated":"auto","cardData":{"license":["apache-2.0"]},"downloads":3}"#,
            r#"{"modelId":"legacy","extra":{"nested":[1,2,{"x":null}]}}"#,
        ];
        for pick in [&objects[..1], &objects[2..], &objects[..]] {
            let text = format!("[{}]", pick.join(","));
            let naive: Result<Vec<_>, _> = pick.iter().map(|o| parse_model_object(o)).collect();
            match (parse_model_array(&text), naive) {
                (Ok(fast), Ok(slow)) => assert_eq!(fast, slow),
                (Err((position, _)), Err(_)) => assert_eq!(position, Some(1)),
                (fast, slow) => panic!("{text}: {fast:?} vs {slow:?}"),
            }
        }
    }
}
