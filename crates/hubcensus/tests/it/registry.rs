//! `hubcensus registry` and `hubcensus who`, run as the real binary.

use hubcensus_model::{Lineage, LineageSource, ModelId, ModelRecord, Relation, Timestamp};
use hubcensus_store::SnapshotDraft;
use predicates::prelude::*;

use crate::support::{commit, draft, hubcensus, json_of, shared_data};

fn record(id: &str, downloads: u64, parents: &[&str]) -> ModelRecord {
    let mut record = ModelRecord::new(ModelId::new(id).unwrap());
    record.downloads_30d = Some(downloads);
    if !parents.is_empty() {
        record.lineage = Lineage::new(
            Relation::Finetune,
            parents.iter().map(|p| ModelId::new(*p).unwrap()).collect(),
            LineageSource::BaseModels,
        );
    }
    record
}

/// Writes one snapshot of `records` at `as_of` into the store at `dir`.
fn store_with(dir: &std::path::Path, as_of: &str, records: &[ModelRecord]) {
    let as_of = Timestamp::parse(as_of).unwrap();
    let draft = SnapshotDraft {
        crawl_ended: None,
        columns: [
            "id",
            "author",
            "downloads_30d",
            "relation",
            "parents",
            "lineage_source",
        ]
        .map(str::to_owned)
        .to_vec(),
        synthetic: false,
        ..draft(as_of)
    };
    commit(dir, draft, records);
}

fn small_store(dir: &std::path::Path) {
    store_with(
        dir,
        "2026-08-22T00:00:00Z",
        &[
            record("Qwen/Qwen3-8B-Base", 1_000, &[]),
            record("Qwen/Qwen3-8B", 5_000, &["Qwen/Qwen3-8B-Base"]),
            record("someone/Qwen3-8B-GGUF", 3_000, &["Qwen/Qwen3-8B"]),
            record(
                "someone/merge",
                500,
                &["Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B"],
            ),
            record("meta-llama/Llama-3.1-8B", 2_000, &[]),
            record("gpt2", 700, &[]),
            record("unknown-lab/model", 1_500, &[]),
        ],
    );
}

#[test]
fn check_of_the_embedded_registry_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    hubcensus(dir.path())
        .args(["registry", "check"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(": clean"));
}

#[test]
fn check_of_a_broken_directory_exits_1_with_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("registry");
    std::fs::create_dir(&files).unwrap();
    std::fs::write(
        files.join("registry.toml"),
        "[registry]\nupdated = \"2026-01-01\"\n\n[[organization]]\nid = \"x\"\nname = \"X\"\ncountry = \"XX\"\nnamespaces = [{ name = \"x\" }]\n",
    )
    .unwrap();
    hubcensus(dir.path())
        .args(["registry", "check", "--dir"])
        .arg(&files)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("3 problems"))
        .stdout(predicate::str::contains(
            "x: country \"XX\" is not an ISO 3166-1 alpha-2 code",
        ))
        .stdout(predicate::str::contains("x: country has no source"))
        .stdout(predicate::str::contains("x: namespace \"x\" has no source"));
}

#[test]
fn check_of_the_repository_files_matches_the_embedded_registry() {
    let dir = tempfile::tempdir().unwrap();
    let files = concat!(env!("CARGO_MANIFEST_DIR"), "/../../registry");
    hubcensus(dir.path())
        .args(["registry", "check", "--dir", files])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(": clean"));
}

#[test]
fn check_of_a_missing_directory_is_an_error_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    hubcensus(dir.path())
        .args(["registry", "check", "--dir", "/nonexistent/registry"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: cannot read registry directory",
        ))
        .stderr(predicate::str::contains("hint: "));
}

#[test]
fn who_a_namespace_shows_sources_and_parents() {
    let dir = tempfile::tempdir().unwrap();
    hubcensus(dir.path())
        .args(["who", "Qwen", "--at", "2026-08-01"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("part of       Alibaba Group"))
        .stdout(predicate::str::contains("country       CN (region China)"))
        .stdout(predicate::str::contains("type          industry"))
        .stdout(predicate::str::contains(
            "source: https://huggingface.co/Qwen",
        ));
}

#[test]
fn who_a_renamed_namespace_resolves_at_any_date() {
    let dir = tempfile::tempdir().unwrap();
    for at in ["2024-06-01", "2026-08-01"] {
        let output = hubcensus(dir.path())
            .args(["who", "THUDM", "--at", at, "--format", "json"])
            .output()
            .unwrap();
        assert!(output.status.success());
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["namespace"]["attribution"]["country"], "CN", "{at}");
        assert_eq!(json["namespace"]["registry_id"], "zhipu", "{at}");
    }
}

#[test]
fn who_an_unknown_namespace_states_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    hubcensus(dir.path())
        .args(["who", "nobody-we-know"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "not in the registry: country unattributed",
        ));
}

#[test]
fn who_a_model_without_a_store_says_lineage_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    hubcensus(&dir.path().join("absent"))
        .args(["who", "deepseek-ai/DeepSeek-R1"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "origin (uploader)  CN (region China), industry, DeepSeek",
        ))
        .stdout(predicate::str::contains(
            "no snapshot; lineage origin unknown",
        ));
    assert!(
        !dir.path().join("absent").exists(),
        "who must not create a store"
    );
}

#[test]
fn who_a_model_gives_both_origin_modes_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    small_store(dir.path());
    let json = |name: &str| -> serde_json::Value {
        let output = hubcensus(dir.path())
            .args(["who", name, "--format", "json"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    // A quantization by an unknown account: uploader unattributed, lineage root Qwen's.
    let quantized = json("someone/Qwen3-8B-GGUF");
    assert_eq!(
        quantized["origin"]["uploader"]["country"],
        serde_json::Value::Null
    );
    assert_eq!(quantized["origin"]["lineage"]["mode"], "root");
    assert_eq!(quantized["origin"]["lineage"]["root"], "Qwen/Qwen3-8B-Base");
    assert_eq!(quantized["origin"]["lineage"]["country"], "CN");
    assert_eq!(quantized["at"], "2026-08-22T00:00:00Z");
    // A merge of a Qwen and a Llama descendant: mixed.
    let merge = json("someone/merge");
    assert_eq!(merge["origin"]["lineage"]["mode"], "mixed");
    assert_eq!(
        merge["origin"]["lineage"]["country"],
        serde_json::Value::Null
    );
    // A base model is its own root: the lineage mode falls back to the uploader.
    let base = json("meta-llama/Llama-3.1-8B");
    assert_eq!(base["origin"]["lineage"]["mode"], "uploader_own_root");
    assert_eq!(base["origin"]["lineage"]["country"], "US");
    // A legacy id is attributed through its recorded move.
    let legacy = json("gpt2");
    assert_eq!(legacy["legacy"], true);
    assert_eq!(legacy["origin"]["uploader"]["organization"], "OpenAI");
    // A model the snapshot does not hold.
    let absent = json("Qwen/Qwen3-235B-A22B");
    assert_eq!(
        absent["origin"]["lineage"]["mode"],
        "unknown_not_in_snapshot"
    );
}

#[test]
fn coverage_of_a_store_in_json() {
    let dir = tempfile::tempdir().unwrap();
    small_store(dir.path());
    let json = json_of(dir.path(), &["registry", "coverage", "--format", "json"]);
    // 13,700 downloads; Qwen (6,000), meta-llama (2,000) and gpt2 via openai-community (700)
    // have a country; `someone` and `unknown-lab` (5,000) do not, and have no type either.
    assert_eq!(json["population"]["downloads"], 13_700);
    assert_eq!(json["population"]["models"], 7);
    assert_eq!(json["population"]["measure"], "downloads_30d");
    assert_eq!(json["population"]["snapshot"], "2026-08-22T00:00:00Z");
    assert_eq!(json["downloads_with_country"], 8_700);
    assert_eq!(json["downloads_with_type"], 8_700);
    assert_eq!(json["models_with_country"], 4);
    let share = json["downloads_share_with_country"].as_f64().unwrap();
    assert!((share - 8_700.0 / 13_700.0).abs() < 1e-12);
    assert_eq!(json["top_unattributed"][0]["namespace"], "someone");
    assert_eq!(json["top_unattributed"][0]["downloads"], 3_500);
    assert_eq!(json["top_unattributed"][1]["namespace"], "unknown-lab");
    assert!(json["registry_version"].as_str().unwrap().starts_with("20"));

    let top = hubcensus(dir.path())
        .args(["registry", "coverage", "--top", "2", "--format", "json"])
        .output()
        .unwrap();
    let top: serde_json::Value = serde_json::from_slice(&top.stdout).unwrap();
    assert_eq!(top["population"]["top"], 2);
    assert_eq!(top["population"]["downloads"], 8_000);
    assert_eq!(top["downloads_with_country"], 5_000);
}

#[test]
fn coverage_table_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    hubcensus(&dir.path().join("empty"))
        .args(["registry", "coverage"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("error: no store at"))
        .stderr(predicate::str::contains("hint: import one first"));
    small_store(dir.path());
    hubcensus(dir.path())
        .args(["registry", "coverage", "--snapshot", "2026-08-22"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("share of downloads"))
        .stdout(predicate::str::contains("63.5%"))
        .stdout(predicate::str::contains("someone"));
    hubcensus(dir.path())
        .args(["registry", "coverage", "--snapshot", "2026-01-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("error: no snapshot at 2026-01-01"))
        .stderr(predicate::str::contains(
            "hint: snapshots in the store: 2026-08-22T00:00:00Z",
        ));
    hubcensus(dir.path())
        .args(["registry", "coverage", "--measure", "all-time"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no downloads_all_time column"));
}

/// The registry's coverage of the real daily listings, through a real store: on each of the 16
/// days of hf-daily-top-snapshots, the top 200 (30-day downloads) has at least 90% of its
/// downloads with a country and 98% with a contributor type (docs/registry.md, "Coverage").
#[test]
fn coverage_of_every_real_data_daily_listing() {
    #[derive(serde::Deserialize)]
    struct Listing {
        date: String,
        models: Vec<Listed>,
    }
    #[derive(serde::Deserialize)]
    struct Listed {
        id: String,
        downloads: u64,
    }
    let mut paths: Vec<_> = std::fs::read_dir(shared_data().join("hf-daily-top-snapshots"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 16, "the 16 daily listings of 2026-08-07..22");
    let mut below = Vec::new();
    for path in paths {
        let listing: Listing = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let records: Vec<ModelRecord> = listing
            .models
            .iter()
            .map(|model| record(&model.id, model.downloads, &[]))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        store_with(dir.path(), &format!("{}T00:00:00Z", listing.date), &records);
        let json = json_of(
            dir.path(),
            &["registry", "coverage", "--top", "200", "--format", "json"],
        );
        assert_eq!(json["population"]["models"], 200, "{}", listing.date);
        let country = json["downloads_share_with_country"].as_f64().unwrap();
        let kind = json["downloads_share_with_type"].as_f64().unwrap();
        if country < 0.90 || kind < 0.98 {
            below.push(format!(
                "{}: country {country:.4}, type {kind:.4}",
                listing.date
            ));
        }
    }
    assert!(below.is_empty(), "below the floors: {below:?}");
}

#[test]
fn coverage_and_who_use_the_account_kinds_enrich_recorded() {
    let dir = tempfile::tempdir().unwrap();
    small_store(dir.path());
    let enrich = dir
        .path()
        .join("enrich")
        .join(hubcensus_store::snapshot_dir_name(
            Timestamp::parse("2026-08-22T00:00:00Z").unwrap(),
        ));
    std::fs::create_dir_all(&enrich).unwrap();
    std::fs::write(
        enrich.join("accounts.jsonl"),
        "{\"name\":\"someone\",\"kind\":\"user\"}\n{\"name\":\"unknown-lab\",\"kind\":\"organization\"}\n{\"name\":\"torn\",\"ki",
    )
    .unwrap();
    let json = json_of(dir.path(), &["registry", "coverage", "--format", "json"]);
    assert_eq!(json["population"]["account_kinds"], 2);
    // `someone` (3,500) is now an individual; `unknown-lab` an unclassified organization,
    // which does not count as a type.
    assert_eq!(json["downloads_with_type"], 8_700 + 3_500);
    assert_eq!(json["downloads_with_country"], 8_700);
    hubcensus(dir.path())
        .args(["who", "someone"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "type individual (from the account kind",
        ));
    let output = hubcensus(dir.path())
        .args(["who", "unknown-lab/model", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["origin"]["uploader"]["contributor"],
        "unclassified organization"
    );
}

/// The tables as a reader sees them (the registry version filtered: it changes with every
/// registry edit).
#[test]
fn coverage_and_who_tables() {
    let dir = tempfile::tempdir().unwrap();
    small_store(dir.path());
    let run = |args: &[&str]| {
        let output = hubcensus(dir.path()).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{4}-\d{2}-\d{2}\+[0-9a-f]{12}", "[registry version]");
    settings.bind(|| {
        insta::assert_snapshot!(
            "coverage_table",
            run(&["registry", "coverage", "--gaps", "3"])
        );
        insta::assert_snapshot!("who_namespace", run(&["who", "Qwen"]));
        insta::assert_snapshot!("who_model", run(&["who", "someone/Qwen3-8B-GGUF"]));
    });
}

#[test]
fn who_and_coverage_mistakes_exit_2_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    small_store(dir.path());
    for (args, error, hint) in [
        (
            vec!["who", "not a/model id"],
            "error: not a namespace or model id",
            "hint: pass a namespace (`hubcensus who Qwen`)",
        ),
        (
            vec!["who", "  "],
            "error: empty namespace",
            "hint: pass a namespace (`hubcensus who Qwen`)",
        ),
        (
            vec!["who", "Qwen", "--at", "last tuesday"],
            "error: ",
            "hint: --at takes a date (2026-03-29)",
        ),
        (
            vec!["registry", "coverage", "--snapshot", "yesterday"],
            "error: invalid value 'yesterday' for '--snapshot <AS_OF>'",
            "is not a date (2026-03-29) or an RFC 3339 time",
        ),
    ] {
        let output = hubcensus(dir.path()).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(error), "{args:?}: {stderr}");
        assert!(stderr.contains(hint), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}
