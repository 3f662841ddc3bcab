//! The `kill -9` campaign, small (the full one: `examples/kill_campaign`, docs/store.md): an
//! import and a sync killed at random instants and run again end with a store whose content
//! digest equals an uninterrupted run's.

#[path = "../../examples/kill_campaign/kills.rs"]
mod campaign;

use hubcensus_ingest::hub::standin::fixture_models;

fn check(summary: &campaign::KillSummary, lines: &[String], kills: u32) {
    let report = format!("{summary}\n{}", lines.join("\n"));
    assert_eq!(summary.kills, kills, "{report}");
    assert!(summary.resumed_runs >= kills, "{report}");
    assert_eq!(summary.hashes_differ, 0, "{report}");
    assert_eq!(summary.hashes_equal, summary.rounds, "{report}");
    assert!(summary.reference_models > 0, "{report}");
    assert_eq!(summary.lost, 0, "{report}");
    assert_eq!(summary.duplicated, 0, "{report}");
    assert_eq!(summary.extra, 0, "{report}");
}

#[test]
fn an_import_killed_at_random_instants_ends_identical_to_an_uninterrupted_one() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("models.json");
    let models = fixture_models(30_000, 5);
    std::fs::write(&file, format!("[{}]", models.join(","))).unwrap();
    let config = campaign::KillConfig {
        binary: env!("CARGO_BIN_EXE_hubcensus").into(),
        work: work.path().join("campaign"),
        target: campaign::Target::Import {
            file,
            extra: vec!["--complete".to_owned()],
        },
        kills: 4,
        seed: 3,
        nice: false,
    };
    let mut lines = Vec::new();
    let summary = campaign::run(&config, &mut |line| lines.push(line.to_owned())).unwrap();
    check(&summary, &lines, 4);
    assert_eq!(summary.reference_models, 30_000);
}

#[test]
fn a_sync_killed_at_random_instants_ends_identical_to_an_uninterrupted_one() {
    let work = tempfile::tempdir().unwrap();
    let config = campaign::KillConfig {
        binary: env!("CARGO_BIN_EXE_hubcensus").into(),
        work: work.path().to_owned(),
        target: campaign::Target::Sync {
            models: 3_000,
            page_size: 50,
            head: 200,
        },
        kills: 4,
        seed: 4,
        nice: false,
    };
    let mut lines = Vec::new();
    let summary = campaign::run(&config, &mut |line| lines.push(line.to_owned())).unwrap();
    check(&summary, &lines, 4);
}
