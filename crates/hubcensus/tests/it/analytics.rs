//! The analytics views (`windows`, `top`, `churn`, `shares`, `lineage`, `derivatives`) on a
//! small hand-built store.

use hubcensus_model::{Lineage, LineageSource, ModelId, ModelRecord, Relation, Timestamp};
use serde_json::Value;

use crate::support::{commit as commit_snapshot, draft, hubcensus, json_of as json};

fn id(text: &str) -> ModelId {
    ModelId::new(text).unwrap()
}

/// (object id, id, all-time downloads, created, lineage (relation, parent))
type Row = (
    &'static str,
    &'static str,
    u64,
    &'static str,
    Option<(Relation, &'static str)>,
);

fn commit(dir: &std::path::Path, as_of: &str, rows: &[Row]) {
    let as_of = Timestamp::parse(as_of).unwrap();
    let records: Vec<ModelRecord> = rows
        .iter()
        .map(|&(object_id, model, all_time, created, lineage)| {
            let mut record = ModelRecord::new(id(model));
            record.object_id = Some(object_id.to_owned());
            record.downloads_all_time = Some(all_time);
            record.downloads_30d = Some(all_time / 4);
            record.created_at = Timestamp::created_at(Some(Timestamp::parse(created).unwrap()));
            record.pipeline_tag = Some(
                if model.contains("whisper") {
                    "automatic-speech-recognition"
                } else {
                    "text-generation"
                }
                .to_owned(),
            );
            record.lineage = lineage.and_then(|(relation, parent)| {
                Lineage::new(relation, vec![id(parent)], LineageSource::BaseModels)
            });
            record
        })
        .collect();
    commit_snapshot(dir, draft(as_of), &records);
}

/// Three weekly snapshots: a rename (qwen/old -> qwen/new, same `_id`), a quantized derivative,
/// a new model, a disappearance, a negative delta, a legacy id, a sentinel creation date.
fn world() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let quantized = Some((Relation::Quantized, "meta-llama/Llama-3-8B"));
    commit(
        dir.path(),
        "2026-08-09",
        &[
            ("1", "meta-llama/Llama-3-8B", 1000, "2024-04-18", None),
            (
                "2",
                "TheBloke/Llama-3-8B-GGUF",
                500,
                "2024-04-20",
                quantized,
            ),
            ("3", "qwen/old", 800, "2025-01-01", None),
            ("4", "gpt2", 5000, "2022-03-02T23:29:04Z", None),
            ("5", "someone/gone", 10, "2025-05-05", None),
            ("6", "openai/whisper-small", 300, "2023-01-01", None),
        ],
    );
    commit(
        dir.path(),
        "2026-08-16",
        &[
            ("1", "meta-llama/Llama-3-8B", 1100, "2024-04-18", None),
            (
                "2",
                "TheBloke/Llama-3-8B-GGUF",
                590,
                "2024-04-20",
                quantized,
            ),
            ("3", "qwen/new", 1000, "2025-01-01", None),
            ("4", "gpt2", 5050, "2022-03-02T23:29:04Z", None),
            ("6", "openai/whisper-small", 290, "2023-01-01", None),
            ("7", "fresh/model", 70, "2026-08-12", None),
        ],
    );
    commit(
        dir.path(),
        "2026-08-23",
        &[
            ("1", "meta-llama/Llama-3-8B", 1150, "2024-04-18", None),
            (
                "2",
                "TheBloke/Llama-3-8B-GGUF",
                700,
                "2024-04-20",
                quantized,
            ),
            ("3", "qwen/new", 1300, "2025-01-01", None),
            ("4", "gpt2", 5060, "2022-03-02T23:29:04Z", None),
            ("6", "openai/whisper-small", 300, "2023-01-01", None),
            ("7", "fresh/model", 200, "2026-08-12", None),
        ],
    );
    dir
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[test]
fn windows_json_contract() {
    let dir = world();
    let out = json(dir.path(), &["windows", "--k", "3", "--format", "json"]);
    assert_eq!(out["schema"], "hubcensus.windows/1");
    let windows = out["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 2);
    let first = &windows[0];
    assert_eq!(first["from"], "2026-08-09T00:00:00Z");
    assert_eq!(first["to"], "2026-08-16T00:00:00Z");
    // D: llama 100, gguf 90, qwen (renamed) 200, gpt2 50, whisper -10 (clamped), fresh 70 (new).
    assert_eq!(first["total_downloads"], 510);
    assert_eq!(first["models"], 6);
    assert_eq!(first["new"], 1);
    assert_eq!(first["disappeared"], 1);
    assert_eq!(first["unmatched"], 0);
    assert_eq!(first["negative"], 1);
    assert_eq!(first["clamped_downloads"], 10);
    assert_eq!(first["k"], 3);
    assert_eq!(
        strings(&first["working_set"]),
        vec![
            "qwen/new",
            "meta-llama/Llama-3-8B",
            "TheBloke/Llama-3-8B-GGUF"
        ]
    );
    // Family: llama + its GGUF = 190 (second after qwen's 200).
    assert_eq!(
        strings(&first["family_working_set"]),
        vec!["qwen/new", "meta-llama/Llama-3-8B", "fresh/model"]
    );
    assert!((first["top_k_share"].as_f64().unwrap() - 390.0 / 510.0).abs() < 1e-12);
    assert_eq!(first["n50"], 2);
    let lorenz = first["lorenz"].as_array().unwrap();
    assert_eq!(lorenz.len(), 101);
    assert_eq!(lorenz[100]["downloads"], 1.0);
    assert!(first["churn"].is_null());
    let second = &windows[1];
    // D: llama 50, gguf 110, qwen 300, gpt2 10, whisper 10, fresh 130.
    assert_eq!(second["total_downloads"], 610);
    assert_eq!(
        strings(&second["working_set"]),
        vec!["qwen/new", "fresh/model", "TheBloke/Llama-3-8B-GGUF"]
    );
    assert_eq!(strings(&second["entries"]), vec!["fresh/model"]);
    assert_eq!(strings(&second["exits"]), vec!["meta-llama/Llama-3-8B"]);
    assert!((second["churn"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert!(
        second["population"]["words"]
            .as_str()
            .unwrap()
            .contains("all models")
    );
    assert_eq!(second["population"]["measure"], "all_time_difference");
}

#[test]
fn windows_hhi_over_organizations_and_countries() {
    let dir = world();
    let out = json(dir.path(), &["windows", "--format", "json"]);
    let first = &out["windows"][0];
    // D: meta-llama 100 (Meta, US), TheBloke 90 (an individual's entry, no country), qwen 200
    // (Qwen, CN through Alibaba), gpt2 50 (a legacy id the registry records as moved to
    // openai-community: OpenAI, US), whisper 0 (clamped), fresh 70 (not in the registry).
    // S = 510.
    let squared = |parts: &[f64]| {
        parts
            .iter()
            .map(|x| (100.0 * x / 510.0).powi(2))
            .sum::<f64>()
    };
    let close = |value: &Value, expected: f64| {
        let value = value.as_f64().unwrap();
        assert!((value - expected).abs() < 1e-9, "{value} vs {expected}");
    };
    close(&first["hhi_country"], squared(&[150.0, 200.0]));
    close(&first["hhi_country_unknown_share"], 160.0 / 510.0);
    close(&first["hhi_org"], squared(&[100.0, 200.0, 90.0, 50.0]));
    close(&first["hhi_org_unknown_share"], 70.0 / 510.0);
    // The same figure as `shares` gives for the window.
    let shares = json(
        dir.path(),
        &["shares", "--by", "country", "--format", "json"],
    );
    close(
        &shares["results"][0]["hhi"]["value"],
        squared(&[150.0, 200.0]),
    );
}

#[test]
fn filters_are_part_of_the_population() {
    let dir = world();
    let out = json(
        dir.path(),
        &[
            "windows",
            "--task",
            "automatic-speech-recognition",
            "--format",
            "json",
        ],
    );
    let first = &out["windows"][0];
    assert_eq!(first["models"], 1);
    assert_eq!(first["total_downloads"], 0);
    assert_eq!(first["disappeared"], 0);
    // A disappeared model is judged by its task in the first snapshot, a frame read only as
    // the first window's baseline: its filter columns are read all the same.
    let text = json(
        dir.path(),
        &["windows", "--task", "text-generation", "--format", "json"],
    );
    assert_eq!(text["windows"][0]["disappeared"], 1);
    assert_eq!(text["windows"][0]["models"], 5);
    assert!(first["top_k_share"].is_null(), "S = 0 is undefined");
    assert_eq!(
        out["windows"][0]["population"]["filter"]["task"],
        "automatic-speech-recognition"
    );
    let table = hubcensus(dir.path())
        .args(["windows", "--task", "automatic-speech-recognition"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    assert!(
        table.contains("task = automatic-speech-recognition"),
        "{table}"
    );
    assert!(table.contains("undefined"), "{table}");
}

#[test]
fn top_churn_shares_lineage_derivatives() {
    let dir = world();
    let top = json(
        dir.path(),
        &[
            "top",
            "--k",
            "2",
            "--as-of",
            "2026-08-16",
            "--format",
            "json",
        ],
    );
    assert_eq!(top["models"][0]["id"], "qwen/new");
    assert_eq!(top["models"][1]["id"], "meta-llama/Llama-3-8B");
    let top = json(dir.path(), &["top", "--k", "2", "--format", "json"]);
    assert_eq!(top["models"][1]["id"], "fresh/model");
    assert_eq!(top["models"][1]["status"], "matched");
    let first = json(
        dir.path(),
        &["top", "--as-of", "2026-08-09", "--format", "json"],
    );
    assert_eq!(
        first["population"]["measure"], "thirty_day",
        "no earlier snapshot"
    );
    let family = json(dir.path(), &["top", "--family", "--format", "json"]);
    assert_eq!(family["models"][0]["id"], "qwen/new");
    assert_eq!(family["models"][1]["id"], "meta-llama/Llama-3-8B");
    assert_eq!(family["models"][1]["downloads"], 160);

    let churn = json(dir.path(), &["churn", "--k", "3", "--format", "json"]);
    assert_eq!(churn["entries"][0]["id"], "fresh/model");
    assert_eq!(churn["exits"][0]["id"], "meta-llama/Llama-3-8B");

    let shares = json(
        dir.path(),
        &[
            "shares", "--by", "country", "--origin", "both", "--period", "year", "--format", "json",
        ],
    );
    let results = shares["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "uploader and lineage");
    for result in results {
        assert_eq!(result["total"], 1120);
        let sum: u64 = result["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["downloads"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, 1120, "every download is in some row");
        // gpt2 is a legacy id the registry lists: it counts as OpenAI's, never as legacy.
        assert!(
            !result["rows"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["group"] == "legacy, unnamespaced")
        );
    }

    let lineage = json(
        dir.path(),
        &["lineage", "TheBloke/Llama-3-8B-GGUF", "--format", "json"],
    );
    assert_eq!(lineage["root"], "meta-llama/Llama-3-8B");
    assert_eq!(lineage["family"], "meta-llama/Llama-3-8B");
    assert_eq!(lineage["relation"], "quantized");
    let base = json(
        dir.path(),
        &["lineage", "meta-llama/Llama-3-8B", "--format", "json"],
    );
    assert_eq!(base["direct"]["quantized"], 1);
    assert_eq!(base["descendants"], 1);
    // A former id resolves to the renamed model.
    let renamed = json(dir.path(), &["lineage", "qwen/old", "--format", "json"]);
    assert_eq!(renamed["id"], "qwen/new");

    let derivatives = json(dir.path(), &["derivatives", "--format", "json"]);
    assert_eq!(derivatives["bases"][0]["id"], "meta-llama/Llama-3-8B");
    assert_eq!(derivatives["bases"][0]["descendants"], 1);
    assert_eq!(derivatives["relation_mix"]["edges"], 1);
}

#[test]
fn user_mistakes_exit_2_with_a_hint() {
    let empty = tempfile::tempdir().unwrap();
    hubcensus(empty.path())
        .arg("windows")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no store at"))
        .stderr(predicates::str::contains("hint:"));
    // A read-only command creates nothing where there is no store (a misspelt data dir).
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
    let dir = world();
    hubcensus(dir.path())
        .args(["lineage", "nobody/nothing"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no model"))
        .stderr(predicates::str::contains("hint:"));
    hubcensus(dir.path())
        .args(["top", "--as-of", "2020-01-01"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("hint: snapshots in the store"));
    hubcensus(dir.path())
        .args(["top", "--min-params", "9B", "--max-params", "1B"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "error: min-params 9000000000 is greater than max-params 1000000000",
        ))
        .stderr(predicates::str::contains(
            "hint: swap --min-params and --max-params",
        ));
    // A filter value no snapshot holds is a mistake, not an empty population (it printed
    // "The 0 hold undefined of the window's downloads" with exit 0).
    hubcensus(dir.path())
        .args(["top", "--task", "no-such-task"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "error: no model in the store has task \"no-such-task\"",
        ))
        .stderr(predicates::str::contains(
            "hint: tasks in the store include: automatic-speech-recognition, text-generation",
        ));
    hubcensus(dir.path())
        .args(["derivatives", "--task", "Text-Generation"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "hint: did you mean --task text-generation?",
        ));
    hubcensus(dir.path())
        .args(["churn", "--as-of", "2026-08-16"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("two windows"))
        .stderr(predicates::str::contains("hint:"));
}

/// Lineage counts on the real hub-stats subset, imported into a store. Expected figures were
/// computed independently (`DuckDB` over the same Parquet: edges from `baseModels`, else relation
/// tags, else plain tags).
#[test]
fn derivatives_on_hub_stats_subset_real_data() {
    let data = tempfile::tempdir().unwrap();
    let path = crate::support::shared_data().join("hub-stats-subset/hub_stats_frozen.parquet");
    hubcensus(data.path())
        .args(["import", "--as-of", "2026-05-20"])
        .arg(&path)
        .assert()
        .success();
    let out = json(
        data.path(),
        &["derivatives", "--top", "3", "--format", "json"],
    );
    let mix = &out["relation_mix"];
    // Every declared parent link (six self-references excluded), whether or not the parent
    // is in the file.
    assert_eq!(mix["edges"], 5195);
    assert_eq!(mix["counts"]["merge"], 3730);
    assert_eq!(mix["counts"]["finetune"], 1397);
    assert_eq!(mix["counts"]["quantized"], 48);
    assert_eq!(mix["counts"]["adapter"], 20);
    let bases: Vec<(&str, u64, u64)> = out["bases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_str().unwrap(),
                b["descendants"].as_u64().unwrap(),
                b["direct"]
                    .as_object()
                    .unwrap()
                    .values()
                    .map(|v| v.as_u64().unwrap())
                    .sum(),
            )
        })
        .collect();
    assert_eq!(
        bases,
        vec![
            ("meta-llama/Llama-3.1-8B", 355, 24),
            ("meta-llama/Llama-3.1-8B-Instruct", 321, 65),
            ("Qwen/Qwen2.5-7B", 250, 50),
        ]
    );
    // The 30-day measure of a single snapshot, labelled as such.
    let windows = json(data.path(), &["windows", "--format", "json"]);
    assert_eq!(windows["windows"].as_array().unwrap().len(), 1);
    assert_eq!(windows["windows"][0]["measure"], "thirty_day");
}

/// A 30-day-era snapshot, then two with all-time downloads: the first two windows are 30-day
/// windows (the second because the snapshot before it cannot be differenced), the third a
/// difference. The 30-day `downloads` is decoded only where such a window needs it.
#[test]
fn windows_across_eras_read_the_30_day_downloads_where_needed() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = |as_of: &str, all_time: bool, rows: &[(&str, u64, u64)]| {
        let mut draft = draft(Timestamp::parse(as_of).unwrap());
        if !all_time {
            draft.columns.retain(|c| c != "downloads_all_time");
        }
        let records: Vec<ModelRecord> = rows
            .iter()
            .map(|&(model, thirty_day, total)| {
                let mut record = ModelRecord::new(id(model));
                record.object_id = Some(model.replace('/', "-"));
                record.downloads_30d = Some(thirty_day);
                record.downloads_all_time = all_time.then_some(total);
                record
            })
            .collect();
        commit_snapshot(dir.path(), draft, &records);
    };
    snapshot("2026-08-02", false, &[("a/x", 40, 0), ("b/y", 60, 0)]);
    snapshot("2026-08-09", true, &[("a/x", 45, 1000), ("b/y", 55, 2000)]);
    snapshot("2026-08-16", true, &[("a/x", 50, 1100), ("b/y", 50, 2030)]);
    let windows = json(dir.path(), &["windows", "--format", "json"]);
    let windows = windows["windows"].as_array().unwrap();
    let measures: Vec<&str> = windows
        .iter()
        .map(|w| w["measure"].as_str().unwrap())
        .collect();
    assert_eq!(
        measures,
        ["thirty_day", "thirty_day", "all_time_difference"]
    );
    let totals: Vec<u64> = windows
        .iter()
        .map(|w| w["total_downloads"].as_u64().unwrap())
        .collect();
    assert_eq!(totals, [100, 100, 130]);
}

/// METHODS.md §1: a child whose `baseModels` names its base by `_id` beside a name no snapshot
/// holds belongs to that base in `lineage`, `derivatives` and the family view.
#[test]
fn a_parent_named_by_object_id_under_an_old_name_keeps_its_children() {
    let dir = tempfile::tempdir().unwrap();
    for (as_of, base, child, other) in [
        ("2026-08-09", 1000, 500, 1150),
        ("2026-08-16", 1100, 590, 1300),
    ] {
        let mut records = Vec::new();
        for (object_id, model, all_time) in [("ob", "org/base", base), ("oo", "zz/other", other)] {
            let mut record = ModelRecord::new(id(model));
            record.object_id = Some(object_id.into());
            record.downloads_all_time = Some(all_time);
            records.push(record);
        }
        let mut gguf = ModelRecord::new(id("someone/base-gguf"));
        gguf.object_id = Some("oc".into());
        gguf.downloads_all_time = Some(child);
        gguf.lineage = Lineage::with_object_ids(
            Relation::Quantized,
            vec![(id("org/base-old"), Some("ob".into()))],
            LineageSource::BaseModels,
        );
        records.push(gguf);
        commit_snapshot(
            dir.path(),
            draft(Timestamp::parse(as_of).unwrap()),
            &records,
        );
    }
    let base = json(dir.path(), &["lineage", "org/base", "--format", "json"]);
    assert_eq!(base["direct"]["quantized"], 1);
    assert_eq!(base["descendants"], 1);
    let gguf = json(
        dir.path(),
        &["lineage", "someone/base-gguf", "--format", "json"],
    );
    assert_eq!(gguf["root"], "org/base");
    let derivatives = json(dir.path(), &["derivatives", "--format", "json"]);
    assert_eq!(derivatives["bases"][0]["id"], "org/base");
    // The family of org/base holds its quantized child: 100 + 90 before zz/other's 150.
    let family = json(dir.path(), &["top", "--family", "--format", "json"]);
    assert_eq!(family["models"][0]["id"], "org/base");
    assert_eq!(family["models"][0]["downloads"], 190);
    assert_eq!(family["models"][1]["id"], "zz/other");
}

/// METHODS.md §5: the daily listings carry no lineage; imported on top of the hub-stats snapshot
/// they must not erase it. Before, `lineage Qwen/Qwen3-0.6B` showed 0 children, `derivatives`
/// had no edges and the lineage shares equalled the uploader shares exactly.
#[test]
fn lineage_comes_from_the_newest_snapshot_that_has_it_real_data() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::import_hub_stats(dir.path());
    crate::support::import_daily_listings(dir.path());
    let lineage = json(
        dir.path(),
        &["lineage", "Qwen/Qwen3-0.6B", "--format", "json"],
    );
    assert_eq!(lineage["descendants"], 1, "{lineage:#}");
    let population = lineage["population"].as_str().unwrap();
    assert!(
        population.contains("lineage of the snapshot at 2026-05-20T00:00:00Z, the newest"),
        "{population}"
    );
    let derivatives = json(dir.path(), &["derivatives", "--format", "json"]);
    assert!(derivatives["relation_mix"]["edges"].as_u64().unwrap() > 5_000);
    let windows = json(dir.path(), &["windows", "--format", "json"]);
    assert_eq!(windows["lineage_from"], "2026-05-20T00:00:00Z");
    let shares = json(
        dir.path(),
        &[
            "shares", "--by", "country", "--origin", "both", "--format", "json",
        ],
    );
    let results = shares["results"].as_array().unwrap();
    let last = |origin: &str| {
        results
            .iter()
            .rfind(|result| result["origin"] == origin)
            .unwrap()["rows"]
            .clone()
    };
    assert_ne!(last("uploader"), last("lineage"));
    let who = json(
        dir.path(),
        &[
            "who",
            "meta-llama/Llama-3.1-8B-Instruct",
            "--format",
            "json",
        ],
    );
    assert_eq!(who["origin"]["lineage"]["mode"], "root");
    assert_eq!(who["origin"]["lineage"]["snapshot"], "2026-05-20T00:00:00Z");
}

/// Issue #14, item 1, "done when": the family working set of a world whose parents were renamed
/// equals a naive computation that resolves every parent by `_id`. Every child names its parent
/// by `_id` and by a name of the parent's that no snapshot holds (from before a rename the
/// snapshots never saw), while some parents are also renamed between the snapshots; quantized
/// and adapter children fold into their parent, recursively (METHODS.md §4).
#[test]
fn family_working_set_with_renamed_parents_matches_a_naive_computation_by_object_id() {
    use std::collections::BTreeMap;

    const BASES: usize = 12;
    const CHILDREN: usize = 90;
    // Model i: its `_id`, its name in each snapshot, its parent (an index) and relation.
    struct Model {
        object_id: String,
        names: [String; 2],
        parent: Option<(usize, Relation)>,
        all_time: [u64; 2],
    }

    let dir = tempfile::tempdir().unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |bound: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % bound
    };
    let mut models: Vec<Model> = Vec::new();
    for i in 0..BASES {
        let name = format!("org{}/base{i}", i % 3);
        let before = if i % 2 == 0 {
            format!("{name}-old")
        } else {
            name.clone()
        };
        models.push(Model {
            object_id: format!("B{i:03}"),
            names: [before, name],
            parent: None,
            all_time: [0; 2],
        });
    }
    let relations = [Relation::Quantized, Relation::Adapter, Relation::Finetune];
    for j in 0..CHILDREN {
        let parent = next((BASES + j) as u64) as usize;
        let name = format!("user{}/child{j}", j % 7);
        // Some children are renamed too, so a grandchild names a stale child name.
        let before = if j % 5 == 0 {
            format!("{name}-v0")
        } else {
            name.clone()
        };
        models.push(Model {
            object_id: format!("C{j:03}"),
            names: [before, name],
            parent: Some((parent, relations[next(3) as usize])),
            all_time: [0; 2],
        });
    }
    for model in &mut models {
        let first = 1_000 + next(5_000);
        model.all_time = [first, first + next(2_000)];
    }
    let created = Timestamp::parse("2026-01-01").unwrap();
    let records = |week: usize| -> Vec<ModelRecord> {
        models
            .iter()
            .map(|model| {
                let mut record =
                    ModelRecord::new(ModelId::new(model.names[week].as_str()).unwrap());
                record.object_id = Some(model.object_id.clone());
                record.created_at = Some(created);
                record.downloads_all_time = Some(model.all_time[week]);
                record.lineage = model.parent.and_then(|(parent, relation)| {
                    let parent = &models[parent];
                    // The parent's `_id` with a name no snapshot holds.
                    Lineage::with_object_ids(
                        relation,
                        vec![(
                            ModelId::new(format!("{}-previous", parent.names[0])).unwrap(),
                            Some(parent.object_id.clone()),
                        )],
                        LineageSource::BaseModels,
                    )
                });
                record
            })
            .collect()
    };
    for (week, day) in ["2026-08-09", "2026-08-16"].into_iter().enumerate() {
        commit_snapshot(
            dir.path(),
            draft(Timestamp::parse(day).unwrap()),
            &records(week),
        );
    }

    // Naive: fold quantized and adapter children into their parent by index (= by `_id`).
    let head = |mut index: usize| {
        while let Some((parent, Relation::Quantized | Relation::Adapter)) = models[index].parent {
            index = parent;
        }
        index
    };
    let mut families: BTreeMap<usize, u64> = BTreeMap::new();
    for (index, model) in models.iter().enumerate() {
        *families.entry(head(index)).or_default() += model.all_time[1] - model.all_time[0];
    }
    let mut ranked: Vec<(String, u64)> = families
        .into_iter()
        .map(|(index, downloads)| (models[index].names[1].clone(), downloads))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(10);

    let top = json(
        dir.path(),
        &["top", "--family", "--k", "10", "--format", "json"],
    );
    let shown: Vec<(String, u64)> = top["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["id"].as_str().unwrap().to_owned(),
                row["downloads"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(shown, ranked);
}
