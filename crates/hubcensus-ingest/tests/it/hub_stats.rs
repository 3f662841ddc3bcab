//! The hub-stats Parquet reader and writer on fixtures the tests write.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, StructArray};
use arrow_schema::{DataType, Field, Fields, Schema};
use hubcensus_ingest::{HubStatsWriter, IngestError, Location, ReadOptions, write_hub_stats};
use hubcensus_model::{Era, Gated, LineageSource, ModelRecord, Relation, SourceKind};
use proptest::prelude::*;

use crate::support::{at, open_one, read_all, record};

fn fixture_records() -> Vec<ModelRecord> {
    [
        r#"{"_id":"65a1","id":"Qwen/Qwen3-8B","createdAt":"2025-04-28T12:00:00.000Z",
            "lastModified":"2025-05-01T10:11:12.000Z","downloads":120,"downloadsAllTime":5000,
            "likes":7,"trendingScore":3.5,"tags":["transformers","license:apache-2.0"],
            "pipeline_tag":"text-generation","library_name":"transformers","gated":false,
            "safetensors":{"total":8190735360},
            "cardData":{"license":"apache-2.0","language":["en","zh"]}}"#,
        // Legacy unnamespaced id, the createdAt sentinel, zero downloads (present, not absent).
        r#"{"_id":"65a2","id":"gpt2","createdAt":"2022-03-02T23:29:04.000Z","downloads":0,
            "downloadsAllTime":0,"likes":0,"tags":[],"gated":"manual"}"#,
        // Lineage from baseModels (a merge), parameters from GGUF.
        r#"{"_id":"65a3","id":"a/merged","downloads":5,"downloadsAllTime":9,
            "tags":["base_model:finetune:x/ignored"],"gated":"auto","gguf":{"total":42},
            "baseModels":{"relation":"merge","models":[{"_id":"1","id":"p/q"},{"_id":"2","id":"r/s"}]}}"#,
        // Lineage from tags only; license from the card; nothing else.
        r#"{"id":"b/quant","tags":["base_model:quantized:Qwen/Qwen3-8B"],
            "cardData":{"license":"mit","language":"fr","model-index":[{"name":"x"}]}}"#,
    ]
    .iter()
    .map(|json| record(json))
    .collect()
}

#[test]
fn written_records_read_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.parquet");
    let records = fixture_records();
    write_hub_stats(&path, &records).unwrap();
    let snapshot = open_one(&path, &at("2026-01-01")).unwrap();
    assert_eq!(snapshot.kind, SourceKind::HubStatsParquet);
    assert_eq!(snapshot.rows, 4);
    assert_eq!(snapshot.era(), Era::AllTime);
    assert_eq!(
        snapshot.columns,
        hubcensus_ingest::CANONICAL_COLUMNS.to_vec(),
        "every column is present in the full schema"
    );
    let read = read_all(snapshot).unwrap();
    assert_eq!(read, records);
    // Spot checks of what the fixture is about.
    assert_eq!(read[1].author(), None);
    assert_eq!(read[1].created_at, None);
    assert_eq!(read[1].downloads_all_time, Some(0));
    assert_eq!(read[1].gated, Some(Gated::Manual));
    let merge = read[2].lineage.as_ref().unwrap();
    assert_eq!(
        (merge.relation, merge.source, merge.parents.len()),
        (Relation::Merge, LineageSource::BaseModels, 2)
    );
    assert_eq!(
        merge.parent_object_ids,
        vec![Some("1".to_owned()), Some("2".to_owned())]
    );
    assert_eq!(read[2].parameters, Some(42));
    assert_eq!(
        read[3].lineage.as_ref().unwrap().source,
        LineageSource::RelationTags
    );
    assert_eq!(read[3].license.as_deref(), Some("mit"));
    assert_eq!(read[3].languages, Some(vec!["fr".to_owned()]));
}

#[test]
fn an_older_era_has_its_columns_absent_not_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.parquet");
    let era_2024: Vec<&str> = hubcensus_ingest::HUB_STATS_COLUMNS
        .into_iter()
        .filter(|c| {
            !matches!(
                *c,
                "downloadsAllTime" | "trendingScore" | "cardData" | "_id"
            )
        })
        .collect();
    let mut writer = HubStatsWriter::with_columns(&path, &era_2024).unwrap();
    writer.write(&fixture_records()).unwrap();
    writer.finish().unwrap();
    let snapshot = open_one(&path, &at("2024-06-01")).unwrap();
    assert_eq!(snapshot.era(), Era::ThirtyDayOnly);
    for absent in [
        "downloads_all_time",
        "trending_score",
        "card_data",
        "languages",
        "object_id",
    ] {
        assert!(!snapshot.has_column(absent), "{absent}");
    }
    // license still comes from tags.
    assert!(snapshot.has_column("license"));
    let read = read_all(snapshot).unwrap();
    assert!(read.iter().all(|r| r.downloads_all_time.is_none()
        && r.trending_score.is_none()
        && r.card_data.is_none()
        && r.object_id.is_none()));
    assert_eq!(read[1].downloads_30d, Some(0), "zero stays zero");
    assert_eq!(read[3].license, None, "the card was not in this era");
}

#[test]
fn no_as_of_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.parquet");
    write_hub_stats(&path, &fixture_records()).unwrap();
    let error = hubcensus_ingest::open(&path, &ReadOptions::default()).unwrap_err();
    assert!(matches!(error, IngestError::NoAsOf { .. }), "{error:?}");
    assert!(error.to_string().contains("models.parquet"), "{error}");
}

#[test]
fn a_date_folder_gives_the_as_of_time() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("2025-03-03");
    std::fs::create_dir(&folder).unwrap();
    let path = folder.join("models.parquet");
    write_hub_stats(&path, &fixture_records()).unwrap();
    let snapshot = open_one(&path, &ReadOptions::default()).unwrap();
    assert_eq!(snapshot.as_of.to_string(), "2025-03-03T00:00:00Z");
    assert_eq!(snapshot.kind, SourceKind::WeeklyArchive);
    assert_eq!(
        snapshot.as_of_origin.to_string(),
        "the folder name 2025-03-03"
    );
}

type Columns = Vec<(&'static str, ArrayRef)>;

fn write_batch(path: &std::path::Path, columns: Vec<(&str, ArrayRef)>) {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn a_wrong_schema_names_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(Columns, &str, &str)> = vec![
        (
            vec![("downloads", Arc::new(Int64Array::from(vec![1])) as ArrayRef)],
            "id",
            "missing",
        ),
        (
            vec![("id", Arc::new(Int64Array::from(vec![1])) as ArrayRef)],
            "id",
            "unexpected type Int64",
        ),
        (
            vec![
                ("id", Arc::new(StringArray::from(vec!["a/b"])) as ArrayRef),
                (
                    "downloads",
                    Arc::new(StringArray::from(vec!["many"])) as ArrayRef,
                ),
            ],
            "downloads",
            "unexpected type Utf8",
        ),
    ];
    for (index, (columns, column, reason)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("wrong{index}.parquet"));
        write_batch(&path, columns);
        let error = hubcensus_ingest::open(&path, &at("2026-01-01")).unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(&error, IngestError::Schema { column: c, .. } if c == column),
            "{message}"
        );
        assert!(
            message.contains(reason) && message.contains(&format!("wrong{index}.parquet")),
            "{message}"
        );
    }
}

#[test]
fn unmapped_columns_of_any_type_are_never_read() {
    // Upstream's `config`/`siblings` are nested structs; the reader neither checks nor decodes them.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.parquet");
    let config = StructArray::new(
        Fields::from(vec![Field::new("architectures", DataType::Utf8, true)]),
        vec![Arc::new(StringArray::from(vec![Some("LlamaForCausalLM"), None])) as ArrayRef],
        None,
    );
    write_batch(
        &path,
        vec![
            (
                "id",
                Arc::new(StringArray::from(vec!["a/b", "c/d"])) as ArrayRef,
            ),
            ("config", Arc::new(config) as ArrayRef),
            (
                "downloads",
                Arc::new(Int64Array::from(vec![Some(3), None])) as ArrayRef,
            ),
        ],
    );
    let snapshot = open_one(&path, &at("2026-01-01")).unwrap();
    assert_eq!(snapshot.columns, vec!["id", "author", "downloads_30d"]);
    let read = read_all(snapshot).unwrap();
    assert_eq!(read[0].downloads_30d, Some(3));
    assert_eq!(read[1].downloads_30d, None);
}

#[test]
fn invalid_rows_name_row_and_field_and_can_be_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.parquet");
    write_batch(
        &path,
        vec![
            (
                "id",
                Arc::new(StringArray::from(vec![
                    Some("a/ok"),
                    Some("a/b/c"),
                    None,
                    Some("b/ok"),
                    Some("a/ok"),
                ])) as ArrayRef,
            ),
            (
                "downloads",
                Arc::new(Int64Array::from(vec![1, 2, 3, -4, 5])) as ArrayRef,
            ),
        ],
    );
    let error = read_all(open_one(&path, &at("2026-01-01")).unwrap()).unwrap_err();
    let IngestError::Invalid(reject) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (reject.location, reject.field.as_str()),
        (Location::Row(1), "id")
    );
    assert!(
        error.to_string().contains(
            "models.parquet: row 1: field `id`: model id \"a/b/c\" has more than one '/'"
        ),
        "{error}"
    );

    let options = ReadOptions {
        skip_invalid: true,
        batch_size: 2,
        ..at("2026-01-01")
    };
    let mut chunks = open_one(&path, &options).unwrap().chunks().unwrap();
    let read: Vec<ModelRecord> = chunks.by_ref().flat_map(Result::unwrap).collect();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].id.as_str(), "a/ok");
    let rejects: Vec<String> = chunks
        .rejects()
        .iter()
        .map(|r| format!("{} {} {}", r.location, r.field, r.reason))
        .collect();
    assert_eq!(
        rejects,
        vec![
            "row 1 id model id \"a/b/c\" has more than one '/'",
            "row 2 id null",
            "row 3 downloads expected a count, got -4",
            "row 4 id duplicate id \"a/ok\" (first at row 0)",
        ]
    );
}

#[test]
fn truncated_and_corrupt_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.parquet");
    let records: Vec<ModelRecord> = (0..5000)
        .map(|i| {
            record(&format!(
                r#"{{"id":"org{i}/model-{i}","downloads":{i},"tags":["t{i}"]}}"#
            ))
        })
        .collect();
    write_hub_stats(&path, &records).unwrap();
    let bytes = std::fs::read(&path).unwrap();

    let truncated = dir.path().join("truncated.parquet");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let error = hubcensus_ingest::open(&truncated, &at("2026-01-01")).unwrap_err();
    assert!(matches!(error, IngestError::Parquet { .. }), "{error:?}");
    assert!(
        error.to_string().starts_with(&format!(
            "{}: not a readable Parquet file",
            truncated.display()
        )),
        "{error}"
    );

    // Overwrite every data page, keeping the magic and the footer intact.
    let mut corrupt_bytes = bytes.clone();
    let footer = u32::from_le_bytes(bytes[bytes.len() - 8..bytes.len() - 4].try_into().unwrap());
    let data_end = bytes.len() - 8 - footer as usize;
    for byte in &mut corrupt_bytes[4..data_end] {
        *byte = 0xA5;
    }
    let corrupt = dir.path().join("corrupt.parquet");
    std::fs::write(&corrupt, &corrupt_bytes).unwrap();
    let error = hubcensus_ingest::open(&corrupt, &at("2026-01-01"))
        .and_then(|mut snapshots| read_all(snapshots.remove(0)))
        .unwrap_err();
    assert!(error.to_string().contains("corrupt.parquet"), "{error}");
}

fn arbitrary_record() -> impl Strategy<Value = ModelRecord> {
    let id = prop_oneof!["[a-z]{1,6}/[A-Za-z0-9._-]{1,12}", "[a-z]{1,8}",];
    let tags = proptest::collection::vec(
        prop_oneof![
            Just("transformers".to_owned()),
            Just("license:mit".to_owned()),
            Just("base_model:x/y".to_owned()),
            Just("base_model:adapter:p/q".to_owned()),
            "[a-z:]{0,10}",
        ],
        0..5,
    );
    (
        id,
        proptest::option::of(0u64..i64::MAX as u64),
        proptest::option::of(0u64..1_000_000_000),
        proptest::option::of(tags),
        proptest::option::of(1_000_000_000i64..2_000_000_000),
        proptest::option::of(-1.0e6f64..1.0e6),
        proptest::option::of(prop_oneof![
            Just("false"),
            Just("\"auto\""),
            Just("\"manual\"")
        ]),
        proptest::option::of((
            prop_oneof![
                Just("finetune"),
                Just("quantized"),
                Just("merge"),
                Just("other")
            ],
            proptest::collection::vec(
                (
                    "[a-z]{1,4}/[a-z]{1,4}",
                    proptest::option::of("[0-9a-f]{1,6}"),
                ),
                0..3,
            ),
        )),
        proptest::option::of(("[a-z-]{0,8}", proptest::collection::vec("[a-z]{2}", 0..3))),
    )
        .prop_map(
            |(id, all_time, downloads, tags, created, trending, gated, base, card)| {
                let mut object = serde_json::json!({ "id": id });
                let map = object.as_object_mut().unwrap();
                if let Some(v) = all_time {
                    map.insert("downloadsAllTime".into(), v.into());
                }
                if let Some(v) = downloads {
                    map.insert("downloads".into(), v.into());
                }
                if let Some(v) = tags {
                    map.insert("tags".into(), v.into());
                }
                if let Some(seconds) = created {
                    let time = hubcensus_model::Timestamp::from_secs(seconds);
                    map.insert("createdAt".into(), time.to_string().into());
                }
                if let Some(v) = trending {
                    map.insert("trendingScore".into(), v.into());
                }
                if let Some(v) = gated {
                    map.insert("gated".into(), serde_json::from_str(v).unwrap());
                }
                if let Some((relation, parents)) = base {
                    let models: Vec<_> = parents
                        .iter()
                        .map(|(p, object_id)| serde_json::json!({"_id": object_id, "id": p}))
                        .collect();
                    map.insert(
                        "baseModels".into(),
                        serde_json::json!({"relation": relation, "models": models}),
                    );
                }
                if let Some((license, languages)) = card {
                    map.insert(
                        "cardData".into(),
                        serde_json::json!({"license": license, "language": languages}),
                    );
                }
                record(&object.to_string())
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn write_then_read_is_identity(records in proptest::collection::vec(arbitrary_record(), 0..40), batch in 1usize..16) {
        let mut seen = std::collections::BTreeSet::new();
        let records: Vec<ModelRecord> = records.into_iter().filter(|r| seen.insert(r.id.clone())).collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("models.parquet");
        write_hub_stats(&path, &records).unwrap();
        let options = ReadOptions { batch_size: batch, ..at("2026-01-01") };
        let snapshot = open_one(&path, &options).unwrap();
        let chunks: Vec<Vec<ModelRecord>> = snapshot.chunks().unwrap().map(Result::unwrap).collect();
        prop_assert!(chunks.iter().all(|chunk| chunk.len() <= batch));
        let read: Vec<ModelRecord> = chunks.into_iter().flatten().collect();
        prop_assert_eq!(read, records);
    }
}
