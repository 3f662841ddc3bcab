//! `hubcensus demo`: the synthetic world written as a weekly archive, read back by the importer.

use std::path::Path;

use hubcensus_demo::{World, WorldConfig};
use hubcensus_ingest::{ReadOptions, open};

use crate::support::{fails_with, hubcensus};

fn run_demo(data_dir: &Path, archive: &Path, seed: &str) -> String {
    let output = hubcensus(data_dir)
        .args([
            "demo",
            "--models",
            "3000",
            "--weeks",
            "3",
            "--seed",
            seed,
            "--write-parquet",
        ])
        .arg(archive)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn demo_writes_a_synthetic_weekly_archive_that_reads_back_as_the_world() {
    let temp = tempfile::tempdir().unwrap();
    let archive = temp.path().join("archive");
    let stdout = run_demo(temp.path(), &archive, "5");
    assert!(stdout.starts_with("synthetic demo data: 3,000 models x 3 weekly snapshots (seed 5)"));
    assert!(
        stdout.contains("share of those downloads held by the top 200"),
        "{stdout}"
    );
    assert!(stdout.contains("demo-team-aurora/"), "{stdout}");
    let marker = std::fs::read_to_string(archive.join("SYNTHETIC.md")).unwrap();
    assert!(marker.contains("synthetic demo data"));

    let snapshots = open(&archive, &ReadOptions::default()).unwrap();
    let dates: Vec<String> = snapshots.iter().map(|s| s.as_of.date_string()).collect();
    assert_eq!(dates, ["2026-08-23", "2026-08-30", "2026-09-06"]);

    let world = World::new(WorldConfig {
        models: 3000,
        weeks: 3,
        seed: 5,
        start: WorldConfig::default_start(),
    })
    .unwrap();
    let expected: Vec<_> = world.snapshot(2).unwrap().flatten().collect();
    let read: Vec<_> = snapshots
        .into_iter()
        .last()
        .unwrap()
        .chunks()
        .unwrap()
        .flat_map(Result::unwrap)
        .collect();
    assert_eq!(read.len(), expected.len());
    for (read, expected) in read.iter().zip(&expected) {
        assert_eq!(read.object_id, expected.object_id);
        assert_eq!(read.id, expected.id);
        assert_eq!(read.created_at, expected.created_at, "{}", read.id);
        assert_eq!(read.downloads_all_time, expected.downloads_all_time);
        assert_eq!(read.downloads_30d, expected.downloads_30d);
        assert_eq!(
            read.lineage.as_ref().map(|l| (l.relation, &l.parents)),
            expected.lineage.as_ref().map(|l| (l.relation, &l.parents)),
            "{}",
            read.id
        );
    }
}

#[test]
fn demo_archives_are_identical_for_the_same_seed() {
    let temp = tempfile::tempdir().unwrap();
    let (first, second, other) = (
        temp.path().join("a"),
        temp.path().join("b"),
        temp.path().join("c"),
    );
    run_demo(temp.path(), &first, "9");
    run_demo(temp.path(), &second, "9");
    run_demo(temp.path(), &other, "10");
    let file = |root: &Path| std::fs::read(root.join("models/2026-09-06/models.parquet")).unwrap();
    assert_eq!(file(&first), file(&second));
    assert_ne!(file(&first), file(&other));
}

#[test]
fn demo_rejects_an_empty_world() {
    let temp = tempfile::tempdir().unwrap();
    let output = fails_with(
        hubcensus(temp.path())
            .args(["demo", "--models", "0", "--write-parquet"])
            .arg(temp.path().join("archive")),
        &[
            "error: the demo world needs between 1 and 16777216 models, not 0",
            "hint: choose --models between 1 and 16777216",
        ],
    );
    assert!(output.stdout.is_empty());
    assert!(!temp.path().join("archive").exists(), "nothing written");
}

#[test]
fn demo_help_states_the_cost_and_shows_examples() {
    let temp = tempfile::tempdir().unwrap();
    let output = hubcensus(temp.path())
        .args(["demo", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Cost: no network"), "{stdout}");
    assert!(stdout.contains("Examples:"), "{stdout}");
    assert!(stdout.contains("hubcensus demo --models 2000000 --weeks 13 --write-parquet"));
}

fn demo_into_store(data_dir: &Path, extra: &[&str]) -> std::process::Output {
    hubcensus(data_dir)
        .args(["demo", "--models", "2000", "--weeks", "3"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn demo_fills_the_store_with_synthetic_snapshots() {
    let temp = tempfile::tempdir().unwrap();
    let output = demo_into_store(temp.path(), &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("store: {}", temp.path().display())),
        "{stdout}"
    );
    let report_path = temp.path().join("demo-report.html");
    assert!(
        stdout.contains(&format!("report: {}", report_path.display()))
            && stdout.contains("dashboard: hubcensus --data-dir ")
            && stdout.contains(" serve --open"),
        "{stdout}"
    );
    let report = std::fs::read_to_string(report_path).unwrap();
    assert!(report.contains("Synthetic demo data"));

    let store = hubcensus_store::Store::open(temp.path()).unwrap();
    let world = World::new(WorldConfig {
        models: 2000,
        weeks: 3,
        seed: WorldConfig::DEFAULT_SEED,
        start: WorldConfig::default_start(),
    })
    .unwrap();
    assert_eq!(store.snapshots().len(), 3);
    for (week, info) in store.snapshots().iter().enumerate() {
        assert!(info.synthetic);
        assert_eq!(info.source, hubcensus_model::SourceKind::Synthetic);
        assert_eq!(info.as_of, world.as_of(week));
        assert_eq!(info.models, world.models_in(week) as u64);
    }

    // The same world again is a no-op; another seed at the same dates is refused (exit 2)
    // unless --replace.
    assert!(demo_into_store(temp.path(), &[]).status.success());
    let other = demo_into_store(temp.path(), &["--seed", "99"]);
    assert_eq!(other.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&other.stderr).contains("pass --replace"));
    assert!(
        demo_into_store(temp.path(), &["--seed", "99", "--replace"])
            .status
            .success()
    );
    // A world at other dates would mix with this one: refused.
    let later = demo_into_store(temp.path(), &["--start", "2027-01-03"]);
    assert_eq!(later.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&later.stderr).contains("holds a different synthetic world"),
        "{}",
        String::from_utf8_lossy(&later.stderr)
    );
}
