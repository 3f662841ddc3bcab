//! Crash safety: a child process (this test binary, re-executed) aborts at each named point of a
//! commit, as a `kill -9` would; the store must then read exactly as before the commit (points
//! before the commit point) or after it (from the commit point on), and the next writer must
//! clean up and be able to commit again.

use std::path::Path;
use std::process::Command;

use hubcensus_model::{ModelId, ModelRecord, SnapshotInfo, SourceKind, Timestamp};

use crate::migrate::{MIGRATION_CRASH_POINTS, downgrade_to_format_2};
use crate::writer::CRASH_POINTS;
use crate::{COLUMNS, CommitOutcome, SnapshotDraft, Store, Writer};

const T1: Timestamp = Timestamp::from_secs(1_780_000_000);
const T2: Timestamp = Timestamp::from_secs(1_780_604_800);
const DIR_VAR: &str = "HUBCENSUS_STORE_CRASH_DIR";
const SCENARIO_VAR: &str = "HUBCENSUS_STORE_CRASH_SCENARIO";
const MIGRATE_VAR: &str = "HUBCENSUS_STORE_CRASH_MIGRATE";

/// The two crash tests run one at a time: a child forked by one holds, until it execs, a copy
/// of every descriptor of this process, the other test's writer lock included, which that test
/// would then find taken.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn record(object_id: &str, id: &str, downloads: u64) -> ModelRecord {
    let mut record = ModelRecord::new(ModelId::new(id).unwrap());
    record.object_id = Some(object_id.to_owned());
    record.downloads_all_time = Some(downloads);
    record.tags = Some(vec![format!("base_model:finetune:base/{id}")]);
    record
}

fn draft(as_of: Timestamp) -> SnapshotDraft {
    SnapshotDraft {
        as_of,
        crawl_started: None,
        crawl_ended: None,
        source: SourceKind::Synthetic,
        source_location: "crash test".into(),
        columns: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        partial: false,
        synthetic: true,
    }
}

fn commit(dir: &Path, as_of: Timestamp, records: &[ModelRecord], replace: bool) -> CommitOutcome {
    let mut writer = Writer::lock(dir).unwrap();
    let mut builder = writer.begin(draft(as_of)).unwrap();
    builder.push(records).unwrap();
    builder.commit(replace).unwrap()
}

/// The state before the commit under test.
fn setup(dir: &Path) {
    let records: Vec<_> = (0..50)
        .map(|i| record(&format!("o{i}"), &format!("org/m{i}"), i))
        .collect();
    commit(dir, T1, &records, false);
}

/// The commit under test: `new` adds a snapshot with renames and new keys; `replace` replaces
/// the first snapshot with different content.
fn commit_under_test(dir: &Path, scenario: &str) -> CommitOutcome {
    match scenario {
        "new" => {
            let records: Vec<_> = (0..60)
                .rev()
                .map(|i| {
                    let id = if i % 7 == 0 {
                        format!("org/renamed{i}")
                    } else {
                        format!("org/m{i}")
                    };
                    record(&format!("o{i}"), &id, i * 10)
                })
                .collect();
            commit(dir, T2, &records, false)
        }
        "replace" => {
            let records: Vec<_> = (0..40)
                .map(|i| record(&format!("o{i}"), &format!("org/m{i}"), i + 1))
                .collect();
            commit(dir, T1, &records, true)
        }
        other => panic!("unknown scenario {other}"),
    }
}

/// A snapshot as read back: its info, content hash and indexed records.
type Read = (SnapshotInfo, String, Vec<(u32, ModelRecord)>);

#[derive(Debug, PartialEq)]
struct State {
    snapshots: Vec<Read>,
    ids: Vec<String>,
    resolved: Vec<Option<u32>>,
}

fn state(dir: &Path) -> State {
    let store = Store::open(dir).unwrap();
    let snapshots = store
        .snapshots()
        .iter()
        .map(|info| {
            let mut records = store.records(info.as_of).unwrap();
            let mut rows = Vec::new();
            while let Some(row) = records.next_indexed() {
                rows.push(row.unwrap());
            }
            let hash = store.manifest(info.as_of).unwrap().content_hash.clone();
            (info.clone(), hash, rows)
        })
        .collect();
    let resolved = [
        "org/m1",
        "org/m7",
        "org/renamed7",
        "o55",
        "base/org/m3",
        "base/org/renamed14",
    ]
    .iter()
    .map(|text| store.resolve(text))
    .collect();
    State {
        snapshots,
        ids: store.ids().unwrap().iter().map(str::to_owned).collect(),
        resolved,
    }
}

/// Not a test on its own: the body the crash test runs in a child process.
#[test]
fn child_commits_until_the_crash_point() {
    let (Ok(dir), Ok(scenario)) = (std::env::var(DIR_VAR), std::env::var(SCENARIO_VAR)) else {
        return;
    };
    commit_under_test(Path::new(&dir), &scenario);
}

fn leftovers(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for folder in ["staging", "pending"] {
        for entry in std::fs::read_dir(dir.join(folder)).unwrap() {
            found.push(entry.unwrap().path().display().to_string());
        }
    }
    for entry in std::fs::read_dir(dir.join("manifests")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "next") {
            found.push(path.display().to_string());
        }
    }
    if dir.join("snapshots").exists() {
        found.push("snapshots/ (format 2)".to_owned());
    }
    for entry in std::fs::read_dir(dir.join("models")).unwrap() {
        let partition = entry.unwrap().path();
        for file in std::fs::read_dir(&partition).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_none_or(|e| e != "parquet") {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[test]
fn a_crash_at_any_point_of_a_commit_leaves_the_store_before_or_after() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let exe = std::env::current_exe().unwrap();
    for scenario in ["new", "replace"] {
        let reference = tempfile::tempdir().unwrap();
        setup(reference.path());
        let before = state(reference.path());
        assert!(matches!(
            commit_under_test(reference.path(), scenario),
            CommitOutcome::Committed(_)
        ));
        let after = state(reference.path());
        assert_ne!(before, after);

        for (position, point) in CRASH_POINTS.iter().enumerate() {
            let dir = tempfile::tempdir().unwrap();
            setup(dir.path());
            let status = Command::new(&exe)
                .args([
                    "--exact",
                    "crash::child_commits_until_the_crash_point",
                    "--test-threads=1",
                ])
                .env(DIR_VAR, dir.path())
                .env(SCENARIO_VAR, scenario)
                .env("HUBCENSUS_STORE_CRASH_AT", point)
                .output()
                .unwrap()
                .status;
            assert!(
                !status.success(),
                "{scenario}/{point}: the child did not crash"
            );

            let committed = position
                >= CRASH_POINTS
                    .iter()
                    .position(|p| *p == "commit_point")
                    .unwrap();
            let expected = if committed { &after } else { &before };
            assert_eq!(
                &state(dir.path()),
                expected,
                "{scenario}/{point}: read after the crash"
            );

            // The next writer cleans up, and the store still reads the same.
            drop(Writer::lock(dir.path()).unwrap());
            assert_eq!(
                leftovers(dir.path()),
                Vec::<String>::new(),
                "{scenario}/{point}"
            );
            assert_eq!(
                &state(dir.path()),
                expected,
                "{scenario}/{point}: after recovery"
            );

            // A retry commits (or finds the commit already there).
            let outcome = commit_under_test(dir.path(), scenario);
            assert_eq!(
                matches!(outcome, CommitOutcome::Unchanged(_)),
                committed,
                "{scenario}/{point}: {outcome:?}"
            );
            assert_eq!(
                state(dir.path()),
                after,
                "{scenario}/{point}: after the retry"
            );
        }
    }
}

/// Not a test on its own: the body the migration crash test runs in a child process.
#[test]
fn child_migrates_until_the_crash_point() {
    let Ok(dir) = std::env::var(MIGRATE_VAR) else {
        return;
    };
    drop(Writer::lock(Path::new(&dir)).unwrap());
}

/// A store of format 2 with two snapshots (one with renames and new keys).
fn setup_format_2(dir: &Path) {
    setup(dir);
    commit_under_test(dir, "new");
    downgrade_to_format_2(dir).unwrap();
    assert!(dir.join("snapshots").is_dir() && !dir.join("models").exists());
}

fn versions(dir: &Path) -> Vec<u32> {
    let store = Store::open(dir).unwrap();
    store
        .snapshots()
        .iter()
        .map(|info| store.manifest(info.as_of).unwrap().schema_version)
        .collect()
}

#[test]
fn a_crash_at_any_point_of_a_migration_leaves_a_store_that_reads_the_same() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let exe = std::env::current_exe().unwrap();
    let reference = tempfile::tempdir().unwrap();
    setup_format_2(reference.path());
    let before = state(reference.path());
    assert_eq!(before.snapshots.len(), 2);
    assert_eq!(versions(reference.path()), [2, 2]);
    drop(Writer::lock(reference.path()).unwrap());
    assert_eq!(state(reference.path()), before, "after the migration");
    assert_eq!(versions(reference.path()), [3, 3]);
    assert_eq!(leftovers(reference.path()), Vec::<String>::new());
    let store = Store::open(reference.path()).unwrap();
    for info in store.snapshots() {
        store.verify(info.as_of).unwrap();
    }

    for point in MIGRATION_CRASH_POINTS {
        let dir = tempfile::tempdir().unwrap();
        setup_format_2(dir.path());
        let status = Command::new(&exe)
            .args([
                "--exact",
                "crash::child_migrates_until_the_crash_point",
                "--test-threads=1",
            ])
            .env(MIGRATE_VAR, dir.path())
            .env("HUBCENSUS_STORE_CRASH_AT", point)
            .output()
            .unwrap()
            .status;
        assert!(!status.success(), "{point}: the child did not crash");
        assert_eq!(state(dir.path()), before, "{point}: read after the crash");

        // The next writer finishes the migration.
        drop(Writer::lock(dir.path()).unwrap());
        assert_eq!(leftovers(dir.path()), Vec::<String>::new(), "{point}");
        assert_eq!(state(dir.path()), before, "{point}: after recovery");
        assert_eq!(versions(dir.path()), [3, 3], "{point}");

        // And commits go on in the new layout.
        let outcome = commit_under_test(dir.path(), "replace");
        assert!(matches!(outcome, CommitOutcome::Committed(_)), "{point}");
    }
}
