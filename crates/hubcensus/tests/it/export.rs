//! `hubcensus export`: every table round-trips through `DuckDB`, Polars and pandas and equals the
//! JSON views (`export_roundtrip.py`), and mistakes exit 2 with a hint, leaving no file behind.

use std::path::Path;
use std::sync::OnceLock;

use crate::support::hubcensus;

/// A demo world of 2,000 models x 4 weeks (three windows, so churn has two), with two eval
/// scores of a model in the store and one unmatched score whose name needs CSV quoting.
fn store() -> &'static Path {
    static STORE: OnceLock<tempfile::TempDir> = OnceLock::new();
    STORE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            hubcensus(dir.path())
                .args(["demo", "--models", "2000", "--weeks", "4"])
                .assert()
                .success();
            let top = hubcensus(dir.path())
                .args(["export", "working-set", "--k", "1", "--format", "json"])
                .output()
                .unwrap();
            assert!(top.status.success());
            let first: serde_json::Value = serde_json::from_str(
                String::from_utf8(top.stdout)
                    .unwrap()
                    .lines()
                    .next()
                    .unwrap(),
            )
            .unwrap();
            let model = first["model_id"].as_str().unwrap();
            let scores = dir.path().join("scores.csv");
            std::fs::write(
                &scores,
                format!(
                    "model,benchmark,metric,value,source,date\n\
                     {model},GPQA,acc,0.3125,team A,2026-01-02\n\
                     {model},MMLU,acc,0.71,team A,\n\
                     \"odd, name \"\"quoted\"\"\",MMLU,acc,0.5,\"team \"\"B\"\"\",\n"
                ),
            )
            .unwrap();
            hubcensus(dir.path())
                .args(["evals", "import", "--format", "csv"])
                .arg(&scores)
                .assert()
                .success();
            dir
        })
        .path()
}

#[test]
fn every_export_round_trips_through_duckdb_polars_and_pandas() {
    let out = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/export_roundtrip.py");
    let output = std::process::Command::new("python3")
        .arg(script)
        .args(["--hubcensus", env!("CARGO_BIN_EXE_hubcensus"), "--data-dir"])
        .arg(store())
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "export round trip failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = String::from_utf8(output.stdout).unwrap();
    assert!(summary.contains("10 tables"), "{summary}");
    eprintln!("{summary}");
}

/// Runs `hubcensus export ARGS` expecting exit 2; returns stderr.
fn refused(args: &[&str]) -> String {
    let output = hubcensus(store())
        .arg("export")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "export {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stdout.is_empty(), "export {args:?} wrote to stdout");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn export_mistakes_exit_2_with_a_hint() {
    let error = refused(&["shares-by-country"]);
    assert!(
        error.contains("no export table \"shares-by-country\"")
            && error.contains(
                "hint: tables: windows, working-set, families, churn, shares, lineage-edges, \
                 derivatives, registry, evals, snapshots"
            ),
        "{error}"
    );
    let error = refused(&["registry", "--k", "5"]);
    assert!(
        error.contains("--k does not apply to the registry table")
            && error.contains("hint: leave it out; the tables that take it: windows, working-set"),
        "{error}"
    );
    let error = refused(&["windows", "--min-params", "8B", "--max-params", "1B"]);
    assert!(
        error.contains("hint: swap --min-params and --max-params"),
        "{error}"
    );
    let error = refused(&["windows", "--task", "no-such-task"]);
    assert!(error.contains("hint:"), "{error}");
    let error = refused(&["top", "--as-of", "2020-01-01"]);
    assert!(error.contains("no export table"), "{error}");
    let error = refused(&["working-set", "--as-of", "2020-01-01"]);
    assert!(
        error.contains("no snapshot at 2020-01-01")
            && error.contains("hint: snapshots in the store"),
        "{error}"
    );
    let error = refused(&["churn", "--as-of", "2026-08-23"]);
    assert!(error.contains("churn needs two windows"), "{error}");
    let error = refused(&["windows", "--as-of", "2026-08-23"]);
    assert!(error.contains("no window ends at 2026-08-23"), "{error}");
    let error = refused(&["windows", "--cadence-days", "0"]);
    assert!(error.contains("hint: use --cadence-days 7"), "{error}");
    let error = refused(&["windows", "--format", "xlsx"]);
    assert!(error.contains("xlsx"), "{error}");
}

#[test]
fn a_failed_export_leaves_the_previous_file_and_no_temporary_file() {
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("windows.parquet");
    hubcensus(store())
        .args(["export", "windows", "-o"])
        .arg(&path)
        .assert()
        .success();
    let before = std::fs::read(&path).unwrap();
    assert!(before.starts_with(b"PAR1") && before.ends_with(b"PAR1"));
    // A table that cannot be computed: the file keeps its old bytes.
    hubcensus(store())
        .args(["export", "windows", "--task", "no-such-task", "-o"])
        .arg(&path)
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // A directory that does not exist: an error naming it, nothing written.
    let missing = out.path().join("missing").join("windows.csv");
    let error = hubcensus(store())
        .args(["export", "windows", "-o"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(error.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&error.stderr).contains("cannot create"));
    let names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["windows.parquet"], "only the finished file is left");
}

#[test]
fn export_format_follows_the_file_extension() {
    let out = tempfile::tempdir().unwrap();
    for (name, starts) in [
        ("s.csv", &b"as_of,models"[..]),
        ("s.jsonl", b"{\"as_of\":"),
        ("s.json", b"{\"as_of\":"),
        ("s.parquet", b"PAR1"),
        ("s.data", b"PAR1"),
    ] {
        let path = out.path().join(name);
        hubcensus(store())
            .args(["export", "snapshots", "-o"])
            .arg(&path)
            .assert()
            .success();
        assert!(std::fs::read(&path).unwrap().starts_with(starts), "{name}");
    }
    // No -o: CSV on stdout.
    let output = hubcensus(store())
        .args(["export", "snapshots"])
        .output()
        .unwrap();
    assert!(output.stdout.starts_with(b"as_of,models,source"));
}
