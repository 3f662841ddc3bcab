//! METHODS.md §6, one test per rule, through the CLI on a hand-built store: `shares`, the
//! report, `windows` and `who` attribute every model alike.

use hubcensus_model::{Lineage, LineageSource, ModelId, ModelRecord, Relation, Timestamp};
use serde_json::Value;

use crate::support::{commit, draft, hubcensus, json_of};

/// (object id, id, window downloads per week, lineage parent)
type Model = (&'static str, &'static str, u64, Option<&'static str>);

/// Window downloads 10 to 50 per model and week:
/// - `bartowski/root`: an individual with no country in the registry, the root of
///   `stabilityai/ft` (Stability AI: GB, industry);
/// - `gpt2`: a legacy id the registry records as moved to `openai-community` (`OpenAI`: US);
/// - `unlisted-legacy-model`: a legacy id the registry does not list;
/// - `Qwen/base`: deleted before the last snapshot, the root of `nobody-known-xyz/ft-of-qwen`;
/// - `solo-user/model`: an unknown namespace that `enrich` recorded as a user account.
const MODELS: [Model; 7] = [
    ("1", "bartowski/root", 10, None),
    ("2", "stabilityai/ft", 20, Some("bartowski/root")),
    ("3", "gpt2", 30, None),
    ("4", "unlisted-legacy-model", 5, None),
    ("5", "Qwen/base", 50, None),
    ("6", "nobody-known-xyz/ft-of-qwen", 40, Some("Qwen/base")),
    ("7", "solo-user/model", 7, None),
];

const WEEKS: [&str; 3] = ["2026-08-09", "2026-08-16", "2026-08-23"];

fn store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (week, as_of) in WEEKS.iter().enumerate() {
        let records: Vec<ModelRecord> = MODELS
            .iter()
            // Qwen/base is deleted before the last snapshot.
            .filter(|model| !(model.1 == "Qwen/base" && week == 2))
            .map(|&(object_id, id, weekly, parent)| {
                let mut record = ModelRecord::new(ModelId::new(id).unwrap());
                record.object_id = Some(object_id.to_owned());
                record.downloads_all_time = Some(1000 + weekly * week as u64);
                record.downloads_30d = Some(weekly * 4);
                record.created_at =
                    Timestamp::created_at(Some(Timestamp::parse("2025-01-01").unwrap()));
                record.lineage = parent.and_then(|parent| {
                    Lineage::new(
                        Relation::Finetune,
                        vec![ModelId::new(parent).unwrap()],
                        LineageSource::BaseModels,
                    )
                });
                record
            })
            .collect();
        commit(
            dir.path(),
            draft(Timestamp::parse(as_of).unwrap()),
            &records,
        );
    }
    let accounts =
        hubcensus_query::attribution::enrich_dir(dir.path(), Timestamp::parse(WEEKS[2]).unwrap());
    std::fs::create_dir_all(&accounts).unwrap();
    std::fs::write(
        accounts.join("accounts.jsonl"),
        "{\"name\":\"solo-user\",\"kind\":\"user\"}\n",
    )
    .unwrap();
    dir
}

/// The rows of the last window's shares of `origin`, as (group, downloads).
fn last_rows(shares: &Value, origin: &str) -> Vec<(String, u64)> {
    let result = shares["results"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|result| result["origin"] == origin)
        .unwrap();
    rows(&result["rows"])
}

fn rows(rows: &Value) -> Vec<(String, u64)> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["group"].as_str().unwrap().to_owned(),
                row["downloads"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn downloads_of(rows: &[(String, u64)], group: &str) -> u64 {
    rows.iter()
        .find(|(name, _)| name == group)
        .map_or(0, |(_, downloads)| *downloads)
}

fn report(dir: &std::path::Path) -> Value {
    json_of(dir, &["report", "--format", "json", "-o", "-"])
}

/// The report's table of `dimension` ("Country", "Region") for `origin`.
fn report_rows(report: &Value, origin: &str, table: &str) -> Vec<(String, u64)> {
    let view = report["geography"]["origins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|view| view["mode"] == origin)
        .unwrap();
    rows(&view[table]["rows"])
}

#[test]
fn a_listed_legacy_id_counts_as_its_namespace_in_shares_the_report_and_windows() {
    let dir = store();
    let shares = json_of(
        dir.path(),
        &["shares", "--by", "country", "--format", "json"],
    );
    let uploader = last_rows(&shares, "uploader");
    assert_eq!(
        downloads_of(&uploader, "US"),
        30,
        "gpt2 is OpenAI's: {uploader:?}"
    );
    assert_eq!(
        downloads_of(&uploader, "legacy, unnamespaced"),
        5,
        "only the unlisted legacy id stays legacy: {uploader:?}"
    );
    let report = report(dir.path());
    assert_eq!(report_rows(&report, "uploader", "countries"), uploader);
    // The country HHI of the last window: GB 20 and US 30 of 112 downloads are the known
    // groups (the rest is unattributed or legacy).
    let windows = json_of(dir.path(), &["windows", "--format", "json"]);
    let last = windows["windows"].as_array().unwrap().last().unwrap();
    let expected = (100.0_f64 * 20.0 / 112.0).powi(2) + (100.0_f64 * 30.0 / 112.0).powi(2);
    let hhi = last["hhi_country"].as_f64().unwrap();
    assert!((hhi - expected).abs() < 1e-9, "{hhi} vs {expected}");
    // `who` answers the same.
    let who = json_of(dir.path(), &["who", "gpt2", "--format", "json"]);
    assert_eq!(who["origin"]["uploader"]["country"], "US");
}

#[test]
fn a_lineage_model_whose_root_has_no_country_takes_its_uploaders_whole_attribution() {
    let dir = store();
    let by_type = json_of(
        dir.path(),
        &[
            "shares", "--by", "type", "--origin", "lineage", "--format", "json",
        ],
    );
    let types = last_rows(&by_type, "lineage");
    // stabilityai/ft (20) keeps Stability AI's type, with gpt2 (30) and the Qwen child (40).
    assert_eq!(downloads_of(&types, "industry"), 90, "{types:?}");
    assert_eq!(downloads_of(&types, "individual"), 17, "{types:?}");
    let by_country = json_of(
        dir.path(),
        &[
            "shares", "--by", "country", "--origin", "lineage", "--format", "json",
        ],
    );
    assert_eq!(downloads_of(&last_rows(&by_country, "lineage"), "GB"), 20);
    let who = json_of(dir.path(), &["who", "stabilityai/ft", "--format", "json"]);
    assert_eq!(
        who["origin"]["lineage"]["mode"],
        "uploader_root_unattributed"
    );
    assert_eq!(who["origin"]["lineage"]["country"], "GB");
    assert_eq!(
        who["origin"]["lineage"]["attribution"]["contributor"],
        "industry"
    );
}

#[test]
fn a_root_missing_from_the_newest_snapshot_keeps_its_maker() {
    let dir = store();
    let shares = json_of(
        dir.path(),
        &[
            "shares", "--by", "country", "--origin", "lineage", "--format", "json",
        ],
    );
    // Every window: the Qwen child counts as China, Qwen/base itself too while it exists.
    let china: Vec<u64> = shares["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| downloads_of(&rows(&result["rows"]), "CN"))
        .collect();
    assert_eq!(china, vec![90, 40], "{shares:#}");
    let report = report(dir.path());
    assert_eq!(
        downloads_of(&report_rows(&report, "lineage", "countries"), "CN"),
        40
    );
    let who = json_of(
        dir.path(),
        &["who", "nobody-known-xyz/ft-of-qwen", "--format", "json"],
    );
    assert_eq!(who["origin"]["lineage"]["country"], "CN");
    assert_eq!(who["origin"]["lineage"]["root"], "Qwen/base");
}

#[test]
fn a_user_account_recorded_by_enrich_counts_as_individual() {
    let dir = store();
    let shares = json_of(dir.path(), &["shares", "--by", "type", "--format", "json"]);
    let types = last_rows(&shares, "uploader");
    // bartowski (10, in the registry) and solo-user (7, a user account per enrich).
    assert_eq!(downloads_of(&types, "individual"), 17, "{types:?}");
    let report = report(dir.path());
    let report_types = rows(&report["builders"]["types"]["rows"]);
    assert_eq!(report_types, types);
    let who = json_of(dir.path(), &["who", "solo-user", "--format", "json"]);
    assert_eq!(who["namespace"]["attribution"]["contributor"], "individual");
}

#[test]
fn coverage_is_one_minus_the_rows_without_a_country() {
    let dir = store();
    let shares = json_of(
        dir.path(),
        &[
            "shares", "--by", "country", "--origin", "both", "--format", "json",
        ],
    );
    for result in shares["results"].as_array().unwrap() {
        let total = result["total"].as_u64().unwrap() as f64;
        let no_country: u64 = result["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|row| row["kind"] != "known")
            .map(|row| row["downloads"].as_u64().unwrap())
            .sum();
        let coverage = result["population"]["coverage_country"].as_f64().unwrap();
        assert!(
            (coverage - (1.0 - no_country as f64 / total)).abs() < 1e-12,
            "{} {}: coverage {coverage}, rows {:?}",
            result["period"],
            result["origin"],
            result["rows"]
        );
    }
    // The report's captions state the coverage of their own table.
    let report = report(dir.path());
    for view in report["geography"]["origins"].as_array().unwrap() {
        let table = &view["countries"];
        let total = table["total_downloads"].as_u64().unwrap() as f64;
        let known: u64 = table["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|row| {
                !["unattributed", "legacy, unnamespaced", "mixed"]
                    .contains(&row["group"].as_str().unwrap())
            })
            .map(|row| row["downloads"].as_u64().unwrap())
            .sum();
        let coverage = table["population"]["coverage"].as_f64().unwrap();
        assert!(
            (coverage - known as f64 / total).abs() < 1e-12,
            "{}: {coverage}",
            view["mode"]
        );
    }
}

/// For every working-set model of a demo world, the attribution the report prints (the one
/// every share uses) is the one `who` answers.
#[test]
fn the_report_and_who_attribute_every_working_set_model_alike() {
    let dir = tempfile::tempdir().unwrap();
    hubcensus(dir.path())
        .args(["demo", "--models", "3000", "--weeks", "3"])
        .assert()
        .success();
    let report = json_of(
        dir.path(),
        &["report", "--format", "json", "-o", "-", "--k", "60"],
    );
    let rows = report["working_set"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 60);
    let country = |value: &Value| value.as_str().unwrap_or("unattributed").to_owned();
    for row in rows {
        let model = row["model"].as_str().unwrap();
        let who = json_of(dir.path(), &["who", model, "--format", "json"]);
        let origin = &who["origin"];
        assert_eq!(
            row["country"].as_str().unwrap(),
            country(&origin["uploader"]["country"]),
            "{model}"
        );
        assert_eq!(
            row["contributor_type"].as_str().unwrap(),
            origin["uploader"]["contributor"]
                .as_str()
                .unwrap_or("unattributed"),
            "{model}"
        );
        let lineage = if origin["lineage"]["mode"] == "mixed" {
            "mixed".to_owned()
        } else {
            country(&origin["lineage"]["country"])
        };
        assert_eq!(row["lineage_country"].as_str().unwrap(), lineage, "{model}");
    }
}
