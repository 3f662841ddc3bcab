//! The `sync` fault campaign, small (the full one: `examples/fault_campaign`, docs/sync.md).

#[path = "../../examples/fault_campaign/campaign.rs"]
mod campaign;

#[test]
fn sync_under_a_few_hundred_faults_and_kills_loses_and_duplicates_nothing() {
    let work = tempfile::tempdir().unwrap();
    let config = campaign::CampaignConfig {
        binary: env!("CARGO_BIN_EXE_hubcensus").into(),
        work: work.path().to_owned(),
        models: 1_000,
        faults: 300,
        kills_per_round: 1,
        page_size: 20,
        head: 100,
        seed: 17,
    };
    let mut lines = Vec::new();
    let summary = campaign::run(&config, &mut |line| lines.push(line.to_owned())).unwrap();
    let report = format!("{summary}\n{}", lines.join("\n"));
    assert!(summary.faults() >= 300, "{report}");
    assert!(summary.kills >= 2, "{report}");
    assert_eq!(summary.lost, 0, "{report}");
    assert_eq!(summary.duplicated, 0, "{report}");
    assert_eq!(summary.phantoms, 0, "{report}");
    assert_eq!(summary.requests_during_wait, 0, "{report}");
    // Every kind of fault was injected.
    assert_eq!(summary.faults_by_kind.len(), 12, "{report}");
}
