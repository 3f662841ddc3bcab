//! `hubcensus evals`, `audit` and `discover` end to end.

use std::path::Path;

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::support::{hubcensus, shared_data};

const WEEKS: [&str; 14] = [
    "2026-05-24",
    "2026-05-31",
    "2026-06-07",
    "2026-06-14",
    "2026-06-21",
    "2026-06-28",
    "2026-07-05",
    "2026-07-12",
    "2026-07-19",
    "2026-07-26",
    "2026-08-02",
    "2026-08-09",
    "2026-08-16",
    "2026-08-23",
];

fn model(
    id: &str,
    billions: u64,
    contributor: &str,
    downloads: &[u64],
    ranks: &[Option<u32>],
) -> Value {
    json!({
        "id": id,
        "task": "text-generation",
        "parameters": billions * 1_000_000_000,
        "license": "apache-2.0",
        "created_at": "2025-01-01T00:00:00Z",
        "organization": id.split('/').next().unwrap(),
        "contributor": contributor,
        "weekly_downloads": downloads,
        "weekly_ranks": ranks,
        "weekly_likes": vec![10; 14],
    })
}

/// A world where the 2024 default left the working set after week 9 and a same-size model that
/// scores better is #3; plus a small team's model that entered the working set in the last 3
/// weeks, and a big lab's model that did the same.
fn write_world(dir: &Path) -> std::path::PathBuf {
    let falling: Vec<u64> = (0..14).map(|w| 100_000 - 6_000 * w).collect();
    let left: Vec<Option<u32>> = (0..14).map(|w| (w < 9).then_some(40)).collect();
    let entering: Vec<Option<u32>> = (0..14).map(|w| (w >= 11).then_some(150)).collect();
    let rising: Vec<u64> = (0..14)
        .map(|w| if w >= 10 { 60_000 } else { 2_000 })
        .collect();
    // Qwen3-8B is the post-trained model, a finetune of Qwen3-8B-Base: an instruct default's like.
    let mut qwen = model(
        "Qwen/Qwen3-8B",
        8,
        "industry",
        &[300_000; 14],
        &[Some(3); 14],
    );
    qwen["lineage"] = json!({
        "relation": "finetune",
        "parents": ["Qwen/Qwen3-8B-Base"],
        "source": "base_models",
    });
    let world = json!({
        "weeks": WEEKS.map(|w| format!("{w}T00:00:00Z")),
        "working_set_size": 200,
        "task_downloads": {"text-generation": 10_000_000},
        "provenance": "integration-test world",
        "models": [
            model("meta-llama/Llama-3.1-8B-Instruct", 8, "industry", &falling, &left),
            qwen,
            model("alice/tiny-reasoner-3B", 3, "individual", &rising, &entering),
            model("bigcorp/Big-Model", 70, "industry", &rising, &entering),
            model("mistralai/Ministral-8B-Instruct-2410", 8, "industry", &[50_000; 14], &[Some(20); 14]),
        ],
    });
    let path = dir.join("world.json");
    std::fs::write(&path, serde_json::to_string_pretty(&world).unwrap()).unwrap();
    path
}

fn write_scores(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("scores.csv");
    std::fs::write(
        &path,
        "model,benchmark,metric,value,source,date\n\
         meta-llama/Llama-3.1-8B-Instruct,GPQA,accuracy,30.1,team harness,2026-08-01\n\
         meta-llama/Llama-3.1-8B-Instruct,MATH,accuracy,40,team harness,2026-08-01\n\
         qwen/qwen3-8b,GPQA,accuracy,44.5,team harness,2026-08-01\n\
         Qwen/Qwen3-8B,MATH,accuracy,61,team harness,2026-08-01\n\
         some-api-model,GPQA,accuracy,50,team harness,2026-08-01\n\
         mistralai/Ministral-8B-Instruct-2410,GPQA,accuracy,20,team harness,2026-08-01\n",
    )
    .unwrap();
    path
}

#[test]
fn import_matches_names_and_lists_the_unmatched() {
    let data = tempfile::tempdir().unwrap();
    let scores = write_scores(data.path());
    let unmatched = data.path().join("unmatched.txt");
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(&scores)
        .arg("--unmatched")
        .arg(&unmatched)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "imported 6 scores for 5 model names",
        ))
        .stdout(predicate::str::contains("unmatched: some-api-model"));
    // No Hub ids in the store or the file: nothing to match against, so even names that look
    // like Hub ids stay unmatched (never guessed).
    assert_eq!(
        std::fs::read_to_string(&unmatched).unwrap(),
        "\"Qwen/Qwen3-8B\"\n\"meta-llama/Llama-3.1-8B-Instruct\"\n\"mistralai/Ministral-8B-Instruct-2410\"\n\"qwen/qwen3-8b\"\n\"some-api-model\"\n"
    );
    hubcensus(data.path())
        .args(["evals", "show", "Qwen/Qwen3-8B"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no scores on record for Qwen/Qwen3-8B",
        ));
    // A later file that carries Hub ids gives the stored names their chance.
    let ids = data.path().join("ids.csv");
    std::fs::write(
        &ids,
        "model,hf_id,reported_by_authors,effective_length,4k,8k,16k,32k,64k,128k,avg\n\
         Llama,meta-llama/Llama-3.1-8B-Instruct,False,32K,95,,,,,,\n\
         Qwen,Qwen/Qwen3-8B,False,32K,96,,,,,,\n",
    )
    .unwrap();
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(&ids)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "3 names stored unmatched by earlier imports now match a Hub id: Qwen/Qwen3-8B, meta-llama/Llama-3.1-8B-Instruct, qwen/qwen3-8b as Qwen/Qwen3-8B\n",
        ));
    // They were stored with their ids: the next import does not report them again.
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(&ids)
        .assert()
        .success()
        .stdout(predicate::str::contains("now match").not());
    hubcensus(data.path())
        .args(["evals", "show", "Qwen/Qwen3-8B", "--workload", "reasoning"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "2 scores on record for Qwen/Qwen3-8B\n",
        ))
        .stdout(predicate::str::contains("as written: qwen/qwen3-8b"));
}

#[test]
fn audit_replace_exits_1_and_keep_exits_0() {
    let data = tempfile::tempdir().unwrap();
    let world = write_world(data.path());
    // A Hub-id-carrying file first, so the team's names have candidates to match.
    let ids = data.path().join("ids.csv");
    std::fs::write(
        &ids,
        "model,hf_id,reported_by_authors,effective_length,4k,8k,16k,32k,64k,128k,avg\n\
         Llama,meta-llama/Llama-3.1-8B-Instruct,False,32K,95,94,93,90,85,77,89\n\
         Qwen,Qwen/Qwen3-8B,False,32K,96,95,94,92,,,\n\
         Ministral,mistralai/Ministral-8B-Instruct-2410,False,16K,90,88,85,,,,\n",
    )
    .unwrap();
    hubcensus(data.path())
        .args(["evals", "import", "--format", "ruler"])
        .arg(&ids)
        .assert()
        .success();
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(write_scores(data.path()))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "3 exact, 1 normalised; unmatched: 1",
        ));

    let output = hubcensus(data.path())
        .args(["audit", "meta-llama/Llama-3.1-8B-Instruct", "--workload", "reasoning", "--evidence"])
        .arg(&world)
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(
            "verdict: REPLACE — meta-llama/Llama-3.1-8B-Instruct for reasoning",
        ))
        .stdout(predicate::str::contains(
            "Qwen/Qwen3-8B (working set #3) scores better on 2 of the 2 benchmark series both have: GPQA accuracy 44.5 vs 30.1 (team harness)",
        ))
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    assert!(
        text.contains("left the working set (top 200): last in it the window ending 2026-07-19"),
        "{text}"
    );

    let json_output = hubcensus(data.path())
        .args([
            "audit",
            "Qwen/Qwen3-8B",
            "--workload",
            "reasoning",
            "--format",
            "json",
            "--evidence",
        ])
        .arg(&world)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let parsed: Value = serde_json::from_slice(&json_output).unwrap();
    assert_eq!(parsed["schema"], "hubcensus.audit/2");
    assert_eq!(parsed["audit"]["verdict"], "keep");
    assert_eq!(parsed["audit"]["default"]["rank_now"], 3);

    // Long context: the RULER numbers, per context length, never averaged with anything else.
    hubcensus(data.path())
        .args([
            "audit",
            "Qwen/Qwen3-8B",
            "--workload",
            "long-context",
            "--format",
            "md",
            "--evidence",
        ])
        .arg(&world)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            // Llama is out of the working set but scored: a candidate (issue #20), so 3 of 3.
            "| RULER | 4k | RULER table (NVIDIA) | 3/3 | #1 | `Qwen/Qwen3-8B` 96 |",
        ));
}

#[test]
fn audit_without_evidence_says_what_is_missing() {
    let data = tempfile::tempdir().unwrap();
    let world = write_world(data.path());
    hubcensus(data.path())
        .args(["audit", "alice/tiny-reasoner-3B", "--workload", "code", "--evidence"])
        .arg(&world)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("verdict: REVIEW"))
        .stdout(predicate::str::contains(
            "scores for alice/tiny-reasoner-3B on the code benchmarks (LiveCodeBench, LiveCodeBench Pro, HumanEval)",
        ));
    hubcensus(data.path())
        .args([
            "audit",
            "Qwen/Qwen3-8B",
            "--workload",
            "poetry",
            "--evidence",
        ])
        .arg(&world)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown workload \"poetry\""));
    hubcensus(data.path())
        .args(["audit", "Qwen/Qwen3-8B", "--workload", "reasoning"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no snapshots in the store at"))
        .stderr(predicate::str::contains("or pass --evidence FILE"));
}

#[test]
fn discover_finds_the_small_team_riser_not_the_big_lab() {
    let data = tempfile::tempdir().unwrap();
    let world = write_world(data.path());
    let output = hubcensus(data.path())
        .args([
            "discover",
            "--task",
            "text-generation",
            "--format",
            "json",
            "--evidence",
        ])
        .arg(&world)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let parsed: Value = serde_json::from_slice(&output).unwrap();
    let found: Vec<&str> = parsed["discover"]["found"]
        .as_array()
        .unwrap()
        .iter()
        .map(|riser| riser["id"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["alice/tiny-reasoner-3B"]);
    assert_eq!(parsed["discover"]["other_contributors"], 4);
    hubcensus(data.path())
        .args(["discover", "--task", "text-generation", "--evidence"])
        .arg(&world)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1. alice/tiny-reasoner-3B — entered the working set (#150)",
        ))
        .stdout(predicate::str::contains(
            "weekly downloads 2000 → 60000 (×30)",
        ));
    hubcensus(data.path())
        .args([
            "discover",
            "--task",
            "text-generation",
            "--contributor",
            "robots",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown contributor type \"robots\"",
        ));
}

#[test]
fn real_data_import_of_the_published_eval_files() {
    let data = tempfile::tempdir().unwrap();
    let shared = shared_data();
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(shared.join("open-llm-leaderboard-v2/open_llm_leaderboard.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "imported 22962 scores for 3753 model names",
        ))
        .stdout(predicate::str::contains(
            "matched to Hub ids (candidates: the 3753 Hub ids the evidence carries; there is no snapshot store): none; unmatched: 0; ambiguous: 0\n\
             3753 names came with a Hub id from the source, kept as given (no snapshot store to check them against)\n",
        ));
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(shared.join("ruler-long-context/ruler_results.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "imported 308 scores for 45 model names",
        ))
        .stdout(predicate::str::contains("unmatched: Gemini-1.5-pro"));
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(shared.join("eee-evals/livecodebenchpro"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "imported 87 scores for 27 model names",
        ));
    let output = hubcensus(data.path())
        .args([
            "evals",
            "show",
            "Qwen/Qwen2.5-7B-Instruct",
            "--workload",
            "reasoning",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let parsed: Value = serde_json::from_slice(&output).unwrap();
    let benchmarks: Vec<&str> = parsed["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|score| score["benchmark"].as_str().unwrap())
        .collect();
    assert_eq!(benchmarks, ["BBH", "GPQA", "MATH", "MuSR"]);
}

/// A store of 15 weekly snapshots: 250 filler models, a default whose downloads stall so that it
/// drops out of the top 200 after week 8 (and whose card names a newer version), a same-size model
/// that climbs, and an individual's finetune of it that enters the working set late.
fn write_store(dir: &Path) {
    use hubcensus_model::{
        Lineage, LineageSource, ModelId, ModelRecord, Relation, SourceKind, Timestamp,
    };
    use hubcensus_store::{SnapshotDraft, Writer};

    let first = Timestamp::parse("2026-05-17").unwrap();
    let mut writer = Writer::lock(dir).unwrap();
    for week in 0..15i64 {
        let as_of = first.plus_days(7 * week);
        let week = week as u64;
        let mut records = Vec::new();
        let mut push = |id: &str, all_time: u64, params: u64, card: Option<&str>| {
            let mut record = ModelRecord::new(ModelId::new(id).unwrap());
            record.created_at = Some(Timestamp::parse("2024-07-23").unwrap());
            record.downloads_all_time = Some(all_time);
            record.likes = Some(10 + week);
            record.pipeline_tag = Some("text-generation".into());
            record.parameters = Some(params);
            record.license = Some("apache-2.0".into());
            record.card_data = card.map(str::to_owned);
            records.push(record);
        };
        for filler in 0..250u64 {
            push(
                &format!("zz-test-filler/m{filler:03}"),
                1_000_000 + week * (2_000 + filler),
                1_000_000_000,
                None,
            );
        }
        let llama = if week <= 8 {
            10_000_000 + week * 50_000
        } else {
            10_400_000 + (week - 8) * 100
        };
        push(
            "meta-llama/Llama-3.1-8B-Instruct",
            llama,
            8_000_000_000,
            Some(r#"{"new_version": "meta-llama/Llama-3.3-8B-Instruct"}"#),
        );
        push(
            "Qwen/Qwen3-8B",
            5_000_000 + week * 400_000,
            8_200_000_000,
            Some(
                r#"{"model-index": [{"name": "Qwen3-8B", "results": [{"dataset": {"name": "MuSR (0-shot)"}, "metrics": [{"type": "acc_norm", "value": 17.5}], "source": {"name": "Open LLM Leaderboard"}}]}]}"#,
            ),
        );
        let tuned = if week <= 11 {
            1_000 + week * 10
        } else {
            1_110 + (week - 11) * 30_000
        };
        push("zz-test-alice/Qwen3-8B-tuned", tuned, 8_200_000_000, None);
        let mut tuned_record = records.pop().unwrap();
        tuned_record.lineage = Lineage::new(
            Relation::Finetune,
            vec![ModelId::new("Qwen/Qwen3-8B").unwrap()],
            LineageSource::BaseModels,
        );
        records.push(tuned_record);
        // Qwen3-8B is the post-trained model, a finetune of Qwen3-8B-Base (as its card says):
        // an instruct default's like.
        if let Some(qwen) = records
            .iter_mut()
            .find(|r| r.id.as_str() == "Qwen/Qwen3-8B")
        {
            qwen.lineage = Lineage::new(
                Relation::Finetune,
                vec![ModelId::new("Qwen/Qwen3-8B-Base").unwrap()],
                LineageSource::BaseModels,
            );
        }
        let draft = SnapshotDraft {
            as_of,
            crawl_started: None,
            crawl_ended: Some(as_of),
            source: SourceKind::HubApiJson,
            source_location: "integration test".into(),
            columns: [
                "id",
                "created_at",
                "downloads_all_time",
                "likes",
                "pipeline_tag",
                "parameters",
                "license",
                "card_data",
                "relation",
                "parents",
                "lineage_source",
            ]
            .map(String::from)
            .to_vec(),
            partial: false,
            synthetic: true,
        };
        let mut builder = writer.begin(draft).unwrap();
        builder.push(&records).unwrap();
        builder.commit(false).unwrap();
    }
}

#[test]
fn audit_and_discover_read_the_store() {
    let data = tempfile::tempdir().unwrap();
    write_store(data.path());
    let scores = data.path().join("scores.csv");
    std::fs::write(
        &scores,
        "model,benchmark,metric,value,source,date\n\
         meta-llama/Llama-3.1-8B-Instruct,GPQA,accuracy,30.1,team harness,2026-08-01\n\
         Qwen/Qwen3-8B,GPQA,accuracy,44.5,team harness,2026-08-01\n",
    )
    .unwrap();
    // With a store, names are matched against its catalog (253 ids).
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(&scores)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "matched to Hub ids (candidates: the current ids of the 254 models the snapshot store knows): 2 exact; unmatched: 0",
        ));
    hubcensus(data.path())
        .args(["evals", "import", "--from-store"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "imported 1 scores for 1 model names from the model cards of the snapshot of 2026-08-23 (model-index)",
        ));
    hubcensus(data.path())
        .args(["evals", "show", "Qwen/Qwen3-8B"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "MuSR · acc_norm: 17.5 — model card (Open LLM Leaderboard)",
        ));
    let output = hubcensus(data.path())
        .args([
            "audit",
            "meta-llama/Llama-3.1-8B-Instruct",
            "--workload",
            "reasoning",
            "--format",
            "json",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let parsed: Value = serde_json::from_slice(&output).unwrap();
    let audit = &parsed["audit"];
    assert_eq!(audit["verdict"], "replace");
    assert_eq!(audit["default"]["rank_now"], Value::Null);
    assert_eq!(
        audit["default"]["last_in_working_set"],
        "2026-07-12T00:00:00Z"
    );
    assert_eq!(
        audit["default"]["new_version"],
        "meta-llama/Llama-3.3-8B-Instruct"
    );
    assert_eq!(audit["candidates"][0]["report"]["id"], "Qwen/Qwen3-8B");
    assert_eq!(audit["candidates"][0]["report"]["rank_now"], 1);
    assert_eq!(audit["candidates"][0]["report"]["children"]["finetune"], 1);
    assert_eq!(audit["as_of"], "2026-08-23T00:00:00Z");

    let output = hubcensus(data.path())
        .args(["discover", "--task", "text-generation", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let parsed: Value = serde_json::from_slice(&output).unwrap();
    let found: Vec<&str> = parsed["discover"]["found"]
        .as_array()
        .unwrap()
        .iter()
        .map(|riser| riser["id"].as_str().unwrap())
        .collect();
    // alice's namespace is not in the registry and her account kind was not fetched: her type
    // is unknown, so by default she is counted, not listed.
    assert_eq!(found, Vec::<&str>::new());
    // The 250 fillers and alice, plus meta-llama and Qwen when the registry does not know them.
    let registry = hubcensus_registry::Registry::embedded();
    let as_of = hubcensus_model::Timestamp::parse("2026-08-23").unwrap();
    let unknown_labs = ["meta-llama", "Qwen"]
        .iter()
        .filter(|namespace| registry.entry(namespace, as_of).is_none())
        .count();
    assert_eq!(
        parsed["discover"]["unknown_contributor"],
        251 + unknown_labs
    );
    hubcensus(data.path())
        .args([
            "discover",
            "--task",
            "text-generation",
            "--contributor",
            "individual,community,unknown",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1. zz-test-alice/Qwen3-8B-tuned — entered the working set (#",
        ))
        .stdout(predicate::str::contains(
            "lineage: finetune of Qwen/Qwen3-8B",
        ));
    // Once `hubcensus enrich` has recorded that zz-test-alice is a user account, she is an
    // individual (METHODS.md §6) and the default contributor types find her.
    let enrich = data
        .path()
        .join("enrich")
        .join(hubcensus_store::snapshot_dir_name(
            hubcensus_model::Timestamp::parse("2026-08-23").unwrap(),
        ));
    std::fs::create_dir_all(&enrich).unwrap();
    std::fs::write(
        enrich.join("accounts.jsonl"),
        "{\"name\": \"zz-test-alice\", \"kind\": \"user\"}\n",
    )
    .unwrap();
    hubcensus(data.path())
        .args(["discover", "--task", "text-generation"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1. zz-test-alice/Qwen3-8B-tuned — entered the working set (#",
        ))
        .stdout(predicate::str::contains(
            "origin: organization unknown (individual)",
        ));
}

#[test]
fn audit_and_discover_reject_bad_factors_with_a_hint() {
    let data = tempfile::tempdir().unwrap();
    let world = write_world(data.path());
    hubcensus(data.path())
        .args([
            "audit",
            "Qwen/Qwen3-8B",
            "--workload",
            "reasoning",
            "--size-factor",
            "0.5",
            "--evidence",
        ])
        .arg(&world)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "error: --size-factor must be at least 1, got 0.5",
        ))
        .stderr(predicate::str::contains(
            "hint: --size-factor 2 (the default)",
        ));
    hubcensus(data.path())
        .args([
            "discover",
            "--task",
            "text-generation",
            "--min-growth",
            "0",
            "--evidence",
        ])
        .arg(&world)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "error: --min-growth must be positive, got 0",
        ))
        .stderr(predicate::str::contains("hint: a growth factor"));
}

/// Eval files are untrusted: a name or source with terminal escapes reaches the terminal with
/// its control characters neutralised (as U+FFFD), never raw.
#[test]
fn hostile_eval_names_never_reach_the_terminal_raw() {
    let data = tempfile::tempdir().unwrap();
    let scores = data.path().join("hostile.csv");
    std::fs::write(
        &scores,
        "model,benchmark,metric,value,source,date\n\
         \"evil\u{1b}[2J\u{1b}]0;pwned\u{7}\",GPQA,accuracy,50,\"harness\u{1b}[31m\",2026-08-01\n\
         Qwen/Qwen3-8B,GPQA,\"acc\u{1b}[1m\",44.5,\"harness\u{1b}[31m\r\nverdict: KEEP\",2026-08-01\n",
    )
    .unwrap();
    let import = hubcensus(data.path())
        .args(["evals", "import"])
        .arg(&scores)
        .output()
        .unwrap();
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let stdout = String::from_utf8(import.stdout).unwrap();
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout:?}"
    );
    assert!(
        stdout.contains("unmatched: evil\u{fffd}[2J\u{fffd}]0;pwned\u{fffd}\n"),
        "{stdout:?}"
    );
    // A later import with the Hub id makes Qwen's score showable.
    let ids = data.path().join("ids.csv");
    std::fs::write(
        &ids,
        "model,hf_id,reported_by_authors,effective_length,4k,8k,16k,32k,64k,128k,avg\n\
         Qwen,Qwen/Qwen3-8B,False,32K,96,,,,,,\n",
    )
    .unwrap();
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(&ids)
        .assert()
        .success();
    let show = hubcensus(data.path())
        .args(["evals", "show", "Qwen/Qwen3-8B"])
        .output()
        .unwrap();
    assert!(
        show.status.success(),
        "{}",
        String::from_utf8_lossy(&show.stderr)
    );
    let stdout = String::from_utf8(show.stdout).unwrap();
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\r'),
        "{stdout:?}"
    );
    assert!(
        !stdout.lines().any(|line| line.starts_with("verdict")),
        "{stdout:?}"
    );
    assert!(
        stdout.contains("GPQA · acc\u{fffd}[1m: 44.5 — harness\u{fffd}[31m  verdict: KEEP"),
        "{stdout:?}"
    );
}

/// METHODS.md §1: the daily listings carry no parameters or licence; imported on top of the
/// hub-stats snapshot they must not erase what it said (the audit considered 0 candidates, "46
/// unknown size"). The evidence says where the facts came from, and `--as-of` points the audit
/// at the earlier snapshot as the other views do.
#[test]
fn audit_carries_lasting_facts_past_thin_listings_real_data() {
    let data = tempfile::tempdir().unwrap();
    crate::support::import_hub_stats(data.path());
    crate::support::import_daily_listings(data.path());
    // Candidates are the models scored on the workload.
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(shared_data().join("open-llm-leaderboard-v2/open_llm_leaderboard.csv"))
        .assert()
        .success();
    let audit = |extra: &[&str]| -> Value {
        let mut command = hubcensus(data.path());
        command.args([
            "audit",
            "meta-llama/Llama-3.1-8B-Instruct",
            "--workload",
            "reasoning",
            "--max-params",
            "14B",
            "--format",
            "json",
        ]);
        command.args(extra);
        let output = command.output().unwrap();
        assert!(
            output.status.code().is_some_and(|code| code < 2),
            "{output:?}"
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let latest = audit(&[]);
    let default = &latest["audit"]["default"];
    assert_eq!(default["parameters"], 8_030_261_248_u64);
    assert_eq!(default["license"], "llama3.1");
    let candidates = latest["audit"]["candidates"].as_array().unwrap();
    assert!(!candidates.is_empty(), "{:#}", latest["audit"]["excluded"]);
    let provenance = latest["audit"]["provenance"].as_str().unwrap();
    assert!(
        provenance.contains("parameters from the snapshot of 2026-05-20"),
        "{provenance}"
    );
    let earlier = audit(&["--as-of", "2026-05-20"]);
    let provenance = earlier["audit"]["provenance"].as_str().unwrap();
    assert!(
        provenance.contains("1 snapshot(s) from 2026-05-20 to 2026-05-20"),
        "{provenance}"
    );
    assert!(
        !provenance.contains("newer snapshots do not carry"),
        "{provenance}"
    );
}

/// With a snapshot store, a count of matches counts ids the store knows: a Hub id a source
/// carries is kept but counted apart, and says whether the store knows it. A stored name that
/// matches once the store knows its model is reported, by name, once.
#[test]
fn import_counts_against_the_store_and_reports_each_rematch_once() {
    use hubcensus_model::{ModelId, ModelRecord, Timestamp};

    let data = tempfile::tempdir().unwrap();
    let as_of = |day: &str| Timestamp::parse(day).unwrap();
    let snapshot = |ids: &[&str]| -> Vec<ModelRecord> {
        ids.iter()
            .map(|id| {
                let mut record = ModelRecord::new(ModelId::new(*id).unwrap());
                record.downloads_all_time = Some(10);
                record
            })
            .collect()
    };
    let draft = |day: &str| hubcensus_store::SnapshotDraft {
        columns: vec!["id".into(), "downloads_all_time".into()],
        ..crate::support::draft(as_of(day))
    };
    crate::support::commit(
        data.path(),
        draft("2026-08-16"),
        &snapshot(&["Qwen/Qwen3-8B"]),
    );
    let ruler = data.path().join("ruler.csv");
    std::fs::write(
        &ruler,
        "model,hf_id,reported_by_authors,effective_length,4k,8k,16k,32k,64k,128k,avg\n\
         Qwen,Qwen/Qwen3-8B,False,32K,96,,,,,,\n\
         Absent,nobody/absent-model,False,32K,90,,,,,,\n",
    )
    .unwrap();
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(&ruler)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "matched to Hub ids (candidates: the current ids of the 1 models the snapshot store knows): none; unmatched: 0; ambiguous: 0\n\
             2 names came with a Hub id from the source, kept as given: 1 of those ids known to the snapshot store, 1 not\n",
        ));
    // A team's file names Absent (carried by RULER, under the same name, an id the store does
    // not know) and a model the store does not know yet.
    let team = data.path().join("team.csv");
    std::fs::write(
        &team,
        "model,benchmark,metric,value,source,date\n\
         Absent,GPQA,accuracy,30.1,team harness,2026-08-01\n\
         zz-new/model-7b,GPQA,accuracy,44.5,team harness,2026-08-01\n",
    )
    .unwrap();
    let import_team = || {
        let output = hubcensus(data.path())
            .args(["evals", "import"])
            .arg(&team)
            .assert()
            .success();
        String::from_utf8(output.get_output().stdout.clone()).unwrap()
    };
    let stdout = import_team();
    assert!(stdout.contains("none; unmatched: 2"), "{stdout}");
    assert!(!stdout.contains("now match"), "{stdout}");
    // Another import changes nothing: no rematch is reported (the old count named Absent, whose
    // RULER record carries an id, on every import).
    assert!(!import_team().contains("now match"));
    // The store comes to know the new model: its stored name matches, and is named, once.
    crate::support::commit(
        data.path(),
        draft("2026-08-23"),
        &snapshot(&["Qwen/Qwen3-8B", "zz-new/model-7b"]),
    );
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(&ruler)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1 names stored unmatched by earlier imports now match a Hub id: zz-new/model-7b\n",
        ));
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(&ruler)
        .assert()
        .success()
        .stdout(predicate::str::contains("now match").not());
}

/// Hub ids ignore case: `evals show` finds a model recorded under another casing, and says so
/// (it told the user to import the scores it had).
#[test]
fn show_finds_a_differently_cased_id_real_data() {
    let data = tempfile::tempdir().unwrap();
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(shared_data().join("open-llm-leaderboard-v2/open_llm_leaderboard.csv"))
        .assert()
        .success();
    hubcensus(data.path())
        .args(["evals", "show", "qwen/qwen2.5-7b-instruct"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "recorded as Qwen/Qwen2.5-7B-Instruct; Hub ids ignore case",
        ));
    let shown: Value = serde_json::from_slice(
        &hubcensus(data.path())
            .args([
                "evals",
                "show",
                "QWEN/Qwen2.5-7B-Instruct",
                "--format",
                "json",
            ])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(shown["schema"], "hubcensus.evals.scores/1");
    assert_eq!(shown["matched"], "case");
    assert_eq!(shown["model"], "Qwen/Qwen2.5-7B-Instruct");
}

/// Like with like (docs/evals.md): an instruct default is compared with instruct or chat models
/// only (the base `Qwen/Qwen2.5-7B` came first), and a "newer model of the same organization"
/// must be of its size band (a 1B model was offered as the successor of an 8B one).
#[test]
fn audit_compares_like_with_like_real_data() {
    let data = tempfile::tempdir().unwrap();
    crate::support::import_hub_stats(data.path());
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(shared_data().join("open-llm-leaderboard-v2/open_llm_leaderboard.csv"))
        .assert()
        .success();
    let audit = |extra: &[&str]| -> Value {
        let mut command = hubcensus(data.path());
        command.args([
            "audit",
            "meta-llama/Llama-3.1-8B-Instruct",
            "--workload",
            "reasoning",
            "--max-params",
            "14B",
            "--format",
            "json",
        ]);
        let output = command.args(extra).output().unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let ids = |result: &Value| -> Vec<String> {
        result["audit"]["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["report"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let result = audit(&[]);
    let candidates = ids(&result);
    assert!(!candidates.is_empty());
    // The base model that came first, and every model named a base, are left out.
    assert!(
        !candidates.iter().any(|id| id == "Qwen/Qwen2.5-7B"),
        "{candidates:?}"
    );
    let named_base = |id: &String| {
        id.to_ascii_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|token| token == "base")
    };
    let based: Vec<&String> = candidates.iter().filter(|id| named_base(id)).collect();
    assert!(based.is_empty(), "{based:?}");
    assert!(result["audit"]["excluded"]["base"].as_u64().unwrap() > 0);
    for reason in result["audit"]["reasons"].as_array().unwrap() {
        let reason = reason.as_str().unwrap();
        assert!(!reason.contains("Llama-3.2-1B"), "{reason}");
    }
    // Asked for, base models come back.
    assert!(
        ids(&audit(&["--include-base"]))
            .iter()
            .any(|id| id == "Qwen/Qwen2.5-7B")
    );
}

/// Issue #20: the daily listings (newer, thin, a top-N listing) imported on top of the hub-stats
/// snapshot change the adoption evidence but not the audit's answer: the same verdict and the
/// same candidates (chosen by scores on the workload, with facts carried forward).
#[test]
fn audit_gives_the_same_answer_with_the_daily_listings_on_top_real_data() {
    let data = tempfile::tempdir().unwrap();
    crate::support::import_hub_stats(data.path());
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(shared_data().join("open-llm-leaderboard-v2/open_llm_leaderboard.csv"))
        .assert()
        .success();
    let audit = || -> (Value, Vec<String>) {
        let output = hubcensus(data.path())
            .args([
                "audit",
                "meta-llama/Llama-3.1-8B-Instruct",
                "--workload",
                "reasoning",
                "--max-params",
                "14B",
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
        let result: Value = serde_json::from_slice(&output.stdout).unwrap();
        let mut ids: Vec<String> = result["audit"]["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["report"]["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        (result["audit"]["verdict"].clone(), ids)
    };
    let (verdict_before, before) = audit();
    assert!(before.len() > 20, "{before:?}");
    crate::support::import_daily_listings(data.path());
    let (verdict_after, after) = audit();
    assert_eq!(verdict_before, verdict_after);
    assert_eq!(before, after);
}

/// RULER names the default by its old id (`meta-llama/Meta-Llama-3.1-8B-Instruct`, which the Hub
/// redirects); through registry/renames.toml its scores reach the model, matched as a rename.
#[test]
fn audit_reaches_a_renamed_models_scores_real_data() {
    let data = tempfile::tempdir().unwrap();
    crate::support::import_hub_stats(data.path());
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(shared_data().join("ruler-long-context/ruler_results.csv"))
        .assert()
        .success();
    let output = hubcensus(data.path())
        .args([
            "audit",
            "meta-llama/Llama-3.1-8B-Instruct",
            "--workload",
            "long-context",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let audit: Value = serde_json::from_slice(&output.stdout).unwrap();
    let scores = audit["audit"]["default"]["scores"].as_array().unwrap();
    let at_32k = scores
        .iter()
        .find(|score| score["benchmark"] == "RULER" && score["metric"] == "32k")
        .unwrap_or_else(|| panic!("no RULER score at 32k: {scores:#?}"));
    assert_eq!(at_32k["value"], 87.4);
    assert!(
        at_32k["matched"]
            .as_str()
            .unwrap()
            .contains("matched by rename: published as meta-llama/Meta-Llama-3.1-8B-Instruct")
    );
    // The rename leaves the series alone: candidates scored by the same RULER table compare
    // with the default (they shared no series while the note was part of the source).
    assert_eq!(at_32k["source"], "RULER table (NVIDIA)");
    let candidates = audit["audit"]["candidates"].as_array().unwrap();
    assert!(
        candidates.iter().any(|c| c["shared"].as_u64().unwrap() > 0),
        "{candidates:#?}"
    );
}

/// Issue #20: evidence published under an old name reaches the model through what the store
/// learned itself: its id history (the same `_id` seen under a new name) and the Hub's answer to
/// `enrich` (an old name answered with the new id). Each match says how it was made.
#[test]
fn scores_reach_renamed_models_through_id_history_and_enrich() {
    use hubcensus_model::{ModelId, ModelRecord, Timestamp};

    let data = tempfile::tempdir().unwrap();
    let model = |id: &str, object_id: &str| {
        let mut record = ModelRecord::new(ModelId::new(id).unwrap());
        record.object_id = Some(object_id.to_owned());
        record.downloads_all_time = Some(10);
        record
    };
    let draft = |day: &str| hubcensus_store::SnapshotDraft {
        columns: vec!["object_id".into(), "id".into(), "downloads_all_time".into()],
        ..crate::support::draft(Timestamp::parse(day).unwrap())
    };
    // The same `_id` under an old name, then a new one.
    crate::support::commit(
        data.path(),
        draft("2026-08-09"),
        &[model("team/tiny-old", "a1"), model("lab/other", "b2")],
    );
    crate::support::commit(
        data.path(),
        draft("2026-08-16"),
        &[model("team/tiny-new", "a1"), model("lab/other", "b2")],
    );
    // enrich asked for a name the store never held and the Hub answered with `lab/other`.
    let enrich = data.path().join("enrich/as_of=2026-08-16T00:00:00Z");
    std::fs::create_dir_all(&enrich).unwrap();
    std::fs::write(
        enrich.join("models.jsonl"),
        "{\"id\":\"lab/other-v0\",\"status\":\"ok\",\"model\":{\"id\":\"lab/other\"}}\n",
    )
    .unwrap();
    let ruler = data.path().join("ruler.csv");
    std::fs::write(
        &ruler,
        "model,hf_id,reported_by_authors,effective_length,4k,8k,16k,32k,64k,128k,avg\n\
         Tiny,team/tiny-old,False,4K,91,,,,,,\n\
         Other,lab/other-v0,False,4K,88,,,,,,\n",
    )
    .unwrap();
    hubcensus(data.path())
        .args(["evals", "import"])
        .arg(&ruler)
        .assert()
        .success();
    let source_of = |id: &str| -> String {
        let shown =
            crate::support::json_of(data.path(), &["evals", "show", id, "--format", "json"]);
        let scores = shown["scores"]
            .as_array()
            .unwrap_or_else(|| panic!("{shown:#}"));
        assert_eq!(scores.len(), 1, "{shown:#}");
        scores[0]["matched"].as_str().unwrap().to_owned()
    };
    let tiny = source_of("team/tiny-new");
    assert!(
        tiny.contains("matched by rename, from the store's id history: published as team/tiny-old"),
        "{tiny}"
    );
    let other = source_of("lab/other");
    assert!(
        other.contains(
            "matched by rename, from the Hub's answer to `hubcensus enrich`: published as lab/other-v0"
        ),
        "{other}"
    );
}
