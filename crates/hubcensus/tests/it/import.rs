//! `hubcensus import`: real files, re-imports, bad input, rejects.

use std::path::{Path, PathBuf};

use hubcensus_store::Store;
use predicates::prelude::*;

use crate::support::{hubcensus, shared_data};

fn daily_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(shared_data().join("hf-daily-top-snapshots"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// The store's snapshots as (as-of, models, source kind) rows.
fn listing(data_dir: &Path) -> Vec<(String, u64, String)> {
    if !data_dir.join("manifests").exists() {
        return Vec::new();
    }
    Store::open(data_dir)
        .unwrap()
        .snapshots()
        .iter()
        .map(|info| {
            (
                info.as_of.to_string(),
                info.models,
                info.source.as_str().to_owned(),
            )
        })
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn import_daily_files_then_reimport_is_unchanged_real_data() {
    let data = tempfile::tempdir().unwrap();
    let files = daily_files();
    assert_eq!(files.len(), 16);
    let output = hubcensus(data.path())
        .arg("import")
        .args(&files)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(output).unwrap();
    assert_eq!(stdout.matches("committed").count(), 16, "{stdout}");
    assert!(
        stdout.contains("as-of from the file's `fetched_at` field"),
        "{stdout}"
    );
    assert!(stdout.contains("30-day downloads only"), "{stdout}");
    let snapshots = listing(data.path());
    assert_eq!(snapshots.len(), 16);
    let dates: Vec<&str> = snapshots.iter().map(|(as_of, _, _)| &as_of[..10]).collect();
    let expected: Vec<String> = (7..=22).map(|day| format!("2026-08-{day:02}")).collect();
    assert_eq!(dates, expected);
    assert!(
        snapshots
            .iter()
            .all(|(_, models, source)| (527..=531).contains(models) && source == "hub_api_json")
    );
    let table = hubcensus(data.path())
        .arg("snapshots")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    assert_eq!(
        table
            .lines()
            .filter(|line| line.starts_with("2026-08-"))
            .count(),
        16,
        "{table}"
    );

    hubcensus(data.path())
        .arg("import")
        .args(&files[..3])
        .assert()
        .success()
        .stdout(predicate::function(|out: &str| {
            out.matches("unchanged").count() == 3 && !out.contains("committed")
        }));
    assert_eq!(listing(data.path()), snapshots);
}

#[test]
fn import_hub_stats_subset_real_data() {
    let data = tempfile::tempdir().unwrap();
    let path = shared_data().join("hub-stats-subset/hub_stats_frozen.parquet");
    hubcensus(data.path())
        .arg("import")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no as-of time")
                .and(predicate::str::contains("hint: pass --as-of")),
        );
    hubcensus(data.path())
        .args(["import", "--as-of", "2026-05-20"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "4167 models  all-time downloads  hub_stats_parquet",
        ));
    assert_eq!(
        listing(data.path()),
        vec![(
            "2026-05-20T00:00:00Z".to_owned(),
            4167,
            "hub_stats_parquet".to_owned()
        )]
    );
}

#[test]
fn a_bad_file_commits_nothing_and_names_file_line_and_field_real_data() {
    let data = tempfile::tempdir().unwrap();
    let files = daily_files();
    hubcensus(data.path())
        .arg("import")
        .arg(&files[0])
        .assert()
        .success();
    let before = listing(data.path());

    let inputs = tempfile::tempdir().unwrap();
    let bad = write(
        inputs.path(),
        "bad.json",
        r#"{"date": "2026-09-01", "models": [{"id": "a/b"}, {"id": "c/d", "createdAt": "not a time"}]}"#,
    );
    // Good files first, the bad one last: still nothing is committed.
    hubcensus(data.path())
        .args(["import"])
        .args(&files[1..4])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains(
                "bad.json: array element 1: field `createdAt`: invalid timestamp",
            )
            .and(predicate::str::contains("nothing was imported"))
            .and(predicate::str::contains(
                "hint: fix the record, or pass --skip-invalid",
            )),
        );
    assert_eq!(listing(data.path()), before);

    // A truncated Parquet file.
    let parquet =
        std::fs::read(shared_data().join("hub-stats-subset/hub_stats_frozen.parquet")).unwrap();
    let truncated = inputs.path().join("truncated.parquet");
    std::fs::write(&truncated, &parquet[..parquet.len() / 2]).unwrap();
    hubcensus(data.path())
        .args(["import", "--as-of", "2026-05-20"])
        .arg(&truncated)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "truncated.parquet: not a readable Parquet file",
        ));
    assert_eq!(listing(data.path()), before);
}

#[test]
fn skip_invalid_imports_the_rest_and_writes_rejects() {
    let data = tempfile::tempdir().unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let path = write(
        inputs.path(),
        "models.jsonl",
        "{\"id\":\"a/b\",\"downloads\":1}\n{\"id\":\"a b\"}\n{\"id\":\"a/b\",\"downloads\":2}\n{\"id\":\"c/d\",\"downloads\":3}\n",
    );
    let rejects = inputs.path().join("rejects.jsonl");
    hubcensus(data.path())
        .args([
            "import",
            "--as-of",
            "2026-01-01T00:00:00Z",
            "--skip-invalid",
            "--rejects",
        ])
        .arg(&rejects)
        .arg(&path)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("2 models")
                .and(predicate::str::contains(
                    "2 invalid records skipped; written to",
                ))
                .and(predicate::str::contains("rejects.jsonl")),
        );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["line"].as_u64(), lines[0]["field"].as_str()),
        (Some(2), Some("id"))
    );
    assert_eq!(lines[1]["line"], 3);
    assert!(
        lines[1]["reason"]
            .as_str()
            .unwrap()
            .contains("duplicate id")
    );
    assert!(lines[1]["file"].as_str().unwrap().ends_with("models.jsonl"));
}

#[test]
fn different_content_at_the_same_time_needs_replace() {
    let data = tempfile::tempdir().unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let first = write(inputs.path(), "a.json", r#"[{"id":"a/b","downloads":1}]"#);
    let second = write(inputs.path(), "b.json", r#"[{"id":"a/b","downloads":2}]"#);
    let import = |path: &Path, extra: &[&str]| {
        let mut command = hubcensus(data.path());
        command
            .args(["import", "--as-of", "2026-01-01"])
            .args(extra)
            .arg(path);
        command.assert()
    };
    import(&first, &[]).success();
    import(&second, &[]).code(2).stderr(
        predicate::str::contains("already stored")
            .and(predicate::str::contains("hint: pass --replace")),
    );
    import(&second, &["--replace"])
        .success()
        .stdout(predicate::str::contains("committed"));
    // Two sources with one as-of time in one run are refused before anything is read.
    hubcensus(data.path())
        .args(["import", "--as-of", "2026-02-01"])
        .arg(&first)
        .arg(&second)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "are both dated 2026-02-01T00:00:00Z",
        ));
    assert_eq!(listing(data.path()).len(), 1);
}

#[test]
fn help_says_what_it_costs_with_examples() {
    let data = tempfile::tempdir().unwrap();
    hubcensus(data.path())
        .args(["import", "--help"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Cost: local only").and(predicate::str::contains(
                "hubcensus import models.parquet --as-of 2026-05-20",
            )),
        );
}
