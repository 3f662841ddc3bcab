//! `hubcensus report` on a small store written here with the store's writer: three weekly
//! snapshots of a few models with lineage, a hostile card, a rename and a falling count.

use hubcensus_model::{Lineage, LineageSource, ModelId, ModelRecord, Relation, Timestamp};

use crate::support::{commit, draft, fails_with, hubcensus, json_of};

const WEEK: i64 = 7 * 24 * 3600;
const T0: i64 = 1_780_000_000;

fn record(id: &str, all_time: u64, created: i64) -> ModelRecord {
    let mut record = ModelRecord::new(ModelId::new(id).unwrap());
    record.object_id = Some(format!("oid-{}", id.replace('/', "-")));
    record.downloads_all_time = Some(all_time);
    record.created_at = Some(Timestamp::from_secs(created));
    record.library_name = Some("transformers".into());
    record.pipeline_tag = Some("text-generation".into());
    record
}

fn child(id: &str, all_time: u64, parent: &str, relation: Relation) -> ModelRecord {
    let mut record = record(id, all_time, T0 - 100 * 86_400);
    record.lineage = Lineage::new(
        relation,
        vec![ModelId::new(parent).unwrap()],
        LineageSource::BaseModels,
    );
    record
}

/// Week `w`'s records: downloadsAllTime grows by a model-specific weekly amount.
fn week(w: u64) -> Vec<ModelRecord> {
    let old = T0 - 400 * 86_400;
    let mut records = vec![
        record("meta-llama/Llama-3.1-8B", 1_000_000 + 90_000 * w, old),
        record("Qwen/Qwen2.5-7B", 800_000 + 120_000 * w, old),
        record("mistralai/Mistral-7B-v0.1", 500_000 + 30_000 * w, old),
        record("someone/tiny-model", 150, old),
        child(
            "bartowski/Qwen2.5-7B-GGUF",
            10_000 + 40_000 * w,
            "Qwen/Qwen2.5-7B",
            Relation::Quantized,
        ),
        child(
            "alice/llama-lora",
            2_000 + 5_000 * w,
            "meta-llama/Llama-3.1-8B",
            Relation::Adapter,
        ),
        child(
            "bob/llama-ft",
            1_000 + 1_000 * w,
            "meta-llama/Llama-3.1-8B",
            Relation::Finetune,
        ),
    ];
    // A hostile card on a model of an unknown namespace.
    let mut hostile = record("evil/model", 100 + 2_000 * w, old);
    hostile.card_data = Some("<script>alert(1)</script>\"]]>|".into());
    records.push(hostile);
    // Falling all-time count (negative window) in week 2.
    records.push(record(
        "odd/falling",
        if w == 2 { 10 } else { 5_000 + w },
        old,
    ));
    // A new model in week 2, created inside the window.
    if w == 2 {
        records.push(record("newlab/fresh", 300_000, T0 + WEEK + 3 * 86_400));
    }
    records
}

fn store_with_three_weeks(dir: &std::path::Path) {
    for w in 0..3u64 {
        let as_of = Timestamp::from_secs(T0 + WEEK * w as i64);
        commit(dir, draft(as_of), &week(w));
    }
}

#[test]
fn report_on_an_empty_store_says_what_to_run() {
    let dir = tempfile::tempdir().unwrap();
    fails_with(
        hubcensus(dir.path()).args(["report", "-o", "-"]),
        &["error: no store at", "hint:", "hubcensus demo"],
    );
}

#[test]
fn report_rejects_bad_arguments_with_hints() {
    let dir = tempfile::tempdir().unwrap();
    for (args, message) in [
        (vec!["report", "--from", "yesterday"], "--from takes a date"),
        (
            vec!["report", "--from", "2026-03-01", "--to", "2026-01-01"],
            "swap --from and --to",
        ),
        (vec!["report", "--k", "0"], "--k must be at least 1"),
        (
            vec!["report", "--min-params", "9B", "--max-params", "1B"],
            "swap --min-params and --max-params",
        ),
        (
            vec!["report", "--min-params", "9"],
            "less than a million: write the unit, e.g. 9B",
        ),
    ] {
        let output = hubcensus(dir.path()).args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn report_writes_json_markdown_and_html_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    store_with_three_weeks(dir.path());

    let json = json_of(
        dir.path(),
        &["report", "--k", "3", "--format", "json", "-o", "-"],
    );
    assert_eq!(json["schema"], "hubcensus.report/v1");
    assert_eq!(json["synthetic"], true);
    assert!(
        json["title"]
            .as_str()
            .unwrap()
            .starts_with("Synthetic demo data: ")
    );
    assert_eq!(json["snapshots"].as_array().unwrap().len(), 3);
    // Week 2 (the last window): window downloads per model, computed by hand.
    // Llama 90,000; Qwen 120,000; Mistral 30,000; GGUF 40,000; lora 5,000; ft 1,000;
    // evil 2,000; falling -4,991 (counted as 0); fresh 300,000 (new); tiny 0.
    let total = 90_000 + 120_000 + 30_000 + 40_000 + 5_000 + 1_000 + 2_000 + 300_000;
    let top3 = 300_000 + 120_000 + 90_000;
    let headline = json["headline"].as_array().unwrap();
    let top_k = headline.iter().find(|f| f["id"] == "top_k_share").unwrap();
    let expected = f64::from(top3) / f64::from(total);
    assert!(
        (top_k["value"].as_f64().unwrap() - expected).abs() < 1e-12,
        "{top_k}"
    );
    let rows = json["working_set"]["rows"].as_array().unwrap();
    let models: Vec<&str> = rows.iter().map(|r| r["model"].as_str().unwrap()).collect();
    assert_eq!(
        models,
        ["newlab/fresh", "Qwen/Qwen2.5-7B", "meta-llama/Llama-3.1-8B"]
    );
    assert_eq!(rows[0]["change"]["kind"], "new");
    // The negative window is reported in data quality.
    let windows = json["data_quality"]["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 2);
    assert_eq!(windows[1]["negative"], 1);
    assert_eq!(windows[1]["negative_downloads"], 5_001 - 10);
    // Lineage: the relation mix counts the three edges.
    let mix = json["derivatives"]["relation_mix"].as_array().unwrap();
    let edges: u64 = mix.iter().map(|r| r["edges"].as_u64().unwrap()).sum();
    assert_eq!(edges, 3);
    // Both origin modes are there.
    let origin_modes: Vec<&str> = json["geography"]["origins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["mode"].as_str().unwrap())
        .collect();
    assert_eq!(origin_modes, ["uploader", "lineage"]);
    // Credible releases: newlab/fresh entered the top 3 days after its creation; the creation
    // times come from the newest snapshot, read for the working-set members alone.
    let credible = &json["builders"]["credible_releases"];
    assert_eq!(credible["periods"], serde_json::json!(["2026-Q2"]));
    assert_eq!(
        credible["groups"],
        serde_json::json!([{"name": "unattributed", "values": [1.0]}])
    );

    let output = hubcensus(dir.path())
        .args([
            "report",
            "--k",
            "3",
            "--library",
            "transformers",
            "--format",
            "md",
            "-o",
            "-",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let markdown = String::from_utf8(output.stdout).unwrap();
    assert!(markdown.starts_with("# Synthetic demo data: State of Open Source"));
    assert!(markdown.contains("(library = transformers)"));
    assert!(markdown.contains("## The working set"));

    let html_path = dir.path().join("out.html");
    let output = hubcensus(dir.path())
        .current_dir(dir.path())
        .args(["report", "-o"])
        .arg(&html_path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        html_path.display().to_string()
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"));
}

#[test]
fn report_help_states_cost_and_examples() {
    let dir = tempfile::tempdir().unwrap();
    let output = hubcensus(dir.path())
        .args(["report", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for needle in [
        "Cost:",
        "Examples:",
        "hubcensus report -o report.html",
        "--origin <ORIGIN>",
        "--format <FORMAT>",
        "--task <TASK>",
    ] {
        assert!(help.contains(needle), "help lacks {needle}:\n{help}");
    }
}

/// `report` takes the same filter flags as the analytics views, suffixed counts included.
#[test]
fn report_filters_take_suffixed_parameter_counts() {
    let dir = tempfile::tempdir().unwrap();
    store_with_three_weeks(dir.path());
    let json = crate::support::json_of(
        dir.path(),
        &[
            "report",
            "--min-params",
            "1.5B",
            "--max-params",
            "70B",
            "--task",
            "text-generation",
            "--format",
            "json",
            "-o",
            "-",
        ],
    );
    let filters: Vec<(&str, &str)> = json["filters"]
        .as_array()
        .unwrap_or_else(|| panic!("no filters in {json}"))
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["value"].as_str().unwrap()))
        .collect();
    assert_eq!(
        filters,
        [
            ("task", "text-generation"),
            ("parameters at least", "1500000000"),
            ("parameters at most", "70000000000"),
        ]
    );
}

/// The `--help` example that pipes JSON into jq must write the JSON to stdout (without `-o -`
/// the report goes to ./report.json and stdout only names the file).
#[test]
fn report_help_json_example_writes_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let help = hubcensus(dir.path())
        .args(["report", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let example = help
        .lines()
        .map(str::trim)
        .find(|line| line.contains("| jq"))
        .unwrap_or_else(|| panic!("no jq example in:\n{help}"));
    let args: Vec<&str> = example
        .split('|')
        .next()
        .unwrap()
        .split_whitespace()
        .skip(1)
        .map(|arg| if arg == "100" { "3" } else { arg })
        .collect();
    assert!(args.contains(&"-o") && args.contains(&"-"), "{example}");
    store_with_three_weeks(dir.path());
    let json = crate::support::json_of(dir.path(), &args);
    assert!(json["headline"].is_array(), "{json}");
    assert!(!dir.path().join("report.json").exists());
}

/// A report over the daily top listings (partial, 30-day downloads only) says so in its title
/// and every population, and never calls a 30-day count weekly (issue: "Weekly downloads"
/// holding 30-day counts, "top-200 share" over ~530 models presented as the Hub).
#[test]
fn report_over_daily_listings_says_partial_and_30_day_real_data() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::import_daily_listings(dir.path());
    let report = crate::support::json_of(dir.path(), &["report", "--format", "json", "-o", "-"]);
    let title = report["title"].as_str().unwrap();
    assert!(title.contains("partial listing"), "{title}");
    assert!(title.contains("not the whole Hub"), "{title}");
    // A banner of its own (item 4), counting the partial snapshots.
    let banner = report["partial"].as_str().unwrap();
    assert!(
        banner.starts_with("16 of the 16 snapshots are partial"),
        "{banner}"
    );
    let markdown = hubcensus(dir.path())
        .args(["report", "--format", "md", "-o", "-"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&markdown.stdout).contains("> **Partial data.** 16 of the 16"));
    for figure in report["headline"].as_array().unwrap() {
        let models = figure["population"]["models"].as_str().unwrap();
        assert!(models.contains("partial listing"), "{models}");
    }
    let week = report["working_set"]["week"].as_str().unwrap();
    assert!(week.starts_with("30-day window ending"), "{week}");
}

/// Every region, contributor type and bucket the shares name has one fixed colour in the
/// report's charts (hubcensus-report keeps the names; here they are checked against the
/// analytics' own labels), so no chart colours a group by its position.
#[test]
fn every_group_the_shares_name_has_a_fixed_chart_colour() {
    use hubcensus_analytics::shares::{LEGACY, MIXED, UNATTRIBUTED};
    use hubcensus_model::{ContributorType, Region};
    let names = Region::ALL
        .iter()
        .map(|region| region.as_str())
        .chain(ContributorType::ALL.iter().map(|kind| kind.as_str()))
        .chain([UNATTRIBUTED, LEGACY, MIXED]);
    for name in names {
        assert!(
            hubcensus_report::svg::group_colour(name).is_some(),
            "{name} has no fixed chart colour"
        );
    }
}
