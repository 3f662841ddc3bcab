//! `hubcensus snapshots` over a store written through the store library (the importers land
//! separately).

use hubcensus_model::{ModelId, ModelRecord, SourceKind, Timestamp};
use hubcensus_store::{COLUMNS, SnapshotDraft, Writer};

use crate::support::hubcensus;

fn write_store(dir: &std::path::Path) {
    let mut writer = Writer::lock(dir).unwrap();
    // A 30-day-only era snapshot of a top-N listing, then an all-time one.
    let mut draft = SnapshotDraft {
        as_of: Timestamp::parse("2024-11-03").unwrap(),
        crawl_started: None,
        crawl_ended: None,
        source: SourceKind::HubApiJson,
        source_location: "daily/2024-11-03.json".into(),
        columns: ["id", "downloads_30d", "likes"].map(String::from).to_vec(),
        partial: true,
        synthetic: false,
    };
    let record = |id: &str, downloads_30d: u64| {
        let mut record = ModelRecord::new(ModelId::new(id).unwrap());
        record.downloads_30d = Some(downloads_30d);
        record
    };
    let mut builder = writer.begin(draft.clone()).unwrap();
    builder
        .push(&[record("a/x", 1_500), record("gpt2", 2_000_000)])
        .unwrap();
    builder.commit(false).unwrap();

    draft.as_of = Timestamp::parse("2026-08-23T00:00:00Z").unwrap();
    draft.source = SourceKind::HubStatsParquet;
    draft.source_location = "models.parquet".into();
    draft.columns = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    draft.partial = false;
    let mut builder = writer.begin(draft).unwrap();
    let mut one = record("a/x", 10);
    one.object_id = Some("65f0".into());
    one.downloads_all_time = Some(1_234_567);
    let mut two = record("gpt2", 20);
    two.downloads_all_time = Some(0);
    builder.push(&[one, two]).unwrap();
    builder.commit(false).unwrap();
}

#[test]
fn snapshots_lists_as_of_models_source_era_and_totals() {
    let dir = tempfile::tempdir().unwrap();
    write_store(dir.path());
    let output = hubcensus(dir.path()).arg("snapshots").assert().success();
    let stdout = String::from_utf8(output.get_output().stdout.clone()).unwrap();
    assert_eq!(
        stdout,
        "\
AS OF                 MODELS  SOURCE             ERA          DOWNLOADS 30D  DOWNLOADS ALL-TIME  PARTIAL  SYNTHETIC  FORMAT
2024-11-03T00:00:00Z       2  hub_api_json       30-day-only      2,001,500                   -  yes      no         v3
2026-08-23T00:00:00Z       2  hub_stats_parquet  all-time                30           1,234,567  no       no         v3
"
    );
}

#[test]
fn snapshots_json_is_the_documented_contract() {
    let dir = tempfile::tempdir().unwrap();
    write_store(dir.path());
    let output = hubcensus(dir.path())
        .args(["snapshots", "--format", "json", "--verify"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&output.get_output().stdout).unwrap();
    assert_eq!(json["schema"], "hubcensus.snapshots/v1");
    let snapshots = json["snapshots"].as_array().unwrap();
    assert_eq!(snapshots.len(), 2);
    assert_eq!(snapshots[0]["as_of"], "2024-11-03T00:00:00Z");
    assert_eq!(snapshots[0]["era"], "thirty_day_only");
    assert_eq!(
        snapshots[0]["totals"]["downloads_all_time"],
        serde_json::Value::Null
    );
    assert_eq!(
        snapshots[0]["columns"],
        serde_json::json!(["id", "downloads_30d", "likes"])
    );
    assert_eq!(snapshots[1]["era"], "all_time");
    assert_eq!(snapshots[1]["totals"]["downloads_all_time"], 1_234_567);
    assert_eq!(snapshots[1]["verified"], true);
    assert_eq!(
        snapshots[1]["schema_version"],
        hubcensus_store::SCHEMA_VERSION
    );
}

/// A store written by format version 1 (the store crate's fixture) is listed, says so, and
/// verifies; the writer of a snapshot committed beside it migrates it to version 3 (docs/store.md).
#[test]
fn snapshots_says_which_format_each_snapshot_was_written_in() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../hubcensus-store/tests/fixtures/store-v1");
    copy_dir(&fixture, dir.path());
    let formats = || {
        let output = hubcensus(dir.path())
            .args(["snapshots", "--verify"])
            .assert()
            .success();
        let stdout = String::from_utf8(output.get_output().stdout.clone()).unwrap();
        stdout
            .lines()
            .filter(|line| !line.starts_with("content sha256"))
            .map(|line| line.split_whitespace().last().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(formats(), ["FORMAT", "v1", "v1"]);
    let as_of = Timestamp::parse("2026-07-01").unwrap();
    let mut record = ModelRecord::new(ModelId::new("org/base-v2").unwrap());
    record.object_id = Some("ob".into());
    record.downloads_all_time = Some(200);
    crate::support::commit(dir.path(), crate::support::draft(as_of), &[record]);
    assert_eq!(formats(), ["FORMAT", "v3", "v3", "v3"]);
    // The old snapshots' lineage still reads: the renamed base keeps its two children.
    let lineage = crate::support::json_of(
        dir.path(),
        &[
            "lineage",
            "org/base",
            "--as-of",
            "2026-06-04T20:26:40Z",
            "--format",
            "json",
        ],
    );
    assert_eq!(lineage["id"], "org/base-v2");
    assert_eq!(lineage["descendants"], 2);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn snapshots_of_an_empty_store_says_what_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let output = hubcensus(dir.path()).arg("snapshots").assert().code(2);
    let stderr = String::from_utf8(output.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.starts_with("error: no snapshots in the store at "),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: import one with `hubcensus import PATH`"),
        "{stderr}"
    );
    // JSON output of an empty store is an empty list, not an error.
    let output = hubcensus(dir.path())
        .args(["snapshots", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&output.get_output().stdout).unwrap();
    assert_eq!(json["snapshots"], serde_json::json!([]));
}

#[test]
fn snapshots_verify_fails_with_exit_1_on_a_corrupted_file() {
    let dir = tempfile::tempdir().unwrap();
    write_store(dir.path());
    let path = dir
        .path()
        .join("models/as_of_date=2026-08-23/20260823T000000Z.parquet");
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let output = hubcensus(dir.path())
        .args(["snapshots", "--verify"])
        .assert()
        .code(1);
    let stderr = String::from_utf8(output.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("verify: 2026-08-23T00:00:00Z: corrupt store file"),
        "{stderr}"
    );
}

/// A store the demo wrote has removed the key-dictionary generations its later commits
/// superseded while older manifests still name them: it verifies clean, and a damaged file is
/// still caught.
#[test]
fn snapshots_verify_is_clean_after_demo_and_catches_a_damaged_file() {
    let dir = tempfile::tempdir().unwrap();
    hubcensus(dir.path())
        .args(["demo", "--models", "2000", "--weeks", "3"])
        .assert()
        .success();
    let first = dir.path().join("dictionary/00000001.parquet");
    assert!(
        !first.exists(),
        "the demo's first generation was superseded"
    );
    let output = hubcensus(dir.path())
        .args(["snapshots", "--verify"])
        .assert()
        .success();
    assert!(output.get_output().stderr.is_empty());

    // A byte changed in the newest dictionary generation, then the generation removed.
    let current = dir.path().join("dictionary/00000003.parquet");
    let mut bytes = std::fs::read(&current).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&current, &bytes).unwrap();
    let output = hubcensus(dir.path())
        .args(["snapshots", "--verify"])
        .assert()
        .code(1);
    let stderr = String::from_utf8(output.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("verify: 2026-09-06T00:00:00Z: corrupt store file")
            && stderr.contains("00000003.parquet: sha256"),
        "{stderr}"
    );
    std::fs::remove_file(&current).unwrap();
    let output = hubcensus(dir.path())
        .args(["snapshots", "--verify"])
        .assert()
        .code(1);
    let stderr = String::from_utf8(output.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("verify: 2026-09-06T00:00:00Z: i/o error on")
            && stderr.contains("00000003.parquet"),
        "{stderr}"
    );
}
