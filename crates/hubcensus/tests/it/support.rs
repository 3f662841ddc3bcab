//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// `../shared/data` beside the checkout (CI has it there). Tests that use it say so in their
/// names; they fail, never skip, when it is missing.
#[allow(dead_code)]
pub fn shared_data() -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    assert!(
        path.is_dir(),
        "real test data not found at {} (expected ../shared/data beside the checkout)",
        path.display()
    );
    path
}

/// The `hubcensus` binary with a fresh data directory.
#[allow(dead_code)]
pub fn hubcensus(data_dir: &std::path::Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_hubcensus"));
    command
        .env_clear()
        .env("HUBCENSUS_HOME", data_dir)
        .env("NO_COLOR", "1");
    command
}

/// A snapshot draft at `as_of` declaring every column, marked synthetic (the tests' stores are
/// made up); override fields with struct-update syntax.
#[allow(dead_code)]
pub fn draft(as_of: hubcensus_model::Timestamp) -> hubcensus_store::SnapshotDraft {
    hubcensus_store::SnapshotDraft {
        as_of,
        crawl_started: None,
        crawl_ended: Some(as_of),
        source: hubcensus_model::SourceKind::HubApiJson,
        source_location: "test".into(),
        columns: hubcensus_store::COLUMNS
            .iter()
            .map(|c| (*c).to_owned())
            .collect(),
        partial: false,
        synthetic: true,
    }
}

/// Commits one snapshot of `records` into the store at `dir`. Another test's child process may
/// briefly hold a forked copy of the lock descriptor (between fork and exec): the lock is
/// retried for up to two seconds rather than failing.
#[allow(dead_code)]
pub fn commit(
    dir: &std::path::Path,
    draft: hubcensus_store::SnapshotDraft,
    records: &[hubcensus_model::ModelRecord],
) {
    let mut writer = None;
    for _ in 0..100 {
        match hubcensus_store::Writer::lock(dir) {
            Ok(locked) => {
                writer = Some(locked);
                break;
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
    let mut writer = writer.expect("the store lock");
    let mut builder = writer.begin(draft).unwrap();
    builder.push(records).unwrap();
    builder.commit(false).unwrap();
}

/// Runs `hubcensus ARGS` on the store at `dir`, asserts success (showing stderr otherwise) and
/// parses stdout as JSON.
#[allow(dead_code)]
pub fn json_of(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let output = hubcensus(dir).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "hubcensus {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("hubcensus {args:?} printed no JSON: {error}"))
}

/// Runs `command`, asserts it failed with exit code 2 and that stderr holds every one of
/// `expected`; returns the output for further checks.
#[allow(dead_code)]
pub fn fails_with(command: &mut assert_cmd::Command, expected: &[&str]) -> std::process::Output {
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for text in expected {
        assert!(
            stderr.contains(text),
            "expected {text:?} in stderr:\n{stderr}"
        );
    }
    output
}

/// Imports the real hub-stats subset (dated 2026-05-20) into the store at `dir`.
#[allow(dead_code)]
pub fn import_hub_stats(dir: &std::path::Path) {
    hubcensus(dir)
        .args(["import", "--as-of", "2026-05-20"])
        .arg(shared_data().join("hub-stats-subset/hub_stats_frozen.parquet"))
        .assert()
        .success();
}

/// Imports the 16 real daily top listings (30-day downloads, no lineage, no parameters or
/// licence) into the store at `dir`.
#[allow(dead_code)]
pub fn import_daily_listings(dir: &std::path::Path) {
    let mut import = hubcensus(dir);
    import.arg("import");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(shared_data().join("hf-daily-top-snapshots"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    import.args(paths).assert().success();
}
